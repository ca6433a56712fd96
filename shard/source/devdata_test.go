package source

import (
	"bufio"
	stdgzip "compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// devCorpus finds the shared dev corpus: $CONTAM_DEV_CORPUS, else
// ../shared/data/dev/corpus beside the repository root, else
// /work/shared/data/dev/corpus. It returns "" when none exists.
func devCorpus() string {
	cands := []string{os.Getenv("CONTAM_DEV_CORPUS")}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				cands = append(cands, filepath.Join(d, "..", "shared", "data", "dev", "corpus"))
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	cands = append(cands, "/work/shared/data/dev/corpus")
	for _, c := range cands {
		if c == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(c, "wiki-00.jsonl")); err == nil {
			return c
		}
	}
	return ""
}

var devFiles = []struct {
	name string
	docs int
	urls bool
}{
	{"cc-00.jsonl.zst", 3062, true},
	{"cc-01.jsonl.zst", 3109, true},
	{"books-00.jsonl.gz", 975, false},
	{"fortunes-00.jsonl.gz", 15225, false},
	{"wiki-00.jsonl", 320, false},
}

// TestDevCorpus reads the real dev corpus and compares every document with
// an independent decode (stdlib gzip, zstd.DecodeAll, encoding/json).
func TestDevCorpus(t *testing.T) {
	dir := devCorpus()
	if dir == "" {
		t.Skip("dev corpus not found (set CONTAM_DEV_CORPUS or put shared/ beside the repository); skipping")
	}
	files, err := Expand([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(devFiles) {
		t.Errorf("Expand(%s) = %v", dir, files)
	}
	opt := DefaultOptions()
	opt.MetaFields = []string{"url"}
	total := 0
	for _, f := range devFiles {
		path := filepath.Join(dir, f.name)
		want := decodeIndependently(t, path)
		r, err := Open(path, opt)
		if err != nil {
			t.Fatal(err)
		}
		n, urls := 0, 0
		for {
			d, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f.name, err)
			}
			if n < len(want) {
				w := want[n]
				if d.ID != w.ID || string(d.Text) != w.Text || d.Meta["url"] != w.URL || d.Line != int64(n+1) {
					t.Fatalf("%s: doc %d (%s) differs from encoding/json's", f.name, n, d.ID)
				}
			}
			if d.Meta["url"] != "" {
				urls++
			}
			n++
		}
		fi, _ := os.Stat(path)
		if r.Progress() != fi.Size() {
			t.Errorf("%s: Progress %d at the end, file size %d", f.name, r.Progress(), fi.Size())
		}
		r.Close()
		if n != f.docs || len(want) != f.docs {
			t.Errorf("%s: %d docs (independent decode: %d), want %d", f.name, n, len(want), f.docs)
		}
		if f.urls != (urls > 0) {
			t.Errorf("%s: %d docs with a url", f.name, urls)
		}
		total += n
		t.Logf("%s: %d docs, %d with url", f.name, n, urls)
	}
	if total != 22691 {
		t.Errorf("total %d docs, want 22691", total)
	}
}

type devDoc struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	URL  string `json:"url"`
}

func decodeIndependently(t *testing.T, path string) []devDoc {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rd io.Reader = f
	switch {
	case strings.HasSuffix(path, ".gz"):
		gz, err := stdgzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		rd = gz
	case strings.HasSuffix(path, ".zst"):
		comp, err := io.ReadAll(f)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := zstd.NewReader(nil)
		if err != nil {
			t.Fatal(err)
		}
		defer dec.Close()
		raw, err := dec.DecodeAll(comp, nil)
		if err != nil {
			t.Fatal(err)
		}
		rd = strings.NewReader(string(raw))
	}
	var out []devDoc
	sc := bufio.NewScanner(rd)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var d devDoc
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, d)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
