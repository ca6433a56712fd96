package query_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/query/item"
	"github.com/contam-dev/contam/shard"
)

// editedCorpus writes documents that are edited copies of generated items
// (substitutions, insertions, deletions, swaps, renumbering, truncation)
// among unrelated documents, in several files.
func editedCorpus(t *testing.T, seed uint64) ([]string, []item.Item) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 11))
	vocab := strings.Fields("apples pears boxes trucks farmers miles hours each more than total left gave bought sold price cost how many much does did she he they the a of to in")
	word := func() string { return vocab[r.IntN(len(vocab))] }
	var items []item.Item
	var docs []string
	for k := 0; k < 40; k++ {
		n := 20 + r.IntN(50)
		ws := make([]string, n)
		for i := range ws {
			if r.IntN(6) == 0 {
				ws[i] = fmt.Sprint(r.IntN(100))
			} else {
				ws[i] = word() + fmt.Sprint(k) // item-specific words keep copies apart
			}
		}
		items = append(items, item.Item{ID: fmt.Sprintf("q%d", k), Index: k, Text: strings.Join(ws, " ")})
		cp := append([]string(nil), ws...)
		switch k % 6 {
		case 0: // substitutions
			for e := 0; e < n/10; e++ {
				cp[r.IntN(len(cp))] = "SUB"
			}
		case 1: // insertions
			for e := 0; e < n/10; e++ {
				p := r.IntN(len(cp))
				cp = append(cp[:p], append([]string{"INS"}, cp[p:]...)...)
			}
		case 2: // deletions
			for e := 0; e < n/10; e++ {
				p := r.IntN(len(cp))
				cp = append(cp[:p], cp[p+1:]...)
			}
		case 3: // swaps
			for e := 0; e < n/10; e++ {
				p := r.IntN(len(cp) - 1)
				cp[p], cp[p+1] = cp[p+1], cp[p]
			}
		case 4: // renumbering
			for i, w := range cp {
				if _, err := fmt.Sscan(w, new(int)); err == nil {
					cp[i] = fmt.Sprint(1000 + r.IntN(9000))
				}
			}
		case 5: // truncation
			cp = cp[:len(cp)*2/3]
		}
		docs = append(docs, "Some page text before. "+strings.Join(cp, " ")+" And after it, more text.")
	}
	for k := 0; k < 60; k++ {
		var ws []string
		for i := 0; i < 40; i++ {
			ws = append(ws, word())
		}
		docs = append(docs, strings.Join(ws, " "))
	}
	dir := t.TempDir()
	var files []string
	for f := 0; f < 4; f++ {
		var sb strings.Builder
		for i := f; i < len(docs); i += 4 {
			b, _ := json.Marshal(map[string]string{"id": fmt.Sprintf("doc%03d", i), "text": docs[i]})
			sb.Write(b)
			sb.WriteByte('\n')
		}
		p := filepath.Join(dir, fmt.Sprintf("p%d.jsonl", f))
		os.WriteFile(p, []byte(sb.String()), 0o644)
		files = append(files, p)
	}
	return files, items
}

// The near-duplicate found through the index equals aligning each item
// against every corpus document (the brute-force oracle) on fixtures whose
// copies share at least one n-gram with their item; and 1 vs 4 shards.
func TestNearDupEqualsOracle(t *testing.T) {
	files, items := editedCorpus(t, 5)
	opt := query.Options{NearDup: true, TopDocs: 1}
	one := check(t, build(t, files, shard.Options{Shards: 1}), items, opt)
	four := check(t, build(t, files, shard.Options{Shards: 4}), items, opt)
	sameResults(t, "near-dup, 1 vs 4 shards", one, four)

	// Oracle: every document, whole.
	var docs []struct{ id, text string }
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var d map[string]string
			json.Unmarshal([]byte(l), &d)
			docs = append(docs, struct{ id, text string }{d["id"], d["text"]})
		}
	}
	tokBytes := func(s string) [][]byte {
		ts, _ := query.Tokenize("unicode-v1", s)
		out := make([][]byte, len(ts))
		for i, x := range ts {
			out[i] = []byte(x)
		}
		return out
	}
	flagged := 0
	for i, it := range items {
		best, bestID := 0.0, ""
		for _, d := range docs {
			al := query.Align(tokBytes(it.Text), tokBytes(d.text))
			if al.Similarity > best || (al.Similarity == best && best > 0 && d.id < bestID) {
				best, bestID = al.Similarity, d.id
			}
		}
		nd := one[i].NearDup
		if nd == nil {
			t.Errorf("%s: no near-duplicate; oracle %.3f in %s", it.ID, best, bestID)
			continue
		}
		if nd.Similarity != best || nd.Doc.ID != bestID {
			t.Errorf("%s: index %.3f in %s, oracle %.3f in %s", it.ID, nd.Similarity, nd.Doc.ID, best, bestID)
		}
		if nd.NearDuplicate {
			flagged++
		}
		if i%6 == 4 && !nd.OnlyNumbers {
			t.Errorf("%s: a renumbered copy should differ only in numbers: %+v", it.ID, nd.Alignment.Ops)
		}
	}
	if flagged < 35 {
		t.Fatalf("only %d of %d edited copies flagged as near-duplicates", flagged, len(items))
	}
}

// Short multiple-choice items (a one-line question, four short options)
// leave little to align: a copy with its options reordered must still be
// found, and a different question over the same options, or the same
// template, must not be.
func TestShortMultipleChoiceItems(t *testing.T) {
	q := "Which planet in our solar system is closest to the Sun? A) Venus B) Mercury C) Mars D) Earth"
	ix := docsIndex(t, "unicode-v1",
		"Quiz night! Which planet in our solar system is closest to the Sun? A) Mercury B) Venus C) Earth D) Mars. Answer below.",
		"Which planet in our solar system has the most moons? A) Venus B) Mercury C) Mars D) Earth",
		"Which gas in our atmosphere is most abundant? A) Oxygen B) Nitrogen C) Argon D) Carbon dioxide",
	)
	items := []string{
		q,
		"Which planet in our solar system is the largest by mass? A) Venus B) Mercury C) Jupiter D) Earth",
		"Which element in our solar system is most common in the Sun? A) Helium B) Hydrogen C) Iron D) Carbon",
		"Which is hottest? A) Venus B) Mercury C) Mars D) Earth", // shares only the option list (8 of 11 tokens)
	}
	c, err := query.NewChecker(ix, query.Options{NearDup: true})
	if err != nil {
		t.Fatal(err)
	}
	var its []item.Item
	for i, s := range items {
		its = append(its, item.Item{ID: fmt.Sprint(i), Index: i, Text: s})
	}
	rs, err := c.Check(t.Context(), its)
	if err != nil {
		t.Fatal(err)
	}
	if !rs[0].Contaminated {
		t.Errorf("reordered copy of a short item not found: coverage %.2f longest %d", rs[0].Coverage, rs[0].LongestSpan)
	}
	for _, r := range rs[1:] {
		nd := r.NearDup != nil && r.NearDup.NearDuplicate
		if r.Contaminated || nd {
			t.Errorf("item %s (same template and options, another question) flagged: contaminated=%v near-dup=%v coverage %.2f", r.ID, r.Contaminated, nd, r.Coverage)
		}
	}
}
