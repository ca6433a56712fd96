package report

import (
	"fmt"
	"io"

	"github.com/contam-dev/contam/query"
)

// StandardSummary counts one standard's verdicts over a run.
type StandardSummary struct {
	Name                          string
	Items, Dirty, TooShort, Other int // Other: the discounted (default) items
	Detail                        string
}

// SummarizeStandards returns a summary per standard present in the
// results, in query.StandardNames order.
func SummarizeStandards(rs []query.Result) []StandardSummary {
	var out []StandardSummary
	for _, name := range query.StandardNames {
		s := StandardSummary{Name: name}
		for _, r := range rs {
			v, ok := r.Standards[name]
			if !ok {
				continue
			}
			s.Items++
			if v.Dirty {
				s.Dirty++
			}
			if v.TooShort {
				s.TooShort++
			}
			if v.Bucket == "discounted" {
				s.Other++
			}
			if s.Detail == "" && !v.TooShort {
				s.Detail = v.Detail
			}
		}
		if s.Items > 0 {
			out = append(out, s)
		}
	}
	return out
}

func writeStandardsTable(w io.Writer, rs []query.Result) {
	ss := SummarizeStandards(rs)
	if len(ss) == 0 {
		return
	}
	fmt.Fprintf(w, "\nstandards (see docs/standards.md)\n")
	fmt.Fprintf(w, "  %-8s %6s %6s %7s %9s %11s  %s\n", "standard", "items", "dirty", "share", "too short", "discounted", "rule")
	for _, s := range ss {
		fmt.Fprintf(w, "  %-8s %6d %6d %6.1f%% %9d %11d  %s\n", s.Name, s.Items, s.Dirty, pct(s.Dirty, s.Items), s.TooShort, s.Other, s.Detail)
	}
}

func writeStandardsMarkdown(w io.Writer, rs []query.Result) {
	ss := SummarizeStandards(rs)
	if len(ss) == 0 {
		return
	}
	fmt.Fprintf(w, "## Standards\n\n| standard | items | dirty | share | too short | discounted | rule |\n|---|---:|---:|---:|---:|---:|---|\n")
	for _, s := range ss {
		fmt.Fprintf(w, "| %s | %d | %d | %.1f%% | %d | %d | %s |\n", s.Name, s.Items, s.Dirty, pct(s.Dirty, s.Items), s.TooShort, s.Other, mdEscape(s.Detail))
	}
	fmt.Fprintln(w)
}
