package matcher

import (
	"fmt"
	"slices"
	"testing"

	"ipmatch/data"
)

func TestFlagOf(t *testing.T) {
	for _, tc := range []struct {
		kinds []data.RiskKind
		want  CollateralFlag
	}{
		{nil, FlagNone},
		{[]data.RiskKind{data.RiskFeeDue}, FlagNone},
		{[]data.RiskKind{data.RiskFeeDue, data.RiskFeeGrace}, FlagWarning},
		{[]data.RiskKind{data.RiskInvalidationOpen}, FlagWarning},
		{[]data.RiskKind{data.RiskPreserved}, FlagWarning},
		{[]data.RiskKind{data.RiskExpiresFirst}, FlagWarning},
		{[]data.RiskKind{data.RiskPreserved, data.RiskLapsed}, FlagLost},
		{[]data.RiskKind{data.RiskInvalidated}, FlagLost},
		{[]data.RiskKind{data.RiskTransferred}, FlagLost},
		{[]data.RiskKind{data.RiskMissing}, FlagLost},
	} {
		if got := FlagOf(tc.kinds); got != tc.want {
			t.Errorf("FlagOf(%v) = %s, want %s", tc.kinds, got, tc.want)
		}
	}
}

// flagsBook is a pool of 30 loans of 30 borrowers, two of them by another
// bank, plus a deal of another pool and one not yet filed.
func flagsBook() (data.Pool, []data.Deal) {
	pool := testPool()
	pool.Size = 3_000_000
	var deals []data.Deal
	for i := range 30 {
		deals = append(deals, testDeal(fmt.Sprintf("d%02d", i), fmt.Sprintf("e%02d", i), 1_000_000, data.StageDisbursed))
	}
	deals[28].BankID, deals[29].BankID = "bank_b", "bank_b"
	other := testDeal("x1", "e00", 2_000_000, data.StageDisbursed)
	other.PoolID = "other"
	early := testDeal("x2", "e01", 2_000_000, data.StageIntent)
	return pool, append(deals, other, early)
}

// TestPoolRiskFlags runs the pool with flags given as data: each case
// names the flags and what must hold of the loans, the exposure by flag,
// the likely claims and the two sets of figures.
func TestPoolRiskFlags(t *testing.T) {
	pool, deals := flagsBook()
	cases := []struct {
		name  string
		flags map[string][]data.RiskKind
		// flagged lists the deals expected flagged, largest claim first.
		flagged []string
		levels  map[CollateralFlag]int
	}{
		{name: "no flags", levels: map[CollateralFlag]int{FlagNone: 30}},
		{name: "a fee falling due flags nothing", flags: map[string][]data.RiskKind{"d03": {data.RiskFeeDue}},
			levels: map[CollateralFlag]int{FlagNone: 30}},
		{name: "one lapsed", flags: map[string][]data.RiskKind{"d05": {data.RiskLapsed, data.RiskLapsed}},
			flagged: []string{"d05"}, levels: map[CollateralFlag]int{FlagNone: 29, FlagLost: 1}},
		{name: "a warning and a loss", flags: map[string][]data.RiskKind{"d07": {data.RiskPreserved}, "d02": {data.RiskFeeDue, data.RiskTransferred}},
			flagged: []string{"d02", "d07"}, levels: map[CollateralFlag]int{FlagNone: 28, FlagWarning: 1, FlagLost: 1}},
		{name: "other pool and not filed are ignored", flags: map[string][]data.RiskKind{"x1": {data.RiskLapsed}, "x2": {data.RiskInvalidated}, "nope": {data.RiskMissing}},
			levels: map[CollateralFlag]int{FlagNone: 30}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := PoolRisk(t.Context(), PoolRiskInput{Pool: pool, Deals: deals, Flags: tc.flags}, &PoolRiskConfig{Draws: 5000})
			if err != nil {
				t.Fatal(err)
			}
			if res.Filings != 30 || res.Exposure != 30_000_000 {
				t.Fatalf("book: %d filings, exposure %d", res.Filings, res.Exposure)
			}
			// Exposure by flag adds up, in the order none, warning, lost.
			var n int
			var sum int64
			for i, e := range res.ByFlag {
				if e.Flag != CollateralFlags[i] || e.Loans != tc.levels[e.Flag] {
					t.Errorf("by flag %d: %+v, want %s with %d loans", i, e, CollateralFlags[i], tc.levels[CollateralFlags[i]])
				}
				n += e.Loans
				sum += e.Exposure
			}
			if n != res.Filings || sum != res.Exposure {
				t.Errorf("by flag adds to %d loans, %d yuan; the book has %d, %d", n, sum, res.Filings, res.Exposure)
			}
			var claims []string
			for _, c := range res.LikelyClaims {
				claims = append(claims, c.DealID)
			}
			if !slices.Equal(claims, tc.flagged) && len(claims)+len(tc.flagged) > 0 {
				t.Errorf("likely claims %v, want %v", claims, tc.flagged)
			}
			if res.FlaggedLoans != len(tc.flagged) || res.FlaggedExposure != int64(len(tc.flagged))*1_000_000 {
				t.Errorf("flagged %d loans, %d yuan", res.FlaggedLoans, res.FlaggedExposure)
			}
			for _, l := range res.Loans {
				flagged := slices.Contains(tc.flagged, l.DealID)
				switch {
				case flagged && (l.PD != max(l.BasePD, DefaultFlaggedPD) || l.PD <= l.BasePD || !l.Flag.Flagged()):
					t.Errorf("flagged loan %+v: PD not raised to %g", l, DefaultFlaggedPD)
				case !flagged && (l.PD != l.BasePD || l.Flag.Flagged()):
					t.Errorf("loan %+v: not flagged, its PD must stay", l)
				case l.Risks == nil:
					t.Errorf("loan %s: risks nil, want []", l.DealID)
				}
			}
			if len(tc.flagged) == 0 {
				if res.Base != (PoolLossFigures{res.ExpectedLoss, res.LossP95, res.LossP99, res.PExhausted}) {
					t.Errorf("no flagged loan: base %+v differs from %+v", res.Base, res)
				}
				return
			}
			if !(res.PExhausted >= res.Base.PExhausted && res.ExpectedLoss > res.Base.ExpectedLoss && res.LossP95 >= res.Base.LossP95 && res.LossP99 >= res.Base.LossP99) {
				t.Errorf("with flags %+v, base %+v: a flag lowered a figure", res, res.Base)
			}
			// The expected loss rises by Σ (PD − base PD) × loss, within
			// the simulation's error.
			var want float64
			for _, l := range res.Loans {
				want += (l.PD - l.BasePD) * l.MaxCompensation
			}
			if got := res.ExpectedLoss - res.Base.ExpectedLoss; got < 0.8*want || got > 1.2*want {
				t.Errorf("the flags add %.0f to the expected loss, want about %.0f", got, want)
			}
			for _, c := range res.LikelyClaims {
				if c.ExpectedCompensation != c.PD*min(1_000_000*DefaultPoolLGD*0.5, float64(pool.PerLoanCap)) {
					t.Errorf("claim %+v", c)
				}
			}
		})
	}
}

// TestPoolRiskFlagsSameDraws: the base figures of a flagged run are those
// of a run without flags (the same draws), and the flagged PD is the
// caller's when set.
func TestPoolRiskFlagsSameDraws(t *testing.T) {
	pool, deals := flagsBook()
	plain, err := PoolRisk(t.Context(), PoolRiskInput{Pool: pool, Deals: deals}, &PoolRiskConfig{Draws: 3000})
	if err != nil {
		t.Fatal(err)
	}
	flags := map[string][]data.RiskKind{"d01": {data.RiskInvalidationOpen}, "d09": {data.RiskMissing}}
	flagged, err := PoolRisk(t.Context(), PoolRiskInput{Pool: pool, Deals: deals, Flags: flags}, &PoolRiskConfig{Draws: 3000, FlaggedPD: 0.4})
	if err != nil {
		t.Fatal(err)
	}
	if flagged.Base != plain.Base || plain.Base.PExhausted != plain.PExhausted {
		t.Errorf("base with flags %+v, without %+v", flagged.Base, plain.Base)
	}
	if flagged.Parameters.FlaggedPD != 0.4 || flagged.LikelyClaims[0].PD != 0.4 {
		t.Errorf("flagged PD %g, claim %+v", flagged.Parameters.FlaggedPD, flagged.LikelyClaims[0])
	}
	if flagged.ExtraLoans > plain.ExtraLoans {
		t.Errorf("extra loans %d with flags, %d without", flagged.ExtraLoans, plain.ExtraLoans)
	}
	if _, err := PoolRisk(t.Context(), PoolRiskInput{Pool: pool}, &PoolRiskConfig{FlaggedPD: 1.2}); data.ErrorCode(err) != data.CodeInvalid {
		t.Errorf("flagged_pd 1.2: %v", err)
	}
}

// TestPoolRiskByKind: a loan counts under each of its kinds, in data's
// order.
func TestPoolRiskByKind(t *testing.T) {
	pool, deals := flagsBook()
	flags := map[string][]data.RiskKind{"d01": {data.RiskExpiresFirst, data.RiskFeeGrace}, "d02": {data.RiskFeeGrace}}
	res, err := PoolRisk(t.Context(), PoolRiskInput{Pool: pool, Deals: deals, Flags: flags}, &PoolRiskConfig{Draws: 200})
	if err != nil {
		t.Fatal(err)
	}
	want := []PoolFlagExposure{{Kind: data.RiskFeeGrace, Loans: 2, Exposure: 2_000_000}, {Kind: data.RiskExpiresFirst, Loans: 1, Exposure: 1_000_000}}
	if !slices.Equal(res.ByKind, want) {
		t.Errorf("by kind %+v, want %+v", res.ByKind, want)
	}
	if i := slices.IndexFunc(res.Loans, func(l PoolLoan) bool { return l.DealID == "d01" }); !slices.Equal(res.Loans[i].Risks, []data.RiskKind{data.RiskFeeGrace, data.RiskExpiresFirst}) {
		t.Errorf("d01's risks %v", res.Loans[i].Risks)
	}
}
