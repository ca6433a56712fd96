package demo

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// Expected sample contents; they change only when the sample is regenerated
// with a different plan (scripts/make-demo-data).
var (
	wantDocs = map[string]int{"corpus.jsonl.zst": 356, "corpus-2.jsonl.gz": 89}
	// per benchmark/category
	wantCategories = map[string]int{
		"gsm8k/clean":           25,
		"gsm8k/verbatim":        2,
		"gsm8k/question_only":   2,
		"gsm8k/reformatted":     2,
		"gsm8k/edited_10":       2,
		"gsm8k/numbers_changed": 2,
		"gsm8k/partial_half":    2,
		"humaneval/clean":       3,
		"humaneval/verbatim":    2,
		"humaneval/prompt_only": 1,
		"humaneval/reformatted": 1,
		"humaneval/translated":  1,
	}
	wantBench     = 37
	wantHumanEval = 8
)

const maxEmbeddedBytes = 2 << 20

func readData(t *testing.T, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(FS(), path.Join("data", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decompress(t *testing.T, name string, b []byte) []byte {
	t.Helper()
	switch {
	case strings.HasSuffix(name, ".zst"):
		d, err := zstd.NewReader(nil)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		out, err := d.DecodeAll(b, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return out
	case strings.HasSuffix(name, ".gz"):
		r, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return out
	}
	return b
}

// jsonl parses every line of b (split on '\n' only) as a JSON object.
func jsonl(t *testing.T, name string, b []byte) []map[string]any {
	t.Helper()
	if len(b) == 0 || b[len(b)-1] != '\n' {
		t.Errorf("%s: empty or missing final newline", name)
	}
	var out []map[string]any
	for i, ln := range bytes.Split(bytes.TrimSuffix(b, []byte{'\n'}), []byte{'\n'}) {
		var m map[string]any
		if err := json.Unmarshal(ln, &m); err != nil {
			t.Fatalf("%s line %d: %v", name, i+1, err)
		}
		out = append(out, m)
	}
	return out
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func corpusDocs(t *testing.T) map[string]string {
	t.Helper()
	docs := map[string]string{}
	for _, name := range CorpusFiles {
		recs := jsonl(t, name, decompress(t, name, readData(t, name)))
		if len(recs) != wantDocs[name] {
			t.Errorf("%s: %d docs, want %d", name, len(recs), wantDocs[name])
		}
		for i, r := range recs {
			id, text := str(r, "id"), str(r, "text")
			if id == "" || text == "" {
				t.Errorf("%s line %d: missing id or text", name, i+1)
			}
			for k := range r {
				if k != "id" && k != "text" && k != "url" {
					t.Errorf("%s line %d: unexpected field %q", name, i+1, k)
				}
			}
			if _, dup := docs[id]; dup {
				t.Errorf("duplicate doc id %s", id)
			}
			docs[id] = name
		}
	}
	return docs
}

func TestCorpus(t *testing.T) {
	docs := corpusDocs(t)
	total := 0
	for _, n := range wantDocs {
		total += n
	}
	if len(docs) != total {
		t.Errorf("%d docs in total, want %d", len(docs), total)
	}
}

func TestBenchmarksAndLabels(t *testing.T) {
	ids := map[string]string{} // item id -> benchmark
	idRE := regexp.MustCompile(`^gsm8k/test/[0-9]+$`)
	bench := jsonl(t, BenchFile, readData(t, BenchFile))
	if len(bench) != wantBench {
		t.Errorf("%s: %d items, want %d", BenchFile, len(bench), wantBench)
	}
	for i, r := range bench {
		id := str(r, BenchIDField)
		if !idRE.MatchString(id) {
			t.Errorf("%s line %d: bad id %q", BenchFile, i+1, id)
		}
		for _, f := range BenchFields {
			if str(r, f) == "" {
				t.Errorf("%s line %d: missing %s", BenchFile, i+1, f)
			}
		}
		ids[id] = "gsm8k"
	}
	he := jsonl(t, HumanEvalFile, readData(t, HumanEvalFile))
	if len(he) != wantHumanEval {
		t.Errorf("%s: %d items, want %d", HumanEvalFile, len(he), wantHumanEval)
	}
	for i, r := range he {
		id := str(r, HumanEvalIDField)
		if !strings.HasPrefix(id, "HumanEval/") {
			t.Errorf("%s line %d: bad id %q", HumanEvalFile, i+1, id)
		}
		for _, f := range HumanEvalFields {
			if str(r, f) == "" {
				t.Errorf("%s line %d: missing %s", HumanEvalFile, i+1, f)
			}
		}
		ids[id] = "humaneval"
	}
	if len(ids) != wantBench+wantHumanEval {
		t.Errorf("duplicate item ids: %d unique of %d", len(ids), wantBench+wantHumanEval)
	}

	list, err := LabelList()
	if err != nil {
		t.Fatal(err)
	}
	labels, err := Labels()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(ids) || len(labels) != len(ids) {
		t.Errorf("%d labels (%d unique) for %d items", len(list), len(labels), len(ids))
	}
	for id := range ids {
		if _, ok := labels[id]; !ok {
			t.Errorf("item %s has no label", id)
		}
	}
	docs := corpusDocs(t)
	cats := map[string]int{}
	plantedIn := map[string]bool{}
	for _, l := range list {
		if ids[l.ID] != l.Benchmark {
			t.Errorf("label %s (%s) is not a sample item of that benchmark", l.ID, l.Benchmark)
		}
		cats[l.Benchmark+"/"+l.Category]++
		if l.Positive() != (len(l.PlantedDocIDs) > 0) {
			t.Errorf("label %s: category %s with %d planted docs", l.ID, l.Category, len(l.PlantedDocIDs))
		}
		for _, d := range l.PlantedDocIDs {
			f, ok := docs[d]
			if !ok {
				t.Errorf("label %s: planted doc %s not in the corpus", l.ID, d)
			}
			plantedIn[f] = true
		}
	}
	if fmt.Sprint(cats) != fmt.Sprint(wantCategories) {
		t.Errorf("categories:\n got %v\nwant %v", cats, wantCategories)
	}
	for _, f := range CorpusFiles {
		if !plantedIn[f] {
			t.Errorf("no planted doc in %s", f)
		}
	}
}

func TestSize(t *testing.T) {
	total := 0
	err := fs.WalkDir(FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(FS(), p)
		total += len(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if total > maxEmbeddedBytes {
		t.Errorf("embedded files total %d bytes, limit %d", total, maxEmbeddedBytes)
	}
	t.Logf("embedded: %d bytes", total)
}

func TestWriteTo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sample")
	corpus, bench, err := WriteTo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(corpus) != len(CorpusFiles) {
		t.Fatalf("corpus = %v", corpus)
	}
	check := func(p, embedded string) {
		got, err := os.ReadFile(p)
		if err != nil {
			t.Error(err)
			return
		}
		want, err := fs.ReadFile(FS(), embedded)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from embedded %s", p, embedded)
		}
	}
	for i, c := range CorpusFiles {
		if corpus[i] != filepath.Join(dir, c) {
			t.Errorf("corpus[%d] = %s", i, corpus[i])
		}
		check(corpus[i], "data/"+c)
	}
	if bench != filepath.Join(dir, BenchFile) {
		t.Errorf("bench = %s", bench)
	}
	check(bench, "data/"+BenchFile)
	check(filepath.Join(dir, HumanEvalFile), "data/"+HumanEvalFile)
	check(filepath.Join(dir, LabelsFile), "data/"+LabelsFile)
	check(filepath.Join(dir, NoticeFile), NoticeFile)
	lic, err := fs.ReadDir(FS(), LicensesDir)
	if err != nil || len(lic) == 0 {
		t.Fatalf("no embedded licenses: %v", err)
	}
	for _, e := range lic {
		check(filepath.Join(dir, LicensesDir, e.Name()), LicensesDir+"/"+e.Name())
	}
	// Writing again over existing files must work.
	if _, _, err := WriteTo(dir); err != nil {
		t.Errorf("second WriteTo: %v", err)
	}
}
