package query

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// Local alignment of an item against a document window, token by token
// (Smith–Waterman with linear gaps), for near-duplicate detection: it
// tolerates substitutions, insertions, deletions and swaps of adjacent
// tokens. Scores:
//
//	match            +2
//	swap             +2 per token (item "a b" against document "b a")
//	number for number 0 (a renumbered copy aligns through its numbers)
//	substitution     −1
//	gap              −1 per token
//
// Similarity = (matched + swapped tokens) / item tokens: how much of the
// item the best local region of the document reproduces. Number
// substitutions count as differences, reported separately.
const (
	alMatch = 2
	alNum   = 0
	alSub   = -1
	alGap   = -1
)

// EditOp is one step of an alignment.
type EditOp struct {
	Op   string `json:"op"`             // "=" match, "s" swap, "n" number substituted, "x" substituted, "-" item token missing from the document, "+" document token not in the item
	Item string `json:"item,omitempty"` // the item's normalized token
	Doc  string `json:"doc,omitempty"`  // the document's normalized token
}

// Alignment is the best local alignment of an item with a document window.
type Alignment struct {
	Similarity  float64  `json:"similarity"`
	Matched     int      `json:"matched"` // item tokens matched or swapped
	ItemStart   int      `json:"item_start"`
	ItemEnd     int      `json:"item_end"`
	DocStart    int      `json:"doc_start"` // token positions in the window
	DocEnd      int      `json:"doc_end"`
	NumberDiffs int      `json:"number_diffs"` // differing tokens that are numbers on both sides
	OtherDiffs  int      `json:"other_diffs"`  // substitutions, insertions, deletions
	OnlyNumbers bool     `json:"only_numbers"` // every difference inside the aligned region is a number
	Ops         []EditOp `json:"ops"`
}

func isNumber(tok []byte) bool {
	if len(tok) == 0 {
		return false
	}
	for len(tok) > 0 {
		r, n := utf8.DecodeRune(tok)
		if !unicode.IsDigit(r) {
			return false
		}
		tok = tok[n:]
	}
	return true
}

// Align aligns item tokens a against document tokens b.
func Align(a, b [][]byte) Alignment {
	m, n := len(a), len(b)
	if m == 0 || n == 0 {
		return Alignment{}
	}
	w := n + 1
	H := make([]int32, (m+1)*w)
	var best int32
	bi, bj := 0, 0
	numA := make([]bool, m)
	for i := range a {
		numA[i] = isNumber(a[i])
	}
	numB := make([]bool, n)
	for j := range b {
		numB[j] = isNumber(b[j])
	}
	for i := 1; i <= m; i++ {
		for j := 1; j <= n; j++ {
			var s int32
			switch {
			case bytes.Equal(a[i-1], b[j-1]):
				s = alMatch
			case numA[i-1] && numB[j-1]:
				s = alNum
			default:
				s = alSub
			}
			v := H[(i-1)*w+j-1] + s
			if x := H[(i-1)*w+j] + alGap; x > v {
				v = x
			}
			if x := H[i*w+j-1] + alGap; x > v {
				v = x
			}
			if i >= 2 && j >= 2 && !bytes.Equal(a[i-1], b[j-1]) && bytes.Equal(a[i-1], b[j-2]) && bytes.Equal(a[i-2], b[j-1]) {
				if x := H[(i-2)*w+j-2] + 2*alMatch; x > v {
					v = x
				}
			}
			if v < 0 {
				v = 0
			}
			H[i*w+j] = v
			if v > best {
				best, bi, bj = v, i, j
			}
		}
	}
	if best == 0 {
		return Alignment{}
	}
	// Trace back from the best cell, preferring match/swap, then
	// substitution, then gaps, so ties resolve the same way every time.
	var ops []EditOp
	i, j := bi, bj
	al := Alignment{ItemEnd: bi, DocEnd: bj}
	for i > 0 && j > 0 && H[i*w+j] > 0 {
		cur := H[i*w+j]
		eq := bytes.Equal(a[i-1], b[j-1])
		switch {
		case eq && cur == H[(i-1)*w+j-1]+alMatch:
			ops = append(ops, EditOp{Op: "=", Item: string(a[i-1]), Doc: string(b[j-1])})
			al.Matched++
			i, j = i-1, j-1
		case i >= 2 && j >= 2 && !eq && bytes.Equal(a[i-1], b[j-2]) && bytes.Equal(a[i-2], b[j-1]) && cur == H[(i-2)*w+j-2]+2*alMatch:
			ops = append(ops, EditOp{Op: "s", Item: string(a[i-1]), Doc: string(b[j-1])}, EditOp{Op: "s", Item: string(a[i-2]), Doc: string(b[j-2])})
			al.Matched += 2
			i, j = i-2, j-2
		case !eq && numA[i-1] && numB[j-1] && cur == H[(i-1)*w+j-1]+alNum:
			ops = append(ops, EditOp{Op: "n", Item: string(a[i-1]), Doc: string(b[j-1])})
			al.NumberDiffs++
			i, j = i-1, j-1
		case !eq && !(numA[i-1] && numB[j-1]) && cur == H[(i-1)*w+j-1]+alSub:
			ops = append(ops, EditOp{Op: "x", Item: string(a[i-1]), Doc: string(b[j-1])})
			al.OtherDiffs++
			i, j = i-1, j-1
		case cur == H[(i-1)*w+j]+alGap:
			ops = append(ops, EditOp{Op: "-", Item: string(a[i-1])})
			al.OtherDiffs++
			i--
		default: // cur == H[i*w+j-1]+alGap
			ops = append(ops, EditOp{Op: "+", Doc: string(b[j-1])})
			al.OtherDiffs++
			j--
		}
	}
	al.ItemStart, al.DocStart = i, j
	for l, r := 0, len(ops)-1; l < r; l, r = l+1, r-1 {
		ops[l], ops[r] = ops[r], ops[l]
	}
	al.Ops = ops
	al.Similarity = float64(al.Matched) / float64(m)
	al.OnlyNumbers = al.OtherDiffs == 0 && al.NumberDiffs > 0
	return al
}
