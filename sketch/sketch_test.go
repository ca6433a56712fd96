package sketch_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/zeebo/xxh3"

	"github.com/contam-dev/contam/demo"
	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/index/text"
	"github.com/contam-dev/contam/shard"
	"github.com/contam-dev/contam/shard/source"
	"github.com/contam-dev/contam/sketch"
)

// demoIndex builds an index over the embedded demo corpus and returns its
// directory (closed: Pebble allows one open of a shard per process).
func demoIndex(t *testing.T, opt shard.Options) string {
	t.Helper()
	dir := t.TempDir()
	corpus, _, err := demo.WriteTo(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "idx")
	opt.Shards = 2
	opt.Source = source.Options{TextField: "text", IDField: "id"}
	if _, err := shard.Build(context.Background(), out, corpus, opt); err != nil {
		t.Fatal(err)
	}
	return out
}

func openIndex(t *testing.T, dir string) *index.Index {
	t.Helper()
	ix, err := index.Open(dir, index.OpenOptions{NoBloom: true})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func buildSketch(t *testing.T, dir string, fpr float64) *sketch.Sketch {
	t.Helper()
	ix := openIndex(t, dir)
	defer ix.Close()
	sk, err := sketch.Build(context.Background(), ix, sketch.Options{FPR: fpr})
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

// docNGrams returns the n-gram hashes of every non-removed document, by
// document id.
func docNGrams(t *testing.T, dir string) map[string][]uint64 {
	t.Helper()
	ix := openIndex(t, dir)
	defer ix.Close()
	p := ix.Manifest.Params
	norm, err := text.Lookup(p.Normalizer)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]uint64{}
	for _, s := range ix.Shards {
		for n := 0; n < s.NumDocs(); n++ {
			if s.Removed(uint32(n)) {
				continue
			}
			d, err := s.Doc(uint32(n))
			if err != nil {
				t.Fatal(err)
			}
			var toks text.Tokens
			norm.Tokenize(&toks, d.Text)
			out[d.ID] = text.NGramHashes(out[d.ID], &toks, p.N, p.Seed)
		}
	}
	return out
}

func TestNoFalseNegatives(t *testing.T) {
	for _, anchors := range []string{"all", "winnow-6"} {
		dir := demoIndex(t, shard.Options{Anchors: anchors})
		sk := buildSketch(t, dir, 1e-3)
		var total, absent int
		for id, hs := range docNGrams(t, dir) {
			for _, h := range hs {
				total++
				if !sk.Contains(h) {
					absent++
					if absent < 5 {
						t.Errorf("%s: an n-gram of %s is not in the sketch", anchors, id)
					}
				}
			}
		}
		if total < 100000 || int64(total) != sk.Header.NGrams {
			t.Fatalf("%s: %d n-grams in the documents, the sketch inserted %d", anchors, total, sk.Header.NGrams)
		}
		if absent > 0 {
			t.Fatalf("%s: %d of %d indexed n-grams missing from the sketch", anchors, absent, total)
		}
	}
}

// TestMeasuredFPR probes random hashes (not in the corpus but with
// probability 2^-64 each) and compares the rate of false positives with the
// target and with the estimate from the filter's fill.
func TestMeasuredFPR(t *testing.T) {
	dir := demoIndex(t, shard.Options{})
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		fpr    float64
		probes int
	}{{1e-2, 200_000}, {1e-4, 2_000_000}} {
		sk := buildSketch(t, dir, c.fpr)
		hits := 0
		for i := 0; i < c.probes; i++ {
			if sk.Contains(r.Uint64()) {
				hits++
			}
		}
		got := float64(hits) / float64(c.probes)
		t.Logf("target %g: measured %.3g (%d of %d), from fill %.3g", c.fpr, got, hits, c.probes, sk.FPR())
		if got > 2*c.fpr || got < c.fpr/4 {
			t.Errorf("target %g: measured false-positive rate %.3g", c.fpr, got)
		}
		if est := sk.FPR(); got > 1.5*est || got < est/1.5 {
			t.Errorf("target %g: measured %.3g, the fill says %.3g", c.fpr, got, est)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	dir := demoIndex(t, shard.Options{})
	sk := buildSketch(t, dir, 1e-3)
	path := filepath.Join(t.TempDir(), "c.sketch")
	size, err := sk.WriteFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Size() != size {
		t.Fatalf("WriteFile said %d bytes, the file has %v (%v)", size, st.Size(), err)
	}
	got, err := sketch.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflectEqualJSON(t, got.Header, sk.Header) {
		t.Fatalf("header changed:\n%+v\n%+v", got.Header, sk.Header)
	}
	if got.BitsSet() != sk.BitsSet() || got.FPR() != sk.FPR() {
		t.Fatalf("filter changed: %d bits set, was %d", got.BitsSet(), sk.BitsSet())
	}
	ix := openIndex(t, dir)
	defer ix.Close()
	if got.Header.Fingerprint != ix.Manifest.Fingerprint || got.Header.N != ix.Manifest.Params.N || got.Header.Docs != ix.Manifest.Counts.Docs {
		t.Fatalf("header does not describe the index: %+v", got.Header)
	}
	if err := got.CheckIndex(ix.Manifest); err != nil {
		t.Fatal(err)
	}
	other := *ix.Manifest
	other.Fingerprint = "0000000000000000"
	if err := got.CheckIndex(&other); !errors.Is(err, sketch.ErrIncompatible) {
		t.Fatalf("sketch of another index: %v", err)
	}
	for id, hs := range docNGrams(t, dir) {
		for _, h := range hs {
			if !got.Contains(h) {
				t.Fatalf("an n-gram of %s was lost in the round trip", id)
			}
		}
	}
}

func reflectEqualJSON(t *testing.T, a, b any) bool {
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// reframe rewrites a sketch file's header through edit and recomputes the
// checksum, so that what is refused is the content, not the checksum.
func reframe(t *testing.T, file []byte, edit func(h map[string]any)) []byte {
	t.Helper()
	hl := binary.LittleEndian.Uint32(file[12:])
	var h map[string]any
	if err := json.Unmarshal(file[16:16+hl], &h); err != nil {
		t.Fatal(err)
	}
	edit(h)
	hb, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	out := append([]byte(nil), file[:12]...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(hb)))
	out = append(out, hb...)
	out = append(out, file[16+hl:len(file)-8]...)
	return binary.LittleEndian.AppendUint64(out, xxh3.Hash(out))
}

func TestDamagedRefused(t *testing.T) {
	dir := demoIndex(t, shard.Options{})
	sk := buildSketch(t, dir, 1e-2)
	tmp := t.TempDir()
	path := filepath.Join(tmp, "good.sketch")
	if _, err := sk.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hl := int(binary.LittleEndian.Uint32(good[12:]))
	flip := func(off int) []byte {
		b := bytes.Clone(good)
		b[off] ^= 0x10
		return b
	}
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, sketch.ErrNotSketch},
		{"other file", []byte("PK\x03\x04 a zip file, not a sketch at all"), sketch.ErrNotSketch},
		{"magic", flip(0), sketch.ErrNotSketch},
		{"version", func() []byte {
			b := bytes.Clone(good)
			binary.LittleEndian.PutUint32(b[8:], 2)
			return b
		}(), sketch.ErrVersion},
		{"cut in the frame", good[:10], sketch.ErrTruncated},
		{"cut in the header", good[:16+hl/2], sketch.ErrTruncated},
		{"cut in the body", good[:len(good)/2], sketch.ErrTruncated},
		{"no checksum", good[:len(good)-8], sketch.ErrTruncated},
		{"last byte missing", good[:len(good)-1], sketch.ErrTruncated},
		{"trailing bytes", append(bytes.Clone(good), 0), sketch.ErrCorrupt},
		{"header length", func() []byte {
			b := bytes.Clone(good)
			binary.LittleEndian.PutUint32(b[12:], 1<<30)
			return b
		}(), sketch.ErrCorrupt},
		{"header byte", flip(16 + hl - 3), sketch.ErrCorrupt},
		{"body bit", flip(16 + hl + 100), sketch.ErrCorrupt},
		{"checksum bit", flip(len(good) - 1), sketch.ErrCorrupt},
		{"body m", flip(16 + hl + 7), sketch.ErrCorrupt},
		// Well-formed files (valid checksum) whose header disagrees with
		// the body, or that were hashed in a way this contam does not.
		{"header m", reframe(t, good, func(h map[string]any) { h["m"] = h["m"].(float64) + 64 }), sketch.ErrCorrupt},
		{"header k", reframe(t, good, func(h map[string]any) { h["k"] = h["k"].(float64) + 1 }), sketch.ErrCorrupt},
		{"hash", reframe(t, good, func(h map[string]any) { h["hash"] = "md5-v0" }), sketch.ErrIncompatible},
		{"normalizer", reframe(t, good, func(h map[string]any) { h["normalizer"] = "unicode-v99" }), sketch.ErrIncompatible},
		{"format name", reframe(t, good, func(h map[string]any) { h["format"] = "something-else" }), sketch.ErrCorrupt},
		{"header field type", reframe(t, good, func(h map[string]any) { h["n"] = "eight" }), sketch.ErrCorrupt},
	}
	for _, c := range cases {
		p := filepath.Join(tmp, "bad.sketch")
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := sketch.ReadFile(p)
		t.Logf("%s: %v", c.name, err)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// The reframing itself keeps a file readable, as does an added header
	// field: the cases above fail for what they change.
	p := filepath.Join(tmp, "same.sketch")
	os.WriteFile(p, reframe(t, good, func(h map[string]any) { h["added_later"] = true }), 0o644)
	if _, err := sketch.ReadFile(p); err != nil {
		t.Fatalf("a re-framed unchanged sketch is refused: %v", err)
	}
}

// TestRemovedDocumentLeftOut: the n-grams only a removed document has are
// in a sketch built before the removal and absent from one built after.
func TestRemovedDocumentLeftOut(t *testing.T) {
	dir := demoIndex(t, shard.Options{})
	byDoc := docNGrams(t, dir)
	// The document with the most n-grams found nowhere else.
	count := map[uint64]int{}
	for _, hs := range byDoc {
		seen := map[uint64]bool{}
		for _, h := range hs {
			if !seen[h] {
				seen[h] = true
				count[h]++
			}
		}
	}
	var victim string
	var unique []uint64
	for id, hs := range byDoc {
		var u []uint64
		for _, h := range hs {
			if count[h] == 1 {
				u = append(u, h)
			}
		}
		if len(u) > len(unique) || (len(u) == len(unique) && id < victim) {
			victim, unique = id, u
		}
	}
	if len(unique) < 50 {
		t.Fatalf("no demo document has 50 n-grams of its own (best %s: %d)", victim, len(unique))
	}
	before := buildSketch(t, dir, 1e-9)
	if _, err := index.Remove(dir, []string{victim}, index.RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	after := buildSketch(t, dir, 1e-9)
	if after.Header.Removed != 1 || after.Header.Docs != before.Header.Docs-1 {
		t.Fatalf("after removal: %d docs, %d removed; before %d docs", after.Header.Docs, after.Header.Removed, before.Header.Docs)
	}
	for _, h := range unique {
		if !before.Contains(h) {
			t.Fatal("an n-gram of the document is missing before its removal")
		}
		if after.Contains(h) {
			t.Errorf("an n-gram only %s had is still in the sketch after its removal", victim)
		}
	}
	// Every other document's n-grams are still there.
	for id, hs := range docNGrams(t, dir) {
		for _, h := range hs {
			if !after.Contains(h) {
				t.Fatalf("an n-gram of %s (not removed) is missing", id)
			}
		}
	}
}
