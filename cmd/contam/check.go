package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/index/text"
	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/query/item"
	"github.com/contam-dev/contam/query/report"
	"github.com/contam-dev/contam/query/split"
	"github.com/contam-dev/contam/shard"
	"github.com/contam-dev/contam/shard/source"
)

func newCheckCmd() *cobra.Command {
	var (
		ixDir, bench, format, outPath string
		iopt                          item.Options
		qopt                          query.Options
		noBloom, showStats, brute     bool
		bruteN                        int
		bruteNorm                     string
		fields                        []string
		splitOut                      string
		sketchPath                    string
		mem                           = byteSize(query.DefaultMemory)
	)
	cmd := &cobra.Command{
		Use:   "check --index DIR --bench FILE [flags]",
		Short: "Check a benchmark for items that occur in the indexed corpus",
		Long: `Check looks every benchmark item up in the index. Each n-gram the item shares
with the corpus is an anchor; every anchor is verified token by token against
the stored document text and extended to the longest shared span, so no hash
or Bloom false positive is ever reported.

Per item: tokens, verified spans (token and byte offsets in the item),
coverage (fraction of item tokens inside a verified span of ≥ n tokens),
longest span, number of corpus documents with a span, and the top documents
with the matched text in context. Verdict: contaminated when the longest span
≥ --min-span tokens or coverage ≥ --min-coverage.

Benchmarks: JSON Lines (optionally gzip/zstd), CSV/TSV with a header row,
Parquet. --field names one or more fields (joined by newlines) or is a Go
template such as '{{.question}} {{.answer}}'. --id-field is a field name or a
template with the record's fields plus ._index (0-based record index) and
._stem; by default ids are <file stem>/<index>.

Exit status: 0 on success whether or not contamination was found, 1 on I/O
or input errors, 2 on usage errors.`,
		Example: `  contam check --index idx/ --bench gsm8k_test.jsonl --field question,answer --id-field 'gsm8k/test/{{._index}}'
  contam check --index idx/ --bench humaneval.jsonl --field prompt,canonical_solution --id-field task_id --format jsonl`,
		Args: func(cmd *cobra.Command, args []string) error {
			if bench == "" {
				return usagef("check: --bench is required")
			}
			if sketchPath != "" {
				return checkSketchArgs(brute, args)
			}
			if brute {
				if len(args) == 0 {
					return usagef("check --brute: give the corpus files to scan as arguments")
				}
				return nil
			}
			if ixDir == "" {
				return usagef("check: --index is required")
			}
			if len(args) > 0 {
				return usagef("check: unexpected arguments %q (corpus files are only read with --brute)", args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if sketchPath != "" {
				return runCheckSketch(cmd, sketchCheck{path: sketchPath, ixDir: ixDir, bench: bench, format: format, outPath: outPath, splitOut: splitOut, fields: fields, iopt: iopt, qopt: qopt})
			}
			if !validFormat(format) {
				return usagef("check: unknown --format %q (want table, jsonl, markdown or html)", format)
			}
			if mem <= 0 {
				return usagef("check: --memory must be positive")
			}
			iopt.Fields = splitFields(fields)
			bf, err := item.LoadFile(bench, iopt)
			if err != nil {
				return err
			}
			items := bf.Items
			qopt.Memory = int64(mem)
			// Pebble's block cache lives outside the Go heap: an eighth of
			// the budget, at most its default. The Go heap gets a soft limit
			// at the rest, which keeps garbage from doubling it (GOGC) when
			// a batch is near its share.
			pebbleCache := min(64<<20, int64(mem)/8)
			if os.Getenv("GOMEMLIMIT") == "" {
				debug.SetMemoryLimit(int64(mem) - pebbleCache)
			}
			start := time.Now()
			var (
				rs  []query.Result
				hdr = report.Header{Bench: bench}
			)
			if brute {
				files, err := source.Expand(args)
				if err != nil {
					return err
				}
				rs, err = query.Brute(files, source.Options{TextField: "text", IDField: "id", MetaFields: []string{"url"}}, bruteNorm, bruteN, items, qopt)
				if err != nil {
					return err
				}
				hdr.Index, hdr.N, hdr.Normalize = "brute-force scan", bruteN, bruteNorm
			} else {
				// The doc store's cache of decompressed blocks is part of
				// the Go heap's share: a sixteenth of the budget, split
				// over the shards.
				ix, err := index.Open(ixDir, index.OpenOptions{NoBloom: noBloom, CacheSize: pebbleCache, DocCacheBytes: int64(mem) / 16})
				if err != nil {
					return err
				}
				defer ix.Close()
				ch, err := query.NewChecker(ix, qopt)
				if err != nil {
					return err
				}
				rs, err = ch.Check(cmd.Context(), items)
				if err != nil {
					return err
				}
				hdr.Index, hdr.N, hdr.Normalize = ixDir, ix.Manifest.Params.N, ix.Manifest.Params.Normalizer
				hdr.Guaranteed = ix.Manifest.Params.GuaranteedSpan()
				if showStats {
					printLookupStats(ix, len(items), time.Since(start))
				}
			}
			hdr.Rule = rs0Rule(rs, qopt)
			hdr.Texts = make(map[string]string, len(items))
			for _, it := range items {
				hdr.Texts[it.ID] = it.Text
			}
			if splitOut != "" {
				sum, err := split.Write(splitOut, bf, rs, qopt.Standards)
				if err != nil {
					return err
				}
				fmt.Fprintf(os.Stderr, "wrote clean/dirty splits of %d items to %s (%d clean, %d dirty)\n", sum.Items, splitOut, sum.Default.Clean.Count, sum.Default.Dirty.Count)
			}
			var w io.Writer = os.Stdout
			if outPath != "" {
				f, err := os.Create(outPath)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			if err := report.Write(w, format, hdr, rs); err != nil {
				return err
			}
			if outPath != "" {
				if f, ok := w.(*os.File); ok {
					return f.Close()
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&ixDir, "index", "i", "", "index directory (built by 'contam build')")
	f.StringVarP(&bench, "bench", "b", "", "benchmark file (JSONL, CSV, TSV, Parquet; '-' for JSONL on stdin)")
	f.StringArrayVar(&fields, "field", []string{"text"}, "field(s) holding the text to check (repeat or comma-separate), or a Go template")
	f.StringVar(&iopt.IDField, "id-field", "", "field or Go template giving item ids (default <file stem>/<index>)")
	f.IntVar(&iopt.Limit, "limit", 0, "check only the first N items")
	f.StringVarP(&format, "format", "f", "table", "output format: table, jsonl, markdown, html (one self-contained page; use with --out)")
	f.StringVarP(&outPath, "out", "o", "", "write the report to this file instead of stdout")
	f.StringVar(&splitOut, "split-out", "", "write clean and dirty splits of the benchmark records (byte for byte; per --standard too) and summary.json to this directory")
	f.IntVar(&qopt.Rule.MinSpan, "min-span", query.DefaultMinSpan, "contaminated if the longest verified span has at least this many tokens")
	f.Float64Var(&qopt.Rule.MinCoverage, "min-coverage", query.DefaultMinCoverage, "… or at least this fraction of item tokens lie in verified spans")
	f.IntVar(&qopt.Rule.MinCovered, "min-covered", query.DefaultMinCovered, "… the coverage test also needs at least min(this, item tokens) covered tokens, so one shared option list cannot make a short item contaminated")
	f.IntVar(&qopt.TopDocs, "top-docs", query.DefaultTopDocs, "documents shown per item")
	f.IntVar(&qopt.Context, "context", query.DefaultContext, "characters of document context shown on each side of a match")
	f.IntVar(&qopt.Workers, "workers", 0, "items checked at once (default: number of cores)")
	f.Var(&mem, "memory", "memory budget of the check: items are verified in batches whose anchors and matches fit in it; it also sizes the document and Pebble caches and the Go heap limit, the doc store's block cache included")
	f.StringArrayVar(&qopt.Standards, "standard", nil, "also judge by a named standard (repeatable): "+strings.Join(query.StandardNames, ", ")+"; see docs/standards.md")
	f.IntVar(&qopt.Std.GPT3N, "gpt3-n", 0, "gpt3: n-gram length (default: 5th percentile of item lengths, clamped to [8, 13])")
	f.IntVar(&qopt.Std.GPT3MaxDocs, "gpt3-max-docs", 10, "gpt3: ignore n-grams found in more documents than this (-1: the unfiltered variant)")
	f.IntVar(&qopt.Std.Llama2Min, "min-match", 10, "llama2: a token is contaminated inside a match longer than this many tokens")
	f.IntVar(&qopt.Std.Llama2Skip, "skip-budget", 4, "llama2: mismatched tokens allowed inside a match (skip-gram budget)")
	f.Float64Var(&qopt.Std.Tau, "tau", 0.5, "llama3: dirty if at least this fraction of tokens lies in a found 8-gram (the paper picks τ per dataset)")
	f.Float64Var(&qopt.Std.PaLMFrac, "palm-frac", 0.7, "palm: dirty if at least this fraction of the item's 8-grams is found")
	f.Uint64Var(&qopt.Std.GPT4Seed, "gpt4-seed", 1, "gpt4: seed of the substring sampling")
	f.BoolVar(&qopt.NearDup, "near-dup", true, "also look for near-duplicates: align each item against windows of the documents sharing the most verified tokens with it (substitutions, insertions, deletions, swaps; numbers may differ)")
	f.Float64Var(&qopt.NearThreshold, "near-threshold", query.DefaultNearThreshold, "near-duplicate when the aligned similarity (matched item tokens / item tokens) is at least this")
	f.BoolVar(&noBloom, "no-bloom", false, "do not consult the Bloom filters (to measure what they save)")
	f.BoolVar(&showStats, "stats", false, "print lookup statistics (Bloom skips, Pebble reads, time) to stderr")
	f.StringVar(&sketchPath, "sketch", "", "no index: judge by a membership sketch ('contam sketch'): probable n-grams only, no documents or verified spans; --index is then optional (checked against the sketch if given)")
	f.BoolVar(&brute, "brute", false, "no index: scan the corpus files given as arguments directly (the correctness oracle)")
	f.IntVar(&bruteN, "n", shard.DefaultN, "with --brute: n-gram length")
	f.StringVar(&bruteNorm, "normalizer", text.Default, "with --brute: normalizer")
	return cmd
}

func validFormat(f string) bool {
	for _, x := range report.Formats {
		if f == x {
			return true
		}
	}
	return f == "md"
}

func rs0Rule(rs []query.Result, o query.Options) query.Rule {
	if len(rs) > 0 {
		return rs[0].Rule
	}
	return o.Rule
}

func printLookupStats(ix *index.Index, items int, d time.Duration) {
	t := ix.Stats()
	fmt.Fprintf(os.Stderr, "checked %d items in %s against %s (%d shards): %d lookups, %d skipped by Bloom, %d Pebble reads, %d hits\n",
		items, d.Round(time.Millisecond), filepath.Clean(ix.Dir), len(ix.Shards), t.Lookups, t.BloomSkips, t.PebbleReads, t.PebbleHits)
}

// splitFields splits comma-separated field names, leaving templates (which
// may contain commas) whole.
func splitFields(vals []string) []string {
	var out []string
	for _, v := range vals {
		if strings.Contains(v, "{{") {
			out = append(out, v)
			continue
		}
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, f)
			}
		}
	}
	return out
}
