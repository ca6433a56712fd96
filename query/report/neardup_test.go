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

// ndOps builds an edit script from a compact form: "tok" a match,
// "a>b" a substitution (a number substitution when both are digits),
// "-tok" a deletion, "+tok" an insertion, "a~b" a swap of item tokens a b
// (the document has b a).
func ndOps(spec ...string) []query.EditOp {
	num := func(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
	var ops []query.EditOp
	for _, s := range spec {
		switch {
		case len(s) > 1 && s[0] == '-':
			ops = append(ops, query.EditOp{Op: "-", Item: s[1:]})
		case len(s) > 1 && s[0] == '+':
			ops = append(ops, query.EditOp{Op: "+", Doc: s[1:]})
		case strings.Contains(s, ">") && !strings.HasPrefix(s, "<"):
			a, b, _ := strings.Cut(s, ">")
			op := "x"
			if num(a) && num(b) {
				op = "n"
			}
			ops = append(ops, query.EditOp{Op: op, Item: a, Doc: b})
		case strings.Contains(s, "~"):
			a, b, _ := strings.Cut(s, "~")
			ops = append(ops, query.EditOp{Op: "s", Item: a, Doc: b}, query.EditOp{Op: "s", Item: b, Doc: a})
		default:
			ops = append(ops, query.EditOp{Op: "=", Item: s, Doc: s})
		}
	}
	return ops
}

// ndResult is a result whose best alignment has the given edit script.
func ndResult(id string, tokens int, contaminated, near bool, ops []query.EditOp) query.Result {
	nd := &query.NearDup{NearDuplicate: near, Threshold: 0.6}
	nd.Ops = ops
	items := 0
	for _, o := range ops {
		switch o.Op {
		case "=", "s":
			nd.Matched++
		case "n":
			nd.NumberDiffs++
		default:
			nd.OtherDiffs++
		}
		if o.Op != "+" {
			items++
		}
	}
	nd.ItemStart, nd.ItemEnd = 3, 3+items
	nd.Similarity = float64(nd.Matched) / float64(tokens)
	nd.Local = float64(nd.Matched) / float64(items)
	nd.OnlyNumbers = nd.OtherDiffs == 0 && nd.NumberDiffs > 0
	nd.Doc = query.DocHit{
		ID: "doc-" + id, Source: "corpus/web.jsonl", Line: 42, Offset: 4096,
		Match: query.Match{ItemTokStart: nd.ItemStart, ItemTokEnd: nd.ItemEnd, DocByteStart: 100, DocByteEnd: 160,
			Before: "Worked example. ", Text: "window of " + id, After: " More text."},
	}
	r := query.Result{ID: id, Tokens: tokens, Contaminated: contaminated, NDocs: 1, Spans: []query.Span{}, NearDup: nd,
		Docs: []query.DocHit{{ID: "doc-" + id, Source: "corpus/web.jsonl", LongestSpan: 9, MatchedTokens: 20}}}
	if contaminated {
		r.LongestSpan, r.Coverage = 20, 0.8
	}
	return r
}

// ndFixture: a renumbered copy, an edited copy (substitution, insertion,
// deletion, hostile tokens), a copy with a swap, an alignment below the
// thresholds and an item with no alignment.
func ndFixture() (Header, []query.Result) {
	h := Header{Index: "idx/", Bench: "bench/gsm.jsonl", N: 8, Normalize: "unicode-v1", Rule: query.Rule{MinSpan: 13, MinCoverage: 0.5}}
	renum := ndResult("renumbered", 16, false, true, ndOps("natalia", "sold", "12>4812", "clips", "to", "her", "48>96", "friends", "in", "april", "and", "half", "as", "many", "in", "may"))
	renum.NearDup.Doc.Match.Text = "Natalia sold 4812 clips to her 96 friends in April and half as many in May"
	edited := ndResult("edited <script>", 12, true, true, ndOps("janet", "ducks>geese", "lay", "16", "eggs", "+<script>alert(1)</script>", "per", "-day", "she", "eats", "three", "for", "breakfast"))
	edited.NearDup.Doc.Match.Before = "<script>alert('before')</script>"
	edited.NearDup.Doc.Match.Text = "Janet's geese lay 16 eggs <script>alert(1)</script> per"
	swap := ndResult("swapped", 10, false, true, ndOps("a", "robe", "takes", "2", "bolts~blue", "of", "fiber", "and", "white>black"))
	low := ndResult("not a near-dup", 10, false, false, ndOps("how", "many>much", "apples", "-are", "left"))
	none := query.Result{ID: "clean", Tokens: 30, Spans: []query.Span{}, Docs: []query.DocHit{}}
	return h, []query.Result{low, renum, none, edited, swap}
}

func renderMarkdown(t *testing.T, h Header, rs []query.Result) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, "markdown", h, rs); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// mdSection returns the Markdown from a level-2 heading to the next one.
func mdSection(md, heading string) string {
	i := strings.Index(md, "\n"+heading+"\n")
	if i < 0 {
		return ""
	}
	sec := md[i+1:]
	if j := strings.Index(sec[len(heading):], "\n## "); j >= 0 {
		sec = sec[:len(heading)+j]
	}
	return sec
}

func TestNearDupMarkdown(t *testing.T) {
	h, rs := ndFixture()
	md := renderMarkdown(t, h, rs)
	if !strings.Contains(md, "**Near-duplicates:** 3 (60.0%), 2 of them not contaminated by the exact rule") {
		t.Errorf("no or wrong near-duplicate summary line:\n%s", md)
	}
	sec := mdSection(md, "## Near-duplicates")
	if sec == "" {
		t.Fatalf("no near-duplicates section:\n%s", md)
	}
	// Most similar first: swapped 9/10, renumbered 14/16, edited 10/12.
	var ids []string
	for _, l := range strings.Split(sec, "\n") {
		if strings.HasPrefix(l, "### ") {
			ids = append(ids, l[4:])
		}
	}
	if want := []string{"`swapped`", "`renumbered`", "`edited <script>`"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("near-duplicates listed %q, want %q", ids, want)
	}
	if strings.Contains(sec, "not a near-dup") || strings.Contains(sec, "`clean`") {
		t.Error("an item that is not a near-duplicate is listed")
	}
	for _, w := range []string{
		// table
		"| `swapped` | 90.0% | 90.0% | missed | `doc-swapped` |",
		"| `edited <script>` | 83.3% | 83.3% | contaminated | `doc-edited <script>` |",
		// renumbered
		"- similarity 87.5%, local similarity 87.5%: 14 item tokens matched, differs only in numbers (2 numbers); not contaminated by the exact rule",
		"- alignment (item tokens 3–19): natalia sold ~~12~~ **4812** clips to her ~~48~~ **96** friends in april and half as many in may",
		"- document `doc-renumbered` in `corpus/web.jsonl` (line 42, byte 4096)",
		"  > …Worked example. **Natalia sold 4812 clips to her 96 friends in April and half as many in May** More text.…",
		// edited: substitution, insertion, deletion; hostile tokens escaped
		"10 item tokens matched, 0 number differences, 3 other differences; also contaminated by the exact rule",
		`- alignment (item tokens 3–15): janet ~~ducks~~ **geese** lay 16 eggs **\<script\>alert(1)\</script\>** per ~~day~~ she eats three for breakfast`,
		`  > …\<script\>alert('before')\</script\>**Janet's geese lay 16 eggs \<script\>alert(1)\</script\> per** More text.…`,
		// swap
		"- alignment (item tokens 3–13): a robe takes 2 *bolts ⇄ blue* of fiber and ~~white~~ **black**",
	} {
		if !strings.Contains(sec, w) {
			t.Errorf("near-duplicates section lacks\n%s\n----\n%s", w, sec)
		}
	}
	if strings.Contains(md, "<script>alert") {
		t.Error("unescaped <script> in the Markdown")
	}
	// The contaminated section is still there, before the near-duplicates.
	if c := strings.Index(md, "## Contaminated items"); c < 0 || c > strings.Index(md, "## Near-duplicates") {
		t.Error("contaminated items missing or after the near-duplicates")
	}
}

func TestNearDupMarkdownNoContaminated(t *testing.T) {
	h, rs := ndFixture()
	for i := range rs {
		rs[i].Contaminated = false
	}
	md := renderMarkdown(t, h, rs)
	if strings.Contains(md, "## Contaminated items") || !strings.Contains(md, "## Near-duplicates") {
		t.Errorf("want near-duplicates without contaminated items:\n%s", md)
	}
	if !strings.Contains(md, "3 (60.0%), 3 of them not contaminated") {
		t.Error("summary line")
	}
}

func TestNearDupMarkdownAbsent(t *testing.T) {
	h, rs := ndFixture()
	for i := range rs {
		rs[i].NearDup = nil
	}
	md := renderMarkdown(t, h, rs)
	if strings.Contains(md, "Near-duplicates") || strings.Contains(md, "near-dup") {
		t.Errorf("a run without near-duplicate search mentions them:\n%s", md)
	}
	// Searched, none found.
	_, rs = ndFixture()
	rs = rs[:1]
	md = renderMarkdown(t, h, rs)
	if !strings.Contains(md, "**Near-duplicates:** 0 (0.0%)") || !strings.Contains(md, "## Near-duplicates\n\nNone") {
		t.Errorf("want zero near-duplicates reported:\n%s", md)
	}
}

func TestNearDupMarkdownCap(t *testing.T) {
	h := Header{Index: "idx/", N: 8}
	var rs []query.Result
	for i := range mdNearMax + 50 {
		rs = append(rs, ndResult(fmt.Sprintf("item-%03d", i), 100+i, false, true, ndOps("a", "b", "1>2", "c")))
	}
	md := renderMarkdown(t, h, rs)
	if n := strings.Count(md, "\n### "); n != mdNearMax {
		t.Errorf("%d near-duplicates listed, want %d", n, mdNearMax)
	}
	if !strings.Contains(md, fmt.Sprintf("Showing the %d most similar of %d near-duplicates", mdNearMax, mdNearMax+50)) {
		t.Error("no note about the cap")
	}
	// Most similar first: the shortest items.
	if !strings.Contains(md, "### `item-000`") || strings.Contains(md, fmt.Sprintf("### `item-%03d`", mdNearMax+49)) {
		t.Error("the cap kept the wrong items")
	}
}

func TestMdDiff(t *testing.T) {
	for _, c := range []struct {
		ops  []query.EditOp
		max  int
		want string
	}{
		{ndOps("a", "b"), 10, "a b"},
		{ndOps("a", "1>2", "b"), 10, "a ~~1~~ **2** b"},
		{ndOps("x>y"), 10, "~~x~~ **y**"},
		{ndOps("-x", "+y"), 10, "~~x~~ **y**"},
		{ndOps("a~b", "c"), 10, "*a ⇄ b* c"},
		{ndOps("*", "_x_", "[l](u)", "a|b", "`c`", "$m$", "&amp;", "#1", "<b>"), 10, `\* \_x\_ \[l\](u) a\|b \` + "`c\\`" + ` \$m\$ \&amp; \#1 \<b\>`},
		{[]query.EditOp{{Op: "s", Item: "lone", Doc: "x"}}, 10, "*lone ⇄*"},
		{ndOps("-~", "~>**"), 10, "~~&#126;~~ ~~&#126;~~ **\\*\\***"},
		{ndOps("a", "b", "c", "d"), 2, "a b … (2 more)"},
	} {
		if got := mdDiff(c.ops, c.max); got != c.want {
			t.Errorf("mdDiff(%v) = %q, want %q", c.ops, got, c.want)
		}
	}
}

func TestMdStrong(t *testing.T) {
	for _, c := range [][4]string{
		{"a ", "b", " c", "a **b** c"},
		{"abc", "\\<x", "def", "abc **\\<x**def"}, // would not open without the space
		{"abc", "x\\>", "def", "abc**x\\>** def"}, // would not close without it
		{"…", "\\<x\\>", "…", "…**\\<x\\>**…"},
		{"x", "", "y", "xy"},
	} {
		if got := mdStrong(c[0], c[1], c[2]); got != c[3] {
			t.Errorf("mdStrong(%q, %q, %q) = %q, want %q", c[0], c[1], c[2], got, c[3])
		}
	}
}

func TestNearDupHTML(t *testing.T) {
	h, rs := ndFixture()
	out := renderHTML(t, h, rs)
	if bytes.Contains(out, []byte("<script>alert")) {
		t.Error("unescaped <script> in the page")
	}
	doc := parseHTML(t, out)
	if n := len(findAll(doc, isTag(atom.Script))); n != 2 {
		t.Errorf("%d <script> elements, want 2", n)
	}
	// Card.
	cards := findAll(doc, func(n *html.Node) bool { return hasClass(n, "card") && hasClass(n, "near") })
	if len(cards) != 1 || textOf(cards[0]) != "3near-duplicates2 not contaminated by the rule" {
		t.Errorf("near-duplicate card: %d, %q", len(cards), textOf(cards[0]))
	}
	// Column.
	heads := findAll(byID(doc, "items"), isTag(atom.Th))
	last := heads[len(heads)-1]
	if v, _ := attr(last, "data-sort"); textOf(last) != "near-dup" || v != "ns" {
		t.Errorf("last column %q (sort %q), want near-dup", textOf(last), v)
	}
	want := []struct{ text, class string }{{"30%", "sim"}, {"88%", "near"}, {"–", "none"}, {"83%", "near"}, {"90%", "near"}}
	for i, row := range itemRows(t, doc) {
		cells := findAll(row, isTag(atom.Td))
		if len(cells) != len(heads) {
			t.Fatalf("row %d: %d cells for %d columns", i, len(cells), len(heads))
		}
		c := cells[len(cells)-1]
		badge := findAll(c, isTag(atom.Span))
		if textOf(c) != want[i].text || len(badge) != 1 || !hasClass(badge[0], want[i].class) {
			t.Errorf("row %d near-dup cell %q, want %q (%s)", i, textOf(c), want[i].text, want[i].class)
		}
	}
	// Filters.
	var opts []string
	for _, o := range findAll(byID(doc, "show"), isTag(atom.Option)) {
		v, _ := attr(o, "value")
		opts = append(opts, v+"="+textOf(o))
	}
	for _, w := range []string{"near=near-duplicates", "near-only=near-duplicates the rule missed"} {
		if !strings.Contains(strings.Join(opts, "\n"), w) {
			t.Errorf("filter options %q lack %q", opts, w)
		}
	}
	// Data: the alignment, compactly.
	var raw struct {
		Items []struct {
			N *struct {
				ND  bool            `json:"nd"`
				Sim float64         `json:"sim"`
				On  bool            `json:"on"`
				NN  int             `json:"nn"`
				Ops json.RawMessage `json:"ops"`
				D   ckDocHit        `json:"d"`
			} `json:"n"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(textOf(byID(doc, "contam-data"))), &raw); err != nil {
		t.Fatal(err)
	}
	if raw.Items[2].N != nil {
		t.Error("an item without an alignment has one in the data")
	}
	n := raw.Items[1].N
	if !n.ND || !n.On || n.NN != 2 || n.D.ID != "doc-renumbered" || n.D.Text != rs[1].NearDup.Doc.Match.Text || n.D.Line != 42 {
		t.Errorf("renumbered item's data: %+v", n)
	}
	if got := string(n.Ops); !strings.HasPrefix(got, `["natalia","sold",["n","12","4812"],"clips"`) {
		t.Errorf("ops encoded as %s", got)
	}
	e := raw.Items[3].N
	if got := string(e.Ops); !strings.Contains(got, `["x","ducks","geese"]`) || !strings.Contains(got, `["+","","\u003cscript\u003ealert(1)\u003c/script\u003e"]`) || !strings.Contains(got, `["-","day",""]`) {
		t.Errorf("edited item's ops: %s", got)
	}
	if got := string(raw.Items[4].N.Ops); !strings.Contains(got, `["s","bolts","blue"],["s","blue","bolts"]`) {
		t.Errorf("swap ops: %s", got)
	}
	// The script renders what the data holds.
	code := textOf(findAll(doc, isTag(atom.Script))[1])
	for _, w := range []string{`"near-duplicate"`, `"only numbers differ"`, `"swap"`, `"del"`, `"ins"`} {
		if !strings.Contains(code, w) {
			t.Errorf("script lacks %s", w)
		}
	}
}

func TestNearDupHTMLAbsent(t *testing.T) {
	h, rs := ndFixture()
	for i := range rs {
		rs[i].NearDup = nil
	}
	doc := parseHTML(t, renderHTML(t, h, rs))
	if c := findAll(doc, func(n *html.Node) bool { return hasClass(n, "card") && hasClass(n, "near") }); len(c) != 0 {
		t.Error("near-duplicate card without near-duplicate search")
	}
	for _, th := range findAll(byID(doc, "items"), isTag(atom.Th)) {
		if textOf(th) == "near-dup" {
			t.Error("near-dup column without near-duplicate search")
		}
	}
	for _, o := range findAll(byID(doc, "show"), isTag(atom.Option)) {
		if v, _ := attr(o, "value"); strings.HasPrefix(v, "near") {
			t.Error("near-duplicate filter without near-duplicate search")
		}
	}
}
