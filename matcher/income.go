package matcher

import (
	"math"
	"strconv"

	"ipmatch/data"
)

// IncomeScenario is one deterministic scenario of the income approach
// (收益法, 分成法 / relief from royalty): the income base of each future
// year, the share of it the patent earns, the income-tax rate and the
// discount rate.
//
// The share rate applies to whatever CashFlows are: with sales revenue it
// is a royalty rate on sales (销售收入分成率), with profit a profit share
// (利润分成率); a 2 % royalty on sales at a 10 % profit margin is a 20 %
// profit share.
type IncomeScenario struct {
	// CashFlows are the incomes of years 1..n after the valuation date,
	// received at the end of each year. None may be negative.
	CashFlows []float64 `json:"cash_flows"`
	// ShareRate is the part of each cash flow attributable to the patent,
	// in [0, 1].
	ShareRate float64 `json:"share_rate"`
	// TaxRate is the income-tax rate, in [0, 1).
	TaxRate float64 `json:"tax_rate"`
	// DiscountRate is the annual discount rate r ≥ 0: the base rate plus the
	// risk premiums.
	DiscountRate float64 `json:"discount_rate"`
}

// IncomeYear is one year of a present-value calculation.
type IncomeYear struct {
	// Year is t, counted from 1.
	Year int `json:"year"`
	// CashFlow is CF_t as given.
	CashFlow float64 `json:"cash_flow"`
	// Attributable is CF_t × share × (1 − tax).
	Attributable float64 `json:"attributable"`
	// DiscountFactor is 1/(1 + r)^t.
	DiscountFactor float64 `json:"discount_factor"`
	// PresentValue is Attributable × DiscountFactor.
	PresentValue float64 `json:"present_value"`
}

// IncomeResult is the present value of a scenario and how it was reached.
type IncomeResult struct {
	// PresentValue is Σ_t CF_t × share × (1 − tax) / (1 + r)^t.
	PresentValue float64 `json:"present_value"`
	// Years is the breakdown, one entry per cash flow.
	Years []IncomeYear `json:"years"`
}

// Validate checks s and returns an invalid *data.Error naming every field
// that fails: cash_flows (empty), cash_flows[i] (negative or not finite),
// share_rate (outside [0, 1]), tax_rate (outside [0, 1)) and discount_rate
// (negative, which includes ≤ −1, or not finite).
func (s IncomeScenario) Validate() error {
	var fields []data.FieldError
	add := func(field, reason string) {
		fields = append(fields, data.FieldError{Field: field, Reason: reason})
	}
	if len(s.CashFlows) == 0 {
		add("cash_flows", "at least one year's cash flow is required")
	}
	for i, cf := range s.CashFlows {
		switch {
		case math.IsNaN(cf) || math.IsInf(cf, 0):
			add("cash_flows["+strconv.Itoa(i)+"]", "must be a finite number")
		case cf < 0:
			add("cash_flows["+strconv.Itoa(i)+"]", "must not be negative")
		}
	}
	if !(s.ShareRate >= 0 && s.ShareRate <= 1) {
		add("share_rate", "must be between 0 and 1")
	}
	if !(s.TaxRate >= 0 && s.TaxRate < 1) {
		add("tax_rate", "must be at least 0 and below 1")
	}
	switch {
	case math.IsNaN(s.DiscountRate) || math.IsInf(s.DiscountRate, 0):
		add("discount_rate", "must be a finite number")
	case s.DiscountRate <= -1:
		add("discount_rate", "must be above -1 (and is expected to be at least 0)")
	case s.DiscountRate < 0:
		add("discount_rate", "must not be negative")
	}
	if len(fields) == 0 {
		return nil
	}
	return &data.Error{Code: data.CodeInvalid, Message: "invalid income scenario", Fields: fields}
}

// PresentValue returns the present value of s with end-of-year
// discounting:
//
//	PV = Σ_{t=1..n} CF_t × share × (1 − tax) / (1 + r)^t
//
// and the per-year breakdown. It returns the error of s.Validate when s is
// invalid.
func PresentValue(s IncomeScenario) (IncomeResult, error) {
	if err := s.Validate(); err != nil {
		return IncomeResult{}, err
	}
	res := IncomeResult{Years: make([]IncomeYear, len(s.CashFlows))}
	keep := s.ShareRate * (1 - s.TaxRate)
	factor := 1.0
	for i, cf := range s.CashFlows {
		factor /= 1 + s.DiscountRate
		y := IncomeYear{Year: i + 1, CashFlow: cf, Attributable: cf * keep, DiscountFactor: factor}
		y.PresentValue = y.Attributable * factor
		res.PresentValue += y.PresentValue
		res.Years[i] = y
	}
	return res, nil
}
