package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startBlocking starts a server on an empty store whose path /test/slow
// signals entered and then runs block before it answers.
func startBlocking(t *testing.T, timeout time.Duration, block func(r *http.Request) string) (m *Main, entered chan struct{}) {
	t.Helper()
	entered = make(chan struct{})
	m = &Main{Store: StoreConfig{DataDir: t.TempDir()}, Addr: "127.0.0.1:0", ShutdownTimeout: timeout, MonitorAt: "00:00"}
	m.wrapHandler = func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/test/slow" {
				next.ServeHTTP(w, r)
				return
			}
			close(entered)
			io.WriteString(w, block(r))
		})
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m, entered
}

// within fails the test if ch does not deliver in a minute: a guard
// against a hang, not a measure.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(time.Minute):
		t.Fatalf("%s: nothing after a minute", what)
		panic("unreachable")
	}
}

// TestShutdownDrainsInFlight checks the graceful shutdown: once Close has
// begun, new connections are refused while a request in flight goes on
// and gets its whole answer; then the follower, the background work and
// the store stop.
func TestShutdownDrainsInFlight(t *testing.T) {
	release := make(chan struct{})
	m, entered := startBlocking(t, time.Minute, func(*http.Request) string {
		<-release
		return "finished"
	})
	addr := m.listener.Addr().String()
	type answer struct {
		body string
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		resp, err := http.Get(m.URL() + "/test/slow")
		if err != nil {
			got <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- answer{string(b), err}
	}()
	within(t, entered, "the slow request")

	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	within(t, m.closed, "the listener's close")

	// No new connection is accepted…
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Fatal("a new connection was accepted during the shutdown")
	}
	// …while the request in flight holds the shutdown open.
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) with a request in flight", err)
	default:
	}
	close(release)
	if a := within(t, got, "the slow answer"); a.err != nil || a.body != "finished" {
		t.Fatalf("the request in flight got %q, %v; want its whole answer", a.body, a.err)
	}
	if err := within(t, closed, "Close"); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// The follower and the background work (the daily check and webhook
	// deliveries are scheduled: MonitorAt) have stopped, and the store is
	// closed.
	select {
	case <-m.followed:
	default:
		t.Error("the follower still runs after Close")
	}
	if _, err := m.store.Banks().Count(context.Background()); err == nil {
		t.Error("the store still answers after Close")
	}
}

// TestShutdownCancelsPastTimeout checks that a request still running at
// the shutdown timeout is cancelled (its context ends) and Close returns.
func TestShutdownCancelsPastTimeout(t *testing.T) {
	cause := make(chan error, 1)
	m, entered := startBlocking(t, time.Millisecond, func(r *http.Request) string {
		<-r.Context().Done() // never released: only the shutdown ends it
		cause <- r.Context().Err()
		return "cancelled"
	})
	go http.Get(m.URL() + "/test/slow")
	within(t, entered, "the slow request")
	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	if err := within(t, cause, "the request's cancellation"); !errors.Is(err, context.Canceled) {
		t.Fatalf("the request's context ended with %v, want context.Canceled", err)
	}
	if err := within(t, closed, "Close"); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n := m.inflight.count(); n != 0 {
		t.Errorf("%d requests still counted after Close", n)
	}
}

// TestServeShutdownFlag checks --shutdown-timeout and its variable.
func TestServeShutdownFlag(t *testing.T) {
	t.Setenv("IPMATCH_SHUTDOWN_TIMEOUT", "soon")
	var out, errb strings.Builder
	if code := run(context.Background(), []string{"serve", "--data", t.TempDir()}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "IPMATCH_SHUTDOWN_TIMEOUT") {
		t.Fatalf("exit %d, %q: want a usage error naming IPMATCH_SHUTDOWN_TIMEOUT", code, errb.String())
	}
}
