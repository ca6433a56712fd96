package query_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/shard"
)

// However the memory budget cuts the items into batches, and however many
// workers verify them, the answers are the same: with every standard and
// near-duplicates on, and equal to the brute-force oracle.
func TestBatchesGiveSameAnswers(t *testing.T) {
	files, items := randomCorpus(t, 5, 3, 200)
	ix := build(t, files, shard.Options{Shards: 2})
	opt := query.Options{
		TopDocs: 5, Context: 20, NearDup: true,
		Standards: []string{"default", "gpt3", "palm", "llama2", "llama3", "gpt4"},
	}
	want := check(t, ix, items, opt)
	for _, mem := range []int64{1, 16 << 10} { // one item a batch; a few
		for _, workers := range []int{1, 3} {
			o := opt
			o.Memory, o.Workers = mem, workers
			sameResults(t, fmt.Sprintf("memory %d, %d workers vs one batch", mem, workers), check(t, ix, items, o), want)
		}
	}
	plain := query.Options{TopDocs: 5, Context: 20, Memory: 1}
	oracle, err := query.Brute(files, srcOpt, "unicode-v1", 8, items, plain)
	if err != nil {
		t.Fatal(err)
	}
	sameResults(t, "one item a batch vs brute force", check(t, ix, items, plain), oracle)
}

// CheckOne is a batch of one: the same answer as the item checked among
// others (standards aside: gpt3's N and the template n-grams come from the
// whole benchmark).
func TestCheckOneEqualsCheck(t *testing.T) {
	files, items := randomCorpus(t, 6, 2, 150)
	ix := build(t, files, shard.Options{Shards: 2})
	opt := query.Options{TopDocs: 4, Context: 20, NearDup: true}
	all := check(t, ix, items, opt)
	c, err := query.NewChecker(ix, opt)
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range items {
		r, err := c.CheckOne(it)
		if err != nil {
			t.Fatal(err)
		}
		sameResults(t, "CheckOne vs Check", []query.Result{r}, all[i:i+1])
	}
	if _, err := c.Check(context.Background(), nil); err != nil {
		t.Fatalf("no items: %v", err)
	}
}
