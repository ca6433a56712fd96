package shard

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/contam-dev/contam/index"
)

// Distributed builds and incremental adds.
//
// A shard is built by one process from the input files the plan gives it,
// in a temporary directory renamed into place when complete, and its
// shard.json records the plan digest, its number and the options
// fingerprint. So the shards of one index can be built by separate
// processes on separate machines (BuildTask, e.g. a Slurm job array or a
// Kubernetes Indexed Job over a shared directory), and Finalize, run once
// after all of them, checks the set and writes manifest.json — until then
// the directory does not open as an index. Append adds shards built from
// new files to a finished index and commits them by rewriting
// manifest.json, the one file whose rename makes them visible.

// ErrIncomplete means a distributed build is missing shards or holds shards
// of different plans or options.
var ErrIncomplete = errors.New("shard: distributed build incomplete")

// TaskShards returns the shards task (0-based) of tasks builds: shard s goes
// to task s mod tasks, so a task's shards are spread over the
// size-balanced plan rather than taking its largest or smallest files.
func TaskShards(shards, task, tasks int) []int {
	var out []int
	for s := task; s < shards; s += tasks {
		out = append(out, s)
	}
	return out
}

// BuildTask builds task's share of the shards of the index at out (see
// TaskShards) and nothing else. Each shard replaces, atomically, any shard
// of the same number already there — a rerun task (preempted, failed)
// replaces only its own shards. No manifest.json is written: run Finalize
// when every task is done. A finished index at out is refused unless
// opt.Force, which removes its manifest first so the index stays closed
// until it is finalized again.
func BuildTask(ctx context.Context, out string, inputs []string, opt Options, task, tasks int) (*Result, error) {
	if tasks < 1 || task < 0 || task >= tasks {
		return nil, fmt.Errorf("shard: task %d of %d: want 0 ≤ task < tasks", task, tasks)
	}
	pl, err := newPlan(inputs, &opt)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	man := filepath.Join(out, index.ManifestFile)
	if _, err := os.Stat(man); err == nil {
		if !opt.Force {
			return nil, fmt.Errorf("%w: %s is a finished index (use --force to rebuild shards and finalize again)", ErrExists, out)
		}
		if err := os.Remove(man); err != nil {
			return nil, err
		}
	}
	which := TaskShards(len(pl.parts), task, tasks)
	// Temporary directories of this task's shards are left by an earlier,
	// killed attempt of the same task: nobody else builds these shards.
	for _, si := range which {
		stale, _ := filepath.Glob(filepath.Join(out, "."+index.ShardDirName(si)+".building-*"))
		for _, d := range stale {
			if err := os.RemoveAll(d); err != nil {
				return nil, err
			}
		}
	}
	sms, skipped, err := buildShards(ctx, pl, which, opt,
		func(si int) (string, error) { return tempDir(filepath.Join(out, index.ShardDirName(si))) },
		func(si int, dir string) error {
			if err := syncDir(dir); err != nil {
				return err
			}
			return replace(dir, filepath.Join(out, index.ShardDirName(si)), true)
		})
	if err != nil {
		return nil, err
	}
	// A partial manifest describing only this task's shards, for the
	// caller's summary; it is not written.
	m := newManifest(opt.params(), opt.BloomFPR)
	for _, si := range which {
		m.AddShard(index.ShardDirName(si), sms[si])
	}
	opt.progress().Phase.Store("done")
	return &Result{Manifest: m, Skipped: skipped}, nil
}

// Finalize checks the shards of a distributed build at out — every shard
// of one plan present and complete, all with one options fingerprint — and
// writes manifest.json, which makes the directory an index.
func Finalize(out string) (*index.Manifest, error) {
	start := time.Now()
	names, err := filepath.Glob(filepath.Join(out, "shard-*"))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: no shard directories in %s", ErrIncomplete, out)
	}
	sort.Strings(names)
	var (
		first *index.ShardManifest
		byNum = map[int]*index.ShardManifest{}
	)
	for _, dir := range names {
		sm, err := index.ReadShardManifest(dir)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrIncomplete, err)
		}
		if fp := sm.Params.Fingerprint(); fp != sm.Fingerprint {
			return nil, fmt.Errorf("%w: %s records fingerprint %s but its params hash to %s", index.ErrFingerprint, dir, sm.Fingerprint, fp)
		}
		if first == nil {
			first = sm
		}
		switch {
		case sm.Fingerprint != first.Fingerprint:
			return nil, fmt.Errorf("%w: %s was built with options %+v (fingerprint %s), %s with %+v (%s)",
				index.ErrFingerprint, dir, sm.Params, sm.Fingerprint, names[0], first.Params, first.Fingerprint)
		case sm.Plan != first.Plan || sm.ShardsTotal != first.ShardsTotal:
			return nil, fmt.Errorf("%w: %s belongs to build plan %s (%d shards), %s to %s (%d shards): were all tasks given the same inputs and --shards?",
				ErrIncomplete, dir, sm.Plan, sm.ShardsTotal, names[0], first.Plan, first.ShardsTotal)
		case filepath.Base(dir) != index.ShardDirName(sm.Shard):
			return nil, fmt.Errorf("%w: %s holds shard %d", ErrIncomplete, dir, sm.Shard)
		}
		for _, f := range []string{index.PostingsDir, index.DocsFile, index.DocsIndexFile, index.BloomFile} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrIncomplete, dir, err)
			}
		}
		byNum[sm.Shard] = sm
	}
	var missing []string
	for s := 0; s < first.ShardsTotal; s++ {
		if byNum[s] == nil {
			missing = append(missing, index.ShardDirName(s))
		}
	}
	if len(missing) > 0 || len(byNum) != first.ShardsTotal {
		return nil, fmt.Errorf("%w: %d of %d shards present; missing %s", ErrIncomplete, len(byNum), first.ShardsTotal, strings.Join(missing, ", "))
	}
	m := newManifest(first.Params, first.Bloom.FPR)
	for s := 0; s < first.ShardsTotal; s++ {
		m.AddShard(index.ShardDirName(s), byNum[s])
		m.BuildSeconds += byNum[s].BuildSeconds // CPU-side sum: the tasks ran apart
	}
	m.BuildSeconds += time.Since(start).Seconds()
	if err := index.WriteJSON(filepath.Join(out, index.ManifestFile), m); err != nil {
		return nil, err
	}
	return m, syncDir(out)
}

// Append builds shards from new input files and adds them to the finished
// index at dir without touching its shards. The params come from the
// index: opt's Normalizer, N, Seed and Anchors must be unset or equal to
// them (the fingerprint must match). The new shards are built in a
// temporary directory, moved into dir under fresh names, and committed by
// rewriting manifest.json atomically; a failed or killed append leaves the
// index as it was (moved-in shards it does not list are never opened, and
// the next append removes them). Files already in the index (same path and
// size) are refused.
func Append(ctx context.Context, dir string, inputs []string, opt Options) (*Result, error) {
	m, err := index.ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	p := m.Params
	if err := adopt(&opt, p); err != nil {
		return nil, err
	}
	have := map[string]int64{}
	for _, in := range m.Inputs {
		have[in.Path] = in.Size
	}
	for _, f := range inputs {
		if sz, ok := have[f]; ok {
			if st, err := os.Stat(f); err == nil && st.Size() == sz {
				return nil, fmt.Errorf("shard: %s is already in index %s", f, dir)
			}
		}
	}
	if opt.BloomFPR <= 0 {
		opt.BloomFPR = m.BloomFPR
	}
	start := time.Now()
	pl, err := newPlan(inputs, &opt)
	if err != nil {
		return nil, err
	}
	if opt.params().Fingerprint() != m.Fingerprint {
		return nil, fmt.Errorf("%w: index %s has %+v, append would use %+v", index.ErrFingerprint, dir, m.Params, opt.params())
	}
	// Shard directories the manifest does not list are left by a killed
	// append: never opened, safe to remove.
	listed := map[string]bool{}
	for _, s := range m.Shards {
		listed[s] = true
	}
	stray, _ := filepath.Glob(filepath.Join(dir, "shard-*"))
	for _, s := range stray {
		if !listed[filepath.Base(s)] {
			if err := os.RemoveAll(s); err != nil {
				return nil, err
			}
		}
	}
	tmp, err := tempDir(filepath.Join(dir, "append"))
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	base := len(m.Shards)
	all := make([]int, len(pl.parts))
	for i := range all {
		all[i] = i
	}
	sms, skipped, err := buildShards(ctx, pl, all, opt, func(si int) (string, error) {
		return filepath.Join(tmp, index.ShardDirName(base+si)), nil
	}, nil)
	if err != nil {
		return nil, err
	}
	next := *m
	next.Shards = append([]string(nil), m.Shards...)
	next.ShardCounts = append([]index.Counts(nil), m.ShardCounts...)
	next.Inputs = append([]index.Input(nil), m.Inputs...)
	for si := range pl.parts {
		name := index.ShardDirName(base + si)
		if err := os.Rename(filepath.Join(tmp, name), filepath.Join(dir, name)); err != nil {
			return nil, fmt.Errorf("cannot move new shard into %s: %w", dir, err)
		}
		next.AddShard(name, sms[si])
	}
	if err := syncDir(dir); err != nil {
		return nil, err
	}
	next.BuildSeconds += time.Since(start).Seconds()
	if err := index.WriteJSON(filepath.Join(dir, index.ManifestFile), &next); err != nil {
		return nil, err
	}
	if err := syncDir(dir); err != nil {
		return nil, err
	}
	opt.progress().Phase.Store("done")
	return &Result{Manifest: &next, Skipped: skipped}, nil
}

// adopt fills opt's matching params from the index's and refuses any that
// were set to something else.
func adopt(opt *Options, p index.Params) error {
	var diff []string
	if opt.Normalizer != "" && opt.Normalizer != p.Normalizer {
		diff = append(diff, fmt.Sprintf("normalizer %s (index: %s)", opt.Normalizer, p.Normalizer))
	}
	if opt.N != 0 && opt.N != p.N {
		diff = append(diff, fmt.Sprintf("n %d (index: %d)", opt.N, p.N))
	}
	if opt.Seed != 0 && opt.Seed != p.Seed {
		diff = append(diff, fmt.Sprintf("seed %#x (index: %#x)", opt.Seed, p.Seed))
	}
	if opt.Anchors != "" && opt.Anchors != p.Anchors {
		diff = append(diff, fmt.Sprintf("anchors %s (index: %s)", opt.Anchors, p.Anchors))
	}
	if len(diff) > 0 {
		return fmt.Errorf("%w: cannot append with %s", index.ErrFingerprint, strings.Join(diff, ", "))
	}
	opt.Normalizer, opt.N, opt.Seed, opt.Anchors = p.Normalizer, p.N, p.Seed, p.Anchors
	return nil
}
