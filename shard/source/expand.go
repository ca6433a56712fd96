package source

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Expand turns command-line arguments into a sorted, de-duplicated list of
// regular files (paths cleaned with filepath.Clean):
//
//   - a file is taken as is (a named pipe or device too, when named
//     explicitly, so that process substitution works);
//   - a directory is walked recursively; inside it, only files with a
//     corpus extension (see IsCorpusName) are taken, hidden entries (names
//     starting with '.') are skipped, as are symlinks to directories (no
//     cycles) and anything that is not a regular file or a symlink to one;
//   - an argument that does not exist but contains glob metacharacters
//     (*?[\) is expanded with filepath.Glob; a match whose base name starts
//     with '.' is dropped unless the pattern's base name starts with '.' too
//     (as in a shell); matched directories are walked as above.
//
// An argument that matches no file (missing path, empty glob, directory
// with no visible regular file) is an error naming it, as is a malformed
// pattern or a walk error.
func Expand(args []string) ([]string, error) {
	seen := make(map[string]bool)
	var out []string
	for _, arg := range args {
		found := 0
		add := func(p string) {
			found++
			p = filepath.Clean(p)
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
		fi, err := os.Stat(arg)
		switch {
		case err == nil:
			if err := expandOne(arg, fi, add); err != nil {
				return nil, err
			}
		case errors.Is(err, fs.ErrNotExist) && hasMeta(arg):
			matches, err := filepath.Glob(arg)
			if err != nil {
				return nil, fmt.Errorf("source: bad pattern %q: %w", arg, err)
			}
			dotOK := strings.HasPrefix(filepath.Base(arg), ".")
			for _, m := range matches {
				if !dotOK && strings.HasPrefix(filepath.Base(m), ".") {
					continue
				}
				fi, err := os.Stat(m)
				if err != nil {
					continue // a dangling symlink or a file removed meanwhile
				}
				if !fi.IsDir() && !fi.Mode().IsRegular() {
					continue
				}
				if err := expandOne(m, fi, add); err != nil {
					return nil, err
				}
			}
		default:
			return nil, fmt.Errorf("source: %w", err)
		}
		if found == 0 {
			return nil, fmt.Errorf("source: %q matches no files", arg)
		}
	}
	sort.Strings(out)
	return out, nil
}

func hasMeta(p string) bool { return strings.ContainsAny(p, `*?[\`) }

// expandOne adds path (already stat'ed, symlinks followed) or, for a
// directory, the visible regular files under it.
func expandOne(path string, fi fs.FileInfo, add func(string)) error {
	if !fi.IsDir() {
		add(path)
		return nil
	}
	root := path
	if lfi, err := os.Lstat(path); err == nil && lfi.Mode()&fs.ModeSymlink != 0 {
		root = path + string(filepath.Separator) // WalkDir does not follow a symlinked root otherwise
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("source: %w", err)
		}
		if p == root {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() && !IsCorpusName(d.Name()) {
			return nil // a README or checksum file beside the dumps is not a document
		}
		switch t := d.Type(); {
		case t.IsRegular():
			add(p)
		case t&fs.ModeSymlink != 0:
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				add(p)
			}
		}
		return nil
	})
}

// IsCorpusName reports whether a file name has a corpus extension
// (.jsonl, .json, .ndjson or .txt, optionally followed by .gz, .zst or
// .zstd; or .warc, .wet, optionally followed by .gz; or .parquet).
// Directory walks take only such files; files named explicitly are
// always taken and their format is sniffed when the name does not say.
func IsCorpusName(name string) bool {
	if isWARCName(name) || isParquetName(name) {
		return true
	}
	n := strings.ToLower(name)
	for _, c := range []string{".gz", ".zst", ".zstd"} {
		n = strings.TrimSuffix(n, c)
	}
	switch filepath.Ext(n) {
	case ".jsonl", ".json", ".ndjson", ".txt":
		return true
	}
	return false
}
