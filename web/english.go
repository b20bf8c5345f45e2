package web

import (
	"fmt"
	"strings"

	"ipmatch/app"
	"ipmatch/matcher"
)

// pageChinese translates, at the pages' door, the English texts the
// matcher writes into its results for the JSON API (which keeps them):
// one table, so a text changed in the matcher and not here shows up in
// TestWebPagesSpeakChinese rather than half-translated.
var pageChinese = map[string]string{
	// The pool's risk parameters (matcher.PoolRisk).
	"1 year": "期限 1 年",
	"one-factor Gaussian copula (Vasicek); default when √ρ·Z + √(1−ρ)·ε < Φ⁻¹(PD); fund loss = min(amount × LGD × fund share, per-loan cap), per borrower ≤ per-borrower cap": "单因子高斯连接函数模型（Vasicek 模型）：√ρ·Z + √(1−ρ)·ε < Φ⁻¹(PD) 时违约；资金池损失 = min(贷款额 × LGD × 资金池分担比例, 单笔上限)，每户不超过单户上限",
	// The calibrations' names (matcher.Calibration.Name).
	"public cases": "公开案例拟合",
	"identity":     "不校准",
	"fitted":       "按已登记的评估报告拟合",
}

// calibrationBases explain in Chinese, by name, the calibrations the
// program makes or ships; a file of the operator's own keeps its basis.
var calibrationBases = map[string]string{
	"public cases": "按公开披露营业收入的 2 个公开案例拟合：各案例的贷款额按 30% 质押率折算为评估值，未披露的参数取模型默认值；两例的比值相差约 7 倍，且其中一例为授信额度。请登记评估报告后重新拟合，替换此校准。",
	"identity":     "不做修正，直接使用模型估值。",
}

// zhPage returns the Chinese of an English text of the matcher, or the
// text itself when the table has none.
func zhPage(s string) string {
	if zh, ok := pageChinese[s]; ok {
		return zh
	}
	return s
}

// calibrationBasis is the Chinese basis of a calibration.
func calibrationBasis(c *matcher.Calibration) string {
	if c.Name == "fitted" {
		return fmt.Sprintf("按已登记的评估报告拟合：按行业和专利类型计算登记值与模型值之比的几何平均，并各以 %d 份报告的权重向上一级收缩。", matcher.CalibrationPrior)
	}
	if zh, ok := calibrationBases[c.Name]; ok {
		return zh
	}
	return c.Basis
}

// historyAuthors name in Chinese the authors of records that are no
// user: the demo's loader.
var historyAuthors = map[string]string{"demo": "演示数据"}

// authorLabel names the author of a stage change or record on the pages:
// a label as given, a token without one (recorded by its ID) as 「令牌」
// and the ID, which the organizer can look up.
func authorLabel(by string) string {
	if zh, ok := historyAuthors[by]; ok {
		return zh
	}
	if strings.HasPrefix(by, "tok_") && !strings.ContainsAny(by, " \t") {
		return "令牌 " + by
	}
	return by
}

// signedInLabel names, in the page header beside the role, a caller that
// is no bank or enterprise on record (an organizer): a user's label, a
// token's label when it is Chinese (「交易中心」), else 「令牌登录」, since
// tokens are often labelled in English for operators (serve --demo's
// 「demo organizer」) and their IDs mean nothing to a reader.
func signedInLabel(p *app.Caller) string {
	if (p.User && p.Token.Label != "") || hasHan(p.Token.Label) {
		return p.Token.Label
	}
	return "令牌登录"
}

// The pages' translations are template functions too; they are added
// here rather than in webFuncs' literal to keep them in one file.
func init() {
	webFuncs["zhPage"] = zhPage
	webFuncs["calibrationBasis"] = calibrationBasis
	webFuncs["authorLabel"] = authorLabel
}
