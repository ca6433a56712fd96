package shard

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
)

// entry is one posting on its way to the index: the n-gram hash and where
// it occurs. 16 bytes, so the memory budget counts entries directly.
type entry struct {
	hash uint64
	gpos uint64 // shard-global token position
}

const entrySize = 16

// sortBits is how many top bits of the hash order a run. The index only
// needs hashes grouped by bucket and fingerprint (the top BucketBits+16 ≤ 44
// bits, see index.MaxBucketBits); sorting on fewer bits saves radix passes.
// Distinct full hashes are counted per bucket when it is emitted.
const sortBits = 44

func sortKey(h uint64) uint64 { return h >> (64 - sortBits) }

func cmpEntry(a, b entry) int {
	ka, kb := sortKey(a.hash), sortKey(b.hash)
	switch {
	case ka != kb:
		if ka < kb {
			return -1
		}
		return 1
	case a.gpos != b.gpos:
		if a.gpos < b.gpos {
			return -1
		}
		return 1
	}
	return 0
}

// sortEntries sorts a run by (sortKey(hash), gpos), a total order (gpos is
// unique), so the sorted run — and everything built from it — is the same
// on every machine. Entries are appended in gpos order, so a stable sort by
// the key alone gives it: an LSD radix sort with 11-bit digits (a 16 KiB
// histogram and 2048 write streams stay in cache), four streaming passes
// instead of pdqsort's n·log n comparisons. tmp must have len(es)
// capacity; the result is in es.
func sortEntries(es, tmp []entry) {
	if len(es) < 256 {
		slices.SortFunc(es, cmpEntry)
		return
	}
	tmp = tmp[:len(es)]
	src, dst := es, tmp
	const bits, mask = 11, 1<<11 - 1
	var count [1 << bits]int
	for shift := uint(64 - sortBits); shift < 64; shift += bits {
		clear(count[:])
		for i := range src {
			count[(src[i].hash>>shift)&mask]++
		}
		if count[(src[0].hash>>shift)&mask] == len(src) {
			continue // every entry has the same digit: nothing moves
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for i := range src {
			d := (src[i].hash >> shift) & mask
			dst[count[d]] = src[i]
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &es[0] {
		copy(es, src)
	}
}

// writeRun spills a sorted run to path as raw little-endian records.
func writeRun(path string, es []entry) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var b [entrySize]byte
	for _, e := range es {
		binary.LittleEndian.PutUint64(b[0:], e.hash)
		binary.LittleEndian.PutUint64(b[8:], e.gpos)
		if _, err := w.Write(b[:]); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// iterator yields entries in sorted order.
type iterator interface {
	next() (entry, bool, error)
}

type sliceIter struct {
	es []entry
	i  int
}

func (it *sliceIter) next() (entry, bool, error) {
	if it.i >= len(it.es) {
		return entry{}, false, nil
	}
	it.i++
	return it.es[it.i-1], true, nil
}

type fileIter struct {
	path string
	f    *os.File
	r    *bufio.Reader
	b    [entrySize]byte
}

func openRun(path string, bufSize int) (*fileIter, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &fileIter{path: path, f: f, r: bufio.NewReaderSize(f, bufSize)}, nil
}

func (it *fileIter) next() (entry, bool, error) {
	if _, err := io.ReadFull(it.r, it.b[:]); err != nil {
		if err == io.EOF {
			return entry{}, false, nil
		}
		return entry{}, false, fmt.Errorf("reading spilled run %s: %w", it.path, err)
	}
	return entry{
		hash: binary.LittleEndian.Uint64(it.b[0:]),
		gpos: binary.LittleEndian.Uint64(it.b[8:]),
	}, true, nil
}

func (it *fileIter) close() error { return it.f.Close() }

// merger is a k-way merge of sorted iterators; memory is one buffered
// reader per run, whatever the runs' sizes.
type merger struct {
	h mergeHeap
}

type mergeItem struct {
	e  entry
	it iterator
}

type mergeHeap []mergeItem

func (h mergeHeap) Len() int           { return len(h) }
func (h mergeHeap) Less(i, j int) bool { return cmpEntry(h[i].e, h[j].e) < 0 }
func (h mergeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)        { *h = append(*h, x.(mergeItem)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func newMerger(its []iterator) (*merger, error) {
	m := &merger{}
	for _, it := range its {
		e, ok, err := it.next()
		if err != nil {
			return nil, err
		}
		if ok {
			m.h = append(m.h, mergeItem{e, it})
		}
	}
	heap.Init(&m.h)
	return m, nil
}

func (m *merger) next() (entry, bool, error) {
	if len(m.h) == 0 {
		return entry{}, false, nil
	}
	top := m.h[0]
	e, ok, err := top.it.next()
	if err != nil {
		return entry{}, false, err
	}
	if ok {
		m.h[0].e = e
		heap.Fix(&m.h, 0)
	} else {
		heap.Pop(&m.h)
	}
	return top.e, true, nil
}
