package door

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/matcher"
	"ipmatch/search"
)

// Default limits of Config.
const (
	DefaultMaxBodyBytes   = 4 << 20  // 4 MiB
	DefaultMaxImportBytes = 64 << 20 // 64 MiB
	// DefaultMaxConcurrentImports is 2: the embedded store writes one
	// transaction at a time, so more imports at once would not end sooner,
	// only hold more batches in memory and more spool files on disk, and
	// two leave the other requests a share of a 2-core server.
	DefaultMaxConcurrentImports = 2
)

// Config holds the API's settings. Zero fields take their defaults.
type Config struct {
	// MaxBodyBytes bounds a JSON request body (default 4 MiB); larger
	// bodies get 413.
	MaxBodyBytes int64
	// MaxImportBytes bounds an import file (default 64 MiB); larger files
	// get 413 and nothing is imported.
	MaxImportBytes int64
	// MaxConcurrentImports bounds the imports running at once (default
	// DefaultMaxConcurrentImports); a party runs one at a time. More get
	// 429 with Retry-After.
	MaxConcurrentImports int
	// ImportSpoolDir is where import bodies are spooled before they are
	// imported ("" means os.TempDir()); it needs room for
	// MaxConcurrentImports × MaxImportBytes.
	ImportSpoolDir string
	// Version is reported by GET /healthz.
	Version string
	// AsOf, when set, is the default as-of date of matching, valuation and
	// pool risk instead of today: the demo is a 2021 event, and as of today
	// its fees would look unpaid and its deals stale.
	AsOf data.Date
	// Matcher values, checks and ranks; nil means matcher.DefaultMatcher()
	// (the embedded finance-scenario AHP weights).
	Matcher *matcher.Matcher
	// Search, when set, serves the search endpoints (see search.go).
	Search *search.Index
	// Node names this process in the audit log (default: host name and
	// process id).
	Node string
	// AuthFailureBurst and AuthFailureEvery limit failed authentications:
	// unknown tokens per client address, wrong passwords per username and
	// address (and, at ten times the burst, per username and per address:
	// see passwordLimits): Burst failures at once, then one per Every;
	// more get 429. A valid token is always accepted. Defaults:
	// DefaultAuthFailureBurst, DefaultAuthFailureEvery.
	AuthFailureBurst int
	AuthFailureEvery time.Duration
	// ApplyBurst and ApplyEvery limit the submissions of the public
	// application form /apply per client address (web/apply_limit.go):
	// Burst at once, then one per Every; more get 429 and write nothing.
	// Defaults: DefaultApplyBurst, DefaultApplyEvery.
	ApplyBurst int
	ApplyEvery time.Duration
	// TrustedProxies are the addresses or CIDRs of reverse proxies whose
	// X-Forwarded-For names the client. None by default: the peer address
	// is the client, so a client cannot pick the address it is limited by.
	TrustedProxies []string
	// ImportTimeout, when set, is the read and write deadline of an
	// import request from the moment its caller is authenticated: the
	// server's ReadTimeout is sized for JSON bodies, an import file may
	// be 64 MiB on a slow link. Zero leaves the server's deadlines.
	ImportTimeout time.Duration
	// StoreReadConns is the store's number of read connections (see
	// expensive.go); 0 means DefaultStoreReadConns.
	StoreReadConns int
	// ExpensiveQueueWait is how long an expensive request waits for a
	// slot; 0 means ExpensiveQueueWait, negative refuses at once.
	ExpensiveQueueWait time.Duration
	// Webhooks sets the sending of alerts to banks' webhooks (app.WebhookConfig).
	Webhooks app.WebhookConfig
	// LogSampling says which requests the access log writes at info level
	// (logsample.go); zero fields take the defaults.
	LogSampling LogSampling
	// Metrics, when set, counts and times every request and the
	// application's numeric work (metrics.go); nil measures nothing.
	Metrics *Metrics
}

func (c Config) withDefaults() Config {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxImportBytes <= 0 {
		c.MaxImportBytes = DefaultMaxImportBytes
	}
	if c.MaxConcurrentImports <= 0 {
		c.MaxConcurrentImports = DefaultMaxConcurrentImports
	}
	if c.AuthFailureBurst <= 0 {
		c.AuthFailureBurst = DefaultAuthFailureBurst
	}
	if c.AuthFailureEvery <= 0 {
		c.AuthFailureEvery = DefaultAuthFailureEvery
	}
	if c.ApplyBurst <= 0 {
		c.ApplyBurst = DefaultApplyBurst
	}
	if c.ApplyEvery <= 0 {
		c.ApplyEvery = DefaultApplyEvery
	}
	if c.Node == "" {
		c.Node = data.NodeName()
	}
	if c.ExpensiveQueueWait == 0 {
		c.ExpensiveQueueWait = ExpensiveQueueWait
	}
	if c.StoreReadConns <= 0 {
		c.StoreReadConns = DefaultStoreReadConns
	}
	return c
}

// Server is what the two doors share: the application, the logger, the
// settings, the limiters of failed sign-ins and expensive requests, and
// the gin engine with the middleware every request passes. A door mounts
// its routes on Engine (api.Mount, web.Mount).
type Server struct {
	// App holds the rules and the operations; the doors only decode, call
	// it and render.
	App    *app.App
	Logger *slog.Logger
	Cfg    Config
	// Engine is the router; doors add their routes to it.
	Engine *gin.Engine
	// AuthFailures limits unknown tokens per client address, at both
	// doors (the API's bearer tokens, the pages' token sign-in), counted
	// in the store for all nodes (FailureLimiter).
	AuthFailures *FailureLimiter
	// expensive holds the slots of expensive requests (expensive.go).
	expensive *expensiveLimiter
	// pages, once the pages door is mounted, says which paths are pages
	// and renders their errors (SetPages).
	isPage     func(path string) bool
	renderPage func(c *gin.Context, err error)
	// background is the work started with Go, stopped by Close.
	background background
	// sampler decides which requests the access log writes (LogSampling).
	sampler *logSampler
}

var setMode sync.Once

// New returns a Server over store with no routes but the middleware, the
// 404 and 405 answers. Every write through it is recorded in the store's
// audit log (data.Audited) with the caller, the request and cfg.Node. A nil
// logger discards log output. cfg.TrustedProxies must pass
// CheckTrustedProxies; New panics otherwise.
func New(store data.Store, logger *slog.Logger, cfg Config) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	setMode.Do(func() { gin.SetMode(gin.ReleaseMode) })
	cfg = cfg.withDefaults()
	store = data.Audited(store, cfg.Node, logger)
	acfg := app.Config{AsOf: cfg.AsOf, Matcher: cfg.Matcher, Logger: logger, Webhooks: cfg.Webhooks}
	if cfg.Metrics != nil {
		acfg.Observe = cfg.Metrics.ObserveWork
	}
	s := &Server{Logger: logger, Cfg: cfg, App: app.New(store, acfg),
		AuthFailures: NewFailureLimiter(store.SignInFailures(), "token", cfg.AuthFailureBurst, cfg.AuthFailureEvery),
		expensive:    NewExpensiveLimiter(ExpensiveSlots(cfg.StoreReadConns), max(0, cfg.ExpensiveQueueWait)),
		isPage:       func(string) bool { return false }, sampler: newLogSampler(cfg.LogSampling)}

	r := gin.New() // no default logger or recovery: ours follow
	if err := r.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		panic("door: " + err.Error() + " (check with CheckTrustedProxies)")
	}
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	if cfg.Metrics != nil {
		r.Use(s.requestID, cfg.Metrics.instrument, s.accessLog, s.recover, s.guardBodies)
	} else {
		r.Use(s.requestID, s.accessLog, s.recover, s.guardBodies)
	}
	r.NoRoute(func(c *gin.Context) {
		if s.isPage(c.Request.URL.Path) {
			// A mistyped page address gets the pages' Chinese 404.
			s.WriteError(c, data.Errorf(data.CodeNotFound, "没有这个页面：%s。请从导航进入，或检查地址是否输入有误。", c.Request.URL.Path))
			return
		}
		s.WriteError(c, data.Errorf(data.CodeNotFound, "no route %s %s", c.Request.Method, c.Request.URL.Path))
	})
	r.NoMethod(s.Handle(func(c *gin.Context) error {
		return data.Errorf(CodeMethodNotAllowed, "method %s is not allowed on %s; allowed: %s",
			c.Request.Method, c.Request.URL.Path, c.Writer.Header().Get("Allow"))
	}))
	s.Engine = r
	// Failures whose slot has passed count for nothing: clear them out.
	s.Every(SweepInterval, "sign-in failures", func(ctx context.Context) (int, error) {
		return SweepFailures(ctx, store.SignInFailures(), time.Now())
	})
	return s
}

// SetPages registers the pages door: isPage says which paths are pages,
// render writes an error as a page. Errors on those paths (404s, panics,
// refusals) are then rendered as pages, every other one as the JSON
// envelope.
func (s *Server) SetPages(isPage func(path string) bool, render func(c *gin.Context, err error)) {
	s.isPage, s.renderPage = isPage, render
}

// Handler returns the engine as an http.Handler, safe for concurrent use.
func (s *Server) Handler() http.Handler { return s.Engine }

// Store returns the (audited) store of the application.
func (s *Server) Store() data.Store { return s.App.Store() }

// Model returns the matcher of the application.
func (s *Server) Model() *matcher.Matcher { return s.App.Matcher() }

// Today returns the default as-of date (app.App.Today).
func (s *Server) Today() data.Date { return s.App.Today() }

// CheckTrustedProxies reports whether every entry of proxies is an IP
// address or CIDR, naming the first one that is not.
func CheckTrustedProxies(proxies []string) error {
	if err := gin.New().SetTrustedProxies(proxies); err != nil {
		return data.Errorf(data.CodeInvalid, "trusted proxies: %v", err)
	}
	return nil
}

// Handle adapts a handler that returns an error to gin: a non-nil error is
// written by WriteError (the envelope, or a page on the pages' paths).
func (s *Server) Handle(h func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			s.WriteError(c, err)
		}
	}
}

// WriteJSON writes v as JSON with the given status. It uses encoding/json
// directly so the output does not depend on gin's build tags.
func WriteJSON(c *gin.Context, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only a programming error (an unencodable type) gets here.
		panic("door: encoding response: " + err.Error())
	}
	c.Data(status, "application/json; charset=utf-8", buf.Bytes())
}
