package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// doc is a copy of a Doc that outlives the next Next call.
type doc struct {
	Text   string
	ID     string
	Meta   map[string]string
	File   string
	Line   int64
	Offset int64
}

func copyDoc(d *Doc) doc {
	return doc{Text: string(d.Text), ID: d.ID, Meta: maps.Clone(d.Meta), File: d.File, Line: d.Line, Offset: d.Offset}
}

// drain reads r to the end or the first error.
func drain(r Reader) ([]doc, error) {
	var out []doc
	for {
		d, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, copyDoc(d))
	}
}

func readFile(t testing.TB, path string, opt Options) ([]doc, error) {
	t.Helper()
	r, err := Open(path, opt)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return drain(r)
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var (
	gzipWriters sync.Pool // *gzip.Writer, reused: fuzzing compresses every input
	zstdEncOnce sync.Once
	zstdEnc     *zstd.Encoder
)

func gzipBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w, _ := gzipWriters.Get().(*gzip.Writer)
	if w == nil {
		w = gzip.NewWriter(&b)
	} else {
		w.Reset(&b)
	}
	defer gzipWriters.Put(w)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// zstdBytes compresses data as one single-segment frame.
func zstdBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	zstdEncOnce.Do(func() {
		var err error
		if zstdEnc, err = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1)); err != nil {
			t.Fatal(err)
		}
	})
	return zstdEnc.EncodeAll(data, nil)
}

// genJSONL makes n records of pseudo-random words with escapes and some
// non-ASCII text, "id", "text" and, on every other line, "url".
func genJSONL(seed uint64, n, textLen int) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	words := []string{"the", "contamination", "of", "training", "data", "is", "measured", "by", "n-grams",
		"über", "naïve", "日本語", "\\n", "\\\"quoted\\\"", "\\t", "\\u00e9", "\\ud83d\\ude00", "1,000", "{x}"}
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, `{"id": "doc-%06d", "text": "`, i)
		for l := 0; l < textLen; {
			w := words[rng.IntN(len(words))]
			b.WriteString(w)
			b.WriteByte(' ')
			l += len(w) + 1
		}
		b.WriteString(`"`)
		if i%2 == 0 {
			fmt.Fprintf(&b, `, "url": "https://example.com/page/%d?q=a&b=c"`, i)
		}
		b.WriteString("}\n")
	}
	return b.Bytes()
}

const small = `{"id": "a1", "text": "first\ndoc", "url": "http://a/1"}
{"text": "no id here", "id": null}

{"id": 42, "text": "number id", "url": 7, "lang": "en"}
  
{"id": -1.5e3, "text": "caf\u00e9 \ud83d\ude00 \"q\"", "url": null}
{"text": "last line, no newline", "id": "", "url": {"a": [1, true]}}`

func checkSmall(t *testing.T, name string, docs []doc, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	base := filepath.Base(name)
	want := []doc{
		{Text: "first\ndoc", ID: "a1", Meta: map[string]string{"url": "http://a/1"}, Line: 1, Offset: 0},
		{Text: "no id here", ID: base + ":2", Meta: map[string]string{}, Line: 2, Offset: 56},
		{Text: "number id", ID: "42", Meta: map[string]string{"url": "7"}, Line: 4, Offset: 92},
		{Text: "café 😀 \"q\"", ID: "-1.5e3", Meta: map[string]string{}, Line: 6, Offset: 151},
		{Text: "last line, no newline", ID: base + ":7", Meta: map[string]string{"url": `{"a": [1, true]}`}, Line: 7, Offset: 219},
	}
	if len(docs) != len(want) {
		t.Fatalf("%s: got %d docs, want %d: %+v", name, len(docs), len(want), docs)
	}
	for i := range want {
		want[i].File = name
		if fmt.Sprint(docs[i]) != fmt.Sprint(want[i]) {
			t.Errorf("%s: doc %d:\n got %+v\nwant %+v", name, i, docs[i], want[i])
		}
	}
}

func TestFormats(t *testing.T) {
	dir := t.TempDir()
	data := []byte(small)
	opt := DefaultOptions()
	opt.MetaFields = []string{"url"}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"plain.jsonl", data},
		{"gz.jsonl.gz", gzipBytes(t, data)},
		{"zst.jsonl.zst", zstdBytes(t, data)},
		{"zst2.JSONL.ZSTD", zstdBytes(t, data)},
		{"a.json", data},
		{"a.ndjson.gz", gzipBytes(t, data)},
		{"misleading.bin", zstdBytes(t, data)},          // sniffed: zstd content, '{' first
		{"actually-plain.jsonl.gz", data},               // a .gz name on plain content
		{"actually-gzip.jsonl.zst", gzipBytes(t, data)}, // the content decides
		{"noext", gzipBytes(t, []byte("\n \n"+small))},  // sniff skips whitespace
	} {
		p := writeFile(t, dir, tc.name, tc.data)
		docs, err := readFile(t, p, opt)
		if tc.name == "noext" {
			// The two leading lines shift line numbers and offsets.
			for i := range docs {
				docs[i].Line -= 2
				docs[i].Offset -= 3
				if strings.HasSuffix(docs[i].ID, ":"+fmt.Sprint(docs[i].Line+2)) {
					docs[i].ID = "noext:" + fmt.Sprint(docs[i].Line)
				}
			}
		}
		checkSmall(t, p, docs, err)
	}
}

func TestMultiMemberAndMultiFrame(t *testing.T) {
	dir := t.TempDir()
	a := genJSONL(1, 300, 500)
	b := genJSONL(2, 200, 500)
	all := append(append([]byte{}, a...), b...)
	want, err := drain(mustNewReader(t, bytes.NewReader(all), "x.jsonl", DefaultOptions()))
	if err != nil || len(want) != 500 {
		t.Fatalf("plain: %d docs, %v", len(want), err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"multi.jsonl.gz", append(gzipBytes(t, a), gzipBytes(t, b)...)},
		{"multi.jsonl.zst", append(zstdBytes(t, a), zstdBytes(t, b)...)},
	} {
		p := writeFile(t, dir, tc.name, tc.data)
		r, err := Open(p, DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		got, err := drain(r)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if r.Progress() != int64(len(tc.data)) {
			t.Errorf("%s: Progress %d, file size %d", tc.name, r.Progress(), len(tc.data))
		}
		r.Close()
		if len(got) != len(want) {
			t.Fatalf("%s: %d docs, want %d", tc.name, len(got), len(want))
		}
		for i := range got {
			got[i].File = "x.jsonl"
			if fmt.Sprint(got[i]) != fmt.Sprint(want[i]) {
				t.Fatalf("%s: doc %d differs:\n%+v\n%+v", tc.name, i, got[i], want[i])
			}
		}
	}
}

func mustNewReader(t testing.TB, rd io.Reader, name string, opt Options) Reader {
	t.Helper()
	r, err := NewReader(rd, name, opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestText(t *testing.T) {
	dir := t.TempDir()
	text := []byte("Some plain text.\n{not json}\n\nünïcödé\n")
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"a.txt", text},
		{"b.txt.gz", gzipBytes(t, text)},
		{"c.TXT.zst", zstdBytes(t, text)},
		{"d.md", text},                           // sniffed: 'S'
		{"e.dat", gzipBytes(t, text)},            // sniffed after gunzip
		{"f.jsonl.txt", []byte(`{"text": "x"}`)}, // .txt wins even on JSON content
	} {
		p := writeFile(t, dir, tc.name, tc.data)
		docs, err := readFile(t, p, DefaultOptions())
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want := string(text)
		if tc.name == "f.jsonl.txt" {
			want = `{"text": "x"}`
		}
		if len(docs) != 1 || docs[0].Text != want || docs[0].ID != tc.name || docs[0].Line != 0 || docs[0].Offset != 0 || docs[0].File != p || docs[0].Meta != nil {
			t.Errorf("%s: got %+v", tc.name, docs)
		}
	}
	// Empty and all-whitespace files of unknown type are one text document.
	for _, data := range []string{"", "  \n"} {
		p := writeFile(t, dir, "empty.dat", []byte(data))
		docs, err := readFile(t, p, DefaultOptions())
		if err != nil || len(docs) != 1 || docs[0].Text != data {
			t.Errorf("%q: %+v, %v", data, docs, err)
		}
	}
	// An empty .jsonl has no documents.
	p := writeFile(t, dir, "empty.jsonl", nil)
	if docs, err := readFile(t, p, DefaultOptions()); err != nil || len(docs) != 0 {
		t.Errorf("empty.jsonl: %+v, %v", docs, err)
	}
	// Invalid UTF-8 and over-long text documents.
	p = writeFile(t, dir, "bad.txt", []byte("ok\xffno"))
	if _, err := readFile(t, p, DefaultOptions()); !errors.Is(err, ErrBadUTF8) || !strings.Contains(err.Error(), p) {
		t.Errorf("bad.txt: %v", err)
	}
	p = writeFile(t, dir, "long.txt.gz", gzipBytes(t, bytes.Repeat([]byte("a"), 1000)))
	opt := DefaultOptions()
	opt.MaxDocBytes = 999
	if _, err := readFile(t, p, opt); !errors.Is(err, ErrTooLong) {
		t.Errorf("long.txt: %v", err)
	}
	opt.MaxDocBytes = 1000
	if docs, err := readFile(t, p, opt); err != nil || len(docs) != 1 || len(docs[0].Text) != 1000 {
		t.Errorf("long.txt at the cap: %d docs, %v", len(docs), err)
	}
	opt.MaxDocBytes = 999
	opt.SkipBad = true
	var skips []Skip
	opt.OnSkip = func(s Skip) { skips = append(skips, s) }
	if docs, err := readFile(t, p, opt); err != nil || len(docs) != 0 || len(skips) != 1 || !errors.Is(skips[0].Reason, ErrTooLong) {
		t.Errorf("long.txt with SkipBad: %+v %v %+v", docs, err, skips)
	}
}

func TestOptions(t *testing.T) {
	data := `{"id": "x", "body": "b1", "text": "t1", "src": "s", "n": 1}` + "\n" + `{"body": "b2", "body": "b3", "src": true}` + "\n"
	// Zero Options: text in "text", ids are file:line.
	docs, err := drain(mustNewReader(t, strings.NewReader(data[:strings.IndexByte(data, '\n')+1]), "d/z.jsonl", Options{}))
	if err != nil || len(docs) != 1 || docs[0].ID != "z.jsonl:1" || docs[0].Text != "t1" || docs[0].Meta != nil {
		t.Fatalf("zero options: %+v %v", docs, err)
	}
	// Custom fields; duplicate keys: the last wins (as in encoding/json).
	opt := Options{TextField: "body", IDField: "src", MetaFields: []string{"id", "n", "src", "body"}}
	docs, err = drain(mustNewReader(t, strings.NewReader(data), "z.jsonl", opt))
	if err != nil {
		t.Fatal(err)
	}
	want := []doc{
		{Text: "b1", ID: "s", Meta: map[string]string{"id": "x", "n": "1", "src": "s", "body": "b1"}, File: "z.jsonl", Line: 1},
		{Text: "b3", ID: "z.jsonl:2", Meta: map[string]string{"src": "true", "body": "b3"}, File: "z.jsonl", Line: 2, Offset: 60},
	}
	if fmt.Sprint(docs) != fmt.Sprint(want) {
		t.Errorf("got  %+v\nwant %+v", docs, want)
	}
	// A key with escapes matches; the same field in several roles is
	// unescaped once.
	opt = Options{TextField: "text", IDField: "text", MetaFields: []string{"text"}}
	docs, err = drain(mustNewReader(t, strings.NewReader(`{"t\u0065xt": "a\\nb\u00e9"}`), "k.jsonl", opt))
	if err != nil || len(docs) != 1 || docs[0].Text != "a\\nbé" || docs[0].ID != "a\\nbé" || docs[0].Meta["text"] != "a\\nbé" {
		t.Errorf("escaped key / shared field: %+v %v", docs, err)
	}
}

func TestCRLFAndBOM(t *testing.T) {
	data := "\xef\xbb\xbf{\"text\": \"a\"}\r\n\r\n{\"text\": \"b\"}\r\n"
	for _, name := range []string{"c.jsonl", "c.unknown"} {
		docs, err := drain(mustNewReader(t, strings.NewReader(data), name, Options{}))
		if err != nil || len(docs) != 2 || docs[0].Text != "a" || docs[1].Text != "b" || docs[1].Line != 3 || docs[1].Offset != 20 {
			t.Errorf("%s: %+v %v", name, docs, err)
		}
	}
}

func TestBadRecords(t *testing.T) {
	dir := t.TempDir()
	lines := []string{
		`{"id": 1, "text": "ok"}`,
		`{"id": 2, "text": "ok"}`,
		`{"id": 3, "text": "ok",}`,
	}
	for _, tc := range []struct {
		name   string
		line3  string
		target error
		msg    string
	}{
		{"badjson", `{"id": 3, "text": "ok",}`, ErrBadJSON, "invalid JSON: invalid character '}' looking for beginning of object key string at column 24"},
		{"truncjson", `{"id": 3, "text": "o`, ErrBadJSON, "invalid JSON"},
		{"array", `[{"text": "a"}]`, ErrBadJSON, "JSON array"},
		{"notobject", `"text"`, ErrBadJSON, "invalid JSON"},
		{"trailing", `{"text": "a"} {"text": "b"}`, ErrBadJSON, "after top-level value"},
		{"utf8", "{\"text\": \"caf\xe9\"}", ErrBadUTF8, `invalid UTF-8: in field "text"`},
		{"utf8id", "{\"text\": \"a\", \"id\": \"\xff\"}", ErrBadUTF8, `in field "id"`},
		{"utf8meta", "{\"text\": \"a\", \"url\": [\"\xff\"]}", ErrBadUTF8, `in field "url"`},
		{"notext", `{"id": 3, "txt": "a"}`, ErrNoText, `field "text" is missing`},
		{"textnum", `{"id": 3, "text": 17}`, ErrNoText, `field "text" is a JSON number, not a string`},
		{"textnull", `{"id": 3, "text": null}`, ErrNoText, `null`},
		{"textobj", `{"id": 3, "text": {"a": "b"}}`, ErrNoText, `object`},
	} {
		data := lines[0] + "\n" + lines[1] + "\n" + tc.line3 + "\n" + `{"text": "after"}` + "\n"
		for _, comp := range []string{"", ".gz", ".zst"} {
			b := []byte(data)
			switch comp {
			case ".gz":
				b = gzipBytes(t, b)
			case ".zst":
				b = zstdBytes(t, b)
			}
			p := writeFile(t, dir, tc.name+".jsonl"+comp, b)
			opt := DefaultOptions()
			opt.MetaFields = []string{"url"}
			r, err := Open(p, opt)
			if err != nil {
				t.Fatal(err)
			}
			docs, err := drain(r)
			if len(docs) != 2 {
				t.Errorf("%s: %d docs before the error", p, len(docs))
			}
			var e *Error
			if !errors.Is(err, tc.target) || !errors.As(err, &e) {
				t.Fatalf("%s: got %v, want %v", p, err, tc.target)
			}
			wantPrefix := fmt.Sprintf("%s: line 3 (byte 48): ", p)
			if e.File != p || e.Line != 3 || e.Offset != 48 || !strings.HasPrefix(err.Error(), wantPrefix) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("%s: error %q (%+v), want prefix %q and %q", p, err, e, wantPrefix, tc.msg)
			}
			// A bad record is not fatal: the caller may go on.
			d, err := r.Next()
			if err != nil || string(d.Text) != "after" || d.Line != 4 {
				t.Errorf("%s: after the error: %v %v", p, d, err)
			}
			if _, err := r.Next(); err != io.EOF {
				t.Errorf("%s: want EOF, got %v", p, err)
			}
			r.Close()
		}
	}
}

func TestSkipBad(t *testing.T) {
	long := `{"text": "` + strings.Repeat("x", 300) + `"}`
	lines := []string{
		`{"text": "one"}`,      // 1
		`{"text": "two"`,       // 2 bad JSON
		``,                     // 3 blank
		`{"text": "three"}`,    // 4
		`{"txt": "four"}`,      // 5 no text
		long,                   // 6 too long
		"{\"text\": \"\xff\"}", // 7 bad UTF-8
		`{"text": 5}`,          // 8 text not a string
		long + long,            // 9 too long, longer than the buffer
		`{"text": "last"}`,     // 10
	}
	data := strings.Join(lines, "\n")
	wantSkips := []struct {
		line int64
		err  error
	}{{2, ErrBadJSON}, {5, ErrNoText}, {6, ErrTooLong}, {7, ErrBadUTF8}, {8, ErrNoText}, {9, ErrTooLong}}
	for _, comp := range []string{"", "gz", "zst"} {
		b := []byte(data)
		switch comp {
		case "gz":
			b = gzipBytes(t, b)
		case "zst":
			b = zstdBytes(t, b)
		}
		var skips []Skip
		opt := Options{MaxDocBytes: 200, SkipBad: true, OnSkip: func(s Skip) { skips = append(skips, s) }}
		r, err := newReader(bytes.NewReader(b), "s.jsonl", opt, 64) // a small buffer: line 9 spans several reads
		if err != nil {
			t.Fatal(err)
		}
		docs, err := drain(r)
		if err != nil {
			t.Fatalf("%s: %v", comp, err)
		}
		var got []string
		for _, d := range docs {
			got = append(got, fmt.Sprintf("%d:%s", d.Line, d.Text))
		}
		if strings.Join(got, " ") != "1:one 4:three 10:last" {
			t.Errorf("%s: docs %v", comp, got)
		}
		if len(skips) != len(wantSkips) {
			t.Fatalf("%s: skips %+v", comp, skips)
		}
		for i, s := range skips {
			w := wantSkips[i]
			off := int64(0)
			for _, l := range lines[:w.line-1] {
				off += int64(len(l)) + 1
			}
			if s.Line != w.line || s.Offset != off || s.File != "s.jsonl" || !errors.Is(s.Reason, w.err) {
				t.Errorf("%s: skip %d: %+v, want line %d offset %d %v", comp, i, s, w.line, off, w.err)
			}
		}
	}
}

func TestTooLongBoundedMemory(t *testing.T) {
	dir := t.TempDir()
	const huge = 10 << 20
	var b bytes.Buffer
	b.WriteString(`{"text": "ok"}` + "\n" + `{"text": "`)
	b.Write(bytes.Repeat([]byte("a"), huge))
	b.WriteString("\"}\n" + `{"text": "after"}` + "\n")
	// The zstd file is streamed with a 1 MiB window, as the zstd CLI writes
	// big files (a window of a few MiB); the decoder must hold the window.
	var zb bytes.Buffer
	zw, err := zstd.NewWriter(&zb, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"long.jsonl": b.Bytes(), "long.jsonl.zst": zb.Bytes()}
	for _, name := range []string{"long.jsonl", "long.jsonl.zst"} {
		p := writeFile(t, dir, name, files[name])
		for _, skip := range []bool{false, true} {
			opt := Options{MaxDocBytes: 1 << 20, SkipBad: skip}
			var skips []Skip
			opt.OnSkip = func(s Skip) { skips = append(skips, s) }
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			r, err := Open(p, opt)
			if err != nil {
				t.Fatal(err)
			}
			d, err := r.Next()
			if err != nil || string(d.Text) != "ok" {
				t.Fatalf("first: %v", err)
			}
			d, err = r.Next()
			if !skip {
				var e *Error
				if !errors.Is(err, ErrTooLong) || !errors.As(err, &e) || e.Line != 2 || e.Offset != 15 {
					t.Fatalf("%s: got %v", name, err)
				}
				d, err = r.Next()
			}
			if err != nil || string(d.Text) != "after" || d.Line != 3 {
				t.Fatalf("%s: after the long line: %v %v", name, d, err)
			}
			if _, err := r.Next(); err != io.EOF {
				t.Fatalf("want EOF, got %v", err)
			}
			r.Close()
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%s skip=%v: allocated %.1f MiB reading a %d MiB line", name, skip, float64(alloc)/(1<<20), huge>>20)
			if alloc > 5<<20 {
				t.Errorf("%s: allocated %d bytes, want well under the 10 MiB line", name, alloc)
			}
			if skip && (len(skips) != 1 || skips[0].Line != 2 || skips[0].Offset != 15 || !errors.Is(skips[0].Reason, ErrTooLong)) {
				t.Errorf("skips: %+v", skips)
			}
		}
	}
}

func TestLongLinesUnderCap(t *testing.T) {
	// Lines longer than the read buffer but under the cap are assembled.
	data := genJSONL(3, 50, 3000)
	want, err := drain(mustNewReader(t, bytes.NewReader(data), "a.jsonl", Options{}))
	if err != nil || len(want) != 50 {
		t.Fatal(err)
	}
	for _, size := range []int{16, 100, 1000, 4096} {
		r, err := newReader(bytes.NewReader(data), "a.jsonl", Options{}, size)
		if err != nil {
			t.Fatal(err)
		}
		got, err := drain(r)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("buffer %d: %d docs, %v", size, len(got), err)
		}
	}
}

func TestTruncated(t *testing.T) {
	dir := t.TempDir()
	data := genJSONL(4, 3000, 600)
	total := bytes.Count(data, []byte{'\n'})
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"t.jsonl.gz", gzipBytes(t, data)},
		{"t.jsonl.zst", zstdBytes(t, data)},
		{"t.txt.gz", gzipBytes(t, data)},
		{"t.txt.zst", zstdBytes(t, data)},
	} {
		cut := tc.data[:len(tc.data)/2]
		p := writeFile(t, dir, tc.name, cut)
		r, err := Open(p, DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		docs, err := drain(r)
		var e *Error
		if !errors.Is(err, ErrCorrupt) || !errors.As(err, &e) || e.File != p {
			t.Fatalf("%s: got %d docs and %v, want ErrCorrupt", tc.name, len(docs), err)
		}
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: %v does not wrap the decompressor's error", tc.name, err)
		}
		if strings.HasPrefix(tc.name, "t.jsonl") {
			if len(docs) == 0 || len(docs) >= total || e.Line != int64(len(docs)) || e.Offset < int64(bytes.Index(data, []byte(docs[len(docs)-1].Text))) {
				t.Errorf("%s: %d docs, error at line %d byte %d", tc.name, len(docs), e.Line, e.Offset)
			}
			wantMsg := fmt.Sprintf("%s: byte %d (after line %d): corrupt compressed stream: unexpected EOF", p, e.Offset, e.Line)
			if err.Error() != wantMsg {
				t.Errorf("message %q, want %q", err, wantMsg)
			}
		}
		// The error is sticky.
		if _, err2 := r.Next(); err2 != err {
			t.Errorf("%s: second Next: %v", tc.name, err2)
		}
		r.Close()
	}
}

// TestEveryPrefix cuts small compressed files at every length: reading must
// fail unless the cut is at the end (or empties the file).
func TestEveryPrefix(t *testing.T) {
	data := genJSONL(5, 20, 40)
	n := bytes.Count(data, []byte{'\n'})
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"p.jsonl.gz", gzipBytes(t, data)},
		{"p.jsonl.zst", zstdBytes(t, data)},
		{"p.jsonl.zst2", append(zstdBytes(t, data[:len(data)/2]), zstdBytes(t, data[len(data)/2:])...)},
	} {
		for cut := 1; cut <= len(tc.data); cut++ {
			docs, err := drain(mustNewReaderOrErr(bytes.NewReader(tc.data[:cut]), "p.jsonl"))
			switch {
			case cut == len(tc.data):
				if err != nil || len(docs) != n {
					t.Fatalf("%s: whole file: %d docs, %v", tc.name, len(docs), err)
				}
			case tc.name == "p.jsonl.zst2" && err == nil && len(docs) == n/2:
				// A cut exactly between two frames is undetectable.
			case err == nil:
				t.Fatalf("%s cut at %d/%d: no error, %d docs", tc.name, cut, len(tc.data), len(docs))
			}
		}
	}
}

type errReader struct{ err error }

func (e errReader) Next() (*Doc, error) { return nil, e.err }
func (e errReader) Progress() int64     { return 0 }
func (e errReader) Close() error        { return nil }

func mustNewReaderOrErr(rd io.Reader, name string) Reader {
	r, err := NewReader(rd, name, DefaultOptions())
	if err != nil {
		return errReader{err}
	}
	return r
}

func TestCorruptMiddle(t *testing.T) {
	data := genJSONL(6, 400, 600)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"c.jsonl.gz", gzipBytes(t, data)},
		{"c.jsonl.zst", zstdBytes(t, data)},
	} {
		for _, pos := range []int{len(tc.data) / 3, len(tc.data) / 2, len(tc.data) * 3 / 4} {
			bad := bytes.Clone(tc.data)
			for i := pos; i < pos+16; i++ {
				bad[i] ^= 0x5a
			}
			// Without SkipBad it fails, with some error; with SkipBad the
			// garbage records are skipped but the stream error still comes.
			if _, err := drain(mustNewReader(t, bytes.NewReader(bad), tc.name, DefaultOptions())); err == nil {
				t.Errorf("%s corrupt at %d: no error", tc.name, pos)
			}
			opt := DefaultOptions()
			opt.SkipBad = true
			docs, err := drain(mustNewReader(t, bytes.NewReader(bad), tc.name, opt))
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("%s corrupt at %d: %d docs, %v; want ErrCorrupt", tc.name, pos, len(docs), err)
			}
		}
	}
	// A bad gzip header is reported by Open.
	if _, err := NewReader(bytes.NewReader([]byte{0x1f, 0x8b, 9, 9, 9}), "h.jsonl.gz", Options{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("bad gzip header: %v", err)
	}
	// Trailing garbage after a gzip member or a zstd frame.
	for name, b := range map[string][]byte{
		"g.jsonl.gz":  append(gzipBytes(t, data), "garbage\n"...),
		"g.jsonl.zst": append(zstdBytes(t, data), "garbage\n"...),
	} {
		if _, err := drain(mustNewReader(t, bytes.NewReader(b), name, DefaultOptions())); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s with trailing garbage: %v", name, err)
		}
	}
}

func TestUnsupportedCompression(t *testing.T) {
	xz := []byte{0xfd, '7', 'z', 'X', 'Z', 0, 0, 4, 0xe6, 0xd6, 0xb4, 0x46}
	if _, err := NewReader(bytes.NewReader(xz), "a.jsonl.xz", Options{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("xz: %v", err)
	}
}

func TestProgressAndClose(t *testing.T) {
	dir := t.TempDir()
	data := genJSONL(7, 2000, 1000)
	p := writeFile(t, dir, "p.jsonl.zst", zstdBytes(t, data))
	fi, _ := os.Stat(p)
	r, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Progress may be polled from another goroutine (go test -race checks).
	done := make(chan struct{})
	polled := make(chan int64)
	go func() {
		max := int64(0)
		for {
			select {
			case <-done:
				polled <- max
				return
			default:
				if p := r.Progress(); p > max {
					max = p
				}
			}
		}
	}()
	last := int64(0)
	for {
		_, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if pr := r.Progress(); pr < last || pr > fi.Size() {
			t.Fatalf("progress %d after %d, size %d", pr, last, fi.Size())
		} else {
			last = pr
		}
	}
	close(done)
	if p := <-polled; last != fi.Size() || p > fi.Size() {
		t.Errorf("final progress %d (polled %d), size %d", last, p, fi.Size())
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := r.Next(); err == nil || err == io.EOF {
		t.Errorf("Next after Close: %v", err)
	}
	if _, err := Open(dir, Options{}); err == nil {
		t.Errorf("Open of a directory succeeded")
	}
	if _, err := Open(filepath.Join(dir, "missing.jsonl"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open of a missing file: %v", err)
	}
}

func TestErrorString(t *testing.T) {
	e := &Error{File: "corpus/a.jsonl.zst", Line: 17, Offset: 40213, Err: &recordError{kind: ErrBadJSON, cause: &syntaxError{msg: "invalid character 'x' looking for beginning of value", col: 3}}}
	want := "corpus/a.jsonl.zst: line 17 (byte 40213): invalid JSON: invalid character 'x' looking for beginning of value at column 3"
	if e.Error() != want {
		t.Errorf("got  %q\nwant %q", e.Error(), want)
	}
	if !errors.Is(e, ErrBadJSON) || errors.Is(e, ErrCorrupt) {
		t.Errorf("errors.Is is wrong")
	}
}

func TestZstdWindowLimit(t *testing.T) {
	var b bytes.Buffer
	w, err := zstd.NewWriter(&b, zstd.WithEncoderConcurrency(1), zstd.WithSingleSegment(false))
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(`{"text": "hello"}` + "\n"))
	w.Close()
	frame := b.Bytes()
	if frame[4]&(1<<5) != 0 {
		t.Fatalf("single-segment frame: % x", frame[:8])
	}
	frame[5] = 18 << 3 // window descriptor: 2^(10+18) = 256 MiB
	_, err = NewReader(bytes.NewReader(frame), "w.jsonl.zst", Options{})
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "zstd window of 256 MiB is over the 128 MiB limit") {
		t.Errorf("256 MiB window: %v", err)
	}
	// Single-segment frames declare their content size as the window.
	for _, tc := range []struct {
		header []byte
		window uint64
	}{
		{[]byte{0x28, 0xb5, 0x2f, 0xfd, 0x20, 200}, 200},
		{[]byte{0x28, 0xb5, 0x2f, 0xfd, 0x60, 0x00, 0x01}, 256 + 256},
		{[]byte{0x28, 0xb5, 0x2f, 0xfd, 0xa1, 0x07, 0, 0, 0, 0x10}, 1 << 28}, // with a 1-byte dictionary id
		{[]byte{0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 1, 0, 0, 0}, 1 << 32},
		{[]byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x8a}, (1 << 27) + (1<<27)/8*2},
	} {
		if w := zstdWindow(tc.header); w != tc.window {
			t.Errorf("zstdWindow(% x) = %d, want %d", tc.header, w, tc.window)
		}
	}
}
