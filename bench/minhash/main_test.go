package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	minhashlsh "github.com/ekzhu/minhash-lsh"
)

func shingles(n int, text string) []string {
	s := &shingler{n: n}
	var out []string
	s.each([]byte(text), func(b []byte) { out = append(out, string(b)) })
	return out
}

func TestShingles(t *testing.T) {
	for _, c := range []struct {
		n    int
		text string
		want []string
	}{
		{5, "", nil},
		{5, " -- !! ", nil},
		{5, "Janet's ducks", []string{"janet s ducks"}},
		{2, "Hello, WORLD!  foo_bar\n1,000 Ünïcode", []string{"hello world", "world foo", "foo bar", "bar 1", "1 000", "000 ünïcode"}},
		{5, "a b c d e f", []string{"a b c d e", "b c d e f"}},
		{3, "def f(x):\n    return x+1", []string{"def f x", "f x return", "x return x", "return x 1"}},
	} {
		if got := shingles(c.n, c.text); !slices.Equal(got, c.want) {
			t.Errorf("shingles(%d, %q) = %q, want %q", c.n, c.text, got, c.want)
		}
	}
}

func TestSetsAndEstimates(t *testing.T) {
	k := &sketcher{sh: shingler{n: 5}, perm: 128, seed: 1, keepSet: true}
	var words []string
	for i := range 200 {
		words = append(words, fmt.Sprintf("w%d", i))
	}
	item := strings.Join(words[50:100], " ") // 46 shingles
	doc := strings.Join(words, " ")          // 196 shingles, holds the item
	other := strings.Join(words[100:], " ")  // shares nothing with the item
	si, sd, so := k.sketch([]byte(item)), k.sketch([]byte(doc)), k.sketch([]byte(other))
	if si.n != 46 || sd.n != 196 || len(si.set) != 46 {
		t.Fatalf("shingle counts %d %d %d", si.n, sd.n, len(si.set))
	}
	if got := containment(si.set, sd.set); got != 1 {
		t.Errorf("containment in the holding doc = %v, want 1", got)
	}
	if got := containment(si.set, so.set); got != 0 {
		t.Errorf("containment in a disjoint doc = %v, want 0", got)
	}
	// The MinHash estimate of J = 46/196 ≈ 0.235 must be near it.
	if j := estJaccard(si.sig, sd.sig); j < 0.1 || j > 0.4 {
		t.Errorf("estimated Jaccard %v, want ≈ 0.235", j)
	}
	if j := estJaccard(si.sig, si.sig); j != 1 {
		t.Errorf("self Jaccard %v", j)
	}
	cont, jac := exactAll([]benchItem{{sk: si}}, []sketch{so, sd})
	if cont[0] != 1 || jac[0] != 46.0/196 {
		t.Errorf("exactAll = %v, %v; want 1, %v", cont, jac, 46.0/196)
	}
	if s := k.sketch([]byte("!!")); s.sig != nil || s.n != 0 {
		t.Errorf("a text without words has a sketch: %+v", s)
	}

	// The LSH index finds the near-duplicate, not the disjoint document.
	idx := minhashlsh.NewMinhashLSH(128, 0.5)
	near := strings.Join(append(append([]string{}, words[50:98]...), "x", "y"), " ")
	sn := k.sketch([]byte(near))
	idx.Add(0, so.sig)
	idx.Add(1, sn.sig)
	idx.Index()
	got := idx.Query(si.sig)
	if len(got) != 1 || got[0].(int) != 1 {
		t.Errorf("LSH candidates %v, want [1]", got)
	}
}

func TestScore(t *testing.T) {
	items := []benchItem{
		{id: "a", category: "verbatim"}, {id: "b", category: "embedded"},
		{id: "c", category: "clean"}, {id: "d", category: "clean"}, {id: "e", category: "natural_overlap"},
	}
	v := []float64{0.9, 0.05, 0.2, 0, 0.5}
	m := score(items, atLeast(v, 0.1))
	if m.tp != 1 || m.fn != 1 || m.fp != 1 || m.tn != 1 {
		t.Fatalf("tp fn fp tn = %d %d %d %d", m.tp, m.fn, m.fp, m.tn)
	}
	if m.precision != 0.5 || m.recall != 0.5 || m.f1 != 0.5 || m.fpr != 0.5 {
		t.Errorf("p r f1 fpr = %v %v %v %v", m.precision, m.recall, m.f1, m.fpr)
	}
	if m.flagged["natural_overlap"] != 1 || m.total["clean"] != 2 {
		t.Errorf("per category %v / %v", m.flagged, m.total)
	}
	// Zero never flags, even at a zero threshold; ties prefer fewer false positives.
	if score(items, atLeast(v, 0)).flagged["clean"] != 1 {
		t.Error("a zero score was flagged")
	}
	hi := score(items, atLeast(v, 0.3)) // a, e flagged: F1 2/3, no false positive
	if hi.fp != 0 || !better(hi, m) || better(m, hi) {
		t.Errorf("better: F1 %v (fp %d) vs %v (fp %d)", hi.f1, hi.fp, m.f1, m.fp)
	}
	tie1, tie2 := m, m
	tie1.fp, tie1.thresh, tie2.thresh = 0, 0.1, 0.2
	if !better(tie1, tie2) {
		t.Error("equal F1: fewer false positives must win")
	}
	tie1.fp = m.fp
	if !better(tie2, tie1) {
		t.Error("equal F1 and false positives: the higher threshold must win")
	}
	if !better(m, metrics{f1: -1}) {
		t.Error("anything beats none")
	}
}
