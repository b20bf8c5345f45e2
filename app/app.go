package app

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"ipmatch/data"
	"ipmatch/matcher"
)

// Config holds the application's settings. Zero fields take their
// defaults.
type Config struct {
	// AsOf, when set, is the default as-of date of matching, valuation and
	// pool risk instead of today: the demo is a 2021 event, and as of today
	// its fees would look unpaid and its deals stale.
	AsOf data.Date
	// Matcher values, checks and ranks; nil means matcher.DefaultMatcher()
	// (the embedded finance-scenario AHP weights).
	Matcher *matcher.Matcher
	// Now is the clock (deal histories, schedule stamps); nil means
	// time.Now.
	Now func() time.Time
	// Logger takes what goes wrong after a write has succeeded; nil
	// discards it.
	Logger *slog.Logger
	// Webhooks sets the sending of alerts to banks' webhooks (webhooks.go).
	Webhooks WebhookConfig
	// Observe, when set, is told how long each run of the numeric work
	// took: "valuation" (a Monte Carlo valuation computed, not one from
	// the cache) and "schedule" (a meeting schedule generated). It is the
	// hook of a server's metrics, called from many goroutines at once.
	Observe func(work string, d time.Duration)
}

// App is the application: the store, the rules and the operations, with
// the locks both doors share. Build one per process with New; it is safe
// for concurrent use.
type App struct {
	store  data.Store
	policy *policy
	model  *matcher.Matcher
	asOf   data.Date
	now    func() time.Time
	log    *slog.Logger

	webhooks      WebhookConfig
	webhookClient *http.Client

	// The resources, built once.
	Enterprises  *Resource[data.Enterprise]
	Patents      *Resource[data.Patent]
	Banks        *Resource[data.Bank]
	Products     *Resource[data.Product]
	Events       *Resource[data.Event]
	Participants *Resource[data.Participant]
	Deals        *Resource[data.Deal]
	Pools        *Resource[data.Pool]
	Tokens       *Resource[data.Token]
	Appraisers   *Resource[data.Appraiser]
	Appraisals   *Resource[data.Appraisal]
	Alerts       *Resource[data.Alert]
	Applications *Resource[data.Application]
	Policies     *Resource[data.Policy] // subsidies.go

	// books queues the writes of a pool's book within this process, an
	// optimisation (pool_book.go).
	books [16]sync.Mutex
	// events serialises computing and editing the schedule of an event
	// within this process, an optimisation: the schedule's conditional
	// writes are what keep two nodes from overwriting each other.
	events [16]sync.Mutex
	// valuations caches Monte Carlo valuations (valuation_cache.go).
	valuations valuations
	// observe is Config.Observe, never nil.
	observe func(work string, d time.Duration)
	// records is the node-local copy of the enterprises and patents the
	// pipeline ranks (records.go).
	records records
	// rankings keeps recent pipelines' rankings, and seen what banks
	// see of recent states (rankings.go).
	rankings rankings
	seen     seenSets
}

// New returns the application over store. The store should already be
// audited (data.Audited) if writes are to be recorded.
func New(store data.Store, cfg Config) *App {
	a := &App{store: store, asOf: cfg.AsOf, now: cfg.Now, model: cfg.Matcher, log: cfg.Logger, webhooks: cfg.Webhooks.withDefaults(),
		observe: cfg.Observe}
	if a.observe == nil {
		a.observe = func(string, time.Duration) {}
	}
	a.valuations.observe = a.observe
	a.webhookClient = webhookClient(a.webhooks)
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.model == nil {
		a.model = matcher.DefaultMatcher()
	}
	a.policy = &policy{store: store, today: a.Today,
		records: func(ctx context.Context) (*recordView, error) { return a.records.current(ctx, store) }}
	pol := a.policy
	a.Enterprises = enterpriseResource(store, pol)
	a.Patents = patentResource(store, pol)
	a.Banks = bankResource(store, pol)
	a.Products = productResource(store, pol)
	a.Events = eventResource(store, pol)
	a.Participants = participantResource(store, pol)
	a.Deals = dealResource(store, pol)
	a.Deals.replace = a.ReplaceDeal // at the revision read, with the pool's checks
	a.Pools = poolResource(store, pol)
	a.Tokens = tokenResource(store, pol)
	a.Appraisers = appraiserResource(store, pol)
	a.Appraisals = appraisalResource(store, pol)
	a.Alerts = alertResource(store, pol)
	a.Applications = applicationResource(store)
	a.Policies = policyResource(store, pol)
	return a
}

// Store returns the store the application works on. Doors use it only
// for what no rule governs (health checks, the audit log's own reads are
// in audit.go).
func (a *App) Store() data.Store { return a.store }

// Matcher returns the model of the application.
func (a *App) Matcher() *matcher.Matcher { return a.model }

// Now returns the application's clock reading.
func (a *App) Now() time.Time { return a.now() }

// Today returns the default as-of date: Config.AsOf when set, else today
// in China Standard Time.
func (a *App) Today() data.Date {
	if !a.asOf.IsZero() {
		return a.asOf
	}
	return data.DateOf(a.now().In(ChinaZone))
}

// ChinaZone is China Standard Time (data.ChinaZone), the zone of "today"
// and of event times.
var ChinaZone = data.ChinaZone
