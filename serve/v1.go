package serve

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/query/item"
)

// Defaults of the /v1 requests, as in the CLI.
const (
	defaultFindLimit   = 10  // contam find --limit
	defaultFindContext = 100 // contam find --context
)

type countRequest struct {
	Index   string   `json:"index"`
	Phrase  *string  `json:"phrase"`
	Phrases []string `json:"phrases"`
}

type countResponse struct {
	Index   string               `json:"index"`
	Results []query.PhraseResult `json:"results"`
}

// count answers POST /v1/count: occurrences and documents of one phrase or
// a batch. It is not heavy: a phrase costs the postings of its rarest
// n-gram.
func (s *Server) count(w http.ResponseWriter, r *http.Request) {
	var req countRequest
	x, err := s.decodeFor(w, r, &req, func() string { return req.Index })
	if err == nil {
		err = s.phraseList(x, &req)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	s.answer(w, r, "count", false, func(ctx context.Context) (any, error) {
		resp := countResponse{Index: x.name, Results: make([]query.PhraseResult, 0, len(req.Phrases))}
		for _, p := range req.Phrases {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			pr, err := x.ch.PhraseContext(ctx, p, 0, 0, 0)
			if err != nil {
				return nil, err
			}
			resp.Results = append(resp.Results, pr)
		}
		return resp, nil
	})
}

// phraseList folds "phrase" into "phrases" and checks the batch.
func (s *Server) phraseList(x *served, req *countRequest) error {
	if (req.Phrase == nil) == (req.Phrases == nil) {
		return errorf(http.StatusBadRequest, `give exactly one of "phrase" and "phrases"`)
	}
	if req.Phrase != nil {
		req.Phrases = []string{*req.Phrase}
	}
	if len(req.Phrases) == 0 || len(req.Phrases) > s.cfg.MaxBatch {
		return errorf(http.StatusBadRequest, "give 1 to %d phrases (--max-batch), not %d", s.cfg.MaxBatch, len(req.Phrases))
	}
	for i, p := range req.Phrases {
		if err := s.checkPhrase(x, fmt.Sprintf("phrase %d", i), p); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) checkPhrase(x *served, what, p string) error {
	if p == "" {
		return errorf(http.StatusBadRequest, "%s is empty", what)
	}
	_, err := s.checkText(x, what, p)
	return err
}

type findRequest struct {
	Index   string `json:"index"`
	Phrase  string `json:"phrase"`
	Offset  int    `json:"offset"`
	Limit   *int   `json:"limit"`
	Context *int   `json:"context"`
}

type findResponse struct {
	Index       string             `json:"index"`
	Offset      int                `json:"offset"`
	Limit       int                `json:"limit"`                  // documents asked for, after the cap
	LimitCapped bool               `json:"limit_capped,omitempty"` // the limit asked for was above --max-results
	Result      query.PhraseResult `json:"result"`
}

// find answers POST /v1/find: the documents holding a phrase, a page at a
// time, as contam find.
func (s *Server) find(w http.ResponseWriter, r *http.Request) {
	var req findRequest
	var limit, ctxRunes int
	var limitCapped bool
	x, err := s.decodeFor(w, r, &req, func() string { return req.Index })
	if err == nil {
		err = s.checkPhrase(x, "phrase", req.Phrase)
	}
	if err == nil && req.Offset < 0 {
		err = errorf(http.StatusBadRequest, "offset must not be negative (got %d)", req.Offset)
	}
	if err == nil {
		limit, limitCapped, err = capped("limit", req.Limit, defaultFindLimit, s.cfg.MaxResults)
	}
	if err == nil {
		ctxRunes, _, err = capped("context", req.Context, defaultFindContext, s.cfg.MaxContext)
	}
	if err == nil && limit == 0 {
		err = errorf(http.StatusBadRequest, "limit must be at least 1 (use /v1/count for counts alone)")
	}
	if err != nil {
		writeError(w, err)
		return
	}
	s.answer(w, r, "find", true, func(ctx context.Context) (any, error) {
		pr, err := x.ch.PhraseContext(ctx, req.Phrase, req.Offset, limit, ctxRunes)
		if err != nil {
			return nil, err
		}
		return findResponse{Index: x.name, Offset: req.Offset, Limit: limit, LimitCapped: limitCapped, Result: pr}, nil
	})
}

type checkItem struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

type checkRequest struct {
	Index string      `json:"index"`
	ID    string      `json:"id"`
	Text  *string     `json:"text"`
	Items []checkItem `json:"items"`
}

type checkResponse struct {
	Index   string         `json:"index"`
	Results []query.Result `json:"results"`
}

// check answers POST /v1/check: one item ("text") or a small batch
// ("items"), judged with the server's check options.
func (s *Server) check(w http.ResponseWriter, r *http.Request) {
	var req checkRequest
	var items []item.Item
	x, err := s.decodeFor(w, r, &req, func() string { return req.Index })
	if err == nil {
		items, err = s.checkItems(x, &req)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	s.answer(w, r, "check", true, func(ctx context.Context) (any, error) {
		rs, err := x.ch.Check(ctx, items)
		if err != nil {
			return nil, err
		}
		return checkResponse{Index: x.name, Results: rs}, nil
	})
}

func (s *Server) checkItems(x *served, req *checkRequest) ([]item.Item, error) {
	if (req.Text == nil) == (req.Items == nil) {
		return nil, errorf(http.StatusBadRequest, `give exactly one of "text" (one item) and "items" (a batch)`)
	}
	if req.Text != nil {
		req.Items = []checkItem{{ID: req.ID, Text: *req.Text}}
	}
	if len(req.Items) == 0 || len(req.Items) > s.cfg.MaxBatch {
		return nil, errorf(http.StatusBadRequest, "give 1 to %d items (--max-batch), not %d", s.cfg.MaxBatch, len(req.Items))
	}
	items := make([]item.Item, len(req.Items))
	for i, it := range req.Items {
		if it.ID == "" {
			it.ID = fmt.Sprintf("item/%d", i)
		}
		if _, err := s.checkText(x, fmt.Sprintf("item %q", it.ID), it.Text); err != nil {
			return nil, err
		}
		items[i] = item.Item{ID: it.ID, Index: i, Text: it.Text}
	}
	return items, nil
}

type traceRequest struct {
	Index      string `json:"index"`
	ID         string `json:"id"`
	Text       string `json:"text"`
	MinSpan    int    `json:"min_span"`
	TopDocs    *int   `json:"top_docs"`
	Context    *int   `json:"context"`
	MaxDocFreq int    `json:"max_doc_freq"`
}

type traceResponse struct {
	Index  string            `json:"index"`
	Result query.TraceResult `json:"result"`
}

// trace answers POST /v1/trace: the maximal spans of a model output found
// in the corpus, as contam trace.
func (s *Server) trace(w http.ResponseWriter, r *http.Request) {
	var req traceRequest
	var opt query.TraceOptions
	x, err := s.decodeFor(w, r, &req, func() string { return req.Index })
	if err == nil {
		_, err = s.checkText(x, "text", req.Text)
	}
	if err == nil {
		opt, err = s.traceOptions(x, &req)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	if req.ID == "" {
		req.ID = "output"
	}
	s.answer(w, r, "trace", true, func(ctx context.Context) (any, error) {
		tr, err := x.ch.TraceContext(ctx, req.ID, req.Text, opt)
		if err != nil {
			return nil, err
		}
		return traceResponse{Index: x.name, Result: tr}, nil
	})
}

func (s *Server) traceOptions(x *served, req *traceRequest) (query.TraceOptions, error) {
	n := x.ix.Manifest.Params.N
	opt := query.TraceOptions{MinSpan: req.MinSpan, MaxDocFreq: req.MaxDocFreq}
	if opt.MinSpan == 0 {
		opt.MinSpan = n
	}
	if opt.MinSpan < n {
		return opt, errorf(http.StatusBadRequest, "min_span %d is below the index's n-gram length %d: spans are found from shared %d-grams", opt.MinSpan, n, n)
	}
	if opt.MaxDocFreq < 0 {
		return opt, errorf(http.StatusBadRequest, "max_doc_freq must not be negative")
	}
	var err error
	if opt.TopDocs, _, err = capped("top_docs", req.TopDocs, query.DefaultTopDocs, s.cfg.MaxResults); err != nil {
		return opt, err
	}
	opt.Context, _, err = capped("context", req.Context, query.DefaultContext, s.cfg.MaxContext)
	return opt, err
}

// decodeFor decodes the body into req and looks up the index it names
// (name is read after decoding).
func (s *Server) decodeFor(w http.ResponseWriter, r *http.Request, req any, name func() string) (*served, error) {
	if err := decode(w, r, s.cfg.MaxBodyBytes, req); err != nil {
		return nil, err
	}
	return s.index(name())
}

// indexInfo is one index in GET /v1/indexes.
type indexInfo struct {
	Name        string       `json:"name"`
	Dir         string       `json:"dir"`
	Params      index.Params `json:"params"`
	Fingerprint string       `json:"fingerprint"`
	Shards      int          `json:"shards"`
	Counts      index.Counts `json:"counts"`
	DiskBytes   int64        `json:"disk_bytes"`
	Built       time.Time    `json:"built"`
}

func (s *Server) listIndexes(w http.ResponseWriter, r *http.Request) {
	out := struct {
		Indexes []indexInfo `json:"indexes"`
	}{Indexes: []indexInfo{}}
	for _, x := range s.indexes {
		m := x.ix.Manifest
		out.Indexes = append(out.Indexes, indexInfo{Name: x.name, Dir: x.ix.Dir, Params: m.Params, Fingerprint: m.Fingerprint,
			Shards: len(x.ix.Shards), Counts: m.Counts, DiskBytes: x.diskBytes, Built: m.Built})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "indexes": s.Names(), "uptime_seconds": int64(time.Since(s.started).Seconds())})
}
