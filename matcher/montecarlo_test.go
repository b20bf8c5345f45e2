package matcher

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"ipmatch/data"
)

var testAsOf = data.NewDate(2025, time.August, 1)

// testEnterprise is an equipment maker (GB/T 4754 C34) with 100 million
// yuan of revenue in its latest year and no profit on record, so it is
// valued by relief from royalty.
func testEnterprise() *data.Enterprise {
	return &data.Enterprise{
		ID: "ent_1", Name: "肇庆测试装备有限公司", Industry: "C34",
		Financials: []data.Financials{{Year: 2024, Revenue: 100_000_000}, {Year: 2023, Revenue: 80_000_000}},
	}
}

// patentWithRemaining returns an invention patent whose legal term ends
// `years` (of 365.25 days) after the test as-of date.
func patentWithRemaining(n int, years float64) data.Patent {
	expiry := data.DateOf(testAsOf.Time().Add(time.Duration(years * 365.25 * 24 * float64(time.Hour))))
	return data.Patent{
		ApplicationNumber: fmt.Sprintf("2020100%06d", n),
		Type:              data.Invention,
		FilingDate:        expiry.AddYears(-20),
		ExpiryDate:        expiry,
		LegalStatus:       data.StatusValid,
		OwnerID:           "ent_1",
	}
}

// testPortfolio returns n patents with remaining terms from 1 to 18 years.
func testPortfolio(n int) []data.Patent {
	ps := make([]data.Patent, n)
	for i := range ps {
		ps[i] = patentWithRemaining(i, 1+float64((i*7)%18)+0.37*float64(i%3))
	}
	return ps
}

func value(t *testing.T, e *data.Enterprise, ps []data.Patent, cfg *MonteCarloConfig) PortfolioValuation {
	t.Helper()
	v, err := ValuePortfolio(context.Background(), e, ps, testAsOf, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestValuePortfolioReproducible(t *testing.T) {
	e, ps := testEnterprise(), testPortfolio(20)
	a := value(t, e, ps, &MonteCarloConfig{Seed: 42})
	b := value(t, e, ps, &MonteCarloConfig{Seed: 42})
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed, different results")
	}
	// The result does not depend on the number of workers.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	c := value(t, e, ps, &MonteCarloConfig{Seed: 42})
	if !reflect.DeepEqual(a, c) {
		t.Error("same seed, one CPU: different results")
	}
	runtime.GOMAXPROCS(4)
	c = value(t, e, ps, &MonteCarloConfig{Seed: 42})
	if !reflect.DeepEqual(a, c) {
		t.Error("same seed, four workers: different results")
	}
	d := value(t, e, ps, &MonteCarloConfig{Seed: 43})
	if d.Portfolio == a.Portfolio || d.Patents[0].Value == a.Patents[0].Value {
		t.Errorf("seeds 42 and 43 give the same result %+v", a.Portfolio)
	}
	if d.Parameters.Seed != 43 || a.Parameters.Draws != DefaultDraws {
		t.Errorf("parameters %+v", d.Parameters)
	}
}

func TestValuePortfolioPercentiles(t *testing.T) {
	v := value(t, testEnterprise(), testPortfolio(30), nil)
	check := func(name string, p Percentiles) {
		if !(0 < p.P10 && p.P10 <= p.P50 && p.P50 <= p.P90) {
			t.Errorf("%s: want 0 < P10 ≤ P50 ≤ P90, got %+v", name, p)
		}
		if !(p.P10 <= p.Mean && p.Mean <= p.P90) {
			t.Errorf("%s: mean %v outside [P10, P90]", name, p.Mean)
		}
	}
	check("portfolio", v.Portfolio)
	sumMeans := 0.0
	for _, p := range v.Patents {
		check(p.ApplicationNumber, p.Value)
		sumMeans += p.Value.Mean
	}
	// Means add up draw by draw.
	if math.Abs(sumMeans-v.Portfolio.Mean) > 1e-9*v.Portfolio.Mean {
		t.Errorf("Σ patent means %v ≠ portfolio mean %v", sumMeans, v.Portfolio.Mean)
	}
	t.Logf("portfolio of 30 (万元): P10 %.1f P50 %.1f P90 %.1f mean %.1f",
		v.Portfolio.P10/1e4, v.Portfolio.P50/1e4, v.Portfolio.P90/1e4, v.Portfolio.Mean/1e4)
}

// TestValuePortfolioJoint: percentiles of the portfolio are those of the
// sum of the patents' values draw by draw. With the enterprise-level inputs
// fixed, only the patents' independent lives vary, so the sum diversifies:
// its P10 is above the sum of the patents' P10s and its P90 below the sum
// of their P90s, which summing percentiles would miss.
func TestValuePortfolioJoint(t *testing.T) {
	fixed := func(x float64) *Range { return &Range{Low: x, Mode: x, High: x} }
	v := value(t, testEnterprise(), testPortfolio(30), &MonteCarloConfig{
		Growth: &Growth{Median: 0.03}, RoyaltyRate: fixed(0.02),
		TechnicalPremium: fixed(0.04), MarketPremium: fixed(0.03), FundingPremium: fixed(0.02), ManagementPremium: fixed(0.02),
	})
	var sum Percentiles
	for _, p := range v.Patents {
		sum.P10 += p.Value.P10
		sum.P90 += p.Value.P90
		sum.Mean += p.Value.Mean
	}
	if !(v.Portfolio.P10 > sum.P10 && v.Portfolio.P90 < sum.P90) {
		t.Errorf("portfolio [%v, %v] not inside Σ patents [%v, %v]", v.Portfolio.P10, v.Portfolio.P90, sum.P10, sum.P90)
	}
	if math.Abs(sum.Mean-v.Portfolio.Mean) > 1e-9*v.Portfolio.Mean {
		t.Errorf("Σ means %v ≠ portfolio mean %v", sum.Mean, v.Portfolio.Mean)
	}
}

func TestValuePortfolioMonotone(t *testing.T) {
	e := testEnterprise()
	short := value(t, e, []data.Patent{patentWithRemaining(1, 3)}, nil)
	long := value(t, e, []data.Patent{patentWithRemaining(1, 6)}, nil)
	if !(long.Portfolio.P10 > short.Portfolio.P10 && long.Portfolio.P50 > short.Portfolio.P50 && long.Portfolio.P90 > short.Portfolio.P90) {
		t.Errorf("6 years left %+v, not above 3 years left %+v", long.Portfolio, short.Portfolio)
	}
	// Beyond the 10-year cap a longer term adds nothing.
	capped := value(t, e, []data.Patent{patentWithRemaining(1, 12)}, nil)
	capped2 := value(t, e, []data.Patent{patentWithRemaining(1, 15)}, nil)
	if capped.Portfolio != capped2.Portfolio {
		t.Errorf("12 and 15 years left differ past the cap: %+v, %+v", capped.Portfolio, capped2.Portfolio)
	}

	ps := testPortfolio(10)
	base := value(t, e, ps, nil)
	richer := testEnterprise()
	richer.Financials[0].Revenue *= 2
	double := value(t, richer, ps, nil)
	if !(double.Portfolio.P50 > base.Portfolio.P50) || math.Abs(double.Portfolio.P50/base.Portfolio.P50-2) > 1e-12 {
		t.Errorf("double revenue: P50 %v vs %v, want twice", double.Portfolio.P50, base.Portfolio.P50)
	}
	for i := range ps {
		if !(double.Patents[i].Value.P50 > base.Patents[i].Value.P50) {
			t.Errorf("patent %d: P50 %v not above %v", i, double.Patents[i].Value.P50, base.Patents[i].Value.P50)
		}
	}
}

func TestValuePortfolioNotInForce(t *testing.T) {
	expired := patentWithRemaining(1, -0.5)
	lapsed := patentWithRemaining(2, 8)
	lapsed.LegalStatus = data.StatusLapsed
	live := patentWithRemaining(3, 8)
	v := value(t, testEnterprise(), []data.Patent{expired, lapsed, live}, nil)
	for _, i := range []int{0, 1} {
		p := v.Patents[i]
		if p.Value != (Percentiles{}) || p.Attribution != 0 || p.Note == "" {
			t.Errorf("patent %d: %+v, want zero value, zero attribution and a note", i, p)
		}
	}
	if v.Patents[0].RemainingLegalYears != 0 || !strings.Contains(v.Patents[0].Note, "legal term ended") {
		t.Errorf("expired: %+v", v.Patents[0])
	}
	if v.Patents[2].Attribution != 1 || v.Patents[2].Value.P50 <= 0 {
		t.Errorf("the one in force: %+v", v.Patents[2])
	}
	if v.Portfolio != v.Patents[2].Value {
		t.Errorf("portfolio %+v ≠ its only live patent %+v", v.Portfolio, v.Patents[2].Value)
	}
	if len(v.Notes) == 0 {
		t.Error("no note about the patents not in force")
	}

	// Only expired patents: everything is 0.
	v = value(t, testEnterprise(), []data.Patent{expired}, nil)
	if v.Portfolio != (Percentiles{}) {
		t.Errorf("portfolio of an expired patent: %+v", v.Portfolio)
	}
}

// TestValuePortfolioMatchesPresentValue fixes every sampled input and
// checks one patent's value against PresentValue of the same scenario: the
// Monte Carlo model is the income approach of PresentValue, draw by draw.
func TestValuePortfolioMatchesPresentValue(t *testing.T) {
	e := testEnterprise()
	fixed := func(x float64) *Range { return &Range{Low: x, Mode: x, High: x} }
	tax, base := 0.25, 0.03
	cfg := &MonteCarloConfig{
		Draws: 100, BaseRate: &base, TaxRate: &tax,
		Growth:           &Growth{Median: 0.05},
		RoyaltyRate:      fixed(0.02),
		TechnicalPremium: fixed(0.04), MarketPremium: fixed(0.03), FundingPremium: fixed(0.02), ManagementPremium: fixed(0.03),
		MaxLifeYears: 6, LifeFactor: fixed(1),
		Strengths: []float64{0.6, 0.5},
	}
	v := value(t, e, []data.Patent{patentWithRemaining(1, 9), patentWithRemaining(2, 9)}, cfg)

	// Together the two patents hold 1 − 0.4 × 0.5 = 0.8 of the protection
	// and earn the technology's whole contribution U; the stronger one (the
	// lives are equal) is credited 0.6 ÷ 0.8 of it, the other
	// 0.5 × 0.4 ÷ 0.8. Pledged alone they would be worth 0.6 ÷ 0.8 and
	// 0.5 ÷ 0.8 of U.
	flows := make([]float64, 6)
	for k := range flows {
		flows[k] = 100_000_000 * math.Pow(1.05, float64(k+1))
	}
	pv, err := PresentValue(IncomeScenario{CashFlows: flows, ShareRate: 0.02, TaxRate: 0.25, DiscountRate: 0.15})
	if err != nil {
		t.Fatal(err)
	}
	u := pv.PresentValue
	for _, c := range []struct {
		name       string
		got        Percentiles
		multiplier float64
	}{{"patent 1", v.Patents[0].Value, 0.75}, {"patent 2", v.Patents[1].Value, 0.25}, {"portfolio", v.Portfolio, 1},
		{"patent 1 alone", v.Patents[0].Standalone, 0.75}, {"patent 2 alone", v.Patents[1].Standalone, 0.625}} {
		for _, x := range []float64{c.got.P10, c.got.P50, c.got.P90, c.got.Mean} {
			if math.Abs(x-c.multiplier*u) > 1e-9*u {
				t.Errorf("%s: Monte Carlo %v, want %v × PresentValue %v", c.name, x, c.multiplier, u)
			}
		}
	}
	if math.Abs(v.Parameters.DiscountRateMode-0.15) > 1e-12 || math.Abs(v.Coverage-0.8) > 1e-12 || math.Abs(v.Patents[0].Attribution-0.75) > 1e-12 ||
		v.Parameters.Approach != ApproachRoyalty {
		t.Errorf("parameters %+v, coverage %v, patent %+v", v.Parameters, v.Coverage, v.Patents[0])
	}
}

func TestValuePortfolioParameters(t *testing.T) {
	e := testEnterprise()
	v := value(t, e, testPortfolio(3), nil)
	p := v.Parameters
	if p.LPR == nil || p.LPR.Date != data.NewDate(2025, time.July, 21) || p.BaseRate != 0.03 || p.LPR.Stale {
		t.Errorf("LPR %+v, base %v", p.LPR, p.BaseRate)
	}
	if p.TaxRate != DefaultTaxRate || p.RevenueBase != 100_000_000 || p.RevenueYear != 2024 || p.RevenueShare != 1 {
		t.Errorf("tax %v, revenue %v (%d) × %v", p.TaxRate, p.RevenueBase, p.RevenueYear, p.RevenueShare)
	}
	if !strings.Contains(p.RoyaltySector, "machinery") || p.RoyaltyRate != (Range{0.015, 0.0225, 0.03}) {
		t.Errorf("royalty %s %+v", p.RoyaltySector, p.RoyaltyRate)
	}
	if math.Abs(p.DiscountRateMode-0.145) > 1e-12 || p.MaxLifeYears != 10 || p.LifeFactor != defaultLifeFactor {
		t.Errorf("discount mode %v, life %v × %+v", p.DiscountRateMode, p.MaxLifeYears, p.LifeFactor)
	}
	sum := 0.0
	for _, pt := range v.Patents {
		if pt.LifeYears.High > pt.RemainingLegalYears || pt.LifeYears.High > 10 || pt.Strength != DefaultStrength {
			t.Errorf("patent %+v", pt)
		}
		sum += pt.Attribution
	}
	if math.Abs(sum-1) > 1e-12 || p.Approach != ApproachRoyalty || p.ContributionRate != p.RoyaltyRate {
		t.Errorf("attributions sum to %v; approach %s, contribution %+v", sum, p.Approach, p.ContributionRate)
	}

	e.Certs = []data.Certification{data.CertHighTech}
	e.Industry = "Q8411" // no royalty row
	late, err := ValuePortfolio(context.Background(), e, testPortfolio(3), data.NewDate(2026, time.March, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	if late.Parameters.TaxRate != HighTechTaxRate {
		t.Errorf("high-tech tax %v", late.Parameters.TaxRate)
	}
	if late.Parameters.RoyaltyRate != defaultRoyalty.Rate {
		t.Errorf("default royalty %+v", late.Parameters.RoyaltyRate)
	}
	if !late.Parameters.LPR.Stale || len(late.Notes) == 0 || !strings.Contains(late.Notes[0], "after the last LPR fixing in the table (2025-07-21)") {
		t.Errorf("stale LPR not reported: %+v %q", late.Parameters.LPR, late.Notes)
	}
}

func TestRoyaltyRateFor(t *testing.T) {
	for code, sector := range map[string]string{
		"C34": "machinery", "3411": "machinery", "c3511": "machinery", "C27": "pharmaceuticals",
		"C3971": "precision electronics", "C36": "automobiles", "C": "other", "Q84": "other", "": "other", "zz": "other",
	} {
		row, _ := RoyaltyRateFor(code)
		if !strings.Contains(row.Sector, sector) {
			t.Errorf("%q: %s, want %s", code, row.Sector, sector)
		}
	}
	for _, r := range RoyaltyTable() {
		for _, d := range r.Divisions {
			if ind, ok := data.LookupIndustry(d); !ok || ind.Level != 2 {
				t.Errorf("%s: %q is not a GB/T 4754 division", r.Sector, d)
			}
		}
		if !(r.Rate.Low < r.Rate.Mode && r.Rate.Mode < r.Rate.High) {
			t.Errorf("%s: %+v", r.Sector, r.Rate)
		}
	}
}

func TestValuePortfolioInvalid(t *testing.T) {
	neg := -0.1
	tests := []struct {
		name  string
		edit  func(e *data.Enterprise, ps *[]data.Patent, asOf *data.Date, c *MonteCarloConfig)
		field string
	}{
		{"no patents", func(_ *data.Enterprise, ps *[]data.Patent, _ *data.Date, c *MonteCarloConfig) {
			*ps = nil
			c.Strengths = nil
		}, "patents"},
		{"other owner", func(_ *data.Enterprise, ps *[]data.Patent, _ *data.Date, _ *MonteCarloConfig) {
			(*ps)[1].OwnerID = "ent_2"
		}, "patents[1].owner_id"},
		{"no as-of", func(_ *data.Enterprise, _ *[]data.Patent, d *data.Date, _ *MonteCarloConfig) { *d = data.Date{} }, "as_of"},
		{"before LPR", func(_ *data.Enterprise, _ *[]data.Patent, d *data.Date, _ *MonteCarloConfig) {
			*d = data.NewDate(2018, time.January, 1)
		}, "as_of"},
		{"no financials", func(e *data.Enterprise, _ *[]data.Patent, _ *data.Date, _ *MonteCarloConfig) { e.Financials = nil }, "financials"},
		{"draws", func(_ *data.Enterprise, _ *[]data.Patent, _ *data.Date, c *MonteCarloConfig) { c.Draws = -5 }, "draws"},
		{"too many draws", func(_ *data.Enterprise, _ *[]data.Patent, _ *data.Date, c *MonteCarloConfig) { c.Draws = MaxDraws + 1 }, "draws"},
		{"strengths length", func(_ *data.Enterprise, _ *[]data.Patent, _ *data.Date, c *MonteCarloConfig) {
			c.Strengths = c.Strengths[:2]
		}, "strengths"},
		{"strength", func(_ *data.Enterprise, _ *[]data.Patent, _ *data.Date, c *MonteCarloConfig) { c.Strengths[2] = 1.5 }, "strengths[2]"},
		{"profit share", func(_ *data.Enterprise, _ *[]data.Patent, _ *data.Date, c *MonteCarloConfig) {
			m := 0.1
			c.ProfitMargin, c.ProfitShare = &m, &Range{0.3, 0.2, 0.4}
		}, "profit_share"},
		{"profit margin", func(_ *data.Enterprise, _ *[]data.Patent, _ *data.Date, c *MonteCarloConfig) {
			m := 1.5
			c.ProfitMargin = &m
		}, "profit_margin"},
		{"royalty", func(_ *data.Enterprise, _ *[]data.Patent, _ *data.Date, c *MonteCarloConfig) {
			c.RoyaltyRate = &Range{0.03, 0.02, 0.05}
		}, "royalty_rate"},
		{"premium", func(_ *data.Enterprise, _ *[]data.Patent, _ *data.Date, c *MonteCarloConfig) {
			c.MarketPremium = &Range{-0.01, 0, 0.01}
		}, "market_premium"},
		{"life factor", func(_ *data.Enterprise, _ *[]data.Patent, _ *data.Date, c *MonteCarloConfig) {
			c.LifeFactor = &Range{0.5, 1, 1.5}
		}, "life_factor"},
		{"max life", func(_ *data.Enterprise, _ *[]data.Patent, _ *data.Date, c *MonteCarloConfig) { c.MaxLifeYears = 25 }, "max_life_years"},
		{"tax", func(_ *data.Enterprise, _ *[]data.Patent, _ *data.Date, c *MonteCarloConfig) { c.TaxRate = &neg }, "tax_rate"},
		{"base rate", func(_ *data.Enterprise, _ *[]data.Patent, _ *data.Date, c *MonteCarloConfig) { c.BaseRate = &neg }, "base_rate"},
		{"revenue share", func(_ *data.Enterprise, _ *[]data.Patent, _ *data.Date, c *MonteCarloConfig) { c.RevenueShare = 1.5 }, "revenue_share"},
		{"revenue base", func(_ *data.Enterprise, _ *[]data.Patent, _ *data.Date, c *MonteCarloConfig) { c.RevenueBase = -1 }, "revenue_base"},
		{"growth sigma", func(_ *data.Enterprise, _ *[]data.Patent, _ *data.Date, c *MonteCarloConfig) {
			c.Growth = &Growth{Median: 0.03, Sigma: -1}
		}, "growth.sigma"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ps, asOf := testEnterprise(), testPortfolio(3), testAsOf
			cfg := &MonteCarloConfig{Strengths: []float64{0.5, 0.5, 0.5}}
			tt.edit(e, &ps, &asOf, cfg)
			_, err := ValuePortfolio(context.Background(), e, ps, asOf, cfg)
			var de *data.Error
			if !errors.As(err, &de) || de.Code != data.CodeInvalid {
				t.Fatalf("err = %v, want an invalid *data.Error", err)
			}
			if len(de.Fields) != 1 || de.Fields[0].Field != tt.field {
				t.Errorf("fields %+v, want one naming %s", de.Fields, tt.field)
			}
		})
	}
}

func TestValuePortfolioPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"nil enterprise": func() { _, _ = ValuePortfolio(context.Background(), nil, testPortfolio(1), testAsOf, nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestValuePortfolioCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ValuePortfolio(ctx, testEnterprise(), testPortfolio(5), testAsOf, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// TestPercentiles checks the bucket select against stat.Quantile on
// sorted data: ties, small samples, skewed and awkward values.
func TestPercentiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gens := map[string]func(i, n int) float64{
		"uniform":   func(int, int) float64 { return rng.Float64() },
		"ties":      func(int, int) float64 { return float64(rng.IntN(4)) },
		"sorted":    func(i, _ int) float64 { return float64(i) },
		"reversed":  func(i, n int) float64 { return float64(n - i) },
		"equal":     func(int, int) float64 { return 7 },
		"lognormal": func(int, int) float64 { return math.Exp(3 * rng.NormFloat64()) },
		"outlier": func(i, _ int) float64 {
			if i == 0 {
				return 1e12
			}
			return rng.Float64()
		},
		"tiny range": func(int, int) float64 { return 1 + float64(rng.IntN(5))*0x1p-52 },
		"subnormal":  func(int, int) float64 { return float64(rng.IntN(3)) * 5e-324 },
		"huge range": func(int, int) float64 { return (rng.Float64() - 0.5) * math.MaxFloat64 },
		"infinity": func(i, _ int) float64 {
			if i%7 == 0 {
				return math.Inf(1)
			}
			return rng.Float64()
		},
	}
	var qs quantileScratch
	for name, gen := range gens {
		for _, n := range []int{1, 2, 3, 5, 9, 10, 11, 99, 100, 1000, 10_000, 10_001} {
			x := make([]float64, n)
			for i := range x {
				x[i] = gen(i, n)
			}
			orig := slices.Clone(x)
			sorted := slices.Clone(x)
			slices.Sort(sorted)
			got := qs.percentiles(x)
			if !slices.Equal(x, orig) {
				t.Errorf("%s n=%d: input changed", name, n)
			}
			for _, c := range []struct {
				p   float64
				got float64
			}{{0.1, got.P10}, {0.5, got.P50}, {0.9, got.P90}} {
				if want := stat.Quantile(c.p, stat.Empirical, sorted, nil); c.got != want {
					t.Errorf("%s n=%d: P%.0f = %v, stat.Quantile says %v", name, n, 100*c.p, c.got, want)
				}
			}
			if want := stat.Mean(orig, nil); got.Mean != want && !(math.IsInf(want, 0) || math.IsNaN(want)) {
				t.Errorf("%s n=%d: mean %v, want %v", name, n, got.Mean, want)
			}
		}
	}
	x := []float64{1, math.NaN(), 2}
	if got := qs.percentiles(x); !math.IsNaN(got.P50) {
		t.Errorf("NaN data: %+v, want NaN as stat.Quantile", got)
	}
}

// ExampleValuePortfolio values two invention patents of an equipment maker
// (GB/T 4754 C34, revenue 100 million yuan in 2024 and 80 million in
// 2023, profit 8.5 and 6.0 million: a margin of 8.06 %) on 2025-08-01
// with the default parameters: the technology's share of the profit 25 %
// to 33.3 % (mode 29 %), so 2.0 %–2.7 % of sales; 1-year LPR 3.00 % plus
// premiums of 4 + 3.5 + 2 + 2 % at their modes; 25 % tax; revenue growth
// of 3 % at the median; lives capped at 10 years. The patents' strengths
// (indicator values ÷ 100) are 0.7 and 0.6: together they hold 0.88 of the
// protection, and earn the whole contribution. P50 is the point value a
// bank lends on; P10 feeds its risk.
func ExampleValuePortfolio() {
	e := testEnterprise()
	e.Financials[0].Profit, e.Financials[1].Profit = 8_500_000, 6_000_000
	ps := []data.Patent{patentWithRemaining(1, 6), patentWithRemaining(2, 15)}
	v, err := ValuePortfolio(context.Background(), e, ps, data.NewDate(2025, time.August, 1),
		&MonteCarloConfig{Seed: 1, Strengths: []float64{0.7, 0.6}})
	if err != nil {
		fmt.Println(err)
		return
	}
	p := v.Parameters
	fmt.Printf("LPR %.2f%% (%s), discount rate at the modes %.1f%%\n", 100*p.BaseRate, p.LPR.Date, 100*p.DiscountRateMode)
	fmt.Printf("%s: %.0f%%–%.1f%% of a %.2f%% margin = %.2f%%–%.2f%% of sales, tax %.0f%%\n", p.Approach, 100*p.ProfitShare.Low, 100*p.ProfitShare.High,
		100*p.ProfitMargin, 100*p.ContributionRate.Low, 100*p.ContributionRate.High, 100*p.TaxRate)
	for _, pt := range v.Patents {
		fmt.Printf("%s life %.1f–%.1f y, credited %.2f: P10 %.0f P50 %.0f P90 %.0f 万元 (alone P50 %.0f)\n", pt.ApplicationNumber,
			pt.LifeYears.Low, pt.LifeYears.High, pt.Attribution, pt.Value.P10/1e4, pt.Value.P50/1e4, pt.Value.P90/1e4, pt.Standalone.P50/1e4)
	}
	fmt.Printf("portfolio: P10 %.0f P50 %.0f P90 %.0f 万元\n", v.Portfolio.P10/1e4, v.Portfolio.P50/1e4, v.Portfolio.P90/1e4)
	// Output:
	// LPR 3.00% (2025-07-21), discount rate at the modes 14.5%
	// profit_split: 25%–33.3% of a 8.06% margin = 2.01%–2.69% of sales, tax 25%
	// 2020100000001 life 3.6–6.0 y, credited 0.32: P10 145 P50 210 P90 320 万元 (alone P50 526)
	// 2020100000002 life 6.0–10.0 y, credited 0.68: P10 388 P50 642 P90 1175 万元 (alone P50 642)
	// portfolio: P10 535 P50 855 P90 1495 万元
}

// benchPortfolio is the benchmark case: 50 patents, 10,000 draws.
const benchPatents, benchDraws = 50, 10_000

// BenchmarkValuePortfolio is a 10,000-draw Monte Carlo valuation of a
// 50-patent portfolio (goal: under 20 ms on two cores).
func BenchmarkValuePortfolio(b *testing.B) {
	e, ps := testEnterprise(), testPortfolio(benchPatents)
	cfg := &MonteCarloConfig{Draws: benchDraws, Seed: 7}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ValuePortfolio(ctx, e, ps, testAsOf, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaselineDraws draws, on one goroutine, as many random inputs as
// BenchmarkValuePortfolio does (6 enterprise-level + 50 life factors per
// draw) by the same inverse-CDF sampling, and sums them: the cost of the
// random numbers alone.
func BenchmarkBaselineDraws(b *testing.B) {
	src := rand.NewPCG(1, 2)
	tri := distuv.NewTriangle(0.6, 1, 1, nil)
	n := benchDraws * (6 + benchPatents)
	s := 0.0
	for b.Loop() {
		for range n {
			s += tri.Quantile(float64(src.Uint64()>>11) * 0x1p-53)
		}
	}
	if s == 0 {
		b.Fatal("no draws")
	}
}

// BenchmarkBaselinePresentValue runs as many plain PresentValue
// evaluations (10-year scenarios) as BenchmarkValuePortfolio values patents
// (50 × 10,000): the cost of the naive approach.
func BenchmarkBaselinePresentValue(b *testing.B) {
	s := IncomeScenario{CashFlows: make([]float64, 10), ShareRate: 0.02, TaxRate: 0.25, DiscountRate: 0.145}
	for i := range s.CashFlows {
		s.CashFlows[i] = 1e6 * math.Pow(1.03, float64(i+1))
	}
	b.ReportAllocs()
	for b.Loop() {
		for range benchDraws * benchPatents {
			if _, err := PresentValue(s); err != nil {
				b.Fatal(err)
			}
		}
	}
}
