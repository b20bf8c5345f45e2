package matcher

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/demo"
)

// The size of the bulk benchmark: go test -run '^$' -bench MatchAll
// ./matcher/ -args -match.enterprises=10000 for a smaller run.
var (
	benchEnterprises = flag.Int("match.enterprises", 100_000, "enterprises of the MatchAll benchmark")
	benchProducts    = flag.Int("match.products", 300, "products of the MatchAll benchmark")
	benchPerEnt      = flag.Int("match.patents", 10, "patents per enterprise of the MatchAll benchmark")
)

// benchWorld is a generated province: enterprises (demo.GenerateEnterprises),
// their patents (demo.GeneratePatents, round-robin), varied products and
// pools, and the patents grouped by owner for the plain loop.
type benchWorld struct {
	in      MatchInput
	byOwner [][]data.Patent // by enterprise index
}

var (
	benchOnce sync.Once
	benchData *benchWorld
)

func loadBenchWorld(tb testing.TB) *benchWorld {
	tb.Helper()
	benchOnce.Do(func() {
		t0 := time.Now()
		benchData = makeWorld(20250801, *benchEnterprises, *benchPerEnt, *benchProducts)
		tb.Logf("generated %d enterprises, %d patents, %d products in %v", len(benchData.in.Enterprises),
			len(benchData.in.Patents), len(benchData.in.Products), time.Since(t0).Round(time.Millisecond))
	})
	return benchData
}

// makeWorld generates n enterprises with perEnt patents each and np
// products. Patent texts are dropped (the matcher reads none) to keep a
// million patents in reasonable memory. GeneratePatents names synthetic
// applicants, so each patent's first applicant is set to its owner's name:
// otherwise every patent would fail pledger_not_owner.
func makeWorld(seed int64, n, perEnt, np int) *benchWorld {
	ents := demo.GenerateEnterprises(seed, n)
	w := &benchWorld{byOwner: make([][]data.Patent, n)}
	w.in.Enterprises = ents
	w.in.Patents = make([]data.Patent, 0, n*perEnt)
	const chunk = 10_000
	for c := 0; c < n; c += chunk {
		ids := make([]string, 0, chunk)
		for i := c; i < min(c+chunk, n); i++ {
			ids = append(ids, ents[i].ID)
		}
		ps := demo.GeneratePatents(seed+int64(c), len(ids)*perEnt, ids)
		for k := range ps {
			p := &ps[k]
			p.Title, p.Abstract, p.MainClaim, p.Address, p.Agency, p.Agent, p.PublicationNumber = "", "", "", "", "", "", ""
			p.Inventors = nil
			p.Applicants[0] = ents[c+k%len(ids)].Name
		}
		w.in.Patents = append(w.in.Patents, ps...)
	}
	// Group the patents by owner (in enterprise order) so that the plain
	// loop's per-owner lists are windows of the one slice.
	idx := map[string]int{}
	for i := range ents {
		idx[ents[i].ID] = i
	}
	slices.SortStableFunc(w.in.Patents, func(a, b data.Patent) int { return idx[a.OwnerID] - idx[b.OwnerID] })
	start := 0
	for k := range w.in.Patents {
		if k+1 == len(w.in.Patents) || w.in.Patents[k+1].OwnerID != w.in.Patents[k].OwnerID {
			w.byOwner[idx[w.in.Patents[k].OwnerID]] = w.in.Patents[start : k+1 : k+1]
			start = k + 1
		}
	}
	w.in.Products, w.in.Pools = benchProductsFor(seed, np)
	w.in.AsOf = demo.AsOf
	return w
}

// guangdongCities are the prefecture-level cities of Guangdong.
var guangdongCities = []string{"4401", "4402", "4403", "4404", "4405", "4406", "4407", "4408", "4409", "4412",
	"4413", "4414", "4415", "4416", "4417", "4418", "4419", "4420", "4451", "4452", "4453"}

// benchProductsFor returns np varied products (after the demo's, with
// random regions, industries, IPC areas, thresholds and pool cover) and
// the pools that cover some of them, all valid.
func benchProductsFor(seed int64, np int) ([]data.Product, []data.Pool) {
	r := rand.New(rand.NewPCG(uint64(seed), 99))
	ds := demo.Generate(demo.DefaultSeed)
	pools := []data.Pool{
		{ID: "pool_gd", Name: "广东省知识产权质押融资风险补偿基金", Region: "44", Size: 500_000_000, FundShare: 0.5, PerLoanCap: 10_000_000, PerBorrowerCap: 20_000_000, Leverage: 10},
		{ID: "pool_fs", Name: "佛山市知识产权质押融资风险补偿资金池", Region: "4406", Size: 60_000_000, FundShare: 0.7, Leverage: 10},
		{ID: "pool_zh", Name: "珠海市知识产权质押融资风险补偿资金池", Region: "4404", Size: 20_000_000, FundShare: 0.4, Leverage: 10},
	}
	pools = append(pools, ds.Pools...)
	industries := []string{"C33", "C34", "C35", "C36", "C38", "C40"}
	equipIPC := []string{"B21", "B22", "B23", "B24", "B25", "B65G", "F15", "F16", "G05B"}
	out := make([]data.Product, 0, np)
	for i := range np {
		p := ds.Products[i%len(ds.Products)]
		p.ID = fmt.Sprintf("prod_bench_%04d", i)
		p.Description, p.Regions, p.Industries, p.IPCAreas, p.PatentTypes = "", nil, nil, nil, nil
		switch x := r.IntN(100); {
		case x < 30:
			p.Regions = []string{"44"}
		case x < 85:
			p.Regions = []string{guangdongCities[r.IntN(len(guangdongCities))]}
		default:
			p.Regions = []string{guangdongCities[r.IntN(len(guangdongCities))], guangdongCities[r.IntN(len(guangdongCities))]}
			if p.Regions[0] == p.Regions[1] {
				p.Regions = p.Regions[:1]
			}
		}
		if r.IntN(2) == 0 {
			p.Industries = pickSome(r, industries, 1+r.IntN(4))
		}
		if r.IntN(4) == 0 {
			p.IPCAreas = pickSome(r, equipIPC, 3+r.IntN(6))
		}
		if r.IntN(3) == 0 {
			p.PatentTypes = []data.PatentType{data.Invention, data.UtilityModel}
		}
		p.MinRemainingYears = data.ByType{Invention: float64(r.IntN(9)), UtilityModel: float64(r.IntN(5)), Design: float64(r.IntN(3))}
		p.MinImplementedYears = float64(r.IntN(3))
		p.MinEnterpriseYears = float64(r.IntN(4))
		p.MinRevenue = int64(r.IntN(4)) * 10_000_000
		p.MaxDebtRatio = []float64{0, 0, 0.6, 0.7, 0.8}[r.IntN(5)]
		p.RequireProfit = r.IntN(4) == 0
		p.MinTaxGrade = []string{"", "", "A", "B", "M"}[r.IntN(5)]
		p.RequiredCerts = nil
		if r.IntN(10) == 0 {
			p.RequiredCerts = []data.Certification{[]data.Certification{data.CertHighTech, data.CertSpecialized, data.CertTechSME}[r.IntN(3)]}
		}
		p.PoolID = ""
		switch x := r.IntN(10); {
		case x < 2:
			p.PoolID = "pool_gd"
		case x < 3:
			p.PoolID = pools[1+r.IntN(len(pools)-1)].ID
		}
		p.Active = r.IntN(20) != 0
		p.Normalize()
		if err := p.Validate(); err != nil {
			panic(err)
		}
		out = append(out, p)
	}
	return out, pools
}

func pickSome(r *rand.Rand, list []string, n int) []string {
	perm := r.Perm(len(list))[:min(n, len(list))]
	slices.Sort(perm)
	out := make([]string, len(perm))
	for i, k := range perm {
		out[i] = list[k]
	}
	return out
}

// plainEligible is the straightforward evaluation of the same hard
// criteria, on the records: the product's enterprise criteria, then each
// patent against the CNIPA pledge rules and the product's patent criteria
// until one passes. It is the baseline of BenchmarkMatchAll and the
// oracle of TestMatchAllAgreesWithPlainLoop.
func plainEligible(e *data.Enterprise, pats []data.Patent, p *data.Product, asOf data.Date) bool {
	if !p.Active {
		return false
	}
	if len(p.Regions) > 0 && !slices.ContainsFunc(p.Regions, func(r string) bool { return data.RegionWithin(e.Region, r) }) {
		return false
	}
	if len(p.Industries) > 0 && !slices.ContainsFunc(p.Industries, func(c string) bool { return data.IndustryWithin(e.Industry, c) }) {
		return false
	}
	if p.MinEnterpriseYears > 0 && e.Founded.YearsUntil(asOf) < p.MinEnterpriseYears {
		return false
	}
	if p.MinRevenue > 0 || p.MaxDebtRatio > 0 || p.RequireProfit {
		f, ok := e.Latest()
		if !ok || f.Revenue < p.MinRevenue || p.RequireProfit && f.Profit <= 0 {
			return false
		}
		if p.MaxDebtRatio > 0 && !(f.Assets > 0 && float64(f.Liabilities)/float64(f.Assets) <= p.MaxDebtRatio) &&
			!(f.Assets == 0 && f.Liabilities == 0) {
			return false
		}
	}
	if p.MinTaxGrade != "" && !data.TaxGradeAtLeast(e.TaxGrade, p.MinTaxGrade) {
		return false
	}
	for _, c := range p.RequiredCerts {
		if !e.HasCert(c) {
			return false
		}
	}
	minTerm := float64(max(p.MinTerm, 1))
patents:
	for i := range pats {
		pt := &pats[i]
		if pt.LegalStatus != data.StatusValid || pt.FeesPaidThrough.IsZero() || pt.FeesPaidThrough.Before(asOf) {
			continue
		}
		if pt.OwnerID != e.ID || !slices.Contains(pt.Applicants, e.Name) {
			continue
		}
		if len(pt.Applicants) > 1 && !pt.CoOwnersConsent {
			continue
		}
		for _, tx := range pt.History {
			if tx.Open && tx.Kind != data.TxLicence && tx.Kind != data.TxTransfer && tx.Kind != data.TxLitigation {
				continue patents
			}
		}
		if !p.Accepts(pt.Type) {
			continue
		}
		months := asOf.YearsUntil(pt.ExpiryDate) * 12
		if months < p.MinRemainingYears.Of(pt.Type)*12 || months < minTerm {
			continue
		}
		if p.MinImplementedYears > 0 && (pt.ImplementedSince.IsZero() || pt.ImplementedSince.YearsUntil(asOf) < p.MinImplementedYears) {
			continue
		}
		if len(p.IPCAreas) > 0 && !slices.ContainsFunc(pt.IPC, func(code string) bool {
			levels := data.IPCLevels(code)
			return slices.ContainsFunc(p.IPCAreas, func(a string) bool { return slices.Contains(levels, a) })
		}) {
			continue
		}
		return true
	}
	return false
}

// plainLoop counts the eligible pairs of w with plainEligible, on
// GOMAXPROCS goroutines over chunks of enterprises (as MatchAll).
func plainLoop(w *benchWorld) int {
	var count atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	const chunk = 256
	n := len(w.in.Enterprises)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				c := int(next.Add(1)) - 1
				if c*chunk >= n {
					return
				}
				local := 0
				for i := c * chunk; i < min((c+1)*chunk, n); i++ {
					e := &w.in.Enterprises[i]
					for k := range w.in.Products {
						if plainEligible(e, w.byOwner[i], &w.in.Products[k], w.in.AsOf) {
							local++
						}
					}
				}
				count.Add(int64(local))
			}
		})
	}
	wg.Wait()
	return int(count.Load())
}

// BenchmarkMatchAll is the full re-match of a province: MatchAll over
// -match.enterprises generated enterprises (default 100,000) with
// -match.patents patents each (default 10) × -match.products products
// (default 300): facts, rules, loan estimates, scores of both sides and
// both rankings. In the same iterations it times plainLoop, the
// straightforward evaluation of the same hard criteria on the same
// records, and reports both (matchall-ns/op, plain-ns/op) and their ratio
// (x-plain), the live heap of the records (records-MB) and what a MatchSet
// adds to it (matchset-MB). ns/op is the sum of the two timings.
// Generating the data is not timed.
func BenchmarkMatchAll(b *testing.B) {
	w := loadBenchWorld(b)
	m := DefaultMatcher()
	ctx := context.Background()
	var ours, plain time.Duration
	iters, eligible, lendingFailed := 0, 0, 0
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, heap := ms.HeapAlloc, uint64(0)
	for b.Loop() {
		t0 := time.Now()
		s, err := m.MatchAll(ctx, w.in)
		if err != nil {
			b.Fatal(err)
		}
		ours += time.Since(t0)
		runtime.GC()
		runtime.ReadMemStats(&ms)
		heap = ms.HeapAlloc - base // what the match set keeps alive
		eligible = s.Eligible()
		lendingFailed = 0
		for _, mk := range s.masks {
			if mk != 0 && mk&^(bitValuation|bitAmountBelowMin) == 0 {
				lendingFailed++
			}
		}
		runtime.KeepAlive(s)
		s = nil
		runtime.GC()
		t1 := time.Now()
		n := plainLoop(w)
		plain += time.Since(t1)
		if n != eligible+lendingFailed {
			b.Fatalf("MatchAll found %d eligible pairs and %d short of a loan, the plain loop %d", eligible, lendingFailed, n)
		}
		iters++
	}
	pairs := len(w.in.Enterprises) * len(w.in.Products)
	b.ReportMetric(float64(ours.Nanoseconds())/float64(iters), "matchall-ns/op")
	b.ReportMetric(float64(plain.Nanoseconds())/float64(iters), "plain-ns/op")
	b.ReportMetric(float64(ours)/float64(plain), "x-plain")
	b.ReportMetric(float64(pairs), "pairs")
	b.ReportMetric(float64(eligible), "eligible-pairs")
	b.ReportMetric(float64(base)/(1<<20), "records-MB")
	b.ReportMetric(float64(heap)/(1<<20), "matchset-MB")
}
