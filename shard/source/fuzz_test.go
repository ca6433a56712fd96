package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzMeta = []string{"url", "m"}

// oracle computes, with encoding/json, the events (documents and bad
// records) that reading data as a plain .jsonl file must produce.
func oracle(data []byte, name string, max int64) []string {
	var ev []string
	off := int64(0)
	lines := bytes.Split(data, []byte{'\n'})
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		lineNo := int64(i + 1)
		start := off
		off += int64(len(l)) + 1
		bad := func(kind error) { ev = append(ev, fmt.Sprintf("bad line %d off %d: %v", lineNo, start, kind)) }
		if int64(len(l)) > max {
			bad(ErrTooLong)
			continue
		}
		if i == 0 {
			l = bytes.TrimPrefix(l, utf8BOM)
		}
		if len(bytes.Trim(l, " \t\r")) == 0 {
			continue
		}
		var m map[string]json.RawMessage
		if !json.Valid(l) || json.Unmarshal(l, &m) != nil || m == nil {
			bad(ErrBadJSON)
			continue
		}
		raw, ok := m["text"]
		if !ok || raw[0] != '"' {
			bad(ErrNoText)
			continue
		}
		if !utf8.Valid(raw) {
			bad(ErrBadUTF8)
			continue
		}
		var text string
		if err := json.Unmarshal(raw, &text); err != nil {
			panic(err)
		}
		id := ""
		if raw, ok := m["id"]; ok {
			switch c := raw[0]; {
			case c == '"':
				if !utf8.Valid(raw) {
					bad(ErrBadUTF8)
					continue
				}
				if err := json.Unmarshal(raw, &id); err != nil {
					panic(err)
				}
			case c == '-' || ('0' <= c && c <= '9'):
				id = string(raw)
			}
		}
		if id == "" {
			id = fmt.Sprintf("%s:%d", name, lineNo)
		}
		meta := map[string]string{}
		badMeta := false
		for _, k := range fuzzMeta {
			raw, ok := m[k]
			if !ok || string(raw) == "null" {
				continue
			}
			if !utf8.Valid(raw) {
				badMeta = true
				break
			}
			if raw[0] == '"' {
				var s string
				if err := json.Unmarshal(raw, &s); err != nil {
					panic(err)
				}
				meta[k] = s
			} else {
				meta[k] = string(raw)
			}
		}
		if badMeta {
			bad(ErrBadUTF8)
			continue
		}
		ev = append(ev, fmt.Sprintf("doc line %d off %d id %q meta %v text %q", lineNo, start, id, meta, text))
	}
	return ev
}

func kindOf(err error) error {
	for _, k := range []error{ErrTooLong, ErrNoText, ErrBadUTF8, ErrBadJSON, ErrCorrupt} {
		if errors.Is(err, k) {
			return k
		}
	}
	return err
}

// events reads r to the end: documents, and bad records as skips (SkipBad)
// or as errors followed by another Next.
func events(t *testing.T, r Reader, skips *[]Skip, limit int) ([]string, error) {
	var ev []string
	flush := func() {
		for _, s := range *skips {
			ev = append(ev, fmt.Sprintf("bad line %d off %d: %v", s.Line, s.Offset, kindOf(s.Reason)))
		}
		*skips = (*skips)[:0]
	}
	for n := 0; ; n++ {
		if n > limit {
			t.Fatalf("Next called %d times without reaching the end", n)
		}
		d, err := r.Next()
		flush()
		if err == io.EOF {
			return ev, nil
		}
		var e *Error
		var re *recordError
		if errors.As(err, &e) && errors.As(err, &re) {
			ev = append(ev, fmt.Sprintf("bad line %d off %d: %v", e.Line, e.Offset, kindOf(err)))
			continue
		}
		if err != nil {
			return ev, err
		}
		ev = append(ev, fmt.Sprintf("doc line %d off %d id %q meta %v text %q", d.Line, d.Offset, d.ID, d.Meta, d.Text))
	}
}

func FuzzJSONLReader(f *testing.F) {
	f.Add([]byte(small), uint16(0), uint8(0))
	f.Add(genJSONL(9, 3, 80), uint16(100), uint8(3))
	f.Add([]byte("\xef\xbb\xbf{\"text\":\"a\"}\r\n\n {\"text\" : \"\\ud800\\udc00\\ud800x\\u12345\" , \"id\":0}"), uint16(0), uint8(1))
	f.Add([]byte(`{"text":"a","m":[{"x":[]},-0.5e+7,"\/",true,false,null]}`+"\n"+`{"text":"b","url":{}}`), uint16(0), uint8(2))
	f.Add([]byte("{\"text\":\"\xff\"}\n{\"text\":1}\n{\"te\\u0078t\":\"k\",\"id\":\"\"}\n{}\n[]\n{\"text\":\"a\"}x\n"), uint16(0), uint8(5))
	f.Add([]byte("{\"text\":\"a\\\"}\n{\"text\":\"\\x\"}\n{\"text\":\"\t\"}\n{\"text\":01}\n{\"text\":\"a\",}"), uint16(0), uint8(4))
	f.Add([]byte(`{"id":1e5,"text":"\u00e9\u0000\ufffd","url":"\ud83d"}`), uint16(20), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, maxDoc uint16, bufSel uint8) {
		max := int64(maxDoc)
		if max == 0 {
			max = DefaultMaxDocBytes
		}
		var skips []Skip
		opt := Options{IDField: "id", MetaFields: fuzzMeta, MaxDocBytes: max,
			SkipBad: bufSel&1 == 0, OnSkip: func(s Skip) { skips = append(skips, s) }}
		bufSize := 16 + int(bufSel>>1)*8
		r, err := newReader(bytes.NewReader(data), "f.jsonl", opt, bufSize)
		if compression(data[:min(len(data), 16)]) != "" {
			// Compressed (or refused): it must not panic or loop.
			if err == nil {
				events(t, r, &skips, len(data)+10)
				r.Close()
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := events(t, r, &skips, bytes.Count(data, []byte{'\n'})+10)
		if err != nil {
			t.Fatalf("stream error on plain input: %v", err)
		}
		if r.Progress() != int64(len(data)) {
			t.Errorf("Progress %d, want %d", r.Progress(), len(data))
		}
		r.Close()
		want := oracle(data, "f.jsonl", max)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("input %q (max %d, buffer %d)\n got:\n%s\nwant:\n%s", data, max, bufSize, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

// TestParseMatchesEncodingJSON runs the oracle on inputs that are awkward
// for a scanner: deep nesting around encoding/json's limit, every escape.
func TestParseMatchesEncodingJSON(t *testing.T) {
	var inputs [][]byte
	for _, depth := range []int{9998, 9999, 10000} {
		inputs = append(inputs, []byte(`{"text":"a","x":`+strings.Repeat("[", depth)+strings.Repeat("]", depth)+"}"))
		inputs = append(inputs, []byte(`{"text":"a","x":`+strings.Repeat(`{"a":`, depth)+"1"+strings.Repeat("}", depth)+"}"))
	}
	for c := 0; c < 128; c++ {
		inputs = append(inputs, []byte(fmt.Sprintf(`{"text":"a\%c"}`, c)))
		inputs = append(inputs, []byte(fmt.Sprintf(`{"text":"a%c"}`, c)))
		inputs = append(inputs, []byte(fmt.Sprintf(`{"text":"a","n":1%c}`, c)))
	}
	for _, s := range []string{`\u0000`, `\uD800`, `\uDBFF\uDFFF`, `\uDC00\uD800`, `\ud800\u0041`, `\ud800\\`, `\ud800\ud800\udc00`, `\uFFFF`, `\u00zz`} {
		inputs = append(inputs, []byte(`{"text":"`+s+`"}`))
	}
	for _, in := range inputs {
		var skips []Skip
		r, err := NewReader(bytes.NewReader(in), "f.jsonl", Options{IDField: "id", MetaFields: fuzzMeta, SkipBad: true, OnSkip: func(s Skip) { skips = append(skips, s) }})
		if err != nil {
			t.Fatal(err)
		}
		got, err := events(t, r, &skips, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := oracle(in, "f.jsonl", DefaultMaxDocBytes)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			s := string(in)
			if len(s) > 80 {
				s = s[:40] + "..." + s[len(s)-40:]
			}
			t.Errorf("%q:\n got %v\nwant %v", s, got, want)
		}
	}
}

// FuzzCompressed compresses the input (gzip or zstd, one or two members),
// then reads it whole, cut short, or with one byte flipped: whole, it must
// give exactly the plain file's events; cut short, it must end in
// ErrCorrupt; flipped, it must not panic or loop.
func FuzzCompressed(f *testing.F) {
	f.Add([]byte(small), uint8(0), uint16(0))
	f.Add(genJSONL(8, 5, 50), uint8(1), uint16(10))
	f.Add(genJSONL(8, 5, 50), uint8(6), uint16(100))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8, pos uint16) {
		half := len(data) / 2
		var comp []byte
		switch mode % 4 {
		case 0:
			comp = gzipBytes(t, data)
		case 1:
			comp = zstdBytes(t, data)
		case 2:
			comp = append(gzipBytes(t, data[:half]), gzipBytes(t, data[half:])...)
		case 3:
			comp = append(zstdBytes(t, data[:half]), zstdBytes(t, data[half:])...)
		}
		var skips []Skip
		opt := Options{IDField: "id", MetaFields: fuzzMeta, SkipBad: true, OnSkip: func(s Skip) { skips = append(skips, s) }}
		p := int(pos) % (len(comp) + 1)
		switch mode / 4 % 3 {
		case 0: // whole
			r, err := newReader(bytes.NewReader(comp), "f.jsonl", opt, 16+int(pos%64))
			if err != nil {
				t.Fatal(err)
			}
			got, err := events(t, r, &skips, len(data)+10)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			want := oracle(data, "f.jsonl", DefaultMaxDocBytes)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		case 1: // cut short
			if p == len(comp) || p < 4 || (mode%4 >= 2 && p == len(gzipOrZstdFirst(t, mode, data[:half]))) {
				return
			}
			r, err := newReader(bytes.NewReader(comp[:p]), "f.jsonl", opt, 64)
			if err == nil {
				_, err = events(t, r, &skips, len(data)+10)
				r.Close()
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("cut at %d of %d: %v", p, len(comp), err)
			}
		case 2: // one byte flipped
			if p == len(comp) {
				return
			}
			bad := bytes.Clone(comp)
			bad[p] ^= 1 << (pos % 8)
			r, err := newReader(bytes.NewReader(bad), "f.jsonl", opt, 64)
			if err == nil {
				events(t, r, &skips, len(bad)*64+10)
				r.Close()
			}
		}
	})
}

// gzipOrZstdFirst is the first member of the two-member modes.
func gzipOrZstdFirst(t *testing.T, mode uint8, data []byte) []byte {
	if mode%4 == 2 {
		return gzipBytes(t, data)
	}
	return zstdBytes(t, data)
}
