package text

import (
	"unicode"
	"unicode/utf8"
)

// janitorV1 reproduces the normalization of EleutherAI lm-evaluation-harness'
// decontamination janitor, so that contam can apply the `lmeval` standard
// exactly:
//
//   - ASCII letters A–Z are lowercased; nothing else changes case
//     ("Ünïcödé" and fullwidth "ＡＢＣ" stay as they are);
//   - every character of Python's string.punctuation
//     (!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~) is deleted; all other characters,
//     Unicode punctuation and symbols included, are kept;
//   - the result is split on whitespace as Python's str.split() does
//     (Unicode White_Space plus U+001C–U+001F), dropping empty tokens.
//
// Examples: "Hello, World! It's" → [hello world its]; "$1,234.56" →
// [123456]; "“curly”" → [“curly”]; "punct-only -- ..." → [punctonly].
// Each token's byte range is the whole whitespace-delimited word of the
// original text it came from, punctuation included. Invalid UTF-8 bytes
// are kept as they are (Python strings cannot hold them).
type janitorV1 struct{}

func init() { register(janitorV1{}) }

func (janitorV1) Name() string { return "lmeval-janitor-v1" }

func (janitorV1) Tokenize(dst *Tokens, src []byte) {
	var norm []byte
	start := -1
	flush := func(end int) {
		if start >= 0 && len(norm) > 0 {
			dst.Append(start, end, norm)
		}
		start, norm = -1, norm[:0]
	}
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size == 1 {
			r = -1 // an invalid byte: kept, never a space
		}
		if r >= 0 && pySpace(r) {
			flush(i)
			i += size
			continue
		}
		if start < 0 {
			start = i
		}
		switch {
		case r >= 'A' && r <= 'Z':
			norm = append(norm, byte(r)+'a'-'A')
		case r >= 0 && r < utf8.RuneSelf && isPyPunct(byte(r)):
			// deleted
		default:
			norm = append(norm, src[i:i+size]...)
		}
		i += size
	}
	flush(len(src))
}

// pySpace is Python's str.isspace for one character.
func pySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

func isPyPunct(c byte) bool {
	switch {
	case c >= '!' && c <= '/', c >= ':' && c <= '@', c >= '[' && c <= '`', c >= '{' && c <= '~':
		return true
	}
	return false
}
