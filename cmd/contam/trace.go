package main

import (
	"context"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/query/item"
	"github.com/contam-dev/contam/query/report"
)

// spanHelp explains what trace reports; shared by the help texts.
const spanHelp = `A span is a maximal run of output tokens (after the index's normalization)
that occurs verbatim in at least one corpus document: it cannot be extended
by a token on either side while still occurring in some document. Spans are
found from the n-grams the output shares with the index and verified token by
token against the stored document text, so no hash or Bloom false positive
is ever reported. Spans may overlap.

Spans are ranked by score = len × log2(1 + D/docs) (query.SpanScore), where
len is the span's length in tokens, docs the number of documents holding it
and D the number of documents in the index: long and rare first. Document
counts are exact: every posting is verified, there is no cap.`

func newTraceCmd() *cobra.Command {
	var (
		ixDir, format, outPath string
		jsonl, noColor         bool
		fields                 []string
		iopt                   item.Options
		topt                   query.TraceOptions
		workers                int
	)
	cmd := &cobra.Command{
		Use:   "trace --index DIR [FILE|-] [flags]",
		Short: "Show which parts of a model output occur verbatim in the corpus",
		Long: `Trace audits a model output against the corpus: it finds the spans of the
output that occur verbatim in indexed documents and shows where.

` + spanHelp + `

Input: plain text from FILE, or from standard input with '-' or no argument.
With --jsonl the input is a batch of outputs, one record per line (CSV, TSV
and Parquet work too, by extension; --field and --id-field as in 'contam
check'), each traced separately.

Formats:
  text   the output with its spans marked, a summary (tokens, coverage,
         longest span, distinct source documents, hidden spans), then the
         spans by score, each with its top documents (id, source:line, byte
         offset of the record, url, and the match in its context). Marked
         text is highlighted in colour when standard output is a terminal
         (not with --no-color, --out or NO_COLOR set); otherwise it is
         bracketed ⟦like this⟧, overlapping spans as one region. Control
         characters in outputs and documents are shown as symbols (␛, ␍).
  jsonl  one TraceResult per output and line: id, tokens, coverage, covered,
         longest_span, n_docs, hidden, spans (tok_start, tok_end, byte_start,
         byte_end in the output, len, text, docs, score, top_docs).
  html   one self-contained page (inline CSS and JS, nothing fetched): the
         output with its spans highlighted; click a highlighted region or a
         span to see its sources. One section per output in batch mode.

Exit status: 0 on success whether or not spans were found, 1 on I/O or input
errors, 2 on usage errors.`,
		Example: `  contam trace --index idx/ answer.txt
  model-cli generate ... | contam trace --index idx/ --max-doc-freq 50
  contam trace --index idx/ --jsonl outputs.jsonl --field output --id-field id --format html -o trace.html`,
		Args: func(cmd *cobra.Command, args []string) error {
			if ixDir == "" {
				return usagef("trace: --index is required")
			}
			if len(args) > 1 {
				return usagef("trace: give at most one input file (or '-' for standard input), got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if !formatIn(format, report.TraceFormats) {
				return usagef("trace: unknown --format %q (want %s)", format, strings.Join(report.TraceFormats, ", "))
			}
			if topt.TopDocs < 1 {
				return usagef("trace: --top-docs must be at least 1")
			}
			if topt.Context < 0 || topt.MaxDocFreq < 0 {
				return usagef("trace: --context and --max-doc-freq cannot be negative")
			}
			if !jsonl && (cmd.Flags().Changed("field") || cmd.Flags().Changed("id-field")) {
				return usagef("trace: --field and --id-field need --jsonl (without it the input is plain text)")
			}
			in := "-"
			if len(args) == 1 {
				in = args[0]
			}
			ix, err := index.Open(ixDir, index.OpenOptions{})
			if err != nil {
				return err
			}
			defer ix.Close()
			n := ix.Manifest.Params.N
			if !cmd.Flags().Changed("min-span") {
				topt.MinSpan = n
			} else if topt.MinSpan < n {
				return usagef("trace: --min-span %d is below the index's n-gram length %d: every span is found from an %d-gram it shares with the corpus, so this index cannot find shorter ones (use --min-span %d or more, or build an index with a smaller --n)", topt.MinSpan, n, n, n)
			}
			var outs []item.Item
			if jsonl {
				iopt.Fields = splitFields(fields)
				if outs, err = item.Load(in, iopt); err != nil {
					return err
				}
			} else {
				var b []byte
				if in == "-" {
					b, err = io.ReadAll(os.Stdin)
				} else {
					b, err = os.ReadFile(in)
				}
				if err != nil {
					return err
				}
				id := in
				if in == "-" {
					id = "stdin"
				}
				outs = []item.Item{{ID: id, Text: string(b)}}
			}
			ch, err := query.NewChecker(ix, query.Options{})
			if err != nil {
				return err
			}
			w, closeOut, err := openReport(outPath)
			if err != nil {
				return err
			}
			defer closeOut()
			tw, err := report.NewTraceWriter(w, format, report.TraceHeader{
				Index: ixDir, Normalize: ix.Manifest.Params.Normalizer, N: n, Docs: ix.Manifest.Counts.Docs, Guaranteed: ix.Manifest.Params.GuaranteedSpan(),
				Input: in, MinSpan: topt.MinSpan, TopDocs: topt.TopDocs, Context: topt.Context, MaxDocFreq: topt.MaxDocFreq,
				Color: useColor(outPath, noColor),
			})
			if err != nil {
				return err
			}
			err = traceAll(cmd.Context(), ch, outs, topt, workers, func(it item.Item, r query.TraceResult) error {
				return tw.Write(it.Text, r)
			})
			if err != nil {
				return err
			}
			if err := tw.Close(); err != nil {
				return err
			}
			return closeOut()
		},
	}
	f := cmd.Flags()
	f.StringVarP(&ixDir, "index", "i", "", "index directory (built by 'contam build')")
	f.BoolVar(&jsonl, "jsonl", false, "the input is a batch of outputs in JSON Lines (also CSV, TSV, Parquet), not plain text")
	f.StringArrayVar(&fields, "field", []string{"output"}, "with --jsonl: field(s) holding the output text (repeat or comma-separate), or a Go template")
	f.StringVar(&iopt.IDField, "id-field", "", "with --jsonl: field or Go template giving output ids (default <file stem>/<index>)")
	f.IntVar(&iopt.Limit, "limit", 0, "with --jsonl: trace only the first N outputs")
	f.IntVar(&topt.MinSpan, "min-span", 0, "shortest span reported, in tokens; at least the index's n (default: the index's n, 8 unless built with --n)")
	f.IntVar(&topt.TopDocs, "top-docs", query.DefaultTopDocs, "documents shown per span")
	f.IntVar(&topt.Context, "context", query.DefaultContext, "characters of document context shown on each side of a match")
	f.IntVar(&topt.MaxDocFreq, "max-doc-freq", 0, "hide spans held by more than this many documents (boilerplate); 0: no limit")
	f.StringVarP(&format, "format", "f", "text", "output format: text, jsonl, html")
	f.StringVarP(&outPath, "out", "o", "", "write the report to this file instead of stdout")
	f.BoolVar(&noColor, "no-color", false, "text format: mark spans with ⟦ ⟧ instead of colour even on a terminal")
	f.IntVar(&workers, "workers", 0, "outputs traced at once in batch mode (default: number of cores)")
	return cmd
}

// traceAll traces the outputs, workers at a time, and hands the results to
// emit in input order as soon as each is ready.
func traceAll(ctx context.Context, ch *query.Checker, outs []item.Item, opt query.TraceOptions, workers int, emit func(item.Item, query.TraceResult) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	// On an early return, wait for the traces in flight: the index must
	// outlive them.
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	res := make([]query.TraceResult, len(outs))
	errs := make([]error, len(outs))
	done := make([]chan struct{}, len(outs))
	for i := range done {
		done[i] = make(chan struct{})
	}
	sem := make(chan struct{}, workers)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range outs {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer func() { <-sem; close(done[i]); wg.Done() }()
				if errs[i] = ctx.Err(); errs[i] == nil {
					res[i], errs[i] = ch.Trace(outs[i].ID, outs[i].Text, opt)
				}
			}()
		}
	}()
	for i := range outs {
		select {
		case <-done[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
		if errs[i] != nil {
			return errs[i]
		}
		if err := emit(outs[i], res[i]); err != nil {
			return err
		}
		res[i] = query.TraceResult{}
	}
	return nil
}

// openReport opens the report destination: stdout, or the file at path. close
// is safe to call twice; the second call returns nil.
func openReport(path string) (io.Writer, func() error, error) {
	if path == "" {
		return os.Stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	closed := false
	return f, func() error {
		if closed {
			return nil
		}
		closed = true
		return f.Close()
	}, nil
}

// useColor says whether the text view may use ANSI colour: only on a
// terminal, and not when asked not to (--no-color, NO_COLOR).
func useColor(outPath string, noColor bool) bool {
	if noColor || outPath != "" || os.Getenv("NO_COLOR") != "" {
		return false
	}
	fd := os.Stdout.Fd()
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}

func formatIn(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}
