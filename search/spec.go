package search

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"ipmatch/data"
)

// kindSpec says how one kind is searched: which text fields unqualified
// words look in (and their weights), which fields a query or filter may
// name, the facets, the sorts and what a hit shows.
type kindSpec struct {
	name    string
	text    []weighted // where plain words are looked for
	phrases []weighted // where phrases are looked for (fields with positions)
	// recall, when set, is how plain words are found cheaply: in
	// recallField, which holds the values of every field of text (docs.go
	// adds them), with one term query a bigram rather than one a bigram
	// and field (at 1,000,000 patents two words over the six fields cost
	// 1.8 times as much; a lone bigram costs 1.4 times less there), and
	// ranked by their BM25 there plus these fields' with their boosts, so
	// that a word of a title or a name still ranks first; a single
	// character is one term of charsField. Highlighting still looks field
	// by field.
	recall  []weighted
	params  map[string]param // filters and query fields, by name
	aliases map[string]string
	facets  map[string]facetSpec
	sorts   map[string]sortSpec
	show    []string // stored fields a hit shows
	frags   []string // fields with highlighted fragments
	idField string   // name of the record's ID in hits
	noText  []string // sort when the query has no words
	// newest, when set, lets a search without words sorted by a date,
	// newest first, look at the most recent years only (newest.go).
	newest   *newestSpec
	enrich   func(map[string]any)
	numbers  bool // plain words that look like patent numbers also match them
	known    string
	facetSet string
	sortSet  string
}

// weighted is a text field and its boost.
type weighted struct {
	field string
	boost float64
}

// param is a field a filter or a query term may name. A text param
// searches its fields with words; a keyword param maps one value to a
// query; a range param maps a range (or one value) to a query.
type param struct {
	help   string // what a value looks like, for messages
	single bool   // one value: commas are part of it (3,000,000)
	text   []weighted
	value  func(v string) (query.Query, error)
	rng    func(r rangeValue) (query.Query, error)
	// financial marks a field computed from financial statements: see
	// consent.go.
	financial bool
}

// facetSpec is a facet: the keyword field it counts, and how its values
// are labelled.
type facetSpec struct {
	field     string
	size      int
	label     func(ctx context.Context, x *Index, v string) string
	financial bool // see consent.go
}

// sortSpec is a field results can be sorted by.
type sortSpec struct {
	field string
	typ   search.SortFieldType
}

var specs = map[string]*kindSpec{
	Patents:     patentSpec(),
	Enterprises: enterpriseSpec(),
	Products:    productSpec(),
}

// finish fills in the derived lists of s.
func (s *kindSpec) finish() *kindSpec {
	s.known = strings.Join(sortedKeys(s.params), ", ")
	s.facetSet = strings.Join(sortedKeys(s.facets), ", ")
	s.sortSet = "score, " + strings.Join(sortedKeys(s.sorts), ", ")
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// fieldName returns the canonical name of a field a query names, if any.
func (s *kindSpec) fieldName(name string) (string, bool) {
	n := strings.ToLower(name)
	if _, ok := s.params[n]; ok {
		return n, true
	}
	if canon, ok := s.aliases[name]; ok {
		return canon, true
	}
	return "", false
}

func patentSpec() *kindSpec {
	s := &kindSpec{
		name: Patents,
		text: []weighted{
			{"title", 3}, {"abstract", 1.5}, {"claim", 1}, {"applicants", 2}, {"inventors", 1}, {"address", 1},
		},
		phrases: []weighted{{"title", 3}, {"abstract", 1.5}},
		recall:  []weighted{{"title", 3}, {"applicants", 2}},
		params: map[string]param{
			"title":     textParam("words in the title", "title", 1),
			"abstract":  textParam("words in the abstract", "abstract", 1),
			"claim":     textParam("words in the main claim", "claim", 1),
			"applicant": textParam("words of an applicant's name", "applicants", 1),
			"inventor":  textParam("an inventor's name", "inventors", 1),
			"address":   textParam("words of the applicant's address", "address", 1),
			"type":      keywordParam("invention, utility_model or design (or 发明, 实用新型, 外观设计)", "type", parsePatentType),
			"status":    keywordParam("a legal status: valid, pending, lapsed, invalidated, rejected, withdrawn (or 有效, 审中, 失效 …)", "status", parseStatus),
			"ipc":       {help: "an IPC code at any level, e.g. B, B23, B23K, B23K9/00 or B23K9/013, or several joined by commas (B23K9/00,B23K11/00): the patents under any of them", value: ipcSet},
			"industry":  {help: "a strategic emerging industry code of the 2021 IPC reference table, e.g. 2.1 (智能制造装备产业)", value: strategicIndustry},
			"region":    levelParam("a region code or name, e.g. 44, 4412, 441204 or 高要区", parseRegion),
			"owner_id":  keywordParam("an enterprise id", "owner_id", nonEmptyValue),
			"open":      keywordParam("an open transaction: pledge, licence, transfer, invalidation, litigation, preservation or suspension (or 质押, 许可 …)", "open", parseTxKind),
			"owner_industry": {help: "the GB/T 4754-2017 industry of the patent's owner in ipmatch: a code at any level (C, C35, C351 or C3512), several joined by commas (C33,C35), a range of one level (C33-C40) or 装备制造业; patents without an owner in ipmatch have none",
				value: ownerIndustry},
			"pledgeable_on": {help: "a day YYYY-MM-DD: the patents CNIPA would register a pledge of on that day by their owner (granted and in force with the fees paid through it, not pledged, no invalidation, preservation or suspension open, co-owners' consent)",
				value: pledgeableOn},
			"number":      keywordParam("an application or publication number, e.g. 201220249767.4 or CN202644312U", "numbers", parseNumber),
			"filing_date": dateParam("filing_date"),
			"grant_date":  dateParam("grant_date"),
			"expiry_date": dateParam("expiry_date"),
		},
		aliases: map[string]string{
			"标题": "title", "名称": "title", "摘要": "abstract", "主权项": "claim", "权利要求": "claim",
			"申请人": "applicant", "专利权人": "applicant", "发明人": "inventor", "地址": "address",
			"类型": "type", "法律状态": "status", "状态": "status", "分类号": "ipc", "地区": "region",
			"申请号": "number", "公开号": "number", "申请日": "filing_date", "授权日": "grant_date",
			"applicants": "applicant", "inventors": "inventor",
		},
		facets: map[string]facetSpec{
			"type":            {field: "type", size: 3, label: func(_ context.Context, _ *Index, v string) string { return data.PatentType(v).Label() }},
			"status":          {field: "status", size: 6, label: func(_ context.Context, _ *Index, v string) string { return data.LegalStatus(v).Label() }},
			"ipc_section":     {field: "ipc_section", size: 8, label: ipcLabel},
			"ipc_class":       {field: "ipc_class", size: 20, label: ipcLabel},
			"ipc_subclass":    {field: "ipc_subclass", size: 20, label: ipcLabel},
			"ipc_group":       {field: "ipc_group", size: 20, label: ipcLabel},
			"region_province": {field: "region_province", size: provinceFacetSize, label: regionLabel},
			"region_city":     {field: "region_city", size: regionFacetSize, label: regionLabel},
			"region_district": {field: "region_county", size: regionFacetSize, label: regionLabel},
			"region":          {field: "region_county", size: regionFacetSize, label: regionLabel}, // = region_district, the name before the levels
			"city":            {field: "region_city", size: regionFacetSize, label: regionLabel},   // = region_city
			"filing_year":     {field: "filing_year", size: 30},
			"applicant":       {field: "applicant", size: 20},
		},
		sorts: map[string]sortSpec{
			"filing_date": {"sort_filing_date", search.SortFieldAsString},
			"grant_date":  {"sort_grant_date", search.SortFieldAsString},
			"expiry_date": {"sort_expiry_date", search.SortFieldAsString},
		},
		show:    []string{"title", "type", "status", "applicants", "owner_id", "ipc", "region", "filing_date"},
		frags:   []string{"title", "abstract"},
		idField: "application_number",
		noText:  []string{"-filing_date"},
		newest:  &newestSpec{sort: "-filing_date", filter: "filing_date", years: "filing_year"},
		numbers: true,
		enrich: func(f map[string]any) {
			if v, ok := f["type"].(string); ok {
				f["type_label"] = data.PatentType(v).Label()
			}
			if v, ok := f["status"].(string); ok {
				f["status_label"] = data.LegalStatus(v).Label()
			}
			if v, ok := f["region"].(string); ok {
				f["region_name"] = data.RegionFullName(v)
			}
			listField(f, "applicants")
			listField(f, "ipc")
		},
	}
	return s.finish()
}

func enterpriseSpec() *kindSpec {
	s := &kindSpec{
		name: Enterprises,
		text: []weighted{
			{"name", 3}, {"business_scope", 1.5}, {"place", 1.5}, {"trade", 1}, {"labels", 2}, {"address", 1}, {"purpose", 0.5},
		},
		phrases: []weighted{{"name", 3}, {"business_scope", 1.5}},
		recall:  []weighted{{"name", 3}, {"labels", 2}},
		params: map[string]param{
			"name":        textParam("words of the enterprise's name", "name", 1),
			"scope":       textParam("words of the business scope", "business_scope", 1),
			"address":     textParam("words of the address", "address", 1),
			"place":       textParam("a place name, e.g. 高要", "place", 1),
			"region":      levelParam("a region code or name, e.g. 44, 4412, 441204 or 高要区", parseRegion),
			"industry":    levelParam("a GB/T 4754-2017 code at any level, e.g. C, C34, C342 or C3425", parseIndustry),
			"cert":        keywordParam("high_tech, specialized, little_giant or tech_sme (or 高新技术企业, 专精特新, 小巨人, 科技型中小企业)", "certs", parseCert),
			"tax_grade":   keywordParam("a tax credit grade A, B, M, C or D", "tax_grade", parseTaxGrade),
			"pool":        keywordParam("true or false: whether the enterprise joined the pool's register (入库)", "pool", parseBool),
			"credit_code": keywordParam("an 18-character unified social credit code", "credit_code", parseCreditCode),
			"founded":     dateParam("founded"),
			"employees":   numberParam("employees"),
			"revenue":     financial(numberParam("revenue")),
			"need_amount": numberParam("need_amount"),
		},
		aliases: map[string]string{
			"名称": "name", "企业名称": "name", "经营范围": "scope", "地址": "address", "地区": "region",
			"行业": "industry", "资质": "cert", "纳税信用": "tax_grade", "信用代码": "credit_code",
		},
		facets: map[string]facetSpec{
			"region_province": {field: "region_province", size: provinceFacetSize, label: regionLabel},
			"region_city":     {field: "region_city", size: regionFacetSize, label: regionLabel},
			"region_district": {field: "region_county", size: regionFacetSize, label: regionLabel},
			"region":          {field: "region_county", size: regionFacetSize, label: regionLabel}, // = region_district, the name before the levels
			"city":            {field: "region_city", size: regionFacetSize, label: regionLabel},   // = region_city
			"industry":        {field: "industry_division", size: 20, label: industryLabel},
			"cert":            {field: "certs", size: 4, label: func(_ context.Context, _ *Index, v string) string { return data.Certification(v).Label() }},
			"tax_grade":       {field: "tax_grade", size: 5},
			"pool": {field: "pool", size: 2, label: func(_ context.Context, _ *Index, v string) string {
				return map[string]string{"true": "已入库", "false": "未入库"}[v]
			}},
		},
		sorts: map[string]sortSpec{
			"founded":     {"sort_founded", search.SortFieldAsString},
			"employees":   {"sort_employees", search.SortFieldAsString},
			"revenue":     {"sort_revenue", search.SortFieldAsString}, // financial: its param is
			"need_amount": {"sort_need_amount", search.SortFieldAsString},
		},
		show:    []string{"name", "credit_code", "region", "industry", "certs", "tax_grade", "founded"},
		frags:   []string{"name", "business_scope"},
		idField: "id",
		noText:  []string{"_id"},
		enrich: func(f map[string]any) {
			if v, ok := f["region"].(string); ok {
				f["region_name"] = data.RegionFullName(v)
			}
			if v, ok := f["industry"].(string); ok {
				if ind, ok := data.LookupIndustry(v); ok {
					f["industry_name"] = ind.Name
				}
			}
			listField(f, "certs")
		},
	}
	return s.finish()
}

func productSpec() *kindSpec {
	s := &kindSpec{
		name:    Products,
		text:    []weighted{{"name", 3}, {"description", 1.5}, {"bank_name", 2}},
		phrases: []weighted{{"name", 3}, {"description", 1.5}},
		params: map[string]param{
			"name":        textParam("words of the product's name", "name", 1),
			"description": textParam("words of the description", "description", 1),
			"bank_name":   textParam("words of the bank's name, e.g. 建设银行", "bank_name", 1),
			"bank":        keywordParam("a bank id", "bank_id", nonEmptyValue),
			"region":      queryParam("a region code or name the product must serve, e.g. 441204 or 高要区", servedRegion),
			"industry":    queryParam("a GB/T 4754-2017 code the product must accept, e.g. C3425", targetedIndustry),
			"ipc":         queryParam("an IPC code the product must accept, e.g. B23K9/013", acceptedIPC),
			"patent_type": keywordParam("invention, utility_model or design (or 发明, 实用新型, 外观设计) the product must accept", "patent_types", parsePatentType),
			"pool":        keywordParam("the id of the risk-compensation pool covering the product, or none", "pool_id", nonEmptyValue),
			"active":      keywordParam("true or false", "active", parseBool),
			"amount":      singleParam("a loan amount in yuan the product must offer, e.g. 3000000 or 300万", covers("min_amount", "max_amount")),
			"term":        singleParam("a loan term in months the product must offer, e.g. 24", covers("min_term", "max_term")),
			"spread_bp":   numberParam("spread_bp"),
			"max_amount":  numberParam("max_amount"),
		},
		aliases: map[string]string{
			"名称": "name", "银行": "bank_name", "金额": "amount", "期限": "term", "地区": "region", "行业": "industry",
		},
		facets: map[string]facetSpec{
			"bank":        {field: "bank_id", size: 50, label: bankFacetLabel},
			"patent_type": {field: "patent_types", size: 3, label: func(_ context.Context, _ *Index, v string) string { return data.PatentType(v).Label() }},
			"pool":        {field: "pool_id", size: 20, label: poolFacetLabel},
		},
		sorts: map[string]sortSpec{
			"max_amount": {"sort_max_amount", search.SortFieldAsString},
			"max_term":   {"sort_max_term", search.SortFieldAsString},
			"spread_bp":  {"sort_spread_bp", search.SortFieldAsString},
		},
		show:    []string{"name", "bank_id", "bank_name", "patent_types", "pool_id", "min_amount", "max_amount", "min_term", "max_term", "spread_bp"},
		frags:   []string{"name", "description"},
		idField: "id",
		noText:  []string{"_id"},
		enrich: func(f map[string]any) {
			listField(f, "patent_types")
			if f["pool_id"] == noPool {
				delete(f, "pool_id")
			}
			for _, k := range []string{"min_amount", "max_amount", "min_term", "max_term", "spread_bp"} {
				if v, ok := f[k].(float64); ok {
					f[k] = int64(v)
				}
			}
		},
	}
	return s.finish()
}

// noPool is the pool_id of products no pool covers.
const noPool = "none"

// RegionFacetsDoc explains the region facets of patents and enterprises,
// for the API's documentation (see the package doc).
const RegionFacetsDoc = "region_province, region_city and region_district count a hit under every level its region reaches: " +
	"a district's hit under its district, city and province; a hit whose address names only a city under the city and province " +
	"(missing at district level); one naming only a province (香港, 台湾, 澳门, or a province without a known city) under the province only. " +
	"region and city are the former names of region_district and region_city. Labels name a district with its city (北京市朝阳区)."

// Sizes of the region facets. A facet lists its most frequent values and
// counts the rest in Other.
const (
	regionFacetSize   = 20 // cities or districts: a list read at a glance (the size before the levels)
	provinceFacetSize = 34 // every province-level region: 31 on the mainland, 台湾, 香港 and 澳门
)

// listField turns a stored field that may hold one value or several into
// a list of strings.
func listField(f map[string]any, k string) {
	switch f[k].(type) {
	case string, []any:
		f[k] = storedTexts(f[k])
	}
}

// storedTexts returns the texts of a stored field's value as a hit holds
// it: one string, or a list of them (nil for anything else).
func storedTexts(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// ---- Params ----

func textParam(help, field string, boost float64) param {
	return param{help: help, text: []weighted{{field, boost}}}
}

// keywordParam maps a value, after parse (which returns the indexed
// term), to a term query on field.
func keywordParam(help, field string, parse func(string) (string, error)) param {
	return param{help: help, value: func(v string) (query.Query, error) {
		t, err := parse(v)
		if err != nil {
			return nil, err
		}
		return term(field, t), nil
	}}
}

// queryParam maps a value to a query of its own.
func queryParam(help string, build func(string) (query.Query, error)) param {
	return param{help: help, value: build}
}

// singleParam is a queryParam that takes one value.
func singleParam(help string, build func(string) (query.Query, error)) param {
	return param{help: help, single: true, value: build}
}

// levelParam maps a hierarchical code to a term query on the field of
// its level.
func levelParam(help string, parse func(string) (field, term string, err error)) param {
	return param{help: help, value: func(v string) (query.Query, error) {
		f, t, err := parse(v)
		if err != nil {
			return nil, err
		}
		return term(f, t), nil
	}}
}

func dateParam(field string) param {
	return param{
		help: "a date YYYY, YYYY-MM or YYYY-MM-DD, or a range such as 2015..2018-06 (either end may be left out)",
		rng:  func(r rangeValue) (query.Query, error) { return dateRange(field, r) },
	}
}

// financial marks p as a field computed from financial statements.
func financial(p param) param {
	p.financial = true
	return p
}

func numberParam(field string) param {
	return param{
		help: "a number (万 and 亿 allowed), or a range such as 100..500 (either end may be left out)",
		rng:  func(r rangeValue) (query.Query, error) { return numberRange(field, r) },
	}
}

// errValue is returned by value parsers; the caller adds the param's help.
// outOfRange marks a value that reads well but lies outside what the
// field can hold: an invalid (422) rather than a malformed (400) value.
type errValue struct {
	reason     string
	outOfRange bool
}

// Error returns the reason.
func (e *errValue) Error() string { return e.reason }

func invalid(format string, args ...any) error {
	return &errValue{reason: fmt.Sprintf(format, args...)}
}

// outOfRange is invalid for a well-formed value beyond the field's range.
func outOfRange(format string, args ...any) error {
	return &errValue{reason: fmt.Sprintf(format, args...), outOfRange: true}
}

func term(field, t string) query.Query {
	q := query.NewTermQuery(t)
	q.SetField(field)
	return q
}

func anyOf(field string, terms ...string) query.Query {
	if len(terms) == 1 {
		return term(field, terms[0])
	}
	qs := make([]query.Query, len(terms))
	for i, t := range terms {
		qs[i] = term(field, t)
	}
	return query.NewDisjunctionQuery(qs)
}

func nonEmptyValue(v string) (string, error) {
	if v == "" {
		return "", invalid("is empty")
	}
	return v, nil
}

func parsePatentType(v string) (string, error) {
	for _, t := range []data.PatentType{data.Invention, data.UtilityModel, data.Design} {
		if strings.EqualFold(v, string(t)) || v == t.Label() {
			return string(t), nil
		}
	}
	switch strings.ToLower(v) {
	case "发明专利":
		return string(data.Invention), nil
	case "实用新型专利", "utility":
		return string(data.UtilityModel), nil
	case "外观设计专利":
		return string(data.Design), nil
	}
	return "", invalid("%q is not a patent type", v)
}

func parseStatus(v string) (string, error) {
	s, ok := data.ParseLegalStatus(strings.ToLower(v))
	if !ok {
		if s, ok = data.ParseLegalStatus(v); !ok {
			return "", invalid("%q is not a legal status", v)
		}
	}
	return string(s), nil
}

// ipcSet is the filter of the patents under any of the IPC codes of v
// (data.ParseIPCSet), each at its level.
func ipcSet(v string) (query.Query, error) {
	codes, err := data.ParseIPCSet(v)
	if err != nil {
		return nil, invalid("%v", err)
	}
	any := make([]query.Query, len(codes))
	for i, c := range codes {
		any[i] = term(ipcFields[ipcLevel(c)], c)
	}
	if len(any) == 1 {
		return any[0], nil
	}
	return query.NewDisjunctionQuery(any), nil
}

var ipcFields = [5]string{"ipc_section", "ipc_class", "ipc_subclass", "ipc_group", "ipc_subgroup"}

// strategicIndustry is the filter of the patents whose IPC codes fall
// under a strategic emerging industry (战略性新兴产业分类与国际专利分类
// 参照关系表 2021, data.StrategicIndustryRules): any of its rules, each
// one of its patterns and none of its exclusions. A patent with several
// codes matches when the patterns match one and the exclusions none: the
// index keeps a patent's codes together, not code by code.
func strategicIndustry(v string) (query.Query, error) {
	_, rules, ok := data.StrategicIndustryRules(v)
	if !ok {
		return nil, invalid("%q is not an industry of the 2021 table, such as 2.1", v)
	}
	terms := func(ts []data.IPCTerm) []query.Query {
		out := make([]query.Query, len(ts))
		for i, t := range ts {
			out[i] = term(ipcFields[t.Level], t.Code)
		}
		return out
	}
	var any []query.Query
	for _, r := range rules {
		b := query.NewBooleanQuery([]query.Query{query.NewDisjunctionQuery(terms(r.Include))}, nil, nil)
		if len(r.Exclude) > 0 {
			b.AddMustNot(terms(r.Exclude)...)
		}
		any = append(any, b)
	}
	return query.NewDisjunctionQuery(any), nil
}

// ownerIndustry is the filter of the patents whose owner's industry lies
// under one of the GB/T 4754 categories of v (data.ParseIndustrySet).
func ownerIndustry(v string) (query.Query, error) {
	set, _, err := data.ParseIndustrySet(v)
	if err != nil {
		return nil, invalid("%s", err)
	}
	var any []query.Query
	for _, ind := range set {
		any = append(any, term("owner_industry", ind.Code))
	}
	if len(any) == 1 {
		return any[0], nil
	}
	return query.NewDisjunctionQuery(any), nil
}

// pledgeableOn is the filter of the patents without a pledge bar
// (data.Patent.PledgeBars) whose fees are paid through the day given
// (data.Patent.FeesPaidOn): those CNIPA would register a pledge of.
func pledgeableOn(v string) (query.Query, error) {
	day, err := data.ParseDate(v)
	if err != nil || day.IsZero() {
		return nil, invalid("%q is not a day YYYY-MM-DD", v)
	}
	t := true
	paid := query.NewDateRangeInclusiveQuery(day.Time(), time.Time{}, &t, nil)
	paid.SetField("fees_paid_through")
	return query.NewConjunctionQuery([]query.Query{term("pledge_bar", noPledgeBar), paid}), nil
}

// lookupRegion reads a region code or a place name.
func lookupRegion(v string) (data.Region, error) {
	if r, ok := data.LookupRegion(v); ok {
		return r, nil
	}
	if r, ok := data.ResolveAddress(v); ok && !allDigits(v) {
		return r, nil
	}
	return data.Region{}, invalid("%q is not a known region code or name", v)
}

func parseRegion(v string) (string, string, error) {
	r, err := lookupRegion(v)
	if err != nil {
		return "", "", err
	}
	return []string{"", "region_province", "region_city", "region_county"}[r.Level], r.Code, nil
}

func parseIndustry(v string) (string, string, error) {
	ind, ok := data.LookupIndustry(v)
	if !ok {
		return "", "", invalid("%q is not a GB/T 4754-2017 code", v)
	}
	return []string{"", "industry_section", "industry_division", "industry_group", "industry_class"}[ind.Level], ind.Code, nil
}

func parseTxKind(v string) (string, error) {
	zh := map[string]data.TransactionKind{
		"质押": data.TxPledge, "许可": data.TxLicence, "转让": data.TxTransfer, "无效": data.TxInvalidation,
		"无效宣告": data.TxInvalidation, "诉讼": data.TxLitigation, "保全": data.TxPreservation, "中止": data.TxSuspension,
	}
	if k, ok := zh[v]; ok {
		return string(k), nil
	}
	switch k := data.TransactionKind(strings.ToLower(v)); k {
	case data.TxPledge, data.TxLicence, data.TxTransfer, data.TxInvalidation, data.TxLitigation, data.TxPreservation, data.TxSuspension:
		return string(k), nil
	}
	return "", invalid("%q is not a kind of transaction", v)
}

func parseNumber(v string) (string, error) {
	forms := numberForms(v)
	if len(forms) == 0 {
		return "", invalid("is empty")
	}
	return forms[0], nil
}

func parseCert(v string) (string, error) {
	c, ok := data.ParseCertification(strings.ToLower(v))
	if !ok {
		if c, ok = data.ParseCertification(v); !ok {
			return "", invalid("%q is not a certification", v)
		}
	}
	return string(c), nil
}

func parseTaxGrade(v string) (string, error) {
	g := strings.ToUpper(v)
	if !slices.Contains(data.TaxGrades, g) {
		return "", invalid("%q is not a tax credit grade", v)
	}
	return g, nil
}

func parseBool(v string) (string, error) {
	switch strings.ToLower(v) {
	case "true", "1", "yes", "是":
		return "true", nil
	case "false", "0", "no", "否":
		return "false", nil
	}
	return "", invalid("%q is not true or false", v)
}

func parseCreditCode(v string) (string, error) {
	c, err := data.NormalizeCreditCode(v)
	if err != nil {
		return "", invalid("%v", err)
	}
	return c, nil
}

// servedRegion matches products that serve region v: their regions hold
// v or a region around it, or they serve anywhere.
func servedRegion(v string) (query.Query, error) {
	r, err := lookupRegion(v)
	if err != nil {
		return nil, err
	}
	return anyOf("regions", append(regionAncestors(r.Code), anyValue)...), nil
}

// targetedIndustry matches products that target industry v or a broader
// category, or any industry.
func targetedIndustry(v string) (query.Query, error) {
	if _, ok := data.LookupIndustry(v); !ok {
		return nil, invalid("%q is not a GB/T 4754-2017 code", v)
	}
	levels := industryLevels(v)
	return anyOf("industries", append(nonEmpty(levels[:]...), anyValue)...), nil
}

// acceptedIPC matches products that accept patents classified v: their IPC
// areas hold v or a broader symbol, or they accept any.
func acceptedIPC(v string) (query.Query, error) {
	c, err := data.NormalizeIPC(v)
	if err != nil {
		return nil, invalid("%v", err)
	}
	return anyOf("ipc_areas", append(data.IPCLevels(c), anyValue)...), nil
}

// covers returns a param query matching records whose [lo, hi] range
// holds the number given.
func covers(lo, hi string) func(string) (query.Query, error) {
	return func(v string) (query.Query, error) {
		n, err := parseAmount(v)
		if err != nil {
			return nil, err
		}
		t := true
		return query.NewConjunctionQuery([]query.Query{
			withField(query.NewNumericRangeInclusiveQuery(nil, &n, nil, &t), lo),
			withField(query.NewNumericRangeInclusiveQuery(&n, nil, &t, nil), hi),
		}), nil
	}
}

func withField(q query.FieldableQuery, f string) query.Query {
	q.SetField(f)
	return q
}

// ---- Ranges ----

// rangeValue is a range as written: "a..b", "a", or a comparison.
type rangeValue struct {
	lo, hi         string
	loExcl, hiExcl bool
}

// parseRangeValue reads "a..b" (either end may be empty) or "a" (a..a).
func parseRangeValue(v, cmp string) (rangeValue, error) {
	switch cmp {
	case ">":
		return rangeValue{lo: v, loExcl: true}, nil
	case ">=":
		return rangeValue{lo: v}, nil
	case "<":
		return rangeValue{hi: v, hiExcl: true}, nil
	case "<=":
		return rangeValue{hi: v}, nil
	}
	if lo, hi, ok := strings.Cut(v, ".."); ok {
		if lo == "" && hi == "" {
			return rangeValue{}, invalid("%q has neither end", v)
		}
		return rangeValue{lo: lo, hi: hi}, nil
	}
	return rangeValue{lo: v, hi: v}, nil
}

// The years a date of a query may have: those whose days all fit the
// index's 64-bit nanoseconds.
const minIndexYear, maxIndexYear = 1678, 2261

// period reads a day, month or year and returns [start, end).
func period(s string) (time.Time, time.Time, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), "/", "-")
	for _, l := range []struct {
		layout string
		y, m   int
	}{{"2006-01-02", 0, 0}, {"2006-01", 0, 1}, {"2006", 1, 0}, {"20060102", 0, 0}} {
		if t, err := time.Parse(l.layout, s); err == nil && len(s) == len(l.layout) {
			// The index keeps dates as 64-bit nanoseconds since 1970, which
			// reach from 1677-09-21 to 2262-04-11.
			if t.Year() < minIndexYear || t.Year() > maxIndexYear {
				return time.Time{}, time.Time{}, outOfRange("%q is outside the years %d–%d that dates can have", s, minIndexYear, maxIndexYear)
			}
			switch {
			case l.y == 1:
				return t, t.AddDate(1, 0, 0), nil
			case l.m == 1:
				return t, t.AddDate(0, 1, 0), nil
			}
			return t, t.AddDate(0, 0, 1), nil
		}
	}
	return time.Time{}, time.Time{}, invalid("%q is not a date YYYY, YYYY-MM or YYYY-MM-DD", s)
}

func dateRange(field string, r rangeValue) (query.Query, error) {
	var start, end time.Time
	if r.lo != "" {
		s, e, err := period(r.lo)
		if err != nil {
			return nil, err
		}
		start = s
		if r.loExcl {
			start = e
		}
	}
	if r.hi != "" {
		s, e, err := period(r.hi)
		if err != nil {
			return nil, err
		}
		end = e
		if r.hiExcl {
			end = s
		}
	}
	if !start.IsZero() && !end.IsZero() && !start.Before(end) {
		return nil, invalid("the range is empty: its start is not before its end")
	}
	t, f := true, false
	q := query.NewDateRangeInclusiveQuery(start, end, &t, &f)
	q.SetField(field)
	return q, nil
}

// parseAmount reads a number with an optional 万 (1e4) or 亿 (1e8).
func parseAmount(s string) (float64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "万"):
		s, mult = strings.TrimSuffix(s, "万"), 1e4
	case strings.HasSuffix(s, "亿"):
		s, mult = strings.TrimSuffix(s, "亿"), 1e8
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, invalid("%q is not a number", s)
	}
	return n * mult, nil
}

func numberRange(field string, r rangeValue) (query.Query, error) {
	var lo, hi *float64
	if r.lo != "" {
		n, err := parseAmount(r.lo)
		if err != nil {
			return nil, err
		}
		lo = &n
	}
	if r.hi != "" {
		n, err := parseAmount(r.hi)
		if err != nil {
			return nil, err
		}
		hi = &n
	}
	if lo != nil && hi != nil && *lo > *hi {
		return nil, invalid("the range is empty: %v is above %v", *lo, *hi)
	}
	li, hiIncl := !r.loExcl, !r.hiExcl
	q := query.NewNumericRangeInclusiveQuery(lo, hi, &li, &hiIncl)
	q.SetField(field)
	return q, nil
}

// ---- Labels ----

func ipcLabel(_ context.Context, _ *Index, v string) string { return data.IPCTitle(v) }

// regionLabel names a county with its city (北京市朝阳区, not the
// ambiguous 朝阳区).
func regionLabel(_ context.Context, _ *Index, v string) string { return data.RegionLabel(v) }

func industryLabel(_ context.Context, _ *Index, v string) string {
	if ind, ok := data.LookupIndustry(v); ok {
		return ind.Name
	}
	return ""
}

func bankFacetLabel(ctx context.Context, x *Index, v string) string {
	b, err := x.store.Banks().Get(ctx, v)
	if err != nil {
		return ""
	}
	return bankLabel(&b)
}

func poolFacetLabel(ctx context.Context, x *Index, v string) string {
	if v == noPool {
		return "未纳入风险补偿"
	}
	p, err := x.store.Pools().Get(ctx, v)
	if err != nil {
		return ""
	}
	return p.Name
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
