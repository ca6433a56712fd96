//go:build linux

package report

// A real browser opens the HTML report: headless Chromium runs its script,
// and the test reads back the DOM, the console and a screenshot. Without
// chromium on PATH the test skips, except in CI (CI=true), which installs it
// (scripts/ci-install-chromium.sh) and so must not pass without running it.

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not on PATH; CI installs it with scripts/ci-install-chromium.sh")
	}
	t.Skip("chromium (or chromium-browser) not on PATH: skipping the browser test of the HTML report (apt-get install chromium to run it)")
	return ""
}

type chromeRun struct {
	dom    string // --dump-dom output
	stderr string
	took   time.Duration
}

// runChromium runs one headless Chromium on page (a file path, with an
// optional #fragment) with a fresh profile and no network, and returns
// what it printed. extra are further flags (--dump-dom, --screenshot=…).
func runChromium(t *testing.T, bin, page string, extra ...string) chromeRun {
	t.Helper()
	frag := ""
	if i := strings.IndexByte(page, '#'); i >= 0 {
		page, frag = page[:i], page[i:]
	}
	u := (&url.URL{Scheme: "file", Path: page}).String() + frag
	tmp := t.TempDir()
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(tmp, "profile"),
		"--enable-logging=stderr", "--v=0",
		"--virtual-time-budget=2000",
		"--host-resolver-rules=MAP * ~NOTFOUND", // belt and braces: nothing resolves
	}
	args = append(append(args, extra...), u)
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+tmp, "XDG_CONFIG_HOME="+filepath.Join(tmp, "config"), "XDG_CACHE_HOME="+filepath.Join(tmp, "cache"))
	// Its own process group, so a timeout ends the renderer and GPU
	// processes too, and nothing outlives the test to write into TempDir.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // stragglers of the group, if any
	}
	if err != nil {
		t.Fatalf("chromium %s: %v (after %s)\nstderr:\n%s", strings.Join(extra, " "), err, took.Round(time.Millisecond), tail(stderr.String(), 40))
	}
	t.Logf("chromium %s %s: %s", strings.Join(extra, " "), filepath.Base(page)+frag, took.Round(time.Millisecond))
	return chromeRun{dom: stdout.String(), stderr: stderr.String(), took: took}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// consoleProblems are the console lines Chromium logged for the page. With
// --enable-logging=stderr it writes every console message as
//
//	[pid:tid:time:INFO:CONSOLE:12] "Uncaught ReferenceError: …", source: file:///…/report.html (12)
//
// (older versions: INFO:CONSOLE(12) or ERROR:CONSOLE(12) for console.error).
// The report logs nothing, so any message from the page is a problem: an
// uncaught exception, a console.error, a CSP refusal to load something.
func consoleProblems(stderr, page string) []string {
	var out []string
	for _, line := range strings.Split(stderr, "\n") {
		if !strings.Contains(line, ":CONSOLE") {
			continue
		}
		if strings.Contains(line, "ERROR:CONSOLE") || strings.Contains(line, "Uncaught") || strings.Contains(line, filepath.Base(page)) {
			out = append(out, line)
		}
	}
	return out
}

func parseDOM(t *testing.T, dom string) *html.Node {
	t.Helper()
	if !strings.Contains(dom, "</html>") {
		t.Fatalf("no DOM dumped: %q", tail(dom, 5))
	}
	return parseHTML(t, []byte(dom))
}

func TestHTMLInChromium(t *testing.T) {
	bin := findChromium(t)
	start := time.Now()
	h, rs := ckFixture(30)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, renderHTML(t, h, rs), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("chromium", func(t *testing.T) {
		// One run shows the whole report: the script's state and the table in
		// the DOM, the console, and a screenshot with one contaminated item
		// (near the top, so it is in the picture) opened from the address.
		t.Run("report: DOM, console, screenshot", func(t *testing.T) {
			t.Parallel()
			arts := filepath.Join(os.TempDir(), "contam-ci-artifacts")
			if err := os.MkdirAll(arts, 0o755); err != nil {
				t.Fatal(err)
			}
			shot := filepath.Join(arts, "report.png")
			os.Remove(shot)
			open := rs[5]
			r := runChromium(t, bin, page+"#item="+url.QueryEscape(open.ID),
				"--dump-dom", "--screenshot="+shot, "--window-size=1280,2000", "--hide-scrollbars")
			if p := consoleProblems(r.stderr, page); len(p) > 0 {
				t.Errorf("console:\n%s", strings.Join(p, "\n"))
			}
			doc := parseDOM(t, r.dom)
			body := findAll(doc, isTag(atom.Body))[0]
			if v, _ := attr(body, "data-contam-ready"); v != "1" {
				t.Fatalf("body data-contam-ready = %q: the script did not finish", v)
			}
			if v, _ := attr(body, "data-shown"); v != "30" {
				t.Errorf("body data-shown = %q, want 30", v)
			}
			rows := itemRows(t, doc)
			visible := 0
			for _, tr := range rows {
				if _, hidden := attr(tr, "hidden"); !hidden {
					visible++
				}
			}
			if len(rows) != 30 || visible != 30 {
				t.Errorf("%d rows, %d visible; want 30", len(rows), visible)
			}
			if got := textOf(byID(doc, "count")); got != "30 items" {
				t.Errorf("count says %q", got)
			}
			details := findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Tr && hasClass(n, "detail") })
			if len(details) != 1 {
				t.Fatalf("%d detail rows, want 1 (%s opened)", len(details), open.ID)
			}
			if v, _ := attr(details[0].PrevSibling, "aria-expanded"); v != "true" {
				t.Errorf("opened row: aria-expanded %q", v)
			}
			if got := textOf(details[0]); !strings.Contains(got, "Top 3 of 6 documents") || !strings.Contains(got, "url https://example.org/page/5/2") {
				t.Errorf("detail of %s: %q", open.ID, got)
			}

			f, err := os.Open(shot)
			if err != nil {
				t.Fatalf("no screenshot: %v\nstderr:\n%s", err, tail(r.stderr, 20))
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 2000 {
				t.Errorf("screenshot is %dx%d, want 1280x2000", b.Dx(), b.Dy())
			}
			if n := colours(img); n < 8 {
				t.Errorf("screenshot has %d colours: blank page?", n)
			}
			t.Logf("screenshot: %s", shot)
		})

		t.Run("filter and expand from the address", func(t *testing.T) {
			t.Parallel()
			// Filter to the contaminated items whose text holds "sold", sort
			// by longest span (longest first) and open item 0, the one full
			// of hostile text.
			frag := "#" + url.Values{"q": {"SOLD"}, "show": {"contaminated"}, "sort": {"-ls"}, "item": {rs[0].ID}}.Encode()
			r := runChromium(t, bin, page+frag, "--dump-dom")
			if p := consoleProblems(r.stderr, page); len(p) > 0 {
				t.Errorf("console:\n%s", strings.Join(p, "\n"))
			}
			doc := parseDOM(t, r.dom)
			want := 0
			for _, r := range rs {
				if r.Contaminated {
					want++
				}
			}
			body := findAll(doc, isTag(atom.Body))[0]
			visible, last := 0, 1<<30
			for _, tr := range itemRows(t, doc) {
				if _, hidden := attr(tr, "hidden"); hidden {
					continue
				}
				visible++
				i, _ := strconv.Atoi(textOf(findAll(tr, isTag(atom.Td))[0]))
				if rs[i].LongestSpan > last {
					t.Errorf("rows not sorted by longest span, longest first: %d after %d", rs[i].LongestSpan, last)
				}
				last = rs[i].LongestSpan
			}
			if th := findAll(byID(doc, "items"), func(n *html.Node) bool { v, _ := attr(n, "data-sort"); return v == "ls" }); len(th) != 1 {
				t.Error("no longest-span column")
			} else if v, _ := attr(th[0], "aria-sort"); v != "descending" {
				t.Errorf("longest-span column aria-sort %q", v)
			}
			if v, _ := attr(body, "data-shown"); v != strconv.Itoa(want) || visible != want {
				t.Errorf("data-shown %q, %d rows visible; want %d contaminated items", v, visible, want)
			}
			details := findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Tr && hasClass(n, "detail") })
			if len(details) != 1 {
				t.Fatalf("%d detail rows, want 1 (item 0 opened)", len(details))
			}
			det := details[0]
			if prev := det.PrevSibling; prev == nil || textOf(findAll(prev, isTag(atom.Td))[1]) != rs[0].ID {
				t.Error("the detail row does not follow its item's row")
			}
			// The hostile text stays text: no element came out of it.
			if n := len(findAll(doc, isTag(atom.Script))); n != 2 {
				t.Errorf("%d <script> elements after rendering details, want 2", n)
			}
			if n := len(findAll(doc, isTag(atom.Img))); n != 0 {
				t.Errorf("%d <img> elements after rendering details", n)
			}
			marks := findAll(det, isTag(atom.Mark))
			text := h.Texts[rs[0].ID]
			sp := rs[0].Spans[0]
			wantMarks := []string{text[sp.ByteStart:sp.ByteEnd]}
			for _, d := range rs[0].Docs {
				wantMarks = append(wantMarks, d.Match.Text)
			}
			if len(marks) != len(wantMarks) {
				t.Fatalf("%d highlighted pieces, want %d", len(marks), len(wantMarks))
			}
			for k, m := range marks {
				if got := textOf(m); got != wantMarks[k] {
					t.Errorf("mark %d: %q, want %q", k, got, wantMarks[k])
				}
			}
			dt := textOf(det)
			for _, w := range []string{xssText + " Natalia", "doc/" + xssText, "url javascript:alert(1)//" + xssText, "…" + xssText, "Document"} {
				if !strings.Contains(dt, w) {
					t.Errorf("detail lacks %q", w)
				}
			}
			if !strings.Contains(dt, "llama2: ") || !strings.Contains(dt, "palm: ") {
				t.Error("detail lacks the standards")
			}
		})

		t.Run("console errors are detected", func(t *testing.T) {
			t.Parallel()
			bad := filepath.Join(dir, "broken.html")
			src := `<!DOCTYPE html><html><body><script>console.error("deliberate"); noSuchFunction();</script></body></html>`
			if err := os.WriteFile(bad, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			r := runChromium(t, bin, bad, "--dump-dom")
			p := consoleProblems(r.stderr, bad)
			uncaught := false
			for _, l := range p {
				uncaught = uncaught || strings.Contains(l, "Uncaught ReferenceError: noSuchFunction")
			}
			if !uncaught || len(p) < 2 {
				t.Fatalf("a page with a deliberate error was not caught; console lines found: %q\nstderr:\n%s", p, tail(r.stderr, 20))
			}
		})

	})
	t.Logf("browser test: %s", time.Since(start).Round(time.Millisecond))
}

// colours counts distinct colours on a coarse grid of the image.
func colours(img image.Image) int {
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 12, g >> 12, bl >> 12}] = true
		}
	}
	return len(seen)
}
