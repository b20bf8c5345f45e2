package search

import (
	"flag"
	"math"
	"testing"

	"ipmatch/data"
	"ipmatch/data/sqlite"
)

var provinceStore = flag.String("province.store", "", "the --data directory of an `ipmatch bench-data` store whose index (DIR/index) is built, for BenchmarkProvinceSearch")

// BenchmarkProvinceSearch times searches of the kinds the load tool sends
// on a province's index (100,000 enterprises, 1,000,000 patents from
// ipmatch bench-data; a server started on the store builds the index).
// The baselines in the same run, each the same request done as before:
//   - "…/fields": plain words looked for field by field rather than in
//     the recall field ("one_character/recall_bigrams": a single
//     character as the bigrams of the recall field that hold it, without
//     the characters field);
//   - "one_character/dictionary_marks": the character marked by its
//     bigrams in each field's dictionary rather than in the page's text
//     (marks.go);
//   - "…/filtered_after": the filters asked after the words (a boolean
//     query's filter) rather than joined to them (restrict.go);
//   - "or_by_date/scored": relevance computed although the sort ignores it;
//   - "similar/unbounded": similar patents without the postings bound;
//   - "…/plain": a search without words sorted over every hit rather than
//     the most recent years (newest.go);
//   - "word/kept" is "word" answered from the kept answers (Index.Search);
//   - "bank_scope_facets/new_words" is a bank's search of two long words
//     with nothing remembered of its scope's terms, "…/counted" the same
//     with every hit of each term in the scope counted rather than the
//     first found.
func BenchmarkProvinceSearch(b *testing.B) {
	if *provinceStore == "" {
		b.Skip("no -province.store: make one with ipmatch bench-data and start a server on it once")
	}
	st, err := sqlite.Open(b.Context(), *provinceStore, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	x, err := Open(b.Context(), *provinceStore+"/index", st, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	// Every variant repeats one request: it measures the search, not the
	// kept answer, except "word/kept".
	x.results = newGenCache[*Result](0)
	b.Run("word/kept", func(b *testing.B) {
		defer func(c *genCache[*Result]) { x.results = c }(x.results)
		x.results = newGenCache[*Result](resultsKept)
		if _, err := x.Search(b.Context(), Patents, Request{Query: "机床"}); err != nil { // the answer to keep
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := x.Search(b.Context(), Patents, Request{Query: "机床"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	byDate := Request{Query: "电机 OR 阀", Facets: []string{"ipc_class"}, Sort: []string{"-grant_date"}}
	for _, c := range []struct {
		name string
		req  Request
	}{
		{"word", Request{Query: "机床"}},
		{"one_character", Request{Query: "阀"}},
		{"word_two_facets", Request{Query: "机床", Facets: []string{"region", "ipc_class"}}},
		{"two_words_three_facets", Request{Query: "液压 轴承", Facets: []string{"status", "city", "ipc_subclass"}}},
		{"all_with_facet", Request{Facets: []string{"type"}, From: 40}},
		{"bank_scope_facets", Request{Query: "机床", Facets: []string{"region", "ipc_class"}, Scope: Scope{Restricted: true, Pool: true}}},
		{"bank_no_words_page_3", Request{From: 20, Scope: Scope{Restricted: true, Pool: true}}},
		{"or_by_date", byDate},
		{"words_ipc_date_filters", Request{Query: "(折弯 OR 阀) 电机", Filters: map[string]string{"filing_date": "..2012", "ipc": "B22C"}, Size: 50}},
		{"words_region_filter", Request{Query: "(电机 OR 机器人) 密封", Filters: map[string]string{"region": "4412"}, Facets: []string{"region"}}},
	} {
		run := func(b *testing.B) {
			x.facetCache.clear() // each variant counts its own facets once
			for b.Loop() {
				if _, err := x.Search(b.Context(), Patents, c.req); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.Run(c.name, run)
		if c.name == "one_character" {
			b.Run(c.name+"/recall_bigrams", func(b *testing.B) {
				expandCharacters = true
				defer func() { expandCharacters = false }()
				run(b)
			})
			b.Run(c.name+"/dictionary_marks", func(b *testing.B) {
				expandMarks = true
				defer func() { expandMarks = false }()
				run(b)
			})
		}
		if c.req.Query == "" {
			b.Run(c.name+"/plain", func(b *testing.B) {
				plainNewest = true
				defer func() { plainNewest = false }()
				run(b)
			})
		}
		if c.req.Scope.Restricted && c.req.Query != "" {
			// A bank's first search of its words: nothing known of its
			// scope; the baseline counts every hit of each bigram there.
			req := c.req
			req.Query = "控制方法密封 数控机床" // long words typed without spaces: each bigram checked
			newWords := func(b *testing.B) {
				for b.Loop() {
					x.scoped.clear()
					if _, err := x.Search(b.Context(), Patents, req); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.Run(c.name+"/new_words", newWords)
			b.Run(c.name+"/new_words/counted", func(b *testing.B) {
				countScopeHits = true
				defer func() { countScopeHits = false }()
				newWords(b)
			})
		}
		if c.req.Query != "" && (len(c.req.Filters) > 0 || c.req.Scope.Restricted) {
			// The baseline: filters applied after the words.
			b.Run(c.name+"/filtered_after", func(b *testing.B) {
				filterAfterText = true
				defer func() { filterAfterText = false }()
				run(b)
			})
		}
		if c.req.Query != "" {
			// The baseline: plain words looked for field by field.
			b.Run(c.name+"/fields", func(b *testing.B) {
				s := specs[Patents]
				defer func(r []weighted) { s.recall = r }(s.recall)
				s.recall = nil
				run(b)
			})
		}
	}
	some, _, err := st.Patents().List(b.Context(), data.ListOptions{Limit: 20})
	if err != nil || len(some) == 0 {
		b.Fatalf("patents: %v (%d)", err, len(some))
	}
	similar := func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := x.Similar(b.Context(), some[i%len(some)].ApplicationNumber, Request{Size: 10}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("similar", similar)
	b.Run("similar/unbounded", func(b *testing.B) {
		defer func(n int) { similarPostings = n }(similarPostings)
		similarPostings = math.MaxInt
		similar(b)
	})
	b.Run("or_by_date/scored", func(b *testing.B) {
		scoreAlways = true
		defer func() { scoreAlways = false }()
		for b.Loop() {
			if _, err := x.Search(b.Context(), Patents, byDate); err != nil {
				b.Fatal(err)
			}
		}
	})
}
