package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// startLimited starts a server without demo data under limits.
func startLimited(t *testing.T, limits ServeLimits) *Main {
	t.Helper()
	m := &Main{Store: StoreConfig{DataDir: t.TempDir()}, Addr: "127.0.0.1:0", Limits: limits}
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

// slowLoris opens a connection that sends a form POST's headers and then
// its body a byte at a time, far slower than the body's length needs. It
// returns the connection; the trickle stops when the server closes it.
func slowLoris(t *testing.T, m *Main) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(m.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_, err = io.WriteString(conn, "POST /signin HTTP/1.1\r\nHost: 127.0.0.1\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			if _, err := conn.Write([]byte("a")); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	return conn
}

// closedByServer waits for the server to end conn: a read returns EOF or
// a reset, not our own safety deadline.
func closedByServer(t *testing.T, conn net.Conn) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(time.Minute))
	_, err := io.Copy(io.Discard, bufio.NewReader(conn))
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("the server kept a slow client's connection open")
	}
}

func TestSlowBodyIsCutOff(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test waits out the server's read deadlines (≈10 s); CI runs it")
	}
	m := startLimited(t, ServeLimits{ReadTimeout: 300 * time.Millisecond, MaxConns: 2})
	// Both connections the server allows are held by slow bodies …
	a, b := slowLoris(t, m), slowLoris(t, m)
	// … until the read deadline ends them,
	closedByServer(t, a)
	closedByServer(t, b)
	// and a real client is served.
	resp, err := (&http.Client{Timeout: time.Minute}).Get(m.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz after the slow clients: %d", resp.StatusCode)
	}
}

func TestConnectionCap(t *testing.T) {
	m := startLimited(t, ServeLimits{MaxConns: 1})
	holder, err := net.Dial("tcp", strings.TrimPrefix(m.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	// A first byte makes sure the server accepted this connection first.
	io.WriteString(holder, "G")
	done := make(chan error, 1)
	go func() {
		resp, err := (&http.Client{Timeout: time.Minute}).Get(m.URL() + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("a second connection was served beyond --max-conns 1 (err %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	holder.Close()
	if err := <-done; err != nil {
		t.Fatalf("the waiting client once the first left: %v", err)
	}
}

func TestServeLimitFlags(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--read-timeout", "0s"},
		{"serve", "--write-timeout", "soon"},
		{"serve", "--max-conns", "-1"},
		{"serve", "--max-header-bytes", "lots"},
	} {
		_, errOut, code := runCLI(t, append(args, "--data", t.TempDir())...)
		if code != 2 || !strings.Contains(errOut, strings.TrimPrefix(args[1], "--")) {
			t.Errorf("%v: exit %d, stderr %q; want a usage error naming the flag", args, code, errOut)
		}
	}
}
