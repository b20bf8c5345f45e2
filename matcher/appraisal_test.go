package matcher

import (
	"context"
	"math"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/demo"
)

// appraisalCase is a demo enterprise with a product it qualifies for, and
// the patents that product's loan pledges.
func appraisalCase(t *testing.T) (e *data.Enterprise, prod *data.Product, pledged []string, base Match) {
	t.Helper()
	ds := demoData()
	e = demoEnterprise(t, ds, "ent_0003")
	res := matchWith(t, e, nil, demo.AsOf) // without the demo's own appraisals
	base = findMatch(t, res, demo.ProdSihuiPatentLoan)
	if !base.Eligible || base.Loan.Appraisal.Basis != AppraisalModel {
		t.Fatalf("ent_0003 × 专利贷: %+v", base)
	}
	for _, p := range base.Loan.Patents {
		pledged = append(pledged, p.ApplicationNumber)
	}
	return e, findProduct(ds, demo.ProdSihuiPatentLoan), pledged, base
}

func matchWith(t *testing.T, e *data.Enterprise, apprs []data.Appraisal, asOf data.Date) EnterpriseMatches {
	t.Helper()
	ds := demoData()
	res, err := DefaultMatcher().MatchEnterprise(context.Background(), EnterpriseRequest{Enterprise: e, Patents: demoPatents(ds, e.ID),
		Products: ds.Products, Pools: ds.Pools, Appraisals: apprs, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestRecordedAppraisalIsLentOn: a current appraisal covering the pledged
// patents replaces the model's figure in the loan, with the model's
// beside it; another bank's appraisal is never used for this bank; an
// expired one leaves the model's figure and a warning.
func TestRecordedAppraisalIsLentOn(t *testing.T) {
	e, prod, pledged, base := appraisalCase(t)
	report := data.Appraisal{ID: "appraisal_1", EnterpriseID: e.ID, AppraiserID: "appraiser_x", Patents: pledged, Value: 8_000_000,
		BaseDate: data.NewDate(2021, time.March, 15), Method: data.MethodIncome, ReportNumber: "粤衡评报字[2021]第018号"}

	mt := findMatch(t, matchWith(t, e, []data.Appraisal{report}, demo.AsOf), prod.ID)
	ln := mt.Loan
	if !mt.Eligible || ln.Appraisal.Basis != AppraisalRecorded || ln.Appraisal.Recorded == nil || ln.Appraisal.Recorded.ID != report.ID {
		t.Fatalf("recorded appraisal not used: %+v", ln.Appraisal)
	}
	if math.Abs(ln.Appraisal.Value-8_000_000) > 1 || ln.Appraisal.Recorded.Share != 1 {
		t.Errorf("appraisal value %v, share %v; want the report's 8,000,000 in full", ln.Appraisal.Value, ln.Appraisal.Recorded.Share)
	}
	if math.Abs(ln.Appraisal.ModelValue-base.Loan.Appraisal.Value) > 1 {
		t.Errorf("model figure beside it %v, want the model's %v", ln.Appraisal.ModelValue, base.Loan.Appraisal.Value)
	}
	want := min(float64(prod.MaxAmount), float64(e.Need.Amount), 4_000_000, 8_000_000*0.3)
	if float64(mt.EstimatedAmount) != math.Floor(want/1e4)*1e4 {
		t.Errorf("amount %d, want %v (the report × 30 %% within the caps)", mt.EstimatedAmount, want)
	}
	sum := 0.0
	for _, p := range ln.Patents {
		sum += p.Value
	}
	if math.Abs(sum-8_000_000) > 1 {
		t.Errorf("the patents' parts sum to %v", sum)
	}

	// Another bank's report is not this bank's to use.
	other := report
	other.BankID = demo.BankCCB
	mt = findMatch(t, matchWith(t, e, []data.Appraisal{other}, demo.AsOf), prod.ID)
	if mt.Loan.Appraisal.Basis != AppraisalModel || mt.EstimatedAmount != base.EstimatedAmount {
		t.Errorf("bank CCB's appraisal used by 四会农商行: %+v", mt.Loan.Appraisal)
	}
	// Its own bank's report is.
	own := report
	own.BankID = demo.BankSihuiRCB
	if mt = findMatch(t, matchWith(t, e, []data.Appraisal{own}, demo.AsOf), prod.ID); mt.Loan.Appraisal.Basis != AppraisalRecorded {
		t.Errorf("the bank's own appraisal not used: %+v", mt.Loan.Appraisal)
	}

	// Expired: over a year past its base date.
	old := report
	old.BaseDate = data.NewDate(2020, time.March, 1)
	mt = findMatch(t, matchWith(t, e, []data.Appraisal{old}, demo.AsOf), prod.ID)
	if mt.Loan.Appraisal.Basis != AppraisalModel || len(mt.Warnings) != 1 || mt.Warnings[0].Code != ReasonAppraisalExpired {
		t.Errorf("expired appraisal: basis %s, warnings %+v", mt.Loan.Appraisal.Basis, mt.Warnings)
	}
	// Dated after the as-of day: not yet made.
	future := report
	future.BaseDate = demo.AsOf.AddMonths(1)
	if mt = findMatch(t, matchWith(t, e, []data.Appraisal{future}, demo.AsOf), prod.ID); mt.Loan.Appraisal.Basis != AppraisalModel {
		t.Errorf("an appraisal of next month used: %+v", mt.Loan.Appraisal)
	}
}

// TestAmountBelowMinimumIsNotEligible: a report too small for the product
// makes the pair ineligible, with the observed and required amounts and a
// fix naming the appraisal the minimum needs.
func TestAmountBelowMinimumIsNotEligible(t *testing.T) {
	e, prod, pledged, _ := appraisalCase(t)
	small := data.Appraisal{ID: "appraisal_small", EnterpriseID: e.ID, AppraiserID: "appraiser_x", Patents: pledged, Value: 300_000,
		BaseDate: data.NewDate(2021, time.March, 15), Method: data.MethodIncome, ReportNumber: "R-1"}
	mt := findMatch(t, matchWith(t, e, []data.Appraisal{small}, demo.AsOf), prod.ID)
	r, ok := findReason(mt.Reasons, ReasonAmountBelowMinimum, "")
	if mt.Eligible || !ok {
		t.Fatalf("300,000 × 30 %% = 90,000 below the 100,000 minimum: eligible %v, reasons %+v", mt.Eligible, mt.Reasons)
	}
	if r.Observed != int64(90_000) || r.Required != int64(100_000) || r.Gap != 10_000 || r.Unit != "yuan" {
		t.Errorf("reason %+v", r)
	}
	checkReason(t, "amount_below_minimum", r)
	if mt.Loan == nil || mt.Loan.Amount != 90_000 || mt.EstimatedAmount != 0 || mt.Score != 0 {
		t.Errorf("loan %+v, amount %d, score %v", mt.Loan, mt.EstimatedAmount, mt.Score)
	}
}

// TestGroupValueOverlaps: pledging more of an enterprise's patents adds
// less each time, never more than the whole, and the standalone values of
// its patents add up to more than the portfolio (their protection
// overlaps).
func TestGroupValueOverlaps(t *testing.T) {
	ds := demoData()
	e := demoEnterprise(t, ds, "ent_0003")
	var nums []string
	for _, p := range demoPatents(ds, e.ID) {
		if p.LegalStatus == data.StatusValid {
			nums = append(nums, p.ApplicationNumber)
		}
	}
	if len(nums) < 3 {
		t.Fatalf("%d valid patents", len(nums))
	}
	m := DefaultMatcher()
	var prev float64
	for k := 1; k <= len(nums); k++ {
		v, err := m.groupValue(context.Background(), e, demoPatents(ds, e.ID), nums[:k], demo.AsOf)
		if err != nil {
			t.Fatal(err)
		}
		if v < prev {
			t.Errorf("%d patents worth %v, fewer %v", k, v, prev)
		}
		prev = v
	}
	s, err := m.MatchAll(context.Background(), MatchInput{Enterprises: []data.Enterprise{*e}, Patents: demoPatents(ds, e.ID), AsOf: demo.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	f := &s.w.ef[0]
	alone := 0.0
	for fi := f.p0; fi < f.p1; fi++ {
		alone += s.w.pf[fi].standalone().P50
	}
	if math.Abs(prev-f.portfolio.P50) > 1e-6*prev || !(alone > prev) {
		t.Errorf("all valid patents %v, portfolio %v, Σ standalone %v", prev, f.portfolio.P50, alone)
	}
}
