package source

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
)

// Parquet files (.parquet, e.g. FineWeb shards) are read with
// github.com/parquet-go/parquet-go, one row group after the other and a
// small batch of rows at a time, so memory is bounded by the pages of one
// row group's columns, never the whole file. Parquet needs random access:
// Open reads the file directly, and NewReader accepts only an input that is
// an io.ReaderAt and io.Seeker (an *os.File); a pipe is refused with
// ErrUnsupported. Parquet compresses its pages itself, so a gzip or zstd
// wrapped .parquet.gz is not a format (and is not recognised by name).
//
// Columns are top-level leaf columns found by name. Options.TextField
// ("" means "text") must be a non-repeated BYTE_ARRAY (string) column:
// a missing or non-string text column is reported by Open as an *Error
// wrapping ErrNoText. Doc.ID is the value of the Options.IDField column
// (strings as they are, numbers as decimal text); when that is "", the
// column is missing or the value is null or empty it is
// "<file base name>:<row>". Options.MetaFields columns go to Doc.Meta as
// strings (null or missing columns are absent). Doc.Line is the 1-based row
// number in the file (across row groups) and Doc.Offset is 0. A row whose
// text is null is ErrNoText, one whose text, id or meta string is not valid
// UTF-8 is ErrBadUTF8, a text over MaxDocBytes is ErrTooLong: an *Error with
// Line = row (or, with SkipBad, a Skip). A file that cannot be decoded
// (bad footer, corrupt page) is a sticky *Error wrapping ErrCorrupt.

// parquetBatch is the number of rows read at once.
const parquetBatch = 64

// countingReaderAt counts the bytes read for Progress.
type countingReaderAt struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

type parquetReader struct {
	name string
	base string
	opt  Options
	max  int64

	file  *os.File // closed by Close; nil for NewReader
	count countingReaderAt
	pf    *parquet.File

	textCol, idCol int
	metaCols       []int // -1: column missing

	rg    int           // next row group to open
	rows  parquet.Rows  // the current row group's rows; nil between groups
	batch []parquet.Row // rows read, batch[next:] not yet returned
	next  int
	row   int64 // rows returned or skipped so far
	err   error // sticky
	// pending is a row group reader's error met with rows still to return.
	pending error

	doc Doc
}

func isParquetName(name string) bool {
	return strings.HasSuffix(strings.ToLower(name), ".parquet")
}

// newParquetReader opens rd (size bytes) as a Parquet file.
func newParquetReader(rd io.ReaderAt, size int64, name string, opt Options) (*parquetReader, error) {
	opt = opt.withDefaults()
	r := &parquetReader{
		name: name,
		base: filepath.Base(name),
		opt:  opt,
		max:  opt.MaxDocBytes,
	}
	r.count.r = rd
	pf, err := parquet.OpenFile(&r.count, size)
	if err != nil {
		return nil, &Error{File: name, Err: &streamError{kind: ErrCorrupt, cause: err}}
	}
	r.pf = pf
	schema := pf.Schema()
	leaf, ok := schema.Lookup(opt.TextField)
	switch {
	case !ok:
		return nil, &Error{File: name, Err: &recordError{kind: ErrNoText, detail: fmt.Sprintf("no column %q", opt.TextField)}}
	case leaf.Node.Type().Kind() != parquet.ByteArray || leaf.MaxRepetitionLevel > 0:
		return nil, &Error{File: name, Err: &recordError{kind: ErrNoText,
			detail: fmt.Sprintf("column %q is %s, not a string", opt.TextField, leaf.Node.Type())}}
	}
	r.textCol = leaf.ColumnIndex
	r.idCol = -1
	if opt.IDField != "" {
		if leaf, ok := schema.Lookup(opt.IDField); ok && leaf.MaxRepetitionLevel == 0 {
			r.idCol = leaf.ColumnIndex
		}
	}
	for _, m := range opt.MetaFields {
		c := -1
		if leaf, ok := schema.Lookup(m); ok && leaf.MaxRepetitionLevel == 0 {
			c = leaf.ColumnIndex
		}
		r.metaCols = append(r.metaCols, c)
	}
	if len(opt.MetaFields) > 0 {
		r.doc.Meta = make(map[string]string, len(opt.MetaFields))
	}
	r.batch = make([]parquet.Row, 0, parquetBatch)
	return r, nil
}

// Progress implements Reader.
func (r *parquetReader) Progress() int64 { return r.count.n.Load() }

// Close implements Reader.
func (r *parquetReader) Close() error {
	if r.err == errClosed {
		return nil
	}
	r.err = errClosed
	var err error
	if r.rows != nil {
		err = r.rows.Close()
		r.rows = nil
	}
	if r.file != nil {
		if cerr := r.file.Close(); err == nil {
			err = cerr
		}
		r.file = nil
	}
	r.batch = nil
	return err
}

// fill reads the next batch of rows, opening row groups as needed. It
// returns io.EOF after the last row.
func (r *parquetReader) fill() (err error) {
	defer func() {
		// The decoder may panic on damaged pages rather than fail.
		if p := recover(); p != nil {
			r.rows = nil
			err = fmt.Errorf("decoding row group %d: %v", r.rg, p)
		}
	}()
	groups := r.pf.RowGroups()
	for {
		if r.pending != nil {
			return r.pending
		}
		if r.rows == nil {
			if r.rg >= len(groups) {
				return io.EOF
			}
			r.rows = groups[r.rg].Rows()
			r.rg++
		}
		r.batch = r.batch[:cap(r.batch)]
		for i := range r.batch {
			r.batch[i] = r.batch[i][:0]
		}
		n, err := r.rows.ReadRows(r.batch)
		r.batch = r.batch[:n]
		r.next = 0
		if err != nil {
			cerr := r.rows.Close()
			r.rows = nil
			if err == io.EOF {
				err = cerr
			}
			r.pending = err // returned once the good rows are out
		}
		if n > 0 {
			return nil
		}
	}
}

// Next implements Reader.
func (r *parquetReader) Next() (*Doc, error) {
	for {
		if r.err != nil {
			return nil, r.err
		}
		if r.next >= len(r.batch) {
			if err := r.fill(); err != nil {
				if err == io.EOF {
					r.batch = r.batch[:0]
					return nil, io.EOF
				}
				r.err = &Error{File: r.name, Line: r.row,
					Err: &streamError{kind: ErrCorrupt, cause: err}}
				return nil, r.err
			}
		}
		row := r.batch[r.next]
		r.next++
		r.row++
		err := r.record(row)
		if err == nil {
			return &r.doc, nil
		}
		if !r.opt.SkipBad {
			return nil, &Error{File: r.name, Line: r.row, Err: err}
		}
		if r.opt.OnSkip != nil {
			r.opt.OnSkip(Skip{File: r.name, Line: r.row, Reason: err})
		}
	}
}

// column returns the value of leaf column c in row (a null value when
// absent).
func column(row parquet.Row, c int) parquet.Value {
	if c < len(row) && row[c].Column() == c {
		return row[c] // flat schema: values are in column order
	}
	for _, v := range row {
		if v.Column() == c {
			return v
		}
	}
	return parquet.Value{}
}

// valueString renders a non-null value: byte arrays as they are, others as
// their text.
func valueString(v parquet.Value) []byte {
	switch v.Kind() {
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return v.ByteArray()
	}
	return []byte(v.String())
}

// record fills r.doc from one row, or returns a *recordError.
func (r *parquetReader) record(row parquet.Row) error {
	d := &r.doc
	d.File, d.Line, d.Offset = r.name, r.row, 0
	tv := column(row, r.textCol)
	if tv.IsNull() {
		return &recordError{kind: ErrNoText, detail: fmt.Sprintf("column %q is null", r.opt.TextField)}
	}
	text := tv.ByteArray()
	switch {
	case int64(len(text)) > r.max:
		return &recordError{kind: ErrTooLong, detail: fmt.Sprintf("longer than MaxDocBytes (%d bytes)", r.max)}
	case !utf8.Valid(text):
		return &recordError{kind: ErrBadUTF8, detail: fmt.Sprintf("in column %q", r.opt.TextField)}
	}
	d.Text = text

	d.ID = ""
	if r.idCol >= 0 {
		if v := column(row, r.idCol); !v.IsNull() {
			id := valueString(v)
			if !utf8.Valid(id) {
				return &recordError{kind: ErrBadUTF8, detail: fmt.Sprintf("in column %q", r.opt.IDField)}
			}
			d.ID = string(id)
		}
	}
	if d.ID == "" {
		d.ID = r.base + ":" + strconv.FormatInt(r.row, 10)
	}
	if d.Meta != nil {
		clear(d.Meta)
		for i, c := range r.metaCols {
			if c < 0 {
				continue
			}
			v := column(row, c)
			if v.IsNull() {
				continue
			}
			s := valueString(v)
			if !utf8.Valid(s) {
				return &recordError{kind: ErrBadUTF8, detail: fmt.Sprintf("in column %q", r.opt.MetaFields[i])}
			}
			d.Meta[r.opt.MetaFields[i]] = string(s)
		}
	}
	return nil
}

// openParquet opens a Parquet corpus from rd, which must allow random
// access.
func openParquet(rd io.Reader, name string, opt Options) (*parquetReader, error) {
	ra, ok := rd.(io.ReaderAt)
	sk, ok2 := rd.(io.Seeker)
	if !ok || !ok2 {
		return nil, &Error{File: name, Err: &streamError{kind: ErrUnsupported,
			cause: errors.New("a Parquet file needs random access (give a file, not a stream)")}}
	}
	size, err := sk.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, &Error{File: name, Err: &streamError{cause: err}}
	}
	return newParquetReader(ra, size, name, opt)
}
