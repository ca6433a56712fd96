// Command gen writes a large, realistic synthetic corpus for scale runs:
// N GB of document text as .jsonl.zst shards, deterministic under a seed.
// New documents are made by recombining whole lines of a real seed corpus
// (the dev set's documents, or any corpus given with -seed-corpus), so word
// and n-gram statistics stay natural while no document repeats whole.
//
//	go run ./bench/gen -gb 1 -out /tmp/scale-1g
//	go run ./bench/gen -gb 10 -out /tmp/scale-10g -shard-mb 512
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/zstd"

	"github.com/contam-dev/contam/shard/source"
)

func main() {
	var (
		gb      = flag.Float64("gb", 1, "gigabytes (1e9 bytes) of document text to write")
		out     = flag.String("out", "", "output directory (required)")
		seedDir = flag.String("seed-corpus", "../shared/data/dev/corpus", "corpus whose lines are recombined")
		seed    = flag.Uint64("seed", 1, "random seed")
		shardMB = flag.Int("shard-mb", 256, "uncompressed text per output file, MB")
	)
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gen: -out is required")
		os.Exit(2)
	}
	if err := run(*gb, *out, *seedDir, *seed, *shardMB); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(gb float64, out, seedDir string, seed uint64, shardMB int) error {
	lines, err := seedLines(seedDir)
	if err != nil {
		return err
	}
	if len(lines) == 0 {
		return fmt.Errorf("no text lines in %s", seedDir)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(seed, 0x636f6e74616d))
	total := int64(gb * 1e9)
	var written int64
	for f := 0; written < total; f++ {
		path := filepath.Join(out, fmt.Sprintf("gen-%05d.jsonl.zst", f))
		n, err := writeShard(path, lines, r, min(int64(shardMB)*1e6, total-written), f)
		if err != nil {
			return err
		}
		written += n
		fmt.Fprintf(os.Stderr, "%s: %.1f MB of text (%.2f of %.2f GB)\n", path, float64(n)/1e6, float64(written)/1e9, gb)
	}
	return nil
}

// seedLines reads every non-empty line of every document of the seed corpus.
func seedLines(dir string) ([]string, error) {
	files, err := source.Expand([]string{dir})
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, p := range files {
		rd, err := source.Open(p, source.Options{TextField: "text", IDField: "id"})
		if err != nil {
			return nil, err
		}
		for {
			d, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				rd.Close()
				return nil, err
			}
			for _, l := range strings.Split(string(d.Text), "\n") {
				if strings.TrimSpace(l) != "" {
					lines = append(lines, l)
				}
			}
		}
		rd.Close()
	}
	return lines, nil
}

func writeShard(path string, lines []string, r *rand.Rand, limit int64, f int) (int64, error) {
	fh, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	zw, err := zstd.NewWriter(fh, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		fh.Close()
		return 0, err
	}
	bw := bufio.NewWriterSize(zw, 1<<20)
	var n int64
	var sb strings.Builder
	for doc := 0; n < limit; doc++ {
		sb.Reset()
		// Documents of 3–60 lines, each line drawn at random: runs of one
		// source line are as long as the seed's, so shared spans stay
		// realistic.
		for k := 3 + r.IntN(58); k > 0; k-- {
			if sb.Len() > 0 {
				sb.WriteByte('\n')
			}
			sb.WriteString(lines[r.IntN(len(lines))])
		}
		text := sb.String()
		rec, _ := json.Marshal(struct {
			ID   string `json:"id"`
			Text string `json:"text"`
		}{fmt.Sprintf("gen%05d-%08d", f, doc), text})
		if _, err := bw.Write(append(rec, '\n')); err != nil {
			zw.Close()
			fh.Close()
			return n, err
		}
		n += int64(len(text))
	}
	if err := bw.Flush(); err != nil {
		return n, err
	}
	if err := zw.Close(); err != nil {
		return n, err
	}
	return n, fh.Close()
}
