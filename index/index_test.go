package index

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestBucketRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 200; trial++ {
		n := r.IntN(40)
		es := make([]BucketEntry, n)
		for i := range es {
			es[i] = BucketEntry{FP: uint16(r.IntN(6)), GPos: r.Uint64N(1 << 40)}
		}
		slices.SortFunc(es, func(a, b BucketEntry) int {
			if a.FP != b.FP {
				return int(a.FP) - int(b.FP)
			}
			if a.GPos < b.GPos {
				return -1
			}
			if a.GPos > b.GPos {
				return 1
			}
			return 0
		})
		enc := AppendBucket(nil, es)
		for fp := uint16(0); fp < 7; fp++ {
			var want []uint64
			for _, e := range es {
				if e.FP == fp {
					want = append(want, e.GPos)
				}
			}
			got, err := LookupBucket(nil, enc, fp)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("fp %d: got %v want %v", fp, got, want)
			}
		}
		if n > 0 {
			if _, err := LookupBucket(nil, enc[:len(enc)-1], 6); err == nil {
				t.Fatal("truncated bucket decoded without error")
			}
		}
	}
}

func TestBucketBits(t *testing.T) {
	for _, c := range []struct {
		postings int64
		want     int
	}{{0, MinBucketBits}, {16 << 10, 11}, {1 << 40, 28}} {
		if got := BucketBits(c.postings); got != c.want {
			t.Errorf("BucketBits(%d) = %d, want %d", c.postings, got, c.want)
		}
	}
}

func TestDocStoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	w, err := NewDocWriter(filepath.Join(dir, DocsFile), filepath.Join(dir, DocsIndexFile), 100)
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"", "short", string(make([]byte, 1000)), "日本語のテキスト", "last"}
	var tok uint64
	for i, s := range texts {
		m := DocMeta{ID: s, Input: i, Line: int64(i + 1), Offset: int64(i * 10), Meta: map[string]string{"url": "u" + s}}
		n, err := w.Add(&m, []byte(s), tok)
		if err != nil || n != uint32(i) {
			t.Fatal(n, err)
		}
		tok += uint64(len(s))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := OpenDocReader(filepath.Join(dir, DocsFile), filepath.Join(dir, DocsIndexFile))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Len() != len(texts) {
		t.Fatalf("len %d", r.Len())
	}
	tok = 0
	for i, s := range texts {
		d, err := r.Doc(uint32(i))
		if err != nil {
			t.Fatal(err)
		}
		if string(d.Text) != s || d.ID != s || d.Line != int64(i+1) || d.Meta["url"] != "u"+s {
			t.Fatalf("doc %d: %+v", i, d.DocMeta)
		}
		if len(s) > 0 {
			p, err := r.Locate(tok + uint64(len(s)) - 1)
			if err != nil || p.Doc != uint32(i) || p.Pos != uint32(len(s)-1) {
				t.Fatalf("locate in doc %d: %+v %v", i, p, err)
			}
		}
		tok += uint64(len(s))
	}
	if _, err := r.Doc(uint32(len(texts))); err == nil {
		t.Fatal("doc beyond the end read without error")
	}
}

// The doc store's block cache holds at most its byte bound (and at least
// one block), and documents read through a small cache are still right.
func TestDocStoreCacheBound(t *testing.T) {
	dir := t.TempDir()
	w, err := NewDocWriter(filepath.Join(dir, DocsFile), filepath.Join(dir, DocsIndexFile), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for i := 0; i < 200; i++ {
		s := fmt.Sprintf("document %d %s", i, strings.Repeat("x", 300+i))
		texts = append(texts, s)
		if _, err := w.Add(&DocMeta{ID: fmt.Sprint(i)}, []byte(s), 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := OpenDocReader(filepath.Join(dir, DocsFile), filepath.Join(dir, DocsIndexFile))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.SetCacheBytes(3000) // about two of these ~1.3 KB blocks
	for round := 0; round < 2; round++ {
		for i, s := range texts {
			d, err := r.Doc(uint32(i))
			if err != nil || string(d.Text) != s {
				t.Fatalf("doc %d: %v", i, err)
			}
			r.mu.Lock()
			size, n := r.size, r.lru.Len()
			r.mu.Unlock()
			if size > 3000 && n > 1 {
				t.Fatalf("cache holds %d bytes in %d blocks, bound 3000", size, n)
			}
		}
	}
	if r.lru.Len() == 0 {
		t.Fatal("nothing cached")
	}
}
