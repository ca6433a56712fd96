package item

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// readCSV reads CSV or TSV with a header row naming the fields. Values are
// strings. Positions are the lines where records start (the header is line
// 1); blank lines are skipped and do not count as records.
func readCSV(r io.Reader, comma rune, lazyQuotes bool, b *builder) error {
	kind := "CSV"
	if comma == '\t' {
		kind = "TSV"
	}
	cr := csv.NewReader(r)
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
		return fmt.Errorf("%s: empty %s file: expected a header row naming the fields", b.file, kind)
	}
	if err != nil {
		return parseErr(err)
	}
	headerLine, _ := cr.FieldPos(0)
	col := make(map[string]int, len(header))
	for i, name := range header {
		if i == 0 {
			name = strings.TrimPrefix(name, "\ufeff")
		}
		name = strings.TrimSpace(name)
		header[i] = name
		if !utf8.ValidString(name) {
			return b.errorf(pos{"line", headerLine}, "invalid UTF-8 in header column %d", i+1)
		}
		if name == "" {
			continue
		}
		if j, dup := col[name]; dup {
			return b.errorf(pos{"line", headerLine}, "header names column %q twice (columns %d and %d)", name, j+1, i+1)
		}
		col[name] = i
	}

	for !b.full() {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return parseErr(err)
		}
		line, _ := cr.FieldPos(0)
		p := pos{"line", line}
		if len(rec) != len(header) {
			return b.errorf(p, "%d columns, but the header (line %d) has %d", len(rec), headerLine, len(header))
		}
		fields := make(map[string]any, len(col))
		for name, i := range col {
			if !utf8.ValidString(rec[i]) {
				l, _ := cr.FieldPos(i)
				return b.errorf(pos{"line", l}, "invalid UTF-8 in column %q", name)
			}
			fields[name] = rec[i]
		}
		if err := b.add(p, fields); err != nil {
			return err
		}
	}
	return nil
}
