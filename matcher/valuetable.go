package matcher

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"

	"gonum.org/v1/gonum/stat/distuv"
)

// The bulk path values patents from a cached table instead of running a
// Monte Carlo per enterprise. It rests on one property of ValuePortfolio's
// model: what the technology earns over patent i's life is
//
//	U_i = coef × k × S(cap_i × λ_i; q)
//
// where coef = revenue × revenue share × (1 − tax) × margin is
// deterministic per enterprise and every random input (the profit share
// or royalty k, growth and premiums in q, the life factor λ_i) has a
// distribution that depends only on the valuation context (share range,
// LPR, premiums, growth, life factor), not on the enterprise. So the
// percentiles of U_i are coef times the percentiles of k × S(cap × λ; q),
// a function of the life cap alone. A valueTable holds those percentiles
// on a grid of caps (step tableStep years), estimated once per context
// from tableDraws joint draws with common random numbers across the grid;
// a patent's P10/P50/P90 is then one multiplication and a linear
// interpolation. They agree with ValuePortfolio's up to Monte Carlo noise
// (tested to within 3 %). A set of patents is worth Σ a_i × U_i (see
// ValuePortfolio); its percentiles are not a function of the patents'
// (the inputs are shared), so the bulk path reports Σ a_i × percentile(U_i),
// which is exact when the lives are fixed (the U_i then move together)
// and conservative for P10 otherwise.

// tableStep is the grid step of a valueTable, in years.
const tableStep = 0.1

// DefaultTableDraws is the number of draws behind a value table.
const DefaultTableDraws = 8192

// tableKey identifies a valuation context.
type tableKey struct {
	baseRate                                      float64
	share, tech, market, funding, mgmt, lifeRange Range
	growth                                        Growth
	maxLife                                       float64
	draws                                         int
	seed                                          uint64
}

// valueTable holds, for caps 0, step, 2·step … maxLife, the percentiles of
// a patent's value per yuan of coef.
type valueTable struct {
	q []Percentiles
}

// at returns the percentiles per yuan of coef for a life cap in years.
func (t *valueTable) at(lifeCap float64) Percentiles {
	if lifeCap <= 0 {
		return Percentiles{}
	}
	x := lifeCap / tableStep
	k := int(x)
	if k >= len(t.q)-1 {
		return t.q[len(t.q)-1]
	}
	f := x - float64(k)
	a, b := t.q[k], t.q[k+1]
	return Percentiles{
		P10:  a.P10 + f*(b.P10-a.P10),
		P50:  a.P50 + f*(b.P50-a.P50),
		P90:  a.P90 + f*(b.P90-a.P90),
		Mean: a.Mean + f*(b.Mean-a.Mean),
	}
}

// tableCache builds each context's table once; safe for concurrent use.
type tableCache struct {
	mu     sync.Mutex
	tables map[tableKey]*tableEntry
}

type tableEntry struct {
	once sync.Once
	t    *valueTable
}

func (c *tableCache) get(k tableKey) *valueTable {
	c.mu.Lock()
	if c.tables == nil {
		c.tables = map[tableKey]*tableEntry{}
	}
	e, ok := c.tables[k]
	if !ok {
		e = &tableEntry{}
		c.tables[k] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.t = buildValueTable(k) })
	return e.t
}

// buildValueTable estimates the table of context k: draws joint draws of
// the enterprise-level inputs and of one life factor, each evaluated at
// every cap of the grid (common random numbers), then the percentiles of
// every cap's values with the same definition as ValuePortfolio
// (stat.Empirical order statistics). Random streams are seeded from k.seed
// as ValuePortfolio's are, per chunk of draws.
func buildValueTable(k tableKey) *valueTable {
	points := int(math.Round(k.maxLife/tableStep)) + 1
	draws := k.draws
	samples := make([]float64, points*draws)
	share, tech, market := newSampler(k.share), newSampler(k.tech), newSampler(k.market)
	funding, mgmt, life := newSampler(k.funding), newSampler(k.mgmt), newSampler(k.lifeRange)
	growth := distuv.LogNormal{Mu: math.Log1p(k.growth.Median), Sigma: k.growth.Sigma}
	years := int(math.Ceil(k.maxLife))
	chunks := (draws + chunkDraws - 1) / chunkDraws
	// The table is a cache shared by requests: it is always built to the
	// end, so parallel gets a context that is never cancelled.
	parallel(context.Background(), chunks, func(_ *quantileScratch, c int) {
		src := rand.NewPCG(splitmix64(k.seed^0x7ab1e), splitmix64(k.seed^(uint64(c+1)*0x9e3779b97f4a7c15)))
		uniform := func() float64 { return float64(src.Uint64()>>11) * 0x1p-53 }
		var pw, sum [maxLifeYears + 2]float64
		for d := c * chunkDraws; d < min((c+1)*chunkDraws, draws); d++ {
			g := 1 + k.growth.Median
			if u := uniform(); k.growth.Sigma > 0 {
				g = growth.Quantile(u)
			}
			roy := share.at(uniform())
			r := k.baseRate + tech.at(uniform()) + market.at(uniform()) + funding.at(uniform()) + mgmt.at(uniform())
			q := g / (1 + r)
			pw[0], sum[0] = 1, 0
			for y := 1; y <= years+1; y++ {
				pw[y] = pw[y-1] * q
				sum[y] = sum[y-1] + pw[y]
			}
			lf := life.at(uniform())
			for p := range points {
				l := float64(p) * tableStep * lf
				m := int(l)
				samples[p*draws+d] = roy * (sum[m] + (l-float64(m))*pw[m+1])
			}
		}
	})
	t := &valueTable{q: make([]Percentiles, points)}
	parallel(context.Background(), points, func(qs *quantileScratch, p int) {
		t.q[p] = qs.percentiles(samples[p*draws : (p+1)*draws])
	})
	return t
}
