package report

// The HTML report: one self-contained page (inline CSS and JS, no network
// fetches, a Content-Security-Policy that forbids them) with the run's
// header, a summary per standard, histograms of coverage and longest span,
// and a searchable, sortable table of items whose rows expand to the matched
// spans highlighted in the item text and the top documents' context.
//
// The table rows are light and rendered up front; everything shown when a
// row is expanded comes from one embedded JSON blob and is built by the
// script on demand, so a report of thousands of items stays quick to open.
// All text reaches the page through html/template or the DOM's textContent:
// nothing from a benchmark or a corpus is ever parsed as HTML.

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/contam-dev/contam/query"
)

// ckPage is what the page template renders.
type ckPage struct {
	Title    string
	H        Header
	RuleText string
	Cards    []ckCard
	Stats    []ckStat
	CovHist  []ckBar
	SpanHist []ckBar
	Std      []string
	Near     bool // the run looked for near-duplicates: the near-dup column and filters
	Rows     []ckRow
	NoTexts  bool
	CSS      template.CSS
	JS       template.JS
	Data     template.JS
}

type ckCard struct {
	Label, Value, Note, Class string
}

// ckStat is one line of the summary table: the default rule or a standard.
type ckStat struct {
	Name, Detail                  string
	Default                       bool
	Items, Dirty, TooShort, Clean int
	DirtyPct                      string
	Buckets                       []ckBucket
}

type ckBucket struct {
	Name  string
	Count int
}

type ckBar struct {
	Label                  string
	Count, Dirty           int     // items in the bar; those contaminated
	DirtyWidth, CleanWidth float64 // percent of the longest bar
}

type ckRow struct {
	I                             int
	ID                            string
	Verdict, VerdictClass         string
	Std                           []ckCell
	Cov                           string
	CovWidth                      float64
	Matched, Tokens, Longest, Doc int
	Near                          ckCell // similarity of the best alignment; Class "near" for a near-duplicate
}

type ckCell struct {
	Text, Class string
}

// ckData is the JSON blob the script reads; short keys keep it small.
type ckData struct {
	Std      []string `json:"std"`
	HasTexts bool     `json:"has_texts"`
	Items    []ckItem `json:"items"`
}

type ckItem struct {
	ID       string       `json:"id"`
	Tokens   int          `json:"tok"`
	Contam   bool         `json:"c"`
	TooShort bool         `json:"ts,omitempty"`
	Verdict  int          `json:"v"` // sort rank: 3 contaminated, 2 overlap, 1 clean, 0 too short
	Coverage float64      `json:"cov"`
	Matched  int          `json:"mt"`
	Longest  int          `json:"ls"`
	NDocs    int          `json:"nd"`
	Std      []*ckVerdict `json:"s,omitempty"` // aligned with ckData.Std; null where absent
	Text     []string     `json:"t,omitempty"` // item text, alternating plain and matched segments, plain first
	TextWarn string       `json:"tw,omitempty"`
	Spans    [][6]int     `json:"sp"` // tok start, tok end, len, docs, byte start, byte end
	Docs     []ckDocHit   `json:"d"`
	Near     *ckNear      `json:"n,omitempty"`
}

// ckNear is an item's best local alignment with a corpus document.
type ckNear struct {
	Near        bool     `json:"nd"` // a near-duplicate
	Similarity  float64  `json:"sim"`
	Local       float64  `json:"loc"`
	Threshold   float64  `json:"th"`
	Matched     int      `json:"mt"`
	NumberDiffs int      `json:"nn"`
	OtherDiffs  int      `json:"no"`
	OnlyNumbers bool     `json:"on,omitempty"`
	Ops         []any    `json:"ops"` // a string for a match, else [op, item token, document token]
	Doc         ckDocHit `json:"d"`   // its Before/Text/After: the aligned window in context
}

type ckVerdict struct {
	Dirty    bool    `json:"dirty"`
	TooShort bool    `json:"ts,omitempty"`
	Value    float64 `json:"val"`
	Bucket   string  `json:"b,omitempty"`
	Detail   string  `json:"det,omitempty"`
}

type ckDocHit struct {
	ID         string            `json:"id"`
	Source     string            `json:"src"`
	Line       int64             `json:"line,omitempty"`
	Offset     int64             `json:"off"`
	Meta       map[string]string `json:"meta,omitempty"`
	Longest    int               `json:"ls"`
	Matched    int               `json:"mt"`
	ItemStart  int               `json:"its"`
	ItemEnd    int               `json:"ite"`
	Before     string            `json:"b"`
	Text       string            `json:"x"`
	After      string            `json:"a"`
	AtDocStart bool              `json:"ds,omitempty"` // Before starts at the document's first byte
}

// writeHTML writes the check report as one self-contained HTML page. Item
// texts come from h.Texts when given; without them the expanded rows show
// only the documents' context.
func writeHTML(w io.Writer, h Header, rs []query.Result) error {
	p, err := buildCheckPage(h, rs)
	if err != nil {
		return err
	}
	return checkTmpl.Execute(w, p)
}

func buildCheckPage(h Header, rs []query.Result) (*ckPage, error) {
	s := Summarize(rs)
	p := &ckPage{
		Title:    "contam report",
		H:        h,
		RuleText: ckRuleText(h.Rule),
		NoTexts:  len(h.Texts) == 0,
		CSS:      template.CSS(checkCSS),
		JS:       template.JS(checkJS),
	}
	if h.Bench != "" {
		p.Title = "contam report: " + filepath.Base(h.Bench)
	}
	p.Cards = []ckCard{
		{Label: "items checked", Value: fmt.Sprint(s.Items)},
		{Label: "contaminated", Value: fmt.Sprint(s.Contaminated), Note: fmt.Sprintf("%.1f%% by the rule", pct(s.Contaminated, s.Items)), Class: "dirty"},
		{Label: "any overlap", Value: fmt.Sprint(s.AnyOverlap), Note: fmt.Sprintf("%.1f%% share a verified %d-gram", pct(s.AnyOverlap, s.Items), h.N), Class: "overlap"},
		{Label: "too short", Value: fmt.Sprint(s.TooShort), Note: fmt.Sprintf("fewer than %d tokens", h.N), Class: "short"},
	}
	p.Std = ckStandardNames(rs)
	p.Near = hasNearDup(rs)
	if p.Near {
		p.Cards = append(p.Cards, ckCard{Label: "near-duplicates", Value: fmt.Sprint(s.NearDup), Note: fmt.Sprintf("%d not contaminated by the rule", s.NearOnly), Class: "near"})
	}
	p.Stats = ckStandardStats(h, rs, p.Std, s)
	p.CovHist = ckCoverageBars(rs)
	p.SpanHist = ckSpanBars(rs, h.N, h.Rule.MinSpan)

	data := ckData{Std: p.Std, HasTexts: len(h.Texts) > 0, Items: make([]ckItem, len(rs))}
	p.Rows = make([]ckRow, len(rs))
	for i := range rs {
		r := &rs[i]
		matched := r.Covered
		if matched == 0 && r.Coverage > 0 { // results from before Result.Covered
			matched = int(math.Round(r.Coverage * float64(r.Tokens)))
		}
		verdict, vclass, rank := "clean", "clean", 1
		switch {
		case r.Contaminated:
			verdict, vclass, rank = "contaminated", "dirty", 3
		case r.TooShort:
			verdict, vclass, rank = "too short", "short", 0
		case r.NDocs > 0:
			verdict, vclass, rank = "overlap", "overlap", 2
		}
		row := ckRow{
			I: i, ID: r.ID, Verdict: verdict, VerdictClass: vclass,
			Cov: fmt.Sprintf("%.1f%%", 100*r.Coverage), CovWidth: ckPct(100 * r.Coverage),
			Matched: matched, Tokens: r.Tokens, Longest: r.LongestSpan, Doc: r.NDocs,
		}
		it := ckItem{
			ID: r.ID, Tokens: r.Tokens, Contam: r.Contaminated, TooShort: r.TooShort, Verdict: rank,
			Coverage: r.Coverage, Matched: matched, Longest: r.LongestSpan, NDocs: r.NDocs,
			Spans: make([][6]int, len(r.Spans)), Docs: make([]ckDocHit, len(r.Docs)),
		}
		if len(p.Std) > 0 {
			row.Std = make([]ckCell, len(p.Std))
			it.Std = make([]*ckVerdict, len(p.Std))
			for k, name := range p.Std {
				v, ok := r.Standards[name]
				if !ok {
					row.Std[k] = ckCell{Text: "–", Class: "none"}
					continue
				}
				row.Std[k] = ckVerdictCell(v)
				it.Std[k] = &ckVerdict{Dirty: v.Dirty, TooShort: v.TooShort, Value: ckFinite(v.Value), Bucket: v.Bucket, Detail: v.Detail}
			}
		}
		for k, sp := range r.Spans {
			it.Spans[k] = [6]int{sp.TokStart, sp.TokEnd, sp.Len, sp.Docs, sp.ByteStart, sp.ByteEnd}
		}
		for k, d := range r.Docs {
			it.Docs[k] = ckDoc(d)
		}
		if p.Near {
			row.Near = ckCell{Text: "–", Class: "none"}
		}
		if nd := r.NearDup; nd != nil {
			row.Near = ckCell{Text: fmt.Sprintf("%.0f%%", 100*ckFinite(nd.Similarity))}
			row.Near.Class = "sim"
			if nd.NearDuplicate {
				row.Near.Class = "near"
			}
			it.Near = &ckNear{
				Near: nd.NearDuplicate, Similarity: ckFinite(nd.Similarity), Local: ckFinite(nd.Local), Threshold: ckFinite(nd.Threshold),
				Matched: nd.Matched, NumberDiffs: nd.NumberDiffs, OtherDiffs: nd.OtherDiffs, OnlyNumbers: nd.OnlyNumbers,
				Ops: ckOps(nd.Ops), Doc: ckDoc(nd.Doc),
			}
		}
		if text, ok := h.Texts[r.ID]; ok {
			var fits bool
			it.Text, fits = ckHighlight(text, r.Spans)
			if !fits {
				it.TextWarn = "Some spans fall outside this text: it may not be the text that was checked."
			}
		}
		p.Rows[i] = row
		data.Items[i] = it
	}
	// json.Marshal escapes <, > and & (and U+2028/9), so the blob cannot
	// end its <script> element or open another.
	b, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("report: html data: %w", err)
	}
	p.Data = template.JS(b)
	return p, nil
}

func ckDoc(d query.DocHit) ckDocHit {
	return ckDocHit{
		ID: d.ID, Source: d.Source, Line: d.Line, Offset: d.Offset, Meta: d.Meta,
		Longest: d.LongestSpan, Matched: d.MatchedTokens,
		ItemStart: d.Match.ItemTokStart, ItemEnd: d.Match.ItemTokEnd,
		Before: d.Match.Before, Text: d.Match.Text, After: d.Match.After,
		AtDocStart: d.Match.DocByteStart-len(d.Match.Before) <= 0,
	}
}

// ckOps encodes an edit script compactly: a match is its token, any other
// operation [op, item token, document token].
func ckOps(ops []query.EditOp) []any {
	out := make([]any, len(ops))
	for i, o := range ops {
		if o.Op == "=" {
			out[i] = o.Item
		} else {
			out[i] = [3]string{o.Op, o.Item, o.Doc}
		}
	}
	return out
}

func ckRuleText(r query.Rule) string {
	return fmt.Sprintf("contaminated if the longest verified span ≥ %d tokens or coverage ≥ %.0f%%", r.MinSpan, 100*r.MinCoverage)
}

func ckFinite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

func ckPct(f float64) float64 {
	return math.Max(0, math.Min(100, math.Round(f*10)/10))
}

func ckVerdictCell(v query.Verdict) ckCell {
	c := ckCell{Text: "clean", Class: "clean"}
	switch {
	case v.TooShort:
		return ckCell{Text: "too short", Class: "short"}
	case v.Dirty:
		c = ckCell{Text: "dirty", Class: "dirty"}
	}
	switch v.Bucket {
	case "", "clean", "dirty":
	case "not_clean", "not_dirty": // llama2's middle classes
		c.Text = strings.ReplaceAll(v.Bucket, "_", " ")
		if !v.Dirty {
			c.Class = "overlap"
		}
	default:
		c.Text += " · " + strings.ReplaceAll(v.Bucket, "_", " ")
	}
	return c
}

// ckStandardNames are the standards any result was judged by: "default"
// first, the others sorted.
func ckStandardNames(rs []query.Result) []string {
	seen := map[string]bool{}
	var names []string
	for _, r := range rs {
		for name := range r.Standards {
			if !seen[name] {
				seen[name] = true
				names = append(names, name)
			}
		}
	}
	sort.Slice(names, func(i, j int) bool {
		if (names[i] == "default") != (names[j] == "default") {
			return names[i] == "default"
		}
		return names[i] < names[j]
	})
	return names
}

func ckStandardStats(h Header, rs []query.Result, names []string, s Summary) []ckStat {
	out := []ckStat{{
		Name: "contam rule", Detail: ckRuleText(h.Rule) + " (unadjusted: no standard's discount)", Default: true,
		Items: s.Items, Dirty: s.Contaminated, TooShort: s.TooShort,
		Clean:    s.Items - s.Contaminated - s.TooShort,
		DirtyPct: fmt.Sprintf("%.1f%%", pct(s.Contaminated, s.Items)),
	}}
	for _, name := range names {
		st := ckStat{Name: name}
		buckets := map[string]int{}
		details := map[string]int{}
		for _, r := range rs {
			v, ok := r.Standards[name]
			if !ok {
				continue
			}
			st.Items++
			switch {
			case v.TooShort:
				st.TooShort++
			case v.Dirty:
				st.Dirty++
			default:
				st.Clean++
			}
			if v.Bucket != "" {
				buckets[v.Bucket]++
			}
			if v.Detail != "" {
				details[v.Detail]++
			}
		}
		st.DirtyPct = fmt.Sprintf("%.1f%%", pct(st.Dirty, st.Items))
		for b, c := range buckets {
			st.Buckets = append(st.Buckets, ckBucket{b, c})
		}
		sort.Slice(st.Buckets, func(i, j int) bool { return st.Buckets[i].Name < st.Buckets[j].Name })
		// The most common detail: it names the parameters, which are the
		// same for every item of a run.
		best := 0
		for d, c := range details {
			if c > best || (c == best && d < st.Detail) {
				st.Detail, best = d, c
			}
		}
		out = append(out, st)
	}
	return out
}

func ckBars(labels []string, counts, dirty []int) []ckBar {
	max := 0
	for _, c := range counts {
		if c > max {
			max = c
		}
	}
	out := make([]ckBar, len(counts))
	for i, c := range counts {
		out[i] = ckBar{Label: labels[i], Count: c, Dirty: dirty[i]}
		if max > 0 {
			out[i].DirtyWidth = ckPct(100 * float64(dirty[i]) / float64(max))
			out[i].CleanWidth = ckPct(100 * float64(c-dirty[i]) / float64(max))
		}
	}
	return out
}

// ckCoverageBars are Summary.Histogram's buckets, split by verdict.
func ckCoverageBars(rs []query.Result) []ckBar {
	var counts, dirty [11]int
	labels := make([]string, len(counts))
	for i := range labels {
		labels[i] = bucketLabel(i)
	}
	for _, r := range rs {
		b := bucket(r.Coverage)
		counts[b]++
		if r.Contaminated {
			dirty[b]++
		}
	}
	return ckBars(labels, counts[:], dirty[:])
}

// ckSpanBars buckets the items' longest spans: 0, then from n (no shorter
// span can be verified) up at the rule's threshold and round numbers.
func ckSpanBars(rs []query.Result, n, minSpan int) []ckBar {
	lo := n
	if lo < 1 {
		lo = 1
	}
	edges := []int{lo}
	for _, e := range []int{minSpan, 2 * minSpan, 50, 100, 200, 500} {
		if e > edges[len(edges)-1] {
			edges = append(edges, e)
		}
	}
	counts := make([]int, len(edges)+1)
	dirty := make([]int, len(edges)+1)
	for _, r := range rs {
		k := 0
		if r.LongestSpan > 0 {
			k = sort.Search(len(edges), func(i int) bool { return edges[i] > r.LongestSpan })
			if k == 0 {
				k = 1 // shorter than n: only possible with an inconsistent header
			}
		}
		counts[k]++
		if r.Contaminated {
			dirty[k]++
		}
	}
	labels := []string{"0"}
	for i, e := range edges {
		switch {
		case i == len(edges)-1:
			labels = append(labels, fmt.Sprintf("≥ %d", e))
		case edges[i+1]-1 == e:
			labels = append(labels, fmt.Sprint(e))
		default:
			labels = append(labels, fmt.Sprintf("%d–%d", e, edges[i+1]-1))
		}
	}
	return ckBars(labels, counts, dirty)
}

// ckHighlight cuts text into alternating plain and matched segments (plain
// first) at the spans' byte ranges, merged and widened to whole runes. fits
// is false when a span lies beyond the text.
func ckHighlight(text string, spans []query.Span) (segs []string, fits bool) {
	type rng struct{ a, b int }
	fits = true
	var rs []rng
	for _, s := range spans {
		a, b := s.ByteStart, s.ByteEnd
		if a < 0 || b > len(text) || a > b {
			fits = false
		}
		a = max(0, min(a, len(text)))
		b = max(0, min(b, len(text)))
		for a > 0 && a < len(text) && !utf8.RuneStart(text[a]) {
			a--
		}
		for b < len(text) && !utf8.RuneStart(text[b]) {
			b++
		}
		if a < b {
			rs = append(rs, rng{a, b})
		}
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].a < rs[j].a })
	var merged []rng
	for _, r := range rs {
		if n := len(merged); n > 0 && r.a <= merged[n-1].b {
			merged[n-1].b = max(merged[n-1].b, r.b)
			continue
		}
		merged = append(merged, r)
	}
	at := 0
	for _, r := range merged {
		segs = append(segs, text[at:r.a], text[r.a:r.b])
		at = r.b
	}
	if at < len(text) || len(segs) == 0 {
		segs = append(segs, text[at:])
	}
	return segs, fits
}

var checkTmpl = template.Must(template.New("report").Parse(checkHTML))

const checkHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="contam">
<title>{{.Title}}</title>
<style>{{.CSS}}</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<dl class="hdr">
<dt>index</dt><dd id="h-index">{{.H.Index}}</dd>
<dt>benchmark</dt><dd id="h-bench">{{.H.Bench}}</dd>
<dt>normalizer</dt><dd id="h-norm">{{.H.Normalize}}, n = {{.H.N}}</dd>
<dt>rule</dt><dd id="h-rule">{{.RuleText}}</dd>
</dl>
</header>
<main>
<section class="cards">
{{- range .Cards}}
<div class="card {{.Class}}"><div class="v">{{.Value}}</div><div class="l">{{.Label}}</div>{{if .Note}}<div class="n">{{.Note}}</div>{{end}}</div>
{{- end}}
</section>

<section>
<h2>Verdicts</h2>
<table id="summary" class="summary">
<thead><tr><th>standard</th><th class="num">items</th><th class="num">dirty</th><th class="num">dirty %</th><th class="num">clean</th><th class="num">too short</th><th>detail</th></tr></thead>
<tbody>
{{- range .Stats}}
<tr {{if .Default}}data-rule="1"{{else}}data-std="{{.Name}}"{{end}}><th scope="row">{{.Name}}</th><td class="num" data-k="items">{{.Items}}</td><td class="num dirty" data-k="dirty">{{.Dirty}}</td><td class="num" data-k="pct">{{.DirtyPct}}</td><td class="num" data-k="clean">{{.Clean}}</td><td class="num" data-k="short">{{.TooShort}}</td><td class="detail-text">{{.Detail}}{{if .Buckets}}<div class="buckets">{{range .Buckets}}<span class="bk">{{.Name}}: {{.Count}}</span> {{end}}</div>{{end}}</td></tr>
{{- end}}
</tbody>
</table>
</section>

<section class="hists">
<figure class="hist" id="hist-coverage">
<figcaption>Coverage <small>(share of item tokens in verified spans)</small></figcaption>
{{- range .CovHist}}
<div class="bar" title="{{.Dirty}} of {{.Count}} contaminated"><span class="bl">{{.Label}}</span><span class="bt"><span class="bf d" style="width: {{.DirtyWidth}}%"></span><span class="bf" style="width: {{.CleanWidth}}%"></span></span><span class="bc">{{.Count}}</span></div>
{{- end}}
</figure>
<figure class="hist" id="hist-span">
<figcaption>Longest verified span <small>(tokens)</small></figcaption>
{{- range .SpanHist}}
<div class="bar" title="{{.Dirty}} of {{.Count}} contaminated"><span class="bl">{{.Label}}</span><span class="bt"><span class="bf d" style="width: {{.DirtyWidth}}%"></span><span class="bf" style="width: {{.CleanWidth}}%"></span></span><span class="bc">{{.Count}}</span></div>
{{- end}}
</figure>
<p class="legend"><span class="sw d"></span> contaminated <span class="sw"></span> not contaminated</p>
</section>

<section>
<h2>Items</h2>
<div class="controls">
<input id="q" type="search" placeholder="filter by id, text or document…" aria-label="filter items" autocomplete="off">
<select id="show" aria-label="show">
<option value="all">all items</option>
<option value="contaminated">contaminated</option>
<option value="overlap">any overlap</option>
<option value="clean">not contaminated</option>
{{- if .Near}}
<option value="near">near-duplicates</option>
<option value="near-only">near-duplicates the rule missed</option>
{{- end}}
{{- range $k, $s := .Std}}
<option value="std:{{$k}}">dirty by {{$s}}</option>
{{- end}}
</select>
<span id="count" class="count">{{len .Rows}} items</span>
</div>
{{- if .NoTexts}}
<p class="note">This report has no item texts: expanded rows show the documents' context only.</p>
{{- end}}
<table id="items" class="items">
<thead><tr>
<th data-sort="i" class="num">#</th><th data-sort="id">id</th><th data-sort="v">verdict</th>
{{- range $k, $s := .Std}}<th data-sort="s{{$k}}">{{$s}}</th>{{end}}
<th data-sort="cov" class="num">coverage</th><th data-sort="mt" class="num" title="item tokens inside verified spans / item tokens">matched tokens</th><th data-sort="ls" class="num">longest span</th><th data-sort="nd" class="num" title="corpus documents holding a verified span">docs</th>
{{- if .Near}}<th data-sort="ns" class="num" title="similarity of the best local alignment with a corpus document; highlighted for a near-duplicate">near-dup</th>{{end}}
</tr></thead>
<tbody>
{{- range .Rows}}
<tr class="row" data-i="{{.I}}" tabindex="0" aria-expanded="false"><td class="num">{{.I}}</td><td class="id">{{.ID}}</td><td><span class="badge {{.VerdictClass}}">{{.Verdict}}</span></td>{{range .Std}}<td><span class="badge {{.Class}}">{{.Text}}</span></td>{{end}}<td class="num cov" style="--c: {{.CovWidth}}%">{{.Cov}}</td><td class="num">{{.Matched}} / {{.Tokens}}</td><td class="num">{{.Longest}}</td><td class="num">{{.Doc}}</td>{{if $.Near}}<td class="num"><span class="badge {{.Near.Class}}">{{.Near.Text}}</span></td>{{end}}</tr>
{{- end}}
</tbody>
</table>
</section>
</main>
<footer>contam check · click a row for its spans and documents · sort by clicking a column</footer>
<script type="application/json" id="contam-data">{{.Data}}</script>
<script>{{.JS}}</script>
</body>
</html>
`

const checkCSS = `
:root { --fg: #1d2330; --muted: #5f6b7a; --bg: #fff; --panel: #f5f7fa; --line: #dde2e8;
  --dirty: #c62828; --dirty-bg: #fde8e8; --overlap: #a05a00; --overlap-bg: #fff1d6;
  --clean: #2e7d32; --clean-bg: #e6f4e7; --short: #666; --short-bg: #eee; --mark: #ffe066; --bar: #7b8da6;
  --near: #7b1fa2; --near-bg: #f3e5f5; --num: #0d47a1; --num-bg: #e3edfc; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e3e7ee; --muted: #9aa5b4; --bg: #15181d; --panel: #1f242b; --line: #343b45;
    --dirty: #ff8a80; --dirty-bg: #4a1f1f; --overlap: #ffc46b; --overlap-bg: #43341a;
    --clean: #8fd694; --clean-bg: #1f3a22; --short: #bbb; --short-bg: #333; --mark: #7a6414; --bar: #8796ab;
    --near: #d59ee6; --near-bg: #3a2342; --num: #90b8ff; --num-bg: #1d2c48; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header, main, footer { max-width: 1400px; margin: 0 auto; padding: 0 20px; }
h1 { font-size: 22px; margin: 18px 0 8px; }
h2 { font-size: 17px; margin: 22px 0 8px; }
.hdr { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; color: var(--muted); }
.hdr dt { font-weight: 600; } .hdr dd { margin: 0; color: var(--fg); font-family: ui-monospace, monospace; word-break: break-all; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 16px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 170px; }
.card .v { font-size: 26px; font-weight: 700; } .card .l { font-weight: 600; } .card .n { color: var(--muted); font-size: 12px; }
.card.dirty .v { color: var(--dirty); } .card.overlap .v { color: var(--overlap); } .card.short .v { color: var(--short); } .card.near .v { color: var(--near); }
table { border-collapse: collapse; }
.summary th, .summary td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
.summary td.dirty { color: var(--dirty); font-weight: 600; }
.num { text-align: right !important; font-variant-numeric: tabular-nums; }
.detail-text { color: var(--muted); max-width: 520px; }
.bk { display: inline-block; background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 0 5px; margin: 2px 2px 0 0; font-size: 12px; }
.hists { display: flex; flex-wrap: wrap; gap: 28px; align-items: flex-start; }
.hist { margin: 16px 0 0; flex: 1 1 420px; max-width: 640px; }
.hist figcaption { font-weight: 600; margin-bottom: 6px; } .hist small { color: var(--muted); font-weight: 400; }
.bar { display: grid; grid-template-columns: 80px 1fr 56px; align-items: center; gap: 8px; height: 20px; }
.bl { text-align: right; color: var(--muted); font-variant-numeric: tabular-nums; font-size: 12px; }
.bt { display: flex; background: var(--panel); height: 14px; border-radius: 3px; overflow: hidden; }
.bf { display: block; height: 100%; background: var(--bar); }
.bf.d, .sw.d { background: var(--dirty); }
.bc { font-variant-numeric: tabular-nums; font-size: 12px; }
.legend { flex-basis: 100%; color: var(--muted); font-size: 12px; margin: 4px 0 0; }
.sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; vertical-align: middle; background: var(--bar); margin-left: 8px; }
.controls { display: flex; gap: 10px; align-items: center; margin: 6px 0 10px; position: sticky; top: 0; background: var(--bg); padding: 6px 0; z-index: 3; }
#q { flex: 0 1 420px; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; font: inherit; background: var(--bg); color: var(--fg); }
#show { padding: 5px; font: inherit; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
.count { color: var(--muted); }
.note { color: var(--muted); font-style: italic; }
.items { width: 100%; }
.items th { position: sticky; top: 44px; background: var(--panel); z-index: 2; cursor: pointer; user-select: none; white-space: nowrap; text-align: left; padding: 6px 8px; border-bottom: 2px solid var(--line); }
.items th[aria-sort="ascending"]::after { content: " ▲"; font-size: 10px; }
.items th[aria-sort="descending"]::after { content: " ▼"; font-size: 10px; }
.items td { padding: 3px 8px; border-bottom: 1px solid var(--line); }
.items tr.row { cursor: pointer; scroll-margin-top: 96px; }
.items tr.row:hover, .items tr.row:focus { background: var(--panel); outline: none; }
.items tr.row td.id { font-family: ui-monospace, monospace; min-width: 18ch; max-width: 48ch; overflow-wrap: anywhere; }
.items tr.row td.id::before { content: "▸ "; color: var(--muted); }
.items tr.row.open td.id::before { content: "▾ "; }
.items tr.row.open { background: var(--panel); }
td.cov { min-width: 90px; background: linear-gradient(to right, var(--dirty-bg) var(--c, 0%), transparent var(--c, 0%)) no-repeat; background-size: 100% 70%; background-position: 0 50%; }
.badge { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge.dirty { color: var(--dirty); background: var(--dirty-bg); }
.badge.overlap { color: var(--overlap); background: var(--overlap-bg); }
.badge.clean { color: var(--clean); background: var(--clean-bg); }
.badge.short, .badge.none { color: var(--short); background: var(--short-bg); }
.badge.near { color: var(--near); background: var(--near-bg); }
.badge.sim { color: var(--muted); font-weight: 400; }
.badge.num { color: var(--num); background: var(--num-bg); }
tr.detail > td { background: var(--panel); padding: 4px 16px 14px 30px; }
.det h3 { font-size: 13px; margin: 10px 0 4px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.det pre { white-space: pre-wrap; word-break: break-word; margin: 0; padding: 8px 10px; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; font: 13px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; max-height: 360px; overflow: auto; }
.det mark { background: var(--mark); color: inherit; border-radius: 2px; }
.det ul { margin: 0; padding-left: 18px; }
.det .doc { margin: 8px 0 10px; }
.det .dh { font-family: ui-monospace, monospace; font-size: 12px; margin-bottom: 3px; word-break: break-all; }
.det .dh b { font-size: 13px; } .det .dh span { color: var(--muted); margin-left: 10px; }
.det .ctx .cx { color: var(--muted); }
.det .warn { color: var(--dirty); }
.det .nf .badge { margin-right: 6px; }
.det .diff { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 14px; line-height: 1.7; }
.det .diff del { color: var(--dirty); background: var(--dirty-bg); text-decoration: line-through; border-radius: 2px; }
.det .diff ins { color: var(--clean); background: var(--clean-bg); text-decoration: none; font-weight: 600; border-radius: 2px; }
.det .diff del.n, .det .diff ins.n { color: var(--num); background: var(--num-bg); }
.det .diff .swap { text-decoration: underline wavy var(--overlap); text-underline-offset: 4px; }
.det .dl { color: var(--muted); font-size: 12px; margin: 3px 0 0; }
.det .dl del, .det .dl ins, .det .dl .swap { font-size: 12px; }
.det .nw { background: var(--near-bg); border-radius: 2px; }
footer { color: var(--muted); font-size: 12px; padding: 24px 20px; }
`

const checkJS = `
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("contam-data").textContent);
  var items = D.items, std = D.std || [];
  var table = document.getElementById("items");
  var tbody = table.tBodies[0];
  var rows = [];
  Array.prototype.forEach.call(tbody.rows, function (tr) { rows[+tr.getAttribute("data-i")] = tr; });
  var ncols = table.tHead.rows[0].cells.length;
  var q = document.getElementById("q"), show = document.getElementById("show"), count = document.getElementById("count");
  var details = [], hay = [];
  var collator = new Intl.Collator(undefined, {numeric: true});

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function num(n) { return Number(n).toLocaleString("en-US"); }
  function pc(x) { return (100 * x).toFixed(1) + "%"; }
  function plural(n, one, many) { return num(n) + " " + (n === 1 ? one : many); }

  // docView shows a document's header and its matched text (in a hl
  // element) in context.
  function docView(d, info, hl) {
    var dv = el("div", "doc"), dh = el("div", "dh");
    dh.appendChild(el("b", null, d.id));
    dh.appendChild(el("span", null, d.src + (d.line ? ":" + d.line : "")));
    dh.appendChild(el("span", null, "byte " + num(d.off)));
    if (d.meta) Object.keys(d.meta).sort().forEach(function (k) { dh.appendChild(el("span", "meta", k + " " + d.meta[k])); });
    dv.appendChild(dh);
    dv.appendChild(el("div", "dm", info));
    var pre = el("pre", "ctx");
    pre.appendChild(el("span", "cx", (d.ds ? "" : "…") + d.b));
    pre.appendChild(hl(d.x));
    pre.appendChild(el("span", "cx", d.a + (d.a ? "…" : "")));
    dv.appendChild(pre);
    return dv;
  }

  // diffView renders an edit script (a string per matched token, else
  // [op, item token, document token]) as a token diff.
  function diffView(ops) {
    var pre = el("pre", "diff"), plain = [];
    function flush() { if (plain.length) { pre.appendChild(document.createTextNode(plain.join(" ") + " ")); plain = []; } }
    function add(e) { flush(); pre.appendChild(e); pre.appendChild(document.createTextNode(" ")); }
    function tok(tag, cls, text, title) { var e = el(tag, cls, text); e.title = title; return e; }
    for (var k = 0; k < ops.length; k++) {
      var o = ops[k];
      if (typeof o === "string") { plain.push(o); continue; }
      switch (o[0]) {
      case "n":
        add(tok("del", "n", o[1], "number in the item"));
        add(tok("ins", "n", o[2], "number in the document"));
        break;
      case "x":
        add(tok("del", null, o[1], "item token, replaced in the document"));
        add(tok("ins", null, o[2], "document token, in place of the item's"));
        break;
      case "-":
        add(tok("del", null, o[1], "item token missing from the document"));
        break;
      case "+":
        add(tok("ins", null, o[2], "document token not in the item"));
        break;
      case "s":
        var pair = [o[1]];
        if (k + 1 < ops.length && Array.isArray(ops[k + 1]) && ops[k + 1][0] === "s") pair.push(ops[++k][1]);
        add(tok("span", "swap", pair.join(" "), "item tokens swapped in the document"));
        break;
      default:
        plain.push(o[1]);
      }
    }
    flush();
    return pre;
  }

  function nearView(box, n) {
    box.appendChild(el("h3", null, n.nd ? "Near-duplicate" : "Closest alignment (not a near-duplicate)"));
    var f = el("p", "nf");
    if (n.nd) f.appendChild(el("span", "badge near", "near-duplicate"));
    if (n.on) f.appendChild(el("span", "badge num", "only numbers differ"));
    f.appendChild(document.createTextNode("similarity " + pc(n.sim) + " (threshold " + pc(n.th) + "), local similarity " + pc(n.loc) + ": " +
      plural(n.mt, "item token", "item tokens") + " matched; differences: " + plural(n.nn, "number", "numbers") + ", " + num(n.no) + " other (substituted, missing or inserted tokens)"));
    box.appendChild(f);
    box.appendChild(diffView(n.ops));
    var lg = el("p", "dl diff");
    lg.appendChild(document.createTextNode("normalized tokens: "));
    lg.appendChild(el("del", null, "item")); lg.appendChild(document.createTextNode(" missing or replaced, "));
    lg.appendChild(el("ins", null, "document")); lg.appendChild(document.createTextNode(" inserted or in its place, "));
    lg.appendChild(el("del", "n", "12")); lg.appendChild(document.createTextNode(" "));
    lg.appendChild(el("ins", "n", "4812")); lg.appendChild(document.createTextNode(" numbers, "));
    lg.appendChild(el("span", "swap", "a b")); lg.appendChild(document.createTextNode(" swapped"));
    box.appendChild(lg);
    box.appendChild(docView(n.d, "aligned with item tokens " + n.d.its + "–" + n.d.ite + "; the window is highlighted", function (x) { return el("span", "nw", x); }));
  }

  function haystack(i) {
    if (hay[i] == null) {
      var it = items[i], parts = [it.id];
      if (it.t) parts.push(it.t.join(""));
      it.d.forEach(function (d) { parts.push(d.id, d.src); if (d.meta) for (var k in d.meta) parts.push(d.meta[k]); });
      if (it.n) parts.push(it.n.d.id, it.n.d.src);
      hay[i] = parts.join("\n").toLowerCase();
    }
    return hay[i];
  }

  function wanted(i) {
    var it = items[i], f = show.value;
    if (f === "contaminated") return it.c;
    if (f === "overlap") return it.nd > 0;
    if (f === "clean") return !it.c;
    if (f === "near") return !!(it.n && it.n.nd);
    if (f === "near-only") return !!(it.n && it.n.nd && !it.c);
    if (f.lastIndexOf("std:", 0) === 0) { var s = it.s && it.s[+f.slice(4)]; return !!(s && s.dirty); }
    return true;
  }

  function apply() {
    var terms = q.value.toLowerCase().split(/\s+/).filter(Boolean), n = 0;
    for (var i = 0; i < items.length; i++) {
      var ok = wanted(i);
      for (var k = 0; ok && k < terms.length; k++) ok = haystack(i).indexOf(terms[k]) >= 0;
      rows[i].hidden = !ok;
      if (details[i]) details[i].hidden = !ok;
      if (ok) n++;
    }
    count.textContent = n === items.length ? num(n) + " items" : num(n) + " of " + num(items.length) + " items";
    document.body.setAttribute("data-shown", n);
  }

  function saveHash(open) {
    var p = new URLSearchParams();
    if (q.value) p.set("q", q.value);
    if (show.value !== "all") p.set("show", show.value);
    if (sorted) p.set("sort", sorted);
    if (open != null) p.set("item", open);
    var h = p.toString();
    try { history.replaceState(null, "", h ? "#" + h : location.pathname + location.search); } catch (e) { /* some file: contexts refuse */ }
  }

  function renderDetail(i) {
    var it = items[i];
    var tr = el("tr", "detail"), td = el("td"), box = el("div", "det");
    td.colSpan = ncols; tr.appendChild(td); td.appendChild(box);
    box.appendChild(el("h3", null, "Item text"));
    if (it.t) {
      var pre = el("pre", "text");
      it.t.forEach(function (s, k) { if (s) pre.appendChild(k % 2 ? el("mark", null, s) : document.createTextNode(s)); });
      box.appendChild(pre);
      if (it.tw) box.appendChild(el("p", "warn", it.tw));
    } else {
      box.appendChild(el("p", "note", D.has_texts ? "No text for this item in the report." : "The item text is not in this report; the documents' context is below."));
    }
    if (it.n) nearView(box, it.n);
    box.appendChild(el("h3", null, "Verified spans"));
    if (it.sp.length) {
      var ul = el("ul", "spans");
      it.sp.forEach(function (s) {
        ul.appendChild(el("li", null, num(s[2]) + " tokens: item tokens " + s[0] + "–" + s[1] + ", bytes " + s[4] + "–" + s[5] + ", in " + num(s[3]) + (s[3] === 1 ? " document" : " documents")));
      });
      box.appendChild(ul);
    } else {
      box.appendChild(el("p", "note", it.ts ? "Too short: fewer tokens than the index's n-gram length." : "None: no n-gram of this item was verified in the corpus."));
    }
    if (it.s) {
      box.appendChild(el("h3", null, "Standards"));
      var su = el("ul", "stds");
      std.forEach(function (name, k) {
        var v = it.s[k];
        if (!v) return;
        var li = el("li");
        li.appendChild(el("b", null, name + ": "));
        li.appendChild(el("span", "badge " + (v.ts ? "short" : v.dirty ? "dirty" : "clean"), v.ts ? "too short" : v.b ? v.b.replace(/_/g, " ") : v.dirty ? "dirty" : "clean"));
        li.appendChild(document.createTextNode(" value " + (+v.val.toFixed(4)) + (v.det ? " (" + v.det + ")" : "")));
        su.appendChild(li);
      });
      box.appendChild(su);
    }
    if (it.d.length) {
      box.appendChild(el("h3", null, it.nd > it.d.length ? "Top " + it.d.length + " of " + num(it.nd) + " documents" : (it.d.length === 1 ? "Document" : "Documents")));
      it.d.forEach(function (d) {
        box.appendChild(docView(d, "longest span " + num(d.ls) + " tokens (item tokens " + d.its + "–" + d.ite + "), " + num(d.mt) + " item tokens matched in all",
          function (x) { return el("mark", null, x); }));
      });
    }
    return tr;
  }

  function toggle(i, open) {
    var tr = rows[i], isOpen = tr.classList.contains("open");
    if (open == null) open = !isOpen;
    if (open === isOpen) return;
    tr.classList.toggle("open", open);
    tr.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      if (!details[i]) details[i] = renderDetail(i);
      details[i].hidden = tr.hidden;
      tr.parentNode.insertBefore(details[i], tr.nextSibling);
    } else if (details[i]) {
      details[i].remove();
    }
    saveHash(open ? items[i].id : null);
  }

  tbody.addEventListener("click", function (ev) {
    if (window.getSelection && String(window.getSelection()).length) return; // selecting text, not toggling
    var tr = ev.target.closest("tr.row");
    if (tr) toggle(+tr.getAttribute("data-i"));
  });
  tbody.addEventListener("keydown", function (ev) {
    var tr = ev.target.closest && ev.target.closest("tr.row");
    if (tr && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); toggle(+tr.getAttribute("data-i")); }
  });

  function sortKey(i, k) {
    var it = items[i];
    if (k === "i") return i;
    if (k === "id") return it.id;
    if (k === "ns") return it.n ? [it.n.nd ? 1 : 0, it.n.sim] : [-1, 0];
    if (k.charAt(0) === "s") {
      var v = it.s && it.s[+k.slice(1)];
      return v ? [v.ts ? 0 : v.dirty ? 2 : 1, v.val] : [-1, 0];
    }
    return it[k];
  }
  function cmp(a, b) {
    if (typeof a === "string") return collator.compare(a, b);
    if (Array.isArray(a)) return cmp(a[0], b[0]) || cmp(a[1], b[1]);
    return a < b ? -1 : a > b ? 1 : 0;
  }
  var heads = table.tHead.rows[0].cells, sorted = "";
  function sortBy(th, dir) {
    var k = th.getAttribute("data-sort");
    Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
    sorted = (dir > 0 ? "" : "-") + k;
    var order = items.map(function (_, i) { return i; });
    var keys = order.map(function (i) { return sortKey(i, k); });
    order.sort(function (a, b) { return dir * cmp(keys[a], keys[b]) || a - b; });
    var frag = document.createDocumentFragment();
    order.forEach(function (i) {
      frag.appendChild(rows[i]);
      if (rows[i].classList.contains("open")) frag.appendChild(details[i]);
    });
    tbody.appendChild(frag);
  }
  Array.prototype.forEach.call(heads, function (th) {
    th.addEventListener("click", function () {
      var k = th.getAttribute("data-sort"), cur = th.getAttribute("aria-sort");
      sortBy(th, cur ? (cur === "ascending" ? -1 : 1) : (k === "i" || k === "id" ? 1 : -1));
      saveHash(null);
    });
  });

  var timer = 0;
  q.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { apply(); saveHash(null); }, 120); });
  show.addEventListener("change", function () { apply(); saveHash(null); });

  // State from the address: #q=TEXT&show=contaminated&sort=-cov&item=ID
  var p = new URLSearchParams(location.hash.replace(/^#/, ""));
  var sk = (p.get("sort") || "").replace(/^-/, "");
  Array.prototype.forEach.call(heads, function (th) {
    if (sk && th.getAttribute("data-sort") === sk) sortBy(th, p.get("sort").charAt(0) === "-" ? -1 : 1);
  });
  if (p.get("q")) q.value = p.get("q");
  if (p.get("show") && Array.prototype.some.call(show.options, function (o) { return o.value === p.get("show"); })) show.value = p.get("show");
  apply();
  if (p.get("item") != null) {
    for (var i = 0; i < items.length; i++) {
      if (items[i].id === p.get("item")) {
        toggle(i, true);
        // Scroll only if the row and its detail are not both in view.
        if (rows[i].getBoundingClientRect().top < 0 || details[i].getBoundingClientRect().bottom > window.innerHeight) rows[i].scrollIntoView({block: "start"});
        break;
      }
    }
  }
  document.body.setAttribute("data-contam-ready", "1");
})();
`
