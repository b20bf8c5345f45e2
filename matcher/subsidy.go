package matcher

import (
	"fmt"
	"math"
	"strings"

	"ipmatch/data"
)

// Subsidy kinds.
const (
	SubsidyInterest     = "interest"      // 贴息
	SubsidyAppraisalFee = "appraisal_fee" // 评估费补贴
	SubsidyGuaranteeFee = "guarantee_fee" // 担保费补贴
)

// Subsidy is what one policy pays an enterprise a year on one loan.
//
// The interest subsidy is
//
//	min(share × amount × rate, cap per enterprise a year, cap per loan)
//
// (or points × amount instead of share × amount × rate); Points is that
// amount ÷ the loan amount, the percentage points it takes off the rate.
// A fee subsidy is paid only where the policy states a fixed amount: no
// published scale of appraisal or guarantee fees was found to estimate
// the fee from, so a share-of-fee subsidy is listed with Amount 0 and
// its basis says so.
type Subsidy struct {
	PolicyID   string  `json:"policy_id"`
	PolicyName string  `json:"policy_name"`
	Kind       string  `json:"kind"`
	Amount     int64   `json:"amount"`
	Points     float64 `json:"points,omitzero"`
	Basis      string  `json:"basis"`
	Capped     bool    `json:"capped,omitzero"`
	Assumption bool    `json:"assumption,omitzero"`
}

// Loan is what a subsidy is computed on: the amount (yuan), the annual
// rate and the product's spread over the one-year LPR (basis points).
type Loan struct {
	Amount   int64
	Rate     float64
	SpreadBP int
}

// PolicyApplies reports whether policy pol admits enterprise e's loan on
// product pr on day asOf, and if not, why (in Chinese, for the pages).
func PolicyApplies(pol *data.Policy, e *data.Enterprise, pr *data.Product, asOf data.Date) (bool, string) {
	if !pol.ActiveOn(asOf) {
		return false, "政策不在有效期内"
	}
	el := &pol.Eligibility
	if len(el.Regions) > 0 && !hasPrefixAny(e.Region, el.Regions) {
		return false, "企业注册地不在政策适用地区"
	}
	if len(el.Industries) > 0 && !hasPrefixAny(e.Industry, el.Industries) {
		return false, "企业所属行业不在政策支持范围"
	}
	if len(el.Certs) > 0 {
		ok := false
		for _, c := range el.Certs {
			for _, h := range e.Certs {
				ok = ok || c == h
			}
		}
		if !ok {
			return false, "企业不具备政策要求的资质认定"
		}
	}
	if el.PoolID != "" && (pr == nil || pr.PoolID != el.PoolID) {
		return false, "贷款产品不在政策的风险补偿资金池内"
	}
	if el.MinEnterpriseYears > 0 && (e.Founded.IsZero() || e.Founded.YearsUntil(asOf) < el.MinEnterpriseYears) {
		return false, fmt.Sprintf("企业成立不满 %g 年", el.MinEnterpriseYears)
	}
	if el.MaxRevenue > 0 {
		if n := len(e.Financials); n > 0 && latestRevenue(e) > el.MaxRevenue {
			return false, "企业营业收入超过政策上限"
		}
	}
	return true, ""
}

func latestRevenue(e *data.Enterprise) int64 {
	best, rev := -1, int64(0)
	for _, f := range e.Financials {
		if f.Year > best {
			best, rev = f.Year, f.Revenue
		}
	}
	return rev
}

func hasPrefixAny(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// Subsidies returns the subsidies the policies pay enterprise e a year on
// loan on product pr as of asOf, and the net rate: loan.Rate less the
// interest subsidies' points. Policies that do not admit the enterprise
// or the loan pay nothing and are left out; so are risk-compensation
// measures, which pay the bank, not the enterprise. A policy whose rate
// ceiling (LPR × (1 + MaxRateOverLPR)) the loan's rate exceeds pays no
// interest subsidy. The result is never nil.
func Subsidies(pols []data.Policy, e *data.Enterprise, pr *data.Product, loan Loan, asOf data.Date) ([]Subsidy, float64) {
	out := []Subsidy{}
	net := loan.Rate
	if loan.Amount <= 0 {
		return out, round4(net)
	}
	for i := range pols {
		pol := &pols[i]
		if ok, _ := PolicyApplies(pol, e, pr, asOf); !ok {
			continue
		}
		if in := pol.Interest; in != nil {
			if s, ok := interestSubsidy(pol, in, loan); ok {
				out = append(out, s)
				net -= s.Points
			}
		}
		for _, f := range []struct {
			kind, label string
			fee         *data.FeeSubsidy
		}{{SubsidyAppraisalFee, "评估费", pol.Appraisal}, {SubsidyGuaranteeFee, "担保费", pol.Guarantee}} {
			if f.fee != nil {
				out = append(out, feeSubsidy(pol, f.kind, f.label, f.fee))
			}
		}
	}
	return out, round4(math.Max(net, 0))
}

func interestSubsidy(pol *data.Policy, in *data.InterestSubsidy, loan Loan) (Subsidy, bool) {
	s := Subsidy{PolicyID: pol.ID, PolicyName: pol.Name, Kind: SubsidyInterest, Assumption: pol.Assumption}
	if in.MaxRateOverLPR > 0 {
		lpr := loan.Rate - float64(loan.SpreadBP)/1e4
		if ceiling := lpr * (1 + in.MaxRateOverLPR); loan.Rate > ceiling+1e-9 {
			return s, false
		}
	}
	interest := float64(loan.Amount) * loan.Rate
	var raw float64
	if in.Points > 0 {
		raw = float64(loan.Amount) * in.Points
		s.Basis = fmt.Sprintf("贷款 %d 元 × %.2f 个百分点", loan.Amount, in.Points*100)
	} else {
		raw = in.Share * interest
		s.Basis = fmt.Sprintf("年利息 %d 元（%d 元 × %.2f%%）× %.0f%%", int64(math.Round(interest)), loan.Amount, loan.Rate*100, in.Share*100)
	}
	raw = math.Min(raw, interest) // never more than the interest paid
	amount := int64(math.Round(raw))
	for _, c := range []int64{in.CapPerEnterpriseYear, in.CapPerLoan} {
		if c > 0 && amount > c {
			amount, s.Capped = c, true
		}
	}
	if s.Capped {
		s.Basis += fmt.Sprintf("，封顶 %d 元", amount)
	}
	s.Amount = amount
	s.Points = round4(float64(amount) / float64(loan.Amount))
	return s, true
}

func feeSubsidy(pol *data.Policy, kind, label string, f *data.FeeSubsidy) Subsidy {
	s := Subsidy{PolicyID: pol.ID, PolicyName: pol.Name, Kind: kind, Assumption: pol.Assumption}
	if f.Fixed > 0 {
		s.Amount = f.Fixed
		if f.Cap > 0 && s.Amount > f.Cap {
			s.Amount, s.Capped = f.Cap, true
		}
		s.Basis = fmt.Sprintf("每笔定额 %d 元", s.Amount)
		return s
	}
	s.Basis = fmt.Sprintf("按实际支付%s的 %.0f%% 补贴", label, f.Share*100)
	if f.Cap > 0 {
		s.Basis += fmt.Sprintf("，每家企业每年最高 %d 元", f.Cap)
	}
	s.Basis += "；费用未知，未计入金额"
	return s
}

// ApplySubsidies sets m's subsidies and net rate from the policies, for
// enterprise e and m's product pr, on m's estimated amount. An ineligible
// match (no loan) gets none.
func ApplySubsidies(m *Match, pols []data.Policy, e *data.Enterprise, pr *data.Product, asOf data.Date) {
	if !m.Eligible || m.EstimatedAmount <= 0 {
		m.Subsidies, m.NetRate = []Subsidy{}, m.Rate
		return
	}
	m.Subsidies, m.NetRate = Subsidies(pols, e, pr, Loan{Amount: m.EstimatedAmount, Rate: m.Rate, SpreadBP: pr.SpreadBP}, asOf)
}
