package main

import (
	"flag"
	"log/slog"
	"net"
	"net/http"
	"time"

	"ipmatch/door"
)

// addMetricsFlags registers --metrics-addr and --ready-max-lag of serve.
//
// The metrics and the readiness check get a listener of their own, off by
// default like --debug-addr, and never the public one: the metrics name
// every route, the store's and the index's sizes and the node's load,
// which are nobody's business on the internet, and a separate address
// needs no token to hand out and rotate (a scraper and a probe on the
// private network reach it, a firewall keeps everyone else out). It also
// opens first, before the store and the index, so GET /readyz answers 503
// while a node starts or rebuilds its index, where the public listener is
// not open yet.
func addMetricsFlags(fs *flag.FlagSet, m *Main) (parse func() error) {
	fs.StringVar(&m.MetricsAddr, "metrics-addr", env("IPMATCH_METRICS_ADDR", ""),
		"also serve GET /metrics (Prometheus) and GET /readyz on this address, such as 127.0.0.1:9464 (IPMATCH_METRICS_ADDR); off by default")
	lag := fs.String("ready-max-lag", env("IPMATCH_READY_MAX_LAG", door.DefaultMaxFollowLag.String()),
		"GET /readyz answers 503 while the search index is more than this behind other nodes' writes; \"off\" never (IPMATCH_READY_MAX_LAG)")
	return func() error {
		if *lag == "off" {
			m.MaxFollowLag = -1
			return nil
		}
		d, err := time.ParseDuration(*lag)
		if err != nil || d <= 0 {
			return usageError("--ready-max-lag (or IPMATCH_READY_MAX_LAG): want a positive duration such as 30s, or off, not %q", *lag)
		}
		m.MaxFollowLag = d
		return nil
	}
}

// checkMaxLag refuses a lag threshold a follower keeping up would cross:
// its lag reaches the poll interval before every poll.
func checkMaxLag(maxLag, interval time.Duration) error {
	if maxLag > 0 && maxLag <= 2*interval {
		return usageError("--ready-max-lag %s must be more than twice --follow-interval (%s): a follower keeping up is that far behind before each poll", maxLag, interval)
	}
	return nil
}

// serveOps starts the listener of GET /metrics and GET /readyz on addr
// (metrics may be nil: then /readyz only) and returns the address it
// bound; stop closes it.
func serveOps(addr string, metrics *door.Metrics, ready *door.Readiness, logger *slog.Logger) (bound string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, usageError("--metrics-addr (or IPMATCH_METRICS_ADDR): %v", err)
	}
	mux := http.NewServeMux()
	if metrics != nil {
		mux.Handle("/metrics", metrics.Handler())
	}
	mux.Handle("/readyz", ready)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	bound, stop = serveSide(ln, srv, logger, "metrics and readiness")
	return bound, stop, nil
}
