package main

import (
	"github.com/spf13/cobra"

	"github.com/contam-dev/contam/query/impact"
)

func newImpactCmd() *cobra.Command {
	var (
		reportPath, scoresPath, idField, scoreField, format string
		opt                                                 impact.Options
	)
	cmd := &cobra.Command{
		Use:   "impact --report check.jsonl --scores scores.jsonl [flags]",
		Short: "Measure how contamination moves a model's score on a benchmark",
		Long: `Impact joins a check report (contam check --format jsonl) with a model's
per-item scores and compares the mean score on all, clean and dirty items.

Dirty items are those the report marks "contaminated", or with --standard NAME
those with standards[NAME].dirty (check must have been run with that
standard). Items too short to judge are counted in "all" only.

Scores are JSON Lines: one object per item with its id in --id-field (a field
name, or a Go template such as 'gsm8k/test/{{.doc_id}}' to rebuild the ids
check used) and its score in --score-field: true/false, 0/1 or any real
number. Report items with no score and scores with no report item are counted
and listed; only items on both sides are analysed.

Printed: the mean score of all, clean and dirty items with 95% bootstrap
percentile intervals (each group resampled within itself), the difference
clean − all with a 95% interval from resampling the whole benchmark
(recomputing both means on each resample), "significant" when that interval
excludes 0, and the relative difference (clean − all)/all that GPT-3 reported.
Resampling uses --resamples draws from a generator seeded with --seed, so the
output is reproducible.

Exit status: 0 on success, 1 on I/O or input errors, 2 on usage errors.`,
		Example: `  contam check --index idx/ --bench gsm8k_test.jsonl --field question,answer --id-field 'gsm8k/test/{{._index}}' --format jsonl -o check.jsonl
  contam impact --report check.jsonl --scores samples_gsm8k.jsonl --id-field 'gsm8k/test/{{.doc_id}}' --score-field exact_match
  contam impact --report check.jsonl --scores scores.jsonl --standard gpt3 --format json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("impact: unexpected arguments %q", args)
			}
			if reportPath == "" {
				return usagef("impact: --report is required (contam check --format jsonl output)")
			}
			if scoresPath == "" {
				return usagef("impact: --scores is required")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usagef("impact: unknown --format %q (want text or json)", format)
			}
			if idField == "" || scoreField == "" {
				return usagef("impact: --id-field and --score-field must not be empty")
			}
			if opt.Resamples < impact.MinResamples {
				return usagef("impact: --resamples %d: use at least %d", opt.Resamples, impact.MinResamples)
			}
			res, err := impact.Files(reportPath, scoresPath, idField, scoreField, opt)
			if err != nil {
				return err
			}
			if format == "json" {
				return res.WriteJSON(cmd.OutOrStdout())
			}
			return res.WriteText(cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVarP(&reportPath, "report", "r", "", "check report in JSON Lines (contam check --format jsonl)")
	f.StringVarP(&scoresPath, "scores", "s", "", "per-item scores in JSON Lines")
	f.StringVar(&idField, "id-field", "id", "scores: field or Go template giving the item id, as in the report")
	f.StringVar(&scoreField, "score-field", "correct", "scores: field holding the score (true/false, 0/1 or a number)")
	f.StringVar(&opt.Standard, "standard", "", "split by this standard's verdict (standards[NAME].dirty) instead of \"contaminated\"")
	f.IntVar(&opt.Resamples, "resamples", impact.DefaultResamples, "bootstrap resamples")
	f.Uint64Var(&opt.Seed, "seed", 1, "seed of the bootstrap resampling")
	f.StringVarP(&format, "format", "f", "text", "output format: text or json")
	return cmd
}
