package app

import (
	"fmt"
	"math"
	"slices"

	"ipmatch/data"
	"ipmatch/matcher"
)

// The consent rule on financial statements (consents.share_data): a bank
// sees an enterprise that did not share its data without its yearly
// financials and without any figure computed from them. The decision is
// policy.go's financialsVisible; the functions here apply it to each shape
// an answer takes (an enterprise record, matches, a valuation), and every
// door that shows an enterprise to a caller calls them: GET and list of
// enterprises, the pipeline (JSON, page, CSV, XLSX) and the valuation.
//
// What stays: identity and profile, patents, eligibility pass/fail with
// the reason codes and required values, the match score (rounded, see
// HiddenScoreStep), the PD band, loan amounts, appraisal and valuation
// totals and the pledge rate.

// NotShared stands for a figure the enterprise did not share.
const NotShared = "未授权查看"

// redactEnterprise leaves out e's financials when p may not see them.
func redactEnterprise(p *Caller, e *data.Enterprise) {
	if !financialsVisible(p, e) {
		e.Financials = nil
	}
}

// redactMatches hides the financial figures of the matches whose
// enterprise (found in ents) did not share them with p. A match whose
// enterprise is not in ents is hidden too: unknown means not shared.
func redactMatches(p *Caller, ents []data.Enterprise, ms []matcher.Match) {
	byID := make(map[string]*data.Enterprise, len(ents))
	for i := range ents {
		byID[ents[i].ID] = &ents[i]
	}
	for i := range ms {
		if e := byID[ms[i].EnterpriseID]; e == nil || !financialsVisible(p, e) {
			hideMatchFinancials(&ms[i])
		}
	}
}

// redactValuation hides the financial inputs of v, the valuation of e,
// when p may not see them.
func redactValuation(p *Caller, e *data.Enterprise, v *matcher.EnterpriseValuation) {
	if financialsVisible(p, e) {
		return
	}
	for i := range v.Indicators {
		hideIndicatorRevenue(&v.Indicators[i])
	}
	pv := v.Valuation
	if pv == nil {
		return
	}
	par := &pv.Parameters
	par.RevenueBase, par.RevenueYear, par.ProfitMargin, par.MarginYears = 0, 0, 0, nil
	if par.Approach == matcher.ApproachProfitSplit {
		par.ContributionRate = matcher.Range{} // profit share × the margin: gives the margin back
	}
	for i := range pv.Patents {
		pt := &pv.Patents[i]
		pt.Strength, pt.Attribution = round2(pt.Strength), round2(pt.Attribution)
	}
	pv.Notes = append(pv.Notes, "financial inputs withheld (revenue base and year, profit margin and its years, contribution rate, the revenue indicator): the enterprise did not share its financial statements with your bank")
}

// pdBandBounds are the upper bounds of the PD bands a bank sees instead of
// the PD: each band about doubles the last, roughly one rating grade, so
// that a band says how risky a borrower is without giving its PD (from
// which the financial ratios could be worked back).
var pdBandBounds = []float64{0.01, 0.02, 0.05, 0.10, 0.20}

// pdBand names the PD band of pd: "< 1%", "1%–2%" … "≥ 20%".
func pdBand(pd float64) string {
	label := func(x float64) string { return fmt.Sprintf("%g%%", 100*x) }
	i, _ := slices.BinarySearch(pdBandBounds, pd)
	if i < len(pdBandBounds) && pdBandBounds[i] == pd {
		i++ // a bound belongs to the band above it
	}
	switch {
	case i == 0:
		return "< " + label(pdBandBounds[0])
	case i == len(pdBandBounds):
		return "≥ " + label(pdBandBounds[i-1])
	}
	return label(pdBandBounds[i-1]) + "–" + label(pdBandBounds[i])
}

// HiddenScoreStep is the step a hidden match's score is rounded to, in
// points. The score is the sum of its parts and the risk part is
// 1 − EL rate ÷ ceiling: exact, it would give the PD back. With the default
// weights (risk 50%, EL-rate ceiling 3%), ±2.5 points is ±0.15% of EL
// rate, about ±0.5% of PD at a typical LGD and fund share: the width of a
// PD band.
const HiddenScoreStep = 5

// financialReasons are the eligibility reasons whose observed value is a
// financial figure.
var financialReasons = map[matcher.ReasonCode]bool{
	matcher.ReasonRevenueLow:    true,
	matcher.ReasonDebtRatioHigh: true,
	matcher.ReasonNotProfitable: true,
}

// hideMatchFinancials hides what in m comes from the enterprise's
// financials.
func hideMatchFinancials(m *matcher.Match) {
	m.FinancialsHidden = true
	for _, rs := range [][]matcher.Reason{m.Reasons, m.Warnings} {
		for i := range rs {
			hideReason(&rs[i])
		}
	}
	for i := range m.Patents {
		m.Patents[i].Indicator = math.Round(m.Patents[i].Indicator) // holds the revenue indicator
	}
	if le := m.Loan; le != nil {
		for i := range le.Patents {
			pt := &le.Patents[i]
			pt.Strength, pt.Attribution = round2(pt.Strength), round2(pt.Attribution)
		}
	}
	r := m.Risk
	if r == nil {
		return
	}
	r.PDBand = pdBand(r.PD)
	r.PD, r.Z, r.PDParts, r.ExpectedLoss, r.ELRate = 0, 0, nil, 0, 0
	risk := -1
	others := 0.0
	for i, sp := range m.ScoreParts {
		if sp.Name == "risk" {
			risk = i
		} else {
			others += sp.Points
		}
	}
	if !m.Eligible || risk < 0 {
		return
	}
	m.Score = HiddenScoreStep * math.Round(m.Score/HiddenScoreStep)
	sp := &m.ScoreParts[risk]
	sp.Points = round2(max(0, m.Score-others))
	sp.Value = 0
	if sp.Weight > 0 {
		sp.Value = math.Round(sp.Points/(100*sp.Weight)*1e4) / 1e4
	}
	sp.Observed = fmt.Sprintf("PD 区间 %s × LGD %s × (1 − 资金池分担 %s)；企业未授权查看财务数据，评分按 %d 分取整",
		r.PDBand, Pct(r.LGD), Pct(r.FundShare), HiddenScoreStep)
}

// hideReason replaces the observed value of a financial criterion (and the
// gap and message that would give it back) by NotShared; the code and the
// required value stay.
func hideReason(r *matcher.Reason) {
	if !financialReasons[r.Code] {
		return
	}
	required := fmt.Sprint(r.Required)
	switch x := r.Required.(type) {
	case string:
		if r.Code == matcher.ReasonNotProfitable {
			required = "净利润 " + x
		}
	case int64:
		required = Wan(x) + " 万元"
	case float64:
		if r.Unit == "ratio" {
			required = Pct(x)
		}
	}
	title := string(r.Code)
	for _, info := range matcher.ReasonCodes() {
		if info.Code == r.Code {
			title = info.Title
		}
	}
	r.Observed, r.Gap = NotShared, 0
	r.Message = fmt.Sprintf("%s：该产品要求 %s（企业未授权查看财务数据，不显示实际数值）", title, required)
}

// hideIndicatorRevenue leaves out the revenue indicator of v (its score
// gives the revenue back) and rounds the value and the economic part,
// which add it in, to whole points.
func hideIndicatorRevenue(v *matcher.IndicatorValue) {
	v.Scores = slices.DeleteFunc(v.Scores, func(s matcher.IndicatorScore) bool { return s.Name == matcher.IndRevenue })
	v.Value, v.Economic = math.Round(v.Value), math.Round(v.Economic)
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
