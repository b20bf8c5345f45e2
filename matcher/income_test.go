package matcher

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"ipmatch/data"
)

// ExamplePresentValue is the published worked example of the income
// approach (分成法): sales profit of 460 (万元) a year for 8 years, a
// royalty of 2 % of sales at a 10 % profit margin, that is a share of 20 %
// of the profit, 25 % income tax and a 15 % discount rate. Each year
// attributes 460 × 0.2 × (1 − 0.25) = 69; discounted at the end of each
// year, PV = Σ_{t=1..8} 69 / 1.15^t = 69 × 4.4873 = 309.6, the exam's
// answer of 310 万元.
func ExamplePresentValue() {
	res, err := PresentValue(IncomeScenario{
		CashFlows:    []float64{460, 460, 460, 460, 460, 460, 460, 460},
		ShareRate:    0.2,
		TaxRate:      0.25,
		DiscountRate: 0.15,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("year  cash flow  attributable  factor  present value")
	for _, y := range res.Years {
		fmt.Printf("%4d  %9.1f  %12.1f  %6.4f  %13.2f\n", y.Year, y.CashFlow, y.Attributable, y.DiscountFactor, y.PresentValue)
	}
	fmt.Printf("PV = %.1f\n", res.PresentValue)
	// Output:
	// year  cash flow  attributable  factor  present value
	//    1      460.0          69.0  0.8696          60.00
	//    2      460.0          69.0  0.7561          52.17
	//    3      460.0          69.0  0.6575          45.37
	//    4      460.0          69.0  0.5718          39.45
	//    5      460.0          69.0  0.4972          34.31
	//    6      460.0          69.0  0.4323          29.83
	//    7      460.0          69.0  0.3759          25.94
	//    8      460.0          69.0  0.3269          22.56
	// PV = 309.6
}

func TestPresentValueFormula(t *testing.T) {
	s := IncomeScenario{CashFlows: []float64{100, 0, 250.5}, ShareRate: 0.3, TaxRate: 0.15, DiscountRate: 0.08}
	res, err := PresentValue(s)
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for i, cf := range s.CashFlows {
		want += cf * s.ShareRate * (1 - s.TaxRate) / math.Pow(1+s.DiscountRate, float64(i+1))
	}
	if math.Abs(res.PresentValue-want) > 1e-9 {
		t.Errorf("PV %v, want %v", res.PresentValue, want)
	}
	// Rate 0: the plain sum.
	s.DiscountRate = 0
	res, _ = PresentValue(s)
	if math.Abs(res.PresentValue-350.5*0.3*0.85) > 1e-9 {
		t.Errorf("PV at r=0: %v", res.PresentValue)
	}
}

func TestIncomeScenarioValidate(t *testing.T) {
	ok := IncomeScenario{CashFlows: []float64{1, 2, 3}, ShareRate: 0.2, TaxRate: 0.25, DiscountRate: 0.1}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid scenario refused: %v", err)
	}
	tests := []struct {
		name   string
		edit   func(*IncomeScenario)
		fields []string
	}{
		{"no cash flows", func(s *IncomeScenario) { s.CashFlows = nil }, []string{"cash_flows"}},
		{"negative flow", func(s *IncomeScenario) { s.CashFlows = []float64{1, 2, 3, -4} }, []string{"cash_flows[3]"}},
		{"NaN flow", func(s *IncomeScenario) { s.CashFlows = []float64{math.NaN()} }, []string{"cash_flows[0]"}},
		{"share above 1", func(s *IncomeScenario) { s.ShareRate = 1.2 }, []string{"share_rate"}},
		{"share negative", func(s *IncomeScenario) { s.ShareRate = -0.1 }, []string{"share_rate"}},
		{"share NaN", func(s *IncomeScenario) { s.ShareRate = math.NaN() }, []string{"share_rate"}},
		{"tax negative", func(s *IncomeScenario) { s.TaxRate = -0.01 }, []string{"tax_rate"}},
		{"tax 1", func(s *IncomeScenario) { s.TaxRate = 1 }, []string{"tax_rate"}},
		{"rate -1", func(s *IncomeScenario) { s.DiscountRate = -1 }, []string{"discount_rate"}},
		{"rate below -1", func(s *IncomeScenario) { s.DiscountRate = -2 }, []string{"discount_rate"}},
		{"rate negative", func(s *IncomeScenario) { s.DiscountRate = -0.05 }, []string{"discount_rate"}},
		{"rate infinite", func(s *IncomeScenario) { s.DiscountRate = math.Inf(1) }, []string{"discount_rate"}},
		{"several", func(s *IncomeScenario) { s.CashFlows[1] = -1; s.TaxRate = 2; s.DiscountRate = -0.5 },
			[]string{"cash_flows[1]", "tax_rate", "discount_rate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			s.CashFlows = slices.Clone(ok.CashFlows)
			tt.edit(&s)
			err := s.Validate()
			if data.ErrorCode(err) != data.CodeInvalid {
				t.Fatalf("err = %v, want invalid", err)
			}
			var got []string
			for _, f := range data.ErrorFields(err) {
				got = append(got, f.Field)
			}
			if !slices.Equal(got, tt.fields) {
				t.Errorf("fields %v, want %v", got, tt.fields)
			}
			if _, err := PresentValue(s); data.ErrorCode(err) != data.CodeInvalid {
				t.Errorf("PresentValue accepted it: %v", err)
			}
		})
	}
}
