// Package serve answers count, find, check and trace over HTTP as JSON, for
// one or several opened indexes, plus an endpoint that speaks the
// infini-gram API (POST / with query_type count or search_docs) so that
// infini-gram clients can query a contam index unchanged.
//
// Every answer comes from package query, the same code the CLI runs. The
// server's own work is bounding what a request may cost: body size, query
// length, result size, a deadline per request and a bound on concurrent
// heavy requests (find, check, trace, search_docs, CNF counts); beyond that
// bound it answers 429 at once rather than queueing. Errors are always JSON:
// {"error": "..."}. docs/api.md documents every endpoint.
package serve

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/contam-dev/contam/index"
	"github.com/contam-dev/contam/index/text"
	"github.com/contam-dev/contam/query"
)

// Limits bound what one request may ask for. Each is a flag of contam serve.
type Limits struct {
	MaxBodyBytes   int64         // request body; a larger one is refused with 413
	MaxQueryBytes  int           // one phrase, item or output text, bytes; longer: 400
	MaxQueryTokens int           // the same in tokens after normalization; longer: 400
	MaxBatch       int           // phrases per count request, items per check request; more: 400
	MaxResults     int           // caps find limit, search_docs maxnum, trace/check top docs
	MaxContext     int           // caps context runes around a match
	MaxDispTokens  int           // caps search_docs max_disp_len (tokens of a document shown)
	Timeout        time.Duration // per request; past it the answer is 504
	MaxHeavy       int           // heavy requests at once; beyond it 429 with Retry-After
}

// DefaultLimits are the limits contam serve starts with.
func DefaultLimits() Limits {
	return Limits{
		MaxBodyBytes:   1 << 20,
		MaxQueryBytes:  64 << 10,
		MaxQueryTokens: 8192,
		MaxBatch:       32,
		MaxResults:     100,
		MaxContext:     2000,
		MaxDispTokens:  10000,
		Timeout:        30 * time.Second,
		MaxHeavy:       2 * runtime.GOMAXPROCS(0),
	}
}

func (l *Limits) defaults() {
	d := DefaultLimits()
	orDefault(&l.MaxBodyBytes, d.MaxBodyBytes)
	orDefault(&l.MaxQueryBytes, d.MaxQueryBytes)
	orDefault(&l.MaxQueryTokens, d.MaxQueryTokens)
	orDefault(&l.MaxBatch, d.MaxBatch)
	orDefault(&l.MaxResults, d.MaxResults)
	orDefault(&l.MaxContext, d.MaxContext)
	orDefault(&l.MaxDispTokens, d.MaxDispTokens)
	orDefault(&l.Timeout, d.Timeout)
	orDefault(&l.MaxHeavy, d.MaxHeavy)
}

// orDefault replaces a zero or negative limit with its default.
func orDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Config configures a Server.
type Config struct {
	Limits
	// Check are the options of /v1/check (rule, top documents, near
	// duplicates); one checker per index serves every request, so they are
	// fixed for the server's life.
	Check query.Options
}

// IndexSpec names an index directory.
type IndexSpec struct {
	Name, Dir string
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// ParseIndexSpec reads "NAME=DIR", or "DIR", named by its base name.
func ParseIndexSpec(s string) (IndexSpec, error) {
	if name, dir, ok := strings.Cut(s, "="); ok && nameRE.MatchString(name) && dir != "" {
		return IndexSpec{Name: name, Dir: dir}, nil
	}
	if s == "" {
		return IndexSpec{}, errors.New("serve: empty index directory")
	}
	name := filepath.Base(filepath.Clean(s))
	if !nameRE.MatchString(name) {
		return IndexSpec{}, fmt.Errorf("serve: cannot name index %q by its base name %q; use NAME=DIR", s, name)
	}
	return IndexSpec{Name: name, Dir: s}, nil
}

// served is one opened index and what answering for it needs.
type served struct {
	name      string
	ix        *index.Index
	ch        *query.Checker
	norm      text.Normalizer
	diskBytes int64
	base      []int64 // number of documents in the shards before shard i
}

// Server answers HTTP requests for a set of opened indexes.
type Server struct {
	cfg      Config
	indexes  []*served
	byName   map[string]*served
	heavy    chan struct{} // one token per heavy request in progress
	work     sync.WaitGroup
	closeMu  sync.Once
	closeErr error
	m        *metrics
	started  time.Time

	// hook, when set (by tests), is called with the endpoint name at the
	// start of every request's work, inside its deadline and, for heavy
	// requests, holding the heavy slot: it lets a test hold a request in
	// flight deterministically.
	hook func(endpoint string)
}

// Open opens the indexes and prepares a server for them; Close releases
// them.
func Open(specs []IndexSpec, cfg Config) (*Server, error) {
	if len(specs) == 0 {
		return nil, errors.New("serve: no index given")
	}
	cfg.Limits.defaults()
	s := &Server{cfg: cfg, byName: map[string]*served{}, heavy: make(chan struct{}, cfg.MaxHeavy), started: time.Now()}
	for _, sp := range specs {
		if _, dup := s.byName[sp.Name]; dup {
			s.Close()
			return nil, fmt.Errorf("serve: two indexes named %q (name them with NAME=DIR)", sp.Name)
		}
		x, err := openServed(sp, cfg.Check)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.indexes = append(s.indexes, x)
		s.byName[sp.Name] = x
	}
	s.m = newMetrics(s)
	return s, nil
}

func openServed(sp IndexSpec, opt query.Options) (*served, error) {
	ix, err := index.Open(sp.Dir, index.OpenOptions{})
	if err != nil {
		return nil, err
	}
	x := &served{name: sp.Name, ix: ix}
	if x.ch, err = query.NewChecker(ix, opt); err == nil {
		x.norm, err = text.Lookup(ix.Manifest.Params.Normalizer)
	}
	if err != nil {
		ix.Close()
		return nil, err
	}
	var n int64
	for _, sh := range ix.Shards {
		x.base = append(x.base, n)
		n += sh.Manifest.Counts.Docs
	}
	// Disk size is reported by /v1/indexes and the metrics; it cannot change
	// while the index is open read-only, so it is measured once.
	filepath.WalkDir(sp.Dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				x.diskBytes += fi.Size()
			}
		}
		return nil
	})
	return x, nil
}

// Names returns the index names in the order given.
func (s *Server) Names() []string {
	out := make([]string, len(s.indexes))
	for i, x := range s.indexes {
		out[i] = x.name
	}
	return out
}

// Close waits for work still running (a request past its deadline keeps
// computing until the library returns) and closes the indexes.
// Calling it again returns the first call's result.
func (s *Server) Close() error {
	s.closeMu.Do(func() {
		s.work.Wait()
		for _, x := range s.indexes {
			if e := x.ix.Close(); s.closeErr == nil {
				s.closeErr = e
			}
		}
	})
	return s.closeErr
}

// Run serves s on addr until ctx is done, then stops accepting connections
// and lets requests in flight finish, for at most drain (http.Server.Shutdown);
// requests still running after that are cut off and reported as an error.
// ready, when not nil, is called with the listening address.
func Run(ctx context.Context, s *Server, addr string, drain time.Duration, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler: s,
		// Slow clients cannot hold a connection open for free.
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.cfg.Timeout + 10*time.Second,
		WriteTimeout:      s.cfg.Timeout + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
		return fmt.Errorf("serve: requests still running after the %s drain timeout were cut off: %w", drain, err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
