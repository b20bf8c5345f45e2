package search

import (
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"
)

// MappingVersion is the version of the index layout: the fields, their
// options and how records become documents. Bump it whenever any of that
// changes; an index written under another version is rebuilt on Open.
// TestMappingGolden fails when the mapping changed and this did not.
const MappingVersion = 7 // 3: doc values on region_province, for its facet; 4: owner_pool on patents, for a bank's scope; 5: the recall field "text" of patents and enterprises; 6: their single characters, "chars"; 7: applicant, pledge_bar, fees_paid_through, owner_industry and owner_facts on patents, and doc values on ipc_group, for the landscape's top applicants, main groups, pledgeable share and GB/T 4754 filter

// The kinds of record that are indexed, by the name of their store table.
const (
	Patents     = "patents"
	Enterprises = "enterprises"
	Products    = "products"
)

// kinds lists the indexed kinds in rebuild order.
var kinds = []string{Patents, Enterprises, Products}

// fieldType is how a field is indexed.
type fieldType uint8

const (
	textField    fieldType = iota + 1 // Chinese text, analysed with cjk bigrams
	keywordField                      // codes: each value is one term
	numberField                       // float64, for ranges and sorting
	dateField                         // a day, for ranges and sorting
	charField                         // text as single characters (unigramAnalyzer)
)

// field is one field of an indexed kind. Only what a query, a facet, a
// sort or a result needs is kept: Index for queries, Store for what hits
// show, TV (term vectors) where highlighting or phrases need positions, DV
// (doc values) where sorting or facets read the values of every hit.
type field struct {
	name  string
	typ   fieldType
	index bool
	store bool
	tv    bool
	dv    bool
}

// options returns the bleve indexing options of f.
func (f field) options() index.FieldIndexingOptions {
	var o index.FieldIndexingOptions
	if f.index {
		o |= index.IndexField
	}
	if f.store {
		o |= index.StoreField
	}
	if f.tv {
		o |= index.IncludeTermVectors
	}
	if f.dv {
		o |= index.DocValues
	}
	if f.typ != textField && f.typ != charField {
		o |= index.SkipFreqNorm // codes, numbers and dates filter, sort and facet; they are not scored
	}
	return o
}

// Field shorthands.
func text(name string) field   { return field{name: name, typ: textField, index: true} }
func code(name string) field   { return field{name: name, typ: keywordField, index: true} }
func number(name string) field { return field{name: name, typ: numberField, index: true} }
func date(name string) field   { return field{name: name, typ: dateField, index: true} }
func chars(name string) field  { return field{name: name, typ: charField, index: true} }

// sortKey is the doc-values field results are sorted by for field name:
// one fixed-width string per document (YYYYMMDD, or a zero-padded
// number), so sorting reads one value per hit where a date or number
// field would hold sixteen prefix-coded terms.
func sortKey(name string) field {
	return field{name: "sort_" + name, typ: keywordField, index: true, dv: true}
}

func (f field) stored() field      { f.store = true; return f }
func (f field) vectors() field     { f.tv = true; return f }
func (f field) docValues() field   { f.dv = true; return f }
func (f field) storeOnly() field   { f.index, f.store = false, true; return f }
func (f field) highlighted() field { return f.stored().vectors() }

// The fields of each kind. Text that hits show with highlighted fragments
// is stored with term vectors; codes at every level of their hierarchy
// (IPC section … subgroup, region province … county, GB/T 4754 section …
// class) are separate keyword fields so a prefix filter is one term query
// and a facet reads one level.
var (
	patentFields = []field{
		text("title").highlighted(),
		text("abstract").highlighted(),
		text("claim"),
		text("applicants").stored(),
		text("inventors"),
		text("address"),
		text(recallField), // all of the above, for plain words (see kindSpec.recall)
		chars(charsField), // the same as single characters, for words of one
		code("numbers"),   // application and publication numbers
		code("type").stored().docValues(),
		code("status").stored().docValues(),
		code("ipc").storeOnly(), // every code, for display
		code("ipc_section").docValues(),
		code("ipc_class").docValues(),
		code("ipc_subclass").docValues(),
		code("ipc_group").docValues(),
		code("ipc_subgroup"),
		code("region").storeOnly(),
		code("region_province").docValues(),
		code("region_city").docValues(),
		code("region_county").docValues(),
		code("owner_id").stored(),
		code("owner_pool"),            // the owner's consents.pool: a bank's scope (Scope.Pool)
		code("owner_industry"),        // the owner's GB/T 4754 code at every level: the owner_industry filter
		code("owner_facts"),           // owner.key: what the document says of its owner, to find stale ones
		code("open"),                  // kinds of open transactions: pledge, litigation …
		code("applicant").docValues(), // each applicant's name whole, for the top applicants' facet
		code("pledge_bar"),            // data.PledgeBars, "none" without: the pledgeable_on filter
		date("fees_paid_through"),
		code("filing_year").docValues(),
		date("filing_date").stored(),
		date("grant_date"),
		date("expiry_date"),
		sortKey("filing_date"),
		sortKey("grant_date"),
		sortKey("expiry_date"),
	}
	enterpriseFields = []field{
		text("name").highlighted(),
		text("business_scope").highlighted(),
		text("address"),
		text("place"),     // full region name, e.g. 广东省肇庆市高要区
		text("trade"),     // GB/T 4754 names of every level
		text("labels"),    // certification names, e.g. 专精特新
		text("purpose"),   // what the financing need is for
		text(recallField), // all of the above, for plain words (see kindSpec.recall)
		chars(charsField), // the same as single characters, for words of one
		code("credit_code").stored(),
		code("region").storeOnly(),
		code("region_province").docValues(),
		code("region_city").docValues(),
		code("region_county").docValues(),
		code("industry").storeOnly(),
		code("industry_section"),
		code("industry_division").docValues(),
		code("industry_group"),
		code("industry_class"),
		code("certs").stored().docValues(),
		code("tax_grade").stored().docValues(),
		code("pool").docValues(),
		code("share_data"), // consents.share_data, see consent.go
		date("founded").stored(),
		number("employees"),
		number("revenue"),
		number("need_amount"),
		sortKey("founded"),
		sortKey("employees"),
		sortKey("revenue"),
		sortKey("need_amount"),
	}
	productFields = []field{
		text("name").highlighted(),
		text("description").highlighted(),
		text("bank_name").stored(),
		code("bank_id").stored().docValues(),
		code("regions"),    // served regions; "*" for anywhere
		code("industries"), // targeted GB/T 4754 prefixes; "*" for any
		code("ipc_areas"),  // accepted IPC prefixes; "*" for any
		code("patent_types").stored().docValues(),
		code("pool_id").stored().docValues(),
		code("active"),
		number("min_amount").stored(),
		number("max_amount").stored(),
		number("min_term").stored(),
		number("max_term").stored(),
		number("spread_bp").stored(),
		sortKey("max_amount"),
		sortKey("max_term"),
		sortKey("spread_bp"),
	}
)

// recallField is the text field that holds all of a kind's text fields,
// each value analysed on its own (no bigram spans two fields). Plain words
// are found in it with one term query per bigram rather than one per
// bigram and field; see kindSpec.recall for why and how they are ranked.
const recallField = "text"

// charsField holds what recallField holds, cut into single characters
// (unigramAnalyzer), so that a word of one Chinese character is one term:
// in the bigram fields it is every bigram that holds it, a prefix and a
// wildcard over the whole dictionary, 400 ms over 1,000,000 patents.
const charsField = "chars"

// unigramAnalyzer is the cjk analyzer without its bigram filter: the
// unicode tokenizer gives each Chinese character as a token of its own.
const unigramAnalyzer = "cjk_unigram"

// anyValue stands for "no restriction" in a product's list of regions,
// industries or IPC areas, so one term query finds products open to all.
const anyValue = "*"

// fieldsOf returns the fields of kind k.
func fieldsOf(k string) []field {
	switch k {
	case Patents:
		return patentFields
	case Enterprises:
		return enterpriseFields
	case Products:
		return productFields
	}
	panic("search: unknown kind " + k)
}

// dateLayout is how dates are stored and shown.
const dateLayout = "2006-01-02"

// scoringModel is the relevance model; see TestRelevance for why.
const scoringModel = index.BM25Scoring

// newMapping returns the index mapping of kind k. Documents are built
// directly from records (see docs.go), so the mapping mostly documents the
// fields; queries read it for analyzers and the scoring model. Nothing is
// dynamic and there is no _all field.
func newMapping(k string) *mapping.IndexMappingImpl {
	m := mapping.NewIndexMapping()
	m.DefaultAnalyzer = cjk.AnalyzerName
	m.ScoringModel = scoringModel
	m.IndexDynamic, m.StoreDynamic, m.DocValuesDynamic = false, false, false
	m.DefaultField = ""
	if err := m.AddCustomAnalyzer(unigramAnalyzer, map[string]any{
		"type": custom.Name, "tokenizer": unicode.Name,
		"token_filters": []any{cjk.WidthName, lowercase.Name},
	}); err != nil {
		panic("search: " + err.Error())
	}
	dm := mapping.NewDocumentStaticMapping()
	for _, f := range fieldsOf(k) {
		fm := &mapping.FieldMapping{
			Name: f.name, Store: f.store, Index: f.index,
			IncludeTermVectors: f.tv, DocValues: f.dv,
		}
		switch f.typ {
		case textField:
			fm.Type, fm.Analyzer = "text", cjk.AnalyzerName
		case charField:
			fm.Type, fm.Analyzer = "text", unigramAnalyzer
		case keywordField:
			fm.Type, fm.Analyzer = "text", keyword.Name
		case numberField:
			fm.Type = "number"
		case dateField:
			fm.Type = "datetime"
		}
		dm.AddFieldMappingsAt(f.name, fm)
	}
	dm.AddSubDocumentMapping("_all", mapping.NewDocumentDisabledMapping())
	m.DefaultMapping = dm
	return m
}
