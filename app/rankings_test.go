package app

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/data/memstore"
)

// TestRankingsKeptAndDropped checks that a pipeline asked again reuses its
// ranking, and that a write drops the rankings of the older records rather
// than keeping them (and the facts they hold) beside the new one.
func TestRankingsKeptAndDropped(t *testing.T) {
	ctx := t.Context()
	a, org, asOf := rankingsApp(t)
	pipeline := func() {
		t.Helper()
		if _, _, err := a.Pipeline(ctx, org, demo.ProdCCBKechuang, PipelineQuery{AsOf: asOf, Limit: 10}); err != nil {
			t.Fatal(err)
		}
	}
	pipeline()
	first := a.rankings.entries
	pipeline()
	if len(a.rankings.entries) != 1 || len(first) != 1 || a.rankings.entries[0].val != first[0].val {
		t.Fatalf("asked twice: %d rankings kept (first %d); want the same one", len(a.rankings.entries), len(first))
	}
	e, err := a.store.Enterprises().Get(ctx, "ent_0003")
	if err != nil {
		t.Fatal(err)
	}
	e.Employees++
	if _, err := a.store.Enterprises().Put(ctx, &e); err != nil {
		t.Fatal(err)
	}
	pipeline()
	if len(a.rankings.entries) != 1 || a.rankings.entries[0].val == first[0].val {
		t.Errorf("after a write: %d rankings kept, the old one still there: %v; want only a new one", len(a.rankings.entries), a.rankings.entries[0].val == first[0].val)
	}
}

// TestRankingSharedByConcurrentPages: pages of one kept ranking, read at
// once by several callers (go test -race), give the answer each gives
// alone.
func TestRankingSharedByConcurrentPages(t *testing.T) {
	ctx := t.Context()
	a, org, asOf := rankingsApp(t)
	q := PipelineQuery{AsOf: asOf, Limit: 20}
	_, want, err := a.Pipeline(ctx, org, demo.ProdCCBKechuang, q)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, got, err := a.Pipeline(ctx, org, demo.ProdCCBKechuang, q)
			if err == nil && !reflect.DeepEqual(got, want) {
				err = errBadPage
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// rankingsApp returns an App on the demo, the organizer, and the day.
func rankingsApp(t *testing.T) (*App, *Caller, data.Date) {
	t.Helper()
	raw := memstore.New()
	if err := demo.Load(t.Context(), raw); err != nil {
		t.Fatal(err)
	}
	asOf := data.NewDate(2021, time.April, 23)
	return New(data.Audited(raw, "node-a", nil), Config{AsOf: asOf}), &Caller{Token: data.Token{Role: data.RoleOrganizer}}, asOf
}

var errBadPage = errors.New("a concurrent page differs from the page alone")
