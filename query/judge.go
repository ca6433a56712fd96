package query

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/zeebo/xxh3"

	"github.com/contam-dev/contam/index/text"
	"github.com/contam-dev/contam/query/item"
)

// benchContext is what the standards need from the whole benchmark rather
// than from one item.
type benchContext struct {
	gpt3N    int             // gpt3's N for this benchmark
	template map[uint64]bool // index n-grams found in many items of the benchmark
	affected int             // items whose default verdict discounted template or boilerplate n-grams
}

// checkStandards validates the requested standards against the index.
func (c *Checker) checkStandards() error {
	for _, s := range c.opt.Standards {
		switch s {
		case "default", "gpt3", "palm", "llama2", "llama3", "gpt4":
			if c.p.N > 8 {
				return fmt.Errorf("standard %s needs an index with n ≤ 8 (this index: n=%d)", s, c.p.N)
			}
		case "lmeval":
			if c.p.Normalizer != "lmeval-janitor-v1" {
				return fmt.Errorf("standard lmeval needs an index built with --normalizer lmeval-janitor-v1 (this index: %s)", c.p.Normalizer)
			}
			if c.p.N > c.opt.Std.LmevalN {
				return fmt.Errorf("standard lmeval needs an index with n ≤ %d (this index: n=%d)", c.opt.Std.LmevalN, c.p.N)
			}
		default:
			return fmt.Errorf("unknown standard %q (known: %s)", s, strings.Join(StandardNames, ", "))
		}
	}
	return nil
}

// prepare computes the benchmark-wide inputs of the standards: gpt3's N
// (5th percentile of item lengths in tokens, clamped to [8, 13]) and the
// template n-grams (in at least TemplateItems items and 1% of them).
func (c *Checker) prepare(items []item.Item) *benchContext {
	bc := &benchContext{gpt3N: c.opt.Std.GPT3N, template: map[uint64]bool{}}
	lens := make([]int, len(items))
	itemsWith := map[uint64]int{}
	var toks text.Tokens
	for i, it := range items {
		toks.Reset()
		c.norm.Tokenize(&toks, []byte(it.Text))
		lens[i] = toks.Len()
		seen := map[uint64]bool{}
		for _, h := range c.ngramHashes(&toks) {
			if !seen[h] {
				seen[h] = true
				itemsWith[h]++
			}
		}
	}
	if bc.gpt3N == 0 {
		bc.gpt3N = 13
		if len(lens) > 0 {
			sort.Ints(lens)
			p5 := lens[(len(lens)-1)*5/100]
			bc.gpt3N = min(max(p5, 8), 13)
		}
	}
	minItems := max(c.opt.Std.TemplateItems, (len(items)+99)/100)
	for h, n := range itemsWith {
		if n >= minItems {
			bc.template[h] = true
		}
	}
	return bc
}

func (c *Checker) ngramHashes(toks *text.Tokens) []uint64 {
	return text.NGramHashes(nil, toks, c.p.N, c.p.Seed)
}

// coverCounts returns, for each item position i, the number of documents
// holding the item's tokens [i, i+l) (a match of theirs covers it).
func coverCounts(docs []*docMatches, T, l int) []int {
	cnt := make([]int, max(T-l+1, 0))
	for _, d := range docs {
		marked := map[int]bool{} // a position counts a document once
		for _, m := range d.matches {
			for i := m.itemStart; i+l <= m.itemEnd; i++ {
				if !marked[i] {
					marked[i] = true
					cnt[i]++
				}
			}
		}
	}
	return cnt
}

// judge fills r.Standards for the requested standards; bc is the
// benchmark's context (Checker.prepare).
func (c *Checker) judge(r *Result, it item.Item, toks *text.Tokens, docs []*docMatches, bc *benchContext) {
	if len(c.opt.Standards) == 0 {
		return
	}
	p := c.opt.Std
	T := toks.Len()
	r.Standards = map[string]Verdict{}
	for _, s := range c.opt.Standards {
		var v Verdict
		switch s {
		case "default":
			v = c.judgeDefault(r, toks, docs, bc)
		case "gpt3":
			N := bc.gpt3N
			v.Detail = fmt.Sprintf("N=%d", N)
			if T < N {
				v.TooShort = true
				break
			}
			ignored := 0
			for _, n := range coverCounts(docs, T, N) {
				switch {
				case n == 0:
				case p.GPT3MaxDocs >= 0 && n > p.GPT3MaxDocs:
					ignored++
				default:
					v.Value++
				}
			}
			v.Dirty = v.Value > 0
			if p.GPT3MaxDocs >= 0 {
				v.Detail += fmt.Sprintf("; %d-grams found (value) ignoring those in >%d documents (%d ignored)", N, p.GPT3MaxDocs, ignored)
			}
		case "palm", "llama3":
			n, thr := p.PaLMN, p.PaLMFrac
			if s == "llama3" {
				n, thr = p.Llama3N, p.Tau
			}
			if T < n {
				v.TooShort = true
				v.Detail = fmt.Sprintf("fewer than %d tokens", n)
				break
			}
			cnt := coverCounts(docs, T, n)
			if s == "palm" {
				found := 0
				for _, k := range cnt {
					if k > 0 {
						found++
					}
				}
				v.Value = float64(found) / float64(len(cnt))
				v.Detail = fmt.Sprintf("fraction of %d-grams found; dirty at ≥ %.2f", n, thr)
			} else {
				in := make([]bool, T)
				for i, k := range cnt {
					if k > 0 {
						for t := i; t < i+n; t++ {
							in[t] = true
						}
					}
				}
				v.Value = fraction(in)
				v.Detail = fmt.Sprintf("fraction of tokens inside a found %d-gram; dirty at ≥ τ=%.2f", n, thr)
			}
			v.Dirty = v.Value >= thr
		case "llama2":
			v = judgeLlama2(T, docs, p)
		case "lmeval":
			n := p.LmevalN
			v.Detail = fmt.Sprintf("any %d-gram found (janitor normalization); value = longest span", n)
			if T < n {
				v.TooShort = true
				break
			}
			v.Value = float64(r.LongestSpan)
			v.Dirty = r.LongestSpan >= n
		case "gpt4":
			v = judgeGPT4(gpt4Samples(it, p), docs, p)
		}
		r.Standards[s] = v
	}
}

func fraction(in []bool) float64 {
	if len(in) == 0 {
		return 0
	}
	return float64(countTrue(in)) / float64(len(in))
}

// judgeLlama2: a token is contaminated if it lies in a match longer than
// Llama2Min tokens, where matches of one document on the same diagonal
// separated by at most Llama2Skip mismatched tokens in all join into one
// (the skip-gram budget). Buckets: clean < 20%, not_clean ≥ 20%,
// not_dirty < 80%, dirty ≥ 80% (reported as the highest that applies).
func judgeLlama2(T int, docs []*docMatches, p StandardParams) Verdict {
	v := Verdict{Detail: fmt.Sprintf("contaminated-token fraction: tokens in matches longer than %d tokens with a skip-gram budget of %d", p.Llama2Min, p.Llama2Skip)}
	if T <= p.Llama2Min {
		v.TooShort = true
		return v
	}
	in := make([]bool, T)
	for _, d := range docs {
		ms := append([]match(nil), d.matches...)
		sort.Slice(ms, func(i, j int) bool {
			di, dj := ms[i].docStart-ms[i].itemStart, ms[j].docStart-ms[j].itemStart
			if di != dj {
				return di < dj
			}
			return ms[i].itemStart < ms[j].itemStart
		})
		for i := 0; i < len(ms); {
			a, b, skip := ms[i].itemStart, ms[i].itemEnd, 0
			j := i + 1
			for ; j < len(ms); j++ {
				same := ms[j].docStart-ms[j].itemStart == ms[i].docStart-ms[i].itemStart
				gap := ms[j].itemStart - b
				if !same || gap < 0 || skip+gap > p.Llama2Skip {
					break
				}
				skip += gap
				b = max(b, ms[j].itemEnd)
			}
			if b-a > p.Llama2Min {
				for t := a; t < b; t++ {
					in[t] = true
				}
			}
			i = j
		}
	}
	v.Value = fraction(in)
	switch {
	case v.Value >= 0.8:
		v.Bucket = "dirty"
	case v.Value >= 0.2:
		v.Bucket = "not_clean" // and not dirty
	default:
		v.Bucket = "clean"
	}
	v.Dirty = v.Bucket == "dirty"
	return v
}

// gpt4Strip keeps letters and digits only: "we remove all spaces and
// symbols" (OpenAI 2023, appendix C).
func gpt4Strip(s []byte) []rune {
	var out []rune
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRune(s[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, r)
		}
		i += n
	}
	return out
}

// gpt4Samples samples GPT4Samples substrings of GPT4Len characters from
// the stripped item (the whole item if shorter) with a seed derived from
// the standard's seed and the item id.
func gpt4Samples(it item.Item, p StandardParams) []string {
	st := gpt4Strip([]byte(it.Text))
	var subs []string
	if len(st) <= p.GPT4Len {
		if len(st) > 0 {
			subs = append(subs, string(st))
		}
	} else {
		rng := rand.New(rand.NewPCG(p.GPT4Seed, xxh3.HashString(it.ID)))
		for k := 0; k < p.GPT4Samples; k++ {
			a := rng.IntN(len(st) - p.GPT4Len + 1)
			subs = append(subs, string(st[a:a+p.GPT4Len]))
		}
	}
	return subs
}

// judgeGPT4 looks for each of the item's gpt4Samples in the stripped text
// of every document that shares a verified n-gram with the item; the
// search is done while the document is at hand (verifyBatch) and recorded
// in docMatches.gpt4. A substring whose document copy shares no n-gram
// with the item (word boundaries that differ, fewer than n words) is not
// found: a character index would be needed for that.
func judgeGPT4(subs []string, docs []*docMatches, p StandardParams) Verdict {
	v := Verdict{Detail: fmt.Sprintf("%d random %d-character substrings (letters and digits only), seed %d; value = substrings found", p.GPT4Samples, p.GPT4Len, p.GPT4Seed)}
	if len(subs) == 0 {
		v.TooShort = true
		return v
	}
	found := make([]bool, len(subs))
	for _, d := range docs {
		for _, s := range d.gpt4 {
			found[s] = true
		}
	}
	v.Value = float64(countTrue(found))
	v.Dirty = v.Value > 0
	return v
}

// judgeDefault is contam's own rule — longest verified span ≥ MinSpan,
// coverage ≥ MinCoverage, or at least DocTokens item tokens inside verified
// spans shared with one document (an edited copy keeps several shorter
// runs of one source) — with n-grams of boilerplate (in more than
// BoilerplateDocs corpus documents) and of benchmark templates (in many
// items) not counted.
func (c *Checker) judgeDefault(r *Result, toks *text.Tokens, docs []*docMatches, bc *benchContext) Verdict {
	n, T := c.p.N, toks.Len()
	v := Verdict{Detail: fmt.Sprintf("longest span ≥ %d, coverage ≥ %.2f or ≥ %d item tokens in spans of one document, not counting n-grams in >%d documents or in many items",
		c.opt.Rule.MinSpan, c.opt.Rule.MinCoverage, c.opt.Std.DocTokens, c.opt.Std.BoilerplateDocs)}
	if T < n {
		v.TooShort = true
		return v
	}
	cnt := coverCounts(docs, T, n)
	hashes := c.ngramHashes(toks)
	discount := make([]bool, len(cnt))
	any := false
	for i := range cnt {
		if cnt[i] > c.opt.Std.BoilerplateDocs || (cnt[i] > 0 && bc.template[hashes[i]]) {
			discount[i] = true
			any = true
		}
	}
	in := make([]bool, T)
	longest, docBest := 0, 0
	for _, d := range docs {
		inDoc := make([]bool, T)
		for _, m := range d.matches {
			run := 0
			for i := m.itemStart; i+n <= m.itemEnd; i++ {
				if discount[i] {
					run = 0
					continue
				}
				run++
				longest = max(longest, run+n-1)
				for t := i; t < i+n; t++ {
					in[t], inDoc[t] = true, true
				}
			}
		}
		docBest = max(docBest, int(fraction(inDoc)*float64(T)+0.5))
	}
	cov := fraction(in)
	v.Value = cov
	covered := int(cov*float64(T) + 0.5)
	v.Dirty = longest >= c.opt.Rule.MinSpan || (cov >= c.opt.Rule.MinCoverage && covered >= min(c.opt.Rule.MinCovered, T)) || docBest >= c.opt.Std.DocTokens
	if any {
		v.Bucket = "discounted"
	}
	return v
}
