package report

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/contam-dev/contam/query"
)

// colorDiff says whether diffs are coloured: only on a terminal, and not
// when NO_COLOR is set. Without colour the marks are textual.
var colorDiff = func() bool {
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	fi, err := os.Stdout.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// AlignmentDiff renders an edit script on one line: matched tokens plain,
// item tokens missing or replaced in the document as [-tok-], document
// tokens as {+tok+}, numbers as [-12→4812-], swaps as <a b>; with colour,
// red and green instead of brackets.
func AlignmentDiff(ops []query.EditOp, color bool) string {
	del := func(s string) string {
		if color {
			return "\x1b[31;9m" + s + "\x1b[0m"
		}
		return "[-" + s + "-]"
	}
	ins := func(s string) string {
		if color {
			return "\x1b[32m" + s + "\x1b[0m"
		}
		return "{+" + s + "+}"
	}
	var b []string
	for i := 0; i < len(ops); i++ {
		o := ops[i]
		switch o.Op {
		case "=":
			b = append(b, o.Item)
		case "n":
			if color {
				b = append(b, "\x1b[33m"+o.Item+"→"+o.Doc+"\x1b[0m")
			} else {
				b = append(b, "["+o.Item+"→"+o.Doc+"]")
			}
		case "x":
			b = append(b, del(o.Item)+ins(o.Doc))
		case "-":
			b = append(b, del(o.Item))
		case "+":
			b = append(b, ins(o.Doc))
		case "s":
			if i+1 < len(ops) && ops[i+1].Op == "s" {
				b = append(b, "<"+o.Item+" "+ops[i+1].Item+">")
				i++
			} else {
				b = append(b, "<"+o.Item+">")
			}
		}
	}
	return strings.Join(b, " ")
}

// writeNearDupTable lists the near-duplicates the exact rule missed.
func writeNearDupTable(w io.Writer, rs []query.Result) {
	var nd []query.Result
	for _, r := range rs {
		if r.NearDup != nil && r.NearDup.NearDuplicate && !r.Contaminated {
			nd = append(nd, r)
		}
	}
	if len(nd) == 0 {
		return
	}
	sort.SliceStable(nd, func(i, j int) bool { return nd[i].NearDup.Similarity > nd[j].NearDup.Similarity })
	fmt.Fprintf(w, "\nnear-duplicates the exact rule missed (alignment: [-item-] {+document+} [old→new number] <swapped>)\n")
	for k, r := range nd {
		if k == 10 {
			fmt.Fprintf(w, "  … %d more (see --format jsonl, markdown or html)\n", len(nd)-10)
			break
		}
		d := r.NearDup
		note := ""
		if d.OnlyNumbers {
			note = fmt.Sprintf(", only numbers differ (%d)", d.NumberDiffs)
		}
		fmt.Fprintf(w, "  %-22s similarity %.0f%% (local %.0f%%%s) in %s\n", oneLine(r.ID, 22), 100*d.Similarity, 100*d.Local, note, d.Doc.ID)
		fmt.Fprintf(w, "    %s\n", oneLine(AlignmentDiff(d.Ops, colorDiff()), 400))
	}
}
