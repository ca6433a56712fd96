package text

import (
	"encoding/binary"

	"github.com/zeebo/xxh3"
)

// HashName names the n-gram hash recorded in manifests. Changing how
// TokenHash or NGramHashes compute anything requires a new name.
const HashName = "xxh3-64-tokenhash-v1"

// TokenHash is the 64-bit hash of one normalized token.
func TokenHash(norm []byte, seed uint64) uint64 {
	return xxh3.HashSeed(norm, seed)
}

// NGramHashes appends to dst the hash of every n-gram of t, in order: entry
// i is the hash of tokens [i, i+n). A sequence shorter than n has none.
//
// The n-gram hash is xxh3 (seeded) of the little-endian concatenation of the
// n token hashes, so it depends only on the normalized token strings.
func NGramHashes(dst []uint64, t *Tokens, n int, seed uint64) []uint64 {
	cnt := t.Len()
	if cnt < n || n <= 0 {
		return dst
	}
	th := make([]uint64, cnt)
	for i := range th {
		th[i] = TokenHash(t.Norm(i), seed)
	}
	return NGramHashesOf(dst, th, n, seed)
}

// NGramHashesOf is NGramHashes over precomputed token hashes.
func NGramHashesOf(dst []uint64, tokenHashes []uint64, n int, seed uint64) []uint64 {
	if len(tokenHashes) < n || n <= 0 {
		return dst
	}
	var stack [32 * 8]byte
	buf := stack[:0]
	if n*8 > len(stack) {
		buf = make([]byte, 0, n*8)
	}
	for i := 0; i+n <= len(tokenHashes); i++ {
		buf = buf[:0]
		for _, h := range tokenHashes[i : i+n] {
			buf = binary.LittleEndian.AppendUint64(buf, h)
		}
		dst = append(dst, xxh3.HashSeed(buf, seed))
	}
	return dst
}
