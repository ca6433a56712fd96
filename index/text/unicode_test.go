package text

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

var update = flag.Bool("update", false, "rewrite the expected outputs in testdata/unicode-v1.txt")

const goldenFile = "testdata/unicode-v1.txt"

func mustLookup(tb testing.TB, name string) Normalizer {
	tb.Helper()
	n, err := Lookup(name)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// reference tokenizes src with the general algorithm only: no ASCII fast
// path, no chunking, no shortcuts. Tokenize must agree with it on every
// input.
func reference(src []byte) *Tokens {
	var t Tokens
	(&scratch{}).tokenize(&t, src, 0, true)
	return &t
}

func tokenize(src []byte) *Tokens {
	var t Tokens
	unicodeV1{}.Tokenize(&t, src)
	return &t
}

// fastOnly tokenizes ASCII src with the fast scanner alone.
func fastOnly(tb testing.TB, src []byte) *Tokens {
	var t Tokens
	if j := scanASCII(&t, src, 0); j != len(src) {
		tb.Fatalf("scanASCII stopped at %d of %d on ASCII input %q", j, len(src), src)
	}
	return &t
}

// render formats tokens one per line as `[start,end) "orig" => "norm"`.
func render(src []byte, t *Tokens) []string {
	var out []string
	for i := 0; i < t.Len(); i++ {
		out = append(out, fmt.Sprintf("[%d,%d) %s => %s", t.Start[i], t.End[i],
			strconv.Quote(string(src[t.Start[i]:t.End[i]])), strconv.Quote(string(t.Norm(i)))))
	}
	return out
}

func sameTokens(a, b *Tokens) bool {
	if a.Len() != b.Len() {
		return false
	}
	for i := 0; i < a.Len(); i++ {
		if a.Start[i] != b.Start[i] || a.End[i] != b.End[i] || !bytes.Equal(a.Norm(i), b.Norm(i)) {
			return false
		}
	}
	return true
}

func diffTokens(tb testing.TB, what string, src []byte, got, want *Tokens) {
	tb.Helper()
	if !sameTokens(got, want) {
		tb.Errorf("%s differs on %q:\ngot:\n  %s\nwant:\n  %s", what, src,
			strings.Join(render(src, got), "\n  "), strings.Join(render(src, want), "\n  "))
	}
}

// checkInvariants checks the Tokens contract: ranges inside src, in order,
// non-empty normalized forms, valid UTF-8.
func checkInvariants(tb testing.TB, src []byte, t *Tokens) {
	tb.Helper()
	prevStart := 0
	for i := 0; i < t.Len(); i++ {
		s, e := t.Start[i], t.End[i]
		if s < prevStart || s >= e || e > len(src) {
			tb.Fatalf("token %d has bad range [%d,%d) (prev start %d, len %d) in %q", i, s, e, prevStart, len(src), src)
		}
		prevStart = s
		n := t.Norm(i)
		if len(n) == 0 || !utf8Valid(n) {
			tb.Fatalf("token %d [%d,%d) has bad norm %q in %q", i, s, e, n, src)
		}
		if bytes.ContainsFunc(n, unicode.IsSpace) {
			tb.Fatalf("token %d [%d,%d) norm %q contains white space", i, s, e, n)
		}
	}
}

func utf8Valid(b []byte) bool { return strings.ToValidUTF8(string(b), "\uFFFD") == string(b) }

func TestLookup(t *testing.T) {
	n, err := Lookup("unicode-v1")
	if err != nil {
		t.Fatal(err)
	}
	if n.Name() != "unicode-v1" {
		t.Errorf("Name() = %q", n.Name())
	}
	if _, err := Lookup(Default); err != nil {
		t.Errorf("Default %q: %v", Default, err)
	}
	for _, name := range []string{"", "unicode", "unicode-v2", "UNICODE-V1"} {
		if n, err := Lookup(name); err == nil {
			t.Errorf("Lookup(%q) = %v, want error", name, n)
		}
	}
	found := false
	for _, name := range Names() {
		if name == "unicode-v1" {
			found = true
		}
		if got := registry[name].Name(); got != name {
			t.Errorf("registry[%q].Name() = %q", name, got)
		}
	}
	if !found {
		t.Errorf("Names() = %v, missing unicode-v1", Names())
	}
}

// TestUnicodeVersions pins the Unicode versions of the tables unicode-v1
// depends on. If this fails after a Go or golang.org/x/text upgrade, the
// tokens of some inputs may have changed: check (TestGolden, and the
// release notes) and, if anything changed, introduce a new normalizer
// name instead of editing unicode-v1.
func TestUnicodeVersions(t *testing.T) {
	if unicode.Version != "15.0.0" {
		t.Errorf("unicode.Version = %s, unicode-v1 was defined with 15.0.0", unicode.Version)
	}
	if norm.Version != "15.0.0" {
		t.Errorf("norm.Version = %s, unicode-v1 was defined with 15.0.0", norm.Version)
	}
}

// TestGolden checks testdata/unicode-v1.txt; -update rewrites the expected
// tokens (review the diff).
func TestGolden(t *testing.T) {
	f, err := os.Open(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	var in []byte
	var want, got []string
	cases := 0
	flush := func() {
		if in == nil {
			return
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") && !*update {
			t.Errorf("input %q:\ngot:\n  %s\nwant:\n  %s", in, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		for _, l := range got {
			fmt.Fprintf(&out, "  %s\n", l)
		}
		in, want, got = nil, nil, nil
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "in: "):
			flush()
			s, err := strconv.Unquote(line[len("in: "):])
			if err != nil {
				t.Fatalf("bad input line %q: %v", line, err)
			}
			in = []byte(s)
			cases++
			toks := tokenize(in)
			checkInvariants(t, in, toks)
			diffTokens(t, "Tokenize vs reference", in, toks, reference(in))
			got = render(in, toks)
			if len(got) == 0 {
				got = []string{"(no tokens)"}
			}
			fmt.Fprintf(&out, "in: %s\n", strconv.Quote(s))
		case strings.HasPrefix(line, "  "):
			if in == nil {
				t.Fatalf("token line %q outside a case", line)
			}
			want = append(want, line[2:])
		default: // comment or blank line
			flush()
			out.WriteString(line + "\n")
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cases < 50 {
		t.Errorf("only %d cases in %s", cases, goldenFile)
	}
	if *update {
		if err := os.WriteFile(goldenFile, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestEquivalentSpellings checks that different spellings of the same text
// give the same normalized tokens.
func TestEquivalentSpellings(t *testing.T) {
	groups := [][]string{
		{"Hello, World!", "hello world", "HELLO WORLD", "Ｈｅｌｌｏ，ｗｏｒｌｄ！", "hello\u00a0world", "«Hello»\u2014World…"},
		{"café crème", "cafe\u0301 cre\u0300me", "CAFÉ CRÈME"},
		{"don't", "don’t", "DON'T"},
		{"strasse", "Straße", "STRASSE", "STRAẞE"},
		{"οδοσ", "ΟΔΟΣ", "οδος"},
		{"fine", "ﬁne", "FINE"},
		{"1000000", "1,000,000", "1.000.000", "１，０００，０００"},
		{"株式会社", "㍿"},
		{"ガギ", "ｶﾞｷﾞ", "カ\u3099キ\u3099"},
		{"ทำงาน", "ทํางาน"},
		{"contam", "con\u00adtam", "\ufeffcontam"},
	}
	for _, g := range groups {
		want := norms(tokenize([]byte(g[0])))
		for _, s := range g[1:] {
			if got := norms(tokenize([]byte(s))); got != want {
				t.Errorf("%q → %s, but %q → %s", g[0], want, s, got)
			}
		}
	}
}

func normList(t *Tokens) []string {
	var parts []string
	for i := 0; i < t.Len(); i++ {
		parts = append(parts, string(t.Norm(i)))
	}
	return parts
}

func norms(t *Tokens) string { return strconv.Quote(strings.Join(normList(t), "|")) }

func TestNoSpaceLetters(t *testing.T) {
	n := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		want := unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai,
			unicode.Lao, unicode.Khmer, unicode.Myanmar) || r == 0x30FC || r == 0xFF70 || r >= 0x3031 && r <= 0x3035
		want = want && !unicode.Is(unicode.M, r) && !unicode.Is(unicode.Nd, r)
		if got := isNoSpaceLetter(r); got != want {
			t.Fatalf("isNoSpaceLetter(%U) = %v, want %v", r, got, want)
		}
		if want {
			n++
		}
	}
	t.Logf("%d no-space letters", n)
}

// TestASCIIPieceShortcut checks the assumption behind the ASCII shortcuts:
// every ASCII character other than letters, digits and white space is
// deleted by the general algorithm.
func TestASCIIPieceShortcut(t *testing.T) {
	for c := 0; c < 128; c++ {
		r := rune(c)
		alnum := asciiClass[c]&cAlnum != 0
		space := latin1Kind[c] == kSpace
		if alnum != (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			t.Errorf("%q: asciiClass alnum = %v", r, alnum)
		}
		if !alnum && !space && latin1Kind[c] != kDelete {
			t.Errorf("%q is neither alphanumeric, space nor deleted", r)
		}
	}
}

// Tricky ASCII inputs; also the seed corpus of the fuzz tests.
var asciiSeeds = []string{
	"", "a", "e.g.", "3.14", "1,000,000", "can't", "a_b", "x'y'z", "...", "a.b.c", "1.a", "a:b",
	"U.S.A.", "def f(x): return x**2 # hi", "a1.2", "1a.b", "a.1", "1.2.3", "1;2", "1,,2", "a..b",
	"a'.b", "_a__", "__", "a_.b", "1_.2", "a:1", "1:2", "'a'", "a''b", "a. b", "x.y'z:w", "9'9", "a\"b",
	"end.", ".start", "\r\n", "a\r\nb", "a\tb\vc\fd", "a  b", "\x00a\x7f", "https://x.y/z?q=1&r=2",
	"it's 3:30 p.m. on Jan. 1, 2024; e.g., v1.2.3-rc.1",
}

func TestASCIIFastPathTricky(t *testing.T) {
	for _, s := range asciiSeeds {
		src := []byte(s)
		diffTokens(t, "fast path vs reference", src, fastOnly(t, src), reference(src))
	}
}

// TestASCIIFastPathRandom compares the fast path with the reference on
// many random strings over an alphabet rich in the characters that matter
// to UAX #29.
func TestASCIIFastPathRandom(t *testing.T) {
	const alphabet = "aB1_.:',;\" \t\r\n-x9!"
	rng := rand.New(rand.NewPCG(1, 2))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	buf := make([]byte, 0, 32)
	for i := 0; i < n; i++ {
		buf = buf[:0]
		for l := rng.IntN(24); l > 0; l-- {
			buf = append(buf, alphabet[rng.IntN(len(alphabet))])
		}
		if !sameTokens(fastOnly(t, buf), reference(buf)) {
			diffTokens(t, "fast path vs reference", buf, fastOnly(t, buf), reference(buf))
			return
		}
	}
}

// mixedAlphabet mixes ASCII with characters that exercise the chunking
// between the fast and the general path, grapheme clusters, and the
// no-space scripts.
var mixedAlphabet = []string{
	"a", "Z", "1", "_", ".", ":", "'", ",", " ", " ", "\t", "\n", "\r", "-", "\"",
	"é", "e\u0301", "\u0301", "ß", "İ", "Σ", "ς", "ж", "\u00a0", "\u3000", "’", "—", "…",
	"東", "京", "ひ", "カ", "ｶ", "ﾞ", "ー", "ท", "ำ", "\u0e34", "า", "๒", "ລ", "ຳ", "ក", "\u17d2", "မ",
	"㍿", "ﬁ", "½", "²", "１", "，", "👍", "\U0001F3FD", "\u200d", "\u200b", "\u00ad", "\ufe0f", "🇺", "🇸",
	"\xff", "\xe2\x82", "\xc3", "\x00", "א", "\u05f4", "٣", "\u0600", "\u0d4e",
}

func randomMixed(rng *rand.Rand, maxLen int) []byte {
	var b []byte
	for l := rng.IntN(maxLen + 1); l > 0; l-- {
		b = append(b, mixedAlphabet[rng.IntN(len(mixedAlphabet))]...)
	}
	return b
}

// TestTokenizeRandom compares Tokenize (fast path + chunking + general
// path) with the reference on random mixed text.
func TestTokenizeRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for i := 0; i < n; i++ {
		src := randomMixed(rng, 20)
		got := tokenize(src)
		checkInvariants(t, src, got)
		if want := reference(src); !sameTokens(got, want) {
			diffTokens(t, "Tokenize vs reference", src, got, want)
			return
		}
	}
}

// TestTokenizeAppends checks that Tokenize appends to existing tokens and
// that a reused Tokens gives the same result.
func TestTokenizeAppends(t *testing.T) {
	nz := mustLookup(t, "unicode-v1")
	a, b := []byte("Hello, wörld. 東京 it's"), []byte("second TEXT")
	var toks Tokens
	nz.Tokenize(&toks, a)
	n := toks.Len()
	nz.Tokenize(&toks, b)
	if got, want := normList(&toks), append(normList(tokenize(a)), normList(tokenize(b))...); !slices.Equal(got, want) {
		t.Errorf("appended tokens = %q, want %q", got, want)
	}
	if toks.Start[n] != 0 {
		t.Errorf("second text starts at %d", toks.Start[n])
	}
	toks.Reset()
	nz.Tokenize(&toks, a)
	diffTokens(t, "reused Tokens", a, &toks, tokenize(a))
}

func TestConcurrentTokenize(t *testing.T) {
	nz := mustLookup(t, "unicode-v1")
	rng := rand.New(rand.NewPCG(5, 6))
	texts := make([][]byte, 200)
	want := make([]*Tokens, len(texts))
	for i := range texts {
		texts[i] = randomMixed(rng, 200)
		want[i] = tokenize(texts[i])
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var toks Tokens
			for k := 0; k < 3; k++ {
				for i, src := range texts {
					toks.Reset()
					nz.Tokenize(&toks, src)
					if !sameTokens(&toks, want[i]) {
						t.Errorf("concurrent Tokenize differs on %q", src)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestTokenizeAllocs(t *testing.T) {
	nz := mustLookup(t, "unicode-v1")
	for _, tc := range []struct {
		name string
		src  []byte
		max  float64
	}{
		{"ASCII", englishText(64 << 10), 0},
		// The general path takes its buffers from a sync.Pool, which the GC
		// (and the race detector, on purpose) may empty: allow a few.
		{"Unicode", unicodeText(64 << 10), 5},
	} {
		var toks Tokens
		nz.Tokenize(&toks, tc.src) // warm up: grow toks and the pool
		allocs := testing.AllocsPerRun(20, func() {
			toks.Reset()
			nz.Tokenize(&toks, tc.src)
		})
		if allocs > tc.max {
			t.Errorf("%s: %.1f allocations per Tokenize of %d bytes (%d tokens), want ≤ %v",
				tc.name, allocs, len(tc.src), toks.Len(), tc.max)
		}
	}
}

func FuzzASCIIFastPath(f *testing.F) {
	for _, s := range asciiSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for i := range data {
			data[i] &= 0x7F // arbitrary ASCII
		}
		diffTokens(t, "fast path vs reference", data, fastOnly(t, data), reference(data))
	})
}

func FuzzTokenize(f *testing.F) {
	for _, s := range asciiSeeds {
		f.Add([]byte(s))
	}
	for _, s := range []string{
		"I love 東京", "ทำงาน ทํางาน", "ｶﾞｷﾞ", "café cafe\u0301", "a\u00a0b", "ab\xffcd", "👨‍👩‍👧 🇺🇸🇫🇷",
		"Ｈｅｌｌｏ，ｗｏｒｌｄ！", "x. é.y 1,٣ a.\u0301b", "Straße ΟΔΟΣ İ", "㍿ ½ ﬁ",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got := tokenize(data)
		checkInvariants(t, data, got)
		diffTokens(t, "Tokenize vs reference", data, got, reference(data))
	})
}

func Example_unicodeV1() {
	nz, _ := Lookup("unicode-v1")
	src := []byte("Ｈｅｌｌｏ, World! Don’t pay $1,000.50 for the café in 東京 👍")
	var toks Tokens
	nz.Tokenize(&toks, src)
	for i := 0; i < toks.Len(); i++ {
		fmt.Printf("%q [%d,%d) %q\n", toks.Norm(i), toks.Start[i], toks.End[i], src[toks.Start[i]:toks.End[i]])
	}
	// Output:
	// "hello" [0,15) "Ｈｅｌｌｏ"
	// "world" [17,22) "World"
	// "dont" [24,31) "Don’t"
	// "pay" [32,35) "pay"
	// "100050" [37,45) "1,000.50"
	// "for" [46,49) "for"
	// "the" [50,53) "the"
	// "café" [54,59) "café"
	// "in" [60,62) "in"
	// "東" [63,66) "東"
	// "京" [66,69) "京"
}

// TestNFKCAppend checks the allocation-free NFKC against norm.NFKC.Bytes.
func TestNFKCAppend(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	sc := &scratch{}
	for i := 0; i < 5000; i++ {
		src := []byte(strings.ToValidUTF8(string(randomMixed(rng, 40)), "\uFFFD"))
		if i%2 == 0 {
			// long runs of combining marks exercise the stream-safe segmentation
			src = append(src, strings.Repeat("\u0301\u0323", rng.IntN(40))...)
		}
		if got, want := sc.nfkcAppend(nil, src), norm.NFKC.Bytes(src); !bytes.Equal(got, want) {
			t.Fatalf("nfkcAppend(%q) = %q, want %q", src, got, want)
		}
	}
}

// --- benchmarks ---

const englishParagraph = `The committee met on Tuesday, March 3, to review the 2023 budget. ` +
	`According to the report, spending rose 4.5% to $1,250,000, while revenue fell. ` +
	`"We can't keep doing this," said Dr. Smith, the group's chair; others disagreed. ` +
	`The U.S. delegation (led by J. R. Miller) argued that e.g. a 10:1 ratio was fine. ` +
	`In the end, the vote was 7-2 in favor of the proposal, which takes effect next year.` + "\n"

var benchWords = strings.Fields("river mountain history science music theory market village " +
	"station council season player album election century species language system")

// englishText returns about n bytes of ASCII English prose.
func englishText(n int) []byte {
	rng := rand.New(rand.NewPCG(7, 8))
	var b []byte
	for len(b) < n {
		for _, w := range strings.Fields(englishParagraph) {
			if rng.IntN(4) == 0 {
				w = benchWords[rng.IntN(len(benchWords))]
			}
			b = append(b, w...)
			b = append(b, ' ')
		}
		b = append(b, '\n')
	}
	return b
}

const unicodeParagraphs = `Die Straße in München ist schön; Größe: 1.000 m². ` +
	`Le café près de l’église coûte 3,50 € — «très cher». ` +
	`Москва — столица России, население ≈ 13 млн. ` +
	`Η Αθήνα είναι η πρωτεύουσα της Ελλάδας. ` +
	`東京は日本の首都です。人口は約1400万人。 ` +
	`北京是中华人民共和国的首都。 ` +
	`กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย ` +
	`서울은 대한민국의 수도이다. ` +
	`القاهرة هي عاصمة مصر. ` +
	`It’s “smart quotes” and emoji 👍🏽 time…` + "\n"

// unicodeText returns about n bytes of multilingual text.
func unicodeText(n int) []byte {
	var b []byte
	for len(b) < n {
		b = append(b, unicodeParagraphs...)
	}
	return b
}

func benchTokenize(b *testing.B, src []byte) {
	nz := mustLookup(b, "unicode-v1")
	var toks Tokens
	nz.Tokenize(&toks, src)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		toks.Reset()
		nz.Tokenize(&toks, src)
	}
	b.ReportMetric(float64(toks.Len()), "tokens/op")
}

func BenchmarkTokenizeASCII(b *testing.B) { benchTokenize(b, englishText(1<<20)) }

func BenchmarkTokenizeUnicode(b *testing.B) { benchTokenize(b, unicodeText(1<<20)) }

// BenchmarkTokenizeASCIIReference is the general algorithm on the ASCII
// text, for comparison with the fast path.
func BenchmarkTokenizeASCIIReference(b *testing.B) {
	src := englishText(1 << 20)
	var toks Tokens
	sc := &scratch{}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		toks.Reset()
		sc.tokenize(&toks, src, 0, false)
	}
}

const wikiFile = "/work/shared/data/dev/corpus/wiki-00.jsonl"

// BenchmarkTokenizeWiki tokenizes the documents of the dev wiki corpus.
func BenchmarkTokenizeWiki(b *testing.B) {
	data, err := os.ReadFile(wikiFile)
	if err != nil {
		b.Skipf("dev corpus not available (%v); this benchmark needs %s", err, wikiFile)
	}
	var docs [][]byte
	total := 0
	for _, line := range bytes.Split(data, []byte("\n")) {
		var d struct{ Text string }
		if len(line) == 0 || json.Unmarshal(line, &d) != nil {
			continue
		}
		docs = append(docs, []byte(d.Text))
		total += len(d.Text)
	}
	nz := mustLookup(b, "unicode-v1")
	var toks Tokens
	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range docs {
			toks.Reset()
			nz.Tokenize(&toks, d)
		}
	}
}
