// Command load is the load test of contam serve. It starts the server in
// process on a loopback port (or uses a running one, -url, loopback only),
// then runs -clients concurrent clients for -duration (and at most
// -max-requests requests) mixing every endpoint — count, find, trace,
// check, and the infini-gram count (plain and CNF) and search_docs — with
// queries cut from the index's own documents and items of a benchmark
// file. It reports throughput, p50/p99 latency per endpoint, status counts
// and the peak RSS of the process, then sends a burst of malformed and
// oversized requests that must all be answered 4xx, and checks the server
// is still healthy. It exits 1 on any answer other than 200 and the
// deliberate 429s of the heavy-request bound.
//
//	go run ./bench/load -index /tmp/serve-dev-idx -bench ../shared/data/dev/benchmarks/gsm8k_test.jsonl
//	go run ./bench/load -index idx/ -clients 8 -duration 5s
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/procfs"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/index/text"
	"github.com/contam-dev/contam/query/item"
	"github.com/contam-dev/contam/serve"
)

func main() {
	var (
		ixDir    = flag.String("index", "", "index directory (required): queries are cut from its documents")
		name     = flag.String("name", "", "index name on the server (default: base name of -index)")
		baseURL  = flag.String("url", "", "test a running server at this loopback URL instead of starting one in process")
		clients  = flag.Int("clients", 64, "concurrent clients")
		duration = flag.Duration("duration", 30*time.Second, "how long the clients run")
		maxReq   = flag.Int64("max-requests", 2_000_000, "stop after this many requests even before -duration")
		benchF   = flag.String("bench", "", "benchmark file whose items are sent to /v1/check (default: passages of the index's documents)")
		fields   = flag.String("field", "question,answer", "with -bench: fields making an item's text")
		docs     = flag.Int("docs", 500, "documents sampled for queries")
		seed     = flag.Uint64("seed", 1, "random seed")
		burst    = flag.Int("burst", 50, "malformed and oversized requests of each kind sent after the run")
		maxHeavy = flag.Int("max-heavy", 0, "in-process server: --max-heavy (default: contam serve's)")
	)
	flag.Parse()
	if *ixDir == "" || *clients < 1 || *duration <= 0 || *maxReq < 1 {
		fmt.Fprintln(os.Stderr, "usage: go run ./bench/load -index DIR [-bench FILE] [-clients 64] [-duration 30s] [-url http://127.0.0.1:8080]")
		os.Exit(2)
	}
	if *name == "" {
		*name = filepath.Base(filepath.Clean(*ixDir))
	}
	if err := run(config{ixDir: *ixDir, name: *name, url: *baseURL, clients: *clients, duration: *duration, maxReq: *maxReq,
		bench: *benchF, fields: strings.Split(*fields, ","), docs: *docs, seed: *seed, burst: *burst, maxHeavy: *maxHeavy}); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type config struct {
	ixDir, name, url, bench string
	fields                  []string
	clients, docs, burst    int
	maxHeavy                int
	duration                time.Duration
	maxReq                  int64
	seed                    uint64
}

func run(c config) error {
	w, info, err := sampleWorkload(c)
	if err != nil {
		return err
	}
	lim := serve.DefaultLimits()
	if c.maxHeavy > 0 {
		lim.MaxHeavy = c.maxHeavy
	}
	base := c.url
	where := "external server " + base
	if base == "" {
		s, err := serve.Open([]serve.IndexSpec{{Name: c.name, Dir: c.ixDir}}, serve.Config{Limits: lim})
		if err != nil {
			return err
		}
		ctx, cancel := context.WithCancel(context.Background())
		addr := make(chan string, 1)
		done := make(chan error, 1)
		go func() {
			done <- serve.Run(ctx, s, "127.0.0.1:0", 30*time.Second, func(a net.Addr) { addr <- a.String() })
		}()
		select {
		case a := <-addr:
			base = "http://" + a
		case err := <-done:
			cancel()
			return err
		}
		defer func() {
			cancel()
			<-done
			s.Close()
		}()
		where = fmt.Sprintf("in process at %s (max-heavy %d, timeout %s)", base, lim.MaxHeavy, lim.Timeout)
	} else if err := loopbackOnly(base); err != nil {
		return err
	}
	base = strings.TrimSuffix(base, "/")
	client := &http.Client{
		Timeout:   2 * time.Minute,
		Transport: &http.Transport{MaxIdleConns: c.clients * 2, MaxIdleConnsPerHost: c.clients * 2, IdleConnTimeout: time.Minute},
	}
	fmt.Printf("contam serve load test\nindex    %s\nserver   %s\nclients  %d for %s (at most %d requests); on 429 a client waits 5–25 ms and goes on\nqueries  %s\n\n",
		info, where, c.clients, c.duration, c.maxReq, w.describe())

	stats, elapsed := load(c, w, client, base)
	bad := report(stats, elapsed)
	fmt.Println()
	burstBad := burstBad(c, client, base, lim)
	if rss := peakRSS(); rss != "" {
		fmt.Printf("peak RSS (VmHWM of this process: server, index and clients together): %s\n", rss)
	}
	if bad+burstBad > 0 {
		return fmt.Errorf("%d unexpected answers under load, %d in the burst", bad, burstBad)
	}
	return nil
}

// workload is what the clients send, cut from the index's documents.
type workload struct {
	phrases []string // 8–20 tokens of one document
	cnfs    []string // infini-gram CNF queries over phrases of one or two documents
	outputs []string // long passages with a few words changed, for trace
	items   []string // check items
	source  string
	ndocs   int
}

func (w *workload) describe() string {
	return fmt.Sprintf("%d phrases, %d CNF queries and %d outputs cut from %d sampled documents; %d check items from %s",
		len(w.phrases), len(w.cnfs), len(w.outputs), w.ndocs, len(w.items), w.source)
}

func sampleWorkload(c config) (*workload, string, error) {
	ix, err := index.Open(c.ixDir, index.OpenOptions{})
	if err != nil {
		return nil, "", err
	}
	defer ix.Close()
	norm, err := text.Lookup(ix.Manifest.Params.Normalizer)
	if err != nil {
		return nil, "", err
	}
	m := ix.Manifest
	info := fmt.Sprintf("%s (%d docs, %d shards, %.1f MB text, %d tokens)", c.ixDir, m.Counts.Docs, len(ix.Shards), float64(m.Counts.TextBytes)/1e6, m.Counts.Tokens)
	rng := rand.New(rand.NewPCG(c.seed, 7))
	w := &workload{}
	n := ix.Manifest.Params.N
	for tries := 0; w.ndocs < c.docs && tries < 20*c.docs; tries++ {
		sh := ix.Shards[rng.IntN(len(ix.Shards))]
		if sh.Manifest.Counts.Docs == 0 {
			continue
		}
		d, err := sh.Doc(uint32(rng.Int64N(sh.Manifest.Counts.Docs)))
		if err != nil {
			return nil, "", err
		}
		var toks text.Tokens
		norm.Tokenize(&toks, d.Text)
		if toks.Len() < 60 {
			continue
		}
		w.ndocs++
		cut := func(i, j int) string { return string(d.Text[toks.Start[i]:toks.End[j-1]]) }
		window := func(lo, hi int) (int, int) {
			l := min(lo+rng.IntN(hi-lo+1), toks.Len())
			i := rng.IntN(toks.Len() - l + 1)
			return i, i + l
		}
		var ps []string
		for len(ps) < 4 {
			// A phrase with the operators in it would be split by the
			// infini-gram endpoint into pieces too short to count.
			if p := cut(window(n, n+12)); !slices.ContainsFunc(strings.Fields(p), func(f string) bool { return f == "AND" || f == "OR" }) {
				ps = append(ps, p)
			}
		}
		w.phrases = append(w.phrases, ps...)
		w.cnfs = append(w.cnfs, ps[0]+" AND "+ps[1])
		if len(w.phrases) > 8 {
			other := w.phrases[rng.IntN(len(w.phrases)-4)]
			w.cnfs = append(w.cnfs, ps[2]+" OR "+other+" AND "+ps[3]+" OR "+ps[0])
		}
		i, j := window(40, 200)
		out := strings.Fields(cut(i, j))
		for range 3 {
			out[rng.IntN(len(out))] = "zyxwv"
		}
		w.outputs = append(w.outputs, "Model output: "+strings.Join(out, " "))
		if c.bench == "" {
			i, j := window(30, 120)
			w.items = append(w.items, cut(i, j))
		}
	}
	if w.ndocs == 0 {
		return nil, "", errors.New("no document of 60 tokens or more in the index")
	}
	w.source = "the same documents"
	if c.bench != "" {
		bf, err := item.LoadFile(c.bench, item.Options{Fields: c.fields})
		if err != nil {
			return nil, "", err
		}
		for _, it := range bf.Items {
			w.items = append(w.items, it.Text)
		}
		w.source = c.bench
		if len(w.items) == 0 {
			return nil, "", fmt.Errorf("%s: no items", c.bench)
		}
	}
	return w, info, nil
}

// endpoints, with their weights in the mix.
var endpoints = []struct {
	name   string
	weight int
}{
	{"count", 25}, {"find", 15}, {"trace", 15}, {"check", 15}, {"ig-count", 10}, {"ig-count-cnf", 5}, {"ig-search_docs", 15},
}

func (w *workload) request(rng *rand.Rand, ep, name string) (path string, body any) {
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	switch ep {
	case "count":
		return "/v1/count", map[string]any{"index": name, "phrases": []string{pick(w.phrases), pick(w.phrases), pick(w.phrases)}}
	case "find":
		return "/v1/find", map[string]any{"index": name, "phrase": pick(w.phrases), "limit": 10, "context": 80}
	case "trace":
		return "/v1/trace", map[string]any{"index": name, "text": pick(w.outputs), "top_docs": 3}
	case "check":
		return "/v1/check", map[string]any{"index": name, "items": []map[string]string{{"text": pick(w.items)}, {"text": pick(w.items)}}}
	case "ig-count":
		return "/", map[string]any{"corpus": name, "query_type": "count", "query": pick(w.phrases)}
	case "ig-count-cnf":
		return "/", map[string]any{"corpus": name, "query_type": "count", "query": pick(w.cnfs)}
	default:
		q := pick(w.phrases)
		if rng.IntN(2) == 0 {
			q = pick(w.cnfs)
		}
		return "/", map[string]any{"corpus": name, "query_type": "search_docs", "query": q, "maxnum": 3}
	}
}

type epStats struct {
	lat    []time.Duration // of 200 answers
	codes  map[int]int
	failed int // transport errors
}

func load(c config, w *workload, client *http.Client, base string) (map[string]*epStats, time.Duration) {
	total := 0
	for _, e := range endpoints {
		total += e.weight
	}
	var sent atomic.Int64
	stop := time.Now().Add(c.duration)
	per := make([]map[string]*epStats, c.clients)
	var wg sync.WaitGroup
	start := time.Now()
	for ci := range c.clients {
		per[ci] = map[string]*epStats{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(c.seed, uint64(ci)+100))
			for time.Now().Before(stop) && sent.Add(1) <= c.maxReq {
				k := rng.IntN(total)
				ep := endpoints[0].name
				for _, e := range endpoints {
					if k < e.weight {
						ep = e.name
						break
					}
					k -= e.weight
				}
				st := per[ci][ep]
				if st == nil {
					st = &epStats{codes: map[int]int{}}
					per[ci][ep] = st
				}
				path, body := w.request(rng, ep, c.name)
				b, _ := json.Marshal(body)
				t0 := time.Now()
				code, err := send(client, http.MethodPost, base+path, b)
				d := time.Since(t0)
				if err != nil {
					st.failed++
					continue
				}
				st.codes[code]++
				if code == http.StatusOK {
					st.lat = append(st.lat, d)
				}
				if code == http.StatusTooManyRequests {
					time.Sleep(time.Duration(5+rng.IntN(21)) * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := map[string]*epStats{}
	for _, m := range per {
		for ep, st := range m {
			a := all[ep]
			if a == nil {
				a = &epStats{codes: map[int]int{}}
				all[ep] = a
			}
			a.lat = append(a.lat, st.lat...)
			for k, v := range st.codes {
				a.codes[k] += v
			}
			a.failed += st.failed
		}
	}
	return all, elapsed
}

// send posts and reads the whole answer.
func send(client *http.Client, method, u string, body []byte) (int, error) {
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusTooManyRequests {
		noteUnexpected(resp.StatusCode, body, b)
	}
	return resp.StatusCode, nil
}

// The first few unexpected answers, shown after the table.
var (
	unexpectedMu sync.Mutex
	unexpected   []string
	quietBurst   atomic.Bool // the burst expects errors: do not note them
)

func noteUnexpected(code int, req, resp []byte) {
	if quietBurst.Load() {
		return
	}
	unexpectedMu.Lock()
	defer unexpectedMu.Unlock()
	if len(unexpected) < 5 {
		unexpected = append(unexpected, fmt.Sprintf("%d for %.300s: %.300s", code, req, resp))
	}
}

// report prints the table and returns the number of unexpected answers.
func report(all map[string]*epStats, elapsed time.Duration) int {
	fmt.Printf("%-15s %9s %9s %8s %7s %9s %9s %9s\n", "endpoint", "requests", "200", "429", "other", "ok/s", "p50", "p99")
	var tot epStats
	tot.codes = map[int]int{}
	bad := 0
	for _, e := range endpoints {
		st := all[e.name]
		if st == nil {
			continue
		}
		line(e.name, st, elapsed)
		tot.lat = append(tot.lat, st.lat...)
		for k, v := range st.codes {
			tot.codes[k] += v
		}
		tot.failed += st.failed
	}
	line("all", &tot, elapsed)
	for k, v := range tot.codes {
		if k != http.StatusOK && k != http.StatusTooManyRequests {
			fmt.Printf("unexpected status %d: %d answers\n", k, v)
			bad += v
		}
	}
	for _, u := range unexpected {
		fmt.Println("  e.g.", u)
	}
	if tot.failed > 0 {
		fmt.Printf("transport errors: %d\n", tot.failed)
		bad += tot.failed
	}
	fmt.Printf("wall time %s; latency percentiles are of 200 answers, client side\n", elapsed.Round(time.Millisecond))
	return bad
}

func line(name string, st *epStats, elapsed time.Duration) {
	n := st.failed
	for _, v := range st.codes {
		n += v
	}
	other := n - st.codes[http.StatusOK] - st.codes[http.StatusTooManyRequests]
	slices.Sort(st.lat)
	fmt.Printf("%-15s %9d %9d %8d %7d %9.1f %9s %9s\n", name, n, st.codes[http.StatusOK], st.codes[http.StatusTooManyRequests], other,
		float64(st.codes[http.StatusOK])/elapsed.Seconds(), pct(st.lat, 0.50), pct(st.lat, 0.99))
}

func pct(sorted []time.Duration, p float64) string {
	if len(sorted) == 0 {
		return "-"
	}
	d := sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000)
	default:
		return d.Round(100 * time.Microsecond).String()
	}
}

// burstBad sends the malformed and oversized requests, burst of each kind,
// 16 at a time, and returns how many were not answered 4xx (plus one if the
// server is not healthy afterwards).
func burstBad(c config, client *http.Client, base string, lim serve.Limits) int {
	huge := `{"index":"` + c.name + `","phrase":"` + strings.Repeat("a ", int(lim.MaxBodyBytes)) + `"}`
	long := `{"index":"` + c.name + `","phrase":"` + strings.Repeat("b", lim.MaxQueryBytes+1) + `"}`
	kinds := []struct {
		name, method, path, body string
	}{
		{"malformed JSON", "POST", "/v1/count", `{"index": "` + c.name + `", "phrase": `},
		{"oversized body", "POST", "/v1/trace", huge},
		{"too long query", "POST", "/v1/count", long},
		{"unknown field", "POST", "/v1/find", `{"index":"` + c.name + `","phrase":"a b c d e f g h","lmit":3}`},
		{"wrong method", "GET", "/v1/count", ``},
		{"unknown index", "POST", "/v1/count", `{"index":"no-such-index","phrase":"a"}`},
		{"unknown path", "POST", "/v1/nothing", `{}`},
		{"query_ids", "POST", "/", `{"corpus":"` + c.name + `","query_type":"count","query_ids":[1,2,3]}`},
		{"bad query_type", "POST", "/", `{"corpus":"` + c.name + `","query_type":"ntd","query":"x"}`},
		{"empty body", "POST", "/v1/check", ``},
		{"binary garbage", "POST", "/", "\x00\xff\xfe{{{\x01"},
	}
	quietBurst.Store(true)
	jobs := make(chan int)
	var mu sync.Mutex
	got := make([]map[int]int, len(kinds))
	for i := range got {
		got[i] = map[int]int{}
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				k := kinds[j]
				code, err := send(client, k.method, base+k.path, []byte(k.body))
				if err != nil {
					code = -1
				}
				mu.Lock()
				got[j][code]++
				mu.Unlock()
			}
		}()
	}
	start := time.Now()
	for range c.burst {
		for k := range kinds {
			jobs <- k
		}
	}
	close(jobs)
	wg.Wait()
	bad := 0
	fmt.Printf("burst: %d malformed and oversized requests (%d of each kind, 16 at a time) in %s\n", c.burst*len(kinds), c.burst, time.Since(start).Round(time.Millisecond))
	for i, k := range kinds {
		var parts []string
		codes := make([]int, 0, len(got[i]))
		for code := range got[i] {
			codes = append(codes, code)
		}
		sort.Ints(codes)
		for _, code := range codes {
			parts = append(parts, fmt.Sprintf("%d×%d", code, got[i][code]))
			if code < 400 || code > 499 {
				bad += got[i][code]
			}
		}
		fmt.Printf("  %-16s %s\n", k.name, strings.Join(parts, " "))
	}
	code, err := send(client, http.MethodGet, base+"/healthz", nil)
	fmt.Printf("healthz after the burst: %d %v\n", code, errOrEmpty(err))
	if err != nil || code != http.StatusOK {
		bad++
	}
	return bad
}

func errOrEmpty(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// loopbackOnly refuses to load-test anything but this machine.
func loopbackOnly(u string) error {
	p, err := url.Parse(u)
	if err != nil {
		return err
	}
	h := p.Hostname()
	if ip := net.ParseIP(h); h != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-url %s: only loopback addresses (127.0.0.1, ::1, localhost) may be load-tested", u)
	}
	return nil
}

// peakRSS is the process's peak resident set size (VmHWM of
// /proc/self/status), or "" where there is no /proc.
func peakRSS() string {
	p, err := procfs.Self()
	if err != nil {
		return ""
	}
	st, err := p.NewStatus()
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%.1f MiB", float64(st.VmHWM)/(1<<20))
}
