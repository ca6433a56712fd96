package main

import (
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/query/item"
	"github.com/contam-dev/contam/query/report"
	"github.com/contam-dev/contam/sketch"
)

// sketchCheck is what 'contam check --sketch' takes from check's flags.
type sketchCheck struct {
	path, ixDir, bench, format, outPath, splitOut string
	fields                                        []string
	iopt                                          item.Options
	qopt                                          query.Options
}

func checkSketchArgs(brute bool, args []string) error {
	if brute {
		return usagef("check: --sketch and --brute are two different ways to check; give one")
	}
	if len(args) > 0 {
		return usagef("check --sketch: unexpected arguments %q", args)
	}
	return nil
}

// runCheckSketch judges the benchmark by n-gram membership in a sketch.
func runCheckSketch(cmd *cobra.Command, c sketchCheck) error {
	if !formatIn(c.format, report.SketchFormats) {
		return usagef("check --sketch: unknown --format %q (want %s)", c.format, strings.Join(report.SketchFormats, ", "))
	}
	if c.splitOut != "" {
		return usagef("check --sketch: --split-out is not available from a sketch (its verdicts are probable, not verified)")
	}
	sk, err := sketch.ReadFile(c.path)
	if err != nil {
		return err
	}
	if c.ixDir != "" {
		m, err := index.ReadManifest(c.ixDir)
		if err != nil {
			return err
		}
		if err := sk.CheckIndex(m); err != nil {
			return err
		}
	}
	c.iopt.Fields = splitFields(c.fields)
	bf, err := item.LoadFile(c.bench, c.iopt)
	if err != nil {
		return err
	}
	ch, err := query.NewSketchChecker(sk, query.SketchOptions{Rule: c.qopt.Rule, Standards: c.qopt.Standards, Std: c.qopt.Std, Workers: c.qopt.Workers})
	if err != nil {
		return usageError{err}
	}
	rs, err := ch.Check(cmd.Context(), bf.Items)
	if err != nil {
		return err
	}
	h := report.SketchHeader{Path: c.path, Size: humanBytes(fileSize(c.path)), Sketch: sk.Header, Bench: c.bench, Rule: ch.Options().Rule, FPR: ch.FPR(), Fill: sk.Fill()}
	var w io.Writer = os.Stdout
	if c.outPath != "" {
		f, err := os.Create(c.outPath)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if err := report.WriteSketch(w, c.format, h, rs); err != nil {
		return err
	}
	if f, ok := w.(*os.File); ok && c.outPath != "" {
		return f.Close()
	}
	return nil
}
