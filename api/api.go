package api

import (
	"bytes"
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

// server holds what the handlers share.
type server struct {
	store  data.Store
	logger *slog.Logger
	cfg    Config
	// app holds the rules and the operations (package app); the handlers
	// only decode, call it and encode.
	app *app.App
	// imports limits the imports running at once (imports.go).
	imports *importSlots
	// authFailures limits unknown tokens per client address.
	authFailures *failureLimiter
	// passwordFailures limit failed password sign-ins (web_password.go).
	passwordFailures *passwordLimits
	// expensive holds the slots of expensive requests (expensive.go).
	expensive *expensiveLimiter
	// web serves the pages (web.go).
	web *webHandlers
}

// model returns the matcher of the application.
func (s *server) model() *matcher.Matcher { return s.app.Matcher() }

// today returns the default as-of date (app.App.Today).
func (s *server) today() data.Date { return s.app.Today() }

var setMode sync.Once

// New returns the HTTP handler of the API, serving store. Every write it
// makes is recorded in the store's audit log (data.Audited) with the
// caller, the request and cfg.Node. A nil logger discards log output. The
// handler is safe for concurrent use. cfg.TrustedProxies must pass
// CheckTrustedProxies; New panics otherwise.
func New(store data.Store, logger *slog.Logger, cfg Config) http.Handler {
	return newEngine(store, logger, cfg)
}

// CheckTrustedProxies reports whether every entry of proxies is an IP
// address or CIDR, naming the first one that is not.
func CheckTrustedProxies(proxies []string) error {
	if err := gin.New().SetTrustedProxies(proxies); err != nil {
		return data.Errorf(data.CodeInvalid, "trusted proxies: %v", err)
	}
	return nil
}

// newEngine builds the gin engine of New; tests list its routes.
func newEngine(store data.Store, logger *slog.Logger, cfg Config) *gin.Engine {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	setMode.Do(func() { gin.SetMode(gin.ReleaseMode) })
	cfg = cfg.withDefaults()
	store = data.Audited(store, cfg.Node, logger)
	s := &server{store: store, logger: logger, cfg: cfg, app: app.New(store, app.Config{AsOf: cfg.AsOf, Matcher: cfg.Matcher}),
		authFailures:     newFailureLimiter(cfg.AuthFailureBurst, cfg.AuthFailureEvery),
		passwordFailures: newPasswordLimits(cfg.AuthFailureBurst, cfg.AuthFailureEvery),
		expensive:        newExpensiveLimiter(expensiveSlots(cfg.StoreReadConns), max(0, cfg.ExpensiveQueueWait)),
		imports:          newImportSlots(cfg.MaxConcurrentImports)}

	r := gin.New() // no default logger or recovery: ours follow
	if err := r.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		panic("api: " + err.Error() + " (check with CheckTrustedProxies)")
	}
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.Use(s.requestID, s.accessLog, s.recover, s.guardBodies)
	r.NoRoute(func(c *gin.Context) {
		if isPagePath(c.Request.URL.Path) {
			// A mistyped page address gets the pages' Chinese 404.
			s.web.renderError(c, data.Errorf(data.CodeNotFound, "没有这个页面：%s。请从导航进入，或检查地址是否输入有误。", c.Request.URL.Path))
			return
		}
		s.writeError(c, data.Errorf(data.CodeNotFound, "no route %s %s", c.Request.Method, c.Request.URL.Path))
	})
	r.NoMethod(s.handle(func(c *gin.Context) error {
		return data.Errorf(codeMethodNotAllowed, "method %s is not allowed on %s; allowed: %s",
			c.Request.Method, c.Request.URL.Path, c.Writer.Header().Get("Allow"))
	}))

	r.GET("/healthz", s.handle(s.healthz))
	r.GET("/api/v1/openapi.json", s.handle(s.serveOpenAPI)) // openapi.go; no token: it holds no data

	v1 := r.Group("/api/v1", s.authenticate, s.limitExpensive)
	a := s.app
	routes(s, v1, a.Enterprises, nil)
	routes(s, v1, a.Patents, nil)
	v1.POST("/patents/:id/claim", s.handle(s.claimPatent))
	routes(s, v1, a.Banks, nil)
	routes(s, v1, a.Products, nil)
	routes(s, v1, a.Events, nil)
	routes(s, v1, a.Participants, nil)
	routes(s, v1, a.Deals, nil) // app.ReplaceDeal: under the deal's lock, with the pool's checks
	routes(s, v1, a.Pools, nil)
	routes(s, v1, a.Appraisers, nil)
	routes(s, v1, a.Appraisals, nil)
	routes(s, v1, a.Tokens, s.createToken)
	v1.POST("/import/:kind", s.importDeadline, s.handle(s.importFile))
	v1.GET("/audit", s.handle(s.auditLog)) // audit.go: who wrote what, when
	matchRoutes(s, v1)                     // match.go: matches, pipelines, valuations
	eventRoutes(s, v1)                     // event.go: schedules, exports, publish, report, pool risk; POST /deals/{id}/stage with the pool's caps
	if s.cfg.Search != nil {
		s.searchRoutes(v1) // search.go
	}
	webRoutes(s, r) // web.go: the zh-CN pages, sign-in sessions, embedded static files
	return r
}

// handle adapts a handler that returns an error to gin: a non-nil error is
// written as the error envelope.
func (s *server) handle(h func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			s.writeError(c, err)
		}
	}
}

// writeJSON writes v as JSON with the given status. It uses encoding/json
// directly so the output does not depend on gin's build tags.
func writeJSON(c *gin.Context, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only a programming error (an unencodable type) gets here.
		panic("api: encoding response: " + err.Error())
	}
	c.Data(status, "application/json; charset=utf-8", buf.Bytes())
}
