package search

import (
	"context"
	"iter"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// Samples of patents' texts, for the technology clusters of a landscape
// report: the titles and abstracts of up to n of the patents a request
// matches, read from the index's stored fields, so that the clusters are
// found without reading the store.
//
// The sample is systematic: the hits in the index's order of documents,
// of which every (total/n)-th is taken, starting half a step in. Every
// hit is as likely to be taken as any other, so a share of the sample
// estimates the same share of all the hits, and a cluster's count can be
// estimated as its share times the total; the newest n (by filing date)
// would describe recent filings and overstate the technologies that grew.
// The same index gives the same sample. The index's order is the order in
// which its documents were written (by several writers at once in a
// rebuild) and of its segments, which a merge after writes can change, so
// another index of the same patents, or this one after a write, may give
// another sample of the same hits (as the sampled facet counts may,
// facets.go); when the hits are at most n, the sample is all of them
// whatever the order.
//
// The cost is two walks over the hits without scoring (one to count, one
// to take; the second stops at the last one taken) and reading the stored
// fields of the n taken, which is most of it: 20–25 ms for 2,000 of
// 100,000 generated patents (BenchmarkSamplePatents).

// MaxSample is the largest sample SamplePatents takes.
const MaxSample = 10_000

// PatentSample is a sample of the patents a request matches.
type PatentSample struct {
	// Total is how many patents the request matches.
	Total int `json:"total"`
	// Patents are up to n of them, in the index's order: all of them when
	// Total is at most n.
	Patents []PatentText `json:"patents"`
}

// PatentText is the text of one patent as the index stores it.
type PatentText struct {
	// ID is the patent's application number.
	ID string `json:"id"`
	// Title is its name (名称).
	Title string `json:"title"`
	// Abstract is its abstract (摘要); "" when it has none.
	Abstract string `json:"abstract"`
}

// SamplePatents returns a systematic sample of up to n of the patents req
// matches (see above): its query, filters and scope apply as in Search. A
// sample has no page, sort or facets, so a request with any of them is
// malformed, and so is an n outside 1..MaxSample. Errors in the query or
// filters are Search's; the sample goes through the same line of searches
// and under the same deadline.
func (x *Index) SamplePatents(ctx context.Context, req Request, n int) (*PatentSample, error) {
	if n < 1 || n > MaxSample {
		return nil, badParam("sample", "must be from 1 to %d, not %d", MaxSample, n)
	}
	sample := &PatentSample{Patents: []PatentText{}}
	err := x.walkPatents(ctx, req, func(ctx context.Context, ki *kindIndex, q query.Query) (err error) {
		sample, err = sampleTexts(ctx, ki, q, n)
		return err
	})
	if err != nil {
		return nil, err
	}
	return sample, nil
}

// walkPatents compiles req's query, filters and scope for the patents
// and calls walk with the query of its hits, inside the line of searches
// and under the same deadline as Search. A walk has no page, sort or
// facets, so a request with any of them is malformed. A scope that
// excludes everything does not call walk.
func (x *Index) walkPatents(ctx context.Context, req Request, walk func(ctx context.Context, ki *kindIndex, q query.Query) error) error {
	switch {
	case len(req.Facets) > 0 || req.ExactFacets:
		return badParam("facets", "a sample counts no facets")
	case len(req.Sort) > 0:
		return badParam("sort", "a sample is taken in the index's order")
	case req.From != 0 || req.Size != 0:
		return badParam("page", "a sample has no pages; give the sample's size instead")
	}
	s := specs[Patents]
	gen := x.gen.Load()
	return x.inLine(ctx, Patents, func(ctx context.Context, ki *kindIndex) error {
		p, err := compilePlan(ctx, s, ki, req, x.scoped, gen)
		if err != nil {
			return err
		}
		filters, none, err := s.restrictions(ki, p, req)
		if err != nil || none {
			return err
		}
		return walk(ctx, ki, combine(p.text, filters))
	})
}

// MaxPatentIDs is the most patents PatentIDs lists: a province's.
const MaxPatentIDs = 2_000_000

// PatentIDs returns the application numbers of every patent req matches,
// in the index's order: for a caller that must know which patents a text
// query selects (a landscape's financing part, which sums enterprises by
// their patents). req is restricted as SamplePatents' is; more than
// MaxPatentIDs hits is an error, naming the query.
func (x *Index) PatentIDs(ctx context.Context, req Request) ([]string, error) {
	var ids []string
	err := x.walkPatents(ctx, req, func(ctx context.Context, ki *kindIndex, q query.Query) error {
		r, err := openReader(ki)
		if err != nil {
			return err
		}
		defer r.Close()
		ctx = search.ContextWithTermSearchersCounter(ctx)
		total, err := countAllHits(ctx, r, ki.m, q)
		if err != nil {
			return err
		}
		if total > MaxPatentIDs {
			return badParam("q", "selects %d patents, more than the %d a report can list: narrow it", total, MaxPatentIDs)
		}
		ids, err = systematicHits(ctx, r, ki.m, q, total, total)
		return err
	})
	if ids == nil {
		ids = []string{}
	}
	return ids, err
}

// sampleTexts takes the sample of q's hits in ki.
func sampleTexts(ctx context.Context, ki *kindIndex, q query.Query, n int) (*PatentSample, error) {
	r, err := openReader(ki)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	// As countFacets does: the searchers are built here, not by bleve's
	// SearchInContext, so the context must carry the counter of the term
	// searcher limit.
	ctx = search.ContextWithTermSearchersCounter(ctx)
	total, err := countAllHits(ctx, r, ki.m, q)
	if err != nil {
		return nil, err
	}
	out := &PatentSample{Total: total, Patents: make([]PatentText, 0, min(n, total))}
	if total == 0 {
		return out, nil
	}
	taken, err := systematicHits(ctx, r, ki.m, q, total, n)
	if err != nil {
		return nil, err
	}
	for i, id := range taken {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		t, err := storedText(r, id)
		if err != nil {
			return nil, err
		}
		out.Patents = append(out.Patents, t)
	}
	return out, nil
}

// systematicHits returns the IDs of q's hits at the ranks
// ⌊(i + ½) × total / n⌋, i = 0 … n−1, in the index's order: all of them
// when total ≤ n.
func systematicHits(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, q query.Query, total, n int) ([]string, error) {
	sr, err := q.Searcher(ctx, r, m, search.SearcherOptions{Score: "none"})
	if err != nil {
		return nil, err
	}
	defer sr.Close()
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(sr.DocumentMatchPoolSize(), 0)}
	take := min(n, total)
	// rank returns the rank of the i-th hit taken, in integers: no
	// rounding makes two runs differ.
	rank := func(i int) int { return int((2*int64(i) + 1) * int64(total) / (2 * int64(take))) }
	ids := make([]string, 0, take)
	next := rank(0)
	for seen := 0; len(ids) < take; seen++ {
		if seen%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		d, err := sr.Next(sctx)
		if err != nil {
			return nil, err
		}
		if d == nil {
			break // not on one snapshot of the index; fewer than counted, in case
		}
		if seen == next {
			id, err := r.ExternalID(d.IndexInternalID)
			if err != nil {
				return nil, err
			}
			ids = append(ids, id)
			next = rank(len(ids))
		}
		sctx.DocumentMatchPool.Put(d)
	}
	return ids, nil
}

// storedText reads the title and abstract of patent id from the stored
// fields.
func storedText(r index.IndexReader, id string) (PatentText, error) {
	d, err := r.Document(id)
	if err != nil || d == nil {
		return PatentText{ID: id}, err
	}
	t := PatentText{ID: id}
	d.VisitFields(func(f index.Field) {
		switch f.Name() {
		case "title":
			t.Title = string(f.Value())
		case "abstract":
			t.Abstract = string(f.Value())
		}
	})
	return t, nil
}

// textAnalyzer is the analyzer of the patents' text fields, taken from
// their mapping so that it is the one the index cut them with.
var textAnalyzer = sync.OnceValue(func() analysis.Analyzer {
	an := newMapping(Patents).AnalyzerNamed(cjk.AnalyzerName)
	if an == nil {
		panic("search: the cjk analyzer is not registered")
	}
	return an
})

// TextTerms returns the terms the index cuts text into in its text fields
// (titles, abstracts, names …), in order and with repeats: Chinese as
// overlapping bigrams (数控机床: 数控 控机 机床), a Chinese character
// standing alone as itself, other words (letters, digits) whole and lower
// case, full-width forms folded to their ASCII ones.
func TextTerms(text string) []string {
	toks := textAnalyzer().Analyze([]byte(text))
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = string(t.Term)
	}
	return out
}

// ContentTerms is TextTerms of a patent's text with its set phrases
// (本发明, 本实用新型, 公开了, 一种, 所述, 其特征在于 …) blanked first, as
// similar patents are found: what is left are the terms of the subject,
// without the bigrams that join a set phrase to it (种钢 of 一种钢筋).
func ContentTerms(text string) []string {
	return TextTerms(boilerplate.Replace(text))
}

// EachContentTerm yields the terms of ContentTerms(text), in order. A
// text of Han characters, ASCII letters and digits, spaces and
// punctuation (most titles) is cut here directly, as the index's analyzer
// cuts it: a run of Han characters into its overlapping bigrams, a
// character standing alone as itself, a run of ASCII letters and digits
// as one lower-case word. That is a tenth of the analyzer's cost, with no
// term allocated (BenchmarkEachContentTerm). Any other text, or one where
// punctuation that can join a word (3.5, it's, a_b) touches a letter or
// digit, goes through ContentTerms. It is for texts read by the hundred
// thousand (placing every enterprise of a province in a landscape's
// clusters); TestEachContentTermIsContentTerms holds it to ContentTerms.
func EachContentTerm(text string) iter.Seq[string] {
	return func(yield func(string) bool) {
		t := boilerplate.Replace(text)
		if !quickCut(t) {
			for _, term := range TextTerms(t) {
				if !yield(term) {
					return
				}
			}
			return
		}
		// start is where the run of Han characters starts, prev where its
		// last character does (a run of one character is a term itself);
		// word where the run of ASCII letters and digits starts.
		start, prev, word := -1, -1, -1
		lone := func(end int) bool { return start < 0 || start != prev || yield(t[start:end]) }
		for i, r := range t {
			if asciiWordRune(r) {
				if !lone(i) {
					return
				}
				start, prev = -1, -1
				if word < 0 {
					word = i
				}
				continue
			}
			if word >= 0 {
				if !yield(strings.ToLower(t[word:i])) {
					return
				}
				word = -1
			}
			if !hanRune(r) {
				if !lone(i) {
					return
				}
				start, prev = -1, -1
				continue
			}
			if prev >= 0 && !yield(t[prev:i+utf8.RuneLen(r)]) {
				return
			}
			if start < 0 {
				start = i
			}
			prev = i
		}
		if word >= 0 {
			yield(strings.ToLower(t[word:]))
			return
		}
		lone(len(t))
	}
}

// quickCut reports whether EachContentTerm may cut t itself: t holds only
// Han characters, ASCII letters and digits, spaces and punctuation, and
// no punctuation that joins letters or digits into one word (Unicode's
// word boundaries: 3.5, it's, a_b, a:b) touches a letter or digit.
func quickCut(t string) bool {
	after := false // the rune before was an ASCII letter or digit
	joiner := false
	for _, r := range t {
		word := asciiWordRune(r)
		switch {
		case word:
			if joiner {
				return false
			}
		case joinerRune(r):
			if after {
				return false
			}
		case !hanRune(r) && !unicode.IsSpace(r) && !unicode.IsPunct(r):
			return false
		}
		after, joiner = word, !word && joinerRune(r)
	}
	return true
}

// asciiWordRune reports whether r is an ASCII letter or digit.
func asciiWordRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// hanRune reports whether r is a Han character: the CJK Unified
// Ideographs block at once, the rest of the script by its table.
func hanRune(r rune) bool {
	return r >= 0x4E00 && r <= 0x9FFF || r >= 0x2E80 && unicode.Is(unicode.Han, r)
}

// joinerRune reports whether r may join letters or digits into one word
// (Unicode's word boundaries: MidLetter, MidNum, MidNumLet, ExtendNumLet).
func joinerRune(r rune) bool {
	switch r {
	case '.', ',', ':', ';', '\'', '_', '\u00b7', '\u0387', '\u2018', '\u2019', '\u2024', '\u2027', '\u2044', '\u203f', '\u2040', '\u2054',
		'\ufe10', '\ufe13', '\ufe14', '\ufe33', '\ufe34', '\ufe4d', '\ufe4e', '\ufe4f', '\ufe50', '\ufe52', '\ufe54', '\ufe55',
		'\uff07', '\uff0c', '\uff0e', '\uff1a', '\uff1b', '\uff3f':
		return true
	}
	return false
}
