package door

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestReadiness walks a node's readiness through its states, injected
// rather than waited for: starting, rebuilding, ready, behind the audit
// log, caught up.
func TestReadiness(t *testing.T) {
	r := NewReadiness(30 * time.Second)
	lag := time.Duration(0)
	steps := []struct {
		name   string
		set    func()
		status int
		reason string
	}{
		{"new", func() {}, 503, "starting"},
		{"opening", func() { r.Starting("opening the store") }, 503, "opening the store"},
		{"rebuilding at start", func() { r.Rebuilding(true) }, 503, "being rebuilt"},
		{"rebuilt, still starting", func() { r.Rebuilding(false) }, 503, "opening the store"},
		{"started", func() { r.FollowLag(func() time.Duration { return lag }); r.Started() }, 200, ""},
		{"lag at the threshold", func() { lag = 30 * time.Second }, 200, ""},
		{"lag over it", func() { lag = 45 * time.Second }, 503, "45s behind the audit log, more than 30s"},
		{"caught up", func() { lag = time.Second }, 200, ""},
		{"rebuilding while serving", func() { r.Rebuilding(true) }, 503, "being rebuilt"},
		{"rebuilt", func() { r.Rebuilding(false) }, 200, ""},
	}
	for _, s := range steps {
		s.set()
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("GET", "/readyz", nil))
		var body ReadyBody
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if w.Code != s.status || !strings.Contains(body.Reason, s.reason) {
			t.Errorf("%s: %d %+v, want %d with reason %q", s.name, w.Code, body, s.status, s.reason)
		}
		if (w.Code == 200) != (body.Status == "ready") {
			t.Errorf("%s: status %d with body status %q", s.name, w.Code, body.Status)
		}
		if w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", s.name, w.Header().Get("Cache-Control"))
		}
	}
	// HEAD answers the status without a body; other methods are refused.
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("HEAD", "/readyz", nil))
	if w.Code != 200 || w.Body.Len() != 0 {
		t.Errorf("HEAD /readyz = %d with %d bytes", w.Code, w.Body.Len())
	}
	w = httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("POST", "/readyz", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /readyz = %d, want 405", w.Code)
	}

	// Without a threshold the lag is reported, never refused.
	off := NewReadiness(0)
	off.FollowLag(func() time.Duration { return time.Hour })
	off.Started()
	if ok, why := off.Check(); !ok {
		t.Errorf("no threshold, an hour behind: not ready (%s)", why)
	}
}
