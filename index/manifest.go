package index

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// FormatVersion is the version of the on-disk format this package writes.
// MinReadVersion is the oldest version it can still read.
const (
	FormatVersion  = 1
	MinReadVersion = 1
)

// File names inside an index directory.
const (
	ManifestFile      = "manifest.json"
	ShardManifestFile = "shard.json"
	PostingsDir       = "postings"
	DocsFile          = "docs.zst"
	DocsIndexFile     = "docs.idx"
	BloomFile         = "bloom.bin"
)

var (
	// ErrNotIndex means a directory holds no complete index (no manifest):
	// never built, or a build that failed or was killed.
	ErrNotIndex = errors.New("index: not a complete contam index (no manifest.json)")
	// ErrVersion means the index was written in a format this build cannot read.
	ErrVersion = errors.New("index: unsupported format version")
	// ErrFingerprint means two parts of an index were built with different options.
	ErrFingerprint = errors.New("index: options fingerprint mismatch")
	// ErrCorrupt marks damaged index files.
	ErrCorrupt = errors.New("index: corrupt")
)

// Params are the options that decide what matches; they are fingerprinted.
// The query side always takes them from the manifest, never from defaults.
type Params struct {
	Normalizer string `json:"normalizer"` // versioned name, e.g. "unicode-v1"
	N          int    `json:"n"`          // n-gram length in tokens
	Hash       string `json:"hash"`       // n-gram hash name, text.HashName
	Seed       uint64 `json:"seed"`       // hash seed
	Anchors    string `json:"anchors"`    // which positions have postings: "all"
}

// ParseAnchors validates an anchor scheme name ("all" or "winnow-W", see
// the package doc) and returns its window W (1 for "all").
func ParseAnchors(s string) (int, error) {
	if s == "" || s == "all" {
		return 1, nil
	}
	if w, ok := strings.CutPrefix(s, "winnow-"); ok {
		n, err := strconv.Atoi(w)
		if err == nil && n >= 1 && n <= 64 {
			return n, nil
		}
	}
	return 0, fmt.Errorf("unknown anchor scheme %q (want all or winnow-W, W in 1..64)", s)
}

// GuaranteedSpan is the shortest shared span the index always finds:
// n + W − 1 tokens (n for all anchors). Shorter shared spans are found only
// where they happen to hold a stored anchor.
func (p Params) GuaranteedSpan() int {
	w, err := ParseAnchors(p.Anchors)
	if err != nil {
		w = 1 // unreachable for a manifest that passed validation
	}
	return p.N + w - 1
}

// Fingerprint is a short, stable digest of p.
func (p Params) Fingerprint() string {
	b, _ := json.Marshal(p) // a struct of plain fields cannot fail to marshal
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Input is one corpus file as the build saw it.
type Input struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Counts are document, token and n-gram totals.
type Counts struct {
	Docs      int64 `json:"docs"`
	TextBytes int64 `json:"text_bytes"` // uncompressed document text
	Tokens    int64 `json:"tokens"`
	Postings  int64 `json:"postings"` // stored (doc, pos) postings
	NGrams    int64 `json:"ngrams"`   // distinct n-gram keys
	Skipped   int64 `json:"skipped"`  // bad records skipped with --skip-bad
}

// Add accumulates c2 into c.
func (c *Counts) Add(c2 Counts) {
	c.Docs += c2.Docs
	c.TextBytes += c2.TextBytes
	c.Tokens += c2.Tokens
	c.Postings += c2.Postings
	c.NGrams += c2.NGrams
	c.Skipped += c2.Skipped
}

// BloomInfo records how a shard's Bloom filter was sized.
type BloomInfo struct {
	FPR    float64 `json:"fpr"`    // target false-positive rate
	Bits   uint64  `json:"bits"`   // m
	Hashes uint64  `json:"hashes"` // k
}

// ShardManifest is shard.json.
type ShardManifest struct {
	FormatVersion int       `json:"format_version"`
	Params        Params    `json:"params"`
	Fingerprint   string    `json:"fingerprint"`
	Inputs        []Input   `json:"inputs"`
	Counts        Counts    `json:"counts"`
	Bloom         BloomInfo `json:"bloom"`
	DocBlockSize  int       `json:"doc_block_size"`
	BucketBits    int       `json:"bucket_bits"` // postings bucket = top BucketBits bits of the n-gram hash
	BuildSeconds  float64   `json:"build_seconds"`
	Phases        Phases    `json:"phases"`
	// Where the shard belongs: shard Shard of ShardsTotal in the build plan
	// Plan (a digest of the input list and shard count). A distributed
	// build's finalize step checks that every shard of one plan is there.
	Shard       int    `json:"shard"`
	ShardsTotal int    `json:"shards_total"`
	Plan        string `json:"plan"`
}

// Phases are where a shard's build time went, in seconds.
type Phases struct {
	Read  float64 `json:"read"`  // decompress, parse, store, tokenize, hash, sort and spill runs
	Merge float64 `json:"merge"` // merge runs into sstables and ingest them
	Bloom float64 `json:"bloom"` // build and write the Bloom filter
}

// Manifest is manifest.json.
type Manifest struct {
	FormatVersion int       `json:"format_version"`
	Params        Params    `json:"params"`
	Fingerprint   string    `json:"fingerprint"`
	Shards        []string  `json:"shards"`       // shard directory names, in order
	ShardCounts   []Counts  `json:"shard_counts"` // per shard, in the same order
	Counts        Counts    `json:"counts"`       // totals (ngrams: sum of per-shard distinct counts)
	Inputs        []Input   `json:"inputs"`
	BloomFPR      float64   `json:"bloom_fpr"`
	Built         time.Time `json:"built"`
	BuildSeconds  float64   `json:"build_seconds"`
	Tool          string    `json:"tool"` // e.g. "contam (devel)"
}

// AddShard appends a shard, built under m's params, to the manifest.
func (m *Manifest) AddShard(name string, sm *ShardManifest) {
	m.Shards = append(m.Shards, name)
	m.ShardCounts = append(m.ShardCounts, sm.Counts)
	m.Counts.Add(sm.Counts)
	m.Inputs = append(m.Inputs, sm.Inputs...)
	sort.Slice(m.Inputs, func(i, j int) bool { return m.Inputs[i].Path < m.Inputs[j].Path })
}

// ShardDirName is the directory name of shard i.
func ShardDirName(i int) string { return fmt.Sprintf("shard-%05d", i) }

// WriteJSON writes v as indented JSON to path atomically (temp file, fsync, rename).
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("cannot encode %s: %w", filepath.Base(path), err)
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	return nil
}

func checkVersion(path string, v int) error {
	if v < MinReadVersion || v > FormatVersion {
		return fmt.Errorf("%w: %s has format version %d; this contam reads versions %d–%d (rebuild the index or use a matching contam)",
			ErrVersion, path, v, MinReadVersion, FormatVersion)
	}
	return nil
}

// ReadManifest reads and validates dir/manifest.json.
func ReadManifest(dir string) (*Manifest, error) {
	path := filepath.Join(dir, ManifestFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if _, err2 := os.Stat(dir); err2 != nil {
			return nil, fmt.Errorf("cannot open index %q: %w", dir, err2)
		}
		return nil, fmt.Errorf("cannot open index %q: %w", dir, ErrNotIndex)
	}
	var m Manifest
	if err := readJSON(path, &m); err != nil {
		return nil, fmt.Errorf("cannot open index %q: %w", dir, err)
	}
	if err := checkVersion(path, m.FormatVersion); err != nil {
		return nil, err
	}
	if fp := m.Params.Fingerprint(); fp != m.Fingerprint {
		return nil, fmt.Errorf("%w: %s records %s but its params hash to %s", ErrFingerprint, path, m.Fingerprint, fp)
	}
	if _, err := ParseAnchors(m.Params.Anchors); err != nil {
		return nil, fmt.Errorf("%w: %s: %v (a newer contam?)", ErrVersion, path, err)
	}
	return &m, nil
}

// ReadShardManifest reads and validates a shard's shard.json.
func ReadShardManifest(shardDir string) (*ShardManifest, error) {
	path := filepath.Join(shardDir, ShardManifestFile)
	var m ShardManifest
	if err := readJSON(path, &m); err != nil {
		return nil, fmt.Errorf("cannot open shard %q: %w", shardDir, err)
	}
	if err := checkVersion(path, m.FormatVersion); err != nil {
		return nil, err
	}
	return &m, nil
}
