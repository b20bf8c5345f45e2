package app

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"iter"
	"math"
	"slices"
	"strings"
	"sync"

	"ipmatch/data"
	"ipmatch/matcher"
	"ipmatch/search"
)

// The financing part of a landscape (issue 17): where the region's
// patents could raise money. It reads the node's match state (records.go,
// compiled.go), so each enterprise's figures are those its matches and the
// pipelines show: the patents that pass every CNIPA pledge rule, the
// model's value of them, and the largest loan an active product would
// make. Unlike the technology part, it is about enterprises, so it holds
// only those the caller may see: every enterprise for the organizer, for a
// bank those in its pool or events (the pipeline's rule, seenBy), for an
// enterprise itself. Only sums leave, never a name.

// LandscapeFinancing is the financing potential of the enterprises of a
// landscape: those registered in its region with a patent in its scope
// (IPC, industry, filed by the as-of date).
type LandscapeFinancing struct {
	// Scope says whose enterprises are summed: "all" (the organizer),
	// "visible" (a bank: those in its pool or its events) or "own" (an
	// enterprise: itself).
	Scope string `json:"scope"`
	// Products counts the active products whose loans were tried.
	Products int `json:"products"`
	// Unavailable says why there are no figures (a day before the first
	// LPR fixing, 2019-08-20: no loan can be priced); empty when there are.
	Unavailable string `json:"unavailable,omitempty"`
	// Total sums every enterprise in scope; ByDistrict the enterprises of
	// each region one level below the landscape's (cities of a province,
	// districts of a city; the district itself for a district), largest
	// supportable loans first.
	Total      LandscapePotential   `json:"total"`
	ByDistrict []LandscapePotential `json:"by_district"`
	// ByCluster sums the enterprises placed in each of the landscape's
	// technology clusters, one entry per Landscape.Clusters in the same
	// order: an enterprise is in the one cluster of its patents' titles
	// taken together (those in the landscape's scope). Unclustered sums
	// the enterprises none of whose titles has a term of the clusters (or
	// all of them when there are no clusters).
	ByCluster   []LandscapePotential `json:"by_cluster"`
	Unclustered LandscapePotential   `json:"unclustered"`
	// ClusterPlaced counts the enterprises placed in the clusters: every
	// one up to maxClusterPlaced. Beyond, about that many are placed (a
	// sample by a hash of their IDs, the same each time; ClusterRate is
	// the share sampled, 1 when all were placed), and the rows by cluster
	// are the sample's sums over that share, rounded: estimates, which
	// need not add up to Total exactly.
	ClusterPlaced int     `json:"cluster_placed"`
	ClusterRate   float64 `json:"cluster_rate"`
}

// maxClusterPlaced is how many enterprises a landscape places in its
// clusters, at most about: placing one cuts the titles of its patents
// and solves for its topic weights, 10–40 µs, so a province's 100,000
// would take seconds (BenchmarkProvinceLandscape); 5,000 sampled give a
// cluster's share of the enterprises within 0.7 percentage points (one
// standard error), finer than the clusters' own sample of patents.
var maxClusterPlaced = 5000 // a variable for the tests

// LandscapePotential sums the financing potential of some enterprises.
type LandscapePotential struct {
	// Region and RegionName name a district's row, Cluster a cluster's
	// (the cluster's name).
	Region     string `json:"region,omitempty"`
	RegionName string `json:"region_name,omitempty"`
	Cluster    string `json:"cluster,omitempty"`
	// Enterprises counts the enterprises; Pledgeable those with at least
	// one patent that passes every CNIPA pledge rule, and
	// PledgeablePatents those patents.
	Enterprises       int `json:"enterprises"`
	Pledgeable        int `json:"pledgeable"`
	PledgeablePatents int `json:"pledgeable_patents"`
	// AppraisedValue sums the model's value (P50) of each enterprise's
	// pledgeable patents, in yuan.
	AppraisedValue int64 `json:"appraised_value"`
	// Borrowers counts the enterprises an active product would lend to,
	// and SupportableLoans sums the largest loan each would get (capped by
	// its stated need, as every loan estimate is), in yuan.
	Borrowers        int   `json:"borrowers"`
	SupportableLoans int64 `json:"supportable_loans"`
	// WithNeed counts the enterprises that stated a financing need, Needs
	// sums those needs, and Gap what the supportable loans leave of them
	// (Σ max(0, need − loan)).
	WithNeed int   `json:"with_need"`
	Needs    int64 `json:"needs"`
	Gap      int64 `json:"gap"`
}

// add counts one enterprise's potential into s.
func (s *LandscapePotential) add(pot *matcher.EnterprisePotential) {
	s.Enterprises++
	if pot.Pledgeable > 0 {
		s.Pledgeable++
		s.PledgeablePatents += pot.Pledgeable
	}
	s.AppraisedValue += int64(pot.Value + 0.5)
	if pot.Loan > 0 {
		s.Borrowers++
		s.SupportableLoans += pot.Loan
	}
	if pot.Need > 0 {
		s.WithNeed++
		s.Needs += pot.Need
		s.Gap += max(0, pot.Need-pot.Loan)
	}
}

// scale multiplies s's sums by f, rounded: a sample's sums made estimates
// of the whole's.
func (s *LandscapePotential) scale(f float64) {
	n := func(x int) int { return int(math.Round(float64(x) * f)) }
	y := func(x int64) int64 { return int64(math.Round(float64(x) * f)) }
	s.Enterprises, s.Pledgeable, s.PledgeablePatents, s.Borrowers, s.WithNeed = n(s.Enterprises), n(s.Pledgeable), n(s.PledgeablePatents), n(s.Borrowers), n(s.WithNeed)
	s.AppraisedValue, s.SupportableLoans, s.Needs, s.Gap = y(s.AppraisedValue), y(s.SupportableLoans), y(s.Needs), y(s.Gap)
}

// sampleUnit maps an enterprise ID to [0, 1) by its FNV-1a hash, mixed
// by SplitMix64's finaliser so that IDs differing in their last digit
// spread over the whole range: whether it is in a sample of any share,
// the same each time.
func sampleUnit(id string) float64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	x := h.Sum64()
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

// landscapeFinancing sums the financing potential of out's enterprises
// that p may see.
func (a *App) landscapeFinancing(ctx context.Context, p *Caller, idx *search.Index, out *Landscape, model *matcher.TopicModel) (*LandscapeFinancing, error) {
	fin := &LandscapeFinancing{Scope: "all", ByDistrict: []LandscapePotential{}, ByCluster: []LandscapePotential{}}
	switch {
	case p.Is(data.RoleBank):
		fin.Scope = "visible"
	case p.Is(data.RoleCompany):
		fin.Scope = "own"
	}
	if first := matcher.FirstLPRFixing(); out.AsOf.Before(first) {
		fin.Unavailable = fmt.Sprintf("%s 早于首次 LPR 报价日 %s，无法估算贷款", out.AsOf, first)
		return fin, nil
	}
	view, err := a.records.current(ctx, a.store)
	if err != nil {
		return nil, err
	}
	products, err := All(ctx, a.store.Products(), data.ListOptions{})
	if err != nil {
		return nil, err
	}
	products = slices.DeleteFunc(products, func(pr data.Product) bool { return !pr.Active })
	var areas []string
	for i := range products {
		areas = append(areas, products[i].IPCAreas...)
	}
	compiled, err := a.compiledFor(ctx, view, out.AsOf, areas)
	if err != nil {
		return nil, err
	}
	pools, err := All(ctx, a.store.Pools(), data.ListOptions{})
	if err != nil {
		return nil, err
	}
	fin.Products = len(products)
	var seen *matcher.Seen
	own := ""
	switch {
	case p.Is(data.RoleBank):
		if seen, err = seenBy(ctx, &a.seen, a.policy, compiled, p.Token.BankID); err != nil {
			return nil, err
		}
	case p.Is(data.RoleCompany):
		own = p.Token.EnterpriseID
	}
	inScope, err := patentScope(out)
	if err != nil {
		return nil, err
	}
	if out.Query != "" {
		// Which patents the words select is the index's to say: the
		// financing part takes its answer rather than a second reading.
		ids, err := idx.PatentIDs(ctx, out.request(""))
		if err != nil {
			return nil, err
		}
		matched := make(map[string]struct{}, len(ids))
		for _, id := range ids {
			matched[id] = struct{}{}
		}
		rules := inScope
		inScope = func(pt *data.Patent) bool {
			_, ok := matched[pt.ApplicationNumber]
			return ok && rules(pt)
		}
	}
	var trades []string // the GB/T 4754 categories of the owners, if that is the industry
	if out.IndustryScheme == IndustryGBT4754 {
		trades = strings.Split(out.Industry, ",")
	}
	registered := func(e *data.Enterprise) bool {
		if own != "" && e.ID != own || out.Region != "" && !data.RegionWithin(e.Region, out.Region) {
			return false
		}
		return trades == nil || slices.ContainsFunc(trades, func(c string) bool { return data.IndustryWithin(e.Industry, c) })
	}
	// The share of the enterprises to place: all, or about
	// maxClusterPlaced of those registered in the landscape (an upper
	// bound of those it keeps).
	candidates := 0
	view.enterprises(func(e *data.Enterprise) bool {
		if registered(e) {
			candidates++
		}
		return true
	})
	fin.ClusterRate = 1
	if candidates > maxClusterPlaced {
		fin.ClusterRate = float64(maxClusterPlaced) / float64(candidates)
	}
	// placed holds each kept enterprise's cluster (−1: none; −2: not
	// sampled); keep runs on several goroutines.
	var mu sync.Mutex
	placed := map[string]int{}
	keep := func(e *data.Enterprise, patents iter.Seq[*data.Patent]) bool {
		if !registered(e) {
			return false
		}
		inLandscape := false
		for pt := range patents {
			if inLandscape = inScope(pt); inLandscape {
				break
			}
		}
		if !inLandscape {
			return false
		}
		c := -2
		if fin.ClusterRate == 1 || sampleUnit(e.ID) < fin.ClusterRate {
			var ok bool
			if c, ok = placeEnterprise(model, patents, inScope); !ok {
				c = -1
			}
		}
		mu.Lock()
		placed[e.ID] = c
		mu.Unlock()
		return true
	}
	pots, err := compiled.Potential(ctx, products, pools, seen, keep)
	if err != nil {
		return nil, err
	}
	for _, c := range model.Clusters {
		fin.ByCluster = append(fin.ByCluster, LandscapePotential{Cluster: c.Name})
	}
	for i := range pots {
		switch c := placed[pots[i].Enterprise.ID]; {
		case c >= 0:
			fin.ByCluster[c].add(&pots[i])
		case c == -1:
			fin.Unclustered.add(&pots[i])
		default:
			continue
		}
		fin.ClusterPlaced++
	}
	if fin.ClusterRate < 1 {
		for i := range fin.ByCluster {
			fin.ByCluster[i].scale(1 / fin.ClusterRate)
		}
		fin.Unclustered.scale(1 / fin.ClusterRate)
	}
	level := districtLevel(out.Region)
	districts := map[string]*LandscapePotential{}
	for i := range pots {
		pot := &pots[i]
		fin.Total.add(pot)
		code := districtOf(pot.Enterprise.Region, level)
		d := districts[code]
		if d == nil {
			d = &LandscapePotential{Region: code, RegionName: districtName(code)}
			districts[code] = d
		}
		d.add(pot)
	}
	for _, d := range districts {
		fin.ByDistrict = append(fin.ByDistrict, *d)
	}
	slices.SortFunc(fin.ByDistrict, func(x, y LandscapePotential) int {
		if c := cmp.Compare(y.SupportableLoans, x.SupportableLoans); c != 0 {
			return c
		}
		return cmp.Compare(x.Region, y.Region)
	})
	return fin, nil
}

// districtLevel is the length of the region codes one level below region
// ("" → provinces, 2; a province → cities, 4; a city or district →
// districts, 6).
func districtLevel(region string) int {
	r, ok := data.LookupRegion(region)
	if !ok {
		return 2
	}
	return min(len(r.Code)+2, 6)
}

// districtOf is the code of the region of length level that code lies
// in; "" when code is shorter (an enterprise registered at a city only
// is not in any of its districts).
func districtOf(code string, level int) string {
	r, ok := data.LookupRegion(code)
	if !ok || len(r.Code) < level {
		return ""
	}
	return r.Code[:level]
}

// patentScope returns whether a patent is in out's technology scope:
// filed by the as-of date, under one of its IPC codes and in its strategic
// emerging industry, the same rules the index's filters apply (search's
// ipc and industry). A GB/T 4754 industry is the owner's, checked apart.
func patentScope(out *Landscape) (func(*data.Patent) bool, error) {
	var ipc []string
	if out.IPC != "" {
		var err error
		if ipc, err = data.ParseIPCSet(out.IPC); err != nil {
			return nil, data.InvalidField("ipc", "%v", err)
		}
	}
	var rules []data.IPCRule
	if out.IndustryScheme == IndustrySEI {
		_, rules, _ = data.StrategicIndustryRules(out.Industry)
	}
	return func(pt *data.Patent) bool {
		if pt.FilingDate.IsZero() || out.AsOf.Before(pt.FilingDate) {
			return false
		}
		if ipc != nil && !slices.ContainsFunc(pt.IPC, func(c string) bool {
			levels := data.IPCLevels(c)
			return slices.ContainsFunc(ipc, func(want string) bool { return slices.Contains(levels, want) })
		}) {
			return false
		}
		return rules == nil || data.InStrategicIndustry(rules, pt.IPC)
	}, nil
}

// districtName is the label of a district row: the region's name, or
// 未细分到区县 for the enterprises registered above the level.
func districtName(code string) string {
	if strings.TrimSpace(code) == "" {
		return "未细分到下级地区"
	}
	return data.RegionLabel(code)
}
