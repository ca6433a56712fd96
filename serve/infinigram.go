package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/index/text"
	"github.com/contam-dev/contam/query"
)

// The infini-gram API (https://infini-gram.io/api_doc, docs/api_doc.md of
// github.com/liujch1998/infini-gram): POST / with a JSON object naming the
// index ("corpus", or "index" in their newer API), a query_type and a
// query. contam answers count and search_docs; see docs/api.md for how its
// answers differ (normalized words instead of model tokens, exact counts,
// document-level CNF semantics).

// CNF bounds, the values infini-gram's API server uses
// (MAX_CLAUSES_PER_CNF, MAX_TERMS_PER_CLAUSE).
const (
	MaxCNFClauses = 4
	MaxCNFTerms   = 4
)

const (
	defaultMaxnum     = 1    // infini-gram's search_docs default
	defaultDispTokens = 1000 // infini-gram's max_disp_len default
)

type igRequest struct {
	Corpus     string          `json:"corpus"`
	Index      string          `json:"index"`
	QueryType  string          `json:"query_type"`
	Query      *string         `json:"query"`
	QueryIDs   json.RawMessage `json:"query_ids"`
	Maxnum     *int            `json:"maxnum"`
	MaxDispLen *int            `json:"max_disp_len"`
	// Accepted and ignored: infini-gram subsamples frequent clauses and
	// only pairs clauses within max_diff_tokens of each other; contam's
	// answers are exact and document-level, so neither applies.
	MaxClauseFreq json.RawMessage `json:"max_clause_freq"`
	MaxDiffTokens json.RawMessage `json:"max_diff_tokens"`
	// Bookkeeping fields some infini-gram clients send; their server
	// drops them too.
	Engine    json.RawMessage `json:"engine"`
	Source    json.RawMessage `json:"source"`
	Timestamp json.RawMessage `json:"timestamp"`
}

// cnf is a parsed query: clauses joined by AND, each a list of phrases
// joined by OR. A query without operators is one clause of one phrase.
type cnf struct {
	simple  bool
	clauses [][]string
	tokens  [][][]string // normalized tokens of each phrase
}

type igCountResponse struct {
	Count   int64   `json:"count"`
	Approx  bool    `json:"approx"`
	Latency float64 `json:"latency"` // milliseconds
	Tokens  any     `json:"tokens"`
	Index   string  `json:"index"`
}

type igSearchResponse struct {
	Cnt       int64        `json:"cnt"`
	Approx    bool         `json:"approx"`
	Idxs      []int        `json:"idxs"`
	Documents []igDocument `json:"documents"`
	Message   string       `json:"message"`
	Latency   float64      `json:"latency"`
	Tokens    any          `json:"tokens"`
	Index     string       `json:"index"`
}

// igDocument is a document as search_docs shows it: spans cover the shown
// text exactly, each labelled with the index of the clause it matches ("0"
// for a simple query) or null.
type igDocument struct {
	DocIx    int64      `json:"doc_ix"`   // position of the document in the index (shard by shard, in build order)
	DocLen   int        `json:"doc_len"`  // tokens in the document
	DispLen  int        `json:"disp_len"` // tokens shown
	Metadata igMetadata `json:"metadata"`
	Spans    []igSpan   `json:"spans"`
}

type igMetadata struct {
	ID     string            `json:"id"`
	Source string            `json:"source"`
	Line   int64             `json:"line,omitempty"`
	Offset int64             `json:"offset"`
	Meta   map[string]string `json:"meta,omitempty"`
}

// igSpan marshals as infini-gram's 2-tuple [text, label-or-null].
type igSpan struct {
	Text  string
	Label int // clause index; -1: matches no clause
}

func (s igSpan) MarshalJSON() ([]byte, error) {
	var label any
	if s.Label >= 0 {
		label = strconv.Itoa(s.Label)
	}
	return json.Marshal([]any{s.Text, label})
}

func (s *igSpan) UnmarshalJSON(b []byte) error {
	var v []*string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if len(v) != 2 || v[0] == nil {
		return fmt.Errorf("serve: a span is [text, label], not %s", b)
	}
	s.Text, s.Label = *v[0], -1
	if v[1] != nil {
		l, err := strconv.Atoi(*v[1])
		if err != nil {
			return fmt.Errorf("serve: span label %q: %v", *v[1], err)
		}
		s.Label = l
	}
	return nil
}

// infiniGram answers POST /, the infini-gram API.
func (s *Server) infiniGram(w http.ResponseWriter, r *http.Request) {
	var req igRequest
	x, q, err := s.igParse(w, r, &req)
	if err != nil {
		writeError(w, err)
		return
	}
	switch {
	case req.QueryType == "count" && q.simple && len(q.tokens[0][0]) == 0:
		// infini-gram: "If the query is an empty string, the total number
		// of tokens in the corpus will be returned."
		writeJSON(w, http.StatusOK, igCountResponse{Count: x.ix.Manifest.Counts.Tokens, Tokens: []string{}, Index: x.name})
	case req.QueryType == "count":
		s.answer(w, r, "infini-gram", !q.simple, func(ctx context.Context) (any, error) {
			start := time.Now()
			var n int64
			if q.simple {
				pr, err := x.ch.PhraseContext(ctx, q.clauses[0][0], 0, 0, 0)
				if err != nil {
					return nil, err
				}
				n = pr.Occurrences
			} else {
				docs, err := x.cnfDocs(ctx, q)
				if err != nil {
					return nil, err
				}
				n = int64(len(docs))
			}
			return igCountResponse{Count: n, Latency: msSince(start), Tokens: q.tokensJSON(), Index: x.name}, nil
		})
	default: // search_docs
		maxnum, disp, err := s.igSearchParams(&req)
		if err != nil {
			writeError(w, err)
			return
		}
		s.answer(w, r, "infini-gram", true, func(ctx context.Context) (any, error) {
			return x.searchDocs(ctx, q, maxnum, disp)
		})
	}
}

// igParse decodes and validates an infini-gram request.
func (s *Server) igParse(w http.ResponseWriter, r *http.Request, req *igRequest) (*served, *cnf, error) {
	if err := decode(w, r, s.cfg.MaxBodyBytes, req); err != nil {
		return nil, nil, err
	}
	name := req.Corpus
	if req.Index != "" {
		if name != "" && name != req.Index {
			return nil, nil, errorf(http.StatusBadRequest, "corpus %q and index %q disagree; give one", req.Corpus, req.Index)
		}
		name = req.Index
	}
	x, err := s.index(name)
	if err != nil {
		return nil, nil, err
	}
	switch req.QueryType {
	case "count", "search_docs":
	case "":
		return nil, nil, errorf(http.StatusBadRequest, "missing query_type (contam serves count and search_docs)")
	default:
		return nil, nil, errorf(http.StatusBadRequest, "query_type %q is not supported: contam serves count and search_docs (an index of word n-grams holds no next-token distributions)", req.QueryType)
	}
	hasIDs := len(req.QueryIDs) > 0 && string(req.QueryIDs) != "null"
	switch {
	case hasIDs && req.Query != nil:
		return nil, nil, errorf(http.StatusBadRequest, "exactly one of query and query_ids must be present")
	case hasIDs:
		return nil, nil, errorf(http.StatusBadRequest, "query_ids is not supported: contam indexes normalized words, not model token ids; send the text as query")
	case req.Query == nil:
		return nil, nil, errorf(http.StatusBadRequest, "exactly one of query and query_ids must be present")
	}
	q, err := s.parseCNF(x, *req.Query)
	if err != nil {
		return nil, nil, err
	}
	if req.QueryType == "search_docs" && q.simple && len(q.tokens[0][0]) == 0 {
		return nil, nil, errorf(http.StatusBadRequest, "search_docs needs a non-empty query")
	}
	return x, q, nil
}

// parseCNF splits a query as infini-gram does: on " AND ", then each clause
// on " OR " (so OR binds tighter), and checks every phrase can be answered
// exactly.
func (s *Server) parseCNF(x *served, qs string) (*cnf, error) {
	if len(qs) > s.cfg.MaxQueryBytes {
		return nil, errorf(http.StatusBadRequest, "the query is %d bytes long; the limit is %d bytes (--max-query-bytes)", len(qs), s.cfg.MaxQueryBytes)
	}
	q := &cnf{simple: !strings.Contains(qs, " AND ") && !strings.Contains(qs, " OR ")}
	if q.simple {
		q.clauses = [][]string{{qs}}
	} else {
		for _, c := range strings.Split(qs, " AND ") {
			q.clauses = append(q.clauses, strings.Split(c, " OR "))
		}
		if len(q.clauses) > MaxCNFClauses {
			return nil, errorf(http.StatusBadRequest, "the query has %d clauses joined by AND; the limit is %d", len(q.clauses), MaxCNFClauses)
		}
	}
	n := x.ix.Manifest.Params.N
	total := 0
	for ci, c := range q.clauses {
		if len(c) > MaxCNFTerms {
			return nil, errorf(http.StatusBadRequest, "clause %d has %d phrases joined by OR; the limit is %d", ci, len(c), MaxCNFTerms)
		}
		var ts [][]string
		for _, p := range c {
			toks, err := query.Tokenize(x.ix.Manifest.Params.Normalizer, p)
			if err != nil {
				return nil, err
			}
			total += len(toks)
			switch {
			case q.simple && len(toks) == 0:
				// the empty count query: answered from the manifest
			case len(toks) == 0:
				return nil, errorf(http.StatusBadRequest, "an empty phrase in clause %d of %q", ci, qs)
			case len(toks) < n:
				return nil, errorf(http.StatusBadRequest, "%q has %d tokens after normalization; this index stores %d-grams, so phrases shorter than %d tokens cannot be counted exactly from it", p, len(toks), n, n)
			}
			ts = append(ts, toks)
		}
		q.tokens = append(q.tokens, ts)
	}
	if total > s.cfg.MaxQueryTokens {
		return nil, errorf(http.StatusBadRequest, "the query has %d tokens after normalization; the limit is %d tokens (--max-query-tokens)", total, s.cfg.MaxQueryTokens)
	}
	return q, nil
}

// tokensJSON is the "tokens" field: a list for a simple query, a
// triply-nested list (clauses, phrases, tokens) for a CNF, as infini-gram.
func (q *cnf) tokensJSON() any {
	if q.simple {
		return q.tokens[0][0]
	}
	return q.tokens
}

func (s *Server) igSearchParams(req *igRequest) (maxnum, disp int, err error) {
	if req.Maxnum != nil && *req.Maxnum < 1 {
		return 0, 0, errorf(http.StatusBadRequest, "maxnum must be at least 1 (got %d)", *req.Maxnum)
	}
	if maxnum, _, err = capped("maxnum", req.Maxnum, defaultMaxnum, s.cfg.MaxResults); err != nil {
		return 0, 0, err
	}
	if req.MaxDispLen != nil && *req.MaxDispLen < 1 {
		return 0, 0, errorf(http.StatusBadRequest, "max_disp_len must be at least 1 (got %d)", *req.MaxDispLen)
	}
	disp, _, err = capped("max_disp_len", req.MaxDispLen, defaultDispTokens, s.cfg.MaxDispTokens)
	return maxnum, disp, err
}

// docKey identifies a document across phrase answers: an input file and
// the line (record, row) and byte offset of its record there. Both, because
// Parquet rows share offset 0 and a text file's one document has line 0.
type docKey struct {
	source       string
	line, offset int64
}

// cnfDocs returns the documents satisfying q: for every clause, a document
// holding at least one of its phrases. In (id, source, offset) order, as
// query.Phrase lists documents.
func (x *served) cnfDocs(ctx context.Context, q *cnf) ([]query.DocHit, error) {
	var sat map[docKey]query.DocHit
	for ci, clause := range q.clauses {
		union := map[docKey]query.DocHit{}
		for _, p := range clause {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			// Every document: a CNF is decided per document.
			pr, err := x.ch.PhraseContext(ctx, p, 0, math.MaxInt32, 0)
			if err != nil {
				return nil, err
			}
			for _, h := range pr.Hits {
				union[docKey{h.Source, h.Line, h.Offset}] = h.DocHit
			}
		}
		if ci == 0 {
			sat = union
		} else {
			for k := range sat {
				if _, ok := union[k]; !ok {
					delete(sat, k)
				}
			}
		}
		if len(sat) == 0 {
			break
		}
	}
	out := make([]query.DocHit, 0, len(sat))
	for _, h := range sat {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := &out[i], &out[j]
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Offset < b.Offset
	})
	return out, nil
}

// searchDocs answers search_docs: the first maxnum matching documents
// (contam's answers are deterministic; infini-gram samples at random), each
// shown as disp tokens around its first match.
func (x *served) searchDocs(ctx context.Context, q *cnf, maxnum, disp int) (igSearchResponse, error) {
	start := time.Now()
	resp := igSearchResponse{Idxs: []int{}, Documents: []igDocument{}, Tokens: q.tokensJSON(), Index: x.name}
	var hits []query.DocHit
	if q.simple {
		pr, err := x.ch.PhraseContext(ctx, q.clauses[0][0], 0, maxnum, 0)
		if err != nil {
			return resp, err
		}
		resp.Cnt = pr.Occurrences
		for _, h := range pr.Hits {
			hits = append(hits, h.DocHit)
		}
		resp.Message = fmt.Sprintf("%d occurrences found in %d documents", pr.Occurrences, pr.Docs)
	} else {
		all, err := x.cnfDocs(ctx, q)
		if err != nil {
			return resp, err
		}
		resp.Cnt = int64(len(all))
		hits = all[:min(maxnum, len(all))]
		resp.Message = fmt.Sprintf("%d documents found", len(all))
	}
	var shown []string
	for i, h := range hits {
		if err := ctx.Err(); err != nil {
			return resp, err
		}
		d, err := x.showDoc(h, q, disp)
		if err != nil {
			return resp, err
		}
		resp.Idxs = append(resp.Idxs, i)
		resp.Documents = append(resp.Documents, d)
		shown = append(shown, strconv.Itoa(i))
	}
	if len(shown) > 0 {
		resp.Message += ". Displaying documents #[" + strings.Join(shown, ", ") + "]"
	}
	resp.Latency = msSince(start)
	return resp, nil
}

// showDoc reads a matching document from the index and marks every
// occurrence of the query's phrases in it.
func (x *served) showDoc(h query.DocHit, q *cnf, disp int) (igDocument, error) {
	ix, d, err := x.docAt(h)
	if err != nil {
		return igDocument{}, err
	}
	var toks text.Tokens
	x.norm.Tokenize(&toks, d.Text)
	n := toks.Len()
	label := make([]int, n)
	for i := range label {
		label[i] = -1
	}
	// Clause by clause and phrase by phrase, leftmost occurrences first, an
	// occurrence only where no earlier one was marked: infini-gram's order.
	for ci, clause := range q.tokens {
		for _, p := range clause {
			for i := 0; i+len(p) <= n; i++ {
				if matchAt(&toks, i, p, label) {
					for k := range p {
						label[i+k] = ci
					}
					i += len(p) - 1
				}
			}
		}
	}
	first := 0
	for i, l := range label {
		if l >= 0 {
			first = i
			break
		}
	}
	// disp tokens, the first match a quarter of the way in when it can be.
	lo := max(0, first-disp/4)
	hi := min(n, lo+disp)
	lo = max(0, hi-disp)
	out := igDocument{DocIx: ix, DocLen: n, DispLen: hi - lo, Metadata: igMetadata{ID: d.ID, Source: h.Source, Line: d.Line, Offset: d.Offset, Meta: d.Meta}, Spans: []igSpan{}}
	b0, b1 := 0, len(d.Text)
	if lo > 0 {
		b0 = toks.Start[lo]
	}
	if hi < n {
		b1 = toks.End[hi-1]
	}
	pos := b0
	for i := lo; i < hi; {
		j := i
		for j < hi && label[j] == label[i] {
			j++
		}
		if label[i] >= 0 {
			if toks.Start[i] > pos {
				out.Spans = append(out.Spans, igSpan{string(d.Text[pos:toks.Start[i]]), -1})
			}
			pos = toks.End[j-1]
			out.Spans = append(out.Spans, igSpan{string(d.Text[toks.Start[i]:pos]), label[i]})
		}
		i = j
	}
	if b1 > pos {
		out.Spans = append(out.Spans, igSpan{string(d.Text[pos:b1]), -1})
	}
	return out, nil
}

// matchAt says whether phrase p occurs at token i, on tokens not yet marked.
func matchAt(toks *text.Tokens, i int, p []string, label []int) bool {
	for k, t := range p {
		if label[i+k] >= 0 || string(toks.Norm(i+k)) != t {
			return false
		}
	}
	return true
}

// docAt reads the stored document a hit names (query.DocHit carries its
// shard and document number) and returns its position in the index, which
// infini-gram clients see as the document index.
func (x *served) docAt(h query.DocHit) (int64, *index.Doc, error) {
	if h.Shard < 0 || h.Shard >= len(x.ix.Shards) {
		return 0, nil, fmt.Errorf("serve: index %s: document %s names shard %d of %d", x.name, h.ID, h.Shard, len(x.ix.Shards))
	}
	d, err := x.ix.Shards[h.Shard].Doc(h.Doc)
	if err != nil {
		return 0, nil, err
	}
	return x.base[h.Shard] + int64(h.Doc), d, nil
}

// msSince is the time since t in milliseconds, to the microsecond, as
// infini-gram's "latency".
func msSince(t time.Time) float64 {
	return float64(time.Since(t).Microseconds()) / 1000
}
