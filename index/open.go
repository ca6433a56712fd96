package index

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/bits-and-blooms/bloom/v3"
	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// QuietLogger drops Pebble's informational messages (which would otherwise
// interleave with contam's own output) and keeps its errors.
type QuietLogger struct{}

func (QuietLogger) Infof(string, ...any)              {}
func (QuietLogger) Errorf(format string, args ...any) { pebble.DefaultLogger.Errorf(format, args...) }
func (QuietLogger) Fatalf(format string, args ...any) { pebble.DefaultLogger.Fatalf(format, args...) }

// Index is an opened, complete index.
type Index struct {
	Dir      string
	Manifest *Manifest
	Shards   []*Shard
}

// Shard is one opened shard.
type Shard struct {
	Dir                                          string
	Manifest                                     *ShardManifest
	db                                           *pebble.DB
	bloom                                        *bloom.BloomFilter // nil when the shard is opened without it
	docs                                         *DocReader
	removed                                      map[uint32]bool // tombstoned documents (contam remove); nil when none
	lookups, bloomSkips, pebbleReads, pebbleHits atomic.Int64
}

// ShardStats counts what lookups cost.
type ShardStats struct {
	Lookups     int64 // n-gram lookups asked of this shard
	BloomSkips  int64 // lookups the Bloom filter answered "absent"
	PebbleReads int64 // lookups that reached Pebble
	PebbleHits  int64 // Pebble reads that found the key
}

// OpenOptions tune how an index is opened.
type OpenOptions struct {
	NoBloom   bool  // skip the Bloom filters (for measuring what they save)
	CacheSize int64 // Pebble block cache per index, bytes (default 64 MiB)
	// DocCacheBytes bounds the decompressed doc-store blocks cached, for
	// the whole index (split evenly over its shards); default
	// DefaultDocCacheBytes a shard.
	DocCacheBytes int64
}

// Open opens the index in dir, refusing incomplete indexes, unknown format
// versions and shards built with other options.
func Open(dir string, opt OpenOptions) (*Index, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	if opt.CacheSize <= 0 {
		opt.CacheSize = 64 << 20
	}
	// One block cache shared by all shards of the index bounds its memory.
	cache := pebble.NewCache(opt.CacheSize)
	defer cache.Unref()
	ix := &Index{Dir: dir, Manifest: m}
	for _, name := range m.Shards {
		popts := &pebble.Options{ReadOnly: true, Logger: QuietLogger{}, Cache: cache, FS: sharedReadFS{vfs.Default}}
		s, err := openShard(filepath.Join(dir, name), m, popts, opt)
		if err != nil {
			ix.Close()
			return nil, err
		}
		ix.Shards = append(ix.Shards, s)
	}
	if err := ix.loadTombstones(); err != nil {
		ix.Close()
		return nil, err
	}
	return ix, nil
}

// loadTombstones hands each shard its removed documents, so that every
// reader (check, trace, count, find, sketch) drops them without knowing.
func (ix *Index) loadTombstones() error {
	ts, err := ReadTombstones(ix.Dir, ix.Manifest)
	if err != nil {
		return err
	}
	byName := map[string]*Shard{}
	for i, name := range ix.Manifest.Shards {
		byName[name] = ix.Shards[i]
	}
	for _, t := range ts.Docs {
		s := byName[t.Shard] // ReadTombstones refused unknown shards
		if int(t.Doc) >= s.docs.Len() {
			return fmt.Errorf("%w: %s removes document %d of shard %s, which holds %d", ErrCorrupt, filepath.Join(ix.Dir, TombstonesFile), t.Doc, t.Shard, s.docs.Len())
		}
		if s.removed == nil {
			s.removed = map[uint32]bool{}
		}
		s.removed[t.Doc] = true
	}
	return nil
}

func openShard(dir string, m *Manifest, popts *pebble.Options, opt OpenOptions) (*Shard, error) {
	sm, err := ReadShardManifest(dir)
	if err != nil {
		return nil, err
	}
	if sm.Fingerprint != m.Fingerprint {
		return nil, fmt.Errorf("%w: shard %s was built with options %s, the index with %s", ErrFingerprint, dir, sm.Fingerprint, m.Fingerprint)
	}
	s := &Shard{Dir: dir, Manifest: sm}
	s.db, err = pebble.Open(filepath.Join(dir, PostingsDir), popts)
	if err != nil {
		return nil, fmt.Errorf("cannot open shard %q postings: %w", dir, err)
	}
	s.docs, err = OpenDocReader(filepath.Join(dir, DocsFile), filepath.Join(dir, DocsIndexFile))
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("cannot open shard %q documents: %w", dir, err)
	}
	if opt.DocCacheBytes > 0 {
		s.docs.SetCacheBytes(opt.DocCacheBytes / int64(max(len(m.Shards), 1)))
	}
	if sm.BucketBits < MinBucketBits || sm.BucketBits > MaxBucketBits {
		s.Close()
		return nil, fmt.Errorf("%w: shard %q: bucket_bits %d out of range", ErrCorrupt, dir, sm.BucketBits)
	}
	if int64(s.docs.Len()) != sm.Counts.Docs {
		s.Close()
		return nil, fmt.Errorf("%w: shard %q: document store holds %d documents, manifest says %d", ErrCorrupt, dir, s.docs.Len(), sm.Counts.Docs)
	}
	if !opt.NoBloom {
		f, err := os.Open(filepath.Join(dir, BloomFile))
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("cannot open shard %q Bloom filter: %w", dir, err)
		}
		s.bloom = &bloom.BloomFilter{}
		_, err = s.bloom.ReadFrom(f)
		f.Close()
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("%w: shard %q Bloom filter: %v", ErrCorrupt, dir, err)
		}
	}
	return s, nil
}

// Postings appends to dst the stored postings of n-gram hash h. Hash
// collisions (bucket and fingerprint equal, n-gram different) are possible
// and left for verification to reject.
func (s *Shard) Postings(h uint64, dst []Posting) ([]Posting, error) {
	s.lookups.Add(1)
	if s.bloom != nil {
		bk := BloomKey(h)
		if !s.bloom.Test(bk[:]) {
			s.bloomSkips.Add(1)
			return dst, nil
		}
	}
	s.pebbleReads.Add(1)
	bb := s.Manifest.BucketBits
	k := BucketKey(Bucket(h, bb))
	v, closer, err := s.db.Get(k[:])
	if errors.Is(err, pebble.ErrNotFound) {
		return dst, nil
	}
	if err != nil {
		return dst, fmt.Errorf("shard %s: %w", s.Dir, err)
	}
	gs, err := LookupBucket(nil, v, Fingerprint(h, bb))
	closer.Close()
	if err != nil {
		return dst, fmt.Errorf("shard %s bucket %x: %w", s.Dir, k, err)
	}
	if len(gs) > 0 {
		s.pebbleHits.Add(1)
	}
	for _, g := range gs {
		p, err := s.docs.Locate(g)
		if err != nil {
			return dst, fmt.Errorf("shard %s: %w", s.Dir, err)
		}
		if s.removed[p.Doc] {
			continue // tombstoned: no query may see it
		}
		dst = append(dst, p)
	}
	return dst, nil
}

// Doc returns a stored document; a removed one is an ErrRemoved error.
func (s *Shard) Doc(n uint32) (*Doc, error) {
	if s.removed[n] {
		return nil, fmt.Errorf("%w: shard %s document %d", ErrRemoved, s.Dir, n)
	}
	return s.docs.Doc(n)
}

// NumDocs is the number of documents the shard stores, removed ones included.
func (s *Shard) NumDocs() int { return s.docs.Len() }

// Removed reports whether document n was removed (contam remove).
func (s *Shard) Removed(n uint32) bool { return s.removed[n] }

// RemovedDocs is the number of removed documents of the shard.
func (s *Shard) RemovedDocs() int { return len(s.removed) }

// InputPath is the path of input i as recorded by the build.
func (s *Shard) InputPath(i int) string {
	if i < 0 || i >= len(s.Manifest.Inputs) {
		return fmt.Sprintf("input#%d", i)
	}
	return s.Manifest.Inputs[i].Path
}

// Stats returns the lookup counters.
func (s *Shard) Stats() ShardStats {
	return ShardStats{Lookups: s.lookups.Load(), BloomSkips: s.bloomSkips.Load(), PebbleReads: s.pebbleReads.Load(), PebbleHits: s.pebbleHits.Load()}
}

// Close releases the shard.
func (s *Shard) Close() error {
	var err error
	if s.docs != nil {
		err = s.docs.Close()
	}
	if s.db != nil {
		if e := s.db.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Stats sums the lookup counters of every shard.
func (ix *Index) Stats() ShardStats {
	var t ShardStats
	for _, s := range ix.Shards {
		st := s.Stats()
		t.Lookups += st.Lookups
		t.BloomSkips += st.BloomSkips
		t.PebbleReads += st.PebbleReads
		t.PebbleHits += st.PebbleHits
	}
	return t
}

// RemovedDocs is the number of documents removed from the index.
func (ix *Index) RemovedDocs() int {
	n := 0
	for _, s := range ix.Shards {
		n += s.RemovedDocs()
	}
	return n
}

// Close releases every shard.
func (ix *Index) Close() error {
	var err error
	for _, s := range ix.Shards {
		if e := s.Close(); err == nil {
			err = e
		}
	}
	return err
}

// sharedReadFS lets several processes open one index at once (a server and
// batch checks, many users on a shared file system). Pebble takes an
// exclusive lock on a database directory even read-only
// (cockroachdb/pebble#1263); its purpose is to keep a writer from deleting
// files under readers, and a finished shard has no writer: its postings
// never change after the build renames it into place.
type sharedReadFS struct{ vfs.FS }

func (sharedReadFS) Lock(string) (io.Closer, error) { return io.NopCloser(nil), nil }
