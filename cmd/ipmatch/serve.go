package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"ipmatch/api"
	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/door"
	"ipmatch/search"
	"ipmatch/web"
)

// Main is a running ipmatch server. Tests start one on port 0 with Run and
// stop it with Close.
type Main struct {
	Store StoreConfig
	Addr  string // listen address; "127.0.0.1:0" picks a free port
	Demo  bool   // load the Gaoyao demo and create a token per role
	// Weights is an AHP weights configuration file; "" is the embedded
	// finance scenario.
	Weights string
	// Calibration is a calibration file (ipmatch calibrate --out); "" is
	// the shipped one (matcher.DefaultCalibration).
	Calibration string
	Logger      *slog.Logger
	// Index is the search index directory; "" picks the default (indexDir).
	Index string
	// Progress, when set, shows the index rebuild's progress bar (a terminal).
	Progress io.Writer
	// FollowInterval is how often the search index reads the audit log for
	// other nodes' writes (default search.DefaultFollowInterval).
	FollowInterval time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (see door.Config.TrustedProxies).
	TrustedProxies []string
	// Node names this node in the audit log; "" is the index's own name
	// (search.Index.Node), shared with imports through the same index.
	Node string
	// Limits bound slow clients and open connections (serve_limits.go).
	Limits ServeLimits
	// MonitorAt, when set ("HH:MM", China Standard Time), runs the daily
	// check of live deals then, and once at start, and sends the banks'
	// webhooks due (monitor.go); "" runs neither (serve's flag defaults
	// to DefaultMonitorAt).
	MonitorAt string
	// Webhooks sets the sending of alerts to banks' webhooks.
	Webhooks app.WebhookConfig
	// LogSampling says which requests the access log writes
	// (door.LogSampling).
	LogSampling door.LogSampling
	// ShutdownTimeout bounds how long Close lets the requests in flight
	// finish before it cancels them (default defaultShutdownTimeout).
	ShutdownTimeout time.Duration
	// SpoolDir is where import bodies are spooled (door.Config.ImportSpoolDir);
	// Run creates it. "" is os.TempDir().
	SpoolDir string

	// wrapHandler, when set (tests), wraps the server's handler.
	wrapHandler func(http.Handler) http.Handler
	// closed is closed once the listener is, so no connection is accepted.
	closed <-chan struct{}
	// cancelRequests ends the context of every request (the shutdown
	// timeout passed); inflight counts the requests being handled.
	cancelRequests context.CancelFunc
	inflight       *inflight
	// MetricsAddr, when set, is where GET /metrics and GET /readyz are
	// served (metricsaddr.go); "127.0.0.1:0" picks a free port.
	MetricsAddr string
	// MaxFollowLag is how far the search index may be behind the audit
	// log with the node still ready: 0 means door.DefaultMaxFollowLag,
	// less than 0 does not check it.
	MaxFollowLag time.Duration

	store      data.Store
	doors      *door.Server // its background sweeps stop on Close
	stopFollow context.CancelFunc
	followed   chan struct{}
	listener   net.Listener
	server     *http.Server
	done       chan error
	// ready says whether the node should get traffic (GET /readyz);
	// metrics, with MetricsAddr, are its Prometheus metrics; stopOps
	// closes their listener, bound at opsAddr.
	ready   *door.Readiness
	metrics *door.Metrics
	stopOps func()
	opsAddr string
	// DemoTokens holds the secrets created by a demo start, by role.
	DemoTokens map[data.Role]string
	// DemoAccounts says, per role, whom a demo start's token and user
	// stand for and the user's fresh password (serve_demo.go).
	DemoAccounts  []DemoAccount
	demoEventName string // the demo event's name and date, for printDemo
}

// Run opens the store, loads the demo if asked, and starts serving in the
// background. It returns once the server accepts connections. With
// MetricsAddr, the metrics and readiness listener opens first, so GET
// /readyz answers 503 while the store, the index and the match state are
// made ready.
func (m *Main) Run(ctx context.Context) error {
	if m.Logger == nil {
		m.Logger = slog.New(slog.DiscardHandler)
	}
	maxLag := m.MaxFollowLag
	if maxLag == 0 {
		maxLag = door.DefaultMaxFollowLag
	}
	m.ready = door.NewReadiness(maxLag)
	if m.MetricsAddr != "" {
		m.metrics = door.NewMetrics()
		m.metrics.WatchReadiness(m.ready)
		bound, stop, err := serveOps(m.MetricsAddr, m.metrics, m.ready, m.Logger)
		if err != nil {
			return err
		}
		m.opsAddr, m.stopOps = bound, stop
	}
	err := m.run(ctx)
	if err != nil && m.stopOps != nil {
		m.stopOps()
		m.stopOps = nil
	}
	return err
}

func (m *Main) run(ctx context.Context) error {
	model, err := loadMatcher(m.Weights, m.Calibration)
	if err != nil {
		return err
	}
	m.ready.Starting("opening the store")
	store, err := openStore(ctx, m.Store, m.Logger)
	if err != nil {
		return err
	}
	// Expensive requests may use only part of the read connections
	// (door.Config.StoreReadConns); the wrappers below hide the pool size.
	readConns := 0
	if rc, ok := store.(interface{ ReadConns() int }); ok {
		readConns = rc.ReadConns()
	}
	raw := store
	var searchObserve func(op, kind string, d time.Duration)
	if m.metrics != nil {
		// Every store operation is timed, the index's and the
		// follower's included.
		store = data.Timed(store, m.metrics.ObserveStore)
		searchObserve = m.metrics.ObserveSearch
	}
	// The wrapped store keeps the index in step and closes it with itself.
	m.ready.Starting("opening the search index")
	idx, err := openIndexWith(ctx, indexDir(m.Index, m.Store), store, search.Options{Logger: m.Logger, Progress: m.Progress,
		Observe: searchObserve, Rebuilding: m.ready.Rebuilding})
	if err != nil {
		store.Close()
		return err
	}
	store = search.Wrap(store, idx)
	if m.metrics != nil {
		m.metrics.WatchIndex(idx)
		m.metrics.WatchSessions(store)
	}
	m.store = store
	if m.Node == "" {
		m.Node = idx.Node()
	}
	// A MongoDB store logs a write in steps; writes this node left unlogged
	// when it died are logged now, other nodes' by the loop below.
	recoverer, _ := raw.(interface {
		Recover(ctx context.Context, self string) (int, error)
	})
	if recoverer != nil {
		if n, err := recoverer.Recover(ctx, m.Node); err != nil {
			store.Close()
			return fmt.Errorf("logging the writes left unlogged: %w", err)
		} else if n > 0 {
			m.Logger.Warn("logged writes the last run left unlogged", "writes", n)
		}
	}
	if m.Demo {
		m.ready.Starting("loading the demo")
		if err := m.loadDemo(ctx, data.Audited(store, m.Node, m.Logger)); err != nil {
			store.Close()
			return err
		}
	}
	ln, err := net.Listen("tcp", m.Addr)
	if err != nil {
		store.Close()
		return fmt.Errorf("listen on %s: %w", m.Addr, err)
	}
	limits := m.Limits.withDefaults()
	if m.SpoolDir != "" {
		if err := os.MkdirAll(m.SpoolDir, 0o700); err != nil {
			ln.Close()
			store.Close()
			return fmt.Errorf("import spool directory: %w", err)
		}
	}
	var monitorAt time.Duration
	if m.MonitorAt != "" {
		if monitorAt, err = parseTimeOfDay(m.MonitorAt); err != nil {
			ln.Close()
			store.Close()
			return usageError("--monitor-at: %v", err)
		}
	}
	doors := newServer(store, m.Logger, door.Config{Version: version, AsOf: m.asOf(), Matcher: model, Search: idx,
		Node: m.Node, TrustedProxies: m.TrustedProxies, ImportTimeout: limits.ImportTimeout, StoreReadConns: readConns,
		Webhooks: m.Webhooks, ImportSpoolDir: m.SpoolDir, LogSampling: m.LogSampling, Metrics: m.metrics})
	m.doors = doors
	// The match state is loaded before the first request, not by it.
	m.ready.Starting("loading the match state")
	if err := m.warm(ctx, doors.App); err != nil {
		ln.Close()
		doors.Close()
		store.Close()
		return err
	}
	if recoverer != nil {
		// Stopped with the doors' other background work, before the store
		// closes.
		doors.Every(recoverInterval, "writes other nodes left unlogged", func(ctx context.Context) (int, error) {
			return recoverer.Recover(ctx, "")
		})
	}
	if m.MonitorAt != "" {
		scheduleMonitor(doors, monitorAt, m.Logger)
	}
	handler := doors.Handler()
	if m.wrapHandler != nil {
		handler = m.wrapHandler(handler)
	}
	reqCtx, cancelRequests := context.WithCancel(context.Background())
	m.cancelRequests, m.inflight = cancelRequests, new(inflight)
	m.server = &http.Server{Handler: m.inflight.track(handler), BaseContext: func(net.Listener) context.Context { return reqCtx }}
	notify := newCloseNotifyListener(limits.apply(m.server, ln))
	m.listener, m.closed = notify, notify.closed
	// Other nodes on the same store write too: follow their writes into
	// this node's index (on one node it finds nothing to do).
	follower := idx.NewFollower(search.FollowOptions{Node: m.Node, Interval: m.FollowInterval})
	fctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	m.stopFollow, m.followed = stop, make(chan struct{})
	go func() {
		defer close(m.followed)
		follower.Run(fctx)
	}()
	m.ready.FollowLag(follower.Lag)
	m.done = make(chan error, 1)
	go func() { m.done <- m.server.Serve(m.listener) }()
	m.ready.Started()
	m.Logger.Info("serving", "url", m.URL(), "demo", m.Demo)
	return nil
}

// recoverInterval is how often a node logs the writes other nodes left
// unlogged when they died (data/mongo Store.Recover).
const recoverInterval = time.Minute

// URL returns the base URL the server listens on.
func (m *Main) URL() string {
	return "http://" + m.listener.Addr().String()
}

// MetricsURL returns the base URL of the metrics and readiness listener,
// or "" without MetricsAddr.
func (m *Main) MetricsURL() string {
	if m.opsAddr == "" {
		return ""
	}
	return "http://" + m.opsAddr
}

// Close stops the server gracefully: it stops accepting connections,
// lets the requests in flight finish for up to ShutdownTimeout, cancels
// those still running then (their contexts end and their connections
// close), stops following other nodes' writes and the background work
// (the daily check, webhook deliveries, sweeps), and closes the search
// index and the store.
// The node is not ready from the start of Close (its load balancer
// stops sending it requests while those under way end).
func (m *Main) Close() error {
	var errs []error
	if m.ready != nil {
		m.ready.Starting("shutting down")
	}
	if m.server != nil {
		timeout := m.ShutdownTimeout
		if timeout <= 0 {
			timeout = defaultShutdownTimeout
		}
		m.Logger.Info("shutting down: no new connections; finishing the requests in flight", "timeout", timeout.String(), "in_flight", m.inflight.count())
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		err := m.server.Shutdown(ctx)
		cancel()
		if err != nil {
			// The requests still running are cancelled: their contexts end
			// (the store and searches stop at the next check) and their
			// connections close. They then get shutdownCancelGrace to
			// return before the store closes under them.
			n := m.inflight.count()
			m.cancelRequests()
			m.server.Close()
			left := m.inflight.wait(shutdownCancelGrace)
			m.Logger.Warn("shutdown timeout passed: cancelled the requests still running", "timeout", timeout.String(), "cancelled", n, "still_running", left)
		}
		m.cancelRequests()
		if err := <-m.done; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if m.stopFollow != nil {
		m.stopFollow()
		<-m.followed
	}
	if m.doors != nil {
		m.doors.Close() // the sweeps use the store
	}
	if m.stopOps != nil {
		m.stopOps() // scrapes read the store and the index
		m.stopOps = nil
	}
	if m.store != nil {
		errs = append(errs, m.store.Close())
	}
	err := errors.Join(errs...)
	if m.server != nil {
		if err != nil {
			m.Logger.Error("stopped with errors", "error", err)
		} else {
			m.Logger.Info("stopped")
		}
	}
	return err
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	m := &Main{Logger: newLogger(stderr)}
	addStoreFlags(fs, &m.Store)
	fs.StringVar(&m.Addr, "addr", env("IPMATCH_ADDR", "127.0.0.1:8080"), "listen address (IPMATCH_ADDR)")
	fs.StringVar(&m.Weights, "weights", env("IPMATCH_WEIGHTS", ""), "AHP weights configuration (JSON) of the patent indicator value (IPMATCH_WEIGHTS); default: the embedded finance scenario")
	fs.StringVar(&m.Calibration, "calibration", env("IPMATCH_CALIBRATION", ""), "calibration of the model's appraisals (JSON, from ipmatch calibrate --out) (IPMATCH_CALIBRATION); default: the shipped one, fitted on public cases")
	addIndexFlag(fs, &m.Index)
	follow := fs.String("follow-interval", env("IPMATCH_FOLLOW_INTERVAL", search.DefaultFollowInterval.String()),
		"how often the search index reads other nodes' writes from the audit log (IPMATCH_FOLLOW_INTERVAL)")
	proxies := fs.String("trusted-proxies", env("IPMATCH_TRUSTED_PROXIES", ""),
		"comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For names the client (IPMATCH_TRUSTED_PROXIES); none by default")
	fs.StringVar(&m.Node, "node", env("IPMATCH_NODE", ""), "this node's name in the audit log (IPMATCH_NODE), one per index directory; default: the index's own (INDEX/node), which ipmatch import through the same index shares")
	fs.StringVar(&m.MonitorAt, "monitor-at", env("IPMATCH_MONITOR_AT", DefaultMonitorAt),
		"time of day (HH:MM, China Standard Time) of the daily check of live deals, also run at start; \"off\" runs none (IPMATCH_MONITOR_AT)")
	addWebhookFlag(fs, &m.Webhooks)
	fs.BoolVar(&m.Demo, "demo", envBool("IPMATCH_DEMO"), "load the Gaoyao demo dataset (adding only what is missing) and print a token, a username and a password per role (IPMATCH_DEMO=true)")
	fs.StringVar(&m.SpoolDir, "spool-dir", env("IPMATCH_SPOOL_DIR", ""), "directory where import bodies wait while they are imported, created if missing (IPMATCH_SPOOL_DIR); default: the system's temporary directory")
	shutdown := fs.String("shutdown-timeout", env("IPMATCH_SHUTDOWN_TIMEOUT", defaultShutdownTimeout.String()),
		"on SIGTERM or SIGINT, how long the requests in flight may take to finish before they are cancelled (IPMATCH_SHUTDOWN_TIMEOUT)")
	parseLimits := addServeLimitFlags(fs, &m.Limits)
	parseLogSampling := addLogSamplingFlags(fs, &m.LogSampling)
	applyMemoryLimit := addMemoryLimitFlag(fs)
	var debugAddr string
	addDebugAddrFlag(fs, &debugAddr)
	parseMetrics := addMetricsFlags(fs, m)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := parseMetrics(); err != nil {
		return err
	}
	if err := parseLimits(); err != nil {
		return err
	}
	if err := parseLogSampling(); err != nil {
		return err
	}
	if err := applyMemoryLimit(); err != nil {
		return err
	}
	d, err := time.ParseDuration(*follow)
	if err != nil || d <= 0 {
		return usageError("--follow-interval (or IPMATCH_FOLLOW_INTERVAL): want a positive duration such as 1s or 500ms, not %q", *follow)
	}
	m.FollowInterval = d
	if m.ShutdownTimeout, err = time.ParseDuration(*shutdown); err != nil || m.ShutdownTimeout <= 0 {
		return usageError("--shutdown-timeout (or IPMATCH_SHUTDOWN_TIMEOUT): want a positive duration such as 20s, not %q", *shutdown)
	}
	if err := checkMaxLag(m.MaxFollowLag, d); err != nil {
		return err
	}
	if m.MonitorAt == "off" {
		m.MonitorAt = ""
	} else if _, err := parseTimeOfDay(m.MonitorAt); err != nil {
		return usageError("--monitor-at (or IPMATCH_MONITOR_AT): %v", err)
	}
	if *proxies != "" {
		m.TrustedProxies = strings.Split(*proxies, ",")
		for i := range m.TrustedProxies {
			m.TrustedProxies[i] = strings.TrimSpace(m.TrustedProxies[i])
		}
		if err := door.CheckTrustedProxies(m.TrustedProxies); err != nil {
			return usageError("--trusted-proxies: %v", err)
		}
	}
	if debugAddr != "" {
		_, stop, err := serveDebug(debugAddr, m.Logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	m.Progress = progressOut(stderr)
	if err := m.Run(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ipmatch %s listening on %s\n", version, m.URL())
	if m.Demo {
		m.printDemo(stdout)
	}
	select {
	case <-ctx.Done():
	case err := <-m.done:
		m.done <- err // let Close see it
	}
	return m.Close()
}

// asOf is the default as-of date of matching: the demo's event day when the
// demo is loaded (its records describe that day), else today.
func (m *Main) asOf() data.Date {
	if m.Demo {
		return demo.AsOf
	}
	return data.Date{}
}

// newServer assembles the HTTP server: the shared door (middleware, the
// one error writer, the application) with the JSON API and the pages
// mounted on it.
func newServer(store data.Store, logger *slog.Logger, cfg door.Config) *door.Server {
	s := door.New(store, logger, cfg)
	api.Mount(s)
	web.Mount(s)
	return s
}

// warm loads the application's match state (app.App.Warm), with a
// progress bar on a terminal and the time it took in the log.
func (m *Main) warm(ctx context.Context, a *app.App) error {
	t0 := time.Now()
	var b bar
	stage := ""
	err := a.Warm(ctx, func(what string, done, total int) {
		if what != stage {
			b.finish()
			stage, b = what, newBar(m.Progress, int64(total), map[string]string{"loading": "loading the match records", "compiling": "compiling the match facts"}[what])
		}
		b.set(done)
	})
	b.finish()
	if err != nil {
		return fmt.Errorf("load the match state: %w", commandError(err))
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.Logger.Info("match state ready", "seconds", time.Since(t0).Round(time.Millisecond).Seconds(),
		"heap_mib", ms.HeapAlloc>>20, "memory_limit_mib", debug.SetMemoryLimit(-1)>>20)
	return nil
}
