package matcher

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/demo"
)

var demoData = sync.OnceValue(func() demo.Dataset { return demo.Generate(demo.DefaultSeed) })

// demoPatents returns the demo patents of enterprise id.
func demoPatents(ds demo.Dataset, id string) []data.Patent {
	var out []data.Patent
	for _, p := range ds.Patents {
		if p.OwnerID == id {
			out = append(out, p)
		}
	}
	return out
}

// demoAppraisals returns the demo's recorded appraisals of enterprise id.
func demoAppraisals(ds demo.Dataset, id string) []data.Appraisal {
	var out []data.Appraisal
	for _, a := range ds.Appraisals {
		if a.EnterpriseID == id {
			out = append(out, a)
		}
	}
	return out
}

func demoEnterprise(t testing.TB, ds demo.Dataset, id string) *data.Enterprise {
	t.Helper()
	for i := range ds.Enterprises {
		if ds.Enterprises[i].ID == id {
			return &ds.Enterprises[i]
		}
	}
	t.Fatalf("no demo enterprise %s", id)
	return nil
}

func matchDemoEnterprise(t testing.TB, m *Matcher, id string) EnterpriseMatches {
	t.Helper()
	ds := demoData()
	res, err := m.MatchEnterprise(context.Background(), EnterpriseRequest{Enterprise: demoEnterprise(t, ds, id),
		Patents: demoPatents(ds, id), Products: ds.Products, Pools: ds.Pools, Appraisals: demoAppraisals(ds, id), AsOf: demo.AsOf})
	if err != nil {
		t.Fatalf("MatchEnterprise %s: %v", id, err)
	}
	return res
}

// checkParameters checks that an answer says how to reproduce it.
func checkParameters(t *testing.T, p ModelParameters, method string) {
	t.Helper()
	if p.ModelVersion != ModelVersion || p.AsOf != demo.AsOf || p.WeightsHash == "" || p.ConfigHash == "" ||
		p.ValuationMethod != method || p.LPR == nil || p.LPR.OneYear != 0.0385 {
		t.Errorf("parameters %+v", p)
	}
}

// checkScoreParts checks that the parts add up to the score.
func checkScoreParts(t *testing.T, mt Match) {
	t.Helper()
	sum, weights := 0.0, 0.0
	for _, p := range mt.ScoreParts {
		sum += p.Points
		weights += p.Weight
		if p.Value < 0 || p.Value > 1 || p.Observed == "" {
			t.Errorf("%s × %s: part %+v", mt.EnterpriseID, mt.ProductID, p)
		}
	}
	if math.Abs(sum-mt.Score) > 0.05 || math.Abs(weights-1) > 1e-3 {
		t.Errorf("%s × %s: parts sum to %.2f (weights %.4f), score %.2f", mt.EnterpriseID, mt.ProductID, sum, weights, mt.Score)
	}
}

// checkReason checks that a reason can be shown to a user.
func checkReason(t *testing.T, where string, r Reason) {
	t.Helper()
	if r.Code == "" || r.Scope == "" || r.Source == "" || r.Message == "" || r.Fix == "" || r.Observed == nil || r.Required == nil {
		t.Errorf("%s: incomplete reason %+v", where, r)
	}
	if r.Scope == ScopePatent && r.Patent == "" {
		t.Errorf("%s: patent reason without the patent: %+v", where, r)
	}
}

// TestDemoEveryEnterpriseSeesRankedProducts checks every demo enterprise's
// ranking: all products, eligible ones first by score, every failure
// explained, every loan within its caps and the pledged patents' terms.
func TestDemoEveryEnterpriseSeesRankedProducts(t *testing.T) {
	ds := demoData()
	m := DefaultMatcher()
	withEligible := 0
	for _, e := range ds.Enterprises {
		res := matchDemoEnterprise(t, m, e.ID)
		checkParameters(t, res.Parameters, MethodCachedTable)
		if len(res.Matches) != len(ds.Products) {
			t.Fatalf("%s: %d matches for %d products", e.ID, len(res.Matches), len(ds.Products))
		}
		if res.Eligible > 0 {
			withEligible++
		}
		for i, mt := range res.Matches {
			where := e.ID + " × " + mt.ProductID
			if mt.Rank != i+1 || mt.Side != SideEnterprise || mt.EnterpriseID != e.ID {
				t.Errorf("%s: rank %d at %d, side %s", where, mt.Rank, i, mt.Side)
			}
			if i > 0 {
				prev := res.Matches[i-1]
				if !prev.Eligible && mt.Eligible || prev.Eligible && mt.Eligible && prev.Score < mt.Score {
					t.Errorf("%s: out of order after %s (%v %.2f, %v %.2f)", where, prev.ProductID, prev.Eligible, prev.Score, mt.Eligible, mt.Score)
				}
			}
			for _, r := range append(slices.Clone(mt.Reasons), mt.Warnings...) {
				checkReason(t, where, r)
			}
			if len(mt.Patents) != len(demoPatents(ds, e.ID)) {
				t.Errorf("%s: %d patent checks", where, len(mt.Patents))
			}
			if !mt.Eligible {
				// An ineligible pair has reasons, no score and no amount; it
				// shows the loan it would be only when that is below the
				// product's minimum.
				_, below := findReason(mt.Reasons, ReasonAmountBelowMinimum, "")
				if len(mt.Reasons) == 0 || mt.Score != 0 || mt.EstimatedAmount != 0 || (mt.Loan != nil) != below {
					t.Errorf("%s: ineligible with reasons %v, score %v, amount %d, loan %v", where, mt.Reasons, mt.Score, mt.EstimatedAmount, mt.Loan != nil)
				}
				if below && mt.Loan.Amount >= max(findProduct(ds, mt.ProductID).MinAmount, DefaultAmountUnit) {
					t.Errorf("%s: amount_below_minimum with a loan of %d", where, mt.Loan.Amount)
				}
				continue
			}
			if p := findProduct(ds, mt.ProductID); mt.EstimatedAmount < max(p.MinAmount, DefaultAmountUnit) {
				t.Errorf("%s: eligible with %d yuan, below the product's minimum %d", where, mt.EstimatedAmount, p.MinAmount)
			}
			if len(mt.Reasons) != 0 || mt.Loan == nil || len(mt.Loan.Patents) == 0 {
				t.Fatalf("%s: eligible with reasons %v or no loan", where, mt.Reasons)
			}
			checkScoreParts(t, mt)
			for _, c := range mt.Loan.Caps {
				if float64(mt.EstimatedAmount) > c.Amount+1e-6 {
					t.Errorf("%s: amount %d above cap %s %.0f", where, mt.EstimatedAmount, c.Name, c.Amount)
				}
			}
			for _, pp := range mt.Loan.Patents {
				if pp.RemainingMonths < mt.TermMonths {
					t.Errorf("%s: term %d outlasts %s (%d months left)", where, mt.TermMonths, pp.ApplicationNumber, pp.RemainingMonths)
				}
				k := slices.IndexFunc(mt.Patents, func(c PatentCheck) bool { return c.ApplicationNumber == pp.ApplicationNumber })
				if k < 0 || !mt.Patents[k].Eligible || !mt.Patents[k].Pledged || len(mt.Patents[k].Reasons) != 0 {
					t.Errorf("%s: pledged %s is not an eligible patent", where, pp.ApplicationNumber)
				}
			}
			if mt.Valuation.Method != MethodCachedTable || !(mt.Valuation.P10 <= mt.Valuation.P50 && mt.Valuation.P50 <= mt.Valuation.P90) {
				t.Errorf("%s: valuation %+v", where, mt.Valuation)
			}
			// Banks lend on the point value: amount = appraisal × pledge rate
			// within the caps; the low end only feeds the risk.
			ln := mt.Loan
			if (ln.Appraisal.Basis == AppraisalRecorded) != (ln.Appraisal.Recorded != nil) ||
				math.Abs(ln.Lendable-ln.Appraisal.Value*ln.PledgeRate) > 1+1e-3*ln.Lendable ||
				float64(mt.EstimatedAmount) > ln.Lendable+1 || ln.Collateral > ln.Appraisal.Value {
				t.Errorf("%s: loan %+v", where, ln)
			}
		}
	}
	if withEligible < len(ds.Enterprises)/2 {
		t.Errorf("only %d of %d demo enterprises have an eligible product", withEligible, len(ds.Enterprises))
	}
}

func findProduct(ds demo.Dataset, id string) *data.Product {
	for i := range ds.Products {
		if ds.Products[i].ID == id {
			return &ds.Products[i]
		}
	}
	panic("no demo product " + id)
}

func findMatch(t *testing.T, res EnterpriseMatches, productID string) Match {
	t.Helper()
	for _, mt := range res.Matches {
		if mt.ProductID == productID {
			return mt
		}
	}
	t.Fatalf("no match for %s", productID)
	return Match{}
}

func findReason(rs []Reason, code ReasonCode, patent string) (Reason, bool) {
	for _, r := range rs {
		if r.Code == code && (patent == "" || r.Patent == patent) {
			return r, true
		}
	}
	return Reason{}, false
}

// TestDemoPlantedCases checks that the demo's planted cases say exactly
// which rule failed and by how much.
func TestDemoPlantedCases(t *testing.T) {
	m := DefaultMatcher()

	// The patent of deal_0009 carries its open pledge.
	var d9 data.Deal
	for _, d := range demoData().Deals {
		if d.ID == "deal_0009" {
			d9 = d
		}
	}
	pledgedNo := d9.Patents[0]
	res := matchDemoEnterprise(t, m, d9.EnterpriseID)
	for _, mt := range res.Matches {
		k := slices.IndexFunc(mt.Patents, func(c PatentCheck) bool { return c.ApplicationNumber == pledgedNo })
		if k < 0 {
			t.Fatalf("%s: patent %s not checked", mt.ProductID, pledgedNo)
		}
		pc := mt.Patents[k]
		r, ok := findReason(pc.Reasons, ReasonAlreadyPledged, pledgedNo)
		if pc.Eligible || pc.Pledged || !ok {
			t.Fatalf("%s: %s %+v", mt.ProductID, pledgedNo, pc)
		}
		if !strings.Contains(r.Message, "2021-01-26") || !strings.Contains(r.Message, "中国工商银行") ||
			!strings.Contains(r.Message, strconv.FormatFloat(float64(d9.Amount)/10_000, 'f', 2, 64)+" 万元") ||
			r.Source != SourceCNIPA || !strings.Contains(r.Fix, "质押注销登记") {
			t.Errorf("already pledged: %+v", r)
		}
	}

	// ent_0072, founded 2020-08-18, is 0.68 years old: 0.32 short of the
	// year that the 智权贷-style product asks.
	res = matchDemoEnterprise(t, m, "ent_0072")
	mt := findMatch(t, res, demo.ProdCCBKechuang)
	r, ok := findReason(mt.Reasons, ReasonEnterpriseTooYoung, "")
	if mt.Eligible || !ok {
		t.Fatalf("ent_0072 × %s: %+v", demo.ProdCCBKechuang, mt.Reasons)
	}
	if r.Observed != 0.68 || r.Required != 1.0 || r.Gap != 0.32 || r.Unit != "years" || r.Scope != ScopeEnterprise ||
		!strings.Contains(r.Message, "2020-08-18") || !strings.Contains(r.Fix, "2021-08-18") {
		t.Errorf("too young: %+v", r)
	}

	// Every CNIPA pledge rule is broken by some demo patent.
	ds := demoData()
	seen := map[ReasonCode]string{}
	for _, e := range ds.Enterprises {
		for _, p := range demoPatents(ds, e.ID) {
			for _, r := range PledgeRules(&e, &p, demo.AsOf, 36) {
				seen[r.Code] = p.ApplicationNumber
			}
		}
	}
	for _, info := range ReasonCodes() {
		if info.Source == SourceCNIPA && info.Code != ReasonLegalStatusUnknown && seen[info.Code] == "" {
			t.Errorf("no demo patent breaks %s", info.Code)
		}
	}
}

// TestDemoPipeline checks a bank's ranked pipeline with explanations.
func TestDemoPipeline(t *testing.T) {
	ds := demoData()
	m := DefaultMatcher()
	var prod *data.Product
	for i := range ds.Products {
		if ds.Products[i].ID == demo.ProdCCBKechuang {
			prod = &ds.Products[i]
		}
	}
	pl, err := m.Pipeline(context.Background(), PipelineRequest{Product: prod, Pools: ds.Pools, Enterprises: ds.Enterprises,
		Patents: ds.Patents, AsOf: demo.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	checkParameters(t, pl.Parameters, MethodCachedTable)
	if pl.Total != len(ds.Enterprises) || len(pl.Matches) != pl.Total || pl.Eligible == 0 || pl.Eligible == pl.Total {
		t.Fatalf("total %d, eligible %d, %d matches", pl.Total, pl.Eligible, len(pl.Matches))
	}
	star := ds.Deals[0].EnterpriseID // the pool's first pledge loan, with this product
	for i, mt := range pl.Matches {
		where := mt.EnterpriseID
		if mt.Rank != i+1 || mt.Side != SideBank || mt.Eligible != (i < pl.Eligible) {
			t.Errorf("%s: rank %d at %d, eligible %v", where, mt.Rank, i, mt.Eligible)
		}
		if i > 0 && mt.Eligible && pl.Matches[i-1].Score < mt.Score {
			t.Errorf("%s: out of order", where)
		}
		if mt.EnterpriseID == star && !mt.Eligible {
			t.Errorf("the star borrower %s is not eligible: %+v", star, mt.Reasons)
		}
		if !mt.Eligible {
			if len(mt.Reasons) == 0 {
				t.Errorf("%s: no reasons", where)
			}
			continue
		}
		checkScoreParts(t, mt)
		rk := mt.Risk
		if rk == nil || !(rk.PD > 0 && rk.PD < 1) || len(rk.PDParts) != 8 || rk.FundShare != 0.5 || rk.PoolID != demo.PoolID {
			t.Fatalf("%s: risk %+v", where, rk)
		}
		el := rk.PD * rk.LGD * rk.Exposure * (1 - rk.FundShare)
		if math.Abs(el-rk.ExpectedLoss) > 1e-3*max(el, 1)+1 {
			t.Errorf("%s: EL %.2f, want PD × LGD × exposure × (1 − fund share) = %.2f", where, rk.ExpectedLoss, el)
		}
		if rk.LGD < 0.45 || rk.LGD > 1 {
			t.Errorf("%s: LGD %v", where, rk.LGD)
		}
	}
	// A page.
	page, err := m.Pipeline(context.Background(), PipelineRequest{Product: prod, Pools: ds.Pools, Enterprises: ds.Enterprises,
		Patents: ds.Patents, AsOf: demo.AsOf, EligibleOnly: true, Offset: 1, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != pl.Eligible || len(page.Matches) != 2 || page.Matches[0].EnterpriseID != pl.Matches[1].EnterpriseID || page.Matches[0].Rank != 2 {
		t.Errorf("page: total %d, %d matches", page.Total, len(page.Matches))
	}
}

// TestMatchAllAgreesWithPlainLoop checks the bulk path against the
// straightforward evaluation of the same rules, pair by pair.
func TestMatchAllAgreesWithPlainLoop(t *testing.T) {
	ds := demoData()
	worlds := map[string]*benchWorld{"generated": makeWorld(7, 1500, 10, 60)}
	dw := &benchWorld{in: MatchInput{Enterprises: ds.Enterprises, Patents: ds.Patents, Products: ds.Products, Pools: ds.Pools, AsOf: demo.AsOf}}
	for _, e := range ds.Enterprises {
		dw.byOwner = append(dw.byOwner, demoPatents(ds, e.ID))
	}
	worlds["demo"] = dw
	for name, w := range worlds {
		s, err := DefaultMatcher().MatchAll(context.Background(), w.in)
		if err != nil {
			t.Fatal(err)
		}
		eligible := 0
		for i := range w.in.Enterprises {
			e := &w.in.Enterprises[i]
			for k := range w.in.Products {
				p := &w.in.Products[k]
				// The plain loop checks the hard criteria; MatchAll also
				// refuses a loan below the product's minimum.
				want := plainEligible(e, w.byOwner[i], p, w.in.AsOf)
				got, _ := s.Pair(e.ID, p.ID)
				if passesHard(got) != want {
					t.Fatalf("%s: %s × %s: MatchAll %v (%v), plain loop %v", name, e.ID, p.ID, got.Eligible, got.Failed, want)
				}
				if got.Eligible {
					eligible++
				}
			}
		}
		if eligible != s.Eligible() || eligible == 0 || eligible == s.Pairs() {
			t.Errorf("%s: %d eligible pairs of %d, set says %d", name, eligible, s.Pairs(), s.Eligible())
		}
	}
}

// passesHard reports whether a pair passes every rule but the loan's
// value ones (valuation_unavailable, amount_below_minimum).
func passesHard(ps PairSummary) bool {
	for _, c := range ps.Failed {
		if c != ReasonAmountBelowMinimum && c != ReasonValuationUnavailable {
			return false
		}
	}
	return true
}

// TestBulkAgreesWithDetail checks that MatchAll (cached tables) and
// MatchEnterprise (Monte Carlo) agree on eligibility and failed rules, and
// nearly on amounts.
func TestBulkAgreesWithDetail(t *testing.T) {
	ds := demoData()
	m := DefaultMatcher()
	s, err := m.MatchAll(context.Background(), MatchInput{Enterprises: ds.Enterprises, Patents: ds.Patents, Products: ds.Products, Pools: ds.Pools, Appraisals: ds.Appraisals, AsOf: demo.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	checkParameters(t, s.Parameters(), MethodCachedTable)
	for _, e := range ds.Enterprises[:24] {
		res := matchDemoEnterprise(t, m, e.ID)
		for _, mt := range res.Matches {
			ps, ok := s.Pair(e.ID, mt.ProductID)
			if !ok || ps.Eligible != mt.Eligible {
				t.Fatalf("%s × %s: bulk %+v, detail eligible %v", e.ID, mt.ProductID, ps, mt.Eligible)
			}
			// The bulk path stops at failed enterprise rules; the detail
			// path checks the patents too.
			var codes []ReasonCode
			entFailed := slices.ContainsFunc(mt.Reasons, func(r Reason) bool { return r.Scope == ScopeEnterprise })
			for _, r := range mt.Reasons {
				if r.Scope != ScopePatent && !slices.Contains(codes, r.Code) && (r.Scope == ScopeEnterprise || !entFailed) {
					codes = append(codes, r.Code)
				}
			}
			var bulk []ReasonCode
			for _, c := range ps.Failed {
				if slices.ContainsFunc(ReasonCodes(), func(i ReasonInfo) bool { return i.Code == c && i.Scope != ScopePatent }) {
					bulk = append(bulk, c)
				}
			}
			if !slices.Equal(codes, bulk) {
				t.Errorf("%s × %s: detail %v, bulk %v", e.ID, mt.ProductID, codes, bulk)
			}
			if mt.Eligible && mt.TermMonths != ps.TermMonths {
				t.Errorf("%s × %s: term %d vs %d", e.ID, mt.ProductID, mt.TermMonths, ps.TermMonths)
			}
			if mt.Eligible && (mt.EstimatedAmount != ps.EstimatedAmount || math.Abs(mt.Score-ps.Score) > 0.02) {
				t.Errorf("%s × %s: amount %d, score %v (detail) vs %d, %v (bulk)", e.ID, mt.ProductID, mt.EstimatedAmount, mt.Score, ps.EstimatedAmount, ps.Score)
			}
		}
	}
}

// TestValueTableAgreesWithMonteCarlo compares the cached tables' per-patent
// values (standalone, calibrated) with ValueEnterprise's Monte Carlo on the
// demo.
func TestValueTableAgreesWithMonteCarlo(t *testing.T) {
	ds := demoData()
	m := DefaultMatcher()
	s, err := m.MatchAll(context.Background(), MatchInput{Enterprises: ds.Enterprises, Patents: ds.Patents, Products: ds.Products, Pools: ds.Pools, Appraisals: ds.Appraisals, AsOf: demo.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for ei := range 12 {
		f := &s.w.ef[ei]
		v, err := m.ValueEnterprise(context.Background(), f.rec, demoPatents(ds, f.rec.ID), demo.AsOf, ValuationOptions{})
		if err != nil {
			t.Fatalf("%s: %v", f.rec.ID, err)
		}
		mc := map[string]Percentiles{}
		for _, pv := range v.Valuation.Patents {
			mc[pv.ApplicationNumber] = pv.Standalone
		}
		for fi := f.p0; fi < f.p1; fi++ {
			pf := &s.w.pf[fi]
			want, got := mc[pf.rec.ApplicationNumber], pf.standalone()
			if want.P50 == 0 {
				if got.P50 != 0 {
					t.Errorf("%s: table values a patent the Monte Carlo does not", pf.rec.ApplicationNumber)
				}
				continue
			}
			for _, q := range [][2]float64{{got.P10, want.P10}, {got.P50, want.P50}, {got.P90, want.P90}} {
				if math.Abs(q[0]/q[1]-1) > 0.03 {
					t.Errorf("%s: table %.0f vs Monte Carlo %.0f", pf.rec.ApplicationNumber, q[0], q[1])
				}
			}
			compared++
		}
	}
	if compared < 30 {
		t.Errorf("only %d patents compared", compared)
	}
}

func TestMatchSetRankings(t *testing.T) {
	ds := demoData()
	s, err := DefaultMatcher().MatchAll(context.Background(), MatchInput{Enterprises: ds.Enterprises, Patents: ds.Patents, Products: ds.Products, Pools: ds.Pools, Appraisals: ds.Appraisals, AsOf: demo.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	if s.Pairs() != len(ds.Enterprises)*len(ds.Products) {
		t.Fatalf("%d pairs", s.Pairs())
	}
	total := 0
	for _, e := range ds.Enterprises {
		list, ok := s.ForEnterprise(e.ID)
		if !ok {
			t.Fatal(e.ID)
		}
		total += len(list)
		for i := 1; i < len(list); i++ {
			if list[i-1].Score < list[i].Score {
				t.Errorf("%s: products out of order", e.ID)
			}
		}
	}
	if total != s.Eligible() {
		t.Errorf("enterprise lists hold %d, %d eligible", total, s.Eligible())
	}
	total = 0
	for _, p := range ds.Products {
		list, _ := s.ForProduct(p.ID, 0)
		total += len(list)
		for i := 1; i < len(list); i++ {
			if list[i-1].BankScore < list[i].BankScore {
				t.Errorf("%s: enterprises out of order", p.ID)
			}
		}
		if len(list) > 0 {
			mt, err := s.Explain(list[0].EnterpriseID, p.ID, SideBank)
			if err != nil || mt.Rank != 1 || !mt.Eligible || mt.Risk == nil || mt.EstimatedAmount != list[0].EstimatedAmount {
				t.Errorf("%s: explain the first: %v %+v", p.ID, err, mt.Rank)
			}
		}
	}
	if total != s.Eligible() {
		t.Errorf("product lists hold %d, %d eligible", total, s.Eligible())
	}
	if top, _ := s.ForProduct(demo.ProdCCBKechuang, 3); len(top) > 3 {
		t.Errorf("limit ignored: %d", len(top))
	}
	ps, _ := s.Pair("ent_0072", demo.ProdCCBKechuang)
	if ps.Eligible || !slices.Contains(ps.Failed, ReasonEnterpriseTooYoung) {
		t.Errorf("ent_0072: %+v", ps)
	}
	if counts := s.ReasonCounts(); counts[ReasonProductInactive] != len(ds.Enterprises) || counts[ReasonEnterpriseTooYoung] == 0 {
		t.Errorf("reason counts %v", counts)
	}
	if _, ok := s.Pair("ent_nope", demo.ProdCCBKechuang); ok {
		t.Error("unknown enterprise found")
	}
	if _, err := s.Explain("ent_0001", "prod_nope", SideEnterprise); data.ErrorCode(err) != data.CodeNotFound {
		t.Errorf("unknown product: %v", err)
	}
}

// TestReproducible checks that the same inputs and seed give the same
// answer, and that the seed is what changes the draws.
func TestReproducible(t *testing.T) {
	m := DefaultMatcher()
	a, b := matchDemoEnterprise(t, m, "ent_0003"), matchDemoEnterprise(t, m, "ent_0003")
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Error("two runs differ")
	}
	m2, err := NewMatcher(&MatchConfig{Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	c := matchDemoEnterprise(t, m2, "ent_0003")
	if c.Parameters.Seed != 42 || c.Parameters.ConfigHash == a.Parameters.ConfigHash || c.Parameters.WeightsHash != a.Parameters.WeightsHash {
		t.Errorf("parameters %+v vs %+v", c.Parameters, a.Parameters)
	}
	if c.Matches[0].Valuation.P10 == a.Matches[0].Valuation.P10 {
		t.Error("another seed gave the same draws")
	}
}

func TestMatchRequestErrors(t *testing.T) {
	ds := demoData()
	m := DefaultMatcher()
	for _, asOf := range []data.Date{{}, data.NewDate(2019, time.January, 1)} {
		_, err := m.MatchEnterprise(context.Background(), EnterpriseRequest{Enterprise: &ds.Enterprises[0], Products: ds.Products, AsOf: asOf})
		if data.ErrorCode(err) != data.CodeInvalid || data.ErrorFields(err)[0].Field != "as_of" {
			t.Errorf("as of %s: %v", asOf, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.MatchAll(ctx, MatchInput{Enterprises: ds.Enterprises, Patents: ds.Patents, Products: ds.Products, AsOf: demo.AsOf}); err == nil {
		t.Error("cancelled MatchAll succeeded")
	}
	// An enterprise without patents fails no_patents for every product.
	e := ds.Enterprises[0]
	res, err := m.MatchEnterprise(context.Background(), EnterpriseRequest{Enterprise: &e, Products: ds.Products, Pools: ds.Pools, AsOf: demo.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	for _, mt := range res.Matches {
		if _, ok := findReason(mt.Reasons, ReasonNoPatents, ""); mt.Eligible || !ok {
			t.Errorf("%s: %+v", mt.ProductID, mt.Reasons)
		}
	}
	// A patent recorded as another enterprise's fails pledger_not_owner
	// but does not spoil the valuation of the others.
	ps := demoPatents(ds, e.ID)
	ps[0].OwnerID = "ent_other"
	res, err = m.MatchEnterprise(context.Background(), EnterpriseRequest{Enterprise: &e, Patents: ps, Products: ds.Products[:1], Pools: ds.Pools, AsOf: demo.AsOf})
	if err != nil || res.ValuationNote != "" || res.Matches[0].Valuation.P50 <= 0 {
		t.Fatalf("%v %s", err, res.ValuationNote)
	}
	k := slices.IndexFunc(res.Matches[0].Patents, func(c PatentCheck) bool { return c.ApplicationNumber == ps[0].ApplicationNumber })
	if _, ok := findReason(res.Matches[0].Patents[k].Reasons, ReasonPledgerNotOwner, ""); !ok {
		t.Errorf("other owner's patent: %+v", res.Matches[0].Patents[k])
	}
}

func TestNewMatcherValidation(t *testing.T) {
	neg := -0.1
	_, err := NewMatcher(&MatchConfig{
		Score:      &ScoreWeights{Coverage: -1, RateFloor: 0.06, RateCeiling: 0.03},
		LGD:        &LGDConfig{Recovery: 2, Floor: 0.45},
		Valuation:  &MonteCarloConfig{Strengths: []float64{1}, TaxRate: &neg},
		TableDraws: 5,
	})
	fields := map[string]bool{}
	for _, f := range data.ErrorFields(err) {
		fields[f.Field] = true
	}
	for _, want := range []string{"score.coverage", "score.risk", "score.rate_floor", "score.el_rate_ceiling", "lgd.recovery",
		"valuation.strengths", "valuation.tax_rate", "table_draws"} {
		if !fields[want] {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

// BenchmarkMatchEnterpriseDemo is the detail view: one demo enterprise
// (ent_0003, 8 patents) against the demo's 12 products, valued from the
// cached tables as every view is, and every match explained.
func BenchmarkMatchEnterpriseDemo(b *testing.B) {
	ds := demoData()
	e := demoEnterprise(b, ds, "ent_0003")
	req := EnterpriseRequest{Enterprise: e, Patents: demoPatents(ds, e.ID), Products: ds.Products, Pools: ds.Pools, AsOf: demo.AsOf}
	m := DefaultMatcher()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.MatchEnterprise(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPipelineDemo is a bank's pipeline over the demo's 72
// enterprises, every one explained.
func BenchmarkPipelineDemo(b *testing.B) {
	ds := demoData()
	req := PipelineRequest{Product: &ds.Products[1], Pools: ds.Pools, Enterprises: ds.Enterprises, Patents: ds.Patents, AsOf: demo.AsOf}
	m := DefaultMatcher()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Pipeline(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDemoLoansAsBanksLend checks the demo's estimates against published
// Chinese practice (../shared/data/valuation, README "Loan estimates"):
// the median best loan of the eligible enterprises lies within the
// 1–5 million yuan of small pure-patent loans; the median loan per pledged
// patent within the 0.8–2.8 million programmes lend per patent; the
// median appraisal per pledged patent within the 1–3 million of published
// appraisals; and every live deal of the demo is within a factor of 2 of
// ipmatch's estimate for the same enterprise and product, those with a
// recorded appraisal lent on it.
func TestDemoLoansAsBanksLend(t *testing.T) {
	ds := demoData()
	m := DefaultMatcher()
	var best, perPatent, apprPerPatent []float64
	for _, e := range ds.Enterprises {
		res := matchDemoEnterprise(t, m, e.ID)
		var top *Match
		for i := range res.Matches {
			if mt := &res.Matches[i]; mt.Eligible && (top == nil || mt.EstimatedAmount > top.EstimatedAmount) {
				top = mt
			}
		}
		if top == nil {
			continue
		}
		n := float64(len(top.Loan.Patents))
		best = append(best, float64(top.EstimatedAmount))
		perPatent = append(perPatent, float64(top.EstimatedAmount)/n)
		apprPerPatent = append(apprPerPatent, top.Loan.Appraisal.Value/n)
	}
	median := func(x []float64) float64 {
		y := slices.Clone(x)
		slices.Sort(y)
		return y[len(y)/2]
	}
	t.Logf("%d eligible enterprises: median best loan %.0f 万元, per pledged patent %.0f 万元 lent and %.0f 万元 appraised",
		len(best), median(best)/1e4, median(perPatent)/1e4, median(apprPerPatent)/1e4)
	for _, c := range []struct {
		what     string
		got      float64
		low, top float64
	}{
		{"median best loan", median(best), 1_000_000, 5_000_000},
		{"median loan per pledged patent", median(perPatent), 800_000, 2_800_000},
		{"median appraisal per pledged patent", median(apprPerPatent), 1_000_000, 3_000_000},
	} {
		if c.got < c.low || c.got > c.top {
			t.Errorf("%s %.0f yuan, outside the published %.0f–%.0f", c.what, c.got, c.low, c.top)
		}
	}

	recorded := 0
	for _, d := range ds.Deals {
		if d.Stage == data.StageDeclined {
			continue
		}
		mt := findMatch(t, matchDemoEnterprise(t, m, d.EnterpriseID), d.ProductID)
		if !mt.Eligible {
			t.Errorf("%s: %s × %s not eligible: %+v", d.ID, d.EnterpriseID, d.ProductID, mt.Reasons)
			continue
		}
		if r := float64(d.Amount) / float64(mt.EstimatedAmount); r < 0.5 || r > 2 {
			t.Errorf("%s: %d yuan recorded, %d estimated (×%.2f)", d.ID, d.Amount, mt.EstimatedAmount, r)
		}
		if mt.Loan.Appraisal.Basis == AppraisalRecorded {
			recorded++
		}
	}
	if recorded < 2 {
		t.Errorf("%d deals rest on a recorded appraisal, want the two signed on site at least", recorded)
	}
}
