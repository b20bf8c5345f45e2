package door

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"ipmatch/data"
	"ipmatch/search"
)

// Metrics are one server's Prometheus metrics, in a registry of their own
// (never the library's global one: tests run several servers in one
// process). The doors feed the request metrics (instrument); the store,
// the search index and the application report through the plain hooks
// they offer (ObserveStore for data.Timed, ObserveSearch for
// search.Options.Observe, ObserveWork for app.Config.Observe), so that
// no package below the doors knows of Prometheus. Handler serves them;
// cmd/ipmatch puts it on its own listener (--metrics-addr), never on the
// public one. Every name is listed in the README (Operating ipmatch).
type Metrics struct {
	registry *prometheus.Registry

	requests *prometheus.CounterVec   // method, route, code
	duration *prometheus.HistogramVec // method, route
	inFlight prometheus.Gauge
	refused  *prometheus.CounterVec   // limit
	store    *prometheus.HistogramVec // kind, op
	storeErr *prometheus.CounterVec   // kind, op
	search   *prometheus.HistogramVec // op, kind
	work     *prometheus.HistogramVec // work
}

// requestBuckets are the latency buckets of requests, in seconds: from a
// cached page (about a millisecond) to a province pipeline (seconds) and
// the write timeout (2 minutes).
var requestBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 120}

// storeBuckets are the latency buckets of store operations, in seconds:
// a read by key takes well under a millisecond on SQLite, a whole-table
// list of a province seconds.
var storeBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// workBuckets are the buckets of Monte Carlo valuations and schedule
// generations, in seconds.
var workBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// NewMetrics returns the metrics of one server, with the Go runtime's and
// the process's collectors registered beside them.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ipmatch_http_requests_total",
			Help: "HTTP requests answered, by method, route template (gin's pattern, \"unmatched\" for none) and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ipmatch_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method and route template.",
			Buckets: requestBuckets,
		}, []string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ipmatch_http_requests_in_flight",
			Help: "HTTP requests being answered.",
		}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ipmatch_rate_limited_total",
			Help: "Requests refused with 429, by the limit that refused them (sign_in, expensive_caller, expensive_busy, import, other).",
		}, []string{"limit"}),
		store: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ipmatch_store_operation_duration_seconds",
			Help:    "Time of a store operation, by kind of record and operation.",
			Buckets: storeBuckets,
		}, []string{"kind", "op"}),
		storeErr: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ipmatch_store_errors_total",
			Help: "Store operations that failed for another reason than the caller's (not found, conflict, stale revision, invalid record), by kind and operation.",
		}, []string{"kind", "op"}),
		search: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ipmatch_search_duration_seconds",
			Help:    "Time of a search of the bleve index, waiting in line included, by operation (search, similar) and kind.",
			Buckets: requestBuckets,
		}, []string{"op", "kind"}),
		work: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ipmatch_compute_duration_seconds",
			Help:    "Time of the numeric work, by work: valuation (a Monte Carlo valuation computed, not cached), schedule (a meeting schedule generated).",
			Buckets: workBuckets,
		}, []string{"work"}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.inFlight, m.refused, m.store, m.storeErr, m.search, m.work,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry of the metrics, to add collectors to.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Handler serves the metrics in Prometheus's text format (or OpenMetrics,
// when the scraper asks for it).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{EnableOpenMetrics: true, MaxRequestsInFlight: 4, Timeout: 10 * time.Second})
}

// ObserveStore is a data.StoreObserver: it records a store operation.
func (m *Metrics) ObserveStore(kind, op string, d time.Duration, err error) {
	m.store.WithLabelValues(kind, op).Observe(d.Seconds())
	if err != nil {
		switch data.ErrorCode(err) {
		case data.CodeNotFound, data.CodeConflict, data.CodeStale, data.CodeInvalid:
		default:
			m.storeErr.WithLabelValues(kind, op).Inc()
		}
	}
}

// ObserveSearch is a search.Options.Observe: it records a search.
func (m *Metrics) ObserveSearch(op, kind string, d time.Duration) {
	m.search.WithLabelValues(op, kind).Observe(d.Seconds())
}

// ObserveWork is an app.Config.Observe: it records a valuation or a
// schedule generation.
func (m *Metrics) ObserveWork(work string, d time.Duration) {
	m.work.WithLabelValues(work).Observe(d.Seconds())
}

// WatchIndex adds the document counts of idx's kinds, read at each scrape
// (ipmatch_search_documents).
func (m *Metrics) WatchIndex(idx *search.Index) {
	for _, k := range []string{search.Patents, search.Enterprises, search.Products} {
		m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "ipmatch_search_documents",
			Help:        "Documents in the search index, by kind.",
			ConstLabels: prometheus.Labels{"kind": k},
		}, func() float64 {
			n, err := idx.DocCount(k)
			if err != nil {
				return 0
			}
			return float64(n)
		}))
	}
}

// WatchSessions adds the count of page sessions in store, read at each
// scrape with a deadline of a second (ipmatch_sessions_active). The
// sessions live in the store, so every node on one store reports the
// same number; expired sessions count until the next sweep
// (SweepInterval) or use removes them.
func (m *Metrics) WatchSessions(store data.Store) {
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ipmatch_sessions_active",
		Help: "Page sessions held in the store (all nodes; expired ones until they are swept, at most 5 minutes).",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n, err := store.Sessions().Count(ctx)
		if err != nil {
			return -1 // visible, and not mistaken for "none"
		}
		return float64(n)
	}))
}

// WatchReadiness adds the follower's lag and the node's readiness as r
// reports them (ipmatch_search_follow_lag_seconds, ipmatch_ready).
func (m *Metrics) WatchReadiness(r *Readiness) {
	m.registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "ipmatch_search_follow_lag_seconds",
			Help: "How far the search index is behind the audit log, the change feed of every node's writes: the time since the follower's last successful read began.",
		}, func() float64 { return r.Lag().Seconds() }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "ipmatch_ready",
			Help: "1 when the node is ready for traffic (GET /readyz answers 200), 0 otherwise.",
		}, func() float64 {
			if ok, _ := r.Check(); ok {
				return 1
			}
			return 0
		}))
}

// KeyLimit is the gin context key naming the limit that refused a request
// with 429 (RefusedBy), for ipmatch_rate_limited_total.
const KeyLimit = "ipmatch.limit"

// RefusedBy names the limit that refuses the request (sign_in,
// expensive_caller, expensive_busy, import): a 429 without a name is
// counted as "other" (today the line of searches, search/gate.go).
func RefusedBy(c *gin.Context, limit string) { c.Set(KeyLimit, limit) }

// standardMethods bounds the method label: gin answers any method (404 or
// 405), and a label per made-up method would let clients add series.
var standardMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true,
	http.MethodDelete: true, http.MethodOptions: true, http.MethodConnect: true, http.MethodTrace: true,
}

// instrument is the middleware that counts and times every request. Its
// labels are bounded: the route is gin's pattern (/api/v1/enterprises/:id),
// never the path, and "unmatched" when no route matched (404, 405), so no
// ID or mistyped address becomes a series.
func (m *Metrics) instrument(c *gin.Context) {
	start := time.Now()
	m.inFlight.Inc()
	defer m.inFlight.Dec() // also when a handler aborts with http.ErrAbortHandler
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	method := c.Request.Method
	if !standardMethods[method] {
		method = "other"
	}
	status := c.Writer.Status()
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
	if status == http.StatusTooManyRequests {
		limit := c.GetString(KeyLimit)
		if limit == "" {
			limit = "other"
		}
		m.refused.WithLabelValues(limit).Inc()
	}
}
