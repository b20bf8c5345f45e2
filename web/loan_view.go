package web

import (
	"fmt"

	"ipmatch/data"
	"ipmatch/matcher"
)

// loanView is a loan estimate as the pages show it: the amount as the
// appraisal times the pledge rate, where the appraisal comes from (a
// recorded report, or the model), the model's figure and range beside it,
// and what else bounds the amount.
type loanView struct {
	Amount   int64
	Value    float64 // the appraisal the loan rests on, yuan
	Rate     float64 // the pledge rate (a mix when the patents' types differ)
	Lendable float64 // Value × Rate
	Recorded bool
	// Source says where Value comes from, in Chinese.
	Source string
	// ModelValue is the model's point value of the pledged patents and
	// ModelLow–ModelHigh its P10–P90 range.
	ModelValue, ModelLow, ModelHigh float64
	// Binding names the cap below Lendable that sets the amount ("" when
	// the patents' value does).
	Binding string
	Cap     float64
	Patents []pledgedView
}

// approachLabels name the valuation approaches in Chinese.
var approachLabels = map[string]string{
	matcher.ApproachProfitSplit: "收益法·利润分成法",
	matcher.ApproachRoyalty:     "收益法·提成率（许可费节省法）",
}

// newLoanView presents le; appraisers names the appraisal firms by ID,
// titles the patents by number, approach is the valuation's approach.
func newLoanView(le *matcher.LoanEstimate, appraisers, titles map[string]string, approach string) *loanView {
	if le == nil {
		return nil
	}
	a := le.Appraisal
	v := &loanView{Amount: le.Amount, Value: a.Value, Rate: le.PledgeRate, Lendable: le.Lendable,
		ModelValue: a.ModelValue, ModelLow: a.ModelLow, ModelHigh: a.ModelHigh}
	if r := a.Recorded; r != nil {
		v.Recorded = true
		firm := appraisers[r.AppraiserID]
		if firm == "" {
			firm = "评估机构 " + r.AppraiserID
		}
		v.Source = fmt.Sprintf("评估报告 %s %s（评估基准日 %s，有效至 %s）", firm, r.ReportNumber, r.BaseDate, data.DateOf(r.ExpiresOn.Time().AddDate(0, 0, -1)))
		if r.Share < 1 {
			v.Source += fmt.Sprintf("，其中符合本产品条件的专利占报告价值的 %.0f%%", 100*r.Share)
		}
	} else {
		v.Source = "模型估算（" + approachLabels[approach]
		if a.Calibration != 1 {
			v.Source += fmt.Sprintf("，校准系数 ×%.2f", a.Calibration)
		}
		v.Source += "）"
	}
	if le.Binding != "collateral" {
		for _, c := range le.Caps {
			if c.Name == le.Binding {
				v.Binding, v.Cap = matcher.CapLabel(c.Name), c.Amount
			}
		}
	}
	for _, p := range le.Patents {
		v.Patents = append(v.Patents, pledgedView{PledgedPatent: p, Title: titles[p.ApplicationNumber]})
	}
	return v
}

// appraisalBasisLabel says in Chinese where an estimate's appraisal comes
// from, for tables and exports.
func appraisalBasisLabel(le *matcher.LoanEstimate) string {
	if le == nil {
		return ""
	}
	if le.Appraisal.Basis == matcher.AppraisalRecorded {
		return "评估报告"
	}
	return "模型估算"
}
