package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// addDebugAddrFlag registers --debug-addr: when set, "ipmatch serve" also
// listens there for Go's profiler (net/http/pprof under /debug/pprof/),
// so an operator can see where a busy node spends its CPU and memory
// (go tool pprof http://ADDR/debug/pprof/profile). It is a separate
// listener, off by default, because profiles reveal the program's inner
// workings and cost CPU while they run: bind it to loopback.
func addDebugAddrFlag(fs *flag.FlagSet, addr *string) {
	fs.StringVar(addr, "debug-addr", env("IPMATCH_DEBUG_ADDR", ""),
		"also serve Go's profiler (/debug/pprof/) on this address, such as 127.0.0.1:6060 (IPMATCH_DEBUG_ADDR); off by default")
}

// serveDebug starts the profiler's listener on addr and returns the
// address it bound; stop closes it.
func serveDebug(addr string, logger *slog.Logger) (bound string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, usageError("--debug-addr (or IPMATCH_DEBUG_ADDR): %v", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	bound, stop = serveSide(ln, srv, logger, "profiler")
	return bound, stop, nil
}

// serveSide serves srv on ln, a side listener of serve's (the profiler,
// the metrics), logging its start as what, and returns the address bound
// and how to stop it.
func serveSide(ln net.Listener, srv *http.Server, logger *slog.Logger, what string) (bound string, stop func()) {
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Warn(what+" listener stopped", "err", err)
		}
	}()
	logger.Info(what+" listening", "addr", ln.Addr().String())
	return ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}
}
