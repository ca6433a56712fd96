// Package impact measures how much contamination moves a model's benchmark
// score: it joins a check report (which items are dirty) with the model's
// per-item scores and compares the mean score on all, clean and dirty
// items, with bootstrap confidence intervals.
//
// Groups. The verdict is the report's "contaminated" field, or with
// Options.Standard the "standards"[NAME].dirty field. Items the verdict
// calls too short to judge are in "all" but in neither "clean" nor "dirty".
//
// Intervals. All intervals are 95% bootstrap percentile intervals (the
// 2.5th and 97.5th percentiles of the resampled statistic, interpolated
// linearly between order statistics) from Options.Resamples resamples
// (DefaultResamples, 10000) drawn with a PCG generator seeded with
// Options.Seed, so the same inputs and seed always give the same output:
//   - the mean of each group resamples that group's items with replacement;
//   - the difference clean − all resamples the whole benchmark (all matched
//     items) with replacement and recomputes both means on each resample;
//     resamples that happen to hold no clean item are left out (and
//     counted). The difference is "significant" when its interval excludes
//     0.
//
// The relative difference (clean − all)/all is the figure GPT-3 (Brown et
// al. 2020, appendix C) reports per benchmark.
//
// Items missing on either side — report items with no score, scores whose
// id is in no report item — are counted and listed, never silently
// dropped; only items on both sides are analysed.
package impact

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"github.com/contam-dev/contam/query"
)

// DefaultResamples is the number of bootstrap resamples when
// Options.Resamples is 0.
const DefaultResamples = 10000

// MinResamples is the fewest resamples Analyze accepts: below it the 2.5th
// and 97.5th percentiles are not worth printing.
const MinResamples = 100

// Confidence is the level of every interval.
const Confidence = 0.95

// Options say which verdict to use and how to resample.
type Options struct {
	Standard  string // "" for the report's "contaminated" verdict, else a standard's name
	Resamples int    // bootstrap resamples; 0 means DefaultResamples
	Seed      uint64 // seed of the resampling generator
}

// Verdict is one report item's verdict.
type Verdict struct {
	ID       string
	Dirty    bool
	TooShort bool // cannot be judged: neither clean nor dirty
}

// Score is one item's score.
type Score struct {
	ID    string
	Value float64
}

// Result is the analysis; its JSON form is what `contam impact --format
// json` prints. Figures that do not exist (the mean of an empty group, the
// difference with no clean items) are null in JSON, never NaN.
type Result struct {
	Report     string `json:"report,omitempty"` // file names, when known
	Scores     string `json:"scores,omitempty"`
	IDField    string `json:"id_field,omitempty"`
	ScoreField string `json:"score_field,omitempty"`
	Verdict    string `json:"verdict"` // "contaminated" or "standards.NAME.dirty"

	Resamples  int     `json:"resamples"`
	Seed       uint64  `json:"seed"`
	Confidence float64 `json:"confidence"`

	ReportItems int `json:"report_items"`
	ScoredItems int `json:"scored_items"`
	Matched     int `json:"matched"` // items in both, the ones analysed
	// MissingScores are report items with no score; UnmatchedScores are
	// scored ids in no report item. Both in input order.
	MissingScores   []string `json:"missing_scores"`
	UnmatchedScores []string `json:"unmatched_scores"`

	All      Group `json:"all"`
	Clean    Group `json:"clean"`
	Dirty    Group `json:"dirty"`
	TooShort int   `json:"too_short"` // matched items too short to judge: in All only

	// Diff is mean(clean) − mean(all); nil with no clean items.
	Diff *Difference `json:"clean_minus_all"`
	// Relative is (mean(clean) − mean(all)) / mean(all); nil with no clean
	// items or when mean(all) is 0.
	Relative *float64 `json:"relative_difference"`
}

// Group is the mean score of a group of items.
type Group struct {
	N    int       `json:"n"`
	Mean *float64  `json:"mean"` // nil when N is 0
	CI   *Interval `json:"ci"`   // nil when N is 0
}

// Interval is a confidence interval.
type Interval struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
}

// Difference is clean − all with its bootstrap interval.
type Difference struct {
	Value float64   `json:"value"`
	CI    *Interval `json:"ci"` // nil when no resample held a clean item
	// Resamples is how many resamples had at least one clean item and so
	// entered the interval.
	Resamples   int  `json:"resamples"`
	Significant bool `json:"significant"` // CI excludes 0
}

// Analyze joins verdicts and scores by id and computes the result.
func Analyze(verdicts []Verdict, scores []Score, opt Options) (*Result, error) {
	b := opt.Resamples
	if b == 0 {
		b = DefaultResamples
	}
	if b < MinResamples {
		return nil, fmt.Errorf("impact: %d resamples: use at least %d", b, MinResamples)
	}
	res := &Result{
		Verdict:   "contaminated",
		Resamples: b, Seed: opt.Seed, Confidence: Confidence,
		ReportItems: len(verdicts), ScoredItems: len(scores),
		MissingScores: []string{}, UnmatchedScores: []string{},
	}
	if opt.Standard != "" {
		res.Verdict = "standards." + opt.Standard + ".dirty"
	}

	score := make(map[string]float64, len(scores))
	for _, s := range scores {
		if _, dup := score[s.ID]; dup {
			return nil, fmt.Errorf("impact: two scores for item %q", s.ID)
		}
		if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
			return nil, fmt.Errorf("impact: item %q: score %v is not a finite number", s.ID, s.Value)
		}
		score[s.ID] = s.Value
	}
	inReport := make(map[string]bool, len(verdicts))
	var all, clean, dirty []float64
	var isClean []bool // per element of all
	for _, v := range verdicts {
		if inReport[v.ID] {
			return nil, fmt.Errorf("impact: item %q twice in the report", v.ID)
		}
		inReport[v.ID] = true
		x, ok := score[v.ID]
		if !ok {
			res.MissingScores = append(res.MissingScores, v.ID)
			continue
		}
		all = append(all, x)
		isClean = append(isClean, !v.TooShort && !v.Dirty)
		switch {
		case v.TooShort:
			res.TooShort++
		case v.Dirty:
			dirty = append(dirty, x)
		default:
			clean = append(clean, x)
		}
	}
	for _, s := range scores {
		if !inReport[s.ID] {
			res.UnmatchedScores = append(res.UnmatchedScores, s.ID)
		}
	}
	res.Matched = len(all)
	if res.Matched == 0 {
		return nil, fmt.Errorf("impact: no report item has a score (%d report items, %d scores): do the ids match? (see --id-field)", len(verdicts), len(scores))
	}

	// Four independent bootstraps, each with its own stream of the seeded
	// generator, so running them at once changes nothing.
	var wg sync.WaitGroup
	groups := []struct {
		xs  []float64
		out *Group
	}{{all, &res.All}, {clean, &res.Clean}, {dirty, &res.Dirty}}
	for k, g := range groups {
		wg.Go(func() { *g.out = groupMean(g.xs, b, newGen(opt.Seed, uint64(k+1))) })
	}
	if len(clean) > 0 {
		wg.Go(func() { res.Diff = diffCleanAll(all, isClean, b, newGen(opt.Seed, 4)) })
	}
	wg.Wait()
	if res.Diff != nil && *res.All.Mean != 0 {
		r := res.Diff.Value / *res.All.Mean
		res.Relative = &r
	}
	return res, nil
}

// gen draws resampling indices: PCG (fixed by math/rand/v2's
// specification) with its own bounded-integer method, so the draws do not
// depend on the Go release.
type gen struct{ *rand.PCG }

func newGen(seed, stream uint64) gen {
	return gen{rand.NewPCG(seed, 0x9e3779b97f4a7c15^stream)}
}

// intn returns a uniform integer in [0, n), by Lemire's multiply-and-reject.
func (g gen) intn(n uint64) uint64 {
	hi, lo := bits.Mul64(g.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(g.Uint64(), n)
		}
	}
	return hi
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// groupMean is the mean of xs with the bootstrap interval from resampling
// xs.
func groupMean(xs []float64, b int, g gen) Group {
	n := len(xs)
	if n == 0 {
		return Group{}
	}
	m := mean(xs)
	stats := make([]float64, b)
	for i := range stats {
		s := 0.0
		for range n {
			s += xs[g.intn(uint64(n))]
		}
		stats[i] = s / float64(n)
	}
	return Group{N: n, Mean: &m, CI: percentileCI(stats)}
}

// diffCleanAll is mean(clean) − mean(all) with the interval from
// resampling all items.
func diffCleanAll(all []float64, isClean []bool, b int, g gen) *Difference {
	n := len(all)
	var sc float64
	nc := 0
	for i, x := range all {
		if isClean[i] {
			sc += x
			nc++
		}
	}
	d := &Difference{Value: sc/float64(nc) - mean(all)}
	stats := make([]float64, 0, b)
	for range b {
		var s, sc float64
		nc := 0
		for range n {
			j := g.intn(uint64(n))
			s += all[j]
			if isClean[j] {
				sc += all[j]
				nc++
			}
		}
		if nc > 0 {
			stats = append(stats, sc/float64(nc)-s/float64(n))
		}
	}
	d.Resamples = len(stats)
	if len(stats) > 0 {
		d.CI = percentileCI(stats)
		d.Significant = d.CI.Lo > 0 || d.CI.Hi < 0
	}
	return d
}

// percentileCI is the central Confidence interval of stats (which it
// sorts): quantiles by linear interpolation between order statistics.
func percentileCI(stats []float64) *Interval {
	slices.Sort(stats)
	alpha := (1 - Confidence) / 2
	return &Interval{Lo: quantile(stats, alpha), Hi: quantile(stats, 1-alpha)}
}

func quantile(sorted []float64, p float64) float64 {
	h := p * float64(len(sorted)-1)
	i := int(math.Floor(h))
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-float64(i))*(sorted[i+1]-sorted[i])
}

// reportLine is what impact needs of a check report line (a query.Result).
type reportLine struct {
	ID           *string                  `json:"id"`
	Contaminated *bool                    `json:"contaminated"`
	TooShort     bool                     `json:"too_short"`
	Standards    map[string]query.Verdict `json:"standards"`
}

// ReadReport reads a check report in JSON Lines (contam check --format
// jsonl: one query.Result per line) and returns each item's verdict: by
// the "contaminated" field, or with standard set by
// "standards"[standard] ("dirty", "too_short"). name is used in errors.
func ReadReport(r io.Reader, name, standard string) ([]Verdict, error) {
	var out []Verdict
	seen := map[string]int{}
	err := eachLine(r, name, func(lineNo int, line []byte) error {
		var rl reportLine
		if err := json.Unmarshal(line, &rl); err != nil {
			return fmt.Errorf("%s: line %d: not a check report line (contam check --format jsonl): %v", name, lineNo, err)
		}
		if rl.ID == nil || rl.Contaminated == nil {
			return fmt.Errorf("%s: line %d: not a check report line: no \"id\" or \"contaminated\" field (make the report with contam check --format jsonl)", name, lineNo)
		}
		id := *rl.ID
		if prev, dup := seen[id]; dup {
			return fmt.Errorf("%s: item %q on lines %d and %d", name, id, prev, lineNo)
		}
		seen[id] = lineNo
		v := Verdict{ID: id, Dirty: *rl.Contaminated, TooShort: rl.TooShort}
		if standard != "" {
			sv, ok := rl.Standards[standard]
			if !ok {
				return fmt.Errorf("%s: line %d: item %q has no verdict by standard %q (was the report made with --standard %s?)", name, lineNo, id, standard, standard)
			}
			v.Dirty, v.TooShort = sv.Dirty, sv.TooShort
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// ReadScores reads per-item scores from JSON Lines: one object per line,
// the item id in idField and the score in scoreField. idField may be a Go
// template over the line's fields (e.g. "gsm8k/test/{{.doc_id}}") to build
// ids the way the check did; a number id is its JSON text. Scores may be
// true/false (1/0), numbers, or strings holding either; a missing or null
// score is an error naming the line, and so is a repeated id. name is used
// in errors.
func ReadScores(r io.Reader, name, idField, scoreField string) ([]Score, error) {
	var tmpl *template.Template
	if strings.Contains(idField, "{{") {
		t, err := template.New("id").Option("missingkey=error").Parse(idField)
		if err != nil {
			return nil, fmt.Errorf("impact: id template: %w", err)
		}
		tmpl = t
	}
	var out []Score
	seen := map[string]int{}
	err := eachLine(r, name, func(lineNo int, line []byte) error {
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		var rec map[string]any
		if err := dec.Decode(&rec); err != nil || rec == nil {
			if err == nil {
				err = errors.New("got null")
			}
			return fmt.Errorf("%s: line %d: expected a JSON object: %v", name, lineNo, err)
		}
		if dec.InputOffset() < int64(len(line)) {
			return fmt.Errorf("%s: line %d: unexpected data after the object (one object per line)", name, lineNo)
		}
		var id string
		if tmpl != nil {
			var sb strings.Builder
			if err := tmpl.Execute(&sb, rec); err != nil {
				return fmt.Errorf("%s: line %d: id template: %v", name, lineNo, err)
			}
			id = sb.String()
		} else {
			v, ok := rec[idField]
			if !ok {
				return fmt.Errorf("%s: line %d: no id field %q (see --id-field)", name, lineNo, idField)
			}
			switch v := v.(type) {
			case string:
				id = v
			case json.Number:
				id = v.String()
			default:
				return fmt.Errorf("%s: line %d: id field %q is %s, not a string or number", name, lineNo, idField, kind(v))
			}
		}
		if id == "" {
			return fmt.Errorf("%s: line %d: empty id", name, lineNo)
		}
		if prev, dup := seen[id]; dup {
			return fmt.Errorf("%s: two scores for item %q, on lines %d and %d", name, id, prev, lineNo)
		}
		seen[id] = lineNo
		v, ok := rec[scoreField]
		if !ok {
			return fmt.Errorf("%s: line %d: no score field %q (see --score-field)", name, lineNo, scoreField)
		}
		x, err := scoreValue(v)
		if err != nil {
			return fmt.Errorf("%s: line %d: score field %q: %v", name, lineNo, scoreField, err)
		}
		out = append(out, Score{ID: id, Value: x})
		return nil
	})
	return out, err
}

// scoreValue turns a JSON score into a number: true/false are 1/0.
func scoreValue(v any) (float64, error) {
	var x float64
	switch v := v.(type) {
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	case json.Number:
		f, err := strconv.ParseFloat(v.String(), 64)
		if err != nil {
			return 0, fmt.Errorf("%s is out of range", v)
		}
		x = f
	case string:
		switch s := strings.TrimSpace(v); strings.ToLower(s) {
		case "true":
			return 1, nil
		case "false":
			return 0, nil
		default:
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return 0, fmt.Errorf("%q is not a number or true/false", v)
			}
			x = f
		}
	default:
		return 0, fmt.Errorf("%s is not a number or true/false", kind(v))
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("%v is not a finite number", x)
	}
	return x, nil
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	}
	return fmt.Sprintf("%T", v)
}

// eachLine calls fn with every non-blank line of r (1-based line numbers).
func eachLine(r io.Reader, name string, fn func(int, []byte) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadBytes('\n')
		if lineNo == 1 {
			line = bytes.TrimPrefix(line, []byte("\ufeff"))
		}
		if t := bytes.TrimSpace(line); len(t) > 0 {
			if ferr := fn(lineNo, t); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: line %d: %w", name, lineNo, err)
		}
	}
}

// Files reads the report and scores files and analyses them; see
// ReadReport, ReadScores and Analyze.
func Files(reportPath, scoresPath, idField, scoreField string, opt Options) (*Result, error) {
	vs, err := readFile(reportPath, func(r io.Reader) ([]Verdict, error) { return ReadReport(r, reportPath, opt.Standard) })
	if err != nil {
		return nil, err
	}
	ss, err := readFile(scoresPath, func(r io.Reader) ([]Score, error) { return ReadScores(r, scoresPath, idField, scoreField) })
	if err != nil {
		return nil, err
	}
	res, err := Analyze(vs, ss, opt)
	if err != nil {
		return nil, err
	}
	res.Report, res.Scores, res.IDField, res.ScoreField = reportPath, scoresPath, idField, scoreField
	return res, nil
}

func readFile[T any](path string, read func(io.Reader) (T, error)) (T, error) {
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, err
	}
	defer f.Close()
	return read(f)
}

// WriteJSON writes the result as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// maxListed is how many missing ids the text form shows per side.
const maxListed = 10

// WriteText writes the result for people.
func (r *Result) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	if r.Report != "" {
		p("report    %s (%d items; verdict: %s)\n", r.Report, r.ReportItems, r.Verdict)
	} else {
		p("report    %d items; verdict: %s\n", r.ReportItems, r.Verdict)
	}
	if r.Scores != "" {
		p("scores    %s (%d scores; id %q, score %q)\n", r.Scores, r.ScoredItems, r.IDField, r.ScoreField)
	} else {
		p("scores    %d scores\n", r.ScoredItems)
	}
	p("matched   %d items\n", r.Matched)
	p("missing   %s%s\n", plural(len(r.MissingScores), "report item has no score", "report items have no score"), listed(r.MissingScores))
	p("          %s%s\n", plural(len(r.UnmatchedScores), "score matches no report item", "scores match no report item"), listed(r.UnmatchedScores))
	p("\n%-9s %7s  %8s  %s\n", "", "items", "mean", fmt.Sprintf("%.0f%% CI", 100*Confidence))
	row := func(name string, g Group, none string) {
		if g.N == 0 {
			p("%-9s %7d  %s\n", name, 0, none)
			return
		}
		p("%-9s %7d  %8.4f  [%.4f, %.4f]\n", name, g.N, *g.Mean, g.CI.Lo, g.CI.Hi)
	}
	row("all", r.All, "")
	row("clean", r.Clean, "no clean items")
	row("dirty", r.Dirty, "no dirty items")
	if r.TooShort > 0 {
		p("%-9s %7d  counted in all, not in clean or dirty\n", "too short", r.TooShort)
	}
	p("\n")
	switch {
	case r.Diff == nil:
		p("clean − all        n/a: no clean items\n")
	case r.Diff.CI == nil:
		p("clean − all        %+.4f  (no resample held a clean item: no interval)\n", r.Diff.Value)
	default:
		verdict := "not significant (the interval includes 0)"
		if r.Diff.Significant {
			verdict = "significant (the interval excludes 0)"
		}
		p("clean − all        %+.4f  %.0f%% CI [%+.4f, %+.4f]  %s\n", r.Diff.Value, 100*Confidence, r.Diff.CI.Lo, r.Diff.CI.Hi, verdict)
		if r.Diff.Resamples < r.Resamples {
			p("                   (%d of %d resamples held no clean item and were left out)\n", r.Resamples-r.Diff.Resamples, r.Resamples)
		}
	}
	switch {
	case r.Relative != nil:
		p("(clean − all)/all  %+.1f%%\n", 100*(*r.Relative))
	case r.Diff == nil:
		p("(clean − all)/all  n/a: no clean items\n")
	default:
		p("(clean − all)/all  n/a: the mean over all items is 0\n")
	}
	p("\nbootstrap: %d resamples, seed %d, percentile intervals; group means resample within the group, clean − all resamples all items\n", r.Resamples, r.Seed)
	return bw.Flush()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// listed shows up to maxListed ids after a count.
func listed(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	q := make([]string, 0, maxListed)
	for _, id := range ids[:min(len(ids), maxListed)] {
		q = append(q, strconv.Quote(id))
	}
	s := ": " + strings.Join(q, ", ")
	if len(ids) > maxListed {
		s += fmt.Sprintf(", … (%d more; all in --format json)", len(ids)-maxListed)
	}
	return s
}
