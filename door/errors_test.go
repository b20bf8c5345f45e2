package door

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
	"ipmatch/data/sqlite"
)

// newTestServer returns a Server over a fresh store whose log is kept,
// with a pages door that renders "PAGE <status> <code> <message>".
func newTestServer(t *testing.T) (*Server, *strings.Builder) {
	t.Helper()
	store, err := sqlite.Open(t.Context(), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	logs := &strings.Builder{}
	s := New(store, slog.New(slog.NewTextHandler(logs, nil)), Config{})
	s.SetPages(func(path string) bool { return strings.HasPrefix(path, "/app/") }, func(c *gin.Context, err error) {
		code := data.ErrorCode(err)
		c.String(StatusOf[code], "PAGE %d %s %s", StatusOf[code], code, data.ErrorMessage(err))
	})
	return s, logs
}

// TestOneFailurePathTwoRenderers: whichever door fails, WriteError and
// recover classify the failure the same way and log an internal one once
// with its cause; the page door renders a page, the API the envelope, and
// neither shows the cause.
func TestOneFailurePathTwoRenderers(t *testing.T) {
	s, logs := newTestServer(t)
	cause := errors.New("disk on fire at /var/lib/ipmatch")
	fail := s.Handle(func(c *gin.Context) error { return fmt.Errorf("loading: %w", cause) })
	wrapped := s.Handle(func(c *gin.Context) error { return data.Wrap(data.CodeInternal, cause, "loading the pools") })
	s.Engine.GET("/api/v1/wrapped", wrapped)
	s.Engine.GET("/app/wrapped", wrapped)
	boom := func(c *gin.Context) { panic("boom") }
	s.Engine.GET("/api/v1/fail", fail)
	s.Engine.GET("/app/fail", fail)
	s.Engine.GET("/api/v1/panic", boom)
	s.Engine.GET("/app/panic", boom)

	for _, tc := range []struct{ path, want string }{
		{"/api/v1/fail", `{"error":{"code":"internal","message":"internal error"}}`},
		{"/app/fail", "PAGE 500 internal internal error"},
		{"/api/v1/panic", `{"error":{"code":"internal","message":"internal error"}}`},
		{"/app/panic", "PAGE 500 internal internal error"},
		{"/api/v1/wrapped", `{"error":{"code":"internal","message":"internal error"}}`},
		{"/app/wrapped", "PAGE 500 internal internal error"},
	} {
		logs.Reset()
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, httptest.NewRequest("GET", tc.path, nil))
		if w.Code != http.StatusInternalServerError || strings.TrimSpace(w.Body.String()) != tc.want {
			t.Errorf("%s: %d %q, want 500 %q", tc.path, w.Code, w.Body, tc.want)
		}
		if strings.Contains(w.Body.String(), "disk on fire") {
			t.Errorf("%s: the cause reached the client: %s", tc.path, w.Body)
		}
		if n := strings.Count(logs.String(), "level=ERROR"); n != 1 {
			t.Errorf("%s: %d ERROR lines, want 1:\n%s", tc.path, n, logs)
		}
		if !strings.HasSuffix(tc.path, "panic") && !strings.Contains(logs.String(), "disk on fire") {
			t.Errorf("%s: the cause is not logged:\n%s", tc.path, logs)
		}
	}
}

// TestClientGoneIsNoError: a request whose client went away (its context
// cancelled) is logged as such, not as an internal error, at both doors.
func TestClientGoneIsNoError(t *testing.T) {
	s, logs := newTestServer(t)
	gone := s.Handle(func(c *gin.Context) error { return fmt.Errorf("listing: %w", context.Canceled) })
	s.Engine.GET("/api/v1/gone", gone)
	s.Engine.GET("/app/gone", gone)
	for _, path := range []string{"/api/v1/gone", "/app/gone"} {
		logs.Reset()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, httptest.NewRequest("GET", path, nil).WithContext(ctx))
		if strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "request canceled") {
			t.Errorf("%s: a client that went away is logged as an error:\n%s", path, logs)
		}
	}
}

// TestBusyCarriesRetryAfter: a busy refusal from any layer (data.Busy, as
// the search gate answers) reaches both doors as 429 with its Retry-After,
// in whole seconds rounded up.
func TestBusyCarriesRetryAfter(t *testing.T) {
	s, _ := newTestServer(t)
	busy := s.Handle(func(c *gin.Context) error {
		return fmt.Errorf("searching: %w", data.Busy(2500*time.Millisecond, "the search service is busy"))
	})
	s.Engine.GET("/api/v1/busy", busy)
	s.Engine.GET("/app/busy", busy)
	for _, path := range []string{"/api/v1/busy", "/app/busy"} {
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "3" {
			t.Errorf("%s: %d, Retry-After %q; want 429 and 3", path, w.Code, w.Header().Get("Retry-After"))
		}
	}
}
