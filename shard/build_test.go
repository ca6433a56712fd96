package shard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/shard/source"
)

func writeCorpus(t *testing.T, dir string, files, docs int) []string {
	t.Helper()
	var out []string
	for f := 0; f < files; f++ {
		var sb strings.Builder
		for d := 0; d < docs; d++ {
			fmt.Fprintf(&sb, `{"id":"f%d-%d","text":"document %d of file %d says the quick brown fox jumps over the lazy dog number %d"}`+"\n", f, d, d, f, d*f)
		}
		p := filepath.Join(dir, fmt.Sprintf("c%d.jsonl", f))
		if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

var testSrc = source.Options{TextField: "text", IDField: "id"}

func TestFailedBuildLeavesNoIndex(t *testing.T) {
	dir := t.TempDir()
	files := writeCorpus(t, dir, 3, 200)
	out := filepath.Join(dir, "idx")
	_, err := Build(context.Background(), out, files, Options{Shards: 3, Source: testSrc, FailAfterDocs: 250})
	if !errors.Is(err, errInjected) {
		t.Fatalf("want injected failure, got %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("failed build left %s: %v", out, err)
	}
	if _, err := index.Open(out, index.OpenOptions{}); err == nil {
		t.Fatal("a failed build's output opened as an index")
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".idx.building-*"))
	if len(left) > 0 {
		t.Fatalf("failed build left temporary directories: %v", left)
	}
	// A cancelled build is a failed build too.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Build(ctx, out, files, Options{Source: testSrc}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled build: %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("cancelled build left %s", out)
	}
}

func TestBuildRefusesExistingOutput(t *testing.T) {
	dir := t.TempDir()
	files := writeCorpus(t, dir, 2, 10)
	out := filepath.Join(dir, "idx")
	if _, err := Build(context.Background(), out, files, Options{Source: testSrc}); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(context.Background(), out, files, Options{Source: testSrc}); !errors.Is(err, ErrExists) {
		t.Fatalf("second build without Force: %v", err)
	}
	res, err := Build(context.Background(), out, files[:1], Options{Source: testSrc, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	m, err := index.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Counts.Docs != 10 || res.Manifest.Counts.Docs != 10 {
		t.Fatalf("forced rebuild over one file: %d docs", m.Counts.Docs)
	}
}

func TestOpenRefusesBadIndexes(t *testing.T) {
	dir := t.TempDir()
	files := writeCorpus(t, dir, 2, 10)
	out := filepath.Join(dir, "idx")
	if _, err := Build(context.Background(), out, files, Options{Shards: 2, Source: testSrc}); err != nil {
		t.Fatal(err)
	}
	edit := func(path string, f func(map[string]any)) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal(b, &m)
		f(m)
		b, _ = json.Marshal(m)
		os.WriteFile(path, b, 0o644)
	}
	mpath := filepath.Join(out, index.ManifestFile)
	orig, _ := os.ReadFile(mpath)

	edit(mpath, func(m map[string]any) { m["format_version"] = 99 })
	if _, err := index.Open(out, index.OpenOptions{}); !errors.Is(err, index.ErrVersion) {
		t.Errorf("future version: %v", err)
	}
	os.WriteFile(mpath, orig, 0o644)

	spath := filepath.Join(out, index.ShardDirName(1), index.ShardManifestFile)
	edit(spath, func(m map[string]any) { m["fingerprint"] = "0000000000000000" })
	if _, err := index.Open(out, index.OpenOptions{}); !errors.Is(err, index.ErrFingerprint) {
		t.Errorf("foreign shard: %v", err)
	}

	os.Remove(mpath)
	if _, err := index.Open(out, index.OpenOptions{}); !errors.Is(err, index.ErrNotIndex) {
		t.Errorf("no manifest: %v", err)
	}
}

func TestSkipBadIsCounted(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(p, []byte(`{"id":"a","text":"one two three"}`+"\n"+`{"id":"b","text":`+"\n"+`{"id":"c","text":"four five six"}`+"\n"), 0o644)
	out := filepath.Join(dir, "idx")
	if _, err := Build(context.Background(), out, []string{p}, Options{Source: testSrc}); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("bad line without skip: %v", err)
	}
	opt := testSrc
	opt.SkipBad = true
	res, err := Build(context.Background(), out, []string{p}, Options{Source: opt})
	if err != nil {
		t.Fatal(err)
	}
	if res.Manifest.Counts.Docs != 2 || res.Manifest.Counts.Skipped != 1 || len(res.Skipped) != 1 || res.Skipped[0].Line != 2 {
		t.Fatalf("docs %d skipped %d %+v", res.Manifest.Counts.Docs, res.Manifest.Counts.Skipped, res.Skipped)
	}
}

func TestRadixSortMatchesComparisonSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 255, 256, 1000, 100000} {
		es := make([]entry, n)
		for i := range es {
			h := r.Uint64()
			if r.IntN(4) == 0 && i > 0 {
				h = es[r.IntN(i)].hash // duplicates keep gpos order
			}
			if r.IntN(8) == 0 {
				h &= 0xffff // digits that are all zero in high passes
			}
			es[i] = entry{hash: h, gpos: uint64(i)}
		}
		want := slices.Clone(es)
		slices.SortFunc(want, cmpEntry)
		sortEntries(es, make([]entry, n))
		if !slices.Equal(es, want) {
			t.Fatalf("n=%d: radix sort differs from comparison sort", n)
		}
	}
}

func TestPartitionBalancesAndIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	var ins []index.Input
	for i, sz := range []int{500, 100, 300, 300, 50, 700} {
		p := filepath.Join(dir, fmt.Sprintf("f%d.txt", i))
		os.WriteFile(p, make([]byte, sz), 0o644)
		ins = append(ins, index.Input{Path: p, Size: int64(sz)})
	}
	a, _, err := Partition(ins, 3)
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := Partition(ins, 3)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("partition not deterministic: %v vs %v", a, b)
	}
	// 700 | 500+100+50 | 300+300
	want := [][]int{{5}, {0, 1, 4}, {2, 3}}
	if fmt.Sprint(a) != fmt.Sprint(want) {
		t.Fatalf("partition %v, want %v", a, want)
	}
}
