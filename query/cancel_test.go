package query_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/shard"
)

// A done context stops trace, count/find and check while they verify
// documents (a server's request deadline), instead of letting the work run
// on; the same calls with a live context answer.
func TestCancelledContextStopsWork(t *testing.T) {
	files, items := randomCorpus(t, 11, 2, 100)
	ix := build(t, files, shard.Options{Shards: 2})
	c, err := query.NewChecker(ix, query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dead, cancel := context.WithCancel(context.Background())
	cancel()
	var it = items[0]
	for _, x := range items {
		if len(strings.Fields(x.Text)) > 20 {
			it = x
			break
		}
	}
	tr, err := c.TraceContext(context.Background(), it.ID, it.Text, query.TraceOptions{})
	if err != nil || len(tr.Spans) == 0 {
		t.Fatalf("live trace: %v, %d spans (the fixture must match)", err, len(tr.Spans))
	}
	if _, err := c.TraceContext(dead, it.ID, it.Text, query.TraceOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("trace with a done context: %v", err)
	}
	phrase := tr.Spans[0].Text // occurs in the corpus
	pr, err := c.PhraseContext(context.Background(), phrase, 0, 10, 0)
	if err != nil || pr.Occurrences == 0 {
		t.Fatalf("live count: %v, %d occurrences", err, pr.Occurrences)
	}
	if _, err := c.PhraseContext(dead, phrase, 0, 10, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("count with a done context: %v", err)
	}
	if _, err := c.Check(dead, items); !errors.Is(err, context.Canceled) {
		t.Fatalf("check with a done context: %v", err)
	}
}
