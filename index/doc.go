// Package index defines contam's on-disk index format and reads it.
//
// An index is a directory of independently built shards plus a manifest that
// binds them together. Shards are split by document, so each one can be
// built by a goroutine, a process or a cluster job, and a query fans out over
// them.
//
//	idx/
//	  manifest.json            index manifest; written LAST, its presence marks a complete index
//	  shard-00000/             one directory per shard
//	    shard.json             shard manifest: options fingerprint, inputs, counts, Bloom parameters
//	    postings/              Pebble database: n-gram key → posting list
//	    docs.zst               document store: zstd-compressed blocks of records
//	    docs.idx               document offsets: fixed 32-byte entries, one per document
//	    bloom.bin              Bloom filter over the shard's n-gram keys (bits-and-blooms binary)
//	  shard-00001/ …
//
// # Manifests (JSON)
//
// manifest.json holds the format version, the options that decide what
// matches (normalizer name+version, n, hash name and seed, anchor scheme) and
// their fingerprint, the list of shard directories, totals, input files and
// build time. shard.json repeats the format version and fingerprint so that a
// shard built elsewhere can be checked before it joins an index. Readers
// refuse a FormatVersion they do not know (ErrVersion) and a shard whose
// fingerprint differs from the index's (ErrFingerprint).
//
// shard.json also says where the shard belongs: "shard" (its number),
// "shards_total" and "plan", a digest of the build's input list and shard
// count. A distributed build (contam build --task i --tasks N, package
// shard) writes only shard directories, each renamed into place when
// complete; its finalize step checks that shards 0..shards_total−1 of one
// plan and one fingerprint are all there, and only then writes
// manifest.json. An append builds new shards, moves them in under new
// names and then rewrites manifest.json: a shard directory the manifest
// does not list is never opened.
//
// # Postings (Pebble)
//
// Token positions are shard-global: document d's tokens are numbered from
// tokStart(d) (kept in docs.idx), so one number says both which document
// and where in it. Postings are grouped into buckets by the top B bits of
// the 64-bit n-gram hash (B = bucket_bits in shard.json, chosen from the
// shard's posting count so that a bucket holds ~16 postings):
//
//	key   = 4 bytes: bucket number, big-endian (bytewise order = hash order)
//	value = uvarint(count), then count entries sorted by (fp, gpos):
//	        fp   2 bytes big-endian: the 16 hash bits after the bucket bits
//	        g    uvarint: gpos minus the previous entry's gpos when the fp is
//	             the same as the previous entry's, else gpos itself
//
// A posting says "the n-gram starting at token gpos probably hashes to this
// bucket and fingerprint". It only ever decides where to look: every match is
// verified token by token against the stored document text and extended
// there, so a shard may store postings for a subset of positions without
// changing what a query reports for long enough spans. params.anchors
// names the subset: "all", or "winnow-W" (winnowing: the minimum hash of
// every W consecutive n-grams is stored, so every span of at least n+W−1
// tokens shared with a document holds an anchor and is found exactly;
// shorter shared spans may be missed).
//
// # Document store
//
// docs.zst is a sequence of blocks; each block is one zstd frame holding the
// concatenation of whole records:
//
//	record = uvarint(len(meta)) meta uvarint(len(text)) text
//
// where meta is the JSON of DocMeta and text is the document exactly as it
// was in the dump. docs.idx has one 24-byte little-endian entry per document
// number: uint64 block offset in docs.zst, uint64 compressed block length,
// uint64 record offset inside the decompressed block, uint64 tokStart.
//
// # Tombstones (JSON, optional)
//
// 'contam remove' does not rewrite postings or the document store: it lists
// the removed documents in tombstones.json, written atomically (temp file,
// fsync, rename) and kept apart from manifest.json so that rewriting the
// manifest (appending shards) leaves it alone:
//
//	{"format_version": 1, "fingerprint": "<the index's options fingerprint>",
//	 "updated": "<RFC 3339 time>",
//	 "docs": [{"shard": "shard-00000", "doc": 12, "id": "<document id>"}, …]}
//
// docs is sorted by (shard, doc); shard is a shard directory name from the
// manifest and doc a shard-local document number (a docs.idx entry). Open
// loads it: Shard.Postings drops the postings of removed documents and
// Shard.Doc refuses them with ErrRemoved, so no query sees them. Readers
// refuse a tombstone file of another version (ErrVersion), of another
// index (fingerprint, ErrFingerprint), or naming a shard or document the
// index does not have (ErrCorrupt). An index without the file has no removed
// documents, so adding it did not change FormatVersion; a contam older than
// the file ignores it and reports removed documents again. The manifest's
// counts are those of the build and include removed documents.
//
// # Changelog
//
//	1  first version: bucketed postings (all positions, or winnowed anchors:
//	   params.anchors "winnow-W") with global token
//	   positions, unicode-v1, zstd doc store. Later: optional
//	   tombstones.json (readable by every version-1 reader that knows it;
//	   no version change since indexes without it are unchanged).
package index
