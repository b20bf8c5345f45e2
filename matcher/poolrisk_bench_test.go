package matcher

import (
	"fmt"
	"testing"

	"ipmatch/data"
)

// BenchmarkPoolRisk is the default 20,000-draw simulation of a county
// pool's book: 200 active filings of 200 borrowers; with flags, 20 of
// them flagged (the base figures counted too).
func BenchmarkPoolRisk(b *testing.B) {
	b.Run("no flags", func(b *testing.B) { benchPoolRisk(b, 0) })
	b.Run("20 flagged", func(b *testing.B) { benchPoolRisk(b, 20) })
}

func benchPoolRisk(b *testing.B, flagged int) {
	pool := testPool()
	pool.Size, pool.Leverage = 50_000_000, 10
	var deals []data.Deal
	for i := range 200 {
		deals = append(deals, testDeal(fmt.Sprintf("d%03d", i), fmt.Sprintf("e%03d", i), 1_000_000, data.StageDisbursed))
	}
	in := PoolRiskInput{Pool: pool, Deals: deals, Flags: map[string][]data.RiskKind{}}
	for i := range flagged {
		in.Flags[deals[i*10].ID] = []data.RiskKind{data.RiskLapsed}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := PoolRisk(b.Context(), in, nil); err != nil {
			b.Fatal(err)
		}
	}
}
