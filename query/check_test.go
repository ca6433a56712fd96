package query_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/contam-dev/contam/demo"
	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/query/item"
	"github.com/contam-dev/contam/shard"
	"github.com/contam-dev/contam/shard/source"
)

var srcOpt = source.Options{TextField: "text", IDField: "id", MetaFields: []string{"url"}}

func build(t testing.TB, corpus []string, opt shard.Options) *index.Index {
	t.Helper()
	out := filepath.Join(t.TempDir(), "idx")
	opt.Source = srcOpt
	if _, err := shard.Build(context.Background(), out, corpus, opt); err != nil {
		t.Fatalf("build: %v", err)
	}
	ix, err := index.Open(out, index.OpenOptions{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func check(t testing.TB, ix *index.Index, items []item.Item, opt query.Options) []query.Result {
	t.Helper()
	c, err := query.NewChecker(ix, opt)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := c.Check(context.Background(), items)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	return rs
}

// sameResults compares results as JSON (what users see), naming the first
// differing item.
func sameResults(t *testing.T, what string, a, b []query.Result) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d vs %d results", what, len(a), len(b))
	}
	for i := range a {
		ja, _ := json.Marshal(a[i])
		jb, _ := json.Marshal(b[i])
		if string(ja) != string(jb) {
			t.Fatalf("%s: item %s differs:\n%s\n%s", what, a[i].ID, ja, jb)
		}
	}
}

// randomCorpus writes nFiles JSONL files of random documents over a small
// vocabulary (so n-grams repeat across documents and inside them) and
// returns items that splice pieces of several documents with new text, plus
// absent and repeated-phrase items.
func randomCorpus(t *testing.T, seed uint64, nFiles, docsPerFile int) ([]string, []item.Item) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	vocab := strings.Fields("the cat sat on a mat and dog ran to big red house with blue door in it was very old new of for at 12 1,000 ÉTÉ été naïve 東京 is")
	word := func() string { return vocab[r.IntN(len(vocab))] }
	dir := t.TempDir()
	var files []string
	var docs [][]string
	for f := 0; f < nFiles; f++ {
		var sb strings.Builder
		for d := 0; d < docsPerFile; d++ {
			n := 5 + r.IntN(80)
			ws := make([]string, n)
			for i := range ws {
				ws[i] = word()
				if r.IntN(9) == 0 {
					ws[i] += ","
				}
			}
			docs = append(docs, ws)
			b, _ := json.Marshal(map[string]string{"id": fmt.Sprintf("f%d-d%d", f, d), "text": strings.Join(ws, " "), "url": fmt.Sprintf("http://x/%d/%d", f, d)})
			sb.Write(b)
			sb.WriteByte('\n')
		}
		p := filepath.Join(dir, fmt.Sprintf("part-%02d.jsonl", f))
		if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	var items []item.Item
	for k := 0; k < 60; k++ {
		var ws []string
		for piece := 0; piece < 1+r.IntN(4); piece++ {
			d := docs[r.IntN(len(docs))]
			a := r.IntN(len(d))
			b := min(len(d), a+3+r.IntN(25))
			ws = append(ws, d[a:b]...)
			for j := 0; j < r.IntN(4); j++ {
				ws = append(ws, "NEW"+fmt.Sprint(r.IntN(5)))
			}
		}
		items = append(items, item.Item{ID: fmt.Sprintf("item-%d", k), Index: k, Text: strings.Join(ws, " ")})
	}
	items = append(items,
		item.Item{ID: "absent", Index: 60, Text: "zebra quartz lantern vortex plume ember cobalt wisp"},
		item.Item{ID: "short", Index: 61, Text: "the cat"},
		item.Item{ID: "empty", Index: 62, Text: ""},
	)
	return files, items
}

func TestCheckEqualsBruteForceRandom(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		files, items := randomCorpus(t, seed, 4, 150)
		opt := query.Options{Rule: query.Rule{MinSpan: 13, MinCoverage: 0.5}, TopDocs: 5, Context: 20}
		want, err := query.Brute(files, srcOpt, "unicode-v1", 8, items, opt)
		if err != nil {
			t.Fatal(err)
		}
		flagged := 0
		for _, w := range want {
			if w.NDocs > 0 {
				flagged++
			}
		}
		if flagged < 30 {
			t.Fatalf("seed %d: only %d items overlap the corpus; the fixture does not exercise matching", seed, flagged)
		}
		for _, shards := range []int{1, 4} {
			ix := build(t, files, shard.Options{Shards: shards})
			got := check(t, ix, items, opt)
			sameResults(t, fmt.Sprintf("seed %d, %d shards vs brute force", seed, shards), got, want)
		}
	}
}

func TestSpilledRunsGiveSameAnswers(t *testing.T) {
	files, items := randomCorpus(t, 9, 3, 300)
	opt := query.Options{TopDocs: 3}
	big := check(t, build(t, files, shard.Options{Shards: 2}), items, opt)
	// A tiny budget forces many spilled runs and a k-way merge.
	small := check(t, build(t, files, shard.Options{Shards: 2, Memory: 1}), items, opt)
	sameResults(t, "spilled vs in-memory", small, big)
}

func demoFixture(t *testing.T) (corpus []string, items []item.Item, labels map[string]string) {
	t.Helper()
	dir := t.TempDir()
	corpus, bench, err := demo.WriteTo(dir)
	if err != nil {
		t.Fatal(err)
	}
	items, err = item.Load(bench, item.Options{Fields: demo.BenchFields, IDField: demo.BenchIDField})
	if err != nil {
		t.Fatal(err)
	}
	he, err := item.Load(filepath.Join(dir, demo.HumanEvalFile), item.Options{Fields: demo.HumanEvalFields, IDField: demo.HumanEvalIDField})
	if err != nil {
		t.Fatal(err)
	}
	items = append(items, he...)
	labels, err = demo.Labels()
	if err != nil {
		t.Fatal(err)
	}
	return corpus, items, labels
}

// The embedded sample is real text with real benchmark items planted: the
// index must equal the oracle, whatever the sharding and worker count.
func TestCheckEqualsBruteForceOnSample(t *testing.T) {
	corpus, items, labels := demoFixture(t)
	opt := query.Options{}
	want, err := query.Brute(corpus, srcOpt, "unicode-v1", 8, items, opt)
	if err != nil {
		t.Fatal(err)
	}
	one := check(t, build(t, corpus, shard.Options{Shards: 1}), items, query.Options{Workers: 1})
	sameResults(t, "1 shard vs brute force", one, want)
	two := check(t, build(t, corpus, shard.Options{Shards: 2, Workers: 2}), items, query.Options{Workers: 2})
	sameResults(t, "2 shards, 2 workers vs 1 shard, 1 worker", two, one)
	for _, r := range one {
		cat := labels[r.ID]
		// Every planted category of the sample is exact-findable; clean
		// items must never be flagged.
		if pos := cat != "clean"; r.Contaminated != pos && cat != "translated" {
			t.Errorf("%s (%s): contaminated=%v", r.ID, cat, r.Contaminated)
		}
	}
}

func TestVerifiedSpansAreExact(t *testing.T) {
	corpus, items, _ := demoFixture(t)
	ix := build(t, corpus, shard.Options{Shards: 2})
	rs := check(t, ix, items, query.Options{TopDocs: 10})
	n := 0
	for i, r := range rs {
		for _, d := range r.Docs {
			// The shown document text normalizes to exactly the item's span.
			a, b := tokens(t, items[i].Text), tokens(t, d.Match.Text)
			span := a[d.Match.ItemTokStart:d.Match.ItemTokEnd]
			if !reflect.DeepEqual(span, b) {
				t.Fatalf("%s in %s: item span %q, document text %q", r.ID, d.ID, span, b)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no document hits to verify")
	}
}

func tokens(t *testing.T, s string) []string {
	t.Helper()
	rs, err := query.Tokenize("unicode-v1", s)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// The dev set (outside the repo) is the real-size oracle check.
func TestCheckEqualsBruteForceOnDevSet(t *testing.T) {
	dev := "../../shared/data/dev"
	if _, err := os.Stat(dev); err != nil {
		t.Skipf("dev set not found at %s (it lives beside the checkout, in ../shared): %v", dev, err)
	}
	if testing.Short() {
		t.Skip("dev set oracle comparison skipped in -short mode")
	}
	corpus, err := source.Expand([]string{filepath.Join(dev, "corpus")})
	if err != nil {
		t.Fatal(err)
	}
	items, err := item.Load(filepath.Join(dev, "benchmarks/gsm8k_test.jsonl"), item.Options{Fields: []string{"question", "answer"}, IDField: "gsm8k/test/{{._index}}"})
	if err != nil {
		t.Fatal(err)
	}
	he, err := item.Load(filepath.Join(dev, "benchmarks/humaneval.jsonl"), item.Options{Fields: []string{"prompt", "canonical_solution"}, IDField: "task_id"})
	if err != nil {
		t.Fatal(err)
	}
	items = append(items, he...)
	opt := query.Options{}
	want, err := query.Brute(corpus, srcOpt, "unicode-v1", 8, items, opt)
	if err != nil {
		t.Fatal(err)
	}
	got := check(t, build(t, corpus, shard.Options{Shards: 4, Workers: 2}), items, opt)
	sameResults(t, "dev set: 4-shard index vs brute force", got, want)
}
