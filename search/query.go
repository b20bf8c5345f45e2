package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
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
	// enterprises, these enterprises, products of these banks. With
	// Restricted and no Owners, nothing is found.
	Restricted bool
	Owners     []string
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
func (x *Index) Search(ctx context.Context, k string, req Request) (res *Result, err error) {
	s, ok := specs[k]
	if !ok {
		return nil, fmt.Errorf("search: unknown kind %q", k)
	}
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	defer func() { err = overBudget(ctx, err) }()
	x.rw.RLock()
	defer x.rw.RUnlock()
	ki, ok := x.kinds[k]
	if !ok {
		return nil, errClosed
	}
	p, err := compilePlan(ctx, s, ki, req)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err = x.run(ctx, ki, s, p, req)
	if err == nil {
		res.Relaxed = p.relaxed
	}
	return res, err
}

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
}

// compilePlan parses and compiles the query of req after checking the
// query and text filters against the budget. Which bigrams are impossible
// (and so whether the query is relaxed) is decided over the documents of
// req's scope only, so that relaxation says nothing of records the caller
// may not see.
func compilePlan(ctx context.Context, s *kindSpec, ki *kindIndex, req Request) (plan, error) {
	q := req.Query
	n, err := parseQuery(q, s.fieldName, s.known)
	if err != nil {
		return plan{key: "q=" + q}, err
	}
	c := &compiler{spec: s, an: ki.b.text, ctx: ctx, df: map[string]bool{}}
	if err := checkBudget(s, c.analyze, n, req.Filters); err != nil {
		return plan{}, err
	}
	if n == nil {
		return plan{key: "q=" + q}, nil
	}
	scope, none := s.scope(req.Scope)
	if !none { // with nothing in scope, nothing is relaxed: no reader
		adv, err := ki.bi.Advanced()
		if err != nil {
			return plan{}, err
		}
		r, err := adv.Reader()
		if err != nil {
			return plan{}, err
		}
		defer r.Close()
		c.reader, c.bi, c.scope = r, ki.bi, scope
	}
	var qs [3]query.Query
	for i, m := range []phraseMode{phraseHan, phraseNone, phraseAll} {
		c.phrases = m
		if qs[i], err = c.compile(n); err != nil {
			return plan{}, err
		}
	}
	return plan{text: qs[0], approx: qs[1], marks: qs[2], relaxed: c.relaxed, financial: s.namesFinancials(n), key: "q=" + q}, nil
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
	c := &compiler{spec: s, an: ki.b.text}
	filters, err := c.filters(req.Filters)
	if err != nil {
		return nil, err
	}
	scope, none := s.scope(req.Scope)
	if none {
		return emptyResult(req.Facets), nil
	}
	filters = append(filters, scope...)
	if req.Scope.SharedFinancialsOnly && (p.financial || s.requestsFinancials(req)) {
		filters = append(filters, term(shareDataField, "true"))
	}

	q := combine(text, filters)

	// Highlighting makes bleve read term positions for every hit, so it
	// is left to a second search over the page's hits only.
	br := bleve.NewSearchRequestOptions(q, req.Size, req.From, false)
	br.SortByCustom(sortOrder)
	br.Fields = s.show
	res, err := ki.bi.SearchInContext(ctx, br)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("search %s: %w", s.name, err)
	}
	out := &Result{Total: int(res.Total), Hits: make([]Hit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		fields := make(map[string]any, len(h.Fields)+4)
		for k, v := range h.Fields {
			fields[k] = v
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
		if f, ok := x.cache.get(key, gen); ok {
			out.Facets = f
		} else {
			fq, sample := q, out.Total > facetExactLimit && !req.ExactFacets
			if sample {
				fq = combine(p.approx, filters)
			}
			if out.Facets, err = x.countFacets(ctx, ki, s, fq, req.Facets, out.Total, sample); err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				return nil, fmt.Errorf("search %s: facets: %w", s.name, err)
			}
			x.cache.put(key, gen, out.Facets)
		}
	}
	return out, nil
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
// scoring.
func combine(text query.Query, filters []query.Query) query.Query {
	switch {
	case text == nil && len(filters) == 0:
		return query.NewMatchAllQuery()
	case text == nil:
		return conj(filters)
	case len(filters) == 0:
		return text
	}
	b := query.NewBooleanQuery([]query.Query{text}, nil, nil)
	b.AddFilter(conj(filters))
	return b
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
		if len(sc.Owners) == 0 {
			return nil, true
		}
		switch s.name {
		case Patents:
			qs = append(qs, anyOf("owner_id", sc.Owners...))
		case Enterprises:
			qs = append(qs, query.NewDocIDQuery(sc.Owners))
		case Products:
			qs = append(qs, anyOf("bank_id", sc.Owners...))
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

// ---- Compiling queries ----

// compiler turns parsed queries and filters of one kind into bleve
// queries. an is the analyzer of the kind's text fields. With a reader,
// words leave out bigrams no document has (see words) and relaxed records
// that some were. phrases says which phrases check positions.
type compiler struct {
	spec    *kindSpec
	an      analysis.Analyzer
	ctx     context.Context
	reader  index.IndexReader
	bi      bleve.Index     // with scope: where exists searches
	scope   []query.Query   // the caller's scope: exists looks only there
	df      map[string]bool // term+field -> some document has it
	relaxed bool
	phrases phraseMode
}

// phraseMode says which phrases a compiler checks positions of.
type phraseMode uint8

const (
	phraseHan  phraseMode = iota // all but phrases of Chinese characters only
	phraseNone                   // none: every phrase is a conjunction
	phraseAll                    // every phrase
)

// filters compiles URL filters: every filter must hold.
func (c *compiler) filters(fs map[string]string) ([]query.Query, error) {
	var out []query.Query
	for _, name := range sortedKeys(fs) {
		canon, ok := c.spec.fieldName(name)
		if !ok {
			return nil, badParam(name, "is not a filter of %s; known: %s", c.spec.name, c.spec.known)
		}
		p := c.spec.params[canon]
		raw := strings.TrimSpace(fs[name])
		if raw == "" {
			return nil, badParam(name, "is empty; give %s", p.help)
		}
		var q query.Query
		var err error
		switch {
		case p.text != nil:
			q, err = c.textFilter(p.text, raw)
		case p.rng != nil:
			var r rangeValue
			if r, err = parseRangeValue(raw, ""); err == nil {
				q, err = p.rng(r)
			}
		default:
			vals := []string{raw}
			if !p.single {
				vals = strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == '，' })
			}
			if len(vals) > maxFilterValues {
				return nil, badParam(name, "has %d values; give at most %d", len(vals), maxFilterValues)
			}
			var qs []query.Query
			for _, v := range vals {
				vq, verr := p.value(strings.TrimSpace(v))
				if verr != nil {
					err = verr
					break
				}
				qs = append(qs, vq)
			}
			if err == nil {
				if len(qs) == 0 {
					return nil, badParam(name, "is empty; give %s", p.help)
				}
				q = disj(qs)
			}
		}
		if err != nil {
			return nil, valueError(name, "", p, err)
		}
		if q != nil {
			out = append(out, q)
		}
	}
	return out, nil
}

// valueError wraps a value parser's error about request parameter name
// with what the param takes; field, when not "", is the field of the
// query (q) the value was given to. A value out of the field's range is
// invalid (422), any other bad value malformed (400).
func valueError(name, field string, p param, err error) error {
	var ev *errValue
	if !errors.As(err, &ev) {
		return err
	}
	reason := ev.reason
	if field != "" {
		reason = field + ": " + reason
	}
	if ev.outOfRange {
		return invalidParam(name, "%s; give %s", reason, p.help)
	}
	return badParam(name, "%s; give %s", reason, p.help)
}

// textFilter matches every word of v in fields.
func (c *compiler) textFilter(fields []weighted, v string) (query.Query, error) {
	var qs []query.Query
	for _, w := range strings.Fields(v) {
		if q := c.words(fields, w); q != nil {
			qs = append(qs, q)
		}
	}
	if len(qs) == 0 {
		return nil, nil
	}
	return conj(qs), nil
}

// compile turns a parsed query into a bleve query; nil when it has no
// terms that can match anything specific (e.g. only punctuation).
func (c *compiler) compile(n *node) (query.Query, error) {
	switch n.op {
	case opAnd:
		var must, mustNot []query.Query
		for _, k := range n.kids {
			if k.op == opNot {
				q, err := c.compile(k.kids[0])
				if err != nil {
					return nil, err
				}
				if q != nil {
					mustNot = append(mustNot, q)
				}
				continue
			}
			q, err := c.compile(k)
			if err != nil {
				return nil, err
			}
			if q != nil {
				must = append(must, q)
			}
		}
		switch {
		case len(mustNot) == 0 && len(must) == 0:
			return nil, nil
		case len(mustNot) == 0:
			return conj(must), nil
		case len(must) == 0:
			must = []query.Query{query.NewMatchAllQuery()}
		}
		return query.NewBooleanQuery(must, nil, mustNot), nil
	case opOr:
		var qs []query.Query
		for _, k := range n.kids {
			q, err := c.compile(k)
			if err != nil {
				return nil, err
			}
			if q == nil {
				return nil, nil // one side matches everything
			}
			qs = append(qs, q)
		}
		return disj(qs), nil
	case opNot:
		q, err := c.compile(n.kids[0])
		if err != nil || q == nil {
			return nil, err
		}
		return query.NewBooleanQuery([]query.Query{query.NewMatchAllQuery()}, nil, []query.Query{q}), nil
	}
	return c.term(n)
}

// term compiles one term node.
func (c *compiler) term(n *node) (query.Query, error) {
	if n.field == "" {
		if n.phrase {
			return c.phrase(c.spec.phrases, n.value), nil
		}
		q := c.words(c.spec.text, n.value)
		if c.spec.numbers && looksLikeNumber(n.value) {
			nq := term("numbers", numberForms(n.value)[0])
			nq.(*query.TermQuery).SetBoost(20)
			if q == nil {
				return nq, nil
			}
			return disj([]query.Query{q, nq}), nil
		}
		return q, nil
	}
	p := c.spec.params[n.field]
	switch {
	case p.text != nil:
		if n.cmp != "" {
			return nil, badParam("q", "the text field %s takes words, not %s", n.field, n.cmp)
		}
		if n.phrase {
			return c.phrase(p.text, n.value), nil
		}
		return c.words(p.text, n.value), nil
	case p.rng != nil:
		r, err := parseRangeValue(n.value, n.cmp)
		if err == nil {
			var q query.Query
			if q, err = p.rng(r); err == nil {
				return q, nil
			}
		}
		return nil, valueError("q", n.field, p, err)
	}
	if n.cmp != "" {
		return nil, badParam("q", "the field %s takes a value, not a comparison with %s", n.field, n.cmp)
	}
	q, err := p.value(n.value)
	if err != nil {
		return nil, valueError("q", n.field, p, err)
	}
	return q, nil
}

// analyze returns the terms of text as the index has them, in order.
func (c *compiler) analyze(text string) []string {
	toks := c.an.Analyze([]byte(text))
	out := make([]string, 0, len(toks))
	for _, t := range toks {
		out = append(out, string(t.Term))
	}
	return out
}

// words matches one word (a run of text without spaces) in fields. The
// cjk analyzer turns Chinese into overlapping bigrams, so "数控机床" is
// 数控 控机 机床. A field matches when it has all of them: a conjunction,
// cheap to evaluate and close to a phrase. Bigrams that no document has
// in any of the fields are left out when others remain: they make the
// word impossible, and they are what words typed without a space bring
// ("机床主轴" has 床主, which patents lack, so it finds 机床 and 主轴). A
// single Chinese character matches the bigrams that hold it.
func (c *compiler) words(fields []weighted, w string) query.Query {
	if group, ok := synonyms[w]; ok {
		var qs []query.Query
		for _, s := range group {
			if q := c.word(fields, s); q != nil {
				qs = append(qs, q)
			}
		}
		if len(qs) == 0 {
			return nil
		}
		return disj(qs)
	}
	return c.word(fields, w)
}

// word is words without synonyms.
func (c *compiler) word(fields []weighted, w string) query.Query {
	terms := dedup(c.analyze(w))
	if len(terms) == 0 {
		return nil
	}
	single := len(terms) == 1 && utf8.RuneCountInString(terms[0]) == 1 && isHan(terms[0])
	if c.reader != nil && len(terms) > 1 {
		kept := terms[:0:0]
		for _, t := range terms {
			if c.exists(t, fields) {
				kept = append(kept, t)
			}
		}
		if len(kept) > 0 && len(kept) < len(terms) {
			terms, c.relaxed = kept, true
		}
	}
	conjunction := func(field string, terms []string) query.Query {
		ts := make([]query.Query, len(terms))
		for i, tm := range terms {
			t := query.NewTermQuery(tm)
			t.SetField(field)
			ts[i] = t
		}
		return query.NewConjunctionQuery(ts)
	}
	var qs []query.Query
	for _, f := range fields {
		switch {
		case single:
			pre := query.NewPrefixQuery(terms[0])
			pre.SetField(f.field)
			wild := query.NewWildcardQuery("?" + terms[0])
			wild.SetField(f.field)
			d := query.NewDisjunctionQuery([]query.Query{pre, wild})
			d.SetBoost(f.boost)
			qs = append(qs, d)
		case len(terms) == 1:
			t := query.NewTermQuery(terms[0])
			t.SetField(f.field)
			t.SetBoost(f.boost)
			qs = append(qs, t)
		default:
			cq := conjunction(f.field, terms).(*query.ConjunctionQuery)
			cq.SetBoost(f.boost)
			qs = append(qs, cq)
		}
	}
	return disj(qs)
}

// exists reports whether some document of the compiler's scope has term
// t in one of fields. Without a scope (the caller sees everything) the
// term dictionary answers; with one, a search within the scope does, so
// that whether a term exists in records the caller may not see never
// changes the query.
func (c *compiler) exists(t string, fields []weighted) bool {
	if !c.existsAnywhere(t, fields) {
		return false // nor within any scope: no search needed
	}
	if len(c.scope) > 0 {
		key := "\x01" + t
		for _, f := range fields {
			key += "\x00" + f.field
		}
		has, ok := c.df[key]
		if !ok {
			qs := make([]query.Query, len(fields))
			for i, f := range fields {
				qs[i] = term(f.field, t)
			}
			br := bleve.NewSearchRequestOptions(conj(append([]query.Query{disj(qs)}, c.scope...)), 0, 0, false)
			res, err := c.bi.SearchInContext(c.ctx, br)
			has = err != nil || res.Total > 0 // on an error, keep the term
			c.df[key] = has
		}
		return has
	}
	return true
}

// existsAnywhere reports whether some document has term t in one of
// fields, by the term dictionary.
func (c *compiler) existsAnywhere(t string, fields []weighted) bool {
	for _, f := range fields {
		key := f.field + "\x00" + t
		has, ok := c.df[key]
		if !ok {
			n, err := docFreq(c.ctx, c.reader, t, f.field)
			has = err != nil || n > 0 // on an error, keep the term
			c.df[key] = has
		}
		if has {
			return true
		}
	}
	return false
}

// phrase matches text as a phrase in fields (which keep positions). A
// phrase of Chinese characters alone (no spaces, letters or digits) is the
// conjunction of its overlapping bigrams in one field unless the
// compiler's mode checks all phrases: bigrams that overlap by a character
// and all occur are in sequence in practice, and checking positions costs
// several times more (bleve reads the positions of every candidate).
// Highlighting checks positions, so marks are always exact.
func (c *compiler) phrase(fields []weighted, text string) query.Query {
	terms := c.analyze(text)
	if len(terms) == 0 {
		return nil
	}
	if len(terms) == 1 {
		return c.words(fields, text)
	}
	positions := c.phrases == phraseAll || c.phrases == phraseHan && !hanOnly(text)
	var qs []query.Query
	for _, f := range fields {
		if !positions {
			ts := make([]query.Query, len(terms))
			for i, tm := range terms {
				ts[i] = term(f.field, tm)
			}
			cq := query.NewConjunctionQuery(ts)
			cq.SetBoost(f.boost)
			qs = append(qs, cq)
			continue
		}
		p := query.NewPhraseQuery(terms, f.field)
		p.SetBoost(f.boost)
		qs = append(qs, p)
	}
	return disj(qs)
}

// hanOnly reports whether s is made of Chinese characters alone.
func hanOnly(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return s != ""
}

func disj(qs []query.Query) query.Query {
	if len(qs) == 1 {
		return qs[0]
	}
	return query.NewDisjunctionQuery(qs)
}

func isHan(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.Is(unicode.Han, r)
}

// looksLikeNumber reports whether w may be an application or publication
// number: eight or more digits, maybe with CN, a dot and a letter.
func looksLikeNumber(w string) bool {
	w = strings.TrimPrefix(strings.ToUpper(w), "CN")
	digits := 0
	for _, r := range w {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '.' || r >= 'A' && r <= 'Z':
		default:
			return false
		}
	}
	return digits >= 8
}

// ---- Similar patents ----

// similarTerms is how many of a patent's most telling terms a similar
// patents query uses.
const similarTerms = 24

// Similar finds patents like patent id: a disjunction over the most
// telling terms of its title and abstract (weighted by tf·idf, at least
// two must match), boosted for sharing its IPC subclass and main group.
// The patent itself is left out; req's filters, scope, facets, sort and
// page apply as in Search (req.Query must be empty). A patent the store
// does not hold is a not_found error.
func (x *Index) Similar(ctx context.Context, id string, req Request) (res *Result, err error) {
	if strings.TrimSpace(req.Query) != "" {
		return nil, badParam("q", "similar patents take filters, not a query")
	}
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	defer func() { err = overBudget(ctx, err) }()
	p, err := x.store.Patents().Get(ctx, id)
	if err != nil {
		return nil, err
	}
	x.rw.RLock()
	defer x.rw.RUnlock()
	ki, ok := x.kinds[Patents]
	if !ok {
		return nil, errClosed
	}
	c := &compiler{spec: specs[Patents], an: ki.b.text}
	q, err := x.similarQuery(ctx, ki, c, &p)
	if err != nil {
		return nil, err
	}
	return x.run(ctx, ki, specs[Patents], plan{text: q, approx: q, marks: q, key: "similar=" + p.ApplicationNumber}, req)
}

// similarQuery builds the query of Similar for patent p.
func (x *Index) similarQuery(ctx context.Context, ki *kindIndex, c *compiler, p *data.Patent) (query.Query, error) {
	tf := map[string]float64{}
	for _, t := range c.analyze(boilerplate.Replace(p.Title)) {
		tf[t] += 2 // title terms count double
	}
	for _, t := range c.analyze(boilerplate.Replace(p.Abstract)) {
		tf[t]++
	}
	n, err := ki.bi.DocCount()
	if err != nil {
		return nil, err
	}
	adv, err := ki.bi.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	type scored struct {
		term string
		w    float64
	}
	var cands []scored
	for t, f := range tf {
		if utf8.RuneCountInString(t) < 2 && isHan(t) {
			continue
		}
		df, err := docFreq(ctx, r, t, "abstract")
		if err != nil {
			return nil, err
		}
		if df <= 1 || float64(df) > 0.3*float64(n) {
			continue // only this patent, or too common to tell anything
		}
		cands = append(cands, scored{t, f * idf(n, df)})
	}
	slices.SortFunc(cands, func(a, b scored) int {
		if a.w != b.w {
			if a.w > b.w {
				return -1
			}
			return 1
		}
		return strings.Compare(a.term, b.term)
	})
	cands = cands[:min(len(cands), similarTerms)]
	var should []query.Query
	for _, cd := range cands {
		title := query.NewTermQuery(cd.term)
		title.SetField("title")
		title.SetBoost(2)
		abs := query.NewTermQuery(cd.term)
		abs.SetField("abstract")
		d := query.NewDisjunctionQuery([]query.Query{title, abs})
		d.SetBoost(cd.w)
		should = append(should, d)
	}
	levels := ipcLevels(p.IPC)
	for _, sc := range levels[2] {
		t := term("ipc_subclass", sc).(*query.TermQuery)
		t.SetBoost(3)
		should = append(should, t)
	}
	for _, g := range levels[3] {
		t := term("ipc_group", g).(*query.TermQuery)
		t.SetBoost(3)
		should = append(should, t)
	}
	if len(should) == 0 {
		return query.NewMatchNoneQuery(), nil
	}
	d := query.NewDisjunctionQuery(should)
	d.SetMin(2)
	return query.NewBooleanQuery(nil, []query.Query{d}, []query.Query{query.NewDocIDQuery([]string{p.ApplicationNumber})}), nil
}

// boilerplate blanks the set phrases of patent texts, so that similar
// patents are not found by bigrams such as 种埋 (一种埋弧焊机) that join a
// set phrase to the subject.
var boilerplate = strings.NewReplacer(
	"本发明", " ", "本实用新型", " ", "本外观设计", " ", "公开了", " ", "涉及", " ", "一种", " ",
	"所述", " ", "包括", " ", "其特征在于", " ", "技术领域", " ", "有效解决了", " ", "的问题", " ",
)

// docFreq returns how many documents have term in field.
func docFreq(ctx context.Context, r index.IndexReader, t, field string) (int, error) {
	tfr, err := r.TermFieldReader(ctx, []byte(t), field, false, false, false)
	if err != nil {
		return 0, err
	}
	defer tfr.Close()
	return int(tfr.Count()), nil
}

// idf is the inverse document frequency of a term in df of n documents.
func idf(n uint64, df int) float64 {
	return math.Log(1 + float64(n)/float64(df+1))
}
