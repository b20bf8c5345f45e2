package app

import (
	"fmt"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/data/memstore"
)

// BenchmarkMonitor times the daily check on the demo with monitorDeals
// synthetic live loans added (each pledging up to three granted patents of
// a demo enterprise): "steady", the check of a day with nothing new (every
// risk alerted, every collateral recorded), against "read", the baseline
// in the same run, reading the deals and their pledged patents alone;
// "first", the first check of loans never checked (each valued, every
// risk alerted); and "value", the valuation of one deal's collateral,
// which the first check of a loan (or its move to 放款) pays once.
func BenchmarkMonitor(b *testing.B) {
	const monitorDeals = 1000
	ctx := b.Context()
	store := memstore.New()
	if err := demo.Load(ctx, store); err != nil {
		b.Fatal(err)
	}
	patents, err := All(ctx, store.Patents(), data.ListOptions{})
	if err != nil {
		b.Fatal(err)
	}
	byOwner := map[string][]string{}
	for _, p := range patents {
		if p.OwnerID != "" && !p.GrantDate.IsZero() && p.LegalStatus == data.StatusValid && len(byOwner[p.OwnerID]) < 3 {
			byOwner[p.OwnerID] = append(byOwner[p.OwnerID], p.ApplicationNumber)
		}
	}
	var owners []string
	for id := range byOwner {
		owners = append(owners, id)
	}
	at := time.Date(2021, 3, 1, 2, 0, 0, 0, time.UTC)
	var deals []*data.Deal
	for i := range monitorDeals {
		owner := owners[i%len(owners)]
		d := &data.Deal{ID: fmt.Sprintf("deal_bench_%05d", i), EnterpriseID: owner, BankID: demo.BankCCB, ProductID: demo.ProdCCBKechuang,
			Amount: 1_000_000, TermMonths: 24, Patents: byOwner[owner],
			History: []data.StageChange{{Stage: data.StageRegistered, At: at, By: "bench"}}, Stage: data.StageRegistered}
		for _, s := range []data.Stage{data.StageMet, data.StageIntent, data.StageFiled, data.StageAccepted, data.StageDisbursed} {
			if err := d.Move(s, "bench", at, ""); err != nil {
				b.Fatal(err)
			}
		}
		deals = append(deals, d)
	}
	if _, err := store.Deals().Put(ctx, deals...); err != nil {
		b.Fatal(err)
	}
	a := New(store, Config{AsOf: data.NewDate(2021, 6, 1)})
	day := data.NewDate(2021, 6, 1)
	first, err := a.Monitor(ctx, day, DefaultRiskWarnDays)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("first check: %d live deals, %d valued, %d alerts raised", first.Deals, first.Valued, len(first.Raised))

	b.Run("steady", func(b *testing.B) {
		for b.Loop() {
			rep, err := a.Monitor(ctx, day, DefaultRiskWarnDays)
			if err != nil || len(rep.Raised) != 0 || rep.Valued != 0 {
				b.Fatalf("%+v, %v", rep, err)
			}
		}
	})
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			all, err := All(ctx, store.Deals(), data.ListOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := a.liveRisks(ctx, all, day, DefaultRiskWarnDays); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("first", func(b *testing.B) {
		// A store whose loans were never checked: the deals' collateral
		// and the alerts are cleared before each check, outside the timing.
		for range b.N {
			b.StopTimer()
			fresh := memstore.New()
			if err := demo.Load(ctx, fresh); err != nil {
				b.Fatal(err)
			}
			clean := make([]*data.Deal, len(deals))
			for i, d := range deals {
				c := *d
				c.Collateral = nil
				clean[i] = &c
			}
			if _, err := fresh.Deals().Put(ctx, clean...); err != nil {
				b.Fatal(err)
			}
			fa := New(fresh, Config{AsOf: day})
			b.StartTimer()
			rep, err := fa.Monitor(ctx, day, DefaultRiskWarnDays)
			if err != nil || rep.Valued != first.Valued || len(rep.Raised) != len(first.Raised) {
				b.Fatalf("%d valued, %d raised, %v", rep.Valued, len(rep.Raised), err)
			}
		}
	})
	b.Run("value", func(b *testing.B) {
		d := deals[0]
		for b.Loop() {
			if _, ok := a.collateralValue(ctx, d, day); !ok {
				b.Fatal("not valued")
			}
		}
	})
}
