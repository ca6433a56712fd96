package index

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// Posting is one stored occurrence of an n-gram: the n-gram starting at
// token Pos of shard-local document Doc.
type Posting struct {
	Doc uint32
	Pos uint32
}

// Postings are grouped into buckets by the top BucketBits bits of the n-gram
// hash: one Pebble key per bucket, not per n-gram, so the per-key cost of
// the LSM (key bytes, lengths, restart points) is paid once for ~16
// postings. Inside a bucket each posting carries the next 16 bits of its
// hash as a fingerprint; that fingerprint and the Bloom filter only narrow
// where to look — verification against the document text decides.
const (
	FingerprintBits  = 16
	TargetBucketSize = 16 // postings per bucket the bucket bits aim at
	MinBucketBits    = 4
	MaxBucketBits    = 28 // bucket + fingerprint must fit the builder's 44 sort bits
	bucketKeyLen     = 4
)

// BucketBits chooses a shard's bucket bits from its posting count.
func BucketBits(postings int64) int {
	b := bits.Len64(uint64(postings / TargetBucketSize))
	return min(max(b, MinBucketBits), MaxBucketBits)
}

// Bucket returns the bucket of hash h.
func Bucket(h uint64, bucketBits int) uint32 { return uint32(h >> (64 - bucketBits)) }

// Fingerprint returns the in-bucket fingerprint of hash h.
func Fingerprint(h uint64, bucketBits int) uint16 {
	return uint16(h >> (64 - bucketBits - FingerprintBits))
}

// BucketKey is the Pebble key of a bucket: 4 bytes big-endian, so Pebble's
// bytewise order is the numeric (and hash) order.
func BucketKey(b uint32) [bucketKeyLen]byte {
	var k [bucketKeyLen]byte
	binary.BigEndian.PutUint32(k[:], b)
	return k
}

// BloomKey is what the Bloom filter stores for hash h: its 8 bytes, big-endian.
func BloomKey(h uint64) [8]byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], h)
	return k
}

// BucketEntry is one posting inside a bucket: a fingerprint and the
// shard-global token position (the document's first token's position plus
// the token position inside the document).
type BucketEntry struct {
	FP   uint16
	GPos uint64
}

// AppendBucket appends the encoding of es, sorted by (FP, GPos), to dst:
//
//	uvarint(len) then per entry: 2-byte big-endian FP, uvarint(g) where g is
//	GPos minus the previous entry's GPos if the FP is the same, else GPos.
func AppendBucket(dst []byte, es []BucketEntry) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(es)))
	for i, e := range es {
		dst = binary.BigEndian.AppendUint16(dst, e.FP)
		if i > 0 && es[i-1].FP == e.FP {
			dst = binary.AppendUvarint(dst, e.GPos-es[i-1].GPos)
		} else {
			dst = binary.AppendUvarint(dst, e.GPos)
		}
	}
	return dst
}

// LookupBucket appends to dst the global positions of the entries of the
// encoded bucket b whose fingerprint is fp.
func LookupBucket(dst []uint64, b []byte, fp uint16) ([]uint64, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return dst, fmt.Errorf("%w: bad bucket header", ErrCorrupt)
	}
	b = b[k:]
	var prevFP uint16
	var prev uint64
	for i := uint64(0); i < n; i++ {
		if len(b) < 2 {
			return dst, fmt.Errorf("%w: truncated bucket", ErrCorrupt)
		}
		f := binary.BigEndian.Uint16(b)
		g, k := binary.Uvarint(b[2:])
		if k <= 0 {
			return dst, fmt.Errorf("%w: truncated bucket", ErrCorrupt)
		}
		b = b[2+k:]
		if i > 0 && f == prevFP {
			g += prev
		} else if i > 0 && f < prevFP {
			return dst, fmt.Errorf("%w: bucket entries out of order", ErrCorrupt)
		}
		if f == fp {
			dst = append(dst, g)
		} else if f > fp {
			return dst, nil // sorted: nothing further can match
		}
		prevFP, prev = f, g
	}
	if len(b) != 0 {
		return dst, fmt.Errorf("%w: %d trailing bytes after bucket", ErrCorrupt, len(b))
	}
	return dst, nil
}
