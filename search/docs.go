package search

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"

	"ipmatch/data"
)

// builder turns records of one kind into bleve documents. Documents are
// built field by field from the schema rather than by reflection over the
// mapping: it is faster and adds nothing that no query needs. A builder is
// safe for concurrent use.
type builder struct {
	fields   map[string]field
	recalled map[string]bool // the fields of kindSpec.text, when the kind has a recall field
	text     analysis.Analyzer
	chars    analysis.Analyzer
	keywords analysis.Analyzer
}

// newBuilder returns the document builder of kind k; m is its mapping.
func newBuilder(k string, m mapping.IndexMapping) *builder {
	b := &builder{
		fields:   map[string]field{},
		text:     m.AnalyzerNamed(cjk.AnalyzerName),
		chars:    m.AnalyzerNamed(unigramAnalyzer),
		keywords: m.AnalyzerNamed(keyword.Name),
	}
	if b.text == nil || b.chars == nil || b.keywords == nil {
		panic("search: cjk, unigram or keyword analyzer not registered")
	}
	for _, f := range fieldsOf(k) {
		b.fields[f.name] = f
	}
	if s := specs[k]; s.recall != nil {
		b.recalled = map[string]bool{}
		for _, f := range s.text {
			b.recalled[f.field] = true
		}
	}
	return b
}

// doc accumulates the fields of one document, and the values of its
// fields that plain words look in (kindSpec.text), for the recall and
// characters fields.
type doc struct {
	b      *builder
	d      *document.Document
	recall *[]string
}

func (b *builder) newDoc(id string) doc {
	return doc{b: b, d: document.NewDocument(id), recall: new([]string)}
}

// done adds the recall and characters fields, when the kind has them, and
// returns the document.
func (d doc) done() *document.Document {
	if len(*d.recall) > 0 {
		d.add(recallField, *d.recall...)
		d.add(charsField, *d.recall...)
	}
	return d.d
}

func (d doc) spec(name string) field {
	f, ok := d.b.fields[name]
	if !ok {
		panic("search: field " + name + " is not in the schema")
	}
	return f
}

// add adds the values of a text or keyword field; empty values are left
// out. Several values get array positions so highlighting can tell them
// apart.
func (d doc) add(name string, values ...string) {
	f := d.spec(name)
	an := d.b.text
	switch f.typ {
	case keywordField:
		an = d.b.keywords
	case charField:
		an = d.b.chars
	}
	n := 0
	for _, v := range values {
		if v == "" {
			continue
		}
		var pos []uint64
		if len(values) > 1 {
			pos = []uint64{uint64(n)}
		}
		d.d.AddField(document.NewTextFieldCustom(name, pos, []byte(v), f.options(), an))
		n++
		if d.b.recalled[name] {
			*d.recall = append(*d.recall, v)
		}
	}
}

// number adds a numeric field.
func (d doc) number(name string, v float64) {
	d.d.AddField(document.NewNumericFieldWithIndexingOptions(name, nil, v, d.spec(name).options()))
}

// date adds a date field unless day is zero.
func (d doc) date(name string, day data.Date) {
	if day.IsZero() {
		return
	}
	f, err := document.NewDateTimeFieldWithIndexingOptions(name, nil, day.Time(), dateLayout, d.spec(name).options())
	if err != nil {
		return // outside what bleve represents (before 1677 or after 2262)
	}
	d.d.AddField(f)
}

// noPledgeBar is the pledge_bar term of a patent without any bar.
const noPledgeBar = "none"

// owner is what a patent's document holds of its owner's record: whether
// it consented to the pool (consents.pool: the patent is in every bank's
// scope) and its GB/T 4754 industry. The zero owner is none in ipmatch.
type owner struct {
	pool     bool
	industry string
}

// key is the owner_facts term of a patent of o: what its document says of
// its owner, so that a change of the owner finds the documents to update
// with one term (Index.syncOwners).
func (o owner) key() string { return strconv.FormatBool(o.pool) + "|" + o.industry }

// ownerOf is the owner of patents owned by e.
func ownerOf(e *data.Enterprise) owner { return owner{pool: e.Consents.Pool, industry: e.Industry} }

// patent returns the document of patent p, whose owner in ipmatch (none
// when p.OwnerID is empty) is o.
func (b *builder) patent(p *data.Patent, o owner) *document.Document {
	if p.OwnerID == "" {
		o = owner{}
	}
	d := b.newDoc(p.ApplicationNumber)
	d.add("title", p.Title)
	d.add("abstract", p.Abstract)
	d.add("claim", p.MainClaim)
	d.add("applicants", p.Applicants...)
	d.add("inventors", strings.Join(p.Inventors, " "))
	d.add("address", p.Address)
	d.add("numbers", numberForms(p.ApplicationNumber, p.PublicationNumber)...)
	d.add("type", string(p.Type))
	d.add("status", string(p.LegalStatus))
	d.add("ipc", p.IPC...)
	levels := ipcLevels(p.IPC)
	d.add("ipc_section", levels[0]...)
	d.add("ipc_class", levels[1]...)
	d.add("ipc_subclass", levels[2]...)
	d.add("ipc_group", levels[3]...)
	d.add("ipc_subgroup", levels[4]...)
	d.add("region", p.Region)
	prov, city, county := regionLevels(p.Region)
	d.add("region_province", prov)
	d.add("region_city", city)
	d.add("region_county", county)
	d.add("owner_id", p.OwnerID)
	d.add("owner_pool", strconv.FormatBool(o.pool))
	var ind []string
	for _, c := range industryLevels(o.industry) {
		if c != "" {
			ind = append(ind, c)
		}
	}
	d.add("owner_industry", ind...)
	d.add("owner_facts", o.key())
	var open []string
	for _, tx := range p.History {
		if tx.Open {
			open = append(open, string(tx.Kind))
		}
	}
	d.add("open", dedup(open)...)
	d.add("applicant", p.Applicants...)
	bars := []string{noPledgeBar}
	if bs := p.PledgeBars(); len(bs) > 0 {
		bars = bars[:0]
		for _, b := range bs {
			bars = append(bars, string(b))
		}
	}
	d.add("pledge_bar", bars...)
	d.date("fees_paid_through", p.FeesPaidThrough)
	if !p.FilingDate.IsZero() {
		d.add("filing_year", strconv.Itoa(int(p.FilingDate.Year)))
	}
	d.date("filing_date", p.FilingDate)
	d.date("grant_date", p.GrantDate)
	d.date("expiry_date", p.ExpiryDate)
	d.add("sort_filing_date", dayKey(p.FilingDate))
	d.add("sort_grant_date", dayKey(p.GrantDate))
	d.add("sort_expiry_date", dayKey(p.ExpiryDate))
	return d.done()
}

// enterprise returns the document of enterprise e.
func (b *builder) enterprise(e *data.Enterprise) *document.Document {
	d := b.newDoc(e.ID)
	d.add("name", e.Name)
	d.add("business_scope", e.BusinessScope)
	d.add("address", e.Address)
	d.add("place", data.RegionFullName(e.Region))
	d.add("purpose", e.Need.Purpose)
	d.add("credit_code", e.CreditCode)
	d.add("region", e.Region)
	prov, city, county := regionLevels(e.Region)
	d.add("region_province", prov)
	d.add("region_city", city)
	d.add("region_county", county)
	d.add("industry", e.Industry)
	ind := industryLevels(e.Industry)
	d.add("industry_section", ind[0])
	d.add("industry_division", ind[1])
	d.add("industry_group", ind[2])
	d.add("industry_class", ind[3])
	var trade []string
	for _, c := range ind {
		if i, ok := data.LookupIndustry(c); ok && c != "" {
			trade = append(trade, i.Name)
		}
	}
	d.add("trade", strings.Join(dedup(trade), " "))
	var certs, labels []string
	for _, c := range []data.Certification{data.CertHighTech, data.CertSpecialized, data.CertLittleGiant, data.CertTechSME} {
		if e.HasCert(c) {
			certs = append(certs, string(c))
			labels = append(labels, c.Label())
		}
	}
	d.add("certs", certs...)
	d.add("labels", strings.Join(labels, " "))
	d.add("tax_grade", e.TaxGrade)
	d.add("pool", strconv.FormatBool(e.Consents.Pool))
	d.add(shareDataField, strconv.FormatBool(e.Consents.ShareData))
	d.date("founded", e.Founded)
	d.add("sort_founded", dayKey(e.Founded))
	d.number("employees", float64(e.Employees))
	d.add("sort_employees", numberKey(int64(e.Employees)))
	if f, ok := e.Latest(); ok {
		d.number("revenue", float64(f.Revenue))
		d.add("sort_revenue", numberKey(f.Revenue))
	}
	d.number("need_amount", float64(e.Need.Amount))
	d.add("sort_need_amount", numberKey(e.Need.Amount))
	return d.done()
}

// product returns the document of product p of the bank named bankName.
func (b *builder) product(p *data.Product, bankName string) *document.Document {
	d := b.newDoc(p.ID)
	d.add("name", p.Name)
	d.add("description", p.Description)
	d.add("bank_name", bankName)
	d.add("bank_id", p.BankID)
	d.add("regions", orAny(p.Regions)...)
	d.add("industries", orAny(p.Industries)...)
	d.add("ipc_areas", orAny(p.IPCAreas)...)
	var types []string
	for _, t := range []data.PatentType{data.Invention, data.UtilityModel, data.Design} {
		if p.Accepts(t) {
			types = append(types, string(t))
		}
	}
	d.add("patent_types", types...)
	d.add("pool_id", cmp.Or(p.PoolID, noPool))
	d.add("active", strconv.FormatBool(p.Active))
	d.number("min_amount", float64(p.MinAmount))
	d.number("max_amount", float64(p.MaxAmount))
	d.number("min_term", float64(p.MinTerm))
	d.number("max_term", float64(p.MaxTerm))
	d.number("spread_bp", float64(p.SpreadBP))
	d.add("sort_max_amount", numberKey(p.MaxAmount))
	d.add("sort_max_term", numberKey(int64(p.MaxTerm)))
	d.add("sort_spread_bp", numberKey(int64(p.SpreadBP)))
	return d.done()
}

// dayKey is the sort key of a day: YYYYMMDD, "" when zero.
func dayKey(d data.Date) string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d%02d%02d", d.Year, d.Month, d.Day)
}

// numberKey is the sort key of an integer: fixed width, so that string
// order is numeric order (negative numbers included).
func numberKey(n int64) string {
	return fmt.Sprintf("%020d", uint64(n)^(1<<63))
}

// numberForms lists the forms of an application or publication number a
// user may type: as stored, without the check character's dot, and with
// or without "CN".
func numberForms(nums ...string) []string {
	var out []string
	for _, n := range nums {
		if n == "" {
			continue
		}
		n = strings.ToUpper(n)
		bare := strings.TrimPrefix(n, "CN")
		out = append(out, bare, "CN"+bare, strings.ReplaceAll(bare, ".", ""))
	}
	return dedup(out)
}

// ipcLevels returns, for every level from section to subgroup, the
// distinct codes of that level among codes.
func ipcLevels(codes []string) [5][]string {
	var out [5][]string
	for _, c := range codes {
		for i, l := range data.IPCLevels(c) {
			out[i] = append(out[i], l)
		}
	}
	for i := range out {
		out[i] = dedup(out[i])
	}
	return out
}

// ipcLevel returns the index into ipcLevels of a normalised code's level:
// 0 section, 1 class, 2 subclass, 3 main group, 4 subgroup.
func ipcLevel(code string) int {
	return len(data.IPCLevels(code)) - 1
}

// regionLevels splits a region code into its province, city and county
// codes ("" where the code is less specific).
func regionLevels(code string) (prov, city, county string) {
	r, ok := data.LookupRegion(code)
	if !ok {
		return "", "", ""
	}
	switch r.Level {
	case data.RegionCounty:
		return r.Code[:2], r.Code[:4], r.Code
	case data.RegionCity:
		return r.Code[:2], r.Code, ""
	}
	return r.Code, "", ""
}

// regionAncestors returns code and the codes of the regions it lies in.
func regionAncestors(code string) []string {
	p, c, k := regionLevels(code)
	return nonEmpty(p, c, k)
}

// industryLevels splits a GB/T 4754 code into its section, division, group
// and class ("" where the code is less specific).
func industryLevels(code string) [4]string {
	var out [4]string
	ind, ok := data.LookupIndustry(code)
	for ok {
		out[ind.Level-1] = ind.Code
		if ind.Parent == "" {
			break
		}
		ind, ok = data.LookupIndustry(ind.Parent)
	}
	return out
}

// orAny returns codes, or anyValue alone when there are none.
func orAny(codes []string) []string {
	if len(codes) == 0 {
		return []string{anyValue}
	}
	return codes
}

// dedup removes repeated values, keeping the first of each.
func dedup(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := ss[:0:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// nonEmpty returns the non-empty strings among ss.
func nonEmpty(ss ...string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
