package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthcheck checks "ipmatch healthcheck" against a server, a server
// whose store fails, and no server.
func TestHealthcheck(t *testing.T) {
	m := &Main{Store: StoreConfig{DataDir: t.TempDir()}, Addr: "127.0.0.1:0"}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(m.listener.Addr().String())
	check := func(args ...string) (int, string) {
		var out, errb strings.Builder
		code := run(context.Background(), append([]string{"healthcheck"}, args...), &out, &errb)
		return code, out.String() + errb.String()
	}
	// A listen address on every interface is asked on loopback.
	for _, addr := range []string{"127.0.0.1:" + port, "0.0.0.0:" + port, ":" + port} {
		if code, out := check("--addr", addr); code != 0 || !strings.HasPrefix(out, "ok ") {
			t.Errorf("healthcheck --addr %s: exit %d, %q; want 0", addr, code, out)
		}
	}
	t.Setenv("IPMATCH_ADDR", "0.0.0.0:"+port)
	if code, out := check(); code != 0 {
		t.Errorf("healthcheck with IPMATCH_ADDR: exit %d, %q", code, out)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if code, out := check("--addr", "127.0.0.1:"+port); code != 1 {
		t.Errorf("healthcheck of a stopped server: exit %d, %q; want 1", code, out)
	}
	// An answer other than 200 with status ok fails.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"code":"internal"}}`, http.StatusInternalServerError)
	}))
	defer bad.Close()
	if code, out := check("--addr", strings.TrimPrefix(bad.URL, "http://")); code != 1 || !strings.Contains(out, "500") {
		t.Errorf("healthcheck of a failing server: exit %d, %q; want 1 naming 500", code, out)
	}
}
