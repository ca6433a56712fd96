package main

import (
	"fmt"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/sketch"
)

func newSketchCmd() *cobra.Command {
	var (
		ixDir, out string
		opt        sketch.Options
		quiet      bool
	)
	cmd := &cobra.Command{
		Use:   "sketch --index DIR --out FILE [--fpr 1e-6]",
		Short: "Write a shareable membership sketch (Bloom filter) of the corpus n-grams",
		Long: `Sketch writes one file holding a Bloom filter of every n-gram of the index's
documents (removed documents excepted), recomputed from the stored text with
the index's normalizer, n and seed — winnowed indexes included. It reveals
no text, no positions and no documents: it answers only whether an n-gram is
probably in the corpus, with no false negatives and about --fpr false
positives per n-gram, so it can be shared where the corpus cannot.

Check a benchmark against it with 'contam check --sketch FILE'. The filter is
sized from the index's n-gram count (an upper bound of the distinct n-grams),
so the rate reached is at most about --fpr; the rate from the filter's actual
fill is printed and stored. Size: about 1.44·log2(1/fpr) bits per n-gram
(4.3 bytes at 1e-6). The file format is documented in sketch/doc.go.

Exit status: 0 on success, 1 on I/O errors or a corrupt index, 2 on usage errors.`,
		Example: `  contam sketch --index idx/ --out corpus.sketch
  contam sketch --index idx/ --out corpus.sketch --fpr 1e-9`,
		Args: func(cmd *cobra.Command, args []string) error {
			if ixDir == "" || out == "" {
				return usagef("sketch: --index and --out are required")
			}
			if len(args) > 0 {
				return usagef("sketch: unexpected arguments %q", args)
			}
			if !(opt.FPR > 0 && opt.FPR < 1) {
				return usagef("sketch: --fpr must be in (0, 1), got %g", opt.FPR)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			start := time.Now()
			ix, err := index.Open(ixDir, index.OpenOptions{NoBloom: true})
			if err != nil {
				return err
			}
			defer ix.Close()
			if !quiet && isatty.IsTerminal(os.Stderr.Fd()) {
				opt.Progress = func(done, total int64) {
					fmt.Fprintf(os.Stderr, "\rsketch: %d/%d documents", done, total)
				}
			}
			sk, err := sketch.Build(cmd.Context(), ix, opt)
			if opt.Progress != nil {
				fmt.Fprintln(os.Stderr)
			}
			if err != nil {
				return err
			}
			size, err := sk.WriteFile(out)
			if err != nil {
				return err
			}
			h := sk.Header
			if !quiet {
				fmt.Printf("wrote %s: %d n-grams of %d documents (%d removed left out), %s (%.2f bytes per n-gram), m=%d bits, k=%d; FPR %.3g per n-gram at this fill (%.1f%%; sized for %g) in %.1fs\n",
					out, h.NGrams, h.Docs, h.Removed, humanBytes(size), float64(size)/float64(max(h.NGrams, 1)), h.M, h.K, sk.FPR(), 100*sk.Fill(), h.FPRTarget, time.Since(start).Seconds())
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&ixDir, "index", "i", "", "index directory (built by 'contam build')")
	f.StringVarP(&out, "out", "o", "", "sketch file to write (replaced atomically if it exists)")
	f.Float64Var(&opt.FPR, "fpr", sketch.DefaultFPR, "target false-positive rate per n-gram")
	f.IntVar(&opt.Workers, "workers", 0, "documents tokenized at once (default: number of cores)")
	f.BoolVarP(&quiet, "quiet", "q", false, "print nothing on success")
	return cmd
}
