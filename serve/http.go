package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/contam-dev/contam/index/text"
)

// route is one endpoint: the method it answers and the name it has in
// metrics (a fixed set, so request paths cannot blow up label cardinality).
type route struct {
	method, endpoint string
	h                func(s *Server, w http.ResponseWriter, r *http.Request)
}

var routes = map[string]route{
	"/v1/count":   {http.MethodPost, "count", (*Server).count},
	"/v1/find":    {http.MethodPost, "find", (*Server).find},
	"/v1/check":   {http.MethodPost, "check", (*Server).check},
	"/v1/trace":   {http.MethodPost, "trace", (*Server).trace},
	"/v1/indexes": {http.MethodGet, "indexes", (*Server).listIndexes},
	"/healthz":    {http.MethodGet, "healthz", (*Server).healthz},
	"/metrics":    {http.MethodGet, "metrics", func(s *Server, w http.ResponseWriter, r *http.Request) { s.m.http.ServeHTTP(w, r) }},
	"/":           {http.MethodPost, "infini-gram", (*Server).infiniGram},
}

// ServeHTTP routes a request and records it in the metrics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rt, ok := routes[r.URL.Path]
	ep := "other"
	if ok {
		ep = rt.endpoint
	}
	s.m.inFlight.Inc()
	rec := &recorder{ResponseWriter: w, code: http.StatusOK}
	defer func() {
		s.m.inFlight.Dec()
		s.m.requests.WithLabelValues(ep, strconv.Itoa(rec.code)).Inc()
		s.m.latency.WithLabelValues(ep).Observe(time.Since(start).Seconds())
	}()
	switch {
	case !ok:
		writeError(rec, errorf(http.StatusNotFound, "no endpoint %s (see docs/api.md: POST /v1/count, /v1/find, /v1/check, /v1/trace, /; GET /v1/indexes, /healthz, /metrics)", r.URL.Path))
	case r.Method != rt.method:
		rec.Header().Set("Allow", rt.method)
		writeError(rec, errorf(http.StatusMethodNotAllowed, "%s %s is not allowed; use %s", r.Method, r.URL.Path, rt.method))
	default:
		rt.h(s, rec, r)
	}
}

// recorder remembers the status code for the metrics.
type recorder struct {
	http.ResponseWriter
	code int
}

func (r *recorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// apiError is an error with the HTTP status it is answered with.
type apiError struct {
	code int
	msg  string
}

func (e *apiError) Error() string { return e.msg }

func errorf(code int, format string, args ...any) *apiError {
	return &apiError{code, fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v) // an error here is the client's connection failing: nothing left to tell it
}

// writeError answers {"error": ...}: with the apiError's status, 504 for a
// deadline, 500 for anything else (a failure reading the index).
func writeError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		code = ae.code
	case errors.Is(err, context.DeadlineExceeded):
		code = http.StatusGatewayTimeout
	}
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

// decode reads the body as one JSON object into v: at most max bytes (413
// beyond), no unknown fields, nothing after the object (400).
func decode(w http.ResponseWriter, r *http.Request, max int64, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, max))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err, max)
	}
	var extra json.RawMessage
	switch err := dec.Decode(&extra); {
	case err == io.EOF:
		return nil
	case err == nil:
		return errorf(http.StatusBadRequest, "malformed JSON: more than one value in the request body")
	default:
		return bodyError(err, max)
	}
}

func bodyError(err error, max int64) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return errorf(http.StatusRequestEntityTooLarge, "request body larger than %d bytes (--max-body)", max)
	case errors.Is(err, io.EOF):
		return errorf(http.StatusBadRequest, "empty request body: send a JSON object")
	default:
		return errorf(http.StatusBadRequest, "malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
}

// answer runs work under the request's deadline and, for heavy work, in a
// slot of the heavy semaphore, and writes its result. When every slot is
// taken it answers 429 at once: queueing would only turn overload into
// timeouts. Work past its deadline stops at the library's next context
// check (between documents) and keeps its slot until then, so the bound
// holds for the CPU actually in use, not just for open requests.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, ep string, heavy bool, work func(ctx context.Context) (any, error)) {
	if heavy {
		select {
		case s.heavy <- struct{}{}:
		default:
			s.m.rejected.WithLabelValues(ep).Inc()
			w.Header().Set("Retry-After", "1")
			writeError(w, errorf(http.StatusTooManyRequests, "server busy: all %d heavy request slots are taken (--max-heavy); retry later", cap(s.heavy)))
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
	defer cancel()
	type result struct {
		v   any
		err error
	}
	done := make(chan result, 1)
	s.work.Add(1)
	go func() {
		defer s.work.Done()
		if heavy {
			defer func() { <-s.heavy }()
		}
		// A panic here would take the whole server down with it, not
		// just this request.
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("internal error: %v", p)}
			}
		}()
		if s.hook != nil {
			s.hook(ep)
		}
		v, err := work(ctx)
		done <- result{v, err}
	}()
	select {
	case res := <-done:
		if res.err != nil {
			writeError(w, res.err)
			return
		}
		writeJSON(w, http.StatusOK, res.v)
	case <-ctx.Done():
		if r.Context().Err() != nil {
			// The client went away; 499 only labels it in the metrics.
			w.WriteHeader(499)
			return
		}
		writeError(w, errorf(http.StatusGatewayTimeout, "the request took longer than the %s limit (--timeout)", s.cfg.Timeout))
	}
}

// index finds the index a request names; with one index served the name
// may be left out.
func (s *Server) index(name string) (*served, error) {
	if name == "" {
		if len(s.indexes) == 1 {
			return s.indexes[0], nil
		}
		return nil, errorf(http.StatusBadRequest, "name the index: this server serves %s", strings.Join(s.Names(), ", "))
	}
	x, ok := s.byName[name]
	if !ok {
		return nil, errorf(http.StatusNotFound, "unknown index %q (this server serves %s)", name, strings.Join(s.Names(), ", "))
	}
	return x, nil
}

// checkText enforces the query length limits on one text and returns its
// number of tokens.
func (s *Server) checkText(x *served, what, t string) (int, error) {
	if len(t) > s.cfg.MaxQueryBytes {
		return 0, errorf(http.StatusBadRequest, "%s is %d bytes long; the limit is %d bytes (--max-query-bytes)", what, len(t), s.cfg.MaxQueryBytes)
	}
	var toks text.Tokens
	x.norm.Tokenize(&toks, []byte(t))
	if toks.Len() > s.cfg.MaxQueryTokens {
		return 0, errorf(http.StatusBadRequest, "%s has %d tokens after normalization; the limit is %d tokens (--max-query-tokens)", what, toks.Len(), s.cfg.MaxQueryTokens)
	}
	return toks.Len(), nil
}

// capped returns v (def when nil) clamped to max, and whether it was
// clamped; negative values are an error.
func capped(what string, v *int, def, max int) (int, bool, error) {
	n := def
	if v != nil {
		n = *v
	}
	if n < 0 {
		return 0, false, errorf(http.StatusBadRequest, "%s must not be negative (got %d)", what, n)
	}
	if n > max {
		return max, true, nil
	}
	return n, false, nil
}
