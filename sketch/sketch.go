package sketch

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/bits-and-blooms/bloom/v3"
	"github.com/zeebo/xxh3"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/index/text"
)

// Format constants; see the package documentation.
const (
	Magic         = "CONTAMSK"
	FormatVersion = 1
	FormatName    = "contam-sketch"
	DefaultFPR    = 1e-6
	maxHeader     = 1 << 20
	frameLen      = 16 // magic, version, header length
	bodyPrefix    = 24 // m, k, bit set length
)

var (
	// ErrNotSketch means the file does not start with the sketch magic.
	ErrNotSketch = errors.New("sketch: not a contam sketch (bad magic)")
	// ErrVersion means the sketch was written in a format this build cannot read.
	ErrVersion = errors.New("sketch: unsupported format version")
	// ErrTruncated means the file is shorter than its header says.
	ErrTruncated = errors.New("sketch: truncated")
	// ErrCorrupt marks a damaged sketch: checksum, header or body wrong.
	ErrCorrupt = errors.New("sketch: corrupt")
	// ErrIncompatible means the sketch cannot be used here: n-grams hashed
	// another way, or built from an index with other options.
	ErrIncompatible = errors.New("sketch: incompatible")
)

// Header is the JSON header of a sketch file.
type Header struct {
	Format      string    `json:"format"`     // FormatName
	Normalizer  string    `json:"normalizer"` // versioned normalizer name, from the index
	N           int       `json:"n"`
	Seed        uint64    `json:"seed"`
	Hash        string    `json:"hash"`        // text.HashName of the n-gram hash
	Anchors     string    `json:"anchors"`     // the index's anchor scheme (the sketch holds every n-gram regardless)
	Fingerprint string    `json:"fingerprint"` // the index's options fingerprint
	FPRTarget   float64   `json:"fpr_target"`  // false-positive rate the filter was sized for, at Capacity n-grams
	Capacity    uint64    `json:"capacity"`    // n-grams the filter was sized for (an upper bound of the distinct ones)
	NGrams      int64     `json:"ngrams"`      // n-gram positions inserted, repeats included
	Docs        int64     `json:"docs"`        // documents whose n-grams were inserted
	Removed     int64     `json:"removed"`     // removed (tombstoned) documents left out
	M           uint64    `json:"m"`           // filter bits
	K           uint64    `json:"k"`           // hash functions
	BitsSet     uint64    `json:"bits_set"`    // bits set when written
	BodyBytes   int64     `json:"body_bytes"`  // length of the filter body
	Created     time.Time `json:"created"`
	Tool        string    `json:"tool"`            // contam and its version
	Index       string    `json:"index,omitempty"` // directory the sketch was built from (informational)
}

// Sketch is a membership sketch in memory.
type Sketch struct {
	Header Header
	f      *bloom.BloomFilter
}

// newSketch sizes an empty filter for capacity n-grams at the target
// false-positive rate.
func newSketch(p index.Params, fingerprint string, capacity uint64, fpr float64) *Sketch {
	capacity = max(capacity, 1)
	m, k := bloom.EstimateParameters(uint(capacity), fpr)
	f := bloom.New(m, k)
	return &Sketch{
		f: f,
		Header: Header{
			Format: FormatName, Normalizer: p.Normalizer, N: p.N, Seed: p.Seed, Hash: p.Hash,
			Anchors: p.Anchors, Fingerprint: fingerprint, FPRTarget: fpr, Capacity: capacity,
			M: uint64(f.Cap()), K: uint64(f.K()),
		},
	}
}

// Add inserts an n-gram hash.
func (s *Sketch) Add(h uint64) {
	k := index.BloomKey(h)
	s.f.Add(k[:])
}

// Contains reports whether the n-gram with hash h is probably in the corpus:
// false is certain, true is wrong with probability FPR().
func (s *Sketch) Contains(h uint64) bool {
	k := index.BloomKey(h)
	return s.f.Test(k[:])
}

// BitsSet is the number of filter bits set.
func (s *Sketch) BitsSet() uint64 { return uint64(s.f.BitSet().Count()) }

// Fill is the fraction of filter bits set.
func (s *Sketch) Fill() float64 { return float64(s.BitsSet()) / float64(s.f.Cap()) }

// FPR is the probability that an n-gram not in the corpus tests present,
// from the filter's actual fill: each of its k bit positions is set with
// probability Fill.
func (s *Sketch) FPR() float64 { return math.Pow(s.Fill(), float64(s.f.K())) }

// Params are the index options the sketch's n-grams were computed with.
func (s *Sketch) Params() index.Params {
	h := s.Header
	return index.Params{Normalizer: h.Normalizer, N: h.N, Hash: h.Hash, Seed: h.Seed, Anchors: h.Anchors}
}

// Normalizer returns the normalizer items must be tokenized with.
func (s *Sketch) Normalizer() (text.Normalizer, error) {
	n, err := text.Lookup(s.Header.Normalizer)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrIncompatible, err)
	}
	return n, nil
}

// CheckIndex refuses a sketch built from an index with other options than m's.
func (s *Sketch) CheckIndex(m *index.Manifest) error {
	if s.Header.Fingerprint != m.Fingerprint {
		return fmt.Errorf("%w: the sketch was built from an index with options %s (normalizer %s, n=%d), this index has %s (normalizer %s, n=%d)",
			ErrIncompatible, s.Header.Fingerprint, s.Header.Normalizer, s.Header.N, m.Fingerprint, m.Params.Normalizer, m.Params.N)
	}
	return nil
}

// bodyBytes is the length of the filter body for m bits.
func bodyBytes(m uint64) int64 { return bodyPrefix + 8*int64((m+63)/64) }

// WriteFile writes the sketch to path atomically (temp file, fsync,
// rename) and returns the file's size.
func (s *Sketch) WriteFile(path string) (int64, error) {
	s.Header.BitsSet = s.BitsSet()
	s.Header.BodyBytes = bodyBytes(s.Header.M)
	hb, err := json.Marshal(s.Header)
	if err != nil {
		return 0, err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return 0, err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	sum := xxh3.New()
	w := io.MultiWriter(bw, sum)
	var frame [frameLen]byte
	copy(frame[:], Magic)
	binary.LittleEndian.PutUint32(frame[8:], FormatVersion)
	binary.LittleEndian.PutUint32(frame[12:], uint32(len(hb)))
	if _, err := w.Write(frame[:]); err != nil {
		return 0, err
	}
	if _, err := w.Write(hb); err != nil {
		return 0, err
	}
	nb, err := s.f.WriteTo(w)
	if err != nil {
		return 0, err
	}
	if nb != s.Header.BodyBytes {
		return 0, fmt.Errorf("sketch: wrote a %d-byte filter body, expected %d", nb, s.Header.BodyBytes)
	}
	if err := binary.Write(bw, binary.LittleEndian, sum.Sum64()); err != nil {
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, err
	}
	ok = true
	return frameLen + int64(len(hb)) + nb + 8, nil
}

// ReadFile reads and verifies a sketch file.
func ReadFile(path string) (*Sketch, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	s, err := read(bufio.NewReaderSize(f, 1<<20), st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// read parses a sketch of size bytes from r. Every length is checked
// against size before anything is allocated from it, so a damaged length
// field is an error, not a huge allocation.
func read(r io.Reader, size int64) (*Sketch, error) {
	sum := xxh3.New()
	tr := io.TeeReader(r, sum)
	var frame [frameLen]byte
	n, err := io.ReadFull(tr, frame[:])
	if got := frame[:min(n, len(Magic))]; !strings.HasPrefix(Magic, string(got)) || n == 0 {
		return nil, ErrNotSketch
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the %d-byte frame", ErrTruncated, size, frameLen)
	}
	if v := binary.LittleEndian.Uint32(frame[8:]); v != FormatVersion {
		return nil, fmt.Errorf("%w: format version %d; this contam reads version %d (rebuild the sketch or use a matching contam)", ErrVersion, v, FormatVersion)
	}
	hl := int64(binary.LittleEndian.Uint32(frame[12:]))
	if hl > maxHeader {
		return nil, fmt.Errorf("%w: header length %d exceeds %d", ErrCorrupt, hl, maxHeader)
	}
	if frameLen+hl > size {
		return nil, fmt.Errorf("%w: %d bytes, the header alone needs %d", ErrTruncated, size, frameLen+hl)
	}
	hb := make([]byte, hl)
	if _, err := io.ReadFull(tr, hb); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrTruncated, err)
	}
	s := &Sketch{}
	// Unknown header fields are ignored: adding one is not a new version.
	if err := json.Unmarshal(hb, &s.Header); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	h := &s.Header
	if h.Format != FormatName {
		return nil, fmt.Errorf("%w: header names format %q, not %q", ErrCorrupt, h.Format, FormatName)
	}
	if h.M == 0 || h.K == 0 || h.BodyBytes != bodyBytes(h.M) {
		return nil, fmt.Errorf("%w: header: m=%d, k=%d and body_bytes=%d do not agree", ErrCorrupt, h.M, h.K, h.BodyBytes)
	}
	want := frameLen + hl + h.BodyBytes + 8
	if size < want {
		return nil, fmt.Errorf("%w: %d bytes, the header says %d", ErrTruncated, size, want)
	}
	if size > want {
		return nil, fmt.Errorf("%w: %d bytes, the header says %d (trailing data)", ErrCorrupt, size, want)
	}
	// The body's own lengths must match the header before the bloom
	// package allocates from them.
	var pre [bodyPrefix]byte
	if _, err := io.ReadFull(tr, pre[:]); err != nil {
		return nil, fmt.Errorf("%w: body: %v", ErrTruncated, err)
	}
	bm, bk, bl := binary.BigEndian.Uint64(pre[:]), binary.BigEndian.Uint64(pre[8:]), binary.BigEndian.Uint64(pre[16:])
	if bm != h.M || bk != h.K || bl != h.M {
		return nil, fmt.Errorf("%w: the body holds a filter of m=%d, k=%d (bit set %d), the header says m=%d, k=%d", ErrCorrupt, bm, bk, bl, h.M, h.K)
	}
	s.f = &bloom.BloomFilter{}
	if _, err := s.f.ReadFrom(io.MultiReader(bytes.NewReader(pre[:]), tr)); err != nil {
		return nil, fmt.Errorf("%w: body: %v", ErrTruncated, err)
	}
	var stored [8]byte
	if _, err := io.ReadFull(r, stored[:]); err != nil {
		return nil, fmt.Errorf("%w: checksum: %v", ErrTruncated, err)
	}
	if got, want := sum.Sum64(), binary.LittleEndian.Uint64(stored[:]); got != want {
		return nil, fmt.Errorf("%w: checksum mismatch (stored %016x, computed %016x)", ErrCorrupt, want, got)
	}
	if h.Hash != text.HashName {
		return nil, fmt.Errorf("%w: n-grams hashed with %q; this contam computes %q", ErrIncompatible, h.Hash, text.HashName)
	}
	if _, err := s.Normalizer(); err != nil {
		return nil, err
	}
	if h.N < 1 {
		return nil, fmt.Errorf("%w: header: n=%d", ErrCorrupt, h.N)
	}
	return s, nil
}
