// Command latency measures 'contam trace' and 'contam count' latency on an
// existing index, in process (no process start, the index opened once):
// the scale runs (bench/scale.sh) need them on indexes too large for the Go
// benchmarks' build-it-yourself fixtures.
//
//	go run ./bench/latency -index IDX -bench gsm8k_test.jsonl [-n 200]
//
// Trace outputs are benchmark answers (GSM8K's "answer" field: text that
// the scale corpora contain, so traces find and verify spans); count
// phrases are 13–24-word runs of random stored documents (present) and the
// same runs with two words swapped (mostly absent): 13 tokens is the
// span a winnow-6 index of n = 8 guarantees, so counts are exact on both
// anchor schemes. Each call is timed alone, one at
// a time, after one warm-up call; the report gives p50/p95/max in ms.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/query"
)

func main() {
	idx := flag.String("index", "", "index directory")
	bench := flag.String("bench", "", "JSONL benchmark file (GSM8K: question, answer)")
	field := flag.String("field", "answer", "field used as model output / phrase source")
	n := flag.Int("n", 200, "calls per measurement")
	flag.Parse()
	if err := run(*idx, *bench, *field, *n); err != nil {
		fmt.Fprintln(os.Stderr, "latency:", err)
		os.Exit(1)
	}
}

func run(idx, bench, field string, n int) error {
	if idx == "" || bench == "" {
		return fmt.Errorf("need -index and -bench")
	}
	texts, err := readField(bench, field, n)
	if err != nil {
		return err
	}
	ix, err := index.Open(idx, index.OpenOptions{})
	if err != nil {
		return err
	}
	defer ix.Close()
	c, err := query.NewChecker(ix, query.Options{})
	if err != nil {
		return err
	}
	// Count phrases: 13–24-token runs of stored documents, so they occur
	// (at least once), and the same runs with two words swapped.
	r := rand.New(rand.NewPCG(1, 2))
	var present, absent []string
	for tries := 0; len(present) < n && tries < 20*n; tries++ {
		sh := ix.Shards[r.IntN(len(ix.Shards))]
		nd := int(sh.Manifest.Counts.Docs)
		if nd == 0 {
			continue
		}
		d, err := sh.Doc(uint32(r.IntN(nd)))
		if err != nil {
			continue // a removed document
		}
		w := strings.Fields(string(d.Text))
		if len(w) < 30 {
			continue
		}
		k := 13 + r.IntN(12)
		a := r.IntN(len(w) - k + 1)
		p := w[a : a+k]
		present = append(present, strings.Join(p, " "))
		q := slices.Clone(p)
		q[1], q[len(q)-2] = q[len(q)-2], q[1]
		absent = append(absent, strings.Join(q, " "))
	}
	topt := query.TraceOptions{MinSpan: ix.Manifest.Params.N, TopDocs: 3, Context: 200}
	fmt.Printf("index %s: %d shards, %d docs, %.1f MB text\n", idx, len(ix.Shards), ix.Manifest.Counts.Docs, float64(ix.Manifest.Counts.TextBytes)/1e6)
	report("trace (answers)", texts, func(s string) error { _, err := c.Trace("x", s, topt); return err })
	report("count (present)", present, func(s string) error { _, err := c.Phrase(s, 0, 0, 0); return err })
	report("count (absent)", absent, func(s string) error { _, err := c.Phrase(s, 0, 0, 0); return err })
	return nil
}

func report(what string, in []string, f func(string) error) {
	if len(in) == 0 {
		return
	}
	_ = f(in[0]) // warm-up: first Pebble reads, decoder allocation
	ds := make([]time.Duration, 0, len(in))
	for _, s := range in {
		t := time.Now()
		if err := f(s); err != nil {
			fmt.Printf("%-18s error: %v\n", what, err)
			return
		}
		ds = append(ds, time.Since(t))
	}
	slices.Sort(ds)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("%-18s n=%d  p50 %.2f ms  p95 %.2f ms  max %.2f ms\n", what, len(ds), ms(ds[len(ds)/2]), ms(ds[len(ds)*95/100]), ms(ds[len(ds)-1]))
}

func readField(path, field string, n int) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() && len(out) < n {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if s, ok := m[field].(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out, sc.Err()
}
