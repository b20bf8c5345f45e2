package matcher

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"ipmatch/data"
)

func testPool() data.Pool {
	return data.Pool{ID: "pool_t", Name: "测试资金池", Region: "4412", Size: 5_000_000, FundShare: 0.5,
		PerLoanCap: 2_000_000, PerBorrowerCap: 2_500_000, Leverage: 10}
}

func testDeal(id, ent string, amount int64, stage data.Stage) data.Deal {
	return data.Deal{ID: id, EnterpriseID: ent, BankID: "bank_a", ProductID: "prod_a", PoolID: "pool_t", Amount: amount, Stage: stage}
}

func TestPoolBook(t *testing.T) {
	pool := testPool()
	deals := []data.Deal{
		testDeal("d1", "e1", 3_500_000, data.StageDisbursed),
		testDeal("d2", "e2", 2_000_000, data.StageFiled),
		testDeal("d3", "e3", 1_000_000, data.StageIntent),      // not filed yet
		testDeal("d4", "e4", 1_000_000, data.StageRepaid),      // over
		testDeal("d5", "e5", 6_000_000, data.StageCompensated), // paid min(3M, 2M cap)
		testDeal("d6", "e6", 800_000, data.StageCompensated),   // paid 400k
		testDeal("d7", "e1", 1_000_000, data.StageDeclined),    // over
		{ID: "d8", EnterpriseID: "e1", PoolID: "other", Amount: 9_000_000, Stage: data.StageFiled},
	}
	res, err := PoolRisk(t.Context(), PoolRiskInput{Pool: pool, Deals: deals, AsOf: data.NewDate(2021, time.April, 23)}, &PoolRiskConfig{Draws: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if res.Filings != 2 || res.Exposure != 5_500_000 || res.Claims != 2 || res.ClaimsPaid != 2_400_000 || res.Remaining != 2_600_000 {
		t.Fatalf("book: filings %d exposure %d claims %d paid %.0f remaining %.0f", res.Filings, res.Exposure, res.Claims, res.ClaimsPaid, res.Remaining)
	}
	if res.LeverageCapacity != 26_000_000 || res.LeverageHeadroom != 20_500_000 {
		t.Fatalf("leverage: capacity %.0f headroom %.0f", res.LeverageCapacity, res.LeverageHeadroom)
	}
	// Fund cover: 1.75M + 1M.
	if res.FundCover != 2_750_000 {
		t.Fatalf("fund cover %.0f", res.FundCover)
	}
	for _, l := range res.Loans {
		if l.PDSource != "default" || l.PD != DefaultPoolPD {
			t.Errorf("loan %+v: no enterprise record, want the default PD", l)
		}
	}
}

func TestCheckFiling(t *testing.T) {
	pool := testPool()
	deals := []data.Deal{
		testDeal("d1", "e1", 3_500_000, data.StageDisbursed),
		testDeal("d2", "e2", 1_000_000, data.StageIntent),
		testDeal("d3", "e3", 5_000_000, data.StageIntent),
		testDeal("d4", "e1", 2_000_000, data.StageIntent),
	}
	if err := CheckFiling(pool, deals, deals[1]); err != nil {
		t.Errorf("d2 within every cap: %v", err)
	}
	fieldsOf := func(err error) []string {
		var out []string
		for _, f := range data.ErrorFields(err) {
			out = append(out, f.Field)
		}
		return out
	}
	err := CheckFiling(pool, deals, deals[2])
	if data.ErrorCode(err) != data.CodeConflict || !slices.Equal(fieldsOf(err), []string{"per_loan_cap"}) {
		t.Errorf("d3 (5M: the fund would bear 2.5M): %v", err)
	}
	// e1 already has 1.75M covered: another 1M would make 2.75M > 2.5M.
	err = CheckFiling(pool, deals, deals[3])
	if !slices.Equal(fieldsOf(err), []string{"per_borrower_cap"}) {
		t.Errorf("d4: %v", err)
	}
	// Leverage: a small pool.
	small := pool
	small.Size, small.Leverage = 400_000, 10 // capacity 4M; 3.5M filed
	if err := CheckFiling(small, deals, deals[1]); !slices.Equal(fieldsOf(err), []string{"leverage"}) {
		t.Errorf("leverage: %v", err)
	}
}

// TestCheckFilingHidesOtherBanks: a refusal by the per-borrower cap tells
// the filing bank its own figures only; another bank's filing for the same
// borrower counts but is never named or quantified.
func TestCheckFilingHidesOtherBanks(t *testing.T) {
	pool := testPool() // per-borrower cap 2.5M, fund share 50%
	other := testDeal("d1", "e1", 3_500_000, data.StageDisbursed)
	other.BankID = "bank_b"
	mine := testDeal("d2", "e1", 2_000_000, data.StageIntent)
	err := CheckFiling(pool, []data.Deal{other, mine}, mine)
	fields := data.ErrorFields(err)
	if len(fields) != 1 || fields[0].Field != "per_borrower_cap" {
		t.Fatalf("want a per_borrower_cap refusal, got %v", err)
	}
	msg := err.Error()
	for _, f := range fields {
		msg += " " + f.Reason
	}
	for _, leak := range []string{"1750000", "3500000", "2750000", "bank_b", "d1"} {
		if strings.Contains(msg, leak) {
			t.Errorf("the refusal reveals %q of bank_b's filing: %s", leak, msg)
		}
	}
	if !strings.Contains(msg, "other banks") || !strings.Contains(msg, "1000000") {
		t.Errorf("the refusal should give this loan's share and say other banks' filings count: %s", msg)
	}
}

// TestPoolRiskExpectedLoss: the mean loss matches Σ PD × loss and the
// result is reproducible with its seed.
func TestPoolRiskExpectedLoss(t *testing.T) {
	pool := testPool()
	pool.PerBorrowerCap = 0
	var deals []data.Deal
	for i := range 40 {
		deals = append(deals, testDeal(fmt.Sprintf("d%02d", i), fmt.Sprintf("e%02d", i), 500_000, data.StageDisbursed))
	}
	cfg := &PoolRiskConfig{Draws: 40_000, Rho: 0.2, DefaultPD: 0.05}
	a, err := PoolRisk(t.Context(), PoolRiskInput{Pool: pool, Deals: deals}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	per := 500_000 * DefaultPoolLGD * 0.5
	want := 40 * 0.05 * per
	// The standard error of the mean loss is below 2 % of it here.
	if math.Abs(a.ExpectedLoss-want) > 0.05*want {
		t.Errorf("expected loss %.0f, want %.0f", a.ExpectedLoss, want)
	}
	if !(a.LossP95 <= a.LossP99 && a.ExpectedLoss <= a.LossP99) {
		t.Errorf("quantiles: mean %.0f p95 %.0f p99 %.0f", a.ExpectedLoss, a.LossP95, a.LossP99)
	}
	b, _ := PoolRisk(t.Context(), PoolRiskInput{Pool: pool, Deals: deals}, cfg)
	if a.ExpectedLoss != b.ExpectedLoss || a.ExtraLoans != b.ExtraLoans || a.PExhausted != b.PExhausted {
		t.Errorf("not reproducible: %+v vs %+v", a, b)
	}
}

// vasicekTail is P(default rate > x) of an infinitely granular portfolio.
func vasicekTail(pd, rho, x float64) float64 {
	n := distuv.UnitNormal
	return 1 - n.CDF((math.Sqrt(1-rho)*n.Quantile(x)-n.Quantile(pd))/math.Sqrt(rho))
}

// TestPoolRiskVasicek: with many tiny loans the exhaustion probability
// approaches Vasicek's closed form.
func TestPoolRiskVasicek(t *testing.T) {
	pool := testPool()
	pool.PerLoanCap, pool.PerBorrowerCap, pool.Leverage = 0, 0, 50
	pool.Size = 1_500_000
	const n = 2000
	var deals []data.Deal
	for i := range n {
		deals = append(deals, testDeal(fmt.Sprintf("d%04d", i), fmt.Sprintf("e%04d", i), 10_000, data.StageDisbursed))
	}
	// Loss if all default: 2000 × 10,000 × 0.6 × 0.5 = 6,000,000; the pool
	// is exhausted when the default rate reaches 1.5M / 6M = 25 %.
	res, err := PoolRisk(t.Context(), PoolRiskInput{Pool: pool, Deals: deals}, &PoolRiskConfig{Draws: 20_000, Rho: 0.3, DefaultPD: 0.08})
	if err != nil {
		t.Fatal(err)
	}
	want := vasicekTail(0.08, 0.3, 0.25)
	if math.Abs(res.PExhausted-want) > 0.15*want+0.003 {
		t.Errorf("P(exhausted) = %.4f, Vasicek %.4f", res.PExhausted, want)
	}
}

// TestPoolRiskExtraLending checks the bisection against an explicit
// simulation of the added loans one by one (independent draws): at the
// answer n the exhaustion probability is within the confidence, at a much
// larger n it is not.
func TestPoolRiskExtraLending(t *testing.T) {
	pool := testPool()
	deals := []data.Deal{
		testDeal("d1", "e1", 3_500_000, data.StageDisbursed),
		testDeal("d2", "e2", 2_000_000, data.StageDisbursed),
		testDeal("d3", "e3", 3_000_000, data.StageAccepted),
	}
	cfg := &PoolRiskConfig{Draws: 20_000, NewLoanSize: 1_000_000, NewLoanPD: 0.03, DefaultPD: 0.03}
	res, err := PoolRisk(t.Context(), PoolRiskInput{Pool: pool, Deals: deals}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExtraLoans <= 0 {
		t.Fatalf("no extra lending: %+v", res)
	}
	if res.ExtraLending != min(res.ExtraLendingRisk, res.LeverageHeadroom) {
		t.Errorf("extra lending %.0f, risk %.0f, headroom %.0f", res.ExtraLending, res.ExtraLendingRisk, res.LeverageHeadroom)
	}
	explicit := func(extra int) float64 {
		r := rand.New(rand.NewPCG(99, uint64(extra)))
		rho := DefaultPoolRho
		thr := distuv.UnitNormal.Quantile(0.03)
		hits := 0
		const draws = 20_000
		for range draws {
			z := r.NormFloat64()
			loss := 0.0
			for _, d := range deals {
				if math.Sqrt(rho)*z+math.Sqrt(1-rho)*r.NormFloat64() < thr {
					loss += min(float64(d.Amount)*DefaultPoolLGD*0.5, 2_000_000)
				}
			}
			for range extra {
				if math.Sqrt(rho)*z+math.Sqrt(1-rho)*r.NormFloat64() < thr {
					loss += 1_000_000 * DefaultPoolLGD * 0.5
				}
			}
			if loss >= res.Remaining {
				hits++
			}
		}
		return float64(hits) / draws
	}
	if p := explicit(res.ExtraLoans); p > 0.05+0.006 {
		t.Errorf("with %d extra loans P(exhausted) = %.4f by explicit simulation, want ≤ 0.05", res.ExtraLoans, p)
	}
	if p := explicit(res.ExtraLoans * 3 / 2); p < 0.05-0.006 {
		t.Errorf("with %d extra loans P(exhausted) = %.4f by explicit simulation: the answer %d is too low", res.ExtraLoans*3/2, p, res.ExtraLoans)
	}
}

func TestPoolRiskInvalid(t *testing.T) {
	_, err := PoolRisk(t.Context(), PoolRiskInput{Pool: testPool()}, &PoolRiskConfig{Draws: 5, Rho: 1.5})
	fields := map[string]bool{}
	for _, f := range data.ErrorFields(err) {
		fields[f.Field] = true
	}
	if data.ErrorCode(err) != data.CodeInvalid || !fields["draws"] || !fields["rho"] {
		t.Errorf("err = %v", err)
	}
}

// TestPoolRiskScorecardPD: a borrower with a record gets the scorecard's
// PD.
func TestPoolRiskScorecardPD(t *testing.T) {
	e := data.Enterprise{ID: "e1", Founded: data.NewDate(2010, 1, 1), TaxGrade: "A"}
	res, err := PoolRisk(t.Context(), PoolRiskInput{Pool: testPool(), Deals: []data.Deal{testDeal("d1", "e1", 1_000_000, data.StageFiled)},
		Enterprises: []data.Enterprise{e}, AsOf: data.NewDate(2021, 4, 23)}, &PoolRiskConfig{Draws: 500})
	if err != nil {
		t.Fatal(err)
	}
	sc := DefaultScorecard()
	if l := res.Loans[0]; l.PDSource != "scorecard" || l.PD != sc.PD(&e, data.NewDate(2021, 4, 23)).PD {
		t.Errorf("loan %+v", l)
	}
}
