package search

import (
	"slices"
	"testing"
)

// The postings bound keeps the two most telling terms whatever their
// frequency, then those that still fit, in order, up to the term cap.
func TestWithinPostings(t *testing.T) {
	df := func(n int) int { return n }
	for _, c := range []struct {
		cands       []int
		max, budget int
		want        []int
	}{
		{[]int{500, 400, 10, 300, 20, 5}, 24, 1000, []int{500, 400, 10, 20, 5}},
		{[]int{500, 400, 10, 300, 20, 5}, 3, 1000, []int{500, 400, 10}},
		{[]int{5, 6, 7}, 24, 1 << 30, []int{5, 6, 7}},
		{[]int{5000}, 24, 10, []int{5000}},
		{nil, 24, 10, nil},
	} {
		if got := withinPostings(c.cands, c.max, c.budget, df); !slices.Equal(got, c.want) {
			t.Errorf("withinPostings(%v, %d, %d) = %v, want %v", c.cands, c.max, c.budget, got, c.want)
		}
	}
}
