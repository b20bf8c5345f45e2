package matcher

import (
	"fmt"
	"math"
	"slices"

	"ipmatch/data"
)

// Scorecard is a transparent logistic scorecard for an enterprise's
// one-year probability of default:
//
//	z  = Intercept + Σ_k Coefficient_k × x_k + TaxGrade[grade]
//	PD = clamp(1 / (1 + e^(−z)), MinPD, MaxPD)
//
// over the features x_k of the latest year's financials (see PD for each
// feature and its bounds). The coefficients of DefaultScorecard are
// ipmatch's judgement, set so that the signs follow the credit-scoring
// literature and a typical healthy equipment maker lands near 2 %; they are
// not fitted to default data, which ipmatch does not have. Replace them with
// a bank's fitted scorecard when one is available.
type Scorecard struct {
	Intercept float64 `json:"intercept"`
	// DebtRatio multiplies liabilities ÷ assets, in [0, 1.5].
	DebtRatio float64 `json:"debt_ratio"`
	// ProfitMargin multiplies profit ÷ revenue, in [−1, 1].
	ProfitMargin float64 `json:"profit_margin"`
	// RevenueGrowth multiplies revenue ÷ the previous year's − 1, in
	// [−0.5, 1].
	RevenueGrowth float64 `json:"revenue_growth"`
	// AssetTurnover multiplies revenue ÷ assets, in [0, 3]: a liquidity
	// proxy (the records have no current assets or liabilities).
	AssetTurnover float64 `json:"asset_turnover"`
	// LogRevenue multiplies log10(revenue ÷ 10,000,000 yuan), in [−2, 2].
	LogRevenue float64 `json:"log_revenue"`
	// AgeYears multiplies the years since founding, at most AgeCap.
	AgeYears float64 `json:"age_years"`
	AgeCap   float64 `json:"age_cap"`
	// TaxGrade adds a term by 纳税信用等级 (A, B, M, C, D); "" is the term
	// of an enterprise without a grade.
	TaxGrade map[string]float64 `json:"tax_grade"`
	// MinPD and MaxPD bound the result.
	MinPD float64 `json:"min_pd"`
	MaxPD float64 `json:"max_pd"`
}

// DefaultScorecard returns the default coefficients (see the package
// documentation for the table).
func DefaultScorecard() Scorecard {
	return Scorecard{
		Intercept:     -3.6,
		DebtRatio:     3.0,
		ProfitMargin:  -8.0,
		RevenueGrowth: -1.0,
		AssetTurnover: -0.4,
		LogRevenue:    -0.35,
		AgeYears:      -0.06,
		AgeCap:        15,
		TaxGrade:      map[string]float64{"A": -0.5, "B": 0, "M": 0.4, "C": 1.2, "D": 2.5, "": 0.5},
		MinPD:         0.002,
		MaxPD:         0.6,
	}
}

// Values of a missing feature: conservative, so that missing data never
// lowers a PD.
const (
	missingDebtRatio     = 0.8
	missingProfitMargin  = 0
	missingGrowth        = 0
	missingAssetTurnover = 0.5
	missingRevenue       = 1e6 // yuan
)

// validate reports coefficients that are not finite and bounds out of
// order, naming fields under prefix.
func (s *Scorecard) validate(prefix string) []data.FieldError {
	var out []data.FieldError
	for name, v := range map[string]float64{"intercept": s.Intercept, "debt_ratio": s.DebtRatio, "profit_margin": s.ProfitMargin,
		"revenue_growth": s.RevenueGrowth, "asset_turnover": s.AssetTurnover, "log_revenue": s.LogRevenue, "age_years": s.AgeYears} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			out = append(out, data.FieldError{Field: prefix + name, Reason: "must be a finite number"})
		}
	}
	if !(s.AgeCap >= 0 && s.AgeCap <= 100) {
		out = append(out, data.FieldError{Field: prefix + "age_cap", Reason: "must be between 0 and 100"})
	}
	if !(s.MinPD > 0 && s.MinPD < s.MaxPD && s.MaxPD < 1) {
		out = append(out, data.FieldError{Field: prefix + "min_pd", Reason: "want 0 < min_pd < max_pd < 1"})
	}
	for _, g := range append(slices.Clone(data.TaxGrades), "") {
		v, ok := s.TaxGrade[g]
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			out = append(out, data.FieldError{Field: prefix + "tax_grade." + g, Reason: "a finite term for every grade A, B, M, C, D and \"\" is required"})
		}
	}
	slices.SortFunc(out, func(a, b data.FieldError) int { return cmpString(a.Field, b.Field) })
	return out
}

// PDPart is one term of a scorecard: the feature's value, its coefficient
// and their product (the term's contribution to z).
type PDPart struct {
	Name         string  `json:"name"`
	Label        string  `json:"label"`
	Value        float64 `json:"value"`
	Coefficient  float64 `json:"coefficient"`
	Contribution float64 `json:"contribution"`
	// Note says when a missing value was replaced.
	Note string `json:"note,omitempty"`
}

// PDEstimate is a probability of default and how it was reached.
type PDEstimate struct {
	PD    float64  `json:"pd"`
	Z     float64  `json:"z"`
	Parts []PDPart `json:"parts"`
}

// PD returns the probability of default of e on asOf with its parts. Its
// features, from the latest year of e.Financials:
//
//	debt_ratio      liabilities ÷ assets, clamped to [0, 1.5]   (missing 0.8)
//	profit_margin   profit ÷ revenue, clamped to [−1, 1]        (missing 0)
//	revenue_growth  revenue ÷ previous year's − 1, [−0.5, 1]    (missing 0)
//	asset_turnover  revenue ÷ assets, clamped to [0, 3]         (missing 0.5)
//	log_revenue     log10(revenue ÷ 10^7), clamped to [−2, 2]   (missing: 10^6)
//	age_years       years since founding, at most AgeCap
//	tax_grade       the TaxGrade term of e.TaxGrade
//
// It panics if e is nil.
func (s *Scorecard) PD(e *data.Enterprise, asOf data.Date) PDEstimate {
	if e == nil {
		panic("matcher: Scorecard.PD: nil enterprise")
	}
	x := scorecardInputs(e, asOf)
	return s.estimate(&x, true)
}

// scoreInputs are the features of the scorecard and which were missing.
type scoreInputs struct {
	debt, margin, growth, turnover, logRev, age float64
	tax                                         string
	missing                                     [5]bool
}

func scorecardInputs(e *data.Enterprise, asOf data.Date) scoreInputs {
	x := scoreInputs{debt: missingDebtRatio, margin: missingProfitMargin, growth: missingGrowth, turnover: missingAssetTurnover,
		logRev: math.Log10(missingRevenue / 1e7), tax: e.TaxGrade, missing: [5]bool{true, true, true, true, true}}
	if !e.Founded.IsZero() {
		x.age = max(0, e.Founded.YearsUntil(asOf))
	}
	f, ok := e.Latest()
	if !ok {
		return x
	}
	if f.Assets > 0 {
		x.debt, x.missing[0] = clamp(float64(f.Liabilities)/float64(f.Assets), 0, 1.5), false
		x.turnover, x.missing[3] = clamp(float64(f.Revenue)/float64(f.Assets), 0, 3), false
	}
	if f.Revenue > 0 {
		x.margin, x.missing[1] = clamp(float64(f.Profit)/float64(f.Revenue), -1, 1), false
		x.logRev, x.missing[4] = clamp(math.Log10(float64(f.Revenue)/1e7), -2, 2), false
	} else if f.Profit < 0 {
		x.margin, x.missing[1] = -1, false
	}
	if n := len(e.Financials); n >= 2 {
		prev := e.Financials[n-2]
		if prev.Year == f.Year-1 && prev.Revenue > 0 {
			x.growth, x.missing[2] = clamp(float64(f.Revenue)/float64(prev.Revenue)-1, -0.5, 1), false
		}
	}
	return x
}

// estimate computes the PD; with parts it also lists the terms.
func (s *Scorecard) estimate(x *scoreInputs, parts bool) PDEstimate {
	age := min(x.age, s.AgeCap)
	taxTerm, ok := s.TaxGrade[x.tax]
	if !ok {
		taxTerm = s.TaxGrade[""]
	}
	z := s.Intercept + s.DebtRatio*x.debt + s.ProfitMargin*x.margin + s.RevenueGrowth*x.growth +
		s.AssetTurnover*x.turnover + s.LogRevenue*x.logRev + s.AgeYears*age + taxTerm
	pd := clamp(1/(1+math.Exp(-z)), s.MinPD, s.MaxPD)
	est := PDEstimate{PD: pd, Z: z}
	if !parts {
		return est
	}
	note := func(missing bool, v string) string {
		if missing {
			return "缺少数据，按保守值 " + v + " 计"
		}
		return ""
	}
	grade := x.tax
	if grade == "" {
		grade = "未评级"
	}
	est.Parts = []PDPart{
		{Name: "intercept", Label: "截距", Value: 1, Coefficient: s.Intercept, Contribution: s.Intercept},
		{Name: "debt_ratio", Label: "资产负债率", Value: round4(x.debt), Coefficient: s.DebtRatio, Contribution: round4(s.DebtRatio * x.debt), Note: note(x.missing[0], num(missingDebtRatio))},
		{Name: "profit_margin", Label: "净利润率", Value: round4(x.margin), Coefficient: s.ProfitMargin, Contribution: round4(s.ProfitMargin * x.margin), Note: note(x.missing[1], num(missingProfitMargin))},
		{Name: "revenue_growth", Label: "营业收入增长率", Value: round4(x.growth), Coefficient: s.RevenueGrowth, Contribution: round4(s.RevenueGrowth * x.growth), Note: note(x.missing[2], num(missingGrowth))},
		{Name: "asset_turnover", Label: "总资产周转率", Value: round4(x.turnover), Coefficient: s.AssetTurnover, Contribution: round4(s.AssetTurnover * x.turnover), Note: note(x.missing[3], num(missingAssetTurnover))},
		{Name: "log_revenue", Label: "营收规模 log10(收入/千万元)", Value: round4(x.logRev), Coefficient: s.LogRevenue, Contribution: round4(s.LogRevenue * x.logRev), Note: note(x.missing[4], "100 万元")},
		{Name: "age_years", Label: fmt.Sprintf("成立年限（至多 %s 年）", num(s.AgeCap)), Value: round2(age), Coefficient: s.AgeYears, Contribution: round4(s.AgeYears * age)},
		{Name: "tax_grade", Label: "纳税信用等级 " + grade, Value: 1, Coefficient: taxTerm, Contribution: taxTerm},
	}
	return est
}

func clamp(x, lo, hi float64) float64 {
	if math.IsNaN(x) {
		return lo
	}
	return min(max(x, lo), hi)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
