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
	Anchors      string  // anchor scheme: "all" (default) or "winnow-W", see index.ParseAnchors
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
	if _, err := index.ParseAnchors(o.Anchors); err != nil {
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
// the directory out. The whole index is built in a temporary directory next
// to out and renamed into place when every shard is done.
func Build(ctx context.Context, out string, inputs []string, opt Options) (*Result, error) {
	pl, err := newPlan(inputs, &opt)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(out); err == nil && !opt.Force {
		return nil, fmt.Errorf("%w: %s", ErrExists, out)
	}
	start := time.Now()
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
	all := make([]int, len(pl.parts))
	for i := range all {
		all[i] = i
	}
	sms, skipped, err := buildShards(ctx, pl, all, opt, func(si int) (string, error) {
		return filepath.Join(tmp, index.ShardDirName(si)), nil
	}, nil)
	if err != nil {
		return nil, err
	}
	opt.progress().Phase.Store("finishing")
	m := newManifest(opt.params(), opt.BloomFPR)
	for si, sm := range sms {
		m.AddShard(index.ShardDirName(si), sm)
	}
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
	opt.progress().Phase.Store("done")
	return &Result{Manifest: m, Skipped: skipped}, nil
}

func (o *Options) progress() *Progress {
	if o.Progress == nil {
		o.Progress = &Progress{}
	}
	return o.Progress
}

func newManifest(p index.Params, fpr float64) *index.Manifest {
	return &index.Manifest{
		FormatVersion: index.FormatVersion,
		Params:        p,
		Fingerprint:   p.Fingerprint(),
		BloomFPR:      fpr,
		Built:         time.Now().UTC().Truncate(time.Second),
		Tool:          "contam",
	}
}

// plan is the deterministic assignment of input files to shards. It depends
// only on the input list (paths, sizes, contents of the first MiB) and the
// shard count, so separate processes — the tasks of a distributed build —
// compute the same plan; ID names it in every shard.json.
type plan struct {
	ins   []index.Input
	parts [][]int // input indexes per shard
	est   []int64 // estimated uncompressed size per input
	id    string
}

func newPlan(inputs []string, opt *Options) (*plan, error) {
	if len(inputs) == 0 {
		return nil, errors.New("shard: no input files")
	}
	if err := opt.defaults(len(inputs)); err != nil {
		return nil, err
	}
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
	prog := opt.progress()
	prog.Phase.Store("reading")
	if prog.TotalBytes.Load() == 0 {
		prog.TotalBytes.Store(total)
	}
	parts, est, err := Partition(ins, opt.Shards)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "shards=%d\n", len(parts))
	for _, in := range ins {
		fmt.Fprintf(h, "%q %d\n", in.Path, in.Size)
	}
	return &plan{ins: ins, parts: parts, est: est, id: hex.EncodeToString(h.Sum(nil)[:8])}, nil
}

// buildShards builds the shards listed in which, shard si into dirOf(si),
// at most opt.Workers at once. done, when set, is called as each shard
// finishes (its directory complete), before the others are done.
func buildShards(ctx context.Context, pl *plan, which []int, opt Options, dirOf func(si int) (string, error), done func(si int, dir string) error) (map[int]*index.ShardManifest, []source.Skip, error) {
	var (
		skipMu  sync.Mutex
		skipped []source.Skip
		smMu    sync.Mutex
		sms     = map[int]*index.ShardManifest{}
	)
	srcOpt := opt.Source
	srcOpt.OnSkip = func(s source.Skip) {
		skipMu.Lock()
		if len(skipped) < maxSkipList {
			skipped = append(skipped, s)
		}
		skipMu.Unlock()
		if opt.Source.OnSkip != nil {
			opt.Source.OnSkip(s)
		}
	}
	workers := min(opt.Workers, len(which))
	// Runs get the budget less a reserve for what else a worker holds
	// (decoders, document block, Pebble's memtable during ingest).
	memPer := max(opt.Memory-runReserve, minRunMemory) / int64(max(workers, 1))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(workers, 1))
	for _, si := range which {
		g.Go(func() error {
			dir, err := dirOf(si)
			if err != nil {
				return fmt.Errorf("shard %d: %w", si, err)
			}
			shardIns := make([]index.Input, len(pl.parts[si]))
			var bytes int64
			for j, ii := range pl.parts[si] {
				shardIns[j] = pl.ins[ii]
				bytes += pl.est[ii]
			}
			// Each shard counts its own skipped records: a distributed
			// build's finalize step sums them from the shard manifests.
			var shardSkips atomic.Int64
			shardSrc := srcOpt
			shardSrc.OnSkip = func(s source.Skip) {
				shardSkips.Add(1)
				srcOpt.OnSkip(s)
			}
			sm, err := buildShard(gctx, dir, shardIns, opt, shardSrc, memPer, bytes/5, opt.progress(), shardPlace{si, len(pl.parts), pl.id, &shardSkips})
			if err != nil {
				return fmt.Errorf("shard %d: %w", si, err)
			}
			if done != nil {
				if err := done(si, dir); err != nil {
					return fmt.Errorf("shard %d: %w", si, err)
				}
			}
			smMu.Lock()
			sms[si] = sm
			smMu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	return sms, skipped, nil
}

// shardPlace says which shard of which plan a shard is.
type shardPlace struct {
	shard, of int
	plan      string
	skipped   *atomic.Int64 // records of this shard skipped with SkipBad
}

var errInjected = errors.New("shard: injected failure (FailAfterDocs)")

func buildShard(ctx context.Context, dir string, ins []index.Input, opt Options, srcOpt source.Options, mem, expectTokens int64, prog *Progress, place shardPlace) (*index.ShardManifest, error) {
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
	return w.finish(ctx, ins, opt.BloomFPR, opt.DocBlockSize, place)
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
