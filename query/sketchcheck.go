package query

import (
	"context"
	"fmt"
	"math"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/contam-dev/contam/index/text"
	"github.com/contam-dev/contam/query/item"
	"github.com/contam-dev/contam/sketch"
)

// SketchOptions configure a check against a membership sketch.
type SketchOptions struct {
	Rule      Rule
	Standards []string       // see SketchStandards
	Std       StandardParams // their parameters
	Workers   int            // items checked at once; default GOMAXPROCS
}

// SketchStandards are the standards a membership sketch can judge: those
// that need only whether each n-gram of the item occurs somewhere.
var SketchStandards = []string{"gpt3", "palm", "llama3", "lmeval"}

// notFromSketch says why the other standards cannot be judged from
// membership alone.
var notFromSketch = map[string]string{
	"default": "needs how many documents hold each n-gram (its boilerplate discount) and spans verified in one document",
	"llama2":  "needs verified matches aligned per document (its skip-gram budget)",
	"gpt4":    "needs the text of the documents (character substrings)",
}

// SketchRun is a run of consecutive item n-grams that the sketch
// (probably) holds: n-grams NGramStart … NGramStart+NGrams−1, covering
// item tokens [TokStart, TokEnd).
type SketchRun struct {
	NGramStart int `json:"ngram_start"`
	NGrams     int `json:"ngrams"`
	TokStart   int `json:"tok_start"`
	TokEnd     int `json:"tok_end"`
	ByteStart  int `json:"byte_start"` // in the item as written
	ByteEnd    int `json:"byte_end"`
}

// SketchResult is what a membership sketch says about one item. Nothing
// in it is verified: every present n-gram may be a false positive (with
// probability FPR each), and a run of present n-grams may join n-grams of
// different documents, so ProbableSpan is an upper bound of the longest
// span a full index would verify. Absent n-grams are certainly absent.
type SketchResult struct {
	ID           string  `json:"id"`
	Index        int     `json:"index"`
	Tokens       int     `json:"tokens"`
	TooShort     bool    `json:"too_short,omitempty"` // fewer tokens than n: nothing to look up
	NGrams       int     `json:"ngrams"`              // n-grams of the item
	Present      int     `json:"present"`             // of them, probably in the corpus
	Contaminated bool    `json:"contaminated"`        // Rule on ProbableSpan and Coverage
	Coverage     float64 `json:"coverage"`            // fraction of tokens inside a present n-gram
	Covered      int     `json:"covered"`
	LongestRun   int     `json:"longest_run"`   // most consecutive present n-grams
	ProbableSpan int     `json:"probable_span"` // n + LongestRun − 1 tokens, 0 when nothing is present
	// FPR is the sketch's per-n-gram false-positive rate (from its fill);
	// FPAny the probability that an item whose NGrams n-grams are all
	// absent from the corpus still shows at least one present:
	// 1 − (1 − FPR)^NGrams.
	FPR       float64            `json:"fpr"`
	FPAny     float64            `json:"fp_any"`
	Rule      Rule               `json:"rule"`
	Runs      []SketchRun        `json:"runs"`
	Standards map[string]Verdict `json:"standards,omitempty"`
}

// SketchChecker checks items against a membership sketch. It is safe for
// concurrent use.
type SketchChecker struct {
	sk       *sketch.Sketch
	norm     text.Normalizer
	n        int
	seed     uint64
	fpr      float64
	opt      SketchOptions
	contains func(h uint64) bool // the sketch's; tests swap in exact sets
}

// NewSketchChecker prepares a checker; the normalizer, n and seed come from
// the sketch header. Standards it cannot judge from membership are refused
// with the reason.
func NewSketchChecker(sk *sketch.Sketch, opt SketchOptions) (*SketchChecker, error) {
	o := Options{Rule: opt.Rule, Std: opt.Std, Workers: opt.Workers}
	o.defaults()
	opt.Rule, opt.Std, opt.Workers = o.Rule, o.Std, o.Workers
	norm, err := sk.Normalizer()
	if err != nil {
		return nil, err
	}
	c := &SketchChecker{sk: sk, norm: norm, n: sk.Header.N, seed: sk.Header.Seed, fpr: sk.FPR(), opt: opt, contains: sk.Contains}
	for _, s := range opt.Standards {
		if err := c.checkStandard(s); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *SketchChecker) checkStandard(s string) error {
	p, n := c.opt.Std, c.n
	need := func(want int) error {
		if want != n {
			return fmt.Errorf("standard %s needs %d-grams; the sketch holds %d-grams, and membership of n-grams of another length cannot be derived from it", s, want, n)
		}
		return nil
	}
	switch s {
	case "palm":
		return need(p.PaLMN)
	case "llama3":
		return need(p.Llama3N)
	case "lmeval":
		if c.sk.Header.Normalizer != "lmeval-janitor-v1" {
			return fmt.Errorf("standard lmeval needs a sketch of an index built with --normalizer lmeval-janitor-v1 (this sketch: %s)", c.sk.Header.Normalizer)
		}
		return need(p.LmevalN)
	case "gpt3":
		if p.GPT3MaxDocs >= 0 {
			return fmt.Errorf("standard gpt3 with its document filter (--gpt3-max-docs %d) needs per-N-gram document counts, which a sketch does not keep; --gpt3-max-docs -1 judges the unfiltered variant", p.GPT3MaxDocs)
		}
		if p.GPT3N != 0 && p.GPT3N < n {
			return fmt.Errorf("standard gpt3 with N=%d needs %d-grams; the sketch holds %d-grams", p.GPT3N, p.GPT3N, n)
		}
		return nil
	}
	if why, ok := notFromSketch[s]; ok {
		return fmt.Errorf("standard %s cannot be judged from a sketch: it %s; sketches judge %v", s, why, SketchStandards)
	}
	return fmt.Errorf("unknown standard %q (known: %v)", s, StandardNames)
}

// FPR is the sketch's per-n-gram false-positive rate.
func (c *SketchChecker) FPR() float64 { return c.fpr }

// Options returns the effective options.
func (c *SketchChecker) Options() SketchOptions { return c.opt }

// Check checks every item and returns results in item order.
func (c *SketchChecker) Check(ctx context.Context, items []item.Item) ([]SketchResult, error) {
	gpt3N, err := c.gpt3N(items)
	if err != nil {
		return nil, err
	}
	res := make([]SketchResult, len(items))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.opt.Workers)
	for i := range items {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			res[i] = c.checkOne(items[i], gpt3N)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return res, nil
}

// gpt3N is gpt3's N for a benchmark, computed as the index path does (5th
// percentile of item lengths, clamped to [8, 13], unless set); 0 when gpt3
// is not asked for.
func (c *SketchChecker) gpt3N(items []item.Item) (int, error) {
	if !slices.Contains(c.opt.Standards, "gpt3") {
		return 0, nil
	}
	ck := &Checker{norm: c.norm, p: c.sk.Params(), opt: Options{Std: c.opt.Std}}
	N := ck.prepare(items).gpt3N
	if N < c.n {
		return 0, fmt.Errorf("standard gpt3 with N=%d for this benchmark needs %d-grams; the sketch holds %d-grams", N, N, c.n)
	}
	return N, nil
}

// CheckOne checks a single item (gpt3, if asked for, with N from this item
// alone, as Checker.CheckOne does).
func (c *SketchChecker) CheckOne(it item.Item) (SketchResult, error) {
	N, err := c.gpt3N([]item.Item{it})
	if err != nil {
		return SketchResult{}, err
	}
	return c.checkOne(it, N), nil
}

func (c *SketchChecker) checkOne(it item.Item, gpt3N int) SketchResult {
	var toks text.Tokens
	c.norm.Tokenize(&toks, []byte(it.Text))
	n, T := c.n, toks.Len()
	r := SketchResult{ID: it.ID, Index: it.Index, Tokens: T, TooShort: T < n, Rule: c.opt.Rule, FPR: c.fpr, Runs: []SketchRun{}}
	hashes := text.NGramHashes(nil, &toks, n, c.seed)
	present := make([]bool, len(hashes))
	for i, h := range hashes {
		present[i] = c.contains(h)
	}
	r.NGrams = len(hashes)
	r.FPAny = 1 - math.Pow(1-c.fpr, float64(len(hashes)))
	covered := make([]bool, T)
	for i := 0; i < len(present); {
		if !present[i] {
			i++
			continue
		}
		j := i
		for j < len(present) && present[j] {
			j++
		}
		end := j - 1 + n // one past the run's last token
		r.Runs = append(r.Runs, SketchRun{NGramStart: i, NGrams: j - i, TokStart: i, TokEnd: end, ByteStart: toks.Start[i], ByteEnd: toks.End[end-1]})
		for t := i; t < end; t++ {
			covered[t] = true
		}
		r.Present += j - i
		r.LongestRun = max(r.LongestRun, j-i)
		i = j
	}
	r.Covered = countTrue(covered)
	if T > 0 {
		r.Coverage = float64(r.Covered) / float64(T)
	}
	if r.LongestRun > 0 {
		r.ProbableSpan = n + r.LongestRun - 1
	}
	// The index's rule, on what membership can say: the probable span
	// stands in for the longest verified span.
	r.Contaminated = r.ProbableSpan >= r.Rule.MinSpan || (T > 0 && r.Coverage >= r.Rule.MinCoverage && r.Covered >= min(r.Rule.MinCovered, T))
	c.judgeSketch(&r, present, gpt3N)
	return r
}

// judgeSketch fills r.Standards for the requested standards that
// membership can judge (NewSketchChecker refused the others).
func (c *SketchChecker) judgeSketch(r *SketchResult, present []bool, gpt3N int) {
	if len(c.opt.Standards) == 0 {
		return
	}
	p, n, T := c.opt.Std, c.n, r.Tokens
	const src = " (from sketch membership: probable, not verified)"
	r.Standards = map[string]Verdict{}
	for _, s := range c.opt.Standards {
		var v Verdict
		switch s {
		case "palm":
			v.Detail = fmt.Sprintf("fraction of %d-grams found; dirty at ≥ %.2f", n, p.PaLMFrac) + src
			if T < n {
				v.TooShort = true
				break
			}
			v.Value = float64(r.Present) / float64(r.NGrams)
			v.Dirty = v.Value >= p.PaLMFrac
		case "llama3":
			v.Detail = fmt.Sprintf("fraction of tokens inside a found %d-gram; dirty at ≥ τ=%.2f", n, p.Tau) + src
			if T < n {
				v.TooShort = true
				break
			}
			v.Value = r.Coverage
			v.Dirty = v.Value >= p.Tau
		case "lmeval":
			v.Detail = fmt.Sprintf("any %d-gram found (janitor normalization); value = probable span", n) + src
			if T < n {
				v.TooShort = true
				break
			}
			v.Value = float64(r.ProbableSpan)
			v.Dirty = r.Present > 0
		case "gpt3":
			// An N-gram is found when its N−n+1 n-grams all are: exact for
			// N = n, an upper bound above (they may come from different
			// documents).
			v.Detail = fmt.Sprintf("N=%d; %d-grams whose %d-grams are all found (value), unfiltered variant", gpt3N, gpt3N, n) + src
			if T < gpt3N {
				v.TooShort = true
				break
			}
			w := gpt3N - n + 1
			run := 0
			for _, ok := range present {
				if !ok {
					run = 0
					continue
				}
				if run++; run >= w {
					v.Value++
				}
			}
			v.Dirty = v.Value > 0
		}
		r.Standards[s] = v
	}
}
