package source

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

const (
	// defaultBufSize is the size of the line buffer: lines up to this long
	// are parsed in place without copying.
	defaultBufSize = 256 << 10
	// rawBufSize is the buffer between the file and a decompressor.
	rawBufSize = 64 << 10
	// zstdMaxWindow bounds the memory a zstd stream may demand. 128 MiB is
	// what the reference zstd CLI decodes without --long/--memory.
	zstdMaxWindow = 128 << 20
	// sniffLimit is how far sniffing looks for the first non-whitespace byte.
	sniffLimit = 64 << 10
)

type format int

const (
	formatSniff format = iota
	formatJSONL
	formatText
)

var errClosed = errors.New("source: reader closed")

// zstdPool keeps zstd decoders between files: a decoder's window buffer
// (several MiB) is most of the cost of opening a small file. With
// concurrency 1 a decoder runs no goroutines, so one the pool drops needs
// no Close.
var zstdPool sync.Pool

func getZstd(rd io.Reader) (*zstd.Decoder, error) {
	if d, ok := zstdPool.Get().(*zstd.Decoder); ok {
		if err := d.Reset(rd); err == nil {
			return d, nil
		}
		d.Close()
	}
	d, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1), // decode in the caller's goroutine
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(zstdMaxWindow),
		zstd.WithDecoderMaxMemory(zstdMaxWindow))
	if err != nil {
		return nil, err
	}
	if err := d.Reset(rd); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func putZstd(d *zstd.Decoder) {
	if d.Reset(nil) == nil { // drops the reference to the input
		zstdPool.Put(d)
	}
}

// countingReader counts the bytes read from the underlying file.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

type reader struct {
	name string
	base string
	opt  Options
	max  int64

	file    *os.File // closed by Close; nil for NewReader
	count   countingReader
	gz      *gzip.Reader
	zd      *zstd.Decoder
	br      *bufio.Reader // the uncompressed stream
	format  format
	decoder string // "gzip", "zstd" or "" (for messages)

	off  int64 // uncompressed offset of the next unread byte
	line int64 // lines completely consumed
	eof  bool  // br reported io.EOF
	err  error // sticky stream error (or errClosed)

	// An over-long line whose rest has not been read yet.
	discarding bool

	lineBuf  []byte // assembles lines longer than br's buffer; holds text docs
	idBuf    []byte
	textDone bool // the text document was returned (formatText)

	p   parser
	doc Doc
	// key indexes into p.keys
	textKey, idKey int
	metaKeys       []int
}

func newReader(rd io.Reader, name string, opt Options, bufSize int) (*reader, error) {
	opt = opt.withDefaults()
	r := &reader{
		name: name,
		base: filepath.Base(name),
		opt:  opt,
		max:  opt.MaxDocBytes,
	}
	r.count.r = rd
	r.setupKeys()

	raw := bufio.NewReaderSize(&r.count, rawBufSize)
	magic, err := raw.Peek(32)
	if err != nil && err != io.EOF {
		return nil, &Error{File: name, Err: &streamError{cause: err}}
	}
	switch kind := compression(magic); kind {
	case "gzip":
		r.decoder = kind
		gz, err := gzip.NewReader(raw)
		if err != nil {
			return nil, &Error{File: name, Err: r.wrapStreamErr(err)}
		}
		r.gz = gz
		r.br = bufio.NewReaderSize(gz, bufSize)
	case "zstd":
		r.decoder = kind
		if w := zstdWindow(magic); w > zstdMaxWindow {
			return nil, &Error{File: name, Err: &streamError{kind: ErrUnsupported,
				cause: fmt.Errorf("zstd window of %d MiB is over the %d MiB limit", w>>20, zstdMaxWindow>>20)}}
		}
		zd, err := getZstd(raw)
		if err != nil {
			return nil, &Error{File: name, Err: r.wrapStreamErr(err)}
		}
		r.zd = zd
		r.br = bufio.NewReaderSize(zd, bufSize)
	case "":
		r.br = raw
		if bufSize != rawBufSize {
			// Read the file through a buffer of the line size. (Hiding
			// raw's type stops bufio from handing raw itself back; a big
			// read from an empty raw goes straight to the file.)
			r.br = bufio.NewReaderSize(struct{ io.Reader }{raw}, bufSize)
		}
	default:
		return nil, &Error{File: name, Err: &streamError{kind: ErrUnsupported, cause: fmt.Errorf("%s stream", kind)}}
	}

	r.format = formatByName(name)
	if r.format == formatSniff {
		r.format = r.sniff()
	}
	return r, nil
}

// setupKeys builds the list of distinct wanted keys: a key wanted in
// several roles is parsed (and unescaped in place) once.
func (r *reader) setupKeys() {
	idx := func(k string) int {
		for i, have := range r.p.keys {
			if have == k {
				return i
			}
		}
		r.p.keys = append(r.p.keys, k)
		return len(r.p.keys) - 1
	}
	r.textKey = idx(r.opt.TextField)
	r.idKey = -1
	if r.opt.IDField != "" {
		r.idKey = idx(r.opt.IDField)
	}
	for _, m := range r.opt.MetaFields {
		r.metaKeys = append(r.metaKeys, idx(m))
	}
	r.p.vals = make([]value, len(r.p.keys))
	if len(r.opt.MetaFields) > 0 {
		r.doc.Meta = make(map[string]string, len(r.opt.MetaFields))
	}
}

// compression names the compression of a stream starting with magic: "" for
// none, "gzip" and "zstd" for the ones read, others to refuse.
func compression(m []byte) string {
	switch {
	case len(m) >= 2 && m[0] == 0x1f && m[1] == 0x8b:
		return "gzip"
	case len(m) >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd:
		return "zstd"
	case len(m) >= 4 && m[0]&0xf0 == 0x50 && m[1] == 0x2a && m[2] == 0x4d && m[3] == 0x18:
		// A zstd skippable frame, as pzstd writes first.
		return "zstd"
	case len(m) >= 6 && bytes.Equal(m[:6], []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return "xz"
	case len(m) >= 10 && m[0] == 'B' && m[1] == 'Z' && m[2] == 'h' && m[3] >= '1' && m[3] <= '9' &&
		(bytes.Equal(m[4:10], []byte{0x31, 0x41, 0x59, 0x26, 0x53, 0x59}) || bytes.Equal(m[4:10], []byte{0x17, 0x72, 0x45, 0x38, 0x50, 0x90})):
		return "bzip2"
	case len(m) >= 4 && m[0] == 0x04 && m[1] == 0x22 && m[2] == 0x4d && m[3] == 0x18:
		return "lz4"
	}
	return ""
}

// zstdWindow returns the window size that the zstd frame header at the
// start of m declares (for a single-segment frame, its content size), or 0
// when m does not hold a whole frame header.
func zstdWindow(m []byte) uint64 {
	if len(m) < 6 || m[0] != 0x28 || m[1] != 0xb5 || m[2] != 0x2f || m[3] != 0xfd {
		return 0
	}
	fhd := m[4]
	if fhd&(1<<5) == 0 { // Window_Descriptor follows
		exp, mant := uint64(m[5]>>3), uint64(m[5]&7)
		base := uint64(1) << (10 + exp)
		return base + base/8*mant
	}
	// Single segment: the window is the Frame_Content_Size.
	i := 5 + [4]int{0, 1, 2, 4}[fhd&3]
	switch fhd >> 6 {
	case 0:
		if i < len(m) {
			return uint64(m[i])
		}
	case 1:
		if i+2 <= len(m) {
			return uint64(binary.LittleEndian.Uint16(m[i:])) + 256
		}
	case 2:
		if i+4 <= len(m) {
			return uint64(binary.LittleEndian.Uint32(m[i:]))
		}
	case 3:
		if i+8 <= len(m) {
			return binary.LittleEndian.Uint64(m[i:])
		}
	}
	return 0
}

// formatByName decides the record format from the name with compression
// suffixes stripped.
func formatByName(name string) format {
	base := strings.ToLower(filepath.Base(name))
	for {
		ext := filepath.Ext(base)
		if ext == ".gz" || ext == ".zst" || ext == ".zstd" {
			base = strings.TrimSuffix(base, ext)
			continue
		}
		switch ext {
		case ".jsonl", ".json", ".ndjson":
			return formatJSONL
		case ".txt":
			return formatText
		}
		return formatSniff
	}
}

// sniff decides between JSON Lines and text by the first non-whitespace
// byte. A read error met here leaves the stream at its start (everything
// before it was whitespace), so it is made sticky at once.
func (r *reader) sniff() format {
	i := 0
	for i < sniffLimit {
		b, err := r.br.Peek(i + 1)
		if len(b) <= i {
			if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
				r.err = r.streamFailure(err)
			}
			return formatText
		}
		if i == 0 && len(b) >= 1 && b[0] == 0xef {
			if bom, _ := r.br.Peek(3); bytes.HasPrefix(bom, utf8BOM) {
				i = 3
				continue
			}
		}
		switch b[i] {
		case ' ', '\t', '\r', '\n':
			i++
			continue
		case '{':
			return formatJSONL
		}
		return formatText
	}
	return formatText
}

var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// Progress implements Reader.
func (r *reader) Progress() int64 { return r.count.n.Load() }

// Close implements Reader.
func (r *reader) Close() error {
	if r.err == errClosed {
		return nil
	}
	r.err = errClosed
	var err error
	if r.gz != nil {
		err = r.gz.Close()
		r.gz = nil
	}
	if r.zd != nil {
		putZstd(r.zd)
		r.zd = nil
	}
	if r.file != nil {
		if cerr := r.file.Close(); err == nil {
			err = cerr
		}
		r.file = nil
	}
	r.lineBuf = nil
	return err
}

// Next implements Reader.
func (r *reader) Next() (*Doc, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.format == formatText {
		return r.nextText()
	}
	for {
		if r.discarding {
			if err := r.discardLine(); err != nil {
				return nil, err
			}
		}
		lineNo, off := r.line+1, r.off
		line, err := r.readLine()
		if err == io.EOF {
			return nil, io.EOF
		}
		if err == nil {
			if lineNo == 1 && bytes.HasPrefix(line, utf8BOM) {
				line = line[3:]
			}
			if isBlank(line) {
				continue
			}
			err = r.record(line, lineNo, off)
			if err == nil {
				return &r.doc, nil
			}
		}
		var re *recordError
		if !errors.As(err, &re) {
			return nil, err // stream error, already sticky
		}
		if !r.opt.SkipBad {
			return nil, &Error{File: r.name, Line: lineNo, Offset: off, Err: err}
		}
		if r.opt.OnSkip != nil {
			r.opt.OnSkip(Skip{File: r.name, Line: lineNo, Offset: off, Reason: err})
		}
	}
}

// readLine returns the next line without its '\n'. The slice aliases br's
// buffer or r.lineBuf and is valid until the next read. An over-long line is
// a *recordError wrapping ErrTooLong; the rest of it is left for
// discardLine. A stream error is returned as a sticky *Error.
func (r *reader) readLine() ([]byte, error) {
	if r.eof {
		return nil, io.EOF
	}
	acc := false // part of the line is in r.lineBuf
	r.lineBuf = r.lineBuf[:0]
	for {
		s, err := r.br.ReadSlice('\n')
		r.off += int64(len(s))
		switch err {
		case nil:
			s = s[:len(s)-1]
			r.line++
			if int64(len(r.lineBuf))+int64(len(s)) > r.max {
				return nil, r.tooLong()
			}
			if !acc {
				return s, nil
			}
			r.lineBuf = append(r.lineBuf, s...)
			return r.lineBuf, nil
		case bufio.ErrBufferFull:
			if int64(len(r.lineBuf))+int64(len(s)) > r.max {
				r.discarding = true
				return nil, r.tooLong()
			}
			r.growLineBuf(len(s))
			r.lineBuf = append(r.lineBuf, s...)
			acc = true
		case io.EOF:
			r.eof = true
			if len(s) == 0 && !acc {
				return nil, io.EOF
			}
			// A last line without '\n'.
			r.line++
			if int64(len(r.lineBuf))+int64(len(s)) > r.max {
				return nil, r.tooLong()
			}
			if !acc {
				return s, nil
			}
			r.lineBuf = append(r.lineBuf, s...)
			return r.lineBuf, nil
		default:
			r.err = r.streamFailure(err)
			return nil, r.err
		}
	}
}

// growLineBuf makes room for n more bytes, doubling (never past r.max) so
// that assembling a long line costs O(length) in total.
func (r *reader) growLineBuf(n int) {
	need := len(r.lineBuf) + n
	if need <= cap(r.lineBuf) {
		return
	}
	c := 2 * cap(r.lineBuf)
	if c < need {
		c = need
	}
	if int64(c) > r.max && int64(need) <= r.max {
		c = int(r.max)
	}
	nb := make([]byte, len(r.lineBuf), c)
	copy(nb, r.lineBuf)
	r.lineBuf = nb
}

func (r *reader) tooLong() error {
	return &recordError{kind: ErrTooLong, detail: fmt.Sprintf("longer than MaxDocBytes (%d bytes)", r.max)}
}

// discardLine reads and drops the rest of an over-long line, streaming.
func (r *reader) discardLine() error {
	for {
		s, err := r.br.ReadSlice('\n')
		r.off += int64(len(s))
		switch err {
		case nil:
			r.line++
			r.discarding = false
			return nil
		case bufio.ErrBufferFull:
		case io.EOF:
			r.eof = true
			r.line++
			r.discarding = false
			return nil
		default:
			r.err = r.streamFailure(err)
			return r.err
		}
	}
}

// streamFailure turns a read error into the sticky *Error: ErrCorrupt for
// a decompressor's complaint, a plain read error for the file's.
func (r *reader) streamFailure(err error) error {
	return &Error{File: r.name, Line: r.line, Offset: r.off, Err: r.wrapStreamErr(err)}
}

func (r *reader) wrapStreamErr(err error) error {
	if r.decoder == "" {
		// Uncompressed: the error is the file's own.
		return &streamError{cause: err}
	}
	if errors.Is(err, zstd.ErrWindowSizeExceeded) || errors.Is(err, zstd.ErrDecoderSizeExceeded) {
		// The first frame's window was checked at Open, so this is a
		// corrupt block or a later frame asking for too much.
		err = fmt.Errorf("%w (corrupt, or a frame needing over %d MiB)", err, zstdMaxWindow>>20)
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return &streamError{kind: ErrCorrupt, cause: err}
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// record parses one JSON line into r.doc, or returns a *recordError.
func (r *reader) record(line []byte, lineNo, off int64) error {
	if err := r.p.parse(line); err != nil {
		return &recordError{kind: ErrBadJSON, cause: err}
	}
	d := &r.doc
	d.File, d.Line, d.Offset = r.name, lineNo, off

	tv := &r.p.vals[r.textKey]
	if tv.kind != kindString {
		what := "missing"
		if tv.kind != kindNone {
			what = "a JSON " + tv.kind.String() + ", not a string"
		}
		return &recordError{kind: ErrNoText, detail: fmt.Sprintf("field %q is %s", r.opt.TextField, what)}
	}
	text, ok := r.p.str(line, r.textKey)
	if !ok {
		return &recordError{kind: ErrBadUTF8, detail: fmt.Sprintf("in field %q", r.opt.TextField)}
	}
	d.Text = text

	d.ID = ""
	if r.idKey >= 0 {
		switch v := &r.p.vals[r.idKey]; v.kind {
		case kindString:
			id, ok := r.p.str(line, r.idKey)
			if !ok {
				return &recordError{kind: ErrBadUTF8, detail: fmt.Sprintf("in field %q", r.opt.IDField)}
			}
			d.ID = string(id)
		case kindNumber:
			d.ID = string(line[v.start:v.end])
		}
	}
	if d.ID == "" {
		r.idBuf = append(append(append(r.idBuf[:0], r.base...), ':'), strconv.FormatInt(lineNo, 10)...)
		d.ID = string(r.idBuf)
	}

	if d.Meta != nil {
		clear(d.Meta)
		for i, k := range r.metaKeys {
			v := &r.p.vals[k]
			var s []byte
			switch v.kind {
			case kindNone, kindNull:
				continue
			case kindString:
				var ok bool
				if s, ok = r.p.str(line, k); !ok {
					return &recordError{kind: ErrBadUTF8, detail: fmt.Sprintf("in field %q", r.opt.MetaFields[i])}
				}
			default:
				s = line[v.start:v.end]
				if !utf8.Valid(s) {
					return &recordError{kind: ErrBadUTF8, detail: fmt.Sprintf("in field %q", r.opt.MetaFields[i])}
				}
			}
			d.Meta[r.opt.MetaFields[i]] = string(s)
		}
	}
	return nil
}

// nextText returns the whole stream as one document.
func (r *reader) nextText() (*Doc, error) {
	if r.textDone {
		return nil, io.EOF
	}
	r.textDone = true
	buf := r.lineBuf[:0]
	for {
		if len(buf) == cap(buf) {
			c := 2 * cap(buf)
			if c < 64<<10 {
				c = 64 << 10
			}
			if int64(c) > r.max+1 {
				c = int(r.max + 1) // one byte past the cap tells "too long"
			}
			if c <= len(buf) {
				break
			}
			nb := make([]byte, len(buf), c)
			copy(nb, buf)
			buf = nb
		}
		n, err := r.br.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		r.off += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			r.lineBuf = buf
			r.err = r.streamFailure(err)
			return nil, r.err
		}
	}
	r.lineBuf = buf
	var bad error
	switch {
	case int64(len(buf)) > r.max:
		bad = r.tooLong()
	case !utf8.Valid(buf):
		bad = &recordError{kind: ErrBadUTF8, detail: "in text document"}
	}
	if bad != nil {
		if !r.opt.SkipBad {
			return nil, &Error{File: r.name, Err: bad}
		}
		if r.opt.OnSkip != nil {
			r.opt.OnSkip(Skip{File: r.name, Reason: bad})
		}
		return nil, io.EOF
	}
	r.doc = Doc{Text: buf, ID: r.base, File: r.name}
	return &r.doc, nil
}
