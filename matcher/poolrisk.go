package matcher

// Risk of a risk-compensation pool (风险补偿资金池).
//
// The pool's book: its filings are the deals under it at a stage from
// filed through pledge_registered (备案 … 质押登记; repaid, declined and
// compensated deals are not exposure); its claims are its compensated deals
// (代偿), each assumed to have lost its whole principal, so the fund paid
// min(amount × fund share, per-loan cap), and at most the per-borrower cap
// per borrower; the records hold no recovered amount. Remaining = size −
// claims paid. Leverage capacity = remaining × leverage.
//
// Filing rule (CheckFiling): the pool accepts a filing only when it could
// compensate the loan in full under its caps: amount × fund share ≤
// per-loan cap; the borrower's filings (this one included) × fund share ≤
// per-borrower cap; and the filings' amounts (this one included) ≤
// leverage capacity. This is the same reading of the caps as the loan
// estimate's (loan ≤ cap ÷ fund share).
//
// Losses (PoolRisk) over a one-year horizon by a one-factor Gaussian
// copula (Vasicek): in each draw a systematic factor Z ~ N(0, 1) and an
// idiosyncratic ε_i ~ N(0, 1) per loan; loan i defaults when
//
//	√ρ·Z + √(1−ρ)·ε_i < Φ⁻¹(PD_i)
//
// and then costs the fund min(amount × LGD × fund share, per-loan cap),
// summed per borrower and capped by the per-borrower cap. PD_i is the
// borrower's one-year PD from the scorecard (Scorecard.PD as of AsOf);
// borrowers without a record get DefaultPD. The pool is exhausted in a draw
// when its loss reaches the remaining amount. Draws are seeded (PCG, one
// stream per draw), so results are reproducible.
//
// Collateral flags (issue 18): the input may carry each loan's collateral
// risks on AsOf (data.Deal.CollateralRisks, by deal). A loan with a warning
// (fee in grace, invalidation open, court preservation, the term ending
// before the loan) or a lost collateral (lapsed, invalidated, transferred,
// missing) is read as at least special mention (关注) under China's
// five-category classification, and takes PD = max(PD_i, FlaggedPD); an annual fee merely
// falling due is listed but raises nothing (every patent has one a year).
// Each draw decides a loan's default twice from the same Z and ε_i, against
// the base threshold and the flagged one, so the figures with and without
// the flags come from the same draws and differ by the flags alone (a
// flagged default set contains the base one: no figure falls).
//
// Extra lending at the confidence level: a homogeneous portfolio of n new
// loans of NewLoanSize each (PD NewLoanPD, same ρ, one borrower each) is
// added; given Z its defaults are Binomial(n, p(Z)) with
// p(Z) = Φ((Φ⁻¹(PD) − √ρ·Z)/√(1−ρ)), drawn by inverting the binomial CDF at
// one uniform per draw, so a draw's defaults never fall as n grows (common
// random numbers). Bisection finds the largest n with P(loss ≥ remaining)
// ≤ 1 − confidence, the book's losses taken with the flags; the answer is
// n × NewLoanSize, and ExtraLending is that bounded by the leverage
// headroom.

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"

	"ipmatch/data"
)

// Defaults of PoolRiskConfig.
const (
	DefaultPoolDraws = 20_000
	DefaultPoolSeed  = 20210423
	// DefaultPoolRho is the asset correlation: the Basel II corporate
	// formula gives 0.12–0.24, lower for small firms; 0.15 is a middle
	// figure for small manufacturers of one region.
	DefaultPoolRho = 0.15
	// DefaultPoolLGD is the loss given default of a pledge loan to the
	// fund: patents recover little in a forced sale (the loan model's
	// recovery is 15 % of value), and the fund compensates non-performing
	// principal before the pledge is sold, so 60 % is assumed.
	DefaultPoolLGD = 0.6
	// DefaultPoolPD is the PD of a borrower without a record (the
	// scorecard's typical figure is near 2 %; missing data is treated
	// conservatively).
	DefaultPoolPD = 0.03
	// DefaultFlaggedPD is the one-year PD of a loan whose collateral is
	// flagged (a warning or lost collateral). ipmatch reads such a loan as
	// at least special mention (关注: the borrower can still pay, but
	// something may harm repayment — 贷款风险分类指引, 2007; 商业银行金融
	// 资产风险分类办法, 2023): a pure-patent loan whose pledge is
	// threatened or gone is such a case. Its PD is read as the
	// special-mention migration rate
	// (关注类贷款迁徙率: the share of special-mention loans that become
	// substandard or worse within the year; a core indicator since CBRC's
	// 商业银行风险监管核心指标（试行）, 银监发〔2005〕89号). Listed Chinese banks
	// disclose it in their annual reports, and it is commonly put at
	// 20–40 % a year, but no published figure could be found and cited
	// here: 25 % is ipmatch's assumption, toward the low end since a
	// flagged loan's borrower is still paying when the flag is raised. The
	// caller may set its own (flagged_pd).
	DefaultFlaggedPD = 0.25
	// DefaultPoolConfidence is the confidence of the extra-lending figure.
	DefaultPoolConfidence = 0.95
	// DefaultNewLoanSize is the size of an added loan when the pool has no
	// filings to take the mean of (yuan).
	DefaultNewLoanSize = 1_000_000
	// maxPoolDraws bounds Draws.
	maxPoolDraws = 1_000_000
	// maxNewLoans bounds the bisection.
	maxNewLoans = 1 << 20
)

// PoolRiskConfig sets PoolRisk. A nil config, and each zero field, takes
// the default.
type PoolRiskConfig struct {
	Draws      int     `json:"draws"`
	Seed       uint64  `json:"seed"`
	Rho        float64 `json:"rho"`
	LGD        float64 `json:"lgd"`
	DefaultPD  float64 `json:"default_pd"`
	Confidence float64 `json:"confidence"`
	// NewLoanSize and NewLoanPD describe the added homogeneous portfolio;
	// by default the mean amount and mean PD of the active filings.
	NewLoanSize float64 `json:"new_loan_size"`
	NewLoanPD   float64 `json:"new_loan_pd"`
	// FlaggedPD is the least PD of a loan whose collateral is flagged
	// (see the top of the file).
	FlaggedPD float64 `json:"flagged_pd"`
	// Scorecard gives the PDs; nil means DefaultScorecard.
	Scorecard *Scorecard `json:"-"`
}

// PoolRiskInput is a pool, its deals (deals of other pools are ignored),
// the borrowers' records (for their PDs), the as-of date and the
// collateral risks of the deals on it: Flags maps a deal's ID to the kinds
// of its risks (data.Deal.CollateralRisks; repeats are ignored, and so are
// deals that are not active filings of the pool).
type PoolRiskInput struct {
	Pool        data.Pool
	Deals       []data.Deal
	Enterprises []data.Enterprise
	AsOf        data.Date
	Flags       map[string][]data.RiskKind
}

// CollateralFlag is the level of a loan's collateral risks.
type CollateralFlag string

// The levels, from none to the worst.
const (
	FlagNone    CollateralFlag = "none"    // no risk, or only an annual fee falling due
	FlagWarning CollateralFlag = "warning" // a risk that may cost the collateral
	FlagLost    CollateralFlag = "lost"    // a pledged patent no longer secures the loan
)

// CollateralFlags are the levels in order.
var CollateralFlags = []CollateralFlag{FlagNone, FlagWarning, FlagLost}

// FlagOf returns the level of a loan with collateral risks of kinds: lost
// when any kind lost the collateral (data.RiskKind.LostCollateral), a
// warning for any other kind but fee_due, else none.
func FlagOf(kinds []data.RiskKind) CollateralFlag {
	f := FlagNone
	for _, k := range kinds {
		switch {
		case k.LostCollateral():
			return FlagLost
		case k != data.RiskFeeDue:
			f = FlagWarning
		}
	}
	return f
}

// Flagged reports whether f raises a loan's PD.
func (f CollateralFlag) Flagged() bool { return f == FlagWarning || f == FlagLost }

// PoolLoan is an active filing of the pool.
type PoolLoan struct {
	DealID       string     `json:"deal_id"`
	EnterpriseID string     `json:"enterprise_id"`
	BankID       string     `json:"bank_id"`
	Stage        data.Stage `json:"stage"`
	Amount       int64      `json:"amount"`
	// BasePD is the borrower's PD (scorecard or default); PD the one the
	// simulation's figures with the flags use: max(BasePD, FlaggedPD)
	// when the loan is flagged, else BasePD.
	BasePD   float64 `json:"base_pd"`
	PD       float64 `json:"pd"`
	PDSource string  `json:"pd_source"` // scorecard or default
	// Risks are the kinds of the loan's collateral risks on AsOf (in the
	// order of data's kinds) and Flag their level.
	Risks []data.RiskKind `json:"risks"`
	Flag  CollateralFlag  `json:"flag"`
	// MaxCompensation is what the fund pays if the loan loses LGD of its
	// amount: min(amount × LGD × fund share, per-loan cap).
	MaxCompensation float64 `json:"max_compensation"`
}

// PoolFlagExposure is the active filings at one collateral level, or with
// one kind of risk.
type PoolFlagExposure struct {
	Flag     CollateralFlag `json:"flag,omitempty"`
	Kind     data.RiskKind  `json:"kind,omitempty"`
	Loans    int            `json:"loans"`
	Exposure int64          `json:"exposure"`
}

// PoolLikelyClaim is a flagged loan and the fund's expected compensation
// on it over the year: PD × min(amount × LGD × fund share, per-loan cap,
// per-borrower cap).
type PoolLikelyClaim struct {
	DealID               string          `json:"deal_id"`
	EnterpriseID         string          `json:"enterprise_id"`
	BankID               string          `json:"bank_id"`
	Amount               int64           `json:"amount"`
	Flag                 CollateralFlag  `json:"flag"`
	Risks                []data.RiskKind `json:"risks"`
	BasePD               float64         `json:"base_pd"`
	PD                   float64         `json:"pd"`
	ExpectedCompensation float64         `json:"expected_compensation"`
}

// PoolLossFigures are the fund's one-year loss over the draws.
type PoolLossFigures struct {
	ExpectedLoss float64 `json:"expected_loss"`
	LossP95      float64 `json:"loss_p95"`
	LossP99      float64 `json:"loss_p99"`
	PExhausted   float64 `json:"p_exhausted"`
}

// PoolClaim is a compensated deal and what the fund paid for it.
type PoolClaim struct {
	DealID       string  `json:"deal_id"`
	EnterpriseID string  `json:"enterprise_id"`
	BankID       string  `json:"bank_id"`
	Amount       int64   `json:"amount"`
	Paid         float64 `json:"paid"`
}

// PoolRiskResult is the pool's book and its simulated losses. Money is in
// yuan.
type PoolRiskResult struct {
	PoolID         string  `json:"pool_id"`
	Size           int64   `json:"size"`
	FundShare      float64 `json:"fund_share"`
	Leverage       float64 `json:"leverage"`
	PerLoanCap     int64   `json:"per_loan_cap"`
	PerBorrowerCap int64   `json:"per_borrower_cap"`

	Filings    int     `json:"filings"`
	Borrowers  int     `json:"borrowers"`
	Exposure   int64   `json:"exposure"`    // Σ amounts of the active filings
	FundCover  float64 `json:"fund_cover"`  // Σ min(amount × share, caps): the most the fund could owe
	Claims     int     `json:"claims"`      // compensated deals
	ClaimsPaid float64 `json:"claims_paid"` // what the fund paid on them
	Remaining  float64 `json:"remaining"`   // size − claims paid
	// LeverageCapacity is remaining × leverage; LeverageHeadroom what is
	// left of it after the exposure.
	LeverageCapacity float64 `json:"leverage_capacity"`
	LeverageHeadroom float64 `json:"leverage_headroom"`

	// The one-year loss of the fund over the draws, the flagged loans at
	// their higher PD.
	ExpectedLoss float64 `json:"expected_loss"`
	LossP95      float64 `json:"loss_p95"`
	LossP99      float64 `json:"loss_p99"`
	PExhausted   float64 `json:"p_exhausted"`
	// Base is the same from the same draws without the flags (every loan
	// at its BasePD): the difference is the flags' alone.
	Base PoolLossFigures `json:"base"`

	// ByFlag is the active filings by collateral level (none, warning,
	// lost: they add up to Filings and Exposure); ByKind by kind of risk,
	// for the kinds present (a loan counts under each of its kinds).
	ByFlag []PoolFlagExposure `json:"by_flag"`
	ByKind []PoolFlagExposure `json:"by_kind"`
	// FlaggedLoans and FlaggedExposure are the loans at a warning or lost.
	FlaggedLoans    int   `json:"flagged_loans"`
	FlaggedExposure int64 `json:"flagged_exposure"`
	// LikelyClaims are the flagged loans, the largest expected
	// compensation first.
	LikelyClaims []PoolLikelyClaim `json:"likely_claims"`

	// ExtraLendingRisk is the added lending (in loans of NewLoanSize) the
	// pool can back with P(exhausted) ≤ 1 − confidence; ExtraLending is
	// that bounded by the leverage headroom.
	ExtraLendingRisk float64 `json:"extra_lending_risk"`
	ExtraLending     float64 `json:"extra_lending"`
	ExtraLoans       int     `json:"extra_loans"`

	Parameters PoolRiskParameters `json:"parameters"`
	Loans      []PoolLoan         `json:"loans"`
	ClaimList  []PoolClaim        `json:"claim_list"`
}

// PoolRiskParameters are what a result was computed with.
type PoolRiskParameters struct {
	Draws       int       `json:"draws"`
	Seed        uint64    `json:"seed"`
	Rho         float64   `json:"rho"`
	LGD         float64   `json:"lgd"`
	DefaultPD   float64   `json:"default_pd"`
	Confidence  float64   `json:"confidence"`
	NewLoanSize float64   `json:"new_loan_size"`
	NewLoanPD   float64   `json:"new_loan_pd"`
	FlaggedPD   float64   `json:"flagged_pd"`
	AsOf        data.Date `json:"as_of"`
	Horizon     string    `json:"horizon"`
	Model       string    `json:"model"`
}

// ActiveFiling reports whether a deal at stage s is exposure of its pool
// (filed through pledge_registered).
func ActiveFiling(s data.Stage) bool {
	switch s {
	case data.StageFiled, data.StageAccepted, data.StageDisbursed, data.StagePledgeRegistered:
		return true
	}
	return false
}

// poolBook is the pool's filings and claims.
type poolBook struct {
	loans      []data.Deal // active filings, by ID
	claims     []PoolClaim
	claimsPaid float64
}

func newPoolBook(pool *data.Pool, deals []data.Deal, skipID string) poolBook {
	var b poolBook
	paidBy := map[string]float64{}
	for i := range deals {
		d := &deals[i]
		if d.PoolID != pool.ID || d.ID == skipID && skipID != "" {
			continue
		}
		switch {
		case ActiveFiling(d.Stage):
			b.loans = append(b.loans, *d)
		case d.Stage == data.StageCompensated:
			paid := capAt(float64(d.Amount)*pool.FundShare, pool.PerLoanCap)
			if pool.PerBorrowerCap > 0 {
				paid = min(paid, max(0, float64(pool.PerBorrowerCap)-paidBy[d.EnterpriseID]))
			}
			paidBy[d.EnterpriseID] += paid
			b.claimsPaid += paid
			b.claims = append(b.claims, PoolClaim{DealID: d.ID, EnterpriseID: d.EnterpriseID, BankID: d.BankID, Amount: d.Amount, Paid: paid})
		}
	}
	slices.SortFunc(b.loans, func(x, y data.Deal) int { return cmp.Compare(x.ID, y.ID) })
	slices.SortFunc(b.claims, func(x, y PoolClaim) int { return cmp.Compare(x.DealID, y.DealID) })
	return b
}

// capAt returns min(x, c), or x when c is 0 (no cap).
func capAt(x float64, c int64) float64 {
	if c > 0 {
		return min(x, float64(c))
	}
	return x
}

// CheckFiling checks that deal d may be filed under pool (see the top of
// the file), given the pool's other deals. It returns a conflict *data.Error
// naming each broken cap (per_loan_cap, per_borrower_cap, leverage) with
// the figures, or nil. It panics if d is not under pool.
func CheckFiling(pool data.Pool, deals []data.Deal, d data.Deal) error {
	if d.PoolID != pool.ID {
		panic("matcher: CheckFiling: deal " + d.ID + " is not under pool " + pool.ID)
	}
	book := newPoolBook(&pool, deals, d.ID)
	var fields []data.FieldError
	share := pool.FundShare
	cover := float64(d.Amount) * share
	if pool.PerLoanCap > 0 && cover > float64(pool.PerLoanCap) {
		fields = append(fields, data.FieldError{Field: "per_loan_cap", Reason: fmt.Sprintf(
			"the fund would bear %.0f yuan (%.0f%% of %d), above the pool's per-loan cap of %d yuan; file at most %.0f yuan under this pool",
			cover, share*100, d.Amount, pool.PerLoanCap, math.Floor(float64(pool.PerLoanCap)/share))})
	}
	if pool.PerBorrowerCap > 0 {
		// The reason names only the filing bank's own figures: another
		// bank's loans to the same borrower are that bank's business.
		var sameBank, otherBanks float64
		for _, l := range book.loans {
			if l.EnterpriseID != d.EnterpriseID {
				continue
			}
			if l.BankID == d.BankID {
				sameBank += float64(l.Amount) * share
			} else {
				otherBanks += float64(l.Amount) * share
			}
		}
		if sameBank+otherBanks+cover > float64(pool.PerBorrowerCap) {
			reason := fmt.Sprintf("enterprise %s's filings under this pool would have the fund bear more than the pool's per-borrower cap of %d yuan: this loan adds %.0f",
				d.EnterpriseID, pool.PerBorrowerCap, cover)
			if sameBank > 0 {
				reason += fmt.Sprintf(", this bank's other filings %.0f", sameBank)
			}
			if otherBanks > 0 {
				reason += "; filings by other banks count too"
			}
			fields = append(fields, data.FieldError{Field: "per_borrower_cap", Reason: reason})
		}
	}
	var exposure int64
	for _, l := range book.loans {
		exposure += l.Amount
	}
	capacity := (float64(pool.Size) - book.claimsPaid) * pool.Leverage
	if float64(exposure+d.Amount) > capacity {
		fields = append(fields, data.FieldError{Field: "leverage", Reason: fmt.Sprintf(
			"filings would total %d yuan, above the pool's capacity of %.0f yuan ((size %d − claims paid %.0f) × leverage %g)",
			exposure+d.Amount, capacity, pool.Size, book.claimsPaid, pool.Leverage)})
	}
	if len(fields) > 0 {
		return &data.Error{Code: data.CodeConflict,
			Message: fmt.Sprintf("deal %s cannot be filed under pool %s: it breaks the pool's caps", d.ID, pool.ID), Fields: fields}
	}
	return nil
}

// withDefaults returns cfg with defaults filled in, or an invalid error
// naming the bad field.
func (cfg *PoolRiskConfig) withDefaults() (PoolRiskConfig, error) {
	var c PoolRiskConfig
	if cfg != nil {
		c = *cfg
	}
	if c.Draws == 0 {
		c.Draws = DefaultPoolDraws
	}
	if c.Seed == 0 {
		c.Seed = DefaultPoolSeed
	}
	if c.Rho == 0 {
		c.Rho = DefaultPoolRho
	}
	if c.LGD == 0 {
		c.LGD = DefaultPoolLGD
	}
	if c.DefaultPD == 0 {
		c.DefaultPD = DefaultPoolPD
	}
	if c.Confidence == 0 {
		c.Confidence = DefaultPoolConfidence
	}
	if c.FlaggedPD == 0 {
		c.FlaggedPD = DefaultFlaggedPD
	}
	var bad []data.FieldError
	check := func(ok bool, field, reason string) {
		if !ok {
			bad = append(bad, data.FieldError{Field: field, Reason: reason})
		}
	}
	check(c.Draws >= 100 && c.Draws <= maxPoolDraws, "draws", fmt.Sprintf("%d must be between 100 and %d", c.Draws, maxPoolDraws))
	check(c.Rho > 0 && c.Rho < 1, "rho", "must be above 0 and below 1")
	check(c.LGD > 0 && c.LGD <= 1, "lgd", "must be above 0 and at most 1")
	check(c.DefaultPD > 0 && c.DefaultPD < 1, "default_pd", "must be above 0 and below 1")
	check(c.Confidence >= 0.5 && c.Confidence < 1, "confidence", "must be at least 0.5 and below 1")
	check(c.NewLoanSize >= 0 && !math.IsInf(c.NewLoanSize, 0), "new_loan_size", "must not be negative")
	check(c.NewLoanPD >= 0 && c.NewLoanPD < 1, "new_loan_pd", "must be at least 0 and below 1")
	check(c.FlaggedPD > 0 && c.FlaggedPD < 1, "flagged_pd", "must be above 0 and below 1")
	if len(bad) > 0 {
		return c, &data.Error{Code: data.CodeInvalid, Message: "invalid pool risk parameters", Fields: bad}
	}
	if c.Scorecard == nil {
		sc := DefaultScorecard()
		c.Scorecard = &sc
	}
	return c, nil
}

// PoolRisk returns the pool's book, its simulated one-year losses and the
// extra lending it can still back (see the top of the file). Bad
// parameters return an invalid *data.Error; ctx is checked every few
// thousand draws.
func PoolRisk(ctx context.Context, in PoolRiskInput, cfg *PoolRiskConfig) (*PoolRiskResult, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	pool := in.Pool
	book := newPoolBook(&pool, in.Deals, "")
	ents := make(map[string]*data.Enterprise, len(in.Enterprises))
	for i := range in.Enterprises {
		ents[in.Enterprises[i].ID] = &in.Enterprises[i]
	}
	res := &PoolRiskResult{PoolID: pool.ID, Size: pool.Size, FundShare: pool.FundShare, Leverage: pool.Leverage,
		PerLoanCap: pool.PerLoanCap, PerBorrowerCap: pool.PerBorrowerCap,
		Claims: len(book.claims), ClaimsPaid: book.claimsPaid, ClaimList: book.claims, Loans: []PoolLoan{}}
	if res.ClaimList == nil {
		res.ClaimList = []PoolClaim{}
	}
	res.Remaining = float64(pool.Size) - book.claimsPaid
	res.LeverageCapacity = max(0, res.Remaining) * pool.Leverage

	// The loans, their PDs and default thresholds (base and flagged),
	// grouped by borrower.
	borrower := map[string]int{}
	var (
		thresholds, flaggedThr []float64
		loss                   []float64
		owner                  []int
		coverBy                = map[string]float64{}
		sumPD                  float64
		byFlag                 = map[CollateralFlag]*PoolFlagExposure{}
		byKind                 = map[data.RiskKind]*PoolFlagExposure{}
	)
	for _, f := range CollateralFlags {
		byFlag[f] = &PoolFlagExposure{Flag: f}
	}
	for _, d := range book.loans {
		pd, src := c.DefaultPD, "default"
		if e, ok := ents[d.EnterpriseID]; ok {
			pd, src = c.Scorecard.PD(e, in.AsOf).PD, "scorecard"
		}
		kinds := riskKinds(in.Flags[d.ID])
		flag := FlagOf(kinds)
		used := pd
		if flag.Flagged() {
			used = max(pd, c.FlaggedPD)
		}
		l := capAt(float64(d.Amount)*c.LGD*pool.FundShare, pool.PerLoanCap)
		res.Loans = append(res.Loans, PoolLoan{DealID: d.ID, EnterpriseID: d.EnterpriseID, BankID: d.BankID, Stage: d.Stage,
			Amount: d.Amount, BasePD: pd, PD: used, PDSource: src, Risks: kinds, Flag: flag, MaxCompensation: l})
		res.Exposure += d.Amount
		byFlag[flag].Loans++
		byFlag[flag].Exposure += d.Amount
		for _, k := range kinds {
			e := byKind[k]
			if e == nil {
				e = &PoolFlagExposure{Kind: k}
				byKind[k] = e
			}
			e.Loans++
			e.Exposure += d.Amount
		}
		if flag.Flagged() {
			res.FlaggedLoans++
			res.FlaggedExposure += d.Amount
			res.LikelyClaims = append(res.LikelyClaims, PoolLikelyClaim{DealID: d.ID, EnterpriseID: d.EnterpriseID, BankID: d.BankID,
				Amount: d.Amount, Flag: flag, Risks: kinds, BasePD: pd, PD: used,
				ExpectedCompensation: used * capAt(l, pool.PerBorrowerCap)})
		}
		coverBy[d.EnterpriseID] += capAt(float64(d.Amount)*pool.FundShare, pool.PerLoanCap)
		if _, ok := borrower[d.EnterpriseID]; !ok {
			borrower[d.EnterpriseID] = len(borrower)
		}
		thresholds = append(thresholds, distuv.UnitNormal.Quantile(pd))
		flaggedThr = append(flaggedThr, distuv.UnitNormal.Quantile(used))
		loss = append(loss, l)
		owner = append(owner, borrower[d.EnterpriseID])
		sumPD += pd
	}
	res.Filings, res.Borrowers = len(book.loans), len(borrower)
	for _, f := range CollateralFlags {
		res.ByFlag = append(res.ByFlag, *byFlag[f])
	}
	res.ByKind = []PoolFlagExposure{}
	for _, k := range riskKindOrder {
		if e := byKind[k]; e != nil {
			res.ByKind = append(res.ByKind, *e)
		}
	}
	if res.LikelyClaims == nil {
		res.LikelyClaims = []PoolLikelyClaim{}
	}
	slices.SortStableFunc(res.LikelyClaims, func(x, y PoolLikelyClaim) int {
		return cmp.Or(cmp.Compare(y.ExpectedCompensation, x.ExpectedCompensation), cmp.Compare(x.DealID, y.DealID))
	})
	for _, v := range coverBy {
		res.FundCover += capAt(v, pool.PerBorrowerCap)
	}
	res.LeverageHeadroom = max(0, res.LeverageCapacity-float64(res.Exposure))
	if c.NewLoanSize == 0 {
		c.NewLoanSize = DefaultNewLoanSize
		if len(book.loans) > 0 {
			c.NewLoanSize = float64(res.Exposure) / float64(len(book.loans))
		}
	}
	if c.NewLoanPD == 0 {
		c.NewLoanPD = c.DefaultPD
		if len(book.loans) > 0 {
			c.NewLoanPD = sumPD / float64(len(book.loans))
		}
	}
	res.Parameters = PoolRiskParameters{Draws: c.Draws, Seed: c.Seed, Rho: c.Rho, LGD: c.LGD, DefaultPD: c.DefaultPD,
		Confidence: c.Confidence, NewLoanSize: c.NewLoanSize, NewLoanPD: c.NewLoanPD, FlaggedPD: c.FlaggedPD, AsOf: in.AsOf, Horizon: "1 year",
		Model: "one-factor Gaussian copula (Vasicek); default when √ρ·Z + √(1−ρ)·ε < Φ⁻¹(PD); fund loss = min(amount × LGD × fund share, per-loan cap), per borrower ≤ per-borrower cap"}

	// The draws: the existing book's loss with the flags (L0) and without
	// (base), from the same Z and ε, and what the added portfolio needs
	// (its conditional PD and a uniform).
	sr, sr1 := math.Sqrt(c.Rho), math.Sqrt(1-c.Rho)
	newThr := distuv.UnitNormal.Quantile(c.NewLoanPD)
	// Without a flagged loan the base is the flagged figures: the second
	// count is skipped.
	flagged := res.FlaggedLoans > 0
	L0 := make([]float64, c.Draws)
	var base []float64
	if flagged {
		base = make([]float64, c.Draws)
	}
	pz := make([]float64, c.Draws)
	uz := make([]float64, c.Draws)
	byB := make([]float64, len(borrower))
	byBBase := make([]float64, len(borrower))
	pcg := rand.NewPCG(0, 0)
	r := rand.New(pcg)
	for d := range c.Draws {
		if d%4096 == 4095 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		pcg.Seed(c.Seed, uint64(d))
		z := r.NormFloat64()
		clear(byB)
		if flagged {
			clear(byBBase)
		}
		for i, thr := range flaggedThr {
			// thresholds[i] ≤ thr: a base default is a flagged one too.
			if x := sr*z + sr1*r.NormFloat64(); x < thr {
				byB[owner[i]] += loss[i]
				if flagged && x < thresholds[i] {
					byBBase[owner[i]] += loss[i]
				}
			}
		}
		var total float64
		for _, v := range byB {
			total += capAt(v, pool.PerBorrowerCap)
		}
		L0[d] = total
		if flagged {
			var totalBase float64
			for _, v := range byBBase {
				totalBase += capAt(v, pool.PerBorrowerCap)
			}
			base[d] = totalBase
		}
		pz[d] = distuv.UnitNormal.CDF((newThr - sr*z) / sr1)
		uz[d] = r.Float64()
	}
	R := res.Remaining
	exhausted := func(total float64) bool { return R <= 0 || total >= R }
	figures := func(losses []float64) PoolLossFigures {
		var f PoolLossFigures
		var sum float64
		var hits int
		for _, v := range losses {
			sum += v
			if exhausted(v) {
				hits++
			}
		}
		f.ExpectedLoss = sum / float64(len(losses))
		f.PExhausted = float64(hits) / float64(len(losses))
		sorted := slices.Clone(losses)
		slices.Sort(sorted)
		f.LossP95 = sorted[int(math.Ceil(0.95*float64(len(losses))))-1]
		f.LossP99 = sorted[int(math.Ceil(0.99*float64(len(losses))))-1]
		return f
	}
	with := figures(L0)
	res.ExpectedLoss, res.LossP95, res.LossP99, res.PExhausted = with.ExpectedLoss, with.LossP95, with.LossP99, with.PExhausted
	res.Base = with
	if flagged {
		res.Base = figures(base)
	}

	// Bisection on the number of added loans.
	perNew := capAt(c.NewLoanSize*c.LGD*pool.FundShare, pool.PerLoanCap)
	if pool.PerBorrowerCap > 0 {
		perNew = min(perNew, float64(pool.PerBorrowerCap))
	}
	allowed := int((1 - c.Confidence) * float64(c.Draws)) // draws that may exhaust the pool
	ok := func(n int) bool {
		bad := 0
		for d := range c.Draws {
			if exhausted(L0[d]) {
				bad++
			} else if n > 0 && perNew > 0 {
				// L0 + K × perNew ≥ R iff K > kmax = ⌈(R − L0)/perNew⌉ − 1,
				// and K > kmax iff CDF(kmax) < u.
				kmax := math.Ceil((R-L0[d])/perNew) - 1
				if kmax < float64(n) && (distuv.Binomial{N: float64(n), P: pz[d]}).CDF(kmax) < uz[d] {
					bad++
				}
			}
			if bad > allowed {
				return false
			}
		}
		return true
	}
	if perNew > 0 && ok(0) {
		lo, hi := 0, 1
		for hi < maxNewLoans && ok(hi) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			lo, hi = hi, hi*2
		}
		for hi-lo > 1 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			mid := lo + (hi-lo)/2
			if ok(mid) {
				lo = mid
			} else {
				hi = mid
			}
		}
		res.ExtraLoans = lo
		res.ExtraLendingRisk = float64(lo) * c.NewLoanSize
	}
	res.ExtraLending = min(res.ExtraLendingRisk, res.LeverageHeadroom)
	return res, nil
}

// riskKindOrder is the order of data's risk kinds, for listing them.
var riskKindOrder = []data.RiskKind{data.RiskFeeDue, data.RiskFeeGrace, data.RiskLapsed, data.RiskInvalidationOpen,
	data.RiskInvalidated, data.RiskPreserved, data.RiskTransferred, data.RiskExpiresFirst, data.RiskMissing}

// riskKinds returns kinds without repeats in riskKindOrder, never nil;
// a kind data does not define comes last.
func riskKinds(kinds []data.RiskKind) []data.RiskKind {
	out := []data.RiskKind{}
	for _, k := range kinds {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	rank := func(k data.RiskKind) int {
		if i := slices.Index(riskKindOrder, k); i >= 0 {
			return i
		}
		return len(riskKindOrder)
	}
	slices.SortStableFunc(out, func(x, y data.RiskKind) int { return cmp.Compare(rank(x), rank(y)) })
	return out
}
