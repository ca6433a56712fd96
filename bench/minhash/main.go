// Command minhash is the MinHash-LSH near-duplicate baseline of issue 5: it
// finds benchmark items in a corpus the way near-duplicate detection is
// usually done (word 5-gram shingles, 128-permutation MinHash, an LSH index
// from github.com/ekzhu/minhash-lsh, candidates verified by their estimated
// Jaccard similarity) and scores the verdicts against the dev-set labels, so
// that contam's detector can be compared with it side by side.
//
// Text is normalized the usual way for MinHash dedup: lowercased, split on
// every character that is not a letter or a digit (Unicode), and turned into
// the set of its word 5-grams (a text of fewer than 5 words is one shingle of
// all its words). Every corpus document and every item gets a MinHash
// signature (ekzhu/minhash-lsh's Minhash: FNV-1a double hashing, 128 values).
// For each LSH threshold t of the grid, an index is built over the documents
// (minhashlsh.NewMinhashLSH: 32-bit band keys, bands and rows chosen by the
// library for t) and queried with every item; for the candidates it returns
// the program computes
//
//   - jaccard: the MinHash estimate of the Jaccard similarity (matching
//     signature positions / 128). Variant "jaccard" flags an item when the
//     best candidate's estimate is ≥ t (the LSH threshold and the verification
//     threshold are the same t, as in MinHash dedup);
//   - containment: the exact containment |item ∩ doc| / |item| of the item's
//     shingle set in the candidate's (sets of 64-bit xxh3 hashes of the
//     shingles, kept for every document). Variant "containment" flags an item
//     when the best candidate's containment is ≥ c; the LSH threshold t that
//     produced the candidates and c are both swept, so a low t can bring in
//     long documents whose Jaccard with the item is small.
//
// As a reference, "exact-containment" computes the exact containment of every
// item in every document (no MinHash, no LSH: a scan of all document shingle
// sets), the ceiling of the containment variant: what the LSH candidate step
// loses is the difference.
//
// For each variant the threshold (pair) with the best F1 on the labels is
// chosen (ties: fewer false positives, then the higher threshold). Roles
// follow ../shared/data/score.py: clean is negative, natural_overlap neutral
// (left out of precision/recall/F1), every other category positive.
//
// With -lsh T the program runs one configuration only (one index at T) and,
// unless -containment is given, keeps no exact shingle sets: a run of the
// baseline as it would be used, for its time and peak memory.
//
// The report (Markdown) goes to stdout; with -out DIR the predictions at the
// chosen thresholds (DIR/pred-<variant>.jsonl, lines {"id","contaminated"},
// for score.py) and per-item scores (DIR/scores.jsonl) are written too.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	minhashlsh "github.com/ekzhu/minhash-lsh"
	"github.com/zeebo/xxh3"

	"github.com/contam-dev/contam/query/item"
	"github.com/contam-dev/contam/shard/source"
)

// shingler turns text into word n-gram shingles.
type shingler struct {
	n      int
	buf    []byte // the words, lowercased, separated by one space
	starts []int  // byte offset of each word in buf
	ends   []int  // byte offset just after each word
}

// words normalizes text: lowercase, split on every rune that is not a letter
// or a digit.
func (s *shingler) words(text []byte) {
	s.buf, s.starts, s.ends = s.buf[:0], s.starts[:0], s.ends[:0]
	in := false
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRune(text[i:])
		i += size
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if !in {
				if len(s.buf) > 0 {
					s.buf = append(s.buf, ' ')
				}
				s.starts = append(s.starts, len(s.buf))
				in = true
			}
			s.buf = utf8.AppendRune(s.buf, unicode.ToLower(r))
			continue
		}
		if in {
			s.ends = append(s.ends, len(s.buf))
			in = false
		}
	}
	if in {
		s.ends = append(s.ends, len(s.buf))
	}
}

// each calls f with the bytes of every shingle of text (words i..i+n-1
// joined by one space; all the words when there are fewer than n; nothing
// for a text without words). The bytes are only valid during the call.
func (s *shingler) each(text []byte, f func([]byte)) {
	s.words(text)
	w := len(s.starts)
	switch {
	case w == 0:
		return
	case w < s.n:
		f(s.buf)
		return
	}
	for i := 0; i+s.n <= w; i++ {
		f(s.buf[s.starts[i]:s.ends[i+s.n-1]])
	}
}

// sketch is what the baseline keeps of one text.
type sketch struct {
	sig []uint64 // MinHash signature; nil for a text without words
	set []uint64 // sorted distinct xxh3 hashes of the shingles (nil unless sets are kept)
	n   int      // distinct shingles (exact when set is kept, else shingle count)
}

type sketcher struct {
	sh      shingler
	perm    int
	seed    int64
	keepSet bool
}

func (k *sketcher) sketch(text []byte) sketch {
	mh := minhashlsh.NewMinhash(k.seed, k.perm)
	var set []uint64
	count := 0
	k.sh.each(text, func(b []byte) {
		mh.Push(b)
		count++
		if k.keepSet {
			set = append(set, xxh3.Hash(b))
		}
	})
	if count == 0 {
		return sketch{}
	}
	// Signature is the Minhash's own slice; mh is dropped here, so it is kept as is.
	sk := sketch{sig: mh.Signature(), n: count}
	if k.keepSet {
		slices.Sort(set)
		set = slices.Compact(set)
		sk.set = slices.Clip(set)
		sk.n = len(set)
	}
	return sk
}

// estJaccard is the MinHash estimate of the Jaccard similarity.
func estJaccard(a, b []uint64) float64 {
	eq := 0
	for i := range a {
		if a[i] == b[i] {
			eq++
		}
	}
	return float64(eq) / float64(len(a))
}

// intersect counts the common elements of two sorted distinct slices.
func intersect(a, b []uint64) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}

// containment is |a ∩ b| / |a| for sorted distinct slices.
func containment(a, b []uint64) float64 {
	if len(a) == 0 {
		return 0
	}
	return float64(intersect(a, b)) / float64(len(a))
}

// ---- data ----

type bench struct {
	file   string
	fields []string
	id     string
}

var benches = []bench{
	{"gsm8k_test.jsonl", []string{"question", "answer"}, "gsm8k/test/{{._index}}"},
	{"humaneval.jsonl", []string{"prompt", "canonical_solution"}, "task_id"},
	{"mbpp.jsonl", []string{"text", "code"}, "mbpp/{{.task_id}}"},
}

type benchItem struct {
	id, category string
	sk           sketch
}

func loadLabels(dir string) (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no label files in %s", dir)
	}
	cat := map[string]string{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			if len(strings.TrimSpace(sc.Text())) == 0 {
				continue
			}
			var l struct{ ID, Category string }
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				fh.Close()
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			cat[l.ID] = l.Category
		}
		err = sc.Err()
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
	}
	return cat, nil
}

// ---- scoring (the rules of ../shared/data/score.py) ----

var catOrder = []string{"verbatim", "embedded", "question_only", "prompt_only", "reformatted",
	"numbers_changed", "translated", "edited_5", "edited_10", "edited_20", "partial_half",
	"short_fragment", "natural_exposed", "natural_overlap", "template_trap", "clean"}

func role(cat string) string {
	switch cat {
	case "clean", "template_trap":
		return "negative"
	case "natural_overlap":
		return "neutral"
	}
	return "positive"
}

type metrics struct {
	total, flagged    map[string]int
	tp, fn, fp, tn    int
	precision, recall float64
	f1, fpr           float64
	thresh, lshThresh float64
	res               int // index of the LSH result it was computed on (-1: none)
}

func score(items []benchItem, flag func(i int) bool) metrics {
	m := metrics{total: map[string]int{}, flagged: map[string]int{}}
	for i, it := range items {
		f := flag(i)
		m.total[it.category]++
		if f {
			m.flagged[it.category]++
		}
		switch role(it.category) {
		case "positive":
			if f {
				m.tp++
			} else {
				m.fn++
			}
		case "negative":
			if f {
				m.fp++
			} else {
				m.tn++
			}
		}
	}
	if m.tp+m.fp > 0 {
		m.precision = float64(m.tp) / float64(m.tp+m.fp)
	}
	if m.tp+m.fn > 0 {
		m.recall = float64(m.tp) / float64(m.tp+m.fn)
	}
	if m.precision+m.recall > 0 {
		m.f1 = 2 * m.precision * m.recall / (m.precision + m.recall)
	}
	if m.fp+m.tn > 0 {
		m.fpr = float64(m.fp) / float64(m.fp+m.tn)
	}
	return m
}

// better reports whether a beats b: higher F1 (compared to 1e-12), then
// fewer false positives, then the higher threshold.
func better(a, b metrics) bool {
	if b.f1 < 0 {
		return true
	}
	if math.Abs(a.f1-b.f1) > 1e-12 {
		return a.f1 > b.f1
	}
	if a.fp != b.fp {
		return a.fp < b.fp
	}
	if a.thresh != b.thresh {
		return a.thresh > b.thresh
	}
	return a.lshThresh > b.lshThresh
}

// atLeast flags item i when v[i] > 0 and v[i] ≥ t (up to rounding).
func atLeast(v []float64, t float64) func(int) bool {
	return func(i int) bool { return v[i] > 0 && v[i] >= t-1e-9 }
}

// liveHeap is the heap still reachable after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// ---- per-threshold results ----

type result struct {
	lsh       float64   // LSH threshold
	k, l      int       // rows per band, bands
	maxJ      []float64 // per item: best estimated Jaccard among candidates
	maxC      []float64 // per item: best exact containment among candidates (nil without sets)
	cands     []int     // per item: candidates returned
	build     time.Duration
	query     time.Duration
	indexHeap uint64 // live heap held by the LSH index (after GC)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "minhash:", err)
		os.Exit(1)
	}
}

func parseGrid(s string) ([]float64, error) {
	var g []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || v <= 0 || v > 1 {
			return nil, fmt.Errorf("bad threshold %q in -grid (want numbers in (0,1])", f)
		}
		g = append(g, v)
	}
	return g, nil
}

func run() error {
	dev := flag.String("dev", "../shared/data/dev", "dev set directory (corpus/, benchmarks/, labels/)")
	perm := flag.Int("perm", 128, "MinHash permutations")
	n := flag.Int("n", 5, "words per shingle")
	seed := flag.Int64("seed", 1, "MinHash seed")
	gridS := flag.String("grid", "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9", "thresholds swept (LSH, Jaccard and containment)")
	lshT := flag.Float64("lsh", 0, "run one configuration: the LSH index at this threshold (0: sweep the grid)")
	jacT := flag.Float64("jaccard", 0, "with -lsh: Jaccard threshold of the jaccard variant (default: the -lsh value)")
	conT := flag.Float64("containment", 0, "with -lsh: containment threshold of the containment variant (0: no containment, no exact sets kept)")
	out := flag.String("out", "", "directory for predictions and per-item scores (optional)")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	if *perm < 1 || *n < 1 {
		return errors.New("-perm and -n must be at least 1")
	}
	grid, err := parseGrid(*gridS)
	if err != nil {
		return err
	}
	sweep := *lshT == 0
	keepSets := sweep || *conT > 0
	lshGrid := grid
	if !sweep {
		if *lshT < 0 || *lshT > 1 {
			return errors.New("-lsh must be in (0,1]")
		}
		lshGrid = []float64{*lshT}
		if *jacT == 0 {
			*jacT = *lshT
		}
	}
	for _, d := range []string{"corpus", "benchmarks", "labels"} {
		if st, err := os.Stat(filepath.Join(*dev, d)); err != nil || !st.IsDir() {
			return fmt.Errorf("dev set not found: %s has no %s/ directory", *dev, d)
		}
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
	}

	cats, err := loadLabels(filepath.Join(*dev, "labels"))
	if err != nil {
		return err
	}

	// Items: load, then sketch (timed apart: part of a check's cost).
	var items []benchItem
	var texts []string
	for _, b := range benches {
		its, err := item.Load(filepath.Join(*dev, "benchmarks", b.file), item.Options{Fields: b.fields, IDField: b.id})
		if err != nil {
			return err
		}
		for _, it := range its {
			c, ok := cats[it.ID]
			if !ok {
				return fmt.Errorf("item %s has no label", it.ID)
			}
			items = append(items, benchItem{id: it.ID, category: c})
			texts = append(texts, it.Text)
		}
	}
	sk := &sketcher{sh: shingler{n: *n}, perm: *perm, seed: *seed, keepSet: keepSets}
	t0 := time.Now()
	for i := range items {
		items[i].sk = sk.sketch([]byte(texts[i]))
	}
	itemSketch := time.Since(t0)

	// Corpus: read, shingle, MinHash (and exact sets).
	files, err := source.Expand([]string{filepath.Join(*dev, "corpus")})
	if err != nil {
		return err
	}
	var docs []sketch
	var docIDs []string
	var textBytes int64
	var shingles int64
	t0 = time.Now()
	for _, f := range files {
		r, err := source.Open(f, source.Options{TextField: "text", IDField: "id"})
		if err != nil {
			return err
		}
		for {
			d, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				r.Close()
				return err
			}
			textBytes += int64(len(d.Text))
			s := sk.sketch(d.Text)
			shingles += int64(s.n)
			docs = append(docs, s)
			docIDs = append(docIDs, d.ID)
		}
		if err := r.Close(); err != nil {
			return err
		}
	}
	corpusSketch := time.Since(t0)
	empty := 0
	for _, d := range docs {
		if d.sig == nil {
			empty++
		}
	}

	// One LSH index per threshold, queried with every item.
	var results []result
	for _, t := range lshGrid {
		res := result{lsh: t, maxJ: make([]float64, len(items)), cands: make([]int, len(items))}
		if keepSets {
			res.maxC = make([]float64, len(items))
		}
		heap0 := liveHeap()
		t0 = time.Now()
		idx := minhashlsh.NewMinhashLSH(*perm, t)
		for i, d := range docs {
			if d.sig != nil {
				idx.Add(i, d.sig)
			}
		}
		idx.Index()
		res.build = time.Since(t0)
		res.k, res.l = idx.Params()
		t0 = time.Now()
		for i, it := range items {
			if it.sk.sig == nil {
				continue
			}
			cs := idx.Query(it.sk.sig)
			res.cands[i] = len(cs)
			for _, c := range cs {
				d := docs[c.(int)]
				if j := estJaccard(it.sk.sig, d.sig); j > res.maxJ[i] {
					res.maxJ[i] = j
				}
				if keepSets {
					if v := containment(it.sk.set, d.set); v > res.maxC[i] {
						res.maxC[i] = v
					}
				}
			}
		}
		res.query = time.Since(t0)
		if h := liveHeap(); h > heap0 {
			res.indexHeap = h - heap0
		}
		runtime.KeepAlive(idx)
		results = append(results, res)
	}

	// Reference: exact containment in every document (no LSH).
	var exactC, exactJ []float64
	var exactTime time.Duration
	if sweep {
		t0 = time.Now()
		exactC, exactJ = exactAll(items, docs)
		exactTime = time.Since(t0)
	}

	// Scores.
	var jacAll, conAll, exCAll, exJAll []metrics
	none := metrics{f1: -1, res: -1}
	bestJ, bestC, bestEC, bestEJ := none, none, none, none
	for ri, res := range results {
		jt := res.lsh
		if !sweep {
			jt = *jacT
		}
		m := score(items, atLeast(res.maxJ, jt))
		m.thresh, m.lshThresh, m.res = jt, res.lsh, ri
		jacAll = append(jacAll, m)
		if better(m, bestJ) {
			bestJ = m
		}
		if !keepSets {
			continue
		}
		cgrid := grid
		if !sweep {
			cgrid = []float64{*conT}
		}
		for _, c := range cgrid {
			m := score(items, atLeast(res.maxC, c))
			m.thresh, m.lshThresh, m.res = c, res.lsh, ri
			conAll = append(conAll, m)
			if better(m, bestC) {
				bestC = m
			}
		}
	}
	if exactC != nil {
		for _, c := range grid {
			m := score(items, atLeast(exactC, c))
			m.thresh, m.res = c, -1
			exCAll = append(exCAll, m)
			if better(m, bestEC) {
				bestEC = m
			}
			m = score(items, atLeast(exactJ, c))
			m.thresh, m.res = c, -1
			exJAll = append(exJAll, m)
			if better(m, bestEJ) {
				bestEJ = m
			}
		}
	}

	// Report.
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintf(w, "corpus: %d files, %d docs (%d without words), %.1f MB text, %d shingles (%d-grams%s)\n",
		len(files), len(docs), empty, float64(textBytes)/1e6, shingles, *n, map[bool]string{true: ", distinct per doc", false: ""}[keepSets])
	fmt.Fprintf(w, "items: %d (GSM8K test, HumanEval, MBPP); MinHash %d permutations, seed %d; exact shingle sets kept: %v\n",
		len(items), *perm, *seed, keepSets)
	fmt.Fprintf(w, "GOMAXPROCS %d (the baseline runs on one goroutine; Go's GC may use the other cores)\n\n", runtime.GOMAXPROCS(0))

	fmt.Fprintf(w, "## Timings\n\n")
	what := "MinHash signatures"
	if keepSets {
		what = "MinHash signatures + exact shingle sets"
	}
	fmt.Fprintf(w, "corpus: read + shingle + %s: %.2f s\n", what, corpusSketch.Seconds())
	fmt.Fprintf(w, "items: shingle + %s (%d items): %.3f s\n\n", what, len(items), itemSketch.Seconds())
	fmt.Fprintf(w, "| LSH threshold | bands × rows | LSH insert + index (s) | query + verify %d items (s) | mean candidates / item | LSH index heap (MiB) |\n|---:|---:|---:|---:|---:|---:|\n", len(items))
	for _, r := range results {
		tot := 0
		for _, c := range r.cands {
			tot += c
		}
		fmt.Fprintf(w, "| %.2g | %d × %d | %.2f | %.3f | %.2f | %.1f |\n", r.lsh, r.l, r.k, r.build.Seconds(), r.query.Seconds(),
			float64(tot)/float64(len(items)), float64(r.indexHeap)/(1<<20))
	}
	if exactC != nil {
		fmt.Fprintf(w, "\nreference, exact containment and Jaccard of every item in every document (no MinHash, no LSH): %.2f s\n", exactTime.Seconds())
	}

	fmt.Fprintf(w, "\n## Sweep\n\n")
	fmt.Fprintf(w, "jaccard: MinHash-estimated Jaccard on the LSH candidates, LSH threshold = Jaccard threshold = t\n\n")
	sweepTable(w, "t", jacAll)
	if len(conAll) > 0 {
		cg := grid
		if !sweep {
			cg = []float64{*conT}
		}
		fmt.Fprintf(w, "\ncontainment: exact |item ∩ doc| / |item| on the LSH candidates; F1 (clean false positives); rows: LSH threshold t, columns: containment threshold c\n\n| t \\ c |")
		for _, c := range cg {
			fmt.Fprintf(w, " %.2g |", c)
		}
		fmt.Fprintf(w, "\n|---:|%s\n", strings.Repeat("---:|", len(cg)))
		for i, m := range conAll {
			if i%len(cg) == 0 {
				fmt.Fprintf(w, "| %.2g |", m.lshThresh)
			}
			fmt.Fprintf(w, " %.3f (%d) |", m.f1, m.fp)
			if i%len(cg) == len(cg)-1 {
				fmt.Fprintln(w)
			}
		}
	}
	if len(exCAll) > 0 {
		fmt.Fprintf(w, "\nreference: exact containment, every document (no MinHash, no LSH)\n\n")
		sweepTable(w, "c", exCAll)
		fmt.Fprintf(w, "\nreference: exact Jaccard, every document (no MinHash, no LSH)\n\n")
		sweepTable(w, "t", exJAll)
	}

	fmt.Fprintf(w, "\n## At the thresholds with the best F1\n\n")
	present := []string{}
	for _, c := range catOrder {
		if bestJ.total[c] > 0 {
			present = append(present, c)
		}
	}
	var extra []string
	for c := range bestJ.total {
		if !slices.Contains(catOrder, c) {
			extra = append(extra, c)
		}
	}
	slices.Sort(extra)
	present = append(present, extra...)
	fmt.Fprintf(w, "| detector | %s | precision | recall | F1 |\n", strings.Join(present, " | "))
	fmt.Fprintf(w, "|---|%s\n", strings.Repeat("---:|", len(present)+3))
	cells := []string{}
	for _, c := range present {
		cells = append(cells, strconv.Itoa(bestJ.total[c]))
	}
	fmt.Fprintf(w, "| items | %s | | | |\n", strings.Join(cells, " | "))
	row := func(name string, m metrics) {
		cells := []string{}
		for _, c := range present {
			rate := 0.0
			if m.total[c] > 0 {
				rate = float64(m.flagged[c]) / float64(m.total[c])
			}
			cells = append(cells, fmt.Sprintf("%d (%.3f)", m.flagged[c], rate))
		}
		fmt.Fprintf(w, "| %s | %s | %.3f | %.3f | %.3f |\n", name, strings.Join(cells, " | "), m.precision, m.recall, m.f1)
	}
	row(fmt.Sprintf("MinHash-LSH, est. Jaccard ≥ %.2g (LSH t = %.2g)", bestJ.thresh, bestJ.lshThresh), bestJ)
	if bestC.res >= 0 {
		row(fmt.Sprintf("MinHash-LSH candidates (t = %.2g), exact containment ≥ %.2g", bestC.lshThresh, bestC.thresh), bestC)
	}
	if bestEJ.f1 >= 0 {
		row(fmt.Sprintf("reference: exact Jaccard ≥ %.2g, every doc", bestEJ.thresh), bestEJ)
		row(fmt.Sprintf("reference: exact containment ≥ %.2g, every doc", bestEC.thresh), bestEC)
	}
	fmt.Fprintln(w)
	timing := func(name string, r result) {
		fmt.Fprintf(w, "%s: build %.2f s (corpus %s %.2f s + LSH insert/index %.2f s), query %.3f s (item %s %.3f s + LSH query/verify %.3f s)\n",
			name, corpusSketch.Seconds()+r.build.Seconds(), what, corpusSketch.Seconds(), r.build.Seconds(),
			itemSketch.Seconds()+r.query.Seconds(), what, itemSketch.Seconds(), r.query.Seconds())
	}
	timing(fmt.Sprintf("jaccard at t = %.2g", bestJ.lshThresh), results[bestJ.res])
	if bestC.res >= 0 {
		timing(fmt.Sprintf("containment at t = %.2g", bestC.lshThresh), results[bestC.res])
	}
	if hwm := vmHWM(); hwm != "" {
		fmt.Fprintf(w, "peak RSS of this process (VmHWM): %s\n", hwm)
	}

	if *out != "" {
		type pred struct {
			name string
			v    []float64
			m    metrics
		}
		preds := []pred{{"jaccard", results[bestJ.res].maxJ, bestJ}}
		if bestC.res >= 0 {
			preds = append(preds, pred{"containment", results[bestC.res].maxC, bestC})
		}
		if exactC != nil {
			preds = append(preds, pred{"exact-jaccard", exactJ, bestEJ}, pred{"exact-containment", exactC, bestEC})
		}
		for _, p := range preds {
			if err := writePred(filepath.Join(*out, "pred-"+p.name+".jsonl"), items, atLeast(p.v, p.m.thresh)); err != nil {
				return err
			}
		}
		if err := writeScores(filepath.Join(*out, "scores.jsonl"), items, results, exactC, exactJ); err != nil {
			return err
		}
		sum := map[string]any{
			"items": len(items), "docs": len(docs), "text_bytes": textBytes, "shingles": shingles,
			"perm": *perm, "n": *n, "seed": *seed, "exact_sets": keepSets,
			"corpus_sketch_s": corpusSketch.Seconds(), "item_sketch_s": itemSketch.Seconds(),
			"vmhwm": vmHWM(),
		}
		var lshs []map[string]any
		for _, r := range results {
			tot := 0
			for _, c := range r.cands {
				tot += c
			}
			lshs = append(lshs, map[string]any{"t": r.lsh, "bands": r.l, "rows": r.k,
				"build_s": r.build.Seconds(), "query_s": r.query.Seconds(),
				"mean_candidates": float64(tot) / float64(len(items)), "index_heap_bytes": r.indexHeap})
		}
		sum["lsh"] = lshs
		best := map[string]any{"jaccard": summary(bestJ)}
		if bestC.res >= 0 {
			best["containment"] = summary(bestC)
		}
		if exactC != nil {
			best["exact_jaccard"], best["exact_containment"] = summary(bestEJ), summary(bestEC)
		}
		sum["best"] = best
		b, err := json.MarshalIndent(sum, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(*out, "summary.json"), append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func summary(m metrics) map[string]any {
	s := map[string]any{"threshold": m.thresh, "tp": m.tp, "fn": m.fn, "fp": m.fp, "tn": m.tn,
		"precision": m.precision, "recall": m.recall, "f1": m.f1, "clean_fpr": m.fpr,
		"flagged": m.flagged, "total": m.total}
	if m.res >= 0 {
		s["lsh_threshold"] = m.lshThresh
	}
	return s
}

func sweepTable(w io.Writer, name string, ms []metrics) {
	fmt.Fprintf(w, "| %s | TP | FP (clean) | precision | recall | F1 |\n|---:|---:|---:|---:|---:|---:|\n", name)
	for _, m := range ms {
		fmt.Fprintf(w, "| %.2g | %d | %d | %.3f | %.3f | %.3f |\n", m.thresh, m.tp, m.fp, m.precision, m.recall, m.f1)
	}
}

// exactAll returns, per item, the largest exact containment |item ∩ doc| /
// |item| and the largest exact Jaccard |item ∩ doc| / |item ∪ doc| over all
// documents, by one pass over the documents' shingle sets.
func exactAll(items []benchItem, docs []sketch) (cont, jac []float64) {
	post := map[uint64][]int32{}
	for i, it := range items {
		for _, h := range it.sk.set {
			post[h] = append(post[h], int32(i))
		}
	}
	cont = make([]float64, len(items))
	jac = make([]float64, len(items))
	count := make([]int, len(items))
	var touched []int32
	for _, d := range docs {
		for _, h := range d.set {
			for _, i := range post[h] {
				if count[i] == 0 {
					touched = append(touched, i)
				}
				count[i]++
			}
		}
		for _, i := range touched {
			a, inter := len(items[i].sk.set), count[i]
			if v := float64(inter) / float64(a); v > cont[i] {
				cont[i] = v
			}
			if v := float64(inter) / float64(a+len(d.set)-inter); v > jac[i] {
				jac[i] = v
			}
			count[i] = 0
		}
		touched = touched[:0]
	}
	return cont, jac
}

func writePred(path string, items []benchItem, flag func(int) bool) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for i, it := range items {
		if err := enc.Encode(struct {
			ID           string `json:"id"`
			Contaminated bool   `json:"contaminated"`
		}{it.id, flag(i)}); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeScores writes per item: id, category, distinct shingles, and per LSH
// threshold the candidates, best estimated Jaccard and best containment.
func writeScores(path string, items []benchItem, results []result, exactC, exactJ []float64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	type per struct {
		LSH   float64  `json:"lsh"`
		Cands int      `json:"candidates"`
		MaxJ  float64  `json:"max_jaccard_est"`
		MaxC  *float64 `json:"max_containment,omitempty"`
	}
	for i, it := range items {
		rec := struct {
			ID       string   `json:"id"`
			Category string   `json:"category"`
			Shingles int      `json:"shingles"`
			ExactC   *float64 `json:"exact_containment_all_docs,omitempty"`
			ExactJ   *float64 `json:"exact_jaccard_all_docs,omitempty"`
			ByLSH    []per    `json:"by_lsh"`
		}{ID: it.id, Category: it.category, Shingles: it.sk.n}
		if exactC != nil {
			c, j := exactC[i], exactJ[i]
			rec.ExactC, rec.ExactJ = &c, &j
		}
		for _, r := range results {
			p := per{LSH: r.lsh, Cands: r.cands[i], MaxJ: r.maxJ[i]}
			if r.maxC != nil {
				v := r.maxC[i]
				p.MaxC = &v
			}
			rec.ByLSH = append(rec.ByLSH, p)
		}
		if err := enc.Encode(rec); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// vmHWM is the process's peak resident set size from /proc (Linux), or "".
func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
