package query_test

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/index/text"
	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/query/item"
	"github.com/contam-dev/contam/shard"
	"github.com/contam-dev/contam/shard/source"
)

// The tests in this file compare Checker.Trace and Checker.Phrase with a
// brute-force oracle that never touches the index: it reads the corpus files
// with shard/source, tokenizes every document with query.Tokenize and scans
// the token sequences directly. The normalizer's byte offsets (index/text)
// are used only to show matches and to cut test inputs out of documents.

const oracleN = 8 // the n every index in this file is built with (shard.DefaultN)

// oracleDoc is one corpus document as the oracle sees it.
type oracleDoc struct {
	hit    query.DocHit // ID, Source, Line, Offset, Meta
	text   string
	toks   []int32 // interned normalized tokens
	starts []int   // byte range of each token in text
	ends   []int
}

type docPos struct{ d, p int32 }

// oracle is the corpus, tokenized, with every position of every token.
type oracle struct {
	docs []oracleDoc
	ids  map[string]int32
	occ  map[int32][]docPos // in (document, position) order

	reaches map[string][]int // output text → reach of its tokens (a cache: options do not change it)
}

func loadOracle(t testing.TB, files []string) *oracle {
	t.Helper()
	norm, err := text.Lookup("unicode-v1")
	if err != nil {
		t.Fatal(err)
	}
	o := &oracle{ids: map[string]int32{}, occ: map[int32][]docPos{}, reaches: map[string][]int{}}
	for _, path := range files {
		r, err := source.Open(path, srcOpt)
		if err != nil {
			t.Fatal(err)
		}
		for {
			d, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			words, err := query.Tokenize("unicode-v1", string(d.Text))
			if err != nil {
				t.Fatal(err)
			}
			var tt text.Tokens
			norm.Tokenize(&tt, d.Text)
			if tt.Len() != len(words) {
				t.Fatalf("%s: %d tokens vs %d offsets", d.ID, len(words), tt.Len())
			}
			var meta map[string]string
			if len(d.Meta) > 0 {
				meta = maps.Clone(d.Meta)
			}
			od := oracleDoc{
				hit:    query.DocHit{ID: d.ID, Source: path, Line: d.Line, Offset: d.Offset, Meta: meta},
				text:   string(d.Text),
				starts: slices.Clone(tt.Start),
				ends:   slices.Clone(tt.End),
			}
			di := int32(len(o.docs))
			for p, w := range words {
				id, ok := o.ids[w]
				if !ok {
					id = int32(len(o.ids))
					o.ids[w] = id
				}
				od.toks = append(od.toks, id)
				o.occ[id] = append(o.occ[id], docPos{di, int32(p)})
			}
			o.docs = append(o.docs, od)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// encode interns s's tokens; a token found in no document is -1, which
// matches nothing. It also returns the tokens' byte ranges in s.
func (o *oracle) encode(t testing.TB, s string) (toks []int32, starts, ends []int) {
	t.Helper()
	words, err := query.Tokenize("unicode-v1", s)
	if err != nil {
		t.Fatal(err)
	}
	norm, _ := text.Lookup("unicode-v1")
	var tt text.Tokens
	norm.Tokenize(&tt, []byte(s))
	if tt.Len() != len(words) {
		t.Fatalf("%q: %d tokens vs %d offsets", s, len(words), tt.Len())
	}
	toks = make([]int32, len(words))
	for i, w := range words {
		id, ok := o.ids[w]
		if !ok {
			id = -1
		}
		toks[i] = id
	}
	return toks, tt.Start, tt.End
}

// lcp is the length of the common prefix of out[a:] and document d from p.
func (o *oracle) lcp(out []int32, a int, d docPos) int {
	dt := o.docs[d.d].toks
	k := 0
	for a+k < len(out) && int(d.p)+k < len(dt) && out[a+k] == dt[int(d.p)+k] {
		k++
	}
	return k
}

// candidates lists the positions where out[a:a+k] may start, in
// (document, position) order: every occurrence of the sequence's rarest
// token, shifted back to the sequence's start. Checking each with lcp is a
// scan of the corpus, only skipping the positions that cannot match.
func (o *oracle) candidates(out []int32, a, k int) []docPos {
	j := a
	for i := a; i < a+k; i++ {
		if len(o.occ[out[i]]) < len(o.occ[out[j]]) {
			j = i
		}
	}
	var cs []docPos
	for _, dp := range o.occ[out[j]] {
		if p := dp.p - int32(j-a); p >= 0 {
			cs = append(cs, docPos{dp.d, p})
		}
	}
	return cs
}

// reach[a] is the length of the longest prefix of out[a:] that occurs
// contiguously in some document, when that is at least n tokens, else 0:
// for b-a ≥ n, out[a:b] occurs iff b-a ≤ reach[a].
func (o *oracle) reach(out []int32) []int {
	r := make([]int, len(out))
	for a := 0; a+oracleN <= len(out); a++ {
		for _, dp := range o.candidates(out, a, oracleN) {
			if l := o.lcp(out, a, dp); l >= oracleN {
				r[a] = max(r[a], l)
			}
		}
	}
	return r
}

// maximalSpans lists [a,b) with b-a ≥ minSpan such that out[a:b] occurs in
// some document and neither out[a-1:b] nor out[a:b+1] does.
func maximalSpans(reach []int, minSpan int) [][2]int {
	var spans [][2]int
	for a, r := range reach {
		// out[a:a+r+1] occurs nowhere by definition of reach; out[a-1:a+r]
		// occurs iff reach[a-1] ≥ r+1 (r+1 > n, so reach's clipping of
		// shorter prefixes to 0 does not matter).
		if r >= minSpan && (a == 0 || reach[a-1] < r+1) {
			spans = append(spans, [2]int{a, a + r})
		}
	}
	return spans
}

// holder is a document holding a token sequence, at its first occurrence.
type holder struct{ d, p int }

// holders returns every document holding out[a:b], with the first position
// of the sequence in it, in corpus order.
func (o *oracle) holders(out []int32, a, b int) []holder {
	var hs []holder
	for _, dp := range o.candidates(out, a, b-a) {
		if len(hs) > 0 && hs[len(hs)-1].d == int(dp.d) {
			continue // already have this document's first occurrence
		}
		if o.lcp(out[:b], a, dp) >= b-a {
			hs = append(hs, holder{int(dp.d), int(dp.p)})
		}
	}
	return hs
}

func (o *oracle) sortHolders(hs []holder) {
	sort.SliceStable(hs, func(i, j int) bool {
		a, b := &o.docs[hs[i].d].hit, &o.docs[hs[j].d].hit
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Offset < b.Offset
	})
}

// snippetOf is text[s:e] with up to ctx runes of context each side.
func snippetOf(txt string, s, e, ctx int) (before, mid, after string) {
	b := s
	for k := 0; k < ctx && b > 0; k++ {
		_, sz := utf8.DecodeLastRuneInString(txt[:b])
		b -= sz
	}
	a := e
	for k := 0; k < ctx && a < len(txt); k++ {
		_, sz := utf8.DecodeRuneInString(txt[a:])
		a += sz
	}
	return txt[b:s], txt[s:e], txt[e:a]
}

// shownHit is what a result shows of document h.d for the item tokens
// [a, a+length) found at the document's token h.p.
func (o *oracle) shownHit(h holder, a, length, ctx int) query.DocHit {
	d := &o.docs[h.d]
	hit := d.hit
	hit.LongestSpan = length
	hit.MatchedTokens = length
	hit.Match = query.Match{ItemTokStart: a, ItemTokEnd: a + length, DocByteStart: d.starts[h.p], DocByteEnd: d.ends[h.p+length-1]}
	hit.Match.Before, hit.Match.Text, hit.Match.After = snippetOf(d.text, hit.Match.DocByteStart, hit.Match.DocByteEnd, ctx)
	return hit
}

// trace is the oracle's TraceResult: the maximal spans of out, each with
// the exact number of documents holding it and the first TopDocs of them in
// (id, source, offset) order, shown at their first occurrence; spans held
// by more than MaxDocFreq documents are hidden; spans are ranked by
// query.SpanScore, then by position. Coverage, longest span and n_docs are
// over the shown spans; n_docs counts every document holding one of them.
func (o *oracle) trace(t testing.TB, id, out string, opt query.TraceOptions) query.TraceResult {
	t.Helper()
	minSpan := max(opt.MinSpan, oracleN)
	topDocs := opt.TopDocs
	if topDocs <= 0 {
		topDocs = query.DefaultTopDocs
	}
	toks, starts, ends := o.encode(t, out)
	r := query.TraceResult{ID: id, Tokens: len(toks), Spans: []query.TraceSpan{}}
	covered := make([]bool, len(toks))
	all := map[int]bool{}
	reach, ok := o.reaches[out]
	if !ok {
		reach = o.reach(toks)
		o.reaches[out] = reach
	}
	for _, sp := range maximalSpans(reach, minSpan) {
		a, b := sp[0], sp[1]
		hs := o.holders(toks, a, b)
		if len(hs) == 0 {
			t.Fatalf("oracle: span [%d,%d) of %s has no holder", a, b, id)
		}
		if opt.MaxDocFreq > 0 && len(hs) > opt.MaxDocFreq {
			r.Hidden++
			continue
		}
		s := query.TraceSpan{
			TokStart: a, TokEnd: b, ByteStart: starts[a], ByteEnd: ends[b-1], Len: b - a,
			Docs: len(hs), Score: query.SpanScore(b-a, len(hs), int64(len(o.docs))), TopDocs: []query.DocHit{},
		}
		s.Text = out[s.ByteStart:s.ByteEnd]
		o.sortHolders(hs)
		for i, h := range hs {
			all[h.d] = true
			if i < topDocs {
				s.TopDocs = append(s.TopDocs, o.shownHit(h, a, b-a, opt.Context))
			}
		}
		for k := a; k < b; k++ {
			covered[k] = true
		}
		r.LongestSpan = max(r.LongestSpan, s.Len)
		r.Spans = append(r.Spans, s)
	}
	sort.SliceStable(r.Spans, func(i, j int) bool {
		a, b := r.Spans[i], r.Spans[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		return a.TokStart < b.TokStart
	})
	for _, c := range covered {
		if c {
			r.Covered++
		}
	}
	if r.Tokens > 0 {
		r.Coverage = float64(r.Covered) / float64(r.Tokens)
	}
	r.NDocs = len(all)
	return r
}

// phrase is the oracle's PhraseResult: every (document, start) where the
// phrase's tokens occur, overlapping occurrences counted separately; with
// limit > 0 the documents in (id, source, offset) order from offset on,
// each shown at its first occurrence. Reason is left empty.
func (o *oracle) phrase(t testing.TB, phrase string, offset, limit, ctx int) query.PhraseResult {
	t.Helper()
	toks, _, _ := o.encode(t, phrase)
	r := query.PhraseResult{Phrase: phrase, Tokens: len(toks), Exact: len(toks) >= oracleN}
	if !r.Exact {
		return r
	}
	type found struct {
		h     holder
		count int
	}
	var fs []found
	for _, dp := range o.candidates(toks, 0, len(toks)) {
		if o.lcp(toks, 0, dp) < len(toks) {
			continue
		}
		r.Occurrences++
		if len(fs) > 0 && fs[len(fs)-1].h.d == int(dp.d) {
			fs[len(fs)-1].count++
			continue
		}
		fs = append(fs, found{holder{int(dp.d), int(dp.p)}, 1})
	}
	r.Docs = len(fs)
	if limit <= 0 {
		return r
	}
	hs := make([]holder, len(fs))
	count := map[int]int{}
	for i, f := range fs {
		hs[i] = f.h
		count[f.h.d] = f.count
	}
	o.sortHolders(hs)
	r.Hits = []query.PhraseHit{}
	for i := offset; i < len(hs) && i < offset+limit; i++ {
		r.Hits = append(r.Hits, query.PhraseHit{DocHit: o.shownHit(hs[i], 0, len(toks), ctx), Occurrences: count[hs[i].d]})
	}
	return r
}

func jsonOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// spanSet names a trace's spans as "[a,b)×docs", in position order, for
// readable failure messages.
func spanSet(r query.TraceResult) string {
	var ss []string
	for _, s := range r.Spans {
		ss = append(ss, fmt.Sprintf("[%d,%d)×%d", s.TokStart, s.TokEnd, s.Docs))
	}
	sort.Strings(ss)
	return strings.Join(ss, " ")
}

func sameTrace(t *testing.T, what string, got, want query.TraceResult) {
	t.Helper()
	if gs, ws := spanSet(got), spanSet(want); gs != ws {
		t.Fatalf("%s: spans (tok_start, tok_end)×docs differ\n got: %s\nwant: %s", what, gs, ws)
	}
	if jg, jw := jsonOf(t, got), jsonOf(t, want); jg != jw {
		t.Fatalf("%s: results differ\n got: %s\nwant: %s", what, jg, jw)
	}
}

func samePhrase(t *testing.T, what string, got, want query.PhraseResult) {
	t.Helper()
	if !want.Exact {
		if got.Exact || got.Reason == "" || got.Occurrences != 0 || got.Docs != 0 || got.Hits != nil {
			t.Fatalf("%s: phrase of %d tokens (< n = %d) must be answered inexact with a reason and nothing else, got %s", what, want.Tokens, oracleN, jsonOf(t, got))
		}
		want.Reason = got.Reason
	}
	if jg, jw := jsonOf(t, got), jsonOf(t, want); jg != jw {
		t.Fatalf("%s: results differ\n got: %s\nwant: %s", what, jg, jw)
	}
}

// traceFixture is a random corpus built for tracing: randomCorpus's four
// files (a tiny vocabulary, so tokens and short n-grams repeat everywhere)
// plus a fifth file of documents spliced from pieces of the others — most
// pieces from a few "popular" documents, so that long spans are held by
// several documents, nest and overlap — and of periodic documents ("very
// very very …", "the cat the cat …") for overlapping occurrences.
type traceFixture struct {
	files   []string
	o       *oracle
	outputs []testOutput
	phrases []string
}

type testOutput struct{ id, text string }

// piece is the original text of document d's tokens [a, a+k), k clipped to
// the document.
func (o *oracle) piece(d, a, k int) string {
	doc := &o.docs[d]
	b := min(len(doc.toks), a+k)
	return doc.text[doc.starts[a]:doc.ends[b-1]]
}

func newTraceFixture(t *testing.T, seed uint64) *traceFixture {
	t.Helper()
	files, items := randomCorpus(t, seed, 4, 150)
	base := loadOracle(t, files)
	r := rand.New(rand.NewPCG(seed, 99))
	randPiece := func(docs []int, lo, hi int) string {
		d := docs[r.IntN(len(docs))]
		n := len(base.docs[d].toks)
		return base.piece(d, r.IntN(n), lo+r.IntN(hi-lo+1))
	}
	var alldocs, popular []int
	for d := range base.docs {
		alldocs = append(alldocs, d)
		if d%37 == 5 && len(base.docs[d].toks) >= 40 {
			popular = append(popular, d)
		}
	}
	var sb strings.Builder
	writeDoc := func(id, txt string) {
		b, _ := json.Marshal(map[string]string{"id": id, "text": txt, "url": "http://copies/" + id})
		sb.Write(b)
		sb.WriteByte('\n')
	}
	// Copies joined without a separator continue one document's text with
	// another's; outputs that straddle such a join (below) have overlapping
	// maximal spans.
	type join struct {
		d, a, k int    // the first piece: document d's tokens [a, a+k)
		rest    string // what follows it in the copy
	}
	var joins []join
	for k := 0; k < 200; k++ {
		var parts []string
		d := alldocs[r.IntN(len(alldocs))]
		a, m := r.IntN(len(base.docs[d].toks)), 5+r.IntN(56)
		m = min(m, len(base.docs[d].toks)-a)
		parts = append(parts, base.piece(d, a, m))
		for p := 0; p < 1+r.IntN(4); p++ {
			src := alldocs
			if r.IntN(2) == 0 {
				src = popular
			}
			parts = append(parts, randPiece(src, 5, 60))
		}
		sep := " x9 "
		if k%2 == 0 {
			sep = " "
			joins = append(joins, join{d, a, m, strings.Join(parts[1:], sep)})
		}
		// Some ids repeat on purpose: documents are then told apart by
		// source and offset only.
		id := fmt.Sprintf("copy-%03d", k)
		if k%50 == 7 {
			id = base.docs[popular[0]].hit.ID
		}
		writeDoc(id, strings.Join(parts, sep))
		if k%50 == 8 {
			// Exact duplicates under one id: told apart by offset only.
			writeDoc("dup", strings.Join(parts, sep))
			writeDoc("dup", strings.Join(parts, sep))
		}
	}
	writeDoc("periodic-1", strings.Repeat("very ", 30))
	writeDoc("periodic-2", strings.Repeat("the cat ", 25))
	writeDoc("periodic-3", "prefix "+strings.Repeat("very ", 12)+"suffix")
	copies := filepath.Join(t.TempDir(), "copies.jsonl")
	if err := os.WriteFile(copies, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &traceFixture{files: append(slices.Clone(files), copies)}
	f.o = loadOracle(t, f.files)
	o := f.o

	// Model outputs: pieces of 3–30 tokens of several documents (as
	// written, sometimes upper-cased) with 0–3 new words between them.
	seps := []string{" ", "\n", ", ", " — "}
	for k := 0; k < 40; k++ {
		var sb strings.Builder
		for p := 0; p < 2+r.IntN(5); p++ {
			src := alldocs
			if r.IntN(3) == 0 {
				src = popular
			}
			pc := randPiece(src, 3, 30)
			if r.IntN(5) == 0 {
				pc = strings.ToUpper(pc)
			}
			sb.WriteString(pc)
			sb.WriteString(seps[r.IntN(len(seps))])
			for j := 0; j < r.IntN(4); j++ {
				fmt.Fprintf(&sb, "new%d ", r.IntN(3))
			}
		}
		f.outputs = append(f.outputs, testOutput{fmt.Sprintf("out-%d", k), sb.String()})
	}
	for k := 0; k < 20; k++ {
		j := joins[r.IntN(len(joins))]
		lead := min(j.a, 4+r.IntN(10))
		rest := strings.Fields(j.rest)
		rest = rest[:min(len(rest), 5+r.IntN(20))]
		out := base.piece(j.d, j.a-lead, lead+j.k) + " " + strings.Join(rest, " ") + " new1"
		f.outputs = append(f.outputs, testOutput{fmt.Sprintf("straddle-%d", k), out})
	}
	for _, it := range items {
		f.outputs = append(f.outputs, testOutput{it.ID, it.Text})
	}
	whole := o.docs[popular[1]].text
	f.outputs = append(f.outputs,
		testOutput{"whole-doc", whole},
		testOutput{"doc-twice", whole + " and again " + whole},
		testOutput{"periodic", strings.Repeat("very ", 20) + "the cat the cat " + strings.Repeat("very ", 9)},
		testOutput{"no-match", "zebra quartz lantern vortex plume ember cobalt wisp zebra quartz lantern vortex plume ember cobalt wisp"},
		testOutput{"short", "the cat sat"},
		testOutput{"punct-only", "!!! ... ---"},
		testOutput{"empty", ""},
	)

	// Phrases: n..n+10 tokens of a document as written, and variants that
	// normalize the same (case, spacing, commas) or not (a changed word).
	for k := 0; k < 60; k++ {
		src := alldocs
		if r.IntN(2) == 0 {
			src = popular
		}
		d := src[r.IntN(len(src))]
		doc := &o.docs[d]
		m := oracleN + r.IntN(11)
		if len(doc.toks) < m {
			continue
		}
		a := r.IntN(len(doc.toks) - m + 1)
		p := o.piece(d, a, m)
		switch k % 5 {
		case 1:
			p = strings.ToUpper(p)
		case 2:
			p = "  " + strings.ReplaceAll(p, " ", " \n\t ") + " ."
		case 3:
			p = strings.ReplaceAll(p, ",", "")
		case 4:
			ws := strings.Fields(p)
			ws[len(ws)/2] = "absentword"
			p = strings.Join(ws, " ")
		}
		f.phrases = append(f.phrases, p)
	}
	last := &o.docs[len(base.docs)-1]
	first := &o.docs[0]
	f.phrases = append(f.phrases,
		strings.Repeat("very ", oracleN),                      // overlapping occurrences
		strings.Repeat("VERY ", oracleN+10),                   // n+10 tokens
		strings.Repeat("the cat ", 5),                         // period 2
		last.text+" "+first.text[:first.ends[4]],              // across a document boundary: absent
		"zebra quartz lantern vortex plume ember cobalt wisp", // absent words
		"the cat sat on a mat and",                            // 7 tokens: too short
		"",                                                    // empty
		"!!! ,,, ...",                                         // no tokens
	)
	return f
}

// traceOptions are the option sets every trace test runs with.
var traceOptions = []query.TraceOptions{
	{MinSpan: 8, TopDocs: 3, Context: 20},
	{MinSpan: 12, TopDocs: 2},
	{MinSpan: 0, Context: 5}, // raised to n; default TopDocs
	{MinSpan: 8, TopDocs: 5, MaxDocFreq: 1, Context: 3},
	{MinSpan: 12, TopDocs: 1, MaxDocFreq: 3},
}

func newChecker(t testing.TB, ix *index.Index) *query.Checker {
	t.Helper()
	c, err := query.NewChecker(ix, query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// builtFixture is a traceFixture with its corpus indexed as 1 and 4 shards.
type builtFixture struct {
	*traceFixture
	seed     uint64
	checkers [2]*query.Checker // 1 shard, 4 shards
}

// Trace and Phrase against the oracle, and 1 shard against 4, on random
// corpora of three seeds (each built once for both subtests).
func TestTraceAndPhraseEqualOracleRandom(t *testing.T) {
	var fs []builtFixture
	for _, seed := range []uint64{11, 12, 13} {
		f := builtFixture{traceFixture: newTraceFixture(t, seed), seed: seed}
		for i, shards := range []int{1, 4} {
			f.checkers[i] = newChecker(t, build(t, f.files, shard.Options{Shards: shards}))
		}
		fs = append(fs, f)
	}
	t.Run("trace", func(t *testing.T) { traceEqualsOracle(t, fs) })
	t.Run("phrase", func(t *testing.T) { phraseEqualsOracle(t, fs) })
}

func traceEqualsOracle(t *testing.T, fs []builtFixture) {
	var spans, multiDoc, truncated, hidden, overlapping, multiSpan, empty int
	for _, f := range fs {
		seed, checkers := f.seed, f.checkers
		for oi, opt := range traceOptions {
			for _, out := range f.outputs {
				want := f.o.trace(t, out.id, out.text, opt)
				var got [2]query.TraceResult
				for ci, c := range checkers {
					var err error
					if got[ci], err = c.Trace(out.id, out.text, opt); err != nil {
						t.Fatal(err)
					}
				}
				what := fmt.Sprintf("seed %d, options %+v, output %s %q", seed, opt, out.id, out.text)
				if jsonOf(t, got[0]) != jsonOf(t, got[1]) {
					t.Fatalf("%s: 1 shard and 4 shards differ\n%s\n%s", what, jsonOf(t, got[0]), jsonOf(t, got[1]))
				}
				sameTrace(t, what+", 1 shard vs oracle", got[0], want)
				if oi != 0 {
					continue
				}
				// What the fixture exercised, under the first options.
				spans += len(want.Spans)
				if len(want.Spans) == 0 {
					empty++
				}
				if len(want.Spans) > 1 {
					multiSpan++
				}
				for i, s := range want.Spans {
					if s.Docs > 1 {
						multiDoc++
					}
					if s.Docs > len(s.TopDocs) {
						truncated++
					}
					for _, u := range want.Spans[i+1:] {
						if s.TokStart < u.TokEnd && u.TokStart < s.TokEnd {
							overlapping++
						}
					}
				}
			}
			if opt.MaxDocFreq > 0 {
				for _, out := range f.outputs {
					hidden += f.o.trace(t, out.id, out.text, opt).Hidden
				}
			}
		}
	}
	t.Logf("under MinSpan 8: %d spans, %d held by several documents, %d with more holders than shown, %d overlapping pairs, %d outputs with several spans, %d with none; %d spans hidden by MaxDocFreq", spans, multiDoc, truncated, overlapping, multiSpan, empty, hidden)
	if spans < 300 || multiDoc < 50 || truncated < 10 || overlapping < 20 || multiSpan < 60 || hidden < 50 || empty < 5 {
		t.Fatalf("the fixture no longer exercises tracing enough: %d spans, %d multi-document, %d truncated, %d overlapping, %d multi-span outputs, %d hidden, %d empty", spans, multiDoc, truncated, overlapping, multiSpan, hidden, empty)
	}
}

func phraseEqualsOracle(t *testing.T, fs []builtFixture) {
	var found, absent, multiDoc, overlapping, short int
	for _, f := range fs {
		seed, checkers := f.seed, f.checkers
		for _, p := range f.phrases {
			ctx := len(p) % 25
			full := f.o.phrase(t, p, 0, 1<<30, ctx)
			switch {
			case !full.Exact:
				short++
			case full.Occurrences == 0:
				absent++
			default:
				found++
				if full.Docs > 1 {
					multiDoc++
				}
				for _, h := range full.Hits {
					if h.Occurrences > 1 {
						overlapping++
						break
					}
				}
			}
			// Count only, the whole list, and pages of it.
			type page struct{ off, lim int }
			pages := []page{{0, 0}, {0, 1 << 30}, {0, 1}, {1, 2}, {2, 3}, {full.Docs - 1, 2}, {full.Docs, 5}, {full.Docs + 3, 1}}
			for _, pg := range pages {
				if pg.off < 0 {
					continue
				}
				want := f.o.phrase(t, p, pg.off, pg.lim, ctx)
				var got [2]query.PhraseResult
				for ci, c := range checkers {
					var err error
					if got[ci], err = c.Phrase(p, pg.off, pg.lim, ctx); err != nil {
						t.Fatal(err)
					}
				}
				what := fmt.Sprintf("seed %d, phrase %q, offset %d, limit %d", seed, p, pg.off, pg.lim)
				if jsonOf(t, got[0]) != jsonOf(t, got[1]) {
					t.Fatalf("%s: 1 shard and 4 shards differ\n%s\n%s", what, jsonOf(t, got[0]), jsonOf(t, got[1]))
				}
				samePhrase(t, what+", vs oracle", got[0], want)
				// A page is the full list's slice.
				if want.Exact && pg.lim > 0 {
					lo, hi := min(pg.off, len(full.Hits)), min(pg.off+pg.lim, len(full.Hits))
					if jsonOf(t, got[0].Hits) != jsonOf(t, full.Hits[lo:hi]) && !(lo == hi && len(got[0].Hits) == 0) {
						t.Fatalf("%s: page is not the full list's [%d:%d]", what, lo, hi)
					}
				}
			}
		}
	}
	t.Logf("%d phrases found, %d absent, %d too short; %d in several documents, %d with overlapping or repeated occurrences in a document", found, absent, short, multiDoc, overlapping)
	if found < 60 || absent < 20 || short < 6 || multiDoc < 20 || overlapping < 3 {
		t.Fatalf("the fixture no longer exercises count/find enough: %d found, %d absent, %d short, %d multi-document, %d overlapping", found, absent, short, multiDoc, overlapping)
	}
}

// On the embedded sample (real text with benchmark items planted), trace
// every benchmark item as if it were a model output.
func TestTraceEqualsOracleOnSample(t *testing.T) {
	corpus, items, _ := demoFixture(t)
	o := loadOracle(t, corpus)
	c1 := newChecker(t, build(t, corpus, shard.Options{Shards: 1}))
	c2 := newChecker(t, build(t, corpus, shard.Options{Shards: 2}))
	spans := 0
	for _, opt := range []query.TraceOptions{{MinSpan: 8, TopDocs: 2, Context: 30}, {MinSpan: 13, MaxDocFreq: 1}} {
		for _, it := range items {
			want := o.trace(t, it.ID, it.Text, opt)
			got1, err := c1.Trace(it.ID, it.Text, opt)
			if err != nil {
				t.Fatal(err)
			}
			got2, err := c2.Trace(it.ID, it.Text, opt)
			if err != nil {
				t.Fatal(err)
			}
			what := fmt.Sprintf("options %+v, item %s", opt, it.ID)
			if jsonOf(t, got1) != jsonOf(t, got2) {
				t.Fatalf("%s: 1 shard and 2 shards differ\n%s\n%s", what, jsonOf(t, got1), jsonOf(t, got2))
			}
			sameTrace(t, what, got1, want)
			spans += len(want.Spans)
		}
	}
	if spans < 30 {
		t.Fatalf("only %d spans on the sample: the fixture does not exercise tracing", spans)
	}
}

// Worked example of what a trace reports, checked by hand rather than by the
// oracle: nested and overlapping holders, MaxDocFreq, and n_docs.
func TestTraceSummaryByHand(t *testing.T) {
	dir := t.TempDir()
	w := strings.Fields
	docs := []struct{ id, text string }{
		// A holds output tokens 0–11 (12 tokens).
		{"A", "a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11"},
		// B holds 2–9 only (8 tokens, strictly inside A's span): no span of
		// its own, and not counted in n_docs.
		{"B", "zz a2 a3 a4 a5 a6 a7 a8 a9 zz"},
		// C and D hold 8–19; it overlaps A's span.
		{"C", "a8 a9 a10 a11 b0 b1 b2 b3 b4 b5 b6 b7"},
		{"D", "q a8 a9 a10 a11 b0 b1 b2 b3 b4 b5 b6 b7 q"},
	}
	var sb strings.Builder
	for _, d := range docs {
		b, _ := json.Marshal(map[string]string{"id": d.id, "text": d.text})
		sb.Write(b)
		sb.WriteByte('\n')
	}
	p := filepath.Join(dir, "c.jsonl")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newChecker(t, build(t, []string{p}, shard.Options{}))
	out := strings.Join(append(w("a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 b0 b1 b2 b3 b4 b5 b6 b7"), "new"), " ")
	type span struct{ a, b, docs int }
	for _, tc := range []struct {
		opt     query.TraceOptions
		spans   []span
		ndocs   int
		covered int
		hidden  int
	}{
		{query.TraceOptions{MinSpan: 8, TopDocs: 1}, []span{{0, 12, 1}, {8, 20, 2}}, 3, 20, 0},
		{query.TraceOptions{MinSpan: 8, TopDocs: 1, MaxDocFreq: 1}, []span{{0, 12, 1}}, 1, 12, 1},
		{query.TraceOptions{MinSpan: 13, TopDocs: 1}, nil, 0, 0, 0},
	} {
		r, err := c.Trace("o", out, tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		var got []span
		for _, s := range r.Spans {
			got = append(got, span{s.TokStart, s.TokEnd, s.Docs})
		}
		sort.Slice(got, func(i, j int) bool { return got[i].a < got[j].a })
		if !slices.Equal(got, tc.spans) || r.NDocs != tc.ndocs || r.Covered != tc.covered || r.Hidden != tc.hidden || r.Tokens != 21 {
			t.Errorf("%+v: spans %v, n_docs %d, covered %d/%d, hidden %d; want %v, %d, %d/21, %d", tc.opt, got, r.NDocs, r.Covered, r.Tokens, r.Hidden, tc.spans, tc.ndocs, tc.covered, tc.hidden)
		}
	}
}

// A negative offset (or limit, or context) must not crash Phrase: a CLI or
// server passes the user's --offset through. (Before the guard at the top
// of Phrase, offset -1 indexed the document list at -1 and panicked.)
func TestPhraseNegativeArguments(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "c.jsonl")
	if err := os.WriteFile(p, []byte(`{"id":"a","text":"one two three four five six seven eight"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newChecker(t, build(t, []string{p}, shard.Options{}))
	for _, a := range [][3]int{{-1, 2, 0}, {0, -1, 0}, {0, 2, -1}} {
		func() {
			defer func() {
				if e := recover(); e != nil {
					t.Fatalf("Phrase(offset %d, limit %d, context %d) panicked: %v", a[0], a[1], a[2], e)
				}
			}()
			r, err := c.Phrase("one two three four five six seven eight", a[0], a[1], a[2])
			if err == nil && (r.Docs != 1 || len(r.Hits) > 1) {
				t.Fatalf("offset %d, limit %d, context %d: %+v", a[0], a[1], a[2], r)
			}
		}()
	}
}

// The dev set (outside the repo) is the real-size oracle check of Trace and
// Phrase: GSM8K test items (question and answer, and the answer alone) and
// HumanEval prompts traced as model outputs, and phrases cut from corpus
// documents counted and found, on a 4-shard index. It takes some seconds,
// so it runs only with CONTAM_TRACE_DEV=1.
func TestTracePhraseEqualOracleOnDevSet(t *testing.T) {
	if os.Getenv("CONTAM_TRACE_DEV") != "1" {
		t.Skip("set CONTAM_TRACE_DEV=1 to compare Trace and Phrase with the oracle on the dev set (../shared/data/dev)")
	}
	dev := "../../shared/data/dev"
	if d := os.Getenv("CONTAM_DEV_DIR"); d != "" {
		dev = d
	}
	if _, err := os.Stat(dev); err != nil {
		t.Skipf("dev set not found at %s (it lives beside the checkout, in ../shared, or in $CONTAM_DEV_DIR): %v", dev, err)
	}
	corpus, err := source.Expand([]string{filepath.Join(dev, "corpus")})
	if err != nil {
		t.Fatal(err)
	}
	o := loadOracle(t, corpus)
	c := newChecker(t, build(t, corpus, shard.Options{Shards: 4, Workers: 2}))
	var outs []testOutput
	for _, spec := range []struct {
		file   string
		fields []string
		id     string
		n      int
	}{
		{"gsm8k_test.jsonl", []string{"question", "answer"}, "gsm8k/test/{{._index}}", 300},
		{"gsm8k_test.jsonl", []string{"answer"}, "gsm8k/test/{{._index}}/answer", 300},
		{"humaneval.jsonl", []string{"prompt"}, "task_id", 164},
	} {
		items, err := item.Load(filepath.Join(dev, "benchmarks", spec.file), item.Options{Fields: spec.fields, IDField: spec.id})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items[:min(spec.n, len(items))] {
			outs = append(outs, testOutput{it.ID, it.Text})
		}
	}
	spans := 0
	for _, opt := range []query.TraceOptions{{MinSpan: 8, Context: 40}, {MinSpan: 13, TopDocs: 1, MaxDocFreq: 2}} {
		for _, out := range outs {
			got, err := c.Trace(out.id, out.text, opt)
			if err != nil {
				t.Fatal(err)
			}
			sameTrace(t, fmt.Sprintf("dev set, options %+v, output %s", opt, out.id), got, o.trace(t, out.id, out.text, opt))
			spans += len(got.Spans)
		}
	}
	r := rand.New(rand.NewPCG(5, 5))
	found := 0
	for k := 0; k < 300; k++ {
		d := r.IntN(len(o.docs))
		doc := &o.docs[d]
		m := oracleN + r.IntN(11)
		if len(doc.toks) < m {
			continue
		}
		p := o.piece(d, r.IntN(len(doc.toks)-m+1), m)
		if k%3 == 1 {
			p = strings.ToUpper(p)
		}
		for _, pg := range [][2]int{{0, 0}, {0, 5}, {3, 4}} {
			got, err := c.Phrase(p, pg[0], pg[1], 30)
			if err != nil {
				t.Fatal(err)
			}
			samePhrase(t, fmt.Sprintf("dev set, phrase %q, offset %d, limit %d", p, pg[0], pg[1]), got, o.phrase(t, p, pg[0], pg[1], 30))
			if pg[1] == 0 && got.Occurrences > 0 {
				found++
			}
		}
	}
	t.Logf("%d outputs traced twice (%d spans), %d phrases found", len(outs), spans, found)
}
