package api

import (
	"net/http"
	"slices"
	"testing"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/matcher"
)

// TestPoolRiskFlagsAfterALapse has the organizer import a legal-status
// file in which a pledged patent of one of the demo's live filings lapses
// for unpaid fees, then reads the pool's risk after the lapse: the deal is
// flagged lost with its PD raised, it heads the likely claims' list or is
// in it, the exposure by flag adds up, and P(exhausted) with the flags is
// at least the base. The deal's bank sees the aggregate only: the flagged
// exposure in all and both P(exhausted), no loan.
func TestPoolRiskFlagsAfterALapse(t *testing.T) {
	f := newLandscapeDemoFixture(t)
	var deals struct {
		Items []data.Deal `json:"items"`
	}
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/deals?size=500", nil), http.StatusOK, &deals)
	i := slices.IndexFunc(deals.Items, func(d data.Deal) bool {
		return d.Live() && d.PoolID != "" && matcher.ActiveFiling(d.Stage) && len(d.Patents) > 0
	})
	if i < 0 {
		t.Fatalf("the demo has no live filing under a pool with patents, among %d deals", len(deals.Items))
	}
	deal := deals.Items[i]
	path := "/api/v1/pools/" + deal.PoolID + "/risk?as_of=2021-06-01&draws=2000"
	loanOf := func(res *matcher.PoolRiskResult) matcher.PoolLoan {
		t.Helper()
		j := slices.IndexFunc(res.Loans, func(l matcher.PoolLoan) bool { return l.DealID == deal.ID })
		if j < 0 {
			t.Fatalf("deal %s is not among the pool's loans", deal.ID)
		}
		return res.Loans[j]
	}
	var before matcher.PoolRiskResult
	decodeBody(t, f.do(matchOrgToken, "GET", path, nil), http.StatusOK, &before)
	if l := loanOf(&before); l.Flag == matcher.FlagLost || slices.Contains(l.Risks, data.RiskLapsed) {
		t.Fatalf("before the file the loan is lost already: %+v", l)
	}

	file := "申请号,法律状态公告日,法律状态\nCN" + deal.Patents[0] + ",2021.05.20,未缴年费专利权终止\n"
	var rep data.ImportReport
	decodeBody(t, f.do(matchOrgToken, "POST", "/api/v1/import/patents?format=cnipa-legal-csv", file), http.StatusOK, &rep)
	if rep.Updated != 1 {
		t.Fatalf("import report %+v", rep)
	}

	var after matcher.PoolRiskResult
	decodeBody(t, f.do(matchOrgToken, "GET", path, nil), http.StatusOK, &after)
	l := loanOf(&after)
	if l.Flag != matcher.FlagLost || !slices.Contains(l.Risks, data.RiskLapsed) {
		t.Errorf("after the file the loan is %s with %v, want lost with lapsed", l.Flag, l.Risks)
	}
	if l.PD != max(l.BasePD, matcher.DefaultFlaggedPD) || l.PD <= l.BasePD || l.BasePD != loanOf(&before).BasePD {
		t.Errorf("PD %g, base %g (before %g): want the base kept and the PD raised to %g", l.PD, l.BasePD, loanOf(&before).BasePD, matcher.DefaultFlaggedPD)
	}
	if !slices.ContainsFunc(after.LikelyClaims, func(c matcher.PoolLikelyClaim) bool {
		return c.DealID == deal.ID && c.ExpectedCompensation == l.PD*min(l.MaxCompensation, capOrInf(after.PerBorrowerCap))
	}) {
		t.Errorf("deal %s is not among the likely claims with PD × compensation: %+v", deal.ID, after.LikelyClaims)
	}
	if after.FlaggedLoans < 1 || after.FlaggedLoans != len(after.LikelyClaims) {
		t.Errorf("%d flagged loans, %d likely claims", after.FlaggedLoans, len(after.LikelyClaims))
	}
	var n int
	var sum int64
	for _, e := range after.ByFlag {
		n += e.Loans
		sum += e.Exposure
	}
	if n != after.Filings || sum != after.Exposure {
		t.Errorf("by flag %+v adds to %d loans, %d yuan; the book has %d, %d", after.ByFlag, n, sum, after.Filings, after.Exposure)
	}
	if after.PExhausted < after.Base.PExhausted || after.ExpectedLoss <= after.Base.ExpectedLoss || after.LossP95 < after.Base.LossP95 {
		t.Errorf("with the flags %.4f / %.0f / %.0f, base %+v", after.PExhausted, after.ExpectedLoss, after.LossP95, after.Base)
	}
	if after.ExpectedLoss <= before.ExpectedLoss {
		t.Errorf("the lapse did not raise the expected loss: %.0f, before %.0f", after.ExpectedLoss, before.ExpectedLoss)
	}

	t.Logf("pool %s, deal %s (%d yuan): PD %.4f → %.4f; flagged %d loans, %d yuan; P(exhausted) %.4f base, %.4f with the flags; expected loss %.0f → %.0f; P95 %.0f → %.0f",
		deal.PoolID, deal.ID, l.Amount, l.BasePD, l.PD, after.FlaggedLoans, after.FlaggedExposure, after.Base.PExhausted, after.PExhausted,
		after.Base.ExpectedLoss, after.ExpectedLoss, after.Base.LossP95, after.LossP95)

	// The deal's bank: the aggregate, with the flagged figures, no loan.
	var agg map[string]any
	decodeBody(t, f.do(bankToken(t, f, deal.BankID), "GET", path, nil), http.StatusOK, &agg)
	for _, k := range []string{"loans", "likely_claims", "claim_list", "by_flag", "by_kind", "base"} {
		if _, ok := agg[k]; ok {
			t.Errorf("a bank sees %q of the pool's risk", k)
		}
	}
	var sum2 app.PoolRiskAggregate
	decodeBody(t, f.do(bankToken(t, f, deal.BankID), "GET", path, nil), http.StatusOK, &sum2)
	if sum2.FlaggedLoans != after.FlaggedLoans || sum2.FlaggedExposure != after.FlaggedExposure ||
		sum2.PExhausted != after.PExhausted || sum2.BasePExhausted != after.Base.PExhausted {
		t.Errorf("the bank's aggregate %+v, the organizer's flagged %d / %d, P %.4f / %.4f",
			sum2, after.FlaggedLoans, after.FlaggedExposure, after.PExhausted, after.Base.PExhausted)
	}
}

// capOrInf is a cap in yuan as a float, or +∞ for 0 (no cap).
func capOrInf(c int64) float64 {
	if c == 0 {
		return 1e300
	}
	return float64(c)
}

// TestPoolPageFlagsAfterALapse: after a lapse of a pledged patent of a
// live filing, the organizer's pool page shows the exposure by flag, the
// deal among the likely claims with its enterprise, bank and risk in
// Chinese, and P(exhausted) with the flags and without; in Chinese only.
func TestPoolPageFlagsAfterALapse(t *testing.T) {
	f := newWebSearchFixture(t)
	var deals struct {
		Items []data.Deal `json:"items"`
	}
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/deals?size=500", nil), http.StatusOK, &deals)
	i := slices.IndexFunc(deals.Items, func(d data.Deal) bool {
		return d.Live() && d.PoolID != "" && matcher.ActiveFiling(d.Stage) && len(d.Patents) > 0
	})
	if i < 0 {
		t.Fatal("the demo has no live filing under a pool with patents")
	}
	deal := deals.Items[i]
	file := "申请号,法律状态公告日,法律状态\nCN" + deal.Patents[0] + ",2021.05.20,未缴年费专利权终止\n"
	decodeBody(t, f.do(matchOrgToken, "POST", "/api/v1/import/patents?format=cnipa-legal-csv", file), http.StatusOK, &data.ImportReport{})
	ent, err := f.store.Enterprises().Get(t.Context(), deal.EnterpriseID)
	if err != nil {
		t.Fatal(err)
	}
	bank, err := f.store.Banks().Get(t.Context(), deal.BankID)
	if err != nil {
		t.Fatal(err)
	}

	b := newBrowser(f)
	b.signIn(matchOrgToken)
	w, _ := b.get("/app/organizer/pools/" + deal.PoolID + "?as_of=2021-06-01")
	page := htmlPage(t, w, http.StatusOK)
	wantText(t, page, "押品风险与可能的代偿", "<td>正常</td>", "<td>预警</td>", "<td>押品灭失</td>", "专利权终止",
		"<td>"+ent.Name+"</td><td>"+bank.Name+"</td>", "计入押品风险；不计时", "不低于 25.0%")
	for _, hit := range englishOnPage(w.Body.String()) {
		t.Errorf("pool page: English %s", hit)
	}
}
