package query

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/index/text"
	"github.com/contam-dev/contam/query/item"
)

// Checking a benchmark against a large index is dominated by reading
// documents: the doc store keeps them in zstd blocks of many documents (64
// KiB; 256 KiB in older indexes), so fetching one document of a few KB
// costs a block decompression, and items checked one at a time fetch the
// same blocks again and again, each document once per item. Check
// therefore works on batches of items, in three phases:
//
//  1. lookup (parallel over items, lookup): tokenize each item and read
//     the postings of its n-grams, giving per candidate document the
//     anchors (n-grams shared, with their positions);
//  2. verify (parallel over documents, verifyBatch): the distinct
//     candidate documents of the whole batch, sorted by (shard, doc) —
//     the doc store's block order, so each block is decompressed about
//     once per batch — are fetched and tokenized once each, and every item
//     with anchors in a document is verified against it. Only the verified
//     matches and the document's identity are kept (docMatches);
//  3. results (parallel over items, Checker.result): aggregate, near-dups
//     and standards; only the few documents a result shows are fetched
//     again, through the document cache.
//
// A batch ends when the estimated memory of its phase-1 anchors and
// phase-2 records reaches its share of Options.Memory, so a check's memory
// does not grow with the number of items or of their candidate documents.

// Shares of Options.Memory. Go's collector lets the heap grow to about
// twice the live data, so the batch gets 3/8 (3/4 with garbage) and the
// document cache 1/16.
const (
	batchShareNum, batchShareDen = 3, 8
	cacheShare                   = 16
)

// Estimated bytes behind the batch budget. On the 1 GB GSM8K check (140k
// candidates, 4.5 anchors each) phase 1 held ~150 B a candidate besides
// its anchors (the map entry) and phase 2 ~250 B a verified record.
const (
	// per candidate (item, document): its anchor map entry, its phase-2
	// pair, and its record (docMatches, a match or two, the document id)
	memPerCandidate = 512
	memPerAnchor    = 8  // an anchor
	memPerToken     = 40 // an item token: start, end, normalized form
)

// batchItem is one text of a batch through the phases.
type batchItem struct {
	toks    text.Tokens
	gpt4    []string            // the gpt4 standard's substrings, when it is asked for
	anchors map[docKey][]anchor // phase 1 → 2: candidate documents
	docs    []*docMatches       // phase 2 → 3: documents with verified matches, in (shard, doc) order
}

// memory estimates what the item holds through phases 1 and 2.
func (b *batchItem) memory() int64 {
	m := int64(b.toks.Len()) * memPerToken
	for _, as := range b.anchors {
		m += memPerCandidate + int64(cap(as))*memPerAnchor
	}
	return m
}

// lookup is phase 1: it takes items from the start of items, in order,
// until the batch's estimated memory reaches its budget (at least one).
func (c *Checker) lookup(ctx context.Context, items []item.Item) ([]*batchItem, error) {
	budget := max(c.opt.Memory*batchShareNum/batchShareDen, 1) // > 0: a batch takes at least one item
	gpt4 := slices.Contains(c.opt.Standards, "gpt4")
	batch := make([]*batchItem, len(items))
	var used atomic.Int64
	full := func() bool { return used.Load() >= budget }
	n, err := forEach(ctx, c.opt.Workers, len(items), full, func(i int) error {
		b := &batchItem{}
		c.norm.Tokenize(&b.toks, []byte(items[i].Text))
		if gpt4 {
			b.gpt4 = gpt4Samples(items[i], c.opt.Std)
		}
		var err error
		b.anchors, err = c.anchors(&b.toks)
		batch[i] = b
		used.Add(b.memory())
		return err
	})
	return batch[:n], err
}

// anchors looks every n-gram of the tokens up in every shard and returns,
// per candidate document, the anchors. All postings are read, so the set is
// exact.
func (c *Checker) anchors(toks *text.Tokens) (map[docKey][]anchor, error) {
	n := c.p.N
	if toks.Len() < n {
		return nil, nil
	}
	hashes := text.NGramHashes(nil, toks, n, c.p.Seed)
	// One lookup per distinct n-gram; an n-gram repeated in the item
	// anchors every position it occurs at.
	positions := make(map[uint64][]int, len(hashes))
	var order []uint64
	for i, h := range hashes {
		if _, ok := positions[h]; !ok {
			order = append(order, h)
		}
		positions[h] = append(positions[h], i)
	}
	anchors := map[docKey][]anchor{}
	var ps []index.Posting
	for si, sh := range c.ix.Shards {
		for _, h := range order {
			var err error
			ps, err = sh.Postings(h, ps[:0])
			if err != nil {
				return nil, err
			}
			for _, p := range ps {
				k := docKey{si, p.Doc}
				for _, i := range positions[h] {
					anchors[k] = append(anchors[k], anchor{uint32(i), p.Pos})
				}
			}
		}
	}
	return anchors, nil
}

// verifyBatch is phase 2: it verifies every item of the batch against each
// of its candidate documents, visiting the documents in (shard, doc) order,
// and leaves in each item's docs the documents with verified matches.
func (c *Checker) verifyBatch(ctx context.Context, batch []*batchItem) error {
	// Every (document, item) pair with anchors, grouped by document.
	type pair struct {
		key     docKey
		item    int
		anchors []anchor
	}
	var pairs []pair
	for i, b := range batch {
		for k, as := range b.anchors {
			pairs = append(pairs, pair{k, i, as})
		}
		b.anchors = nil
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := cmpDocKey(a.key, b.key); c != 0 {
			return c
		}
		return a.item - b.item
	})
	// Document j's pairs are pairs[first[j]:first[j+1]].
	var first []int
	for i := range pairs {
		if i == 0 || pairs[i].key != pairs[i-1].key {
			first = append(first, i)
		}
	}
	nDocs := len(first)
	first = append(first, len(pairs))
	// Contiguous runs of documents for the workers, several each so that
	// an uneven run does not leave a worker idle; a run's ends cost at most
	// a block decompressed twice.
	nRuns := min(nDocs, c.opt.Workers*8)
	// A batch of one (CheckOne, Trace) shows some of the documents it
	// verifies: cache them. A larger batch shows few of many, scattered;
	// fetching those again is cheaper than holding them all.
	keep := len(batch) == 1
	n := c.p.N
	recs := make([]*docMatches, len(pairs)) // recs[i]: pairs[i] verified
	_, err := forEach(ctx, c.opt.Workers, nRuns, nil, func(run int) error {
		var scratch docTok // token storage reused from document to document
		for j := run * nDocs / nRuns; j < (run+1)*nDocs/nRuns; j++ {
			if err := ctx.Err(); err != nil {
				return err // a cancelled request stops between documents
			}
			k := pairs[first[j]].key
			dt := c.cache.get(k)
			if dt == nil && keep {
				var err error
				if dt, err = c.docTokens(k); err != nil {
					return err
				}
			} else if dt == nil {
				if err := c.loadDoc(k, &scratch); err != nil {
					return err
				}
				dt = &scratch
			}
			var stripped string // the document for gpt4, stripped once
			for pi := first[j]; pi < first[j+1]; pi++ {
				p := &pairs[pi]
				b := batch[p.item]
				ms := verify(&b.toks, &dt.toks, p.anchors, n)
				p.anchors = nil // done with: let the collector have them
				if len(ms) == 0 {
					continue // every anchor was a hash collision
				}
				d := &docMatches{key: k, id: dt.hit.docID(), matches: ms}
				if len(b.gpt4) > 0 {
					if stripped == "" {
						stripped = string(gpt4Strip(dt.text))
					}
					for s, sub := range b.gpt4 {
						if strings.Contains(stripped, sub) {
							d.gpt4 = append(d.gpt4, s)
						}
					}
				}
				recs[pi] = d
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, d := range recs {
		if d != nil {
			b := batch[pairs[i].item]
			b.docs = append(b.docs, d)
		}
	}
	return nil
}

// matches returns the documents sharing a verified match with the tokens,
// in (shard, doc) order: phases 1 and 2 on a batch of one.
func (c *Checker) matches(ctx context.Context, toks *text.Tokens) ([]*docMatches, error) {
	anchors, err := c.anchors(toks)
	if err != nil {
		return nil, err
	}
	b := &batchItem{toks: *toks, anchors: anchors}
	if err := c.verifyBatch(ctx, []*batchItem{b}); err != nil {
		return nil, err
	}
	return b.docs, nil
}

// forEach calls f(0), f(1), … on up to workers goroutines, taking indices
// in order, until n or until full (if not nil) reports true before an index
// is taken. It returns how many indices were taken, a prefix, all of them
// done unless an error is returned.
func forEach(ctx context.Context, workers, n int, full func() bool, f func(i int) error) (int, error) {
	var next atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	for w := 0; w < min(workers, n); w++ {
		g.Go(func() error {
			for {
				if err := gctx.Err(); err != nil {
					return err
				}
				if full != nil && full() {
					return nil
				}
				i := int(next.Add(1)) - 1
				if i >= n {
					return nil
				}
				if err := f(i); err != nil {
					return err
				}
			}
		})
	}
	err := g.Wait()
	return min(int(next.Load()), n), err
}
