package search

import (
	"context"
	"math"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// restricted is words restricted by filters that score nothing: what
// combine builds. Each filter is either joined to the words or asked
// after them, by how many documents it holds:
//
//   - A filter of few documents (an IPC subclass, a city, an owner's
//     patents) leads: a conjunction starts from its rarest part and leaps
//     the others to it, so the words are matched only where the filter
//     holds. As a boolean query's filter, which bleve asks after the
//     query, two words and an IPC subclass over 1,000,000 patents (254
//     hits) took 119 ms against 23 (BenchmarkProvinceSearch,
//     words_ipc_date_filters).
//   - A filter of most documents (a bank's scope: every enterprise that
//     consented to the pool) is asked after the words, as bleve's filter
//     does: leaping a dense list costs more than it skips, 10% more on a
//     bank's search of one word.
//
// The hits and their scores are those of the words alone, restricted.
type restricted struct {
	text    query.Query
	filters []query.Query
}

// denseFilterShare is the share of the index's documents above which a
// filter is asked after the words rather than joined to them. A filter's
// count is exact for one term and an overestimate (a sum) for several,
// so a filter of several rare terms may be taken for a dense one; it is
// then only as fast as before. bleve counts 0 for a filter of several
// terms it merged into one bitmap (a date range, unscored), which so
// leads; leaping to its documents is a bitmap's step, and a date range
// leading two words and an IPC subclass took 23 ms, asked after them 93
// ms (BenchmarkProvinceSearch, words_ipc_date_filters).
const denseFilterShare = 0.5

// filterAfterText, set by a benchmark, asks every filter after the words,
// as a boolean query's filter did before.
var filterAfterText = false

// Searcher returns the searcher of the words, joined to the rare filters
// and checked against the dense ones.
func (q *restricted) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (s search.Searcher, err error) {
	var open []search.Searcher
	defer func() {
		if err != nil {
			for _, o := range open {
				o.Close()
			}
		}
	}()
	text, err := q.text.Searcher(ctx, r, m, options)
	if err != nil {
		return nil, err
	}
	open = append(open, text)
	docs, err := r.DocCount()
	if err != nil {
		return nil, err
	}
	unscored := search.SearcherOptions{Score: "none"}
	lead := []search.Searcher{text}
	var after []search.Searcher
	for _, f := range q.filters {
		fs, err := f.Searcher(ctx, r, m, unscored)
		if err != nil {
			return nil, err
		}
		open = append(open, fs)
		if filterAfterText || float64(fs.Count()) > denseFilterShare*float64(docs) {
			after = append(after, fs)
		} else {
			lead = append(lead, weightless{fs})
		}
	}
	s = text
	if len(lead) > 1 {
		if s, err = searcher.NewConjunctionSearcher(ctx, r, lead, options); err != nil {
			return nil, err
		}
	} else {
		// What a boolean query with the words as its only must did: the
		// words' query norm from their own weight.
		if w := text.Weight(); w > 0 {
			text.SetQueryNorm(1 / math.Sqrt(w))
		}
	}
	if len(after) == 0 {
		return s, nil
	}
	check := after[0]
	if len(after) > 1 {
		if check, err = searcher.NewConjunctionSearcher(ctx, r, after, unscored); err != nil {
			return nil, err
		}
	}
	return &checkedAfter{FilteringSearcher: searcher.NewFilteringSearcher(ctx, s, inFilter(check)), check: check}, nil
}

// inFilter returns the function that tells whether a document, given in
// ascending order, is among check's: bleve's own for a boolean query's
// filter, which advances check to each.
func inFilter(check search.Searcher) searcher.FilterFunc {
	var started bool
	var ref *search.DocumentMatch
	return func(sctx *search.SearchContext, d *search.DocumentMatch) bool {
		var err error
		if !started {
			if ref, err = check.Next(sctx); err != nil {
				return false
			}
			started = true
		}
		if ref == nil {
			return false // check has no more documents
		}
		cmp := ref.IndexInternalID.Compare(d.IndexInternalID)
		if cmp < 0 {
			sctx.DocumentMatchPool.Put(ref)
			if ref, err = check.Advance(sctx, d.IndexInternalID); err != nil || ref == nil {
				return false
			}
			cmp = ref.IndexInternalID.Compare(d.IndexInternalID)
		}
		return cmp == 0
	}
}

// checkedAfter is a filtering searcher that also closes what it checks
// against (bleve's boolean query leaves its filter's searcher open).
type checkedAfter struct {
	*searcher.FilteringSearcher
	check search.Searcher
}

func (c *checkedAfter) Close() error {
	err := c.FilteringSearcher.Close()
	if cerr := c.check.Close(); err == nil {
		err = cerr
	}
	return err
}

// weightless is a searcher that adds nothing to its parent's query norm,
// so that a filter joined to the words leaves their scores as they were
// (a conjunction's score is the sum of its parts', and its query norm
// comes from their weights).
type weightless struct{ search.Searcher }

func (weightless) Weight() float64      { return 0 }
func (weightless) SetQueryNorm(float64) {}
