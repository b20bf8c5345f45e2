package search

import (
	"reflect"
	"testing"
)

// TestRestrictedAsFiltered checks that words restricted by filters
// (restrict.go) find what the same filters asked after the words find, a
// boolean query's filter as before: the same total, hits in the same
// order with the same scores, and the same facets, for filters joined to
// the words (rare) and asked after them (dense), and both at once.
func TestRestrictedAsFiltered(t *testing.T) {
	_, x := shared(t)
	pool := Scope{Restricted: true, Pool: true}
	cases := []Request{
		{Query: "液压", Filters: map[string]string{"ipc": "F15B"}},
		{Query: "机床 OR 阀", Filters: map[string]string{"region": "441204"}, Facets: []string{"type"}},
		{Query: "数控", Filters: map[string]string{"status": "valid"}, Size: 50},
		{Query: "控制", Scope: pool, Facets: []string{"ipc_section"}, Size: 50},
		{Query: "控制 -阀", Filters: map[string]string{"type": "invention", "filing_date": "2015.."}, Scope: pool, Sort: []string{"-filing_date"}},
		{Query: "装置", Scope: Scope{Restricted: true, Owners: []string{"ent_0003", "ent_0007"}}},
		{Query: "\"数控机床\"", Filters: map[string]string{"ipc": "B23"}, Scope: pool, Size: 20, From: 5},
	}
	total := find(t, x, Patents, Request{}).Total
	var dense, rare bool
	for _, req := range cases {
		for name, v := range req.Filters {
			n := find(t, x, Patents, Request{Filters: map[string]string{name: v}}).Total
			dense, rare = dense || float64(n) > denseFilterShare*float64(total), rare || float64(n) <= denseFilterShare*float64(total)
		}
		if req.Scope.Pool {
			n := find(t, x, Patents, Request{Scope: req.Scope}).Total
			dense, rare = dense || float64(n) > denseFilterShare*float64(total), rare || float64(n) <= denseFilterShare*float64(total)
		}
		search := func(after bool) *Result {
			t.Helper()
			defer func(was bool) { filterAfterText = was }(filterAfterText)
			filterAfterText = after
			x.results.clear()
			x.facetCache.clear()
			return find(t, x, Patents, req)
		}
		got, want := search(false), search(true)
		if want.Total == 0 {
			t.Errorf("%+v finds nothing: the case tests nothing", req)
			continue
		}
		if got.Total != want.Total || !reflect.DeepEqual(got.Facets, want.Facets) {
			t.Errorf("%+v: total %d, facets %v; asked after the words: %d, %v", req, got.Total, got.Facets, want.Total, want.Facets)
		}
		if len(got.Hits) != len(want.Hits) {
			t.Errorf("%+v: %d hits, asked after the words %d", req, len(got.Hits), len(want.Hits))
			continue
		}
		for i := range got.Hits {
			if g, w := got.Hits[i], want.Hits[i]; g.ID != w.ID || g.Score != w.Score {
				t.Errorf("%+v: hit %d is %s (score %v), asked after the words %s (%v)", req, i, g.ID, g.Score, w.ID, w.Score)
			}
		}
	}
	if !dense || !rare {
		t.Errorf("the cases hold a dense filter: %v, a rare one: %v; want both", dense, rare)
	}
}
