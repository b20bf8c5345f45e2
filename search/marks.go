package search

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// Marking a single character. A word of one Chinese character is marked
// where the bigrams that hold it are, and looking those up in a field's
// dictionary (a prefix and a wildcard "?阀") walks the whole dictionary:
// 35 ms of a 42 ms search of 阀 over 1,000,000 patents. The page's hits
// are all that is highlighted, and their text holds every bigram worth
// marking, so the bigrams are taken from it instead: the page search
// reads the highlighted fields of its hits along with the shown ones
// (one stored document either way), and charMarks finds the character's
// bigrams there. The fragments are the same (TestCharacterMarks).

// expandMarks, set by a benchmark and a test, marks a single character
// by its bigrams in each field's dictionary, as before.
var expandMarks = false

// pageText is the text of the highlighted fields of one page's hits, by
// field, for the charMarks of one plan. The page search fills it, then
// highlight searches, and charMarks reads it as highlight builds its
// searcher: one request's goroutine, one after the other.
type pageText struct {
	an    analysis.Analyzer
	texts map[string][]string
}

// add records text of field.
func (p *pageText) add(field, text string) {
	if p.texts == nil {
		p.texts = map[string][]string{}
	}
	p.texts[field] = append(p.texts[field], text)
}

// terms returns the terms of field in the page's text that a prefix query
// for char, or a wildcard "?"+char, finds: those that start with it, and
// the two-character ones that end with it. Sorted, each once.
func (p *pageText) terms(field, char string) []string {
	var out []string
	for _, text := range p.texts[field] {
		for _, tok := range p.an.Analyze([]byte(text)) {
			t := string(tok.Term)
			if strings.HasPrefix(t, char) || (utf8.RuneCountInString(t) == 2 && strings.HasSuffix(t, char)) {
				out = append(out, t)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// charMarks marks a single Chinese character in field: the bigrams of the
// page's text that hold it (see pageText.terms).
type charMarks struct {
	field, char string
	boost       float64
	page        *pageText
}

// Searcher matches the character's bigrams found in the page's text of
// the field; none when the page's hits hold none there.
func (q *charMarks) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	terms := q.page.terms(q.field, q.char)
	if len(terms) == 0 {
		return searcher.NewMatchNoneSearcher(r)
	}
	qs := make([]query.Query, len(terms))
	for i, t := range terms {
		qs[i] = term(q.field, t)
	}
	d := query.NewDisjunctionQuery(qs)
	d.SetBoost(q.boost)
	return d.Searcher(ctx, r, m, options)
}
