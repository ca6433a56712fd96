//go:build linux

package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// The trace page in a real browser: it loads without console errors, every
// span of the output is highlighted and listed with its sources, and a
// screenshot is kept with the other CI artifacts.
func TestTraceHTMLInChromium(t *testing.T) {
	bin := findChromium(t)
	page := filepath.Join(t.TempDir(), "trace.html")
	if err := os.WriteFile(page, []byte(trRender(t, "html", trHeader, Traced{trOut, trResult(t)})), 0o644); err != nil {
		t.Fatal(err)
	}
	arts := filepath.Join(os.TempDir(), "contam-ci-artifacts")
	if err := os.MkdirAll(arts, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(arts, "trace.png")
	os.Remove(shot)
	r := runChromium(t, bin, page, "--dump-dom", "--screenshot="+shot, "--window-size=1280,1400", "--hide-scrollbars")
	if p := consoleProblems(r.stderr, page); len(p) > 0 {
		t.Errorf("console:\n%s", strings.Join(p, "\n"))
	}
	doc := parseDOM(t, r.dom)
	marks, spans, scripts := 0, 0, 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch {
			case n.Data == "mark" && trHasClass(n, "hl"):
				marks++
			case n.Data == "li" && trHasClass(n, "span"):
				spans++
			case n.Data == "img":
				t.Errorf("an <img> element exists: document text was not escaped")
			case n.Data == "script":
				scripts++
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if spans != len(trResult(t).Spans) || marks == 0 || scripts != 1 {
		t.Errorf("rendered %d spans (want %d), %d highlighted pieces, %d scripts", spans, len(trResult(t).Spans), marks, scripts)
	}
	if st, err := os.Stat(shot); err != nil || st.Size() == 0 {
		t.Errorf("no screenshot: %v", err)
	} else {
		t.Logf("screenshot: %s", shot)
	}
}
