// Package text holds contam's named, versioned normalizers (text → tokens)
// and the n-gram hashing built on them.
//
// A normalizer turns the original bytes of a document or benchmark item into
// a sequence of tokens. Every token keeps the byte range [Start, End) of the
// original text it came from, so that matches can be shown as the user wrote
// them, and a normalized form that is what gets compared and hashed. The
// normalizer's name (which includes its version) is recorded in the index
// manifest; the query side always takes it from there. Changing what a
// normalizer produces for any input requires a new name.
package text

import (
	"fmt"
	"sort"
)

// Normalizer splits text into normalized tokens.
type Normalizer interface {
	// Name is the versioned name recorded in manifests, e.g. "unicode-v1".
	Name() string
	// Tokenize appends the tokens of src to dst. It never fails: any byte
	// sequence (including invalid UTF-8) yields some token sequence.
	Tokenize(dst *Tokens, src []byte)
}

// Tokens is a reusable, allocation-friendly token sequence: parallel slices
// instead of one struct per token, so tokenizing a document costs a few
// amortized appends rather than an allocation per token.
type Tokens struct {
	Start []int // byte offset in the original text where token i starts
	End   []int // byte offset in the original text where token i ends (exclusive)

	norm    []byte // normalized forms, concatenated
	normEnd []int  // token i's normalized form is norm[normEnd[i-1]:normEnd[i]]
}

// Len is the number of tokens.
func (t *Tokens) Len() int { return len(t.Start) }

// Norm returns token i's normalized form. The slice aliases internal storage.
func (t *Tokens) Norm(i int) []byte {
	lo := 0
	if i > 0 {
		lo = t.normEnd[i-1]
	}
	return t.norm[lo:t.normEnd[i]]
}

// Reset empties t, keeping its storage.
func (t *Tokens) Reset() {
	t.Start, t.End, t.norm, t.normEnd = t.Start[:0], t.End[:0], t.norm[:0], t.normEnd[:0]
}

// Append adds a token covering src[start:end] whose normalized form is norm.
func (t *Tokens) Append(start, end int, norm []byte) {
	t.Start = append(t.Start, start)
	t.End = append(t.End, end)
	t.norm = append(t.norm, norm...)
	t.normEnd = append(t.normEnd, len(t.norm))
}

// AppendString is Append for a string normalized form.
func (t *Tokens) AppendString(start, end int, norm string) {
	t.Start = append(t.Start, start)
	t.End = append(t.End, end)
	t.norm = append(t.norm, norm...)
	t.normEnd = append(t.normEnd, len(t.norm))
}

var registry = map[string]Normalizer{}

// Register makes a normalizer available by name. It is called from init
// functions of this package only; a duplicate name is a programming error
// caught by the package's tests.
func register(n Normalizer) { registry[n.Name()] = n }

// Lookup returns the normalizer with the given versioned name.
func Lookup(name string) (Normalizer, error) {
	n, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("text: unknown normalizer %q (known: %v)", name, Names())
	}
	return n, nil
}

// Names lists the registered normalizers, sorted.
func Names() []string {
	var names []string
	for k := range registry {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Default is the normalizer used when a build does not name one.
const Default = "unicode-v1"
