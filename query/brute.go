package query

import (
	"bytes"
	"encoding/binary"
	"io"

	"github.com/contam-dev/contam/index/text"
	"github.com/contam-dev/contam/query/item"
	"github.com/contam-dev/contam/shard/source"
)

// Brute answers a check by scanning the corpus files directly, with no
// index, hash, Bloom filter or shard involved: it builds the exact token
// strings of every item n-gram, scans every corpus document for them, and
// extends each occurrence to a maximal match. It is the oracle the indexed
// answers must equal (`contam check --brute`), like codesearch's -brute.
// Memory: the corpus documents that hold a match, plus the items.
func Brute(corpus []string, src source.Options, normName string, n int, items []item.Item, opt Options) ([]Result, error) {
	opt.defaults()
	norm, err := text.Lookup(normName)
	if err != nil {
		return nil, err
	}
	itoks := make([]text.Tokens, len(items))
	type occ struct{ item, pos int }
	want := map[string][]occ{}
	for i, it := range items {
		norm.Tokenize(&itoks[i], []byte(it.Text))
		for p := 0; p+n <= itoks[i].Len(); p++ {
			k := gramKey(&itoks[i], p, n)
			want[k] = append(want[k], occ{i, p})
		}
	}
	perItem := make([][]*docMatches, len(items))
	var toks text.Tokens
	for _, path := range corpus {
		r, err := source.Open(path, src)
		if err != nil {
			return nil, err
		}
		for {
			d, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				r.Close()
				return nil, err
			}
			toks.Reset()
			norm.Tokenize(&toks, d.Text)
			found := map[int][]match{}
			for p := 0; p+n <= toks.Len(); p++ {
				for _, o := range want[gramKey(&toks, p, n)] {
					// Only the left end of a maximal match starts one.
					if o.pos > 0 && p > 0 && bytes.Equal(itoks[o.item].Norm(o.pos-1), toks.Norm(p-1)) {
						continue
					}
					e, f := o.pos, p
					for e < itoks[o.item].Len() && f < toks.Len() && bytes.Equal(itoks[o.item].Norm(e), toks.Norm(f)) {
						e++
						f++
					}
					found[o.item] = append(found[o.item], match{itemStart: o.pos, itemEnd: e, docStart: p, docEnd: f, byteStart: toks.Start[p], byteEnd: toks.End[f-1]})
				}
			}
			if len(found) == 0 {
				continue
			}
			meta := map[string]string(nil)
			if len(d.Meta) > 0 {
				meta = map[string]string{}
				for k, v := range d.Meta {
					meta[k] = v
				}
			}
			doc := &docTok{hit: DocHit{ID: d.ID, Source: path, Line: d.Line, Offset: d.Offset, Meta: meta}, text: bytes.Clone(d.Text)}
			for i, ms := range found {
				perItem[i] = append(perItem[i], &docMatches{id: doc.hit.docID(), matches: ms, doc: doc})
			}
		}
		if err := r.Close(); err != nil {
			return nil, err
		}
	}
	res := make([]Result, len(items))
	held := func(d *docMatches) (*docTok, error) { return d.doc, nil }
	for i, it := range items {
		res[i] = Result{ID: it.ID, Index: it.Index, Tokens: itoks[i].Len(), Rule: opt.Rule, TooShort: itoks[i].Len() < n}
		if err := aggregate(&res[i], itoks[i].Start, itoks[i].End, perItem[i], opt.TopDocs, opt.Context, held); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// gramKey is the exact, unambiguous (length-prefixed) string of an n-gram.
func gramKey(t *text.Tokens, p, n int) string {
	var b []byte
	for k := p; k < p+n; k++ {
		w := t.Norm(k)
		b = binary.AppendUvarint(b, uint64(len(w)))
		b = append(b, w...)
	}
	return string(b)
}
