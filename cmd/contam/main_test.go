package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// The scripts in testdata/script run the real contam binary (this test
// binary re-executed as "contam") in a scratch directory.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"contam": func() { os.Exit(run(os.Args[1:])) },
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script"})
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "c.jsonl")
	os.WriteFile(corpus, []byte(`{"id":"a","text":"one two three four five six seven eight nine ten"}`+"\n"), 0o644)
	bench := filepath.Join(dir, "b.jsonl")
	os.WriteFile(bench, []byte(`{"text":"one two three four five six seven eight nine ten"}`+"\n"), 0o644)
	idx := filepath.Join(dir, "idx")
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"build", "-q", "--out", idx, corpus}, exitOK},
		{[]string{"check", "--index", idx, "--bench", bench, "--format", "jsonl", "-o", filepath.Join(dir, "r.jsonl")}, exitOK},
		{[]string{"build", "-q", "--out", idx, corpus}, exitFailure},                              // exists
		{[]string{"check", "--index", filepath.Join(dir, "nope"), "--bench", bench}, exitFailure}, // I/O
		{[]string{"check", "--index", idx}, exitUsage},                                            // no --bench
		{[]string{"check", "--index", idx, "--bench", bench, "--format", "xml"}, exitUsage},
		{[]string{"build", "--out", idx}, exitUsage},
		{[]string{"build", "--bogus-flag"}, exitUsage},
		{[]string{"frobnicate"}, exitUsage},
		{[]string{"stats", "--index", idx}, exitOK},
	} {
		if got := run(c.args); got != c.want {
			t.Errorf("contam %v: exit %d, want %d", c.args, got, c.want)
		}
	}
}
