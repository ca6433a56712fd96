package text

import (
	"slices"
	"testing"
)

func tokensOf(tb testing.TB, s string) *Tokens {
	tb.Helper()
	var t Tokens
	mustLookup(tb, "unicode-v1").Tokenize(&t, []byte(s))
	return &t
}

func TestNGramHashes(t *testing.T) {
	const seed = 42
	a := tokensOf(t, "Hello, World! It's a test.")
	for _, s := range []string{"hello world its a test", "HELLO  WORLD—it’s A TEST…", "Ｈｅｌｌｏ ｗｏｒｌｄ ｉｔ'ｓ ａ ｔｅｓｔ"} {
		b := tokensOf(t, s)
		for n := 1; n <= 5; n++ {
			ha, hb := NGramHashes(nil, a, n, seed), NGramHashes(nil, b, n, seed)
			if len(ha) != a.Len()-n+1 {
				t.Fatalf("n=%d: %d hashes for %d tokens", n, len(ha), a.Len())
			}
			if !slices.Equal(ha, hb) {
				t.Errorf("n=%d: hashes differ between %q and %q", n, "Hello, World! It's a test.", s)
			}
		}
	}

	// Different seeds, different hashes.
	h1, h2 := NGramHashes(nil, a, 3, 1), NGramHashes(nil, a, 3, 2)
	for i := range h1 {
		if h1[i] == h2[i] {
			t.Errorf("n-gram %d has the same hash with seeds 1 and 2", i)
		}
	}

	// Different text, different hashes; order matters.
	if x, y := NGramHashes(nil, tokensOf(t, "a b"), 2, seed), NGramHashes(nil, tokensOf(t, "b a"), 2, seed); x[0] == y[0] {
		t.Errorf("\"a b\" and \"b a\" have the same 2-gram hash")
	}
	if x, y := NGramHashes(nil, tokensOf(t, "ab c"), 2, seed), NGramHashes(nil, tokensOf(t, "a bc"), 2, seed); x[0] == y[0] {
		t.Errorf("\"ab c\" and \"a bc\" have the same 2-gram hash")
	}

	// Too short or bad n: none, and dst is returned unchanged.
	dst := []uint64{7}
	for _, n := range []int{a.Len() + 1, 100, 0, -1} {
		if got := NGramHashes(dst, a, n, seed); !slices.Equal(got, dst) {
			t.Errorf("n=%d with %d tokens: got %v", n, a.Len(), got)
		}
	}
	if got := NGramHashes(nil, tokensOf(t, ""), 1, seed); len(got) != 0 {
		t.Errorf("empty text: got %v", got)
	}

	// n == len: exactly one; hashes are appended to dst.
	if got := NGramHashes(dst, a, a.Len(), seed); len(got) != 2 || got[0] != 7 {
		t.Errorf("n=len: got %v", got)
	}

	// NGramHashes is NGramHashesOf over TokenHash.
	th := make([]uint64, a.Len())
	for i := range th {
		th[i] = TokenHash(a.Norm(i), seed)
	}
	for n := 1; n <= a.Len(); n++ {
		if x, y := NGramHashes(nil, a, n, seed), NGramHashesOf(nil, th, n, seed); !slices.Equal(x, y) {
			t.Errorf("n=%d: NGramHashes != NGramHashesOf", n)
		}
	}

	// n-grams longer than the stack buffer of NGramHashesOf.
	long := tokensOf(t, string(englishText(2000)))
	h := NGramHashes(nil, long, 40, seed)
	if len(h) != long.Len()-39 {
		t.Errorf("n=40: %d hashes for %d tokens", len(h), long.Len())
	}
}

func BenchmarkNGramHashes(b *testing.B) {
	src := englishText(1 << 20)
	toks := tokensOf(b, string(src))
	const n = 13
	dst := NGramHashes(nil, toks, n, 0)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		dst = NGramHashes(dst[:0], toks, n, 0)
	}
	b.ReportMetric(float64(len(dst)), "ngrams/op")
}
