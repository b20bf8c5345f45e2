package door

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"ipmatch/data/memstore"
)

// fakeClock is a settable clock for the sampler.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// TestLogSampler walks a route through seconds of traffic on a fake clock.
func TestLogSampler(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}
	s := newLogSampler(LogSampling{First: 3, Every: 4, Slow: time.Second, Now: clock.now})
	fast := time.Millisecond
	var got []bool
	var drops []int
	for range 12 {
		keep, dropped := s.keep("GET", "/api/v1/patents", 200, fast)
		got = append(got, keep)
		drops = append(drops, dropped)
	}
	// The first 3, then the 4th of every 4 after them: requests 7 and 11.
	want := []bool{true, true, true, false, false, false, true, false, false, false, true, false}
	wantDrops := []int{0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 3, 0}
	for i := range want {
		if got[i] != want[i] || drops[i] != wantDrops[i] {
			t.Fatalf("request %d: logged %v dropped %d; want %v, %d (all: %v %v)", i+1, got[i], drops[i], want[i], wantDrops[i], got, drops)
		}
	}
	// Another route has its own count.
	if keep, _ := s.keep("GET", "/api/v1/products", 200, fast); !keep {
		t.Error("another route's first request was dropped")
	}
	// Failures, slow requests and writes are always logged.
	for _, c := range []struct {
		method string
		status int
		took   time.Duration
	}{{"GET", 404, fast}, {"GET", 500, fast}, {"GET", 429, fast}, {"GET", 200, time.Second}, {"POST", 200, fast}, {"PUT", 204, fast}, {"DELETE", 204, fast}} {
		if keep, _ := s.keep(c.method, "/api/v1/patents", c.status, c.took); !keep {
			t.Errorf("%s %d in %v was dropped", c.method, c.status, c.took)
		}
	}
	// A new second starts the count again; the line carries the route's
	// requests dropped since its last one (request 12 of the last second).
	clock.t = clock.t.Add(time.Second)
	if keep, dropped := s.keep("GET", "/api/v1/patents", 200, fast); !keep || dropped != 1 {
		t.Errorf("the first request of the next second: logged %v dropped %d; want true, 1", keep, dropped)
	}
	// Every 1 logs everything.
	all := newLogSampler(LogSampling{First: 1, Every: 1, Now: clock.now})
	for i := range 50 {
		if keep, _ := all.keep("GET", "/", 200, fast); !keep {
			t.Fatalf("Every 1 dropped request %d", i+1)
		}
	}
}

// TestLogSamplerRoutesBounded checks that unmatched or countless routes
// cannot grow the sampler without bound.
func TestLogSamplerRoutesBounded(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	s := newLogSampler(LogSampling{First: 1, Every: 1000, Now: clock.now})
	for i := range 3 * maxSampledRoutes {
		s.keep("GET", fmt.Sprintf("/r/%d", i), 200, 0)
	}
	if n := len(s.routes); n > maxSampledRoutes+1 {
		t.Fatalf("%d routes counted, want at most %d", n, maxSampledRoutes+1)
	}
}

// TestAccessLogSampling checks the access log through a server: sampled
// out requests are written at debug level, the others at info.
func TestAccessLogSampling(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := New(memstore.New(), logger, Config{LogSampling: LogSampling{First: 2, Every: 5, Now: clock.now}})
	t.Cleanup(s.Close)
	s.Engine.GET("/ok", func(c *gin.Context) { c.String(200, "ok") })
	for range 7 {
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/ok", nil))
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/missing", nil))
	var levels []string
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil || m["msg"] != "request" {
			continue
		}
		l := m["level"].(string)
		if d, ok := m["dropped"]; ok {
			l += "+" + jsonString(d)
		}
		levels = append(levels, l+" "+m["path"].(string))
	}
	want := "INFO /ok,INFO /ok,DEBUG /ok,DEBUG /ok,DEBUG /ok,DEBUG /ok,INFO+4 /ok,INFO /missing"
	if got := strings.Join(levels, ","); got != want {
		t.Fatalf("log lines:\n got %s\nwant %s", got, want)
	}
	// At info level the dropped ones are not written at all.
	logs.Reset()
	quiet := New(memstore.New(), slog.New(slog.NewJSONHandler(&logs, nil)), Config{LogSampling: LogSampling{First: 1, Every: 100, Now: clock.now}})
	t.Cleanup(quiet.Close)
	quiet.Engine.GET("/ok", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	for range 5 {
		quiet.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/ok", nil))
	}
	if n := strings.Count(logs.String(), `"msg":"request"`); n != 1 {
		t.Fatalf("%d request lines at info level, want 1:\n%s", n, logs.String())
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
