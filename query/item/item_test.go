package item

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
)

// write creates a file named name in a fresh temp dir and returns its path.
func write(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustLoad(t *testing.T, path string, opt Options) []Item {
	t.Helper()
	items, err := Load(path, opt)
	if err != nil {
		t.Fatalf("Load(%s): %v", filepath.Base(path), err)
	}
	return items
}

// check compares items; Raw only where want has one.
func check(t *testing.T, got []Item, want ...Item) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d items %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if w.Raw == nil {
			g.Raw = nil
		}
		if !sameItem(g, w) {
			t.Errorf("item %d:\n got %+v (raw %q)\nwant %+v (raw %q)", i, got[i], got[i].Raw, w, w.Raw)
		}
	}
}

func sameItem(a, b Item) bool {
	return a.ID == b.ID && a.Index == b.Index && a.Text == b.Text && bytes.Equal(a.Raw, b.Raw) && (a.Raw == nil) == (b.Raw == nil)
}

const gsmLike = `{"question": "Q0?", "answer": "A0"}

{"question": "Q1 \u2019 <b>?", "answer": "A1"}
  {"question": "Q2?", "answer": "A2"}  ` + "\r\n"

func TestJSONLFieldsJoin(t *testing.T) {
	path := write(t, "gsm8k_test.jsonl", []byte(gsmLike))
	items := mustLoad(t, path, Options{Fields: []string{"question", "answer"}})
	check(t, items,
		Item{ID: "gsm8k_test/0", Index: 0, Text: "Q0?\nA0"},
		Item{ID: "gsm8k_test/1", Index: 1, Text: "Q1 ’ <b>?\nA1"}, // blank line 2 is not a record
		Item{ID: "gsm8k_test/2", Index: 2, Text: "Q2?\nA2"},
	)

	items = mustLoad(t, path, Options{Fields: []string{"answer", "question"}, Sep: " | "})
	if items[0].Text != "A0 | Q0?" {
		t.Errorf("Sep: got %q", items[0].Text)
	}
	items = mustLoad(t, path, Options{Fields: []string{"question"}, Limit: 2})
	check(t, items,
		Item{ID: "gsm8k_test/0", Index: 0, Text: "Q0?"},
		Item{ID: "gsm8k_test/1", Index: 1, Text: "Q1 ’ <b>?"},
	)
}

func TestValueRendering(t *testing.T) {
	data := `{"id": 11, "f": 2.50, "big": 12345678901234567890, "b": true, "n": null, "s": "x", "list": ["assert f(1) < 2", 3], "obj": {"z": 1, "a": "é"}}` + "\n"
	path := write(t, "mix.jsonl", []byte(data))
	items := mustLoad(t, path, Options{Fields: []string{"id", "f", "big", "b", "n", "s", "list", "obj"}, Sep: "|", IDField: "id"})
	check(t, items, Item{
		ID:    "11",
		Index: 0,
		Text:  `11|2.50|12345678901234567890|true||x|["assert f(1) < 2",3]|{"a":"é","z":1}`,
	})
}

func TestTemplateFields(t *testing.T) {
	data := `{"task_id": 1, "text": "Write f.", "code": "def f(): pass", "test_list": ["assert f() is None", "assert 1 < 2"], "n": null}
{"task_id": 2, "text": "Write g.", "code": "def g(): pass", "test_list": [], "n": null}
`
	path := write(t, "mbpp.jsonl", []byte(data))
	items := mustLoad(t, path, Options{Fields: []string{`{{.text}} {{.code}}`}, IDField: "mbpp/{{.task_id}}"})
	check(t, items,
		Item{ID: "mbpp/1", Index: 0, Text: "Write f. def f(): pass"},
		Item{ID: "mbpp/2", Index: 1, Text: "Write g. def g(): pass"},
	)

	// join and json functions, raw values, null as "", _index and _stem.
	items = mustLoad(t, path, Options{
		Fields:  []string{`{{.code}}` + "\n" + `{{join .test_list "\n"}}|{{json .test_list}}|{{.n}}|{{._index}}|{{._stem}}`},
		IDField: "{{._stem}}-{{._index}}",
	})
	check(t, items,
		Item{ID: "mbpp-0", Index: 0, Text: "def f(): pass\nassert f() is None\nassert 1 < 2|[\"assert f() is None\",\"assert 1 < 2\"]||0|mbpp"},
		Item{ID: "mbpp-1", Index: 1, Text: "def g(): pass\n|[]||1|mbpp"},
	)
}

func TestIDs(t *testing.T) {
	data := `{"task_id": "HumanEval/0", "prompt": "def f():\n", "canonical_solution": "    return 1\n", "num": 7}
{"task_id": "HumanEval/1", "prompt": "def g():\n", "canonical_solution": "    return 2\n", "num": 8}
`
	path := write(t, "humaneval.jsonl.zst", zstdBytes(t, []byte(data)))
	opt := Options{Fields: []string{"{{.prompt}}{{.canonical_solution}}"}}
	check(t, mustLoad(t, path, opt),
		Item{ID: "humaneval/0", Index: 0, Text: "def f():\n    return 1\n"},
		Item{ID: "humaneval/1", Index: 1, Text: "def g():\n    return 2\n"},
	)
	opt.IDField = "task_id"
	if items := mustLoad(t, path, opt); items[1].ID != "HumanEval/1" {
		t.Errorf("id field: got %q", items[1].ID)
	}
	opt.IDField = "num"
	if items := mustLoad(t, path, opt); items[0].ID != "7" || items[1].ID != "8" {
		t.Errorf("numeric id field: got %q %q", items[0].ID, items[1].ID)
	}
	opt.IDField = "he/test/{{._index}}"
	if items := mustLoad(t, path, opt); items[0].ID != "he/test/0" || items[1].ID != "he/test/1" {
		t.Errorf("id template: got %q %q", items[0].ID, items[1].ID)
	}
}

func TestStem(t *testing.T) {
	for name, want := range map[string]string{
		"gsm8k_test.jsonl.gz":          "gsm8k_test",
		"/a/b/mbpp.jsonl":              "mbpp",
		"data/test.parquet":            "test",
		"x.csv.zst":                    "x",
		"x.tsv":                        "x",
		"v1.2.json":                    "v1.2",
		"README":                       "README",
		".jsonl":                       ".jsonl",
		"-":                            "stdin",
		"train-00000-of-00001.parquet": "train-00000-of-00001",
	} {
		if got := Stem(name); got != want {
			t.Errorf("Stem(%q) = %q, want %q", name, got, want)
		}
	}
}

func gzipBytes(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstdBytes(t *testing.T, data []byte) []byte {
	t.Helper()
	w, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	return w.EncodeAll(data, nil)
}

func TestCompressionByMagic(t *testing.T) {
	want := []Item{
		{ID: "b/0", Index: 0, Text: "Q0?\nA0"},
		{ID: "b/1", Index: 1, Text: "Q1 ’ <b>?\nA1"},
		{ID: "b/2", Index: 2, Text: "Q2?\nA2"},
	}
	opt := Options{Fields: []string{"question", "answer"}}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"b.jsonl.gz", gzipBytes(t, []byte(gsmLike))},
		{"b.jsonl", gzipBytes(t, []byte(gsmLike))},    // gzip, name says plain
		{"b.jsonl.gz", zstdBytes(t, []byte(gsmLike))}, // zstd, name says gzip
		{"b.jsonl", zstdBytes(t, []byte(gsmLike))},    // zstd, name says plain
		{"b.jsonl.zst", []byte(gsmLike)},              // plain, name says zstd
		{"b", zstdBytes(t, []byte(gsmLike))},          // unknown extension: sniffed
	} {
		check(t, mustLoad(t, write(t, tc.name, tc.data), opt), want...)
	}
}

func TestCSVAndTSV(t *testing.T) {
	csvData := "\ufeffid,question, answer\n" +
		"q1,\"What is 1+1?\",2\n" +
		"\n" +
		"q2,\"Multi\nline, \"\"quoted\"\"\",4\n" +
		"q3,Plain,6\n"
	path := write(t, "arith.csv", []byte(csvData))
	check(t, mustLoad(t, path, Options{Fields: []string{"question", "answer"}, IDField: "id"}),
		Item{ID: "q1", Index: 0, Text: "What is 1+1?\n2"},
		Item{ID: "q2", Index: 1, Text: "Multi\nline, \"quoted\"\n4"},
		Item{ID: "q3", Index: 2, Text: "Plain\n6"},
	)

	// Line numbers are those where records start: q3 is on line 6.
	_, err := Load(path, Options{Fields: []string{"question"}, IDField: "{{.id}}{{if eq .id \"q3\"}}{{.nope}}{{end}}"})
	wantErr(t, err, "arith.csv: line 6: id template:", `map has no entry for key "nope"`)

	tsvData := "task_id\tprompt\n" +
		"7\tsay \"hi\n" + // a stray quote: fine with LazyQuotes
		"8\tbye\n"
	path = write(t, "x.tsv.gz", gzipBytes(t, []byte(tsvData)))
	check(t, mustLoad(t, path, Options{Fields: []string{"prompt"}, IDField: "t/{{.task_id}}"}),
		Item{ID: "t/7", Index: 0, Text: "say \"hi"},
		Item{ID: "t/8", Index: 1, Text: "bye"},
	)

	// Unknown extension: a tab in the first line means TSV.
	path = write(t, "x.txt", []byte(tsvData))
	if items := mustLoad(t, path, Options{Fields: []string{"prompt"}}); len(items) != 2 || items[1].ID != "x.txt/1" {
		t.Errorf("sniffed TSV: %+v", items)
	}
}

type pqRow struct {
	TaskID   int64             `parquet:"task_id"`
	Question string            `parquet:"question"`
	Score    float64           `parquet:"score"`
	Tests    []string          `parquet:"tests,list"`
	Note     *string           `parquet:"note,optional"`
	Meta     map[string]string `parquet:"meta"`
}

func writeParquet(t *testing.T, name string, rows []pqRow) string {
	t.Helper()
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	return write(t, name, buf.Bytes())
}

func TestParquet(t *testing.T) {
	note := "n"
	rows := []pqRow{
		{TaskID: 11, Question: "What?", Score: 2.5, Tests: []string{"assert a < b", "x"}, Note: &note, Meta: map[string]string{"k": "v"}},
		{TaskID: 12, Question: "Why?", Score: 1, Tests: nil},
	}
	path := writeParquet(t, "test-00000.parquet", rows)
	check(t, mustLoad(t, path, Options{Fields: []string{"question", "score", "tests", "note", "meta"}, Sep: "|", IDField: "task_id"}),
		Item{ID: "11", Index: 0, Text: `What?|2.5|["assert a < b","x"]|n|{"k":"v"}`},
		Item{ID: "12", Index: 1, Text: `Why?|1|[]||{}`},
	)
	check(t, mustLoad(t, path, Options{Fields: []string{`{{.question}} {{join .tests "; "}}`}}),
		Item{ID: "test-00000/0", Index: 0, Text: "What? assert a < b; x"},
		Item{ID: "test-00000/1", Index: 1, Text: "Why? "},
	)

	// Compressed Parquet and Parquet with an unknown extension are read too.
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		write(t, "t.parquet.zst", zstdBytes(t, buf.Bytes())),
		write(t, "t.bin", buf.Bytes()),
	} {
		if items := mustLoad(t, p, Options{Fields: []string{"question"}, Limit: 1}); len(items) != 1 || items[0].Text != "What?" {
			t.Errorf("%s: %+v", filepath.Base(p), items)
		}
	}

	_, err := Load(path, Options{Fields: []string{"questoin"}})
	wantErr(t, err, "test-00000.parquet: row 1: field \"questoin\" not found; fields: meta, note, question, score, task_id, tests")

	dup := writeParquet(t, "d.parquet", []pqRow{{TaskID: 1}, {TaskID: 2}, {TaskID: 1}})
	_, err = Load(dup, Options{Fields: []string{"question"}, IDField: "task_id"})
	wantErr(t, err, `d.parquet: duplicate id "1" at rows 1 and 3`)

	_, err = Load(write(t, "bad.parquet", []byte("PAR1 not really")), Options{Fields: []string{"q"}})
	wantErr(t, err, "bad.parquet: not a readable Parquet file")
}

func TestJSONArray(t *testing.T) {
	data := "[\n  {\"q\": \"a\", \"id\": 1},\n  {\"q\": \"b\", \"id\": 2}\n,{\"q\": \"c\", \"id\": 1}]\n"
	path := write(t, "arr.json", []byte(data))
	check(t, mustLoad(t, path, Options{Fields: []string{"q"}}),
		Item{ID: "arr/0", Index: 0, Text: "a"},
		Item{ID: "arr/1", Index: 1, Text: "b"},
		Item{ID: "arr/2", Index: 2, Text: "c"},
	)
	_, err := Load(path, Options{Fields: []string{"q"}, IDField: "id"})
	wantErr(t, err, `arr.json: duplicate id "1" at lines 2 and 4`)

	_, err = Load(write(t, "bad.json", []byte("[\n{\"q\": 1},\n{\"q\": 2,}\n]")), Options{Fields: []string{"q"}})
	wantErr(t, err, "bad.json: line 3: invalid JSON")
	_, err = Load(write(t, "bad.json", []byte("[\n{\"q\": 1},\n3]")), Options{Fields: []string{"q"}})
	wantErr(t, err, "bad.json: line 3: array element 1: expected a JSON object, got a number")
}

func TestStdin(t *testing.T) {
	items, err := LoadReader(strings.NewReader(gsmLike), "-", Options{Fields: []string{"answer"}})
	if err != nil {
		t.Fatal(err)
	}
	check(t, items,
		Item{ID: "stdin/0", Index: 0, Text: "A0"},
		Item{ID: "stdin/1", Index: 1, Text: "A1"},
		Item{ID: "stdin/2", Index: 2, Text: "A2"},
	)
	_, err = LoadReader(bytes.NewReader(gzipBytes(t, []byte("{\"a\": 1}\n{\"b\": 2}\n"))), "-", Options{Fields: []string{"a"}})
	wantErr(t, err, `stdin: line 2: field "a" not found; fields: b`)
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q\ndoes not contain %q", err, p)
		}
	}
}

func TestErrors(t *testing.T) {
	const good = `{"question": "q", "answer": "a", "id": "x"}`
	lines := func(ls ...string) string { return strings.Join(ls, "\n") + "\n" }
	for _, tc := range []struct {
		name string
		data string
		opt  Options
		want []string // substrings of the error
	}{
		{"missing field", lines(good, "", `{"question": "q", "answer": "a"}`), Options{Fields: []string{"questoin"}},
			[]string{`gsm8k_test.jsonl: line 1: field "questoin" not found; fields: answer, id, question`}},
		{"missing field line 3", lines(good, "", `{"answer": "a", "id": "y"}`), Options{Fields: []string{"question", "answer"}},
			[]string{`gsm8k_test.jsonl: line 3: field "question" not found; fields: answer, id`}},
		{"invalid JSON", lines(good, `{"question": "q", "answer": }`), Options{Fields: []string{"question"}},
			[]string{"gsm8k_test.jsonl: line 2: invalid JSON at column 29: invalid character '}'"}},
		{"truncated JSON", lines(good, `{"question": "q"`), Options{Fields: []string{"question"}},
			[]string{"gsm8k_test.jsonl: line 2: invalid JSON: unexpected end of line"}},
		{"two objects on a line", lines(good + ` {"a": 1}`), Options{Fields: []string{"question"}},
			[]string{"gsm8k_test.jsonl: line 1: invalid JSON: unexpected data after the object at column 45"}},
		{"not an object", lines(good, `["q"]`), Options{Fields: []string{"question"}},
			[]string{"gsm8k_test.jsonl: line 2: expected a JSON object, got an array"}},
		{"invalid UTF-8", lines(good, good, "{\"question\": \"caf\xe9\"}"), Options{Fields: []string{"question"}},
			[]string{"gsm8k_test.jsonl: line 3: invalid UTF-8 at column 18 (byte 0xe9)"}},
		{"template missing key", lines(good, `{"question": "q"}`), Options{Fields: []string{"{{.question}} {{.answer}}"}},
			[]string{"gsm8k_test.jsonl: line 2: fields template:", `map has no entry for key "answer"`, "fields: question"}},
		{"template exec error", lines(good), Options{Fields: []string{"{{index .question 5}}"}},
			[]string{"gsm8k_test.jsonl: line 1: fields template:", "index out of range"}},
		{"template parse error", lines(good), Options{Fields: []string{"{{.question"}},
			[]string{"item: fields template:"}},
		{"template not alone", lines(good), Options{Fields: []string{"{{.question}}", "answer"}},
			[]string{"must be the only field"}},
		{"no fields", lines(good), Options{}, []string{"item: no fields given"}},
		{"duplicate id", lines(good, `{"question": "q2", "id": "y"}`, "", `{"question": "q3", "id": "z"}`, "", "", "", "", good),
			Options{Fields: []string{"question"}, IDField: "id"},
			[]string{`gsm8k_test.jsonl: duplicate id "x" at lines 1 and 9: checking needs unique ids`}},
		{"duplicate id from template", lines(good, good), Options{Fields: []string{"question"}, IDField: "{{.id}}"},
			[]string{`duplicate id "x" at lines 1 and 2`}},
		{"missing id field", lines(good, `{"question": "q"}`), Options{Fields: []string{"question"}, IDField: "id"},
			[]string{`gsm8k_test.jsonl: line 2: id field "id" not found; fields: question`}},
		{"id template missing key", lines(good), Options{Fields: []string{"question"}, IDField: "b/{{.task_id}}"},
			[]string{"gsm8k_test.jsonl: line 1: id template:", `map has no entry for key "task_id"`}},
		{"empty id", lines(`{"question": "q", "id": ""}`), Options{Fields: []string{"question"}, IDField: "id"},
			[]string{`gsm8k_test.jsonl: line 1: empty id (field "id")`}},
		{"negative limit", lines(good), Options{Fields: []string{"question"}, Limit: -1}, []string{"negative limit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadReader(strings.NewReader(tc.data), "gsm8k_test.jsonl", tc.opt)
			wantErr(t, err, tc.want...)
		})
	}
}

func TestCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file, data string
		opt              Options
		want             []string
	}{
		{"missing field", "b.csv", "question,answer\nq,a\n\"multi\nline\",b\n", Options{Fields: []string{"questoin"}},
			[]string{`b.csv: line 2: field "questoin" not found; fields: answer, question`}},
		{"column count", "b.csv", "question,answer\nq,a\n\"multi\nline\",b,c\n", Options{Fields: []string{"question"}},
			[]string{"b.csv: line 3: 3 columns, but the header (line 1) has 2"}},
		{"bad quote", "b.csv", "question,answer\nq,a\nq\"x,a\n", Options{Fields: []string{"question"}},
			[]string{"b.csv: line 3: invalid CSV", "bare \" in non-quoted-field"}},
		{"invalid UTF-8", "b.tsv", "question\tanswer\nq\ta\nq\t\xff\n", Options{Fields: []string{"question"}},
			[]string{`b.tsv: line 3: invalid UTF-8 in column "answer"`}},
		{"duplicate id", "b.csv", "id,q\n1,a\n2,b\n1,c\n", Options{Fields: []string{"q"}, IDField: "id"},
			[]string{`b.csv: duplicate id "1" at lines 2 and 4`}},
		{"empty", "b.csv", "", Options{Fields: []string{"q"}}, []string{"b.csv: empty CSV file"}},
		{"duplicate header", "b.csv", "q,q\n1,2\n", Options{Fields: []string{"q"}}, []string{`header names column "q" twice`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadReader(strings.NewReader(tc.data), tc.file, tc.opt)
			wantErr(t, err, tc.want...)
		})
	}
}

func TestUnknownFormat(t *testing.T) {
	_, err := Load(write(t, "notes.txt", []byte("just words\n")), Options{Fields: []string{"q"}})
	wantErr(t, err, "notes.txt: cannot tell the format")
	_, err = Load(write(t, "empty.dat", nil), Options{Fields: []string{"q"}})
	wantErr(t, err, "empty.dat: empty input")
	_, err = Load(filepath.Join(t.TempDir(), "missing.jsonl"), Options{Fields: []string{"q"}})
	wantErr(t, err, "missing.jsonl")
	_, err = Load(write(t, "t.jsonl.gz", append([]byte{0x1f, 0x8b}, "garbage"...)), Options{Fields: []string{"q"}})
	wantErr(t, err, "t.jsonl.gz:", "gzip")

	// An empty JSONL file is not an error: it has no items.
	if items := mustLoad(t, write(t, "e.jsonl", []byte("\n\n")), Options{Fields: []string{"q"}}); len(items) != 0 {
		t.Errorf("empty JSONL: %+v", items)
	}
}

const devDir = "/work/shared/data/dev/benchmarks"

// firstLine returns line 0 of a dev benchmark, decoded.
func firstLine(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := bytes.Cut(data, []byte("\n"))
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDevBenchmarks(t *testing.T) {
	if _, err := os.Stat(devDir); err != nil {
		t.Skipf("dev benchmarks not available (%v); they live in %s", err, devDir)
	}
	t.Run("gsm8k", func(t *testing.T) {
		path := filepath.Join(devDir, "gsm8k_test.jsonl")
		items := mustLoad(t, path, Options{Fields: []string{"question", "answer"}, IDField: "gsm8k/test/{{._index}}"})
		if len(items) != 1319 {
			t.Fatalf("got %d items, want 1319", len(items))
		}
		m := firstLine(t, path)
		want := Item{ID: "gsm8k/test/0", Index: 0, Text: m["question"].(string) + "\n" + m["answer"].(string)}
		if got := items[0]; got.ID != want.ID || got.Index != want.Index || got.Text != want.Text {
			t.Errorf("item 0:\n got %+v\nwant %+v", items[0], want)
		}
		if items[1318].ID != "gsm8k/test/1318" || items[1318].Index != 1318 {
			t.Errorf("last item: %q %d", items[1318].ID, items[1318].Index)
		}
	})
	t.Run("humaneval", func(t *testing.T) {
		path := filepath.Join(devDir, "humaneval.jsonl")
		items := mustLoad(t, path, Options{Fields: []string{"prompt", "canonical_solution"}, IDField: "task_id"})
		if len(items) != 164 {
			t.Fatalf("got %d items, want 164", len(items))
		}
		m := firstLine(t, path)
		if items[0].ID != "HumanEval/0" || items[0].Text != m["prompt"].(string)+"\n"+m["canonical_solution"].(string) {
			t.Errorf("item 0: %+v", items[0])
		}
		if items[163].ID != "HumanEval/163" {
			t.Errorf("last id %q", items[163].ID)
		}
		// The README's text convention is prompt+canonical_solution, no separator.
		items = mustLoad(t, path, Options{Fields: []string{"{{.prompt}}{{.canonical_solution}}"}, IDField: "task_id"})
		if items[0].Text != m["prompt"].(string)+m["canonical_solution"].(string) {
			t.Errorf("template item 0: %q", items[0].Text)
		}
	})
	t.Run("mbpp", func(t *testing.T) {
		path := filepath.Join(devDir, "mbpp.jsonl")
		items := mustLoad(t, path, Options{Fields: []string{"text", "code"}, IDField: "mbpp/{{.task_id}}"})
		if len(items) != 974 {
			t.Fatalf("got %d items, want 974", len(items))
		}
		m := firstLine(t, path)
		wantID := "mbpp/" + m["task_id"].(json.Number).String()
		if wantID != "mbpp/1" {
			t.Logf("note: first task_id in the file is %s", wantID)
		}
		want := Item{ID: wantID, Index: 0, Text: m["text"].(string) + "\n" + m["code"].(string)}
		if got := items[0]; got.ID != want.ID || got.Index != want.Index || got.Text != want.Text {
			t.Errorf("item 0:\n got %+v\nwant %+v", items[0], want)
		}
		// Numeric id field renders as JSON text; the list renders as JSON.
		items = mustLoad(t, path, Options{Fields: []string{"test_list"}, IDField: "task_id", Limit: 1})
		var list []string
		if err := json.Unmarshal([]byte(items[0].Text), &list); err != nil || items[0].ID != m["task_id"].(json.Number).String() {
			t.Errorf("item 0 test_list: %+v (%v)", items[0], err)
		}
		raw := m["test_list"].([]any)
		if !reflect.DeepEqual(len(list), len(raw)) || list[0] != raw[0] {
			t.Errorf("test_list mismatch: %q vs %q", list, raw)
		}
	})
}
