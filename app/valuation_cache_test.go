package app

import (
	"encoding/json"
	"testing"

	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/data/memstore"
	"ipmatch/matcher"
)

// TestValuationCacheAgreesWithFresh: a valuation from the cache is the one
// a fresh Monte Carlo gives, trimming a bank's answer leaves the cached
// one whole, and a write to the enterprise or another seed is valued
// afresh.
func TestValuationCacheAgreesWithFresh(t *testing.T) {
	ctx := t.Context()
	store := memstore.New()
	if err := demo.Load(ctx, store); err != nil {
		t.Fatal(err)
	}
	a := New(store, Config{AsOf: demo.AsOf})
	org := &Caller{Token: data.Token{Role: data.RoleOrganizer}}
	bank := &Caller{Token: data.Token{Role: data.RoleBank, BankID: demo.BankABC}}

	// An enterprise the bank sees, with patents, that shares no
	// financials with banks: the bank's answer is trimmed.
	ents, err := All(ctx, store.Enterprises(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var e *data.Enterprise
	for i := range ents {
		sees, err := a.BankSees(ctx, demo.BankABC, &ents[i])
		if err != nil {
			t.Fatal(err)
		}
		pats, _ := a.PatentsOf(ctx, ents[i].ID)
		if sees && len(pats) >= 2 && len(ents[i].Financials) > 0 {
			e = &ents[i]
			break
		}
	}
	if e == nil {
		t.Fatal("no enterprise of the demo fits the test")
	}
	e.Consents.ShareData = false
	if _, err := store.Enterprises().Put(ctx, e); err != nil {
		t.Fatal(err)
	}

	fresh := func() string {
		t.Helper()
		rec, err := store.Enterprises().Get(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		pats, err := a.PatentsOf(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		v, err := a.model.ValueEnterprise(ctx, &rec, pats, demo.AsOf, matcher.ValuationOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return marshal(t, v)
	}
	value := func(p *Caller, opts matcher.ValuationOptions) string {
		t.Helper()
		v, err := a.Valuation(ctx, p, e.ID, demo.AsOf, opts)
		if err != nil {
			t.Fatal(err)
		}
		return marshal(t, v)
	}
	computed := func(want int64, when string) {
		t.Helper()
		if got := a.valuations.computed.Load(); got != want {
			t.Errorf("%s: %d Monte Carlo computations, want %d", when, got, want)
		}
	}

	trimmed := value(bank, matcher.ValuationOptions{})
	computed(1, "after the bank's valuation")
	whole := value(org, matcher.ValuationOptions{})
	computed(1, "after the organizer's valuation of the same records")
	if want := fresh(); whole != want {
		t.Errorf("the cached valuation differs from a fresh one:\n got %.300s\nwant %.300s", whole, want)
	}
	if trimmed == whole {
		t.Fatal("the bank's answer was not trimmed: the test proves nothing about the cache's copy")
	}
	if again := value(bank, matcher.ValuationOptions{}); again != trimmed {
		t.Errorf("the bank's second answer differs from its first:\n got %.300s\nwant %.300s", again, trimmed)
	}

	seed := uint64(7)
	if value(org, matcher.ValuationOptions{Seed: &seed}) == whole {
		t.Error("another seed gave the same draws")
	}
	computed(2, "after another seed")

	e.Financials[len(e.Financials)-1].Revenue *= 2
	if _, err := store.Enterprises().Put(ctx, e); err != nil {
		t.Fatal(err)
	}
	after := value(org, matcher.ValuationOptions{})
	computed(3, "after the enterprise's revenue changed")
	if want := fresh(); after != want {
		t.Errorf("after a write, the valuation differs from a fresh one:\n got %.300s\nwant %.300s", after, want)
	}
	if after == whole {
		t.Error("doubling the revenue left the valuation as it was")
	}
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
