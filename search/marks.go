package search

import (
	"context"
	"slices"
	"strings"
	"sync"
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
// field, for the charMarks of one plan. The page search fills it before
// highlight searches; charMarks reads it when highlight builds its
// searcher.
type pageText struct {
	an    analysis.Analyzer
	mu    sync.Mutex
	texts map[string][]string
}

// add records text of field.
func (p *pageText) add(field, text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.texts == nil {
		p.texts = map[string][]string{}
	}
	p.texts[field] = append(p.texts[field], text)
}

// terms returns the terms of field in the page's text that a prefix query
// for char, or a wildcard "?"+char, finds: those that start with it, and
// the two-character ones that end with it. Sorted, each once.
func (p *pageText) terms(field, char string) []string {
	p.mu.Lock()
	texts := p.texts[field]
	p.mu.Unlock()
	var out []string
	for _, text := range texts {
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

// storedTexts returns the texts of a stored field's value as a hit holds
// it: one string, or a list of them.
func storedTexts(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
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
