// Package report renders check results as a terminal table, JSON Lines,
// Markdown or a self-contained HTML page.
package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/contam-dev/contam/query"
)

// Formats lists the output formats.
var Formats = []string{"table", "jsonl", "markdown", "html"}

// Header describes the run a report belongs to.
type Header struct {
	Index     string // index directory
	Bench     string // benchmark file
	Rule      query.Rule
	N         int
	Normalize string
	// Texts optionally maps item ids to item texts; the HTML report then
	// highlights the verified spans (Span.ByteStart/ByteEnd) in each text.
	Texts map[string]string
}

// Write renders results in the named format.
func Write(w io.Writer, format string, h Header, rs []query.Result) error {
	bw := bufio.NewWriter(w)
	var err error
	switch format {
	case "jsonl":
		err = writeJSONL(bw, rs)
	case "table":
		writeTable(bw, h, rs)
	case "markdown", "md":
		writeMarkdown(bw, h, rs)
	case "html":
		err = writeHTML(bw, h, rs)
	default:
		return fmt.Errorf("report: unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

func writeJSONL(w io.Writer, rs []query.Result) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range rs {
		if err := enc.Encode(&rs[i]); err != nil {
			return err
		}
	}
	return nil
}

// Summary are the aggregate figures of a run.
type Summary struct {
	Items, Contaminated, TooShort, AnyOverlap int
	NearDup, NearOnly                         int     // near-duplicates; those not contaminated by the exact rule
	Histogram                                 [11]int // coverage buckets: 0, (0,10%], …, (90%,100%]
}

// Summarize computes a run's aggregate figures.
func Summarize(rs []query.Result) Summary {
	var s Summary
	s.Items = len(rs)
	for _, r := range rs {
		if r.Contaminated {
			s.Contaminated++
		}
		if r.TooShort {
			s.TooShort++
		}
		if r.NDocs > 0 {
			s.AnyOverlap++
		}
		if r.NearDup != nil && r.NearDup.NearDuplicate {
			s.NearDup++
			if !r.Contaminated {
				s.NearOnly++
			}
		}
		s.Histogram[bucket(r.Coverage)]++
	}
	return s
}

func bucket(c float64) int {
	if c <= 0 {
		return 0
	}
	b := int((c*100 - 1e-9) / 10)
	if b > 9 {
		b = 9
	}
	return b + 1
}

func bucketLabel(i int) string {
	if i == 0 {
		return "0%"
	}
	return fmt.Sprintf("%d–%d%%", (i-1)*10, i*10)
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// topContaminated returns contaminated results, most covered first.
func topContaminated(rs []query.Result, k int) []query.Result {
	var out []query.Result
	for _, r := range rs {
		if r.Contaminated {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Coverage != out[j].Coverage {
			return out[i].Coverage > out[j].Coverage
		}
		return out[i].LongestSpan > out[j].LongestSpan
	})
	if len(out) > k {
		out = out[:k]
	}
	return out
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

func writeTable(w io.Writer, h Header, rs []query.Result) {
	s := Summarize(rs)
	fmt.Fprintf(w, "index      %s (normalizer %s, n=%d)\n", h.Index, h.Normalize, h.N)
	fmt.Fprintf(w, "benchmark  %s\n", h.Bench)
	fmt.Fprintf(w, "rule       contaminated if longest verified span ≥ %d tokens or coverage ≥ %.0f%%\n\n", h.Rule.MinSpan, 100*h.Rule.MinCoverage)
	fmt.Fprintf(w, "items checked   %d\n", s.Items)
	fmt.Fprintf(w, "contaminated    %d (%.1f%%)\n", s.Contaminated, pct(s.Contaminated, s.Items))
	fmt.Fprintf(w, "any overlap     %d (%.1f%%)  items sharing at least one verified %d-gram\n", s.AnyOverlap, pct(s.AnyOverlap, s.Items), h.N)
	if s.TooShort > 0 {
		fmt.Fprintf(w, "too short       %d  items with fewer than %d tokens (no n-gram can match)\n", s.TooShort, h.N)
	}
	if s.NearDup > 0 {
		fmt.Fprintf(w, "near-duplicate  %d (%.1f%%), %d of them not contaminated by the exact rule (aligned copies: edited, renumbered, reworded)\n", s.NearDup, pct(s.NearDup, s.Items), s.NearOnly)
	}
	fmt.Fprintf(w, "\ncoverage histogram\n")
	max := 0
	for _, c := range s.Histogram {
		if c > max {
			max = c
		}
	}
	for i, c := range s.Histogram {
		bar := 0
		if max > 0 {
			bar = (c*40 + max - 1) / max
		}
		fmt.Fprintf(w, "  %-8s %6d %s\n", bucketLabel(i), c, strings.Repeat("█", bar))
	}
	writeStandardsTable(w, rs)
	writeNearDupTable(w, rs)
	top := topContaminated(rs, 10)
	if len(top) > 0 {
		fmt.Fprintf(w, "\ntop contaminated items\n")
		fmt.Fprintf(w, "  %-22s %8s %8s %6s  %s\n", "id", "coverage", "longest", "docs", "top document: matched text")
		for _, r := range top {
			doc := ""
			if len(r.Docs) > 0 {
				doc = r.Docs[0].ID + ": " + oneLine(r.Docs[0].Match.Text, 60)
			}
			fmt.Fprintf(w, "  %-22s %7.1f%% %8d %6d  %s\n", oneLine(r.ID, 22), 100*r.Coverage, r.LongestSpan, r.NDocs, doc)
		}
	}
}

func mdEscape(s string) string {
	r := strings.NewReplacer("|", `\|`, "`", "'", "\n", " ", "\r", " ")
	return r.Replace(s)
}

func writeMarkdown(w io.Writer, h Header, rs []query.Result) {
	s := Summarize(rs)
	fmt.Fprintf(w, "# Contamination report\n\n")
	fmt.Fprintf(w, "- index: `%s` (normalizer `%s`, n = %d)\n", h.Index, h.Normalize, h.N)
	fmt.Fprintf(w, "- benchmark: `%s`\n", h.Bench)
	fmt.Fprintf(w, "- rule: contaminated if the longest verified span ≥ %d tokens or coverage ≥ %.0f%%\n\n", h.Rule.MinSpan, 100*h.Rule.MinCoverage)
	fmt.Fprintf(w, "| items | contaminated | share | any overlap | too short |\n|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(w, "| %d | %d | %.1f%% | %d | %d |\n\n", s.Items, s.Contaminated, pct(s.Contaminated, s.Items), s.AnyOverlap, s.TooShort)
	writeStandardsMarkdown(w, rs)
	fmt.Fprintf(w, "## Coverage\n\n| coverage | items |\n|---|---:|\n")
	for i, c := range s.Histogram {
		fmt.Fprintf(w, "| %s | %d |\n", bucketLabel(i), c)
	}
	top := topContaminated(rs, len(rs))
	if len(top) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Contaminated items\n\n| id | coverage | longest span | docs | top document |\n|---|---:|---:|---:|---|\n")
	for _, r := range top {
		doc := ""
		if len(r.Docs) > 0 {
			doc = "`" + mdEscape(r.Docs[0].ID) + "`"
		}
		fmt.Fprintf(w, "| `%s` | %.1f%% | %d | %d | %s |\n", mdEscape(r.ID), 100*r.Coverage, r.LongestSpan, r.NDocs, doc)
	}
	for _, r := range top {
		fmt.Fprintf(w, "\n### `%s`\n\n", mdEscape(r.ID))
		for _, d := range r.Docs {
			fmt.Fprintf(w, "- `%s` in `%s` (line %d, byte %d): %d-token span\n\n", mdEscape(d.ID), mdEscape(d.Source), d.Line, d.Offset, d.LongestSpan)
			fmt.Fprintf(w, "  > …%s**%s**%s…\n\n", mdEscape(oneLine(d.Match.Before, 200)), mdEscape(oneLine(d.Match.Text, 400)), mdEscape(oneLine(d.Match.After, 200)))
		}
	}
}
