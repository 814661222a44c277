// Package metrics exposes a controller's state to Prometheus
// (github.com/prometheus/client_golang). Each Metrics has its own registry,
// so that many controllers may run in one process (tests do).
//
// What the registry holds (phones, commands, releases) is counted when
// scraped, by a Collector reading grouped counts in one read transaction;
// what the ingest path counts is read from Controller.Stats, never counted
// a second time here. Only what happens and is gone (batch latencies, HTTP
// requests) is observed as it happens.
package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/httpapi"
)

// namespace prefixes every metric of Unbind's own.
const namespace = "unbind"

// Metrics is one controller's metrics; it implements controller.Metrics.
type Metrics struct {
	reg     *prometheus.Registry
	handler http.Handler

	batchSeconds prometheus.Histogram
	batchSize    prometheus.Histogram
	requests     *prometheus.CounterVec
	reqSeconds   *prometheus.HistogramVec

	scrapeTimeout time.Duration
	attachOnce    sync.Once
}

// Options tunes New.
type Options struct {
	// ScrapeTimeout bounds the registry queries of one scrape (0: 10 s).
	ScrapeTimeout time.Duration
}

// New builds the metrics with the Go and process collectors; the
// controller's own are added when the controller attaches itself.
func New(opts Options) *Metrics {
	if opts.ScrapeTimeout <= 0 {
		opts.ScrapeTimeout = 10 * time.Second
	}
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.batchSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: namespace, Subsystem: "ingest", Name: "batch_duration_seconds",
		Help:    "Time to write one ingest batch to the registry.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	})
	m.batchSize = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: namespace, Subsystem: "ingest", Name: "batch_updates",
		Help:    "Updates written in one ingest batch.",
		Buckets: prometheus.ExponentialBuckets(1, 4, 6),
	})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Subsystem: "http", Name: "requests_total",
		Help: "HTTP API requests by route pattern and status code.",
	}, []string{"route", "code"})
	m.reqSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
		Help:    "HTTP API request durations by route pattern.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route"})
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.batchSeconds, m.batchSize, m.requests, m.reqSeconds,
	)
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		// A registry that cannot be read fails the scrape (500), so that
		// Prometheus marks the target down instead of seeing zeros.
		ErrorHandling: promhttp.HTTPErrorOnError,
		Timeout:       opts.ScrapeTimeout,
	})
	m.scrapeTimeout = opts.ScrapeTimeout
	return m
}

// Registry is the metrics' own registry (tests gather from it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ServeHTTP answers a scrape in the Prometheus text (or negotiated) format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.handler.ServeHTTP(w, r) }

// ObserveBatch records one ingest write.
func (m *Metrics) ObserveBatch(updates int, took time.Duration) {
	m.batchSeconds.Observe(took.Seconds())
	m.batchSize.Observe(float64(updates))
}

// Attach registers the collector that reads c at scrape time. Only the
// first call counts.
func (m *Metrics) Attach(c *controller.Controller) {
	m.attachOnce.Do(func() {
		m.reg.MustRegister(newCollector(c, m.scrapeTimeout))
	})
}

// Middleware counts the API's requests by route pattern (never the raw
// path, whose IDs would make a series per phone) and status code; give it
// to httpapi.New. It sees the requests the guard refuses too.
func (m *Metrics) Middleware(r httpapi.Route, next http.Handler) http.Handler {
	counter := m.requests.MustCurryWith(prometheus.Labels{"route": r.Pattern})
	observer := m.reqSeconds.MustCurryWith(prometheus.Labels{"route": r.Pattern})
	return promhttp.InstrumentHandlerCounter(counter, promhttp.InstrumentHandlerDuration(observer, next))
}
