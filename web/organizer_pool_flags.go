package web

import (
	"context"
	"strings"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/matcher"
)

// The pool page's watch of the collateral (issue 18): the exposure by
// flag and the claims likely to come (matcher.PoolRisk's ByFlag and
// LikelyClaims), with names and Chinese labels.

// flagLabels name the collateral levels on the pages.
var flagLabels = map[matcher.CollateralFlag]string{
	matcher.FlagNone:    "正常",
	matcher.FlagWarning: "预警",
	matcher.FlagLost:    "押品灭失",
}

// riskKindLabels name the kinds of collateral risk on the pages.
var riskKindLabels = map[data.RiskKind]string{
	data.RiskFeeDue:           "年费即将到期",
	data.RiskFeeGrace:         "年费逾期（滞纳期内）",
	data.RiskLapsed:           "专利权终止",
	data.RiskInvalidationOpen: "无效宣告审查中",
	data.RiskInvalidated:      "专利权被宣告无效",
	data.RiskPreserved:        "被法院保全",
	data.RiskTransferred:      "放款后发生转让",
	data.RiskExpiresFirst:     "保护期先于贷款到期",
	data.RiskMissing:          "质押专利未收录",
}

// riskKindLabel is the Chinese of a kind, or the kind itself.
func riskKindLabel(k data.RiskKind) string {
	if zh, ok := riskKindLabels[k]; ok {
		return zh
	}
	return string(k)
}

// poolFlagRow is one level or kind of the exposure by flag.
type poolFlagRow struct {
	Label    string
	Flag     matcher.CollateralFlag
	Loans    int
	Exposure int64
	Share    float64 // of the exposure
}

// poolLikelyClaim is one row of the likely claims.
type poolLikelyClaim struct {
	Enterprise, Bank, Flag, Risks string
	Lost                          bool
	Amount                        int64
	BasePD, PD                    float64
	Expected                      float64
}

// poolWatch is the section's data.
type poolWatch struct {
	ByFlag, ByKind []poolFlagRow
	Claims         []poolLikelyClaim
	// ExpectedTotal is the likely claims' expected compensation in all.
	ExpectedTotal float64
}

// poolWatchOf builds the section from res, with the enterprises' and
// banks' names; nil for a caller who does not see the pool's book.
func (h *webHandlers) poolWatchOf(ctx context.Context, p *app.Caller, res *matcher.PoolRiskResult) (*poolWatch, error) {
	if !app.PoolBookVisible(p) {
		return nil, nil
	}
	w := &poolWatch{}
	share := func(x int64) float64 {
		if res.Exposure == 0 {
			return 0
		}
		return float64(x) / float64(res.Exposure)
	}
	for _, e := range res.ByFlag {
		w.ByFlag = append(w.ByFlag, poolFlagRow{Label: flagLabels[e.Flag], Flag: e.Flag, Loans: e.Loans, Exposure: e.Exposure, Share: share(e.Exposure)})
	}
	for _, e := range res.ByKind {
		w.ByKind = append(w.ByKind, poolFlagRow{Label: riskKindLabel(e.Kind), Loans: e.Loans, Exposure: e.Exposure, Share: share(e.Exposure)})
	}
	var ents, banks []string
	for _, c := range res.LikelyClaims {
		ents, banks = append(ents, c.EnterpriseID), append(banks, c.BankID)
	}
	names := map[string]string{}
	if err := namesOf(ctx, h.s.Store().Enterprises(), ents, names, "enterprises", func(e *data.Enterprise) (string, string) { return e.ID, e.Name }); err != nil {
		return nil, err
	}
	if err := namesOf(ctx, h.s.Store().Banks(), banks, names, "banks", func(b *data.Bank) (string, string) { return b.ID, b.Name }); err != nil {
		return nil, err
	}
	orID := func(name, id string) string {
		if name == "" {
			return id
		}
		return name
	}
	for _, c := range res.LikelyClaims {
		var kinds []string
		for _, k := range c.Risks {
			kinds = append(kinds, riskKindLabel(k))
		}
		w.Claims = append(w.Claims, poolLikelyClaim{Enterprise: orID(names["enterprises/"+c.EnterpriseID], c.EnterpriseID),
			Bank: orID(names["banks/"+c.BankID], c.BankID), Flag: flagLabels[c.Flag], Lost: c.Flag == matcher.FlagLost,
			Risks: strings.Join(kinds, "、"), Amount: c.Amount, BasePD: c.BasePD, PD: c.PD, Expected: c.ExpectedCompensation})
		w.ExpectedTotal += c.ExpectedCompensation
	}
	return w, nil
}
