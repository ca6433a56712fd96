// Package item loads benchmark items: the records of a BENCHMARK file that
// `contam check` looks up in an index.
//
// Supported formats are JSON Lines (.jsonl, .ndjson, .json; a .json file that
// holds one top-level array of objects is accepted too), CSV and TSV with a
// header row, and Parquet. Any of them may be gzip or zstd compressed; the
// compression is detected from the first bytes of the file, not from its
// name. The format is taken from the extension left after removing
// compression suffixes (.gz, .zst, .zstd); for an unknown extension the
// content is sniffed.
//
// Each record becomes an Item whose Text is built from one or more fields (or
// a text/template over the fields) and whose ID is either "<stem>/<index>",
// the value of a field, or the output of a template. Errors name the file and
// the line (JSON Lines, CSV, TSV) or row (Parquet, counted from 1) at fault.
//
// Every Item also carries Raw, its record as written in the file, so that
// subsets of a benchmark (such as its clean and dirty items) can be written
// back without re-encoding; LoadFile adds what else that needs (the format
// and, for CSV/TSV, the header). Records are read as a stream: JSON Lines,
// CSV and TSV are never held in memory whole.
package item

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Item is one benchmark item to check.
type Item struct {
	ID    string // unique within the file; see Options.IDField
	Index int    // 0-based position among the file's records (non-empty lines for JSONL; data rows for CSV/TSV; rows for Parquet)
	Text  string // the text to check, built from the fields

	// Raw is the record as it is in the file, after decompression:
	//   - JSON Lines: the line's bytes exactly, without its terminator
	//     ("\n", or "\r\n") and, on the first line, without a UTF-8
	//     byte-order mark; other leading or trailing spaces are kept;
	//   - CSV/TSV: the record's bytes exactly, quotes and newlines inside
	//     quoted fields included, without its line terminator (and without
	//     blank lines before it);
	//   - a .json file holding one array: the element, compacted (spaces
	//     and newlines outside strings removed; keys, escapes and numbers as
	//     written);
	//   - Parquet: the row as compact JSON with keys sorted (non-finite
	//     floats as the strings "NaN", "+Inf", "-Inf").
	// The last two are not byte-preserving; File.ByteExact tells which.
	Raw []byte
}

// File is a benchmark file as loaded by LoadFile: its items, and what is
// needed to write subsets of its records in the file's own format.
type File struct {
	Name        string // the path given ("-" for standard input)
	Format      string // "jsonl", "json" (one array of objects), "csv", "tsv" or "parquet"
	Compression string // "", "gzip" or "zstd" (detected from the bytes)
	// Header is, for CSV and TSV, the header record exactly as in the file
	// without its line terminator or a UTF-8 byte-order mark; nil for the
	// other formats.
	Header []byte
	Items  []Item
}

// ByteExact reports whether the items' Raw bytes are the records exactly
// as in the file (JSON Lines, CSV, TSV) rather than re-encoded JSON (JSON
// arrays, Parquet).
func (f *File) ByteExact() bool {
	switch f.Format {
	case FormatJSONL, FormatCSV, FormatTSV:
		return true
	}
	return false
}

// Format names, as in File.Format.
const (
	FormatJSONL   = "jsonl"
	FormatJSON    = "json"
	FormatCSV     = "csv"
	FormatTSV     = "tsv"
	FormatParquet = "parquet"
)

// Options say how records become items.
type Options struct {
	// Fields names one or more fields whose values are joined with Sep, or
	// holds a single Go text/template (detected by "{{"), such as
	// "{{.question}} {{.answer}}", executed with the record's fields plus
	// "_index" and "_stem". A field missing from a record is an error in both
	// forms.
	//
	// Values render as follows: strings as is; numbers as their JSON text
	// (11 → "11", as written in the file for JSON); booleans as true/false;
	// null as ""; arrays and objects as compact JSON. In a template, values
	// keep their type, and the functions `json` (compact JSON of any value)
	// and `join` (join a list's rendered elements: {{join .test_list "\n"}})
	// are available.
	Fields []string
	// Sep joins multiple Fields; "" means "\n". For no separator at all, use
	// a template: "{{.prompt}}{{.canonical_solution}}".
	Sep string
	// IDField chooses item ids:
	//   - "": "<stem>/<Index>", where stem is the file's base name without
	//     .jsonl/.ndjson/.json/.csv/.tsv/.parquet/.gz/.zst/.zstd extensions
	//     (gsm8k_test.jsonl.gz → gsm8k_test; stdin → stdin);
	//   - a field name: that field's value, rendered like a text field
	//     (a number 11 → "11");
	//   - a Go template (contains "{{"): executed with the record's fields
	//     plus "_index" (the Index) and "_stem", e.g. "gsm8k/test/{{._index}}"
	//     or "mbpp/{{.task_id}}".
	// Ids must be non-empty and unique within the file.
	IDField string
	// Limit stops after this many items; 0 means all.
	Limit int
}

// Load reads the benchmark file at path ("-" for standard input) and returns
// its items in file order.
func Load(path string, opt Options) ([]Item, error) {
	f, err := LoadFile(path, opt)
	if err != nil {
		return nil, err
	}
	return f.Items, nil
}

// LoadReader is Load for an already open stream. name is used in error
// messages, for the default id stem and to pick the format by extension
// ("-" stands for standard input); with no known extension the content is
// sniffed. Parquet input that is not an *os.File is read into memory.
func LoadReader(r io.Reader, name string, opt Options) ([]Item, error) {
	f, err := load(r, name, opt)
	if err != nil {
		return nil, err
	}
	return f.Items, nil
}

// LoadFile is Load returning the whole File: the items plus the format and,
// for CSV/TSV, the header record.
func LoadFile(path string, opt Options) (*File, error) {
	if path == "-" {
		return load(os.Stdin, "-", opt)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return load(f, path, opt)
}

// LoadFileReader is LoadFile for an already open stream; see LoadReader.
func LoadFileReader(r io.Reader, name string, opt Options) (*File, error) {
	return load(r, name, opt)
}

// format is a benchmark file format.
type format int

const (
	formatUnknown format = iota
	formatJSON           // JSON Lines, or one JSON array of objects
	formatCSV
	formatTSV
	formatParquet
)

var compressionExts = []string{".gz", ".gzip", ".zst", ".zstd"}

var formatExts = map[string]format{
	".jsonl":     formatJSON,
	".ndjson":    formatJSON,
	".jsonlines": formatJSON,
	".json":      formatJSON,
	".csv":       formatCSV,
	".tsv":       formatTSV,
	".parquet":   formatParquet,
}

// stemExts are removed (repeatedly) from the base name to form the stem.
var stemExts = []string{".jsonl", ".ndjson", ".jsonlines", ".json", ".csv", ".tsv", ".parquet", ".gz", ".gzip", ".zst", ".zstd"}

// formatOf returns the format named by the extension of name, after
// removing compression suffixes.
func formatOf(name string) format {
	lower := strings.ToLower(filepath.Base(name))
	for stripped := true; stripped; {
		stripped = false
		for _, ext := range compressionExts {
			if strings.HasSuffix(lower, ext) {
				lower = strings.TrimSuffix(lower, ext)
				stripped = true
			}
		}
	}
	return formatExts[filepath.Ext(lower)]
}

// Stem returns the default id prefix for a file name: its base name without
// any of the benchmark and compression extensions (gsm8k_test.jsonl.gz →
// gsm8k_test). The stem of "-" (standard input) is "stdin".
func Stem(name string) string {
	if name == "-" {
		return "stdin"
	}
	base := filepath.Base(name)
	for stripped := true; stripped; {
		stripped = false
		lower := strings.ToLower(base)
		for _, ext := range stemExts {
			if len(lower) > len(ext) && strings.HasSuffix(lower, ext) {
				base = base[:len(base)-len(ext)]
				stripped = true
				break
			}
		}
	}
	return base
}

// displayName is how the input is named in error messages.
func displayName(name string) string {
	if name == "-" {
		return "stdin"
	}
	return name
}

var (
	magicGzip    = []byte{0x1f, 0x8b}
	magicZstd    = []byte{0x28, 0xb5, 0x2f, 0xfd}
	magicParquet = []byte("PAR1")
	utf8BOM      = []byte{0xef, 0xbb, 0xbf}
)

func load(r io.Reader, name string, opt Options) (*File, error) {
	file := displayName(name)
	b, err := newBuilder(file, Stem(name), opt)
	if err != nil {
		return nil, err
	}

	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(4)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var stream io.Reader = br
	compressed := ""
	switch {
	case bytes.HasPrefix(head, magicGzip):
		compressed = "gzip"
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: gzip: %w", file, err)
		}
		defer zr.Close()
		stream = zr
	case bytes.HasPrefix(head, magicZstd):
		compressed = "zstd"
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, fmt.Errorf("%s: zstd: %w", file, err)
		}
		defer zr.Close()
		stream = zr
	}
	if compressed != "" {
		stream = &errPrefixReader{r: stream, prefix: compressed + ": "}
		br = bufio.NewReaderSize(stream, 64<<10)
	}

	f := formatOf(name)
	if f == formatUnknown {
		if f, err = sniff(br); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
	}

	out := &File{Name: name, Compression: compressed}
	switch f {
	case formatJSON:
		out.Format, err = readJSON(br, b)
	case formatCSV:
		out.Format = FormatCSV
		out.Header, err = readCSV(br, ',', false, b)
	case formatTSV:
		out.Format = FormatTSV
		out.Header, err = readCSV(br, '\t', true, b)
	case formatParquet:
		out.Format = FormatParquet
		err = loadParquet(r, br, compressed != "", b)
	}
	if err != nil {
		return nil, err
	}
	out.Items = b.items
	return out, nil
}

// loadParquet reads Parquet from r directly when it is an uncompressed
// regular file (Parquet needs random access), else from memory.
func loadParquet(r io.Reader, br *bufio.Reader, compressed bool, b *builder) error {
	if f, ok := r.(*os.File); ok && !compressed {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			if off, err := f.Seek(0, io.SeekCurrent); err == nil && off-int64(br.Buffered()) == 0 {
				return readParquet(f, st.Size(), b)
			}
		}
	}
	data, err := io.ReadAll(br)
	if err != nil {
		return fmt.Errorf("%s: %w", b.file, err)
	}
	return readParquet(bytes.NewReader(data), int64(len(data)), b)
}

// errPrefixReader says which decompressor a read error came from.
type errPrefixReader struct {
	r      io.Reader
	prefix string
}

func (e *errPrefixReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s%w", e.prefix, err)
	}
	return n, err
}

// sniff guesses the format of (decompressed) content with no known
// extension.
func sniff(br *bufio.Reader) (format, error) {
	head, err := br.Peek(64 << 10)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return formatUnknown, err
	}
	if bytes.HasPrefix(head, magicParquet) {
		return formatParquet, nil
	}
	head = bytes.TrimPrefix(head, utf8BOM)
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) == 0 {
		return formatUnknown, errors.New("empty input")
	}
	if trimmed[0] == '{' || trimmed[0] == '[' {
		return formatJSON, nil
	}
	first := head
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	switch {
	case bytes.IndexByte(first, '\t') >= 0:
		return formatTSV, nil
	case bytes.IndexByte(first, ',') >= 0:
		return formatCSV, nil
	}
	return formatUnknown, errors.New("cannot tell the format: name the file .jsonl, .json, .csv, .tsv or .parquet")
}

// pos is where a record is in its file: a 1-based line or row number.
type pos struct {
	unit string // "line" or "row"
	n    int
}

func (p pos) String() string { return p.unit + " " + strconv.Itoa(p.n) }

// builder turns records into items.
type builder struct {
	file  string
	stem  string
	limit int

	fields   []string           // plain field names, or nil with textTmpl
	sep      string             //
	textTmpl *template.Template // non-nil when Fields is a template
	idField  string             // field name, or "" for default / idTmpl
	idTmpl   *template.Template // non-nil when IDField is a template

	items []Item
	seen  map[string]pos
}

var funcs = template.FuncMap{
	"json": func(v any) (string, error) { return compactJSON(v) },
	"join": func(list any, sep string) (string, error) {
		rv := reflect.ValueOf(list)
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			return "", fmt.Errorf("join: not a list: %T", list)
		}
		parts := make([]string, rv.Len())
		for i := range parts {
			s, err := render(rv.Index(i).Interface())
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return strings.Join(parts, sep), nil
	},
}

func newBuilder(file, stem string, opt Options) (*builder, error) {
	b := &builder{file: file, stem: stem, limit: opt.Limit, sep: opt.Sep, seen: map[string]pos{}}
	if opt.Limit < 0 {
		return nil, fmt.Errorf("item: negative limit %d", opt.Limit)
	}
	if b.sep == "" {
		b.sep = "\n"
	}
	if len(opt.Fields) == 0 {
		return nil, errors.New("item: no fields given: name the fields holding the text to check, or give a template")
	}
	for _, f := range opt.Fields {
		if strings.Contains(f, "{{") {
			if len(opt.Fields) > 1 {
				return nil, fmt.Errorf("item: template %q must be the only field; put all fields into the template", f)
			}
			t, err := template.New("fields").Option("missingkey=error").Funcs(funcs).Parse(f)
			if err != nil {
				return nil, fmt.Errorf("item: fields template: %w", err)
			}
			b.textTmpl = t
		} else if f == "" {
			return nil, errors.New("item: empty field name")
		}
	}
	if b.textTmpl == nil {
		b.fields = opt.Fields
	}
	if strings.Contains(opt.IDField, "{{") {
		t, err := template.New("id").Option("missingkey=error").Funcs(funcs).Parse(opt.IDField)
		if err != nil {
			return nil, fmt.Errorf("item: id template: %w", err)
		}
		b.idTmpl = t
	} else {
		b.idField = opt.IDField
	}
	return b, nil
}

// full reports whether the limit has been reached.
func (b *builder) full() bool { return b.limit > 0 && len(b.items) >= b.limit }

// errorf makes an error naming the file and position.
func (b *builder) errorf(p pos, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %s", b.file, p, fmt.Sprintf(format, args...))
}

// add makes an item of the record with the given fields at p; raw is the
// record's bytes (see Item.Raw), kept by the item.
func (b *builder) add(p pos, rec map[string]any, raw []byte) error {
	index := len(b.items)
	var text string
	if b.textTmpl != nil {
		s, err := b.execute(b.textTmpl, rec, index)
		if err != nil {
			return b.errorf(p, "fields template: %v; fields: %s", err, fieldList(rec))
		}
		text = s
	} else {
		parts := make([]string, len(b.fields))
		for i, f := range b.fields {
			v, ok := rec[f]
			if !ok {
				return b.errorf(p, "field %q not found; fields: %s", f, fieldList(rec))
			}
			s, err := render(v)
			if err != nil {
				return b.errorf(p, "field %q: %v", f, err)
			}
			parts[i] = s
		}
		text = strings.Join(parts, b.sep)
	}
	if !utf8.ValidString(text) {
		return b.errorf(p, "invalid UTF-8 in the text")
	}

	var id string
	switch {
	case b.idTmpl != nil:
		s, err := b.execute(b.idTmpl, rec, index)
		if err != nil {
			return b.errorf(p, "id template: %v; fields: %s", err, fieldList(rec))
		}
		if s == "" {
			return b.errorf(p, "empty id from template")
		}
		id = s
	case b.idField != "":
		v, ok := rec[b.idField]
		if !ok {
			return b.errorf(p, "id field %q not found; fields: %s", b.idField, fieldList(rec))
		}
		s, err := render(v)
		if err != nil {
			return b.errorf(p, "id field %q: %v", b.idField, err)
		}
		if s == "" {
			return b.errorf(p, "empty id (field %q)", b.idField)
		}
		id = s
	default:
		id = b.stem + "/" + strconv.Itoa(index)
	}
	if !utf8.ValidString(id) {
		return b.errorf(p, "invalid UTF-8 in the id")
	}
	if prev, dup := b.seen[id]; dup {
		return fmt.Errorf("%s: duplicate id %q at %ss %d and %d: checking needs unique ids (choose another id field or template)",
			b.file, id, p.unit, prev.n, p.n)
	}
	b.seen[id] = p
	b.items = append(b.items, Item{ID: id, Index: index, Text: text, Raw: raw})
	return nil
}

// execute runs t on the record's fields plus _index and _stem.
func (b *builder) execute(t *template.Template, rec map[string]any, index int) (string, error) {
	data := make(map[string]any, len(rec)+2)
	for k, v := range rec {
		if v == nil {
			v = "" // not "<no value>"
		}
		data[k] = v
	}
	data["_index"] = index
	data["_stem"] = b.stem
	var sb strings.Builder
	if err := t.Execute(&sb, data); err != nil {
		return "", err
	}
	return sb.String(), nil
}

// fieldList lists a record's field names for error messages.
func fieldList(rec map[string]any) string {
	names := make([]string, 0, len(rec))
	for k := range rec {
		names = append(names, k)
	}
	sort.Strings(names)
	const maxNames = 40
	if len(names) > maxNames {
		return strings.Join(names[:maxNames], ", ") + fmt.Sprintf(", … (%d more)", len(names)-maxNames)
	}
	if len(names) == 0 {
		return "(none)"
	}
	return strings.Join(names, ", ")
}

// render turns a field value into text: strings as is, numbers as their JSON
// text, booleans as true/false, null as "", anything else as compact JSON.
func render(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case json.Number:
		return string(v), nil
	case []byte:
		return string(v), nil
	case bool:
		return strconv.FormatBool(v), nil
	case int:
		return strconv.Itoa(v), nil
	case int8:
		return strconv.FormatInt(int64(v), 10), nil
	case int16:
		return strconv.FormatInt(int64(v), 10), nil
	case int32:
		return strconv.FormatInt(int64(v), 10), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case uint:
		return strconv.FormatUint(uint64(v), 10), nil
	case uint8:
		return strconv.FormatUint(uint64(v), 10), nil
	case uint16:
		return strconv.FormatUint(uint64(v), 10), nil
	case uint32:
		return strconv.FormatUint(uint64(v), 10), nil
	case uint64:
		return strconv.FormatUint(v, 10), nil
	case float32:
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return strconv.FormatFloat(float64(v), 'g', -1, 32), nil
		}
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return strconv.FormatFloat(v, 'g', -1, 64), nil
		}
	}
	s, err := compactJSON(v)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(s, `"`) { // e.g. time.Time: show the string itself
		var str string
		if json.Unmarshal([]byte(s), &str) == nil {
			return str, nil
		}
	}
	return s, nil
}

// compactJSON encodes v as compact JSON without HTML escaping, so that code
// such as `a < b` stays readable.
func compactJSON(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("cannot render %T as JSON: %v", v, err)
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}
