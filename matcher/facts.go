package matcher

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"

	"ipmatch/data"
)

// This file precomputes, once per enterprise and patent, every fact the
// rules, the loan estimate and the scores read, so that evaluating an
// enterprise × product pair is integer and float comparisons on compact
// structs: no strings, maps or dates in the pair loop.

// entFacts are the facts of one enterprise on the as-of date.
type entFacts struct {
	rec              *data.Enterprise
	region, industry int32 // interned
	age              float64
	hasFin           bool
	finYear          int
	revenue, profit  int64
	debtRatio        float64 // +Inf when assets are 0
	tax              int8    // index in data.TaxGrades, -1 without
	certs            uint8   // bit i: the i-th of certList held
	needAmount       int64
	needTerm         int
	pd               float64
	// Patent facts [p0, p1) of w.pf; [p0, pPledge) pass every
	// product-independent pledge rule, sorted by P10 descending.
	p0, pPledge, p1 int32
	hardUnion       uint32 // union of the pledge bits of [pPledge, p1)
	pledgeP10       float64
	valuationOK     bool
	valuationNote   string
	portfolio       Percentiles
	mc              *PortfolioValuation // the Monte Carlo valuation (detail path)
}

// patFacts are the facts of one patent.
type patFacts struct {
	rec       *data.Patent
	hard      uint32 // product-independent pledge-rule bits
	typ       int8   // 0 invention, 1 utility model, 2 design, -1 other
	remMonths float64
	implYears float64 // < 0 when not implemented
	indicator float64
	value     Percentiles
	areaOff   int32 // offset into w.areaBits
}

// certList fixes the bit of each certification.
var certList = [...]data.Certification{data.CertHighTech, data.CertSpecialized, data.CertLittleGiant, data.CertTechSME}

func typeIndex(t data.PatentType) int8 {
	switch t {
	case data.Invention:
		return 0
	case data.UtilityModel:
		return 1
	case data.Design:
		return 2
	}
	return -1
}

var typeOrder = [3]data.PatentType{data.Invention, data.UtilityModel, data.Design}

// prodFacts are the facts of one product on the as-of date.
type prodFacts struct {
	rec                   *data.Product
	active                bool
	regionOK, industryOK  []bool // by interned id
	minAge                float64
	minRevenue            int64
	maxDebt               float64
	requireProfit         bool
	minTax                int8 // -1 none
	certs                 uint8
	rate                  [3]float64 // pledge rate by type, 0 when not accepted
	minRem                [3]float64 // months
	minTermMonths         float64
	minImpl               float64
	areas                 []uint64 // nil: any IPC
	minAmount, maxAmount  int64
	minTerm, maxTerm      int
	pool                  *data.Pool
	fundShare             float64
	poolLoanCap, poolBCap float64 // +Inf when none
	annualRate            float64
}

// world is a set of records prepared for matching on one day.
type world struct {
	m      *Matcher
	asOf   data.Date
	lpr    LPRQuote
	method string

	ents  []data.Enterprise
	pats  []data.Patent
	prods []data.Product

	ef         []entFacts
	pf         []patFacts
	pp         []prodFacts
	areas      []string
	words      int
	areaBits   []uint64
	regions    []string
	industries []string
}

// MatchInput is what MatchAll matches: enterprises, their patents (any
// order; each patent goes to the enterprise of its OwnerID, patents of
// other owners are ignored), products and the pools covering them, on
// AsOf. The result refers to these slices: do not modify them while it is
// in use.
type MatchInput struct {
	Enterprises []data.Enterprise
	Patents     []data.Patent
	Products    []data.Product
	Pools       []data.Pool
	AsOf        data.Date
}

// newWorld validates in and precomputes every fact; method says how
// patents are valued (MethodCachedTable or MethodMonteCarlo).
func (m *Matcher) newWorld(ctx context.Context, in MatchInput, method string) (*world, error) {
	return m.newWorldAssigned(ctx, in, method, nil)
}

// newWorldAssigned is newWorld with patent j going to enterprise
// assign(j) (-1: none) instead of its OwnerID's, when assign is not nil.
func (m *Matcher) newWorldAssigned(ctx context.Context, in MatchInput, method string, assign func(j int) int32) (*world, error) {
	if in.AsOf.IsZero() {
		return nil, invalidField("invalid match request", "as_of", "is required")
	}
	lpr, err := LPROn(in.AsOf)
	if err != nil {
		return nil, err
	}
	w := &world{m: m, asOf: in.AsOf, lpr: lpr, method: method, ents: in.Enterprises, pats: in.Patents, prods: in.Products}

	// Intern the products' IPC areas, the enterprises' regions and
	// industries.
	areaID := map[string]int{}
	for i := range in.Products {
		for _, a := range in.Products[i].IPCAreas {
			if _, ok := areaID[a]; !ok {
				areaID[a] = len(w.areas)
				w.areas = append(w.areas, a)
			}
		}
	}
	w.words = (len(w.areas) + 63) / 64
	regionID, industryID := map[string]int32{}, map[string]int32{}
	w.ef = make([]entFacts, len(in.Enterprises))
	entIndex := make(map[string]int32, len(in.Enterprises))
	for i := range in.Enterprises {
		e := &in.Enterprises[i]
		entIndex[e.ID] = int32(i)
		r, ok := regionID[e.Region]
		if !ok {
			r = int32(len(w.regions))
			regionID[e.Region] = r
			w.regions = append(w.regions, e.Region)
		}
		ind, ok := industryID[e.Industry]
		if !ok {
			ind = int32(len(w.industries))
			industryID[e.Industry] = ind
			w.industries = append(w.industries, e.Industry)
		}
		w.ef[i].rec, w.ef[i].region, w.ef[i].industry = e, r, ind
	}

	// Group the patents by owner: counting sort into one array.
	owner := make([]int32, len(in.Patents))
	counts := make([]int32, len(in.Enterprises)+1)
	for j := range in.Patents {
		var o int32
		if assign != nil {
			o = assign(j)
		} else if i, ok := entIndex[in.Patents[j].OwnerID]; ok {
			o = i
		} else {
			o = -1
		}
		if o >= 0 {
			counts[o+1]++
		}
		owner[j] = o
	}
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	w.pf = make([]patFacts, counts[len(counts)-1])
	w.areaBits = make([]uint64, len(w.pf)*w.words)
	next := slices.Clone(counts[:len(in.Enterprises)])
	for j := range in.Patents {
		if o := owner[j]; o >= 0 {
			k := next[o]
			next[o]++
			w.pf[k].rec = &in.Patents[j]
			w.pf[k].areaOff = k * int32(w.words)
		}
	}
	for i := range w.ef {
		w.ef[i].p0, w.ef[i].p1 = counts[i], counts[i+1]
	}

	// Facts of the enterprises and their patents, in parallel.
	const chunk = 256
	chunks := (len(w.ef) + chunk - 1) / chunk
	errs := make([]error, chunks)
	caches := make(chan *ipcCache, runtime.GOMAXPROCS(0))
	if err := parallel(ctx, chunks, func(_ *quantileScratch, c int) {
		// One IPC cache per goroutine at a time, reused across chunks.
		var cache *ipcCache
		select {
		case cache = <-caches:
		default:
			cache = &ipcCache{areas: w.areas, words: w.words}
		}
		defer func() {
			select {
			case caches <- cache:
			default:
			}
		}()
		for i := c * chunk; i < min((c+1)*chunk, len(w.ef)); i++ {
			if err := w.enterpriseFacts(ctx, i, cache); err != nil {
				errs[c] = err
				return
			}
		}
	}); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}

	// Products.
	pools := map[string]*data.Pool{}
	for i := range in.Pools {
		pools[in.Pools[i].ID] = &in.Pools[i]
	}
	w.pp = make([]prodFacts, len(in.Products))
	for i := range in.Products {
		w.pp[i] = w.productFacts(&in.Products[i], pools, areaID)
	}
	return w, nil
}

// enterpriseFacts fills the facts of enterprise i and its patents.
func (w *world) enterpriseFacts(ctx context.Context, i int, cache *ipcCache) error {
	f := &w.ef[i]
	e := f.rec
	if !e.Founded.IsZero() {
		f.age = max(0, e.Founded.YearsUntil(w.asOf))
	}
	var revenue float64
	if fin, ok := e.Latest(); ok {
		f.hasFin, f.finYear = true, fin.Year
		f.revenue, f.profit = fin.Revenue, fin.Profit
		revenue = float64(fin.Revenue)
		switch {
		case fin.Assets > 0:
			f.debtRatio = float64(fin.Liabilities) / float64(fin.Assets)
		case fin.Liabilities > 0:
			f.debtRatio = math.Inf(1)
		}
	}
	f.tax = int8(slices.Index(data.TaxGrades, e.TaxGrade))
	for k, c := range certList {
		if e.HasCert(c) {
			f.certs |= 1 << k
		}
	}
	f.needAmount, f.needTerm = e.Need.Amount, e.Need.TermMonths
	x := scorecardInputs(e, w.asOf)
	f.pd = w.m.scorecard.estimate(&x, false).PD

	pats := w.pf[f.p0:f.p1]
	for k := range pats {
		pf := &pats[k]
		p := pf.rec
		in := indicatorInputs(p, w.asOf, revenue, cache)
		s := in.scores()
		pf.indicator = w.m.weights.dot(&s)
		pf.hard = pledgeMask(e, p, w.asOf)
		pf.typ = typeIndex(p.Type)
		pf.remMonths = in.remaining * 12
		pf.implYears = in.implementedYears
		if w.words > 0 {
			bits := w.areaBits[pf.areaOff : pf.areaOff+int32(w.words)]
			for _, code := range p.IPC {
				for k, b := range cache.lookup(code).areas {
					bits[k] |= b
				}
			}
		}
	}
	if err := w.value(ctx, f, pats); err != nil {
		return err
	}
	// Pledgeable first, by conservative value, then by number.
	slices.SortFunc(pats, func(a, b patFacts) int {
		if (a.hard == 0) != (b.hard == 0) {
			if a.hard == 0 {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.value.P10, a.value.P10); c != 0 {
			return c
		}
		return cmp.Compare(a.rec.ApplicationNumber, b.rec.ApplicationNumber)
	})
	f.pPledge = f.p0
	for k := range pats {
		if pats[k].hard == 0 {
			f.pPledge++
			f.pledgeP10 += pats[k].value.P10
		} else {
			f.hardUnion |= pats[k].hard
		}
	}
	return nil
}

// value values the patents of f by w.method.
func (w *world) value(ctx context.Context, f *entFacts, pats []patFacts) error {
	e := f.rec
	if len(pats) == 0 {
		f.valuationOK = true
		return nil
	}
	cfg := w.m.valuation
	if w.method == MethodMonteCarlo {
		// Patents recorded as another enterprise's are not valued (they
		// fail pledger_not_owner anyway).
		var ps []data.Patent
		var which []int
		for k := range pats {
			if o := pats[k].rec.OwnerID; o == "" || o == e.ID {
				ps = append(ps, *pats[k].rec)
				cfg.Weights = append(cfg.Weights, pats[k].indicator)
				which = append(which, k)
			}
		}
		if len(ps) == 0 {
			f.valuationOK = true
			return nil
		}
		v, err := ValuePortfolio(ctx, e, ps, w.asOf, &cfg)
		if err != nil {
			if data.ErrorCode(err) != data.CodeInvalid {
				return err
			}
			f.valuationNote = "收益法评估无法进行（" + fieldsText(err) + "）"
			return nil
		}
		for i, k := range which {
			pats[k].value = v.Patents[i].Value
		}
		f.valuationOK, f.portfolio, f.mc = true, v.Portfolio, &v
		return nil
	}

	// Cached tables: the same model as ValuePortfolio, percentiles per
	// patent from the context's table.
	fin, ok := e.Latest()
	if !ok {
		f.valuationNote = "缺少财务数据：收益法需要最近一年的营业收入"
		return nil
	}
	k := tableKey{maxLife: cfg.MaxLifeYears, draws: w.m.tableDraws, seed: w.m.seed,
		tech: defaultTechnicalPremium, market: defaultMarketPremium, funding: defaultFundingPremium, mgmt: defaultManagementPremium,
		lifeRange: defaultLifeFactor, growth: Growth{Median: DefaultGrowthMedian, Sigma: DefaultGrowthSigma}}
	if k.maxLife == 0 {
		k.maxLife = DefaultMaxLifeYears
	}
	if cfg.BaseRate != nil {
		k.baseRate = *cfg.BaseRate
	} else {
		k.baseRate = w.lpr.OneYear
	}
	for _, o := range []struct {
		src *Range
		dst *Range
	}{{cfg.TechnicalPremium, &k.tech}, {cfg.MarketPremium, &k.market}, {cfg.FundingPremium, &k.funding},
		{cfg.ManagementPremium, &k.mgmt}, {cfg.LifeFactor, &k.lifeRange}} {
		if o.src != nil {
			*o.dst = *o.src
		}
	}
	if cfg.Growth != nil {
		k.growth = *cfg.Growth
	}
	if cfg.RoyaltyRate != nil {
		k.royalty = *cfg.RoyaltyRate
	} else {
		row, _ := RoyaltyRateFor(e.Industry)
		k.royalty = row.Rate
	}
	tax := DefaultTaxRate
	switch {
	case cfg.TaxRate != nil:
		tax = *cfg.TaxRate
	case e.HasCert(data.CertHighTech):
		tax = HighTechTaxRate
	}
	share := cfg.RevenueShare
	if share == 0 {
		share = 1
	}
	t := w.m.tables.get(k)
	total := 0.0
	for i := range pats {
		if valuedPatent(pats[i].rec, pats[i].remMonths) && pats[i].indicator > 0 {
			total += pats[i].indicator
		}
	}
	base := float64(fin.Revenue) * share * (1 - tax)
	for i := range pats {
		pf := &pats[i]
		if total == 0 || !valuedPatent(pf.rec, pf.remMonths) || !(pf.indicator > 0) {
			continue
		}
		coef := base * pf.indicator / total
		q := t.at(min(pf.remMonths/12, k.maxLife))
		pf.value = Percentiles{P10: coef * q.P10, P50: coef * q.P50, P90: coef * q.P90, Mean: coef * q.Mean}
		f.portfolio.P10 += pf.value.P10
		f.portfolio.P50 += pf.value.P50
		f.portfolio.P90 += pf.value.P90
		f.portfolio.Mean += pf.value.Mean
	}
	f.valuationOK = true
	return nil
}

// valuedPatent reports whether ValuePortfolio values p (a right that may
// still earn, with legal term left).
func valuedPatent(p *data.Patent, remMonths float64) bool {
	switch p.LegalStatus {
	case data.StatusLapsed, data.StatusInvalidated, data.StatusRejected, data.StatusWithdrawn:
		return false
	}
	return remMonths > 0
}

// productFacts compiles product p.
func (w *world) productFacts(p *data.Product, pools map[string]*data.Pool, areaID map[string]int) prodFacts {
	f := prodFacts{rec: p, active: p.Active, minAge: p.MinEnterpriseYears, minRevenue: p.MinRevenue,
		maxDebt: p.MaxDebtRatio, requireProfit: p.RequireProfit, minTax: -1, minImpl: p.MinImplementedYears,
		minAmount: p.MinAmount, maxAmount: p.MaxAmount, minTerm: p.MinTerm, maxTerm: p.MaxTerm,
		minTermMonths: float64(max(p.MinTerm, 1)), poolLoanCap: math.Inf(1), poolBCap: math.Inf(1)}
	f.regionOK = make([]bool, len(w.regions))
	for i, r := range w.regions {
		f.regionOK[i] = len(p.Regions) == 0 || slices.ContainsFunc(p.Regions, func(a string) bool { return data.RegionWithin(r, a) })
	}
	f.industryOK = make([]bool, len(w.industries))
	for i, ind := range w.industries {
		f.industryOK[i] = len(p.Industries) == 0 || slices.ContainsFunc(p.Industries, func(a string) bool { return data.IndustryWithin(ind, a) })
	}
	if p.MinTaxGrade != "" {
		f.minTax = int8(slices.Index(data.TaxGrades, p.MinTaxGrade))
	}
	for k, c := range certList {
		if slices.Contains(p.RequiredCerts, c) {
			f.certs |= 1 << k
		}
	}
	for k, t := range typeOrder {
		if p.Accepts(t) {
			f.rate[k] = p.PledgeRates.Of(t)
		}
		f.minRem[k] = p.MinRemainingYears.Of(t) * 12
	}
	if len(p.IPCAreas) > 0 {
		f.areas = make([]uint64, w.words)
		for _, a := range p.IPCAreas {
			k := areaID[a]
			f.areas[k/64] |= 1 << (k % 64)
		}
	}
	if p.PoolID != "" {
		if pool, ok := pools[p.PoolID]; ok && pool.FundShare > 0 {
			f.pool, f.fundShare = pool, pool.FundShare
			if pool.PerLoanCap > 0 {
				f.poolLoanCap = float64(pool.PerLoanCap) / pool.FundShare
			}
			if pool.PerBorrowerCap > 0 {
				f.poolBCap = float64(pool.PerBorrowerCap) / pool.FundShare
			}
		}
	}
	f.annualRate = w.lpr.OneYear + float64(p.SpreadBP)/1e4
	return f
}

// fieldsText joins the field errors of err.
func fieldsText(err error) string {
	var s string
	for i, f := range data.ErrorFields(err) {
		if i > 0 {
			s += "; "
		}
		s += fmt.Sprintf("%s %s", f.Field, f.Reason)
	}
	return s
}
