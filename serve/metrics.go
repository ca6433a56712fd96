package serve

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus series. They live in a registry of
// their own, not the global one, so that two servers in one process (tests,
// the load test) do not collide and nothing else leaks into /metrics.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec   // by endpoint and status code
	latency  *prometheus.HistogramVec // by endpoint
	inFlight prometheus.Gauge
	heavy    prometheus.GaugeFunc   // heavy requests holding a slot
	rejected *prometheus.CounterVec // 429s by endpoint
	http     http.Handler           // GET /metrics
}

func newMetrics(s *Server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "contam_http_requests_total",
		Help: "HTTP requests answered, by endpoint and status code (499: the client went away before the answer).",
	}, []string{"endpoint", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "contam_http_request_duration_seconds",
		Help: "Time from reading the request to writing the answer, by endpoint.",
		// From sub-millisecond counts to the default 30 s timeout.
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"endpoint"})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "contam_http_requests_in_flight",
		Help: "HTTP requests being answered now.",
	})
	m.heavy = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "contam_heavy_requests_running",
		Help: "Heavy requests (find, check, trace, search_docs, CNF count) holding a slot, including work past its deadline that is still finishing.",
	}, func() float64 { return float64(len(s.heavy)) })
	m.rejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "contam_http_rejected_total",
		Help: "Heavy requests refused with 429 because every heavy slot was taken, by endpoint.",
	}, []string{"endpoint"})
	// The 429 series exist from the start, at 0, so that a rate over them
	// is defined before the first refusal.
	for _, ep := range []string{"find", "check", "trace", "infini-gram"} {
		m.rejected.WithLabelValues(ep)
	}
	m.reg.MustRegister(m.requests, m.latency, m.inFlight, m.heavy, m.rejected,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Index sizes are fixed while the server runs: constant gauges.
	for _, g := range []struct {
		name, help string
		v          func(x *served) float64
	}{
		{"contam_index_docs", "Documents in the index.", func(x *served) float64 { return float64(x.ix.Manifest.Counts.Docs) }},
		{"contam_index_tokens", "Tokens in the index after normalization.", func(x *served) float64 { return float64(x.ix.Manifest.Counts.Tokens) }},
		{"contam_index_shards", "Shards of the index.", func(x *served) float64 { return float64(len(x.ix.Shards)) }},
		{"contam_index_text_bytes", "Uncompressed document text in the index, bytes.", func(x *served) float64 { return float64(x.ix.Manifest.Counts.TextBytes) }},
		{"contam_index_disk_bytes", "Size of the index directory on disk, bytes.", func(x *served) float64 { return float64(x.diskBytes) }},
	} {
		gv := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: g.name, Help: g.help}, []string{"index"})
		for _, x := range s.indexes {
			gv.WithLabelValues(x.name).Set(g.v(x))
		}
		m.reg.MustRegister(gv)
	}
	m.http = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}
