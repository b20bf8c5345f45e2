package matcher

import (
	"fmt"
	"math"
	"testing"
	"time"

	"ipmatch/data"
)

func scoreEnterprise() *data.Enterprise {
	return &data.Enterprise{ID: "ent_s", Name: "示例", Founded: data.NewDate(2012, time.June, 1), TaxGrade: "B",
		Financials: []data.Financials{
			{Year: 2019, Revenue: 40_000_000, Profit: 2_000_000, Assets: 50_000_000, Liabilities: 25_000_000},
			{Year: 2020, Revenue: 44_000_000, Profit: 2_640_000, Assets: 52_000_000, Liabilities: 26_000_000},
		}}
}

// ExampleScorecard_PD shows the default scorecard on an equipment maker
// with 44 million yuan of revenue (10 % growth), a 6 % margin, a 50 % debt
// ratio, tax grade B and almost nine years of history: every term of
// z = Σ coefficient × value, and PD = 1 / (1 + e^(−z)).
func ExampleScorecard_PD() {
	sc := DefaultScorecard()
	est := sc.PD(scoreEnterprise(), data.NewDate(2021, time.April, 23))
	for _, p := range est.Parts {
		fmt.Printf("%-15s %7.4f × %5.2f = %7.4f\n", p.Name, p.Value, p.Coefficient, p.Contribution)
	}
	fmt.Printf("z = %.4f, PD = %.2f%%\n", est.Z, 100*est.PD)
	// Output:
	// intercept        1.0000 × -3.60 = -3.6000
	// debt_ratio       0.5000 ×  3.00 =  1.5000
	// profit_margin    0.0600 × -8.00 = -0.4800
	// revenue_growth   0.1000 × -1.00 = -0.1000
	// asset_turnover   0.8462 × -0.40 = -0.3385
	// log_revenue      0.6435 × -0.35 = -0.2252
	// age_years        8.8900 × -0.06 = -0.5336
	// tax_grade        1.0000 ×  0.00 =  0.0000
	// z = -3.7772, PD = 2.24%
}

func TestScorecardDirections(t *testing.T) {
	sc := DefaultScorecard()
	asOf := data.NewDate(2021, time.April, 23)
	base := sc.PD(scoreEnterprise(), asOf).PD
	worse := []struct {
		name string
		edit func(*data.Enterprise)
	}{
		{"more debt", func(e *data.Enterprise) { e.Financials[1].Liabilities = 45_000_000 }},
		{"a loss", func(e *data.Enterprise) { e.Financials[1].Profit = -1_000_000 }},
		{"shrinking", func(e *data.Enterprise) { e.Financials[1].Revenue = 30_000_000 }},
		{"tax grade C", func(e *data.Enterprise) { e.TaxGrade = "C" }},
		{"no tax grade", func(e *data.Enterprise) { e.TaxGrade = "" }},
		{"young", func(e *data.Enterprise) { e.Founded = data.NewDate(2020, time.August, 18) }},
		{"no financials", func(e *data.Enterprise) { e.Financials = nil }},
	}
	for _, tc := range worse {
		e := scoreEnterprise()
		tc.edit(e)
		if pd := sc.PD(e, asOf).PD; !(pd > base) {
			t.Errorf("%s: PD %.4f not above %.4f", tc.name, pd, base)
		}
	}
	e := scoreEnterprise()
	e.TaxGrade = "A"
	if pd := sc.PD(e, asOf).PD; !(pd < base) {
		t.Errorf("grade A: PD %.4f not below %.4f", pd, base)
	}
	// Bounds hold for extreme inputs.
	e = scoreEnterprise()
	e.Financials[1] = data.Financials{Year: 2020, Revenue: 0, Profit: -9e9, Assets: 1, Liabilities: 9e9}
	e.TaxGrade = "D"
	if pd := sc.PD(e, asOf).PD; pd != sc.MaxPD {
		t.Errorf("extreme: PD %v, want the cap %v", pd, sc.MaxPD)
	}
	// The parts add up to z.
	est := sc.PD(scoreEnterprise(), asOf)
	sum := 0.0
	for _, p := range est.Parts {
		sum += p.Contribution
	}
	if math.Abs(sum-est.Z) > 1e-3 {
		t.Errorf("parts sum to %v, z %v", sum, est.Z)
	}
}

func TestScorecardValidate(t *testing.T) {
	sc := DefaultScorecard()
	sc.MinPD, sc.MaxPD = 0.5, 0.1
	delete(sc.TaxGrade, "D")
	sc.DebtRatio = math.NaN()
	_, err := NewMatcher(&MatchConfig{Scorecard: &sc})
	fields := map[string]bool{}
	for _, f := range data.ErrorFields(err) {
		fields[f.Field] = true
	}
	for _, want := range []string{"scorecard.min_pd", "scorecard.tax_grade.D", "scorecard.debt_ratio"} {
		if !fields[want] {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}
