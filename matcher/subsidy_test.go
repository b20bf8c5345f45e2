package matcher_test

import (
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/matcher"
)

// TestSubsidies checks the subsidies against figures worked by hand.
func TestSubsidies(t *testing.T) {
	zq := data.Enterprise{ID: "ent_a", Region: "441204", Industry: "C3411", Founded: data.NewDate(2015, time.March, 1),
		Certs: []data.Certification{data.CertHighTech}}
	bj := zq
	bj.Region = "110108"
	prod := data.Product{ID: "prod_a", PoolID: "pool_zq", SpreadBP: 50}
	asOf := data.NewDate(2021, time.April, 23)
	interest := func(share float64, capYear, capLoan int64, over float64) data.Policy {
		return data.Policy{ID: "policy_i", Name: "贴息", Interest: &data.InterestSubsidy{Share: share,
			CapPerEnterpriseYear: capYear, CapPerLoan: capLoan, MaxRateOverLPR: over},
			Eligibility: data.PolicyEligibility{Regions: []string{"4412"}}}
	}
	cases := []struct {
		name   string
		pols   []data.Policy
		e      data.Enterprise
		loan   matcher.Loan
		amount int64 // total interest subsidy
		capped bool
		net    float64
	}{
		// 3,500,000 × 4.35 % = 152,250 interest; 40 % = 60,900; 60,900 / 3,500,000 = 1.74 points.
		{"share of interest", []data.Policy{interest(0.4, 500_000, 0, 0)}, zq, matcher.Loan{Amount: 3_500_000, Rate: 0.0435, SpreadBP: 50}, 60_900, false, 0.0261},
		// 10,000,000 × 4.35 % × 40 % = 174,000 > cap 100,000: 1 point off.
		{"cap per enterprise a year", []data.Policy{interest(0.4, 100_000, 0, 0)}, zq, matcher.Loan{Amount: 10_000_000, Rate: 0.0435, SpreadBP: 50}, 100_000, true, 0.0335},
		// cap per loan 50,000 binds before the yearly 100,000.
		{"cap per loan", []data.Policy{interest(0.4, 100_000, 50_000, 0)}, zq, matcher.Loan{Amount: 10_000_000, Rate: 0.0435, SpreadBP: 50}, 50_000, true, 0.0385},
		// LPR 3.85 % × 1.4 = 5.39 %; a 6 % loan (spread 215 bp) is above it.
		{"rate above the ceiling", []data.Policy{interest(0.4, 0, 0, 0.4)}, zq, matcher.Loan{Amount: 1_000_000, Rate: 0.06, SpreadBP: 215}, 0, false, 0.06},
		// LPR 3.85 % + 50 bp = 4.35 % ≤ 5.39 %: admitted; 1,000,000 × 4.35 % × 40 % = 17,400.
		{"rate under the ceiling", []data.Policy{interest(0.4, 0, 0, 0.4)}, zq, matcher.Loan{Amount: 1_000_000, Rate: 0.0435, SpreadBP: 50}, 17_400, false, 0.0261},
		{"enterprise outside the region", []data.Policy{interest(0.4, 500_000, 0, 0)}, bj, matcher.Loan{Amount: 3_500_000, Rate: 0.0435, SpreadBP: 50}, 0, false, 0.0435},
		// 1 point of 2,000,000 = 20,000.
		{"points", []data.Policy{{ID: "p", Interest: &data.InterestSubsidy{Points: 0.01}}}, zq, matcher.Loan{Amount: 2_000_000, Rate: 0.0435}, 20_000, false, 0.0335},
		// two policies add up: 17,400 + 10,000.
		{"two policies", []data.Policy{interest(0.4, 0, 0, 0), {ID: "q", Interest: &data.InterestSubsidy{Points: 0.01}}}, zq, matcher.Loan{Amount: 1_000_000, Rate: 0.0435}, 27_400, false, 0.0161},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			subs, net := matcher.Subsidies(c.pols, &c.e, &prod, c.loan, asOf)
			var total int64
			capped := false
			for _, s := range subs {
				if s.Kind == matcher.SubsidyInterest {
					total += s.Amount
					capped = capped || s.Capped
				}
			}
			if total != c.amount || capped != c.capped {
				t.Errorf("interest subsidy = %d (capped %v), want %d (capped %v): %+v", total, capped, c.amount, c.capped, subs)
			}
			if d := net - c.net; d > 1e-9 || d < -1e-9 {
				t.Errorf("net rate = %v, want %v", net, c.net)
			}
			var points float64
			for _, s := range subs {
				points += s.Points
			}
			if d := c.loan.Rate - points - net; d > 1e-4 || d < -1e-4 {
				t.Errorf("net rate %v ≠ rate %v − points %v", net, c.loan.Rate, points)
			}
		})
	}
}

// TestPolicyApplies checks each eligibility rule refuses with a reason.
func TestPolicyApplies(t *testing.T) {
	e := data.Enterprise{Region: "441204", Industry: "C3411", Founded: data.NewDate(2020, time.January, 1),
		Financials: []data.Financials{{Year: 2020, Revenue: 50_000_000}}}
	prod := data.Product{PoolID: "pool_zq"}
	asOf := data.NewDate(2021, time.April, 23)
	cases := []struct {
		name string
		el   data.PolicyEligibility
		pol  func(*data.Policy)
		ok   bool
	}{
		{"open to all", data.PolicyEligibility{}, nil, true},
		{"industry", data.PolicyEligibility{Industries: []string{"C35"}}, nil, false},
		{"certification", data.PolicyEligibility{Certs: []data.Certification{data.CertHighTech}}, nil, false},
		{"pool", data.PolicyEligibility{PoolID: "pool_other"}, nil, false},
		{"pool matches", data.PolicyEligibility{PoolID: "pool_zq"}, nil, true},
		{"age", data.PolicyEligibility{MinEnterpriseYears: 2}, nil, false},
		{"revenue", data.PolicyEligibility{MaxRevenue: 20_000_000}, nil, false},
		{"expired", data.PolicyEligibility{}, func(p *data.Policy) { p.ValidUntil = data.NewDate(2020, time.December, 31) }, false},
	}
	for _, c := range cases {
		pol := data.Policy{Eligibility: c.el}
		if c.pol != nil {
			c.pol(&pol)
		}
		ok, why := matcher.PolicyApplies(&pol, &e, &prod, asOf)
		if ok != c.ok || (!ok && why == "") {
			t.Errorf("%s: applies = %v (%q), want %v", c.name, ok, why, c.ok)
		}
	}
}

// TestApplySubsidiesIneligible: a match without a loan gets none.
func TestApplySubsidiesIneligible(t *testing.T) {
	m := matcher.Match{Eligible: false, Rate: 0.0435, EstimatedAmount: 0}
	pol := data.Policy{ID: "p", Interest: &data.InterestSubsidy{Points: 0.01}}
	matcher.ApplySubsidies(&m, []data.Policy{pol}, &data.Enterprise{}, &data.Product{}, data.NewDate(2021, time.April, 23))
	if len(m.Subsidies) != 0 || m.NetRate != m.Rate {
		t.Errorf("ineligible match: subsidies %+v, net rate %v", m.Subsidies, m.NetRate)
	}
}

// TestFeeSubsidies: a fixed fee subsidy is paid up to its cap; a share of
// an unknown fee is listed with amount 0; neither changes the rate.
func TestFeeSubsidies(t *testing.T) {
	e := data.Enterprise{Region: "441204"}
	pols := []data.Policy{
		{ID: "fixed", Appraisal: &data.FeeSubsidy{Fixed: 30_000, Cap: 20_000}},
		{ID: "share", Guarantee: &data.FeeSubsidy{Share: 0.5, Cap: 100_000}},
	}
	subs, net := matcher.Subsidies(pols, &e, &data.Product{}, matcher.Loan{Amount: 1_000_000, Rate: 0.0435}, data.NewDate(2021, time.April, 23))
	if len(subs) != 2 || subs[0].Amount != 20_000 || !subs[0].Capped || subs[0].Kind != matcher.SubsidyAppraisalFee ||
		subs[1].Amount != 0 || subs[1].Kind != matcher.SubsidyGuaranteeFee || net != 0.0435 {
		t.Errorf("fee subsidies %+v, net %v", subs, net)
	}
}
