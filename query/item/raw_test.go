package item

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

func loadFile(t *testing.T, name string, data []byte, opt Options) *File {
	t.Helper()
	f, err := LoadFile(write(t, name, data), opt)
	if err != nil {
		t.Fatalf("LoadFile(%s): %v", name, err)
	}
	return f
}

func raws(items []Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = string(it.Raw)
	}
	return out
}

func wantRaws(t *testing.T, f *File, want ...string) {
	t.Helper()
	got := raws(f.Items)
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("%s raws:\n got %q\nwant %q", f.Name, got, want)
	}
}

func TestRawJSONL(t *testing.T) {
	data := "\ufeff{\"q\": \"caf\\u00e9\",   \"id\":1}\r\n" + // BOM, escapes, spacing, CRLF
		"\n" +
		"   \r\n" + // blank with spaces: not a record
		"  {\"q\":\"x\\n\\\"y\\\"\",\"id\":2.50}  \n" + // leading/trailing spaces kept; number as written
		"{\"q\":\"ünï\"}\r" + "\n" +
		"{\"q\":\"last, no newline\"}"
	f := loadFile(t, "b.jsonl", []byte(data), Options{Fields: []string{"q"}})
	if f.Format != FormatJSONL || f.Header != nil || !f.ByteExact() || f.Compression != "" {
		t.Errorf("file: format %q header %q exact %v compression %q", f.Format, f.Header, f.ByteExact(), f.Compression)
	}
	wantRaws(t, f,
		`{"q": "caf\u00e9",   "id":1}`,
		`  {"q":"x\n\"y\"","id":2.50}  `,
		`{"q":"ünï"}`,
		`{"q":"last, no newline"}`,
	)
	if f.Items[0].Text != "café" {
		t.Errorf("text %q", f.Items[0].Text)
	}

	// Compressed: Raw is the decompressed line.
	f = loadFile(t, "b.jsonl.gz", gzipBytes(t, []byte(data)), Options{Fields: []string{"q"}, Limit: 2})
	if f.Compression != "gzip" {
		t.Errorf("compression %q", f.Compression)
	}
	wantRaws(t, f, `{"q": "caf\u00e9",   "id":1}`, `  {"q":"x\n\"y\"","id":2.50}  `)

	// Load still works and gives the same Raw.
	items := mustLoad(t, write(t, "b.jsonl", []byte(data)), Options{Fields: []string{"q"}})
	if string(items[3].Raw) != `{"q":"last, no newline"}` {
		t.Errorf("Load raw %q", items[3].Raw)
	}
}

func TestRawCSV(t *testing.T) {
	data := "\ufeffid,question, answer\r\n" +
		"q1,\"What is 1+1?\",2\r\n" +
		"\r\n" +
		"\n" +
		"q2,\"Multi\r\nline, \"\"quoted\"\"\n\",4\n" +
		"q3,Plain,\"ends in\nnewline\n\"\n" +
		"q4,\"é\",x\r"
	f := loadFile(t, "arith.csv", []byte(data), Options{Fields: []string{"question", "answer"}, IDField: "id"})
	if f.Format != FormatCSV || !f.ByteExact() {
		t.Errorf("format %q", f.Format)
	}
	if string(f.Header) != "id,question, answer" {
		t.Errorf("header %q", f.Header)
	}
	check(t, f.Items,
		Item{ID: "q1", Index: 0, Text: "What is 1+1?\n2", Raw: []byte(`q1,"What is 1+1?",2`)},
		Item{ID: "q2", Index: 1, Text: "Multi\nline, \"quoted\"\n\n4", Raw: []byte("q2,\"Multi\r\nline, \"\"quoted\"\"\n\",4")},
		Item{ID: "q3", Index: 2, Text: "Plain\nends in\nnewline\n", Raw: []byte("q3,Plain,\"ends in\nnewline\n\"")},
		Item{ID: "q4", Index: 3, Text: "é\nx", Raw: []byte(`q4,"é",x`)},
	)

	tsv := "task_id\tprompt\n7\tsay \"hi\n8\tbye\n"
	f = loadFile(t, "x.tsv.zst", zstdBytes(t, []byte(tsv)), Options{Fields: []string{"prompt"}})
	if f.Format != FormatTSV || string(f.Header) != "task_id\tprompt" {
		t.Errorf("tsv: format %q header %q", f.Format, f.Header)
	}
	wantRaws(t, f, "7\tsay \"hi", "8\tbye")
}

// TestRawCSVLarge: many records, longer than any read buffer, come back
// exactly: header + "\n" + records joined by "\n" + "\n" is the input.
func TestRawCSVLarge(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("id,text,n\n")
	for i := range 3000 {
		switch i % 3 {
		case 0:
			fmt.Fprintf(&sb, "%d,plain %s,%d\n", i, strings.Repeat("w", i%50), i)
		case 1:
			fmt.Fprintf(&sb, "%d,\"quoted, with \"\"quotes\"\"\nand a newline %s\",%d\n", i, strings.Repeat("x", i%7000), i)
		default:
			fmt.Fprintf(&sb, "%d,\"\",%d\n", i, i)
		}
	}
	data := sb.String()
	for _, name := range []string{"big.csv", "big.csv.gz"} {
		in := []byte(data)
		if strings.HasSuffix(name, ".gz") {
			in = gzipBytes(t, in)
		}
		f := loadFile(t, name, in, Options{Fields: []string{"text"}, IDField: "id"})
		if len(f.Items) != 3000 {
			t.Fatalf("%s: %d items", name, len(f.Items))
		}
		got := string(f.Header) + "\n" + strings.Join(raws(f.Items), "\n") + "\n"
		if got != data {
			t.Errorf("%s: records do not rebuild the input (%d vs %d bytes)", name, len(got), len(data))
		}
	}
}

func TestRawJSONArray(t *testing.T) {
	data := "[\n  {\"q\": \"a\\u00e9 <b>\", \"id\": 1.50,\n   \"l\": [1, 2]},\n  {\"q\": \"b\"}\n]\n"
	f := loadFile(t, "arr.json", []byte(data), Options{Fields: []string{"q"}})
	if f.Format != FormatJSON || f.ByteExact() {
		t.Errorf("format %q exact %v", f.Format, f.ByteExact())
	}
	wantRaws(t, f, `{"q":"a\u00e9 <b>","id":1.50,"l":[1,2]}`, `{"q":"b"}`)
}

func TestRawParquet(t *testing.T) {
	note := "n"
	path := writeParquet(t, "p.parquet", []pqRow{
		{TaskID: 11, Question: "a < b", Score: 2.5, Tests: []string{"x"}, Note: &note, Meta: map[string]string{"k": "v"}},
		{TaskID: 12, Question: "nan", Score: math.NaN()},
		{TaskID: 13, Question: "inf", Score: math.Inf(-1)},
	})
	f, err := LoadFile(path, Options{Fields: []string{"question"}})
	if err != nil {
		t.Fatal(err)
	}
	if f.Format != FormatParquet || f.ByteExact() || f.Header != nil {
		t.Errorf("format %q exact %v header %q", f.Format, f.ByteExact(), f.Header)
	}
	wantRaws(t, f,
		`{"meta":{"k":"v"},"note":"n","question":"a < b","score":2.5,"task_id":11,"tests":["x"]}`,
		`{"meta":{},"note":null,"question":"nan","score":"NaN","task_id":12,"tests":[]}`,
		`{"meta":{},"note":null,"question":"inf","score":"-Inf","task_id":13,"tests":[]}`,
	)
	if !bytes.Contains(f.Items[0].Raw, []byte("a < b")) {
		t.Error("HTML escaped")
	}
}

// TestRawDev: every dev benchmark comes back byte for byte from its Raws.
func TestRawDev(t *testing.T) {
	for _, name := range []string{"gsm8k_test.jsonl", "humaneval.jsonl", "mbpp.jsonl"} {
		path := devDir + "/" + name
		data, err := os.ReadFile(path)
		if err != nil {
			t.Skipf("dev benchmarks not available (%v)", err)
		}
		f, err := LoadFile(path, Options{Fields: []string{"{{json .}}"}})
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(raws(f.Items), "\n") + "\n"
		if got != string(data) {
			t.Errorf("%s: raws do not rebuild the file", name)
		}
	}
}
