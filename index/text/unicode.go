package text

import (
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"golang.org/x/text/cases"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/rangetable"
)

func init() { register(unicodeV1{}) }

// unicodeV1 is the normalizer "unicode-v1", the Default.
//
// # Segmentation
//
// The ORIGINAL text is split into words at Unicode UAX #29 word boundaries
// as computed by github.com/rivo/uniseg (FirstWord). Every token's byte
// range [Start, End) is a range of the original text. One refinement: a
// word boundary directly before U+0E33 THAI CHARACTER SARA AM or U+0EB3 LAO
// VOWEL SIGN AM is ignored when the character before it is a letter or a
// mark, because those two characters are word-break "Other" but extend the
// preceding grapheme cluster (so "ทำ" stays one unit, as its canonical
// spelling "ทํา" would).
//
// Within a word, every grapheme cluster whose first code point is a letter
// of a script written without spaces (Han, Hiragana, Katakana, Thai, Lao,
// Khmer, Myanmar, plus the kana marks U+3031–U+3035, U+30FC and U+FF70)
// is a piece of its own with its own byte range. Decimal digits (Nd) of
// those scripts are not split: they behave like other digits. The rest of
// the word between such clusters forms one piece. Tibetan is not split
// (its tsheg ་ is punctuation and already separates syllables).
//
// # Normalization
//
// Each piece is normalized with NFKC, then full Unicode case folding
// (golang.org/x/text/cases.Fold: "ß" → "ss", "ς" → "σ", "İ" → "i̇"), then
// NFKC again. From the result,
//
//   - white space (unicode.IsSpace) separates tokens: all of them carry the
//     byte range of the piece they came from;
//   - characters of general category P* (punctuation), S* (symbols,
//     including emoji), Cc (controls), Cf (format characters such as the
//     soft hyphen, zero-width joiners, bidi controls, the BOM) and
//     variation selectors are deleted; they do not separate tokens;
//   - a letter of a no-space script (as above) together with the marks
//     (M*) that follow it becomes a token of its own, so that
//     compatibility characters like "㍿" give the same tokens as their
//     expansion "株式会社";
//   - empty tokens are dropped.
//
// Invalid UTF-8 is treated as U+FFFD, one per invalid byte: it has word
// break property Other (so it separates words) and, being a symbol (So),
// is then deleted. Tokenize never panics.
//
// Examples (original → tokens, as norm@[start,end)):
//
//	"Hello, World!"   → hello@[0,5) world@[7,12)
//	"Ｈｅｌｌｏ，ｗｏｒｌｄ！"     → hello@[0,15) world@[18,33)
//	"e.g. U.S.A."     → eg@[0,3) usa@[5,10)
//	"1,000,000 3.14"  → 1000000@[0,9) 314@[10,14)
//	"don't don’t"     → dont@[0,5) dont@[6,13)
//	"a_b x**2"        → ab@[0,3) x@[4,5) 2@[7,8)
//	"Straße ΟΔΟΣ"     → strasse@[0,7) οδοσ@[8,16)
//	"I love 東京"      → i@[0,1) love@[2,6) 東@[7,10) 京@[10,13)
//	"ﬁne café 👍"      → fine@[0,5) café@[6,11)
//	"㍿"              → 株@[0,3) 式@[0,3) 会@[0,3) 社@[0,3)
//	"ทำ"              → ทํ@[0,6) า@[0,6)   (SARA AM is decomposed by NFKC)
//
// # Fast path
//
// Runs of pure ASCII text are tokenized by a hand-written scanner that
// produces exactly the tokens of the general algorithm (checked by
// FuzzASCIIFastPath and FuzzTokenize): on ASCII, a token is a maximal run
// of letters, digits and '_', in which a single '.', ':' or apostrophe
// between two letters and a single '.', ',', ';' or apostrophe between
// two digits also join; its normalized form is the lower-cased letters and
// digits of the run. The text is cut into ASCII and non-ASCII chunks only at positions
// right after an ASCII ' ', '\t' or '\n' and before an ASCII character
// other than ' ', where UAX #29 always breaks and no rule looks across.
//
// # Versions
//
// The output depends on the Unicode tables of the Go standard library
// (unicode.Version), of golang.org/x/text (norm.Version) and of uniseg, all
// Unicode 15.0.0 at the time of writing; TestUnicodeVersions fails when
// one of them changes, since that may change tokens and require a new
// normalizer name.
type unicodeV1 struct{}

func (unicodeV1) Name() string { return "unicode-v1" }

// Tokenize implements Normalizer. It is safe for concurrent use.
func (unicodeV1) Tokenize(dst *Tokens, src []byte) {
	var sc *scratch
	pos := 0
	for pos < len(src) {
		mark := dst.Len()
		j := scanASCII(dst, src, pos)
		if j == len(src) {
			break
		}
		// src[j] is not ASCII. Redo everything from the last cut point
		// before j up to the first cut point after it with the general
		// algorithm.
		s := pos
		for p := j - 1; p > pos; p-- {
			if isCut(src, p) {
				s = p
				break
			}
		}
		dst.dropFrom(mark, s)
		e := len(src)
		for p := j + 1; p < len(src); p++ {
			if isCut(src, p) {
				e = p
				break
			}
		}
		if sc == nil {
			sc = scratchPool.Get().(*scratch)
		}
		sc.tokenize(dst, src[s:e], s, false)
		pos = e
	}
	if sc != nil {
		scratchPool.Put(sc)
	}
}

// isCut reports whether the text may be cut at p (0 < p < len(src)) into
// two parts that can be tokenized independently with the same result:
// src[p-1] is one of ' ', '\t', '\n' and src[p] is ASCII but not ' '.
//
// Why this is safe (UAX #29 word rules as implemented by uniseg): there
// is always a word boundary there (WB3d joins only space with space,
// WB4 needs an Extend/Format/ZWJ after it, and WB5–WB13b need a letter,
// digit, underscore or katakana before it); the rules with lookahead (WB6,
// WB7b, WB12) only look past a MidLetter/MidNum/quote, which src[p-1] is
// not; the rules with look-behind (WB7, WB7c, WB11, WB15/16) need a letter,
// digit, quote or regional indicator at p-1; and a state after src[p-1]
// yields the same transitions for the ASCII character at p as the start
// of text does. Grapheme clusters (for the no-space scripts) also break
// there, and the SARA AM rule does not look at ASCII.
func isCut(src []byte, p int) bool {
	c := src[p]
	if c >= utf8.RuneSelf || c == ' ' {
		return false
	}
	switch src[p-1] {
	case ' ', '\t', '\n':
		return true
	}
	return false
}

// dropFrom removes the tokens with index ≥ mark whose Start is ≥ off. They
// are at the end of t since tokens are appended in order.
func (t *Tokens) dropFrom(mark, off int) {
	n := t.Len()
	for n > mark && t.Start[n-1] >= off {
		n--
	}
	t.truncate(n)
}

// truncate keeps the first n tokens.
func (t *Tokens) truncate(n int) {
	if n >= t.Len() {
		return
	}
	lo := 0
	if n > 0 {
		lo = t.normEnd[n-1]
	}
	t.Start, t.End, t.norm, t.normEnd = t.Start[:n], t.End[:n], t.norm[:lo], t.normEnd[:n]
}

// endToken finishes a token whose normalized form was appended to t.norm
// since normStart; an empty one is discarded.
func (t *Tokens) endToken(start, end, normStart int) {
	if len(t.norm) == normStart {
		return
	}
	t.Start = append(t.Start, start)
	t.End = append(t.End, end)
	t.normEnd = append(t.normEnd, len(t.norm))
}

// ASCII byte classes of the fast scanner.
const (
	cLetter    = 1 << iota // A-Z a-z: ALetter
	cDigit                 // 0-9: Numeric
	cUnder                 // _: ExtendNumLet
	cMidLetter             // . : ': MidNumLet, MidLetter, Single_Quote
	cMidNum                // . , ; ': MidNumLet, MidNum, Single_Quote
	cNonASCII

	cWord  = cLetter | cDigit | cUnder
	cAlnum = cLetter | cDigit
)

var asciiClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = cLetter
		t[c-'a'+'A'] = cLetter
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = cDigit
	}
	t['_'] = cUnder
	t['.'] = cMidLetter | cMidNum
	t['\''] = cMidLetter | cMidNum
	t[':'] = cMidLetter
	t[','] = cMidNum
	t[';'] = cMidNum
	for c := 0x80; c < 0x100; c++ {
		t[c] = cNonASCII
	}
	return t
}()

var asciiLower = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = byte(c - 'A' + 'a')
	}
	return t
}()

// scanASCII tokenizes src from pos (treated as the start of the text) with
// the ASCII fast path until it meets a non-ASCII byte, whose index it
// returns, or the end of src, when it returns len(src). Tokens that
// depend on bytes from the returned index on may be wrong; the caller
// drops them.
func scanASCII(t *Tokens, src []byte, pos int) int {
	i, n := pos, len(src)
	for i < n {
		cl := asciiClass[src[i]]
		if cl&cWord == 0 {
			if cl == cNonASCII {
				return i
			}
			i++
			continue
		}
		start, normStart := i, len(t.norm)
		for {
			for i < n {
				c := src[i]
				cl = asciiClass[c]
				if cl&cWord == 0 {
					break
				}
				if cl&cAlnum != 0 {
					t.norm = append(t.norm, asciiLower[c])
				}
				i++
			}
			// WB6/WB7 and WB11/WB12: a single MidLetter/MidNum between
			// two letters/digits.
			if i+1 < n {
				prev, mid, next := asciiClass[src[i-1]], asciiClass[src[i]], asciiClass[src[i+1]]
				if prev&next&cLetter != 0 && mid&cMidLetter != 0 ||
					prev&next&cDigit != 0 && mid&cMidNum != 0 {
					i++
					continue
				}
			}
			break
		}
		t.endToken(start, i, normStart)
	}
	return n
}

// noSpace holds the letters of scripts written without spaces, each of
// which becomes a token of its own.
var noSpace = rangetable.Merge(
	unicode.Han, unicode.Hiragana, unicode.Katakana,
	unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar,
	&unicode.RangeTable{R16: []unicode.Range16{
		{Lo: 0x3031, Hi: 0x3035, Stride: 1}, // vertical kana repeat marks (Common)
		{Lo: 0x30FC, Hi: 0x30FC, Stride: 1}, // ー prolonged sound mark (Common)
		{Lo: 0xFF70, Hi: 0xFF70, Stride: 1}, // ｰ halfwidth prolonged sound mark (Common)
	}},
)

// noSpaceNonLetters are the marks and decimal digits in noSpace.
var noSpaceNonLetters = func() *unicode.RangeTable {
	var rs []rune
	for _, tab := range []*unicode.RangeTable{unicode.M, unicode.Nd} {
		rangetable.Visit(tab, func(r rune) {
			if unicode.Is(noSpace, r) {
				rs = append(rs, r)
			}
		})
	}
	slices.Sort(rs)
	return rangetable.New(rs...)
}()

// isNoSpaceLetter reports whether r is a no-space-script character that
// starts a token of its own: in noSpace, but not a mark (M*) or decimal
// digit (Nd).
func isNoSpaceLetter(r rune) bool {
	return r >= 0x0E00 && unicode.Is(noSpace, r) && !unicode.Is(noSpaceNonLetters, r)
}

// deleted holds the characters removed from normalized tokens.
var deleted = rangetable.Merge(unicode.P, unicode.S, unicode.Cc, unicode.Cf, unicode.Variation_Selector)

// latin1Kind classifies U+0000..U+00FF after normalization, to avoid
// table lookups for the most common characters.
const (
	kKeep = iota
	kSpace
	kDelete
)

var latin1Kind = func() (t [256]uint8) {
	for r := rune(0); r < 256; r++ {
		switch {
		case unicode.IsSpace(r):
			t[r] = kSpace
		case unicode.Is(deleted, r):
			t[r] = kDelete
		}
	}
	return t
}()

// scratch holds the buffers of the general algorithm; it lives in a pool
// so that the normalizer itself is stateless.
type scratch struct {
	a, b []byte
	iter norm.Iter
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{a: make([]byte, 0, 256), b: make([]byte, 0, 256)}
}}

var folder = cases.Fold() // stateless, safe for concurrent use

// tokenize runs the general algorithm on src, a complete text or a chunk
// between cut points; base is the offset of src in the original text.
// With general set, ASCII pieces are not special-cased (used as the
// reference implementation in tests).
func (sc *scratch) tokenize(t *Tokens, src []byte, base int, general bool) {
	state := -1
	rest := src
	wordStart, pos := 0, 0
	for len(rest) > 0 {
		var w []byte
		w, rest, state = uniseg.FirstWord(rest, state)
		pos += len(w)
		if len(rest) > 0 && joinsAM(src[:pos], rest) {
			continue
		}
		sc.word(t, src[wordStart:pos], base+wordStart, general)
		wordStart = pos
	}
}

// joinsAM reports whether the word boundary between before and after is
// to be ignored: after starts with SARA AM / LAO AM and before ends with a
// letter or mark.
func joinsAM(before, after []byte) bool {
	// U+0E33 is E0 B8 B3, U+0EB3 is E0 BA B3.
	if len(after) < 3 || after[0] != 0xE0 || after[2] != 0xB3 || after[1] != 0xB8 && after[1] != 0xBA {
		return false
	}
	r, _ := utf8.DecodeLastRune(before)
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsMark(r))
}

// word splits a word into pieces (no-space clusters and the runs between
// them) and normalizes each.
func (sc *scratch) word(t *Tokens, w []byte, off int, general bool) {
	// All no-space letters are ≥ U+0E00, i.e. encoded with a lead byte ≥ 0xE0.
	has := false
	for i := 0; i < len(w); {
		if w[i] < 0xE0 {
			i++
			continue
		}
		r, size := utf8.DecodeRune(w[i:])
		if isNoSpaceLetter(r) {
			has = size < len(w) // a word of one rune is one piece
			break
		}
		i += size
	}
	if !has {
		sc.piece(t, w, off, general)
		return
	}
	state := -1
	runStart, pos := 0, 0
	rest := w
	for len(rest) > 0 {
		var c []byte
		c, rest, _, state = uniseg.FirstGraphemeCluster(rest, state)
		if r, _ := utf8.DecodeRune(c); isNoSpaceLetter(r) {
			if runStart < pos {
				sc.piece(t, w[runStart:pos], off+runStart, general)
			}
			sc.piece(t, c, off+pos, general)
			runStart = pos + len(c)
		}
		pos += len(c)
	}
	if runStart < pos {
		sc.piece(t, w[runStart:pos], off+runStart, general)
	}
}

// piece normalizes p = original[off:off+len(p)] and appends its tokens.
func (sc *scratch) piece(t *Tokens, p []byte, off int, general bool) {
	end := off + len(p)
	if !general {
		ascii := true
		for _, c := range p {
			if c >= utf8.RuneSelf {
				ascii = false
				break
			}
		}
		if ascii {
			// NFKC and case folding of ASCII are ASCII lower-casing; every
			// ASCII character other than letters, digits and white space is
			// P*, S* or Cc.
			normStart := len(t.norm)
			for _, c := range p {
				if asciiClass[c]&cAlnum != 0 {
					t.norm = append(t.norm, asciiLower[c])
				} else if latin1Kind[c] == kSpace {
					t.endToken(off, end, normStart)
					normStart = len(t.norm)
				}
			}
			t.endToken(off, end, normStart)
			return
		}
	}

	// Invalid UTF-8 → U+FFFD.
	src := p
	if !utf8.Valid(p) {
		sc.b = sc.b[:0]
		for i := 0; i < len(p); {
			r, size := utf8.DecodeRune(p[i:])
			sc.b = utf8.AppendRune(sc.b, r)
			i += size
		}
		src = sc.b
	}
	sc.a = sc.nfkcAppend(sc.a[:0], src)
	if n, _ := folder.Span(sc.a, true); general || n < len(sc.a) {
		sc.b = foldAppend(sc.b[:0], sc.a)
		sc.a = sc.nfkcAppend(sc.a[:0], sc.b)
	}

	normStart := len(t.norm)
	inNoSpace := false // the current token is a no-space letter (+ marks)
	s := sc.a
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		kind := kKeep
		if r < utf8.RuneSelf {
			kind = int(latin1Kind[r])
		} else {
			r, size = utf8.DecodeRune(s[i:])
			switch {
			case r <= 0xFF:
				kind = int(latin1Kind[r])
			case unicode.IsSpace(r):
				kind = kSpace
			case unicode.Is(deleted, r):
				kind = kDelete
			}
		}
		switch kind {
		case kSpace:
			t.endToken(off, end, normStart)
			normStart = len(t.norm)
			inNoSpace = false
		case kDelete:
		default:
			if inNoSpace {
				if unicode.Is(unicode.M, r) {
					break // a mark stays with its no-space letter
				}
				t.endToken(off, end, normStart)
				normStart = len(t.norm)
				inNoSpace = false
			}
			if r >= 0x0E00 && isNoSpaceLetter(r) {
				t.endToken(off, end, normStart)
				normStart = len(t.norm)
				inNoSpace = true
			}
		}
		if kind == kKeep {
			t.norm = append(t.norm, s[i:i+size]...)
		}
		i += size
	}
	t.endToken(off, end, normStart)
}

// nfkcAppend appends the NFKC form of src to dst. It is norm.NFKC.Append
// without its allocation of a reorder buffer for input that is not
// already normalized.
func (sc *scratch) nfkcAppend(dst, src []byte) []byte {
	if norm.NFKC.QuickSpan(src) == len(src) {
		return append(dst, src...)
	}
	sc.iter.Init(norm.NFKC, src)
	for !sc.iter.Done() {
		dst = append(dst, sc.iter.Next()...)
	}
	return dst
}

// foldAppend appends the full case folding of src to dst.
func foldAppend(dst, src []byte) []byte {
	if need := len(dst) + 3*len(src) + 16; cap(dst) < need {
		dst = append(make([]byte, 0, need), dst...)
	}
	for {
		nDst, nSrc, err := folder.Transform(dst[len(dst):cap(dst)], src, true)
		dst = dst[:len(dst)+nDst]
		src = src[nSrc:]
		if err != transform.ErrShortDst || len(src) == 0 {
			return dst
		}
		dst = append(dst[:cap(dst)], make([]byte, 3*len(src)+16)...)[:len(dst)]
	}
}
