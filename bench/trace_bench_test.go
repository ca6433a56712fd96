package bench

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/index/text"
	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/query/item"
	"github.com/contam-dev/contam/shard"
)

// Benchmarks and a measurement for issue 4: tracing model outputs back to
// the corpus (Checker.Trace) and counting / finding phrases
// (Checker.Phrase). They use the fixture of bench_test.go: the demo sample,
// or the dev set with CONTAM_BENCH_DEV=1.
//
// Latency is reported per output (or per phrase) as the median and 95th
// percentile of the individual calls (p50-ms, p95-ms); ns/op is their mean.
// Each benchmark runs on an index of 2 shards (contam build's default on
// this 2-core machine) with contam trace's default options (MinSpan = n,
// 3 documents per span, 200 runes of context, no MaxDocFreq), in two
// variants:
//
//   - cache=warm: one Checker for the whole run, so documents fetched for
//     earlier outputs stay in its document cache (a long-lived process
//     tracing many outputs);
//   - cache=cold: a new Checker per call (an empty document cache; Pebble's
//     block cache and the OS page cache stay warm): one 'contam trace' of
//     one output.

// traceShards is the shard count of the index the trace benchmarks use.
const traceShards = 2

// traceData holds the generated outputs and phrases, built once.
type traceData struct {
	once    sync.Once
	outputs map[string][]string // "no-match/tokens=100" … → outputs
	phrases map[string][]string // "present", "absent", "common", "repeated" → phrases
	err     error
}

var trData traceData

const (
	outputsPerCase = 20
	phrasesPerCase = 200
)

// synthWord is a token that occurs in no corpus: "qz" and 8 random letters.
func synthWord(r *rand.Rand) string {
	b := []byte("qz")
	for range 8 {
		b = append(b, byte('a'+r.IntN(26)))
	}
	return string(b)
}

// cutTokens returns s cut after its first n tokens (all of s if shorter).
func cutTokens(norm text.Normalizer, s string, n int) (string, int) {
	var t text.Tokens
	norm.Tokenize(&t, []byte(s))
	if t.Len() <= n {
		return s, t.Len()
	}
	return s[:t.End[n-1]], n
}

func (f *fixture) traceInputs(tb testing.TB) *traceData {
	tb.Helper()
	trData.once.Do(func() {
		norm, err := text.Lookup(text.Default)
		if err != nil {
			trData.err = err
			return
		}
		r := rand.New(rand.NewPCG(4, 4))
		// Documents long enough to cut pieces from, tokenized.
		type tdoc struct {
			text string
			toks text.Tokens
		}
		var docs []*tdoc
		for _, d := range f.docs {
			td := &tdoc{text: string(d)}
			norm.Tokenize(&td.toks, d)
			if td.toks.Len() >= 30 {
				docs = append(docs, td)
			}
		}
		piece := func(lo, hi int) string {
			d := docs[r.IntN(len(docs))]
			k := min(lo+r.IntN(hi-lo+1), d.toks.Len())
			a := r.IntN(d.toks.Len() - k + 1)
			return d.text[d.toks.Start[a]:d.toks.End[a+k-1]]
		}
		trData.outputs = map[string][]string{}
		for _, size := range []int{100, 1000, 10000} {
			for range outputsPerCase {
				// (a) No matches: synthetic words found in no corpus.
				ws := make([]string, size)
				for i := range ws {
					ws[i] = synthWord(r)
				}
				k := fmt.Sprintf("no-match/tokens=%d", size)
				trData.outputs[k] = append(trData.outputs[k], strings.Join(ws, " "))
				// (b) Many matches: pieces of 20–200 tokens of random
				// documents, 1–2 new words between them.
				var sb strings.Builder
				for n := 0; n < size; {
					p := piece(20, 200)
					sb.WriteString(p)
					for range 1 + r.IntN(2) {
						sb.WriteString(" " + synthWord(r))
					}
					sb.WriteString(" ")
					var t text.Tokens
					norm.Tokenize(&t, []byte(p))
					n += t.Len() + 1
				}
				out, _ := cutTokens(norm, sb.String(), size)
				k = fmt.Sprintf("matches/tokens=%d", size)
				trData.outputs[k] = append(trData.outputs[k], out)
			}
		}
		// Phrases of n … n+10 tokens cut from documents as written, and the
		// same with their middle token replaced by a synthetic word.
		trData.phrases = map[string][]string{}
		for range phrasesPerCase {
			p := piece(shard.DefaultN, shard.DefaultN+10)
			trData.phrases["present"] = append(trData.phrases["present"], p)
			var t text.Tokens
			norm.Tokenize(&t, []byte(p))
			m := t.Len() / 2
			trData.phrases["absent"] = append(trData.phrases["absent"], p[:t.Start[m]]+synthWord(r)+p[t.End[m]:])
		}
	})
	if trData.err != nil {
		tb.Fatal(trData.err)
	}
	return &trData
}

// quantile is the q-quantile of sorted xs, linearly interpolated.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(xs)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(xs)-1)
	return xs[lo] + (xs[hi]-xs[lo])*(pos-float64(lo))
}

// reportLatency adds p50-ms and p95-ms of the calls' durations.
func reportLatency(b *testing.B, durs []time.Duration) {
	ms := make([]float64, len(durs))
	for i, d := range durs {
		ms[i] = float64(d.Nanoseconds()) / 1e6
	}
	slices.Sort(ms)
	b.ReportMetric(quantile(ms, 0.5), "p50-ms")
	b.ReportMetric(quantile(ms, 0.95), "p95-ms")
}

// openTraceIndex opens the fixture's 2-shard index (built on first use,
// outside any timer).
func openTraceIndex(b *testing.B, f *fixture) *index.Index {
	b.Helper()
	ix, err := index.Open(f.index(b, traceShards), index.OpenOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ix.Close() })
	return ix
}

// checkers returns a function giving the Checker for each call: the same
// one (warm) or a new one (cold).
func checkers(b *testing.B, ix *index.Index, cold bool) func() *query.Checker {
	b.Helper()
	shared, err := query.NewChecker(ix, query.Options{Workers: 1})
	if err != nil {
		b.Fatal(err)
	}
	return func() *query.Checker {
		if !cold {
			return shared
		}
		c, err := query.NewChecker(ix, query.Options{Workers: 1})
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
}

// BenchmarkTrace is Checker.Trace of one model output per op, cycling
// through 20 generated outputs of each kind and size:
//
//   - no-match/tokens=N: N synthetic words found in no corpus document;
//   - matches/tokens=N: pieces of 20–200 tokens cut from random corpus
//     documents (as written), with one or two synthetic words between
//     them, so nearly every token is in a long span.
//
// Metrics: p50-ms and p95-ms per output, spans/op, coverage (mean), and
// docs/op (distinct documents holding a shown span, n_docs).
func BenchmarkTrace(b *testing.B) {
	f := getFixture(b)
	td := f.traceInputs(b)
	b.Run(f.name, func(b *testing.B) {
		ix := openTraceIndex(b, f)
		n := ix.Manifest.Params.N
		opt := query.TraceOptions{MinSpan: n, TopDocs: query.DefaultTopDocs, Context: query.DefaultContext}
		for _, kind := range []string{"no-match", "matches"} {
			for _, size := range []int{100, 1000, 10000} {
				for _, cold := range []bool{false, true} {
					name := fmt.Sprintf("%s/tokens=%d", kind, size)
					outs := td.outputs[name]
					name += map[bool]string{false: "/cache=warm", true: "/cache=cold"}[cold]
					b.Run(name, func(b *testing.B) {
						next := checkers(b, ix, cold)
						// One untimed pass: Pebble's block cache and the
						// OS page cache hold what these outputs need (and
						// a warm checker's document cache too).
						for _, out := range outs {
							if _, err := next().Trace("out", out, opt); err != nil {
								b.Fatal(err)
							}
						}
						var durs []time.Duration
						var spans, docs int
						var cov float64
						b.ReportAllocs()
						cpu := startCPU()
						i := 0
						for b.Loop() {
							c := next()
							t0 := time.Now()
							r, err := c.Trace("out", outs[i%len(outs)], opt)
							durs = append(durs, time.Since(t0))
							if err != nil {
								b.Fatal(err)
							}
							spans += len(r.Spans)
							docs += r.NDocs
							cov += r.Coverage
							i++
						}
						cpu.report(b, 0)
						reportLatency(b, durs)
						b.ReportMetric(float64(spans)/float64(i), "spans/op")
						b.ReportMetric(float64(docs)/float64(i), "docs/op")
						b.ReportMetric(cov/float64(i), "coverage")
					})
				}
			}
		}
	})
}

// frequentPhrases sets phrases["common"] and phrases["repeated"]: the 200
// n-grams of the corpus held by the most documents, and the 200 with the
// most occurrences (n tokens each; counted by hashing every document's
// n-grams, once, outside any timer), as written where they first occur.
func (td *traceData) frequentPhrases(b *testing.B, f *fixture) {
	b.Helper()
	if len(td.phrases["common"]) > 0 {
		return
	}
	norm, err := text.Lookup(text.Default)
	if err != nil {
		b.Fatal(err)
	}
	n, seed := shard.DefaultN, uint64(shard.DefaultSeed)
	hashes := func(d []byte, t *text.Tokens) []uint64 {
		t.Reset()
		norm.Tokenize(t, d)
		th := make([]uint64, t.Len())
		for j := range th {
			th[j] = text.TokenHash(t.Norm(j), seed)
		}
		return text.NGramHashesOf(nil, th, n, seed)
	}
	type counts struct{ docs, occ int32 }
	count := map[uint64]counts{}
	var t text.Tokens
	for _, d := range f.docs {
		hs := hashes(d, &t)
		slices.Sort(hs)
		for i, h := range hs {
			c := count[h]
			c.occ++
			if i == 0 || hs[i-1] != h {
				c.docs++
			}
			count[h] = c
		}
	}
	type hc struct {
		h uint64
		c counts
	}
	var all []hc
	for h, c := range count {
		all = append(all, hc{h, c})
	}
	for _, kind := range []string{"common", "repeated"} {
		key := func(x hc) int32 { return x.c.docs }
		if kind == "repeated" {
			key = func(x hc) int32 { return x.c.occ }
		}
		slices.SortFunc(all, func(x, y hc) int {
			if kx, ky := key(x), key(y); kx != ky {
				return int(ky - kx)
			}
			return cmp.Compare(x.h, y.h)
		})
		want := map[uint64]bool{}
		for _, x := range all[:min(phrasesPerCase, len(all))] {
			want[x.h] = true
		}
		for _, d := range f.docs {
			for i, h := range hashes(d, &t) {
				if want[h] {
					delete(want, h)
					td.phrases[kind] = append(td.phrases[kind], string(d[t.Start[i]:t.End[i+n-1]]))
				}
			}
		}
	}
}

// BenchmarkPhrase is Checker.Phrase of one phrase per op, cycling through
// 200 phrases of n … n+10 tokens:
//
//   - count/present: phrases cut from random corpus documents (as written);
//   - count/absent: the same phrases with their middle token replaced by a
//     synthetic word;
//   - count/common: the 200 n-grams (n tokens) held by the most documents;
//   - count/repeated: the 200 n-grams with the most occurrences;
//   - find/present, find/common: the same phrases with the first 10
//     documents listed (limit 10, 200 runes of context), as 'contam find'
//     shows them.
//
// Metrics: p50-ms and p95-ms per phrase, occurrences/op and docs/op.
func BenchmarkPhrase(b *testing.B) {
	f := getFixture(b)
	td := f.traceInputs(b)
	b.Run(f.name, func(b *testing.B) {
		ix := openTraceIndex(b, f)
		td.frequentPhrases(b, f)
		for _, tc := range []struct {
			name, kind string
			limit      int
		}{
			{"count/present", "present", 0}, {"count/absent", "absent", 0},
			{"count/common", "common", 0}, {"count/repeated", "repeated", 0},
			{"find/present", "present", 10}, {"find/common", "common", 10},
		} {
			for _, cold := range []bool{false, true} {
				name := tc.name + map[bool]string{false: "/cache=warm", true: "/cache=cold"}[cold]
				phrases := td.phrases[tc.kind]
				b.Run(name, func(b *testing.B) {
					next := checkers(b, ix, cold)
					for _, p := range phrases { // untimed pass, as in BenchmarkTrace
						if _, err := next().Phrase(p, 0, tc.limit, query.DefaultContext); err != nil {
							b.Fatal(err)
						}
					}
					var durs []time.Duration
					var occ int64
					var docs int
					b.ReportAllocs()
					cpu := startCPU()
					i := 0
					for b.Loop() {
						c := next()
						t0 := time.Now()
						r, err := c.Phrase(phrases[i%len(phrases)], 0, tc.limit, query.DefaultContext)
						durs = append(durs, time.Since(t0))
						if err != nil {
							b.Fatal(err)
						}
						if !r.Exact {
							b.Fatalf("phrase %q: not exact: %s", r.Phrase, r.Reason)
						}
						occ += r.Occurrences
						docs += r.Docs
						i++
					}
					cpu.report(b, 0)
					reportLatency(b, durs)
					b.ReportMetric(float64(occ)/float64(i), "occurrences/op")
					b.ReportMetric(float64(docs)/float64(i), "docs/op")
				})
			}
		}
	})
}

// TestTraceDevCoverage traces the GSM8K answers (field "answer" only) of
// the first 50 test items labelled verbatim and the first 50 labelled clean
// against an index of the whole dev corpus, and logs the coverage
// distribution of each group, for bench/README.md. It needs the dev set and
// CONTAM_TRACE_DEV=1:
//
//	CONTAM_TRACE_DEV=1 go test -run TestTraceDevCoverage -v ./bench/
func TestTraceDevCoverage(t *testing.T) {
	if os.Getenv("CONTAM_TRACE_DEV") != "1" {
		t.Skip("set CONTAM_TRACE_DEV=1 to trace the dev set's GSM8K answers (needs ../shared/data/dev)")
	}
	dev := devDir()
	if dev == "" {
		t.Skip("CONTAM_TRACE_DEV=1 but no dev set found (../shared/data/dev beside the repository, or $CONTAM_DEV_DIR)")
	}
	corpus, err := filepath.Glob(filepath.Join(dev, "corpus", "*"))
	if err != nil || len(corpus) == 0 {
		t.Fatalf("no corpus files in %s: %v", dev, err)
	}
	items, err := item.Load(filepath.Join(dev, "benchmarks", "gsm8k_test.jsonl"), item.Options{Fields: []string{"answer"}, IDField: "gsm8k/test/{{._index}}"})
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{}
	lf, err := os.Open(filepath.Join(dev, "labels", "gsm8k_test.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	sc := bufio.NewScanner(lf)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l struct{ ID, Category string }
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		labels[l.ID] = l.Category
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	groups := map[string][]item.Item{}
	for _, it := range items {
		if want := "gsm8k/test/" + fmt.Sprint(it.Index); it.ID != want {
			t.Fatalf("item %d has id %s, want %s", it.Index, it.ID, want)
		}
		if cat := labels[it.ID]; (cat == "verbatim" || cat == "clean") && len(groups[cat]) < 50 {
			groups[cat] = append(groups[cat], it)
		}
	}
	out := filepath.Join(t.TempDir(), "idx")
	t0 := time.Now()
	res, err := shard.Build(context.Background(), out, corpus, shard.Options{Shards: traceShards, Source: srcOpt})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(out, index.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	t.Logf("index: %d documents, %d shards, built in %.1fs", res.Manifest.Counts.Docs, len(ix.Shards), time.Since(t0).Seconds())
	for _, minSpan := range []int{ix.Manifest.Params.N, query.DefaultMinSpan} {
		c, err := query.NewChecker(ix, query.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, cat := range []string{"verbatim", "clean"} {
			its := groups[cat]
			if len(its) != 50 {
				t.Fatalf("%d %s items, want 50", len(its), cat)
			}
			var cov []float64
			var tokens, spans int
			t1 := time.Now()
			for _, it := range its {
				r, err := c.Trace(it.ID, it.Text, query.TraceOptions{MinSpan: minSpan})
				if err != nil {
					t.Fatal(err)
				}
				cov = append(cov, r.Coverage)
				tokens += r.Tokens
				spans += len(r.Spans)
				if cat == "clean" {
					for _, s := range r.Spans {
						t.Logf("min span %d, clean %s: %d-token span %q in %d documents (first: %s)", minSpan, it.ID, s.Len, s.Text, s.Docs, s.TopDocs[0].ID)
					}
				}
			}
			el := time.Since(t1)
			t.Logf("min span %d, %s (%d answers, %s … %s, %.0f tokens each on average, %d spans, traced in %s):\n%s",
				minSpan, cat, len(its), its[0].ID, its[len(its)-1].ID, float64(tokens)/float64(len(its)), spans, el.Round(time.Millisecond), describeCoverage(cov))
		}
	}
}

// describeCoverage prints min, quartiles, max, mean and a histogram in 10%
// buckets ([0,10%), …, [90,100%], with exactly 0 and exactly 100% apart).
func describeCoverage(cov []float64) string {
	xs := slices.Clone(cov)
	slices.Sort(xs)
	var sum float64
	for _, x := range xs {
		sum += x
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "  min %.1f%%  q1 %.1f%%  median %.1f%%  q3 %.1f%%  max %.1f%%  mean %.1f%%\n",
		100*xs[0], 100*quantile(xs, 0.25), 100*quantile(xs, 0.5), 100*quantile(xs, 0.75), 100*xs[len(xs)-1], 100*sum/float64(len(xs)))
	var zero, full int
	var buckets [10]int
	for _, x := range xs {
		switch {
		case x == 0:
			zero++
		case x == 1:
			full++
		default:
			buckets[min(int(x*10), 9)]++
		}
	}
	bar := func(n int) string { return strings.Repeat("█", n) }
	fmt.Fprintf(&sb, "  %-9s %3d %s\n", "0%", zero, bar(zero))
	for i, n := range buckets {
		fmt.Fprintf(&sb, "  %-9s %3d %s\n", fmt.Sprintf("%d–%d%%", 10*i, 10*i+10), n, bar(n))
	}
	fmt.Fprintf(&sb, "  %-9s %3d %s\n", "100%", full, bar(full))
	return sb.String()
}
