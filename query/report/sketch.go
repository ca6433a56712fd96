package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/sketch"
)

// SketchFormats lists the output formats of a check against a sketch.
var SketchFormats = []string{"table", "jsonl"}

// SketchHeader describes a check against a membership sketch.
type SketchHeader struct {
	Path   string        // sketch file
	Size   string        // its size, for people
	Sketch sketch.Header // its header
	Bench  string        // benchmark file
	Rule   query.Rule
	FPR    float64 // per n-gram, from the filter's fill
	Fill   float64 // fraction of filter bits set
}

// WriteSketch renders sketch check results: "table" (a summary headed by
// the false-positive rate) or "jsonl" (one SketchResult per line, each with
// its fpr and fp_any).
func WriteSketch(w io.Writer, format string, h SketchHeader, rs []query.SketchResult) error {
	bw := bufio.NewWriter(w)
	switch format {
	case "jsonl":
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		for i := range rs {
			if err := enc.Encode(&rs[i]); err != nil {
				return err
			}
		}
	case "table":
		writeSketchTable(bw, h, rs)
	default:
		return fmt.Errorf("report: unknown format %q for a sketch check (want one of %s)", format, strings.Join(SketchFormats, ", "))
	}
	return bw.Flush()
}

func writeSketchTable(w io.Writer, h SketchHeader, rs []query.SketchResult) {
	sh := h.Sketch
	n := sh.N
	fmt.Fprintf(w, "sketch     %s (normalizer %s, n=%d; %d n-grams of %d documents, %d removed ones left out; %s)\n",
		h.Path, sh.Normalizer, n, sh.NGrams, sh.Docs, sh.Removed, h.Size)
	fmt.Fprintf(w, "benchmark  %s\n", h.Bench)
	fmt.Fprintf(w, "fpr        %.3g per n-gram (filter %.1f%% full, k=%d; sized for %.0g): an item of 100 n-grams that are all absent shows a false one with probability %.3g; a false span of s tokens needs s−%d consecutive false n-grams (≈ fpr^(s−%d))\n",
		h.FPR, 100*h.Fill, sh.K, sh.FPRTarget, 1-math.Pow(1-h.FPR, 100), n-1, n-1)
	fmt.Fprintf(w, "rule       probably contaminated if consecutive present n-grams span ≥ %d tokens or coverage ≥ %.0f%% (and ≥ %d tokens)\n",
		h.Rule.MinSpan, 100*h.Rule.MinCoverage, h.Rule.MinCovered)
	fmt.Fprintf(w, "note       membership only: nothing is verified, no documents; a run may join n-grams of different documents\n\n")
	// The check report's summary, standards table and top list read these
	// fields; a sketch result fills them with its probable counterparts
	// (NDocs > 0: some n-gram present).
	views := make([]query.Result, len(rs))
	for i, r := range rs {
		views[i] = query.Result{ID: r.ID, Index: i, TooShort: r.TooShort, Contaminated: r.Contaminated, Coverage: r.Coverage,
			LongestSpan: r.ProbableSpan, NDocs: r.Present, Standards: r.Standards}
	}
	s := Summarize(views)
	fmt.Fprintf(w, "items checked   %d\n", s.Items)
	fmt.Fprintf(w, "contaminated    %d (%.1f%%)  probable\n", s.Contaminated, pct(s.Contaminated, s.Items))
	fmt.Fprintf(w, "any present     %d (%.1f%%)  items with at least one %d-gram the sketch holds\n", s.AnyOverlap, pct(s.AnyOverlap, s.Items), n)
	if s.TooShort > 0 {
		fmt.Fprintf(w, "too short       %d  items with fewer than %d tokens (no n-gram to look up)\n", s.TooShort, n)
	}
	writeHistogram(w, s.Histogram)
	writeStandardsTable(w, views)
	if top := topContaminated(views, 10); len(top) > 0 {
		fmt.Fprintf(w, "\ntop contaminated items (probable)\n")
		fmt.Fprintf(w, "  %-22s %8s %8s %15s\n", "id", "coverage", "span", "present n-grams")
		for _, v := range top {
			r := rs[v.Index]
			fmt.Fprintf(w, "  %-22s %7.1f%% %8d %15s\n", oneLine(r.ID, 22), 100*r.Coverage, r.ProbableSpan, fmt.Sprintf("%d/%d", r.Present, r.NGrams))
		}
	}
}

// writeHistogram draws the coverage histogram of a summary.
func writeHistogram(w io.Writer, hist [11]int) {
	fmt.Fprintf(w, "\ncoverage histogram\n")
	max := 0
	for _, c := range hist {
		if c > max {
			max = c
		}
	}
	for i, c := range hist {
		bar := 0
		if max > 0 {
			bar = (c*40 + max - 1) / max
		}
		fmt.Fprintf(w, "  %-8s %6d %s\n", bucketLabel(i), c, strings.Repeat("█", bar))
	}
}
