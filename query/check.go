package query

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/index/text"
	"github.com/contam-dev/contam/query/item"
)

// Options configure a check.
type Options struct {
	Rule    Rule
	TopDocs int // documents shown per item
	Context int // runes of document context on each side of a match
	Workers int // goroutines of each phase of a check (see batch.go); default GOMAXPROCS

	Standards []string       // named standards to judge by (see StandardNames)
	Std       StandardParams // their parameters

	NearDup       bool    // align items against candidate document windows
	NearThreshold float64 // similarity at which an item is a near-duplicate
	NearDocs      int     // candidate documents aligned per item

	// Memory bounds what a check holds (default DefaultMemory): the batch
	// of items verified together (see batch.go) and the document cache.
	// The index's own caches (Pebble's block cache, the doc store's
	// decompressed blocks) are not counted.
	Memory int64
}

// Defaults for Options.
const (
	DefaultMinSpan     = 13
	DefaultMinCoverage = 0.5
	DefaultMinCovered  = 10
	DefaultTopDocs     = 3
	DefaultContext     = 200
	DefaultMemory      = 1 << 30
)

func (o *Options) defaults() {
	if o.Rule.MinSpan <= 0 {
		o.Rule.MinSpan = DefaultMinSpan
	}
	if o.Rule.MinCoverage <= 0 {
		o.Rule.MinCoverage = DefaultMinCoverage
	}
	if o.Rule.MinCovered <= 0 {
		o.Rule.MinCovered = DefaultMinCovered
	}
	if o.TopDocs <= 0 {
		o.TopDocs = DefaultTopDocs
	}
	if o.Context < 0 {
		o.Context = 0
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	o.Std.defaults()
	if o.NearThreshold <= 0 {
		o.NearThreshold = DefaultNearThreshold
	}
	if o.NearDocs <= 0 {
		o.NearDocs = DefaultNearDocs
	}
	if o.Memory <= 0 {
		o.Memory = DefaultMemory
	}
}

// Checker checks items against an opened index. It is safe for concurrent use.
type Checker struct {
	ix    *index.Index
	norm  text.Normalizer
	p     index.Params
	opt   Options
	cache *docCache

	docReads atomic.Int64 // documents read from the doc store (tests: phase 2 reads each once a batch)
}

// NewChecker prepares a checker; the normalizer, n and seed come from the
// index manifest.
func NewChecker(ix *index.Index, opt Options) (*Checker, error) {
	opt.defaults()
	norm, err := text.Lookup(ix.Manifest.Params.Normalizer)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", ix.Dir, err)
	}
	c := &Checker{ix: ix, norm: norm, p: ix.Manifest.Params, opt: opt, cache: newDocCache(opt.Memory / cacheShare)}
	if err := c.checkStandards(); err != nil {
		return nil, err
	}
	return c, nil
}

// Options returns the effective options.
func (c *Checker) Options() Options { return c.opt }

// Check checks every item and returns results in item order. Items are
// checked in batches bounded by Options.Memory, in the three phases
// described in batch.go.
func (c *Checker) Check(ctx context.Context, items []item.Item) ([]Result, error) {
	var bc *benchContext
	if len(c.opt.Standards) > 0 {
		bc = c.prepare(items)
	}
	return c.check(ctx, items, bc)
}

// CheckOne checks a single item: a batch of one (gpt3, if asked for, with N
// from this item alone).
func (c *Checker) CheckOne(it item.Item) (Result, error) {
	var bc *benchContext
	if len(c.opt.Standards) > 0 {
		bc = c.prepare([]item.Item{it})
	}
	rs, err := c.check(context.Background(), []item.Item{it}, bc)
	if err != nil {
		return Result{}, err
	}
	return rs[0], nil
}

func (c *Checker) check(ctx context.Context, items []item.Item, bc *benchContext) ([]Result, error) {
	res := make([]Result, len(items))
	for start := 0; start < len(items); {
		batch, err := c.lookup(ctx, items[start:]) // phase 1
		if err != nil {
			return nil, err
		}
		if err := c.verifyBatch(ctx, batch); err != nil { // phase 2
			return nil, err
		}
		_, err = forEach(ctx, c.opt.Workers, len(batch), nil, func(i int) error { // phase 3
			var err error
			res[start+i], err = c.result(items[start+i], batch[i], bc)
			batch[i] = nil // its matches are no longer needed
			return err
		})
		if err != nil {
			return nil, err
		}
		start += len(batch)
	}
	return res, nil
}

// result is phase 3 for one item: its verified matches become the Result.
func (c *Checker) result(it item.Item, b *batchItem, bc *benchContext) (Result, error) {
	toks := &b.toks
	r := Result{ID: it.ID, Index: it.Index, Tokens: toks.Len(), Rule: c.opt.Rule, TooShort: toks.Len() < c.p.N}
	if c.opt.NearDup {
		nd, err := c.nearDup(it.Text, toks, b.docs) // before aggregate sorts each document's matches
		if err != nil {
			return r, err
		}
		r.NearDup = nd
	}
	if err := aggregate(&r, toks.Start, toks.End, b.docs, c.opt.TopDocs, c.opt.Context, c.docOf); err != nil {
		return r, err
	}
	c.judge(&r, it, toks, b.docs, bc) // after aggregate: lmeval reads the longest span
	return r, nil
}

type docKey struct {
	shard int
	doc   uint32
}

func cmpDocKey(a, b docKey) int {
	if a.shard != b.shard {
		return a.shard - b.shard
	}
	return cmp.Compare(a.doc, b.doc)
}

// anchor is an n-gram the item shares with a document: its positions in
// both (32 bits each: a batch holds many).
type anchor struct{ i, p uint32 }

// verify checks each anchor token by token against the document and extends
// it to a maximal match. Anchors on the same diagonal (doc pos − item pos)
// inside an already extended match are skipped, so each maximal match is
// reported once.
func verify(item, doc *text.Tokens, as []anchor, n int) []match {
	slices.SortFunc(as, func(a, b anchor) int {
		if da, db := int(a.p)-int(a.i), int(b.p)-int(b.i); da != db {
			return da - db
		}
		return int(a.i) - int(b.i)
	})
	var out []match
	lastDiag, lastEnd := 0, -1
	for _, an := range as {
		ai, ap := int(an.i), int(an.p)
		diag := ap - ai
		if diag == lastDiag && ai < lastEnd {
			continue
		}
		if ai+n > item.Len() || ap+n > doc.Len() {
			continue
		}
		ok := true
		for k := 0; k < n; k++ {
			if !bytes.Equal(item.Norm(ai+k), doc.Norm(ap+k)) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		s, d := ai, ap
		for s > 0 && d > 0 && bytes.Equal(item.Norm(s-1), doc.Norm(d-1)) {
			s--
			d--
		}
		e, f := ai+n, ap+n
		for e < item.Len() && f < doc.Len() && bytes.Equal(item.Norm(e), doc.Norm(f)) {
			e++
			f++
		}
		out = append(out, match{itemStart: s, itemEnd: e, docStart: d, docEnd: f, byteStart: doc.Start[d], byteEnd: doc.End[f-1]})
		lastDiag, lastEnd = diag, e
	}
	return out
}

// docTok is a tokenized stored document.
type docTok struct {
	hit  DocHit
	text []byte
	toks text.Tokens
}

// loadDoc reads document k and tokenizes it into dt, reusing dt's token
// storage.
func (c *Checker) loadDoc(k docKey, dt *docTok) error {
	sh := c.ix.Shards[k.shard]
	d, err := sh.Doc(k.doc)
	if err != nil {
		return err
	}
	c.docReads.Add(1)
	dt.hit = DocHit{ID: d.ID, Source: sh.InputPath(d.Input), Line: d.Line, Offset: d.Offset, Meta: d.Meta, Shard: k.shard, Doc: k.doc}
	dt.text = d.Text
	dt.toks.Reset()
	c.norm.Tokenize(&dt.toks, d.Text)
	return nil
}

// docTokens returns document k, tokenized, through the document cache.
func (c *Checker) docTokens(k docKey) (*docTok, error) {
	if dt := c.cache.get(k); dt != nil {
		return dt, nil
	}
	dt := &docTok{}
	if err := c.loadDoc(k, dt); err != nil {
		return nil, err
	}
	c.cache.put(k, dt)
	return dt, nil
}

// docOf fetches a document to show a match in it.
func (c *Checker) docOf(d *docMatches) (*docTok, error) { return c.docTokens(d.key) }

// docCache keeps recently fetched documents, bounded by their estimated
// size: items of one benchmark often show the same documents, and a trace
// or a single check shows documents it has just verified.
type docCache struct {
	mu    sync.Mutex
	max   int64
	size  int64
	m     map[docKey]*docTok
	order []docKey // FIFO eviction is enough here
}

func newDocCache(max int64) *docCache { return &docCache{max: max, m: map[docKey]*docTok{}} }

// size estimates the memory of a tokenized document: its text, each token's
// start, end and normalized-form end (8 bytes each), and the normalized
// forms (about the text's size).
func (dt *docTok) size() int64 { return 2*int64(len(dt.text)) + 24*int64(dt.toks.Len()) + 128 }

func (c *docCache) get(k docKey) *docTok {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k]
}

func (c *docCache) put(k docKey, dt *docTok) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok {
		return
	}
	sz := dt.size()
	for c.size+sz > c.max && len(c.order) > 0 {
		old := c.order[0]
		c.order = c.order[1:]
		c.size -= c.m[old].size()
		delete(c.m, old)
	}
	if sz > c.max {
		return // larger than the whole cache
	}
	c.m[k] = dt
	c.order = append(c.order, k)
	c.size += sz
}

// Tokenize returns the normalized tokens of s under the named normalizer.
func Tokenize(normalizer, s string) ([]string, error) {
	norm, err := text.Lookup(normalizer)
	if err != nil {
		return nil, err
	}
	var toks text.Tokens
	norm.Tokenize(&toks, []byte(s))
	out := make([]string, toks.Len())
	for i := range out {
		out[i] = string(toks.Norm(i))
	}
	return out, nil
}
