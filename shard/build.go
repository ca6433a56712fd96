// Package shard builds contam indexes: it partitions the input files into
// shards, streams each shard's documents through the normalizer into sorted
// runs of postings (spilled to disk at the memory budget), merges them into
// sstables that are ingested into a Pebble database, and writes the document
// store, the Bloom filter and the manifests. The whole index is built in a
// temporary directory that is renamed into place only when every shard has
// succeeded, so a failed or killed build never leaves an index that opens.
package shard

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/index/text"
	"github.com/contam-dev/contam/shard/source"
)

// Defaults for Options.
const (
	DefaultN        = 8
	DefaultSeed     = 0x636f6e74616d3031 // "contam01"
	DefaultMemory   = 1 << 30
	DefaultBloomFPR = 0.01
)

// ErrExists means the output directory exists and Force was not set.
var ErrExists = errors.New("shard: output exists (use --force to replace it)")

// Options configure a build.
type Options struct {
	Normalizer   string  // default text.Default
	Anchors      string  // anchor scheme: "all" (default) or "winnow-W", see ParseAnchors
	N            int     // n-gram length, default DefaultN
	Seed         uint64  // hash seed, default DefaultSeed
	Shards       int     // number of shards; capped at the number of input files
	Workers      int     // shards built at once; default min(Shards, GOMAXPROCS)
	Memory       int64   // budget for in-memory runs across all workers, bytes
	BloomFPR     float64 // Bloom filter false-positive rate
	DocBlockSize int     // document store block size
	Source       source.Options
	Force        bool // replace an existing output directory

	// Progress, when set, is updated as the build goes.
	Progress *Progress
	// FailAfterDocs makes the build fail once this many documents have been
	// read (0: never). It exists so tests can prove that a failed build
	// leaves no index behind.
	FailAfterDocs int64
}

// Progress counters, safe to read while a build runs.
type Progress struct {
	TotalBytes atomic.Int64 // compressed size of all inputs
	ReadBytes  atomic.Int64 // compressed bytes consumed so far
	Docs       atomic.Int64
	TextBytes  atomic.Int64
	Phase      atomic.Value // string: "reading", "merging", "done"
}

// Result is what a build reports.
type Result struct {
	Manifest *index.Manifest
	Skipped  []source.Skip // records skipped with SkipBad, at most maxSkipList kept
}

const maxSkipList = 1000

const (
	runReserve   = 48 << 20
	minRunMemory = 16 << 20
)

func (o *Options) params() index.Params {
	return index.Params{Normalizer: o.Normalizer, N: o.N, Hash: text.HashName, Seed: o.Seed, Anchors: o.Anchors}
}

func (o *Options) defaults(nInputs int) error {
	if o.Normalizer == "" {
		o.Normalizer = text.Default
	}
	if _, err := text.Lookup(o.Normalizer); err != nil {
		return err
	}
	if o.N == 0 {
		o.N = DefaultN
	}
	if o.Anchors == "" {
		o.Anchors = "all"
	}
	if _, err := ParseAnchors(o.Anchors); err != nil {
		return err
	}
	if o.N < 1 || o.N > 32 {
		return fmt.Errorf("shard: n must be in 1..32, got %d", o.N)
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Shards <= 0 {
		o.Shards = 1
	}
	if o.Shards > nInputs {
		o.Shards = nInputs
	}
	if o.Workers <= 0 || o.Workers > o.Shards {
		o.Workers = o.Shards
	}
	if o.Memory <= 0 {
		o.Memory = DefaultMemory
	}
	if o.BloomFPR <= 0 || o.BloomFPR >= 1 {
		o.BloomFPR = DefaultBloomFPR
	}
	if o.DocBlockSize <= 0 {
		o.DocBlockSize = index.DefaultDocBlockSize
	}
	return nil
}

// Build indexes the input files (already expanded, see source.Expand) into
// the directory out.
func Build(ctx context.Context, out string, inputs []string, opt Options) (*Result, error) {
	if len(inputs) == 0 {
		return nil, errors.New("shard: no input files")
	}
	if err := opt.defaults(len(inputs)); err != nil {
		return nil, err
	}
	if _, err := os.Stat(out); err == nil && !opt.Force {
		return nil, fmt.Errorf("%w: %s", ErrExists, out)
	}
	start := time.Now()
	prog := opt.Progress
	if prog == nil {
		prog = &Progress{}
	}
	prog.Phase.Store("reading")

	ins := make([]index.Input, len(inputs))
	var total int64
	for i, p := range inputs {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("cannot read input: %w", err)
		}
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("input %s is not a regular file", p)
		}
		ins[i] = index.Input{Path: p, Size: st.Size()}
		total += st.Size()
	}
	prog.TotalBytes.Store(total)
	parts, est, err := Partition(ins, opt.Shards)
	if err != nil {
		return nil, err
	}

	tmp, err := tempDir(out)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()

	var (
		skipMu  sync.Mutex
		skipped []source.Skip
		nSkip   atomic.Int64
	)
	srcOpt := opt.Source
	srcOpt.OnSkip = func(s source.Skip) {
		nSkip.Add(1)
		skipMu.Lock()
		if len(skipped) < maxSkipList {
			skipped = append(skipped, s)
		}
		skipMu.Unlock()
		if opt.Source.OnSkip != nil {
			opt.Source.OnSkip(s)
		}
	}

	shardMans := make([]*index.ShardManifest, len(parts))
	// Runs get the budget less a reserve for what else a worker holds
	// (decoders, document block, Pebble's memtable during ingest).
	memPer := max(opt.Memory-runReserve, minRunMemory) / int64(opt.Workers)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opt.Workers)
	for si := range parts {
		g.Go(func() error {
			dir := filepath.Join(tmp, index.ShardDirName(si))
			shardIns := make([]index.Input, len(parts[si]))
			for j, ii := range parts[si] {
				shardIns[j] = ins[ii]
			}
			var bytes int64
			for _, ii := range parts[si] {
				bytes += est[ii]
			}
			sm, err := buildShard(gctx, dir, shardIns, opt, srcOpt, memPer, bytes/5, prog)
			if err != nil {
				return fmt.Errorf("shard %d: %w", si, err)
			}
			shardMans[si] = sm
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	prog.Phase.Store("finishing")
	params := opt.params()
	m := &index.Manifest{
		FormatVersion: index.FormatVersion,
		Params:        params,
		Fingerprint:   params.Fingerprint(),
		BloomFPR:      opt.BloomFPR,
		Built:         time.Now().UTC().Truncate(time.Second),
		Tool:          "contam",
	}
	for si, sm := range shardMans {
		m.Shards = append(m.Shards, index.ShardDirName(si))
		m.ShardCounts = append(m.ShardCounts, sm.Counts)
		m.Counts.Add(sm.Counts)
		m.Inputs = append(m.Inputs, sm.Inputs...)
	}
	sort.Slice(m.Inputs, func(i, j int) bool { return m.Inputs[i].Path < m.Inputs[j].Path })
	m.Counts.Skipped = nSkip.Load()
	m.BuildSeconds = time.Since(start).Seconds()
	if err := index.WriteJSON(filepath.Join(tmp, index.ManifestFile), m); err != nil {
		return nil, err
	}
	if err := syncDir(tmp); err != nil {
		return nil, err
	}
	if err := replace(tmp, out, opt.Force); err != nil {
		return nil, err
	}
	ok = true
	prog.Phase.Store("done")
	return &Result{Manifest: m, Skipped: skipped}, nil
}

var errInjected = errors.New("shard: injected failure (FailAfterDocs)")

func buildShard(ctx context.Context, dir string, ins []index.Input, opt Options, srcOpt source.Options, mem, expectTokens int64, prog *Progress) (*index.ShardManifest, error) {
	w, err := newWriter(dir, opt.params(), mem, opt.DocBlockSize, expectTokens)
	if err != nil {
		return nil, err
	}
	for i := range ins {
		sum, err := fileSHA256(ins[i].Path)
		if err != nil {
			return nil, err
		}
		ins[i].SHA256 = sum
		if err := readInput(ctx, w, i, ins[i].Path, srcOpt, opt.FailAfterDocs, prog); err != nil {
			return nil, err
		}
	}
	prog.Phase.Store("merging")
	return w.finish(ctx, ins, opt.BloomFPR, opt.DocBlockSize)
}

func readInput(ctx context.Context, w *writer, input int, path string, srcOpt source.Options, failAfter int64, prog *Progress) error {
	r, err := source.Open(path, srcOpt)
	if err != nil {
		return err
	}
	defer r.Close()
	var reported int64
	for n := 0; ; n++ {
		d, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := w.add(d, input); err != nil {
			return fmt.Errorf("%s: line %d: %w", path, d.Line, err)
		}
		docs := prog.Docs.Add(1)
		prog.TextBytes.Add(int64(len(d.Text)))
		if failAfter > 0 && docs >= failAfter {
			return errInjected
		}
		if n&63 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			p := r.Progress()
			prog.ReadBytes.Add(p - reported)
			reported = p
		}
	}
	prog.ReadBytes.Add(r.Progress() - reported)
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("cannot read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// tempDir makes the build directory next to out, so the final rename stays
// on one file system.
func tempDir(out string) (string, error) {
	parent := filepath.Dir(filepath.Clean(out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	var b [6]byte
	rand.Read(b[:])
	dir := filepath.Join(parent, "."+filepath.Base(filepath.Clean(out))+".building-"+hex.EncodeToString(b[:]))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", err
	}
	return dir, nil
}

// replace moves the finished build into place. With force, an existing
// output is moved aside first and removed only after the new one is in.
func replace(tmp, out string, force bool) error {
	var old string
	if _, err := os.Stat(out); err == nil {
		if !force {
			return fmt.Errorf("%w: %s", ErrExists, out)
		}
		old = tmp + ".old"
		if err := os.Rename(out, old); err != nil {
			return fmt.Errorf("cannot move old index aside: %w", err)
		}
	}
	if err := os.Rename(tmp, out); err != nil {
		if old != "" {
			os.Rename(old, out)
		}
		return fmt.Errorf("cannot move index into place: %w", err)
	}
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("new index is in place but the old one could not be removed from %s: %w", old, err)
		}
	}
	return syncDir(filepath.Dir(filepath.Clean(out)))
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
