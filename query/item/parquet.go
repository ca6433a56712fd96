package item

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"

	"github.com/parquet-go/parquet-go"
)

// readParquet reads the rows of a Parquet file generically: each row becomes
// a map from top-level column name to value (string, integer, float, bool,
// nil for null; lists and groups as slices and maps, rendered as JSON).
// Positions are rows counted from 1.
func readParquet(ra io.ReaderAt, size int64, b *builder) (err error) {
	row := 0
	defer func() {
		// parquet-go may panic on malformed files; report, don't crash.
		if r := recover(); r != nil {
			if row > 0 {
				err = b.errorf(pos{"row", row}, "reading Parquet: %v", r)
			} else {
				err = fmt.Errorf("%s: reading Parquet: %v", b.file, r)
			}
		}
	}()

	f, err := parquet.OpenFile(ra, size)
	if err != nil {
		return fmt.Errorf("%s: not a readable Parquet file: %w", b.file, err)
	}
	schema := f.Schema()
	r := parquet.NewReader(f)
	defer r.Close()

	buf := make([]parquet.Row, 64)
	for !b.full() {
		n, err := r.ReadRows(buf)
		for _, pr := range buf[:n] {
			row++
			rec := map[string]any{}
			if err := schema.Reconstruct(&rec, pr); err != nil {
				return b.errorf(pos{"row", row}, "reading Parquet: %v", err)
			}
			for k, v := range rec {
				rec[k] = plain(v)
			}
			raw, err := rowJSON(rec)
			if err != nil {
				return b.errorf(pos{"row", row}, "%v", err)
			}
			if err := b.add(pos{"row", row}, rec, raw); err != nil {
				return err
			}
			if b.full() {
				return nil
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return b.errorf(pos{"row", row + 1}, "reading Parquet: %v", err)
		}
		if n == 0 {
			return nil
		}
	}
	return nil
}

// plain converts reconstructed Parquet values to the shapes JSON decoding
// gives: byte arrays (e.g. map values) become strings, maps with string keys
// become map[string]any and slices become []any, recursively.
func plain(v any) any {
	switch x := v.(type) {
	case nil, string, bool, int32, int64, float32, float64:
		return v
	case []byte:
		return string(x)
	case map[string]any:
		for k, e := range x {
			x[k] = plain(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = plain(e)
		}
		return x
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return v
		}
		m := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			m[it.Key().String()] = plain(it.Value().Interface())
		}
		return m
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return v
		}
		s := make([]any, rv.Len())
		for i := range s {
			s[i] = plain(rv.Index(i).Interface())
		}
		return s
	}
	return v
}

// rowJSON is a row's Item.Raw: compact JSON, keys sorted, with non-finite
// floats (which JSON cannot hold) as the strings "NaN", "+Inf" and "-Inf".
func rowJSON(rec map[string]any) ([]byte, error) {
	v, _ := finite(rec)
	s, err := compactJSON(v)
	return []byte(s), err
}

// finite returns v with non-finite floats replaced by strings, and whether
// it replaced any; maps and slices are copied only when something changes.
func finite(v any) (any, bool) {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return strconv.FormatFloat(x, 'g', -1, 64), true
		}
	case float32:
		if f := float64(x); math.IsNaN(f) || math.IsInf(f, 0) {
			return strconv.FormatFloat(f, 'g', -1, 64), true
		}
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			if f, changed := finite(e); changed {
				if out == nil {
					out = maps.Clone(x)
				}
				out[k] = f
			}
		}
		if out != nil {
			return out, true
		}
	case []any:
		var out []any
		for i, e := range x {
			if f, changed := finite(e); changed {
				if out == nil {
					out = slices.Clone(x)
				}
				out[i] = f
			}
		}
		if out != nil {
			return out, true
		}
	}
	return v, false
}
