package door

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// DefaultMaxFollowLag is how far behind the other nodes' writes a node's
// search index may be and the node still be ready. The follower reads the
// audit log every second (search.DefaultFollowInterval) and a write on
// another node is searchable within a poll plus the 5 s look-back; a
// catch-up after a large import takes a few seconds more. Thirty seconds
// behind means many polls in a row failed or are stuck (the store out of
// reach, the index failing): such a node answers searches that miss what
// the others wrote, and should leave the load balancer until it catches up.
const DefaultMaxFollowLag = 30 * time.Second

// Readiness says whether a node should get traffic, for GET /readyz: not
// while it starts (the store opens, the search index is checked or
// rebuilt, the match state is loaded), nor while the index is rebuilt,
// nor while the index's follower is more than MaxLag behind the audit
// log. Liveness (GET /healthz) is another question: a node that is not
// ready is alive, and must not be restarted for catching up. A Readiness
// is safe for concurrent use; the state is set by its owner (cmd/ipmatch)
// or, in tests, injected directly.
type Readiness struct {
	maxLag time.Duration // 0: the lag is not checked

	mu         sync.Mutex
	starting   string // what the node is doing while it starts; "" once started
	rebuilding bool
	lag        func() time.Duration
}

// NewReadiness returns a Readiness that is not ready ("starting") until
// Started. maxLag bounds the follower's lag (DefaultMaxFollowLag); 0 or
// less does not check it.
func NewReadiness(maxLag time.Duration) *Readiness {
	return &Readiness{maxLag: max(0, maxLag), starting: "starting"}
}

// Starting says what the starting node is doing now (it is not ready).
func (r *Readiness) Starting(what string) {
	r.mu.Lock()
	r.starting = what
	r.mu.Unlock()
}

// Started marks the start done.
func (r *Readiness) Started() { r.Starting("") }

// Rebuilding says whether the search index is being rebuilt: a
// search.Options.Rebuilding.
func (r *Readiness) Rebuilding(on bool) {
	r.mu.Lock()
	r.rebuilding = on
	r.mu.Unlock()
}

// FollowLag sets how the follower's lag is read (search.Follower.Lag); nil
// reads none (a lag of 0).
func (r *Readiness) FollowLag(lag func() time.Duration) {
	r.mu.Lock()
	r.lag = lag
	r.mu.Unlock()
}

// Lag returns the follower's lag, 0 before FollowLag.
func (r *Readiness) Lag() time.Duration {
	r.mu.Lock()
	lag := r.lag
	r.mu.Unlock()
	if lag == nil {
		return 0
	}
	return lag()
}

// Check reports whether the node is ready, and if not why.
func (r *Readiness) Check() (ready bool, reason string) {
	r.mu.Lock()
	starting, rebuilding := r.starting, r.rebuilding
	r.mu.Unlock()
	switch {
	case rebuilding:
		return false, "the search index is being rebuilt"
	case starting != "":
		return false, starting
	}
	if lag := r.Lag(); r.maxLag > 0 && lag > r.maxLag {
		return false, fmt.Sprintf("the search index is %s behind the audit log, more than %s", lag.Round(time.Second), r.maxLag)
	}
	return true, ""
}

// ReadyBody is the JSON answer of GET /readyz.
type ReadyBody struct {
	Status string `json:"status"` // "ready" or "not_ready"
	Reason string `json:"reason,omitempty"`
	// FollowLagSeconds is the search index's lag behind the audit log.
	FollowLagSeconds float64 `json:"follow_lag_seconds"`
}

// ServeHTTP answers GET and HEAD /readyz: 200 when ready, 503 with the
// reason otherwise, never cached.
func (r *Readiness) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ok, reason := r.Check()
	body := ReadyBody{Status: "ready", FollowLagSeconds: r.Lag().Seconds()}
	status := http.StatusOK
	if !ok {
		body.Status, body.Reason, status = "not_ready", reason, http.StatusServiceUnavailable
	}
	var buf bytes.Buffer
	json.NewEncoder(&buf).Encode(body)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if req.Method == http.MethodGet {
		w.Write(buf.Bytes())
	}
}
