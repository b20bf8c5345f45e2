package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"ipmatch/data"
	"ipmatch/data/demo"
)

// metricsServer starts a demo server with its metrics listener.
func metricsServer(t *testing.T) *Main {
	t.Helper()
	m := &Main{Store: StoreConfig{DataDir: t.TempDir()}, Addr: "127.0.0.1:0", Demo: true, MetricsAddr: "127.0.0.1:0"}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})
	return m
}

// call makes a request and returns its status and body.
func call(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// scrapeMetrics parses GET /metrics of m with Prometheus's text parser.
func scrapeMetrics(t *testing.T, m *Main) map[string]*dto.MetricFamily {
	t.Helper()
	code, body := call(t, "GET", m.MetricsURL()+"/metrics", "", "")
	if code != 200 {
		t.Fatalf("GET /metrics = %d: %.300s", code, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// series returns the metrics of family name whose labels include want.
func series(fams map[string]*dto.MetricFamily, name string, want map[string]string) []*dto.Metric {
	var out []*dto.Metric
	for _, mt := range fams[name].GetMetric() {
		ok := true
		for k, v := range want {
			found := false
			for _, l := range mt.GetLabel() {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			ok = ok && found
		}
		if ok {
			out = append(out, mt)
		}
	}
	return out
}

// counterOf sums the counters (or histogram counts) of the matching series.
func counterOf(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	n := 0.0
	for _, mt := range series(fams, name, want) {
		n += mt.GetCounter().GetValue() + float64(mt.GetHistogram().GetSampleCount())
	}
	return n
}

// TestMetricsEndToEnd starts a server on its metrics listener, makes
// requests, and scrapes what they moved: requests by route template,
// latency histograms with their buckets, store, search and numeric-work
// latencies, index documents, readiness, the runtime's metrics; and no ID
// of a request's path in any label. The public listener serves no metrics.
func TestMetricsEndToEnd(t *testing.T) {
	t.Parallel()
	m := metricsServer(t)
	org := m.DemoTokens[data.RoleOrganizer]
	route := map[string]string{"method": "GET", "route": "/api/v1/enterprises/:id", "code": "200"}

	before := scrapeMetrics(t, m)
	for _, id := range []string{"ent_0003", "ent_0004"} {
		if code, body := call(t, "GET", m.URL()+"/api/v1/enterprises/"+id, org, ""); code != 200 {
			t.Fatalf("GET enterprise %s: %d %.200s", id, code, body)
		}
	}
	if code, body := call(t, "GET", m.URL()+"/api/v1/enterprises/ent_0003/valuation", org, ""); code != 200 {
		t.Fatalf("valuation: %d %.200s", code, body)
	}
	if code, body := call(t, "GET", m.URL()+"/api/v1/search/patents?q=%E6%9C%BA%E5%BA%8A", org, ""); code != 200 {
		t.Fatalf("search: %d %.200s", code, body)
	}
	if code, body := call(t, "POST", m.URL()+"/api/v1/events/"+demo.EventID+"/schedule", org, "{}"); code != 200 {
		t.Fatalf("schedule: %d %.200s", code, body)
	}
	// The public listener has no metrics, with a token or without.
	for _, token := range []string{"", org} {
		if code, _ := call(t, "GET", m.URL()+"/metrics", token, ""); code != http.StatusNotFound {
			t.Errorf("GET /metrics on the public listener (token %v) = %d, want 404", token != "", code)
		}
	}
	after := scrapeMetrics(t, m)

	if got := counterOf(after, "ipmatch_http_requests_total", route) - counterOf(before, "ipmatch_http_requests_total", route); got != 2 {
		t.Errorf("requests of GET /api/v1/enterprises/:id 200 moved by %v, want 2", got)
	}
	hist := series(after, "ipmatch_http_request_duration_seconds", map[string]string{"route": "/api/v1/enterprises/:id"})
	if len(hist) != 1 || len(hist[0].GetHistogram().GetBucket()) < 10 || hist[0].GetHistogram().GetSampleCount() != 2 {
		t.Errorf("latency histogram of /api/v1/enterprises/:id = %v, want 2 samples in buckets", hist)
	}
	if n := counterOf(after, "ipmatch_http_requests_total", map[string]string{"route": "unmatched", "code": "404"}); n < 2 {
		t.Errorf("unmatched 404s = %v, want the two public GET /metrics", n)
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
	}{
		{"ipmatch_store_operation_duration_seconds", map[string]string{"kind": "enterprises", "op": "get"}},
		{"ipmatch_store_operation_duration_seconds", map[string]string{"kind": "audit", "op": "list"}}, // the follower
		{"ipmatch_search_duration_seconds", map[string]string{"op": "search", "kind": "patents"}},
		{"ipmatch_compute_duration_seconds", map[string]string{"work": "valuation"}},
		{"ipmatch_compute_duration_seconds", map[string]string{"work": "schedule"}},
	} {
		if counterOf(after, c.name, c.labels) < 1 {
			t.Errorf("%s%v observed nothing", c.name, c.labels)
		}
	}
	if docs := series(after, "ipmatch_search_documents", map[string]string{"kind": "patents"}); len(docs) != 1 || docs[0].GetGauge().GetValue() < 600 {
		t.Errorf("patents in the index = %v, want the demo's", docs)
	}
	for _, name := range []string{"ipmatch_http_requests_in_flight", "ipmatch_sessions_active", "ipmatch_search_follow_lag_seconds",
		"go_goroutines", "go_gc_duration_seconds", "process_resident_memory_bytes"} {
		if after[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	if r := series(after, "ipmatch_ready", nil); len(r) != 1 || r[0].GetGauge().GetValue() != 1 {
		t.Errorf("ipmatch_ready = %v, want 1", r)
	}
	for name, f := range after {
		for _, mt := range f.GetMetric() {
			for _, l := range mt.GetLabel() {
				if strings.Contains(l.GetValue(), "ent_000") || strings.Contains(l.GetValue(), demo.EventID) {
					t.Errorf("%s has a raw path in label %s=%q", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
}

// TestReadyz drives a running node's readiness through a rebuild and a
// lag behind the audit log, injected rather than timed, and checks that
// liveness (GET /healthz) stays 200 meanwhile.
func TestReadyz(t *testing.T) {
	t.Parallel()
	m := metricsServer(t)
	ready := func(want int, reason string) {
		t.Helper()
		code, body := call(t, "GET", m.MetricsURL()+"/readyz", "", "")
		var b struct{ Status, Reason string }
		json.Unmarshal([]byte(body), &b)
		if code != want || !strings.Contains(b.Reason, reason) {
			t.Errorf("GET /readyz = %d %s, want %d with %q", code, body, want, reason)
		}
		if code, _ := call(t, "GET", m.URL()+"/healthz", "", ""); code != 200 {
			t.Errorf("GET /healthz = %d while /readyz is %d: liveness must not follow readiness", code, want)
		}
	}
	ready(200, "")
	m.ready.Rebuilding(true)
	ready(503, "being rebuilt")
	m.ready.Rebuilding(false)
	ready(200, "")

	lag := m.ready.Lag
	m.ready.FollowLag(func() time.Duration { return 2 * time.Minute })
	ready(503, "2m0s behind the audit log, more than 30s")
	m.ready.FollowLag(func() time.Duration { return time.Second })
	ready(200, "")
	m.ready.FollowLag(lag)

	if code, _ := call(t, "GET", m.URL()+"/readyz", "", ""); code != http.StatusNotFound {
		t.Errorf("GET /readyz on the public listener = %d, want 404 (it is on the metrics listener)", code)
	}
}

// TestReadyzWhileStarting: the metrics listener opens before the store
// and the index, and GET /readyz answers 503 while the index is rebuilt
// at start, then 200 once the node serves. The rebuild is held, not
// timed: its progress bar writes to a writer that blocks until the test
// has asked.
func TestReadyzWhileStarting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := &Main{Store: StoreConfig{DataDir: dir}, Addr: "127.0.0.1:0", Demo: true}
	if err := first.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	// No index: the next start rebuilds it from the store.
	if err := os.RemoveAll(filepath.Join(dir, "index")); err != nil {
		t.Fatal(err)
	}
	hold := &heldWriter{writing: make(chan struct{}), release: make(chan struct{})}
	m := &Main{Store: StoreConfig{DataDir: dir}, Addr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0", Progress: hold}
	started := make(chan error, 1)
	go func() { started <- m.Run(context.Background()) }()
	<-hold.writing // the rebuild is under way, and waits
	code, body := call(t, "GET", m.MetricsURL()+"/readyz", "", "")
	close(hold.release)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "being rebuilt") {
		t.Errorf("GET /readyz during the start's rebuild = %d %s, want 503 naming the rebuild", code, body)
	}
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if code, body := call(t, "GET", m.MetricsURL()+"/readyz", "", ""); code != 200 {
		t.Errorf("GET /readyz once started = %d %s, want 200", code, body)
	}

	// A start that fails closes the metrics listener with it.
	bad := &Main{Store: StoreConfig{DataDir: t.TempDir()}, Addr: "bad address", MetricsAddr: "127.0.0.1:0"}
	if err := bad.Run(context.Background()); err == nil {
		bad.Close()
		t.Fatal("Run on a bad address succeeded")
	}
	if _, err := http.Get(bad.MetricsURL() + "/readyz"); err == nil {
		t.Error("the metrics listener still answers after a failed start")
	}
}

// heldWriter blocks its first Write until release is closed, saying so on
// writing.
type heldWriter struct {
	once             sync.Once
	writing, release chan struct{}
}

func (w *heldWriter) Write(p []byte) (int, error) {
	w.once.Do(func() {
		close(w.writing)
		<-w.release
	})
	return len(p), nil
}

func TestReadyMaxLagFlag(t *testing.T) {
	if err := checkMaxLag(time.Second, time.Second); err == nil || !strings.Contains(err.Error(), "--ready-max-lag") {
		t.Errorf("a threshold under two follow intervals: %v, want refused", err)
	}
	if err := checkMaxLag(30*time.Second, time.Second); err != nil {
		t.Error(err)
	}
	if err := checkMaxLag(-1, time.Second); err != nil { // off
		t.Error(err)
	}
}
