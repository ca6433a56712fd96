package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/contam-dev/contam/index"
)

func newStatsCmd() *cobra.Command {
	var ixDir string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats --index DIR",
		Short: "Show what an index holds and what it costs on disk",
		Args: func(cmd *cobra.Command, args []string) error {
			if ixDir == "" && len(args) == 1 {
				ixDir = args[0]
				return nil
			}
			if ixDir == "" || len(args) > 0 {
				return usagef("stats: give the index as --index DIR")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := index.ReadManifest(ixDir)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(os.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(m)
			}
			p := m.Params
			fmt.Printf("index        %s\n", ixDir)
			fmt.Printf("format       v%d, built %s in %.1fs\n", m.FormatVersion, m.Built.Format("2006-01-02 15:04:05Z"), m.BuildSeconds)
			fmt.Printf("params       normalizer %s, n=%d, hash %s seed %#x, anchors %s (fingerprint %s)\n", p.Normalizer, p.N, p.Hash, p.Seed, p.Anchors, m.Fingerprint)
			c := m.Counts
			fmt.Printf("corpus       %d docs, %s text, %d tokens, %d inputs", c.Docs, humanBytes(c.TextBytes), c.Tokens, len(m.Inputs))
			if c.Skipped > 0 {
				fmt.Printf(", %d records skipped", c.Skipped)
			}
			fmt.Printf("\npostings     %d postings of %d distinct n-grams; Bloom filters at FPR %g\n\n", c.Postings, c.NGrams, m.BloomFPR)
			tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "shard\tdocs\ttokens\tn-grams\tpostings\tdoc store\tBloom\ttotal\t")
			var tot [3]int64
			for _, name := range m.Shards {
				dir := filepath.Join(ixDir, name)
				sm, err := index.ReadShardManifest(dir)
				if err != nil {
					return err
				}
				pg := dirSize(filepath.Join(dir, index.PostingsDir))
				ds := fileSize(filepath.Join(dir, index.DocsFile)) + fileSize(filepath.Join(dir, index.DocsIndexFile))
				bl := fileSize(filepath.Join(dir, index.BloomFile))
				tot[0] += pg
				tot[1] += ds
				tot[2] += bl
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t\n", name, sm.Counts.Docs, sm.Counts.Tokens, sm.Counts.NGrams, humanBytes(pg), humanBytes(ds), humanBytes(bl), humanBytes(pg+ds+bl))
			}
			all := tot[0] + tot[1] + tot[2]
			fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t\n", c.Docs, c.Tokens, c.NGrams, humanBytes(tot[0]), humanBytes(tot[1]), humanBytes(tot[2]), humanBytes(all))
			tw.Flush()
			if c.TextBytes > 0 && c.Tokens > 0 {
				fmt.Printf("\nsize         %.2f× the text, %.2f bytes per token (postings %.2f, doc store %.2f, Bloom %.2f)\n",
					float64(all)/float64(c.TextBytes), float64(all)/float64(c.Tokens),
					float64(tot[0])/float64(c.Tokens), float64(tot[1])/float64(c.Tokens), float64(tot[2])/float64(c.Tokens))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&ixDir, "index", "i", "", "index directory")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the manifest as JSON")
	return cmd
}

func fileSize(p string) int64 {
	st, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return st.Size()
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
