package main

import (
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/contam-dev/contam/query"
	"github.com/contam-dev/contam/serve"
)

func newServeCmd() *cobra.Command {
	var (
		specs   []string
		addr    string
		lim     = serve.DefaultLimits()
		maxBody = byteSize(lim.MaxBodyBytes)
		drain   time.Duration
		qopt    = query.Options{NearDup: true}
	)
	cmd := &cobra.Command{
		Use:   "serve --index [NAME=]DIR [--index ...] [--addr 127.0.0.1:8080]",
		Short: "Answer count, find, check and trace over HTTP (JSON), also as an infini-gram API",
		Long: `Serve answers queries on one or more indexes over HTTP, as JSON:

  POST /v1/count    {"index": NAME, "phrase": "..."} or {"phrases": [...]}
  POST /v1/find     {"index": NAME, "phrase": "...", "offset": 0, "limit": 10, "context": 100}
  POST /v1/check    {"index": NAME, "text": "..."} or {"items": [{"id": "...", "text": "..."}]}
  POST /v1/trace    {"index": NAME, "text": "...", "top_docs": 3, "context": 200}
  POST /            the infini-gram API: {"corpus": NAME, "query_type": "count"|"search_docs", "query": "...", "maxnum": K}
  GET  /v1/indexes  names, parameters and sizes of the indexes
  GET  /healthz     liveness
  GET  /metrics     Prometheus metrics

Every answer names the index it came from ("index"); with a single index the
request may leave it out. Indexes are named NAME=DIR or by the base name of
DIR. Errors are {"error": "..."} with a 4xx or 5xx status. Heavy requests
(find, check, trace, search_docs, CNF counts) beyond --max-heavy at once are
refused with 429 and Retry-After. On SIGINT or SIGTERM the server stops
accepting connections and lets requests in flight finish (--drain).

See docs/api.md for every request and answer, the limits, the metrics and
how the infini-gram endpoint differs from infini-gram.`,
		Example: `  contam serve --index idx/
  contam serve --index web=idx-web/ --index code=idx-code/ --addr 127.0.0.1:9000
  curl -s localhost:8080/v1/count -d '{"phrase": "She eats three for breakfast every morning and bakes muffins"}'`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(specs) == 0 {
				return usagef("serve: --index is required")
			}
			if len(args) > 0 {
				return usagef("serve: unexpected arguments %q", args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var ixs []serve.IndexSpec
			names := map[string]bool{}
			for _, s := range specs {
				sp, err := serve.ParseIndexSpec(s)
				if err != nil {
					return usageError{err}
				}
				if names[sp.Name] {
					return usagef("serve: two indexes named %q (name them with NAME=DIR)", sp.Name)
				}
				names[sp.Name] = true
				ixs = append(ixs, sp)
			}
			lim.MaxBodyBytes = int64(maxBody)
			if lim.MaxBodyBytes <= 0 || lim.MaxQueryBytes <= 0 || lim.MaxQueryTokens <= 0 || lim.MaxBatch <= 0 || lim.MaxResults <= 0 || lim.MaxDispTokens <= 0 || lim.MaxHeavy <= 0 || lim.Timeout <= 0 || lim.MaxContext <= 0 {
				return usagef("serve: limits must be positive")
			}
			s, err := serve.Open(ixs, serve.Config{Limits: lim, Check: qopt})
			if err != nil {
				return err
			}
			defer s.Close()
			err = serve.Run(cmd.Context(), s, addr, drain, func(a net.Addr) {
				fmt.Fprintf(os.Stderr, "serving %s on http://%s/ (stop with Ctrl-C or SIGTERM)\n", strings.Join(s.Names(), ", "), a)
			})
			if err != nil {
				return err
			}
			fmt.Fprintln(os.Stderr, "stopped")
			return s.Close()
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&specs, "index", "i", nil, "index to serve, as DIR or NAME=DIR (repeatable)")
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (loopback by default; use a reverse proxy for anything else)")
	f.Var(&maxBody, "max-body", "largest request body; larger ones get 413")
	f.IntVar(&lim.MaxQueryBytes, "max-query-bytes", lim.MaxQueryBytes, "longest phrase, item or output text in bytes; longer ones get 400")
	f.IntVar(&lim.MaxQueryTokens, "max-query-tokens", lim.MaxQueryTokens, "longest phrase, item or output text in tokens after normalization; longer ones get 400")
	f.IntVar(&lim.MaxBatch, "max-batch", lim.MaxBatch, "most phrases in one count request and items in one check request")
	f.IntVar(&lim.MaxResults, "max-results", lim.MaxResults, "cap on find limit, search_docs maxnum and trace top_docs")
	f.IntVar(&lim.MaxContext, "max-context", lim.MaxContext, "cap on characters of context shown around a match")
	f.IntVar(&lim.MaxDispTokens, "max-disp-len", lim.MaxDispTokens, "cap on search_docs max_disp_len (tokens of a document shown)")
	f.DurationVar(&lim.Timeout, "timeout", lim.Timeout, "time limit of one request; past it the answer is 504")
	f.IntVar(&lim.MaxHeavy, "max-heavy", lim.MaxHeavy, "heavy requests (find, check, trace, search_docs, CNF count) at once; more get 429 with Retry-After")
	f.DurationVar(&drain, "drain", 30*time.Second, "on SIGINT/SIGTERM, how long requests in flight may take to finish")
	f.IntVar(&qopt.Rule.MinSpan, "min-span", query.DefaultMinSpan, "check: contaminated if the longest verified span has at least this many tokens")
	f.Float64Var(&qopt.Rule.MinCoverage, "min-coverage", query.DefaultMinCoverage, "check: … or at least this fraction of item tokens lie in verified spans")
	f.IntVar(&qopt.TopDocs, "top-docs", query.DefaultTopDocs, "check: documents shown per item")
	f.BoolVar(&qopt.NearDup, "near-dup", true, "check: also look for near-duplicates, as contam check")
	return cmd
}
