package query_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/query/item"
	"github.com/contam-dev/contam/shard"
)

// words returns w<from>..w<to-1>, distinct tokens that never match by chance.
func words(from, to int) []string {
	var ws []string
	for i := from; i < to; i++ {
		ws = append(ws, fmt.Sprintf("w%d", i))
	}
	return ws
}

func docsIndex(t *testing.T, normalizer string, docs ...string) *index.Index {
	t.Helper()
	dir := t.TempDir()
	var sb strings.Builder
	for i, d := range docs {
		b, _ := json.Marshal(map[string]string{"id": fmt.Sprintf("d%d", i), "text": d})
		sb.Write(b)
		sb.WriteByte('\n')
	}
	p := filepath.Join(dir, "c.jsonl")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "idx")
	if _, err := shard.Build(context.Background(), out, []string{p}, shard.Options{Normalizer: normalizer, Source: srcOpt}); err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(out, index.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func judge(t *testing.T, ix *index.Index, std []string, p query.StandardParams, texts ...string) []query.Result {
	t.Helper()
	var items []item.Item
	for i, s := range texts {
		items = append(items, item.Item{ID: fmt.Sprintf("i%d", i), Index: i, Text: s})
	}
	c, err := query.NewChecker(ix, query.Options{Standards: std, Std: p})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := c.Check(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func j(ws []string) string { return strings.Join(ws, " ") }

func TestPaLMBoundary(t *testing.T) {
	// 17 tokens: 10 8-grams. A document with the first 14 tokens holds 7
	// of them (70%: dirty); with the first 13, 6 (60%: clean).
	item := j(words(0, 17))
	ix := docsIndex(t, "unicode-v1", "x "+j(words(0, 14))+" y", "z "+j(words(100, 120)))
	v := judge(t, ix, []string{"palm"}, query.StandardParams{}, item)[0].Standards["palm"]
	if !v.Dirty || v.Value != 0.7 {
		t.Fatalf("70%%: %+v", v)
	}
	ix = docsIndex(t, "unicode-v1", "x "+j(words(0, 13))+" y")
	v = judge(t, ix, []string{"palm"}, query.StandardParams{}, item)[0].Standards["palm"]
	if v.Dirty || v.Value != 0.6 {
		t.Fatalf("60%%: %+v", v)
	}
	v = judge(t, ix, []string{"palm"}, query.StandardParams{}, j(words(0, 7)))[0].Standards["palm"]
	if !v.TooShort || v.Dirty {
		t.Fatalf("7 tokens: %+v", v)
	}
}

func TestLlama2MatchLengthAndSkipBudget(t *testing.T) {
	item := j(words(0, 12))
	// An 11-token match is longer than 10: its tokens are contaminated.
	ix := docsIndex(t, "unicode-v1", j(words(0, 11)))
	v := judge(t, ix, []string{"llama2"}, query.StandardParams{}, item)[0].Standards["llama2"]
	if v.Value != 11.0/12 || v.Bucket != "dirty" || !v.Dirty {
		t.Fatalf("11-token match: %+v", v)
	}
	// A 10-token match is not.
	ix = docsIndex(t, "unicode-v1", j(words(0, 10)))
	v = judge(t, ix, []string{"llama2"}, query.StandardParams{}, item)[0].Standards["llama2"]
	if v.Value != 0 || v.Bucket != "clean" || v.Dirty {
		t.Fatalf("10-token match: %+v", v)
	}
	// Two 10-token runs on one diagonal, 2 substituted tokens apart, join
	// within the skip-gram budget of 4; 5 apart they do not.
	item = j(words(0, 22))
	ix = docsIndex(t, "unicode-v1", j(words(0, 10))+" sub1 sub2 "+j(words(12, 22)))
	v = judge(t, ix, []string{"llama2"}, query.StandardParams{}, item)[0].Standards["llama2"]
	if v.Value != 1 || !v.Dirty {
		t.Fatalf("budget 2 of 4: %+v", v)
	}
	item = j(words(0, 25))
	ix = docsIndex(t, "unicode-v1", j(words(0, 10))+" a b c d e "+j(words(15, 25)))
	v = judge(t, ix, []string{"llama2"}, query.StandardParams{}, item)[0].Standards["llama2"]
	if v.Value != 0 {
		t.Fatalf("gap 5 over budget: %+v", v)
	}
	// 30% contaminated: not clean, not dirty.
	item = j(words(0, 40))
	ix = docsIndex(t, "unicode-v1", j(words(0, 12)))
	v = judge(t, ix, []string{"llama2"}, query.StandardParams{}, item)[0].Standards["llama2"]
	if v.Value != 0.3 || v.Bucket != "not_clean" || v.Dirty {
		t.Fatalf("30%%: %+v", v)
	}
}

func TestLlama3Tau(t *testing.T) {
	item := j(words(0, 20))
	ix := docsIndex(t, "unicode-v1", j(words(0, 10)))
	v := judge(t, ix, []string{"llama3"}, query.StandardParams{}, item)[0].Standards["llama3"]
	if v.Value != 0.5 || !v.Dirty {
		t.Fatalf("exactly τ: %+v", v)
	}
	v = judge(t, ix, []string{"llama3"}, query.StandardParams{Tau: 0.6}, item)[0].Standards["llama3"]
	if v.Dirty {
		t.Fatalf("below τ: %+v", v)
	}
}

func TestGPT3ClampAndFilter(t *testing.T) {
	// Items of 5 tokens: the 5th percentile clamps up to 8 (and they are
	// too short for it); items of 30 clamp down to 13.
	ix := docsIndex(t, "unicode-v1", j(words(0, 13)))
	rs := judge(t, ix, []string{"gpt3"}, query.StandardParams{}, j(words(0, 5)), j(words(50, 55)))
	if v := rs[0].Standards["gpt3"]; !v.TooShort || !strings.HasPrefix(v.Detail, "N=8") {
		t.Fatalf("short benchmark: %+v", v)
	}
	rs = judge(t, ix, []string{"gpt3"}, query.StandardParams{}, j(words(0, 30)), j(words(50, 80)))
	if v := rs[0].Standards["gpt3"]; !v.Dirty || v.Value != 1 || !strings.HasPrefix(v.Detail, "N=13") {
		t.Fatalf("13-gram present: %+v", v)
	}
	if v := rs[1].Standards["gpt3"]; v.Dirty {
		t.Fatalf("absent: %+v", v)
	}
	// A 13-gram in 11 documents is ignored by the filtering variant, one in
	// 10 is not; -1 turns the filter off.
	var eleven []string
	for i := 0; i < 11; i++ {
		eleven = append(eleven, fmt.Sprintf("doc%d %s", i, j(words(0, 13))))
	}
	ix = docsIndex(t, "unicode-v1", eleven...)
	item := j(words(0, 30))
	if v := judge(t, ix, []string{"gpt3"}, query.StandardParams{}, item)[0].Standards["gpt3"]; v.Dirty {
		t.Fatalf("in 11 documents: %+v", v)
	}
	if v := judge(t, ix, []string{"gpt3"}, query.StandardParams{GPT3MaxDocs: -1}, item)[0].Standards["gpt3"]; !v.Dirty {
		t.Fatalf("unfiltered: %+v", v)
	}
	ix = docsIndex(t, "unicode-v1", eleven[:10]...)
	if v := judge(t, ix, []string{"gpt3"}, query.StandardParams{}, item)[0].Standards["gpt3"]; !v.Dirty {
		t.Fatalf("in 10 documents: %+v", v)
	}
}

func TestGPT4Substrings(t *testing.T) {
	// Spaces and symbols are removed on both sides: a copy with different
	// punctuation and spacing is found.
	item := "The quick brown fox, jumps over the lazy dog; then runs 42 miles home to sleep."
	ix := docsIndex(t, "unicode-v1", "prefix. The quick-brown fox jumps over the lazy dog... then runs 42 miles home to sleep!", "unrelated text here")
	v := judge(t, ix, []string{"gpt4"}, query.StandardParams{}, item)[0].Standards["gpt4"]
	if !v.Dirty || v.Value != 3 {
		t.Fatalf("copy with other punctuation: %+v", v)
	}
	a := judge(t, ix, []string{"gpt4"}, query.StandardParams{}, "nothing like it at all in this corpus, really nothing whatsoever")[0].Standards["gpt4"]
	if a.Dirty {
		t.Fatalf("absent: %+v", a)
	}
}

func TestLmevalNeedsJanitorIndex(t *testing.T) {
	ix := docsIndex(t, "unicode-v1", j(words(0, 20)))
	if _, err := query.NewChecker(ix, query.Options{Standards: []string{"lmeval"}}); err == nil || !strings.Contains(err.Error(), "lmeval-janitor-v1") {
		t.Fatalf("lmeval on a unicode-v1 index: %v", err)
	}
	if _, err := query.NewChecker(ix, query.Options{Standards: []string{"nope"}}); err == nil {
		t.Fatal("unknown standard accepted")
	}
	ix = docsIndex(t, "lmeval-janitor-v1", "It's "+j(words(0, 13))+"!")
	rs := judge(t, ix, []string{"lmeval"}, query.StandardParams{}, j(words(0, 13)), j(words(0, 12))+" other", j(words(0, 12)))
	if v := rs[0].Standards["lmeval"]; !v.Dirty {
		t.Fatalf("13-gram: %+v", v)
	}
	if v := rs[1].Standards["lmeval"]; v.Dirty {
		t.Fatalf("12 tokens: %+v", v)
	}
	if v := rs[2].Standards["lmeval"]; !v.TooShort {
		t.Fatalf("12-token item: %+v", v)
	}
}

func TestDefaultDiscountsTemplates(t *testing.T) {
	// A 10-token instruction stem opens every item and is in the corpus;
	// it alone must not make the items dirty under default (it does under
	// the plain rule's coverage when the item is short).
	stem := j(words(900, 914))
	ix := docsIndex(t, "unicode-v1", "Instructions: "+stem+" and more.", j(words(0, 30)))
	var texts []string
	for i := 0; i < 6; i++ {
		texts = append(texts, stem+" "+j(words(1000+20*i, 1000+20*i+10)))
	}
	texts = append(texts, stem+" "+j(words(0, 30))) // really contaminated
	rs := judge(t, ix, []string{"default"}, query.StandardParams{}, texts...)
	for i := 0; i < 6; i++ {
		v := rs[i].Standards["default"]
		if v.Dirty || v.Bucket != "discounted" || !rs[i].Contaminated {
			t.Fatalf("item %d with only the template: %+v (plain rule contaminated=%v)", i, v, rs[i].Contaminated)
		}
	}
	if v := rs[6].Standards["default"]; !v.Dirty {
		t.Fatalf("contaminated item: %+v", v)
	}
}
