package shard

import (
	"math/rand/v2"
	"testing"

	"github.com/contam-dev/contam/index"
)

func TestWinnowKeepsOnePositionPerWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 500; trial++ {
		n := r.IntN(200)
		hs := make([]uint64, n)
		for i := range hs {
			hs[i] = r.Uint64N(uint64(1 + r.IntN(50))) // small ranges: many ties
		}
		for _, w := range []int{1, 2, 3, 8, 16} {
			keep := winnow(nil, hs, w)
			kept := make([]bool, n)
			for k, p := range keep {
				if k > 0 && p <= keep[k-1] {
					t.Fatalf("positions not increasing: %v", keep)
				}
				kept[p] = true
			}
			for s := 0; s+w <= n; s++ {
				found := false
				for i := s; i < s+w; i++ {
					found = found || kept[i]
				}
				if !found {
					t.Fatalf("w=%d: window at %d has no kept position", w, s)
				}
			}
			if w == 1 && len(keep) != n {
				t.Fatalf("w=1 must keep every position")
			}
		}
	}
	if _, err := index.ParseAnchors("winnow-0"); err == nil {
		t.Fatal("winnow-0 accepted")
	}
	if w, err := index.ParseAnchors("winnow-12"); err != nil || w != 12 {
		t.Fatal(w, err)
	}
}
