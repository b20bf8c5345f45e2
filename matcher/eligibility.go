package matcher

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"ipmatch/data"
)

// ReasonCode is the stable snake_case code of a failed eligibility rule.
// Clients branch on codes; people read the Chinese message and fix.
type ReasonCode string

// The reason codes. Enterprise-level codes come from a product's criteria
// on the enterprise; the CNIPA hard pledge rules apply to each patent;
// product criteria on patents apply to each patent; loan-level codes say
// why no loan results although the enterprise passes.
const (
	// Product criteria on the enterprise.
	ReasonProductInactive      ReasonCode = "product_inactive"
	ReasonRegionNotServed      ReasonCode = "region_not_served"
	ReasonIndustryNotTargeted  ReasonCode = "industry_not_targeted"
	ReasonEnterpriseTooYoung   ReasonCode = "enterprise_too_young"
	ReasonFinancialsMissing    ReasonCode = "financials_missing"
	ReasonRevenueLow           ReasonCode = "revenue_low"
	ReasonDebtRatioHigh        ReasonCode = "debt_ratio_high"
	ReasonNotProfitable        ReasonCode = "not_profitable"
	ReasonTaxGradeLow          ReasonCode = "tax_grade_low"
	ReasonCertificationMissing ReasonCode = "certification_missing"

	// CNIPA hard pledge rules on each patent.
	ReasonPledgerNotOwner    ReasonCode = "pledger_not_owner"
	ReasonLegalStatusUnknown ReasonCode = "legal_status_unknown"
	ReasonPatentNotGranted   ReasonCode = "patent_not_granted"
	ReasonPatentLapsed       ReasonCode = "patent_lapsed"
	ReasonPatentInvalidated  ReasonCode = "patent_invalidated"
	ReasonFeesUnpaid         ReasonCode = "fees_unpaid"
	ReasonPatentSuspended    ReasonCode = "patent_suspended"
	ReasonCourtPreservation  ReasonCode = "court_preservation"
	ReasonTermPastExpiry     ReasonCode = "term_past_expiry"
	ReasonCoOwnedNoConsent   ReasonCode = "co_owned_without_consent"
	ReasonAlreadyPledged     ReasonCode = "already_pledged"
	ReasonInvalidationOpen   ReasonCode = "invalidation_open"

	// Product criteria on each patent.
	ReasonPatentTypeNotAccepted  ReasonCode = "patent_type_not_accepted"
	ReasonIPCNotAccepted         ReasonCode = "ipc_not_accepted"
	ReasonRemainingTermShort     ReasonCode = "remaining_term_short"
	ReasonImplementationTooShort ReasonCode = "implementation_too_short"

	// Loan level: no loan is possible.
	ReasonNoPatents        ReasonCode = "no_patents"
	ReasonNoEligiblePatent ReasonCode = "no_eligible_patent"

	// Loan level: the patents qualify, but no loan the bank can make
	// results: nothing to value them on (no revenue, no recorded
	// appraisal), or an estimate below the product's minimum amount.
	ReasonValuationUnavailable ReasonCode = "valuation_unavailable"
	ReasonAmountBelowMinimum   ReasonCode = "amount_below_minimum"

	// A warning on an eligible pair: a recorded appraisal of the patents
	// has expired (over a year past its base date), so the estimate rests
	// on the model.
	ReasonAppraisalExpired ReasonCode = "appraisal_expired"
)

// Scopes and sources of reasons.
const (
	ScopeEnterprise = "enterprise" // the enterprise fails a product criterion
	ScopePatent     = "patent"     // one patent fails a rule
	ScopeLoan       = "loan"       // no loan results
	SourceCNIPA     = "cnipa"      // a hard pledge rule: CNIPA refuses registration
	SourceProduct   = "product"    // the product's own criteria
)

// ReasonInfo describes a reason code.
type ReasonInfo struct {
	Code   ReasonCode `json:"code"`
	Scope  string     `json:"scope"`
	Source string     `json:"source"`
	Title  string     `json:"title"`
}

// reasonTable lists every code; a code's index is its bit in masks, so
// append only (bits are internal, codes are the stable interface).
var reasonTable = [...]ReasonInfo{
	{ReasonProductInactive, ScopeEnterprise, SourceProduct, "产品已停办"},
	{ReasonRegionNotServed, ScopeEnterprise, SourceProduct, "不在服务区域"},
	{ReasonIndustryNotTargeted, ScopeEnterprise, SourceProduct, "行业不符"},
	{ReasonEnterpriseTooYoung, ScopeEnterprise, SourceProduct, "成立年限不足"},
	{ReasonFinancialsMissing, ScopeEnterprise, SourceProduct, "缺少财务数据"},
	{ReasonRevenueLow, ScopeEnterprise, SourceProduct, "营业收入不足"},
	{ReasonDebtRatioHigh, ScopeEnterprise, SourceProduct, "资产负债率过高"},
	{ReasonNotProfitable, ScopeEnterprise, SourceProduct, "未盈利"},
	{ReasonTaxGradeLow, ScopeEnterprise, SourceProduct, "纳税信用等级不足"},
	{ReasonCertificationMissing, ScopeEnterprise, SourceProduct, "缺少资质认定"},
	{ReasonPledgerNotOwner, ScopePatent, SourceCNIPA, "出质人不是专利权人"},
	{ReasonLegalStatusUnknown, ScopePatent, SourceCNIPA, "法律状态未知"},
	{ReasonPatentNotGranted, ScopePatent, SourceCNIPA, "专利未授权"},
	{ReasonPatentLapsed, ScopePatent, SourceCNIPA, "专利权已终止"},
	{ReasonPatentInvalidated, ScopePatent, SourceCNIPA, "专利权已被宣告无效"},
	{ReasonFeesUnpaid, ScopePatent, SourceCNIPA, "年费未缴"},
	{ReasonPatentSuspended, ScopePatent, SourceCNIPA, "程序中止"},
	{ReasonCourtPreservation, ScopePatent, SourceCNIPA, "法院财产保全"},
	{ReasonTermPastExpiry, ScopePatent, SourceCNIPA, "贷款期限超过专利有效期"},
	{ReasonCoOwnedNoConsent, ScopePatent, SourceCNIPA, "共有专利未经全体共有人同意"},
	{ReasonAlreadyPledged, ScopePatent, SourceCNIPA, "专利已质押"},
	{ReasonInvalidationOpen, ScopePatent, SourceCNIPA, "无效宣告程序未结"},
	{ReasonPatentTypeNotAccepted, ScopePatent, SourceProduct, "专利类型不符"},
	{ReasonIPCNotAccepted, ScopePatent, SourceProduct, "技术领域不符"},
	{ReasonRemainingTermShort, ScopePatent, SourceProduct, "剩余保护期不足"},
	{ReasonImplementationTooShort, ScopePatent, SourceProduct, "实施年限不足"},
	{ReasonNoPatents, ScopeLoan, SourceProduct, "没有专利"},
	{ReasonNoEligiblePatent, ScopeLoan, SourceProduct, "没有符合条件的专利"},
	{ReasonValuationUnavailable, ScopeLoan, SourceProduct, "无法评估专利价值"},
	{ReasonAmountBelowMinimum, ScopeLoan, SourceProduct, "可贷金额低于产品起贷金额"},
	{ReasonAppraisalExpired, ScopeLoan, SourceProduct, "评估报告已过有效期"},
}

// Reason bits.
const (
	bitProductInactive uint32 = 1 << iota
	bitRegion
	bitIndustry
	bitTooYoung
	bitFinancialsMissing
	bitRevenueLow
	bitDebtRatio
	bitNotProfitable
	bitTaxGrade
	bitCert
	bitNotOwner
	bitStatusUnknown
	bitNotGranted
	bitLapsed
	bitInvalidated
	bitFeesUnpaid
	bitSuspended
	bitPreservation
	bitTermPastExpiry
	bitCoOwned
	bitPledged
	bitInvalidationOpen
	bitTypeNotAccepted
	bitIPC
	bitRemainingShort
	bitImplementation
	bitNoPatents
	bitNoEligiblePatent
	bitValuation
	bitAmountBelowMin
	bitAppraisalExpired

	enterpriseBits = bitProductInactive | bitRegion | bitIndustry | bitTooYoung | bitFinancialsMissing |
		bitRevenueLow | bitDebtRatio | bitNotProfitable | bitTaxGrade | bitCert
	pledgeBits = bitNotOwner | bitStatusUnknown | bitNotGranted | bitLapsed | bitInvalidated | bitFeesUnpaid |
		bitSuspended | bitPreservation | bitCoOwned | bitPledged | bitInvalidationOpen
)

// ReasonCodes returns every reason code with its scope, source and Chinese
// title.
func ReasonCodes() []ReasonInfo { return slices.Clone(reasonTable[:]) }

// codesOf lists the codes of the bits set in mask, in table order.
func codesOf(mask uint32) []ReasonCode {
	out := make([]ReasonCode, 0, bits.OnesCount32(mask))
	for mask != 0 {
		i := bits.TrailingZeros32(mask)
		out = append(out, reasonTable[i].Code)
		mask &^= 1 << i
	}
	return out
}

// Reason is one failed rule: which, what was observed, what is required,
// by how much it misses, and, in Chinese, what it means and what would fix
// it.
type Reason struct {
	Code   ReasonCode `json:"code"`
	Scope  string     `json:"scope"`
	Source string     `json:"source"`
	// Patent is the application number, for patent-level reasons.
	Patent string `json:"patent,omitempty"`
	// Observed and Required are in Unit when one is given (years, months,
	// yuan, ratio, date); Gap is how far Observed is from passing, in Unit.
	Observed any     `json:"observed"`
	Required any     `json:"required"`
	Unit     string  `json:"unit,omitempty"`
	Gap      float64 `json:"gap,omitempty"`
	Message  string  `json:"message"`
	Fix      string  `json:"fix"`
}

// PledgeRules returns the CNIPA hard pledge rules that patent p breaks
// when enterprise e pledges it on asOf for a loan of loanMonths months
// (0 skips the term rule), each with its reason: an empty result means
// CNIPA would register the pledge. It panics if e or p is nil.
func PledgeRules(e *data.Enterprise, p *data.Patent, asOf data.Date, loanMonths int) []Reason {
	if e == nil || p == nil {
		panic("matcher: PledgeRules: nil enterprise or patent")
	}
	mask := pledgeMask(e, p, asOf)
	rem := remainingMonths(p, asOf)
	if loanMonths > 0 && rem < float64(loanMonths) {
		mask |= bitTermPastExpiry
	}
	x := &explainer{e: e, asOf: asOf}
	prod := &data.Product{MinTerm: loanMonths}
	return x.patentReasons(mask, p, prod, &patFacts{rec: p, remMonths: rem})
}

// pledgeMask returns the product-independent hard pledge rules that p
// breaks when e pledges it on asOf (all but the loan-term rule).
func pledgeMask(e *data.Enterprise, p *data.Patent, asOf data.Date) uint32 {
	var m uint32
	if !ownedBy(p, e) {
		m |= bitNotOwner
	}
	if p.LegalStatus == data.StatusValid && !p.FeesPaidOn(asOf) {
		m |= bitFeesUnpaid
	}
	for _, b := range p.PledgeBars() {
		m |= barBits[b]
	}
	return m
}

// barBits are the rule bits of data's pledge bars (one rule, one place:
// the search index counts pledgeable patents by the same bars).
var barBits = map[data.PledgeBar]uint32{
	data.BarStatusUnknown: bitStatusUnknown, data.BarNotGranted: bitNotGranted, data.BarLapsed: bitLapsed,
	data.BarInvalidated: bitInvalidated, data.BarCoOwned: bitCoOwned, data.BarPledged: bitPledged,
	data.BarInvalidationOpen: bitInvalidationOpen, data.BarPreservation: bitPreservation, data.BarSuspended: bitSuspended,
}

// ownedBy reports whether e is a registered owner of p: one of the
// applicants (current owners) bears e's name, compared without spaces and
// with full-width brackets as ASCII ones; and p is not recorded in
// ipmatch as another enterprise's.
func ownedBy(p *data.Patent, e *data.Enterprise) bool {
	if p.OwnerID != "" && e.ID != "" && p.OwnerID != e.ID {
		return false
	}
	for _, a := range p.Applicants {
		if a == e.Name {
			return true
		}
	}
	name := canonicalName(e.Name)
	for _, a := range p.Applicants {
		if canonicalName(a) == name {
			return true
		}
	}
	return false
}

func canonicalName(s string) string { return data.CanonicalName(s) }

// remainingMonths returns the legal term left on asOf in months (0 when
// ended or unknown).
func remainingMonths(p *data.Patent, asOf data.Date) float64 {
	exp := expiryOf(p)
	if exp.IsZero() {
		return 0
	}
	return max(0, asOf.YearsUntil(exp)*12)
}

// explainer turns failure bits into Reasons.
type explainer struct {
	e    *data.Enterprise
	ef   *entFacts
	asOf data.Date
}

// enterpriseReasons explains the enterprise-level bits of mask for
// product p.
func (x *explainer) enterpriseReasons(mask uint32, p *data.Product, ef *entFacts) []Reason {
	var out []Reason
	e := x.e
	add := func(code ReasonCode, observed, required any, unit string, gap float64, msg, fix string) {
		out = append(out, newReason(code, "", observed, required, unit, gap, msg, fix))
	}
	if mask&bitProductInactive != 0 {
		add(ReasonProductInactive, "停办", "在办", "", 0, fmt.Sprintf("产品「%s」已停办，不再受理新申请", p.Name), "选择同一银行或其他银行的在办产品")
	}
	if mask&bitRegion != 0 {
		names := regionNames(p.Regions)
		add(ReasonRegionNotServed, regionLabel(e.Region), names, "", 0,
			fmt.Sprintf("企业所在地 %s 不在该产品的服务区域（%s）内", regionLabel(e.Region), strings.Join(names, "、")),
			"选择服务本地区的产品，或由在服务区域内登记的企业申请")
	}
	if mask&bitIndustry != 0 {
		var names []string
		for _, c := range p.Industries {
			names = append(names, industryLabel(c))
		}
		add(ReasonIndustryNotTargeted, industryLabel(e.Industry), names, "", 0,
			fmt.Sprintf("企业所属行业 %s 不在该产品支持的行业（%s）内", industryLabel(e.Industry), strings.Join(names, "、")),
			"选择面向本行业的产品")
	}
	if mask&bitTooYoung != 0 {
		age := ef.age
		ready := e.Founded.AddMonths(int(math.Ceil(p.MinEnterpriseYears * 12)))
		add(ReasonEnterpriseTooYoung, round2(age), p.MinEnterpriseYears, "years", round2(p.MinEnterpriseYears-age),
			fmt.Sprintf("企业成立 %.2f 年（%s 成立），该产品要求成立满 %s 年", age, e.Founded, num(p.MinEnterpriseYears)),
			fmt.Sprintf("%s 起（成立满 %s 年）可申请该产品，或选择对成立年限无要求的产品", ready, num(p.MinEnterpriseYears)))
	}
	if mask&bitFinancialsMissing != 0 {
		add(ReasonFinancialsMissing, "无财务数据", "最近一年营业收入、利润、资产与负债", "", 0,
			"该产品对营业收入、资产负债率或盈利有要求，但企业没有财务数据", "补充最近一年的财务数据（营业收入、利润、资产、负债）")
	}
	if mask&bitRevenueLow != 0 {
		add(ReasonRevenueLow, ef.revenue, p.MinRevenue, "yuan", float64(p.MinRevenue-ef.revenue),
			fmt.Sprintf("%d 年营业收入 %s，低于该产品要求的 %s", ef.finYear, wan(float64(ef.revenue)), wan(float64(p.MinRevenue))),
			fmt.Sprintf("营业收入达到 %s 后可申请，或选择对营业收入要求较低的产品", wan(float64(p.MinRevenue))))
	}
	if mask&bitDebtRatio != 0 {
		obs := any(round4(ef.debtRatio))
		if math.IsInf(ef.debtRatio, 0) || math.IsNaN(ef.debtRatio) {
			obs = "资产为零"
		}
		add(ReasonDebtRatioHigh, obs, p.MaxDebtRatio, "ratio", round4(ef.debtRatio-p.MaxDebtRatio),
			fmt.Sprintf("%d 年资产负债率 %s，高于该产品上限 %s", ef.finYear, pct(ef.debtRatio), pct(p.MaxDebtRatio)),
			fmt.Sprintf("将资产负债率降至 %s 以下（如偿还部分负债或增资扩股）", pct(p.MaxDebtRatio)))
	}
	if mask&bitNotProfitable != 0 {
		add(ReasonNotProfitable, ef.profit, "> 0", "yuan", float64(-ef.profit),
			fmt.Sprintf("%d 年净利润 %s，该产品要求盈利", ef.finYear, wan(float64(ef.profit))),
			"实现盈利后申请，或选择不要求盈利的产品")
	}
	if mask&bitTaxGrade != 0 {
		obs := e.TaxGrade
		if obs == "" {
			obs = "未评级"
		}
		add(ReasonTaxGradeLow, obs, p.MinTaxGrade+" 级及以上", "", 0,
			fmt.Sprintf("纳税信用等级 %s，该产品要求 %s 级及以上", obs, p.MinTaxGrade),
			fmt.Sprintf("纳税信用等级提升至 %s 级及以上后申请", p.MinTaxGrade))
	}
	if mask&bitCert != 0 {
		held := []string{} // none held is an empty list, not null
		for _, c := range e.Certs {
			held = append(held, c.Label())
		}
		for _, c := range p.RequiredCerts {
			if e.HasCert(c) {
				continue
			}
			add(ReasonCertificationMissing, held, c.Label(), "", 0,
				fmt.Sprintf("该产品要求企业具有「%s」认定", c.Label()),
				fmt.Sprintf("取得「%s」认定后申请", c.Label()))
		}
	}
	return out
}

// patentReasons explains the patent-level bits of mask for patent pt under
// product p.
func (x *explainer) patentReasons(mask uint32, pt *data.Patent, p *data.Product, pf *patFacts) []Reason {
	var out []Reason
	num := pt.ApplicationNumber
	add := func(code ReasonCode, observed, required any, unit string, gap float64, msg, fix string) {
		out = append(out, newReason(code, num, observed, required, unit, gap, msg, fix))
	}
	if mask&bitNotOwner != 0 {
		obs := strings.Join(pt.Applicants, "；")
		msg := fmt.Sprintf("专利 %s 的专利权人为「%s」，不是出质企业「%s」", num, obs, x.e.Name)
		if pt.OwnerID != "" && x.e.ID != "" && pt.OwnerID != x.e.ID {
			msg = fmt.Sprintf("专利 %s 在系统中属于企业 %s，不属于出质企业「%s」", num, pt.OwnerID, x.e.Name)
		}
		add(ReasonPledgerNotOwner, obs, x.e.Name, "", 0, msg,
			"先办理专利权转让（著录项目变更）登记至企业名下，再以企业名义出质")
	}
	if mask&bitStatusUnknown != 0 {
		add(ReasonLegalStatusUnknown, "未知", "有效", "", 0, fmt.Sprintf("专利 %s 没有法律状态记录，无法确认可以质押", num),
			"补充专利的法律状态（可在国家知识产权局中国及多国专利审查信息查询）")
	}
	if mask&bitNotGranted != 0 {
		fix := "待专利授权后再办理质押"
		if pt.LegalStatus != data.StatusPending {
			fix = "该申请已" + pt.LegalStatus.Label() + "，无法质押；请改用其他已授权专利"
		}
		add(ReasonPatentNotGranted, pt.LegalStatus.Label(), "有效（已授权）", "", 0,
			fmt.Sprintf("专利申请 %s 处于「%s」状态，尚未授权，专利申请权不能办理专利权质押", num, pt.LegalStatus.Label()), fix)
	}
	if mask&bitLapsed != 0 {
		add(ReasonPatentLapsed, pt.LegalStatus.Label(), "有效", "", 0,
			fmt.Sprintf("专利 %s 的专利权已终止（年费缴至 %s）", num, dateOr(pt.FeesPaidThrough, "未知")),
			"若因未缴年费终止且仍在请求恢复的期限内，可请求恢复权利后再质押；否则请改用其他专利")
	}
	if mask&bitInvalidated != 0 {
		add(ReasonPatentInvalidated, pt.LegalStatus.Label(), "有效", "", 0,
			fmt.Sprintf("专利 %s 已被宣告无效", num), "无法质押，请改用其他有效专利")
	}
	if mask&bitFeesUnpaid != 0 {
		obs := any("无缴费记录")
		gap := 0.0
		msg := fmt.Sprintf("专利 %s 没有年费缴纳记录，无法确认年费已缴", num)
		if !pt.FeesPaidThrough.IsZero() {
			obs = pt.FeesPaidThrough.String()
			gap = math.Ceil(pt.FeesPaidThrough.YearsUntil(x.asOf) * 365.25)
			msg = fmt.Sprintf("专利 %s 的年费只缴至 %s，%s 已欠缴 %.0f 天", num, pt.FeesPaidThrough, x.asOf, gap)
		}
		r := newReason(ReasonFeesUnpaid, num, obs, "≥ "+x.asOf.String(), "date", 0, msg, "缴纳当年年费（及滞纳金）后再办理质押")
		if gap > 0 {
			r.Unit, r.Gap = "days", gap
		}
		out = append(out, r)
	}
	if mask&bitSuspended != 0 {
		tx := openTx(pt, data.TxSuspension)
		add(ReasonPatentSuspended, txLabel(tx), "无中止程序", "", 0,
			fmt.Sprintf("专利 %s 自 %s 起处于中止程序（%s）", num, dateOr(tx.Date, "未知日期"), orDash(tx.Party)),
			"待中止程序结束（权属纠纷解决）后再办理质押")
	}
	if mask&bitPreservation != 0 {
		tx := openTx(pt, data.TxPreservation)
		add(ReasonCourtPreservation, txLabel(tx), "无财产保全", "", 0,
			fmt.Sprintf("专利 %s 自 %s 起被 %s 采取财产保全措施", num, dateOr(tx.Date, "未知日期"), orDash(tx.Party)),
			"待法院解除财产保全后再办理质押")
	}
	if mask&bitTermPastExpiry != 0 {
		minTerm := max(p.MinTerm, 1)
		// A patent whose term has run out reads as expired, not as one
		// with "0 months left".
		msg := fmt.Sprintf("专利 %s 将于 %s 到期，剩余 %.0f 个月，短于该产品最短贷款期限 %d 个月：贷款期限不能超过专利有效期",
			num, dateOr(expiryOf(pt), "未知日期"), math.Floor(pf.remMonths), minTerm)
		switch {
		case pf.remMonths <= 0:
			msg = fmt.Sprintf("专利 %s 的保护期已于 %s 届满，不能再作质押", num, dateOr(expiryOf(pt), "未知日期"))
		case pf.remMonths < 1:
			msg = fmt.Sprintf("专利 %s 将于 %s 到期，剩余不足 1 个月，短于该产品最短贷款期限 %d 个月：贷款期限不能超过专利有效期",
				num, dateOr(expiryOf(pt), "未知日期"), minTerm)
		}
		add(ReasonTermPastExpiry, math.Floor(pf.remMonths), minTerm, "months", round2(float64(minTerm)-pf.remMonths),
			msg, "改用剩余保护期更长的专利")
	}
	if mask&bitCoOwned != 0 {
		add(ReasonCoOwnedNoConsent, pt.Applicants, "全体共有人书面同意", "", 0,
			fmt.Sprintf("专利 %s 为 %d 方共有（%s），未取得全体共有人同意质押", num, len(pt.Applicants), strings.Join(pt.Applicants, "、")),
			"取得全体共有人同意出质的书面文件后再办理质押")
	}
	if mask&bitPledged != 0 {
		tx := openTx(pt, data.TxPledge)
		msg := fmt.Sprintf("专利 %s 已于 %s 质押给 %s", num, dateOr(tx.Date, "未知日期"), orDash(tx.Party))
		if tx.Amount > 0 {
			msg += fmt.Sprintf("（担保金额 %s）", wan(float64(tx.Amount)))
		}
		add(ReasonAlreadyPledged, txLabel(tx), "无未解除的质押", "", 0, msg+"，尚未解除质押",
			"先解除原质押（还清原贷款并办理质押注销登记），或改用其他专利")
	}
	if mask&bitInvalidationOpen != 0 {
		tx := openTx(pt, data.TxInvalidation)
		add(ReasonInvalidationOpen, txLabel(tx), "无未结无效宣告请求", "", 0,
			fmt.Sprintf("专利 %s 自 %s 起有 %s 提出的无效宣告请求尚在审理", num, dateOr(tx.Date, "未知日期"), orDash(tx.Party)),
			"待无效宣告程序结束且专利权维持有效后再办理质押")
	}
	if mask&bitTypeNotAccepted != 0 {
		var types []string
		for _, t := range []data.PatentType{data.Invention, data.UtilityModel, data.Design} {
			if p.Accepts(t) {
				types = append(types, t.Label())
			}
		}
		add(ReasonPatentTypeNotAccepted, pt.Type.Label(), types, "", 0,
			fmt.Sprintf("专利 %s 为%s专利，该产品只接受%s专利", num, pt.Type.Label(), strings.Join(types, "、")),
			"改用"+strings.Join(types, "或")+"专利")
	}
	if mask&bitIPC != 0 {
		add(ReasonIPCNotAccepted, pt.IPC, p.IPCAreas, "", 0,
			fmt.Sprintf("专利 %s 的分类号（%s）不在该产品接受的技术领域（%s）内", num, strings.Join(pt.IPC, "、"), strings.Join(p.IPCAreas, "、")),
			"改用属于 "+strings.Join(p.IPCAreas, "、")+" 领域的专利")
	}
	if mask&bitRemainingShort != 0 {
		need := p.MinRemainingYears.Of(pt.Type)
		rem := pf.remMonths / 12
		add(ReasonRemainingTermShort, round2(rem), need, "years", round2(need-rem),
			fmt.Sprintf("专利 %s 剩余保护期 %.2f 年，该产品要求%s专利剩余保护期不少于 %s 年", num, rem, pt.Type.Label(), num2(need)),
			fmt.Sprintf("改用剩余保护期不少于 %s 年的%s专利", num2(need), pt.Type.Label()))
	}
	if mask&bitImplementation != 0 {
		need := p.MinImplementedYears
		if pf.implYears < 0 {
			add(ReasonImplementationTooShort, "未实施", need, "years", need,
				fmt.Sprintf("专利 %s 没有实施记录，该产品要求专利已实施满 %s 年", num, num2(need)),
				"补充实施证据（产品销售合同、检测报告等）；实施满年限后可质押")
		} else {
			ready := pt.ImplementedSince.AddMonths(int(math.Ceil(need * 12)))
			add(ReasonImplementationTooShort, round2(pf.implYears), need, "years", round2(need-pf.implYears),
				fmt.Sprintf("专利 %s 自 %s 起实施，已实施 %.2f 年，该产品要求实施满 %s 年", num, pt.ImplementedSince, pf.implYears, num2(need)),
				fmt.Sprintf("%s 起（实施满 %s 年）可质押；请保留实施证明", ready, num2(need)))
		}
	}
	return out
}

// newReason fills in the scope and source of code.
func newReason(code ReasonCode, patent string, observed, required any, unit string, gap float64, msg, fix string) Reason {
	r := Reason{Code: code, Patent: patent, Observed: observed, Required: required, Unit: unit, Message: msg, Fix: fix}
	if gap > 0 {
		r.Gap = gap
	}
	for _, info := range reasonTable {
		if info.Code == code {
			r.Scope, r.Source = info.Scope, info.Source
		}
	}
	return r
}

// openTx returns p's first open transaction of kind k (zero if none).
func openTx(p *data.Patent, k data.TransactionKind) data.Transaction {
	for _, tx := range p.History {
		if tx.Kind == k && tx.Open {
			return tx
		}
	}
	return data.Transaction{}
}

// txLabel describes a transaction for Observed.
func txLabel(tx data.Transaction) string {
	parts := []string{}
	if !tx.Date.IsZero() {
		parts = append(parts, tx.Date.String())
	}
	if tx.Party != "" {
		parts = append(parts, tx.Party)
	}
	if tx.Amount > 0 {
		parts = append(parts, wan(float64(tx.Amount)))
	}
	if len(parts) == 0 {
		return "未结"
	}
	return strings.Join(parts, " ")
}

func regionLabel(code string) string {
	if n := data.RegionFullName(code); n != "" {
		return n + "（" + code + "）"
	}
	if code == "" {
		return "未知"
	}
	return code
}

func regionNames(codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = regionLabel(c)
	}
	return out
}

func industryLabel(code string) string {
	if ind, ok := data.LookupIndustry(code); ok && ind.Name != "" {
		return ind.Code + " " + ind.Name
	}
	if code == "" {
		return "未知"
	}
	return code
}

func dateOr(d data.Date, alt string) string {
	if d.IsZero() {
		return alt
	}
	return d.String()
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func num(x float64) string  { return strconv.FormatFloat(x, 'f', -1, 64) }
func num2(x float64) string { return strconv.FormatFloat(round2(x), 'f', -1, 64) }

// pct formats a fraction as a percentage with up to two decimals.
func pct(x float64) string {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return "—"
	}
	return strconv.FormatFloat(math.Round(x*1e4)/100, 'f', -1, 64) + "%"
}
func round4(x float64) float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return 0
	}
	return math.Round(x*1e4) / 1e4
}
