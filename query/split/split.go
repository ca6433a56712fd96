// Package split writes a benchmark's clean and dirty subsets: the items a
// check found contaminated and those it did not, as files in the
// benchmark's own format holding the original records byte for byte, so
// that a model can be evaluated on the clean subset with the benchmark's
// usual tooling.
//
// For a benchmark loaded with item.LoadFile and its check results, Write
// makes, in a directory:
//
//	clean.jsonl      items not contaminated under the default verdict
//	dirty.jsonl      items contaminated (query.Result.Contaminated)
//	too_short.jsonl  items too short to judge (query.Result.TooShort);
//	                 only when there are some
//	unchecked.jsonl  items of the file with no result (e.g. check --limit);
//	                 only when there are some
//	NAME/clean.jsonl, NAME/dirty.jsonl, NAME/too_short.jsonl
//	                 the same by each standard asked for, from
//	                 query.Result.Standards[NAME] (Dirty, TooShort)
//	summary.json     the input, the date, and per verdict the file, count
//	                 and ids of each split (see Summary)
//
// Too-short items are never counted as clean: no n-gram of them could be
// looked up, so nothing is known about them.
//
// Splits of JSON Lines are .jsonl files and hold each record's line exactly
// (without its original terminator; every record is followed by "\n").
// Splits of CSV and TSV are .csv and .tsv files starting with the header
// record, followed by each record exactly as in the input (quoted
// multi-line fields included), each followed by "\n". Benchmarks that are a
// JSON array or Parquet are written as JSON Lines of each record's compact
// JSON (see item.Item.Raw): those splits are not byte-preserving, and
// Summary.ByteExact says so.
//
// Every file is written to a temporary file beside it and renamed into
// place only when all of them have been written, summary.json last; a
// failed Write leaves an earlier split in the directory as it was.
package split

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/query/item"
)

// Summary describes the splits written; Write also stores it as
// summary.json in the directory.
type Summary struct {
	Input     string    `json:"input"`      // the benchmark file
	Format    string    `json:"format"`     // its format (item.File.Format)
	Output    string    `json:"output"`     // the splits' format: jsonl, csv or tsv
	ByteExact bool      `json:"byte_exact"` // records copied byte for byte (false: re-encoded as compact JSON)
	Created   time.Time `json:"created"`
	Items     int       `json:"items"` // records in the input
	// Unchecked are the input's items with no result; they are in no split
	// below.
	Unchecked Set `json:"unchecked"`
	// Default splits by query.Result.Contaminated.
	Default Sets `json:"default"`
	// Standards splits by each standard asked for, by name.
	Standards map[string]Sets `json:"standards,omitempty"`
}

// Sets are the splits by one verdict.
type Sets struct {
	Clean    Set `json:"clean"`
	Dirty    Set `json:"dirty"`
	TooShort Set `json:"too_short"`
}

// Set is one split.
type Set struct {
	// File is the split's path relative to the directory; empty when no
	// file was written (too_short and unchecked are written only when they
	// hold items; clean and dirty always are).
	File  string   `json:"file,omitempty"`
	Count int      `json:"count"`
	IDs   []string `json:"ids"` // in file order
}

// SummaryFile is the name of the summary Write stores in the directory.
const SummaryFile = "summary.json"

// now is the clock behind Summary.Created (replaced in tests).
var now = time.Now

var validStandard = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// Write writes the splits of src's records by results into dir (created if
// needed) and returns their summary. results are matched to src's items by
// id; a result whose id is not an item of src is an error (wrong file, or
// ids chosen differently), and so is a standard in standards that some
// result has no verdict for. Files an earlier Write left in dir are
// replaced; its too_short and unchecked files are removed when this split
// has none.
func Write(dir string, src *item.File, results []query.Result, standards []string) (Summary, error) {
	if src == nil {
		return Summary{}, errors.New("split: no benchmark file")
	}
	ext := "jsonl"
	if src.Format == item.FormatCSV || src.Format == item.FormatTSV {
		ext = src.Format
		if src.Header == nil {
			return Summary{}, fmt.Errorf("split: %s: no header record", src.Name)
		}
	}
	seenStd := map[string]bool{}
	for _, name := range standards {
		if !validStandard.MatchString(name) {
			return Summary{}, fmt.Errorf("split: invalid standard name %q (letters, digits, - and _ only)", name)
		}
		if seenStd[name] {
			return Summary{}, fmt.Errorf("split: standard %q given twice", name)
		}
		seenStd[name] = true
	}

	byID := make(map[string]*query.Result, len(results))
	for i := range results {
		r := &results[i]
		if _, dup := byID[r.ID]; dup {
			return Summary{}, fmt.Errorf("split: two results for item %q", r.ID)
		}
		byID[r.ID] = r
	}
	known := make(map[string]bool, len(src.Items))
	for _, it := range src.Items {
		known[it.ID] = true
		if it.Raw == nil {
			return Summary{}, fmt.Errorf("split: %s: item %q has no record bytes (load the file with item.LoadFile)", src.Name, it.ID)
		}
	}
	for i := range results {
		if !known[results[i].ID] {
			return Summary{}, fmt.Errorf("split: result for item %q, which is not in %s (another file, or ids chosen differently?)", results[i].ID, src.Name)
		}
		for _, name := range standards {
			if _, ok := results[i].Standards[name]; !ok {
				return Summary{}, fmt.Errorf("split: item %q has no verdict by standard %q (check with --standard %s)", results[i].ID, name, name)
			}
		}
	}

	sum := Summary{
		Input: src.Name, Format: src.Format, Output: ext, ByteExact: src.ByteExact(),
		Created: now().UTC().Truncate(time.Second), Items: len(src.Items),
	}
	w := &writer{dir: dir, ext: ext, header: src.Header}
	defer w.cleanup()

	// One pass per verdict; unchecked items are the same for all of them.
	var unchecked []item.Item
	for _, it := range src.Items {
		if byID[it.ID] == nil {
			unchecked = append(unchecked, it)
		}
	}
	var err error
	if sum.Unchecked, err = w.set("", "unchecked", unchecked, false); err != nil {
		return Summary{}, err
	}
	verdict := func(r *query.Result) (dirty, tooShort bool) { return r.Contaminated, r.TooShort }
	if sum.Default, err = w.sets("", src.Items, byID, verdict); err != nil {
		return Summary{}, err
	}
	for _, name := range standards {
		verdict := func(r *query.Result) (dirty, tooShort bool) {
			v := r.Standards[name]
			return v.Dirty, v.TooShort
		}
		s, err := w.sets(name, src.Items, byID, verdict)
		if err != nil {
			return Summary{}, err
		}
		if sum.Standards == nil {
			sum.Standards = map[string]Sets{}
		}
		sum.Standards[name] = s
	}

	js, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return Summary{}, err
	}
	if err := w.file(SummaryFile, func(bw *bufio.Writer) { bw.Write(js); bw.WriteByte('\n') }); err != nil {
		return Summary{}, err
	}
	if err := w.commit(); err != nil {
		return Summary{}, err
	}
	return sum, nil
}

// writer writes split files to temporary names and renames them all at the
// end.
type writer struct {
	dir    string
	ext    string
	header []byte
	temps  []pending // written, not yet renamed
	stale  []string  // optional files not written this time, removed on commit
}

type pending struct{ tmp, final string }

// sets writes the clean, dirty and too_short splits of items by verdict
// into sub (a standard's directory, or "" for dir itself).
func (w *writer) sets(sub string, items []item.Item, byID map[string]*query.Result, verdict func(*query.Result) (dirty, tooShort bool)) (Sets, error) {
	var clean, dirty, short []item.Item
	for _, it := range items {
		r := byID[it.ID]
		if r == nil {
			continue
		}
		switch d, ts := verdict(r); {
		case ts:
			short = append(short, it)
		case d:
			dirty = append(dirty, it)
		default:
			clean = append(clean, it)
		}
	}
	var s Sets
	var err error
	if s.Clean, err = w.set(sub, "clean", clean, true); err != nil {
		return Sets{}, err
	}
	if s.Dirty, err = w.set(sub, "dirty", dirty, true); err != nil {
		return Sets{}, err
	}
	if s.TooShort, err = w.set(sub, "too_short", short, false); err != nil {
		return Sets{}, err
	}
	return s, nil
}

// set writes one split (always, or only when it has items).
func (w *writer) set(sub, name string, items []item.Item, always bool) (Set, error) {
	rel := filepath.Join(sub, name+"."+w.ext)
	s := Set{Count: len(items), IDs: make([]string, len(items))}
	for i, it := range items {
		s.IDs[i] = it.ID
	}
	if len(items) == 0 && !always {
		w.stale = append(w.stale, rel)
		return s, nil
	}
	s.File = filepath.ToSlash(rel)
	err := w.file(rel, func(bw *bufio.Writer) {
		if w.header != nil {
			bw.Write(w.header)
			bw.WriteByte('\n')
		}
		for _, it := range items {
			bw.Write(it.Raw)
			bw.WriteByte('\n')
		}
	})
	return s, err
}

// file writes the file rel (relative to dir) to a temporary file beside it.
func (w *writer) file(rel string, fill func(*bufio.Writer)) error {
	final := filepath.Join(w.dir, rel)
	d := filepath.Dir(final)
	if err := os.MkdirAll(d, 0o755); err != nil {
		return fmt.Errorf("split: %w", err)
	}
	f, err := os.CreateTemp(d, "."+filepath.Base(final)+".tmp-*")
	if err != nil {
		return fmt.Errorf("split: %w", err)
	}
	w.temps = append(w.temps, pending{f.Name(), final})
	err = f.Chmod(0o644) // CreateTemp makes 0600 files
	bw := bufio.NewWriterSize(f, 256<<10)
	fill(bw)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("split: writing %s: %w", final, err)
	}
	return nil
}

// commit renames every temporary file into place, in the order written
// (summary.json is last), and removes stale optional files.
func (w *writer) commit() error {
	for i, p := range w.temps {
		if err := os.Rename(p.tmp, p.final); err != nil {
			w.temps = w.temps[i:]
			return fmt.Errorf("split: %w", err)
		}
	}
	w.temps = nil
	for _, rel := range w.stale {
		if err := os.Remove(filepath.Join(w.dir, rel)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("split: %w", err)
		}
	}
	return nil
}

// cleanup removes temporary files not renamed (after a failure).
func (w *writer) cleanup() {
	for _, p := range w.temps {
		os.Remove(p.tmp)
	}
}
