package query

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/index/text"
)

// TraceOptions configure a trace.
type TraceOptions struct {
	MinSpan    int // shortest span reported, tokens; at least the index's n
	TopDocs    int // documents shown per span
	Context    int // runes of document context each side
	MaxDocFreq int // hide spans held by more documents than this (0: no limit)
}

// TraceResult is the answer for one model output.
type TraceResult struct {
	ID          string      `json:"id"`
	Tokens      int         `json:"tokens"`
	Coverage    float64     `json:"coverage"`     // fraction of output tokens inside a reported span
	Covered     int         `json:"covered"`      // output tokens inside a reported span
	LongestSpan int         `json:"longest_span"` // tokens
	NDocs       int         `json:"n_docs"`       // distinct documents holding at least one reported span (all of them, not only those shown)
	Hidden      int         `json:"hidden"`       // spans hidden by MaxDocFreq
	Spans       []TraceSpan `json:"spans"`
}

// TraceSpan is a maximal span of the output found verbatim (after
// normalization) in the corpus: it cannot be extended on either side while
// still occurring in some document.
type TraceSpan struct {
	TokStart  int      `json:"tok_start"`
	TokEnd    int      `json:"tok_end"`
	ByteStart int      `json:"byte_start"` // in the output as written
	ByteEnd   int      `json:"byte_end"`
	Len       int      `json:"len"`
	Text      string   `json:"text"` // the output's own bytes for the span
	Docs      int      `json:"docs"` // documents containing the span: exact, every posting is verified
	Score     float64  `json:"score"`
	TopDocs   []DocHit `json:"top_docs"`
}

// SpanScore ranks spans longer and rarer first, like OLMoTrace: the span's
// length in tokens times the inverse document frequency of the span,
// log2(1 + D/docs), where D is the number of documents in the index.
func SpanScore(length, docs int, totalDocs int64) float64 {
	return float64(length) * math.Log2(1+float64(totalDocs)/float64(max(docs, 1)))
}

// Trace finds the maximal spans of out shared with the corpus.
func (c *Checker) Trace(id, out string, opt TraceOptions) (TraceResult, error) {
	return c.TraceContext(context.Background(), id, out, opt)
}

// TraceContext is Trace that stops with ctx's error once ctx is done (a
// server's request deadline), between documents.
func (c *Checker) TraceContext(ctx context.Context, id, out string, opt TraceOptions) (TraceResult, error) {
	if opt.MinSpan < c.p.N {
		opt.MinSpan = c.p.N
	}
	if opt.TopDocs <= 0 {
		opt.TopDocs = DefaultTopDocs
	}
	var toks text.Tokens
	c.norm.Tokenize(&toks, []byte(out))
	r := TraceResult{ID: id, Tokens: toks.Len(), Spans: []TraceSpan{}}
	docs, err := c.matches(ctx, &toks)
	if err != nil {
		return r, err
	}
	r.Spans, r.Hidden, r.NDocs, err = traceSpans(out, &toks, docs, opt, c.ix.Manifest.Counts.Docs, c.docTokens)
	if err != nil {
		return r, err
	}
	summarizeTrace(&r)
	return r, nil
}

func summarizeTrace(r *TraceResult) {
	covered := make([]bool, r.Tokens)
	for _, s := range r.Spans {
		for t := s.TokStart; t < s.TokEnd; t++ {
			covered[t] = true
		}
		r.LongestSpan = max(r.LongestSpan, s.Len)
	}
	r.Covered = countTrue(covered)
	if r.Tokens > 0 {
		r.Coverage = float64(r.Covered) / float64(r.Tokens)
	}
}

// traceSpans turns per-document maximal matches into globally maximal
// spans: a document's maximal match is a maximal span unless another
// document's match strictly contains it. It also returns the number of
// spans hidden by MaxDocFreq and of distinct documents holding a shown span.
// The documents shown are fetched with doc.
func traceSpans(out string, toks *text.Tokens, docs []*docMatches, opt TraceOptions, totalDocs int64, doc func(docKey) (*docTok, error)) ([]TraceSpan, int, int, error) {
	spans := []TraceSpan{}
	hidden := 0
	holders := map[*docMatches]bool{}
	for _, v := range maximalIntervals(docs, opt.MinSpan) {
		type holder struct {
			id docID
			d  *docMatches
			m  match
		}
		var hs []holder
		for _, d := range docs {
			for _, m := range d.matches {
				if m.itemStart <= v.a && v.b <= m.itemEnd {
					hs = append(hs, holder{d.id, d, m})
					break
				}
			}
		}
		s := TraceSpan{
			TokStart: v.a, TokEnd: v.b, Len: v.b - v.a, Docs: len(hs),
			ByteStart: toks.Start[v.a], ByteEnd: toks.End[v.b-1],
		}
		s.Text = out[s.ByteStart:s.ByteEnd]
		if opt.MaxDocFreq > 0 && s.Docs > opt.MaxDocFreq {
			hidden++
			continue
		}
		s.Score = SpanScore(s.Len, s.Docs, totalDocs)
		for _, h := range hs {
			holders[h.d] = true
		}
		sort.Slice(hs, func(i, j int) bool { return lessID(hs[i].id, hs[j].id) })
		s.TopDocs = []DocHit{}
		for i, h := range hs {
			if i >= opt.TopDocs {
				break
			}
			// The span's own occurrence inside the document's match.
			ds := h.m.docStart + (v.a - h.m.itemStart)
			de := ds + s.Len
			dt, err := doc(h.d.key)
			if err != nil {
				return nil, 0, 0, err
			}
			hit := dt.hit
			hit.LongestSpan = h.m.itemEnd - h.m.itemStart
			hit.MatchedTokens = s.Len
			hit.Match = Match{ItemTokStart: v.a, ItemTokEnd: v.b, DocByteStart: dt.toks.Start[ds], DocByteEnd: dt.toks.End[de-1]}
			hit.Match.Before, hit.Match.Text, hit.Match.After = snippet(dt.text, hit.Match.DocByteStart, hit.Match.DocByteEnd, opt.Context)
			s.TopDocs = append(s.TopDocs, hit)
		}
		spans = append(spans, s)
	}
	sort.Slice(spans, func(i, j int) bool {
		a, b := spans[i], spans[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		return a.TokStart < b.TokStart
	})
	return spans, hidden, len(holders), nil
}

// lessHit is lessID of two hits.
func lessHit(a, b *DocHit) bool { return lessID(a.docID(), b.docID()) }

// PhraseResult answers count and find for one phrase.
type PhraseResult struct {
	Phrase      string      `json:"phrase"`
	Tokens      int         `json:"tokens"`
	Exact       bool        `json:"exact"`            // false: too short for the index to answer
	Reason      string      `json:"reason,omitempty"` // why not exact
	Occurrences int64       `json:"occurrences"`      // verified occurrences in the corpus
	Docs        int         `json:"docs"`             // documents holding at least one
	Hits        []PhraseHit `json:"hits,omitempty"`   // find: documents, in (id, source, offset) order, paginated
}

// phraseCand is where a phrase may start: a document and a token position.
type phraseCand struct {
	doc   uint32
	start int
}

// phraseCandidates returns the possible starts of a phrase with n-gram
// hashes in a shard, in (document, position) order. With all anchors every
// occurrence has a posting for each of its n-grams, so the rarest n-gram's
// postings, shifted back by its offset, are all the candidates (and an
// n-gram without postings means none). With sampled anchors an occurrence
// holds an anchor at some offset, so the candidates are the union over all
// offsets.
func phraseCandidates(sh *index.Shard, hashes []uint64, allAnchors bool) ([]phraseCand, error) {
	var cands []phraseCand
	if allAnchors {
		var best []index.Posting
		bestOff := -1
		for off, h := range hashes {
			ps, err := sh.Postings(h, nil)
			if err != nil {
				return nil, err
			}
			if bestOff < 0 || len(ps) < len(best) {
				best, bestOff = ps, off
			}
			if len(ps) == 0 {
				break
			}
		}
		for _, p := range best {
			cands = append(cands, phraseCand{p.Doc, int(p.Pos) - bestOff})
		}
		return cands, nil
	}
	seen := map[phraseCand]bool{}
	for off, h := range hashes {
		ps, err := sh.Postings(h, nil)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			k := phraseCand{p.Doc, int(p.Pos) - off}
			if !seen[k] {
				seen[k] = true
				cands = append(cands, k)
			}
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].doc != cands[j].doc {
			return cands[i].doc < cands[j].doc
		}
		return cands[i].start < cands[j].start
	})
	return cands, nil
}

// PhraseHit is a document holding a phrase; Match shows its first occurrence.
type PhraseHit struct {
	DocHit
	Occurrences int `json:"occurrences"` // in this document
}

// Phrase counts the occurrences of a phrase (after normalization) and, with
// limit > 0, returns the documents holding it from offset on. Exact for
// phrases of at least the index's guaranteed span (n tokens with all
// anchors, n+W−1 with winnow-W). With all anchors every occurrence has a
// posting for the phrase's rarest n-gram at a known offset, so that
// n-gram's postings are the candidates; with sampled anchors an occurrence
// holds an anchor at some offset, so the candidates are the postings of
// every n-gram of the phrase, each shifted back by its offset. Every
// candidate is verified against the document text.
func (c *Checker) Phrase(phrase string, offset, limit, contextRunes int) (PhraseResult, error) {
	return c.PhraseContext(context.Background(), phrase, offset, limit, contextRunes)
}

// PhraseContext is Phrase that stops with ctx's error once ctx is done,
// between candidate occurrences.
func (c *Checker) PhraseContext(ctx context.Context, phrase string, offset, limit, contextRunes int) (PhraseResult, error) {
	if offset < 0 || limit < 0 || contextRunes < 0 {
		return PhraseResult{}, fmt.Errorf("query: negative offset, limit or context (%d, %d, %d)", offset, limit, contextRunes)
	}
	var toks text.Tokens
	c.norm.Tokenize(&toks, []byte(phrase))
	n, g := c.p.N, c.p.GuaranteedSpan()
	r := PhraseResult{Phrase: phrase, Tokens: toks.Len(), Exact: toks.Len() >= g}
	if !r.Exact {
		if g == n {
			r.Reason = fmt.Sprintf("the phrase has %d tokens after normalization; this index stores %d-grams, so phrases shorter than %d tokens cannot be counted exactly from it", toks.Len(), n, n)
		} else {
			r.Reason = fmt.Sprintf("the phrase has %d tokens after normalization; this index (%d-grams, anchors %s) finds every shared span of %d tokens or more, so shorter phrases cannot be counted exactly from it", toks.Len(), n, c.p.Anchors, g)
		}
		return r, nil
	}
	hashes := text.NGramHashes(nil, &toks, n, c.p.Seed)
	type occ struct {
		shard int
		hit   DocHit
		d     *docTok
		pos   []int
	}
	var found []*occ
	for si, sh := range c.ix.Shards {
		cands, err := phraseCandidates(sh, hashes, g == n)
		if err != nil {
			return r, err
		}
		byDoc := map[uint32]*occ{}
		var order []uint32
		for i, cd := range cands {
			if i&63 == 0 {
				if err := ctx.Err(); err != nil {
					return r, err
				}
			}
			doc, start := cd.doc, cd.start
			if start < 0 {
				continue
			}
			dt, err := c.docTokens(docKey{si, doc})
			if err != nil {
				return r, err
			}
			if start+toks.Len() > dt.toks.Len() {
				continue
			}
			ok := true
			for k := 0; k < toks.Len(); k++ {
				if !bytes.Equal(toks.Norm(k), dt.toks.Norm(start+k)) {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			o := byDoc[doc]
			if o == nil {
				o = &occ{shard: si, hit: dt.hit, d: dt}
				byDoc[doc] = o
				order = append(order, doc)
			}
			o.pos = append(o.pos, start)
			r.Occurrences++
		}
		for _, doc := range order {
			found = append(found, byDoc[doc])
		}
	}
	r.Docs = len(found)
	if limit <= 0 {
		return r, nil
	}
	sort.Slice(found, func(i, j int) bool { return lessHit(&found[i].hit, &found[j].hit) })
	r.Hits = []PhraseHit{}
	for i := offset; i < len(found) && i < offset+limit; i++ {
		o := found[i]
		sort.Ints(o.pos)
		p := o.pos[0]
		h := o.hit
		h.MatchedTokens = toks.Len()
		h.LongestSpan = toks.Len()
		h.Match = Match{ItemTokStart: 0, ItemTokEnd: toks.Len(), DocByteStart: o.d.toks.Start[p], DocByteEnd: o.d.toks.End[p+toks.Len()-1]}
		h.Match.Before, h.Match.Text, h.Match.After = snippet(o.d.text, h.Match.DocByteStart, h.Match.DocByteEnd, contextRunes)
		r.Hits = append(r.Hits, PhraseHit{DocHit: h, Occurrences: len(o.pos)})
	}
	return r, nil
}
