package matcher

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"

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
	// product-independent pledge rule, strongest first.
	p0, pPledge, p1 int32
	hardUnion       uint32  // union of the pledge bits of [pPledge, p1)
	pledgeValue     float64 // Σ standalone P10 of [p0, pPledge): the base of fit
	valuationOK     bool
	valuationNote   string
	basis           incomeBasis
	portfolio       Percentiles // the whole portfolio's value (Σ a_i × U_i percentiles), calibrated
	// apprs are the enterprise's recorded appraisals dated on or before
	// the as-of date, newest first.
	apprs []*apprFacts
}

// apprFacts is a recorded appraisal prepared for matching.
type apprFacts struct {
	rec     *data.Appraisal
	fis     []int32 // the enterprise's patent facts it covers, ascending
	model50 float64 // the model's uncalibrated P50 of them together
	current bool    // current on the as-of date
}

// covers reports whether a covers patent fact fi.
func (a *apprFacts) covers(fi int32) bool {
	_, ok := slices.BinarySearch(a.fis, fi)
	return ok
}

// patFacts are the facts of one patent.
type patFacts struct {
	rec       *data.Patent
	hard      uint32 // product-independent pledge-rule bits
	typ       int8   // 0 invention, 1 utility model, 2 design, -1 other
	remMonths float64
	implYears float64 // < 0 when not implemented
	indicator float64
	// s is the strength (indicator ÷ 100), lifeCap the capped life in
	// years, full the percentiles of U ÷ C (what the technology earns over
	// the patent's life, divided by the enterprise's coverage C; 0 when
	// not valued) and calib the calibration factor.
	s       float64
	lifeCap float64
	full    Percentiles
	calib   float64
	areaOff int32 // offset into w.areaBits
}

// standalone returns the calibrated value of the patent pledged alone.
func (f *patFacts) standalone() Percentiles { return f.full.times(f.s * f.calib) }

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
	m    *Matcher
	asOf data.Date
	lpr  LPRQuote
	// apprByEnt are the recorded appraisals by enterprise ID.
	apprByEnt map[string][]*data.Appraisal

	ents  []data.Enterprise
	pats  []data.Patent
	prods []data.Product

	ef         []entFacts
	pf         []patFacts
	pp         []prodFacts
	areaSet    *areaSet
	areas      []string // areaSet.list
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
	// Appraisals are the recorded appraisals of the enterprises' patents
	// (any order; those of other enterprises are ignored). A product's
	// loans use only those its bank recorded or the organizer did.
	Appraisals []data.Appraisal
	AsOf       data.Date
}

// newWorld validates in and precomputes every fact.
func (m *Matcher) newWorld(ctx context.Context, in MatchInput) (*world, error) {
	return m.newWorldAssigned(ctx, in, nil)
}

// newWorldAssigned is newWorld with patent j going to enterprise
// assign(j) (-1: none) instead of its OwnerID's, when assign is not nil.
func (m *Matcher) newWorldAssigned(ctx context.Context, in MatchInput, assign func(j int) int32) (*world, error) {
	var areas []string
	for i := range in.Products {
		areas = append(areas, in.Products[i].IPCAreas...)
	}
	w, err := m.compileWorld(ctx, in.AsOf, newAreaSet(areas), in.Enterprises, in.Patents, in.Appraisals, assign)
	if err != nil {
		return nil, err
	}
	w.prods = in.Products
	pools := poolsByID(in.Pools)
	w.pp = make([]prodFacts, len(in.Products))
	for i := range in.Products {
		w.pp[i] = w.productFacts(&in.Products[i], pools)
	}
	return w, nil
}

// poolsByID indexes pools by ID.
func poolsByID(pools []data.Pool) map[string]*data.Pool {
	out := make(map[string]*data.Pool, len(pools))
	for i := range pools {
		out[pools[i].ID] = &pools[i]
	}
	return out
}

// areaSet is the IPC areas a world tags patents with: a patent's bit k
// says that one of its codes lies within areas.list[k]. Immutable.
type areaSet struct {
	list []string
	id   map[string]int
}

// newAreaSet interns areas, in order of first appearance.
func newAreaSet(areas []string) *areaSet {
	s := &areaSet{id: map[string]int{}}
	for _, a := range areas {
		if _, ok := s.id[a]; !ok {
			s.id[a] = len(s.list)
			s.list = append(s.list, a)
		}
	}
	return s
}

// covers reports whether every area of areas is in s.
func (s *areaSet) covers(areas []string) bool {
	for _, a := range areas {
		if _, ok := s.id[a]; !ok {
			return false
		}
	}
	return true
}

// compileWorld validates the records and precomputes the facts of every
// enterprise and patent on asOf, with patents tagged by areas: a world
// without products. Patent j goes to enterprise assign(j) (-1: none)
// instead of its OwnerID's, when assign is not nil.
func (m *Matcher) compileWorld(ctx context.Context, asOf data.Date, areas *areaSet, ents []data.Enterprise, pats []data.Patent,
	apprs []data.Appraisal, assign func(j int) int32) (*world, error) {
	if asOf.IsZero() {
		return nil, invalidField("invalid match request", "as_of", "is required")
	}
	lpr, err := LPROn(asOf)
	if err != nil {
		return nil, err
	}
	w := &world{m: m, asOf: asOf, lpr: lpr, ents: ents, pats: pats, areaSet: areas, areas: areas.list}
	in := MatchInput{Enterprises: ents, Patents: pats}
	for i := range apprs {
		a := &apprs[i]
		if w.apprByEnt == nil {
			w.apprByEnt = map[string][]*data.Appraisal{}
		}
		w.apprByEnt[a.EnterpriseID] = append(w.apprByEnt[a.EnterpriseID], a)
	}

	// Intern the enterprises' regions and industries.
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
	w.value(f, pats)
	// Pledgeable first, strongest (standalone P50) first, then by number.
	slices.SortFunc(pats, func(a, b patFacts) int {
		if (a.hard == 0) != (b.hard == 0) {
			if a.hard == 0 {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.s*b.full.P50*b.calib, a.s*a.full.P50*a.calib); c != 0 {
			return c
		}
		return cmp.Compare(a.rec.ApplicationNumber, b.rec.ApplicationNumber)
	})
	f.pPledge = f.p0
	for k := range pats {
		if pats[k].hard == 0 {
			f.pPledge++
			f.pledgeValue += pats[k].standalone().P10
		} else {
			f.hardUnion |= pats[k].hard
		}
	}
	w.appraisalFacts(i, pats)
	return ctx.Err()
}

// value values the patents of f from the cached tables: each valued
// patent's U percentiles and strength, and the portfolio's value.
func (w *world) value(f *entFacts, pats []patFacts) {
	e := f.rec
	for k := range pats {
		pats[k].calib = w.m.calibration.factor(e.Industry, pats[k].rec.Type)
	}
	if len(pats) == 0 {
		f.valuationOK = true
		return
	}
	cfg := w.m.valuation
	var problems []string
	f.basis = basisOf(e, &cfg, func(field, format string, args ...any) {
		problems = append(problems, field+" "+fmt.Sprintf(format, args...))
	})
	switch {
	case len(problems) > 0:
		if _, ok := e.Latest(); !ok {
			f.valuationNote = "缺少财务数据：收益法需要最近一年的营业收入"
		} else {
			f.valuationNote = "收益法评估无法进行（" + strings.Join(problems, "; ") + "）"
		}
		return
	case f.basis.revenue <= 0:
		f.valuationNote = fmt.Sprintf("%d 年营业收入为零：收益法无收入可分成", f.basis.revenueYear)
		return
	}
	k := tableKey{maxLife: cfg.MaxLifeYears, draws: w.m.tableDraws, seed: w.m.seed, share: f.basis.shareRange,
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
	t := w.m.tables.get(k)
	coef := f.basis.coef()
	// The valued patents together earn the technology's whole share: each
	// U is divided by the protection they hold together (see
	// ValuePortfolio).
	order := make([]int, 0, len(pats))
	left := 1.0
	for i := range pats {
		pf := &pats[i]
		pf.s = clamp01(pf.indicator / 100)
		if !valuedPatent(pf.rec, pf.remMonths) || pf.s == 0 {
			pf.s = 0
			continue
		}
		pf.lifeCap = min(pf.remMonths/12, k.maxLife)
		left *= 1 - pf.s
		order = append(order, i)
	}
	if len(order) == 0 {
		f.valuationOK = true
		return
	}
	coef /= 1 - left
	for _, i := range order {
		pats[i].full = t.at(pats[i].lifeCap).times(coef)
	}
	f.portfolio = portfolioValue(pats, nil)
	f.valuationOK = true
}

// portfolioValue is the calibrated value of the valued patents of pats
// that keep accepts (all when nil) held together: each credited in credit
// order with the share of the technology the ones before it leave
// (Σ a_i × U_i, see ValuePortfolio).
func portfolioValue(pats []patFacts, keep func(*patFacts) bool) Percentiles {
	order := make([]int, 0, len(pats))
	for i := range pats {
		if pats[i].s > 0 && (keep == nil || keep(&pats[i])) {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := creditOrder(pats[a].lifeCap, pats[a].s, pats[b].lifeCap, pats[b].s); c != 0 {
			return c
		}
		return cmp.Compare(pats[a].rec.ApplicationNumber, pats[b].rec.ApplicationNumber)
	})
	var v Percentiles
	left := 1.0
	for _, i := range order {
		a := pats[i].s * left
		left *= 1 - pats[i].s
		v = v.plus(pats[i].full.times(a * pats[i].calib))
	}
	return v
}

// appraisalFacts prepares the recorded appraisals of enterprise i, whose
// patent facts (sorted) are pats, dated on or before the as-of date.
func (w *world) appraisalFacts(i int, pats []patFacts) {
	f := &w.ef[i]
	list := w.apprByEnt[f.rec.ID]
	if len(list) == 0 {
		return
	}
	byNumber := make(map[string]int32, len(pats))
	for k := range pats {
		byNumber[pats[k].rec.ApplicationNumber] = f.p0 + int32(k)
	}
	for _, a := range list {
		if a.BaseDate.After(w.asOf) {
			continue
		}
		af := &apprFacts{rec: a, current: a.CurrentOn(w.asOf)}
		for _, n := range a.Patents {
			if fi, ok := byNumber[n]; ok {
				af.fis = append(af.fis, fi)
			}
		}
		if len(af.fis) == 0 {
			continue
		}
		slices.Sort(af.fis)
		// The model's value of the report's patents together.
		cs := make([]loanCand, 0, len(af.fis))
		for _, fi := range af.fis {
			if pf := &w.pf[fi]; pf.s > 0 {
				cs = append(cs, loanCand{fi: fi, s: pf.s, lifeCap: pf.lifeCap, raw50: pf.full.P50})
			}
		}
		slices.SortFunc(cs, func(x, y loanCand) int {
			if creditBefore(&x, &y) {
				return -1
			}
			if creditBefore(&y, &x) {
				return 1
			}
			return 0
		})
		left := 1.0
		for _, c := range cs {
			af.model50 += c.s * left * c.raw50
			left *= 1 - c.s
		}
		f.apprs = append(f.apprs, af)
	}
	slices.SortStableFunc(f.apprs, func(x, y *apprFacts) int {
		if x.rec.BaseDate != y.rec.BaseDate {
			if x.rec.BaseDate.After(y.rec.BaseDate) {
				return -1
			}
			return 1
		}
		return cmp.Compare(x.rec.ID, y.rec.ID)
	})
}

// appraisalsFor returns the current recorded appraisals of e that product
// p's bank may use (its own and the organizer's), newest first; nil when
// none.
func (w *world) appraisalsFor(e *entFacts, p *prodFacts) []*apprFacts {
	if len(e.apprs) == 0 {
		return nil
	}
	var out []*apprFacts
	for _, a := range e.apprs {
		if a.current && bankMayUse(a, p) {
			out = append(out, a)
		}
	}
	return out
}

// bankMayUse reports whether product p's bank may lend on appraisal a:
// the organizer recorded it, or the bank itself did. Another bank's
// appraisal is never used (nor shown) for it.
func bankMayUse(a *apprFacts, p *prodFacts) bool {
	return a.rec.BankID == "" || p.rec != nil && a.rec.BankID == p.rec.BankID
}

// expiredFor reports whether an appraisal of e that p's bank may use has
// expired while covering one of cands.
func (w *world) expiredFor(e *entFacts, p *prodFacts, cands []loanCand) bool {
	for _, a := range e.apprs {
		if a.current || !bankMayUse(a, p) {
			continue
		}
		for k := range cands {
			if a.covers(cands[k].fi) {
				return true
			}
		}
	}
	return false
}

// productFacts compiles product p.
func (w *world) productFacts(p *data.Product, pools map[string]*data.Pool) prodFacts {
	return w.productFactsMemo(p, pools, nil)
}

// productMemo is what a product accepts of the regions and industries of
// many worlds, found once (data.RegionWithin reads its table per call).
type productMemo struct {
	regions, industries map[string]bool
}

// newProductMemo answers for p every region and industry of worlds.
func newProductMemo(p *data.Product, worlds []*world) *productMemo {
	m := &productMemo{regions: map[string]bool{}, industries: map[string]bool{}}
	for _, w := range worlds {
		for _, r := range w.regions {
			if _, ok := m.regions[r]; !ok {
				m.regions[r] = len(p.Regions) == 0 || slices.ContainsFunc(p.Regions, func(a string) bool { return data.RegionWithin(r, a) })
			}
		}
		for _, ind := range w.industries {
			if _, ok := m.industries[ind]; !ok {
				m.industries[ind] = len(p.Industries) == 0 || slices.ContainsFunc(p.Industries, func(a string) bool { return data.IndustryWithin(ind, a) })
			}
		}
	}
	return m
}

// productFactsMemo is productFacts with the regions and industries read
// from memo when not nil.
func (w *world) productFactsMemo(p *data.Product, pools map[string]*data.Pool, memo *productMemo) prodFacts {
	f := prodFacts{rec: p, active: p.Active, minAge: p.MinEnterpriseYears, minRevenue: p.MinRevenue,
		maxDebt: p.MaxDebtRatio, requireProfit: p.RequireProfit, minTax: -1, minImpl: p.MinImplementedYears,
		minAmount: p.MinAmount, maxAmount: p.MaxAmount, minTerm: p.MinTerm, maxTerm: p.MaxTerm,
		minTermMonths: float64(max(p.MinTerm, 1)), poolLoanCap: math.Inf(1), poolBCap: math.Inf(1)}
	if memo == nil {
		memo = newProductMemo(p, []*world{w})
	}
	f.regionOK = make([]bool, len(w.regions))
	for i, r := range w.regions {
		f.regionOK[i] = memo.regions[r]
	}
	f.industryOK = make([]bool, len(w.industries))
	for i, ind := range w.industries {
		f.industryOK[i] = memo.industries[ind]
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
			if k, ok := w.areaSet.id[a]; ok {
				f.areas[k/64] |= 1 << (k % 64)
			}
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
