package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/contam-dev/contam/query"
)

// TraceFormats lists the output formats of a trace.
var TraceFormats = []string{"text", "jsonl", "html"}

// Markers bracket the matched regions of an output in the text view when
// colour is off (and the match inside a document's context, in both views).
const (
	TraceMarkOpen  = "⟦"
	TraceMarkClose = "⟧"
)

// ANSI sequences of the coloured text view: black on yellow, like a
// highlighter pen.
const (
	trANSIMark  = "\x1b[30;43m"
	trANSIReset = "\x1b[0m"
)

// TraceHeader describes the run a trace report belongs to.
type TraceHeader struct {
	Index      string // index directory
	Normalize  string // normalizer name
	N          int    // n-gram length of the index
	Guaranteed int    // shortest span always found (above N: sampled anchors)
	Docs       int64  // documents in the index
	Input      string // input file ("-" for standard input)
	MinSpan    int
	TopDocs    int
	Context    int
	MaxDocFreq int
	Color      bool // text view: ANSI colour instead of ⟦…⟧ markers
}

// Traced is one traced output: its text as written and the engine's answer.
type Traced struct {
	Text   string
	Result query.TraceResult
}

// TraceWriter renders traced outputs one at a time. Text and JSON Lines are
// written as they come; HTML is one document whose summary comes first, so
// its sections are kept until Close.
type TraceWriter struct {
	w      *bufio.Writer
	format string
	h      TraceHeader
	n      int // outputs written
	tot    trTotals
	html   bytes.Buffer // rendered HTML sections
	rows   []trRow      // HTML table of contents
}

type trTotals struct {
	Outputs, WithSpans, Tokens, Covered, Spans, Hidden, Longest int
}

func (t *trTotals) add(r *query.TraceResult) {
	t.Outputs++
	if len(r.Spans) > 0 {
		t.WithSpans++
	}
	t.Tokens += r.Tokens
	t.Covered += r.Covered
	t.Spans += len(r.Spans)
	t.Hidden += r.Hidden
	t.Longest = max(t.Longest, r.LongestSpan)
}

// NewTraceWriter starts a report in the named format.
func NewTraceWriter(w io.Writer, format string, h TraceHeader) (*TraceWriter, error) {
	switch format {
	case "text", "jsonl", "html":
	default:
		return nil, fmt.Errorf("report: unknown trace format %q (want one of %s)", format, strings.Join(TraceFormats, ", "))
	}
	t := &TraceWriter{w: bufio.NewWriter(w), format: format, h: h}
	if format == "text" {
		t.textHeader()
	}
	return t, nil
}

// Write renders one output. out must be the text the result was traced
// from: span offsets are byte offsets into it.
func (t *TraceWriter) Write(out string, r query.TraceResult) error {
	t.n++
	t.tot.add(&r)
	switch t.format {
	case "jsonl":
		enc := json.NewEncoder(t.w)
		enc.SetEscapeHTML(false)
		return enc.Encode(&r)
	case "text":
		t.textOutput(out, &r)
		return nil
	default:
		sec := trSection(t.n-1, out, &r, t.h.Context)
		t.rows = append(t.rows, trRow{Key: sec.Key, ID: r.ID, Coverage: sec.Coverage, Longest: r.LongestSpan, Spans: len(r.Spans), NDocs: r.NDocs})
		return trTmpl.ExecuteTemplate(&t.html, "section", sec)
	}
}

// Close finishes the report and flushes it.
func (t *TraceWriter) Close() error {
	switch t.format {
	case "text":
		if t.tot.Outputs > 1 {
			t.textTotals()
		}
	case "html":
		if err := t.writeHTML(); err != nil {
			return err
		}
	}
	return t.w.Flush()
}

// WriteTrace renders traced outputs in the named format.
func WriteTrace(w io.Writer, format string, h TraceHeader, outs []Traced) error {
	t, err := NewTraceWriter(w, format, h)
	if err != nil {
		return err
	}
	for i := range outs {
		if err := t.Write(outs[i].Text, outs[i].Result); err != nil {
			return err
		}
	}
	return t.Close()
}

// trSegment is a maximal piece of an output inside the same set of spans.
type trSegment struct {
	start, end int
	spans      []int // indexes into the result's Spans, in their (ranked) order
}

// trValidSpan reports whether a span's byte range lies inside the text.
func trValidSpan(s *query.TraceSpan, n int) bool {
	return 0 <= s.ByteStart && s.ByteStart <= s.ByteEnd && s.ByteEnd <= n
}

// trSegments cuts out at every span boundary. Overlapping spans give pieces
// covered by several spans; every piece of a span's range lists it, so the
// covered pieces of span k, joined, are exactly out[ByteStart:ByteEnd].
func trSegments(out string, spans []query.TraceSpan) []trSegment {
	cuts := []int{0, len(out)}
	for i := range spans {
		if trValidSpan(&spans[i], len(out)) {
			cuts = append(cuts, spans[i].ByteStart, spans[i].ByteEnd)
		}
	}
	sort.Ints(cuts)
	var segs []trSegment
	for i := 1; i < len(cuts); i++ {
		if cuts[i] > cuts[i-1] {
			segs = append(segs, trSegment{start: cuts[i-1], end: cuts[i]})
		}
	}
	for k := range spans {
		s := &spans[k]
		if !trValidSpan(s, len(out)) || s.ByteStart == s.ByteEnd {
			continue
		}
		i := sort.Search(len(segs), func(i int) bool { return segs[i].start >= s.ByteStart })
		for ; i < len(segs) && segs[i].end <= s.ByteEnd; i++ {
			segs[i].spans = append(segs[i].spans, k)
		}
	}
	return segs
}

// trMarked returns the union of the spans' byte ranges as sorted, disjoint
// ranges: the regions the text view highlights.
func trMarked(out string, spans []query.TraceSpan) [][2]int {
	var u [][2]int
	for _, s := range trSegments(out, spans) {
		if len(s.spans) == 0 {
			continue
		}
		if len(u) > 0 && u[len(u)-1][1] == s.start {
			u[len(u)-1][1] = s.end
		} else {
			u = append(u, [2]int{s.start, s.end})
		}
	}
	return u
}

// ---- text view ----

// trSanitize makes untrusted text safe for a terminal: control characters
// (other than newline and tab, when keepLines) become visible symbols, so
// an output or a document cannot move the cursor, change colours or rewrite
// the line. Invalid UTF-8 becomes U+FFFD.
func trSanitize(s string, keepLines bool) string {
	clean := true
	for _, r := range s {
		if r < 0x20 && !(keepLines && (r == '\n' || r == '\t')) || r == 0x7f || 0x80 <= r && r < 0xa0 || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r < 0x20:
			b.WriteRune(0x2400 + r) // control pictures: ␛ for ESC, ␍ for CR
		case r == 0x7f:
			b.WriteRune('␡')
		case 0x80 <= r && r < 0xa0:
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// trFlat is s on one line: runs of white space become one space.
func trFlat(s string) string { return trSanitize(strings.Join(strings.Fields(s), " "), false) }

// trAbbrev shortens s to at most max runes by cutting out its middle.
func trAbbrev(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	h := max * 2 / 3
	return string(r[:h]) + " … " + string(r[len(r)-(max-h-3):])
}

// mark returns s marked as matched text: in colour (closing the colour
// around line breaks, so the background does not run to the line's end) or
// between ⟦ ⟧.
func (t *TraceWriter) mark(s string) string { return trMarkText(s, t.h.Color) }

func trMarkText(s string, color bool) string {
	if !color {
		return TraceMarkOpen + s + TraceMarkClose
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = trANSIMark + l + trANSIReset
		}
	}
	return strings.Join(lines, "\n")
}

func (t *TraceWriter) textHeader() {
	w, h := t.w, t.h
	fmt.Fprintf(w, "index    %s (normalizer %s, n=%d, %d docs%s)\n", h.Index, h.Normalize, h.N, h.Docs, anchorsNote(h.N, h.Guaranteed))
	if h.Input != "" {
		fmt.Fprintf(w, "input    %s\n", h.Input)
	}
	rule := fmt.Sprintf("maximal spans of ≥ %d tokens found verbatim in the corpus", h.MinSpan)
	if h.MaxDocFreq > 0 {
		rule += fmt.Sprintf("; spans held by more than %d documents hidden", h.MaxDocFreq)
	}
	fmt.Fprintf(w, "spans    %s\n", rule)
	if h.Color {
		fmt.Fprintf(w, "marks    %s\n", trMarkText("highlighted", true)+" = inside a span")
	} else {
		fmt.Fprintf(w, "marks    %s = inside a span (overlapping spans are marked as one region)\n", TraceMarkOpen+"…"+TraceMarkClose)
	}
}

func trPlural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func (t *TraceWriter) textOutput(out string, r *query.TraceResult) {
	w := t.w
	title := "── " + trFlat(r.ID) + " "
	fmt.Fprintf(w, "\n%s%s\n", title, strings.Repeat("─", max(3, 72-utf8.RuneCountInString(title))))
	// The output with the union of the spans marked.
	pos := 0
	for _, m := range trMarked(out, r.Spans) {
		w.WriteString(trSanitize(out[pos:m[0]], true))
		w.WriteString(t.mark(trSanitize(out[m[0]:m[1]], true)))
		pos = m[1]
	}
	w.WriteString(trSanitize(out[pos:], true))
	if !strings.HasSuffix(out, "\n") {
		w.WriteString("\n")
	}
	fmt.Fprintf(w, "\ntokens %d · coverage %.1f%% (%d/%d tokens) · longest span %d · %s · %s hidden\n",
		r.Tokens, 100*r.Coverage, r.Covered, r.Tokens, r.LongestSpan,
		trPlural(r.NDocs, "source document", "source documents"), trPlural(r.Hidden, "span", "spans"))
	if len(r.Spans) == 0 {
		return
	}
	fmt.Fprintf(w, "\nspans by score (len × log2(1 + %d/docs))\n", t.h.Docs)
	for i := range r.Spans {
		s := &r.Spans[i]
		fmt.Fprintf(w, "%3d. %s · %s · score %.1f · tokens %d–%d\n", i+1,
			trPlural(s.Len, "token", "tokens"), trPlural(s.Docs, "doc", "docs"), s.Score, s.TokStart, s.TokEnd)
		fmt.Fprintf(w, "     %q\n", trAbbrev(trFlat(s.Text), 240))
		for _, d := range s.TopDocs {
			fmt.Fprintf(w, "     %s\n", trDocLine(&d))
			fmt.Fprintf(w, "       %s\n", t.context(&d.Match))
		}
		if more := s.Docs - len(s.TopDocs); more > 0 {
			fmt.Fprintf(w, "     … and %s not shown (--top-docs)\n", trPlural(more, "more document", "more documents"))
		}
	}
}

// trDocLine identifies a document: id, source:line, byte offset of its record
// in the source, and its metadata (url first).
func trDocLine(d *query.DocHit) string {
	var b strings.Builder
	b.WriteString(trFlat(d.ID))
	b.WriteString("  ")
	b.WriteString(trFlat(d.Source))
	if d.Line > 0 {
		fmt.Fprintf(&b, ":%d", d.Line)
	}
	fmt.Fprintf(&b, "  byte %d", d.Offset)
	if u := d.Meta["url"]; u != "" {
		b.WriteString("  ")
		b.WriteString(trFlat(u))
	}
	for _, k := range trMetaKeys(d.Meta) {
		if k != "url" {
			fmt.Fprintf(&b, "  %s=%s", trFlat(k), trFlat(d.Meta[k]))
		}
	}
	return b.String()
}

func trMetaKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// context shows a match on one line with its context, the match marked.
func (t *TraceWriter) context(m *query.Match) string {
	return trContextLine(m, t.h.Context, t.h.Color)
}

// trContextLine shows a match on one line between its context, the match
// marked. An ellipsis says the context was cut: a side shorter than ctx
// runes reaches the start or end of the document.
func trContextLine(m *query.Match, ctx int, color bool) string {
	before, after := trFlat(m.Before), trFlat(m.After)
	if before != "" && strings.TrimRight(m.Before, " \t\r\n") != m.Before {
		before += " "
	}
	if utf8.RuneCountInString(m.Before) >= ctx && ctx > 0 {
		before = "…" + before
	}
	if after != "" && strings.TrimLeft(m.After, " \t\r\n") != m.After {
		after = " " + after
	}
	if utf8.RuneCountInString(m.After) >= ctx && ctx > 0 {
		after += "…"
	}
	return before + trMarkText(trAbbrev(trFlat(m.Text), 400), color) + after
}

func (t *TraceWriter) textTotals() {
	c := t.tot
	cov := 0.0
	if c.Tokens > 0 {
		cov = 100 * float64(c.Covered) / float64(c.Tokens)
	}
	fmt.Fprintf(t.w, "\n══ %d outputs · %d with spans · %d spans (%d hidden) · coverage %.1f%% (%d/%d tokens) · longest span %d\n",
		c.Outputs, c.WithSpans, c.Spans, c.Hidden, cov, c.Covered, c.Tokens, c.Longest)
}

// ---- HTML ----

type trSeg struct {
	Text  string
	Spans string // keys of the spans covering the piece, best ranked first; "" outside spans
	N     int    // how many spans cover it
	Title string
}

type trKV struct{ K, V string }

type trDoc struct {
	ID, Source               string
	Line, Offset             int64
	URL                      string
	Meta                     []trKV
	DocByteStart, DocByteEnd int
	LongestSpan              int
	Before, Text, After      string
	CutBefore, CutAfter      bool // the context was cut there, not at the document's edge
}

type trSpan struct {
	Key, Text             string
	Rank, Len, Docs, More int
	TokStart, TokEnd      int
	ByteStart, ByteEnd    int
	Score                 string
	TopDocs               []trDoc
}

type trSec struct {
	Key, ID                         string
	Tokens, Covered, Longest, NDocs int
	Hidden                          int
	Coverage                        string
	Segs                            []trSeg
	Spans                           []trSpan
}

type trRow struct {
	Key, ID, Coverage     string
	Longest, Spans, NDocs int
}

func trSection(i int, out string, r *query.TraceResult, ctx int) trSec {
	key := fmt.Sprintf("o%d", i)
	spanKey := func(k int) string { return fmt.Sprintf("%s-s%d", key, k) }
	sec := trSec{
		Key: key, ID: r.ID, Tokens: r.Tokens, Covered: r.Covered, Longest: r.LongestSpan,
		NDocs: r.NDocs, Hidden: r.Hidden, Coverage: fmt.Sprintf("%.1f%%", 100*r.Coverage),
	}
	for _, s := range trSegments(out, r.Spans) {
		g := trSeg{Text: out[s.start:s.end], N: len(s.spans)}
		if len(s.spans) > 0 {
			keys := make([]string, len(s.spans))
			ranks := make([]string, len(s.spans))
			for j, k := range s.spans {
				keys[j], ranks[j] = spanKey(k), fmt.Sprintf("#%d", k+1)
			}
			g.Spans = strings.Join(keys, " ")
			g.Title = "span " + strings.Join(ranks, ", ") + ": click for its sources"
		}
		sec.Segs = append(sec.Segs, g)
	}
	for k := range r.Spans {
		s := &r.Spans[k]
		hs := trSpan{
			Key: spanKey(k), Rank: k + 1, Text: trAbbrev(s.Text, 300), Len: s.Len, Docs: s.Docs,
			More: s.Docs - len(s.TopDocs), TokStart: s.TokStart, TokEnd: s.TokEnd,
			ByteStart: s.ByteStart, ByteEnd: s.ByteEnd, Score: fmt.Sprintf("%.1f", s.Score),
		}
		for _, d := range s.TopDocs {
			hd := trDoc{
				ID: d.ID, Source: d.Source, Line: d.Line, Offset: d.Offset, URL: d.Meta["url"],
				DocByteStart: d.Match.DocByteStart, DocByteEnd: d.Match.DocByteEnd, LongestSpan: d.LongestSpan,
				Before: d.Match.Before, Text: d.Match.Text, After: d.Match.After,
				CutBefore: ctx > 0 && utf8.RuneCountInString(d.Match.Before) >= ctx,
				CutAfter:  ctx > 0 && utf8.RuneCountInString(d.Match.After) >= ctx,
			}
			for _, k := range trMetaKeys(d.Meta) {
				if k != "url" {
					hd.Meta = append(hd.Meta, trKV{k, d.Meta[k]})
				}
			}
			hs.TopDocs = append(hs.TopDocs, hd)
		}
		sec.Spans = append(sec.Spans, hs)
	}
	return sec
}

func (t *TraceWriter) writeHTML() error {
	c := t.tot
	cov := 0.0
	if c.Tokens > 0 {
		cov = 100 * float64(c.Covered) / float64(c.Tokens)
	}
	head := struct {
		TraceHeader
		trTotals
		Coverage string
		Rows     []trRow
	}{t.h, c, fmt.Sprintf("%.1f%%", cov), t.rows}
	if err := trTmpl.ExecuteTemplate(t.w, "head", head); err != nil {
		return err
	}
	if _, err := t.w.Write(t.html.Bytes()); err != nil {
		return err
	}
	return trTmpl.ExecuteTemplate(t.w, "foot", nil)
}

var trTmpl = template.Must(template.New("trace").Parse(trHTML))

// trHTML is the self-contained page: inline CSS and JS, no fetches, no
// links out (document URLs are shown as text). html/template escapes every
// value. The <pre> starts with a newline because HTML drops the first
// newline after <pre>; the output's own leading newline survives.
const trHTML = `{{define "head"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>contam trace{{if .Input}}: {{.Input}}{{end}}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 1em 2em; max-width: 110em; color: #222; background: #fff; }
h1 { font-size: 1.4em; margin: .2em 0; }
h2 { font-size: 1.15em; margin: 1.5em 0 .3em; border-bottom: 1px solid #ccc; }
code, pre, .ctx, q { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
header p { margin: .2em 0; }
.note { color: #555; font-size: .9em; }
.sum b { font-size: 1.05em; }
nav table { border-collapse: collapse; margin: .6em 0; }
nav td, nav th { padding: .1em .7em; text-align: right; border-bottom: 1px solid #eee; }
nav td:first-child, nav th:first-child { text-align: left; }
.grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1.2em; align-items: start; }
@media (max-width: 60em) { .grid { grid-template-columns: minmax(0, 1fr); } }
pre.text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; padding: .8em; background: #fafafa; border: 1px solid #ddd; max-height: 80vh; overflow: auto; }
mark.hl { background: #ffe27a; color: inherit; cursor: pointer; border-radius: 2px; }
mark.hl.multi { background: #ffc23d; }
mark.hl.sel { background: #ff9d3d; outline: 2px solid #d9480f; }
ol.spans { margin: 0; padding: 0 0 0 2.6em; max-height: 80vh; overflow: auto; }
li.span { margin: 0 0 .5em; }
li.span.cur > details > summary { background: #fff1c9; }
summary { cursor: pointer; }
summary .fig { color: #444; white-space: nowrap; }
summary q { display: block; white-space: pre-wrap; overflow-wrap: anywhere; color: #333; }
.src { margin: .4em 0 .6em .8em; padding-left: .6em; border-left: 3px solid #ffc23d; }
.doc b { font-family: ui-monospace, monospace; }
.url, .meta { color: #555; overflow-wrap: anywhere; }
.ctx { white-space: pre-wrap; overflow-wrap: anywhere; background: #fafafa; padding: .3em .5em; margin-top: .2em; }
.ctx mark { background: #ffe27a; }
.more, .none { color: #666; font-style: italic; }
</style>
</head>
<body>
<header>
<h1>contam trace</h1>
<p>index <code>{{.Index}}</code> (normalizer {{.Normalize}}, n={{.N}}, {{.Docs}} documents){{if .Input}} · input <code>{{.Input}}</code>{{end}}</p>
<p class="sum">{{.Outputs}} output{{if ne .Outputs 1}}s{{end}} · {{.WithSpans}} with spans · {{.Spans}} spans{{if .Hidden}} ({{.Hidden}} hidden){{end}} · coverage <b>{{.Coverage}}</b> ({{.Covered}}/{{.Tokens}} tokens) · longest span {{.Longest}} tokens</p>
<p class="note">A span is a maximal run of at least {{.MinSpan}} output tokens found verbatim (after normalization) in some corpus document and verified against the stored text: it cannot be extended on either side while still occurring in some document. Spans may overlap. Document counts are exact. Spans are ranked by score = length × log2(1 + {{.Docs}}/docs){{if .MaxDocFreq}}; spans held by more than {{.MaxDocFreq}} documents are hidden{{end}}. Click a highlighted region or a span to see its sources.</p>
{{if gt .Outputs 1}}<nav><table>
<tr><th>output</th><th>coverage</th><th>longest</th><th>spans</th><th>docs</th></tr>
{{range .Rows}}<tr><td><a href="#{{.Key}}">{{.ID}}</a></td><td>{{.Coverage}}</td><td>{{.Longest}}</td><td>{{.Spans}}</td><td>{{.NDocs}}</td></tr>
{{end}}</table></nav>{{end}}
</header>
<main>
{{end}}

{{define "section"}}<section class="out" id="{{.Key}}">
<h2>{{.ID}}</h2>
<p class="sum">{{.Tokens}} tokens · coverage <b>{{.Coverage}}</b> ({{.Covered}}/{{.Tokens}} tokens) · longest span {{.Longest}} · {{.NDocs}} source document{{if ne .NDocs 1}}s{{end}} · {{.Hidden}} hidden</p>
<div class="grid">
<pre class="text">
{{range .Segs}}{{if .Spans}}<mark class="hl{{if gt .N 1}} multi{{end}}" tabindex="0" data-spans="{{.Spans}}" title="{{.Title}}">{{.Text}}</mark>{{else}}{{.Text}}{{end}}{{end}}</pre>
{{if .Spans}}<ol class="spans">
{{range .Spans}}<li class="span" id="{{.Key}}"><details><summary><span class="fig">{{.Len}} tokens · {{.Docs}} doc{{if ne .Docs 1}}s{{end}} · score {{.Score}} · tokens {{.TokStart}}–{{.TokEnd}}</span><q>{{.Text}}</q></summary>
<div class="sources">
{{range .TopDocs}}<div class="src"><div class="doc"><b>{{.ID}}</b> · {{.Source}}{{if .Line}}:{{.Line}}{{end}} · byte {{.Offset}} · match at document bytes {{.DocByteStart}}–{{.DocByteEnd}}{{if .URL}} · <span class="url">{{.URL}}</span>{{end}}{{range .Meta}} · <span class="meta">{{.K}}: {{.V}}</span>{{end}}</div>
<div class="ctx">{{if .CutBefore}}…{{end}}{{.Before}}<mark>{{.Text}}</mark>{{.After}}{{if .CutAfter}}…{{end}}</div></div>
{{end}}{{if gt .More 0}}<p class="more">and {{.More}} more document{{if ne .More 1}}s{{end}} not shown (--top-docs)</p>{{end}}
</div></details></li>
{{end}}</ol>{{else}}<p class="none">No span of the output was found in the corpus.</p>{{end}}
</div>
</section>
{{end}}

{{define "foot"}}</main>
<script>
(function () {
  function keysOf(m) { return m.getAttribute("data-spans").split(" "); }
  function select(sec, key, open) {
    sec.querySelectorAll("mark.hl").forEach(function (m) {
      m.classList.toggle("sel", keysOf(m).indexOf(key) >= 0);
    });
    sec.querySelectorAll("li.span").forEach(function (li) {
      li.classList.toggle("cur", li.id === key);
    });
    var li = document.getElementById(key);
    if (li && open) {
      li.querySelector("details").open = true;
      li.scrollIntoView({block: "nearest"});
    }
  }
  function pick(m) {
    // Repeated clicks on a region inside several spans go through them in rank order.
    var keys = keysOf(m), sec = m.closest("section");
    var cur = sec.querySelector("li.span.cur");
    var i = cur ? keys.indexOf(cur.id) : -1;
    select(sec, keys[(i + 1) % keys.length], true);
  }
  document.addEventListener("click", function (e) {
    var m = e.target.closest("mark.hl");
    if (m) { pick(m); return; }
    var s = e.target.closest("li.span > details > summary");
    if (s) { var li = s.parentNode.parentNode; select(li.closest("section"), li.id, false); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target.matches && e.target.matches("mark.hl")) { pick(e.target); }
  });
})();
</script>
</body>
</html>
{{end}}`

// ---- count and find ----

// PhraseFormats lists the output formats of count and find.
var PhraseFormats = []string{"text", "jsonl"}

// PhraseHeader says how phrase answers are shown.
type PhraseHeader struct {
	Find    bool // list the documents (find), not only the figures (count)
	Offset  int  // find: index of the first document listed
	Limit   int  // find: documents per page
	Context int  // find: runes of context asked for each side (to tell where it was cut)
	Color   bool // text: ANSI colour instead of ⟦…⟧ around the match
}

// WritePhrase renders the answer for one phrase: in JSON Lines one
// PhraseResult per line; as text one line per phrase for count, plus the
// documents with context for find.
func WritePhrase(w io.Writer, format string, h PhraseHeader, r query.PhraseResult) error {
	switch format {
	case "jsonl":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(&r)
	case "text":
	default:
		return fmt.Errorf("report: unknown format %q (want one of %s)", format, strings.Join(PhraseFormats, ", "))
	}
	bw := bufio.NewWriter(w)
	q := fmt.Sprintf("%q", trFlat(r.Phrase))
	if !r.Exact {
		fmt.Fprintf(bw, "not exact  %s: %s\n", q, r.Reason)
		return bw.Flush()
	}
	figs := fmt.Sprintf("%s in %s", trPlural64(r.Occurrences, "occurrence", "occurrences"), trPlural(r.Docs, "document", "documents"))
	if !h.Find {
		fmt.Fprintf(bw, "%s  %s\n", figs, q)
		return bw.Flush()
	}
	fmt.Fprintf(bw, "%s: %s", q, figs)
	switch {
	case r.Docs == 0:
	case len(r.Hits) == 0:
		fmt.Fprintf(bw, "; none from --offset %d", h.Offset)
	default:
		if len(r.Hits) == 1 {
			fmt.Fprintf(bw, "; document %d of %d", h.Offset+1, r.Docs)
		} else {
			fmt.Fprintf(bw, "; documents %d–%d of %d", h.Offset+1, h.Offset+len(r.Hits), r.Docs)
		}
		if next := h.Offset + len(r.Hits); next < r.Docs {
			fmt.Fprintf(bw, " (more with --offset %d)", next)
		}
	}
	bw.WriteString("\n")
	for i := range r.Hits {
		hit := &r.Hits[i]
		fmt.Fprintf(bw, "%4d. %s  · %s in this document\n", h.Offset+i+1, trDocLine(&hit.DocHit), trPlural(hit.Occurrences, "occurrence", "occurrences"))
		fmt.Fprintf(bw, "      %s\n", trContextLine(&hit.Match, h.Context, h.Color))
	}
	return bw.Flush()
}

func trPlural64(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
