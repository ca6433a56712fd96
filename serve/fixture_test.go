package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/contam-dev/contam/demo"
	"github.com/contam-dev/contam/index/text"
	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/shard"
	"github.com/contam-dev/contam/shard/source"
)

// The tests serve real indexes built from the embedded demo sample: "demo"
// over both corpus files plus extra.jsonl (below) in two shards, and "a" and
// "b" over one demo file each.
// Answers are compared with the library (query.Checker on the same index)
// and, for counts and document sets, with an oracle that scans the corpus
// files directly.

var srcOpt = source.Options{TextField: "text", IDField: "id", MetaFields: []string{"url"}}

var fixture struct {
	once   sync.Once
	dir    string
	corpus []string // demo.CorpusFiles written out
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixture.dir != "" {
		os.RemoveAll(fixture.dir)
	}
	os.Exit(code)
}

// indexes builds (once per test binary) the three test indexes and returns
// the directory holding them and the corpus files.
func indexes(t testing.TB) (string, []string) {
	t.Helper()
	fixture.once.Do(func() {
		dir, err := os.MkdirTemp("", "contam-serve-test-")
		if err != nil {
			fixture.err = err
			return
		}
		fixture.dir = dir
		corpus, _, err := demo.WriteTo(filepath.Join(dir, "data"))
		if err != nil {
			fixture.err = err
			return
		}
		extra, err := writeExtra(filepath.Join(dir, "data"), corpus[0])
		if err != nil {
			fixture.err = err
			return
		}
		corpus = append(corpus, extra)
		fixture.corpus = corpus
		for _, b := range []struct {
			name   string
			files  []string
			shards int
		}{{"demo", corpus, 2}, {"a", corpus[:1], 1}, {"b", corpus[1:2], 1}} {
			if _, err := shard.Build(context.Background(), filepath.Join(dir, b.name), b.files, shard.Options{Shards: b.shards, Source: srcOpt}); err != nil {
				fixture.err = err
				return
			}
		}
	})
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	return fixture.dir, fixture.corpus
}

// Planted sentences: the demo sample shares no 8-gram between two
// documents, so extra.jsonl repeats these (and a passage of the first demo
// document) to give phrases held by several documents.
const (
	plantS = "The lighthouse keeper counted forty seven ships passing the northern cape before dawn"
	plantT = "A second planted sentence about copper kettles and winter gardens in the quiet valley"
)

// writeExtra writes extra.jsonl into dir: plantS in three documents (twice
// in one), plantT in two, and the start of the first document of demoFile
// in one.
func writeExtra(dir, demoFile string) (string, error) {
	r, err := source.Open(demoFile, srcOpt)
	if err != nil {
		return "", err
	}
	d, err := r.Next()
	r.Close()
	if err != nil {
		return "", err
	}
	passage := string(d.Text)
	if len(passage) > 300 {
		passage = passage[:strings.LastIndexByte(passage[:300], ' ')]
	}
	texts := []string{
		"Alpha notes. " + plantS + ". Then some middle words of our own. " + plantS + ", said the log.",
		"Intro. " + plantS + " and " + plantT + ".",
		plantS + "! Copied below:\n" + passage + "\nEnd of copy.",
		plantT + " only, nothing else.",
	}
	var b strings.Builder
	for i, t := range texts {
		line, _ := json.Marshal(map[string]string{"id": fmt.Sprintf("extra-%d", i+1), "text": t, "url": fmt.Sprintf("https://example.org/%d", i+1)})
		b.Write(line)
		b.WriteByte('\n')
	}
	p := filepath.Join(dir, "extra.jsonl")
	return p, os.WriteFile(p, []byte(b.String()), 0o644)
}

// newTestServer opens the named test indexes with cfg and serves them.
func newTestServer(t *testing.T, cfg Config, names ...string) (*Server, *httptest.Server) {
	t.Helper()
	dir, _ := indexes(t)
	var specs []IndexSpec
	for _, n := range names {
		specs = append(specs, IndexSpec{Name: n, Dir: filepath.Join(dir, n)})
	}
	s, err := Open(specs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		hs.Close()
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s, hs
}

// reply is an HTTP answer.
type reply struct {
	code int
	hdr  http.Header
	body []byte
}

func (r reply) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("answer is not JSON (%v): %s", err, r.body)
	}
}

func fetch(method, url, body string) (reply, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return reply{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, b}, err
}

func do(t testing.TB, method, url, body string) reply {
	t.Helper()
	r, err := fetch(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// postAsync posts from another goroutine; a transport error arrives as
// status 0 with the error as body.
func postAsync(url string, v any) <-chan reply {
	c := make(chan reply, 1)
	b, _ := json.Marshal(v)
	go func() {
		r, err := fetch(http.MethodPost, url, string(b))
		if err != nil {
			r = reply{body: []byte(err.Error())}
		}
		c <- r
	}()
	return c
}

func post(t testing.TB, url string, v any) reply {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, http.MethodPost, url, string(b))
}

// wantOK fails unless the answer is 200 JSON.
func wantOK(t testing.TB, r reply) {
	t.Helper()
	if r.code != http.StatusOK || !strings.HasPrefix(r.hdr.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d (%s), want 200 JSON: %s", r.code, r.hdr.Get("Content-Type"), r.body)
	}
}

// wantError fails unless the answer has the status and is {"error": ...}
// with a message containing each of msg.
func wantError(t testing.TB, r reply, code int, msg ...string) {
	t.Helper()
	var e map[string]any
	if err := json.Unmarshal(r.body, &e); err != nil || len(e) != 1 {
		t.Fatalf("status %d: answer is not {\"error\": ...}: %s", r.code, r.body)
	}
	s, _ := e["error"].(string)
	if r.code != code || s == "" {
		t.Fatalf("status %d %s, want %d with an error", r.code, r.body, code)
	}
	for _, m := range msg {
		if !strings.Contains(s, m) {
			t.Errorf("error %q does not mention %q", s, m)
		}
	}
	if ct := r.hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error with Content-Type %q", ct)
	}
}

// sameJSON fails unless got (JSON) equals want once marshalled: the server
// must answer exactly what the library returns.
func sameJSON(t testing.TB, what string, got json.RawMessage, want any) {
	t.Helper()
	wb, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	json.Unmarshal(wb, &w)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, got, wb)
	}
}

// oracleDoc is a corpus document as read straight from its file.
type oracleDoc struct {
	id, source string
	line       int64
	offset     int64
	text       string
	toks       []string
	start, end []int
}

type oracle struct {
	docs  []oracleDoc
	first map[string][][2]int // token → (document, position) of its occurrences
}

func loadOracle(t testing.TB, files []string) *oracle {
	t.Helper()
	norm, err := text.Lookup("unicode-v1")
	if err != nil {
		t.Fatal(err)
	}
	o := &oracle{first: map[string][][2]int{}}
	for _, path := range files {
		r, err := source.Open(path, srcOpt)
		if err != nil {
			t.Fatal(err)
		}
		for {
			d, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			var tt text.Tokens
			norm.Tokenize(&tt, d.Text)
			od := oracleDoc{id: d.ID, source: path, line: d.Line, offset: d.Offset, text: string(d.Text), start: tt.Start, end: tt.End}
			for i := 0; i < tt.Len(); i++ {
				tok := string(tt.Norm(i))
				od.toks = append(od.toks, tok)
				o.first[tok] = append(o.first[tok], [2]int{len(o.docs), i})
			}
			o.docs = append(o.docs, od)
		}
		r.Close()
	}
	return o
}

func tokens(t testing.TB, s string) []string {
	t.Helper()
	toks, err := query.Tokenize("unicode-v1", s)
	if err != nil {
		t.Fatal(err)
	}
	return toks
}

// occurrences counts the (possibly overlapping) occurrences of a phrase and
// the documents holding it, by scanning token sequences.
func (o *oracle) occurrences(t testing.TB, phrase string) (int, map[int]bool) {
	p := tokens(t, phrase)
	docs := map[int]bool{}
	n := 0
	for _, dp := range o.first[p[0]] {
		d := o.docs[dp[0]].toks
		if dp[1]+len(p) <= len(d) && slices.Equal(d[dp[1]:dp[1]+len(p)], p) {
			n++
			docs[dp[0]] = true
		}
	}
	return n, docs
}

// cnf returns the documents satisfying a query in infini-gram's syntax, in
// (id, source, offset) order.
func (o *oracle) cnf(t testing.TB, q string) []int {
	var sat map[int]bool
	for _, clause := range strings.Split(q, " AND ") {
		union := map[int]bool{}
		for _, p := range strings.Split(clause, " OR ") {
			_, docs := o.occurrences(t, p)
			for d := range docs {
				union[d] = true
			}
		}
		if sat == nil {
			sat = union
			continue
		}
		for d := range sat {
			if !union[d] {
				delete(sat, d)
			}
		}
	}
	var out []int
	for d := range sat {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := o.docs[out[i]], o.docs[out[j]]
		if a.id != b.id {
			return a.id < b.id
		}
		if a.source != b.source {
			return a.source < b.source
		}
		return a.offset < b.offset
	})
	return out
}

// phrase cuts tokens [i, j) of document d out of its text.
func (o *oracle) phrase(d, i, j int) string {
	od := o.docs[d]
	return od.text[od.start[i]:od.end[j-1]]
}

// repeated returns a phrase of n tokens held by at least k documents (the
// demo sample plants benchmark items in several documents), cut from the
// first document holding one.
func (o *oracle) repeated(t testing.TB, n, k int) string {
	t.Helper()
	type seen struct{ last, docs, d, i int }
	grams := map[string]*seen{}
	var best *seen
	for d, od := range o.docs {
		for i := 0; i+n <= len(od.toks); i++ {
			key := strings.Join(od.toks[i:i+n], "\x00")
			g := grams[key]
			if g == nil {
				g = &seen{last: -1, d: d, i: i}
				grams[key] = g
			}
			if g.last != d {
				g.last = d
				g.docs++
			}
			if g.docs >= k && (best == nil || g.d < best.d || g.d == best.d && g.i < best.i) {
				best = g
			}
		}
	}
	if best == nil {
		t.Fatalf("no phrase of %d tokens is in %d documents of the sample", n, k)
	}
	return o.phrase(best.d, best.i, best.i+n)
}

// long returns documents with at least n tokens, in corpus order.
func (o *oracle) long(n int) []int {
	var out []int
	for d := range o.docs {
		if len(o.docs[d].toks) >= n {
			out = append(out, d)
		}
	}
	return out
}
