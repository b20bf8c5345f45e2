package main

import (
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// defaultShutdownTimeout is how long "ipmatch serve" lets the requests in
// flight finish after SIGTERM or SIGINT. The slowest ordinary answers (a
// pipeline, report or export over 10,000 enterprises) take about 5 s after
// waiting up to door.ExpensiveQueueWait (10 s) for a slot, so 20 s lets
// every one of them finish; it stays under Kubernetes' default grace of
// 30 s before SIGKILL, leaving time to close the index and the store. An
// import may run for minutes: one in flight at the timeout is cancelled
// (its batches already stored stay, each with its audit entry). Docker's
// own default grace is 10 s: give `docker stop` -t 30 (the compose file
// sets stop_grace_period).
const defaultShutdownTimeout = 20 * time.Second

// shutdownCancelGrace is how long cancelled requests get to return before
// the store closes: they stop at their next check of the context.
const shutdownCancelGrace = 5 * time.Second

// inflight counts the requests being handled, so a shutdown that cancels
// them can wait until they have returned.
type inflight struct{ n atomic.Int64 }

// track returns h counting its requests in f.
func (f *inflight) track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.n.Add(1)
		defer f.n.Add(-1)
		h.ServeHTTP(w, r)
	})
}

func (f *inflight) count() int64 { return f.n.Load() }

// wait waits up to d for every tracked request to return and reports how
// many are still running.
func (f *inflight) wait(d time.Duration) int64 {
	deadline := time.Now().Add(d)
	for f.count() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	return f.count()
}

// closeNotifyListener is a listener that closes its channel closed once
// it is closed: from then on no connection is accepted.
type closeNotifyListener struct {
	net.Listener
	once   sync.Once
	closed chan struct{}
}

func newCloseNotifyListener(ln net.Listener) *closeNotifyListener {
	return &closeNotifyListener{Listener: ln, closed: make(chan struct{})}
}

func (l *closeNotifyListener) Close() error {
	err := l.Listener.Close()
	l.once.Do(func() { close(l.closed) })
	return err
}

// envBool reads a boolean environment variable (true, 1, false, 0 …);
// unset, empty or unreadable is false.
func envBool(name string) bool {
	v, err := strconv.ParseBool(os.Getenv(name))
	return err == nil && v
}
