package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// runHealthcheck asks a running server's GET /healthz and fails unless it
// answers 200 with status ok. It is the container's HEALTHCHECK: the
// image (distroless) has no shell or curl. The address defaults to
// serve's (IPMATCH_ADDR), with an unspecified host (0.0.0.0, ::) asked on
// loopback.
func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	addr := fs.String("addr", env("IPMATCH_ADDR", "127.0.0.1:8080"), "the server's listen address (IPMATCH_ADDR)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		return usageError("--addr (or IPMATCH_ADDR): %v", err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	url := "http://" + net.JoinHostPort(host, port) + "/healthz"
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	var h struct{ Status, Version string }
	err = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&h)
	if resp.StatusCode != http.StatusOK || err != nil || h.Status != "ok" {
		return fmt.Errorf("GET %s: %s (status %q)", url, resp.Status, h.Status)
	}
	fmt.Fprintf(stdout, "ok %s %s\n", url, h.Version)
	return nil
}
