package index_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/index/text"
	"github.com/contam-dev/contam/shard"
	"github.com/contam-dev/contam/shard/source"
)

// buildTwoShards indexes two JSONL files (one shard each); "dup" is the id
// of two documents, one in each shard.
func buildTwoShards(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := []struct{ name, body string }{
		{"a.jsonl", `{"id":"a1","text":"the lighthouse keeper counted forty two ships passing in the night fog"}
{"id":"dup","text":"an orchard of pear trees grows on the southern hill behind the old mill"}
{"id":"a3","text":"the lighthouse keeper counted forty two ships passing in the night fog again"}
`},
		{"b.jsonl", `{"id":"b1","text":"seven violins and a cello played the overture before the curtain rose"}
{"id":"dup","text":"a second document that shares its id with one in the other shard file"}
`},
	}
	var inputs []string
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte(f.body), 0o644); err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, p)
	}
	out := filepath.Join(dir, "idx")
	opt := shard.Options{Shards: 2, Source: source.Options{TextField: "text", IDField: "id"}}
	if _, err := shard.Build(context.Background(), out, inputs, opt); err != nil {
		t.Fatal(err)
	}
	return out
}

// hashesOf returns the n-gram hashes of s under the index's params.
func hashesOf(t *testing.T, ix *index.Index, s string) []uint64 {
	t.Helper()
	p := ix.Manifest.Params
	norm, err := text.Lookup(p.Normalizer)
	if err != nil {
		t.Fatal(err)
	}
	var toks text.Tokens
	norm.Tokenize(&toks, []byte(s))
	return text.NGramHashes(nil, &toks, p.N, p.Seed)
}

// postingIDs returns the ids of the documents holding postings of h.
func postingIDs(t *testing.T, ix *index.Index, h uint64) []string {
	t.Helper()
	var ids []string
	for _, s := range ix.Shards {
		ps, err := s.Postings(h, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			d, err := s.Doc(p.Doc)
			if err != nil {
				t.Fatalf("doc of a returned posting: %v", err)
			}
			ids = append(ids, d.ID)
		}
	}
	return ids
}

// open opens the index; the caller closes it (Pebble allows one open of a
// shard per process).
func open(t *testing.T, dir string) *index.Index {
	t.Helper()
	ix, err := index.Open(dir, index.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestRemoveFiltersPostingsAndDocs(t *testing.T) {
	dir := buildTwoShards(t)
	shared := "the lighthouse keeper counted forty two ships passing in the night fog"
	ix := open(t, dir)
	h := hashesOf(t, ix, shared)[0]
	if got := postingIDs(t, ix, h); strings.Join(got, ",") != "a1,a3" {
		t.Fatalf("before removal: postings in %v, want a1,a3", got)
	}
	if ix.RemovedDocs() != 0 {
		t.Fatalf("fresh index reports %d removed documents", ix.RemovedDocs())
	}
	ix.Close()

	r, err := index.Remove(dir, []string{"a1"}, index.RemoveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Removed != 1 || r.Already != 0 || r.Total != 1 {
		t.Fatalf("remove a1: %+v", r)
	}
	// Removal persists: the next Open applies it.
	ix2 := open(t, dir)
	if got := postingIDs(t, ix2, h); strings.Join(got, ",") != "a3" {
		t.Fatalf("after removal: postings in %v, want a3 only", got)
	}
	if ix2.RemovedDocs() != 1 {
		t.Fatalf("RemovedDocs = %d, want 1", ix2.RemovedDocs())
	}
	removed := 0
	for _, s := range ix2.Shards {
		for n := 0; n < s.NumDocs(); n++ {
			if !s.Removed(uint32(n)) {
				continue
			}
			removed++
			if _, err := s.Doc(uint32(n)); !errors.Is(err, index.ErrRemoved) {
				t.Fatalf("Doc of a removed document: %v, want ErrRemoved", err)
			}
		}
	}
	if removed != 1 {
		t.Fatalf("%d documents marked removed, want 1", removed)
	}
	ix2.Close()

	// Idempotent: the second request changes nothing, the file stays the same.
	before, _ := os.ReadFile(filepath.Join(dir, index.TombstonesFile))
	r, err = index.Remove(dir, []string{"a1"}, index.RemoveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Removed != 0 || r.Already != 1 || r.Total != 1 {
		t.Fatalf("second remove of a1: %+v", r)
	}
	after, _ := os.ReadFile(filepath.Join(dir, index.TombstonesFile))
	if string(before) != string(after) {
		t.Fatalf("a repeated removal rewrote the tombstones:\n%s\n%s", before, after)
	}

	// An id held by two documents in two shards removes both.
	r, err = index.Remove(dir, []string{"dup"}, index.RemoveOptions{})
	if err != nil || r.Removed != 2 || r.Total != 3 {
		t.Fatalf("remove dup: %+v, %v", r, err)
	}
	ix3 := open(t, dir)
	defer ix3.Close()
	for _, s := range ix3.Shards {
		for n := 0; n < s.NumDocs(); n++ {
			d, err := s.Doc(uint32(n))
			if s.Removed(uint32(n)) != (err != nil) {
				t.Fatalf("shard %s doc %d: removed %v but Doc error %v", s.Dir, n, s.Removed(uint32(n)), err)
			}
			if err == nil && (d.ID == "dup" || d.ID == "a1") {
				t.Fatalf("removed document %s still readable", d.ID)
			}
		}
	}
}

func TestRemoveUnknownID(t *testing.T) {
	dir := buildTwoShards(t)
	_, err := index.Remove(dir, []string{"a1", "no-such-doc"}, index.RemoveOptions{})
	if !errors.Is(err, index.ErrUnknownDoc) || !strings.Contains(err.Error(), `"no-such-doc"`) {
		t.Fatalf("unknown id: %v, want ErrUnknownDoc naming it", err)
	}
	// Nothing was written: the known id of the same request is not removed.
	if _, err := os.Stat(filepath.Join(dir, index.TombstonesFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed removal left %s: %v", index.TombstonesFile, err)
	}
	r, err := index.Remove(dir, []string{"a1", "no-such-doc"}, index.RemoveOptions{MissingOK: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Removed != 1 || len(r.Missing) != 1 || r.Missing[0] != "no-such-doc" {
		t.Fatalf("--missing-ok: %+v", r)
	}
}

// TestTombstonesRefused: a tombstone file that does not belong to the
// index is refused at Open rather than silently ignored (which would bring
// removed documents back).
func TestTombstonesRefused(t *testing.T) {
	dir := buildTwoShards(t)
	if _, err := index.Remove(dir, []string{"a1"}, index.RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, index.TombstonesFile)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		edit func(*index.Tombstones)
		want error
	}{
		{"other index", func(ts *index.Tombstones) { ts.Fingerprint = "0123456789abcdef" }, index.ErrFingerprint},
		{"unknown shard", func(ts *index.Tombstones) { ts.Docs[0].Shard = "shard-00099" }, index.ErrCorrupt},
		{"doc out of range", func(ts *index.Tombstones) { ts.Docs[0].Doc = 1000 }, index.ErrCorrupt},
		{"future version", func(ts *index.Tombstones) { ts.FormatVersion = 2 }, index.ErrVersion},
	} {
		var ts index.Tombstones
		if err := json.Unmarshal(good, &ts); err != nil {
			t.Fatal(err)
		}
		c.edit(&ts)
		if err := index.WriteJSON(path, &ts); err != nil {
			t.Fatal(err)
		}
		ix, err := index.Open(dir, index.OpenOptions{})
		if err == nil {
			ix.Close()
		}
		if !errors.Is(err, c.want) {
			t.Errorf("%s: Open: %v, want %v", c.name, err, c.want)
		}
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := index.Open(dir, index.OpenOptions{}); !errors.Is(err, index.ErrCorrupt) {
		t.Errorf("garbled tombstones: %v, want ErrCorrupt", err)
	}
}
