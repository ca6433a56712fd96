package query_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/query/item"
	"github.com/contam-dev/contam/shard"
)

// The removed document holds the shared sentence once and a sentence of
// its own, written in title case so that its own bytes (which results show
// as match text and context) differ from the items' lowercase copies.
const (
	heron     = "the silver heron glides over the misty marsh at dawn while the fishermen mend their nets"
	zebra     = "zebra crossings paint the avenue in bold stripes of white beside the quiet library"
	victimDoc = "Quarterly Bulletin. The Silver Heron Glides Over The Misty Marsh At Dawn While The Fishermen Mend Their Nets. Zebra Crossings Paint The Avenue In Bold Stripes Of White Beside The Quiet Library. End."
)

// removalQueries runs check, trace, count and find and returns their
// results serialized as the CLI would, plus the phrase counts.
func removalQueries(t *testing.T, dir string) (out string, heronCount, zebraCount query.PhraseResult, check []query.Result) {
	t.Helper()
	ix, err := index.Open(dir, index.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	items := []item.Item{
		{ID: "both", Index: 0, Text: heron + ". " + zebra + "."},
		{ID: "zebra", Index: 1, Text: "Question: " + zebra + "?"},
	}
	c, err := query.NewChecker(ix, query.Options{TopDocs: 10, Context: 1000, NearDup: true, Standards: []string{"default", "palm", "gpt4"}})
	if err != nil {
		t.Fatal(err)
	}
	check, err = c.Check(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := c.Trace("out", "The model said: "+zebra+" and "+heron+".", query.TraceOptions{TopDocs: 10, Context: 1000})
	if err != nil {
		t.Fatal(err)
	}
	heronCount, err = c.Phrase(heron, 0, 10, 1000)
	if err != nil {
		t.Fatal(err)
	}
	zebraCount, err = c.Phrase(zebra, 0, 10, 1000)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal([]any{check, tr, heronCount, zebraCount})
	if err != nil {
		t.Fatal(err)
	}
	return string(b), heronCount, zebraCount, check
}

func TestRemovedDocumentNeverReported(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "c.jsonl")
	docs := []map[string]string{
		{"id": "victim-7", "text": victimDoc},
		{"id": "keep-1", "text": "Diary entry. " + heron + ". Nothing else happened today."},
		{"id": "keep-2", "text": "A poem: " + heron + ", and again " + heron + "."},
		{"id": "other", "text": "An unrelated page about compilers, parsers and the lexers that feed them tokens."},
	}
	var lines []string
	for _, d := range docs {
		b, _ := json.Marshal(d)
		lines = append(lines, string(b))
	}
	if err := os.WriteFile(corpus, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	idx := filepath.Join(dir, "idx")
	if _, err := shard.Build(context.Background(), idx, []string{corpus}, shard.Options{Source: srcOpt}); err != nil {
		t.Fatal(err)
	}

	before, hb, zb, cb := removalQueries(t, idx)
	// The test can fail: before removal the document is everywhere.
	for _, s := range []string{"victim-7", "Zebra Crossings Paint", "Quarterly Bulletin"} {
		if !strings.Contains(before, s) {
			t.Fatalf("before removal the results lack %q; the test corpus does not exercise removal", s)
		}
	}
	if hb.Occurrences != 4 || hb.Docs != 3 || zb.Occurrences != 1 || !cb[1].Contaminated {
		t.Fatalf("before removal: heron %d in %d docs, zebra %d, zebra item contaminated %v", hb.Occurrences, hb.Docs, zb.Occurrences, cb[1].Contaminated)
	}

	r, err := index.Remove(idx, []string{"victim-7"}, index.RemoveOptions{})
	if err != nil || r.Removed != 1 {
		t.Fatalf("remove: %+v, %v", r, err)
	}
	after, ha, za, ca := removalQueries(t, idx)
	for _, s := range []string{"victim-7", "Zebra Crossings", "Quarterly Bulletin", "Silver Heron"} {
		if strings.Contains(after, s) {
			t.Errorf("after removal the results still hold %q", s)
		}
	}
	// Counts drop by exactly the removed document's occurrences.
	if ha.Occurrences != hb.Occurrences-1 || ha.Docs != hb.Docs-1 {
		t.Errorf("heron after removal: %d occurrences in %d docs, want %d in %d", ha.Occurrences, ha.Docs, hb.Occurrences-1, hb.Docs-1)
	}
	if za.Occurrences != 0 || za.Docs != 0 {
		t.Errorf("zebra after removal: %d occurrences in %d docs, want none", za.Occurrences, za.Docs)
	}
	// The other documents are still found.
	for _, id := range []string{"keep-1", "keep-2"} {
		if !strings.Contains(after, `"id":"`+id+`"`) {
			t.Errorf("after removal %s is no longer reported", id)
		}
	}
	if ca[1].Contaminated || ca[1].NDocs != 0 {
		t.Errorf("zebra item after removal: contaminated %v, %d docs", ca[1].Contaminated, ca[1].NDocs)
	}
	if ca[0].NDocs != cb[0].NDocs-1 || ca[0].Covered >= cb[0].Covered {
		t.Errorf("both item: %d docs, %d covered after; %d, %d before", ca[0].NDocs, ca[0].Covered, cb[0].NDocs, cb[0].Covered)
	}

	// Persisted: a second removal is a no-op and the answers are the same.
	if r, err := index.Remove(idx, []string{"victim-7"}, index.RemoveOptions{}); err != nil || r.Removed != 0 || r.Already != 1 {
		t.Fatalf("second remove: %+v, %v", r, err)
	}
	again, _, _, _ := removalQueries(t, idx)
	if again != after {
		t.Errorf("answers changed after a repeated removal")
	}
}
