package index

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// TombstonesFile lists the documents removed from an index by
// 'contam remove'. It is optional: an index without it has no removed
// documents.
const TombstonesFile = "tombstones.json"

// TombstonesVersion is the version of tombstones.json this package writes
// and reads.
const TombstonesVersion = 1

var (
	// ErrRemoved means a document was removed from the index (tombstoned):
	// it exists in the document store but no query may report it.
	ErrRemoved = errors.New("index: document removed")
	// ErrUnknownDoc means a document id asked to be removed is not in the index.
	ErrUnknownDoc = errors.New("index: no such document")
)

// Tombstone names one removed document. The (shard, doc) pair is what
// readers use; the id is kept so that the file can be read by a person and
// so that remove can tell a repeated request from a new one.
type Tombstone struct {
	Shard string `json:"shard"` // shard directory name, as in manifest.json
	Doc   uint32 `json:"doc"`   // shard-local document number
	ID    string `json:"id"`
}

// Tombstones is tombstones.json.
type Tombstones struct {
	FormatVersion int         `json:"format_version"`
	Fingerprint   string      `json:"fingerprint"` // the index's options fingerprint
	Updated       time.Time   `json:"updated"`
	Docs          []Tombstone `json:"docs"` // sorted by (shard, doc), no duplicates
}

// ReadTombstones reads dir/tombstones.json. An index without the file has
// no removed documents: the result is then empty, not an error.
func ReadTombstones(dir string, m *Manifest) (*Tombstones, error) {
	path := filepath.Join(dir, TombstonesFile)
	t := &Tombstones{FormatVersion: TombstonesVersion, Fingerprint: m.Fingerprint}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return t, nil
	}
	if err := readJSON(path, t); err != nil {
		return nil, err
	}
	if t.FormatVersion != TombstonesVersion {
		return nil, fmt.Errorf("%w: %s has version %d; this contam reads version %d", ErrVersion, path, t.FormatVersion, TombstonesVersion)
	}
	// A tombstone file copied from another index would silently un-remove
	// (or remove) the wrong documents.
	if t.Fingerprint != m.Fingerprint {
		return nil, fmt.Errorf("%w: %s belongs to an index with options %s, this index has %s", ErrFingerprint, path, t.Fingerprint, m.Fingerprint)
	}
	shards := map[string]bool{}
	for _, s := range m.Shards {
		shards[s] = true
	}
	for _, ts := range t.Docs {
		// Ignoring a tombstone of an unknown shard would bring a removed
		// document back; refuse instead.
		if !shards[ts.Shard] {
			return nil, fmt.Errorf("%w: %s removes document %q of shard %q, which the index does not have", ErrCorrupt, path, ts.ID, ts.Shard)
		}
	}
	return t, nil
}

// RemoveOptions tune Remove.
type RemoveOptions struct {
	MissingOK bool // ids not in the index are reported, not an error
}

// RemoveResult says what Remove did.
type RemoveResult struct {
	Removed int      // documents tombstoned by this call
	Already int      // documents with a requested id that were already removed
	Missing []string // requested ids not in the index (only with MissingOK)
	Total   int      // documents removed from the index in all, after this call
}

// Remove tombstones every document of the index in dir whose id is in ids,
// so that no later query reports it. The document store is scanned once to
// map ids to (shard, document number); the tombstones are then written to
// dir/tombstones.json atomically (temp file, fsync, rename). Removing a
// document twice is a no-op. An id held by several documents removes them
// all. Ids not in the index are an error (and nothing is written) unless
// opt.MissingOK. Two Removes on one index must not run at once: the later
// rename wins.
func Remove(dir string, ids []string, opt RemoveOptions) (*RemoveResult, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	ts, err := ReadTombstones(dir, m)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	type key struct {
		shard string
		doc   uint32
	}
	have := map[key]bool{}
	for _, t := range ts.Docs {
		have[key{t.Shard, t.Doc}] = true
	}
	found := map[string]bool{}
	res := &RemoveResult{}
	for _, name := range m.Shards {
		sd := filepath.Join(dir, name)
		r, err := OpenDocReader(filepath.Join(sd, DocsFile), filepath.Join(sd, DocsIndexFile))
		if err != nil {
			return nil, fmt.Errorf("cannot open shard %q documents: %w", sd, err)
		}
		for n := 0; n < r.Len(); n++ {
			d, err := r.Doc(uint32(n))
			if err != nil {
				r.Close()
				return nil, fmt.Errorf("shard %s: %w", sd, err)
			}
			if !want[d.ID] {
				continue
			}
			found[d.ID] = true
			k := key{name, uint32(n)}
			if have[k] {
				res.Already++
				continue
			}
			have[k] = true
			ts.Docs = append(ts.Docs, Tombstone{Shard: name, Doc: uint32(n), ID: d.ID})
			res.Removed++
		}
		if err := r.Close(); err != nil {
			return nil, err
		}
	}
	for id := range want {
		if !found[id] {
			res.Missing = append(res.Missing, id)
		}
	}
	slices.Sort(res.Missing)
	if len(res.Missing) > 0 && !opt.MissingOK {
		show := res.Missing
		if len(show) > 10 {
			show = show[:10]
		}
		return nil, fmt.Errorf("%w: %d of %d ids are not in index %s (nothing removed; --missing-ok removes the others): %s",
			ErrUnknownDoc, len(res.Missing), len(want), dir, strings.Join(quoteAll(show), ", "))
	}
	res.Total = len(ts.Docs)
	if res.Removed == 0 {
		return res, nil
	}
	slices.SortFunc(ts.Docs, func(a, b Tombstone) int {
		if c := strings.Compare(a.Shard, b.Shard); c != 0 {
			return c
		}
		return int(a.Doc) - int(b.Doc)
	})
	ts.Updated = time.Now().UTC().Truncate(time.Second)
	if err := WriteJSON(filepath.Join(dir, TombstonesFile), ts); err != nil {
		return nil, fmt.Errorf("cannot write tombstones of %s: %w", dir, err)
	}
	return res, nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
