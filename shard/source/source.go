// Package source streams documents out of corpus files: JSON Lines and plain
// text, uncompressed, gzip or zstd, with bounded memory.
//
// # Formats
//
// Compression is detected from the content, never from the name: a stream
// starting with the gzip magic (1f 8b) is gunzipped (multi-member files
// work), one starting with a zstd frame or skippable-frame magic is
// decompressed with zstd (multi-frame files work), anything else is read as
// is. xz, bzip2 and lz4 streams are recognised and refused with
// ErrUnsupported rather than read as garbage.
//
// The record format comes from the name with any compression suffixes
// (.gz, .zst, .zstd; case-insensitive) stripped:
//
//   - .jsonl, .json, .ndjson: JSON Lines. Every line is one JSON object;
//     lines holding only JSON whitespace are skipped; CRLF line ends are
//     accepted (the CR is JSON whitespace); a UTF-8 byte order mark at the
//     very start of the stream is ignored. A .json file must be JSON Lines
//     too: a pretty-printed array is reported as invalid.
//   - .txt: the whole decompressed file is one document, even when empty.
//   - .warc, .wet (plain or .gz, e.g. .warc.gz, .warc.wet.gz): WARC/WET,
//     one document per text response or conversion record; see warc.go.
//   - .parquet: Parquet, one document per row; see parquet.go.
//   - anything else: the first non-whitespace byte (after an optional UTF-8
//     byte order mark, within the first 64 KiB) of the decompressed stream
//     decides: '{' means JSON Lines, anything else (including an empty or
//     all-whitespace stream) means one text document.
//
// # Validation
//
// A JSON Lines record must be one valid JSON object (exactly the inputs
// encoding/json accepts, including its nesting limit of 10000) whose text
// field is a string of valid UTF-8; its text is unescaped with
// encoding/json's rules (\uXXXX, surrogate pairs, lone surrogates become
// U+FFFD). A text document must be valid UTF-8 too: the tool never indexes
// undecodable bytes silently. A bad record is an *Error wrapping ErrBadJSON,
// ErrNoText, ErrBadUTF8 or ErrTooLong, or, with Options.SkipBad, is reported
// to Options.OnSkip and skipped. A corrupt or truncated compressed stream is
// always an *Error wrapping ErrCorrupt, never a silent short read.
//
// # Memory
//
// Lines are read with a bounded buffer. A record longer than
// Options.MaxDocBytes is detected while it is read and never held whole;
// the reader holds at most about twice MaxDocBytes plus a few hundred KiB
// of buffers. A text document is held whole (it is the document), up to
// MaxDocBytes.
package source

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// DefaultMaxDocBytes is the default cap on one JSON Lines record (the line,
// without its newline) and on one text document.
const DefaultMaxDocBytes = 64 << 20

// Doc is one corpus document.
//
// Ownership: the *Doc returned by Next, its Text and its Meta map belong to
// the Reader and are overwritten by the next call to Next (Text aliases the
// Reader's line buffer, Meta is cleared and refilled). A caller that keeps
// them copies them (bytes.Clone, maps.Clone). The strings (ID, File, the
// keys and values of Meta) are ordinary immutable Go strings and may be
// kept as they are.
type Doc struct {
	// Text is the document text exactly as in the dump: the JSON string
	// unescaped, or the raw bytes of a text file. Always valid UTF-8.
	Text []byte
	// ID is the value of the ID field when it is a non-empty string or a
	// number (a number as its JSON text, e.g. "1e3"); otherwise (missing,
	// null, empty string, another type, or Options.IDField == "") it is
	// "<file base name>:<line>" for JSON Lines and the file base name for a
	// text document.
	ID string
	// Meta holds the Options.MetaFields present in the record: strings
	// unescaped, numbers, true and false as their JSON text, objects and
	// arrays as their raw JSON text; null counts as absent. It is nil when
	// no MetaFields are configured and for text documents.
	Meta map[string]string
	// File is the path as given to Open (the name given to NewReader).
	File string
	// Line is the 1-based line number of the record (JSON Lines; blank lines
	// count), 0 for a text document, the 1-based record number for WARC/WET
	// and the 1-based row number for Parquet.
	Line int64
	// Offset is the byte offset of the record's line in the uncompressed
	// stream (0 for a text document and for Parquet; for WARC/WET the offset
	// of the record in the file as stored, i.e. of its gzip member).
	Offset int64
}

// Options configure a Reader. The zero value is usable; note that its
// IDField is "" (ids are always file:line): DefaultOptions sets "id".
type Options struct {
	// TextField is the key of the document text; "" means "text".
	TextField string
	// IDField is the key of the document id; "" means always use
	// "<file base name>:<line>". DefaultOptions sets "id".
	IDField string
	// MetaFields are the keys kept in Doc.Meta, e.g. []string{"url"}.
	MetaFields []string
	// MaxDocBytes caps one JSON Lines record (the line without its newline)
	// and one text document; 0 or less means DefaultMaxDocBytes. A longer
	// record is ErrTooLong.
	MaxDocBytes int64
	// SkipBad skips bad records (invalid JSON, invalid UTF-8 in the text,
	// id or meta fields, missing or non-string text field, over-long record)
	// and reports each to OnSkip instead of failing. A corrupt compressed
	// stream or an I/O error still fails: nothing after it can be trusted.
	SkipBad bool
	// OnSkip, when not nil, is called for every skipped record, from the
	// goroutine calling Next.
	OnSkip func(Skip)
}

// DefaultOptions returns the options most dumps need: text in "text", id
// in "id", DefaultMaxDocBytes, no metadata, fail on bad records.
func DefaultOptions() Options {
	return Options{TextField: "text", IDField: "id", MaxDocBytes: DefaultMaxDocBytes}
}

// Skip describes one record skipped under Options.SkipBad.
type Skip struct {
	File   string // the path as given to Open
	Line   int64  // 1-based line number (0 for a text document)
	Offset int64  // byte offset of the record in the uncompressed stream
	// Reason says why; it wraps one of ErrBadJSON, ErrNoText, ErrBadUTF8,
	// ErrTooLong (test with errors.Is).
	Reason error
}

// Sentinel errors. Errors returned by Next for bad input are *Error values
// wrapping one of these; test with errors.Is.
var (
	// ErrTooLong: a record (or text document) is longer than MaxDocBytes.
	ErrTooLong = errors.New("source: record too long")
	// ErrNoText: a record has no text field, or its value is not a string.
	ErrNoText = errors.New("source: missing or non-string text field")
	// ErrBadUTF8: the text (or id, or a meta value, or a text document) is
	// not valid UTF-8.
	ErrBadUTF8 = errors.New("source: invalid UTF-8")
	// ErrBadJSON: a line is not one valid JSON object.
	ErrBadJSON = errors.New("source: invalid JSON")
	// ErrCorrupt: the compressed stream is corrupt or truncated; the *Error
	// also wraps the decompressor's error.
	ErrCorrupt = errors.New("source: corrupt compressed stream")
	// ErrUnsupported: the content is compressed with a format this package
	// does not read (xz, bzip2, lz4), or is zstd whose first frame needs a
	// window over 128 MiB (what the reference zstd CLI decodes without
	// --long or --memory). Returned by Open.
	ErrUnsupported = errors.New("source: unsupported compression")
)

// Error reports bad input: the file, where in it, and why.
//
// For a bad record, Line is the record's 1-based line number (0 in a text
// document) and Offset the byte offset of its line in the uncompressed
// stream. For a corrupt stream or a read error, Offset is the uncompressed
// offset reached and Line the number of the last complete line before it.
type Error struct {
	File   string
	Line   int64
	Offset int64
	Err    error
}

// Error renders e as "corpus/a.jsonl.zst: line 17 (byte 40213): invalid
// JSON: ...", or "corpus/a.jsonl.zst: byte 40213 (after line 17): corrupt
// compressed stream: ..." for stream errors.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	b.WriteString(": ")
	switch {
	case e.Line > 0 && e.streamErr():
		fmt.Fprintf(&b, "byte %d (after line %d): ", e.Offset, e.Line)
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d (byte %d): ", e.Line, e.Offset)
	default:
		fmt.Fprintf(&b, "byte %d: ", e.Offset)
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// streamErr tells whether e is about the stream rather than one record, in
// which case Line is the last complete line rather than the bad one.
func (e *Error) streamErr() bool {
	var re *recordError
	return !errors.As(e.Err, &re)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// recordError is the cause inside an *Error: one sentinel (kind) plus
// detail and an optional underlying error. Its message drops the "source: "
// prefix of the sentinel since *Error already names the file.
type recordError struct {
	kind   error
	detail string
	cause  error
}

func (e *recordError) Error() string {
	s := strings.TrimPrefix(e.kind.Error(), "source: ")
	if e.detail != "" {
		s += ": " + e.detail
	}
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

func (e *recordError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// streamError is the cause of a stream-level *Error (ErrCorrupt plus the
// decompressor's error, or a plain read error).
type streamError struct {
	kind  error // ErrCorrupt or ErrUnsupported; nil for a plain read error
	cause error
}

func (e *streamError) Error() string {
	if e.kind == nil {
		return "read error: " + e.cause.Error()
	}
	s := strings.TrimPrefix(e.kind.Error(), "source: ")
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

func (e *streamError) Unwrap() []error {
	switch {
	case e.kind == nil:
		return []error{e.cause}
	case e.cause == nil:
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// Reader streams the documents of one file.
type Reader interface {
	// Next returns the next document, or io.EOF at the end. Bad input is an
	// *Error. After a bad-record error (ErrBadJSON, ErrNoText, ErrBadUTF8,
	// ErrTooLong) Next may be called again to go on with the next record;
	// stream errors (ErrCorrupt, read errors) are returned again by every
	// later call.
	Next() (*Doc, error)
	// Progress is the number of bytes of the underlying (compressed) file
	// consumed so far, for progress bars. It may be called from any
	// goroutine, concurrently with Next.
	Progress() int64
	// Close releases the decompressor and closes the file opened by Open
	// (NewReader's reader is not closed). Next fails after Close.
	Close() error
}

// Open opens the corpus file at path. Format and compression are chosen as
// described in the package documentation. A gzip stream whose header is
// corrupt is reported here, as an *Error wrapping ErrCorrupt.
func Open(path string, opt Options) (Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if fi.IsDir() {
		f.Close()
		return nil, fmt.Errorf("source: %s: is a directory", path)
	}
	switch {
	case isParquetName(path):
		r, err := newParquetReader(f, fi.Size(), path, opt)
		if err != nil {
			f.Close()
			return nil, err
		}
		r.file = f
		return r, nil
	case isWARCName(path):
		r, err := newWARCReader(f, path, opt)
		if err != nil {
			f.Close()
			return nil, err
		}
		r.file = f
		return r, nil
	}
	r, err := newReader(f, path, opt, defaultBufSize)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.file = f
	return r, nil
}

// NewReader reads a corpus from rd, for inputs that are not files (standard
// input, a network stream). name plays the role of Open's path: it decides
// the record format and appears in Doc.File and errors. Close does not close
// rd.
func NewReader(rd io.Reader, name string, opt Options) (Reader, error) {
	switch {
	case isParquetName(name):
		return openParquet(rd, name, opt)
	case isWARCName(name):
		return newWARCReader(rd, name, opt)
	}
	return newReader(rd, name, opt, defaultBufSize)
}

// withDefaults fills the zero values every reader interprets the same way:
// TextField "text" and MaxDocBytes DefaultMaxDocBytes.
func (o Options) withDefaults() Options {
	if o.TextField == "" {
		o.TextField = "text"
	}
	if o.MaxDocBytes <= 0 {
		o.MaxDocBytes = DefaultMaxDocBytes
	}
	return o
}
