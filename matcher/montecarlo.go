package matcher

import (
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
)

// Default ranges of MonteCarloConfig (triangular low, mode, high). The four
// premiums are ipmatch's choice, not a standard: with the 1-year LPR of
// mid-2025 (3.00 %) their modes give a central discount rate of 14.5 %,
// near the 15 % of the product's worked example. The life factor says the
// economic life ends between 60 % of the remaining (capped) term and the
// term's end, most likely at its end.
var (
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
	// Weights, one per patent in the order given, split the portfolio's
	// revenue among the patents: share_i = w_i / Σ w over the patents still
	// in force. Use, for example, each patent's indicator value (专利价值度).
	// Nil means equal shares; otherwise one weight per patent.
	Weights []float64 `json:"weights,omitempty"`
	// RevenueBase is the annual sales revenue in yuan that the growth starts
	// from (year 0). Zero means the latest year of the enterprise's
	// financials.
	RevenueBase float64 `json:"revenue_base,omitempty"`
	// RevenueShare is the part of the revenue that comes from products using
	// the portfolio, in (0, 1]. Zero means 1: all of it.
	RevenueShare float64 `json:"revenue_share,omitempty"`
	// Growth is the distribution of annual revenue growth, drawn once per
	// draw for the whole enterprise. Nil means median DefaultGrowthMedian,
	// sigma DefaultGrowthSigma.
	Growth *Growth `json:"growth,omitempty"`
	// RoyaltyRate is the portfolio's royalty rate on sales, drawn once per
	// draw. Nil means the row of the enterprise's industry in RoyaltyTable
	// (or the 1 %–3 % default row).
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

// Percentiles summarise a distribution of values in yuan. P10 is the
// conservative figure that banks lend on.
type Percentiles struct {
	P10  float64 `json:"p10"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	Mean float64 `json:"mean"`
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
	// Industry is the enterprise's GB/T 4754 code, RoyaltySector the row of
	// the royalty table it maps to ("configured" when RoyaltyRate was
	// given), RoyaltyRate its range and RoyaltyBasis the convention
	// (RoyaltyBasis: a share of sales).
	Industry      string `json:"industry,omitempty"`
	RoyaltySector string `json:"royalty_sector"`
	RoyaltyRate   Range  `json:"royalty_rate"`
	RoyaltyBasis  string `json:"royalty_basis"`
	// RevenueBase is the year-0 sales revenue in yuan, RevenueYear the year
	// of the financials it comes from (0 when configured), RevenueShare the
	// part of it from products using the portfolio and Growth its growth.
	RevenueBase  float64 `json:"revenue_base"`
	RevenueYear  int     `json:"revenue_year,omitempty"`
	RevenueShare float64 `json:"revenue_share"`
	Growth       Growth  `json:"growth"`
	// TaxRate is the income-tax rate applied to the royalty.
	TaxRate float64 `json:"tax_rate"`
	// MaxLifeYears caps the remaining economic life; LifeFactor is the
	// range of the share of the capped term actually used.
	MaxLifeYears float64 `json:"max_life_years"`
	LifeFactor   Range   `json:"life_factor"`
	// WeightBasis says how the revenue was split among the patents.
	WeightBasis string `json:"weight_basis"`
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
	// Weight is the weight given; Share the part of the portfolio's revenue
	// attributed to this patent (0 for patents not in force).
	Weight float64 `json:"weight"`
	Share  float64 `json:"share"`
	// RevenueBase is RevenueBase × RevenueShare × Share, in yuan.
	RevenueBase float64 `json:"revenue_base"`
	// Value are the percentiles of the patent's value in yuan.
	Value Percentiles `json:"value"`
	// Note explains a zero value (term ended, right lapsed …).
	Note string `json:"note,omitempty"`
}

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
	// Patents are the patents' valuations, in the order given.
	Patents []PatentValuation `json:"patents"`
	// Notes say what a reader should know: a stale LPR, patents not in
	// force.
	Notes []string `json:"notes,omitempty"`
}

// ValuePortfolio values the patents of enterprise e on asOf by the income
// approach (relief from royalty) with Monte Carlo sampling. Per draw d:
//
//	r        = base rate + technical + market + funding + management premium
//	q        = (1 + g) / (1 + r)
//	life_i   = min(remaining legal term_i, MaxLifeYears) × λ_i
//	S(L)     = Σ_{k=1..⌊L⌋} q^k + (L − ⌊L⌋) × q^{⌊L⌋+1}
//	value_i  = revenue × revenue share × share_i × royalty × (1 − tax) × S(life_i)
//	value    = Σ_i value_i
//
// that is, year k's revenue is revenue × (1 + g)^k, received at the end of
// the year and discounted by (1 + r)^k, a last part-year counting pro rata.
// Growth g, royalty and the four premiums are enterprise-level and drawn
// once per draw, shared by all patents; the life factor λ_i is drawn per
// patent. Royalty, premiums and λ are triangular (distuv.Triangle), 1 + g
// log-normal (distuv.LogNormal), all by inverse-CDF sampling from a
// seeded PCG stream per chunk of draws, so the result depends only on the
// inputs and cfg.Seed. Percentiles are empirical order statistics
// (stat.Empirical): the portfolio's come from stat.Quantile on its sorted
// draws, each patent's from a bucket select that returns the same values
// without sorting. The revenue is shared among the patents in force by
// their weights (equal by default).
//
// A patent whose legal term has ended on asOf, or whose right has lapsed,
// been invalidated, rejected or withdrawn, is worth 0 and takes no share.
//
// ValuePortfolio panics if e is nil. It returns an invalid *data.Error
// naming the field for bad input (no patents, a patent of another owner, no
// revenue base, an as-of date before the first LPR fixing, configuration
// out of range or weights not one per patent), and ctx.Err() if ctx is
// cancelled; ctx is checked between chunks of draws.
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
	coef  float64 // revenue × revenue share × share × (1 − tax), yuan
	cap   float64 // min(remaining legal term, max life), years
}

// valuationPlan is a validated valuation ready to simulate.
type valuationPlan struct {
	out   PortfolioValuation
	live  []livePatent
	draws int
	seed  uint64

	baseRate     float64
	growth       distuv.LogNormal
	growthMedian float64 // 1 + median growth
	growthFixed  bool

	royalty, tech, market, funding, mgmt, lifeFactor sampler
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

	// Royalty.
	par.Industry = e.Industry
	par.RoyaltyBasis = RoyaltyBasis
	if cfg.RoyaltyRate != nil {
		par.RoyaltyRate = *cfg.RoyaltyRate
		par.RoyaltySector = "configured"
		checkRange(bad, "royalty_rate", par.RoyaltyRate, 0, 1)
	} else {
		row, _ := RoyaltyRateFor(e.Industry)
		par.RoyaltyRate = row.Rate
		par.RoyaltySector = row.Sector
	}

	// Revenue.
	switch {
	case cfg.RevenueBase != 0:
		par.RevenueBase = cfg.RevenueBase
		if !(par.RevenueBase > 0) || math.IsInf(par.RevenueBase, 0) {
			bad("revenue_base", "must be a positive number of yuan")
		}
	default:
		if len(e.Financials) == 0 {
			bad("financials", "the income approach needs at least one year's revenue (or a configured revenue base)")
			break
		}
		latest := e.Financials[0]
		for _, f := range e.Financials[1:] {
			if f.Year > latest.Year {
				latest = f
			}
		}
		if latest.Revenue < 0 {
			bad("financials.revenue", "must not be negative")
		}
		par.RevenueBase, par.RevenueYear = float64(latest.Revenue), latest.Year
	}
	par.RevenueShare = cfg.RevenueShare
	if par.RevenueShare == 0 {
		par.RevenueShare = 1
	} else if !(par.RevenueShare > 0 && par.RevenueShare <= 1) {
		bad("revenue_share", "must be above 0 and at most 1")
	}
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

	// Tax.
	switch {
	case cfg.TaxRate != nil:
		par.TaxRate = *cfg.TaxRate
		if !(par.TaxRate >= 0 && par.TaxRate < 1) {
			bad("tax_rate", "must be at least 0 and below 1")
		}
	case e.HasCert(data.CertHighTech):
		par.TaxRate = HighTechTaxRate
	default:
		par.TaxRate = DefaultTaxRate
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

	// Weights.
	par.WeightBasis = "equal shares"
	if cfg.Weights != nil {
		par.WeightBasis = "configured weights"
		if len(cfg.Weights) != len(patents) {
			bad("weights", "want one weight per patent (%d), got %d", len(patents), len(cfg.Weights))
		}
		for i, w := range cfg.Weights {
			if !(w >= 0) || math.IsInf(w, 0) {
				bad("weights["+strconv.Itoa(i)+"]", "must be a finite number ≥ 0")
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

	// Patents: life caps, then shares among those in force.
	p.out.Patents = make([]PatentValuation, len(patents))
	totalWeight := 0.0
	for i := range patents {
		pt := &patents[i]
		pv := &p.out.Patents[i]
		pv.ApplicationNumber = pt.ApplicationNumber
		pv.Weight = 1
		if cfg.Weights != nil {
			pv.Weight = cfg.Weights[i]
		}
		expiry := pt.ExpiryDate
		if expiry.IsZero() && !pt.FilingDate.IsZero() && pt.Type.Valid() {
			expiry = pt.FilingDate.AddYears(data.LegalTermYears(pt.Type, pt.FilingDate))
		}
		pv.ExpiryDate = expiry
		if !expiry.IsZero() {
			pv.RemainingLegalYears = max(0, asOf.YearsUntil(expiry))
		}
		switch {
		case pt.LegalStatus == data.StatusLapsed || pt.LegalStatus == data.StatusInvalidated ||
			pt.LegalStatus == data.StatusRejected || pt.LegalStatus == data.StatusWithdrawn:
			pv.Note = fmt.Sprintf("legal status %s (%s): no right to value", pt.LegalStatus, pt.LegalStatus.Label())
		case expiry.IsZero():
			pv.Note = "no expiry date and no filing date and type to derive it from: cannot bound the life"
		case pv.RemainingLegalYears == 0:
			pv.Note = fmt.Sprintf("legal term ended on %s", expiry)
		case pv.Weight == 0:
			pv.Note = "weight 0"
		default:
			if pt.LegalStatus == data.StatusPending {
				pv.Note = "application pending: valued as if granted"
			}
			lifeCap := min(pv.RemainingLegalYears, par.MaxLifeYears)
			pv.LifeYears = Range{Low: lifeCap * par.LifeFactor.Low, Mode: lifeCap * par.LifeFactor.Mode, High: lifeCap * par.LifeFactor.High}
			p.live = append(p.live, livePatent{index: i, cap: lifeCap})
			totalWeight += pv.Weight
		}
	}
	for k := range p.live {
		lp := &p.live[k]
		pv := &p.out.Patents[lp.index]
		pv.Share = pv.Weight / totalWeight
		pv.RevenueBase = par.RevenueBase * par.RevenueShare * pv.Share
		lp.coef = pv.RevenueBase * (1 - par.TaxRate)
	}
	if len(p.live) < len(patents) {
		p.out.Notes = append(p.out.Notes, fmt.Sprintf("%d of %d patents are not in force on %s and are worth 0; the revenue is shared among the %d in force", len(patents)-len(p.live), len(patents), asOf, len(p.live)))
	}

	p.baseRate = par.BaseRate
	p.royalty = newSampler(par.RoyaltyRate)
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

	chunks := (draws + chunkDraws - 1) / chunkDraws
	if err := parallel(ctx, chunks, func(_ *quantileScratch, c int) { p.chunk(c, portfolio, samples) }); err != nil {
		return err
	}

	// Percentiles: job 0 is the portfolio, job k+1 live patent k.
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
		lp := p.live[j-1]
		p.out.Patents[lp.index].Value = qs.percentiles(samples[(j-1)*draws : j*draws])
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
		royalty := p.royalty.at(uniform())
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
			v := lp.coef * royalty * (sum[m] + (life-float64(m))*pw[m+1])
			samples[k*draws+d] = v
			total += v
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
