package source

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	gowarc "github.com/nlnwa/gowarc/v3"
)

var warcDate = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// warcRecord marshals one record built with gowarc.
func warcRecord(t testing.TB, typ gowarc.RecordType, hdr map[string]string, block string) []byte {
	t.Helper()
	b := gowarc.NewRecordBuilder(typ, gowarc.WithAddMissingDigest(true))
	b.AddWarcHeaderTime(gowarc.WarcDate, warcDate)
	for k, v := range hdr {
		b.AddWarcHeader(k, v)
	}
	if _, err := b.WriteString(block); err != nil {
		t.Fatal(err)
	}
	rec, _, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	var buf bytes.Buffer
	if _, _, err := gowarc.NewMarshaler().Marshal(&buf, rec, 0); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// warcFile joins records, each gzipped as its own member when gz is set.
func warcFile(t testing.TB, gz bool, recs ...[]byte) []byte {
	var out []byte
	for _, r := range recs {
		if gz {
			r = gzipBytes(t, r)
		}
		out = append(out, r...)
	}
	return out
}

func httpResponse(ct, body string) string {
	return "HTTP/1.1 200 OK\r\nContent-Type: " + ct + "\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

const httpType = "application/http;msgtype=response"

func sampleWARC(t testing.TB) [][]byte {
	return [][]byte{
		warcRecord(t, gowarc.Warcinfo, map[string]string{gowarc.ContentType: "application/warc-fields"},
			"software: test\r\n"),
		warcRecord(t, gowarc.Request, map[string]string{gowarc.ContentType: "application/http;msgtype=request",
			gowarc.WarcTargetURI: "https://example.org/a"},
			"GET /a HTTP/1.1\r\nHost: example.org\r\n\r\n"),
		warcRecord(t, gowarc.Response, map[string]string{gowarc.ContentType: httpType,
			gowarc.WarcTargetURI: "https://example.org/a"},
			httpResponse("text/html; charset=utf-8", "<p>héllo a</p>")),
		warcRecord(t, gowarc.Response, map[string]string{gowarc.ContentType: httpType,
			gowarc.WarcTargetURI: "https://example.org/img.png"},
			httpResponse("image/png", "\x89PNG\x00\xff")),
		warcRecord(t, gowarc.Response, map[string]string{gowarc.ContentType: httpType,
			gowarc.WarcTargetURI: "https://example.org/b"},
			httpResponse("text/plain", "plain b")),
	}
}

func TestWARC(t *testing.T) {
	recs := sampleWARC(t)
	for _, tc := range []struct {
		name string
		gz   bool
	}{{"crawl.warc", false}, {"crawl.warc.gz", true}, {"CRAWL.WARC.GZ", true}} {
		t.Run(tc.name, func(t *testing.T) {
			data := warcFile(t, tc.gz, recs...)
			p := writeFile(t, t.TempDir(), tc.name, data)
			r, err := Open(p, DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			docs, err := drain(r)
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) != 2 {
				t.Fatalf("got %d docs: %+v", len(docs), docs)
			}
			if docs[0].Text != "<p>héllo a</p>" || docs[1].Text != "plain b" {
				t.Errorf("texts %q %q", docs[0].Text, docs[1].Text)
			}
			if docs[0].Meta["url"] != "https://example.org/a" || docs[1].Meta["url"] != "https://example.org/b" {
				t.Errorf("urls %v %v", docs[0].Meta, docs[1].Meta)
			}
			if docs[0].Meta["date"] != "2024-03-01T12:00:00Z" {
				t.Errorf("date %q", docs[0].Meta["date"])
			}
			if docs[0].Line != 3 || docs[1].Line != 5 {
				t.Errorf("record numbers %d %d", docs[0].Line, docs[1].Line)
			}
			off := int64(len(recs[0]))
			if tc.gz {
				off = int64(len(gzipBytes(t, recs[0])) + len(gzipBytes(t, recs[1])))
			} else {
				off += int64(len(recs[1]))
			}
			if docs[0].Offset != off {
				t.Errorf("offset %d, want %d", docs[0].Offset, off)
			}
			if !strings.HasPrefix(docs[0].ID, "<urn:uuid:") || docs[0].ID == docs[1].ID || docs[0].File != p {
				t.Errorf("id/file %q %q %q", docs[0].ID, docs[1].ID, docs[0].File)
			}
			if r.Progress() != int64(len(data)) {
				t.Errorf("progress %d of %d", r.Progress(), len(data))
			}
		})
	}
}

func TestWET(t *testing.T) {
	conv := func(uri, text string) []byte {
		return warcRecord(t, gowarc.Conversion, map[string]string{gowarc.ContentType: "text/plain",
			gowarc.WarcTargetURI: uri}, text)
	}
	data := warcFile(t, true,
		warcRecord(t, gowarc.Warcinfo, map[string]string{gowarc.ContentType: "application/warc-fields"}, "software: test\r\n"),
		conv("https://a.example/", "first page\nline two"),
		conv("https://b.example/", "second page"))
	for _, name := range []string{"x.warc.wet.gz", "x.wet.gz"} {
		p := writeFile(t, t.TempDir(), name, data)
		docs, err := readFile(t, p, DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		if len(docs) != 2 || docs[0].Text != "first page\nline two" || docs[1].Text != "second page" ||
			docs[1].Meta["url"] != "https://b.example/" || docs[0].Line != 2 {
			t.Fatalf("%s: %+v", name, docs)
		}
	}
}

func TestWARCBadUTF8(t *testing.T) {
	recs := sampleWARC(t)
	bad := warcRecord(t, gowarc.Response, map[string]string{gowarc.ContentType: httpType,
		gowarc.WarcTargetURI: "https://example.org/latin1"}, httpResponse("text/html", "caf\xe9"))
	data := warcFile(t, true, recs[0], bad, recs[2])
	p := writeFile(t, t.TempDir(), "bad.warc.gz", data)
	_, err := readFile(t, p, DefaultOptions())
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrBadUTF8) || e.Line != 2 || e.File != p {
		t.Fatalf("err %v", err)
	}
	opt := DefaultOptions()
	opt.SkipBad = true
	var skips []Skip
	opt.OnSkip = func(s Skip) { skips = append(skips, s) }
	docs, err := readFile(t, p, opt)
	if err != nil || len(docs) != 1 || docs[0].Line != 3 || len(skips) != 1 || skips[0].Line != 2 {
		t.Fatalf("skip: %v %+v %+v", err, docs, skips)
	}
}

func TestWARCCorrupt(t *testing.T) {
	recs := sampleWARC(t)
	for _, gz := range []bool{true, false} {
		data := warcFile(t, gz, recs...)
		name := "c.warc"
		if gz {
			name += ".gz"
		}
		check := func(what string, data []byte) {
			t.Helper()
			p := writeFile(t, t.TempDir(), name, data)
			r, err := Open(p, DefaultOptions())
			if err == nil {
				_, err = drain(r)
				if err2 := func() error { _, e := r.Next(); return e }(); err == nil || err2 == nil || err2.Error() != err.Error() {
					t.Errorf("%s %s: error not sticky: %v then %v", name, what, err, err2)
				}
				r.Close()
			}
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrCorrupt) || e.File != p {
				t.Errorf("%s %s: err %v", name, what, err)
			}
		}
		check("truncated", data[:len(data)/2])
		flipped := bytes.Clone(data)
		// Flip bytes inside the last response's payload (its digest, or
		// its gzip member's checksum, no longer matches).
		for i := len(flipped) - 12; i < len(flipped)-8; i++ {
			flipped[i] ^= 0x55
		}
		check("flipped", flipped)
	}
}

func TestWARCTruncatedNoDigest(t *testing.T) {
	b := gowarc.NewRecordBuilder(gowarc.Conversion, gowarc.WithAddMissingDigest(false))
	b.AddWarcHeaderTime(gowarc.WarcDate, warcDate)
	b.AddWarcHeader(gowarc.ContentType, "text/plain")
	b.WriteString("hello world, this is some text")
	rec, _, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, _, err := gowarc.NewMarshaler().Marshal(&buf, rec, 0); err != nil {
		t.Fatal(err)
	}
	rec.Close()
	p := writeFile(t, t.TempDir(), "t.wet", buf.Bytes()[:buf.Len()-15])
	_, err = readFile(t, p, DefaultOptions())
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrCorrupt) || e.File != p {
		t.Fatalf("err %v", err)
	}
}

func TestWARCNames(t *testing.T) {
	for name, want := range map[string]bool{
		"a.warc": true, "a.warc.gz": true, "a.wet": true, "a.warc.wet.gz": true, "a.wet.gz": true,
		"A.WARC.GZ": true, "a.parquet": true, "a.warc.zst": false, "a.warcx": false,
	} {
		if got := IsCorpusName(name); got != want {
			t.Errorf("IsCorpusName(%q) = %v", name, got)
		}
	}
}
