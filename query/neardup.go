package query

import (
	"sort"

	"github.com/contam-dev/contam/index/text"
)

// Defaults of the near-duplicate search.
const (
	DefaultNearThreshold = 0.6  // whole-item similarity
	DefaultNearLocal     = 0.85 // similarity inside the aligned region
	DefaultNearMinTokens = 20   // matched tokens needed for either
	DefaultNearDocs      = 5
	// A copy whose only differences inside the aligned region are numbers
	// (a renumbered problem, GSM-Hard style) is a near-duplicate from this
	// many matched tokens on.
	DefaultNearRenumbered = 14
)

// NearDup is an item's best local alignment with a corpus document.
type NearDup struct {
	// NearDuplicate: at least DefaultNearMinTokens item tokens matched, and
	// similarity ≥ Threshold or local similarity ≥ DefaultNearLocal; or a
	// renumbered copy (only numbers differ) of at least
	// DefaultNearRenumbered matched tokens.
	NearDuplicate bool    `json:"near_duplicate"`
	Threshold     float64 `json:"threshold"`
	Local         float64 `json:"local_similarity"` // matched / item tokens inside the aligned region
	Alignment
	Doc          DocHit `json:"doc"`            // the document; Match shows the aligned window
	ItemText     string `json:"item_text"`      // the aligned part of the item, as written
	ItemByteFrom int    `json:"item_byte_from"` // in the item
	ItemByteTo   int    `json:"item_byte_to"`
	// Shared lists, in item order, the item's text of every verified span
	// (≥ n tokens) it shares with the document: for translated code, the
	// docstring, comments and identifiers both versions keep (at most 10).
	Shared []string `json:"shared,omitempty"`
}

// nearDup aligns the item against a window of each candidate document —
// the documents sharing the most verified tokens with it — centred on the
// document's longest verified match and reaching half the item's length
// beyond it on each side, and keeps the best alignment. Only these
// candidates are fetched and tokenized again.
func (c *Checker) nearDup(src string, item *text.Tokens, docs []*docMatches) (*NearDup, error) {
	m := item.Len()
	if m == 0 || len(docs) == 0 {
		return nil, nil
	}
	type cand struct {
		d       *docMatches
		matched int
		best    match
	}
	var cs []cand
	for _, d := range docs {
		cov := make([]bool, m)
		best := d.matches[0]
		for _, mt := range d.matches {
			for t := mt.itemStart; t < mt.itemEnd; t++ {
				cov[t] = true
			}
			if mt.itemEnd-mt.itemStart > best.itemEnd-best.itemStart || (mt.itemEnd-mt.itemStart == best.itemEnd-best.itemStart && mt.itemStart < best.itemStart) {
				best = mt
			}
		}
		cs = append(cs, cand{d, countTrue(cov), best})
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].matched != cs[j].matched {
			return cs[i].matched > cs[j].matched
		}
		return lessID(cs[i].d.id, cs[j].d.id)
	})
	var out *NearDup
	itemToks := make([][]byte, m)
	for i := range itemToks {
		itemToks[i] = item.Norm(i)
	}
	for k, cd := range cs {
		if k >= c.opt.NearDocs {
			break
		}
		dt, err := c.docTokens(cd.d.key)
		if err != nil {
			return nil, err
		}
		if cd.best.itemStart == 0 && cd.best.itemEnd == m {
			// The whole item is one verified match: the alignment is
			// all matches, no need to fill the matrix.
			al := Alignment{Similarity: 1, Matched: m, ItemEnd: m, DocStart: cd.best.docStart, DocEnd: cd.best.docEnd, Ops: make([]EditOp, m)}
			for i := range al.Ops {
				al.Ops[i] = EditOp{Op: "=", Item: string(itemToks[i]), Doc: string(itemToks[i])}
			}
			out = c.nearResult(src, item, cd.d, dt, al, 0)
			break
		}
		origin := cd.best.docStart - cd.best.itemStart // where item token 0 would sit
		lo := max(origin-m/2, 0)
		hi := min(origin+m+m/2, dt.toks.Len())
		if lo >= hi {
			continue
		}
		win := make([][]byte, hi-lo)
		for i := range win {
			win[i] = dt.toks.Norm(lo + i)
		}
		al := Align(itemToks, win)
		if al.Matched == 0 || (out != nil && al.Similarity <= out.Similarity) {
			continue
		}
		out = c.nearResult(src, item, cd.d, dt, al, lo)
	}
	return out, nil
}

// nearResult describes alignment al of the item with the window of d
// (document dt) that starts at document token lo.
func (c *Checker) nearResult(src string, item *text.Tokens, d *docMatches, dt *docTok, al Alignment, lo int) *NearDup {
	nd := &NearDup{Threshold: c.opt.NearThreshold, Alignment: al, Doc: dt.hit}
	nd.Local = float64(al.Matched) / float64(al.ItemEnd-al.ItemStart)
	nd.NearDuplicate = (al.Matched >= DefaultNearMinTokens && (al.Similarity >= c.opt.NearThreshold || nd.Local >= DefaultNearLocal)) ||
		(al.OnlyNumbers && al.Matched >= DefaultNearRenumbered)
	nd.DocStart, nd.DocEnd = lo+al.DocStart, lo+al.DocEnd // window → document token positions
	nd.ItemByteFrom, nd.ItemByteTo = item.Start[al.ItemStart], item.End[al.ItemEnd-1]
	nd.ItemText = src[nd.ItemByteFrom:nd.ItemByteTo]
	ds, de := dt.toks.Start[nd.DocStart], dt.toks.End[nd.DocEnd-1]
	nd.Doc.Match = Match{ItemTokStart: al.ItemStart, ItemTokEnd: al.ItemEnd, DocByteStart: ds, DocByteEnd: de}
	nd.Doc.Match.Before, nd.Doc.Match.Text, nd.Doc.Match.After = snippet(dt.text, ds, de, c.opt.Context)
	ms := append([]match(nil), d.matches...)
	sort.Slice(ms, func(i, j int) bool { return ms[i].itemStart < ms[j].itemStart })
	for _, m := range ms {
		if len(nd.Shared) == 10 {
			break
		}
		nd.Shared = append(nd.Shared, src[item.Start[m.itemStart]:item.End[m.itemEnd-1]])
	}
	return nd
}
