package split

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/query/item"
)

func init() {
	now = func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600)) }
}

func load(t *testing.T, name, data string, opt item.Options) *item.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := item.LoadFile(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lines splits a split file into its records (each ends in "\n").
func lines(t *testing.T, s string) []string {
	t.Helper()
	if s == "" {
		return nil
	}
	if !strings.HasSuffix(s, "\n") {
		t.Fatalf("file does not end in a newline: %q", s)
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// The JSONL benchmark: odd spacing, unicode escapes, CRLF, a BOM, a blank
// line and no final newline.
const benchJSONL = "\ufeff{\"id\":\"a\", \"q\":\"caf\\u00e9 \\ud83d\\ude00\"}\r\n" +
	"  {\"id\" : \"b\",\"q\":\"x\\n\\ty\"}   \n" +
	"\n" +
	"{\"id\":\"c\",\"q\":\"ünï</b>\"}\r\n" +
	"{\"id\":\"d\",\"q\":\"s\"}\n" +
	"{\"id\":\"e\",\"q\":\"1.0e+00\",\"n\":1.000}"

var records = map[string]string{
	"a": "{\"id\":\"a\", \"q\":\"caf\\u00e9 \\ud83d\\ude00\"}",
	"b": "  {\"id\" : \"b\",\"q\":\"x\\n\\ty\"}   ",
	"c": "{\"id\":\"c\",\"q\":\"ünï</b>\"}",
	"d": "{\"id\":\"d\",\"q\":\"s\"}",
	"e": "{\"id\":\"e\",\"q\":\"1.0e+00\",\"n\":1.000}",
}

func results() []query.Result {
	v := func(dirty, short bool) query.Verdict { return query.Verdict{Dirty: dirty, TooShort: short} }
	return []query.Result{
		{ID: "a", Contaminated: true, Standards: map[string]query.Verdict{"gpt3": v(true, false), "palm": v(false, false)}},
		{ID: "b", Standards: map[string]query.Verdict{"gpt3": v(false, false), "palm": v(true, false)}},
		{ID: "c", Contaminated: true, Standards: map[string]query.Verdict{"gpt3": v(false, true), "palm": v(true, false)}},
		{ID: "d", TooShort: true, Standards: map[string]query.Verdict{"gpt3": v(false, true), "palm": v(false, true)}},
		{ID: "e", Standards: map[string]query.Verdict{"gpt3": v(true, false), "palm": v(false, false)}},
	}
}

func want(ids ...string) string {
	var sb strings.Builder
	for _, id := range ids {
		sb.WriteString(records[id] + "\n")
	}
	return sb.String()
}

func TestJSONL(t *testing.T) {
	src := load(t, "bench.jsonl", benchJSONL, item.Options{Fields: []string{"q"}, IDField: "id"})
	dir := filepath.Join(t.TempDir(), "out")
	sum, err := Write(dir, src, results(), []string{"gpt3", "palm"})
	if err != nil {
		t.Fatal(err)
	}
	for file, w := range map[string]string{
		"clean.jsonl":          want("b", "e"),
		"dirty.jsonl":          want("a", "c"),
		"too_short.jsonl":      want("d"),
		"gpt3/clean.jsonl":     want("b"),
		"gpt3/dirty.jsonl":     want("a", "e"),
		"gpt3/too_short.jsonl": want("c", "d"),
		"palm/clean.jsonl":     want("a", "e"),
		"palm/dirty.jsonl":     want("b", "c"),
		"palm/too_short.jsonl": want("d"),
	} {
		if got := read(t, filepath.Join(dir, file)); got != w {
			t.Errorf("%s:\n got %q\nwant %q", file, got, w)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "unchecked.jsonl")); !os.IsNotExist(err) {
		t.Errorf("unchecked.jsonl written with no unchecked items: %v", err)
	}

	// Every verdict's splits hold every record exactly once.
	var all []string
	for _, r := range records {
		all = append(all, r)
	}
	slices.Sort(all)
	for _, sub := range []string{"", "gpt3", "palm"} {
		var got []string
		for _, s := range []string{"clean", "dirty", "too_short"} {
			got = append(got, lines(t, read(t, filepath.Join(dir, sub, s+".jsonl")))...)
		}
		slices.Sort(got)
		if !slices.Equal(got, all) {
			t.Errorf("%q: union of splits\n got %q\nwant %q", sub, got, all)
		}
	}

	// The summary, returned and stored.
	wantSum := Summary{
		Input: src.Name, Format: "jsonl", Output: "jsonl", ByteExact: true,
		Created: time.Date(2025, 1, 2, 2, 4, 5, 0, time.UTC), Items: 5,
		Unchecked: Set{IDs: []string{}},
		Default: Sets{
			Clean:    Set{File: "clean.jsonl", Count: 2, IDs: []string{"b", "e"}},
			Dirty:    Set{File: "dirty.jsonl", Count: 2, IDs: []string{"a", "c"}},
			TooShort: Set{File: "too_short.jsonl", Count: 1, IDs: []string{"d"}},
		},
		Standards: map[string]Sets{
			"gpt3": {
				Clean:    Set{File: "gpt3/clean.jsonl", Count: 1, IDs: []string{"b"}},
				Dirty:    Set{File: "gpt3/dirty.jsonl", Count: 2, IDs: []string{"a", "e"}},
				TooShort: Set{File: "gpt3/too_short.jsonl", Count: 2, IDs: []string{"c", "d"}},
			},
			"palm": {
				Clean:    Set{File: "palm/clean.jsonl", Count: 2, IDs: []string{"a", "e"}},
				Dirty:    Set{File: "palm/dirty.jsonl", Count: 2, IDs: []string{"b", "c"}},
				TooShort: Set{File: "palm/too_short.jsonl", Count: 1, IDs: []string{"d"}},
			},
		},
	}
	sameSummary(t, sum, wantSum)
	var stored Summary
	if err := json.Unmarshal([]byte(read(t, filepath.Join(dir, SummaryFile))), &stored); err != nil {
		t.Fatal(err)
	}
	sameSummary(t, stored, wantSum)
	js := read(t, filepath.Join(dir, SummaryFile))
	for _, s := range []string{`"created": "2025-01-02T02:04:05Z"`, `"too_short": {`, `"count": 2`} {
		if !strings.Contains(js, s) {
			t.Errorf("summary.json lacks %s:\n%s", s, js)
		}
	}
	noTemps(t, dir)
	if st, err := os.Stat(filepath.Join(dir, "clean.jsonl")); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("clean.jsonl mode: %v %v", st.Mode(), err)
	}

	// A second split into the same directory with nothing too short and an
	// unchecked item: the old too_short file goes, unchecked comes.
	rs := results()[:3]
	rs[2].TooShort = false
	sum, err = Write(dir, src, rs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(dir, "unchecked.jsonl")); got != want("d", "e") {
		t.Errorf("unchecked: %q", got)
	}
	if sum.Unchecked.Count != 2 || sum.Unchecked.File != "unchecked.jsonl" || sum.Default.TooShort.File != "" || sum.Default.Clean.Count != 1 {
		t.Errorf("summary: %+v", sum)
	}
	if _, err := os.Stat(filepath.Join(dir, "too_short.jsonl")); !os.IsNotExist(err) {
		t.Errorf("stale too_short.jsonl kept: %v", err)
	}
	noTemps(t, dir)
}

func sameSummary(t *testing.T, got, want Summary) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Errorf("summary:\n got %s\nwant %s", g, w)
	}
}

func noTemps(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if strings.Contains(d.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", path)
		}
		return nil
	})
}

func TestCSV(t *testing.T) {
	data := "\ufeffid,question,\"an swer\"\r\n" +
		"1,\"What is\r\n1+1?\",2\r\n" +
		"\r\n" +
		"2,\"He said \"\"hi\"\"\nthen left\",\"\"\r\n" +
		"3,plain,\"x,y\"\n" +
		"4,\"tail\n\",4"
	src := load(t, "b.csv", data, item.Options{Fields: []string{"question"}, IDField: "id"})
	rs := []query.Result{{ID: "1", Contaminated: true}, {ID: "2"}, {ID: "3", Contaminated: true}, {ID: "4"}}
	dir := t.TempDir()
	sum, err := Write(dir, src, rs, nil)
	if err != nil {
		t.Fatal(err)
	}
	header := "id,question,\"an swer\"\n"
	r1 := "1,\"What is\r\n1+1?\",2\n"
	r2 := "2,\"He said \"\"hi\"\"\nthen left\",\"\"\n"
	r3 := "3,plain,\"x,y\"\n"
	r4 := "4,\"tail\n\",4\n"
	if got := read(t, filepath.Join(dir, "dirty.csv")); got != header+r1+r3 {
		t.Errorf("dirty.csv %q", got)
	}
	if got := read(t, filepath.Join(dir, "clean.csv")); got != header+r2+r4 {
		t.Errorf("clean.csv %q", got)
	}
	if sum.Output != "csv" || !sum.ByteExact || sum.Default.Dirty.Count != 2 {
		t.Errorf("summary %+v", sum)
	}
	// The splits load back to the same items.
	for _, name := range []string{"clean.csv", "dirty.csv"} {
		f, err := item.LoadFile(filepath.Join(dir, name), item.Options{Fields: []string{"question"}, IDField: "id"})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range f.Items {
			orig := src.Items[slices.IndexFunc(src.Items, func(o item.Item) bool { return o.ID == it.ID })]
			if it.Text != orig.Text || !bytes.Equal(it.Raw, orig.Raw) {
				t.Errorf("%s: item %s reloads as %q / %q, was %q / %q", name, it.ID, it.Text, it.Raw, orig.Text, orig.Raw)
			}
		}
	}

	// TSV splits are .tsv files; an empty split is just the header.
	src = load(t, "b.tsv", "id\tq\n1\tsay \"hi\n", item.Options{Fields: []string{"q"}, IDField: "id"})
	if _, err := Write(dir, src, []query.Result{{ID: "1", Contaminated: true}}, nil); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(dir, "dirty.tsv")); got != "id\tq\n1\tsay \"hi\n" {
		t.Errorf("dirty.tsv %q", got)
	}
	if got := read(t, filepath.Join(dir, "clean.tsv")); got != "id\tq\n" {
		t.Errorf("clean.tsv %q", got)
	}
}

func TestParquetAsJSONL(t *testing.T) {
	type row struct {
		ID string `parquet:"id"`
		Q  string `parquet:"q"`
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, []row{{"p1", "a < b"}, {"p2", "c"}}); err != nil {
		t.Fatal(err)
	}
	src := load(t, "b.parquet", buf.String(), item.Options{Fields: []string{"q"}, IDField: "id"})
	dir := t.TempDir()
	sum, err := Write(dir, src, []query.Result{{ID: "p1", Contaminated: true}, {ID: "p2"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Output != "jsonl" || sum.ByteExact || sum.Format != "parquet" {
		t.Errorf("summary %+v", sum)
	}
	if got := read(t, filepath.Join(dir, "dirty.jsonl")); got != `{"id":"p1","q":"a < b"}`+"\n" {
		t.Errorf("dirty.jsonl %q", got)
	}
}

func TestErrors(t *testing.T) {
	src := load(t, "bench.jsonl", benchJSONL, item.Options{Fields: []string{"q"}, IDField: "id"})
	for _, tc := range []struct {
		name      string
		rs        []query.Result
		standards []string
		want      string
	}{
		{"unknown id", []query.Result{{ID: "zz"}}, nil, `result for item "zz", which is not in`},
		{"duplicate result", []query.Result{{ID: "a"}, {ID: "a"}}, nil, `two results for item "a"`},
		{"missing standard", results(), []string{"llama2"}, `item "a" has no verdict by standard "llama2"`},
		{"bad standard name", results(), []string{"../x"}, `invalid standard name "../x"`},
		{"standard twice", results(), []string{"gpt3", "gpt3"}, `standard "gpt3" given twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := Write(dir, src, tc.rs, tc.standards)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("files written on error: %v", ents)
			}
		})
	}
	// Items not from LoadFile have no record bytes.
	_, err := Write(t.TempDir(), &item.File{Name: "x", Format: "jsonl", Items: []item.Item{{ID: "a"}}}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "no record bytes") {
		t.Errorf("got %v", err)
	}
	// A failure while writing leaves no temporary files and keeps the
	// earlier split: here gpt3/ cannot be made, clean.jsonl was written
	// already.
	dir := t.TempDir()
	if _, err := Write(dir, src, results()[:1], nil); err != nil {
		t.Fatal(err)
	}
	before := read(t, filepath.Join(dir, "clean.jsonl"))
	os.WriteFile(filepath.Join(dir, "gpt3"), nil, 0o644)
	if _, err := Write(dir, src, results(), []string{"gpt3"}); err == nil {
		t.Error("gpt3 is a file: no error")
	}
	if got := read(t, filepath.Join(dir, "clean.jsonl")); got != before {
		t.Errorf("clean.jsonl changed by a failed Write: %q", got)
	}
	noTemps(t, dir)
}
