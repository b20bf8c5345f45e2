package search

import (
	"context"
	"slices"
	"strconv"

	"github.com/blevesearch/bleve/v2/search/query"
)

// The newest patents first. A search page with no words lists the
// caller's patents by filing date, newest first, and bleve reads the date
// of every hit to find the first page: 150–200 ms over the 850,000 to
// 1,000,000 patents a caller sees at a province, the costliest of the
// commonest requests. The page is found among the most recent years
// instead: a sample of the hits' filing years (as facets are sampled)
// says from which year on there are comfortably more hits than the page
// needs, the sorted search runs over those years only, and the total is
// counted without sorting. bleve breaks ties in the order it meets the
// hits, which is the index's order in both searches, so the page is the
// same as the full search's; when the recent years hold fewer hits than
// the page needs after all (the sample misled), the full search runs.

// newestMinHits is the number of hits under which the full search is
// cheap enough (a variable so that tests can lower it).
var newestMinHits = 20_000

// newestMargin is how many hits the years searched must hold by the
// sample for a page that needs need: a sampled count is within a few
// percent, so twice the page plus newestSlack is rarely short.
func newestMargin(need int) int { return 2*need + newestSlack }

// newestSlack is the margin's constant part (a variable so that tests can
// make the window bite on a small index).
var newestSlack = 1000

// plainNewest, set by a benchmark, turns the window off: the baseline.
var plainNewest bool

// newestSpec names, for a kind, the sort key of its date (newest first),
// the date's range filter and the facet of its years.
type newestSpec struct{ sort, filter, years string }

// sortsNewestFirst reports whether req is a search without words of kind
// s by its newestSpec's date, newest first (asked for, or the order of a
// search without words).
func sortsNewestFirst(s *kindSpec, req Request, hasText bool) bool {
	if plainNewest || hasText || s.newest == nil {
		return false
	}
	order := req.Sort
	if len(order) == 0 {
		order = s.noText
	}
	return slices.Equal(order, []string{s.newest.sort})
}

// newestWindow returns q restricted to the most recent filing years that
// hold comfortably more than need hits, and q's total; ok is false when q
// has too few hits for the window to pay, or its years are unknown.
func (x *Index) newestWindow(ctx context.Context, ki *kindIndex, s *kindSpec, q query.Query, need int) (window query.Query, total int, ok bool, err error) {
	r, err := openReader(ki)
	if err != nil {
		return nil, 0, false, err
	}
	defer r.Close()
	if total, err = countAllHits(ctx, r, ki.m, q); err != nil {
		return nil, 0, false, err
	}
	if total < newestMinHits {
		return nil, total, false, nil
	}
	years, err := x.countFacets(ctx, ki, s, q, []string{s.newest.years}, 0, total, facetSample)
	if err != nil {
		return nil, 0, false, err
	}
	type yearCount struct{ year, n int }
	var counts []yearCount
	for _, v := range years[s.newest.years].Values {
		if y, err := strconv.Atoi(v.Value); err == nil {
			counts = append(counts, yearCount{y, v.Count})
		}
	}
	slices.SortFunc(counts, func(a, b yearCount) int { return b.year - a.year })
	sum := 0
	for _, yc := range counts {
		if sum += yc.n; sum < newestMargin(need) {
			continue
		}
		since, err := (&compiler{spec: s}).filters(map[string]string{s.newest.filter: strconv.Itoa(yc.year) + ".."})
		if err != nil {
			return nil, 0, false, err
		}
		if _, all := q.(*query.MatchAllQuery); all {
			return conj(since), total, true, nil
		}
		return conj(append([]query.Query{q}, since...)), total, true, nil
	}
	return nil, total, false, nil
}
