package item

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// readJSON reads JSON Lines (one object per non-empty line) or, when the
// content starts with '[', one JSON array of objects. It returns which:
// FormatJSONL or FormatJSON.
func readJSON(br *bufio.Reader, b *builder) (string, error) {
	head, err := br.Peek(4096)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return "", fmt.Errorf("%s: %w", b.file, err)
	}
	head = bytes.TrimPrefix(head, utf8BOM)
	if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		return FormatJSON, readJSONArray(br, b)
	}
	return FormatJSONL, readJSONLines(br, b)
}

func readJSONLines(br *bufio.Reader, b *builder) error {
	lineNo := 0
	for !b.full() {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			lineNo++
			if lineNo == 1 {
				line = bytes.TrimPrefix(line, utf8BOM)
			}
			if err := jsonLine(b, lineNo, line); err != nil {
				return err
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: line %d: %w", b.file, lineNo+1, err)
		}
	}
	return nil
}

// jsonLine adds the object on one line; blank lines are skipped.
func jsonLine(b *builder, lineNo int, line []byte) error {
	p := pos{"line", lineNo}
	if l, ok := bytes.CutSuffix(line, []byte("\n")); ok {
		line = bytes.TrimSuffix(l, []byte("\r")) // CRLF: both bytes are the terminator
	}
	if i := invalidUTF8(line); i >= 0 {
		return b.errorf(p, "invalid UTF-8 at column %d (byte 0x%02x)", i+1, line[i])
	}
	raw := line
	body := bytes.TrimLeft(line, " \t\r")
	lead := len(line) - len(body)
	body = bytes.TrimRight(body, " \t\r")
	if len(body) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return b.errorf(p, "%s", describeJSONError(err, lead, body))
	}
	if off := int(dec.InputOffset()); off < len(body) {
		for isJSONSpace(body[off]) { // body ends in a non-space
			off++
		}
		return b.errorf(p, "invalid JSON: unexpected data after the object at column %d (one object per line)", lead+off+1)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return b.errorf(p, "expected a JSON object, got %s", jsonKind(v))
	}
	return b.add(p, obj, raw)
}

// describeJSONError explains a decoding error of body, which starts at
// column lead+1 of its line.
func describeJSONError(err error, lead int, body []byte) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at column %d: %v", lead+int(se.Offset), se)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return fmt.Sprintf("invalid JSON: unexpected end of line at column %d (truncated object?)", lead+len(body)+1)
	case errors.As(err, &te):
		return fmt.Sprintf("invalid JSON at column %d: %v", lead+int(te.Offset), te)
	}
	return "invalid JSON: " + err.Error()
}

// readJSONArray reads a file holding one JSON array of objects. Items are the
// array's elements; positions are the lines where elements start.
func readJSONArray(br *bufio.Reader, b *builder) error {
	data, err := io.ReadAll(br)
	if err != nil {
		return fmt.Errorf("%s: %w", b.file, err)
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	lines := lineCounter{data: data}
	if i := invalidUTF8(data); i >= 0 {
		return b.errorf(pos{"line", lines.at(i)}, "invalid UTF-8 (byte 0x%02x)", data[i])
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	syntax := func(err error, fallback int) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return b.errorf(pos{"line", lines.at(int(se.Offset) - 1)}, "invalid JSON: %v", se)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return b.errorf(pos{"line", lines.at(len(data))}, "invalid JSON: unexpected end of file (unterminated array?)")
		}
		return b.errorf(pos{"line", lines.at(fallback)}, "invalid JSON: %v", err)
	}
	if _, err := dec.Token(); err != nil { // '[', checked by readJSON
		return syntax(err, 0)
	}
	for n := 0; dec.More() && !b.full(); n++ {
		start := int(dec.InputOffset())
		for start < len(data) && (data[start] == ',' || isJSONSpace(data[start])) {
			start++
		}
		p := pos{"line", lines.at(start)}
		var v any
		if err := dec.Decode(&v); err != nil {
			return syntax(err, start)
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return b.errorf(p, "array element %d: expected a JSON object, got %s", n, jsonKind(v))
		}
		var raw bytes.Buffer
		if err := json.Compact(&raw, data[start:dec.InputOffset()]); err != nil {
			return b.errorf(p, "array element %d: %v", n, err)
		}
		if err := b.add(p, obj, raw.Bytes()); err != nil {
			return err
		}
	}
	if b.full() {
		return nil
	}
	if _, err := dec.Token(); err != nil { // ']'
		return syntax(err, int(dec.InputOffset()))
	}
	rest := data[dec.InputOffset():]
	if i := bytes.IndexFunc(rest, func(r rune) bool { return r > 0x7f || !isJSONSpace(byte(r)) }); i >= 0 {
		off := int(dec.InputOffset()) + i
		return b.errorf(pos{"line", lines.at(off)}, "invalid JSON: unexpected data after the top-level array")
	}
	return nil
}

// lineCounter maps byte offsets to 1-based line numbers; offsets must not
// decrease much between calls to stay cheap (it restarts when they do).
type lineCounter struct {
	data []byte
	off  int // counted up to here
	line int // newlines in data[:off]
}

func (c *lineCounter) at(off int) int {
	off = min(max(off, 0), len(c.data))
	if off < c.off {
		c.off, c.line = 0, 0
	}
	c.line += bytes.Count(c.data[c.off:off], []byte("\n"))
	c.off = off
	return c.line + 1
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// invalidUTF8 returns the offset of the first invalid UTF-8 byte in s, or -1.
func invalidUTF8(s []byte) int {
	if utf8.Valid(s) {
		return -1
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}
