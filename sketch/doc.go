// Package sketch builds, writes and reads contam's shareable membership
// sketch: one Bloom filter holding every n-gram of an index's documents
// (removed documents excepted), small enough to send to someone who may
// not see the corpus. It answers only "is this n-gram probably in the
// corpus?" — no positions, no documents, no text — with a false-positive
// rate chosen at build time and no false negatives.
//
// The n-grams are recomputed from the stored document text with the
// index's normalizer, n and seed (text.NGramHashes), so a sketch of a
// winnowed index still holds every n-gram, not only the anchors.
//
// # File format
//
// All integers of the frame are little-endian; the filter body is written
// by github.com/bits-and-blooms/bloom/v3 (BloomFilter.WriteTo), big-endian.
//
//	offset     size  what
//	0          8     magic "CONTAMSK"
//	8          4     format version (uint32), currently 1
//	12         4     header length H (uint32), at most 1 MiB
//	16         H     header: JSON object, see Header
//	16+H       B     body: uint64 m, uint64 k, uint64 m again (the bit
//	                 set's length), then ceil(m/64) uint64 words of bits;
//	                 B = 24 + 8·ceil(m/64), recorded in the header as body_bytes
//	16+H+B     8     checksum: xxh3-64 (seed 0) of bytes [0, 16+H+B), uint64
//
// The key of an n-gram is the 8 bytes of its 64-bit n-gram hash, big-endian
// (index.BloomKey), the same key the shards' Bloom filters use.
//
// Header fields: format ("contam-sketch"), normalizer, n, seed, hash
// (text.HashName), anchors and fingerprint (the index's options and their
// fingerprint, from its manifest), fpr_target, capacity (the n-gram count
// the filter was sized for), ngrams (n-gram positions inserted, repeats
// included), docs (documents inserted), removed (tombstoned documents left
// out), m, k, bits_set, body_bytes, created, tool (contam and its version)
// and index (the directory it was built from, for information only).
// Readers ignore header fields they do not know, so adding one does not
// change the format version.
//
// Readers refuse a wrong magic (ErrNotSketch), another format version
// (ErrVersion), a file shorter or longer than its header says
// (ErrTruncated, ErrCorrupt), a checksum mismatch, a header that disagrees
// with the body (m, k) and a hash or normalizer this contam does not
// compute (ErrCorrupt, ErrIncompatible).
//
// # Changelog
//
//	1  first version.
package sketch
