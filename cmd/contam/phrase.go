package main

import (
	"bufio"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/query/report"
)

// phraseHelp explains what count and find answer; shared by both commands.
const phraseHelp = `Phrases are given as arguments, or one per line on standard input when no
phrase argument is given or the argument is '-' (blank lines are skipped).
A phrase matches where the corpus holds the same tokens after the index's
normalization (case, punctuation and spacing aside), at any position in a
document; overlapping occurrences count separately.

The answer is exact for phrases of at least n tokens after normalization (n is
the index's n-gram length, 8 unless built with --n): every occurrence contains
the phrase's rarest n-gram at a known offset, so that n-gram's postings are
all the candidates, and each one is verified token by token against the
stored document text. There is no cap and no sampling. A shorter phrase
cannot be answered exactly from an index of n-grams: it is reported as not
exact, with the reason ("exact": false and "reason" in JSON Lines), and the
other phrases are still answered; this is not an error.`

func newCountCmd() *cobra.Command { return newPhraseCmd(false) }
func newFindCmd() *cobra.Command  { return newPhraseCmd(true) }

func newPhraseCmd(find bool) *cobra.Command {
	var (
		ixDir, format  string
		offset, limit  int
		ctxChars       int
		noColor        bool
		name, use, doc string
		example        string
	)
	if find {
		name, use = "find", `find --index DIR "PHRASE" ["PHRASE"...] [--limit 10 --offset 0]`
		doc = `Find lists the documents that hold each phrase: id, source:line, byte offset
of the record, url, number of occurrences in the document, and the first
occurrence in its context (marked ⟦like this⟧, or in colour on a terminal).
Documents come in a fixed order (id, then source file, then offset), so
--offset and --limit page through them deterministically; the first line of
each phrase gives the total number of occurrences and documents.

` + phraseHelp + `

--format jsonl writes one PhraseResult per phrase and line: phrase, tokens,
exact, reason, occurrences, docs, hits (the page of documents).`
		example = `  contam find --index idx/ "A train leaves the station at nine o'clock"
  contam find --index idx/ --limit 20 --offset 20 "the quick brown fox jumps over the lazy dog"`
	} else {
		name, use = "count", `count --index DIR "PHRASE" ["PHRASE"...]`
		doc = `Count prints, for each phrase, how often it occurs in the corpus and in how
many documents.

` + phraseHelp + `

--format jsonl writes one PhraseResult per phrase and line: phrase, tokens,
exact, reason, occurrences, docs.`
		example = `  contam count --index idx/ "Lisa has 12 apples. She gives 5 to Tom"
  cut -f1 phrases.tsv | contam count --index idx/ --format jsonl`
	}
	cmd := &cobra.Command{
		Use:     use,
		Short:   map[bool]string{false: "Count the exact occurrences of phrases in the corpus", true: "List the documents that hold phrases, with context"}[find],
		Long:    doc + "\n\nExit status: 0 on success (also for absent or too short phrases), 1 on I/O\nerrors, 2 on usage errors.",
		Example: example,
		Args: func(cmd *cobra.Command, args []string) error {
			if ixDir == "" {
				return usagef("%s: --index is required", name)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if !formatIn(format, report.PhraseFormats) {
				return usagef("%s: unknown --format %q (want %s)", name, format, strings.Join(report.PhraseFormats, ", "))
			}
			if find && (limit < 1 || offset < 0 || ctxChars < 0) {
				return usagef("find: --limit must be at least 1, --offset and --context not negative")
			}
			phrases, err := phraseArgs(args, os.Stdin)
			if err != nil {
				return err
			}
			if len(phrases) == 0 {
				return usagef("%s: no phrase given (as arguments, or one per line on standard input)", name)
			}
			ix, err := index.Open(ixDir, index.OpenOptions{})
			if err != nil {
				return err
			}
			defer ix.Close()
			ch, err := query.NewChecker(ix, query.Options{})
			if err != nil {
				return err
			}
			if !find {
				limit = 0
			}
			h := report.PhraseHeader{Find: find, Offset: offset, Limit: limit, Context: ctxChars, Color: useColor("", noColor)}
			w := bufio.NewWriter(os.Stdout)
			for _, p := range phrases {
				if err := cmd.Context().Err(); err != nil {
					return err
				}
				r, err := ch.Phrase(p, offset, limit, ctxChars)
				if err != nil {
					return err
				}
				if err := report.WritePhrase(w, format, h, r); err != nil {
					return err
				}
			}
			return w.Flush()
		},
	}
	f := cmd.Flags()
	f.StringVarP(&ixDir, "index", "i", "", "index directory (built by 'contam build')")
	f.StringVarP(&format, "format", "f", "text", "output format: text, jsonl")
	if find {
		f.IntVar(&limit, "limit", 10, "documents listed per phrase")
		f.IntVar(&offset, "offset", 0, "skip this many documents first (for paging)")
		f.IntVar(&ctxChars, "context", 100, "characters of document context shown on each side of the match")
		f.BoolVar(&noColor, "no-color", false, "mark the match with ⟦ ⟧ instead of colour even on a terminal")
	}
	return cmd
}

// phraseArgs returns the phrases: the arguments, where '-' (or no argument
// at all) stands for the lines of stdin.
func phraseArgs(args []string, stdin io.Reader) ([]string, error) {
	if len(args) == 0 {
		args = []string{"-"}
	}
	var out []string
	read := false
	for _, a := range args {
		if a != "-" {
			out = append(out, a)
			continue
		}
		if read {
			continue
		}
		read = true
		br := bufio.NewReader(stdin)
		for {
			line, err := br.ReadString('\n')
			if l := strings.TrimRight(line, "\r\n"); strings.TrimSpace(l) != "" {
				out = append(out, l)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
