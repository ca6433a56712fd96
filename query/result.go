// Package query is contam's engine: it looks an item's n-grams up in every
// shard, verifies each hit token by token against the stored document text,
// extends it to the maximal shared span, and turns the verified spans into
// coverage, top documents and a verdict. Nothing a hash or a Bloom filter
// says is ever reported without that verification.
package query

import (
	"sort"
)

// Rule is the verdict rule and its thresholds; reported with every result.
type Rule struct {
	MinSpan     int     `json:"min_span"`     // contaminated if the longest verified span has at least this many tokens
	MinCoverage float64 `json:"min_coverage"` // … or at least this fraction of the item's tokens lie in verified spans
	MinCovered  int     `json:"min_covered"`  // … and, for the coverage test, at least min(this, item tokens) of them
}

// Result is the answer for one benchmark item.
type Result struct {
	ID           string   `json:"id"`
	Index        int      `json:"index"`
	Tokens       int      `json:"tokens"`
	TooShort     bool     `json:"too_short,omitempty"` // fewer tokens than the index's n: no n-gram can match
	Contaminated bool     `json:"contaminated"`
	Coverage     float64  `json:"coverage"`
	Covered      int      `json:"covered"` // item tokens inside verified spans (absolute: a short copy in a long page is not diluted)
	LongestSpan  int      `json:"longest_span"`
	NDocs        int      `json:"n_docs"`
	Rule         Rule     `json:"rule"`
	Spans        []Span   `json:"spans"`
	Docs         []DocHit `json:"docs"`
	// Standards holds the verdict of every standard asked for
	// (contam check --standard NAME), keyed by standard name.
	Standards map[string]Verdict `json:"standards,omitempty"`
	// NearDup is the best near-duplicate found (contam check --near-dup);
	// it is reported beside the exact verdict and never replaces it.
	NearDup *NearDup `json:"near_dup,omitempty"`
}

// Span is a maximal run of item tokens found verbatim (after normalization)
// in at least one corpus document.
type Span struct {
	TokStart  int `json:"tok_start"` // first item token
	TokEnd    int `json:"tok_end"`   // one past the last item token
	ByteStart int `json:"byte_start"`
	ByteEnd   int `json:"byte_end"`
	Len       int `json:"len"`  // tokens
	Docs      int `json:"docs"` // documents holding the whole span
}

// DocHit is a corpus document holding at least one verified span.
type DocHit struct {
	ID            string            `json:"id"`
	Source        string            `json:"source"`
	Line          int64             `json:"line,omitempty"`
	Offset        int64             `json:"offset"`
	Meta          map[string]string `json:"meta,omitempty"`
	LongestSpan   int               `json:"longest_span"`
	MatchedTokens int               `json:"matched_tokens"` // item tokens inside spans shared with this document
	Match         Match             `json:"match"`          // this document's longest span
	// Where the index stores the document (shard number, document number
	// in the shard), for callers that read it again, such as the server's
	// search_docs; not part of the report. Zero for brute-force results.
	Shard int    `json:"-"`
	Doc   uint32 `json:"-"`
}

// Match shows a span in its document: Text is the document's own bytes for
// the span, Before and After the surrounding context.
type Match struct {
	ItemTokStart int    `json:"item_tok_start"`
	ItemTokEnd   int    `json:"item_tok_end"`
	DocByteStart int    `json:"doc_byte_start"`
	DocByteEnd   int    `json:"doc_byte_end"`
	Before       string `json:"before"`
	Text         string `json:"text"`
	After        string `json:"after"`
}

// match is one verified maximal match between an item and a document, in
// token coordinates, with the document bytes of its tokens: results show
// matches without the document's tokens, which are not kept.
type match struct {
	itemStart, itemEnd int
	docStart, docEnd   int
	byteStart, byteEnd int // document bytes of tokens docStart … docEnd−1
}

// docMatches are the verified matches of one item in one document. They are
// all that is kept of a document between verifying it and building the
// item's result (a check holds one per item and document), so the document
// is fetched again, by key, only when a result shows it.
type docMatches struct {
	key     docKey // where the index stores the document
	id      docID
	matches []match
	gpt4    []int   // the gpt4 standard's substrings (indices) found in the document
	doc     *docTok // the document, where the caller holds it anyway (Brute); nil: fetch by key
}

// docID is what orders documents (lessID); the rest of a DocHit is read
// when the document is shown.
type docID struct {
	ID, Source string
	Offset     int64
}

// lessID orders documents by content-derived keys, never by shard, so
// answers do not depend on how the index was sharded.
func lessID(a, b docID) bool {
	if a.ID != b.ID {
		return a.ID < b.ID
	}
	if a.Source != b.Source {
		return a.Source < b.Source
	}
	return a.Offset < b.Offset
}

func (h *DocHit) docID() docID { return docID{h.ID, h.Source, h.Offset} }

// docFetch returns a document to show a match in it.
type docFetch func(*docMatches) (*docTok, error)

// aggregate turns verified matches into a Result. It is shared by the
// indexed path and the brute-force oracle; both feed it maximal matches.
// Only the topDocs documents shown are asked of fetch.
func aggregate(r *Result, itemStarts, itemEnds []int, docs []*docMatches, topDocs, context int, fetch docFetch) error {
	n := r.Tokens
	covered := make([]bool, n)
	for _, d := range docs {
		// Matches in item order, so ties below break the same way whatever
		// order verification found them in.
		sort.Slice(d.matches, func(i, j int) bool {
			a, b := d.matches[i], d.matches[j]
			if a.itemStart != b.itemStart {
				return a.itemStart < b.itemStart
			}
			return a.docStart < b.docStart
		})
		for _, m := range d.matches {
			for t := m.itemStart; t < m.itemEnd; t++ {
				covered[t] = true
			}
		}
	}
	c := countTrue(covered)
	r.Covered = c
	if n > 0 {
		r.Coverage = float64(c) / float64(n)
	}
	r.NDocs = len(docs)
	r.Spans = []Span{}
	for _, v := range maximalIntervals(docs, 0) {
		s := Span{TokStart: v.a, TokEnd: v.b, ByteStart: itemStarts[v.a], ByteEnd: itemEnds[v.b-1], Len: v.b - v.a}
		for _, d := range docs {
			for _, m := range d.matches {
				if m.itemStart <= v.a && v.b <= m.itemEnd {
					s.Docs++
					break
				}
			}
		}
		if s.Len > r.LongestSpan {
			r.LongestSpan = s.Len
		}
		r.Spans = append(r.Spans, s)
	}
	sort.Slice(r.Spans, func(i, j int) bool {
		a, b := r.Spans[i], r.Spans[j]
		if a.Len != b.Len {
			return a.Len > b.Len
		}
		return a.TokStart < b.TokStart
	})
	// Documents: longest span first, then most item tokens covered, then a
	// content-derived order so results do not depend on sharding.
	type ranked struct {
		d   *docMatches
		hit DocHit // the ordering keys and the document's match
	}
	rk := make([]ranked, len(docs))
	for i, d := range docs {
		h := &rk[i].hit
		rk[i].d = d
		h.ID, h.Source, h.Offset = d.id.ID, d.id.Source, d.id.Offset
		cov := make([]bool, n)
		best := d.matches[0]
		for _, m := range d.matches {
			for t := m.itemStart; t < m.itemEnd; t++ {
				cov[t] = true
			}
			if m.itemEnd-m.itemStart > best.itemEnd-best.itemStart {
				best = m
			}
		}
		h.MatchedTokens = countTrue(cov)
		h.LongestSpan = best.itemEnd - best.itemStart
		h.Match = Match{
			ItemTokStart: best.itemStart, ItemTokEnd: best.itemEnd,
			DocByteStart: best.byteStart, DocByteEnd: best.byteEnd,
		}
	}
	sort.Slice(rk, func(i, j int) bool {
		a, b := &rk[i].hit, &rk[j].hit
		if a.LongestSpan != b.LongestSpan {
			return a.LongestSpan > b.LongestSpan
		}
		if a.MatchedTokens != b.MatchedTokens {
			return a.MatchedTokens > b.MatchedTokens
		}
		return lessID(a.docID(), b.docID())
	})
	r.Docs = []DocHit{}
	for i, x := range rk {
		if i >= topDocs {
			break
		}
		dt, err := fetch(x.d)
		if err != nil {
			return err
		}
		h := dt.hit // all of the identity: line and metadata too
		h.LongestSpan, h.MatchedTokens, h.Match = x.hit.LongestSpan, x.hit.MatchedTokens, x.hit.Match
		h.Match.Before, h.Match.Text, h.Match.After = snippet(dt.text, h.Match.DocByteStart, h.Match.DocByteEnd, context)
		r.Docs = append(r.Docs, h)
	}
	// The absolute floor keeps a short item (a one-line question with four
	// options) from being judged by one shared option list alone.
	r.Contaminated = r.LongestSpan >= r.Rule.MinSpan || (n > 0 && r.Coverage >= r.Rule.MinCoverage && r.Covered >= min(r.Rule.MinCovered, n))
	return nil
}

// snippet returns text[s:e] with up to ctx runes of context on each side.
func snippet(text []byte, s, e, ctx int) (before, mid, after string) {
	b := s
	for k := 0; k < ctx && b > 0; k++ {
		b--
		for b > 0 && text[b]&0xC0 == 0x80 {
			b--
		}
	}
	a := e
	for k := 0; k < ctx && a < len(text); k++ {
		a++
		for a < len(text) && text[a]&0xC0 == 0x80 {
			a++
		}
	}
	return string(text[b:s]), string(text[s:e]), string(text[e:a])
}

// interval is a range [a, b) of item tokens.
type interval struct{ a, b int }

// maximalIntervals returns the distinct item intervals of the documents'
// matches that are at least minLen tokens long and not strictly inside
// another such interval, in the order first seen. A document's maximal
// match is a globally maximal span exactly when no other document's match
// contains it.
func maximalIntervals(docs []*docMatches, minLen int) []interval {
	seen := map[interval]bool{}
	var ivs []interval
	for _, d := range docs {
		for _, m := range d.matches {
			k := interval{m.itemStart, m.itemEnd}
			if !seen[k] && m.itemEnd-m.itemStart >= minLen {
				seen[k] = true
				ivs = append(ivs, k)
			}
		}
	}
	out := ivs[:0:0]
	for _, v := range ivs {
		inside := false
		for _, w := range ivs {
			if w != v && w.a <= v.a && v.b <= w.b {
				inside = true
				break
			}
		}
		if !inside {
			out = append(out, v)
		}
	}
	return out
}

func countTrue(bs []bool) int {
	k := 0
	for _, b := range bs {
		if b {
			k++
		}
	}
	return k
}
