package text

import (
	"bufio"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

func janitorTokens(s string) []string {
	n, _ := Lookup("lmeval-janitor-v1")
	var t Tokens
	n.Tokenize(&t, []byte(s))
	out := []string{}
	for i := 0; i < t.Len(); i++ {
		out = append(out, string(t.Norm(i)))
	}
	return out
}

func TestJanitorExamples(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
	}{
		{"Hello, World! It's a test-case: (really) [x] {y} <z>.", "hello world its a testcase really x y z"},
		{"$1,234.56 costs 10% more; e-mail a@b.c", "123456 costs 10 more email abc"},
		{"Ünïcödé ＡＢＣ “curly” — …", "Ünïcödé ＡＢＣ “curly” — …"},
		{"a\u00a0b\u2009c\u3000d\x1ce\u200bf", "a b c d e\u200bf"}, // U+200B is not White_Space
		{"-- ... ?!", ""},
		{"", ""},
	} {
		if got := strings.Join(janitorTokens(c.in), " "); got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}

// The janitor's own tokens and 13-grams for 170 real and tricky texts,
// produced by lm-evaluation-harness; every one must be reproduced exactly.
func TestJanitorVectors(t *testing.T) {
	path := "../../../shared/data/janitor/vectors.jsonl"
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("janitor vectors not found at %s (they live in ../shared beside the checkout): %v", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	n := 0
	for line := 1; sc.Scan(); line++ {
		var v struct {
			Text   string   `json:"text"`
			Tokens []string `json:"tokens"`
			NGrams []string `json:"ngrams13"`
		}
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		got := janitorTokens(v.Text)
		if !reflect.DeepEqual(got, v.Tokens) && !(len(got) == 0 && len(v.Tokens) == 0) {
			t.Errorf("line %d %.60q: tokens\n got %q\nwant %q", line, v.Text, got, v.Tokens)
			continue
		}
		var grams []string
		for i := 0; i+13 <= len(got); i++ {
			grams = append(grams, strings.Join(got[i:i+13], " "))
		}
		if !reflect.DeepEqual(grams, v.NGrams) && !(len(grams) == 0 && len(v.NGrams) == 0) {
			t.Errorf("line %d: 13-grams differ: got %d, want %d", line, len(grams), len(v.NGrams))
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 170 {
		t.Fatalf("checked %d vectors, want 170", n)
	}
}
