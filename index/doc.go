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
//	    docs.idx               document offsets: fixed 24-byte entries, one per document
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
// # Postings (Pebble)
//
//	key   = 8 bytes: n-gram hash, big-endian (so Pebble's bytewise order = numeric order)
//	value = uvarint(count) then count postings in (doc, pos) order, each
//	        uvarint(docDelta) uvarint(p): docDelta is the doc number minus
//	        the previous posting's (the first is absolute); p is the token
//	        position, absolute when docDelta > 0 and the gap from the previous
//	        position when docDelta == 0.
//
// A posting says "the n-gram starting at token pos of shard-local document
// doc hashes to key". It only ever decides where to look: every match is
// verified token by token against the stored document text and extended
// there, so a shard may store postings for a subset of positions (see
// Anchors) without changing what a query reports for long enough spans.
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
// uint64 record offset inside the decompressed block.
//
// # Changelog
//
//	1  first version: all-position postings, unicode-v1, zstd doc store.
package index
