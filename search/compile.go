package search

import (
	"context"
	"errors"
	"hash/fnv"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// compiler turns parsed queries and filters of one kind into bleve
// queries. an is the analyzer of the kind's text fields. With a reader,
// words leave out bigrams no document has (see words) and relaxed records
// that some were. phrases says which phrases check positions.
type compiler struct {
	spec   *kindSpec
	an     analysis.Analyzer
	ctx    context.Context
	reader index.IndexReader
	m      mapping.IndexMapping // with scope: the mapping exists searches under
	scope  []query.Query        // the caller's scope: exists looks only there
	// known, when set, remembers exists' answers within scope across
	// requests, under the scope (of, hashed on first use into key) and
	// the index generation gen.
	known    *genCache[bool]
	scopeOf  Scope
	scopeKey uint64
	gen      uint64
	df       map[string]bool // term+field -> some document has it
	relaxed  bool
	phrases  phraseMode
	// page, when set, marks single characters by the page's text rather
	// than the dictionaries (marks.go); used reports that some word did.
	page *pageText
	used bool
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
		q := c.plainWords(n.value)
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
	return c.synonymsOf(w, func(s string) query.Query { return c.word(fields, s) })
}

// plainWords matches a word given without a field: in the kind's recall
// field when it has one (see kindSpec.recall), else in its text fields.
// Highlighting (phraseAll) looks field by field, where the marks are.
func (c *compiler) plainWords(w string) query.Query {
	if c.spec.recall == nil || c.phrases == phraseAll {
		return c.words(c.spec.text, w)
	}
	return c.synonymsOf(w, c.recallWord)
}

// synonymsOf matches w, or any word of its synonym group, with one.
func (c *compiler) synonymsOf(w string, one func(string) query.Query) query.Query {
	group, ok := synonyms[w]
	if !ok {
		return one(w)
	}
	var qs []query.Query
	for _, s := range group {
		if q := one(s); q != nil {
			qs = append(qs, q)
		}
	}
	if len(qs) == 0 {
		return nil
	}
	return disj(qs)
}

// word is words without synonyms.
func (c *compiler) word(fields []weighted, w string) query.Query {
	terms, single := c.wordTerms(fields, w)
	if len(terms) == 0 {
		return nil
	}
	if single && c.phrases == phraseAll && c.page != nil && c.spec.recall != nil && !expandMarks {
		return c.charMarks(fields, terms[0])
	}
	qs := make([]query.Query, len(fields))
	for i, f := range fields {
		qs[i] = fieldWord(f, terms, single)
	}
	return disj(qs)
}

// charMarks marks a single Chinese character in fields (marks.go): in the
// highlighted ones by its bigrams in the page's text, and in the others,
// which only decide whether a hit is marked at all, by the characters
// field (which holds every text field's characters).
func (c *compiler) charMarks(fields []weighted, char string) query.Query {
	var qs []query.Query
	others := false
	for _, f := range fields {
		if !slices.Contains(c.spec.frags, f.field) {
			others = true
			continue
		}
		qs, c.used = append(qs, &charMarks{field: f.field, char: char, boost: f.boost, page: c.page}), true
	}
	if others {
		qs = append(qs, term(charsField, char))
	}
	return disj(qs)
}

// expandCharacters, set by a benchmark, makes a plain single character
// the bigrams of the recall field that hold it, as before charsField.
var expandCharacters = false

// recallWord is plainWords without synonyms: the word is found in the
// recall field, and scores there and in the fields of kindSpec.recall; a
// single Chinese character is found in the characters field.
func (c *compiler) recallWord(w string) query.Query {
	recall := weighted{recallField, 1}
	terms, single := c.wordTerms([]weighted{recall}, w)
	if len(terms) == 0 {
		return nil
	}
	if single && !expandCharacters {
		// One character: one term of the characters field, ranked there.
		return term(charsField, terms[0])
	}
	// A disjunction rather than a must with shoulds: every document of
	// the ranking fields is in the recall field, so it finds the same, and
	// bleve's boolean searcher, advancing its shoulds at every hit, made a
	// one-bigram word 1.5 times slower than the six fields were.
	qs := []query.Query{fieldWord(recall, terms, single)}
	for _, f := range c.spec.recall {
		qs = append(qs, fieldWord(f, terms, single))
	}
	return disj(qs)
}

// wordTerms returns the terms of word w as looked for in fields (see
// words: impossible bigrams left out) and whether w is a single Chinese
// character.
func (c *compiler) wordTerms(fields []weighted, w string) (terms []string, single bool) {
	terms = dedup(c.analyze(w))
	if len(terms) == 0 {
		return nil, false
	}
	single = len(terms) == 1 && utf8.RuneCountInString(terms[0]) == 1 && isHan(terms[0])
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
	return terms, single
}

// fieldWord matches terms in field f with its boost: all of them, or,
// for a single Chinese character, the bigrams that hold it.
func fieldWord(f weighted, terms []string, single bool) query.Query {
	switch {
	case single:
		pre := query.NewPrefixQuery(terms[0])
		pre.SetField(f.field)
		wild := query.NewWildcardQuery("?" + terms[0])
		wild.SetField(f.field)
		d := query.NewDisjunctionQuery([]query.Query{pre, wild})
		d.SetBoost(f.boost)
		return d
	case len(terms) == 1:
		t := term(f.field, terms[0]).(*query.TermQuery)
		t.SetBoost(f.boost)
		return t
	}
	ts := make([]query.Query, len(terms))
	for i, tm := range terms {
		ts[i] = term(f.field, tm)
	}
	cq := query.NewConjunctionQuery(ts)
	cq.SetBoost(f.boost)
	return cq
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
			has = c.existsInScope(t, fields, key)
			c.df[key] = has
		}
		return has
	}
	return true
}

// scopedTerms is how many answers of existsInScope the index keeps: a
// bank's search of a few words asks a few dozen, each a search over up to
// 1,000,000 patents (6% of a province node's CPU under load, when not
// kept), and the answers hold until the index changes.
const scopedTerms = 16_384

// existsInScope reports whether some document of the compiler's scope has
// term t in one of fields, by a search that stops at its first hit (a
// search counting every hit of a common bigram within a bank's 850,000
// patents took 100–350 ms the first time a bank typed a word); key names
// t and fields.
func (c *compiler) existsInScope(t string, fields []weighted, key string) bool {
	var cacheKey uint64
	if c.known != nil {
		if c.scopeKey == 0 {
			h := fnv.New64a()
			writeScope(h, c.scopeOf)
			c.scopeKey = h.Sum64() | 1
		}
		h := fnv.New64a()
		h.Write([]byte(c.spec.name + "\x00" + key + "\x00"))
		cacheKey = h.Sum64() ^ c.scopeKey
		if has, ok := c.known.get(cacheKey, c.gen); ok {
			return has
		}
	}
	qs := make([]query.Query, len(fields))
	for i, f := range fields {
		qs[i] = term(f.field, t)
	}
	limit := uint64(1)
	if countScopeHits { // the benchmark's baseline: every hit counted
		limit = 0
	}
	n, err := countHits(c.ctx, c.reader, c.m, conj(append([]query.Query{disj(qs)}, c.scope...)), limit)
	has := n > 0
	if err != nil {
		return true // keep the term; an error is not remembered
	}
	if c.known != nil {
		c.known.put(cacheKey, c.gen, has)
	}
	return has
}

// countScopeHits, set by a benchmark, makes existsInScope count every hit
// of the term within the scope, as it did: the baseline of stopping at the
// first.
var countScopeHits bool

// countAllHits returns how many documents of r q matches: the document
// count for a query of every document, else a walk of its hits.
func countAllHits(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, q query.Query) (int, error) {
	if _, all := q.(*query.MatchAllQuery); all {
		n, err := r.DocCount()
		return int(n), err
	}
	n, err := countHits(ctx, r, m, q, 0)
	return int(n), err
}

// countHits returns how many documents of r q matches, reading no further
// than limit of them (0: all).
func countHits(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, q query.Query, limit uint64) (uint64, error) {
	sr, err := q.Searcher(ctx, r, m, search.SearcherOptions{Score: "none"})
	if err != nil {
		return 0, err
	}
	defer sr.Close()
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(sr.DocumentMatchPoolSize(), 0)}
	var n uint64
	for limit == 0 || n < limit {
		d, err := sr.Next(sctx)
		if d == nil || err != nil {
			return n, err
		}
		n++
		sctx.DocumentMatchPool.Put(d)
	}
	return n, nil
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

// isHan reports whether s starts with a Han character.
func isHan(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return hanRune(r)
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
