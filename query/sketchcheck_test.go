package query

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/index/text"
	"github.com/contam-dev/contam/query/item"
	"github.com/contam-dev/contam/shard"
	"github.com/contam-dev/contam/shard/source"
	"github.com/contam-dev/contam/sketch"
)

// The embedded demo sample, read from the demo package's directory (this
// internal test cannot import package demo, which imports query).
var (
	demoCorpus = []string{"../demo/data/corpus.jsonl.zst", "../demo/data/corpus-2.jsonl.gz"}
	demoBench  = []struct {
		file     string
		fields   []string
		idField  string
		expected int
	}{
		{"../demo/data/bench.jsonl", []string{"question", "answer"}, "id", 10},
		{"../demo/data/humaneval.jsonl", []string{"prompt", "canonical_solution"}, "task_id", 5},
	}
)

func demoSample(t *testing.T) (*index.Index, []item.Item) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "idx")
	opt := shard.Options{Shards: 2, Source: source.Options{TextField: "text", IDField: "id"}}
	if _, err := shard.Build(context.Background(), out, demoCorpus, opt); err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(out, index.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	var items []item.Item
	for _, b := range demoBench {
		its, err := item.Load(b.file, item.Options{Fields: b.fields, IDField: b.idField})
		if err != nil {
			t.Fatal(err)
		}
		if len(its) < b.expected {
			t.Fatalf("%s: %d items", b.file, len(its))
		}
		items = append(items, its...)
	}
	return ix, items
}

// corpusNGrams is the exact set of the index's n-gram hashes, from the
// stored text of every document.
func corpusNGrams(t *testing.T, ix *index.Index) map[uint64]bool {
	t.Helper()
	p := ix.Manifest.Params
	norm, err := text.Lookup(p.Normalizer)
	if err != nil {
		t.Fatal(err)
	}
	set := map[uint64]bool{}
	var toks text.Tokens
	for _, s := range ix.Shards {
		for n := 0; n < s.NumDocs(); n++ {
			d, err := s.Doc(uint32(n))
			if err != nil {
				t.Fatal(err)
			}
			toks.Reset()
			norm.Tokenize(&toks, d.Text)
			for _, h := range text.NGramHashes(nil, &toks, p.N, p.Seed) {
				set[h] = true
			}
		}
	}
	return set
}

// TestSketchAgreesWithIndex checks the demo sample three ways: the full
// index (verified spans), the sketch, and the sketch's logic on the exact
// n-gram set. With exact membership, coverage and the palm and llama3
// values must equal the index's, and the probable span can only exceed the
// longest verified span (a run may join n-grams of different documents).
// The sketch may differ from exact membership only by false positives.
func TestSketchAgreesWithIndex(t *testing.T) {
	ix, items := demoSample(t)
	std := []string{"palm", "llama3"}
	full, err := NewChecker(ix, Options{Standards: std})
	if err != nil {
		t.Fatal(err)
	}
	want, err := full.Check(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	sk, err := sketch.Build(context.Background(), ix, sketch.Options{FPR: 1e-6})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := NewSketchChecker(sk, SketchOptions{Standards: std})
	if err != nil {
		t.Fatal(err)
	}
	got, err := sc.Check(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	exactSet := corpusNGrams(t, ix)
	ec, err := NewSketchChecker(sk, SketchOptions{Standards: std})
	if err != nil {
		t.Fatal(err)
	}
	ec.contains = func(h uint64) bool { return exactSet[h] }
	exact, err := ec.Check(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}

	agree, chained, fp := 0, 0, 0
	for i, w := range want {
		e, g := exact[i], got[i]
		if e.Covered != w.Covered || e.TooShort != w.TooShort {
			t.Errorf("%s: exact membership covers %d tokens, the index %d", w.ID, e.Covered, w.Covered)
		}
		if e.ProbableSpan < w.LongestSpan {
			t.Errorf("%s: probable span %d shorter than the verified %d", w.ID, e.ProbableSpan, w.LongestSpan)
		}
		for _, s := range std {
			if ev, wv := e.Standards[s], w.Standards[s]; ev.Value != wv.Value || ev.Dirty != wv.Dirty || ev.TooShort != wv.TooShort {
				t.Errorf("%s: %s from exact membership %+v, from the index %+v", w.ID, s, e.Standards[s], w.Standards[s])
			}
		}
		if e.Contaminated != w.Contaminated {
			// Only chaining can separate them: the coverage test is the
			// same, so the span test must have fired on a run longer than
			// any verified span.
			if !e.Contaminated || e.ProbableSpan < e.Rule.MinSpan || w.LongestSpan >= e.Rule.MinSpan {
				t.Errorf("%s: exact membership says %v (span %d), the index %v (span %d)", w.ID, e.Contaminated, e.ProbableSpan, w.Contaminated, w.LongestSpan)
			}
			chained++
		}
		// The sketch has no false negatives: its present n-grams include
		// the exact ones; any extra is a false positive.
		if g.Present < e.Present || g.Covered < e.Covered {
			t.Errorf("%s: the sketch holds %d n-grams of the item, the corpus %d", w.ID, g.Present, e.Present)
		}
		if g.Present > e.Present {
			fp += g.Present - e.Present
		} else if !equalJSON(t, g, e) {
			t.Errorf("%s: same n-grams present, different answers:\n%+v\n%+v", w.ID, g, e)
		}
		if g.Contaminated == w.Contaminated {
			agree++
		} else if g.Contaminated == e.Contaminated {
			// already explained by chaining above
		} else if g.Present == e.Present {
			t.Errorf("%s: the sketch's verdict differs with no false positive", w.ID)
		}
		if g.FPR != sk.FPR() || g.FPAny <= 0 && g.NGrams > 0 {
			t.Errorf("%s: fpr %g, fp_any %g", w.ID, g.FPR, g.FPAny)
		}
	}
	t.Logf("%d items: sketch verdict = index verdict for %d; %d differ by chaining, %d false-positive n-grams in all (FPR %.2g)",
		len(want), agree, chained, fp, sk.FPR())
	if agree < len(want)-chained-fp {
		t.Errorf("only %d of %d verdicts agree", agree, len(want))
	}
}

func equalJSON(t *testing.T, a, b any) bool {
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// TestSketchRuns pins the per-item logic on a hand-made membership: runs,
// coverage, the probable span and the rule.
func TestSketchRuns(t *testing.T) {
	ix, _ := demoSample(t)
	sk, err := sketch.Build(context.Background(), ix, sketch.Options{FPR: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewSketchChecker(sk, SketchOptions{Standards: []string{"palm", "gpt3"}, Std: StandardParams{GPT3MaxDocs: -1, GPT3N: 10}})
	if err != nil {
		t.Fatal(err)
	}
	words := strings.Fields("w00 w01 w02 w03 w04 w05 w06 w07 w08 w09 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19")
	it := item.Item{ID: "x", Text: strings.Join(words, " ")}
	var toks text.Tokens
	c.norm.Tokenize(&toks, []byte(it.Text))
	hs := text.NGramHashes(nil, &toks, c.n, c.seed) // 13 n-grams of 8 tokens
	// n-grams 0–2 and 5 present: runs [0, 3) and [5, 6).
	in := map[uint64]bool{hs[0]: true, hs[1]: true, hs[2]: true, hs[5]: true}
	c.contains = func(h uint64) bool { return in[h] }
	r, err := c.CheckOne(it)
	if err != nil {
		t.Fatal(err)
	}
	if r.NGrams != 13 || r.Present != 4 || r.LongestRun != 3 || r.ProbableSpan != 10 {
		t.Fatalf("ngrams %d present %d run %d span %d", r.NGrams, r.Present, r.LongestRun, r.ProbableSpan)
	}
	wantRuns := []SketchRun{{0, 3, 0, 10, 0, 39}, {5, 1, 5, 13, 20, 51}}
	if !slices.Equal(r.Runs, wantRuns) {
		t.Fatalf("runs %+v, want %+v", r.Runs, wantRuns)
	}
	// Tokens 0–12 covered: 13 of 20, coverage 0.65 ≥ 0.5 with ≥ 10 tokens.
	if r.Covered != 13 || !r.Contaminated {
		t.Fatalf("covered %d, contaminated %v", r.Covered, r.Contaminated)
	}
	if v := r.Standards["palm"]; v.Value != 4.0/13 || v.Dirty {
		t.Fatalf("palm %+v", v)
	}
	// gpt3 N=10: a 10-gram needs 3 consecutive 8-grams; only [0, 3) has them.
	if v := r.Standards["gpt3"]; v.Value != 1 || !v.Dirty {
		t.Fatalf("gpt3 %+v", v)
	}
}

func TestSketchStandardsRefused(t *testing.T) {
	ix, _ := demoSample(t)
	sk, err := sketch.Build(context.Background(), ix, sketch.Options{FPR: 1e-2})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		std  string
		p    StandardParams
		want string
	}{
		{"default", StandardParams{}, "document"},
		{"llama2", StandardParams{}, "per document"},
		{"gpt4", StandardParams{}, "text of the documents"},
		{"gpt3", StandardParams{}, "--gpt3-max-docs -1"},
		{"palm", StandardParams{PaLMN: 13}, "13-grams"},
		{"lmeval", StandardParams{}, "lmeval-janitor-v1"},
		{"nonsense", StandardParams{}, "unknown standard"},
	} {
		_, err := NewSketchChecker(sk, SketchOptions{Standards: []string{c.std}, Std: c.p})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error mentioning %q", c.std, err, c.want)
		}
	}
	if _, err := NewSketchChecker(sk, SketchOptions{Standards: []string{"palm", "llama3"}, Std: StandardParams{GPT3MaxDocs: -1}}); err != nil {
		t.Errorf("palm and llama3 on an 8-gram sketch: %v", err)
	}
}
