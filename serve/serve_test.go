package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/query/item"
)

// TestEndpointsMatchLibrary asks every /v1 endpoint on the demo index and
// compares the answers with the library on the same index and, for counts,
// with the oracle.
func TestEndpointsMatchLibrary(t *testing.T) {
	s, hs := newTestServer(t, Config{Check: query.Options{NearDup: true}}, "demo")
	_, corpus := indexes(t)
	o := loadOracle(t, corpus)
	ch := s.byName["demo"].ch
	long := o.long(60)
	phrases := []string{o.repeated(t, 10, 2), o.phrase(long[0], 5, 17), o.phrase(long[len(long)-1], 30, 45),
		"no such sequence of words occurs anywhere in this little corpus", "too short"}

	t.Run("count", func(t *testing.T) {
		r := post(t, hs.URL+"/v1/count", map[string]any{"index": "demo", "phrases": phrases})
		wantOK(t, r)
		var got struct {
			Index   string
			Results []json.RawMessage
		}
		r.json(t, &got)
		if got.Index != "demo" || len(got.Results) != len(phrases) {
			t.Fatalf("index %q, %d results for %d phrases", got.Index, len(got.Results), len(phrases))
		}
		for i, p := range phrases {
			want, err := ch.Phrase(p, 0, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			sameJSON(t, "count "+p, got.Results[i], want)
			if occ, docs := o.occurrences(t, p); want.Exact && (int64(occ) != want.Occurrences || len(docs) != want.Docs) {
				t.Errorf("%q: library says %d occurrences in %d docs, the scan %d in %d", p, want.Occurrences, want.Docs, occ, len(docs))
			}
		}
		if !strings.Contains(string(got.Results[4]), `"exact":false`) {
			t.Errorf("a 2-token phrase is not reported as not exact: %s", got.Results[4])
		}
		// "phrase" is the one-phrase form; the index may be left out when
		// only one is served.
		r = post(t, hs.URL+"/v1/count", map[string]any{"phrase": phrases[1]})
		wantOK(t, r)
		r.json(t, &got)
		want, _ := ch.Phrase(phrases[1], 0, 0, 0)
		if len(got.Results) != 1 || want.Occurrences == 0 {
			t.Fatalf("one phrase: %s", r.body)
		}
		sameJSON(t, "count one", got.Results[0], want)
	})

	t.Run("find", func(t *testing.T) {
		for _, c := range []struct{ off, lim, ctx int }{{0, 10, 100}, {1, 1, 5}, {0, 3, 0}} {
			r := post(t, hs.URL+"/v1/find", map[string]any{"index": "demo", "phrase": phrases[0], "offset": c.off, "limit": c.lim, "context": c.ctx})
			wantOK(t, r)
			var got struct {
				Index         string
				Offset, Limit int
				Result        json.RawMessage
			}
			r.json(t, &got)
			want, err := ch.Phrase(phrases[0], c.off, c.lim, c.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got.Index != "demo" || got.Offset != c.off || got.Limit != c.lim || len(want.Hits) == 0 {
				t.Errorf("find %+v: %s", c, r.body)
			}
			sameJSON(t, fmt.Sprintf("find %+v", c), got.Result, want)
		}
	})

	// An output made of two corpus passages joined by words of its own.
	output := "Model says: " + o.phrase(long[1], 3, 30) + " and then, unrelated, " + o.phrase(long[2], 10, 40) + " The end."

	t.Run("trace", func(t *testing.T) {
		r := post(t, hs.URL+"/v1/trace", map[string]any{"index": "demo", "id": "out-1", "text": output, "top_docs": 2, "context": 30})
		wantOK(t, r)
		var got struct {
			Index  string
			Result json.RawMessage
		}
		r.json(t, &got)
		want, err := ch.Trace("out-1", output, query.TraceOptions{MinSpan: 8, TopDocs: 2, Context: 30})
		if err != nil {
			t.Fatal(err)
		}
		if got.Index != "demo" || len(want.Spans) < 2 {
			t.Fatalf("trace found %d spans: %s", len(want.Spans), r.body)
		}
		sameJSON(t, "trace", got.Result, want)
	})

	t.Run("check", func(t *testing.T) {
		items := []item.Item{{ID: "x", Index: 0, Text: output}, {ID: "item/1", Index: 1, Text: "Nothing in this sentence was copied from the corpus, I promise you that much."}}
		r := post(t, hs.URL+"/v1/check", map[string]any{"index": "demo", "items": []map[string]string{{"id": "x", "text": items[0].Text}, {"text": items[1].Text}}})
		wantOK(t, r)
		var got struct {
			Index   string
			Results json.RawMessage
		}
		r.json(t, &got)
		want, err := ch.Check(context.Background(), items)
		if err != nil {
			t.Fatal(err)
		}
		if !want[0].Contaminated || want[1].Contaminated {
			t.Fatalf("library verdicts %v %v: the test inputs are not what they should be", want[0].Contaminated, want[1].Contaminated)
		}
		sameJSON(t, "check batch", got.Results, want)
		// One item: "text" and "id".
		r = post(t, hs.URL+"/v1/check", map[string]any{"text": output, "id": "x"})
		wantOK(t, r)
		r.json(t, &got)
		sameJSON(t, "check one", got.Results, want[:1])
	})

	t.Run("indexes and healthz", func(t *testing.T) {
		r := do(t, http.MethodGet, hs.URL+"/v1/indexes", "")
		wantOK(t, r)
		var got struct{ Indexes []indexInfo }
		r.json(t, &got)
		ix := s.byName["demo"].ix
		if len(got.Indexes) != 1 || got.Indexes[0].Name != "demo" || got.Indexes[0].Counts != ix.Manifest.Counts ||
			got.Indexes[0].Shards != 2 || got.Indexes[0].Params != ix.Manifest.Params || got.Indexes[0].DiskBytes <= 0 {
			t.Errorf("indexes: %s", r.body)
		}
		if int(got.Indexes[0].Counts.Docs) != len(o.docs) {
			t.Errorf("%d docs listed, the corpus has %d", got.Indexes[0].Counts.Docs, len(o.docs))
		}
		r = do(t, http.MethodGet, hs.URL+"/healthz", "")
		wantOK(t, r)
		if !strings.Contains(string(r.body), `"status":"ok"`) {
			t.Errorf("healthz: %s", r.body)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		r := do(t, http.MethodGet, hs.URL+"/metrics", "")
		if r.code != http.StatusOK {
			t.Fatalf("metrics: %d", r.code)
		}
		ix := s.byName["demo"].ix
		for series, want := range map[string]float64{
			`contam_http_requests_total{code="200",endpoint="count"}`:     2,
			`contam_http_requests_total{code="200",endpoint="find"}`:      3,
			`contam_http_requests_total{code="200",endpoint="trace"}`:     1,
			`contam_http_requests_total{code="200",endpoint="check"}`:     2,
			`contam_http_requests_total{code="200",endpoint="indexes"}`:   1,
			`contam_http_request_duration_seconds_count{endpoint="find"}`: 3,
			`contam_http_requests_in_flight`:                              1, // this request
			`contam_heavy_requests_running`:                               0,
			`contam_index_docs{index="demo"}`:                             float64(ix.Manifest.Counts.Docs),
			`contam_index_tokens{index="demo"}`:                           float64(ix.Manifest.Counts.Tokens),
			`contam_index_shards{index="demo"}`:                           2,
			`contam_index_text_bytes{index="demo"}`:                       float64(ix.Manifest.Counts.TextBytes),
			`contam_index_disk_bytes{index="demo"}`:                       float64(s.byName["demo"].diskBytes),
		} {
			if got, ok := metric(r.body, series); !ok || got != want {
				t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
			}
		}
		if v, ok := metric(r.body, "go_goroutines"); !ok || v <= 0 {
			t.Error("no Go runtime metrics")
		}
		if s.byName["demo"].diskBytes <= ix.Manifest.Counts.TextBytes/4 {
			t.Errorf("disk size %d is implausible", s.byName["demo"].diskBytes)
		}
	})
}

// metric returns the value of a series in a Prometheus text exposition.
func metric(body []byte, series string) (float64, bool) {
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			return f, err == nil
		}
	}
	return 0, false
}

// TestErrors sends requests that must be refused, each with its status and
// a JSON error saying why.
func TestErrors(t *testing.T) {
	cfg := Config{Limits: Limits{MaxBodyBytes: 4096, MaxQueryBytes: 300, MaxQueryTokens: 20, MaxBatch: 3}}
	_, hs := newTestServer(t, cfg, "a", "b")
	u := hs.URL
	long := strings.Repeat("word ", 30) // 150 bytes, 30 tokens
	for _, c := range []struct {
		name, method, path, body string
		code                     int
		msg                      []string
	}{
		{"malformed JSON", "POST", "/v1/count", `{"index": "a", "phrase": `, 400, []string{"malformed JSON"}},
		{"not an object", "POST", "/v1/count", `["a"]`, 400, []string{"malformed JSON"}},
		{"two values", "POST", "/v1/count", `{"index":"a","phrase":"x y z"} {}`, 400, []string{"more than one value"}},
		{"empty body", "POST", "/v1/find", ``, 400, []string{"empty request body"}},
		{"unknown field", "POST", "/v1/trace", `{"index":"a","text":"x","top_dogs":3}`, 400, []string{`unknown field "top_dogs"`}},
		{"wrong type", "POST", "/v1/find", `{"index":"a","phrase":7}`, 400, []string{"phrase"}},
		{"oversized body", "POST", "/v1/count", `{"index":"a","phrase":"` + strings.Repeat("x", 5000) + `"}`, 413, []string{"4096 bytes", "--max-body"}},
		{"query too long", "POST", "/v1/count", `{"index":"a","phrase":"` + strings.Repeat("y", 301) + `"}`, 400, []string{"301 bytes", "--max-query-bytes"}},
		{"too many tokens", "POST", "/v1/trace", `{"index":"a","text":"` + long + `"}`, 400, []string{"30 tokens", "--max-query-tokens"}},
		{"batch too large", "POST", "/v1/count", `{"index":"a","phrases":["a","b","c","d"]}`, 400, []string{"--max-batch"}},
		{"phrase and phrases", "POST", "/v1/count", `{"index":"a","phrase":"a","phrases":["b"]}`, 400, []string{"exactly one"}},
		{"empty phrase", "POST", "/v1/find", `{"index":"a","phrase":""}`, 400, []string{"empty"}},
		{"negative offset", "POST", "/v1/find", `{"index":"a","phrase":"a b c d e f g h","offset":-1}`, 400, []string{"offset"}},
		{"zero limit", "POST", "/v1/find", `{"index":"a","phrase":"a b c d e f g h","limit":0}`, 400, []string{"limit"}},
		{"min_span below n", "POST", "/v1/trace", `{"index":"a","text":"a b c","min_span":3}`, 400, []string{"min_span 3", "n-gram length 8"}},
		{"no items", "POST", "/v1/check", `{"index":"a","items":[]}`, 400, []string{"--max-batch"}},
		{"unknown index", "POST", "/v1/count", `{"index":"zz","phrase":"a"}`, 404, []string{`"zz"`, "a, b"}},
		{"index left out with two", "POST", "/v1/find", `{"phrase":"a"}`, 400, []string{"name the index", "a, b"}},
		{"unknown index, infini-gram", "POST", "/", `{"corpus":"zz","query_type":"count","query":"a"}`, 404, []string{`"zz"`}},
		{"wrong method", "GET", "/v1/count", ``, 405, []string{"use POST"}},
		{"wrong method on GET endpoint", "POST", "/v1/indexes", `{}`, 405, []string{"use GET"}},
		{"wrong method, infini-gram", "GET", "/", ``, 405, []string{"use POST"}},
		{"unknown path", "POST", "/v2/count", `{}`, 404, []string{"/v2/count"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, c.method, u+c.path, c.body)
			wantError(t, r, c.code, c.msg...)
			if c.code == 405 && r.hdr.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}
}

// TestResultCaps: limits on result size clamp rather than refuse, and say
// so.
func TestResultCaps(t *testing.T) {
	s, hs := newTestServer(t, Config{Limits: Limits{MaxResults: 2, MaxContext: 5}}, "demo")
	_, corpus := indexes(t)
	o := loadOracle(t, corpus)
	ch := s.byName["demo"].ch
	p := o.repeated(t, 9, 3)
	r := post(t, hs.URL+"/v1/find", map[string]any{"phrase": p, "limit": 50, "context": 1000})
	wantOK(t, r)
	var got struct {
		Limit       int
		LimitCapped bool `json:"limit_capped"`
		Result      json.RawMessage
	}
	r.json(t, &got)
	want, err := ch.Phrase(p, 0, 2, 5)
	if err != nil {
		t.Fatal(err)
	}
	if got.Limit != 2 || !got.LimitCapped || len(want.Hits) != 2 || want.Docs < 3 {
		t.Errorf("find capped to limit %d (capped %v), want 2: %s", got.Limit, got.LimitCapped, r.body)
	}
	sameJSON(t, "capped find", got.Result, want)
	for _, h := range want.Hits {
		if utf8.RuneCountInString(h.Match.Before) > 5 || utf8.RuneCountInString(h.Match.After) > 5 {
			t.Errorf("context not capped: %q %q", h.Match.Before, h.Match.After)
		}
	}

	r = post(t, hs.URL+"/v1/trace", map[string]any{"text": "Intro words here. " + p + " and more words after it.", "top_docs": 50, "context": 1000})
	wantOK(t, r)
	var tr traceResponse
	r.json(t, &tr)
	if len(tr.Result.Spans) == 0 || tr.Result.Spans[0].Docs < 3 || len(tr.Result.Spans[0].TopDocs) != 2 {
		t.Errorf("trace top_docs not capped to 2: %s", r.body)
	}

	r = post(t, hs.URL+"/", map[string]any{"query_type": "search_docs", "query": p, "maxnum": 50})
	wantOK(t, r)
	var sd igSearchResponse
	r.json(t, &sd)
	if len(sd.Documents) != 2 || len(sd.Idxs) != 2 {
		t.Errorf("search_docs maxnum not capped to 2: %d documents", len(sd.Documents))
	}
}

// blocker holds requests in flight: each call of wait (the server's hook)
// reports on entered and returns once release is closed.
type blocker struct {
	entered chan string
	release chan struct{}
}

func newBlocker() *blocker {
	return &blocker{entered: make(chan string, 16), release: make(chan struct{})}
}

func (b *blocker) wait(ep string) {
	b.entered <- ep
	<-b.release
}

// TestTimeout: a request that outlives --timeout gets 504, and Close waits
// for its work to finish.
func TestTimeout(t *testing.T) {
	s, hs := newTestServer(t, Config{Limits: Limits{Timeout: 50 * time.Millisecond}}, "a")
	b := newBlocker()
	s.hook = b.wait
	r := post(t, hs.URL+"/v1/trace", map[string]any{"text": "a b c d e f g h i j"})
	wantError(t, r, http.StatusGatewayTimeout, "50ms", "--timeout")
	if ep := <-b.entered; ep != "trace" {
		t.Errorf("hook saw %q", ep)
	}
	// The work still holds its heavy slot until it returns.
	if len(s.heavy) != 1 {
		t.Errorf("%d heavy slots taken after the timeout, want 1 (the work is still running)", len(s.heavy))
	}
	close(b.release)
	s.work.Wait()
	if len(s.heavy) != 0 {
		t.Errorf("%d heavy slots taken once the work ended", len(s.heavy))
	}
	if v, _ := metric(do(t, http.MethodGet, hs.URL+"/metrics", "").body, `contam_http_requests_total{code="504",endpoint="trace"}`); v != 1 {
		t.Error("the 504 is not in the metrics")
	}
}

// TestHeavyLimit: with every heavy slot taken, heavy requests get 429 with
// Retry-After at once; light ones are still answered.
func TestHeavyLimit(t *testing.T) {
	s, hs := newTestServer(t, Config{Limits: Limits{MaxHeavy: 1}}, "a")
	b := newBlocker()
	s.hook = func(ep string) {
		if ep == "trace" {
			b.wait(ep)
		}
	}
	_, corpus := indexes(t)
	o := loadOracle(t, corpus[:1])
	p := o.phrase(o.long(20)[0], 0, 12)
	first := postAsync(hs.URL+"/v1/trace", map[string]any{"text": p})
	<-b.entered
	for _, c := range []struct {
		path string
		body any
	}{
		{"/v1/find", map[string]any{"phrase": p}},
		{"/v1/check", map[string]any{"text": p}},
		{"/v1/trace", map[string]any{"text": p}},
		{"/", map[string]any{"query_type": "search_docs", "query": p}},
		{"/", map[string]any{"query_type": "count", "query": p + " AND " + p}},
	} {
		r := post(t, hs.URL+c.path, c.body)
		wantError(t, r, http.StatusTooManyRequests, "--max-heavy")
		if r.hdr.Get("Retry-After") != "1" {
			t.Errorf("%s: Retry-After %q", c.path, r.hdr.Get("Retry-After"))
		}
	}
	// Light requests do not need a slot.
	wantOK(t, post(t, hs.URL+"/v1/count", map[string]any{"phrase": p}))
	wantOK(t, post(t, hs.URL+"/", map[string]any{"query_type": "count", "query": p}))
	close(b.release)
	wantOK(t, <-first)
	m := do(t, http.MethodGet, hs.URL+"/metrics", "").body
	for series, want := range map[string]float64{
		`contam_http_rejected_total{endpoint="find"}`:             1,
		`contam_http_rejected_total{endpoint="infini-gram"}`:      2,
		`contam_http_requests_total{code="429",endpoint="check"}`: 1,
		`contam_http_requests_total{code="200",endpoint="trace"}`: 1,
	} {
		if got, _ := metric(m, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	// The slot is free again.
	wantOK(t, post(t, hs.URL+"/v1/find", map[string]any{"phrase": p}))
}

// TestGracefulShutdown: once the context of Run ends, the server stops
// accepting connections but the request in flight is answered in full.
func TestGracefulShutdown(t *testing.T) {
	dir, corpus := indexes(t)
	s, err := Open([]IndexSpec{{"a", filepath.Join(dir, "a")}}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	b := newBlocker()
	s.hook = b.wait
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	runErr := make(chan error, 1)
	go func() {
		runErr <- Run(ctx, s, "127.0.0.1:0", 10*time.Second, func(a net.Addr) { addrc <- a.String() })
	}()
	addr := <-addrc
	o := loadOracle(t, corpus[:1])
	p := o.phrase(o.long(20)[0], 0, 15)
	inflight := postAsync("http://"+addr+"/v1/check", map[string]any{"text": p})
	<-b.entered
	cancel()
	// Wait until the listener is closed: Shutdown has begun.
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections 10s after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-runErr:
		t.Fatalf("Run returned (%v) while a request was in flight", err)
	default:
	}
	close(b.release)
	r := <-inflight
	wantOK(t, r)
	var got checkResponse
	r.json(t, &got)
	if len(got.Results) != 1 || !got.Results[0].Contaminated {
		t.Errorf("in-flight check answered %s", r.body)
	}
	if err := <-runErr; err != nil {
		t.Errorf("Run: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
}

// TestSeveralIndexes serves two indexes over different files: each answer
// names its index and counts only that index's documents.
func TestSeveralIndexes(t *testing.T) {
	s, hs := newTestServer(t, Config{}, "a", "b")
	_, corpus := indexes(t)
	oa, ob := loadOracle(t, corpus[:1]), loadOracle(t, corpus[1:2])
	pa := oa.phrase(oa.long(30)[0], 2, 14)
	pb := ob.phrase(ob.long(30)[0], 2, 14)
	for _, name := range []string{"a", "b"} {
		o := map[string]*oracle{"a": oa, "b": ob}[name]
		r := post(t, hs.URL+"/v1/count", map[string]any{"index": name, "phrases": []string{pa, pb}})
		wantOK(t, r)
		var got countResponse
		r.json(t, &got)
		if got.Index != name || len(got.Results) != 2 {
			t.Fatalf("count on %s: %s", name, r.body)
		}
		for i, p := range []string{pa, pb} {
			occ, _ := o.occurrences(t, p)
			if got.Results[i].Occurrences != int64(occ) {
				t.Errorf("index %s, %q: %d occurrences, the scan of its file finds %d", name, p, got.Results[i].Occurrences, occ)
			}
		}
		for _, body := range []map[string]any{{"corpus": name}, {"index": name}} {
			body["query_type"], body["query"] = "count", pa
			r = post(t, hs.URL+"/", body)
			wantOK(t, r)
			var ig igCountResponse
			r.json(t, &ig)
			occ, _ := o.occurrences(t, pa)
			if ig.Index != name || ig.Count != int64(occ) {
				t.Errorf("infini-gram count on %s: %s, want count %d", name, r.body, occ)
			}
		}
		r = post(t, hs.URL+"/v1/trace", map[string]any{"index": name, "text": pa})
		wantOK(t, r)
		var tr struct {
			Index  string
			Result json.RawMessage
		}
		r.json(t, &tr)
		want, err := s.byName[name].ch.Trace("output", pa, query.TraceOptions{MinSpan: 8, TopDocs: query.DefaultTopDocs, Context: query.DefaultContext})
		if err != nil {
			t.Fatal(err)
		}
		if tr.Index != name || name == "a" && len(want.Spans) == 0 {
			t.Errorf("trace on %s: %s", name, r.body)
		}
		sameJSON(t, "trace on "+name, tr.Result, want)
	}
	r := do(t, http.MethodGet, hs.URL+"/v1/indexes", "")
	var got struct{ Indexes []indexInfo }
	r.json(t, &got)
	if len(got.Indexes) != 2 || got.Indexes[0].Name != "a" || got.Indexes[1].Name != "b" ||
		got.Indexes[0].Counts.Docs+got.Indexes[1].Counts.Docs != s.byName["a"].ix.Manifest.Counts.Docs+s.byName["b"].ix.Manifest.Counts.Docs ||
		int(got.Indexes[0].Counts.Docs) != len(oa.docs) || int(got.Indexes[1].Counts.Docs) != len(ob.docs) {
		t.Errorf("indexes: %s", r.body)
	}
	m := do(t, http.MethodGet, hs.URL+"/metrics", "").body
	for name, o := range map[string]*oracle{"a": oa, "b": ob} {
		if got, _ := metric(m, `contam_index_docs{index="`+name+`"}`); got != float64(len(o.docs)) {
			t.Errorf("contam_index_docs of %s = %v, want %d", name, got, len(o.docs))
		}
	}
}

func TestParseIndexSpec(t *testing.T) {
	for _, c := range []struct {
		in, name, dir string
		bad           bool
	}{
		{in: "idx/", name: "idx", dir: "idx/"},
		{in: "/data/indexes/web-2024", name: "web-2024", dir: "/data/indexes/web-2024"},
		{in: "web=/data/x", name: "web", dir: "/data/x"},
		{in: "a=b=c", name: "a", dir: "b=c"},
		{in: "/tmp/x=y", name: "x=y", bad: true}, // not a name=dir form, and "x=y" is no name
		{in: "", bad: true},
		{in: "/", bad: true},
	} {
		sp, err := ParseIndexSpec(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("%q: no error, got %+v", c.in, sp)
			}
			continue
		}
		if err != nil || sp.Name != c.name || sp.Dir != c.dir {
			t.Errorf("%q: %+v, %v; want %s=%s", c.in, sp, err, c.name, c.dir)
		}
	}
}

func TestOpenRefusesDuplicateNamesAndBadIndexes(t *testing.T) {
	dir, _ := indexes(t)
	if _, err := Open([]IndexSpec{{"x", filepath.Join(dir, "a")}, {"x", filepath.Join(dir, "b")}}, Config{}); err == nil || !strings.Contains(err.Error(), `two indexes named "x"`) {
		t.Errorf("duplicate names: %v", err)
	}
	if _, err := Open([]IndexSpec{{"x", filepath.Join(dir, "data")}}, Config{}); err == nil || !strings.Contains(err.Error(), index.ErrNotIndex.Error()) {
		t.Errorf("not an index: %v", err)
	}
}
