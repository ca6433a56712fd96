package query

import (
	"strings"
	"testing"
)

func toks(s string) [][]byte {
	var out [][]byte
	for _, f := range strings.Fields(s) {
		out = append(out, []byte(f))
	}
	return out
}

func opString(al Alignment) string {
	var b []string
	for _, o := range al.Ops {
		b = append(b, o.Op)
	}
	return strings.Join(b, "")
}

func TestAlignHandMadePairs(t *testing.T) {
	// 16 tokens.
	item := "a farmer has 12 cows and buys 7 more how many cows does he have now"
	for _, c := range []struct {
		name, doc   string
		sim         float64
		ops         string
		nums, other int
		onlyNums    bool
	}{
		{"verbatim", item, 1, strings.Repeat("=", 16), 0, 0, false},
		{"inside a longer text", "intro words here " + item + " and more after", 1, strings.Repeat("=", 16), 0, 0, false},
		{"substitution", "a farmer has 12 goats and buys 7 more how many cows does he have now", 15.0 / 16, "====x===========", 0, 1, false},
		{"insertion", "a farmer has 12 cows and then buys 7 more how many cows does he have now", 1, "======+==========", 0, 1, false},
		{"deletion", "a farmer has 12 cows buys 7 more how many cows does he have now", 15.0 / 16, "=====-==========", 0, 1, false},
		{"swap", "a farmer has 12 cows and 7 buys more how many cows does he have now", 1, "======ss========", 0, 0, false},
		{"renumbered", "a farmer has 4812 cows and buys 9133 more how many cows does he have now", 14.0 / 16, "===n===n========", 2, 0, true},
		{"truncated", "a farmer has 12 cows and buys 7", 8.0 / 16, "========", 0, 0, false},
		{"unrelated", "completely different words nothing shared at all", 0, "", 0, 0, false},
	} {
		al := Align(toks(item), toks(c.doc))
		if al.Similarity != c.sim || opString(al) != c.ops || al.NumberDiffs != c.nums || al.OtherDiffs != c.other || al.OnlyNumbers != c.onlyNums {
			t.Errorf("%s: similarity %v ops %q numbers %d other %d only-numbers %v; want %v %q %d %d %v",
				c.name, al.Similarity, opString(al), al.NumberDiffs, al.OtherDiffs, al.OnlyNumbers, c.sim, c.ops, c.nums, c.other, c.onlyNums)
		}
	}
}
