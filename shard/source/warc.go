package source

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	gowarc "github.com/nlnwa/gowarc/v3"
)

// WARC and WET files (.warc, .warc.gz, .wet, .wet.gz, .warc.wet.gz) are read
// with github.com/nlnwa/gowarc. Compression is per record, as the WARC
// standard asks: each record may be its own gzip member (what crawlers and
// Common Crawl write), and plain and gzipped records may even be mixed. A
// file gzipped as one single member holding several records is not
// supported (the library reads the first record of a member only); zstd and
// the other formats are refused with ErrUnsupported.
//
// Documents:
//
//   - a "response" record whose HTTP payload has a text/* Content-Type (or
//     a "resource" record whose Content-Type is text/*): Text is the HTTP
//     payload (the body after the HTTP headers), as stored: no
//     Content-Encoding or charset conversion is done, so a body that is not
//     UTF-8 is ErrBadUTF8;
//   - a "conversion" record (WET plain text): Text is the record block.
//
// Every other record (warcinfo, request, metadata, revisit, responses with a
// non-text payload, ...) is skipped silently. Doc.ID is the WARC-Record-ID
// (e.g. "<urn:uuid:...>"; Options.IDField is not used; a record without one
// gets "<file base name>:<record number>"), Doc.Meta always holds "url"
// (WARC-Target-URI) and "date" (WARC-Date, as written) when the record has
// them (Options.MetaFields is not used). Doc.Line is the 1-based number of
// the record in the file, counting every record (skipped types included),
// and Doc.Offset is the byte offset of the record in the file as stored, that
// is the start of its gzip member in a compressed file. Errors use the same
// numbers: a bad record's *Error has Line = record number and Offset = its
// offset; a truncated or corrupt file (bad gzip member, broken WARC header,
// short block) is a sticky *Error wrapping ErrCorrupt with Line = the last
// good record and Offset = the offset of the record that could not be read.
// Options.MaxDocBytes caps the text of one document (ErrTooLong).
// A record's block is buffered by the library (in memory up to 1 MiB, then
// in a temporary file).

// warcReader implements Reader for WARC and WET files.
type warcReader struct {
	name string
	base string
	opt  Options
	max  int64

	file  *os.File // closed by Close; nil for NewReader
	count countingReader
	wf    *gowarc.WarcFileReader

	n   int64 // records read
	err error // sticky stream error or errClosed

	buf []byte
	doc Doc
}

// isWARCName tells whether name is a WARC or WET file by its suffixes.
func isWARCName(name string) bool {
	n := strings.ToLower(filepath.Base(name))
	n = strings.TrimSuffix(n, ".gz")
	return strings.HasSuffix(n, ".warc") || strings.HasSuffix(n, ".wet")
}

func newWARCReader(rd io.Reader, name string, opt Options) (*warcReader, error) {
	opt = opt.withDefaults()
	r := &warcReader{
		name: name,
		base: filepath.Base(name),
		opt:  opt,
		max:  opt.MaxDocBytes,
	}
	r.count.r = rd
	raw := bufio.NewReaderSize(&r.count, rawBufSize)
	magic, err := raw.Peek(32)
	if err != nil && err != io.EOF {
		return nil, &Error{File: name, Err: &streamError{cause: err}}
	}
	if kind := compression(magic); kind != "" && kind != "gzip" {
		return nil, &Error{File: name, Err: &streamError{kind: ErrUnsupported,
			cause: fmt.Errorf("%s stream (WARC files are read plain or gzipped per record)", kind)}}
	}
	wf, err := gowarc.NewWarcFileReaderFromStream(raw, 0,
		gowarc.WithSyntaxErrorPolicy(gowarc.ErrWarn),
		gowarc.WithSpecViolationPolicy(gowarc.ErrWarn),
		gowarc.WithUnknownRecordTypePolicy(gowarc.ErrIgnore),
		gowarc.WithBufferMaxMemBytes(1<<20))
	if err != nil {
		return nil, &Error{File: name, Err: &streamError{cause: err}}
	}
	r.wf = wf
	r.doc.Meta = make(map[string]string, 2)
	return r, nil
}

// Progress implements Reader.
func (r *warcReader) Progress() int64 { return r.count.n.Load() }

// Close implements Reader.
func (r *warcReader) Close() error {
	if r.err == errClosed {
		return nil
	}
	r.err = errClosed
	var err error
	if r.wf != nil {
		// The stream given to the library is a *bufio.Reader, which it
		// does not close; the file is closed below.
		err = r.wf.Close()
		r.wf = nil
	}
	if r.file != nil {
		if cerr := r.file.Close(); err == nil {
			err = cerr
		}
		r.file = nil
	}
	r.buf = nil
	return err
}

// Next implements Reader.
func (r *warcReader) Next() (*Doc, error) {
	for {
		if r.err != nil {
			return nil, r.err
		}
		rec, err := r.wf.Next()
		if err == io.EOF && rec.WarcRecord == nil {
			return nil, io.EOF
		}
		if err == nil {
			err = fatalValidation(rec.Validation)
		}
		if err != nil {
			if rec.WarcRecord != nil {
				rec.Close()
			}
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			r.err = &Error{File: r.name, Line: r.n, Offset: rec.Offset,
				Err: &streamError{kind: ErrCorrupt, cause: err}}
			return nil, r.err
		}
		r.n++
		ok, err := r.record(rec.WarcRecord, rec.Offset)
		rec.Close()
		if err == nil {
			if ok {
				return &r.doc, nil
			}
			continue
		}
		var re *recordError
		if !errors.As(err, &re) {
			r.err = &Error{File: r.name, Line: r.n - 1, Offset: rec.Offset,
				Err: &streamError{kind: ErrCorrupt, cause: err}}
			return nil, r.err
		}
		if !r.opt.SkipBad {
			return nil, &Error{File: r.name, Line: r.n, Offset: rec.Offset, Err: err}
		}
		if r.opt.OnSkip != nil {
			r.opt.OnSkip(Skip{File: r.name, Line: r.n, Offset: rec.Offset, Reason: err})
		}
	}
}

// fatalValidation picks, among the library's non-fatal findings, those
// that mean the bytes are damaged: a wrong digest or content length.
func fatalValidation(v []error) error {
	for _, e := range v {
		var de *gowarc.DigestError
		var ce *gowarc.ContentLengthError
		if errors.As(e, &de) || errors.As(e, &ce) {
			return e
		}
	}
	return nil
}

// record fills r.doc from rec. It returns false for a record that is not a
// document. A *recordError is a bad record; any other error is a read
// failure of the (cached) block.
func (r *warcReader) record(rec gowarc.WarcRecord, off int64) (bool, error) {
	var body io.Reader
	var err error
	h := rec.WarcHeader()
	switch rec.Type() {
	case gowarc.Response:
		hb, ok := rec.Block().(gowarc.HttpResponseBlock)
		if !ok || hb.HttpHeader() == nil || !isTextType(hb.HttpHeader().Get("Content-Type")) {
			return false, nil
		}
		body, err = hb.PayloadBytes()
	case gowarc.Resource:
		if !isTextType(h.Get(gowarc.ContentType)) {
			return false, nil
		}
		body, err = rec.Block().RawBytes()
	case gowarc.Conversion:
		body, err = rec.Block().RawBytes()
	default:
		return false, nil
	}
	if err != nil {
		return false, err
	}
	r.buf = r.buf[:0]
	lr := &io.LimitedReader{R: body, N: r.max + 1}
	for {
		if len(r.buf) == cap(r.buf) {
			r.buf = append(r.buf, 0)[:len(r.buf)]
		}
		n, err := lr.Read(r.buf[len(r.buf):cap(r.buf)])
		r.buf = r.buf[:len(r.buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return false, err
		}
	}
	switch {
	case int64(len(r.buf)) > r.max:
		return false, &recordError{kind: ErrTooLong, detail: fmt.Sprintf("longer than MaxDocBytes (%d bytes)", r.max)}
	case !utf8.Valid(r.buf):
		return false, &recordError{kind: ErrBadUTF8, detail: "in record payload"}
	}
	d := &r.doc
	d.Text = r.buf
	d.File, d.Line, d.Offset = r.name, r.n, off
	d.ID = h.Get(gowarc.WarcRecordID)
	if d.ID == "" {
		d.ID = fmt.Sprintf("%s:%d", r.base, r.n)
	}
	clear(d.Meta)
	for k, f := range map[string]string{"url": gowarc.WarcTargetURI, "date": gowarc.WarcDate} {
		if v := h.Get(f); v != "" {
			if !utf8.ValidString(v) {
				return false, &recordError{kind: ErrBadUTF8, detail: "in header " + f}
			}
			d.Meta[k] = v
		}
	}
	return true, nil
}

// isTextType tells whether a Content-Type is text/*.
func isTextType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(ct))
	}
	return strings.HasPrefix(mt, "text/")
}
