package search

import (
	"reflect"
	"testing"
)

// TestCharacterMarks checks that a single character is marked by its
// bigrams in the page's text exactly as by its bigrams in each field's
// dictionary (expandMarks, as before): the same fragments on every hit,
// and that some hits have them.
func TestCharacterMarks(t *testing.T) {
	_, x := shared(t)
	cases := []struct {
		kind string
		req  Request
	}{
		{Patents, Request{Query: "阀", Size: 50}},
		{Patents, Request{Query: "title:阀", Size: 50}},
		{Patents, Request{Query: "液压 阀"}},
		{Patents, Request{Query: "阀 OR 泵", Size: 30, From: 10}},
		{Patents, Request{Query: "\"数控\" 床", Sort: []string{"-filing_date"}}},
		{Enterprises, Request{Query: "机", Size: 50}},
	}
	for _, c := range cases {
		search := func(expand bool) *Result {
			t.Helper()
			defer func(was bool) { expandMarks = was }(expandMarks)
			expandMarks = expand
			x.results.clear()
			return find(t, x, c.kind, c.req)
		}
		got, want := search(false), search(true)
		marked := 0
		if len(got.Hits) != len(want.Hits) {
			t.Fatalf("%s %+v: %d hits, %d marked by the dictionaries", c.kind, c.req, len(got.Hits), len(want.Hits))
		}
		for i := range got.Hits {
			g, w := got.Hits[i], want.Hits[i]
			if g.ID != w.ID || !reflect.DeepEqual(g.Fragments, w.Fragments) || !reflect.DeepEqual(g.Fields, w.Fields) {
				t.Errorf("%s %+v: hit %d is %s %v %v; marked by the dictionaries %s %v %v", c.kind, c.req, i, g.ID, g.Fragments, g.Fields, w.ID, w.Fragments, w.Fields)
			}
			if len(g.Fragments) > 0 {
				marked++
			}
		}
		if marked == 0 {
			t.Errorf("%s %+v: no hit has a fragment (%d hits): the case tests nothing", c.kind, c.req, len(got.Hits))
		}
	}
}
