package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/contam-dev/contam/query"
)

// xssText is hostile text placed in an item's id, text and document fields.
const xssText = `<script>alert("pwned")</script><img src=x onerror=alert(1)>`

// ckFixture returns n results of every kind — contaminated, partial
// overlap, clean, too short — with standards, item texts (some non-ASCII),
// near-duplicate alignments (see ckFixtureNear) and, in item 0, hostile
// text everywhere text can come from.
func ckFixture(n int) (Header, []query.Result) {
	h := Header{
		Index: "idx/", Bench: "bench/gsm8k_test.jsonl", N: 8, Normalize: "unicode-v1",
		Rule:  query.Rule{MinSpan: 13, MinCoverage: 0.5},
		Texts: map[string]string{},
	}
	rs := make([]query.Result, n)
	for i := range rs {
		id := fmt.Sprintf("gsm8k/test/%d", i)
		pre := fmt.Sprintf("Question %d: ", i)
		mid := strings.Repeat(fmt.Sprintf("Natalia sold clips to %d friends in April, ", i), 1+i%4)
		post := " How many clips did she sell? Ünïcödé 数学 ✓"
		r := query.Result{ID: id, Index: i, Rule: h.Rule, Spans: []query.Span{}, Docs: []query.DocHit{}}
		if i == 0 {
			r.ID = "xss/" + xssText
			mid = xssText + " " + mid
		}
		text := pre + mid + post
		r.Tokens = 10 + 3*(i%7) + len(strings.Fields(text))
		switch i % 5 {
		case 0, 4: // contaminated: one long span (item 4s also a second one)
			r.Spans = append(r.Spans, query.Span{TokStart: 2, TokEnd: 2 + 20 + i, ByteStart: len(pre), ByteEnd: len(pre) + len(mid), Len: 20 + i, Docs: 1 + i%3})
			if i%5 == 4 {
				// Ends inside "数": the highlight must widen to the rune.
				a := len(pre) + len(mid) + len(" How many clips did she sell? Ünïcödé ")
				r.Spans = append(r.Spans, query.Span{TokStart: r.Tokens - 3, TokEnd: r.Tokens - 1, ByteStart: a, ByteEnd: a + 2, Len: 8, Docs: 1})
			}
			r.LongestSpan = 20 + i
			r.Coverage = 0.5 + float64(i%5)/10
			r.Contaminated = true
			r.NDocs = 1 + i%7
		case 1: // overlap, not contaminated
			r.Spans = append(r.Spans, query.Span{TokStart: 0, TokEnd: 8, ByteStart: 0, ByteEnd: len(pre) + 7, Len: 8, Docs: 2})
			r.LongestSpan = 8
			r.Coverage = 0.15
			r.NDocs = 2
		case 2: // clean
		case 3:
			r.TooShort = true
			r.Tokens = 5
		}
		for k := 0; k < r.NDocs && k < 3; k++ {
			d := query.DocHit{
				ID: fmt.Sprintf("cc00-%06d", 100*i+k), Source: "corpus/cc-00.jsonl.zst", Line: int64(1000*i + k + 1), Offset: int64(4096*i + 100*k),
				Meta:        map[string]string{"url": fmt.Sprintf("https://example.org/page/%d/%d", i, k)},
				LongestSpan: r.LongestSpan - k, MatchedTokens: r.LongestSpan,
				Match: query.Match{ItemTokStart: 2, ItemTokEnd: 2 + r.LongestSpan, DocByteStart: 300, DocByteEnd: 300 + len(mid),
					Before: "context before the match, ", Text: mid, After: " and after it."},
			}
			if i == 0 {
				d.ID, d.Source, d.Meta["url"] = "doc/"+xssText, "src/"+xssText, "javascript:alert(1)//"+xssText
				d.Match.Before, d.Match.After = xssText, xssText
			}
			r.Docs = append(r.Docs, d)
		}
		r.Standards = map[string]query.Verdict{
			"default": {Dirty: r.Contaminated, TooShort: r.TooShort, Value: r.Coverage, Detail: "coverage after discount"},
			"palm":    {Dirty: r.Coverage >= 0.7, TooShort: r.TooShort, Value: r.Coverage, Detail: "fraction of 8-grams found ≥ 0.70"},
		}
		if i%3 != 2 { // llama2 only for some items: a column with gaps
			b := []string{"clean", "not_clean", "not_dirty", "dirty"}[i%4]
			r.Standards["llama2"] = query.Verdict{Dirty: b == "dirty", Value: float64(i%4) / 4, Bucket: b, Detail: "contaminated tokens"}
		}
		if r.TooShort {
			d := r.Standards["default"]
			d.Dirty = false
			r.Standards["default"] = d
		}
		if i%2 == 0 { // odd items leave it to the coverage, as results before Covered did
			r.Covered = int(r.Coverage*float64(r.Tokens) + 0.5)
		}
		r.NearDup = ckFixtureNear(i, r)
		h.Texts[r.ID] = text
		rs[i] = r
	}
	return h, rs
}

// ckFixtureNear is item i's best alignment: a verbatim copy for the
// contaminated items 0, 5, …; a renumbered copy the exact rule misses for
// the overlapping items 1, 6, …; an edited copy below the thresholds (with
// a substitution, a deletion, an insertion and a swap) for items 4, 9, …;
// none for the clean and too-short items, which share no n-gram.
func ckFixtureNear(i int, r query.Result) *query.NearDup {
	if len(r.Docs) == 0 {
		return nil
	}
	words := strings.Fields(fmt.Sprintf("natalia sold clips to %d of her friends in april and then she sold half as many clips in may", i))
	if i == 0 {
		words = append([]string{xssText}, words...)
	}
	nd := &query.NearDup{Threshold: 0.6, Doc: r.Docs[0]}
	nd.Doc.Match.Before, nd.Doc.Match.Text, nd.Doc.Match.After = "before the window, ", strings.Join(words, " "), " after the window."
	if i == 0 {
		nd.Doc.Match.Before = xssText
	}
	for k, w := range words {
		o := query.EditOp{Op: "=", Item: w, Doc: w}
		switch {
		case i%5 == 1 && k == 4: // the number
			o = query.EditOp{Op: "n", Item: w, Doc: w + "12"}
			nd.NumberDiffs++
		case i%5 == 4 && k == 1:
			o = query.EditOp{Op: "x", Item: w, Doc: "gave"}
			nd.OtherDiffs++
		case i%5 == 4 && k == 5:
			o = query.EditOp{Op: "-", Item: w}
			nd.OtherDiffs++
		case i%5 == 4 && (k == 7 || k == 8):
			o = query.EditOp{Op: "s", Item: w, Doc: words[15-k]}
			nd.Matched++
		default:
			nd.Matched++
		}
		nd.Ops = append(nd.Ops, o)
		if i%5 == 4 && k == 10 {
			nd.Ops = append(nd.Ops, query.EditOp{Op: "+", Doc: "exactly"})
			nd.OtherDiffs++
		}
	}
	nd.ItemStart, nd.ItemEnd = 2, 2+len(words)
	nd.Local = float64(nd.Matched) / float64(len(words))
	nd.Similarity = float64(nd.Matched) / float64(r.Tokens)
	nd.OnlyNumbers = nd.OtherDiffs == 0 && nd.NumberDiffs > 0
	nd.NearDuplicate = i%5 != 4
	return nd
}

func renderHTML(t *testing.T, h Header, rs []query.Result) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, "html", h, rs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func parseHTML(t *testing.T, b []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// DOM helpers over golang.org/x/net/html.

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func hasClass(n *html.Node, c string) bool {
	v, _ := attr(n, "class")
	for _, f := range strings.Fields(v) {
		if f == c {
			return true
		}
	}
	return false
}

func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
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

func byID(n *html.Node, id string) *html.Node {
	all := findAll(n, func(n *html.Node) bool { v, _ := attr(n, "id"); return v == id })
	if len(all) != 1 {
		return nil
	}
	return all[0]
}

func textOf(n *html.Node) string {
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

func isTag(a atom.Atom) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.DataAtom == a }
}

// itemRows are the item table's row elements in document order.
func itemRows(t *testing.T, doc *html.Node) []*html.Node {
	t.Helper()
	tbl := byID(doc, "items")
	if tbl == nil {
		t.Fatal("no table#items")
	}
	return findAll(tbl, func(n *html.Node) bool { return n.DataAtom == atom.Tr && hasClass(n, "row") })
}

// ckDataBlob decodes the page's embedded JSON.
func ckDataBlob(t *testing.T, doc *html.Node) ckData {
	t.Helper()
	el := byID(doc, "contam-data")
	if el == nil {
		t.Fatal("no script#contam-data")
	}
	var d ckData
	if err := json.Unmarshal([]byte(textOf(el)), &d); err != nil {
		t.Fatalf("embedded JSON: %v", err)
	}
	return d
}

func TestHTMLRows(t *testing.T) {
	h, rs := ckFixture(37)
	doc := parseHTML(t, renderHTML(t, h, rs))
	rows := itemRows(t, doc)
	if len(rows) != len(rs) {
		t.Fatalf("%d item rows, want %d", len(rows), len(rs))
	}
	std := []string{"default", "llama2", "palm"}
	heads := findAll(byID(doc, "items"), isTag(atom.Th))
	// #, id, verdict, the standards, coverage, matched, longest, docs, near-dup
	if len(heads) != 3+len(std)+5 {
		t.Fatalf("%d columns, want %d", len(heads), 3+len(std)+5)
	}
	for k, s := range std {
		if got := textOf(heads[3+k]); got != s {
			t.Errorf("column %d is %q, want %q", 3+k, got, s)
		}
	}
	for i, row := range rows {
		r := rs[i]
		if v, _ := attr(row, "data-i"); v != fmt.Sprint(i) {
			t.Errorf("row %d: data-i %q", i, v)
		}
		cells := findAll(row, isTag(atom.Td))
		if len(cells) != len(heads) {
			t.Fatalf("row %d: %d cells, want %d", i, len(cells), len(heads))
		}
		if got := textOf(cells[1]); got != r.ID {
			t.Errorf("row %d: id cell %q, want %q", i, got, r.ID)
		}
		wantVerdict := map[bool]string{true: "contaminated", false: "clean"}[r.Contaminated]
		if r.TooShort {
			wantVerdict = "too short"
		} else if !r.Contaminated && r.NDocs > 0 {
			wantVerdict = "overlap"
		}
		if got := textOf(cells[2]); got != wantVerdict {
			t.Errorf("row %d: verdict %q, want %q", i, got, wantVerdict)
		}
		if _, ok := r.Standards["llama2"]; !ok && textOf(cells[4]) != "–" {
			t.Errorf("row %d: llama2 absent but cell says %q", i, textOf(cells[4]))
		}
		n := 3 + len(std)
		matched := fmt.Sprintf("%d / %d", int(r.Coverage*float64(r.Tokens)+0.5), r.Tokens)
		near := "–"
		if r.NearDup != nil {
			near = fmt.Sprintf("%.0f%%", 100*r.NearDup.Similarity)
		}
		want := []string{fmt.Sprintf("%.1f%%", 100*r.Coverage), matched, fmt.Sprint(r.LongestSpan), fmt.Sprint(r.NDocs), near}
		for k, w := range want {
			if got := textOf(cells[n+k]); got != w {
				t.Errorf("row %d column %d: %q, want %q", i, n+k, got, w)
			}
		}
	}
	// Verdict cells of the standards.
	cells := findAll(rows[3], isTag(atom.Td)) // too short
	if got := textOf(cells[3]); got != "too short" {
		t.Errorf("too-short item's default standard: %q", got)
	}
	cells = findAll(rows[1], isTag(atom.Td)) // llama2 not_clean, not dirty
	if got := textOf(cells[4]); got != "not clean" || !hasClass(findAll(cells[4], isTag(atom.Span))[0], "overlap") {
		t.Errorf("llama2 not_clean cell: %q", got)
	}
}

func TestHTMLEscapes(t *testing.T) {
	h, rs := ckFixture(6)
	out := renderHTML(t, h, rs)
	// (The javascript: URL in a document's meta is data in the JSON blob,
	// shown as text; TestHTMLSelfContained checks no attribute links out.)
	for _, bad := range []string{"<script>alert", "<img src=x", `alert("pwned")</script>`} {
		if bytes.Contains(out, []byte(bad)) {
			t.Errorf("output holds %q unescaped", bad)
		}
	}
	doc := parseHTML(t, out)
	scripts := findAll(doc, isTag(atom.Script))
	if len(scripts) != 2 {
		t.Fatalf("%d <script> elements, want 2 (data and code)", len(scripts))
	}
	if imgs := findAll(doc, isTag(atom.Img)); len(imgs) != 0 {
		t.Errorf("%d <img> elements from hostile text", len(imgs))
	}
	// The hostile text survives as text: in the table and in the data.
	if got := textOf(findAll(itemRows(t, doc)[0], isTag(atom.Td))[1]); got != "xss/"+xssText {
		t.Errorf("id cell %q", got)
	}
	d := ckDataBlob(t, doc)
	it := d.Items[0]
	if it.ID != "xss/"+xssText || !strings.Contains(strings.Join(it.Text, ""), xssText) {
		t.Errorf("item 0 in the data: id %q text %q", it.ID, it.Text)
	}
	if len(it.Docs) == 0 || it.Docs[0].Before != xssText || it.Docs[0].After != xssText || it.Docs[0].ID != "doc/"+xssText {
		t.Errorf("item 0 doc context in the data: %+v", it.Docs)
	}
}

func TestHTMLSelfContained(t *testing.T) {
	h, rs := ckFixture(12)
	doc := parseHTML(t, renderHTML(t, h, rs))
	for _, n := range findAll(doc, func(*html.Node) bool { return true }) {
		switch n.DataAtom {
		case atom.Link, atom.Iframe, atom.Object, atom.Embed, atom.Img, atom.Base, atom.Video, atom.Audio, atom.Source, atom.Form:
			t.Errorf("page has a <%s>", n.Data)
		case atom.Script:
			if v, ok := attr(n, "src"); ok {
				t.Errorf("script src=%q", v)
			}
		case atom.Style:
			if css := textOf(n); strings.Contains(css, "url(") || strings.Contains(css, "@import") {
				t.Error("stylesheet refers to a resource")
			}
		}
		for _, a := range n.Attr {
			switch a.Key {
			case "src", "href", "srcset", "action", "poster", "data", "formaction", "background":
				if !strings.HasPrefix(a.Val, "#") {
					t.Errorf("<%s %s=%q>", n.Data, a.Key, a.Val)
				}
			case "style":
				if strings.Contains(a.Val, "url(") {
					t.Errorf("<%s style=%q>", n.Data, a.Val)
				}
			}
		}
	}
	code := textOf(findAll(doc, isTag(atom.Script))[1])
	for _, bad := range []string{"http:", "https:", "fetch(", "XMLHttpRequest", "import(", "WebSocket", "innerHTML", "eval("} {
		if strings.Contains(code, bad) {
			t.Errorf("script uses %q", bad)
		}
	}
	csp := findAll(doc, func(n *html.Node) bool {
		v, _ := attr(n, "http-equiv")
		return n.DataAtom == atom.Meta && v == "Content-Security-Policy"
	})
	if len(csp) != 1 {
		t.Fatal("no Content-Security-Policy")
	}
	if v, _ := attr(csp[0], "content"); !strings.Contains(v, "default-src 'none'") {
		t.Errorf("CSP %q", v)
	}
}

func TestHTMLSummary(t *testing.T) {
	h, rs := ckFixture(40)
	doc := parseHTML(t, renderHTML(t, h, rs))
	for id, want := range map[string]string{
		"h-index": "idx/", "h-bench": "bench/gsm8k_test.jsonl", "h-norm": "unicode-v1, n = 8",
		"h-rule": "contaminated if the longest verified span ≥ 13 tokens or coverage ≥ 50%",
	} {
		if n := byID(doc, id); n == nil || textOf(n) != want {
			t.Errorf("#%s: want %q", id, want)
		}
	}
	// Independent counts.
	type counts struct{ items, dirty, clean, short int }
	want := map[string]*counts{"": {}}
	for _, r := range rs {
		c := want[""]
		c.items++
		switch {
		case r.Contaminated:
			c.dirty++
		case r.TooShort:
			c.short++
		default:
			c.clean++
		}
		for name, v := range r.Standards {
			if want[name] == nil {
				want[name] = &counts{}
			}
			c := want[name]
			c.items++
			switch {
			case v.TooShort:
				c.short++
			case v.Dirty:
				c.dirty++
			default:
				c.clean++
			}
		}
	}
	sum := byID(doc, "summary")
	trs := findAll(sum, func(n *html.Node) bool { _, a := attr(n, "data-std"); _, b := attr(n, "data-rule"); return a || b })
	if len(trs) != len(want) {
		t.Fatalf("%d summary rows, want %d", len(trs), len(want))
	}
	var order []string
	for _, tr := range trs {
		name, _ := attr(tr, "data-std")
		order = append(order, name)
		w := want[name]
		if w == nil {
			t.Errorf("summary row for unknown standard %q", name)
			continue
		}
		cell := func(k string) string {
			c := findAll(tr, func(n *html.Node) bool { v, _ := attr(n, "data-k"); return v == k })
			if len(c) != 1 {
				t.Fatalf("row %q: no %s cell", name, k)
			}
			return textOf(c[0])
		}
		got := []string{cell("items"), cell("dirty"), cell("clean"), cell("short"), cell("pct")}
		exp := []string{fmt.Sprint(w.items), fmt.Sprint(w.dirty), fmt.Sprint(w.clean), fmt.Sprint(w.short), fmt.Sprintf("%.1f%%", 100*float64(w.dirty)/float64(w.items))}
		if !reflect.DeepEqual(got, exp) {
			t.Errorf("summary %q: items/dirty/clean/short/%% = %v, want %v", name, got, exp)
		}
	}
	if !reflect.DeepEqual(order, []string{"", "default", "llama2", "palm"}) {
		t.Errorf("summary order %q", order)
	}
	if got := textOf(sum); !strings.Contains(got, "not_clean: ") || !strings.Contains(got, "fraction of 8-grams found ≥ 0.70") {
		t.Errorf("summary lacks llama2 buckets or palm detail: %q", got)
	}
	// Both histograms count every item once, the contaminated ones apart.
	s := Summarize(rs)
	for _, id := range []string{"hist-coverage", "hist-span"} {
		total, dirty := 0, 0
		for _, bar := range findAll(byID(doc, id), func(n *html.Node) bool { return hasClass(n, "bar") }) {
			var d, c int
			title, _ := attr(bar, "title")
			if _, err := fmt.Sscanf(title, "%d of %d contaminated", &d, &c); err != nil {
				t.Fatalf("#%s bar title %q: %v", id, title, err)
			}
			if got := textOf(findAll(bar, func(n *html.Node) bool { return hasClass(n, "bc") })[0]); got != fmt.Sprint(c) {
				t.Errorf("#%s bar count %q, title says %d", id, got, c)
			}
			total += c
			dirty += d
		}
		if total != len(rs) || dirty != s.Contaminated {
			t.Errorf("#%s counts %d items, %d contaminated; want %d, %d", id, total, dirty, len(rs), s.Contaminated)
		}
	}
	cov := findAll(byID(doc, "hist-coverage"), func(n *html.Node) bool { return hasClass(n, "bc") })
	for i, c := range s.Histogram {
		if got := textOf(cov[i]); got != fmt.Sprint(c) {
			t.Errorf("coverage bar %d: %s items, Summarize says %d", i, got, c)
		}
	}
	// Cards.
	cards := textOf(findAll(doc, func(n *html.Node) bool { return hasClass(n, "cards") })[0])
	for _, w := range []string{fmt.Sprintf("%dcontaminated", s.Contaminated), fmt.Sprintf("%ditems checked", s.Items), fmt.Sprintf("%dany overlap", s.AnyOverlap), fmt.Sprintf("%dtoo short", s.TooShort),
		fmt.Sprintf("%dnear-duplicates%d not contaminated by the rule", s.NearDup, s.NearOnly)} {
		if !strings.Contains(cards, w) {
			t.Errorf("cards %q lack %q", cards, w)
		}
	}
}

func TestHTMLHighlightData(t *testing.T) {
	h, rs := ckFixture(10)
	d := ckDataBlob(t, parseHTML(t, renderHTML(t, h, rs)))
	if !d.HasTexts || !reflect.DeepEqual(d.Std, []string{"default", "llama2", "palm"}) {
		t.Fatalf("data: has_texts %v std %q", d.HasTexts, d.Std)
	}
	for i, it := range d.Items {
		if got := strings.Join(it.Text, ""); got != h.Texts[rs[i].ID] {
			t.Errorf("item %d: segments join to %q, want the text", i, got)
		}
		var marked []string
		for k := 1; k < len(it.Text); k += 2 {
			marked = append(marked, it.Text[k])
		}
		text := h.Texts[rs[i].ID]
		var want []string
		switch i % 5 {
		case 0:
			want = []string{text[rs[i].Spans[0].ByteStart:rs[i].Spans[0].ByteEnd]}
		case 1:
			want = []string{text[:rs[i].Spans[0].ByteEnd]}
		case 4:
			want = []string{text[rs[i].Spans[0].ByteStart:rs[i].Spans[0].ByteEnd], "数"} // widened to the whole rune
		}
		if !reflect.DeepEqual(marked, want) {
			t.Errorf("item %d: marked %q, want %q", i, marked, want)
		}
		if it.TextWarn != "" {
			t.Errorf("item %d: warning %q", i, it.TextWarn)
		}
	}
}

func TestHTMLNoTexts(t *testing.T) {
	h, rs := ckFixture(5)
	h.Texts = nil
	out := renderHTML(t, h, rs)
	doc := parseHTML(t, out)
	if !bytes.Contains(out, []byte("This report has no item texts")) {
		t.Error("no note about the missing texts")
	}
	d := ckDataBlob(t, doc)
	for i, it := range d.Items {
		if it.Text != nil {
			t.Errorf("item %d has text segments without texts", i)
		}
		if len(it.Docs) != len(rs[i].Docs) {
			t.Errorf("item %d: %d docs, want %d", i, len(it.Docs), len(rs[i].Docs))
		}
	}
}

func TestHTMLEmpty(t *testing.T) {
	doc := parseHTML(t, renderHTML(t, Header{Index: "idx/", N: 8}, nil))
	if rows := itemRows(t, doc); len(rows) != 0 {
		t.Errorf("%d rows for no results", len(rows))
	}
	if d := ckDataBlob(t, doc); len(d.Items) != 0 {
		t.Errorf("%d items in the data", len(d.Items))
	}
}

func TestHTMLFormatListed(t *testing.T) {
	found := false
	for _, f := range Formats {
		found = found || f == "html"
	}
	if !found {
		t.Errorf("Formats %q lack html", Formats)
	}
}

func TestCkHighlight(t *testing.T) {
	sp := func(a, b int) query.Span { return query.Span{ByteStart: a, ByteEnd: b} }
	for _, c := range []struct {
		text  string
		spans []query.Span
		want  []string
		fits  bool
	}{
		{"abcdef", nil, []string{"abcdef"}, true},
		{"", nil, []string{""}, true},
		{"abcdef", []query.Span{sp(0, 6)}, []string{"", "abcdef"}, true},
		{"abcdef", []query.Span{sp(1, 3)}, []string{"a", "bc", "def"}, true},
		{"abcdef", []query.Span{sp(3, 5), sp(1, 4)}, []string{"a", "bcde", "f"}, true}, // overlapping, out of order
		{"abcdef", []query.Span{sp(1, 2), sp(2, 3)}, []string{"a", "bc", "def"}, true}, // adjacent
		{"abcdef", []query.Span{sp(1, 2), sp(4, 5)}, []string{"a", "b", "cd", "e", "f"}, true},
		{"abcdef", []query.Span{sp(4, 9)}, []string{"abcd", "ef"}, false}, // beyond the text
		{"abcdef", []query.Span{sp(8, 9)}, []string{"abcdef"}, false},
		{"aé数b", []query.Span{sp(2, 4)}, []string{"a", "é数", "b"}, true}, // mid-rune: widened
		{"aé数b", []query.Span{sp(3, 3)}, []string{"aé数b"}, true},         // empty span
	} {
		got, fits := ckHighlight(c.text, c.spans)
		if !reflect.DeepEqual(got, c.want) || fits != c.fits {
			t.Errorf("ckHighlight(%q, %v) = %q, %v; want %q, %v", c.text, c.spans, got, fits, c.want, c.fits)
		}
	}
}

func TestCkSpanBars(t *testing.T) {
	rs := []query.Result{{LongestSpan: 0}, {LongestSpan: 8}, {LongestSpan: 12, Contaminated: true}, {LongestSpan: 13, Contaminated: true}, {LongestSpan: 26, Contaminated: true}, {LongestSpan: 700, Contaminated: true}}
	var got []string
	for _, b := range ckSpanBars(rs, 8, 13) {
		got = append(got, fmt.Sprintf("%s:%d:%d", b.Label, b.Count, b.Dirty))
	}
	want := []string{"0:1:0", "8–12:2:1", "13–25:1:1", "26–49:1:1", "50–99:0:0", "100–199:0:0", "200–499:0:0", "≥ 500:1:1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("span bars %q, want %q", got, want)
	}
	bars := ckSpanBars(rs, 8, 13)
	if b := bars[1]; b.DirtyWidth != 50 || b.CleanWidth != 50 {
		t.Errorf("8–12 bar: %v%% dirty + %v%% clean, want 50 + 50", b.DirtyWidth, b.CleanWidth)
	}
}

// TestHTMLLarge keeps a benchmark-sized report quick to write and light:
// rows are plain cells, details live in the data blob.
func TestHTMLLarge(t *testing.T) {
	h, rs := ckFixture(2500)
	out := renderHTML(t, h, rs)
	doc := parseHTML(t, out)
	if rows := itemRows(t, doc); len(rows) != 2500 {
		t.Fatalf("%d rows", len(rows))
	}
	if n := len(findAll(doc, func(*html.Node) bool { return true })); n > 2500*20 {
		t.Errorf("%d elements for 2500 items: details should not be rendered up front", n)
	}
	t.Logf("2500 items: %d KB", len(out)/1024)
}
