package app

import (
	"cmp"
	"context"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"ipmatch/data"
	"ipmatch/matcher"
	"ipmatch/search"
)

// Patent navigation (专利导航, GB/T 39551-2020): the landscape of a
// region's patents, counted from the search index's facets rather than by
// reading the patents. This is the technology part of the report (issue
// 17): what is filed, when, of which type, in which IPC subclasses, and in
// what legal state. It counts every patent in the index whatever the
// caller: patents are public (CNIPA publishes them), and only counts
// leave. The financing part (landscape_financing.go) is about enterprises,
// and sums only those the caller may see.

// The schemes of a landscape's industry.
const (
	// IndustrySEI: 战略性新兴产业分类与国际专利分类参照关系表（2021）, by IPC.
	IndustrySEI = "sei_ipc_2021"
	// IndustryGBT4754: 国民经济行业分类 GB/T 4754-2017, by the owner's
	// industry. No IPC concordance of it is at hand here, so a patent is in
	// the owner's industry; a patent without an owner in ipmatch is in
	// none.
	IndustryGBT4754 = "gbt4754_owner"
)

// LandscapeRequest selects the patents of a landscape: in a region (any
// level of the region codes, "" for all), under IPC codes of any level
// (several joined by commas: a set of groups) and in an industry ("" for all): a strategic emerging industry by
// its IPC reference (2021 table, e.g. "2.1" 智能制造装备产业) or GB/T 4754
// categories of the owners (data.ParseIndustrySet: "C35", "C33-C40",
// "装备制造业"), filed on or before AsOf.
type LandscapeRequest struct {
	// Query is a search's words (the search box's syntax, search's
	// package doc): a saved search as the landscape's technology. "" for
	// none.
	Query    string
	Region   string
	IPC      string
	Industry string
	AsOf     data.Date
}

// Landscape is the technology landscape of the patents a LandscapeRequest
// selects.
type Landscape struct {
	Region     string `json:"region,omitempty"`
	RegionName string `json:"region_name,omitempty"`
	// Query is the search the patents match ("" for none): a saved
	// search's words.
	Query string `json:"q,omitempty"`
	// IPC is the landscape's IPC codes, normalised and joined by commas.
	IPC string `json:"ipc,omitempty"`
	// Industry is the industry of the patents, by IndustryScheme: a
	// strategic emerging industry (2021 IPC reference table), the patents
	// whose IPC codes it covers; or GB/T 4754 categories (their canonical
	// codes joined by commas), the patents whose owner in ipmatch is in
	// one of them. IndustryName is its name.
	Industry       string    `json:"industry,omitempty"`
	IndustryScheme string    `json:"industry_scheme,omitempty"`
	IndustryName   string    `json:"industry_name,omitempty"`
	AsOf           data.Date `json:"as_of"`
	// Total is how many patents are in scope.
	Total int `json:"total"`
	// ByYear counts filings per filing year and type, oldest year first.
	ByYear []LandscapeYear `json:"by_year"`
	// ByIPC lists the most frequent IPC subclasses (up to 20), most
	// frequent first; a patent counts under each of its subclasses.
	ByIPC []LandscapeIPC `json:"by_ipc"`
	// ByGroup lists the most frequent IPC main groups (up to 20) the same
	// way.
	ByGroup []LandscapeIPC `json:"by_group"`
	// ByStatus counts the patents per legal status.
	ByStatus []LandscapeCount `json:"by_status"`
	// Pledgeable counts the patents CNIPA would register a pledge of on
	// the as-of day by their owner (data.Patent.PledgeBars, fees paid
	// through the day; the status and transactions as recorded now), and
	// PledgeableShare is Pledgeable over Total.
	Pledgeable      int     `json:"pledgeable"`
	PledgeableShare float64 `json:"pledgeable_share"`
	// TopApplicants are the applicants with the most patents in scope (up
	// to 20), most first; a patent counts under each of its applicants.
	TopApplicants []LandscapeApplicant `json:"top_applicants"`
	// Province names the province the shares are compared with (the
	// region's own), when the region lies below one.
	Province string `json:"province,omitempty"`
	// Growth compares the filings of the last GrowthYears whole years
	// before AsOf with the GrowthYears before them, here and in the
	// province (when there is one); nil when the earlier span has none.
	Growth *LandscapeGrowth `json:"growth,omitempty"`
	// Clusters are the technology clusters of the patents in scope (the
	// topics of the titles and abstracts of a systematic sample of them,
	// ClusterSample patents; matcher.FitTopics says how), largest first;
	// none when fewer than matcher.MinTopicDocs patents have terms to
	// cluster. Their counts are estimates: a cluster's share of the
	// sample times Total.
	ClusterSample int                        `json:"cluster_sample"`
	Clusters      []matcher.LandscapeCluster `json:"clusters"`
	// Financing is where the enterprises of the landscape could raise
	// money on their patents, summed over those the caller may see
	// (landscape_financing.go).
	Financing *LandscapeFinancing `json:"financing"`
}

// LandscapeGrowth is the growth of filings between two spans of years.
type LandscapeGrowth struct {
	// From..To is the recent span, From-Years..From-1 the earlier one.
	From  int `json:"from"`
	To    int `json:"to"`
	Years int `json:"years"`
	// Recent and Earlier count the region's filings in the two spans;
	// Rate is Recent/Earlier − 1 (0.25: a quarter more).
	Recent  int     `json:"recent"`
	Earlier int     `json:"earlier"`
	Rate    float64 `json:"rate"`
	// ProvinceRate is the same rate of the province, when compared.
	ProvinceRate *float64 `json:"province_rate,omitempty"`
}

// LandscapeYear is one filing year's patents by type.
type LandscapeYear struct {
	Year         int `json:"year"`
	Invention    int `json:"invention"`
	UtilityModel int `json:"utility_model"`
	Design       int `json:"design"`
	Total        int `json:"total"`
}

// LandscapeIPC is one IPC subclass or main group of a landscape.
type LandscapeIPC struct {
	Code  string `json:"code"`
	Title string `json:"title,omitempty"`
	Count int    `json:"count"`
	// Share is Count over the landscape's Total.
	Share float64 `json:"share"`
	// Specialisation is the region's share of the subclass over the
	// province's: the revealed technological advantage (RTA) of the OECD
	// Patent Statistics Manual (2009), with the province for the world;
	// above 1, the region files in it more than its province does. 0 when
	// there is no province to compare with (and for main groups, which
	// are compared by their subclass).
	Specialisation float64 `json:"specialisation,omitempty"`
	// Growth is the rate of its filings in the landscape's growth spans
	// (Landscape.Growth: the last three whole years against the three
	// before); nil when it had none in the earlier span.
	Growth *float64 `json:"growth,omitempty"`
}

// LandscapeApplicant is one of a landscape's top applicants.
type LandscapeApplicant struct {
	Name  string  `json:"name"`
	Count int     `json:"count"`
	Share float64 `json:"share"`
	// EnterpriseID is the enterprise in ipmatch of that name, when the
	// caller may read it ("" otherwise: whether an enterprise is in
	// ipmatch is not public).
	EnterpriseID string `json:"enterprise_id,omitempty"`
}

// LandscapeCount is one value of a landscape's facet with its count.
type LandscapeCount struct {
	Value string `json:"value"`
	Label string `json:"label,omitempty"`
	Count int    `json:"count"`
}

// Landscape counts the landscape of req in idx for p (any signed-in
// caller: the counts are of public patents). A region code that is not
// one, or an IPC code the index refuses, is invalid naming the field.
func (a *App) Landscape(ctx context.Context, p *Caller, idx *search.Index, req LandscapeRequest) (*Landscape, error) {
	out := &Landscape{Query: strings.TrimSpace(req.Query), Region: req.Region, IPC: strings.TrimSpace(req.IPC), Industry: strings.TrimSpace(req.Industry), AsOf: req.AsOf,
		ByYear: []LandscapeYear{}, ByIPC: []LandscapeIPC{}, ByGroup: []LandscapeIPC{}, ByStatus: []LandscapeCount{}, TopApplicants: []LandscapeApplicant{}}
	if out.AsOf.IsZero() {
		out.AsOf = a.Today()
	}
	if req.Region != "" {
		if _, ok := data.LookupRegion(req.Region); !ok {
			return nil, data.InvalidField("region", "%q is not a known region code", req.Region)
		}
		out.RegionName = data.RegionLabel(req.Region)
		if len(req.Region) > 2 {
			out.Province = req.Region[:2]
		}
	}
	if out.Query != "" {
		// The technology part counts every patent whatever the caller, so
		// its words may not pick the patents of one enterprise in ipmatch:
		// whether an enterprise is here, and what it owns, is not public.
		fields, err := search.QueryFields(search.Patents, out.Query)
		if err != nil {
			return nil, err
		}
		if slices.Contains(fields, "owner_id") {
			return nil, data.InvalidField("q", "a landscape counts public patents: its words cannot select them by their owner in ipmatch (owner_id)")
		}
	}
	if out.IPC != "" {
		codes, err := data.ParseIPCSet(out.IPC)
		if err != nil {
			return nil, data.InvalidField("ipc", "%v: give IPC codes at any level, several joined by commas (B23K9/00,B23K11/00)", err)
		}
		out.IPC = strings.Join(codes, ",")
	}
	switch {
	case out.Industry == "":
	case strings.Contains(out.Industry, "."):
		ind, _, ok := data.StrategicIndustryRules(out.Industry)
		if !ok {
			return nil, data.InvalidField("industry", "%q is not an industry of the 2021 IPC reference table of strategic emerging industries, such as 2.1", out.Industry)
		}
		out.IndustryScheme, out.IndustryName = IndustrySEI, ind.Name
	default:
		set, name, err := data.ParseIndustrySet(out.Industry)
		if err != nil {
			return nil, data.InvalidField("industry", "%v: give a strategic emerging industry of the 2021 IPC reference table (2.1), or GB/T 4754 codes (C35, C33,C35, C33-C40 or 装备制造业)", err)
		}
		codes := make([]string, len(set))
		for i, ind := range set {
			codes[i] = ind.Code
		}
		out.Industry = strings.Join(codes, ",")
		out.IndustryScheme, out.IndustryName = IndustryGBT4754, name
	}
	// The clusters read and factorise a sample while the counts walk the
	// index: apart, they take about as long as all the counts of a
	// district (BenchmarkProvinceLandscape).
	type fitted struct {
		model *matcher.TopicModel
		err   error
	}
	clusters := make(chan fitted, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // an early return stops the clusters' work
	go func() {
		m, err := landscapeClusters(ctx, idx, out.request(req.Region))
		clusters <- fitted{m, err}
	}()
	count := func(region string, extra map[string]string, facets ...string) (*search.Result, error) {
		r := out.request(region)
		maps.Copy(r.Filters, extra)
		r.Facets, r.ExactFacets, r.CountOnly = facets, true, true
		// The search names the filter it refuses (ipc) or the query's
		// mistake (q), as the request does.
		return idx.Search(ctx, search.Patents, r)
	}

	all, err := count(req.Region, nil, "type", "status", "ipc_subclass", "ipc_group", "applicant")
	if err != nil {
		return nil, err
	}
	out.Total = all.Total
	pledgeable, err := count(req.Region, map[string]string{"pledgeable_on": out.AsOf.String()})
	if err != nil {
		return nil, err
	}
	out.Pledgeable = pledgeable.Total
	if out.Total > 0 {
		out.PledgeableShare = round4(float64(out.Pledgeable) / float64(out.Total))
	}
	if out.TopApplicants, err = a.topApplicants(ctx, p, facetValues(all, "applicant"), out.Total); err != nil {
		return nil, err
	}
	for _, v := range facetValues(all, "status") {
		out.ByStatus = append(out.ByStatus, LandscapeCount{Value: v.Value, Label: v.Label, Count: v.Count})
	}

	years := map[int]*LandscapeYear{}
	for _, t := range []data.PatentType{data.Invention, data.UtilityModel, data.Design} {
		res, err := count(req.Region, map[string]string{"type": string(t)}, "filing_year")
		if err != nil {
			return nil, err
		}
		for _, v := range facetValues(res, "filing_year") {
			y, err := strconv.Atoi(v.Value)
			if err != nil {
				continue
			}
			ly := years[y]
			if ly == nil {
				ly = &LandscapeYear{Year: y}
				years[y] = ly
			}
			switch t {
			case data.Invention:
				ly.Invention = v.Count
			case data.UtilityModel:
				ly.UtilityModel = v.Count
			case data.Design:
				ly.Design = v.Count
			}
			ly.Total += v.Count
		}
	}
	for _, y := range years {
		out.ByYear = append(out.ByYear, *y)
	}
	slices.SortFunc(out.ByYear, func(x, y LandscapeYear) int { return cmp.Compare(x.Year, y.Year) })

	provinceShare := map[string]float64{}
	provinceYears := map[int]int{}
	if out.Province != "" {
		// The province's shares from a sample of provinceSample of its
		// patents (the index's sampled facets; all of them in a small
		// province), both facets in one walk.
		r := out.request(out.Province)
		r.Facets, r.FacetSample, r.FacetSize, r.CountOnly = []string{"ipc_subclass", "filing_year"}, provinceSample, search.MaxFacetSize, true
		prov, err := idx.Search(ctx, search.Patents, r)
		if err != nil {
			return nil, err
		}
		for _, v := range facetValues(prov, "ipc_subclass") {
			if prov.Total > 0 {
				provinceShare[v.Value] = float64(v.Count) / float64(prov.Total)
			}
		}
		for _, v := range facetValues(prov, "filing_year") {
			if y, err := strconv.Atoi(v.Value); err == nil {
				provinceYears[y] = v.Count
			}
		}
	}
	regionYears := map[int]int{}
	for _, y := range out.ByYear {
		regionYears[y.Year] = y.Total
	}
	out.Growth = growth(out.AsOf, regionYears, provinceYears, out.Province != "")
	for _, v := range facetValues(all, "ipc_subclass") {
		c := LandscapeIPC{Code: v.Value, Title: v.Label, Count: v.Count}
		if out.Total > 0 {
			c.Share = round4(float64(v.Count) / float64(out.Total))
		}
		if ps := provinceShare[v.Value]; ps > 0 && out.Total > 0 {
			c.Specialisation = round4(float64(v.Count) / float64(out.Total) / ps)
		}
		out.ByIPC = append(out.ByIPC, c)
	}
	for _, v := range facetValues(all, "ipc_group") {
		c := LandscapeIPC{Code: v.Value, Title: v.Label, Count: v.Count}
		if out.Total > 0 {
			c.Share = round4(float64(v.Count) / float64(out.Total))
		}
		out.ByGroup = append(out.ByGroup, c)
	}
	if g := out.Growth; g != nil {
		if err := a.codeGrowth(ctx, idx, out.request(req.Region), g, out.ByIPC, out.ByGroup); err != nil {
			return nil, err
		}
	}
	fit := <-clusters
	if fit.err != nil {
		return nil, fit.err
	}
	model := fit.model
	out.ClusterSample, out.Clusters = model.Sampled, model.Clusters
	if out.Clusters == nil {
		out.Clusters = []matcher.LandscapeCluster{}
	}
	if out.Financing, err = a.landscapeFinancing(ctx, p, idx, out, model); err != nil {
		return nil, err
	}
	return out, nil
}

// provinceSample is how many of its province's patents a landscape below
// a province compares it with, about: the province's share of a subclass
// holding 2 % of them is then read from some 1,000 patents, within 3 % of
// itself (one standard error), at a twentieth of the cost of reading a
// million (BenchmarkProvinceLandscape).
const provinceSample = 50_000

// request is the search of l's patents in region (l's own or its
// province): matching its query, filed by the as-of day, under its IPC
// codes, in its industry.
func (l *Landscape) request(region string) search.Request {
	f := map[string]string{"filing_date": ".." + l.AsOf.String()}
	if region != "" {
		f["region"] = region
	}
	if l.IPC != "" {
		f["ipc"] = l.IPC
	}
	switch l.IndustryScheme {
	case IndustrySEI:
		f["industry"] = l.Industry
	case IndustryGBT4754:
		f["owner_industry"] = l.Industry
	}
	return search.Request{Query: l.Query, Filters: f}
}

// topApplicants lists the applicants of facet with their share of total
// patents, each with the enterprise in ipmatch of the same name when p may
// read it (the enterprise rules of policy.go, as GET /enterprises/{id}).
func (a *App) topApplicants(ctx context.Context, p *Caller, facet []search.FacetValue, total int) ([]LandscapeApplicant, error) {
	out := make([]LandscapeApplicant, 0, len(facet))
	for _, v := range facet {
		out = append(out, LandscapeApplicant{Name: v.Value, Count: v.Count, Share: round4(float64(v.Count) / float64(max(total, 1)))})
	}
	if len(out) == 0 {
		return out, nil
	}
	view, err := a.records.current(ctx, a.store)
	if err != nil {
		return nil, err
	}
	for k := range out {
		id := view.enterpriseNamed(out[k].Name)
		if id == "" {
			continue
		}
		_, err := a.Enterprises.get(ctx, p, id)
		switch data.ErrorCode(err) {
		case "":
			out[k].EnterpriseID = id
		case data.CodeNotFound, data.CodeForbidden:
		default:
			return nil, err
		}
	}
	return out, nil
}

// codeGrowth sets the growth of each of the subclasses and groups given
// over g's spans: every subclass's and group's count in each span, from
// one exact walk of each span's patents.
func (a *App) codeGrowth(ctx context.Context, idx *search.Index, scope search.Request, g *LandscapeGrowth, lists ...[]LandscapeIPC) error {
	span := func(from, to int) (map[string]int, error) {
		r := scope
		r.Filters = maps.Clone(scope.Filters)
		// Whole years, both before the as-of day (g.To is the last whole year).
		r.Filters["filing_date"] = strconv.Itoa(from) + ".." + strconv.Itoa(to)
		r.Facets, r.ExactFacets, r.FacetSize, r.CountOnly = []string{"ipc_subclass", "ipc_group"}, true, search.MaxFacetSize, true
		res, err := idx.Search(ctx, search.Patents, r)
		if err != nil {
			return nil, err
		}
		m := map[string]int{}
		for _, name := range []string{"ipc_subclass", "ipc_group"} {
			for _, v := range facetValues(res, name) {
				m[v.Value] = v.Count
			}
		}
		return m, nil
	}
	recent, err := span(g.From, g.To)
	if err != nil {
		return err
	}
	earlier, err := span(g.From-g.Years, g.From-1)
	if err != nil {
		return err
	}
	for _, list := range lists {
		for i := range list {
			if e := earlier[list[i].Code]; e > 0 {
				r := round4(float64(recent[list[i].Code])/float64(e) - 1)
				list[i].Growth = &r
			}
		}
	}
	return nil
}

// growthYears is the span of whole years the growth compares: the last
// three, against the three before (the span CNIPA's and the provinces'
// patent statistics bulletins compare most often is a year; three smooth
// a district's small counts).
const growthYears = 3

// growth compares the filings of the last growthYears whole years before
// asOf with those of the years before them; nil without earlier filings.
func growth(asOf data.Date, region, province map[int]int, compare bool) *LandscapeGrowth {
	to := int(asOf.Year) - 1 // the last whole year
	from := to - growthYears + 1
	sum := func(m map[int]int, a, b int) int {
		n := 0
		for y := a; y <= b; y++ {
			n += m[y]
		}
		return n
	}
	g := &LandscapeGrowth{From: from, To: to, Years: growthYears,
		Recent: sum(region, from, to), Earlier: sum(region, from-growthYears, from-1)}
	if g.Earlier == 0 {
		return nil
	}
	g.Rate = round4(float64(g.Recent)/float64(g.Earlier) - 1)
	if compare {
		if pe := sum(province, from-growthYears, from-1); pe > 0 {
			r := round4(float64(sum(province, from, to))/float64(pe) - 1)
			g.ProvinceRate = &r
		}
	}
	return g
}

// facetValues returns the values of facet name in res, none when absent.
func facetValues(res *search.Result, name string) []search.FacetValue {
	if f := res.Facets[name]; f != nil {
		return f.Values
	}
	return nil
}

// round4 rounds x to four decimals, for shares.
func round4(x float64) float64 {
	return math.Round(x*10_000) / 10_000
}
