package matcher

import (
	"fmt"
	"math"
	"slices"

	"ipmatch/data"
)

// LoanEstimate is how much a product would lend an enterprise, for how
// long, against which patents, and on what appraisal, as banks lend: the
// appraised value of the pledged patents times the product's pledge rate
// for each patent type, within the product's, the borrower's and the
// pool's caps.
//
//	appraisal_i = the recorded appraisal's part for patent i, where a
//	              current recorded appraisal covers the pledged patents;
//	              else the model's point value (P50) credited to patent i,
//	              times the calibration
//	lendable_i  = appraisal_i × the product's pledge rate for patent i's type
//	target      = min(product maximum, need, pool caps ÷ fund share)
//	amount      = ⌊min(target, Σ lendable_i over the pledged patents) ÷ unit⌋ × unit
//
// The model's low end (P10) is not in the amount: it is the collateral
// value of the bank's risk (LGD). The term is the need's term (the
// product's maximum when none is stated), within the product's minimum and
// maximum; it is shortened only when no eligible patent lasts that long, to
// the longest remaining term among them, so that it never outlasts a
// pledged patent. A pair whose amount is below the product's minimum
// amount (or below one unit) is not eligible: the bank cannot make that
// loan (reason amount_below_minimum).
type LoanEstimate struct {
	Amount     int64 `json:"amount"`
	TermMonths int   `json:"term_months"`
	// TermBasis says where the term comes from.
	TermBasis string `json:"term_basis"`
	// Patents are the patents to pledge, in the order they are credited.
	Patents []PledgedPatent `json:"patents"`
	// Appraisal is the value the amount rests on, and the model's figure
	// beside it.
	Appraisal LoanAppraisal `json:"appraisal"`
	// Collateral is the low end (P10) of the pledged patents' value, the
	// collateral value of the bank's LGD; Lendable is Σ lendable_i.
	Collateral float64 `json:"collateral_value"`
	Lendable   float64 `json:"lendable"`
	// PledgeRate is Lendable ÷ Appraisal.Value: the product's pledge rate,
	// or a mix of its rates when the pledged patents are of several types.
	PledgeRate float64 `json:"pledge_rate"`
	// Caps are the limits on the amount; Binding names the one that set
	// it ("collateral" when the patents' lendable value did).
	Caps    []LoanCap `json:"caps"`
	Binding string    `json:"binding"`
	// Rate is the annual interest rate: the one-year LPR plus the
	// product's spread.
	Rate  float64  `json:"rate"`
	Notes []string `json:"notes,omitempty"`
}

// Appraisal bases of a LoanEstimate.
const (
	// AppraisalRecorded: a current recorded appraisal (an appraisal
	// firm's report) covers the pledged patents.
	AppraisalRecorded = "recorded"
	// AppraisalModel: the model's point value (P50), calibrated.
	AppraisalModel = "model"
)

// LoanAppraisal is the appraisal a loan estimate rests on.
type LoanAppraisal struct {
	// Basis is AppraisalRecorded or AppraisalModel.
	Basis string `json:"basis"`
	// Value is the appraised value of the pledged patents used for the
	// loan, in yuan.
	Value float64 `json:"value"`
	// ModelValue is the model's calibrated P50 of the pledged patents,
	// and ModelLow and ModelHigh its P10 and P90: shown beside a recorded
	// appraisal, and the range of a modelled one.
	ModelValue float64 `json:"model_value"`
	ModelLow   float64 `json:"model_low"`
	ModelHigh  float64 `json:"model_high"`
	// Calibration is the factor the calibration applied to the model's
	// figure for these patents (1 when none).
	Calibration float64 `json:"calibration"`
	// Recorded is the recorded appraisal used, when Basis is recorded.
	Recorded *RecordedAppraisal `json:"recorded,omitempty"`
}

// RecordedAppraisal identifies the recorded appraisal a loan rests on.
type RecordedAppraisal struct {
	ID           string    `json:"id"`
	AppraiserID  string    `json:"appraiser_id"`
	ReportNumber string    `json:"report_number"`
	BaseDate     data.Date `json:"base_date"`
	ExpiresOn    data.Date `json:"expires_on"`
	// Value is the report's value of all its patents; Share the part of it
	// that falls on the pledged ones (1 when all of them are pledged; less
	// when some do not qualify for the product, split by the model).
	Value int64   `json:"value"`
	Share float64 `json:"share"`
}

// PledgedPatent is one patent of a loan estimate.
type PledgedPatent struct {
	ApplicationNumber string          `json:"application_number"`
	Type              data.PatentType `json:"type"`
	// Strength is the patent's share of the technology's contribution on
	// its own (indicator value ÷ 100); Attribution the share credited to
	// it within the pledged patents.
	Strength    float64 `json:"strength"`
	Attribution float64 `json:"attribution"`
	// Value is its part of the appraisal; ConservativeValue its part of
	// the low end (P10).
	Value             float64 `json:"value"`
	ConservativeValue float64 `json:"conservative_value"`
	PledgeRate        float64 `json:"pledge_rate"`
	Lendable          float64 `json:"lendable"`
	RemainingMonths   int     `json:"remaining_months"`
}

// LoanCap is one limit on a loan amount, in yuan.
type LoanCap struct {
	Name   string  `json:"name"`
	Label  string  `json:"label"`
	Amount float64 `json:"amount"`
}

// loanCand is an eligible patent of a pair.
type loanCand struct {
	fi       int32   // index into w.pf (into the patents given, for EstimateLoan)
	s        float64 // strength
	lifeCap  float64 // capped life, years: the credit order
	p50, p10 float64 // the model's U percentiles, calibrated
	raw50    float64 // the same, uncalibrated (recorded appraisals split by it)
	rate     float64 // the product's pledge rate for the patent's type
	rem      int32   // whole months of legal term left
	// Set for the pledged patents by planLoan:
	a          float64 // attribution within the pledged patents
	value, low float64 // appraisal and P10 parts
}

// pairEval is the evaluation of one enterprise × product pair.
type pairEval struct {
	mask     uint32 // failed rules; 0 means eligible
	warn     uint32 // advisories of an eligible pair (an expired appraisal)
	amount   int64
	term     int
	target   float64
	binding  string
	lendable float64
	value    float64 // appraisal of the pledged patents
	collat   float64 // their P10
	model    float64 // the model's calibrated P50 of them
	modelRaw float64 // uncalibrated
	modelLo  float64
	modelHi  float64
	appr     *apprFacts // the recorded appraisal used, if any
	apprPart float64    // the share of it that falls on the pledged patents
	accepted float64    // Σ standalone P10 of the patents the product accepts
	n        int        // patents pledged (the first n of cands, in credit order)
	short    bool       // the term was shortened to the patents' terms
	additive bool       // values are given per patent (EstimateLoan): no overlap
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
		ev.accepted += f.s * f.full.P10 * f.calib
		ev.cands = append(ev.cands, loanCand{fi: fi, s: f.s, lifeCap: f.lifeCap, p50: f.full.P50 * f.calib, p10: f.full.P10 * f.calib,
			raw50: f.full.P50, rate: p.rate[f.typ], rem: int32(f.remMonths)})
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

	ev.planLoan(e.needAmount, e.needTerm, p, w.m.unit, w.appraisalsFor(e, p))
	switch {
	case ev.appr == nil && !e.valuationOK:
		ev.mask |= bitValuation
	case ev.amount < max(p.minAmount, w.m.unit):
		ev.mask |= bitAmountBelowMin
	}
	if ev.appr == nil && w.expiredFor(e, p, ev.cands) {
		ev.warn |= bitAppraisalExpired
	}
	if ev.mask != 0 {
		return ev
	}
	w.score(e, p, &ev)
	return ev
}

// planLoan chooses the term, the appraisal, the pledged patents (the first
// ev.n of ev.cands, which it filters to the patents lasting the term and
// reorders) and the amount; see LoanEstimate. apprs are the recorded
// appraisals the product's bank may use, newest first.
//
// With a current recorded appraisal that covers an eligible patent, the
// pledged patents are its patents that qualify: the bank lends on the
// report it has, and the report's value falls on them in proportion to
// the model's value of them within the report's patents (all of it when
// they all qualify). Otherwise the patents are taken strongest first (by
// what each would lend on its own) until their value reaches the target;
// their value overlaps (see ValuePortfolio), so each added patent adds
// less, and the group is revalued at each step.
func (ev *pairEval) planLoan(needAmount int64, needTerm int, p *prodFacts, unit int64, apprs []*apprFacts) {
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

	// Target.
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

	cs := ev.cands
	switch a := recordedFor(apprs, cs); {
	case a != nil:
		ev.pledgeRecorded(a)
	case ev.additive:
		slices.SortStableFunc(cs, func(x, y loanCand) int { return cmpDesc(x.p50*x.rate, y.p50*y.rate) })
		for _, c := range cs {
			if ev.lendable >= ev.target {
				break
			}
			ev.n++
			ev.lendable += c.p50 * c.rate
		}
		for k := range cs[:ev.n] {
			c := &cs[k]
			c.a, c.value, c.low = 1, c.p50, c.p10
		}
		ev.sumPledged()
	default:
		ev.pledgeStrongest(unit)
	}
	amount := ev.target
	if ev.lendable < amount {
		amount, ev.binding = ev.lendable, "collateral"
	}
	ev.amount = int64(math.Floor(amount/float64(unit))) * unit
}

// minGain is the least share of a group's lendable value a further patent
// must add to be pledged: each pledged patent is appraised, registered and
// tied up until the loan is repaid, so banks take the patents that carry
// the value and leave the ones that add little.
const minGain = 0.05

// pledgeStrongest pledges the strongest candidates until the group's
// lendable value reaches the target, all are pledged, or the next adds
// too little (minGain, one unit), keeping the pledged ones first in credit
// order.
func (ev *pairEval) pledgeStrongest(unit int64) {
	cs := ev.cands
	// Strongest first: what each would lend on its own, then its order.
	slices.SortStableFunc(cs, func(x, y loanCand) int { return cmpDesc(x.s*x.p50*x.rate, y.s*y.p50*y.rate) })
	// cs[:n] holds the pledged ones in credit order: insert each next one
	// in place, then revalue the group (it is small: a few patents). A
	// patent that would add less than minGain of the group's lendable
	// value (or less than one unit) is not pledged, nor are weaker ones.
	for n := 0; n < len(cs) && ev.lendable < ev.target; n++ {
		c := cs[n]
		k := n
		for k > 0 && creditBefore(&c, &cs[k-1]) {
			cs[k] = cs[k-1]
			k--
		}
		cs[k] = c
		left, lend := 1.0, 0.0
		for j := range cs[:n+1] {
			a := cs[j].s * left
			left *= 1 - cs[j].s
			lend += a * cs[j].p50 * cs[j].rate
		}
		if n > 0 && (lend-ev.lendable < minGain*lend || lend-ev.lendable < float64(unit)) {
			// Undo the insertion: cs[k] back to the end of the group.
			copy(cs[k:n], cs[k+1:n+1])
			cs[n] = c
			break
		}
		ev.n, ev.lendable = n+1, lend
	}
	left := 1.0
	for j := range cs[:ev.n] {
		c := &cs[j]
		c.a = c.s * left
		left *= 1 - c.s
		c.value, c.low = c.a*c.p50, c.a*c.p10
	}
	ev.sumPledged()
}

// sumPledged totals the pledged patents' parts.
func (ev *pairEval) sumPledged() {
	ev.lendable, ev.value, ev.collat, ev.model, ev.modelRaw = 0, 0, 0, 0, 0
	for _, c := range ev.cands[:ev.n] {
		ev.lendable += c.value * c.rate
		ev.value += c.value
		ev.collat += c.low
		ev.model += c.a * c.p50
		ev.modelRaw += c.a * c.raw50
	}
	ev.modelLo, ev.modelHi = 0, 0
}

// pledgeRecorded pledges the candidates appraisal a covers, valued by it.
func (ev *pairEval) pledgeRecorded(a *apprFacts) {
	cs := ev.cands
	// Covered candidates first, in credit order.
	slices.SortStableFunc(cs, func(x, y loanCand) int {
		cx, cy := a.covers(x.fi), a.covers(y.fi)
		if cx != cy {
			if cx {
				return -1
			}
			return 1
		}
		if creditBefore(&x, &y) {
			return -1
		}
		if creditBefore(&y, &x) {
			return 1
		}
		return 0
	})
	for ev.n < len(cs) && a.covers(cs[ev.n].fi) {
		ev.n++
	}
	left, group := 1.0, 0.0
	for j := range cs[:ev.n] {
		c := &cs[j]
		c.a = c.s * left
		left *= 1 - c.s
		group += c.a * c.raw50
	}
	ev.appr = a
	ev.apprPart = 1
	if a.model50 > 0 {
		ev.apprPart = min(1, group/a.model50)
	} else {
		ev.apprPart = float64(ev.n) / float64(len(a.fis))
	}
	whole := float64(a.rec.Value)
	for j := range cs[:ev.n] {
		c := &cs[j]
		switch {
		case group > 0:
			c.value = whole * ev.apprPart * c.a * c.raw50 / group
		default:
			c.value = whole * ev.apprPart / float64(ev.n)
		}
		c.low = c.value // without a model range the report's figure is its own low end
		if c.raw50 > 0 {
			c.low = c.value * c.p10 / c.p50
		}
	}
	ev.sumPledged()
}

// creditBefore orders candidates for crediting: longer capped life, then
// strength, both descending, then their (deterministic) fact order.
func creditBefore(x, y *loanCand) bool {
	if x.lifeCap != y.lifeCap {
		return x.lifeCap > y.lifeCap
	}
	if x.s != y.s {
		return x.s > y.s
	}
	return x.fi < y.fi
}

func cmpDesc(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// recordedFor returns the first of apprs (newest first) that covers a
// candidate, or nil.
func recordedFor(apprs []*apprFacts, cs []loanCand) *apprFacts {
	for _, a := range apprs {
		for k := range cs {
			if a.covers(cs[k].fi) {
				return a
			}
		}
	}
	return nil
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
	if e.pledgeValue > 0 {
		ev.fit = min(1, ev.accepted/e.pledgeValue)
	}
	ev.risk = 1 - min(1, elRate/s.ELRateCeiling)
	ev.volume = min(1, x/float64(p.maxAmount))
	ev.score = 100 * (s.Coverage*ev.coverage + s.Rate*ev.rateS + s.Term*ev.termS + s.Fit*ev.fit) / (s.Coverage + s.Rate + s.Term + s.Fit)
	ev.bank = 100 * (s.Risk*ev.risk + s.Volume*ev.volume + s.BankFit*ev.fit) / (s.Risk + s.Volume + s.BankFit)
}

// loanEstimate describes the loan of an evaluated pair.
func (w *world) loanEstimate(ei, pi int, ev *pairEval) *LoanEstimate {
	e := &w.ef[ei]
	ev.modelLo, ev.modelHi = 0, 0
	for _, c := range ev.cands[:ev.n] {
		f := &w.pf[c.fi]
		ev.modelLo += c.a * f.full.P10 * f.calib
		ev.modelHi += c.a * f.full.P90 * f.calib
	}
	return describeLoan(ev, &w.pp[pi], e.needAmount, e.needTerm, func(fi int32) (string, data.PatentType) {
		return w.pf[fi].rec.ApplicationNumber, w.pf[fi].rec.Type
	})
}

// describeLoan presents a planned loan; patent names candidate fi.
func describeLoan(ev *pairEval, p *prodFacts, needAmount int64, needTerm int, patent func(fi int32) (string, data.PatentType)) *LoanEstimate {
	le := &LoanEstimate{Amount: ev.amount, TermMonths: ev.term, Collateral: round2(ev.collat), Lendable: round2(ev.lendable),
		Binding: ev.binding, Rate: round4(p.annualRate), Patents: []PledgedPatent{}}
	le.Appraisal = LoanAppraisal{Basis: AppraisalModel, Value: round2(ev.value), ModelValue: round2(ev.model),
		ModelLow: round2(ev.modelLo), ModelHigh: round2(ev.modelHi), Calibration: 1}
	if ev.modelRaw > 0 {
		le.Appraisal.Calibration = round4(ev.model / ev.modelRaw)
	}
	if ev.value > 0 {
		le.PledgeRate = round4(ev.lendable / ev.value)
	}
	if a := ev.appr; a != nil {
		le.Appraisal.Basis = AppraisalRecorded
		le.Appraisal.Recorded = &RecordedAppraisal{ID: a.rec.ID, AppraiserID: a.rec.AppraiserID, ReportNumber: a.rec.ReportNumber,
			BaseDate: a.rec.BaseDate, ExpiresOn: a.rec.ExpiresOn(), Value: a.rec.Value, Share: round4(ev.apprPart)}
	}
	for _, c := range ev.cands[:ev.n] {
		num, typ := patent(c.fi)
		le.Patents = append(le.Patents, PledgedPatent{ApplicationNumber: num, Type: typ, Strength: round4(c.s), Attribution: round4(c.a),
			Value: round2(c.value), ConservativeValue: round2(c.low), PledgeRate: c.rate, Lendable: round2(c.value * c.rate),
			RemainingMonths: int(c.rem)})
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
	collateralLabel := "质押专利评估值 × 质押率"
	if ev.appr != nil {
		collateralLabel = "质押专利评估报告价值 × 质押率"
	}
	le.Caps = append(le.Caps, LoanCap{"collateral", collateralLabel, round2(ev.lendable)})
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
	if ev.binding == "collateral" && ev.n == len(ev.cands) && ev.n > 0 && ev.appr == nil {
		le.Notes = append(le.Notes, "all eligible patents lasting the term are pledged and still fall short of the target")
	}
	if ev.appr != nil && ev.apprPart < 1 {
		le.Notes = append(le.Notes, fmt.Sprintf("only part of the recorded appraisal's patents qualify for this product: %.0f%% of its value is used, split by the model", 100*ev.apprPart))
	}
	if ev.amount < max(p.minAmount, 1) {
		le.Notes = append(le.Notes, fmt.Sprintf("the estimate is below the product's minimum amount of %d yuan: no loan", p.minAmount))
	}
	return le
}

// CollateralPatent is a patent offered as collateral that passes every
// patent-level rule, with its appraised value and the low end of it.
type CollateralPatent struct {
	ApplicationNumber string          `json:"application_number"`
	Type              data.PatentType `json:"type"`
	// Value is the patent's appraised value (its point value) and
	// ConservativeValue the low end (P10), in yuan.
	Value             float64 `json:"value"`
	ConservativeValue float64 `json:"conservative_value"`
	RemainingMonths   int     `json:"remaining_months"`
}

// EstimateLoan applies the loan formula (see LoanEstimate) to patents
// already known to pass every rule and appraised one by one (their values
// add up): product p, the pool covering it (nil when none), the
// borrower's need, and the amount step unit in yuan (0 means
// DefaultAmountUnit). The largest lendable values are pledged first, which
// is the fewest patents reaching the target. The rate is left 0: it needs
// the LPR of a day. It panics if p is nil.
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
	ev := pairEval{additive: true}
	for i, c := range patents {
		t := typeIndex(c.Type)
		if t < 0 {
			continue
		}
		ev.cands = append(ev.cands, loanCand{fi: int32(i), s: 1, p50: c.Value, p10: c.ConservativeValue, raw50: c.Value,
			rate: pf.rate[t], rem: int32(c.RemainingMonths)})
	}
	if len(ev.cands) > 0 {
		ev.planLoan(need.Amount, need.TermMonths, &pf, unit, nil)
	}
	ev.modelLo = ev.collat
	le := describeLoan(&ev, &pf, need.Amount, need.TermMonths, func(fi int32) (string, data.PatentType) {
		return patents[fi].ApplicationNumber, patents[fi].Type
	})
	le.Rate = 0
	return *le
}

// CapLabel names a loan cap (LoanCap.Name, LoanEstimate.Binding) in
// Chinese.
func CapLabel(name string) string {
	switch name {
	case "product_max":
		return "产品单笔最高额度"
	case "need":
		return "企业融资需求"
	case "pool_per_loan":
		return "风险补偿资金池单笔补偿上限"
	case "pool_per_borrower":
		return "风险补偿资金池单户补偿上限"
	}
	return "质押专利价值"
}
