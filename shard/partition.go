package shard

import (
	"bytes"
	"io"
	"os"
	"sort"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/contam-dev/contam/index"
)

// Partition assigns input files to n shards, balancing their estimated
// uncompressed sizes: largest first, each to the currently smallest shard
// (ties to the lowest shard). Files keep their input order inside a shard.
// The result depends only on the files, so separate processes compute the
// same partition. It also returns the size estimates.
func Partition(ins []index.Input, n int) ([][]int, []int64, error) {
	est := make([]int64, len(ins))
	for i, in := range ins {
		e, err := estimateSize(in.Path, in.Size)
		if err != nil {
			return nil, nil, err
		}
		est[i] = e
	}
	order := make([]int, len(ins))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		if est[order[a]] != est[order[b]] {
			return est[order[a]] > est[order[b]]
		}
		return ins[order[a]].Path < ins[order[b]].Path
	})
	parts := make([][]int, n)
	load := make([]int64, n)
	for _, i := range order {
		best := 0
		for s := 1; s < n; s++ {
			if load[s] < load[best] {
				best = s
			}
		}
		parts[best] = append(parts[best], i)
		load[best] += est[i]
	}
	for _, p := range parts {
		sort.Ints(p)
	}
	return parts, est, nil
}

// estimateSample is how much of a compressed file is decompressed to
// estimate its compression ratio.
const estimateSample = 1 << 20

// estimateSize estimates a file's uncompressed size: a compressed file's
// ratio is measured on its first MiB. Shards are balanced by what they cost
// to index (text), not by bytes on disk, which differ 3× between gzip and
// plain inputs.
func estimateSize(path string, size int64) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	var dec io.Reader
	lim := &countReader{r: io.LimitReader(f, estimateSample)}
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(lim)
		if err != nil {
			return size, nil // the reader will report the real error with its position
		}
		defer zr.Close()
		dec = zr
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(lim, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return size, nil
		}
		defer zr.Close()
		dec = zr
	default:
		return size, nil
	}
	out, _ := io.Copy(io.Discard, dec) // a cut-off stream ends in an error, expected here
	if lim.n == 0 || out == 0 {
		return size, nil
	}
	return int64(float64(size) * float64(out) / float64(lim.n)), nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
