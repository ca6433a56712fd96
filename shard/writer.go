package shard

import (
	"bufio"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/bits-and-blooms/bloom/v3"
	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/objstorage/objstorageprovider"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/index/text"
	"github.com/contam-dev/contam/shard/source"
)

// maxSSTableBytes closes an sstable and starts the next one; smaller files
// let Pebble ingest and cache them in pieces.
const maxSSTableBytes = 256 << 20

// writer builds one shard in its own directory. It is used by one goroutine.
type writer struct {
	dir        string
	params     index.Params
	norm       text.Normalizer
	docs       *index.DocWriter
	buf        []entry // the current in-memory run
	tmp        []entry // radix sort scratch, as large as buf
	maxEntries int
	runs       []string
	counts     index.Counts
	toks       text.Tokens
	th, hashes []uint64
	keep       []int // positions the anchor scheme stores
	window     int   // winnowing window (1: all positions)
	start      time.Time
}

// newWriter prepares a shard writer. expectTokens (an estimate) sizes the
// first run so that small shards do not pay for growing it.
func newWriter(dir string, params index.Params, memBytes int64, docBlockSize int, expectTokens int64) (*writer, error) {
	norm, err := text.Lookup(params.Normalizer)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "runs"), 0o755); err != nil {
		return nil, err
	}
	docs, err := index.NewDocWriter(filepath.Join(dir, index.DocsFile), filepath.Join(dir, index.DocsIndexFile), docBlockSize)
	if err != nil {
		return nil, err
	}
	// The run and its sort scratch share the budget.
	maxEntries := int(memBytes / (2 * entrySize))
	if maxEntries < 1<<16 {
		maxEntries = 1 << 16
	}
	window, err := index.ParseAnchors(params.Anchors)
	if err != nil {
		return nil, err
	}
	w := &writer{dir: dir, params: params, norm: norm, docs: docs, maxEntries: maxEntries, start: time.Now(), window: window}
	if n := min(expectTokens, int64(maxEntries)); n > 0 {
		w.buf = make([]entry, 0, n)
	}
	return w, nil
}

// add stores one document and collects its postings.
func (w *writer) add(d *source.Doc, input int) error {
	meta := index.DocMeta{ID: d.ID, Input: input, Line: d.Line, Offset: d.Offset, Meta: d.Meta}
	base := uint64(w.counts.Tokens)
	if _, err := w.docs.Add(&meta, d.Text, base); err != nil {
		return err
	}
	w.toks.Reset()
	w.norm.Tokenize(&w.toks, d.Text)
	nt := w.toks.Len()
	if uint64(nt) > uint64(^uint32(0)) {
		return fmt.Errorf("document %q has %d tokens, more than a posting can address", d.ID, nt)
	}
	w.th = w.th[:0]
	for i := 0; i < nt; i++ {
		w.th = append(w.th, text.TokenHash(w.toks.Norm(i), w.params.Seed))
	}
	w.hashes = text.NGramHashesOf(w.hashes[:0], w.th, w.params.N, w.params.Seed)
	w.keep = winnow(w.keep[:0], w.hashes, w.window)
	for _, i := range w.keep {
		if len(w.buf) == cap(w.buf) {
			if err := w.grow(); err != nil {
				return err
			}
		}
		w.buf = append(w.buf, entry{hash: w.hashes[i], gpos: base + uint64(i)})
	}
	w.counts.Docs++
	w.counts.TextBytes += int64(len(d.Text))
	w.counts.Tokens += int64(nt)
	w.counts.Postings += int64(len(w.keep))
	return nil
}

// grow makes room in the run: it doubles the buffer up to the budget
// (never past it, unlike append's growth) and spills once it is full.
func (w *writer) grow() error {
	if cap(w.buf) >= w.maxEntries {
		return w.spill()
	}
	n := min(max(2*cap(w.buf), 1<<14), w.maxEntries)
	nb := make([]entry, len(w.buf), n)
	copy(nb, w.buf)
	w.buf = nb
	return nil
}

func (w *writer) sort() {
	if cap(w.tmp) < len(w.buf) {
		w.tmp = make([]entry, len(w.buf), cap(w.buf))
	}
	sortEntries(w.buf, w.tmp)
}

// spill sorts the in-memory run and writes it to disk, so memory stays at
// the budget whatever the shard's size.
func (w *writer) spill() error {
	w.sort()
	path := filepath.Join(w.dir, "runs", fmt.Sprintf("run-%06d", len(w.runs)))
	if err := writeRun(path, w.buf); err != nil {
		return fmt.Errorf("cannot spill run: %w", err)
	}
	w.runs = append(w.runs, path)
	w.buf = w.buf[:0]
	return nil
}

// finish merges the runs into sstables, ingests them into a new Pebble
// database, builds the Bloom filter and writes shard.json.
func (w *writer) finish(ctx context.Context, inputs []index.Input, fpr float64, docBlockSize int, place shardPlace) (*index.ShardManifest, error) {
	var ph index.Phases
	t0 := time.Now()
	ph.Read = t0.Sub(w.start).Seconds()
	if err := w.docs.Close(); err != nil {
		return nil, fmt.Errorf("cannot write document store: %w", err)
	}
	w.sort()
	w.tmp = nil
	its := []iterator{&sliceIter{es: w.buf}}
	var files []*fileIter
	defer func() {
		for _, f := range files {
			f.close()
		}
	}()
	for _, r := range w.runs {
		f, err := openRun(r, 256<<10)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
		its = append(its, f)
	}
	m, err := newMerger(its)
	if err != nil {
		return nil, err
	}

	popts := &pebble.Options{Logger: index.QuietLogger{}, FormatMajorVersion: pebble.FormatNewest}
	db, err := pebble.Open(filepath.Join(w.dir, index.PostingsDir), popts)
	if err != nil {
		return nil, fmt.Errorf("cannot create postings database: %w", err)
	}
	defer func() {
		if db != nil {
			db.Close()
		}
	}()
	popts.EnsureDefaults()
	wopts := popts.MakeWriterOptions(6, db.TableFormat())

	hashesPath := filepath.Join(w.dir, "ngrams.tmp")
	hf, err := os.Create(hashesPath)
	if err != nil {
		return nil, err
	}
	hw := bufio.NewWriterSize(hf, 1<<20)

	bb := index.BucketBits(w.counts.Postings)
	var (
		ssts   []string
		sw     *sstable.Writer
		swPath string
		bucket []index.BucketEntry
		hashes []uint64 // full hashes of the bucket's entries
		keyBuf = make([]byte, 8)
		val    []byte
		cur    uint32
		have   bool
		ngrams int64
	)
	closeSST := func() error {
		if sw == nil {
			return nil
		}
		err := sw.Close()
		sw = nil
		if err != nil {
			return fmt.Errorf("cannot write sstable %s: %w", swPath, err)
		}
		ssts = append(ssts, swPath)
		return nil
	}
	emit := func() error {
		if sw == nil {
			swPath = filepath.Join(w.dir, fmt.Sprintf("ingest-%06d.sst", len(ssts)))
			f, err := vfs.Default.Create(swPath, vfs.WriteCategoryUnspecified)
			if err != nil {
				return err
			}
			sw = sstable.NewWriter(objstorageprovider.NewFileWritable(f), wopts)
		}
		// Distinct n-grams of the bucket go to the Bloom filter's input.
		slices.Sort(hashes)
		for i, h := range hashes {
			if i > 0 && h == hashes[i-1] {
				continue
			}
			binary.BigEndian.PutUint64(keyBuf[:8], h) // = index.BloomKey(h), without an allocation per key
			if _, err := hw.Write(keyBuf[:8]); err != nil {
				return err
			}
			ngrams++
		}
		// Runs are ordered by the top hash bits and position; different
		// hashes with one fingerprint can interleave positions.
		slices.SortFunc(bucket, func(a, b index.BucketEntry) int {
			if a.FP != b.FP {
				return int(a.FP) - int(b.FP)
			}
			return cmp.Compare(a.GPos, b.GPos)
		})
		binary.BigEndian.PutUint32(keyBuf[:4], cur) // = index.BucketKey(cur)
		val = index.AppendBucket(val[:0], bucket)
		if err := sw.Set(keyBuf[:4], val); err != nil {
			return err
		}
		if sw.Raw().EstimatedSize() >= maxSSTableBytes {
			return closeSST()
		}
		return nil
	}
	for n := 0; ; n++ {
		if n&0xffff == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		e, ok, err := m.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		b := index.Bucket(e.hash, bb)
		if have && b != cur {
			if err := emit(); err != nil {
				return nil, err
			}
			bucket, hashes = bucket[:0], hashes[:0]
		}
		cur, have = b, true
		bucket = append(bucket, index.BucketEntry{FP: index.Fingerprint(e.hash, bb), GPos: e.gpos})
		hashes = append(hashes, e.hash)
	}
	if have {
		if err := emit(); err != nil {
			return nil, err
		}
	}
	if err := closeSST(); err != nil {
		return nil, err
	}
	w.buf = nil // release the run before the Bloom filter is allocated
	if err := hw.Flush(); err != nil {
		return nil, err
	}
	if err := hf.Close(); err != nil {
		return nil, err
	}
	if len(ssts) > 0 {
		if err := db.Ingest(ctx, ssts); err != nil {
			return nil, fmt.Errorf("cannot ingest sstables: %w", err)
		}
	}
	err = db.Close()
	db = nil
	if err != nil {
		return nil, err
	}
	w.counts.NGrams = ngrams
	t1 := time.Now()
	ph.Merge = t1.Sub(t0).Seconds()

	binfo, err := writeBloom(hashesPath, filepath.Join(w.dir, index.BloomFile), ngrams, fpr)
	if err != nil {
		return nil, err
	}
	ph.Bloom = time.Since(t1).Seconds()
	if err := os.Remove(hashesPath); err != nil {
		return nil, err
	}
	if err := os.RemoveAll(filepath.Join(w.dir, "runs")); err != nil {
		return nil, err
	}
	w.counts.Skipped = place.skipped.Load()
	sm := &index.ShardManifest{
		FormatVersion: index.FormatVersion,
		Params:        w.params,
		Fingerprint:   w.params.Fingerprint(),
		Inputs:        inputs,
		Counts:        w.counts,
		Bloom:         binfo,
		DocBlockSize:  docBlockSize,
		BucketBits:    bb,
		BuildSeconds:  time.Since(w.start).Seconds(),
		Phases:        ph,
		Shard:         place.shard,
		ShardsTotal:   place.of,
		Plan:          place.plan,
	}
	if err := index.WriteJSON(filepath.Join(w.dir, index.ShardManifestFile), sm); err != nil {
		return nil, err
	}
	return sm, nil
}

// writeBloom sizes a Bloom filter for the measured number of distinct
// n-grams and the target false-positive rate, and fills it from the keys the
// merge wrote to hashesPath.
func writeBloom(hashesPath, out string, n int64, fpr float64) (index.BloomInfo, error) {
	if n < 1 {
		n = 1
	}
	bf := bloom.NewWithEstimates(uint(n), fpr)
	f, err := os.Open(hashesPath)
	if err != nil {
		return index.BloomInfo{}, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var k [8]byte
	for {
		if _, err := io.ReadFull(r, k[:]); err != nil {
			if err == io.EOF {
				break
			}
			return index.BloomInfo{}, err
		}
		bf.Add(k[:])
	}
	of, err := os.Create(out)
	if err != nil {
		return index.BloomInfo{}, err
	}
	bw := bufio.NewWriter(of)
	if _, err := bf.WriteTo(bw); err != nil {
		of.Close()
		return index.BloomInfo{}, err
	}
	if err := bw.Flush(); err != nil {
		of.Close()
		return index.BloomInfo{}, err
	}
	if err := of.Sync(); err != nil {
		of.Close()
		return index.BloomInfo{}, err
	}
	if err := of.Close(); err != nil {
		return index.BloomInfo{}, err
	}
	return index.BloomInfo{FPR: fpr, Bits: uint64(bf.Cap()), Hashes: uint64(bf.K())}, nil
}
