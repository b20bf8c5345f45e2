package api

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestRefusalsDoNotWaitForSlowBodies: a request that announces a body and
// sends it a byte at a time used to hold its connection until the read
// timeout, even when it was refused at once (no credential, a bad token):
// Go's server drains an unread body before it answers. A thousand such
// connections held the server's connection cap. Now the refusal is sent at
// once and the connection closed.
func TestRefusalsDoNotWaitForSlowBodies(t *testing.T) {
	f := newFixture(t, Config{})
	// The handler itself: the tests' OpenAPI validator reads bodies first.
	srv := httptest.NewServer(New(f.store, nil, Config{}))
	t.Cleanup(srv.Close)
	for _, tc := range []struct{ name, authz string }{
		{"no credential", ""},
		{"unknown token", "Authorization: Bearer " + mUnknownToken + "\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// The headers and the first byte of a 100,000-byte body; the
			// rest never comes.
			req := "POST /api/v1/valuations/income HTTP/1.1\r\nHost: ipmatch\r\nContent-Type: application/json\r\n" +
				tc.authz + "Content-Length: 100000\r\n\r\n{"
			if _, err := conn.Write([]byte(req)); err != nil {
				t.Fatal(err)
			}
			// Generous: the answer comes at once; before the fix it never
			// came while the body was pending.
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no answer while the body is pending: %v", err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", resp.StatusCode)
			}
			if !resp.Close && !strings.EqualFold(resp.Header.Get("Connection"), "close") {
				t.Errorf("the connection is kept for the rest of the body: %v", resp.Header)
			}
		})
	}
}
