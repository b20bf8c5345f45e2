package matcher

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"ipmatch/data"
)

// loanProduct is a 四会农商行 专利贷-like product: 30 % of the appraised
// value for inventions and utility models, 100,000 to 5,000,000 yuan, 6 to
// 36 months, covered by a pool bearing half of a loss up to 2,000,000 a
// loan and 2,500,000 a borrower.
func loanProduct() (*data.Product, *data.Pool) {
	p := &data.Product{ID: "prod_x", BankID: "bank_x", Name: "专利贷", MinAmount: 100_000, MaxAmount: 5_000_000, MinTerm: 6, MaxTerm: 36,
		PledgeRates: data.ByType{Invention: 0.3, UtilityModel: 0.3}, PoolID: "pool_x", Active: true}
	pool := &data.Pool{ID: "pool_x", FundShare: 0.5, PerLoanCap: 2_000_000, PerBorrowerCap: 2_500_000}
	return p, pool
}

// ExampleEstimateLoan lends against four eligible patents appraised at 6,
// 5, 4 and 1 million yuan for a need of 3.5 million over 36 months. The target is min(product 5 M, need 3.5 M,
// pool caps 2 M ÷ 0.5 = 4 M and 2.5 M ÷ 0.5 = 5 M) = 3.5 M. The utility
// model with 30 months left cannot back a 36-month loan, so it is left out
// and the term kept. Lendable values are 30 % of the others: 1.8, 1.5 and
// 0.3 million; the two largest give 3.3 M, short of the target, so the
// third is pledged too, and the amount is the target.
func ExampleEstimateLoan() {
	p, pool := loanProduct()
	need := data.FinancingNeed{Amount: 3_500_000, TermMonths: 36}
	le := EstimateLoan(p, pool, need, []CollateralPatent{
		{ApplicationNumber: "201510000001.X", Type: data.Invention, Value: 6_000_000, ConservativeValue: 3_900_000, RemainingMonths: 150},
		{ApplicationNumber: "201810000002.7", Type: data.Invention, Value: 5_000_000, ConservativeValue: 3_200_000, RemainingMonths: 200},
		{ApplicationNumber: "201920000003.2", Type: data.UtilityModel, Value: 4_000_000, ConservativeValue: 2_600_000, RemainingMonths: 30},
		{ApplicationNumber: "201620000004.6", Type: data.UtilityModel, Value: 1_000_000, ConservativeValue: 600_000, RemainingMonths: 60},
	}, 0)
	for _, c := range le.Caps {
		fmt.Printf("cap %-17s %9.0f\n", c.Name, c.Amount)
	}
	for _, pt := range le.Patents {
		fmt.Printf("pledge %s %9.0f × %.1f = %8.0f (%d months left)\n", pt.ApplicationNumber, pt.Value, pt.PledgeRate, pt.Lendable, pt.RemainingMonths)
	}
	fmt.Printf("amount %d yuan for %d months (bound by %s); appraisal %.0f, its low end %.0f\n", le.Amount, le.TermMonths, le.Binding, le.Appraisal.Value, le.Collateral)
	// Output:
	// cap product_max         5000000
	// cap need                3500000
	// cap pool_per_loan       4000000
	// cap pool_per_borrower   5000000
	// cap collateral          3600000
	// pledge 201510000001.X   6000000 × 0.3 =  1800000 (150 months left)
	// pledge 201810000002.7   5000000 × 0.3 =  1500000 (200 months left)
	// pledge 201620000004.6   1000000 × 0.3 =   300000 (60 months left)
	// amount 3500000 yuan for 36 months (bound by need); appraisal 12000000, its low end 7700000
}

func TestEstimateLoan(t *testing.T) {
	p, pool := loanProduct()
	pats := func(values ...float64) []CollateralPatent {
		var out []CollateralPatent
		for i, v := range values {
			out = append(out, CollateralPatent{ApplicationNumber: fmt.Sprintf("p%d", i), Type: data.Invention, Value: v, ConservativeValue: 0.6 * v, RemainingMonths: 100})
		}
		return out
	}
	nums := func(le LoanEstimate) []string {
		var out []string
		for _, pt := range le.Patents {
			out = append(out, pt.ApplicationNumber)
		}
		return out
	}
	tests := []struct {
		name     string
		need     data.FinancingNeed
		pool     *data.Pool
		patents  []CollateralPatent
		amount   int64
		term     int
		binding  string
		pledged  []string
		noteLike string
	}{
		{"fewest patents: the largest reaches the need", data.FinancingNeed{Amount: 1_000_000, TermMonths: 24}, pool,
			pats(1e6, 5e6, 2e6), 1_000_000, 24, "need", []string{"p1"}, ""},
		{"all patents when they fall short", data.FinancingNeed{Amount: 3_000_000, TermMonths: 24}, pool,
			pats(1e6, 2e6), 900_000, 24, "collateral", []string{"p1", "p0"}, "fall short"},
		{"pool per-loan cap binds", data.FinancingNeed{Amount: 0}, &data.Pool{FundShare: 0.5, PerLoanCap: 1_000_000}, pats(1e8), 2_000_000, 36, "pool_per_loan", []string{"p0"}, ""},
		{"product maximum without a pool", data.FinancingNeed{}, nil, pats(1e8), 5_000_000, 36, "product_max", []string{"p0"}, ""},
		{"rounded down to 10,000 yuan", data.FinancingNeed{Amount: 5_000_000, TermMonths: 12}, pool, pats(1_234_567), 370_000, 12, "collateral", []string{"p0"}, ""},
		{"below the minimum is still estimated", data.FinancingNeed{Amount: 5_000_000, TermMonths: 12}, pool, pats(200_000), 60_000, 12, "collateral", []string{"p0"}, "minimum"},
		{"need term over the product's maximum", data.FinancingNeed{Amount: 1, TermMonths: 60}, pool, pats(1e6), 0, 36, "need", []string{"p0"}, ""},
		{"need term under the product's minimum", data.FinancingNeed{Amount: 100_000, TermMonths: 3}, pool, pats(1e6), 100_000, 6, "need", []string{"p0"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			le := EstimateLoan(p, tc.pool, tc.need, tc.patents, 0)
			if le.Amount != tc.amount || le.TermMonths != tc.term || le.Binding != tc.binding || !slices.Equal(nums(le), tc.pledged) {
				t.Errorf("got %d yuan, %d months, %s, %v; want %d, %d, %s, %v", le.Amount, le.TermMonths, le.Binding, nums(le),
					tc.amount, tc.term, tc.binding, tc.pledged)
			}
			if tc.noteLike != "" && !slices.ContainsFunc(le.Notes, func(n string) bool { return strings.Contains(n, tc.noteLike) }) {
				t.Errorf("notes %v lack %q", le.Notes, tc.noteLike)
			}
		})
	}
}

func TestEstimateLoanTermNeverOutlastsPatents(t *testing.T) {
	p, pool := loanProduct()
	// No patent lasts the 36 months asked: the term shrinks to the longest
	// one's 20 months, and only patents lasting 20 months are pledged.
	le := EstimateLoan(p, pool, data.FinancingNeed{Amount: 5_000_000, TermMonths: 36}, []CollateralPatent{
		{ApplicationNumber: "a", Type: data.Invention, Value: 9e6, ConservativeValue: 6e6, RemainingMonths: 12},
		{ApplicationNumber: "b", Type: data.Invention, Value: 1e6, ConservativeValue: 6e5, RemainingMonths: 20},
	}, 0)
	if le.TermMonths != 20 || len(le.Patents) != 1 || le.Patents[0].ApplicationNumber != "b" || le.Amount != 300_000 {
		t.Errorf("got %+v", le)
	}
	for _, pt := range le.Patents {
		if pt.RemainingMonths < le.TermMonths {
			t.Errorf("%s expires within the term", pt.ApplicationNumber)
		}
	}
}
