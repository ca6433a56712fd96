package query_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/query/item"
	"github.com/contam-dev/contam/shard"
	"github.com/contam-dev/contam/shard/source"
)

// The lmeval standard on the dev set equals the janitor rule computed the
// plain way: every 13-gram of every corpus document (janitor tokens) in a
// set, and an item is dirty if any of its 13-grams is in it.
func TestLmevalEqualsJanitorScanOnDevSet(t *testing.T) {
	dev := "../../shared/data/dev"
	if _, err := os.Stat(dev); err != nil {
		t.Skipf("dev set not found at %s (it lives beside the checkout, in ../shared): %v", dev, err)
	}
	if testing.Short() {
		t.Skip("dev set comparison skipped in -short mode")
	}
	corpus, err := source.Expand([]string{filepath.Join(dev, "corpus")})
	if err != nil {
		t.Fatal(err)
	}
	var items []item.Item
	for _, b := range []struct{ file, id string }{
		{"gsm8k_test.jsonl", "gsm8k/test/{{._index}}"}, {"humaneval.jsonl", "task_id"}, {"mbpp.jsonl", "mbpp/{{.task_id}}"},
	} {
		fields := map[string][]string{"gsm8k_test.jsonl": {"question", "answer"}, "humaneval.jsonl": {"prompt", "canonical_solution"}, "mbpp.jsonl": {"text", "code"}}[b.file]
		its, err := item.Load(filepath.Join(dev, "benchmarks", b.file), item.Options{Fields: fields, IDField: b.id})
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, its...)
	}
	grams := map[string]bool{}
	for _, p := range corpus {
		r, err := source.Open(p, srcOpt)
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
			toks, _ := query.Tokenize("lmeval-janitor-v1", string(d.Text))
			for i := 0; i+13 <= len(toks); i++ {
				grams[strings.Join(toks[i:i+13], " ")] = true
			}
		}
		r.Close()
	}
	ix := build(t, corpus, shard.Options{Normalizer: "lmeval-janitor-v1", N: 13, Shards: 2})
	rs := check(t, ix, items, query.Options{Standards: []string{"lmeval"}})
	dirty := 0
	for i, it := range items {
		toks, _ := query.Tokenize("lmeval-janitor-v1", it.Text)
		want := false
		for k := 0; k+13 <= len(toks); k++ {
			if grams[strings.Join(toks[k:k+13], " ")] {
				want = true
				break
			}
		}
		if got := rs[i].Standards["lmeval"].Dirty; got != want {
			t.Errorf("%s: lmeval dirty=%v, janitor scan %v", it.ID, got, want)
		}
		if want {
			dirty++
		}
	}
	if dirty < 700 {
		t.Fatalf("only %d dirty items: the comparison does not exercise the rule", dirty)
	}
	t.Logf("%d items, %d dirty under lmeval, identical to the janitor scan", len(items), dirty)
}
