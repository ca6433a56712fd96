package query_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/query/item"
	"github.com/contam-dev/contam/shard"
)

// These tests live beside the check tests because "the same index" is
// judged by what users see: check results, compared with a single-process
// build and with the brute-force oracle.

// checkDir opens the index at dir, checks the items and closes it again
// (Pebble locks an open database against a second open).
func checkDir(t *testing.T, dir string, items []item.Item, opt query.Options) []query.Result {
	t.Helper()
	ix, err := index.Open(dir, index.OpenOptions{})
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	defer ix.Close()
	return check(t, ix, items, opt)
}

func TestTaskBuildEqualsLocalBuild(t *testing.T) {
	ctx := context.Background()
	files, items := randomCorpus(t, 4, 5, 120)
	opt := query.Options{TopDocs: 5, Context: 20}
	want, err := query.Brute(files, srcOpt, "unicode-v1", 8, items, opt)
	if err != nil {
		t.Fatal(err)
	}
	local := check(t, build(t, files, shard.Options{Shards: 4}), items, opt)
	sameResults(t, "local build vs brute force", local, want)

	out := filepath.Join(t.TempDir(), "idx")
	// Three tasks share four shards: task 0 builds shards 0 and 3. Run
	// them in an order other than their numbers, as a scheduler might.
	for _, task := range []int{2, 0, 1} {
		res, err := shard.BuildTask(ctx, out, files, shard.Options{Shards: 4, Source: srcOpt}, task, 3)
		if err != nil {
			t.Fatalf("task %d: %v", task, err)
		}
		if wantN := len(shard.TaskShards(4, task, 3)); len(res.Manifest.Shards) != wantN {
			t.Fatalf("task %d built %v, want %d shards", task, res.Manifest.Shards, wantN)
		}
		if _, err := index.Open(out, index.OpenOptions{}); !errors.Is(err, index.ErrNotIndex) {
			t.Fatalf("before finalize the directory must not open as an index: %v", err)
		}
	}
	m, err := shard.Finalize(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Shards) != 4 {
		t.Fatalf("finalized %d shards", len(m.Shards))
	}
	sameResults(t, "3-task build vs local build", checkDir(t, out, items, opt), local)

	// A rerun task replaces only its own shards, and only with --force
	// once the index is finished (which closes it until finalized again).
	if _, err := shard.BuildTask(ctx, out, files, shard.Options{Shards: 4, Source: srcOpt}, 1, 3); !errors.Is(err, shard.ErrExists) {
		t.Fatalf("rerun over a finished index without force: %v", err)
	}
	stamp := func(s string) time.Time {
		st, err := os.Stat(filepath.Join(out, s, index.ShardManifestFile))
		if err != nil {
			t.Fatal(err)
		}
		return st.ModTime()
	}
	before0, before1 := stamp("shard-00000"), stamp("shard-00001")
	time.Sleep(20 * time.Millisecond)
	if _, err := shard.BuildTask(ctx, out, files, shard.Options{Shards: 4, Source: srcOpt, Force: true}, 1, 3); err != nil {
		t.Fatal(err)
	}
	if !stamp("shard-00000").Equal(before0) {
		t.Fatal("rerunning task 1 touched shard 0")
	}
	if stamp("shard-00001").Equal(before1) {
		t.Fatal("rerunning task 1 did not rebuild shard 1")
	}
	if _, err := index.Open(out, index.OpenOptions{}); !errors.Is(err, index.ErrNotIndex) {
		t.Fatalf("a forced rerun must close the index until finalize: %v", err)
	}
	if _, err := shard.Finalize(out); err != nil {
		t.Fatal(err)
	}
	sameResults(t, "after rerun", checkDir(t, out, items, opt), local)
	if left, _ := filepath.Glob(filepath.Join(out, ".shard-*")); len(left) > 0 {
		t.Fatalf("temporary shard directories left: %v", left)
	}
}

func TestFinalizeRefusesIncompleteOrMixedBuilds(t *testing.T) {
	ctx := context.Background()
	files, _ := randomCorpus(t, 5, 4, 40)
	task := func(out string, opt shard.Options, i, n int) {
		t.Helper()
		opt.Source = srcOpt
		if _, err := shard.BuildTask(ctx, out, files, opt, i, n); err != nil {
			t.Fatalf("task %d: %v", i, err)
		}
	}
	base := t.TempDir()

	missing := filepath.Join(base, "missing")
	task(missing, shard.Options{Shards: 3}, 0, 3)
	task(missing, shard.Options{Shards: 3}, 2, 3)
	if _, err := shard.Finalize(missing); !errors.Is(err, shard.ErrIncomplete) || !strings.Contains(err.Error(), "shard-00001") {
		t.Fatalf("missing shard: %v", err)
	}

	mixedOpts := filepath.Join(base, "mixed-opts")
	task(mixedOpts, shard.Options{Shards: 2}, 0, 2)
	task(mixedOpts, shard.Options{Shards: 2, N: 7}, 1, 2)
	if _, err := shard.Finalize(mixedOpts); !errors.Is(err, index.ErrFingerprint) {
		t.Fatalf("mixed options: %v", err)
	}

	mixedPlan := filepath.Join(base, "mixed-plan")
	task(mixedPlan, shard.Options{Shards: 2}, 0, 2)
	task(mixedPlan, shard.Options{Shards: 3}, 1, 3)
	if _, err := shard.Finalize(mixedPlan); !errors.Is(err, shard.ErrIncomplete) || !strings.Contains(err.Error(), "plan") {
		t.Fatalf("mixed plans: %v", err)
	}

	if _, err := shard.Finalize(filepath.Join(base, "nothing")); !errors.Is(err, shard.ErrIncomplete) {
		t.Fatalf("empty: %v", err)
	}
	for _, dir := range []string{missing, mixedOpts, mixedPlan} {
		if _, err := os.Stat(filepath.Join(dir, index.ManifestFile)); err == nil {
			t.Fatalf("refused finalize wrote a manifest in %s", dir)
		}
	}
}

func TestAppendEqualsFullRebuild(t *testing.T) {
	ctx := context.Background()
	files, items := randomCorpus(t, 6, 5, 100)
	opt := query.Options{TopDocs: 5, Context: 20}
	full := check(t, build(t, files, shard.Options{Shards: 2}), items, opt)

	out := filepath.Join(t.TempDir(), "idx")
	if _, err := shard.Build(ctx, out, files[:2], shard.Options{Shards: 2, Source: srcOpt, Anchors: "all"}); err != nil {
		t.Fatal(err)
	}
	before, err := index.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}

	// Refusals leave the index as it was.
	if _, err := shard.Append(ctx, out, files[2:], shard.Options{N: 6, Source: srcOpt}); !errors.Is(err, index.ErrFingerprint) {
		t.Fatalf("append with another n: %v", err)
	}
	if _, err := shard.Append(ctx, out, files[1:3], shard.Options{Source: srcOpt}); err == nil || !strings.Contains(err.Error(), "already in index") {
		t.Fatalf("append of an indexed file: %v", err)
	}
	// A failed append (as if killed while reading) changes nothing.
	if _, err := shard.Append(ctx, out, files[2:], shard.Options{Source: srcOpt, FailAfterDocs: 150}); err == nil {
		t.Fatal("injected failure did not fail the append")
	}
	after, err := index.ReadManifest(out)
	if err != nil || len(after.Shards) != len(before.Shards) || after.Counts != before.Counts {
		t.Fatalf("failed append changed the index: %+v, %v", after, err)
	}
	part := checkDir(t, out, items, opt)

	res, err := shard.Append(ctx, out, files[2:], shard.Options{Shards: 2, Source: srcOpt})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(res.Manifest.Shards); got != len(before.Shards)+2 {
		t.Fatalf("after append: %d shards", got)
	}
	got := checkDir(t, out, items, opt)
	sameResults(t, "build + append vs full build", got, full)
	changed := 0
	for i := range got {
		if got[i].NDocs != part[i].NDocs {
			changed++
		}
	}
	if changed == 0 {
		t.Fatal("the appended files changed no item's answer: the fixture does not test append")
	}
}

// Several processes read one index at once (a server and batch checks, many
// users of a shared file system): a second open must not be refused by
// Pebble's directory lock.
func TestIndexOpensTwice(t *testing.T) {
	files, _ := randomCorpus(t, 7, 2, 20)
	out := filepath.Join(t.TempDir(), "idx")
	if _, err := shard.Build(context.Background(), out, files, shard.Options{Shards: 2, Source: srcOpt}); err != nil {
		t.Fatal(err)
	}
	a, err := index.Open(out, index.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := index.Open(out, index.OpenOptions{})
	if err != nil {
		t.Fatalf("second open of the same index: %v", err)
	}
	b.Close()
}
