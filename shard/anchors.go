package shard

// Anchor schemes: which n-gram positions of a document get postings.
//
//	all        every position.
//	winnow-W   winnowing (Schleimer, Wilkerson & Aiken 2003): in every
//	           window of W consecutive n-gram hashes the minimum is kept
//	           (the rightmost on ties). Any span of at least n+W-1 tokens
//	           shared with a document contains a whole window, so it holds
//	           a stored anchor and is found and extended exactly as with
//	           all positions; shorter shared spans may be missed. Stores
//	           about 2/(W+1) of the positions.
//
// The query side always looks up every n-gram of an item, so the scheme
// changes only which spans are guaranteed, never what verification reports.

// winnow appends to dst the positions of hs kept by winnowing with window w.
func winnow(dst []int, hs []uint64, w int) []int {
	if w <= 1 || len(hs) == 0 {
		for i := range hs {
			dst = append(dst, i)
		}
		return dst
	}
	last := -1
	for start := 0; ; start++ {
		end := min(start+w, len(hs))
		m := start
		for i := start + 1; i < end; i++ {
			if hs[i] <= hs[m] {
				m = i
			}
		}
		if m != last {
			dst = append(dst, m)
			last = m
		}
		if end == len(hs) {
			break
		}
	}
	return dst
}
