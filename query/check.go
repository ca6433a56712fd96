package query

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/index/text"
	"github.com/contam-dev/contam/query/item"
)

// Options configure a check.
type Options struct {
	Rule    Rule
	TopDocs int // documents shown per item
	Context int // runes of document context on each side of a match
	Workers int // items checked at once; default GOMAXPROCS

	Standards []string       // named standards to judge by (see StandardNames)
	Std       StandardParams // their parameters

	NearDup       bool    // align items against candidate document windows
	NearThreshold float64 // similarity at which an item is a near-duplicate
	NearDocs      int     // candidate documents aligned per item
}

// Defaults for Options.
const (
	DefaultMinSpan     = 13
	DefaultMinCoverage = 0.5
	DefaultMinCovered  = 10
	DefaultTopDocs     = 3
	DefaultContext     = 200
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
}

// Checker checks items against an opened index. It is safe for concurrent use.
type Checker struct {
	ix    *index.Index
	norm  text.Normalizer
	p     index.Params
	opt   Options
	cache *docCache
	bench *benchContext // set by Check when standards are asked for
}

// NewChecker prepares a checker; the normalizer, n and seed come from the
// index manifest.
func NewChecker(ix *index.Index, opt Options) (*Checker, error) {
	opt.defaults()
	norm, err := text.Lookup(ix.Manifest.Params.Normalizer)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", ix.Dir, err)
	}
	c := &Checker{ix: ix, norm: norm, p: ix.Manifest.Params, opt: opt, cache: newDocCache(256 << 20)}
	if err := c.checkStandards(); err != nil {
		return nil, err
	}
	return c, nil
}

// Options returns the effective options.
func (c *Checker) Options() Options { return c.opt }

// Check checks every item and returns results in item order.
func (c *Checker) Check(ctx context.Context, items []item.Item) ([]Result, error) {
	if len(c.opt.Standards) > 0 {
		c.bench = c.prepare(items)
	}
	res := make([]Result, len(items))
	if c.opt.Workers == 1 {
		for i := range items {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			r, err := c.CheckOne(items[i])
			if err != nil {
				return nil, err
			}
			res[i] = r
		}
		return res, nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.opt.Workers)
	for i := range items {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			r, err := c.CheckOne(items[i])
			res[i] = r
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return res, nil
}

type docKey struct {
	shard int
	doc   uint32
}

type anchor struct{ i, p int }

// CheckOne checks a single item.
func (c *Checker) CheckOne(it item.Item) (Result, error) {
	var toks text.Tokens
	c.norm.Tokenize(&toks, []byte(it.Text))
	r := Result{ID: it.ID, Index: it.Index, Tokens: toks.Len(), Rule: c.opt.Rule, TooShort: toks.Len() < c.p.N}
	docs, err := c.matches(&toks)
	if err != nil {
		return r, err
	}
	if c.opt.NearDup {
		r.NearDup = c.nearDup(it.Text, &toks, docs) // before aggregate reorders docs
	}
	aggregate(&r, toks.Start, toks.End, docs, c.opt.TopDocs, c.opt.Context)
	c.judge(&r, it, &toks, docs) // after aggregate: lmeval reads the longest span
	return r, nil
}

// matches finds every corpus document sharing at least one n-gram with the
// tokens, and in each the verified maximal matches. Documents come in
// (shard, doc) order; all postings are read, so the set is exact.
func (c *Checker) matches(toks *text.Tokens) ([]*docMatches, error) {
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
					anchors[k] = append(anchors[k], anchor{i, int(p.Pos)})
				}
			}
		}
	}
	keys := make([]docKey, 0, len(anchors))
	for k := range anchors {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b docKey) int {
		if a.shard != b.shard {
			return a.shard - b.shard
		}
		return int(a.doc) - int(b.doc)
	})
	var docs []*docMatches
	for _, k := range keys {
		dt, err := c.docTokens(k)
		if err != nil {
			return nil, err
		}
		ms := verify(toks, &dt.toks, anchors[k], n)
		if len(ms) == 0 {
			continue // every anchor was a hash collision
		}
		docs = append(docs, &docMatches{hit: dt.hit, text: dt.text, starts: dt.toks.Start, ends: dt.toks.End, matches: ms, toks: &dt.toks})
	}
	return docs, nil
}

// verify checks each anchor token by token against the document and extends
// it to a maximal match. Anchors on the same diagonal (doc pos − item pos)
// inside an already extended match are skipped, so each maximal match is
// reported once.
func verify(item, doc *text.Tokens, as []anchor, n int) []match {
	slices.SortFunc(as, func(a, b anchor) int {
		if da, db := a.p-a.i, b.p-b.i; da != db {
			return da - db
		}
		return a.i - b.i
	})
	var out []match
	lastDiag, lastEnd := 0, -1
	for _, a := range as {
		diag := a.p - a.i
		if diag == lastDiag && a.i < lastEnd {
			continue
		}
		if a.i+n > item.Len() || a.p+n > doc.Len() {
			continue
		}
		ok := true
		for k := 0; k < n; k++ {
			if !bytes.Equal(item.Norm(a.i+k), doc.Norm(a.p+k)) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		s, d := a.i, a.p
		for s > 0 && d > 0 && bytes.Equal(item.Norm(s-1), doc.Norm(d-1)) {
			s--
			d--
		}
		e, f := a.i+n, a.p+n
		for e < item.Len() && f < doc.Len() && bytes.Equal(item.Norm(e), doc.Norm(f)) {
			e++
			f++
		}
		out = append(out, match{itemStart: s, itemEnd: e, docStart: d, docEnd: f})
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

func (c *Checker) docTokens(k docKey) (*docTok, error) {
	if dt := c.cache.get(k); dt != nil {
		return dt, nil
	}
	sh := c.ix.Shards[k.shard]
	d, err := sh.Doc(k.doc)
	if err != nil {
		return nil, err
	}
	dt := &docTok{
		hit:  DocHit{ID: d.ID, Source: sh.InputPath(d.Input), Line: d.Line, Offset: d.Offset, Meta: d.Meta},
		text: d.Text,
	}
	c.norm.Tokenize(&dt.toks, d.Text)
	c.cache.put(k, dt)
	return dt, nil
}

// docCache keeps recently tokenized documents, bounded by their text size:
// items of one benchmark often hit the same documents.
type docCache struct {
	mu    sync.Mutex
	max   int
	size  int
	m     map[docKey]*docTok
	order []docKey // FIFO eviction is enough here
}

func newDocCache(max int) *docCache { return &docCache{max: max, m: map[docKey]*docTok{}} }

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
	sz := len(dt.text)*3 + 64
	for c.size+sz > c.max && len(c.order) > 0 {
		old := c.order[0]
		c.order = c.order[1:]
		c.size -= len(c.m[old].text)*3 + 64
		delete(c.m, old)
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
