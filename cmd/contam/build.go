package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/contam-dev/contam/index/text"
	"github.com/contam-dev/contam/shard"
	"github.com/contam-dev/contam/shard/source"
)

func newBuildCmd() *cobra.Command {
	var (
		out     string
		opt     shard.Options
		mem     = byteSize(shard.DefaultMemory)
		maxDoc  = byteSize(source.DefaultMaxDocBytes)
		quiet   bool
		seedStr string
		dist    distFlags
	)
	cmd := &cobra.Command{
		Use:   "build --out DIR [flags] CORPUS...",
		Short: "Build an index over corpus files, directories or globs",
		Long: `Build streams corpus files into a sharded n-gram index.

Inputs are files, directories (walked recursively) and globs. Formats: JSON
Lines (.jsonl, .json, .ndjson; one document per line, text in --text-field)
and plain text (.txt: one document per file), each may be gzip- or
zstd-compressed, detected from the file's first bytes; WARC and WET
(.warc, .warc.gz, .warc.wet.gz: text responses and conversions, target URI
and date kept as metadata); Parquet (.parquet: the --text-field column,
other columns named in --meta kept, read one row group at a time).

Files are split into shards by size (so --shards is at most the number of
files); each shard holds a Pebble database of n-gram postings, a compressed
store of the original documents and a Bloom filter. The index is built in a
temporary directory next to --out and moved into place only when complete;
a failed or interrupted build leaves nothing that 'check' would open.

Distributed build (Slurm job arrays, Kubernetes Indexed Jobs, or any set of
processes sharing --out): each task runs the same command with --task i
--tasks N and builds only its shards (shard s belongs to task s mod N),
each moved into --out atomically; a rerun task replaces only its own
shards. --task/--tasks default to SLURM_ARRAY_TASK_ID (0-based arrays)
and SLURM_ARRAY_TASK_COUNT, or JOB_COMPLETION_INDEX (with --tasks); give
--tasks when rerunning part of an array, whose count is then smaller. Then
'contam build --finalize --out DIR' checks that every shard is present,
complete and built with one options fingerprint, and writes the manifest
that makes DIR an index.

--append DIR adds shards built from new files to the finished index DIR,
with the index's normalizer, n, seed and anchors (other values are refused),
without touching its shards; the new manifest is committed atomically.`,
		Example: `  contam build --out idx/ corpus/*.jsonl.zst corpus/*.json.gz
  contam build --out idx/ --shards 4 --memory 4GiB --meta url corpus/
  contam build --out /shared/idx --shards 64 --task 3 --tasks 16 corpus/   # one task of 16
  contam build --finalize --out /shared/idx
  contam build --append idx/ new-dumps/`,
		Args: func(cmd *cobra.Command, args []string) error {
			if dist.appendTo != "" {
				if out != "" {
					return usagef("build: --append DIR names the index; do not also give --out")
				}
				out = dist.appendTo
			}
			if dist.finalize {
				if len(args) > 0 && out == "" && len(args) == 1 {
					out = args[0] // contam build --finalize idx/
					args = nil
				}
				if out == "" {
					return usagef("build: --finalize needs the index directory (--out)")
				}
				return nil
			}
			if len(args) == 0 {
				return usagef("build: no corpus files given")
			}
			if out == "" {
				return usagef("build: --out is required")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if dist.finalize {
				return runFinalize(out, quiet)
			}
			if seedStr != "" {
				s, err := strconv.ParseUint(seedStr, 0, 64)
				if err != nil {
					return usagef("build: --seed: %v", err)
				}
				opt.Seed = s
			}
			files, err := source.Expand(args)
			if err != nil {
				return err
			}
			opt.Memory = int64(mem)
			// A soft heap limit at the budget keeps garbage from doubling the
			// heap (GOGC) when the runs are near their share of it.
			if os.Getenv("GOMEMLIMIT") == "" {
				debug.SetMemoryLimit(int64(mem))
			}
			opt.Source.MaxDocBytes = int64(maxDoc)
			prog := &shard.Progress{}
			for _, f := range files {
				if st, err := os.Stat(f); err == nil {
					prog.TotalBytes.Add(st.Size())
				}
			}
			opt.Progress = prog
			if v := os.Getenv("CONTAM_TEST_FAIL_AFTER_DOCS"); v != "" {
				opt.FailAfterDocs, _ = strconv.ParseInt(v, 10, 64)
			}
			opt.Source.OnSkip = func(s source.Skip) {
				if !quiet {
					fmt.Fprintf(os.Stderr, "skipped: %s: line %d (byte %d): %v\n", s.File, s.Line, s.Offset, s.Reason)
				}
			}
			task, tasks, err := dist.resolve(cmd)
			if err != nil {
				return err
			}
			if dist.appendTo != "" {
				if tasks > 0 {
					return usagef("build: --append and --task/--tasks do not go together")
				}
				clearUnset(cmd, &opt, seedStr)
			}
			stopBar := startProgress(prog, quiet)
			var res *shard.Result
			switch {
			case dist.appendTo != "":
				res, err = shard.Append(cmd.Context(), out, files, opt)
			case tasks > 0:
				res, err = shard.BuildTask(cmd.Context(), out, files, opt, task, tasks)
			default:
				res, err = shard.Build(cmd.Context(), out, files, opt)
			}
			stopBar(err == nil)
			if err != nil {
				return err
			}
			if tasks > 0 && !quiet {
				fmt.Fprintf(os.Stderr, "task %d of %d: ", task, tasks)
			}
			if !quiet {
				m := res.Manifest
				mb := float64(m.Counts.TextBytes) / 1e6
				fmt.Fprintf(os.Stderr, "built %s: %d docs, %.1f MB text, %d tokens, %d n-grams, %d shards in %.1fs (%.1f MB/s",
					out, m.Counts.Docs, mb, m.Counts.Tokens, m.Counts.NGrams, len(m.Shards), m.BuildSeconds, mb/m.BuildSeconds)
				if m.Counts.Skipped > 0 {
					fmt.Fprintf(os.Stderr, "); skipped %d bad records\n", m.Counts.Skipped)
				} else {
					fmt.Fprintf(os.Stderr, ")\n")
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "out", "o", "", "index directory to create (required)")
	f.IntVar(&opt.Shards, "shards", runtime.NumCPU(), "number of shards (at most one per input file)")
	f.IntVar(&opt.Workers, "workers", 0, "shards built at once (default: min(shards, cores))")
	f.Var(&mem, "memory", "memory budget of the build: in-memory runs of postings (all workers) spill to disk at it; ~50 MiB of fixed process overhead comes on top")
	f.StringVar(&opt.Anchors, "anchors", "all", "which n-gram positions get postings: all, or winnow-W (winnowing: any shared span of ≥ n+W−1 tokens is still found exactly; shorter ones may be missed; stores ~2/(W+1) of the postings)")
	f.IntVar(&opt.N, "n", shard.DefaultN, "n-gram length in tokens (longer matches are found by extending verified anchors)")
	f.StringVar(&opt.Normalizer, "normalizer", text.Default, fmt.Sprintf("text normalizer %v", text.Names()))
	f.StringVar(&seedStr, "seed", "", "n-gram hash seed (default: contam's fixed seed; recorded in the manifest)")
	f.Float64Var(&opt.BloomFPR, "bloom-fpr", shard.DefaultBloomFPR, "target false-positive rate of each shard's Bloom filter")
	f.StringVar(&opt.Source.TextField, "text-field", "text", "JSON field holding the document text")
	f.StringVar(&opt.Source.IDField, "id-field", "id", "JSON field holding the document id ('' for file:line)")
	f.StringSliceVar(&opt.Source.MetaFields, "meta", []string{"url"}, "JSON fields kept as document metadata for reports")
	f.Var(&maxDoc, "max-doc-bytes", "largest document (JSON line or .txt file) accepted; larger ones are an error, or skipped with --skip-bad")
	f.BoolVar(&opt.Source.SkipBad, "skip-bad", false, "skip bad records (invalid JSON or UTF-8, missing text, over-long lines) and report them instead of failing")
	f.BoolVar(&opt.Force, "force", false, "replace an existing index at --out")
	f.BoolVarP(&quiet, "quiet", "q", false, "no progress bar or summary")
	dist.register(f)
	return cmd
}
