package demo

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/query/item"
	"github.com/contam-dev/contam/query/report"
	"github.com/contam-dev/contam/shard"
	"github.com/contam-dev/contam/shard/source"
)

// RunOptions configure Run.
type RunOptions struct {
	Dir    string // work directory; the sample and the index are written here
	Shards int
	Format string // report format for the checks
}

// Run writes the sample to opt.Dir, builds an index over its corpus with
// the same code as 'contam build', checks the GSM8K and HumanEval subsets
// with the same code as 'contam check', and compares the verdicts with the
// sample's labels.
func Run(ctx context.Context, w io.Writer, opt RunOptions) error {
	corpus, bench, err := WriteTo(opt.Dir)
	if err != nil {
		return err
	}
	ixDir := filepath.Join(opt.Dir, "idx")
	fmt.Fprintf(w, "== contam demo: building an index over %d embedded corpus files in %s\n", len(corpus), ixDir)
	res, err := shard.Build(ctx, ixDir, corpus, shard.Options{
		Shards: opt.Shards, Force: true,
		Source: source.Options{TextField: "text", IDField: "id", MetaFields: []string{"url"}},
	})
	if err != nil {
		return err
	}
	m := res.Manifest
	fmt.Fprintf(w, "built: %d docs, %d tokens, %d distinct %d-grams in %d shards (%.2fs)\n\n",
		m.Counts.Docs, m.Counts.Tokens, m.Counts.NGrams, m.Params.N, len(m.Shards), m.BuildSeconds)

	ix, err := index.Open(ixDir, index.OpenOptions{})
	if err != nil {
		return err
	}
	defer ix.Close()
	ch, err := query.NewChecker(ix, query.Options{NearDup: true, Standards: []string{"default", "gpt3", "palm", "llama2", "llama3", "gpt4"}})
	if err != nil {
		return err
	}
	labels, err := Labels()
	if err != nil {
		return err
	}
	runs := []struct {
		name, file string
		opt        item.Options
	}{
		{"GSM8K test subset", bench, item.Options{Fields: BenchFields, IDField: BenchIDField}},
		{"HumanEval subset", filepath.Join(opt.Dir, HumanEvalFile), item.Options{Fields: HumanEvalFields, IDField: HumanEvalIDField}},
	}
	for _, r := range runs {
		items, err := item.Load(r.file, r.opt)
		if err != nil {
			return err
		}
		rs, err := ch.Check(ctx, items)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "== contam check: %s (%d items)\n", r.name, len(items))
		hdr := report.Header{Index: ixDir, Bench: r.file, Rule: ch.Options().Rule, N: m.Params.N, Normalize: m.Params.Normalizer}
		if err := report.Write(w, opt.Format, hdr, rs); err != nil {
			return err
		}
		fmt.Fprintf(w, "\n")
		writeAgreement(w, rs, labels)
		fmt.Fprintf(w, "\n")
	}
	fmt.Fprintf(w, "Sample data: %s (sources and licenses).\n", filepath.Join(opt.Dir, NoticeFile))
	return nil
}

// writeAgreement prints, per labelled category, how many items were flagged.
func writeAgreement(w io.Writer, rs []query.Result, labels map[string]string) {
	type agg struct{ n, flagged int }
	by := map[string]*agg{}
	for _, r := range rs {
		c := labels[r.ID]
		if c == "" {
			c = "(unlabelled)"
		}
		if by[c] == nil {
			by[c] = &agg{}
		}
		by[c].n++
		if r.Contaminated {
			by[c].flagged++
		}
	}
	cats := make([]string, 0, len(by))
	for c := range by {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	fmt.Fprintf(w, "verdicts vs the sample's labels (how each item was planted):\n")
	for _, c := range cats {
		want := "should be flagged"
		if c == "clean" {
			want = "should not be flagged"
		}
		fmt.Fprintf(w, "  %-16s %3d items, %3d flagged  (%s)\n", c, by[c].n, by[c].flagged, want)
	}
}

// TempDir makes a fresh work directory for Run.
func TempDir() (string, error) { return os.MkdirTemp("", "contam-demo-") }
