package source

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{
		"a.jsonl", "b.jsonl.gz", "c.txt",
		"sub/d.jsonl.zst", "sub/deeper/e.jsonl",
		".hidden.jsonl", "sub/.hidden", ".git/config", "sub/.cache/f.jsonl",
		"empty/.only-hidden",
	} {
		writeFile(t, dir, f, []byte("{}\n"))
	}
	if err := os.Symlink(filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "sub", "link.jsonl")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "sub"), filepath.Join(dir, "sublink")); err != nil {
		t.Fatal(err)
	}
	j := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, filepath.Join(dir, n))
		}
		return out
	}
	all := j("a.jsonl", "b.jsonl.gz", "c.txt", "sub/d.jsonl.zst", "sub/deeper/e.jsonl", "sub/link.jsonl")
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"dir", []string{dir}, all},
		{"dir with trailing slash", []string{dir + "/"}, all},
		{"dir and its files, deduplicated", append([]string{dir}, j("a.jsonl", "./sub/d.jsonl.zst", "a.jsonl")...), all},
		{"files sorted", j("c.txt", "a.jsonl"), j("a.jsonl", "c.txt")},
		{"explicit hidden file", j(".hidden.jsonl"), j(".hidden.jsonl")},
		{"hidden dir named explicitly", j("sub/.cache"), j("sub/.cache/f.jsonl")},
		{"glob", j("*.jsonl*"), j("a.jsonl", "b.jsonl.gz")},
		{"glob dotfiles only when asked", j(".*.jsonl"), j(".hidden.jsonl")},
		{"glob matching dirs", j("sub/*"), j("sub/d.jsonl.zst", "sub/deeper/e.jsonl", "sub/link.jsonl")},
		{"symlinked dir named explicitly", j("sublink"), j("sublink/d.jsonl.zst", "sublink/deeper/e.jsonl", "sublink/link.jsonl")},
	} {
		got, err := Expand(tc.args)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
	for _, tc := range []struct {
		name, arg, msg string
	}{
		{"missing file", filepath.Join(dir, "nope.jsonl"), "no such file"},
		{"glob matching nothing", filepath.Join(dir, "*.parquet"), "matches no files"},
		{"dir with only hidden files", filepath.Join(dir, "empty"), "matches no files"},
		{"bad pattern", filepath.Join(dir, "[x"), "bad pattern"},
	} {
		_, err := Expand([]string{filepath.Join(dir, "a.jsonl"), tc.arg})
		if err == nil || !strings.Contains(err.Error(), tc.arg) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, want an error naming %s with %q", tc.name, err, tc.arg, tc.msg)
		}
	}
	if got, err := Expand(nil); err != nil || len(got) != 0 {
		t.Errorf("no args: %v %v", got, err)
	}
}

func TestExpandDirectoryTakesOnlyCorpusFiles(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.jsonl", "b.json.gz", "c.txt.zst", "README.md", "SHA256SUMS", "d.JSONL.ZST"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("{}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Expand([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range got {
		names = append(names, filepath.Base(p))
	}
	if want := "[a.jsonl b.json.gz c.txt.zst d.JSONL.ZST]"; fmt.Sprint(names) != want {
		t.Fatalf("got %v, want %s", names, want)
	}
	// Named explicitly, any file is taken.
	if got, err := Expand([]string{filepath.Join(dir, "README.md")}); err != nil || len(got) != 1 {
		t.Fatalf("explicit file: %v %v", got, err)
	}
}
