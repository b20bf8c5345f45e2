package matcher

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sync"

	"ipmatch/data"
)

// Side is whose ranking a Match belongs to.
type Side string

// The sides.
const (
	SideEnterprise Side = "enterprise" // products ranked for an enterprise
	SideBank       Side = "bank"       // enterprises ranked for a bank's product
)

// ScorePart is one part of a score: its value in [0, 1], its weight
// (normalised so the weights of a score sum to 1) and its points
// (100 × weight × value; the score is their sum).
type ScorePart struct {
	Name     string  `json:"name"`
	Label    string  `json:"label"`
	Value    float64 `json:"value"`
	Weight   float64 `json:"weight"`
	Points   float64 `json:"points"`
	Observed string  `json:"observed"`
}

// RiskEstimate is the expected loss of a loan net of the pool's share:
//
//	EL = PD × LGD × exposure × (1 − fund share)
//
// PD, Z, PDParts, ExpectedLoss and ELRate come from the enterprise's
// financials: the API leaves them out (zero) for a bank the enterprise did
// not share its data with and gives PDBand instead, a range of PD.
type RiskEstimate struct {
	PD           float64  `json:"pd,omitzero"`
	PDBand       string   `json:"pd_band,omitempty"`
	Z            float64  `json:"z,omitzero"`
	PDParts      []PDPart `json:"pd_parts,omitempty"`
	LGD          float64  `json:"lgd"`
	LGDBasis     string   `json:"lgd_basis"`
	Exposure     float64  `json:"exposure"`
	FundShare    float64  `json:"fund_share"`
	PoolID       string   `json:"pool_id,omitempty"`
	ExpectedLoss float64  `json:"expected_loss,omitzero"`
	ELRate       float64  `json:"el_rate,omitzero"`
}

// ValuationSummary is the valuation behind a match: the whole
// portfolio's calibrated value (P10/P50/P90, from the cached tables:
// Σ a_i × the patents' percentiles), the approach, and the appraisal and
// low end (P10) of the pledged patents.
type ValuationSummary struct {
	Method       string  `json:"method"`
	Approach     string  `json:"approach,omitempty"`
	P10          float64 `json:"p10"`
	P50          float64 `json:"p50"`
	P90          float64 `json:"p90"`
	PledgedValue float64 `json:"pledged_value"`
	PledgedP10   float64 `json:"pledged_p10"`
	Note         string  `json:"note,omitempty"`
}

// PatentCheck is one patent of an enterprise checked against a product's
// patent-level rules and the CNIPA pledge rules.
type PatentCheck struct {
	ApplicationNumber string          `json:"application_number"`
	Type              data.PatentType `json:"type"`
	Title             string          `json:"title,omitempty"`
	Eligible          bool            `json:"eligible"`
	Pledged           bool            `json:"pledged"`
	Indicator         float64         `json:"indicator_value"`
	// Value are the percentiles of the patent's calibrated value pledged
	// on its own; ConservativeValue is its P10.
	ConservativeValue float64     `json:"conservative_value"`
	Value             Percentiles `json:"value"`
	RemainingMonths   int         `json:"remaining_months"`
	Reasons           []Reason    `json:"reasons"`
}

// Match is one enterprise × product pair, explained.
type Match struct {
	EnterpriseID   string `json:"enterprise_id"`
	EnterpriseName string `json:"enterprise_name"`
	ProductID      string `json:"product_id"`
	ProductName    string `json:"product_name"`
	BankID         string `json:"bank_id"`
	Rank           int    `json:"rank"`
	Eligible       bool   `json:"eligible"`
	// Score is the side's score (0 when not eligible) and ScoreParts its
	// parts.
	Score           float64     `json:"score"`
	Side            Side        `json:"side"`
	ScoreParts      []ScorePart `json:"score_parts"`
	EstimatedAmount int64       `json:"estimated_amount"`
	TermMonths      int         `json:"term_months"`
	Rate            float64     `json:"rate"`
	// Subsidies are what the support policies pay the enterprise a year
	// on the estimated loan, and NetRate the rate less the interest
	// subsidies' points (subsidy.go; set by ApplySubsidies, else none and
	// the rate).
	Subsidies []Subsidy     `json:"subsidies"`
	NetRate   float64       `json:"net_rate"`
	Loan      *LoanEstimate `json:"loan,omitempty"`
	// Risk is given on the bank side.
	Risk      *RiskEstimate    `json:"risk,omitempty"`
	Valuation ValuationSummary `json:"valuation"`
	// Reasons are the failed rules: enterprise-level and loan-level, and,
	// when no patent qualifies, every patent's reasons too.
	Reasons []Reason `json:"reasons"`
	// Warnings are advisories that do not make an eligible pair
	// ineligible: appraisal_expired.
	Warnings []Reason      `json:"warnings"`
	Patents  []PatentCheck `json:"patents"`
	// FinancialsHidden says that the API left out what comes from the
	// enterprise's financials: it did not share them with the caller.
	FinancialsHidden bool `json:"financials_hidden,omitempty"`
}

// loanBits are the loan-level bits that make a pair ineligible.
const loanBits = bitNoPatents | bitNoEligiblePatent | bitValuation | bitAmountBelowMin

// failCount orders ineligible pairs: fewer failed enterprise and loan rules
// first.
func failCount(mask uint32) int { return bits.OnesCount32(mask & (enterpriseBits | loanBits)) }

// match explains pair (ei, pi) for side.
func (w *world) match(ei, pi int, side Side) Match {
	ev := w.evalPair(ei, pi, nil, true)
	e, p := &w.ef[ei], &w.pp[pi]
	out := Match{EnterpriseID: e.rec.ID, EnterpriseName: e.rec.Name, ProductID: p.rec.ID, ProductName: p.rec.Name,
		BankID: p.rec.BankID, Eligible: ev.mask == 0, Side: side, Rate: round4(p.annualRate), NetRate: round4(p.annualRate),
		Subsidies: []Subsidy{}, Reasons: []Reason{}, Warnings: []Reason{}, Patents: []PatentCheck{}, ScoreParts: []ScorePart{}}
	out.Valuation = ValuationSummary{Method: MethodCachedTable, Approach: e.basis.approach, P10: round2(e.portfolio.P10), P50: round2(e.portfolio.P50),
		P90: round2(e.portfolio.P90), Note: e.valuationNote}
	x := &explainer{e: e.rec, ef: e, asOf: w.asOf}
	out.Reasons = append(out.Reasons, x.enterpriseReasons(ev.mask&enterpriseBits, p.rec, e)...)

	pledged := map[int32]int{}
	if ev.mask&^(bitValuation|bitAmountBelowMin) == 0 {
		for k, c := range ev.cands[:ev.n] {
			pledged[c.fi] = k
		}
	}
	type check struct {
		pc    PatentCheck
		order int // pledge position, or len(pledged) when not pledged
	}
	checks := make([]check, 0, e.p1-e.p0)
	var patentReasons []Reason
	for fi := e.p0; fi < e.p1; fi++ {
		f := &w.pf[fi]
		m := f.hard | w.patMask(f, p)
		k, isPledged := pledged[fi]
		if !isPledged {
			k = len(pledged)
		}
		alone := f.standalone()
		pc := PatentCheck{ApplicationNumber: f.rec.ApplicationNumber, Type: f.rec.Type, Title: f.rec.Title, Eligible: m == 0,
			Pledged: isPledged && ev.mask == 0, Indicator: round2(f.indicator), ConservativeValue: round2(alone.P10), Value: roundP(alone),
			RemainingMonths: int(f.remMonths), Reasons: x.patentReasons(m, f.rec, p.rec, f)}
		if pc.Reasons == nil {
			pc.Reasons = []Reason{}
		}
		patentReasons = append(patentReasons, pc.Reasons...)
		checks = append(checks, check{pc, k})
	}
	// Pledged patents in pledge order, then the other eligible ones, then
	// the rest, each by conservative value and number.
	slices.SortFunc(checks, func(a, b check) int {
		if c := cmp.Compare(a.order, b.order); c != 0 {
			return c
		}
		if a.pc.Eligible != b.pc.Eligible {
			if a.pc.Eligible {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.pc.ConservativeValue, a.pc.ConservativeValue); c != 0 {
			return c
		}
		return cmp.Compare(a.pc.ApplicationNumber, b.pc.ApplicationNumber)
	})
	for _, c := range checks {
		out.Patents = append(out.Patents, c.pc)
	}

	n := e.p1 - e.p0
	switch {
	case ev.mask&bitNoPatents != 0:
		out.Reasons = append(out.Reasons, newReason(ReasonNoPatents, "", 0, "≥ 1", "patents", 1,
			"企业名下没有专利，无法办理专利权质押", "录入企业名下的专利"))
	case ev.mask&bitNoEligiblePatent != 0:
		out.Reasons = append(out.Reasons, newReason(ReasonNoEligiblePatent, "", 0, "≥ 1", "patents", 1,
			fmt.Sprintf("企业的 %d 件专利均不满足该产品或质押登记的条件（各专利原因见下）", n),
			"按各专利的原因处理，或补充符合条件的专利"))
		out.Reasons = append(out.Reasons, patentReasons...)
	}
	if ev.mask&bitValuation != 0 {
		out.Reasons = append(out.Reasons, newReason(ReasonValuationUnavailable, "", e.valuationNote, "最近一年营业收入或有效的评估报告", "", 0,
			"无法用收益法评估专利价值，也没有有效的评估报告："+e.valuationNote, "补充最近一年的营业收入等财务数据，或登记评估机构出具的评估报告"))
	}
	if ev.mask&bitAmountBelowMin != 0 {
		minimum := max(p.minAmount, w.m.unit)
		basis := "模型评估值"
		if ev.appr != nil {
			basis = "评估报告价值"
		}
		msg := fmt.Sprintf("按%s %s × 质押率估算可贷 %s，低于该产品起贷金额 %s，银行无法发放", basis, wan(ev.value), wan(float64(ev.amount)), wan(float64(minimum)))
		fix := "补充可质押的专利，或选择起贷金额更低的产品"
		if ev.value > 0 && ev.lendable > 0 {
			needValue := float64(minimum) * ev.value / ev.lendable
			fix = fmt.Sprintf("质押专利评估值需达到约 %s（现为 %s）：补充可质押的专利，委托评估机构出具评估报告，或选择起贷金额更低的产品", wan(needValue), wan(ev.value))
		}
		if ev.binding != "collateral" && ev.target < float64(minimum) {
			fix = fmt.Sprintf("贷款额度受%s限制（%s），低于起贷金额：请选择其他产品", CapLabel(ev.binding), wan(ev.target))
		}
		out.Reasons = append(out.Reasons, newReason(ReasonAmountBelowMinimum, "", ev.amount, minimum, "yuan", float64(minimum-ev.amount), msg, fix))
		out.Loan = w.loanEstimate(ei, pi, &ev)
	}
	if ev.mask != 0 {
		return out
	}
	if ev.warn&bitAppraisalExpired != 0 {
		out.Warnings = append(out.Warnings, newReason(ReasonAppraisalExpired, "", "已过有效期", fmt.Sprintf("评估基准日起 %d 个月内", data.AppraisalValidityMonths), "", 0,
			"企业登记的评估报告已超过一年有效期，本估算改按模型评估值", "委托评估机构重新出具评估报告"))
	}

	out.EstimatedAmount, out.TermMonths = ev.amount, ev.term
	out.Loan = w.loanEstimate(ei, pi, &ev)
	out.Valuation.PledgedValue, out.Valuation.PledgedP10 = round2(ev.value), round2(ev.collat)
	s := &w.m.score
	if side == SideEnterprise {
		out.Score = round2(ev.score)
		sum := s.Coverage + s.Rate + s.Term + s.Fit
		need := "产品上限 " + wan(float64(p.maxAmount))
		if e.needAmount > 0 {
			need = "需求 " + wan(float64(e.needAmount))
		}
		needTerm := "未填需求期限"
		if e.needTerm > 0 {
			needTerm = fmt.Sprintf("需求 %d 个月", e.needTerm)
		}
		out.ScoreParts = []ScorePart{
			part("coverage", "额度覆盖需求", ev.coverage, s.Coverage/sum, fmt.Sprintf("可贷 %s / %s", wan(float64(ev.amount)), need)),
			part("rate", "利率", ev.rateS, s.Rate/sum, fmt.Sprintf("LPR %s %+d 基点 = %s（区间 %s–%s）", pct(w.lpr.OneYear), p.rec.SpreadBP, pct(p.annualRate), pct(s.RateFloor), pct(s.RateCeiling))),
			part("term", "期限满足需求", ev.termS, s.Term/sum, fmt.Sprintf("%d 个月 / %s", ev.term, needTerm)),
			part("fit", "专利契合度", ev.fit, s.Fit/sum, fmt.Sprintf("产品接受的专利保守价值 %s / 可质押专利 %s", wan(ev.accepted), wan(e.pledgeValue))),
		}
		return out
	}
	out.Score = round2(ev.bank)
	sum := s.Risk + s.Volume + s.BankFit
	x2 := float64(ev.amount)
	pdEst := w.m.scorecard.PD(e.rec, w.asOf)
	elRate := e.pd * ev.lgd * (1 - p.fundShare)
	out.Risk = &RiskEstimate{PD: pdEst.PD, Z: round4(pdEst.Z), PDParts: pdEst.Parts, LGD: ev.lgd,
		LGDBasis: fmt.Sprintf("min(1, max(%s, 1 − %s × 质押物保守价值 %s ÷ 敞口 %s))", pct(w.m.lgd.Floor), pct(w.m.lgd.Recovery), wan(ev.collat), wan(x2)),
		Exposure: x2, FundShare: p.fundShare, ExpectedLoss: round2(ev.el), ELRate: round4(elRate)}
	if p.pool != nil {
		out.Risk.PoolID = p.pool.ID
	}
	out.ScoreParts = []ScorePart{
		part("risk", "预期损失（扣除风险补偿分担）", ev.risk, s.Risk/sum,
			fmt.Sprintf("PD %s × LGD %s × (1 − 资金池分担 %s) = 预期损失率 %s（上限 %s），预期损失 %s",
				pct2(e.pd), pct(ev.lgd), pct(p.fundShare), pct2(elRate), pct(s.ELRateCeiling), wan(ev.el))),
		part("volume", "贷款规模", ev.volume, s.Volume/sum, fmt.Sprintf("%s / 产品上限 %s", wan(x2), wan(float64(p.maxAmount)))),
		part("fit", "专利契合度", ev.fit, s.BankFit/sum, fmt.Sprintf("产品接受的专利保守价值 %s / 可质押专利 %s", wan(ev.accepted), wan(e.pledgeValue))),
	}
	return out
}

func part(name, label string, value, weight float64, observed string) ScorePart {
	return ScorePart{Name: name, Label: label, Value: round4(value), Weight: round4(weight), Points: round2(100 * weight * value), Observed: observed}
}

func roundP(p Percentiles) Percentiles {
	return Percentiles{P10: round2(p.P10), P50: round2(p.P50), P90: round2(p.P90), Mean: round2(p.Mean)}
}

func pct2(x float64) string {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return "—"
	}
	return fmt.Sprintf("%.2f%%", 100*x)
}

// ---- One enterprise: products ranked for it (Monte Carlo valuation) ----

// EnterpriseRequest asks which products suit an enterprise.
type EnterpriseRequest struct {
	Enterprise *data.Enterprise
	// Patents are the enterprise's patents. Those recorded as another
	// enterprise's (OwnerID) are kept and fail pledger_not_owner.
	Patents  []data.Patent
	Products []data.Product
	Pools    []data.Pool
	// Appraisals are the enterprise's recorded appraisals; each product
	// uses only those its bank or the organizer recorded.
	Appraisals []data.Appraisal
	AsOf       data.Date
}

// EnterpriseMatches are the products ranked for an enterprise.
type EnterpriseMatches struct {
	EnterpriseID string          `json:"enterprise_id"`
	Parameters   ModelParameters `json:"parameters"`
	// ValuationNote says why the patents could not be valued, if so.
	ValuationNote string  `json:"valuation_note,omitempty"`
	Eligible      int     `json:"eligible"`
	Matches       []Match `json:"matches"`
}

// MatchEnterprise checks every product for the enterprise on req.AsOf and
// ranks them: eligible products by the enterprise-side score (ties by
// product ID), then the others by how few enterprise and loan rules they
// fail. Patents are valued from the cached tables, exactly as in
// Pipeline and MatchAll, so every view shows the same estimate. It panics if req.Enterprise is nil; it returns an
// invalid *data.Error for a missing or too early as-of date and ctx.Err()
// when cancelled.
func (m *Matcher) MatchEnterprise(ctx context.Context, req EnterpriseRequest) (EnterpriseMatches, error) {
	if req.Enterprise == nil {
		panic("matcher: MatchEnterprise: nil enterprise")
	}
	in := MatchInput{Enterprises: []data.Enterprise{*req.Enterprise}, Patents: slices.Clone(req.Patents),
		Products: req.Products, Pools: req.Pools, Appraisals: req.Appraisals, AsOf: req.AsOf}
	w, err := m.newWorldOwned(ctx, in)
	if err != nil {
		return EnterpriseMatches{}, err
	}
	out := EnterpriseMatches{EnterpriseID: req.Enterprise.ID, Parameters: m.parameters(req.AsOf, w.lpr, MethodCachedTable),
		ValuationNote: w.ef[0].valuationNote, Matches: make([]Match, 0, len(w.pp))}
	for pi := range w.pp {
		if err := ctx.Err(); err != nil {
			return EnterpriseMatches{}, err
		}
		mt := w.match(0, pi, SideEnterprise)
		if mt.Eligible {
			out.Eligible++
		}
		out.Matches = append(out.Matches, mt)
	}
	slices.SortStableFunc(out.Matches, func(a, b Match) int {
		if a.Eligible != b.Eligible {
			if a.Eligible {
				return -1
			}
			return 1
		}
		if a.Eligible {
			if c := cmp.Compare(b.Score, a.Score); c != 0 {
				return c
			}
		} else if c := cmp.Compare(topLevelFailures(a), topLevelFailures(b)); c != 0 {
			return c
		}
		return cmp.Compare(a.ProductID, b.ProductID)
	})
	for i := range out.Matches {
		out.Matches[i].Rank = i + 1
	}
	return out, nil
}

// topLevelFailures counts the distinct enterprise and loan reason codes
// of an explained match.
func topLevelFailures(mt Match) int {
	seen := map[ReasonCode]bool{}
	for _, r := range mt.Reasons {
		if r.Scope != ScopePatent {
			seen[r.Code] = true
		}
	}
	return len(seen)
}

// newWorldOwned is newWorld with every patent assigned to the one
// enterprise of in (patents of another owner keep their OwnerID and fail
// pledger_not_owner).
func (m *Matcher) newWorldOwned(ctx context.Context, in MatchInput) (*world, error) {
	id := in.Enterprises[0].ID
	for i := range in.Patents {
		if in.Patents[i].OwnerID == "" {
			in.Patents[i].OwnerID = id
		}
	}
	return m.newWorldAssigned(ctx, in, func(int) int32 { return 0 })
}

// ---- One product: enterprises ranked for a bank ----

// PipelineRequest asks which enterprises suit a bank's product.
type PipelineRequest struct {
	Product *data.Product
	Pools   []data.Pool
	// Enterprises are the candidates (for a bank: only those that
	// consented to be seen), Patents their patents (by OwnerID).
	Enterprises []data.Enterprise
	Patents     []data.Patent
	// Appraisals are the candidates' recorded appraisals (the product
	// uses those its bank or the organizer recorded).
	Appraisals []data.Appraisal
	AsOf       data.Date
	// EligibleOnly leaves out ineligible enterprises.
	EligibleOnly bool
	// Offset and Limit select a page of the ranking; Limit 0 means all.
	Offset, Limit int
}

// ProductPipeline is the ranked page of enterprises for a product.
type ProductPipeline struct {
	ProductID   string          `json:"product_id"`
	ProductName string          `json:"product_name"`
	BankID      string          `json:"bank_id"`
	Parameters  ModelParameters `json:"parameters"`
	// Total counts the ranked enterprises (eligible only with
	// EligibleOnly), Eligible the eligible ones.
	Total    int     `json:"total"`
	Eligible int     `json:"eligible"`
	Offset   int     `json:"offset"`
	Matches  []Match `json:"matches"`
}

// Pipeline ranks the enterprises for product req.Product on req.AsOf:
// eligible ones by the bank-side score (expected loss net of the pool's
// share, volume and fit; ties by enterprise ID), then the others by how
// few enterprise and loan rules they fail. Patents are valued from the
// cached tables (see MatchAll), so a pipeline of many enterprises stays
// fast; only the requested page is explained. It panics if req.Product is
// nil.
func (m *Matcher) Pipeline(ctx context.Context, req PipelineRequest) (ProductPipeline, error) {
	if req.Product == nil {
		panic("matcher: Pipeline: nil product")
	}
	if req.Offset < 0 || req.Limit < 0 {
		panic("matcher: Pipeline: negative offset or limit")
	}
	c, err := m.Compile(ctx, req.AsOf, req.Product.IPCAreas, []Block{{Enterprises: req.Enterprises, Patents: req.Patents, Appraisals: req.Appraisals}}, nil)
	if err != nil {
		return ProductPipeline{}, err
	}
	r, err := c.Rank(ctx, req.Product, req.Pools)
	if err != nil {
		return ProductPipeline{}, err
	}
	return r.Page(ctx, nil, req.EligibleOnly, req.Offset, req.Limit)
}

// ---- Everything: the bulk match set ----

// pairResult is an eligible pair of a MatchSet.
type pairResult struct {
	ent, prod   int32
	amount      int64
	score, bank float32
	el          float32
	term        uint16
	patents     uint16
}

// MatchSet is the result of matching every enterprise with every product:
// each pair's failed rules, and for eligible pairs the loan estimate, the
// scores of both sides and the expected loss, ranked both ways. It keeps
// the precomputed facts, so Explain can detail any pair. It is safe for
// concurrent reads.
type MatchSet struct {
	w         *world
	params    ModelParameters
	np        int
	masks     []uint32
	res       []pairResult
	entOff    []int32 // ranked result indices of enterprise i: entOrder[entOff[i]:entOff[i+1]]
	entOrder  []int32
	prodOff   []int32
	prodOrder []int32
	indexOnce sync.Once
	entIndex  map[string]int32
	prodIndex map[string]int32
}

// PairSummary is the compact result of a pair. Failed lists the codes of
// every failed enterprise rule; when those all pass, the loan-level code
// and the union of the patents' codes (the bulk path does not check the
// patents of an enterprise that fails an enterprise rule; Explain does).
type PairSummary struct {
	EnterpriseID    string       `json:"enterprise_id"`
	ProductID       string       `json:"product_id"`
	Eligible        bool         `json:"eligible"`
	Failed          []ReasonCode `json:"failed,omitempty"`
	Score           float64      `json:"score"`
	BankScore       float64      `json:"bank_score"`
	EstimatedAmount int64        `json:"estimated_amount"`
	TermMonths      int          `json:"term_months"`
	Patents         int          `json:"patents"`
	ExpectedLoss    float64      `json:"expected_loss"`
}

// MatchAll matches every enterprise of in with every product. It is the
// bulk path: facts are computed once per enterprise and patent (indicator
// values, pledge rules, PD, values from cached tables rather than a Monte
// Carlo per enterprise), products are compiled once (regions, industries
// and IPC areas become lookup tables and bit sets), and each pair is then a
// few comparisons plus, for pairs passing the enterprise rules, a pass over
// the enterprise's pledgeable patents. Work is spread over GOMAXPROCS
// goroutines. Memory: about 100 bytes per patent and 200 per enterprise of
// facts, 4 bytes per pair and 40 per eligible pair.
func (m *Matcher) MatchAll(ctx context.Context, in MatchInput) (*MatchSet, error) {
	w, err := m.newWorld(ctx, in)
	if err != nil {
		return nil, err
	}
	ne, np := len(w.ef), len(w.pp)
	s := &MatchSet{w: w, params: m.parameters(in.AsOf, w.lpr, MethodCachedTable), np: np, masks: make([]uint32, ne*np)}

	const chunk = 256
	chunks := (ne + chunk - 1) / chunk
	parts := make([][]pairResult, chunks)
	if err := parallel(ctx, chunks, func(_ *quantileScratch, c int) {
		buf := make([]loanCand, 0, 64)
		var out []pairResult
		for ei := c * chunk; ei < min((c+1)*chunk, ne); ei++ {
			row := s.masks[ei*np : (ei+1)*np]
			for pi := range np {
				ev := w.evalPair(ei, pi, buf, false)
				buf = ev.cands[:0]
				row[pi] = ev.mask
				if ev.mask == 0 {
					out = append(out, pairResult{ent: int32(ei), prod: int32(pi), amount: ev.amount,
						score: float32(ev.score), bank: float32(ev.bank), el: float32(ev.el),
						term: uint16(min(ev.term, math.MaxUint16)), patents: uint16(min(ev.n, math.MaxUint16))})
				}
			}
		}
		parts[c] = out
	}); err != nil {
		return nil, err
	}
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	s.res = make([]pairResult, 0, total)
	for c, p := range parts {
		s.res = append(s.res, p...)
		parts[c] = nil
	}
	if err := s.rank(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// rank orders the eligible pairs of every enterprise by score and of every
// product by bank score (descending; ties by product, enterprise order).
func (s *MatchSet) rank(ctx context.Context) error {
	ne, np := len(s.w.ef), s.np
	s.entOff = make([]int32, ne+1)
	s.prodOff = make([]int32, np+1)
	for _, r := range s.res {
		s.entOff[r.ent+1]++
		s.prodOff[r.prod+1]++
	}
	for i := 1; i <= ne; i++ {
		s.entOff[i] += s.entOff[i-1]
	}
	for i := 1; i <= np; i++ {
		s.prodOff[i] += s.prodOff[i-1]
	}
	// Results are in enterprise order already.
	s.entOrder = make([]int32, len(s.res))
	s.prodOrder = make([]int32, len(s.res))
	next := slices.Clone(s.prodOff[:np])
	for k, r := range s.res {
		s.entOrder[k] = int32(k)
		s.prodOrder[next[r.prod]] = int32(k)
		next[r.prod]++
	}
	keys := make([]uint64, len(s.res))
	// Sort key: the score's bits inverted (scores are ≥ 0, so their bits
	// order as the values), then the result index.
	key := func(score float32, k int32) uint64 {
		return uint64(math.MaxUint32-math.Float32bits(score))<<32 | uint64(uint32(k))
	}
	sortGroups := func(off, order []int32, score func(k int32) float32) error {
		const groupChunk = 64
		groups := len(off) - 1
		return parallel(ctx, (groups+groupChunk-1)/groupChunk, func(_ *quantileScratch, c int) {
			for g := c * groupChunk; g < min((c+1)*groupChunk, groups); g++ {
				ks := keys[off[g]:off[g+1]]
				idx := order[off[g]:off[g+1]]
				for i, k := range idx {
					ks[i] = key(score(k), k)
				}
				slices.Sort(ks)
				for i, k := range ks {
					idx[i] = int32(uint32(k))
				}
			}
		})
	}
	if err := sortGroups(s.entOff, s.entOrder, func(k int32) float32 { return s.res[k].score }); err != nil {
		return err
	}
	return sortGroups(s.prodOff, s.prodOrder, func(k int32) float32 { return s.res[k].bank })
}

// Parameters returns what the set was computed with.
func (s *MatchSet) Parameters() ModelParameters { return s.params }

// Eligible returns the number of eligible pairs.
func (s *MatchSet) Eligible() int { return len(s.res) }

// Pairs returns the number of pairs.
func (s *MatchSet) Pairs() int { return len(s.masks) }

// ReasonCounts returns, for each reason code, the number of ineligible
// pairs that fail it (a pair counts once per code). Patent-level codes
// count pairs where no patent qualified and some patent failed them.
func (s *MatchSet) ReasonCounts() map[ReasonCode]int {
	var hist [len(reasonTable)]int
	for _, mk := range s.masks {
		for ; mk != 0; mk &= mk - 1 {
			hist[bits.TrailingZeros32(mk)]++
		}
	}
	out := map[ReasonCode]int{}
	for k, n := range hist {
		if n > 0 {
			out[reasonTable[k].Code] = n
		}
	}
	return out
}

// index builds the ID lookups once.
func (s *MatchSet) index() { s.indexOnce.Do(s.buildIndex) }

func (s *MatchSet) buildIndex() {
	s.entIndex = make(map[string]int32, len(s.w.ef))
	for i := range s.w.ef {
		s.entIndex[s.w.ef[i].rec.ID] = int32(i)
	}
	s.prodIndex = make(map[string]int32, len(s.w.pp))
	for i := range s.w.pp {
		s.prodIndex[s.w.pp[i].rec.ID] = int32(i)
	}
}

func (s *MatchSet) summary(k int32) PairSummary {
	r := s.res[k]
	return PairSummary{EnterpriseID: s.w.ef[r.ent].rec.ID, ProductID: s.w.pp[r.prod].rec.ID, Eligible: true,
		Score: round2(float64(r.score)), BankScore: round2(float64(r.bank)), EstimatedAmount: r.amount,
		TermMonths: int(r.term), Patents: int(r.patents), ExpectedLoss: round2(float64(r.el))}
}

// Pair returns the result of one pair, and false for unknown IDs.
func (s *MatchSet) Pair(enterpriseID, productID string) (PairSummary, bool) {
	s.index()
	ei, ok1 := s.entIndex[enterpriseID]
	pi, ok2 := s.prodIndex[productID]
	if !ok1 || !ok2 {
		return PairSummary{}, false
	}
	if mask := s.masks[int(ei)*s.np+int(pi)]; mask != 0 {
		return PairSummary{EnterpriseID: enterpriseID, ProductID: productID, Failed: codesOf(mask)}, true
	}
	for _, k := range s.entOrder[s.entOff[ei]:s.entOff[ei+1]] {
		if s.res[k].prod == pi {
			return s.summary(k), true
		}
	}
	return PairSummary{}, false // unreachable: an eligible pair has a result
}

// ForEnterprise returns the eligible products of an enterprise ranked by
// the enterprise-side score, and false for an unknown ID.
func (s *MatchSet) ForEnterprise(enterpriseID string) ([]PairSummary, bool) {
	s.index()
	ei, ok := s.entIndex[enterpriseID]
	if !ok {
		return nil, false
	}
	var out []PairSummary
	for _, k := range s.entOrder[s.entOff[ei]:s.entOff[ei+1]] {
		out = append(out, s.summary(k))
	}
	return out, true
}

// ForProduct returns the eligible enterprises of a product ranked by the
// bank-side score, at most limit of them (0: all), and false for an
// unknown ID.
func (s *MatchSet) ForProduct(productID string, limit int) ([]PairSummary, bool) {
	s.index()
	pi, ok := s.prodIndex[productID]
	if !ok {
		return nil, false
	}
	order := s.prodOrder[s.prodOff[pi]:s.prodOff[pi+1]]
	if limit > 0 && limit < len(order) {
		order = order[:limit]
	}
	out := make([]PairSummary, len(order))
	for i, k := range order {
		out[i] = s.summary(k)
	}
	return out, true
}

// Explain details one pair for side: every failed rule with its reason and
// fix, each patent's checks, and for an eligible pair the loan, the score
// parts and (bank side) the risk. It returns a not_found *data.Error for
// unknown IDs.
func (s *MatchSet) Explain(enterpriseID, productID string, side Side) (Match, error) {
	s.index()
	ei, ok := s.entIndex[enterpriseID]
	if !ok {
		return Match{}, data.EnterpriseKind.NotFound(enterpriseID)
	}
	pi, ok := s.prodIndex[productID]
	if !ok {
		return Match{}, data.ProductKind.NotFound(productID)
	}
	mt := s.w.match(int(ei), int(pi), side)
	order := s.prodOrder[s.prodOff[pi]:s.prodOff[pi+1]]
	if side == SideEnterprise {
		order = s.entOrder[s.entOff[ei]:s.entOff[ei+1]]
	}
	for r, k := range order {
		if s.res[k].ent == ei && s.res[k].prod == pi {
			mt.Rank = r + 1
		}
	}
	return mt, nil
}
