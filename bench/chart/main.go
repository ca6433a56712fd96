// Command chart draws bench/scale.svg from the scale runs' results
// (bench/scale-results.tsv, written by bench/scale.sh): build time and
// index size against corpus size, one line per anchor scheme. Plain SVG
// written by hand: no plotting dependency for two line charts.
//
//	go run ./bench/chart [-in bench/scale-results.tsv] [-out bench/scale.svg]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

type point struct{ gb, buildS, indexGB, textGB float64 }

func main() {
	in := flag.String("in", "bench/scale-results.tsv", "results TSV from bench/scale.sh")
	out := flag.String("out", "bench/scale.svg", "SVG to write")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "chart:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	series, err := read(in)
	if err != nil {
		return err
	}
	if len(series) == 0 {
		return fmt.Errorf("%s: no results", in)
	}
	var names []string
	for k := range series {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	const W, H = 960, 400
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", W, H)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", W, H)
	panel(&b, 0, "build time (s, 2 cores)", names, series, func(p point) float64 { return p.buildS })
	panel(&b, W/2, "index size on disk (GB; dashed: the text)", names, series, func(p point) float64 { return p.indexGB })
	b.WriteString("</svg>\n")
	return os.WriteFile(out, []byte(b.String()), 0o644)
}

var colors = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd"}

// panel draws one chart: x corpus GB of text, y the value.
func panel(b *strings.Builder, x0 int, title string, names []string, series map[string][]point, y func(point) float64) {
	const w, h, ml, mr, mt, mb = 480, 400, 60, 20, 40, 50
	var xmax, ymax float64
	for _, s := range series {
		for _, p := range s {
			xmax = math.Max(xmax, p.textGB)
			ymax = math.Max(ymax, math.Max(y(p), p.textGB))
		}
	}
	xmax, ymax = nice(xmax*0.999), nice(ymax*0.999) // 10.000001 GB of text is a 10 GB run
	px := func(v float64) float64 { return float64(x0+ml) + v/xmax*float64(w-ml-mr) }
	py := func(v float64) float64 { return float64(h-mb) - v/ymax*float64(h-mt-mb) }
	fmt.Fprintf(b, `<text x="%d" y="22" font-size="14" font-weight="bold">%s</text>`+"\n", x0+ml, title)
	for i := 0; i <= 4; i++ {
		xv, yv := xmax*float64(i)/4, ymax*float64(i)/4
		fmt.Fprintf(b, `<line x1="%.0f" y1="%d" x2="%.0f" y2="%d" stroke="#ddd"/>`+"\n", px(xv), mt, px(xv), h-mb)
		fmt.Fprintf(b, `<line x1="%d" y1="%.0f" x2="%d" y2="%.0f" stroke="#ddd"/>`+"\n", x0+ml, py(yv), x0+w-mr, py(yv))
		fmt.Fprintf(b, `<text x="%.0f" y="%d" text-anchor="middle">%g</text>`+"\n", px(xv), h-mb+16, xv)
		fmt.Fprintf(b, `<text x="%d" y="%.0f" text-anchor="end">%g</text>`+"\n", x0+ml-6, py(yv)+4, yv)
	}
	fmt.Fprintf(b, `<text x="%.0f" y="%d" text-anchor="middle">corpus text (GB)</text>`+"\n", px(xmax/2), h-12)
	if strings.Contains(title, "size") {
		fmt.Fprintf(b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#888" stroke-dasharray="4 4"/>`+"\n", px(0), py(0), px(xmax), py(xmax))
	}
	for i, name := range names {
		c := colors[i%len(colors)]
		var pts []string
		for _, p := range series[name] {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(p.textGB), py(y(p))))
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", px(p.textGB), py(y(p)), c)
		}
		fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(pts, " "), c)
		fmt.Fprintf(b, `<text x="%d" y="%d" fill="%s">■ anchors %s</text>`+"\n", x0+ml+10, mt+16+16*i, c, name)
	}
}

// nice rounds v up to 1, 2 or 5 times a power of ten.
func nice(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// read parses the TSV; for a corpus size and scheme measured more than once
// the last row wins (a rerun replaces an earlier measurement).
func read(path string) (map[string][]point, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var cols map[string]int
	last := map[string]map[float64]point{}
	for line := 1; sc.Scan(); line++ {
		fs := strings.Split(sc.Text(), "\t")
		if cols == nil {
			cols = map[string]int{}
			for i, c := range fs {
				cols[c] = i
			}
			for _, c := range []string{"gb", "anchors", "text_bytes", "build_s", "postings_b", "docstore_b", "bloom_b"} {
				if _, ok := cols[c]; !ok {
					return nil, fmt.Errorf("%s: no column %q", path, c)
				}
			}
			continue
		}
		num := func(c string) (float64, error) {
			v, err := strconv.ParseFloat(fs[cols[c]], 64)
			if err != nil {
				return 0, fmt.Errorf("%s:%d: %s: %v", path, line, c, err)
			}
			return v, nil
		}
		var p point
		var vals [6]float64
		for i, c := range []string{"gb", "build_s", "text_bytes", "postings_b", "docstore_b", "bloom_b"} {
			v, err := num(c)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		}
		p.gb, p.buildS, p.textGB = vals[0], vals[1], vals[2]/1e9
		p.indexGB = (vals[3] + vals[4] + vals[5]) / 1e9
		a := fs[cols["anchors"]]
		if last[a] == nil {
			last[a] = map[float64]point{}
		}
		last[a][p.gb] = p
	}
	out := map[string][]point{}
	for a, m := range last {
		for _, p := range m {
			out[a] = append(out[a], p)
		}
		sort.Slice(out[a], func(i, j int) bool { return out[a][i].gb < out[a][j].gb })
	}
	return out, sc.Err()
}
