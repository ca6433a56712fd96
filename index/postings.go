package index

import (
	"encoding/binary"
	"fmt"
)

// Posting is one stored occurrence of an n-gram: the n-gram starting at
// token Pos of shard-local document Doc.
type Posting struct {
	Doc uint32
	Pos uint32
}

// Key returns the Pebble key of an n-gram hash.
func Key(h uint64) [8]byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], h)
	return k
}

// KeyHash is the inverse of Key.
func KeyHash(k []byte) uint64 { return binary.BigEndian.Uint64(k) }

// AppendPostings appends the encoding of ps (sorted by Doc, then Pos) to dst.
func AppendPostings(dst []byte, ps []Posting) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(ps)))
	var prev Posting
	for i, p := range ps {
		if i == 0 || p.Doc != prev.Doc {
			dst = binary.AppendUvarint(dst, uint64(p.Doc-prev.Doc))
			dst = binary.AppendUvarint(dst, uint64(p.Pos))
		} else {
			dst = binary.AppendUvarint(dst, 0)
			dst = binary.AppendUvarint(dst, uint64(p.Pos-prev.Pos))
		}
		prev = p
	}
	return dst
}

// DecodePostings appends the postings encoded in b to dst.
func DecodePostings(dst []Posting, b []byte) ([]Posting, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return dst, fmt.Errorf("%w: bad posting list header", ErrCorrupt)
	}
	b = b[k:]
	var prev Posting
	for i := uint64(0); i < n; i++ {
		dd, k1 := binary.Uvarint(b)
		if k1 <= 0 {
			return dst, fmt.Errorf("%w: truncated posting list", ErrCorrupt)
		}
		p, k2 := binary.Uvarint(b[k1:])
		if k2 <= 0 {
			return dst, fmt.Errorf("%w: truncated posting list", ErrCorrupt)
		}
		b = b[k1+k2:]
		cur := Posting{Doc: prev.Doc + uint32(dd)}
		if i == 0 || dd > 0 {
			cur.Pos = uint32(p)
		} else {
			cur.Pos = prev.Pos + uint32(p)
		}
		dst = append(dst, cur)
		prev = cur
	}
	if len(b) != 0 {
		return dst, fmt.Errorf("%w: %d trailing bytes after posting list", ErrCorrupt, len(b))
	}
	return dst, nil
}
