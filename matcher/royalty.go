package matcher

import (
	"slices"

	"ipmatch/data"
)

// RoyaltyBasis is the convention of every royalty rate in ipmatch: a rate on
// sales revenue (销售收入分成率), never a share of profit. A profit share
// converts as royalty = profit share × profit margin (20 % of profit at a
// 10 % margin is 2 % of sales).
const RoyaltyBasis = "royalty rate as a share of sales revenue"

// RoyaltyRow is one row of the industry royalty-rate table: a sector, the
// GB/T 4754-2017 divisions (大类, canonical codes such as "C34") mapped to
// it, and the range
// of royalty rates on sales observed for licensed technology in that
// sector. The mode is the middle of the range.
type RoyaltyRow struct {
	Sector    string   `json:"sector"`
	Divisions []string `json:"divisions,omitempty"`
	Rate      Range    `json:"rate"`
}

// royaltyTable holds the ranges of the UNIDO survey of technology-licence
// royalty rates (as a share of net sales) paid in technology imports by
// developing countries, in the form in which Chinese asset-appraisal
// textbooks tabulate it (联合国工业发展组织 技术提成率: 石油化工 0.5–2 %,
// 日用消费品 1–2.5 %, 机械制造 1.5–3 %, 化学 2–3.5 %, 制药 2.5–4 %, 电器
// 3–4.5 %, 精密电子 4–5.5 %, 汽车 4.5–6 %; its 7–10 % row for optical and
// electronic products is not mapped to any division). The mapping of
// GB/T 4754 divisions to its sectors is ipmatch's own. The rates are for a
// whole licensed technology, so they apply to the portfolio, not to each
// patent.
var royaltyTable = []RoyaltyRow{
	{"石油化工 petrochemicals", []string{"C25"}, rangeOf(0.005, 0.02)},
	{"日用消费品 consumer goods", []string{"C13", "C14", "C15", "C16", "C17", "C18", "C19", "C20", "C21", "C22", "C23", "C24"}, rangeOf(0.01, 0.025)},
	{"机械制造 machinery", []string{"C33", "C34", "C35", "C37", "C43"}, rangeOf(0.015, 0.03)},
	{"化学 chemicals", []string{"C26", "C28", "C29"}, rangeOf(0.02, 0.035)},
	{"制药 pharmaceuticals", []string{"C27"}, rangeOf(0.025, 0.04)},
	{"电器 electrical equipment", []string{"C38"}, rangeOf(0.03, 0.045)},
	{"精密电子 precision electronics and instruments", []string{"C39", "C40"}, rangeOf(0.04, 0.055)},
	{"汽车 automobiles", []string{"C36"}, rangeOf(0.045, 0.06)},
}

// defaultRoyalty applies to industries without a row: 1 %–3 % of sales
// around the 2 % of the product's worked example.
var defaultRoyalty = RoyaltyRow{Sector: "other industries (ipmatch default)", Rate: Range{Low: 0.01, Mode: 0.02, High: 0.03}}

func rangeOf(low, high float64) Range {
	return Range{Low: low, Mode: (low + high) / 2, High: high}
}

// RoyaltyTable returns a copy of the industry royalty-rate table.
func RoyaltyTable() []RoyaltyRow {
	out := make([]RoyaltyRow, len(royaltyTable))
	for i, r := range royaltyTable {
		r.Divisions = slices.Clone(r.Divisions)
		out[i] = r
	}
	return out
}

// RoyaltyRateFor returns the royalty-rate row for a GB/T 4754-2017 industry
// code at any level ("C34", "34", "3411", "C3411"; see data.LookupIndustry),
// found by its division, and true; or the default row (1 %–3 %, mode 2 %) and false
// when the code has no division or the division has no row.
func RoyaltyRateFor(industry string) (RoyaltyRow, bool) {
	div := industryDivision(industry)
	if div == "" {
		return defaultRoyalty, false
	}
	for _, r := range royaltyTable {
		if slices.Contains(r.Divisions, div) {
			return r, true
		}
	}
	return defaultRoyalty, false
}

// industryDivision returns the canonical GB/T 4754 division ("C34") of
// code, or "" when code is unknown or a bare section.
func industryDivision(code string) string {
	ind, ok := data.LookupIndustry(code)
	if !ok || ind.Level < 2 {
		return ""
	}
	return ind.Code[:3]
}
