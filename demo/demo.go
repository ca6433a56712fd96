// Package demo embeds a small, real sample of the contam developer set so that
// `contam demo` works on a fresh machine without any files outside the binary.
//
// The sample (see NOTICE.md for sources, licenses and per-category counts):
//
//   - data/corpus.jsonl.zst and data/corpus-2.jsonl.gz: a few hundred corpus
//     documents ({"id", "text"} JSONL, ids as in the dev corpus), zstd and
//     gzip compressed, so the demo exercises mixed compression. Natural
//     documents come from permissively licensed sources only; the rest are
//     the dev set's planted documents for the sample's benchmark items and a
//     few GSM8K train distractors.
//   - data/bench.jsonl: GSM8K test items (original lines plus an "id" field),
//     some planted in the corpus, the rest clean. Check it with
//     BenchFields and BenchIDField.
//   - data/humaneval.jsonl: HumanEval items (original lines), checked with
//     HumanEvalFields and HumanEvalIDField.
//   - data/labels.jsonl: the dev-set ground truth of exactly those items.
//
// The files are regenerated deterministically from ../shared/data/dev by
// `go run ./scripts/make-demo-data`; do not edit them by hand.
package demo

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

//go:embed data NOTICE.md LICENSES
var files embed.FS

// File names of the sample, relative to the directory WriteTo writes to.
const (
	BenchFile     = "bench.jsonl"     // GSM8K test subset
	HumanEvalFile = "humaneval.jsonl" // HumanEval subset
	LabelsFile    = "labels.jsonl"    // ground truth for both
	NoticeFile    = "NOTICE.md"       // sources and licenses
	LicensesDir   = "LICENSES"        // license texts referenced by NoticeFile
)

// CorpusFiles are the corpus shards, in order: one zstd, one gzip JSONL file.
var CorpusFiles = []string{"corpus.jsonl.zst", "corpus-2.jsonl.gz"}

// BenchFields are the fields of a BenchFile record whose text is checked
// (the dev set's text for a GSM8K item is question + "\n" + answer).
var BenchFields = []string{"question", "answer"}

// BenchIDField names the BenchFile field holding the item id
// ("gsm8k/test/<line index in GSM8K test>", the dev-set id).
const BenchIDField = "id"

// HumanEvalFields are the fields of a HumanEvalFile record whose text is
// checked (prompt followed by the canonical solution).
var HumanEvalFields = []string{"prompt", "canonical_solution"}

// HumanEvalIDField names the HumanEvalFile field holding the item id
// ("HumanEval/<n>").
const HumanEvalIDField = "task_id"

// FS returns the embedded sample: data/..., NOTICE.md and LICENSES/....
func FS() fs.FS { return files }

// WriteTo writes the sample into dir (created if needed) so that the normal
// build and check code paths can read it from disk: the corpus files, the
// benchmark files and labels directly in dir, plus NOTICE.md and LICENSES/.
// Existing files of the same names are overwritten. It returns the paths of
// the corpus files (in CorpusFiles order) and of the GSM8K benchmark file;
// the HumanEval and labels files are filepath.Join(dir, HumanEvalFile) and
// filepath.Join(dir, LabelsFile).
func WriteTo(dir string) (corpus []string, bench string, err error) {
	err = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := p
		if r, ok := strings.CutPrefix(p, "data/"); ok {
			rel = r
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		return nil, "", fmt.Errorf("demo: writing sample to %s: %w", dir, err)
	}
	for _, c := range CorpusFiles {
		corpus = append(corpus, filepath.Join(dir, c))
	}
	return corpus, filepath.Join(dir, BenchFile), nil
}

// Label is one line of LabelsFile: the dev-set ground truth of one item.
type Label struct {
	Benchmark string `json:"benchmark"` // "gsm8k" or "humaneval"
	ID        string `json:"id"`        // item id, as in BenchIDField / HumanEvalIDField
	// Category is how the item is in the corpus ("verbatim",
	// "question_only", ...), or "clean" if it is in no document.
	Category string `json:"category"`
	// PlantedDocIDs are the ids of the corpus documents made from the item.
	PlantedDocIDs []string `json:"planted_doc_ids"`
}

// Positive reports whether the item is planted in the corpus, i.e. a
// detector should flag it.
func (l Label) Positive() bool { return l.Category != "clean" }

// LabelList returns the labels of all sample items (GSM8K first, then
// HumanEval, each in benchmark order).
func LabelList() ([]Label, error) {
	b, err := files.ReadFile(path.Join("data", LabelsFile))
	if err != nil {
		return nil, err
	}
	var out []Label
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var l Label
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("demo: %s line %d: %w", LabelsFile, n, err)
		}
		out = append(out, l)
	}
	return out, sc.Err()
}

// Labels returns item id → category for every item of BenchFile and
// HumanEvalFile.
func Labels() (map[string]string, error) {
	list, err := LabelList()
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(list))
	for _, l := range list {
		m[l.ID] = l.Category
	}
	return m, nil
}
