package matcher

import (
	"fmt"
	"math"
	"slices"

	"ipmatch/data"
)

// LoanEstimate is how much a product would lend an enterprise, for how
// long, against which patents. An estimate below the product's minimum
// amount does not make the pair ineligible (eligibility is the rules'
// business); the match carries the warning amount_below_minimum.
//
//	lendable_i = P10_i × the product's pledge rate for patent i's type
//	target     = min(product maximum, need, pool caps ÷ fund share)
//	amount     = ⌊min(target, Σ lendable_i over the pledged patents) ÷ unit⌋ × unit
//
// The term is the need's term (the product's maximum when none is stated),
// within the product's minimum and maximum; it is shortened only when no
// eligible patent lasts that long, to the longest remaining term among
// them, so that it never outlasts a pledged patent. The pledged patents
// are the fewest eligible patents lasting the term whose lendable values
// reach the target: the largest first, which is exact, since the k largest
// values have the largest sum of any k (when even all of them fall short,
// all are pledged).
type LoanEstimate struct {
	Amount     int64 `json:"amount"`
	TermMonths int   `json:"term_months"`
	// TermBasis says where the term comes from.
	TermBasis string `json:"term_basis"`
	// Patents are the patents to pledge, largest lendable value first.
	Patents []PledgedPatent `json:"patents"`
	// Collateral is Σ P10 of the pledged patents; Lendable Σ their
	// lendable values.
	Collateral float64 `json:"collateral_value"`
	Lendable   float64 `json:"lendable"`
	// Caps are the limits on the amount; Binding names the one that set
	// it ("collateral" when the patents' lendable value did).
	Caps    []LoanCap `json:"caps"`
	Binding string    `json:"binding"`
	// Rate is the annual interest rate: the one-year LPR plus the
	// product's spread.
	Rate  float64  `json:"rate"`
	Notes []string `json:"notes,omitempty"`
}

// PledgedPatent is one patent of a loan estimate.
type PledgedPatent struct {
	ApplicationNumber string          `json:"application_number"`
	Type              data.PatentType `json:"type"`
	ConservativeValue float64         `json:"conservative_value"`
	PledgeRate        float64         `json:"pledge_rate"`
	Lendable          float64         `json:"lendable"`
	RemainingMonths   int             `json:"remaining_months"`
}

// LoanCap is one limit on a loan amount, in yuan.
type LoanCap struct {
	Name   string  `json:"name"`
	Label  string  `json:"label"`
	Amount float64 `json:"amount"`
}

// loanCand is an eligible patent of a pair.
type loanCand struct {
	fi   int32 // index into w.pf
	lend float64
	p10  float64
	rem  int32 // whole months of legal term left
}

// pairEval is the evaluation of one enterprise × product pair.
type pairEval struct {
	mask     uint32 // failed rules; 0 means eligible
	warn     uint32 // advisories of an eligible pair (amount below the minimum, no valuation)
	amount   int64
	term     int
	target   float64
	binding  string
	lendable float64
	collat   float64
	accepted float64 // Σ P10 of the patents the product accepts
	n        int     // patents pledged (the first n of cands)
	short    bool    // the term was shortened to the patents' terms
	cands    []loanCand

	lgd, el  float64
	coverage float64
	rateS    float64
	termS    float64
	fit      float64
	risk     float64
	volume   float64
	score    float64 // enterprise side
	bank     float64 // bank side
}

// entMask returns the enterprise-level rules of product p that e fails.
func (w *world) entMask(e *entFacts, p *prodFacts) uint32 {
	var m uint32
	if !p.active {
		m |= bitProductInactive
	}
	if !p.regionOK[e.region] {
		m |= bitRegion
	}
	if !p.industryOK[e.industry] {
		m |= bitIndustry
	}
	if p.minAge > 0 && e.age < p.minAge {
		m |= bitTooYoung
	}
	if p.minRevenue > 0 || p.maxDebt > 0 || p.requireProfit {
		switch {
		case !e.hasFin:
			m |= bitFinancialsMissing
		default:
			if p.minRevenue > 0 && e.revenue < p.minRevenue {
				m |= bitRevenueLow
			}
			if p.maxDebt > 0 && !(e.debtRatio <= p.maxDebt) {
				m |= bitDebtRatio
			}
			if p.requireProfit && e.profit <= 0 {
				m |= bitNotProfitable
			}
		}
	}
	if p.minTax >= 0 && (e.tax < 0 || e.tax > p.minTax) {
		m |= bitTaxGrade
	}
	if p.certs&^e.certs != 0 {
		m |= bitCert
	}
	return m
}

// patMask returns the product-dependent rules patent f fails under p: the
// product's criteria and the loan-term pledge rule.
func (w *world) patMask(f *patFacts, p *prodFacts) uint32 {
	var m uint32
	if f.typ < 0 || p.rate[f.typ] == 0 {
		m |= bitTypeNotAccepted
	} else if f.remMonths < p.minRem[f.typ] {
		m |= bitRemainingShort
	}
	if p.areas != nil {
		hit := false
		for k, b := range w.areaBits[f.areaOff : f.areaOff+int32(w.words)] {
			if b&p.areas[k] != 0 {
				hit = true
				break
			}
		}
		if !hit {
			m |= bitIPC
		}
	}
	if p.minImpl > 0 && f.implYears < p.minImpl {
		m |= bitImplementation
	}
	if f.remMonths < p.minTermMonths {
		m |= bitTermPastExpiry
	}
	return m
}

// evalPair evaluates enterprise ei with product pi: the rules, the loan
// and, when eligible, the scores. buf is scratch space for the candidate
// patents (returned in ev.cands, valid until the next call with buf).
// With full, the patent rules are evaluated even when an enterprise rule
// fails (the detail view shows everything); the bulk path skips them.
func (w *world) evalPair(ei, pi int, buf []loanCand, full bool) pairEval {
	e, p := &w.ef[ei], &w.pp[pi]
	ev := pairEval{mask: w.entMask(e, p), cands: buf[:0]}
	if ev.mask != 0 && !full {
		return ev
	}
	var patUnion uint32
	for fi := e.p0; fi < e.pPledge; fi++ {
		f := &w.pf[fi]
		if m := w.patMask(f, p); m != 0 {
			patUnion |= m
			continue
		}
		ev.accepted += f.value.P10
		ev.cands = append(ev.cands, loanCand{fi: fi, lend: f.value.P10 * p.rate[f.typ], p10: f.value.P10, rem: int32(f.remMonths)})
	}
	switch {
	case e.p1 == e.p0:
		ev.mask |= bitNoPatents
	case len(ev.cands) == 0:
		ev.mask |= bitNoEligiblePatent | e.hardUnion | patUnion
	}
	if ev.mask != 0 {
		return ev
	}
	if !e.valuationOK {
		ev.warn |= bitValuation
	}

	ev.planLoan(e.needAmount, e.needTerm, p, w.m.unit)
	if ev.amount < p.minAmount && ev.warn == 0 {
		ev.warn |= bitAmountBelowMin
	}
	w.score(e, p, &ev)
	return ev
}

// planLoan chooses the term, the pledged patents (the first ev.n of
// ev.cands, which it filters to the patents lasting the term and sorts)
// and the amount; see LoanEstimate.
func (ev *pairEval) planLoan(needAmount int64, needTerm int, p *prodFacts, unit int64) {
	// Term: the need's, within the product's range, shortened only if no
	// eligible patent lasts it.
	term := p.maxTerm
	if needTerm > 0 {
		term = min(needTerm, p.maxTerm)
	}
	term = max(term, p.minTerm, 1)
	longest := int32(0)
	for _, c := range ev.cands {
		longest = max(longest, c.rem)
	}
	if int(longest) < term {
		term, ev.short = int(longest), true
	}
	ev.term = term
	keep := ev.cands[:0]
	for _, c := range ev.cands {
		if int(c.rem) >= term {
			keep = append(keep, c)
		}
	}
	ev.cands = keep
	// Largest lendable first (insertion sort for the usual handful).
	cs := ev.cands
	if len(cs) <= 16 {
		for i := 1; i < len(cs); i++ {
			for j := i; j > 0 && candBefore(&cs[j], &cs[j-1]); j-- {
				cs[j], cs[j-1] = cs[j-1], cs[j]
			}
		}
	} else {
		slices.SortFunc(cs, func(a, b loanCand) int {
			switch {
			case candBefore(&a, &b):
				return -1
			case candBefore(&b, &a):
				return 1
			}
			return 0
		})
	}

	// Amount: the fewest patents reaching the target.
	ev.target, ev.binding = float64(p.maxAmount), "product_max"
	if needAmount > 0 && float64(needAmount) < ev.target {
		ev.target, ev.binding = float64(needAmount), "need"
	}
	if p.poolLoanCap < ev.target {
		ev.target, ev.binding = p.poolLoanCap, "pool_per_loan"
	}
	if p.poolBCap < ev.target {
		ev.target, ev.binding = p.poolBCap, "pool_per_borrower"
	}
	for _, c := range cs {
		if ev.lendable >= ev.target {
			break
		}
		ev.lendable += c.lend
		ev.collat += c.p10
		ev.n++
	}
	amount := ev.target
	if ev.lendable < amount {
		amount, ev.binding = ev.lendable, "collateral"
	}
	ev.amount = int64(math.Floor(amount/float64(unit))) * unit
}

// candBefore orders candidates by lendable value, then P10, both
// descending, then by their (deterministic) fact order.
func candBefore(a, b *loanCand) bool {
	if a.lend != b.lend {
		return a.lend > b.lend
	}
	if a.p10 != b.p10 {
		return a.p10 > b.p10
	}
	return a.fi < b.fi
}

// score fills the risk and the scores of an eligible pair.
func (w *world) score(e *entFacts, p *prodFacts, ev *pairEval) {
	s := &w.m.score
	x := float64(ev.amount)
	ev.lgd = 1
	if x > 0 {
		ev.lgd = min(1, max(w.m.lgd.Floor, 1-w.m.lgd.Recovery*ev.collat/x))
	}
	ev.el = e.pd * ev.lgd * x * (1 - p.fundShare)
	elRate := e.pd * ev.lgd * (1 - p.fundShare)
	need := float64(p.maxAmount)
	if e.needAmount > 0 {
		need = float64(e.needAmount)
	}
	ev.coverage = min(1, x/need)
	ev.rateS = clamp01((s.RateCeiling - p.annualRate) / (s.RateCeiling - s.RateFloor))
	ev.termS = 1
	if e.needTerm > 0 {
		ev.termS = min(1, float64(ev.term)/float64(e.needTerm))
	}
	if e.pledgeP10 > 0 {
		ev.fit = min(1, ev.accepted/e.pledgeP10)
	}
	ev.risk = 1 - min(1, elRate/s.ELRateCeiling)
	ev.volume = min(1, x/float64(p.maxAmount))
	ev.score = 100 * (s.Coverage*ev.coverage + s.Rate*ev.rateS + s.Term*ev.termS + s.Fit*ev.fit) / (s.Coverage + s.Rate + s.Term + s.Fit)
	ev.bank = 100 * (s.Risk*ev.risk + s.Volume*ev.volume + s.BankFit*ev.fit) / (s.Risk + s.Volume + s.BankFit)
}

// loanEstimate describes the loan of an eligible pair.
func (w *world) loanEstimate(ei, pi int, ev *pairEval) *LoanEstimate {
	e := &w.ef[ei]
	return describeLoan(ev, &w.pp[pi], e.needAmount, e.needTerm, func(fi int32) (string, data.PatentType) {
		return w.pf[fi].rec.ApplicationNumber, w.pf[fi].rec.Type
	})
}

// describeLoan presents a planned loan; patent names candidate fi.
func describeLoan(ev *pairEval, p *prodFacts, needAmount int64, needTerm int, patent func(fi int32) (string, data.PatentType)) *LoanEstimate {
	le := &LoanEstimate{Amount: ev.amount, TermMonths: ev.term, Collateral: round2(ev.collat), Lendable: round2(ev.lendable),
		Binding: ev.binding, Rate: round4(p.annualRate), Patents: []PledgedPatent{}}
	for _, c := range ev.cands[:ev.n] {
		num, typ := patent(c.fi)
		le.Patents = append(le.Patents, PledgedPatent{ApplicationNumber: num, Type: typ,
			ConservativeValue: round2(c.p10), PledgeRate: p.rate[typeIndex(typ)], Lendable: round2(c.lend), RemainingMonths: int(c.rem)})
	}
	le.Caps = append(le.Caps, LoanCap{"product_max", "产品单笔最高额度", float64(p.maxAmount)})
	if needAmount > 0 {
		le.Caps = append(le.Caps, LoanCap{"need", "企业融资需求", float64(needAmount)})
	}
	if !math.IsInf(p.poolLoanCap, 1) {
		le.Caps = append(le.Caps, LoanCap{"pool_per_loan", fmt.Sprintf("风险补偿资金池单笔补偿上限 %s ÷ 分担比例 %s", wan(float64(p.pool.PerLoanCap)), pct(p.fundShare)), round2(p.poolLoanCap)})
	}
	if !math.IsInf(p.poolBCap, 1) {
		le.Caps = append(le.Caps, LoanCap{"pool_per_borrower", fmt.Sprintf("风险补偿资金池单户补偿上限 %s ÷ 分担比例 %s", wan(float64(p.pool.PerBorrowerCap)), pct(p.fundShare)), round2(p.poolBCap)})
	}
	le.Caps = append(le.Caps, LoanCap{"collateral", "质押专利保守价值 × 质押率", round2(ev.lendable)})
	switch {
	case ev.short:
		le.TermBasis = fmt.Sprintf("符合条件的专利最长剩余保护期 %d 个月，短于所需期限，贷款期限以此为限（不得超过专利有效期）", ev.term)
	case needTerm > 0 && needTerm < p.minTerm:
		le.TermBasis = fmt.Sprintf("企业需求期限 %d 个月短于产品最短期限 %d 个月，按产品最短期限", needTerm, p.minTerm)
	case needTerm > 0 && needTerm > p.maxTerm:
		le.TermBasis = fmt.Sprintf("企业需求期限 %d 个月超过产品最长期限 %d 个月，按产品最长期限", needTerm, p.maxTerm)
	case needTerm > 0:
		le.TermBasis = fmt.Sprintf("企业需求期限 %d 个月（产品期限 %d–%d 个月）", needTerm, p.minTerm, p.maxTerm)
	default:
		le.TermBasis = fmt.Sprintf("企业未填需求期限，按产品最长期限 %d 个月", p.maxTerm)
	}
	if p.rec != nil && p.rec.PoolID != "" && p.pool == nil {
		le.Notes = append(le.Notes, fmt.Sprintf("product names pool %q, which is not among the pools given: no pool cover assumed", p.rec.PoolID))
	}
	if ev.binding == "collateral" && ev.n == len(ev.cands) && ev.n > 0 {
		le.Notes = append(le.Notes, "all eligible patents lasting the term are pledged and still fall short of the target")
	}
	if ev.amount < p.minAmount {
		le.Notes = append(le.Notes, fmt.Sprintf("the estimate is below the product's minimum amount of %d yuan", p.minAmount))
	}
	return le
}

// CollateralPatent is a patent offered as collateral that passes every
// patent-level rule, with its conservative value.
type CollateralPatent struct {
	ApplicationNumber string          `json:"application_number"`
	Type              data.PatentType `json:"type"`
	ConservativeValue float64         `json:"conservative_value"`
	RemainingMonths   int             `json:"remaining_months"`
}

// EstimateLoan applies the loan formula (see LoanEstimate) to patents
// already known to pass every rule: product p, the pool covering it (nil
// when none), the borrower's need, and the amount step unit in yuan (0
// means DefaultAmountUnit). The rate is left 0: it needs the LPR of a day.
// It panics if p is nil.
func EstimateLoan(p *data.Product, pool *data.Pool, need data.FinancingNeed, patents []CollateralPatent, unit int64) LoanEstimate {
	if p == nil {
		panic("matcher: EstimateLoan: nil product")
	}
	if unit <= 0 {
		unit = DefaultAmountUnit
	}
	pf := prodFacts{rec: p, minAmount: p.MinAmount, maxAmount: p.MaxAmount, minTerm: p.MinTerm, maxTerm: p.MaxTerm,
		poolLoanCap: math.Inf(1), poolBCap: math.Inf(1)}
	for k, t := range typeOrder {
		if p.Accepts(t) {
			pf.rate[k] = p.PledgeRates.Of(t)
		}
	}
	if pool != nil && pool.FundShare > 0 {
		pf.pool, pf.fundShare = pool, pool.FundShare
		if pool.PerLoanCap > 0 {
			pf.poolLoanCap = float64(pool.PerLoanCap) / pool.FundShare
		}
		if pool.PerBorrowerCap > 0 {
			pf.poolBCap = float64(pool.PerBorrowerCap) / pool.FundShare
		}
	}
	var ev pairEval
	for i, c := range patents {
		t := typeIndex(c.Type)
		if t < 0 {
			continue
		}
		ev.cands = append(ev.cands, loanCand{fi: int32(i), lend: c.ConservativeValue * pf.rate[t], p10: c.ConservativeValue, rem: int32(c.RemainingMonths)})
	}
	if len(ev.cands) > 0 {
		ev.planLoan(need.Amount, need.TermMonths, &pf, unit)
	}
	le := describeLoan(&ev, &pf, need.Amount, need.TermMonths, func(fi int32) (string, data.PatentType) {
		return patents[fi].ApplicationNumber, patents[fi].Type
	})
	le.Rate = 0
	return *le
}
