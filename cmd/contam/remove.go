package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/contam-dev/contam/index"
)

func newRemoveCmd() *cobra.Command {
	var (
		ixDir, docsFile string
		ids             []string
		opt             index.RemoveOptions
	)
	cmd := &cobra.Command{
		Use:   "remove --index DIR --doc ID... [--docs-file FILE]",
		Short: "Remove documents from an index (tombstones) so that no query reports them",
		Long: `Remove marks documents as removed: no later check, trace, count, find or
sketch reports them, their text or their n-grams. The index files are not
rewritten: the removed documents are listed in DIR/tombstones.json (written
atomically), which every reader of the index applies when it opens it.

Documents are named by id (--doc, repeatable, and/or
--docs-file with one id per line); every document with a given id is
removed. The document store is scanned once to find them. Ids not in the
index are an error and nothing is removed, unless --missing-ok. Removing a
document again is a no-op. A contam older than tombstones would ignore them.

Exit status: 0 on success, 1 on unknown ids or I/O errors, 2 on usage errors.`,
		Example: `  contam remove --index idx/ --doc cc00-000123
  contam remove --index idx/ --docs-file takedown.txt --missing-ok`,
		Args: func(cmd *cobra.Command, args []string) error {
			if ixDir == "" {
				return usagef("remove: --index is required")
			}
			if len(args) > 0 {
				return usagef("remove: unexpected arguments %q (name documents with --doc ID)", args)
			}
			if len(ids) == 0 && docsFile == "" {
				return usagef("remove: name the documents with --doc ID or --docs-file FILE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			all := append([]string(nil), ids...)
			if docsFile != "" {
				b, err := os.ReadFile(docsFile)
				if err != nil {
					return err
				}
				for _, l := range strings.Split(string(b), "\n") {
					if l = strings.TrimSpace(l); l != "" {
						all = append(all, l)
					}
				}
			}
			if len(all) == 0 {
				return usagef("remove: no document ids given")
			}
			r, err := index.Remove(ixDir, all, opt)
			if err != nil {
				return err
			}
			fmt.Printf("removed from %s: %d new, %d already removed; %d removed in all\n", ixDir, r.Removed, r.Already, r.Total)
			if len(r.Missing) > 0 {
				fmt.Fprintf(os.Stderr, "not in the index (--missing-ok): %s\n", strings.Join(r.Missing, ", "))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&ixDir, "index", "i", "", "index directory (built by 'contam build')")
	f.StringArrayVar(&ids, "doc", nil, "id of a document to remove (repeatable)")
	f.StringVar(&docsFile, "docs-file", "", "file of document ids to remove, one per line")
	f.BoolVar(&opt.MissingOK, "missing-ok", false, "ids not in the index are listed on stderr instead of failing")
	return cmd
}
