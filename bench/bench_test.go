// Package bench holds contam's benchmarks of the hot stages of a build and a
// check, and (in e2e.sh) an end-to-end run of the contam binary.
//
// The benchmarks run on the embedded demo sample (package demo) by default,
// so that
//
//	go test -run '^$' -bench . ./bench/
//
// works on a fresh clone. With CONTAM_BENCH_DEV=1 and the shared developer
// set present (../shared/data/dev beside the repository root, or
// $CONTAM_DEV_DIR), they run on the dev corpus (~18 MB of text) and the 1,319
// GSM8K test items instead. Every benchmark has one sub-benchmark named after
// the data it ran on ("demo" or "dev") so results say which one was used.
//
// Throughput (MB/s, from b.SetBytes) is always uncompressed document text
// (the "text" field), not JSON or compressed bytes.
package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/contam-dev/contam/demo"
	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/index/text"
	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/query/item"
	"github.com/contam-dev/contam/shard"
	"github.com/contam-dev/contam/shard/source"
)

// srcOpt are the source options 'contam build' uses by default.
var srcOpt = source.Options{TextField: "text", IDField: "id", MetaFields: []string{"url"}}

// fixture is the data every benchmark runs on, loaded once per process.
type fixture struct {
	name      string   // "demo" or "dev": the sub-benchmark name
	dir       string   // scratch directory, removed by TestMain
	corpus    []string // corpus files as shipped
	benchFile string   // GSM8K test items
	itemOpt   item.Options

	raw       []byte   // the corpus files' JSONL, decompressed and concatenated
	docs      [][]byte // document texts, in corpus order
	textBytes int64    // sum of len(docs[i])
	items     []item.Item

	encOnce sync.Once
	encoded map[string]string // "zst", "gz", "plain" → raw written in that form
	encErr  error

	ixMu sync.Mutex
	ix   map[int]string // shards → index directory built over corpus
}

var (
	fixOnce sync.Once
	fix     *fixture
	fixErr  error
)

// TestMain removes the fixture's scratch directory after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	if fix != nil && fix.dir != "" {
		os.RemoveAll(fix.dir)
	}
	os.Exit(code)
}

// devDir returns the shared developer set directory, or "" if absent.
func devDir() string {
	cands := []string{os.Getenv("CONTAM_DEV_DIR")}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				cands = append(cands, filepath.Join(d, "..", "shared", "data", "dev"))
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	for _, c := range cands {
		if c == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(c, "benchmarks", "gsm8k_test.jsonl")); err == nil {
			return c
		}
	}
	return ""
}

func getFixture(tb testing.TB) *fixture {
	tb.Helper()
	fixOnce.Do(func() { fix, fixErr = loadFixture() })
	if fixErr != nil {
		tb.Fatal(fixErr)
	}
	return fix
}

func loadFixture() (*fixture, error) {
	dir, err := os.MkdirTemp("", "contam-bench-")
	if err != nil {
		return nil, err
	}
	f := &fixture{dir: dir, ix: map[int]string{}}
	fix = f // so TestMain cleans up even if loading fails below
	if dev := devDir(); os.Getenv("CONTAM_BENCH_DEV") == "1" && dev != "" {
		f.name = "dev"
		files, err := filepath.Glob(filepath.Join(dev, "corpus", "*"))
		if err != nil {
			return nil, err
		}
		f.corpus = files
		f.benchFile = filepath.Join(dev, "benchmarks", "gsm8k_test.jsonl")
		f.itemOpt = item.Options{Fields: []string{"question", "answer"}, IDField: "gsm8k/test/{{._index}}"}
	} else {
		if os.Getenv("CONTAM_BENCH_DEV") == "1" {
			fmt.Fprintf(os.Stderr, "bench: CONTAM_BENCH_DEV=1 but no dev set found (../shared/data/dev or $CONTAM_DEV_DIR); using the embedded demo sample\n")
		}
		f.name = "demo"
		f.corpus, f.benchFile, err = demo.WriteTo(filepath.Join(dir, "demo"))
		if err != nil {
			return nil, err
		}
		f.itemOpt = item.Options{Fields: demo.BenchFields, IDField: demo.BenchIDField}
	}
	if len(f.corpus) == 0 {
		return nil, fmt.Errorf("bench: no corpus files")
	}
	for _, p := range f.corpus {
		b, err := decompressFile(p)
		if err != nil {
			return nil, err
		}
		if len(b) > 0 && b[len(b)-1] != '\n' {
			b = append(b, '\n')
		}
		f.raw = append(f.raw, b...)
	}
	if f.docs, err = readDocs(f.corpus); err != nil {
		return nil, err
	}
	for _, d := range f.docs {
		f.textBytes += int64(len(d))
	}
	if f.items, err = item.Load(f.benchFile, f.itemOpt); err != nil {
		return nil, err
	}
	if len(f.items) == 0 {
		return nil, fmt.Errorf("bench: no items in %s", f.benchFile)
	}
	return f, nil
}

// decompressFile returns a corpus file's content, decompressed by its magic.
func decompressFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		return io.ReadAll(zr)
	case bytes.HasPrefix(b, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		return zr.DecodeAll(b, nil)
	}
	return b, nil
}

// readDocs reads every document text of the files with the source reader.
func readDocs(files []string) ([][]byte, error) {
	var docs [][]byte
	for _, p := range files {
		err := eachDoc(p, func(d *source.Doc) { docs = append(docs, bytes.Clone(d.Text)) })
		if err != nil {
			return nil, err
		}
	}
	return docs, nil
}

// eachDoc streams one file through shard/source.
func eachDoc(path string, fn func(*source.Doc)) error {
	r, err := source.Open(path, srcOpt)
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		d, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		fn(d)
	}
}

// textBytesOf is the uncompressed text size of one corpus file.
func textBytesOf(path string) (int64, error) {
	var n int64
	err := eachDoc(path, func(d *source.Doc) { n += int64(len(d.Text)) })
	return n, err
}

// encodings writes the fixture's JSONL as .jsonl.zst (zstd default level,
// streamed like the zstd CLI), .jsonl.gz (gzip default level) and plain
// .jsonl, so the three can be compared on identical content.
func (f *fixture) encodings(tb testing.TB) map[string]string {
	tb.Helper()
	f.encOnce.Do(func() {
		dir := filepath.Join(f.dir, "enc")
		if f.encErr = os.MkdirAll(dir, 0o755); f.encErr != nil {
			return
		}
		f.encoded = map[string]string{}
		write := func(kind, name string, mk func(io.Writer) (io.WriteCloser, error)) error {
			p := filepath.Join(dir, name)
			out, err := os.Create(p)
			if err != nil {
				return err
			}
			bw := bufio.NewWriter(out)
			w, err := mk(bw)
			if err != nil {
				out.Close()
				return err
			}
			if _, err := w.Write(f.raw); err != nil {
				out.Close()
				return err
			}
			if err := w.Close(); err != nil {
				out.Close()
				return err
			}
			if err := bw.Flush(); err != nil {
				out.Close()
				return err
			}
			f.encoded[kind] = p
			return out.Close()
		}
		if f.encErr = write("zst", "corpus.jsonl.zst", func(w io.Writer) (io.WriteCloser, error) {
			return zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedDefault))
		}); f.encErr != nil {
			return
		}
		if f.encErr = write("gz", "corpus.jsonl.gz", func(w io.Writer) (io.WriteCloser, error) {
			return gzip.NewWriter(w), nil
		}); f.encErr != nil {
			return
		}
		f.encErr = write("plain", "corpus.jsonl", func(w io.Writer) (io.WriteCloser, error) { return nopCloser{w}, nil })
	})
	if f.encErr != nil {
		tb.Fatal(f.encErr)
	}
	return f.encoded
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// index returns an index over the fixture's corpus with the given number of
// shards, building it the first time (outside any benchmark timer).
func (f *fixture) index(tb testing.TB, shards int) string {
	tb.Helper()
	f.ixMu.Lock()
	defer f.ixMu.Unlock()
	if dir, ok := f.ix[shards]; ok {
		return dir
	}
	dir := filepath.Join(f.dir, fmt.Sprintf("idx-%d", shards))
	if _, err := shard.Build(context.Background(), dir, f.corpus, shard.Options{Shards: shards, Source: srcOpt, Force: true}); err != nil {
		tb.Fatal(err)
	}
	f.ix[shards] = dir
	return dir
}

// BenchmarkDecompressParse reads JSONL through shard/source: decompression,
// line splitting, JSON validation and unescaping of the text, id and url.
//
//   - zst, gz, plain: the whole corpus (all files concatenated), re-encoded
//     as zstd (default level), gzip (default level) and uncompressed, so the
//     cost of each decompressor shows on identical content;
//   - file=NAME: each corpus file as shipped (the dev set's .zst files are
//     level 10 single frames).
func BenchmarkDecompressParse(b *testing.B) {
	f := getFixture(b)
	b.Run(f.name, func(b *testing.B) {
		enc := f.encodings(b)
		for _, kind := range []string{"zst", "gz", "plain"} {
			b.Run(kind, func(b *testing.B) { benchRead(b, enc[kind], f.textBytes) })
		}
		for _, p := range f.corpus {
			n, err := textBytesOf(p)
			if err != nil {
				b.Fatal(err)
			}
			b.Run("file="+filepath.Base(p), func(b *testing.B) { benchRead(b, p, n) })
		}
	})
}

func benchRead(b *testing.B, path string, textBytes int64) {
	b.SetBytes(textBytes)
	b.ReportAllocs()
	var docs int
	cpu := startCPU()
	for b.Loop() {
		docs = 0
		if err := eachDoc(path, func(*source.Doc) { docs++ }); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b, textBytes)
	b.ReportMetric(float64(docs), "docs/op")
}

// BenchmarkTokenize runs the default normalizer (unicode-v1) over every
// corpus document, reusing one Tokens as the shard writer does.
func BenchmarkTokenize(b *testing.B) {
	f := getFixture(b)
	b.Run(f.name, func(b *testing.B) {
		norm, err := text.Lookup(text.Default)
		if err != nil {
			b.Fatal(err)
		}
		var toks text.Tokens
		b.SetBytes(f.textBytes)
		b.ReportAllocs()
		var ntok int
		cpu := startCPU()
		for b.Loop() {
			ntok = 0
			for _, d := range f.docs {
				toks.Reset()
				norm.Tokenize(&toks, d)
				ntok += toks.Len()
			}
		}
		cpu.report(b, f.textBytes)
		b.ReportMetric(float64(ntok), "tokens/op")
	})
}

// BenchmarkNGramHashes hashes the corpus tokens into n-gram hashes (n =
// shard.DefaultN), as the shard writer does:
//
//   - NGramHashesOf: text.NGramHashesOf over precomputed token hashes;
//   - TokenHash+NGramHashesOf: text.TokenHash of every normalized token,
//     then NGramHashesOf (the writer's whole hashing step).
func BenchmarkNGramHashes(b *testing.B) {
	f := getFixture(b)
	b.Run(f.name, func(b *testing.B) {
		norm, err := text.Lookup(text.Default)
		if err != nil {
			b.Fatal(err)
		}
		n, seed := shard.DefaultN, uint64(shard.DefaultSeed)
		toks := make([]*text.Tokens, len(f.docs))
		ths := make([][]uint64, len(f.docs))
		for i, d := range f.docs {
			toks[i] = &text.Tokens{}
			norm.Tokenize(toks[i], d)
			th := make([]uint64, toks[i].Len())
			for j := range th {
				th[j] = text.TokenHash(toks[i].Norm(j), seed)
			}
			ths[i] = th
		}
		b.Run("NGramHashesOf", func(b *testing.B) {
			b.SetBytes(f.textBytes)
			b.ReportAllocs()
			var dst []uint64
			var ng int
			cpu := startCPU()
			for b.Loop() {
				ng = 0
				for _, th := range ths {
					dst = text.NGramHashesOf(dst[:0], th, n, seed)
					ng += len(dst)
				}
			}
			cpu.report(b, f.textBytes)
			b.ReportMetric(float64(ng), "ngrams/op")
		})
		b.Run("TokenHash+NGramHashesOf", func(b *testing.B) {
			b.SetBytes(f.textBytes)
			b.ReportAllocs()
			var th, dst []uint64
			cpu := startCPU()
			for b.Loop() {
				for _, t := range toks {
					th = th[:0]
					for j := 0; j < t.Len(); j++ {
						th = append(th, text.TokenHash(t.Norm(j), seed))
					}
					dst = text.NGramHashesOf(dst[:0], th, n, seed)
				}
			}
			cpu.report(b, f.textBytes)
		})
	})
}

// BenchmarkShardWrite is shard.Build of the whole corpus into one shard:
// read, store, tokenize, hash, sort, merge, sstable ingest, Bloom filter and
// manifests. The default memory budget (1 GiB) keeps the run in memory.
func BenchmarkShardWrite(b *testing.B) {
	f := getFixture(b)
	b.Run(f.name, func(b *testing.B) {
		tmp := b.TempDir()
		b.SetBytes(f.textBytes)
		b.ReportAllocs()
		i := 0
		cpu := startCPU()
		for b.Loop() {
			out := filepath.Join(tmp, fmt.Sprintf("idx-%d", i))
			i++
			if _, err := shard.Build(context.Background(), out, f.corpus, shard.Options{Shards: 1, Source: srcOpt}); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if err := os.RemoveAll(out); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		cpu.report(b, f.textBytes)
	})
}

// BenchmarkCheckItem is query.Checker.CheckOne of one GSM8K item (question +
// "\n" + answer), cycling through the items; the index is built once,
// outside the timer. ns/op is per item; items/s is the same figure inverted
// (one goroutine). The checker and its document cache live across
// iterations, so beyond the first pass over the items this is the warm
// case. Sub-benchmarks: one shard or one shard per corpus file, with and
// without the Bloom filters; lookups/item and pebble-reads/item show what
// the filters save.
func BenchmarkCheckItem(b *testing.B) {
	f := getFixture(b)
	var itemBytes int64
	for _, it := range f.items {
		itemBytes += int64(len(it.Text))
	}
	avg := itemBytes / int64(len(f.items))
	b.Run(f.name, func(b *testing.B) {
		for _, shards := range []int{1, len(f.corpus)} {
			for _, noBloom := range []bool{false, true} {
				name := fmt.Sprintf("shards=%d", shards)
				if noBloom {
					name += "/no-bloom"
				} else {
					name += "/bloom"
				}
				b.Run(name, func(b *testing.B) {
					ix, err := index.Open(f.index(b, shards), index.OpenOptions{NoBloom: noBloom})
					if err != nil {
						b.Fatal(err)
					}
					defer ix.Close()
					ch, err := query.NewChecker(ix, query.Options{Workers: 1})
					if err != nil {
						b.Fatal(err)
					}
					before := ix.Stats()
					b.SetBytes(avg)
					b.ReportAllocs()
					i := 0
					cpu := startCPU()
					for b.Loop() {
						if _, err := ch.CheckOne(f.items[i%len(f.items)]); err != nil {
							b.Fatal(err)
						}
						i++
					}
					cpu.report(b, 0)
					after := ix.Stats()
					b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "items/s")
					b.ReportMetric(float64(after.Lookups-before.Lookups)/float64(i), "lookups/item")
					b.ReportMetric(float64(after.PebbleReads-before.PebbleReads)/float64(i), "pebble-reads/item")
				})
			}
		}
	})
}

// BenchmarkCheckAll is query.Checker.Check of every GSM8K item at once with
// GOMAXPROCS workers and a fresh checker per iteration (cold document
// cache, warm Pebble and OS caches), like one 'contam check' run without
// the process start, index open and report. ns/op is per whole benchmark.
func BenchmarkCheckAll(b *testing.B) {
	f := getFixture(b)
	var itemBytes int64
	for _, it := range f.items {
		itemBytes += int64(len(it.Text))
	}
	b.Run(f.name, func(b *testing.B) {
		ix, err := index.Open(f.index(b, len(f.corpus)), index.OpenOptions{})
		if err != nil {
			b.Fatal(err)
		}
		defer ix.Close()
		b.SetBytes(itemBytes)
		b.ReportAllocs()
		n := 0
		cpu := startCPU()
		for b.Loop() {
			ch, err := query.NewChecker(ix, query.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := ch.Check(context.Background(), f.items); err != nil {
				b.Fatal(err)
			}
			n += len(f.items)
		}
		cpu.report(b, 0)
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "items/s")
	})
}

// cpuMeter measures the process's CPU time (user + system, every thread:
// GC and Pebble's background work included) over a benchmark loop. On a
// machine shared with other jobs, wall time (ns/op) is inflated by waiting
// for a core; CPU time is not.
type cpuMeter struct {
	t0 time.Duration
	ok bool
}

func startCPU() cpuMeter {
	t, ok := processCPU()
	return cpuMeter{t, ok}
}

// report adds cpu-ns/op and, when bytesPerOp > 0, MB/cpu-s (text megabytes
// per CPU-second) to b's results. Call it after the loop.
func (m cpuMeter) report(b *testing.B, bytesPerOp int64) {
	t, ok := processCPU()
	if !ok || !m.ok || b.N == 0 {
		return
	}
	d := t - m.t0
	b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
	if bytesPerOp > 0 && d > 0 {
		b.ReportMetric(float64(bytesPerOp)*float64(b.N)/1e6/d.Seconds(), "MB/cpu-s")
	}
}

// TestFixture checks that the benchmark data loads (a few milliseconds on
// the demo sample), so that a plain 'go test ./bench/' catches a broken
// harness without running any benchmark.
func TestFixture(t *testing.T) {
	f := getFixture(t)
	if len(f.docs) == 0 || f.textBytes == 0 || len(f.items) == 0 {
		t.Fatalf("empty fixture: %d docs, %d text bytes, %d items", len(f.docs), f.textBytes, len(f.items))
	}
}
