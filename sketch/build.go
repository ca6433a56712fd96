package sketch

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/index/text"
)

// Options configure Build.
type Options struct {
	FPR     float64 // target false-positive rate per n-gram (default DefaultFPR)
	Workers int     // documents tokenized at once (default GOMAXPROCS)
	// Progress, when set, is called from time to time with the documents
	// done so far and their total (removed ones included).
	Progress func(done, total int64)
}

// docsPerJob is how many consecutive documents of a shard one job
// tokenizes: neighbours share doc store blocks, so a job decompresses each
// of its blocks once.
const docsPerJob = 512

// Build computes the sketch of every n-gram of the index's documents that
// are not removed, re-tokenizing the stored text with the index's
// normalizer, n and seed.
func Build(ctx context.Context, ix *index.Index, opt Options) (*Sketch, error) {
	if opt.FPR == 0 {
		opt.FPR = DefaultFPR
	}
	if !(opt.FPR > 0 && opt.FPR < 1) {
		return nil, fmt.Errorf("sketch: false-positive rate %g is not in (0, 1)", opt.FPR)
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	m := ix.Manifest
	p := m.Params
	norm, err := text.Lookup(p.Normalizer)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", ix.Dir, err)
	}
	s := newSketch(p, m.Fingerprint, capacity(m), opt.FPR)
	s.Header.Index = ix.Dir
	s.Header.Tool = Tool()

	var total int64
	for _, sh := range ix.Shards {
		total += int64(sh.NumDocs())
	}
	var done, docs, removed atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	batches := make(chan []uint64, 2*opt.Workers)
	g.Go(func() error {
		defer close(batches)
		jobs, jctx := errgroup.WithContext(gctx)
		jobs.SetLimit(opt.Workers)
		for _, sh := range ix.Shards {
			for lo := 0; lo < sh.NumDocs(); lo += docsPerJob {
				if jctx.Err() != nil {
					break
				}
				hi := min(lo+docsPerJob, sh.NumDocs())
				jobs.Go(func() error {
					var toks text.Tokens
					var hs []uint64
					for d := lo; d < hi; d++ {
						if sh.Removed(uint32(d)) {
							removed.Add(1)
							continue
						}
						doc, err := sh.Doc(uint32(d))
						if err != nil {
							return err
						}
						toks.Reset()
						norm.Tokenize(&toks, doc.Text)
						hs = text.NGramHashes(hs, &toks, p.N, p.Seed)
						docs.Add(1)
					}
					done.Add(int64(hi - lo))
					select {
					case batches <- hs:
						return nil
					case <-jctx.Done():
						return jctx.Err()
					}
				})
			}
		}
		return jobs.Wait()
	})
	// One goroutine sets the bits: the filter is not safe for concurrent
	// writers, and setting bits is cheap next to tokenizing.
	var ngrams int64
	last := time.Now()
	for hs := range batches {
		for _, h := range hs {
			s.Add(h)
		}
		ngrams += int64(len(hs))
		if opt.Progress != nil && time.Since(last) > 200*time.Millisecond {
			opt.Progress(done.Load(), total)
			last = time.Now()
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if opt.Progress != nil {
		opt.Progress(done.Load(), total)
	}
	s.Header.NGrams, s.Header.Docs, s.Header.Removed = ngrams, docs.Load(), removed.Load()
	s.Header.Created = time.Now().UTC().Truncate(time.Second)
	return s, nil
}

// capacity bounds the number of distinct n-grams of the index. With
// postings at every position the manifest counts each shard's distinct
// n-grams, and their sum bounds the index's; a winnowed index counts only
// its anchors, so there the token count (at least the number of n-gram
// positions) is the bound. Removed documents only make the bound looser.
func capacity(m *index.Manifest) uint64 {
	if m.Params.Anchors == "all" || m.Params.Anchors == "" {
		return uint64(max(m.Counts.NGrams, 0))
	}
	return uint64(max(m.Counts.Tokens, 0))
}

// Tool names this contam and its version for the sketch header.
func Tool() string {
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		v = bi.Main.Version
	}
	return "contam " + v
}
