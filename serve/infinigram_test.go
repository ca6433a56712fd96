package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/shard"
)

// TestInfiniGramAPIDoc replays the requests of infini-gram's API
// documentation (docs/api_doc.md of github.com/liujch1998/infini-gram:
// "Example usage", then the examples of query types 1, count, and 6,
// search_docs) with phrases of the test corpus in place of theirs, and
// checks the shape of every answer against the documented output fields and
// its values against a scan of the corpus files.
func TestInfiniGramAPIDoc(t *testing.T) {
	s, hs := newTestServer(t, Config{}, "demo")
	_, corpus := indexes(t)
	o := loadOracle(t, corpus)
	first := o.docs[0] // the demo document extra-3 copies the start of
	A, B := plantS, plantT
	C, D := o.phrase(0, 0, 12), o.phrase(0, 100, 112)
	for _, p := range []string{C, D} {
		if strings.Contains(p, " AND ") || strings.Contains(p, " OR ") || len(tokens(t, p)) < 12 {
			t.Fatalf("unusable phrase %q cut from %s", p, first.id)
		}
	}
	// Their phrases → ours: "University of Washington", "natural language
	// processing" → A; "deep learning" → B; "artificial intelligence" → C;
	// "machine learning" → D.
	queries := []struct {
		doc, q string
	}{
		{"Example usage", A},
		{"count example 1 / search_docs example 1", A},
		{"count example 2 / search_docs example 2", A + " AND " + B},
		{"count example 3 / search_docs example 3", B + " OR " + C + " AND " + A + " OR " + D},
		{"a CNF of one clause", C + " OR " + D},
	}
	// Guard: each shape must have something to find, or the test proves little.
	if n := len(o.cnf(t, queries[3].q)); n < 3 {
		t.Fatalf("example 3 is satisfied by %d documents; the fixture should give at least 3", n)
	}

	for _, c := range queries {
		cnf := strings.Contains(c.q, " AND ") || strings.Contains(c.q, " OR ")
		var wantCount int64
		if cnf {
			wantCount = int64(len(o.cnf(t, c.q)))
		} else {
			occ, _ := o.occurrences(t, c.q)
			wantCount = int64(occ)
		}
		for _, key := range []string{"corpus", "index"} { // their older and newer request field
			r := post(t, hs.URL+"/", map[string]any{key: "demo", "query_type": "count", "query": c.q})
			wantOK(t, r)
			var got map[string]json.RawMessage
			r.json(t, &got)
			wantKeys(t, c.doc, got, "count", "approx", "latency", "tokens", "index")
			var ig igCountResponse
			r.json(t, &ig)
			if ig.Count != wantCount || ig.Approx || ig.Latency < 0 || ig.Index != "demo" {
				t.Errorf("%s, count %q: %s; the scan counts %d", c.doc, c.q, r.body, wantCount)
			}
			sameJSON(t, c.doc+": tokens", got["tokens"], wantTokens(t, c.q))
		}

		for _, maxnum := range []any{nil, 2, 10} {
			req := map[string]any{"corpus": "demo", "query_type": "search_docs", "query": c.q, "max_disp_len": 10000}
			if maxnum != nil {
				req["maxnum"] = maxnum
			}
			r := post(t, hs.URL+"/", req)
			wantOK(t, r)
			var got map[string]json.RawMessage
			r.json(t, &got)
			wantKeys(t, c.doc, got, "cnt", "approx", "idxs", "documents", "message", "latency", "tokens", "index")
			var sd igSearchResponse
			r.json(t, &sd)
			sameJSON(t, c.doc+": tokens", got["tokens"], wantTokens(t, c.q))
			var docs []int // what the scan says search_docs should list, in order
			if cnf {
				docs = o.cnf(t, c.q)
			} else {
				_, set := o.occurrences(t, c.q)
				docs = o.cnf(t, c.q) // one clause of one phrase: the same documents
				if len(docs) != len(set) {
					t.Fatal("the oracle disagrees with itself")
				}
			}
			k := 1
			if maxnum != nil {
				k = maxnum.(int)
			}
			k = min(k, len(docs))
			if sd.Cnt != wantCount || sd.Approx || sd.Index != "demo" || len(sd.Documents) != k || !slices.Equal(sd.Idxs, seq(k)) ||
				!strings.HasPrefix(sd.Message, fmt.Sprintf("%d ", wantCount)) {
				t.Fatalf("%s, search_docs %q maxnum %v: cnt %d, %d documents, idxs %v, message %q; want cnt %d, %d documents",
					c.doc, c.q, maxnum, sd.Cnt, len(sd.Documents), sd.Idxs, sd.Message, wantCount, k)
			}
			var raw struct{ Documents []map[string]json.RawMessage }
			r.json(t, &raw)
			for i, d := range sd.Documents {
				wantKeys(t, c.doc+" document", raw.Documents[i], "doc_ix", "doc_len", "disp_len", "metadata", "spans")
				checkDocument(t, s, o, docs[i], d, c.q)
			}
		}
	}

	// The empty query counts every token of the corpus ("If the query is an
	// empty string, the total number of tokens in the corpus will be
	// returned").
	r := post(t, hs.URL+"/", map[string]any{"corpus": "demo", "query_type": "count", "query": ""})
	wantOK(t, r)
	var ig igCountResponse
	r.json(t, &ig)
	total := 0
	for _, d := range o.docs {
		total += len(d.toks)
	}
	if ig.Count != int64(total) || ig.Count != s.byName["demo"].ix.Manifest.Counts.Tokens {
		t.Errorf("empty count: %d, the corpus has %d tokens", ig.Count, total)
	}

	// A window: max_disp_len tokens around the first match.
	r = post(t, hs.URL+"/", map[string]any{"corpus": "demo", "query_type": "search_docs", "query": D, "max_disp_len": 20})
	wantOK(t, r)
	var sd igSearchResponse
	r.json(t, &sd)
	if len(sd.Documents) != 1 || sd.Documents[0].DispLen != 20 || sd.Documents[0].DocLen != len(first.toks) {
		t.Fatalf("window: %s", r.body)
	}
	shown := joinSpans(sd.Documents[0].Spans)
	// The match starts a quarter of the way in: tokens 5 to 17 of 20.
	if st := tokens(t, shown); !strings.Contains(first.text, shown) || len(st) != 20 || !slices.Equal(st[5:17], tokens(t, D)) {
		t.Errorf("window of 20 tokens around %q: %q", D, shown)
	}

	// What the documentation describes but contam cannot answer, and bad
	// input: each an {"error": ...}.
	for _, c := range []struct {
		body map[string]any
		msg  string
	}{
		{map[string]any{"corpus": "demo", "query_type": "count", "query_ids": []int{5613, 4086, 9068}}, "query_ids is not supported"},
		{map[string]any{"corpus": "demo", "query_type": "search_docs", "query_ids": [][][]int{{{5613, 4086, 9068}}, {{6483, 6509}}}, "maxnum": 1}, "query_ids is not supported"},
		{map[string]any{"corpus": "demo", "query_type": "count", "query": A, "query_ids": []int{1}}, "exactly one of query and query_ids"},
		{map[string]any{"corpus": "demo", "query_type": "count"}, "exactly one of query and query_ids"},
		{map[string]any{"corpus": "demo", "query_type": "prob", "query": A}, `"prob" is not supported`},
		{map[string]any{"corpus": "demo", "query_type": "ntd", "query": A}, `"ntd" is not supported`},
		{map[string]any{"corpus": "demo", "query_type": "infgram_prob", "query": A}, `"infgram_prob" is not supported`},
		{map[string]any{"corpus": "demo", "query_type": "infgram_ntd", "query": A}, `"infgram_ntd" is not supported`},
		{map[string]any{"corpus": "demo", "query": A}, "missing query_type"},
		{map[string]any{"corpus": "demo", "index": "other", "query_type": "count", "query": A}, "disagree"},
		{map[string]any{"corpus": "demo", "query_type": "search_docs", "query": A, "maxnum": 0}, "maxnum must be at least 1"},
		{map[string]any{"corpus": "demo", "query_type": "search_docs", "query": A, "max_disp_len": 0}, "max_disp_len must be at least 1"},
		{map[string]any{"corpus": "demo", "query_type": "search_docs", "query": ""}, "non-empty query"},
		{map[string]any{"corpus": "demo", "query_type": "count", "query": "natural language processing"}, "cannot be counted exactly"},
		{map[string]any{"corpus": "demo", "query_type": "count", "query": A + " AND natural language processing"}, "cannot be counted exactly"},
		{map[string]any{"corpus": "demo", "query_type": "count", "query": A + " AND  AND " + B}, "empty phrase"},
		{map[string]any{"corpus": "demo", "query_type": "count", "query": strings.Repeat(A+" AND ", 4) + A}, "5 clauses"},
		{map[string]any{"corpus": "demo", "query_type": "count", "query": strings.Repeat(A+" OR ", 4) + A}, "5 phrases"},
		{map[string]any{"corpus": "demo", "query_type": "count", "query": A, "max_support": 10}, `unknown field "max_support"`},
	} {
		wantError(t, post(t, hs.URL+"/", c.body), http.StatusBadRequest, c.msg)
	}
	// Their optional CNF parameters are accepted (and have nothing to change).
	r = post(t, hs.URL+"/", map[string]any{"corpus": "demo", "query_type": "count", "query": queries[2].q, "max_clause_freq": 50000, "max_diff_tokens": 100})
	wantOK(t, r)
	r.json(t, &ig)
	if ig.Count != int64(len(o.cnf(t, queries[2].q))) {
		t.Errorf("with max_clause_freq and max_diff_tokens: %s", r.body)
	}
}

// checkDocument checks a search_docs document against oracle document od,
// shown whole (max_disp_len above its length).
func checkDocument(t *testing.T, s *Server, o *oracle, od int, d igDocument, q string) {
	t.Helper()
	want := o.docs[od]
	if d.Metadata.ID != want.id || d.Metadata.Source != want.source || d.Metadata.Offset != want.offset || d.Metadata.Line != want.line {
		t.Fatalf("document %+v, want %s (%s:%d)", d.Metadata, want.id, want.source, want.line)
	}
	if d.DocLen != len(want.toks) || d.DispLen != d.DocLen || joinSpans(d.Spans) != want.text {
		t.Errorf("%s: doc_len %d, disp_len %d, want %d; spans make the whole text: %v", want.id, d.DocLen, d.DispLen, len(want.toks), joinSpans(d.Spans) == want.text)
	}
	// doc_ix is the document's position in the index.
	x := s.byName["demo"]
	si := len(x.base) - 1
	for x.base[si] > d.DocIx {
		si--
	}
	sd, err := x.ix.Shards[si].Doc(uint32(d.DocIx - x.base[si]))
	if err != nil || sd.ID != want.id {
		t.Errorf("doc_ix %d holds %v (%v), want %s", d.DocIx, sd, err, want.id)
	}
	// Labelled spans are occurrences of their clause's phrases, and every
	// clause is found (the document satisfies the query).
	clauses := strings.Split(q, " AND ")
	found := map[int]int{}
	for _, sp := range d.Spans {
		if sp.Label < 0 {
			continue
		}
		if sp.Label >= len(clauses) {
			t.Fatalf("%s: label %d of %d clauses", want.id, sp.Label, len(clauses))
		}
		ok := false
		for _, p := range strings.Split(clauses[sp.Label], " OR ") {
			pt := tokens(t, p)
			// Adjacent occurrences of one clause merge into one span.
			st := tokens(t, sp.Text)
			ok = ok || len(st)%len(pt) == 0 && slices.Equal(st[:len(pt)], pt)
		}
		if !ok {
			t.Errorf("%s: span %q labelled %d is no phrase of clause %q", want.id, sp.Text, sp.Label, clauses[sp.Label])
		}
		found[sp.Label]++
	}
	if len(found) != len(clauses) {
		t.Errorf("%s: clauses %v marked, want all %d", want.id, slices.Sorted(maps.Keys(found)), len(clauses))
	}
	if len(clauses) == 1 && !strings.Contains(q, " OR ") {
		// A simple query: every occurrence in the document is marked.
		occ := 0
		pt := tokens(t, q)
		for i := 0; i+len(pt) <= len(want.toks); i++ {
			if slices.Equal(want.toks[i:i+len(pt)], pt) {
				occ++
			}
		}
		if found[0] != occ {
			t.Errorf("%s: %d spans marked, the document holds %d occurrences", want.id, found[0], occ)
		}
	}
}

// wantTokens is the documented "tokens" field: the query's tokens, or for a
// CNF a list of clauses, each a list of phrases, each a list of tokens.
func wantTokens(t *testing.T, q string) any {
	if !strings.Contains(q, " AND ") && !strings.Contains(q, " OR ") {
		return tokens(t, q)
	}
	var out [][][]string
	for _, c := range strings.Split(q, " AND ") {
		var ps [][]string
		for _, p := range strings.Split(c, " OR ") {
			ps = append(ps, tokens(t, p))
		}
		out = append(out, ps)
	}
	return out
}

func wantKeys(t *testing.T, what string, got map[string]json.RawMessage, keys ...string) {
	t.Helper()
	have := slices.Sorted(maps.Keys(got))
	slices.Sort(keys)
	if !slices.Equal(have, keys) {
		t.Errorf("%s: answer has fields %v, want %v", what, have, keys)
	}
}

func joinSpans(sp []igSpan) string {
	var b strings.Builder
	for _, s := range sp {
		b.WriteString(s.Text)
	}
	return b.String()
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// TestSearchDocsSkipsRemoved: with every other document removed (contam
// remove), search_docs still finds and shows each live document, and the
// removed ones are in no answer.
func TestSearchDocsSkipsRemoved(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	var removed []string
	for i := range 40 {
		id := fmt.Sprintf("r-%02d", i)
		line, _ := json.Marshal(map[string]string{"id": id, "text": fmt.Sprintf("Entry number %d. %s. Words of entry %d follow.", i, plantS, i)})
		b.Write(line)
		b.WriteByte('\n')
		if i%2 == 0 {
			removed = append(removed, id)
		}
	}
	corpus := filepath.Join(dir, "r.jsonl")
	if err := os.WriteFile(corpus, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ixDir := filepath.Join(dir, "r")
	if _, err := shard.Build(context.Background(), ixDir, []string{corpus}, shard.Options{Source: srcOpt}); err != nil {
		t.Fatal(err)
	}
	if _, err := index.Remove(ixDir, removed, index.RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	s, err := Open([]IndexSpec{{"r", ixDir}}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hs := httptest.NewServer(s)
	defer hs.Close()
	for _, q := range []string{plantS, plantS + " AND " + plantS} {
		r := post(t, hs.URL+"/", map[string]any{"query_type": "search_docs", "query": q, "maxnum": 10})
		wantOK(t, r)
		var sd igSearchResponse
		r.json(t, &sd)
		if sd.Cnt != 20 || len(sd.Documents) != 10 {
			t.Fatalf("%q: cnt %d, %d documents; want 20 and 10: %s", q, sd.Cnt, len(sd.Documents), r.body)
		}
		for i, d := range sd.Documents {
			n := 2*i + 1 // r-01, r-03, …
			if want := fmt.Sprintf("r-%02d", n); d.Metadata.ID != want || d.DocIx != int64(n) {
				t.Errorf("%q: document %d is %s (doc_ix %d), want %s (doc_ix %d)", q, i, d.Metadata.ID, d.DocIx, want, n)
			}
			if !strings.Contains(joinSpans(d.Spans), fmt.Sprintf("Entry number %d.", n)) {
				t.Errorf("%q: document %s shows %q", q, d.Metadata.ID, joinSpans(d.Spans))
			}
		}
	}
}
