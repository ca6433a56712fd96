package source

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/parquet-go/parquet-go"
)

type pqRow struct {
	Text string  `parquet:"text"`
	ID   string  `parquet:"id"`
	URL  *string `parquet:"url,optional"`
	Dump int64   `parquet:"dump"`
}

// writeParquet writes rows in row groups of perGroup rows.
func writeParquet[T any](t testing.TB, name string, rows []T, perGroup int64) string {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf, parquet.MaxRowsPerRowGroup(perGroup))
	for i := int64(0); i < int64(len(rows)); i += perGroup {
		end := min(i+perGroup, int64(len(rows)))
		if _, err := w.Write(rows[i:end]); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, t.TempDir(), name, buf.Bytes())
}

func sampleRows() []pqRow {
	var rows []pqRow
	for i := 1; i <= 7; i++ {
		u := fmt.Sprintf("https://e.org/%d", i)
		r := pqRow{Text: fmt.Sprintf("document %d", i), ID: fmt.Sprintf("doc-%d", i), URL: &u, Dump: int64(2020 + i)}
		if i == 4 {
			r.URL = nil
			r.ID = ""
		}
		rows = append(rows, r)
	}
	return rows
}

func TestParquet(t *testing.T) {
	p := writeParquet(t, "fw.parquet", sampleRows(), 3)
	f, _ := os.Open(p)
	fi, _ := f.Stat()
	pf, err := parquet.OpenFile(f, fi.Size())
	if err != nil || len(pf.RowGroups()) != 3 {
		t.Fatalf("setup: %v groups, %v", len(pf.RowGroups()), err)
	}
	f.Close()

	opt := DefaultOptions()
	opt.MetaFields = []string{"url", "dump", "absent"}
	r, err := Open(p, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	docs, err := drain(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 7 {
		t.Fatalf("got %d docs", len(docs))
	}
	for i, d := range docs {
		n := i + 1
		if d.Text != fmt.Sprintf("document %d", n) || d.Line != int64(n) || d.File != p {
			t.Errorf("doc %d: %+v", n, d)
		}
		wantID, wantURL := fmt.Sprintf("doc-%d", n), fmt.Sprintf("https://e.org/%d", n)
		if n == 4 {
			wantID, wantURL = "fw.parquet:4", ""
		}
		if d.ID != wantID || d.Meta["url"] != wantURL || d.Meta["dump"] != fmt.Sprint(2020+n) {
			t.Errorf("doc %d: id %q meta %v", n, d.ID, d.Meta)
		}
		if _, ok := d.Meta["absent"]; ok || (n == 4) == (len(d.Meta) == 2) {
			t.Errorf("doc %d: meta %v", n, d.Meta)
		}
	}
	if r.Progress() <= 0 || r.Progress() > fi.Size() {
		t.Errorf("progress %d of %d", r.Progress(), fi.Size())
	}
}

func TestParquetNoText(t *testing.T) {
	p := writeParquet(t, "x.parquet", sampleRows(), 3)
	opt := DefaultOptions()
	opt.TextField = "content"
	_, err := Open(p, opt)
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrNoText) || e.File != p {
		t.Fatalf("missing column: %v", err)
	}
	opt.TextField = "dump" // an int64 column
	if _, err := Open(p, opt); !errors.Is(err, ErrNoText) {
		t.Fatalf("int column: %v", err)
	}
}

func TestParquetBadUTF8(t *testing.T) {
	rows := sampleRows()
	rows[4].Text = "bad \xff text"
	p := writeParquet(t, "bad.parquet", rows, 3)
	_, err := readFile(t, p, DefaultOptions())
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrBadUTF8) || e.Line != 5 || e.File != p {
		t.Fatalf("err %v", err)
	}
	opt := DefaultOptions()
	opt.SkipBad = true
	var skips []Skip
	opt.OnSkip = func(s Skip) { skips = append(skips, s) }
	docs, err := readFile(t, p, opt)
	if err != nil || len(docs) != 6 || docs[4].Line != 6 || len(skips) != 1 || skips[0].Line != 5 ||
		!errors.Is(skips[0].Reason, ErrBadUTF8) {
		t.Fatalf("skip: %v %d docs %+v", err, len(docs), skips)
	}
}

func TestParquetCorrupt(t *testing.T) {
	p := writeParquet(t, "c.parquet", sampleRows(), 3)
	data, _ := os.ReadFile(p)
	p2 := writeFile(t, t.TempDir(), "c.parquet", data[:len(data)/2])
	_, err := readFile(t, p2, DefaultOptions())
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrCorrupt) || e.File != p2 {
		t.Fatalf("truncated: %v", err)
	}
	// NewReader on a stream that is not a file is refused.
	if _, err := NewReader(bytes.NewBufferString("x"), "s.parquet", DefaultOptions()); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("stream: %v", err)
	}
	// NewReader on a file works.
	f, _ := os.Open(p)
	defer f.Close()
	r, err := NewReader(f, p, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	docs, err := drain(r)
	if err != nil || len(docs) != 7 {
		t.Fatalf("NewReader: %v %d", err, len(docs))
	}
	r.Close()
}
