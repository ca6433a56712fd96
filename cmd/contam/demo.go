package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/contam-dev/contam/demo"
)

func newDemoCmd() *cobra.Command {
	var opt demo.RunOptions
	var keep bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Build an index over embedded sample data and check embedded benchmarks",
		Long: `Demo runs the whole path on data embedded in the binary: a few hundred
permissively licensed corpus documents (zstd and gzip JSONL) with some GSM8K
and HumanEval items planted in known ways, and subsets of those benchmarks.
It builds an index, checks both benchmarks, and compares the verdicts with
how each item was planted. Nothing outside the repository is needed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opt.Dir == "" {
				d, err := demo.TempDir()
				if err != nil {
					return err
				}
				opt.Dir = d
				if !keep {
					defer os.RemoveAll(d)
				}
			}
			if err := demo.Run(cmd.Context(), os.Stdout, opt); err != nil {
				return err
			}
			if keep {
				fmt.Fprintf(os.Stderr, "kept the sample and index in %s\n", opt.Dir)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&opt.Dir, "dir", "", "work directory (default: a temporary directory, removed afterwards)")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the temporary work directory")
	cmd.Flags().IntVar(&opt.Shards, "shards", 2, "shards of the demo index")
	cmd.Flags().StringVarP(&opt.Format, "format", "f", "table", "report format: table, jsonl, markdown")
	return cmd
}
