package impact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func analyze(t *testing.T, vs []Verdict, ss []Score, opt Options) *Result {
	t.Helper()
	r, err := Analyze(vs, ss, opt)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func text(t *testing.T, r *Result) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func jsonOf(t *testing.T, r *Result) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// dirtyRightCleanWrong: 4 dirty items all correct, 6 clean all wrong.
func dirtyRightCleanWrong() ([]Verdict, []Score) {
	var vs []Verdict
	var ss []Score
	for i := range 10 {
		id := fmt.Sprintf("q%d", i)
		dirty := i < 4
		vs = append(vs, Verdict{ID: id, Dirty: dirty})
		x := 0.0
		if dirty {
			x = 1
		}
		ss = append(ss, Score{ID: id, Value: x})
	}
	return vs, ss
}

func TestKnownAnswers(t *testing.T) {
	vs, ss := dirtyRightCleanWrong()
	r := analyze(t, vs, ss, Options{Seed: 1})
	if r.Matched != 10 || r.All.N != 10 || r.Clean.N != 6 || r.Dirty.N != 4 || r.TooShort != 0 {
		t.Fatalf("counts: %+v", r)
	}
	if *r.All.Mean != 0.4 || *r.Clean.Mean != 0 || *r.Dirty.Mean != 1 {
		t.Errorf("means %v %v %v", *r.All.Mean, *r.Clean.Mean, *r.Dirty.Mean)
	}
	// Constant groups have degenerate intervals.
	if *r.Clean.CI != (Interval{0, 0}) || *r.Dirty.CI != (Interval{1, 1}) {
		t.Errorf("clean CI %+v, dirty CI %+v", *r.Clean.CI, *r.Dirty.CI)
	}
	// all: a mean of 10 Bernoulli(0.4) draws; its interval is about
	// 0.4 ± 1.96·sqrt(0.24/10) = [0.1, 0.7].
	if ci := *r.All.CI; !near(ci.Lo, 0.1, 0.05) || !near(ci.Hi, 0.7, 0.05) {
		t.Errorf("all CI %+v", ci)
	}
	// clean − all = 0 − 0.4; every resample gives −(mean of the resample).
	if r.Diff == nil || r.Diff.Value != -0.4 || !r.Diff.Significant || r.Diff.CI.Hi >= 0 {
		t.Errorf("diff %+v", r.Diff)
	}
	if !near(r.Diff.CI.Lo, -0.7, 0.05) || !near(r.Diff.CI.Hi, -0.1, 0.05) {
		t.Errorf("diff CI %+v", *r.Diff.CI)
	}
	if r.Relative == nil || *r.Relative != -1 {
		t.Errorf("relative %v", r.Relative)
	}
	out := text(t, r)
	for _, want := range []string{
		"matched   10 items",
		"all            10    0.4000  [0.",
		"clean           6    0.0000  [0.0000, 0.0000]",
		"dirty           4    1.0000  [1.0000, 1.0000]",
		"clean − all        -0.4000  95% CI [-0.",
		"significant (the interval excludes 0)",
		"(clean − all)/all  -100.0%",
		"bootstrap: 10000 resamples, seed 1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}

	// Equal scores everywhere: no difference, not significant.
	for i := range ss {
		ss[i].Value = 1
	}
	r = analyze(t, vs, ss, Options{Seed: 1})
	if r.Diff.Value != 0 || r.Diff.Significant || *r.Diff.CI != (Interval{0, 0}) || *r.Relative != 0 {
		t.Errorf("equal scores: diff %+v relative %v", r.Diff, *r.Relative)
	}
}

// TestNormalApproximation: for many binary scores the percentile interval
// is close to the normal one.
func TestNormalApproximation(t *testing.T) {
	var vs []Verdict
	var ss []Score
	for i := range 400 {
		id := fmt.Sprint(i)
		vs = append(vs, Verdict{ID: id, Dirty: i%4 == 0})
		ss = append(ss, Score{ID: id, Value: float64(i % 2)})
	}
	r := analyze(t, vs, ss, Options{Seed: 7})
	se := math.Sqrt(0.25 / 400)
	if ci := *r.All.CI; !near(ci.Lo, 0.5-1.96*se, 0.01) || !near(ci.Hi, 0.5+1.96*se, 0.01) {
		t.Errorf("all CI %+v, want about 0.5 ± %.3f", ci, 1.96*se)
	}
	// Dirty items are the even ones (score 0); clean ones average 2/3.
	if *r.Dirty.Mean != 0 || !near(*r.Clean.Mean, 2.0/3, 1e-12) || r.Diff.CI.Lo <= 0 || !r.Diff.Significant {
		t.Errorf("clean %v dirty %v diff %+v", *r.Clean.Mean, *r.Dirty.Mean, r.Diff)
	}
}

func TestDeterministic(t *testing.T) {
	var vs []Verdict
	var ss []Score
	for i := range 200 {
		id := fmt.Sprint(i)
		vs = append(vs, Verdict{ID: id, Dirty: i%3 == 0, TooShort: i%17 == 0})
		ss = append(ss, Score{ID: id, Value: float64((i * 7919) % 5 / 4)})
	}
	a := jsonOf(t, analyze(t, vs, ss, Options{Seed: 1}))
	b := jsonOf(t, analyze(t, vs, ss, Options{Seed: 1}))
	if a != b {
		t.Fatalf("same seed, different output:\n%s\n%s", a, b)
	}
	r1 := analyze(t, vs, ss, Options{Seed: 1})
	r2 := analyze(t, vs, ss, Options{Seed: 2})
	if *r1.All.CI == *r2.All.CI && *r1.Diff.CI == *r2.Diff.CI {
		t.Error("seed 2 gives the same intervals as seed 1")
	}
	for _, p := range [][2]float64{
		{r1.All.CI.Lo, r2.All.CI.Lo}, {r1.All.CI.Hi, r2.All.CI.Hi},
		{r1.Clean.CI.Lo, r2.Clean.CI.Lo}, {r1.Dirty.CI.Hi, r2.Dirty.CI.Hi},
		{r1.Diff.CI.Lo, r2.Diff.CI.Lo}, {r1.Diff.CI.Hi, r2.Diff.CI.Hi},
	} {
		if !near(p[0], p[1], 0.02) {
			t.Errorf("seeds 1 and 2 differ too much: %v", p)
		}
	}
	if *r1.All.Mean != *r2.All.Mean || r1.Diff.Value != r2.Diff.Value {
		t.Error("point estimates depend on the seed")
	}
	// Fewer resamples, same seed: a different but close interval.
	r3 := analyze(t, vs, ss, Options{Seed: 1, Resamples: 2000})
	if r3.Resamples != 2000 || !near(r3.All.CI.Lo, r1.All.CI.Lo, 0.03) {
		t.Errorf("2000 resamples: %+v vs %+v", *r3.All.CI, *r1.All.CI)
	}
	if _, err := Analyze(vs, ss, Options{Resamples: 10}); err == nil || !strings.Contains(err.Error(), "at least 100") {
		t.Errorf("10 resamples: %v", err)
	}
}

func TestMissingIDs(t *testing.T) {
	vs := []Verdict{{ID: "a", Dirty: true}, {ID: "b"}, {ID: "c"}, {ID: "d"}, {ID: "e", TooShort: true}}
	ss := []Score{{ID: "x", Value: 1}, {ID: "b", Value: 1}, {ID: "a", Value: 0}, {ID: "e", Value: 1}, {ID: "y", Value: 0}}
	r := analyze(t, vs, ss, Options{})
	if r.ReportItems != 5 || r.ScoredItems != 5 || r.Matched != 3 || r.TooShort != 1 {
		t.Errorf("counts %+v", r)
	}
	if strings.Join(r.MissingScores, ",") != "c,d" || strings.Join(r.UnmatchedScores, ",") != "x,y" {
		t.Errorf("missing %q unmatched %q", r.MissingScores, r.UnmatchedScores)
	}
	// Too short: in all (a, b, e), not in clean (b) or dirty (a).
	if r.All.N != 3 || r.Clean.N != 1 || r.Dirty.N != 1 || !near(*r.All.Mean, 2.0/3, 1e-12) {
		t.Errorf("groups %+v %+v %+v", r.All, r.Clean, r.Dirty)
	}
	out := text(t, r)
	for _, want := range []string{
		`missing   2 report items have no score: "c", "d"`,
		`          2 scores match no report item: "x", "y"`,
		"too short       1  counted in all, not in clean or dirty",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	js := jsonOf(t, r)
	if !strings.Contains(js, `"missing_scores": [`+"\n    \"c\",\n    \"d\"\n  ]") {
		t.Errorf("json:\n%s", js)
	}

	// Many missing: the text lists ten and says how many more.
	var many []Verdict
	for i := range 25 {
		many = append(many, Verdict{ID: fmt.Sprint("m", i)})
	}
	many = append(many, Verdict{ID: "b"})
	out = text(t, analyze(t, many, ss, Options{}))
	if !strings.Contains(out, `"m9", … (15 more; all in --format json)`) {
		t.Errorf("long list:\n%s", out)
	}

	if _, err := Analyze(vs, []Score{{ID: "zz", Value: 1}}, Options{}); err == nil || !strings.Contains(err.Error(), "no report item has a score") {
		t.Errorf("nothing matched: %v", err)
	}
}

func TestEmptyGroups(t *testing.T) {
	vs := []Verdict{{ID: "a"}, {ID: "b"}, {ID: "c", TooShort: true}}
	ss := []Score{{ID: "a", Value: 1}, {ID: "b", Value: 0}, {ID: "c", Value: 1}}
	r := analyze(t, vs, ss, Options{})
	if r.Dirty.N != 0 || r.Dirty.Mean != nil || r.Dirty.CI != nil {
		t.Errorf("dirty %+v", r.Dirty)
	}
	out, js := text(t, r), jsonOf(t, r)
	if !strings.Contains(out, "dirty           0  no dirty items") {
		t.Errorf("text:\n%s", out)
	}
	if !strings.Contains(js, `"dirty": {`+"\n    \"n\": 0,\n    \"mean\": null,\n    \"ci\": null") {
		t.Errorf("json:\n%s", js)
	}

	// No clean items: no difference, no relative difference.
	for i := range vs {
		vs[i].Dirty = true
	}
	r = analyze(t, vs, ss, Options{})
	if r.Diff != nil || r.Relative != nil || r.Clean.Mean != nil {
		t.Errorf("no clean: %+v", r)
	}
	out, js = text(t, r), jsonOf(t, r)
	for _, want := range []string{"clean           0  no clean items", "clean − all        n/a: no clean items", "(clean − all)/all  n/a: no clean items"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(js, `"clean_minus_all": null`) || !strings.Contains(js, `"relative_difference": null`) {
		t.Errorf("json:\n%s", js)
	}

	// All scores 0: the relative difference is undefined.
	vs[0].Dirty = false
	for i := range ss {
		ss[i].Value = 0
	}
	r = analyze(t, vs, ss, Options{})
	if r.Relative != nil || r.Diff == nil || !strings.Contains(text(t, r), "n/a: the mean over all items is 0") {
		t.Errorf("zero mean: %+v\n%s", r, text(t, r))
	}
	for _, r := range []*Result{r} {
		for _, s := range []string{text(t, r), jsonOf(t, r)} {
			if strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
				t.Errorf("NaN or Inf in output:\n%s", s)
			}
		}
	}
}

const report = `{"id":"q1","index":0,"tokens":30,"contaminated":true,"coverage":1,"standards":{"gpt3":{"dirty":false,"value":0},"palm":{"dirty":true,"value":0.9}}}
{"id":"q2","index":1,"tokens":30,"contaminated":false,"coverage":0,"standards":{"gpt3":{"dirty":true,"value":1},"palm":{"dirty":false,"too_short":true,"value":0}}}

{"id":"q3","index":2,"tokens":3,"too_short":true,"contaminated":false,"coverage":0,"standards":{"gpt3":{"dirty":false,"value":0},"palm":{"dirty":false,"value":0}}}
`

func TestReadReport(t *testing.T) {
	vs, err := ReadReport(strings.NewReader(report), "r.jsonl", "")
	if err != nil {
		t.Fatal(err)
	}
	want := []Verdict{{"q1", true, false}, {"q2", false, false}, {"q3", false, true}}
	if fmt.Sprint(vs) != fmt.Sprint(want) {
		t.Errorf("default: %v", vs)
	}
	vs, err = ReadReport(strings.NewReader(report), "r.jsonl", "palm")
	if err != nil {
		t.Fatal(err)
	}
	want = []Verdict{{"q1", true, false}, {"q2", false, true}, {"q3", false, false}}
	if fmt.Sprint(vs) != fmt.Sprint(want) {
		t.Errorf("palm: %v", vs)
	}
	for _, tc := range []struct{ data, standard, want string }{
		{report, "llama2", `r.jsonl: line 1: item "q1" has no verdict by standard "llama2"`},
		{`{"id":"a","contaminated":true}` + "\n" + `{"id":"a","contaminated":false}`, "", `r.jsonl: item "a" on lines 1 and 2`},
		{`{"qid":"a","answer":"b"}`, "", `r.jsonl: line 1: not a check report line: no "id" or "contaminated" field`},
		{`{"id":"a","contaminated":true}` + "\n" + `{"id":`, "", "r.jsonl: line 2: not a check report line"},
	} {
		if _, err := ReadReport(strings.NewReader(tc.data), "r.jsonl", tc.standard); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}

func TestReadScores(t *testing.T) {
	data := "{\"id\":\"a\",\"correct\":true}\n" +
		"{\"id\":7,\"correct\":0.25}\r\n" +
		"\n" +
		"{\"id\":\"c\",\"correct\":\"false\"}\n" +
		"{\"id\":\"d\",\"correct\":\" 1 \"}\n" +
		"{\"id\":\"e\",\"correct\":false}"
	ss, err := ReadScores(strings.NewReader(data), "s.jsonl", "id", "correct")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(ss); got != "[{a 1} {7 0.25} {c 0} {d 1} {e 0}]" {
		t.Errorf("scores %s", got)
	}
	// An id template builds check-style ids from lm-eval's doc_id.
	ss, err = ReadScores(strings.NewReader(`{"doc_id":0,"acc":1.0}`+"\n"+`{"doc_id":12,"acc":0.0}`), "s.jsonl", "gsm8k/test/{{.doc_id}}", "acc")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(ss); got != "[{gsm8k/test/0 1} {gsm8k/test/12 0}]" {
		t.Errorf("template ids %s", got)
	}
	for _, tc := range []struct{ data, id, want string }{
		{`{"id":"a"}`, "id", `s.jsonl: line 1: no score field "correct"`},
		{`{"id":"a","correct":null}`, "id", `s.jsonl: line 1: score field "correct": null is not a number or true/false`},
		{`{"id":"a","correct":"yes"}`, "id", `"yes" is not a number or true/false`},
		{`{"id":"a","correct":[1]}`, "id", `an array is not a number`},
		{`{"id":"a","correct":1e999}`, "id", `1e999 is out of range`},
		{`{"id":"a","correct":1}` + "\n" + `{"id":"a","correct":0}`, "id", `s.jsonl: two scores for item "a", on lines 1 and 2`},
		{`{"task":"a","correct":1}`, "id", `s.jsonl: line 1: no id field "id"`},
		{`{"id":["a"],"correct":1}`, "id", `id field "id" is an array`},
		{`{"id":"a","correct":1}`, "x/{{.doc_id}}", `s.jsonl: line 1: id template:`},
		{`{"id":"a","correct":1} {"id":"b"}`, "id", `s.jsonl: line 1: unexpected data after the object`},
		{`null`, "id", `s.jsonl: line 1: expected a JSON object`},
	} {
		if _, err := ReadScores(strings.NewReader(tc.data), "s.jsonl", tc.id, "correct"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.data, err, tc.want)
		}
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	rp, sp := filepath.Join(dir, "check.jsonl"), filepath.Join(dir, "scores.jsonl")
	os.WriteFile(rp, []byte(report), 0o644)
	os.WriteFile(sp, []byte(`{"id":"q1","ok":1}`+"\n"+`{"id":"q2","ok":0}`+"\n"+`{"id":"q3","ok":1}`+"\n"), 0o644)
	r, err := Files(rp, sp, "id", "ok", Options{Standard: "gpt3", Seed: 3, Resamples: 500})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != "standards.gpt3.dirty" || r.Report != rp || r.ScoreField != "ok" || r.Clean.N != 2 || r.Dirty.N != 1 || *r.Clean.Mean != 1 {
		t.Errorf("%+v", r)
	}
	var back Result
	if err := json.Unmarshal([]byte(jsonOf(t, r)), &back); err != nil || back.Seed != 3 || back.Resamples != 500 || *back.Dirty.Mean != 0 {
		t.Errorf("json round trip: %v %+v", err, back)
	}
	if _, err := Files(rp, filepath.Join(dir, "nope.jsonl"), "id", "ok", Options{}); err == nil || !strings.Contains(err.Error(), "nope.jsonl") {
		t.Errorf("missing file: %v", err)
	}
}
