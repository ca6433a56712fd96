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
	"unicode"
	"unicode/utf8"

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
	// Guaranteed is the shortest shared span the index always finds
	// (index.Params.GuaranteedSpan); above N the index has sampled anchors
	// and the report says that shorter spans may be missed.
	Guaranteed int
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

// anchorsNote says, for an index with sampled anchors, which shared spans
// it guarantees to find: a reader comparing reports must know that shorter
// overlaps may be missing from this one.
func anchorsNote(n, guaranteed int) string {
	if guaranteed <= n {
		return ""
	}
	return fmt.Sprintf("; sampled anchors: every shared span of ≥ %d tokens is found, shorter ones may be missed", guaranteed)
}

func writeTable(w io.Writer, h Header, rs []query.Result) {
	s := Summarize(rs)
	fmt.Fprintf(w, "index      %s (normalizer %s, n=%d%s)\n", h.Index, h.Normalize, h.N, anchorsNote(h.N, h.Guaranteed))
	fmt.Fprintf(w, "benchmark  %s\n", h.Bench)
	fmt.Fprintf(w, "rule       contaminated if longest verified span ≥ %d tokens or coverage ≥ %.0f%% (and ≥ %d tokens)\n\n", h.Rule.MinSpan, 100*h.Rule.MinCoverage, h.Rule.MinCovered)
	fmt.Fprintf(w, "items checked   %d\n", s.Items)
	fmt.Fprintf(w, "contaminated    %d (%.1f%%)\n", s.Contaminated, pct(s.Contaminated, s.Items))
	fmt.Fprintf(w, "any overlap     %d (%.1f%%)  items sharing at least one verified %d-gram\n", s.AnyOverlap, pct(s.AnyOverlap, s.Items), h.N)
	if s.TooShort > 0 {
		fmt.Fprintf(w, "too short       %d  items with fewer than %d tokens (no n-gram can match)\n", s.TooShort, h.N)
	}
	if s.NearDup > 0 {
		fmt.Fprintf(w, "near-duplicate  %d (%.1f%%), %d of them not contaminated by the exact rule (aligned copies: edited, renumbered, reworded)\n", s.NearDup, pct(s.NearDup, s.Items), s.NearOnly)
	}
	writeHistogram(w, s.Histogram)
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

// mdText escapes running text (outside code spans), where raw HTML from a
// document would otherwise be rendered.
func mdText(s string) string {
	r := strings.NewReplacer("<", "&lt;", ">", "&gt;", "&", "&amp;", "*", `\*`, "_", `\_`)
	return mdEscape(r.Replace(s))
}

func writeMarkdown(w io.Writer, h Header, rs []query.Result) {
	s := Summarize(rs)
	fmt.Fprintf(w, "# Contamination report\n\n")
	fmt.Fprintf(w, "- index: `%s` (normalizer `%s`, n = %d%s)\n", h.Index, h.Normalize, h.N, anchorsNote(h.N, h.Guaranteed))
	fmt.Fprintf(w, "- benchmark: `%s`\n", h.Bench)
	fmt.Fprintf(w, "- rule: contaminated if the longest verified span ≥ %d tokens or coverage ≥ %.0f%%\n\n", h.Rule.MinSpan, 100*h.Rule.MinCoverage)
	fmt.Fprintf(w, "| items | contaminated | share | any overlap | too short |\n|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(w, "| %d | %d | %.1f%% | %d | %d |\n\n", s.Items, s.Contaminated, pct(s.Contaminated, s.Items), s.AnyOverlap, s.TooShort)
	nearRan := hasNearDup(rs)
	if nearRan {
		fmt.Fprintf(w, "**Near-duplicates:** %d (%.1f%%), %d of them not contaminated by the exact rule (copies found by alignment: edited, renumbered, reworded).\n\n", s.NearDup, pct(s.NearDup, s.Items), s.NearOnly)
	}
	writeStandardsMarkdown(w, rs)
	fmt.Fprintf(w, "## Coverage\n\n| coverage | items |\n|---|---:|\n")
	for i, c := range s.Histogram {
		fmt.Fprintf(w, "| %s | %d |\n", bucketLabel(i), c)
	}
	writeContaminatedMarkdown(w, rs)
	if nearRan {
		writeNearDupMarkdown(w, rs)
	}
}

func writeContaminatedMarkdown(w io.Writer, rs []query.Result) {
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
			fmt.Fprintf(w, "  > …%s**%s**%s…\n\n", mdText(oneLine(d.Match.Before, 200)), mdText(oneLine(d.Match.Text, 400)), mdText(oneLine(d.Match.After, 200)))
		}
	}
}

// mdNearMax caps the near-duplicates listed in the Markdown report.
const mdNearMax = 200

// mdDiffMax caps the edit operations shown in one Markdown diff line.
const mdDiffMax = 400

// hasNearDup says whether the run looked for near-duplicates: some result
// carries an alignment.
func hasNearDup(rs []query.Result) bool {
	for _, r := range rs {
		if r.NearDup != nil {
			return true
		}
	}
	return false
}

// nearDuplicates returns the near-duplicates, most similar first (then
// highest local similarity, then input order).
func nearDuplicates(rs []query.Result) []query.Result {
	var out []query.Result
	for _, r := range rs {
		if r.NearDup != nil && r.NearDup.NearDuplicate {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].NearDup, out[j].NearDup
		if a.Similarity != b.Similarity {
			return a.Similarity > b.Similarity
		}
		return a.Local > b.Local
	})
	return out
}

func writeNearDupMarkdown(w io.Writer, rs []query.Result) {
	nd := nearDuplicates(rs)
	fmt.Fprintf(w, "\n## Near-duplicates\n\n")
	if len(nd) == 0 {
		fmt.Fprintf(w, "None: no item's best alignment with a corpus document reaches the near-duplicate thresholds.\n")
		return
	}
	fmt.Fprintf(w, "Items whose best local alignment with a corpus document makes them a near-duplicate, most similar first. ")
	fmt.Fprintf(w, "Similarity: matched item tokens / item tokens; local: the same inside the aligned region. ")
	fmt.Fprintf(w, "Alignment: matched tokens plain, ~~item~~ **document** for a substitution, ~~item~~ alone for an item token missing from the document, **document** alone for a document token not in the item, *a ⇄ b* for adjacent item tokens swapped in the document; tokens are normalized.\n\n")
	if len(nd) > mdNearMax {
		fmt.Fprintf(w, "Showing the %d most similar of %d near-duplicates; the JSON Lines and HTML reports have them all.\n\n", mdNearMax, len(nd))
		nd = nd[:mdNearMax]
	}
	fmt.Fprintf(w, "| id | similarity | local | exact rule | document |\n|---|---:|---:|---|---|\n")
	for _, r := range nd {
		exact := "missed"
		if r.Contaminated {
			exact = "contaminated"
		}
		fmt.Fprintf(w, "| `%s` | %.1f%% | %.1f%% | %s | `%s` |\n", mdEscape(r.ID), 100*r.NearDup.Similarity, 100*r.NearDup.Local, exact, mdEscape(r.NearDup.Doc.ID))
	}
	for _, r := range nd {
		d := r.NearDup
		fmt.Fprintf(w, "\n### `%s`\n\n", mdEscape(r.ID))
		fmt.Fprintf(w, "- similarity %.1f%%, local similarity %.1f%%: %d item tokens matched", 100*d.Similarity, 100*d.Local, d.Matched)
		if d.OnlyNumbers {
			fmt.Fprintf(w, ", differs only in numbers (%d %s)", d.NumberDiffs, plural(d.NumberDiffs, "number", "numbers"))
		} else {
			fmt.Fprintf(w, ", %d number %s, %d other %s", d.NumberDiffs, plural(d.NumberDiffs, "difference", "differences"), d.OtherDiffs, plural(d.OtherDiffs, "difference", "differences"))
		}
		if r.Contaminated {
			fmt.Fprintf(w, "; also contaminated by the exact rule\n")
		} else {
			fmt.Fprintf(w, "; not contaminated by the exact rule\n")
		}
		fmt.Fprintf(w, "- document `%s` in `%s` (line %d, byte %d)\n", mdEscape(d.Doc.ID), mdEscape(d.Doc.Source), d.Doc.Line, d.Doc.Offset)
		fmt.Fprintf(w, "- alignment (item tokens %d–%d): %s\n\n", d.ItemStart, d.ItemEnd, mdDiff(d.Ops, mdDiffMax))
		m := d.Doc.Match
		fmt.Fprintf(w, "  > %s\n", mdStrong("…"+mdInline(mdContext(m.Before, -200)), mdInline(oneLine(m.Text, 600)), mdInline(mdContext(m.After, 200))+"…"))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// mdDiff renders an edit script as one line of Markdown: matched tokens
// plain, ~~item~~ **document** for a substitution (numbers included),
// ~~item~~ for a deletion, **document** for an insertion, *a ⇄ b* for a
// swap. Every token is escaped and stands between spaces, so the
// emphasis delimiters always open and close. At most max operations are
// shown.
func mdDiff(ops []query.EditOp, max int) string {
	var b []string
	del := func(s string) string { return "~~" + mdInline(s) + "~~" }
	ins := func(s string) string { return "**" + mdInline(s) + "**" }
	n := 0
	for i := 0; i < len(ops); i++ {
		if n == max {
			b = append(b, fmt.Sprintf("… (%d more)", len(ops)-i))
			break
		}
		n++
		o := ops[i]
		switch o.Op {
		case "=":
			b = append(b, mdInline(o.Item))
		case "n", "x":
			b = append(b, del(o.Item), ins(o.Doc))
		case "-":
			b = append(b, del(o.Item))
		case "+":
			b = append(b, ins(o.Doc))
		case "s":
			if i+1 < len(ops) && ops[i+1].Op == "s" {
				b = append(b, "*"+mdInline(o.Item)+" ⇄ "+mdInline(ops[i+1].Item)+"*")
				i++
			} else {
				b = append(b, "*"+mdInline(o.Item)+" ⇄*")
			}
		default:
			b = append(b, mdInline(o.Item))
		}
	}
	return strings.Join(b, " ")
}

// mdContext collapses whitespace runs in s to one space, keeping one at
// either end where s has some, and keeps at most max runes: the first
// ones, or for a negative max the last ones.
func mdContext(s string, max int) string {
	t := strings.Join(strings.Fields(s), " ")
	if t == "" {
		if s != "" {
			return " "
		}
		return ""
	}
	r := []rune(t)
	switch {
	case max > 0 && len(r) > max:
		t = string(r[:max-1]) + "…"
	case max < 0 && len(r) > -max:
		t = "…" + string(r[len(r)+max+1:])
	}
	if first, _ := utf8.DecodeRuneInString(s); unicode.IsSpace(first) {
		t = " " + t
	}
	if last, _ := utf8.DecodeLastRuneInString(s); unicode.IsSpace(last) {
		t += " "
	}
	return t
}

// mdInline escapes text for inline Markdown: whitespace runs (newlines
// included) become one space and every character Markdown (or GitHub's
// flavour: tables, strikethrough, math) could read as syntax, raw HTML or
// an entity is backslash-escaped (~ becomes an entity).
func mdInline(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		if r == '~' {
			// An entity, not \~: some renderers (goldmark) count an
			// escaped ~ into the ~~ that closes a strikethrough.
			b.WriteString("&#126;")
			continue
		}
		if strings.ContainsRune("\\`*_[]<>|&$#!", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdStrong joins escaped before, text and after with text in bold, adding
// a space where the ** would otherwise not open or close (a delimiter
// between a letter and punctuation).
func mdStrong(before, text, after string) string {
	if text == "" {
		return before + after
	}
	punct := func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) }
	first, _ := utf8.DecodeRuneInString(text)
	last, _ := utf8.DecodeLastRuneInString(text)
	if before != "" {
		prev, _ := utf8.DecodeLastRuneInString(before)
		if punct(first) && !punct(prev) && !unicode.IsSpace(prev) {
			before += " "
		}
	}
	if after != "" {
		next, _ := utf8.DecodeRuneInString(after)
		if punct(last) && !punct(next) && !unicode.IsSpace(next) {
			after = " " + after
		}
	}
	return before + "**" + text + "**" + after
}
