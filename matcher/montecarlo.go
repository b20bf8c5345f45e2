package matcher

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"ipmatch/data"
)

// Defaults of MonteCarloConfig.
const (
	// DefaultDraws is the number of Monte Carlo draws.
	DefaultDraws = 10_000
	// MaxDraws is the largest number of draws accepted.
	MaxDraws = 1_000_000
	// DefaultMaxLifeYears caps the remaining economic life of a patent.
	DefaultMaxLifeYears = 10.0
	// maxLifeYears is the longest life the model handles: the 20-year term
	// of an invention patent.
	maxLifeYears = 20
	// DefaultTaxRate is the enterprise income-tax rate (企业所得税法 art. 4).
	DefaultTaxRate = 0.25
	// HighTechTaxRate is the rate of certified high-tech enterprises
	// (企业所得税法 art. 28), used by default when the enterprise holds the
	// data.CertHighTech certification.
	HighTechTaxRate = 0.15
	// DefaultGrowthMedian is the median annual revenue growth.
	DefaultGrowthMedian = 0.03
	// DefaultGrowthSigma is the standard deviation of log(1 + growth).
	DefaultGrowthSigma = 0.10
	// DefaultStrength is a patent's strength when none is given: the middle
	// of the 专利价值度 scale.
	DefaultStrength = 0.5
	// marginYears is how many recent years of financials the profit margin
	// is averaged over.
	marginYears = 3
)

// The income approaches of a valuation (ValuationParameters.Approach).
const (
	// ApproachProfitSplit credits the patents with the technology's share
	// of the profit of the products they protect (利润分成法): the
	// contribution rate on sales is the profit share times the
	// enterprise's profit margin.
	ApproachProfitSplit = "profit_split"
	// ApproachRoyalty credits them with the royalty a licensee would pay
	// on the sales (提成率, relief from royalty): used when the royalty
	// rate is configured, or when the enterprise has no positive profit
	// margin to split.
	ApproachRoyalty = "relief_from_royalty"
)

// Default ranges of MonteCarloConfig (triangular low, mode, high).
//
// The profit share is the share of the profit of the products embodying
// the patents that Chinese appraisals credit to the technology: 25 % by
// the four-factor split (四分法: capital, labour, management, technology)
// and 33 % by the three-factor split (三分法: capital, labour,
// technology); the mode is their middle. The four premiums are ipmatch's
// choice within the build-up that Chinese appraisals use (折现率 = 无风险
// 报酬率 + 技术、市场、资金、经营管理风险报酬率): with the 1-year LPR of
// 2021-04 (3.85 %) their modes give a central discount rate of 15.35 %,
// near the 15 % of the product's worked example. The life factor says the
// economic life ends between 60 % of the remaining (capped) term and the
// term's end, most likely at its end.
var (
	defaultProfitShare       = Range{Low: 0.25, Mode: 0.29, High: 1.0 / 3}
	defaultTechnicalPremium  = Range{Low: 0.02, Mode: 0.04, High: 0.06}
	defaultMarketPremium     = Range{Low: 0.02, Mode: 0.035, High: 0.05}
	defaultFundingPremium    = Range{Low: 0.01, Mode: 0.02, High: 0.03}
	defaultManagementPremium = Range{Low: 0.01, Mode: 0.02, High: 0.03}
	defaultLifeFactor        = Range{Low: 0.6, Mode: 1, High: 1}
)

// Range is a triangular distribution from Low to High with its mode at
// Mode (Low ≤ Mode ≤ High). Low == High is a fixed value.
type Range struct {
	Low  float64 `json:"low"`
	Mode float64 `json:"mode"`
	High float64 `json:"high"`
}

// scale returns r with every point multiplied by f ≥ 0.
func (r Range) scale(f float64) Range {
	return Range{Low: r.Low * f, Mode: r.Mode * f, High: r.High * f}
}

// Growth is the distribution of annual revenue growth g: 1 + g is
// log-normal with median 1 + Median and log standard deviation Sigma.
// Sigma 0 is a fixed growth rate.
type Growth struct {
	Median float64 `json:"median"`
	Sigma  float64 `json:"sigma"`
}

// MonteCarloConfig sets the Monte Carlo income-approach valuation. A nil
// config, a zero number and a nil pointer each mean the default. The JSON
// names are the field names that validation errors use.
type MonteCarloConfig struct {
	// Draws is the number of joint draws (default DefaultDraws, at most
	// MaxDraws).
	Draws int `json:"draws,omitempty"`
	// Seed makes the result reproducible: the same inputs and seed give the
	// same result on any machine and any number of CPUs. Different seeds
	// give different draws.
	Seed uint64 `json:"seed,omitempty"`
	// Strengths, one per patent in the order given and each in [0, 1], are
	// the share of the technology's contribution to the products that
	// each patent secures on its own; ipmatch uses the patent's indicator
	// value (专利价值度) ÷ 100. Nil means DefaultStrength for every patent.
	Strengths []float64 `json:"strengths,omitempty"`
	// RevenueBase is the annual sales revenue in yuan that the growth starts
	// from (year 0). Zero means the latest year of the enterprise's
	// financials.
	RevenueBase float64 `json:"revenue_base,omitempty"`
	// RevenueShare is the part of the revenue that comes from products using
	// the patents, in (0, 1]. Zero means 1: a manufacturer's patents
	// protect the products it makes, which appraisers take as its main
	// business revenue.
	RevenueShare float64 `json:"revenue_share,omitempty"`
	// Growth is the distribution of annual revenue growth, drawn once per
	// draw for the whole enterprise. Nil means median DefaultGrowthMedian,
	// sigma DefaultGrowthSigma.
	Growth *Growth `json:"growth,omitempty"`
	// ProfitShare is the technology's share of the profit (利润分成率),
	// drawn once per draw. Nil means 25 %–29 %–33.3 % (四分法 to 三分法).
	ProfitShare *Range `json:"profit_share,omitempty"`
	// ProfitMargin is the profit ÷ revenue of the products (销售利润率) the
	// profit share applies to. Nil means the enterprise's own: its total
	// profit ÷ total revenue over its last three recorded years.
	ProfitMargin *float64 `json:"profit_margin,omitempty"`
	// RoyaltyRate, when set, values by relief from royalty at this rate on
	// sales instead of by the profit split. Nil means the profit split,
	// and, for an enterprise without a positive margin, the royalty row of
	// its industry in RoyaltyTable (or the 1 %–3 % default row).
	RoyaltyRate *Range `json:"royalty_rate,omitempty"`
	// TaxRate is the income-tax rate. Nil means DefaultTaxRate, or
	// HighTechTaxRate for a certified high-tech enterprise.
	TaxRate *float64 `json:"tax_rate,omitempty"`
	// BaseRate is the base of the discount rate. Nil means the 1-year LPR in
	// force on the as-of date (see LPROn).
	BaseRate *float64 `json:"base_rate,omitempty"`
	// TechnicalPremium, MarketPremium, FundingPremium and ManagementPremium
	// are the risk premiums added to the base rate, each drawn once per
	// draw. Nil means 2–4–6 %, 2–3.5–5 %, 1–2–3 % and 1–2–3 % (low, mode,
	// high).
	TechnicalPremium  *Range `json:"technical_premium,omitempty"`
	MarketPremium     *Range `json:"market_premium,omitempty"`
	FundingPremium    *Range `json:"funding_premium,omitempty"`
	ManagementPremium *Range `json:"management_premium,omitempty"`
	// MaxLifeYears caps each patent's remaining economic life, which never
	// exceeds its remaining legal term either. Zero means
	// DefaultMaxLifeYears; at most 20.
	MaxLifeYears float64 `json:"max_life_years,omitempty"`
	// LifeFactor is the share of the capped remaining term that a patent
	// stays economically useful, drawn for each patent in each draw
	// (obsolescence is patent-specific). It must lie within [0, 1]. Nil
	// means 0.6–1–1.
	LifeFactor *Range `json:"life_factor,omitempty"`
}

// Percentiles summarise a distribution of values in yuan. P50 is the
// point value that plays the appraiser's role; P10 is the low end that
// feeds a bank's loss given default.
type Percentiles struct {
	P10  float64 `json:"p10"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	Mean float64 `json:"mean"`
}

// times returns p with every figure multiplied by f.
func (p Percentiles) times(f float64) Percentiles {
	return Percentiles{P10: p.P10 * f, P50: p.P50 * f, P90: p.P90 * f, Mean: p.Mean * f}
}

// plus returns p + q figure by figure.
func (p Percentiles) plus(q Percentiles) Percentiles {
	return Percentiles{P10: p.P10 + q.P10, P50: p.P50 + q.P50, P90: p.P90 + q.P90, Mean: p.Mean + q.Mean}
}

// ValuationParameters are every input of a Monte Carlo valuation as used,
// defaults filled in, so that an answer shows how it was reached.
type ValuationParameters struct {
	// Draws and Seed are the number of draws and the seed used.
	Draws int    `json:"draws"`
	Seed  uint64 `json:"seed"`
	// LPR is the fixing the base rate comes from; nil when BaseRate was
	// configured.
	LPR *LPRQuote `json:"lpr,omitempty"`
	// BaseRate is the base of the discount rate (the 1-year LPR by default).
	BaseRate float64 `json:"base_rate"`
	// TechnicalPremium, MarketPremium, FundingPremium and ManagementPremium
	// are the premiums' triangular ranges.
	TechnicalPremium  Range `json:"technical_premium"`
	MarketPremium     Range `json:"market_premium"`
	FundingPremium    Range `json:"funding_premium"`
	ManagementPremium Range `json:"management_premium"`
	// DiscountRateMode is the base rate plus the premiums' modes.
	DiscountRateMode float64 `json:"discount_rate_mode"`
	// Approach is ApproachProfitSplit or ApproachRoyalty.
	Approach string `json:"approach"`
	// ProfitShare is the technology's share of profit and ProfitMargin the
	// margin it applies to (profit split only); MarginYears the years the
	// margin was averaged over (empty when configured).
	ProfitShare  Range   `json:"profit_share,omitzero"`
	ProfitMargin float64 `json:"profit_margin,omitempty"`
	MarginYears  []int   `json:"margin_years,omitempty"`
	// Industry is the enterprise's GB/T 4754 code, RoyaltySector the row of
	// the royalty table used ("configured" when RoyaltyRate was given) and
	// RoyaltyRate its range (relief from royalty only).
	Industry      string `json:"industry,omitempty"`
	RoyaltySector string `json:"royalty_sector,omitempty"`
	RoyaltyRate   Range  `json:"royalty_rate,omitzero"`
	// ContributionRate is the part of the sales credited to the
	// technology each year (销售收入分成率): ProfitShare × ProfitMargin, or
	// RoyaltyRate. RoyaltyBasis names the convention: a share of sales.
	ContributionRate Range  `json:"contribution_rate,omitzero"`
	RoyaltyBasis     string `json:"royalty_basis"`
	// The API leaves out RevenueBase, RevenueYear, ProfitMargin,
	// MarginYears and (profit split) ContributionRate for a bank the
	// enterprise did not share its financials with.
	//
	// RevenueBase is the year-0 sales revenue in yuan, RevenueYear the year
	// of the financials it comes from (0 when configured), RevenueShare the
	// part of it from products using the patents and Growth its growth.
	RevenueBase  float64 `json:"revenue_base,omitzero"`
	RevenueYear  int     `json:"revenue_year,omitempty"`
	RevenueShare float64 `json:"revenue_share"`
	Growth       Growth  `json:"growth"`
	// TaxRate is the income-tax rate applied to the contribution.
	TaxRate float64 `json:"tax_rate"`
	// MaxLifeYears caps the remaining economic life; LifeFactor is the
	// range of the share of the capped term actually used.
	MaxLifeYears float64 `json:"max_life_years"`
	LifeFactor   Range   `json:"life_factor"`
	// StrengthBasis says where the patents' strengths come from.
	StrengthBasis string `json:"strength_basis"`
	// Quantiles names the percentile definition.
	Quantiles string `json:"quantiles"`
}

// PatentValuation is one patent's part of a portfolio valuation.
type PatentValuation struct {
	ApplicationNumber string `json:"application_number"`
	// ExpiryDate is the end of the legal term (derived from the filing date
	// and type when the record has none).
	ExpiryDate data.Date `json:"expiry_date,omitzero"`
	// RemainingLegalYears is the legal term left on the as-of date.
	RemainingLegalYears float64 `json:"remaining_legal_years"`
	// LifeYears is the range of the remaining economic life drawn:
	// min(remaining legal term, MaxLifeYears) × LifeFactor.
	LifeYears Range `json:"life_years"`
	// Strength is the share of the technology's contribution the patent
	// secures on its own (before the portfolio's coverage); Attribution the
	// share credited to it within the whole portfolio, a_i ÷ coverage (see
	// ValuePortfolio); both 0 for a patent not valued.
	Strength    float64 `json:"strength"`
	Attribution float64 `json:"attribution"`
	// Value are the percentiles of the patent's part of the portfolio's
	// value, Standalone those of its value pledged on its own, in yuan.
	Value      Percentiles `json:"value"`
	Standalone Percentiles `json:"standalone"`
	// Status says whether the patent is valued, and if not why, as a code
	// (PatentValued, PatentNotGranted …); Note says it in English.
	Status string `json:"status"`
	Note   string `json:"note,omitempty"`
}

// The statuses of a patent in a valuation.
const (
	PatentValued        = "valued"
	PatentNotGranted    = "not_granted"    // an application pending
	PatentNoRight       = "no_right"       // lapsed, invalidated, rejected or withdrawn
	PatentTermEnded     = "term_ended"     // its legal term has ended
	PatentNoExpiry      = "no_expiry"      // no expiry date and nothing to derive it from
	PatentStatusUnknown = "status_unknown" // no legal status on record
	PatentZeroStrength  = "zero_strength"  // strength 0
)

// PortfolioValuation is the Monte Carlo income-approach valuation of one
// enterprise's patent portfolio on a date.
type PortfolioValuation struct {
	EnterpriseID string    `json:"enterprise_id,omitempty"`
	AsOf         data.Date `json:"as_of"`
	// Parameters are all the inputs used, defaults filled in.
	Parameters ValuationParameters `json:"parameters"`
	// Portfolio are the percentiles of the portfolio's value: of the sum of
	// the patents' values draw by draw, not the sum of their percentiles.
	Portfolio Percentiles `json:"portfolio"`
	// Coverage is the protection the valued patents hold together,
	// 1 − Π (1 − s_i): values are divided by it, so that together they
	// earn the technology's whole share (see ValuePortfolio).
	Coverage float64 `json:"coverage"`
	// Patents are the patents' valuations, in the order given.
	Patents []PatentValuation `json:"patents"`
	// Notes say what a reader should know: a stale LPR, patents not valued,
	// the approach used.
	Notes []string `json:"notes,omitempty"`
}

// ValuePortfolio values the patents of enterprise e on asOf by the income
// approach as Chinese pledge appraisals apply it (资产评估执业准则—无形资产,
// 专利资产评估指导意见): the patents are credited with the technology's
// share of the profit of the products they protect, over their remaining
// economic life, discounted at a rate built up from the LPR. Per draw d:
//
//	r        = base rate + technical + market + funding + management premium
//	q        = (1 + g) / (1 + r)
//	k        = profit share × profit margin   (profit split; or the royalty rate)
//	life_i   = min(remaining legal term_i, MaxLifeYears) × λ_i
//	S(L)     = Σ_{k=1..⌊L⌋} q^k + (L − ⌊L⌋) × q^{⌊L⌋+1}
//	U_i      = revenue × revenue share × k × (1 − tax) × S(life_i)
//	value    = Σ_i a_i × U_i
//
// U_i is what the technology earns over patent i's life; a_i is the part
// of it credited to patent i. The patents protect the same products, so
// their protection overlaps: patent i alone holds its strength s_i
// (专利价值度 ÷ 100) of the protection, and a set of patents holds
// 1 − Π (1 − s_i) of it while all are alive. Crediting the patents in
// order of their capped terms, longest first (then strength, then order
// given), with a_i = s_i × Π_{j before i} (1 − s_j) ÷ C, where
// C = 1 − Π (1 − s) over all the valued patents (Coverage), the patents
// alive in year t together earn their share of the protection of that
// year's contribution (exactly so while the drawn lives keep the order of
// their caps), and all of them together its whole (appraisals
// credit an enterprise's patents with the technology's whole share). A
// set G of the patents pledged without the others is worth
// Σ_{i∈G} a_i(G) × U_i with a_i(G) computed within G (still ÷ C), so a
// patent's standalone value, pledged alone, is s_i ÷ C × U_i.
//
// Growth g, the profit share (or royalty) and the four premiums are
// enterprise-level and drawn once per draw, shared by all patents; the
// life factor λ_i is drawn per patent. They are triangular
// (distuv.Triangle) except 1 + g, log-normal (distuv.LogNormal), all by
// inverse-CDF sampling from a seeded PCG stream per chunk of draws, so the
// result depends only on the inputs and cfg.Seed. Percentiles are
// empirical order statistics (stat.Empirical): the portfolio's come from
// stat.Quantile on its sorted draws, each patent's from a bucket select
// that returns the same values without sorting.
//
// Only granted patents in force are valued: a patent whose legal term has
// ended on asOf, whose right has lapsed or been invalidated, an
// application still pending (no enforceable right yet, and CNIPA registers
// no pledge of it) and a patent of unknown status are worth 0.
//
// ValuePortfolio panics if e is nil. It returns an invalid *data.Error
// naming the field for bad input (no patents, a patent of another owner, no
// revenue base, an as-of date before the first LPR fixing, configuration
// out of range or strengths not one per patent in [0, 1]), and ctx.Err()
// if ctx is cancelled; ctx is checked between chunks of draws.
func ValuePortfolio(ctx context.Context, e *data.Enterprise, patents []data.Patent, asOf data.Date, cfg *MonteCarloConfig) (PortfolioValuation, error) {
	if e == nil {
		panic("matcher: ValuePortfolio: nil enterprise")
	}
	if cfg == nil {
		cfg = &MonteCarloConfig{}
	}
	plan, err := planValuation(e, patents, asOf, cfg)
	if err != nil {
		return PortfolioValuation{}, err
	}
	if err := plan.simulate(ctx); err != nil {
		return PortfolioValuation{}, err
	}
	return plan.out, nil
}

// livePatent is a patent that takes part in the simulation.
type livePatent struct {
	index int     // into out.Patents
	cap   float64 // min(remaining legal term, max life), years
	att   float64 // attribution a_i
}

// valuationPlan is a validated valuation ready to simulate.
type valuationPlan struct {
	out  PortfolioValuation
	live []livePatent
	coef float64 // revenue × revenue share × (1 − tax) × margin (profit split), yuan
	// factors, when set, scale each patent's value (the calibration);
	// one per patent given.
	factors []float64
	draws   int
	seed    uint64

	baseRate     float64
	growth       distuv.LogNormal
	growthMedian float64 // 1 + median growth
	growthFixed  bool

	share, tech, market, funding, mgmt, lifeFactor sampler
}

// sampler draws from a triangular distribution by inverse CDF, or returns a
// fixed value when the range is a point.
type sampler struct {
	tri   distuv.Triangle
	fixed bool
	value float64
}

func newSampler(r Range) sampler {
	if r.Low == r.High {
		return sampler{fixed: true, value: r.Low}
	}
	return sampler{tri: distuv.NewTriangle(r.Low, r.High, r.Mode, nil)}
}

// at returns the value at cumulative probability u.
func (s *sampler) at(u float64) float64 {
	if s.fixed {
		return s.value
	}
	return s.tri.Quantile(u)
}

// incomeBasis is the enterprise-level part of a valuation: how the
// technology's yearly contribution is computed. The value of a patent is
// coef × (a draw of shareRange) × S(life; q).
type incomeBasis struct {
	approach    string
	shareRange  Range   // the drawn rate: profit share (profit split) or royalty
	margin      float64 // the profit margin (profit split), else 1
	marginYears []int
	sector      string // royalty-table row, "configured" or ""
	revenue     float64
	revenueYear int
	revShare    float64
	tax         float64
}

// coef returns revenue × revenue share × (1 − tax) × margin.
func (b *incomeBasis) coef() float64 { return b.revenue * b.revShare * (1 - b.tax) * b.margin }

// contribution returns the range of the yearly share of sales credited to
// the technology.
func (b *incomeBasis) contribution() Range { return b.shareRange.scale(b.margin) }

// profitMargin returns e's total profit ÷ total revenue over its last
// marginYears recorded years with revenue, and those years.
func profitMargin(e *data.Enterprise) (float64, []int) {
	var profit, revenue float64
	var years []int
	fs := byYear(e.Financials)
	for i := len(fs) - 1; i >= 0 && len(years) < marginYears; i-- {
		f := fs[i]
		if f.Revenue <= 0 {
			continue
		}
		profit += float64(f.Profit)
		revenue += float64(f.Revenue)
		years = append(years, f.Year)
	}
	if revenue == 0 {
		return 0, nil
	}
	slices.Reverse(years)
	return profit / revenue, years
}

// byYear returns fs in year order (a copy when it is not already).
func byYear(fs []data.Financials) []data.Financials {
	if slices.IsSortedFunc(fs, func(a, b data.Financials) int { return cmp.Compare(a.Year, b.Year) }) {
		return fs
	}
	fs = slices.Clone(fs)
	slices.SortFunc(fs, func(a, b data.Financials) int { return cmp.Compare(a.Year, b.Year) })
	return fs
}

// basisOf resolves the income basis of e under cfg, reporting bad fields
// through bad. The revenue base is the latest year's (or the configured
// one).
func basisOf(e *data.Enterprise, cfg *MonteCarloConfig, bad func(field, format string, args ...any)) incomeBasis {
	b := incomeBasis{margin: 1}
	switch {
	case cfg.RevenueBase != 0:
		b.revenue = cfg.RevenueBase
		if !(b.revenue > 0) || math.IsInf(b.revenue, 0) {
			bad("revenue_base", "must be a positive number of yuan")
		}
	default:
		fs := byYear(e.Financials)
		if len(fs) == 0 {
			bad("financials", "the income approach needs at least one year's revenue (or a configured revenue base)")
			break
		}
		latest := fs[len(fs)-1]
		if latest.Revenue < 0 {
			bad("financials.revenue", "must not be negative")
		}
		b.revenue, b.revenueYear = float64(latest.Revenue), latest.Year
	}
	b.revShare = cfg.RevenueShare
	if b.revShare == 0 {
		b.revShare = 1
	} else if !(b.revShare > 0 && b.revShare <= 1) {
		bad("revenue_share", "must be above 0 and at most 1")
	}
	switch {
	case cfg.TaxRate != nil:
		b.tax = *cfg.TaxRate
		if !(b.tax >= 0 && b.tax < 1) {
			bad("tax_rate", "must be at least 0 and below 1")
		}
	case e.HasCert(data.CertHighTech):
		b.tax = HighTechTaxRate
	default:
		b.tax = DefaultTaxRate
	}

	if cfg.RoyaltyRate != nil {
		b.approach, b.shareRange, b.sector = ApproachRoyalty, *cfg.RoyaltyRate, "configured"
		checkRange(bad, "royalty_rate", b.shareRange, 0, 1)
		return b
	}
	margin, years := 0.0, []int(nil)
	if cfg.ProfitMargin != nil {
		margin = *cfg.ProfitMargin
		if !(margin >= -1 && margin <= 1) {
			bad("profit_margin", "must be between -1 and 1")
		}
	} else {
		margin, years = profitMargin(e)
	}
	if margin > 0 {
		b.approach, b.margin, b.marginYears = ApproachProfitSplit, margin, years
		b.shareRange = defaultProfitShare
		if cfg.ProfitShare != nil {
			b.shareRange = *cfg.ProfitShare
			checkRange(bad, "profit_share", b.shareRange, 0, 1)
		}
		return b
	}
	row, _ := RoyaltyRateFor(e.Industry)
	b.approach, b.shareRange, b.sector = ApproachRoyalty, row.Rate, row.Sector
	return b
}

// valuedPatent reports whether the income approach values p: a granted
// right in force (status valid) with legal term left. remMonths is the
// term left on the as-of date.
func valuedPatent(p *data.Patent, remMonths float64) bool {
	return p.LegalStatus == data.StatusValid && remMonths > 0
}

// notValued says why p is not valued (valuedPatent false): a status code
// and an English note for the API.
func notValued(p *data.Patent, expiry data.Date) (string, string) {
	switch p.LegalStatus {
	case data.StatusPending:
		return PatentNotGranted, "application pending: not valued until granted (no enforceable right yet, and CNIPA registers no pledge of it)"
	case data.StatusLapsed, data.StatusInvalidated, data.StatusRejected, data.StatusWithdrawn:
		return PatentNoRight, fmt.Sprintf("legal status %s (%s): no right to value", p.LegalStatus, p.LegalStatus.Label())
	case data.StatusValid:
		if expiry.IsZero() {
			return PatentNoExpiry, "no expiry date and no filing date and type to derive it from: cannot bound the life"
		}
		return PatentTermEnded, fmt.Sprintf("legal term ended on %s", expiry)
	}
	return PatentStatusUnknown, "legal status unknown: not valued"
}

// attributions sets out[i] = s_i × Π_{j before i} (1 − s_j) for the
// patents in the order given by order (indexes into strengths) and
// returns their sum, the protection they hold together, 1 − Π (1 − s).
func attributions(strengths []float64, order []int, out []float64) float64 {
	left := 1.0
	for _, i := range order {
		out[i] = strengths[i] * left
		left *= 1 - strengths[i]
	}
	return 1 - left
}

func planValuation(e *data.Enterprise, patents []data.Patent, asOf data.Date, cfg *MonteCarloConfig) (*valuationPlan, error) {
	var fields []data.FieldError
	bad := func(field, format string, args ...any) {
		fields = append(fields, data.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	p := &valuationPlan{seed: cfg.Seed, draws: cfg.Draws}
	par := &p.out.Parameters

	if len(patents) == 0 {
		bad("patents", "at least one patent is required")
	}
	for i, pt := range patents {
		if pt.OwnerID != "" && e.ID != "" && pt.OwnerID != e.ID {
			bad("patents["+strconv.Itoa(i)+"].owner_id", "%q is not the enterprise %q: a portfolio belongs to one enterprise", pt.OwnerID, e.ID)
		}
	}
	if asOf.IsZero() {
		bad("as_of", "is required")
	}

	switch {
	case p.draws == 0:
		p.draws = DefaultDraws
	case p.draws < 0 || p.draws > MaxDraws:
		bad("draws", "must be between 1 and %d", MaxDraws)
	}

	// Discount rate.
	if cfg.BaseRate != nil {
		par.BaseRate = *cfg.BaseRate
		if !(par.BaseRate >= 0 && par.BaseRate < 1) {
			bad("base_rate", "must be at least 0 and below 1")
		}
	} else if !asOf.IsZero() {
		q, err := LPROn(asOf)
		if err != nil {
			fields = append(fields, data.ErrorFields(err)...)
		} else {
			par.LPR = &q
			par.BaseRate = q.OneYear
			if q.Stale {
				p.out.Notes = append(p.out.Notes, fmt.Sprintf("as-of date %s is more than a month after the last LPR fixing in the table (%s): its 1-year LPR %.2f%% is used; newer fixings are not in the table", asOf, q.Date, 100*q.OneYear))
			}
		}
	}
	premium := func(field string, r *Range, def Range) Range {
		if r == nil {
			return def
		}
		checkRange(bad, field, *r, 0, 1)
		return *r
	}
	par.TechnicalPremium = premium("technical_premium", cfg.TechnicalPremium, defaultTechnicalPremium)
	par.MarketPremium = premium("market_premium", cfg.MarketPremium, defaultMarketPremium)
	par.FundingPremium = premium("funding_premium", cfg.FundingPremium, defaultFundingPremium)
	par.ManagementPremium = premium("management_premium", cfg.ManagementPremium, defaultManagementPremium)
	par.DiscountRateMode = par.BaseRate + par.TechnicalPremium.Mode + par.MarketPremium.Mode + par.FundingPremium.Mode + par.ManagementPremium.Mode

	// Income basis: revenue, approach, contribution rate, tax.
	b := basisOf(e, cfg, bad)
	par.Industry = e.Industry
	par.RoyaltyBasis = RoyaltyBasis
	par.Approach = b.approach
	par.RevenueBase, par.RevenueYear, par.RevenueShare, par.TaxRate = b.revenue, b.revenueYear, b.revShare, b.tax
	if b.approach == ApproachProfitSplit {
		par.ProfitShare, par.ProfitMargin, par.MarginYears = b.shareRange, b.margin, b.marginYears
	} else {
		par.RoyaltyRate, par.RoyaltySector = b.shareRange, b.sector
	}
	par.ContributionRate = b.contribution()
	par.Growth = Growth{Median: DefaultGrowthMedian, Sigma: DefaultGrowthSigma}
	if cfg.Growth != nil {
		par.Growth = *cfg.Growth
		if !(par.Growth.Median > -1 && par.Growth.Median < 10) {
			bad("growth.median", "must be above -1 and below 10")
		}
		if !(par.Growth.Sigma >= 0 && par.Growth.Sigma <= 2) {
			bad("growth.sigma", "must be between 0 and 2")
		}
	}

	// Life.
	par.MaxLifeYears = cfg.MaxLifeYears
	if par.MaxLifeYears == 0 {
		par.MaxLifeYears = DefaultMaxLifeYears
	} else if !(par.MaxLifeYears > 0 && par.MaxLifeYears <= maxLifeYears) {
		bad("max_life_years", "must be above 0 and at most %d", maxLifeYears)
	}
	par.LifeFactor = defaultLifeFactor
	if cfg.LifeFactor != nil {
		par.LifeFactor = *cfg.LifeFactor
		checkRange(bad, "life_factor", par.LifeFactor, 0, 1)
	}

	// Strengths.
	par.StrengthBasis = fmt.Sprintf("every patent %g (no strengths given)", DefaultStrength)
	if cfg.Strengths != nil {
		par.StrengthBasis = "configured strengths"
		if len(cfg.Strengths) != len(patents) {
			bad("strengths", "want one strength per patent (%d), got %d", len(patents), len(cfg.Strengths))
		}
		for i, s := range cfg.Strengths {
			if !(s >= 0 && s <= 1) {
				bad("strengths["+strconv.Itoa(i)+"]", "must be between 0 and 1")
			}
		}
	}
	if len(fields) > 0 {
		return nil, &data.Error{Code: data.CodeInvalid, Message: "invalid portfolio valuation request", Fields: fields}
	}

	par.Draws, par.Seed = p.draws, p.seed
	par.Quantiles = "empirical order statistics (gonum stat.Empirical)"
	p.out.EnterpriseID = e.ID
	p.out.AsOf = asOf
	p.coef = b.coef()

	// Patents: which are valued, their life caps, then the attribution.
	p.out.Patents = make([]PatentValuation, len(patents))
	strengths := make([]float64, len(patents))
	caps := make([]float64, len(patents))
	for i := range patents {
		pt := &patents[i]
		pv := &p.out.Patents[i]
		pv.ApplicationNumber = pt.ApplicationNumber
		s := DefaultStrength
		if cfg.Strengths != nil {
			s = cfg.Strengths[i]
		}
		expiry := expiryOf(pt)
		pv.ExpiryDate = expiry
		if !expiry.IsZero() {
			pv.RemainingLegalYears = max(0, asOf.YearsUntil(expiry))
		}
		switch {
		case !valuedPatent(pt, pv.RemainingLegalYears*12):
			pv.Status, pv.Note = notValued(pt, expiry)
		case s == 0:
			pv.Status, pv.Note = PatentZeroStrength, "strength 0: secures none of the technology's contribution"
		default:
			pv.Status = PatentValued
			lifeCap := min(pv.RemainingLegalYears, par.MaxLifeYears)
			pv.LifeYears = par.LifeFactor.scale(lifeCap)
			pv.Strength = s
			strengths[i], caps[i] = s, lifeCap
			p.live = append(p.live, livePatent{index: i, cap: lifeCap})
		}
	}
	order := make([]int, len(p.live))
	for k, lp := range p.live {
		order[k] = lp.index
	}
	slices.SortStableFunc(order, func(a, b int) int { return creditOrder(caps[a], strengths[a], caps[b], strengths[b]) })
	att := make([]float64, len(patents))
	p.out.Coverage = attributions(strengths, order, att)
	for i := range p.out.Patents {
		if p.out.Coverage > 0 {
			p.out.Patents[i].Attribution = att[i] / p.out.Coverage
		}
	}
	for k := range p.live {
		p.live[k].att = p.out.Patents[p.live[k].index].Attribution
	}
	if len(p.live) < len(patents) {
		p.out.Notes = append(p.out.Notes, fmt.Sprintf("%d of %d patents are not valued on %s (not granted and in force); they are worth 0", len(patents)-len(p.live), len(patents), asOf))
	}
	if b.approach == ApproachRoyalty && b.sector != "configured" {
		p.out.Notes = append(p.out.Notes, "no positive profit margin to split: valued by relief from royalty at the industry's royalty rate on sales")
	}

	p.baseRate = par.BaseRate
	p.share = newSampler(b.shareRange)
	p.tech = newSampler(par.TechnicalPremium)
	p.market = newSampler(par.MarketPremium)
	p.funding = newSampler(par.FundingPremium)
	p.mgmt = newSampler(par.ManagementPremium)
	p.lifeFactor = newSampler(par.LifeFactor)
	p.growth = distuv.LogNormal{Mu: math.Log1p(par.Growth.Median), Sigma: par.Growth.Sigma}
	p.growthMedian = 1 + par.Growth.Median
	p.growthFixed = par.Growth.Sigma == 0
	return p, nil
}

// creditOrder orders patents for attribution: longer capped life first,
// then greater strength; equal ones keep their order (stable sorts).
func creditOrder(lifeA, strengthA, lifeB, strengthB float64) int {
	if c := cmp.Compare(lifeB, lifeA); c != 0 {
		return c
	}
	return cmp.Compare(strengthB, strengthA)
}

// checkRange reports a triangular range that is not lo ≤ Low ≤ Mode ≤ High ≤ hi.
func checkRange(bad func(field, format string, args ...any), field string, r Range, lo, hi float64) {
	if !(lo <= r.Low && r.Low <= r.Mode && r.Mode <= r.High && r.High <= hi) {
		bad(field, "want %g ≤ low ≤ mode ≤ high ≤ %g, got %g, %g, %g", lo, hi, r.Low, r.Mode, r.High)
	}
}

// chunkDraws is the number of draws per chunk: the unit of work, of random
// stream and of cancellation. It is fixed so that results do not depend on
// the number of workers.
const chunkDraws = 256

// sampleBuffers recycles the sample arrays (8 bytes × patents × draws)
// between valuations.
var sampleBuffers sync.Pool

// simulate runs the draws in chunks on GOMAXPROCS workers, then computes
// the percentiles.
func (p *valuationPlan) simulate(ctx context.Context) error {
	n := len(p.live)
	draws := p.draws
	// buf holds the portfolio's draws, then samples[k*draws+d], live patent
	// k's value in draw d.
	var buf []float64
	if b, ok := sampleBuffers.Get().(*[]float64); ok && cap(*b) >= (n+1)*draws {
		buf = (*b)[:(n+1)*draws]
	} else {
		buf = make([]float64, (n+1)*draws)
	}
	defer sampleBuffers.Put(&buf)
	portfolio, samples := buf[:draws], buf[draws:]

	if p.factors != nil {
		for k := range p.live {
			p.live[k].att *= p.factors[p.live[k].index]
		}
	}
	chunks := (draws + chunkDraws - 1) / chunkDraws
	if err := parallel(ctx, chunks, func(_ *quantileScratch, c int) { p.chunk(c, portfolio, samples) }); err != nil {
		return err
	}

	// Percentiles: job 0 is the portfolio, job k+1 live patent k, whose
	// samples are U_k: its attributed and standalone values are multiples.
	return parallel(ctx, n+1, func(qs *quantileScratch, j int) {
		if j == 0 {
			mean := stat.Mean(portfolio, nil)
			slices.Sort(portfolio)
			p.out.Portfolio = Percentiles{
				P10:  stat.Quantile(0.1, stat.Empirical, portfolio, nil),
				P50:  stat.Quantile(0.5, stat.Empirical, portfolio, nil),
				P90:  stat.Quantile(0.9, stat.Empirical, portfolio, nil),
				Mean: mean,
			}
			return
		}
		pv := &p.out.Patents[p.live[j-1].index]
		u := qs.percentiles(samples[(j-1)*draws : j*draws])
		f := 1.0
		if p.factors != nil {
			f = p.factors[p.live[j-1].index]
		}
		pv.Value, pv.Standalone = u.times(pv.Attribution*f), u.times(pv.Strength/p.out.Coverage*f)
	})
}

// parallel runs work(scratch, i) for i in [0, jobs) on up to GOMAXPROCS
// goroutines, each with its own scratch memory, and waits for them. It
// checks ctx before each job and returns ctx.Err().
func parallel(ctx context.Context, jobs int, work func(qs *quantileScratch, i int)) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), jobs) {
		wg.Go(func() {
			var qs quantileScratch
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= jobs {
					return
				}
				work(&qs, i)
			}
		})
	}
	wg.Wait()
	return ctx.Err()
}

// chunk runs the draws of chunk c. The random stream of a chunk depends
// only on the seed and c; each draw takes 6 + len(live) uniforms in a fixed
// order (even for fixed parameters), so a change of one parameter keeps the
// others' draws: comparisons between configurations use common random
// numbers.
func (p *valuationPlan) chunk(c int, portfolio, samples []float64) {
	src := rand.NewPCG(splitmix64(p.seed), splitmix64(p.seed^(uint64(c+1)*0x9e3779b97f4a7c15)))
	uniform := func() float64 { return float64(src.Uint64()>>11) * 0x1p-53 }

	lifeFactor := p.lifeFactor
	first, last := c*chunkDraws, min((c+1)*chunkDraws, p.draws)
	draws := p.draws
	// pw[k] = q^k and sum[k] = Σ_{j=1..k} q^j for k = 0..maxLifeYears+1.
	var pw, sum [maxLifeYears + 2]float64
	years := 0
	for _, lp := range p.live {
		years = max(years, int(math.Ceil(lp.cap)))
	}
	for d := first; d < last; d++ {
		growth := p.growthMedian // 1 + g
		if u := uniform(); !p.growthFixed {
			growth = p.growth.Quantile(u)
		}
		share := p.share.at(uniform())
		r := p.baseRate + p.tech.at(uniform()) + p.market.at(uniform()) + p.funding.at(uniform()) + p.mgmt.at(uniform())
		q := growth / (1 + r)
		pw[0], sum[0] = 1, 0
		for k := 1; k <= years+1; k++ {
			pw[k] = pw[k-1] * q
			sum[k] = sum[k-1] + pw[k]
		}
		total := 0.0
		for k, lp := range p.live {
			life := lp.cap * lifeFactor.at(uniform())
			m := int(life)
			u := p.coef * share * (sum[m] + (life-float64(m))*pw[m+1])
			samples[k*draws+d] = u
			total += lp.att * u
		}
		portfolio[d] = total
	}
}

// splitmix64 scrambles x (Steele, Lea & Flood's SplitMix64 finaliser), so
// that nearby seeds and chunk numbers give unrelated PCG states.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
