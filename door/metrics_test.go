package door

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"ipmatch/data"
	"ipmatch/data/memstore"
)

// scrape returns the metric families h serves, parsed by Prometheus's own
// text parser.
func scrape(t testing.TB, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	w := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept", "text/plain")
	h.ServeHTTP(w, req)
	if w.Code != 200 {
		t.Fatalf("GET /metrics = %d", w.Code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(w.Body.String()))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// labelsOf returns a metric's labels as a map.
func labelsOf(m *dto.Metric) map[string]string {
	l := map[string]string{}
	for _, p := range m.GetLabel() {
		l[p.GetName()] = p.GetValue()
	}
	return l
}

// TestInstrument checks the request metrics of a door server: counts by
// route template and status, latency histograms, 429s by limit, and no
// raw path in any label.
func TestInstrument(t *testing.T) {
	m := NewMetrics()
	s := New(memstore.New(), nil, Config{Metrics: m})
	s.Engine.GET("/things/:id", s.Handle(func(c *gin.Context) error {
		if c.Param("id") == "busy" {
			RefusedBy(c, "expensive_busy")
			return data.Busy(time.Second, "busy")
		}
		WriteJSON(c, 200, map[string]string{"id": c.Param("id")})
		return nil
	}))
	for _, path := range []string{"/things/T-1001", "/things/T-1002", "/things/busy", "/no/such/Z-999"} {
		s.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	req := httptest.NewRequest("BREW", "/things/T-1003", nil) // a made-up method
	s.Handler().ServeHTTP(httptest.NewRecorder(), req)

	fams := scrape(t, m.Handler())
	count := map[string]float64{}
	for _, mt := range fams["ipmatch_http_requests_total"].GetMetric() {
		l := labelsOf(mt)
		count[l["method"]+" "+l["route"]+" "+l["code"]] = mt.GetCounter().GetValue()
	}
	for key, want := range map[string]float64{
		"GET /things/:id 200": 2, "GET /things/:id 429": 1, "GET unmatched 404": 1, "other unmatched 405": 1,
	} {
		if count[key] != want {
			t.Errorf("requests %q = %v, want %v (all: %v)", key, count[key], want, count)
		}
	}
	var hist *dto.Histogram
	for _, mt := range fams["ipmatch_http_request_duration_seconds"].GetMetric() {
		if labelsOf(mt)["route"] == "/things/:id" {
			hist = mt.GetHistogram()
		}
	}
	if hist == nil || hist.GetSampleCount() != 3 || len(hist.GetBucket()) != len(requestBuckets)+1 { // and +Inf
		t.Errorf("latency histogram of /things/:id = %v, want 3 samples in %d buckets", hist, len(requestBuckets))
	}
	refused := fams["ipmatch_rate_limited_total"].GetMetric()
	if len(refused) != 1 || labelsOf(refused[0])["limit"] != "expensive_busy" || refused[0].GetCounter().GetValue() != 1 {
		t.Errorf("rate-limited = %v, want one expensive_busy", refused)
	}
	if g := fams["ipmatch_http_requests_in_flight"].GetMetric(); len(g) != 1 || g[0].GetGauge().GetValue() != 0 {
		t.Errorf("in flight after the requests = %v, want 0", g)
	}
	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_cpu_seconds_total"} {
		if fams[name] == nil {
			t.Errorf("no %s: the runtime and process collectors are missing", name)
		}
	}
	for name, f := range fams {
		for _, mt := range f.GetMetric() {
			for _, l := range mt.GetLabel() {
				if strings.Contains(l.GetValue(), "T-100") || strings.Contains(l.GetValue(), "Z-999") {
					t.Errorf("%s has the raw path in label %s=%q", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
}

// TestMetricsPerServer: two servers in one process keep their own counts
// (no global registry).
func TestMetricsPerServer(t *testing.T) {
	a, b := NewMetrics(), NewMetrics()
	sa := New(memstore.New(), nil, Config{Metrics: a})
	New(memstore.New(), nil, Config{Metrics: b})
	sa.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
	if got := len(scrape(t, b.Handler())["ipmatch_http_requests_total"].GetMetric()); got != 0 {
		t.Errorf("b counts %d series of a's request", got)
	}
	if got := len(scrape(t, a.Handler())["ipmatch_http_requests_total"].GetMetric()); got != 1 {
		t.Errorf("a counts %d series, want 1", got)
	}
}

// BenchmarkInstrumentOverhead times one cheap request with and without
// the metrics, interleaved in one loop so both see the same machine state,
// and reports both costs and their ratio: through the door's whole
// middleware chain (what a request to ipmatch pays), and on a bare gin
// engine with nothing but the handler (the worst case, the metrics' own
// cost against the least a request can cost).
func BenchmarkInstrumentOverhead(b *testing.B) {
	thing := func(c *gin.Context) {
		WriteJSON(c, 200, map[string]string{"id": c.Param("id")})
	}
	b.Run("door", func(b *testing.B) {
		handler := func(s *Server) http.Handler {
			s.Engine.GET("/api/v1/things/:id", thing)
			return s.Handler()
		}
		compareHandlers(b, handler(New(memstore.New(), nil, Config{})), handler(New(memstore.New(), nil, Config{Metrics: NewMetrics()})))
	})
	b.Run("bare-gin", func(b *testing.B) {
		plain, measured := gin.New(), gin.New()
		measured.Use(NewMetrics().instrument)
		plain.GET("/api/v1/things/:id", thing)
		measured.GET("/api/v1/things/:id", thing)
		compareHandlers(b, plain, measured)
	})
}

func compareHandlers(b *testing.B, plain, measured http.Handler) {
	req := httptest.NewRequest("GET", "/api/v1/things/T-1001", nil)
	serve := func(h http.Handler) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
	serve(plain)
	serve(measured)
	var tPlain, tMeasured time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Alternate which goes first: the first of a pair pays more for
		// what the loop left behind (garbage, cold caches).
		first, second, tFirst, tSecond := plain, measured, &tPlain, &tMeasured
		if i%2 == 1 {
			first, second, tFirst, tSecond = measured, plain, &tMeasured, &tPlain
		}
		t0 := time.Now()
		serve(first)
		t1 := time.Now()
		serve(second)
		*tSecond += time.Since(t1)
		*tFirst += t1.Sub(t0)
	}
	b.ReportMetric(float64(tPlain.Nanoseconds())/float64(b.N), "plain-ns/req")
	b.ReportMetric(float64(tMeasured.Nanoseconds())/float64(b.N), "instrumented-ns/req")
	b.ReportMetric(float64(tMeasured)/float64(tPlain), "ratio")
}
