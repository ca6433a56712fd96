package query_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/shard"
)

// With winnowed anchors (window W) every span of at least n+W-1 tokens is
// still found, with the same documents: traces above that length equal
// those of an index with all anchors, and the index stores fewer postings.
func TestWinnowedAnchorsFindEverySpanAboveTheGuarantee(t *testing.T) {
	files, items := randomCorpus(t, 21, 3, 200)
	all := build(t, files, shard.Options{Shards: 2})
	ca, err := query.NewChecker(all, query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []int{2, 4, 8} {
		ix := build(t, files, shard.Options{Shards: 2, Anchors: fmt.Sprintf("winnow-%d", w)})
		// Winnowing keeps about 2/(W+1) of the positions of random hashes.
		got := float64(ix.Manifest.Counts.Postings) / float64(all.Manifest.Counts.Postings)
		if want := 2 / float64(w+1); got > want*1.25 || got < want*0.75 {
			t.Errorf("W=%d stores %.3f of the postings, expected about %.3f", w, got, want)
		}
		cw, err := query.NewChecker(ix, query.Options{})
		if err != nil {
			t.Fatal(err)
		}
		minSpan := 8 + w - 1
		spans := 0
		for _, it := range items {
			a, err := ca.Trace(it.ID, it.Text, query.TraceOptions{MinSpan: minSpan, TopDocs: 50})
			if err != nil {
				t.Fatal(err)
			}
			b, err := cw.Trace(it.ID, it.Text, query.TraceOptions{MinSpan: minSpan, TopDocs: 50})
			if err != nil {
				t.Fatal(err)
			}
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if string(ja) != string(jb) {
				t.Fatalf("W=%d, %s: all anchors\n%s\nwinnowed\n%s", w, it.ID, ja, jb)
			}
			spans += len(a.Spans)
		}
		if spans < 20 {
			t.Fatalf("W=%d: only %d spans ≥ %d tokens: the fixture does not exercise the guarantee", w, spans, minSpan)
		}
		// count/find: every phrase of at least the guaranteed length (taken
		// from the items, so most occur, some several times) gets the
		// all-anchors answer; shorter ones are refused as not exact.
		found := 0
		for _, it := range items {
			toks := tokens(t, it.Text)
			for _, L := range []int{minSpan - 1, minSpan, minSpan + 5} {
				if len(toks) < L {
					continue
				}
				phrase := strings.Join(toks[:L], " ")
				a, err := ca.Phrase(phrase, 0, 100, 10)
				if err != nil {
					t.Fatal(err)
				}
				b, err := cw.Phrase(phrase, 0, 100, 10)
				if err != nil {
					t.Fatal(err)
				}
				if L < minSpan {
					if b.Exact || b.Reason == "" {
						t.Fatalf("W=%d: a %d-token phrase counted as exact on a winnowed index", w, L)
					}
					continue
				}
				ja, _ := json.Marshal(a)
				jb, _ := json.Marshal(b)
				if string(ja) != string(jb) {
					t.Fatalf("W=%d, phrase %q: all anchors\n%s\nwinnowed\n%s", w, phrase, ja, jb)
				}
				if a.Occurrences > 0 {
					found++
				}
			}
		}
		if found < 20 {
			t.Fatalf("W=%d: only %d phrases occur: the fixture does not exercise count", w, found)
		}
	}
}
