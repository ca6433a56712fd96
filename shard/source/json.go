package source

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// A minimal JSON scanner for one record per line. It validates the whole
// line exactly as encoding/json.Valid does (FuzzJSONLReader checks this) and
// records where the values of a few wanted top-level keys are, without
// decoding anything else. Wanted strings are unescaped in place on demand:
// an unescaped JSON string is never longer than its escaped form, and the
// line buffer is ours until the next read. Compared to json.Unmarshal into
// a struct this does no allocation and no reflection, and scans string
// bodies eight bytes at a time (see BenchmarkParse*).

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

type kind uint8

const (
	kindNone kind = iota // key absent
	kindString
	kindNumber
	kindTrue
	kindFalse
	kindNull
	kindObject
	kindArray
)

func (k kind) String() string {
	switch k {
	case kindString:
		return "string"
	case kindNumber:
		return "number"
	case kindTrue, kindFalse:
		return "boolean"
	case kindNull:
		return "null"
	case kindObject:
		return "object"
	case kindArray:
		return "array"
	}
	return "nothing"
}

// value is where a wanted key's value lies in the line: for a string the
// bytes between the quotes, otherwise the raw JSON text.
type value struct {
	kind       kind
	start, end int
	esc        bool // string has backslash escapes
	nonASCII   bool // string may have bytes >= 0x80 (needs a UTF-8 check)
	decoded    bool // the string was checked and unescaped in place
	ok         bool // (once decoded) valid UTF-8
}

type parser struct {
	keys   []string // distinct wanted keys
	vals   []value  // per key, for the last line parsed (the last duplicate wins, as in encoding/json)
	stack  []byte   // open containers while skipping a nested value
	keyBuf []byte   // unescaped key
}

// syntaxError is a JSON syntax error at a byte column of the line.
type syntaxError struct {
	msg string
	col int // 1-based
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%s at column %d", e.msg, e.col) }

func errAt(b []byte, i int, context string) error {
	if i >= len(b) {
		return &syntaxError{msg: "unexpected end of line " + context, col: i + 1}
	}
	return &syntaxError{msg: fmt.Sprintf("invalid character %s %s", quoteChar(b[i]), context), col: i + 1}
}

func quoteChar(c byte) string {
	switch {
	case c == '\'':
		return `'\''`
	case c == '"':
		return `'"'`
	case c >= 0x20 && c < 0x7f:
		return "'" + string(rune(c)) + "'"
	}
	return fmt.Sprintf("0x%02x", c)
}

// parse validates b as one JSON object and records the wanted keys' values
// in p.vals.
func (p *parser) parse(b []byte) error {
	for i := range p.vals {
		p.vals[i] = value{}
	}
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		if i < len(b) && b[i] == '[' {
			return &syntaxError{msg: "record is a JSON array, not an object (a .json file must hold one object per line)", col: i + 1}
		}
		return errAt(b, i, "looking for beginning of object")
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return p.end(b, i+1)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return errAt(b, i, "looking for beginning of object key string")
		}
		end, flags, err := scanString(b, i)
		if err != nil {
			return err
		}
		slot := p.match(b[i+1:end-1], flags&strEsc != 0)
		i = skipWS(b, end)
		if i >= len(b) || b[i] != ':' {
			return errAt(b, i, "after object key")
		}
		i = skipWS(b, i+1)
		if i >= len(b) {
			return errAt(b, i, "looking for beginning of value")
		}
		start := i
		var k kind
		switch c := b[i]; {
		case c == '"':
			end, flags, err := scanString(b, i)
			if err != nil {
				return err
			}
			if slot >= 0 {
				p.vals[slot] = value{kind: kindString, start: i + 1, end: end - 1,
					esc: flags&strEsc != 0, nonASCII: flags&strNonASCII != 0}
			}
			i = end
		case c == '{' || c == '[':
			k = kindObject
			if c == '[' {
				k = kindArray
			}
			if i, err = p.skipNested(b, i); err != nil {
				return err
			}
		default:
			if k, i, err = scanScalar(b, i); err != nil {
				return err
			}
		}
		if slot >= 0 && k != kindNone {
			p.vals[slot] = value{kind: k, start: start, end: i}
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return errAt(b, i, "after object key:value pair")
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
			continue
		case '}':
			return p.end(b, i+1)
		}
		return errAt(b, i, "after object key:value pair")
	}
}

// end checks that only whitespace follows the object.
func (p *parser) end(b []byte, i int) error {
	i = skipWS(b, i)
	if i < len(b) {
		return errAt(b, i, "after top-level value")
	}
	return nil
}

// match returns the index of the wanted key equal to raw (the key's bytes
// between the quotes), or -1.
func (p *parser) match(raw []byte, esc bool) int {
	if esc {
		p.keyBuf = append(p.keyBuf[:0], raw...)
		raw = unescape(p.keyBuf)
	}
	for i, k := range p.keys {
		if string(raw) == k {
			return i
		}
	}
	return -1
}

// str returns wanted key k's string value, unescaped (in place, in line),
// and whether it is valid UTF-8. Calling it again for the same key returns
// the same result.
func (p *parser) str(line []byte, k int) ([]byte, bool) {
	v := &p.vals[k]
	if !v.decoded {
		v.decoded = true
		s := line[v.start:v.end]
		// Escapes are ASCII, so checking the raw bytes checks the text.
		v.ok = !v.nonASCII || utf8.Valid(s)
		if v.ok && v.esc {
			v.end = v.start + len(unescape(s))
		}
	}
	return line[v.start:v.end], v.ok
}

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

const (
	strEsc      = 1
	strNonASCII = 2

	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// scanString scans the string starting at b[i] == '"' and returns the index
// just past its closing quote, and whether it has escapes or bytes >= 0x80.
func scanString(b []byte, i int) (int, int, error) {
	i++
	flags := 0
	for {
		// Eight bytes at a time, to the first '"', '\\' or control byte.
		// The lowest flagged byte of each test is exact (a borrow only
		// propagates upward from a true match), so the lowest bit of the
		// union is the first interesting byte.
		for i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			q := x ^ ('"' * lo8)
			s := x ^ ('\\' * lo8)
			m := ((q - lo8) &^ q) | ((s - lo8) &^ s) | ((x - 0x20*lo8) &^ x)
			if x&hi8 != 0 {
				flags |= strNonASCII // may be set by bytes past the string: only costs a UTF-8 check
			}
			if m &= hi8; m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(b) {
			return i, flags, errAt(b, i, "in string literal")
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, flags, nil
		case c == '\\':
			flags |= strEsc
			if i+1 >= len(b) {
				return i, flags, errAt(b, i+1, "in string escape code")
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for j := i + 2; j < i+6; j++ {
					if j >= len(b) || unhex(b[j]) < 0 {
						return j, flags, errAt(b, j, "in \\u hexadecimal character escape")
					}
				}
				i += 6
			default:
				return i, flags, errAt(b, i+1, "in string escape code")
			}
		case c < 0x20:
			return i, flags, errAt(b, i, "in string literal")
		default:
			if c >= 0x80 {
				flags |= strNonASCII
			}
			i++
		}
	}
}

func unhex(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// scanScalar scans a number or literal at b[i].
func scanScalar(b []byte, i int) (kind, int, error) {
	switch c := b[i]; {
	case c == '-' || ('0' <= c && c <= '9'):
		j, err := scanNumber(b, i)
		return kindNumber, j, err
	case c == 't':
		return kindTrue, i + 4, literal(b, i, "true")
	case c == 'f':
		return kindFalse, i + 5, literal(b, i, "false")
	case c == 'n':
		return kindNull, i + 4, literal(b, i, "null")
	}
	return kindNone, i, errAt(b, i, "looking for beginning of value")
}

func literal(b []byte, i int, lit string) error {
	for j := 0; j < len(lit); j++ {
		if i+j >= len(b) || b[i+j] != lit[j] {
			return errAt(b, i+j, "in literal "+lit+" (expecting '"+lit[j:j+1]+"')")
		}
	}
	return nil
}

// scanNumber scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at b[i].
func scanNumber(b []byte, i int) (int, error) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return i, errAt(b, i, "in numeric literal")
	case b[i] == '0':
		i++
	case '1' <= b[i] && b[i] <= '9':
		i = digits(b, i+1)
	default:
		return i, errAt(b, i, "in numeric literal")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return i, errAt(b, i, "after decimal point in numeric literal")
		}
		i = digits(b, i)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return i, errAt(b, i, "in exponent of numeric literal")
		}
		i = digits(b, i)
	}
	return i, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func digits(b []byte, i int) int {
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	return i
}

// skipNested skips the object or array starting at b[i], without recursion;
// the top-level object is depth 1.
func (p *parser) skipNested(b []byte, i int) (int, error) {
	stack := p.stack[:0]
	defer func() { p.stack = stack[:0] }()
	var err error
	for {
		// At the start of a value.
		if i >= len(b) {
			return i, errAt(b, i, "looking for beginning of value")
		}
		switch c := b[i]; {
		case c == '{' || c == '[':
			if 1+len(stack)+1 > maxDepth {
				return i, &syntaxError{msg: "exceeded max depth", col: i + 1}
			}
			stack = append(stack, c)
			i = skipWS(b, i+1)
			if c == '{' {
				if i < len(b) && b[i] == '}' {
					stack = stack[:len(stack)-1]
					i++
					break
				}
				if i, err = objectKey(b, i); err != nil {
					return i, err
				}
				continue
			}
			if i < len(b) && b[i] == ']' {
				stack = stack[:len(stack)-1]
				i++
				break
			}
			continue
		case c == '"':
			if i, _, err = scanString(b, i); err != nil {
				return i, err
			}
		default:
			if _, i, err = scanScalar(b, i); err != nil {
				return i, err
			}
		}
		// After a value: close containers until one wants another value.
		for {
			if len(stack) == 0 {
				return i, nil
			}
			i = skipWS(b, i)
			if i >= len(b) {
				return i, errAt(b, i, "after value")
			}
			top := stack[len(stack)-1]
			c := b[i]
			if c == ',' {
				i = skipWS(b, i+1)
				if top == '{' {
					if i, err = objectKey(b, i); err != nil {
						return i, err
					}
				}
				break
			}
			if (top == '{' && c == '}') || (top == '[' && c == ']') {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			if top == '{' {
				return i, errAt(b, i, "after object key:value pair")
			}
			return i, errAt(b, i, "after array element")
		}
	}
}

// objectKey scans `"key" :` at b[i] and returns the index of the value
// (whitespace skipped).
func objectKey(b []byte, i int) (int, error) {
	if i >= len(b) || b[i] != '"' {
		return i, errAt(b, i, "looking for beginning of object key string")
	}
	i, _, err := scanString(b, i)
	if err != nil {
		return i, err
	}
	i = skipWS(b, i)
	if i >= len(b) || b[i] != ':' {
		return i, errAt(b, i, "after object key")
	}
	return skipWS(b, i+1), nil
}

// unescape decodes the JSON escapes of a validated string body in place
// and returns the decoded prefix of s. It follows encoding/json: a \u
// surrogate pair is one rune, a lone surrogate becomes U+FFFD.
func unescape(s []byte) []byte {
	w, r := 0, 0
	for r < len(s) {
		// Copy up to the next backslash.
		j := bytes.IndexByte(s[r:], '\\')
		if j < 0 {
			j = len(s)
		} else {
			j += r
		}
		w += copy(s[w:], s[r:j])
		r = j
		if r >= len(s) {
			break
		}
		switch c := s[r+1]; c {
		case 'u':
			rr := getu4(s[r:])
			r += 6
			if utf16.IsSurrogate(rr) {
				rr1 := rune(-1)
				if r+6 <= len(s) && s[r] == '\\' && s[r+1] == 'u' {
					rr1 = getu4(s[r:])
				}
				if dec := utf16.DecodeRune(rr, rr1); dec != utf8.RuneError {
					r += 6
					w += utf8.EncodeRune(s[w:], dec)
					continue
				}
				rr = utf8.RuneError
			}
			w += utf8.EncodeRune(s[w:], rr)
		default:
			s[w] = unescapeByte[c]
			w++
			r += 2
		}
	}
	return s[:w]
}

var unescapeByte = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// getu4 decodes the validated \uXXXX at the start of s.
func getu4(s []byte) rune {
	return unhex(s[2])<<12 | unhex(s[3])<<8 | unhex(s[4])<<4 | unhex(s[5])
}
