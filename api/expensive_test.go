package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/door"
)

// pooledStore stands in for a store with a few read connections: every
// read takes one of conns for its duration. While slow is set, listing
// enterprises (what a pipeline does first) signals entered and holds its
// connection until hold is closed: a fake slow operation.
type pooledStore struct {
	data.Store
	conns   chan struct{}
	slow    atomic.Bool
	entered chan struct{}
	hold    chan struct{}
	once    sync.Once
}

// newPooledStore wraps inner; the test's end lets held reads go.
func newPooledStore(t *testing.T, inner data.Store, conns int) *pooledStore {
	s := &pooledStore{Store: inner, conns: make(chan struct{}, conns), entered: make(chan struct{}, 16), hold: make(chan struct{})}
	t.Cleanup(s.release)
	return s
}

// release lets the held reads go on.
func (s *pooledStore) release() { s.once.Do(func() { close(s.hold) }) }

type pooledTable[T any] struct {
	data.Table[T]
	s        *pooledStore
	slowList bool
}

func (t pooledTable[T]) read(ctx context.Context, f func()) error {
	select {
	case t.s.conns <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-t.s.conns }()
	f()
	return nil
}

func (t pooledTable[T]) Get(ctx context.Context, id string) (r T, err error) {
	if e := t.read(ctx, func() { r, err = t.Table.Get(ctx, id) }); e != nil {
		return r, e
	}
	return r, err
}

func (t pooledTable[T]) GetByKey(ctx context.Context, key string) (r T, err error) {
	if e := t.read(ctx, func() { r, err = t.Table.GetByKey(ctx, key) }); e != nil {
		return r, e
	}
	return r, err
}

func (t pooledTable[T]) List(ctx context.Context, opts data.ListOptions) (r []T, n int, err error) {
	if e := t.read(ctx, func() {
		if t.slowList && t.s.slow.Load() {
			t.s.entered <- struct{}{}
			<-t.s.hold
		}
		r, n, err = t.Table.List(ctx, opts)
	}); e != nil {
		return nil, 0, e
	}
	return r, n, err
}

func (t pooledTable[T]) Count(ctx context.Context) (n int, err error) {
	if e := t.read(ctx, func() { n, err = t.Table.Count(ctx) }); e != nil {
		return 0, e
	}
	return n, err
}

func pooled[T any](s *pooledStore, t data.Table[T]) data.Table[T] {
	return pooledTable[T]{Table: t, s: s}
}

func (s *pooledStore) Enterprises() data.Table[data.Enterprise] {
	return pooled(s, s.Store.Enterprises())
}
func (s *pooledStore) Patents() data.Table[data.Patent]   { return pooled(s, s.Store.Patents()) }
func (s *pooledStore) Banks() data.Table[data.Bank]       { return pooled(s, s.Store.Banks()) }
func (s *pooledStore) Products() data.Table[data.Product] { return pooled(s, s.Store.Products()) }
func (s *pooledStore) Events() data.Table[data.Event]     { return pooled(s, s.Store.Events()) }
func (s *pooledStore) Participants() data.Table[data.Participant] {
	return pooled(s, s.Store.Participants())
}
func (s *pooledStore) Deals() data.Table[data.Deal] { return pooled(s, s.Store.Deals()) }
func (s *pooledStore) Pools() data.Table[data.Pool] {
	// Every pipeline and match lists the pools: that read is the slow one.
	return pooledTable[data.Pool]{Table: s.Store.Pools(), s: s, slowList: true}
}
func (s *pooledStore) Tokens() data.Table[data.Token]       { return pooled(s, s.Store.Tokens()) }
func (s *pooledStore) Schedules() data.Table[data.Schedule] { return pooled(s, s.Store.Schedules()) }
func (s *pooledStore) Users() data.Table[data.User]         { return pooled(s, s.Store.Users()) }
func (s *pooledStore) Appraisers() data.Table[data.Appraiser] {
	return pooled(s, s.Store.Appraisers())
}
func (s *pooledStore) Appraisals() data.Table[data.Appraisal] {
	return pooled(s, s.Store.Appraisals())
}

// async sends a request in the background; its answer arrives on the
// returned channel.
func async(f *fixture, tok, method, path string) <-chan *httptest.ResponseRecorder {
	out := make(chan *httptest.ResponseRecorder, 1)
	go func() { out <- f.do(tok, method, path, nil) }()
	return out
}

// within waits for an answer that must come while the slow operations
// still hold their slots; the minute is only a safety net against a hang.
func within(t *testing.T, ch <-chan *httptest.ResponseRecorder, what string) *httptest.ResponseRecorder {
	t.Helper()
	select {
	case w := <-ch:
		return w
	case <-time.After(expensiveTestPatience):
		t.Fatalf("%s is still waiting behind the expensive requests", what)
		return nil
	}
}

// TestCheapRequestsDoNotQueueBehindExpensiveOnes: with two read
// connections there is one expensive slot. While a slow pipeline holds
// it, a second caller's pipeline is refused (429) instead of taking the
// last connection, so a cheap request and its token check still run.
func TestCheapRequestsDoNotQueueBehindExpensiveOnes(t *testing.T) {
	ps := newPooledStore(t, openStore(t), 2)
	f := newFixtureOn(t, ps, Config{StoreReadConns: 2, ExpensiveQueueWait: -1})
	warmRecords(t, f)
	ps.slow.Store(true)

	first := async(f, orgToken, "GET", "/api/v1/products/"+f.prodA+"/pipeline")
	<-ps.entered // the organizer's pipeline holds the slot and a connection

	w := within(t, async(f, bankBToken, "GET", "/api/v1/products/"+f.prodB+"/pipeline"), "a second caller's pipeline")
	wantRateLimited(t, w, "a second caller's pipeline with every slot taken")
	wantError(t, w, http.StatusTooManyRequests, door.CodeRateLimited)

	// A cheap request with a token check completes while the slot is held.
	cheap := within(t, async(f, entXToken, "GET", "/api/v1/banks"), "GET /api/v1/banks")
	if cheap.Code != http.StatusOK {
		t.Fatalf("GET /api/v1/banks while a pipeline runs: %d %s", cheap.Code, cheap.Body)
	}
	// So does an unknown token's refusal (a token check that fails).
	if w := within(t, async(f, "ipm_nope", "GET", "/api/v1/banks"), "an unknown token"); w.Code != http.StatusUnauthorized {
		t.Fatalf("unknown token: %d", w.Code)
	}

	ps.release()
	if w := <-first; w.Code != http.StatusOK {
		t.Fatalf("the held pipeline: %d %s", w.Code, w.Body)
	}
	// Once it is done the slot is free again.
	if w := f.do(bankBToken, "GET", "/api/v1/products/"+f.prodB+"/pipeline", nil); w.Code != http.StatusOK {
		t.Fatalf("bank B's pipeline afterwards: %d %s", w.Code, w.Body)
	}
}

// TestOneExpensiveRequestPerCaller: a caller's second expensive request at
// once is refused, by API or page alike, while another caller still gets a
// free slot.
func TestOneExpensiveRequestPerCaller(t *testing.T) {
	ps := newPooledStore(t, openStore(t), 4)
	f := newFixtureOn(t, ps, Config{StoreReadConns: 4, ExpensiveQueueWait: -1})
	web := newBrowser(f)
	web.signIn(orgToken) // before the reads are slowed
	warmRecords(t, f)
	ps.slow.Store(true)

	first := async(f, orgToken, "GET", "/api/v1/products/"+f.prodA+"/pipeline")
	<-ps.entered

	w := within(t, async(f, orgToken, "GET", "/api/v1/enterprises/"+f.entX+"/matches"), "the organizer's second request")
	wantRateLimited(t, w, "the organizer's second expensive request")
	if !strings.Contains(w.Body.String(), "still under way") {
		t.Errorf("the refusal does not say why: %s", w.Body)
	}
	// The same token through the pages counts as the same caller.
	page := web.do("GET", "/app/bank/products/"+f.prodA+"/pipeline", nil)
	if page.Code != http.StatusTooManyRequests || page.Header().Get("Retry-After") == "" {
		t.Fatalf("the organizer's pipeline page meanwhile: %d, Retry-After %q", page.Code, page.Header().Get("Retry-After"))
	}
	wantText(t, page.Body.String(), "仍在进行")

	// Another caller is not refused by the organizer's limit.
	second := async(f, bankBToken, "GET", "/api/v1/products/"+f.prodB+"/pipeline")
	<-ps.entered
	// And cheap requests still run beside both.
	if w := within(t, async(f, bankAToken, "GET", "/api/v1/banks"), "GET /api/v1/banks"); w.Code != http.StatusOK {
		t.Fatalf("GET /api/v1/banks beside two pipelines: %d", w.Code)
	}
	ps.release()
	for name, ch := range map[string]<-chan *httptest.ResponseRecorder{"organizer": first, "bank B": second} {
		if w := <-ch; w.Code != http.StatusOK {
			t.Errorf("%s's pipeline: %d %s", name, w.Code, w.Body)
		}
	}
	// Done, the organizer may start another.
	if w := f.do(orgToken, "GET", "/api/v1/enterprises/"+f.entX+"/matches", nil); w.Code != http.StatusOK {
		t.Fatalf("the organizer's next expensive request: %d %s", w.Code, w.Body)
	}
}

// TestExpensiveRoutesExist keeps the classification in step with the
// routes: a renamed route would silently lose its limit.
func TestExpensiveRoutesExist(t *testing.T) {
	routes := map[string]bool{}
	for _, r := range newEngine(openStore(t), nil, Config{}).Routes() {
		routes[r.Method+" "+r.Path] = true
	}
	for r := range door.ExpensiveRoutes {
		if !routes[r] {
			t.Errorf("door.ExpensiveRoutes names %q, which is not a route", r)
		}
	}
}

// expensiveTestPatience is how long a request that must not wait may take
// before the test calls it stuck: a safety net, not a speed target.
var expensiveTestPatience = time.Minute

// warmRecords runs one pipeline so that the application has loaded its
// copy of the records (app/records.go), as a server has after its first
// pipeline: later pipelines read only the audit log's tail from the store,
// so the slowed reads meet them there, each on its own.
func warmRecords(t *testing.T, f *fixture) {
	t.Helper()
	if w := f.do(orgToken, "GET", "/api/v1/products/"+f.prodA+"/pipeline", nil); w.Code != http.StatusOK {
		t.Fatalf("warming the records: %d %s", w.Code, w.Body)
	}
}
