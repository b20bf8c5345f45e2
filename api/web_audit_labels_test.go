package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ipmatch/data"
	"ipmatch/data/storetest"
	"ipmatch/web"
)

// TestAuditRoutesAreRoutes keeps the table honest: every route it names
// is served (a mistyped pattern would never match and leave 「其他操作」).
func TestAuditRoutesAreRoutes(t *testing.T) {
	f := newFixture(t, Config{})
	for _, r := range web.AuditRoutes {
		path := strings.ReplaceAll(strings.ReplaceAll(r.Pattern, ":id", "x1"), ":kind", "patents")
		w := f.do("", r.Method, path, nil)
		if w.Code == http.StatusNotFound || w.Code == http.StatusMethodNotAllowed {
			t.Errorf("%s %s: %d, not a route", r.Method, r.Pattern, w.Code)
		}
	}
}

// TestAuditPageNamesActionsAndRecords: the page shows what was done in
// Chinese, not the request (the API's GET /api/v1/audit keeps it for
// tracing), and each record's name beside its ID.
func TestAuditPageNamesActionsAndRecords(t *testing.T) {
	f := newFixture(t, Config{})
	b := newBrowser(f)
	b.signIn(bankAToken)
	w, _ := b.get("/app/bank/deals")
	token := csrf(t, w)
	var deal data.Deal
	decodeBody(t, f.do(orgToken, "GET", "/api/v1/deals/"+f.dealA, nil), http.StatusOK, &deal)
	if w := b.do("POST", "/app/bank/deals/"+f.dealA+"/stage", url.Values{web.CSRFField: {token}, "stage": {string(data.NextStages(deal.Stage)[0])}}); w.Code != http.StatusSeeOther {
		t.Fatalf("stage move: %d %s", w.Code, w.Body)
	}
	prod := storetest.Product(33, "")
	decodeBody(t, f.do(bankAToken, "POST", "/api/v1/products", prod), http.StatusCreated, nil)

	ctx := t.Context()
	ent, _ := f.store.Enterprises().Get(ctx, f.entX)
	prodA, _ := f.store.Products().Get(ctx, f.prodA)
	org := newBrowser(f)
	org.signIn(orgToken)
	w, _ = org.get("/app/organizer/audit")
	page := htmlPage(t, w, http.StatusOK)
	wantText(t, page, `<td>移动融资项目阶段</td>`, `<td>新建贷款产品</td>`,
		ent.Name+" · "+prodA.Name+" <small><code>"+f.dealA+"</code></small>",
		prod.Name+" <small><code>")
	if n := strings.Count(page, "POST /"); n != 0 {
		t.Errorf("%d raw requests on the page", n)
	}
}

// countingTable counts the List calls of a table.
type countingTable[T any] struct {
	data.Table[T]
	lists *int
}

func (c countingTable[T]) List(ctx context.Context, opts data.ListOptions) ([]T, int, error) {
	*c.lists++
	return c.Table.List(ctx, opts)
}

// countingStore counts the List calls of the tables web.AuditRecordNames reads.
type countingStore struct {
	data.Store
	lists map[string]*int
}

func (s countingStore) n(kind string) *int {
	if s.lists[kind] == nil {
		s.lists[kind] = new(int)
	}
	return s.lists[kind]
}
func (s countingStore) Deals() data.Table[data.Deal] {
	return countingTable[data.Deal]{s.Store.Deals(), s.n("deals")}
}
func (s countingStore) Enterprises() data.Table[data.Enterprise] {
	return countingTable[data.Enterprise]{s.Store.Enterprises(), s.n("enterprises")}
}
func (s countingStore) Products() data.Table[data.Product] {
	return countingTable[data.Product]{s.Store.Products(), s.n("products")}
}
func (s countingStore) Banks() data.Table[data.Bank] {
	return countingTable[data.Bank]{s.Store.Banks(), s.n("banks")}
}
func (s countingStore) Events() data.Table[data.Event] {
	return countingTable[data.Event]{s.Store.Events(), s.n("events")}
}
func (s countingStore) Participants() data.Table[data.Participant] {
	return countingTable[data.Participant]{s.Store.Participants(), s.n("participants")}
}

// TestAuditRecordNamesInOneListPerTable: a page's names cost one list per
// table, however many rows name records.
func TestAuditRecordNamesInOneListPerTable(t *testing.T) {
	f := newFixture(t, Config{})
	store := countingStore{Store: f.store, lists: map[string]*int{}}
	shown := map[string][]string{
		"deals":        {f.dealA, f.dealB, f.dealA},
		"enterprises":  {f.entX, f.entY, f.entZ, f.entW},
		"products":     {f.prodA, f.prodB, "prod_gone"},
		"participants": {f.partAE, f.partWE, f.partBF},
		"banks":        {f.bankA},
	}
	names, err := web.AuditRecordNames(t.Context(), store, shown)
	if err != nil {
		t.Fatal(err)
	}
	for kind, n := range store.lists {
		if *n != 1 {
			t.Errorf("%s listed %d times, want once", kind, *n)
		}
	}
	ent, _ := f.store.Enterprises().Get(t.Context(), f.entW)
	ev, _ := f.store.Events().Get(t.Context(), f.eventE)
	bank, _ := f.store.Banks().Get(t.Context(), f.bankA)
	for key, want := range map[string]string{
		"participants/" + f.partWE: ent.Name + " · " + ev.Name,
		"participants/" + f.partAE: bank.Name + " · " + ev.Name,
		"enterprises/" + f.entW:    ent.Name,
		"products/prod_gone":       "",
	} {
		if names[key] != want {
			t.Errorf("%s named %q, want %q", key, names[key], want)
		}
	}
}

// TestEveryWriteRouteHasAuditName: each route that writes reads in the
// audit log by a name of its own, not the fallback 「其他操作」, so a route
// added without a line in web.AuditRoutes fails here. Signing in and out
// writes sessions, not records, an income valuation computes from its
// body and writes nothing (match.go), and an applicant's status check
// reads its application (web/apply_status.go).
func TestEveryWriteRouteHasAuditName(t *testing.T) {
	notAudited := map[string]bool{"POST /signin": true, "POST /signin/password": true, "POST /signout": true,
		"POST /api/v1/valuations/income": true, "POST /apply/status": true}
	for _, r := range newEngine(openStore(t), nil, Config{}).Routes() {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || notAudited[r.Method+" "+r.Path] {
			continue
		}
		path := strings.NewReplacer(":id", "x1", ":pid", "x2", ":kind", "banks").Replace(r.Path)
		if got := web.AuditActionName(&data.AuditEntry{Request: r.Method + " " + path}); got == "其他操作" {
			t.Errorf("%s %s reads 「其他操作」 in the audit log: add it to web.AuditRoutes", r.Method, r.Path)
		}
	}
}
