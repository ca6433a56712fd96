package item

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// readCSV reads CSV or TSV with a header row naming the fields. Values are
// strings. Positions are the lines where records start (the header is line
// 1); blank lines are skipped and do not count as records. It returns the
// header record's bytes (see File.Header); each item's Raw is its record's.
func readCSV(r io.Reader, comma rune, lazyQuotes bool, b *builder) ([]byte, error) {
	kind := "CSV"
	if comma == '\t' {
		kind = "TSV"
	}
	in := &recorder{r: r}
	cr := csv.NewReader(in)
	cr.Comma = comma
	cr.LazyQuotes = lazyQuotes
	cr.FieldsPerRecord = -1 // checked below, with a clearer message

	parseErr := func(err error) error {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return b.errorf(pos{"line", pe.Line}, "invalid %s at column %d: %v", kind, pe.Column, pe.Err)
		}
		return fmt.Errorf("%s: %w", b.file, err)
	}

	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty %s file: expected a header row naming the fields", b.file, kind)
	}
	if err != nil {
		return nil, parseErr(err)
	}
	headerRaw := bytes.TrimPrefix(in.take(cr.InputOffset()), utf8BOM)
	headerLine, _ := cr.FieldPos(0)
	col := make(map[string]int, len(header))
	for i, name := range header {
		if i == 0 {
			name = strings.TrimPrefix(name, "\ufeff")
		}
		name = strings.TrimSpace(name)
		header[i] = name
		if !utf8.ValidString(name) {
			return nil, b.errorf(pos{"line", headerLine}, "invalid UTF-8 in header column %d", i+1)
		}
		if name == "" {
			continue
		}
		if j, dup := col[name]; dup {
			return nil, b.errorf(pos{"line", headerLine}, "header names column %q twice (columns %d and %d)", name, j+1, i+1)
		}
		col[name] = i
	}

	for !b.full() {
		rec, err := cr.Read()
		if err == io.EOF {
			return headerRaw, nil
		}
		if err != nil {
			return nil, parseErr(err)
		}
		raw := in.take(cr.InputOffset())
		line, _ := cr.FieldPos(0)
		p := pos{"line", line}
		if len(rec) != len(header) {
			return nil, b.errorf(p, "%d columns, but the header (line %d) has %d", len(rec), headerLine, len(header))
		}
		fields := make(map[string]any, len(col))
		for name, i := range col {
			if !utf8.ValidString(rec[i]) {
				l, _ := cr.FieldPos(i)
				return nil, b.errorf(pos{"line", l}, "invalid UTF-8 in column %q", name)
			}
			fields[name] = rec[i]
		}
		if err := b.add(p, fields, raw); err != nil {
			return nil, err
		}
	}
	return headerRaw, nil
}

// recorder keeps the bytes read through it that the CSV reader has not yet
// consumed, so that each record's bytes can be cut out by input offset. It
// holds at most the reader's read-ahead plus about one record.
type recorder struct {
	r    io.Reader
	buf  []byte // input bytes from offset base on
	base int64
}

func (t *recorder) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// take returns a copy of the record that ends at input offset end and
// begins where the previous one ended: without the blank lines the CSV
// reader skipped before it and without its line terminator ("\n", "\r\n",
// or a final "\r" that encoding/csv drops at the end of the input). It
// forgets the bytes before end.
func (t *recorder) take(end int64) []byte {
	n := int(end - t.base)
	rec := t.buf[:n]
	for {
		if r, ok := bytes.CutPrefix(rec, []byte("\n")); ok {
			rec = r
		} else if r, ok := bytes.CutPrefix(rec, []byte("\r\n")); ok {
			rec = r
		} else {
			break
		}
	}
	// A "\r" before the "\n", or last in the input, ends the record too.
	rec = bytes.TrimSuffix(bytes.TrimSuffix(rec, []byte("\n")), []byte("\r"))
	out := bytes.Clone(rec)
	// Dropping the front shrinks the capacity left, so Read's append soon
	// moves the live bytes to a new array: amortized linear, and bounded.
	t.buf = t.buf[n:]
	t.base = end
	return out
}
