package query

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/query/item"
	"github.com/contam-dev/contam/shard"
	"github.com/contam-dev/contam/shard/source"
)

// sharedCorpus indexes documents drawn from a few shared passages, so that
// most documents are candidates of several items, and returns the items.
func sharedCorpus(t *testing.T) (*index.Index, []item.Item) {
	t.Helper()
	r := rand.New(rand.NewPCG(11, 3))
	vocab := strings.Fields("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau")
	passage := func(n int) string {
		ws := make([]string, n)
		for i := range ws {
			ws[i] = vocab[r.IntN(len(vocab))]
		}
		return strings.Join(ws, " ")
	}
	passages := make([]string, 8)
	for i := range passages {
		passages[i] = passage(20)
	}
	var sb strings.Builder
	for d := 0; d < 300; d++ {
		text := passage(5) + " " + passages[r.IntN(len(passages))] + " " + passage(30) + " " + passages[r.IntN(len(passages))]
		b, _ := json.Marshal(map[string]string{"id": fmt.Sprintf("d%d", d), "text": text})
		sb.Write(b)
		sb.WriteByte('\n')
	}
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus.jsonl")
	if err := os.WriteFile(corpus, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "idx")
	if _, err := shard.Build(context.Background(), out, []string{corpus}, shard.Options{Shards: 1, Source: source.Options{TextField: "text", IDField: "id"}}); err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(out, index.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	var items []item.Item
	for i := 0; i < 40; i++ {
		items = append(items, item.Item{ID: fmt.Sprint(i), Index: i, Text: passage(3) + " " + passages[i%len(passages)]})
	}
	return ix, items
}

// Phase 2 reads each candidate document once for the whole batch, however
// many items have anchors in it; a small budget cuts the batch short.
func TestBatchReadsEachDocumentOnce(t *testing.T) {
	ix, items := sharedCorpus(t)
	ctx := context.Background()
	c, err := NewChecker(ix, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := c.lookup(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	if len(batch) != len(items) {
		t.Fatalf("default budget: a batch of %d of %d items", len(batch), len(items))
	}
	docs := map[docKey]bool{}
	pairs, est := 0, int64(0)
	for _, b := range batch {
		est += b.memory()
		for k := range b.anchors {
			docs[k] = true
			pairs++
		}
	}
	if pairs < 3*len(docs) {
		t.Fatalf("%d (item, document) pairs over %d documents: the fixture does not share documents between items", pairs, len(docs))
	}
	if err := c.verifyBatch(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if got := c.docReads.Load(); got != int64(len(docs)) {
		t.Errorf("phase 2 read %d documents for %d candidates", got, len(docs))
	}
	verified := 0
	for _, b := range batch {
		verified += len(b.docs)
		for i := 1; i < len(b.docs); i++ {
			if cmpDocKey(b.docs[i-1].key, b.docs[i].key) >= 0 {
				t.Fatalf("documents out of (shard, doc) order: %v before %v", b.docs[i-1].key, b.docs[i].key)
			}
		}
	}
	if verified != pairs {
		t.Errorf("%d of %d pairs verified; every anchor here is a real shared n-gram", verified, pairs)
	}

	// A budget of half the batch's estimate takes a shorter prefix.
	small, err := NewChecker(ix, Options{Workers: 2, Memory: est / 2 * batchShareDen / batchShareNum})
	if err != nil {
		t.Fatal(err)
	}
	part, err := small.lookup(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	if len(part) == 0 || len(part) >= len(items) {
		t.Errorf("half the budget: a batch of %d of %d items", len(part), len(items))
	}
}
