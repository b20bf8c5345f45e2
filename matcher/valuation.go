package matcher

import (
	"context"

	"ipmatch/data"
)

// ValuationOptions override the Matcher's Monte Carlo settings for one
// valuation. Zero values keep the Matcher's.
type ValuationOptions struct {
	// Draws is the number of draws (at most MaxDraws).
	Draws int
	// Seed, when set, replaces the Matcher's seed.
	Seed *uint64
}

// EnterpriseValuation is the valuation of an enterprise's patents on a
// day: each patent's indicator value and the Monte Carlo income-approach
// valuation of the portfolio (strengths = indicator values ÷ 100), with
// every parameter. The figures are calibrated as loan estimates are
// (Calibration gives each patent's factor), so the valuation page and the
// loan estimates agree.
type EnterpriseValuation struct {
	EnterpriseID string          `json:"enterprise_id"`
	Parameters   ModelParameters `json:"parameters"`
	// Indicators are the patents' indicator values, in the order given.
	Indicators []IndicatorValue    `json:"indicators"`
	Valuation  *PortfolioValuation `json:"valuation"`
	// Calibration is the factor applied to each patent's value, in the
	// order given.
	Calibration []float64 `json:"calibration"`
}

// ValueEnterprise values the patents of e on asOf: indicator values with
// the Matcher's weights, then ValuePortfolio with those values ÷ 100 as
// the patents' strengths. It panics if e is nil and returns ValuePortfolio's
// invalid *data.Error for a portfolio that cannot be valued (no patents,
// no revenue, an as-of date before the first LPR fixing, draws out of
// range) and ctx.Err() when cancelled.
func (m *Matcher) ValueEnterprise(ctx context.Context, e *data.Enterprise, patents []data.Patent, asOf data.Date, opts ValuationOptions) (EnterpriseValuation, error) {
	if e == nil {
		panic("matcher: ValueEnterprise: nil enterprise")
	}
	cfg := m.valuation
	if opts.Draws != 0 {
		cfg.Draws = opts.Draws
	}
	if opts.Seed != nil {
		cfg.Seed = *opts.Seed
	}
	out := EnterpriseValuation{EnterpriseID: e.ID, Indicators: make([]IndicatorValue, len(patents))}
	cfg.Strengths = make([]float64, len(patents))
	for i := range patents {
		out.Indicators[i] = m.weights.Value(&patents[i], e, asOf)
		cfg.Strengths[i] = clamp01(out.Indicators[i].Value / 100)
	}
	out.Calibration = make([]float64, len(patents))
	for i := range patents {
		out.Calibration[i] = m.calibration.factor(e.Industry, patents[i].Type)
	}
	plan, err := planValuation(e, patents, asOf, &cfg)
	if err != nil {
		return EnterpriseValuation{}, err
	}
	plan.factors = out.Calibration
	if err := plan.simulate(ctx); err != nil {
		return EnterpriseValuation{}, err
	}
	v := plan.out
	out.Valuation = &v
	var lpr LPRQuote
	if v.Parameters.LPR != nil {
		lpr = *v.Parameters.LPR
	}
	out.Parameters = m.parameters(asOf, lpr, MethodMonteCarlo)
	out.Parameters.Draws, out.Parameters.Seed = v.Parameters.Draws, v.Parameters.Seed
	return out, nil
}
