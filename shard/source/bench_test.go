package source

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// genWeb makes n web-like JSONL records of about textLen bytes of mostly
// ASCII text: "id", "text" (a few \n and \" escapes, ~1% non-ASCII words)
// and "url".
func genWeb(seed uint64, n, textLen int) []byte {
	rng := rand.New(rand.NewPCG(seed, 2))
	words := []string{"the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "was", "with", "be", "by",
		"on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had", "they",
		"you", "were", "their", "one", "all", "we", "can", "her", "has", "there", "been", "if", "more", "when",
		"will", "would", "who", "so", "no", "contamination", "benchmark", "evaluation", "training", "language",
		"model", "dataset", "information", "University", "government", "2019", "people", "example."}
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, `{"id": "web-%08d", "text": "`, i)
		for l := 0; l < textLen; {
			var w string
			switch x := rng.IntN(1000); {
			case x < 8:
				w = "café"
			case x < 10:
				w = `\"quoted\"`
			case x < 25:
				w = `.\n`
			default:
				w = words[rng.IntN(len(words))]
			}
			b.WriteString(w)
			b.WriteByte(' ')
			l += len(w) + 1
		}
		fmt.Fprintf(&b, `", "url": "https://www.example.com/articles/%d/some-title-here"}`+"\n", i)
	}
	return b.Bytes()
}

var benchData struct {
	once            sync.Once
	raw, gz, zst    []byte
	gzName, zstName string
	plainName       string
	dir             string
}

// benchFiles writes ~20 MB of generated web JSONL, plain, gzip and zstd, once.
func benchFiles(b *testing.B) {
	benchData.once.Do(func() {
		raw := genWeb(1, 4000, 5000)
		dir, err := os.MkdirTemp("", "source-bench")
		if err != nil {
			b.Fatal(err)
		}
		benchData.dir = dir
		benchData.raw = raw
		benchData.gz = gzipBytes(b, raw)
		// Streamed like the zstd CLI at its default level would (no
		// single-segment frame, 8 MiB window).
		var zb bytes.Buffer
		zw, err := zstd.NewWriter(&zb, zstd.WithEncoderLevel(zstd.SpeedDefault))
		if err != nil {
			b.Fatal(err)
		}
		zw.Write(raw)
		zw.Close()
		benchData.zst = zb.Bytes()
		benchData.plainName = writeFile(b, dir, "web.jsonl", raw)
		benchData.gzName = writeFile(b, dir, "web.jsonl.gz", benchData.gz)
		benchData.zstName = writeFile(b, dir, "web.jsonl.zst", benchData.zst)
	})
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchData.dir != "" {
		os.RemoveAll(benchData.dir)
	}
	os.Exit(code)
}

// benchRead reads path to the end b.N times.
func benchRead(b *testing.B, path string, size int64) {
	b.SetBytes(size)
	b.ReportAllocs()
	opt := DefaultOptions()
	opt.MetaFields = []string{"url"}
	docs := 0
	for b.Loop() {
		r, err := Open(path, opt)
		if err != nil {
			b.Fatal(err)
		}
		for {
			d, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if len(d.Text) == 0 {
				b.Fatal("empty text")
			}
			docs++
		}
		r.Close()
	}
	b.ReportMetric(float64(docs)/float64(b.N), "docs/op")
}

// uncompressedSize reads a file through Open's decompression, for SetBytes.
func uncompressedSize(b *testing.B, path string) int64 {
	r, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	for {
		_, err := r.Next()
		if err == io.EOF {
			return r.(*reader).off
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func benchDev(b *testing.B, name string) {
	dir := devCorpus()
	if dir == "" {
		b.Skip("dev corpus not found")
	}
	path := filepath.Join(dir, name)
	benchRead(b, path, uncompressedSize(b, path))
}

func BenchmarkJSONLPlain(b *testing.B) {
	b.Run("generated", func(b *testing.B) {
		benchFiles(b)
		benchRead(b, benchData.plainName, int64(len(benchData.raw)))
	})
	b.Run("dev-wiki-00", func(b *testing.B) { benchDev(b, "wiki-00.jsonl") })
}

func BenchmarkJSONLGzip(b *testing.B) {
	b.Run("generated", func(b *testing.B) {
		benchFiles(b)
		benchRead(b, benchData.gzName, int64(len(benchData.raw)))
	})
	b.Run("dev-books-00", func(b *testing.B) { benchDev(b, "books-00.jsonl.gz") })
}

func BenchmarkJSONLZstd(b *testing.B) {
	b.Run("generated", func(b *testing.B) {
		benchFiles(b)
		benchRead(b, benchData.zstName, int64(len(benchData.raw)))
	})
	b.Run("dev-cc-01", func(b *testing.B) { benchDev(b, "cc-01.jsonl.zst") })
}

// BenchmarkParse measures the record parser alone on one ~5 KB web line,
// against encoding/json decoding the same fields into a struct.
func BenchmarkParse(b *testing.B) {
	line := bytes.TrimSuffix(genWeb(3, 1, 5000), []byte{'\n'})
	buf := make([]byte, len(line))
	b.Run("scanner", func(b *testing.B) {
		r, err := newReader(bytes.NewReader(nil), "b.jsonl", Options{IDField: "id", MetaFields: []string{"url"}}, 16)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(line)))
		b.ReportAllocs()
		for b.Loop() {
			copy(buf, line) // the text is unescaped in place
			if err := r.record(buf, 1, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json-struct", func(b *testing.B) {
		b.SetBytes(int64(len(line)))
		b.ReportAllocs()
		for b.Loop() {
			var d struct {
				ID   string `json:"id"`
				Text string `json:"text"`
				URL  string `json:"url"`
			}
			if err := json.Unmarshal(line, &d); err != nil {
				b.Fatal(err)
			}
		}
	})
}
