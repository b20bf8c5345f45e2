package search

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"ipmatch/data"
)

// Limits of a Request.
const (
	DefaultSize     = 20
	MaxSize         = 100
	MaxWindow       = 10000 // From + Size: deeper pages are refused
	MaxFacetSize    = 10000 // the values a facet lists (IPC has about 7,500 main groups)
	MaxFacetSample  = 100_000
	maxFilterValues = 50
)

// Request is one search. The zero Request finds everything, best first.
type Request struct {
	// Query is what the user typed; see the package doc for its syntax.
	Query string
	// Filters maps a field name to a value; see the package doc. A keyword
	// filter takes several values separated by commas (any of them), a
	// range filter "a..b". All filters must hold.
	Filters map[string]string
	// Facets names the facets to count. Over many hits they are counted on
	// a sample (Facet.Sampled) unless ExactFacets is set.
	Facets      []string
	ExactFacets bool
	// FacetSize is how many of the most frequent values each facet lists:
	// 0 for the facet's own size (20 for most), at most MaxFacetSize. A
	// landscape's growth reads every IPC subclass's count in two spans.
	FacetSize int
	// CountOnly answers the total and the facets without hits: no page is
	// ranked, so From, Size and Sort are ignored. A report that only
	// counts (a landscape) saves the ranking of every hit.
	CountOnly bool
	// FacetSample is about how many hits a sampled facet count reads (see
	// facets.go): 0 for the default, 4,000; at most MaxFacetSample. More
	// costs more and estimates small shares better: a landscape compares
	// a district with its province on 50,000 of the province's patents.
	FacetSample int
	// Sort lists sort keys: "score" or a sortable field, "-" first for
	// descending. Without words in the query, the kind's default order
	// applies.
	Sort []string
	// From is the offset of the first hit; Size how many (default
	// DefaultSize, at most MaxSize).
	From, Size int
	// Scope restricts the hits to what the caller may see.
	Scope Scope
}

// Scope restricts a search to what one caller may see. The restriction is
// part of the query itself, so totals and facet counts only count what the
// caller may see.
type Scope struct {
	// Restricted keeps only the hits of Owners: patents owned by these
	// enterprises, these enterprises, products of these banks; and with
	// Pool, those of every enterprise that consented to the pool
	// (consents.pool) too, found by a term of the index rather than a
	// list of thousands of IDs. With Restricted, no Owners and no Pool,
	// nothing is found.
	Restricted bool
	Owners     []string
	Pool       bool
	// ActiveOnly keeps only active products.
	ActiveOnly bool
	// SharedFinancialsOnly keeps only enterprises that share their
	// financial data (consents.share_data) when the request filters,
	// ranges, sorts or counts facets on a financial field; see consent.go.
	SharedFinancialsOnly bool
}

// Result is the answer to a Request.
type Result struct {
	Total int `json:"total"`
	// Relaxed is set when no record had all of a long word's characters
	// in sequence and the hits have most of them instead.
	Relaxed bool              `json:"relaxed,omitempty"`
	Hits    []Hit             `json:"hits"`
	Facets  map[string]*Facet `json:"facets,omitempty"`
}

// Hit is one record found: its ID, its score, the fields a result shows,
// and highlighted fragments of the text that matched (matches wrapped in
// <mark>…</mark>, the rest HTML-escaped), by field.
type Hit struct {
	ID        string              `json:"id"`
	Score     float64             `json:"score"`
	Fields    map[string]any      `json:"-"`
	Fragments map[string][]string `json:"fragments,omitempty"`
}

// MarshalJSON writes a hit flat: id, score, its fields, fragments.
func (h Hit) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(h.Fields)+3)
	for k, v := range h.Fields {
		m[k] = v
	}
	m["id"], m["score"] = h.ID, h.Score
	if len(h.Fragments) > 0 {
		m["fragments"] = h.Fragments
	}
	return json.Marshal(m)
}

// Facet is the count of hits by the values of one field: the most
// frequent values, how many hits have no value (Missing) and how many
// values were left out of the list (Other). Sampled is set when the counts
// come from a sample of the hits (see the package doc); Total is then the
// size of the sample.
type Facet struct {
	Total   int          `json:"total"`
	Missing int          `json:"missing"`
	Other   int          `json:"other"`
	Values  []FacetValue `json:"values"`
	Sampled bool         `json:"sampled,omitempty"`
}

// FacetValue is one value of a facet with its label and count.
type FacetValue struct {
	Value string `json:"value"`
	Label string `json:"label,omitempty"`
	Count int    `json:"count"`
}

// badParam returns a malformed (400) error about one request parameter.
func badParam(name, format string, args ...any) error {
	return paramError(data.CodeMalformed, name, fmt.Sprintf(format, args...))
}

// invalidParam returns an invalid (422) error about one request parameter:
// it reads well but breaks a rule (a value out of range, a query over the
// budget).
func invalidParam(name, format string, args ...any) error {
	return paramError(data.CodeInvalid, name, fmt.Sprintf(format, args...))
}

func paramError(code data.Code, name, reason string) error {
	return &data.Error{Code: code, Message: name + ": " + reason,
		Fields: []data.FieldError{{Field: name, Reason: reason}}}
}

// Fields returns the names a query or filter of kind k may use, sorted.
func Fields(k string) []string {
	s, ok := specs[k]
	if !ok {
		return nil
	}
	return sortedKeys(s.params)
}

// FacetNames returns the facets of kind k, sorted.
func FacetNames(k string) []string {
	s, ok := specs[k]
	if !ok {
		return nil
	}
	return sortedKeys(s.facets)
}

// SortNames returns what results of kind k can be sorted by, sorted.
func SortNames(k string) []string {
	s, ok := specs[k]
	if !ok {
		return nil
	}
	return append([]string{"score"}, sortedKeys(s.sorts)...)
}

// Search runs req against the index of kind k (Patents, Enterprises or
// Products). Mistakes in the request (query syntax, unknown fields or
// facets, bad values, sizes) are malformed errors that say what to change;
// values out of range and queries over the cost budget (budget.go) are
// invalid errors naming the parameter and the limit. The search stops when
// ctx is done, returning ctx's error.
//
// Answers are kept (resultsKept of them) until the index changes, and a
// kept answer skips the line of searches: the first page of a search page
// with no words is the commonest request, and still 60 ms at 1,000,000
// patents (newest.go). The Hits and Facets of a result may therefore be
// shared with other callers: read them, never change them.
func (x *Index) Search(ctx context.Context, k string, req Request) (res *Result, err error) {
	if obs := x.opts.Observe; obs != nil {
		defer func(start time.Time) { obs("search", k, time.Since(start)) }(time.Now())
	}
	s, ok := specs[k]
	if !ok {
		return nil, fmt.Errorf("search: unknown kind %q", k)
	}
	// The generation is read before the index is: an answer is never kept
	// under a generation newer than what it read.
	gen, key := x.gen.Load(), resultKey(k, req)
	if kept, ok := x.keptAnswer(key, gen); ok {
		return kept, nil
	}
	err = x.inLine(ctx, k, func(ctx context.Context, ki *kindIndex) error {
		p, err := compilePlan(ctx, s, ki, req, x.scoped, gen)
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if res, err = x.run(ctx, ki, s, p, req); err != nil {
			return err
		}
		res.Relaxed = p.relaxed
		return nil
	})
	if err != nil {
		return nil, err
	}
	x.keepAnswer(key, gen, res)
	return res, nil
}

// inLine calls f with kind k's index inside the line of searches
// (gate.go), under a search's deadline and the index's read lock: the
// way every search and walk of the index is made. A search over the cost
// budget is the budget's error (budget.go).
func (x *Index) inLine(ctx context.Context, k string, f func(ctx context.Context, ki *kindIndex) error) (err error) {
	leave, err := x.enterGate(ctx, k)
	if err != nil {
		return err
	}
	defer leave()
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	defer func() { err = overBudget(ctx, err) }()
	x.rw.RLock()
	defer x.rw.RUnlock()
	ki, ok := x.kinds[k]
	if !ok {
		return errClosed
	}
	return f(ctx, ki)
}

// openReader opens a reader of ki's index, for the walks that build their
// own searchers (facets, samples, counts); the caller closes it.
func openReader(ki *kindIndex) (index.IndexReader, error) {
	adv, err := ki.bi.Advanced()
	if err != nil {
		return nil, err
	}
	return adv.Reader()
}

// keptAnswer returns the answer kept under key for index generation gen:
// a copy of the Result sharing its hits and facets.
func (x *Index) keptAnswer(key, gen uint64) (*Result, bool) {
	kept, ok := x.results.get(key, gen)
	if !ok {
		return nil, false
	}
	shared := *kept
	return &shared, true
}

// keepAnswer keeps res under key for generation gen (read before the
// search, so that an answer is never kept under a newer one).
func (x *Index) keepAnswer(key, gen uint64, res *Result) {
	kept := *res
	x.results.put(key, gen, &kept)
}

// checkText refuses a filter that is not UTF-8 (parseQuery refuses such
// a query): the analyzers drop the bytes they cannot read.
func checkText(req Request) error {
	for _, name := range sortedKeys(req.Filters) {
		if !utf8.ValidString(req.Filters[name]) {
			return badParam(name, "is not valid UTF-8 text")
		}
	}
	return nil
}

// resultsKept is how many answers Search keeps: a page of at most MaxSize
// hits with their shown fields is a few kilobytes to a few tens.
const resultsKept = 256

// plan is a compiled query: text finds and ranks the hits (nil:
// everything); approx, which finds the same hits or nearly, is cheaper to
// walk when facets are sampled; marks checks every phrase's positions, for
// highlighting (see compiler.phrase). key identifies the query for the
// facet cache; relaxed reports words whose impossible bigrams were left
// out; financial that the query names a financial field.
type plan struct {
	text, approx, marks query.Query
	relaxed, financial  bool
	key                 string
	// page, when marks holds single characters, is the page's text they
	// are marked by (marks.go).
	page *pageText
}

// compilePlan parses and compiles the query of req after checking the
// query and text filters against the budget. Which bigrams are impossible
// (and so whether the query is relaxed) is decided over the documents of
// req's scope only, so that relaxation says nothing of records the caller
// may not see.
//
// known, when not nil, remembers across requests which terms are in which
// scope, for the index generation gen (read before the search, so an
// answer is never kept under a generation newer than what it read).
func compilePlan(ctx context.Context, s *kindSpec, ki *kindIndex, req Request, known *genCache[bool], gen uint64) (plan, error) {
	q := req.Query
	n, err := parseQuery(q, s.fieldName, s.known)
	if err != nil {
		return plan{key: "q=" + q}, err
	}
	if err := checkText(req); err != nil {
		return plan{}, err
	}
	c := &compiler{spec: s, an: ki.b.text, ctx: ctx, df: map[string]bool{}, page: &pageText{an: ki.b.text}}
	if err := checkBudget(s, c.analyze, n, req.Filters); err != nil {
		return plan{}, err
	}
	if n == nil {
		return plan{key: "q=" + q}, nil
	}
	scope, none := s.scope(req.Scope)
	if !none { // with nothing in scope, nothing is relaxed: no reader
		r, err := openReader(ki)
		if err != nil {
			return plan{}, err
		}
		defer r.Close()
		c.reader, c.m, c.scope = r, ki.m, scope
		if known != nil {
			c.known, c.scopeOf, c.gen = known, req.Scope, gen
		}
	}
	var qs [3]query.Query
	for i, m := range []phraseMode{phraseHan, phraseNone, phraseAll} {
		c.phrases = m
		if qs[i], err = c.compile(n); err != nil {
			return plan{}, err
		}
	}
	p := plan{text: qs[0], approx: qs[1], marks: qs[2], relaxed: c.relaxed, financial: s.namesFinancials(n), key: "q=" + q}
	if c.used {
		p.page = c.page
	}
	return p, nil
}

// run searches ki for p under req's filters, scope, facets, sort and page.
func (x *Index) run(ctx context.Context, ki *kindIndex, s *kindSpec, p plan, req Request) (*Result, error) {
	text := p.text
	if req.Size == 0 {
		req.Size = DefaultSize
	}
	if req.Size < 1 || req.Size > MaxSize {
		return nil, badParam("size", "must be from 1 to %d, not %d", MaxSize, req.Size)
	}
	if req.From < 0 {
		return nil, badParam("from", "must not be negative")
	}
	if req.FacetSample < 0 || req.FacetSample > MaxFacetSample {
		return nil, badParam("facet_sample", "must be from 0 to %d, not %d", MaxFacetSample, req.FacetSample)
	}
	if req.FacetSize < 0 || req.FacetSize > MaxFacetSize {
		return nil, badParam("facet_size", "must be from 0 to %d, not %d", MaxFacetSize, req.FacetSize)
	}
	if req.From+req.Size > MaxWindow {
		return nil, badParam("page", "only the first %d hits can be paged through; narrow the query with words or filters", MaxWindow)
	}
	for _, f := range req.Facets {
		if _, ok := s.facets[f]; !ok {
			return nil, badParam("facets", "%q is not a facet of %s; known: %s", f, s.name, s.facetSet)
		}
	}
	sortOrder, err := s.sortOrder(req.Sort, text != nil)
	if err != nil {
		return nil, err
	}
	filters, none, err := s.restrictions(ki, p, req)
	if err != nil {
		return nil, err
	}
	if none {
		return emptyResult(req.Facets), nil
	}

	q := combine(text, filters)

	// Highlighting makes bleve read term positions for every hit, so it
	// is left to a second search over the page's hits only.
	page := func(q query.Query) (*bleve.SearchResult, error) {
		br := bleve.NewSearchRequestOptions(q, req.Size, req.From, false)
		br.SortByCustom(sortOrder)
		if !sortsByScore(sortOrder) && !scoreAlways {
			// Relevance that orders nothing is not computed: a text query
			// sorted by date over 1,000,000 patents took 2.5× longer with
			// it (520 ms against 210 ms). Its hits' scores are then 0.
			br.Score = "none"
		}
		br.Fields = s.show
		if p.page != nil { // the highlighted fields too: the same stored document
			br.Fields = append(slices.Clone(s.show), s.frags...)
		}
		res, err := ki.bi.SearchInContext(ctx, br)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("search %s: %w", s.name, err)
		}
		return res, nil
	}
	var res *bleve.SearchResult
	total := -1
	if req.CountOnly {
		n, err := x.countAll(ctx, ki, q)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("search %s: count: %w", s.name, err)
		}
		res, total = &bleve.SearchResult{}, n
	} else if sortsNewestFirst(s, req, text != nil) { // newest.go
		window, n, ok, err := x.newestWindow(ctx, ki, s, q, req.From+req.Size)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("search %s: %w", s.name, err)
		}
		if ok {
			if res, err = page(window); err != nil {
				return nil, err
			}
			if int(res.Total) < req.From+req.Size { // the sample misled: search everything
				res = nil
			} else {
				total = n
			}
		}
	}
	if res == nil {
		if res, err = page(q); err != nil {
			return nil, err
		}
		total = int(res.Total)
	}
	out := &Result{Total: total, Hits: make([]Hit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		if p.page != nil {
			for _, f := range s.frags {
				for _, text := range storedTexts(h.Fields[f]) {
					p.page.add(f, text)
				}
			}
		}
		fields := make(map[string]any, len(h.Fields)+4)
		for k, v := range h.Fields {
			if p.page == nil || slices.Contains(s.show, k) {
				fields[k] = v
			}
		}
		if s.enrich != nil {
			s.enrich(fields)
		}
		out.Hits = append(out.Hits, Hit{ID: h.ID, Score: h.Score, Fields: fields})
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if text != nil && len(out.Hits) > 0 {
		if err := highlight(ctx, ki, s, p.marks, out.Hits); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("search %s: highlight: %w", s.name, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(req.Facets) > 0 {
		gen := x.gen.Load()
		key := facetKey(s.name, p.key, req)
		if f, ok := x.facetCache.get(key, gen); ok {
			out.Facets = f
		} else {
			fq, sample := q, 0
			if out.Total > facetExactLimit && !req.ExactFacets {
				fq, sample = combine(p.approx, filters), cmp.Or(req.FacetSample, facetSample)
			}
			if out.Facets, err = x.countFacets(ctx, ki, s, fq, req.Facets, req.FacetSize, out.Total, sample); err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				return nil, fmt.Errorf("search %s: facets: %w", s.name, err)
			}
			x.facetCache.put(key, gen, out.Facets)
		}
	}
	return out, nil
}

// countAll counts q's hits in ki, walking them without scoring (a
// match-all query by the document count).
func (x *Index) countAll(ctx context.Context, ki *kindIndex, q query.Query) (int, error) {
	r, err := openReader(ki)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	// As countFacets does: the searcher is built here, so the context
	// carries the counter of the term searcher limit.
	return countAllHits(search.ContextWithTermSearchersCounter(ctx), r, ki.m, q)
}

// restrictions compiles what restricts the hits of p beyond its words:
// req's filters, the caller's scope and the consent rule on financial
// fields. none reports a scope that excludes everything.
func (s *kindSpec) restrictions(ki *kindIndex, p plan, req Request) (filters []query.Query, none bool, err error) {
	c := &compiler{spec: s, an: ki.b.text}
	if filters, err = c.filters(req.Filters); err != nil {
		return nil, false, err
	}
	scope, none := s.scope(req.Scope)
	if none {
		return nil, true, nil
	}
	filters = append(filters, scope...)
	if req.Scope.SharedFinancialsOnly && (p.financial || s.requestsFinancials(req)) {
		filters = append(filters, term(shareDataField, "true"))
	}
	return filters, false, nil
}

// highlight sets the fragments of hits: where text matched in the
// kind's highlighted fields. It searches text again within the hits only
// (a conjunction with their IDs, which skips every other document).
func highlight(ctx context.Context, ki *kindIndex, s *kindSpec, text query.Query, hits []Hit) error {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	hq := query.NewConjunctionQuery([]query.Query{query.NewDocIDQuery(ids), text})
	br := bleve.NewSearchRequestOptions(hq, len(ids), 0, false)
	br.Highlight = bleve.NewHighlightWithStyle(html.Name)
	br.Highlight.Fields = s.frags
	res, err := ki.bi.SearchInContext(ctx, br)
	if err != nil {
		return err
	}
	frags := make(map[string]map[string][]string, len(res.Hits))
	for _, h := range res.Hits {
		frags[h.ID] = cleanFragments(h.Fragments)
	}
	for i := range hits {
		hits[i].Fragments = frags[hits[i].ID]
	}
	return nil
}

// cleanFragments keeps the fragments that show a match, with adjacent
// marks merged (bigrams of one word are marked one by one).
func cleanFragments(in map[string][]string) map[string][]string {
	var out map[string][]string
	for f, frs := range in {
		for _, fr := range frs {
			if !strings.Contains(fr, "<mark>") {
				continue
			}
			if out == nil {
				out = map[string][]string{}
			}
			out[f] = append(out[f], strings.ReplaceAll(fr, "</mark><mark>", ""))
		}
	}
	return out
}

// combine puts text and filters together: the filters restrict without
// scoring (restrict.go).
func combine(text query.Query, filters []query.Query) query.Query {
	switch {
	case text == nil && len(filters) == 0:
		return query.NewMatchAllQuery()
	case text == nil:
		return conj(filters)
	case len(filters) == 0:
		return text
	}
	return &restricted{text: text, filters: filters}
}

// emptyResult is the result of a search that cannot find anything.
func emptyResult(facets []string) *Result {
	r := &Result{Hits: []Hit{}}
	if len(facets) > 0 {
		r.Facets = map[string]*Facet{}
		for _, f := range facets {
			r.Facets[f] = &Facet{Values: []FacetValue{}}
		}
	}
	return r
}

// sortOrder reads sort keys; hasText says whether the query has words.
func (s *kindSpec) sortOrder(keys []string, hasText bool) (search.SortOrder, error) {
	if len(keys) == 0 {
		if hasText {
			keys = []string{"score"}
		} else {
			keys = s.noText
		}
	}
	var order search.SortOrder
	for _, k := range keys {
		desc := strings.HasPrefix(k, "-")
		name := strings.TrimPrefix(k, "-")
		switch name {
		case "score":
			order = append(order, &search.SortScore{Desc: !desc})
			continue
		case "_id":
			order = append(order, &search.SortDocID{Desc: desc})
			continue
		}
		sp, ok := s.sorts[name]
		if !ok {
			return nil, badParam("sort", "%q is not a sort of %s; known: %s (prefix - for descending)", name, s.name, s.sortSet)
		}
		order = append(order, &search.SortField{Field: sp.field, Desc: desc, Type: sp.typ, Missing: search.SortFieldMissingLast})
	}
	// Ties keep the index's order, which is stable while the index does
	// not change; an ID tiebreaker would load every hit's ID.
	return order, nil
}

// scope returns the filters of a caller's scope; none reports a scope
// that excludes everything.
func (s *kindSpec) scope(sc Scope) (qs []query.Query, none bool) {
	if sc.Restricted {
		var either []query.Query
		switch s.name {
		case Patents:
			if sc.Pool {
				either = append(either, term("owner_pool", "true"))
			}
			if len(sc.Owners) > 0 {
				either = append(either, anyOf("owner_id", sc.Owners...))
			}
		case Enterprises:
			if sc.Pool {
				either = append(either, term("pool", "true"))
			}
			if len(sc.Owners) > 0 {
				either = append(either, query.NewDocIDQuery(sc.Owners))
			}
		case Products:
			if len(sc.Owners) > 0 {
				either = append(either, anyOf("bank_id", sc.Owners...))
			}
		}
		switch len(either) {
		case 0:
			return nil, true
		case 1:
			qs = append(qs, either[0])
		default:
			qs = append(qs, query.NewDisjunctionQuery(either))
		}
	}
	if sc.ActiveOnly && s.name == Products {
		qs = append(qs, term("active", "true"))
	}
	return qs, false
}

func conj(qs []query.Query) query.Query {
	if len(qs) == 1 {
		return qs[0]
	}
	return query.NewConjunctionQuery(qs)
}

// scoreAlways, set by a benchmark, computes relevance whatever the sort:
// the baseline of skipping it.
var scoreAlways bool

// sortsByScore reports whether o orders by relevance at any level.
func sortsByScore(o search.SortOrder) bool {
	for _, k := range o {
		if _, ok := k.(*search.SortScore); ok {
			return true
		}
	}
	return false
}
