package api

import (
	"math"
	"net/http"
	"strings"
	"testing"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/matcher"
)

// Token secrets of the demo fixture.
const (
	matchOrgToken    = "ipm_demo_organizer"
	matchCCBToken    = "ipm_demo_bank_ccb"   // owns prod_ccb_kechuang_ip
	matchZQRCBToken  = "ipm_demo_bank_zqrcb" // another bank
	matchEnt7Token   = "ipm_demo_ent_0007"
	matchEnt72Token  = "ipm_demo_ent_0072"
	matchAsOfParam   = "as_of=2021-04-23"
	matchPipelineURL = "/api/v1/products/" + demo.ProdCCBKechuang + "/pipeline?" + matchAsOfParam
)

// newMatchFixture loads the committed demo dataset with data.Import into a
// SQLite store in a temporary directory and creates a token per role.
func newMatchFixture(t *testing.T) *fixture {
	t.Helper()
	store := openStore(t)
	if err := demo.Load(t.Context(), store); err != nil {
		t.Fatal(err)
	}
	put(t, store.Tokens(),
		&data.Token{Hash: data.HashToken(matchOrgToken), Role: data.RoleOrganizer, Label: "交易中心"},
		&data.Token{Hash: data.HashToken(matchCCBToken), Role: data.RoleBank, BankID: demo.BankCCB},
		&data.Token{Hash: data.HashToken(matchZQRCBToken), Role: data.RoleBank, BankID: demo.BankZQRCB},
		&data.Token{Hash: data.HashToken(matchEnt7Token), Role: data.RoleCompany, EnterpriseID: "ent_0007"},
		&data.Token{Hash: data.HashToken(matchEnt72Token), Role: data.RoleCompany, EnterpriseID: "ent_0072"},
	)
	return &fixture{t: t, store: store, logs: &syncBuffer{}, h: validating(t, New(store, nil, Config{}))}
}

func matchReasonOf(rs []matcher.Reason, code matcher.ReasonCode) (matcher.Reason, bool) {
	for _, r := range rs {
		if r.Code == code {
			return r, true
		}
	}
	return matcher.Reason{}, false
}

func TestEnterpriseMatches(t *testing.T) {
	f := newMatchFixture(t)
	var res app.Matches

	// The enterprise itself sees the active products ranked, with reasons.
	decodeBody(t, f.do(matchEnt72Token, "GET", "/api/v1/enterprises/ent_0072/matches?"+matchAsOfParam, nil), http.StatusOK, &res)
	if res.EnterpriseID != "ent_0072" || res.Products != 11 || len(res.Matches) != 11 {
		t.Fatalf("ent_0072: %d products, %d matches", res.Products, len(res.Matches))
	}
	p := res.Parameters
	if p.ModelVersion != matcher.ModelVersion || p.AsOf != demo.AsOf || p.WeightsHash == "" || p.ValuationMethod != matcher.MethodCachedTable {
		t.Errorf("parameters %+v", p)
	}
	var kechuang *matcher.Match
	for i, m := range res.Matches {
		if m.Rank != i+1 {
			t.Errorf("rank %d at %d", m.Rank, i)
		}
		if m.ProductID == demo.ProdCCBKechuang {
			kechuang = &res.Matches[i]
		}
	}
	if kechuang == nil || kechuang.Eligible {
		t.Fatalf("%s: %+v", demo.ProdCCBKechuang, kechuang)
	}
	r, ok := matchReasonOf(kechuang.Reasons, matcher.ReasonEnterpriseTooYoung)
	if !ok || r.Observed != 0.68 || r.Required != 1.0 || r.Gap != 0.32 || !strings.Contains(r.Fix, "2021-08-18") {
		t.Errorf("too young: %+v", r)
	}

	// The organizer sees inactive products too; eligible=true filters. The
	// borrower of deal_0009 still has that loan's patent pledged.
	var d9 data.Deal
	for _, d := range demo.Generate(demo.DefaultSeed).Deals {
		if d.ID == "deal_0009" {
			d9 = d
		}
	}
	res = app.Matches{}
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/enterprises/"+d9.EnterpriseID+"/matches?eligible=true&"+matchAsOfParam, nil), http.StatusOK, &res)
	if res.Products != 12 || len(res.Matches) == 0 || len(res.Matches) != res.Eligible {
		t.Fatalf("%s eligible: %d of %d", d9.EnterpriseID, len(res.Matches), res.Eligible)
	}
	for i, m := range res.Matches {
		if !m.Eligible || m.EstimatedAmount < 100_000 || m.Loan == nil || len(m.ScoreParts) != 4 || i > 0 && res.Matches[i-1].Score < m.Score {
			t.Errorf("%s: %+v", m.ProductID, m)
		}
		found := false
		for _, pc := range m.Patents {
			if pc.ApplicationNumber == d9.Patents[0] {
				found = true
				if r, ok := matchReasonOf(pc.Reasons, matcher.ReasonAlreadyPledged); pc.Eligible || !ok || !strings.Contains(r.Message, "2021-01-26") {
					t.Errorf("%s: %+v", d9.Patents[0], pc)
				}
			}
		}
		if !found {
			t.Errorf("%s: the pledged patent is not listed", m.ProductID)
		}
	}

	// Refusals.
	wantError(t, f.do(matchCCBToken, "GET", "/api/v1/enterprises/ent_0007/matches", nil), http.StatusForbidden, data.CodeForbidden)
	wantError(t, f.do(matchEnt7Token, "GET", "/api/v1/enterprises/ent_0072/matches", nil), http.StatusNotFound, data.CodeNotFound)
	wantError(t, f.do(matchOrgToken, "GET", "/api/v1/enterprises/ent_nope/matches", nil), http.StatusNotFound, data.CodeNotFound)
	wantError(t, f.do("", "GET", "/api/v1/enterprises/ent_0007/matches", nil), http.StatusUnauthorized, data.CodeUnauthorized)
	env := wantError(t, f.do(matchOrgToken, "GET", "/api/v1/enterprises/ent_0007/matches?as_of=2021-13-01", nil), http.StatusBadRequest, data.CodeMalformed)
	if !env.hasField("as_of") {
		t.Errorf("bad date: %+v", env)
	}
	env = wantError(t, f.do(matchOrgToken, "GET", "/api/v1/enterprises/ent_0007/matches?as_of=2019-01-01", nil), http.StatusUnprocessableEntity, data.CodeInvalid)
	if !env.hasField("as_of") {
		t.Errorf("before the LPR: %+v", env)
	}
	env = wantError(t, f.do(matchOrgToken, "GET", "/api/v1/enterprises/ent_0007/matches?asof=2021-04-23", nil), http.StatusBadRequest, data.CodeMalformed)
	if !env.hasField("asof") {
		t.Errorf("unknown parameter: %+v", env)
	}
	// Without as_of, today is used.
	res = app.Matches{}
	decodeBody(t, f.do(matchEnt7Token, "GET", "/api/v1/enterprises/ent_0007/matches", nil), http.StatusOK, &res)
	if res.Parameters.AsOf == demo.AsOf || res.Parameters.AsOf.IsZero() {
		t.Errorf("default as-of %s", res.Parameters.AsOf)
	}
}

func TestProductPipeline(t *testing.T) {
	f := newMatchFixture(t)
	var org, bank pipelineBody
	decodeBody(t, f.do(matchOrgToken, "GET", matchPipelineURL+"&size=500", nil), http.StatusOK, &org)
	decodeBody(t, f.do(matchCCBToken, "GET", matchPipelineURL+"&size=500", nil), http.StatusOK, &bank)
	if org.Total != 72 || len(org.Matches) != 72 || org.Eligible == 0 {
		t.Fatalf("organizer: total %d, eligible %d", org.Total, org.Eligible)
	}
	// The bank sees only the enterprises that consented (pool, or an event
	// where it has a desk).
	ents, _, err := f.store.Enterprises().List(t.Context(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(f.store, app.Config{})
	visible := map[string]bool{}
	for i := range ents {
		sees, err := a.BankSees(t.Context(), demo.BankCCB, &ents[i])
		if err != nil {
			t.Fatal(err)
		}
		if sees {
			visible[ents[i].ID] = true
		}
	}
	if bank.Total != len(visible) || bank.Total >= org.Total || bank.Total == 0 {
		t.Fatalf("bank sees %d, consented %d, all %d", bank.Total, len(visible), org.Total)
	}
	for i, m := range bank.Matches {
		if !visible[m.EnterpriseID] {
			t.Errorf("the bank sees %s, which did not consent", m.EnterpriseID)
		}
		if m.Rank != i+1 || m.Side != matcher.SideBank {
			t.Errorf("%s: rank %d at %d", m.EnterpriseID, m.Rank, i)
		}
		if !m.Eligible {
			if len(m.Reasons) == 0 {
				t.Errorf("%s: ineligible without reasons", m.EnterpriseID)
			}
			continue
		}
		// The score of an enterprise that did not share its financials is
		// rounded (consent.go): the order holds within half a step per
		// rounded score.
		slack := 0.0
		if m.FinancialsHidden {
			slack += app.HiddenScoreStep / 2
		}
		if i > 0 && bank.Matches[i-1].FinancialsHidden {
			slack += app.HiddenScoreStep / 2
		}
		if i > 0 && bank.Matches[i-1].Score+slack < m.Score {
			t.Errorf("%s: out of order", m.EnterpriseID)
		}
		rk := m.Risk
		if m.FinancialsHidden {
			if rk == nil || rk.PDBand == "" || rk.PD != 0 || len(rk.PDParts) != 0 || rk.ExpectedLoss != 0 || len(m.ScoreParts) != 3 {
				t.Errorf("%s: financials hidden, risk %+v", m.EnterpriseID, rk)
			}
			continue
		}
		if rk == nil || rk.FundShare != 0.5 || len(rk.PDParts) == 0 || len(m.ScoreParts) != 3 {
			t.Fatalf("%s: risk %+v", m.EnterpriseID, rk)
		}
		if el := rk.PD * rk.LGD * rk.Exposure * (1 - rk.FundShare); math.Abs(el-rk.ExpectedLoss) > 0.01 {
			t.Errorf("%s: EL %.2f, want %.2f", m.EnterpriseID, rk.ExpectedLoss, el)
		}
	}
	// Paging and the eligible filter.
	var page pipelineBody
	decodeBody(t, f.do(matchCCBToken, "GET", matchPipelineURL+"&eligible=true&page=2&size=1", nil), http.StatusOK, &page)
	if page.Total != bank.Eligible || page.Page != 2 || page.Size != 1 || len(page.Matches) != 1 ||
		page.Matches[0].EnterpriseID != bank.Matches[1].EnterpriseID || page.Matches[0].Rank != 2 {
		t.Errorf("page 2: %+v", page.Matches)
	}

	// Refusals: another bank's product is not found, an enterprise may not
	// see pipelines, unknown products are not found, bad sizes are refused.
	wantError(t, f.do(matchZQRCBToken, "GET", matchPipelineURL, nil), http.StatusNotFound, data.CodeNotFound)
	wantError(t, f.do(matchEnt7Token, "GET", matchPipelineURL, nil), http.StatusForbidden, data.CodeForbidden)
	wantError(t, f.do(matchOrgToken, "GET", "/api/v1/products/prod_nope/pipeline", nil), http.StatusNotFound, data.CodeNotFound)
	env := wantError(t, f.do(matchOrgToken, "GET", matchPipelineURL+"&size=501", nil), http.StatusUnprocessableEntity, data.CodeInvalid)
	if !env.hasField("size") {
		t.Errorf("size: %+v", env)
	}
}

func TestIncomeValuation(t *testing.T) {
	f := newMatchFixture(t)
	body := map[string]any{"cash_flows": []float64{460, 460, 460, 460, 460, 460, 460, 460}, "share_rate": 0.2, "tax_rate": 0.25, "discount_rate": 0.15}
	var res app.IncomeAnswer
	for _, tok := range []string{matchOrgToken, matchCCBToken, matchEnt7Token} {
		decodeBody(t, f.do(tok, "POST", "/api/v1/valuations/income", body), http.StatusOK, &res)
		if math.Round(res.PresentValue*10)/10 != 309.6 || len(res.Years) != 8 || math.Abs(res.Years[0].Attributable-69) > 1e-9 {
			t.Errorf("published example: PV %v, years %+v", res.PresentValue, res.Years)
		}
	}
	tests := []struct {
		name  string
		body  any
		field string
	}{
		{"negative discount rate", map[string]any{"cash_flows": []float64{1}, "share_rate": 0.2, "tax_rate": 0.25, "discount_rate": -0.1}, "discount_rate"},
		{"negative share rate", map[string]any{"cash_flows": []float64{1}, "share_rate": -0.2, "tax_rate": 0.25, "discount_rate": 0.1}, "share_rate"},
		{"tax of 1", map[string]any{"cash_flows": []float64{1}, "share_rate": 0.2, "tax_rate": 1, "discount_rate": 0.1}, "tax_rate"},
		{"empty cash flows", map[string]any{"cash_flows": []float64{}, "share_rate": 0.2, "tax_rate": 0.25, "discount_rate": 0.1}, "cash_flows"},
		{"negative cash flow", map[string]any{"cash_flows": []float64{1, -1}, "share_rate": 0.2, "tax_rate": 0.25, "discount_rate": 0.1}, "cash_flows[1]"},
		{"missing rate", map[string]any{"cash_flows": []float64{1}, "share_rate": 0.2, "tax_rate": 0.25}, "discount_rate"},
	}
	for _, tc := range tests {
		env := wantError(t, f.do(matchEnt7Token, "POST", "/api/v1/valuations/income", tc.body), http.StatusUnprocessableEntity, data.CodeInvalid)
		if !env.hasField(tc.field) {
			t.Errorf("%s: %+v does not name %s", tc.name, env.Error.Fields, tc.field)
		}
	}
	env := wantError(t, f.do(matchEnt7Token, "POST", "/api/v1/valuations/income", `{"cash_flows":[1],"share":0.2}`), http.StatusBadRequest, data.CodeMalformed)
	if !env.hasField("share") {
		t.Errorf("unknown field: %+v", env)
	}
}

func TestEnterpriseValuation(t *testing.T) {
	f := newMatchFixture(t)
	var v matcher.EnterpriseValuation
	decodeBody(t, f.do(matchEnt7Token, "GET", "/api/v1/enterprises/ent_0007/valuation?seed=7&draws=2000&"+matchAsOfParam, nil), http.StatusOK, &v)
	if v.EnterpriseID != "ent_0007" || v.Valuation == nil || len(v.Indicators) != len(v.Valuation.Patents) || len(v.Indicators) == 0 {
		t.Fatalf("valuation %+v", v)
	}
	pr := v.Parameters
	if pr.Seed != 7 || pr.Draws != 2000 || pr.AsOf != demo.AsOf || pr.WeightsHash == "" || v.Valuation.Parameters.Draws != 2000 {
		t.Errorf("parameters %+v", pr)
	}
	pf := v.Valuation.Portfolio
	if !(pf.P10 > 0 && pf.P10 <= pf.P50 && pf.P50 <= pf.P90) {
		t.Errorf("portfolio %+v", pf)
	}
	for i, pv := range v.Valuation.Patents {
		if pv.ApplicationNumber != v.Indicators[i].ApplicationNumber || (pv.Strength != 0 && math.Abs(pv.Strength-v.Indicators[i].Value/100) > 1e-12) {
			t.Errorf("%s: strength %v, indicator value %v", pv.ApplicationNumber, pv.Strength, v.Indicators[i].Value)
		}
	}
	// Reproducible: the same seed gives the same numbers.
	var again matcher.EnterpriseValuation
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/enterprises/ent_0007/valuation?seed=7&draws=2000&"+matchAsOfParam, nil), http.StatusOK, &again)
	if again.Valuation.Portfolio != pf {
		t.Errorf("same seed, different answer: %+v vs %+v", again.Valuation.Portfolio, pf)
	}
	// A bank sees the valuation of enterprises that consented only.
	ent, err := f.store.Enterprises().Get(t.Context(), "ent_0007")
	if err != nil {
		t.Fatal(err)
	}
	sees, err := app.New(f.store, app.Config{}).BankSees(t.Context(), demo.BankZQRCB, &ent)
	if err != nil {
		t.Fatal(err)
	}
	w := f.do(matchZQRCBToken, "GET", "/api/v1/enterprises/ent_0007/valuation?"+matchAsOfParam, nil)
	if sees && w.Code != http.StatusOK || !sees && w.Code != http.StatusNotFound {
		t.Errorf("bank (sees %v): status %d", sees, w.Code)
	}
	wantError(t, f.do(matchEnt72Token, "GET", "/api/v1/enterprises/ent_0007/valuation", nil), http.StatusNotFound, data.CodeNotFound)
	wantError(t, f.do(matchOrgToken, "GET", "/api/v1/enterprises/ent_nope/valuation", nil), http.StatusNotFound, data.CodeNotFound)
	env := wantError(t, f.do(matchOrgToken, "GET", "/api/v1/enterprises/ent_0007/valuation?draws=0", nil), http.StatusUnprocessableEntity, data.CodeInvalid)
	if !env.hasField("draws") {
		t.Errorf("draws: %+v", env)
	}
}

// TestPipelineUsesOnlyTheBanksAppraisals: 建设银行's pipeline lends to the
// on-site borrower on the report 建设银行 recorded; 肇庆农商银行's pipeline
// for the same enterprise never shows (nor uses) that report.
func TestPipelineUsesOnlyTheBanksAppraisals(t *testing.T) {
	f := newMatchFixture(t)
	ds := demo.Generate(demo.DefaultSeed)
	var star string
	for _, d := range ds.Deals {
		if d.ID == "deal_0001" {
			star = d.EnterpriseID
		}
	}
	const report = "靖洋评报字[2021]第0325号"
	find := func(body pipelineBody) *matcher.Match {
		for i := range body.Matches {
			if body.Matches[i].EnterpriseID == star {
				return &body.Matches[i]
			}
		}
		return nil
	}
	var own pipelineBody
	decodeBody(t, f.do(matchCCBToken, "GET", matchPipelineURL+"&size=500", nil), http.StatusOK, &own)
	m := find(own)
	if m == nil || !m.Eligible || m.Loan.Appraisal.Basis != matcher.AppraisalRecorded || m.Loan.Appraisal.Recorded.ReportNumber != report {
		t.Fatalf("CCB's pipeline for %s: %+v", star, m)
	}
	// No eligible pair below the product's minimum: the bank could not lend it.
	var minimum int64
	for _, p := range ds.Products {
		if p.ID == demo.ProdCCBKechuang {
			minimum = p.MinAmount
		}
	}
	below := 0
	for _, mt := range own.Matches {
		if _, ok := matchReasonOf(mt.Reasons, matcher.ReasonAmountBelowMinimum); ok {
			below++
		}
		if mt.Eligible && mt.EstimatedAmount < minimum {
			t.Errorf("%s eligible for %d yuan, below the minimum %d", mt.EnterpriseID, mt.EstimatedAmount, minimum)
		}
		if _, below := matchReasonOf(mt.Reasons, matcher.ReasonAmountBelowMinimum); below && (mt.Eligible || mt.Loan == nil || mt.Loan.Amount >= minimum) {
			t.Errorf("%s: amount_below_minimum with %+v", mt.EnterpriseID, mt.Loan)
		}
	}
	if below == 0 {
		t.Error("no enterprise of the demo falls below the product's minimum: the check above checked nothing")
	}
	w := f.do(matchZQRCBToken, "GET", "/api/v1/products/"+demo.ProdZQRCBIP+"/pipeline?as_of=2021-04-23&size=500", nil)
	if strings.Contains(w.Body.String(), report) {
		t.Errorf("肇庆农商银行's pipeline shows 建设银行's appraisal")
	}
	var other pipelineBody
	decodeBody(t, w, http.StatusOK, &other)
	if m := find(other); m != nil && m.Loan != nil && m.Loan.Appraisal.Basis != matcher.AppraisalModel {
		t.Errorf("肇庆农商银行 lends on %+v", m.Loan.Appraisal)
	}
}
