package report

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/contam-dev/contam/query"
)

// trOut is a hand-made output: its spans overlap (0∩1, 1∩2), one
// crosses a line break, one holds "<script>", and the last stands alone.
const trOut = "Intro: alpha beta gamma <script>alert(1)</script> delta epsilon.\nSecond line zeta eta theta iota end.\n"

func trBetween(t *testing.T, s, from, to string) (int, int) {
	t.Helper()
	a := strings.Index(s, from)
	b := strings.Index(s, to)
	if a < 0 || b < 0 {
		t.Fatalf("%q or %q not in %q", from, to, s)
	}
	return a, b + len(to)
}

func trSpanOf(t *testing.T, from, to string, docs int, hits ...query.DocHit) query.TraceSpan {
	a, b := trBetween(t, trOut, from, to)
	return query.TraceSpan{ByteStart: a, ByteEnd: b, Text: trOut[a:b], Len: 9, Docs: docs, Score: 9.5, TopDocs: hits}
}

func trHit(id, before, text, after string) query.DocHit {
	return query.DocHit{ID: id, Source: "corpus/a.jsonl", Line: 3, Offset: 1234,
		Match: query.Match{DocByteStart: len(before), DocByteEnd: len(before) + len(text), Before: before, Text: text, After: after}}
}

func trResult(t *testing.T) query.TraceResult {
	evil := trHit(`doc"><img src=http://evil.example/x.png>`, "before <b>bold</b> ", "alpha beta gamma <script>alert(1)</script>", " after")
	evil.Meta = map[string]string{"url": "http://example.com/a", "lang": "en"}
	return query.TraceResult{
		ID: "out/<0>", Tokens: 20, Coverage: 0.75, Covered: 15, LongestSpan: 9, NDocs: 4, Hidden: 1,
		Spans: []query.TraceSpan{
			trSpanOf(t, "alpha", "</script>", 3, evil, trHit("doc-b", "", "alpha beta gamma script alert 1 script", "")),
			trSpanOf(t, "gamma", "epsilon", 1, trHit("doc-c", "x ", "gamma <script>alert(1)</script> delta epsilon", " y")),
			trSpanOf(t, "epsilon.", "zeta", 1, trHit("doc-d", "", "epsilon.\nSecond line zeta", "")),
			trSpanOf(t, "iota", "end", 2, trHit("doc-e", "", "iota end", "")),
		},
	}
}

func trRender(t *testing.T, format string, h TraceHeader, outs ...Traced) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteTrace(&b, format, h, outs); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var trHeader = TraceHeader{Index: "idx", Normalize: "unicode-v1", N: 8, Docs: 100, MinSpan: 8, TopDocs: 3, Context: 200}

func TestTraceSegments(t *testing.T) {
	r := trResult(t)
	type seg struct {
		text  string
		spans []int
	}
	var got []seg
	for _, s := range trSegments(trOut, r.Spans) {
		got = append(got, seg{trOut[s.start:s.end], s.spans})
	}
	want := []seg{
		{"Intro: ", nil},
		{"alpha beta ", []int{0}},
		{"gamma <script>alert(1)</script>", []int{0, 1}},
		{" delta ", []int{1}},
		{"epsilon", []int{1, 2}},
		{".\nSecond line zeta", []int{2}},
		{" eta theta ", nil},
		{"iota end", []int{3}},
		{".\n", nil},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("segments\n got %+v\nwant %+v", got, want)
	}
	// Out-of-range spans (a result rendered against the wrong text) are
	// ignored, not a panic.
	bad := []query.TraceSpan{{ByteStart: 5, ByteEnd: 500}, {ByteStart: 9, ByteEnd: 3}}
	for _, s := range trSegments("short text", bad) {
		if len(s.spans) > 0 {
			t.Errorf("invalid span used: %+v", s)
		}
	}
}

func TestTraceTextNoColor(t *testing.T) {
	got := trRender(t, "text", trHeader, Traced{trOut, trResult(t)})
	// The union of the overlapping spans is one region; the lone span is another.
	wantText := "Intro: ⟦alpha beta gamma <script>alert(1)</script> delta epsilon.\nSecond line zeta⟧ eta theta ⟦iota end⟧.\n"
	if !strings.Contains(got, wantText) {
		t.Errorf("marked output missing:\n%s", got)
	}
	for _, want := range []string{
		"marks    ⟦…⟧ = inside a span",
		"tokens 20 · coverage 75.0% (15/20 tokens) · longest span 9 · 4 source documents · 1 span hidden",
		"spans by score (len × log2(1 + 100/docs))",
		"  1. 9 tokens · 3 docs · score 9.5",
		`"alpha beta gamma <script>alert(1)</script>"`,
		`doc"><img src=http://evil.example/x.png>  corpus/a.jsonl:3  byte 1234  http://example.com/a  lang=en`,
		"before <b>bold</b> ⟦alpha beta gamma <script>alert(1)</script>⟧ after",
		"… and 1 more document not shown (--top-docs)",
		"⟦epsilon. Second line zeta⟧", // context on one line
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "\x1b") {
		t.Error("escape sequence without colour")
	}
	// Spans come in the engine's (score) order.
	if i, j := strings.Index(got, "doc-b"), strings.Index(got, "doc-e"); i < 0 || j < i {
		t.Error("span order not kept")
	}
}

func TestTraceTextColor(t *testing.T) {
	h := trHeader
	h.Color = true
	got := trRender(t, "text", h, Traced{trOut, trResult(t)})
	M, R := trANSIMark, trANSIReset
	// Colour is closed before the line break and reopened after it.
	want := "Intro: " + M + "alpha beta gamma <script>alert(1)</script> delta epsilon." + R + "\n" + M + "Second line zeta" + R + " eta theta " + M + "iota end" + R + ".\n"
	if !strings.Contains(got, want) {
		t.Errorf("coloured output missing; got\n%q", got)
	}
	if strings.Contains(got, TraceMarkOpen) {
		t.Error("brackets with colour")
	}
}

func TestTraceTextSanitizes(t *testing.T) {
	out := "evil \x1b[2J\x1b[31mred\r over \u009b text"
	r := query.TraceResult{ID: "x\x1by", Tokens: 4}
	got := trRender(t, "text", trHeader, Traced{out, r})
	if strings.ContainsAny(got, "\x1b\r\u009b") {
		t.Errorf("control characters reach the terminal: %q", got)
	}
	if !strings.Contains(got, "evil ␛[2J␛[31mred␍ over \uFFFD text") || !strings.Contains(got, "x␛y") {
		t.Errorf("controls not shown as symbols: %q", got)
	}
}

func TestTraceTextBatchTotals(t *testing.T) {
	empty := query.TraceResult{ID: "clean", Tokens: 5, Spans: []query.TraceSpan{}}
	got := trRender(t, "text", trHeader, Traced{trOut, trResult(t)}, Traced{"a b c d e", empty})
	if !strings.Contains(got, "── clean ─") || !strings.Contains(got, "══ 2 outputs · 1 with spans · 4 spans (1 hidden) · coverage 60.0% (15/25 tokens) · longest span 9") {
		t.Errorf("batch view:\n%s", got)
	}
}

func TestTraceJSONL(t *testing.T) {
	r := trResult(t)
	got := trRender(t, "jsonl", trHeader, Traced{trOut, r}, Traced{"x", query.TraceResult{ID: "y", Spans: []query.TraceSpan{}}})
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %d", len(lines))
	}
	var back query.TraceResult
	if err := json.Unmarshal([]byte(lines[0]), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, r)
	}
	// Not HTML-escaped: the JSON holds the text as written.
	if !strings.Contains(lines[0], `"text":"alpha beta gamma <script>alert(1)</script>"`) {
		t.Errorf("span text: %s", lines[0])
	}
	for _, k := range []string{`"id":`, `"tokens":`, `"coverage":`, `"covered":`, `"longest_span":`, `"n_docs":`, `"hidden":`, `"spans":`, `"tok_start":`, `"byte_start":`, `"score":`, `"top_docs":`} {
		if !strings.Contains(lines[0], k) {
			t.Errorf("schema: %s missing", k)
		}
	}
}

// ---- HTML, checked through a real HTML parser ----

func trAttr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func trHasClass(n *html.Node, c string) bool {
	v, _ := trAttr(n, "class")
	return slices.Contains(strings.Fields(v), c)
}

func trFind(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func trElem(tag, class string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == tag && (class == "" || trHasClass(n, class)) }
}

func trText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func trParse(t *testing.T, s string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestTraceHTML(t *testing.T) {
	r := trResult(t)
	second := query.TraceResult{ID: "clean", Tokens: 3, Spans: []query.TraceSpan{}}
	const secondOut = "\nstarts with a line break"
	raw := trRender(t, "html", trHeader, Traced{trOut, r}, Traced{secondOut, second})
	doc := trParse(t, raw)

	secs := trFind(doc, trElem("section", "out"))
	if len(secs) != 2 {
		t.Fatalf("want one section per output, got %d", len(secs))
	}
	sec := secs[0]
	if h2 := trFind(sec, trElem("h2", "")); len(h2) != 1 || trText(h2[0]) != "out/<0>" {
		t.Errorf("section title: %v", h2)
	}

	// The text, marks included, is the output exactly (the newline after
	// <pre> is eaten by the parser).
	pres := trFind(sec, trElem("pre", "text"))
	if len(pres) != 1 || trText(pres[0]) != trOut {
		t.Fatalf("output text: %q", trText(pres[0]))
	}
	if got := trText(trFind(secs[1], trElem("pre", "text"))[0]); got != secondOut {
		t.Errorf("leading newline lost: %q", got)
	}

	// One list element per span, each with its sources.
	items := trFind(sec, trElem("li", "span"))
	if len(items) != len(r.Spans) {
		t.Fatalf("%d span elements, want %d", len(items), len(r.Spans))
	}
	marks := trFind(sec, trElem("mark", "hl"))
	seen := map[string]bool{}
	for k, s := range r.Spans {
		li := items[k]
		key, _ := trAttr(li, "id")
		// The highlighted pieces that name the span are exactly its text.
		var joined strings.Builder
		for _, m := range marks {
			ks, _ := trAttr(m, "data-spans")
			if slices.Contains(strings.Fields(ks), key) {
				joined.WriteString(trText(m))
				seen[key] = true
			}
		}
		if joined.String() != s.Text {
			t.Errorf("span %d: highlighted %q, want %q", k, joined.String(), s.Text)
		}
		srcs := trFind(li, trElem("div", "src"))
		if len(srcs) != len(s.TopDocs) {
			t.Errorf("span %d: %d sources, want %d", k, len(srcs), len(s.TopDocs))
		}
		for j, d := range s.TopDocs {
			if j >= len(srcs) {
				break
			}
			b := trFind(srcs[j], trElem("b", ""))
			if len(b) == 0 || trText(b[0]) != d.ID {
				t.Errorf("span %d source %d: id %v, want %q", k, j, b, d.ID)
			}
			m := trFind(srcs[j], trElem("mark", ""))
			if len(m) != 1 || trText(m[0]) != d.Match.Text {
				t.Errorf("span %d source %d: match not highlighted in context", k, j)
			}
			if c := trText(trFind(srcs[j], trElem("div", "ctx"))[0]); c != d.Match.Before+d.Match.Text+d.Match.After {
				t.Errorf("span %d source %d: context %q", k, j, c)
			}
		}
	}
	if len(seen) != len(r.Spans) {
		t.Errorf("highlighted spans %v, want all %d", seen, len(r.Spans))
	}
	// Overlaps are visible: pieces inside two spans are marked as such.
	multi := 0
	for _, m := range marks {
		if trHasClass(m, "multi") {
			multi++
		}
	}
	if multi != 2 {
		t.Errorf("%d pieces marked as overlapping, want 2", multi)
	}
	src0 := trText(items[0])
	if !strings.Contains(src0, "http://example.com/a") || !strings.Contains(src0, "lang: en") || !strings.Contains(src0, "corpus/a.jsonl:3") || !strings.Contains(src0, "byte 1234") {
		t.Errorf("source details missing: %q", src0)
	}
	if !strings.Contains(src0, "and 1 more document not shown") {
		t.Errorf("hidden documents not counted: %q", src0)
	}

	// Self-contained: one inline script, no external resource, no link out.
	scripts := trFind(doc, trElem("script", ""))
	if len(scripts) != 1 {
		t.Errorf("%d script elements, want the one inline script (output text must be escaped)", len(scripts))
	}
	for _, n := range trFind(doc, func(*html.Node) bool { return true }) {
		switch n.Data {
		case "img", "link", "iframe", "object", "embed", "video", "audio", "source":
			t.Errorf("element <%s> in the page", n.Data)
		}
		for _, a := range n.Attr {
			switch a.Key {
			case "src", "srcset", "action", "formaction", "background":
				t.Errorf("<%s %s=%q>", n.Data, a.Key, a.Val)
			case "href":
				if !strings.HasPrefix(a.Val, "#") {
					t.Errorf("<%s href=%q>: only in-page links", n.Data, a.Val)
				}
			}
		}
	}
	for _, st := range trFind(doc, trElem("style", "")) {
		if css := trText(st); strings.Contains(css, "url(") || strings.Contains(css, "@import") {
			t.Error("style fetches something")
		}
	}
	if strings.Contains(raw, "http://evil") && !strings.Contains(raw, "&lt;img src=http://evil.example/x.png&gt;") {
		t.Error("document id not escaped")
	}
	if !strings.Contains(raw, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("span text not escaped")
	}
	// The table of contents links each section.
	if n := len(trFind(doc, trElem("a", ""))); n != 2 {
		t.Errorf("%d contents links, want 2", n)
	}
}

func TestTraceHTMLEmpty(t *testing.T) {
	doc := trParse(t, trRender(t, "html", trHeader))
	if len(trFind(doc, trElem("section", ""))) != 0 || len(trFind(doc, trElem("script", ""))) != 1 {
		t.Error("empty report")
	}
}

func TestTraceUnknownFormat(t *testing.T) {
	if _, err := NewTraceWriter(&bytes.Buffer{}, "xml", trHeader); err == nil {
		t.Error("no error for an unknown format")
	}
}

func TestWritePhrase(t *testing.T) {
	exact := query.PhraseResult{Phrase: "one small\nstep", Tokens: 9, Exact: true, Occurrences: 4, Docs: 3,
		Hits: []query.PhraseHit{{DocHit: trHit("doc-a", "He said ", "one small step", " for"), Occurrences: 2}}}
	short := query.PhraseResult{Phrase: "small step", Tokens: 2, Reason: "the phrase has 2 tokens after normalization; …"}
	one := query.PhraseResult{Phrase: "x", Tokens: 9, Exact: true, Occurrences: 1, Docs: 1}
	for _, c := range []struct {
		h    PhraseHeader
		r    query.PhraseResult
		want []string
	}{
		{PhraseHeader{}, exact, []string{"4 occurrences in 3 documents  \"one small step\"\n"}},
		{PhraseHeader{}, one, []string{"1 occurrence in 1 document  \"x\"\n"}},
		{PhraseHeader{}, short, []string{"not exact  \"small step\": the phrase has 2 tokens after normalization; …\n"}},
		{PhraseHeader{Find: true, Offset: 1, Limit: 1, Context: 8}, exact, []string{
			"\"one small step\": 4 occurrences in 3 documents; document 2 of 3 (more with --offset 2)\n",
			"   2. doc-a  corpus/a.jsonl:3  byte 1234  · 2 occurrences in this document\n",
			"      …He said ⟦one small step⟧ for\n",
		}},
		{PhraseHeader{Find: true, Offset: 5, Limit: 1}, query.PhraseResult{Phrase: "p", Exact: true, Occurrences: 4, Docs: 3}, []string{"\"p\": 4 occurrences in 3 documents; none from --offset 5\n"}},
	} {
		var b bytes.Buffer
		if err := WritePhrase(&b, "text", c.h, c.r); err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("missing %q in\n%s", w, b.String())
			}
		}
	}
	var b bytes.Buffer
	if err := WritePhrase(&b, "jsonl", PhraseHeader{}, short); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != `{"phrase":"small step","tokens":2,"exact":false,"reason":"the phrase has 2 tokens after normalization; …","occurrences":0,"docs":0}`+"\n" {
		t.Errorf("jsonl: %s", got)
	}
	if err := WritePhrase(&b, "xml", PhraseHeader{}, short); err == nil {
		t.Error("no error for an unknown format")
	}
}
