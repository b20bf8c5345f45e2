package search

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search"
)

// The cost budget of a search. A query is refused before it touches the
// index when its shape is too costly, and stopped when it runs too long,
// with an invalid (422) error naming the parameter and the limit; see
// checkBudget and withDeadline. Figures are from BenchmarkQueryBudget and
// BenchmarkQueries over 100,000 generated patents (2 cores): an ordinary
// query takes 1–30 ms.
//
// The parser's own limits (parse.go) come first: at most maxQueryRunes
// characters, maxQueryClauses terms and 8 levels of parentheses. The
// query language has no wildcards, fuzzy terms or regular expressions:
// *, ?, ~ and / are text like any other, so the only expansions are
// the ones below.
// maxQueryTerms is how many index terms a query and the text filters may
// look up once words are cut into bigrams and synonyms added: a pasted
// passage of about 130 characters. Each term is looked up in every text
// field to decide relaxation, and becomes a term searcher per field;
// ordinary queries have fewer than 10.
const maxQueryTerms = 128

// maxSingleChars is how many single Chinese characters a query and the
// text filters may search for. A plain one is a term of the characters
// field (charsField), but one given a field (title:阀) or a text filter
// matches every bigram that holds it (a prefix expansion and a wildcard
// over the field's whole dictionary) and so a large share of the
// documents: about 100 ms each at 100,000 patents, where 64 of them joined
// by OR took 7–12 s. Four keep such a query near 0.5 s. A variable so that
// the benchmark can lift it.
var maxSingleChars = 4

// maxTermSearchers bounds the term searchers bleve builds for one search,
// expansions included (bleve's MaxTermSearchersKey): a backstop for
// shapes the limits above miss. Four single characters build about 2,000
// at 100,000 patents, an ordinary query under 100. A variable so that
// tests can lower it.
var maxTermSearchers = 10_000

// queryDeadline is how long one search may run: about ten times the
// slowest query the budget admits at 100,000 patents (four single
// characters, 0.5 s). A search holds the index's read lock and a core
// while it runs; past this it is stopped and answered with a 422. A
// variable so that tests can shorten it.
var queryDeadline = 5 * time.Second

// errQueryDeadline is the cause of a search's context when queryDeadline
// passed (rather than the caller going away).
var errQueryDeadline = errors.New("search: query deadline")

// withDeadline returns ctx bounded by queryDeadline and carrying the term
// searcher limit. The caller's cancellation still stops the search at
// once: bleve polls the context while it collects hits, and every phase
// (compiling, ranking, highlighting, facets) checks it.
func withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx = context.WithValue(ctx, search.MaxTermSearchersKey, maxTermSearchers)
	return context.WithTimeoutCause(ctx, queryDeadline, errQueryDeadline)
}

// overBudget turns the errors of a search stopped by its budget into
// invalid errors naming q and the limit: the deadline (when the caller is
// still there) and bleve's term searcher limit. Other errors, the
// caller's cancellation included, are returned as they are.
func overBudget(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(context.Cause(ctx), errQueryDeadline) {
		return invalidParam("q", "the search ran longer than %v, the most one search may take; narrow it with fewer words or OR, longer words or filters", queryDeadline)
	}
	if strings.Contains(err.Error(), "TooManyTermSearchers") {
		return invalidParam("q", "the search expands to more than %d index terms, the most one search may look up; use fewer single characters or OR, or longer words", maxTermSearchers)
	}
	return err
}

// budget counts what a query and the text filters of one request will
// look up, before anything is looked up.
type budget struct {
	an      func(string) []string
	terms   int
	singles int
}

// words counts the terms of one word (with its synonyms) as compiler.words
// looks them up.
func (b *budget) words(w string) {
	group, ok := synonyms[w]
	if !ok {
		group = []string{w}
	}
	for _, v := range group {
		ts := dedup(b.an(v))
		b.terms += len(ts)
		if len(ts) == 1 && utf8.RuneCountInString(ts[0]) == 1 && isHan(ts[0]) {
			b.singles++
		}
	}
}

// node counts the text terms of a parsed query; spec says which fields
// are text.
func (b *budget) node(s *kindSpec, n *node) {
	if n == nil {
		return
	}
	if n.op != opTerm {
		for _, k := range n.kids {
			b.node(s, k)
		}
		return
	}
	if n.field != "" && s.params[n.field].text == nil {
		b.terms++ // a filter value: one term or range
		return
	}
	if n.phrase && len(b.an(n.value)) > 1 {
		b.terms += len(b.an(n.value))
		return
	}
	b.words(n.value)
}

// check returns an invalid error naming param when the counts are over
// the budget.
func (b *budget) check(param string) error {
	if b.singles > maxSingleChars {
		return invalidParam(param, "searches for %d single Chinese characters; at most %d are allowed, since each matches every word that holds it: search for words of two or more characters instead", b.singles, maxSingleChars)
	}
	if b.terms > maxQueryTerms {
		return invalidParam(param, "looks up %d index terms (a Chinese word counts one per pair of adjacent characters, synonyms included); at most %d are allowed: shorten it", b.terms, maxQueryTerms)
	}
	return nil
}

// checkBudget refuses a request whose query (n, parsed) and text filters
// together are over the budget, naming q or the filter that crossed it.
func checkBudget(s *kindSpec, an func(string) []string, n *node, filters map[string]string) error {
	b := &budget{an: an}
	b.node(s, n)
	if err := b.check("q"); err != nil {
		return err
	}
	for _, name := range sortedKeys(filters) {
		canon, ok := s.fieldName(name)
		if !ok || s.params[canon].text == nil {
			continue // not a text filter: checked by compiler.filters
		}
		for _, w := range strings.Fields(filters[name]) {
			b.words(w)
		}
		if err := b.check(name); err != nil {
			return err
		}
	}
	return nil
}
