package search

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"ipmatch/data"
)

// similarTerms is how many of a patent's most telling terms a similar
// patents query uses (Lucene's MoreLikeThis takes 25 by default).
const similarTerms = 24

// similarPostings bounds the work of a similar patents query: the terms
// it uses together occur in at most this many abstracts (their document
// frequencies summed), past the two most telling, which are always kept.
// Reading a posting and scoring it costs about 0.3 µs, so the bound keeps
// a query near 100 ms at any index size; on an event's index (thousands
// of patents) it never bites, and at a province's (1,000,000 patents,
// where common technical words occur in tens of thousands of abstracts)
// it drops the commonest of the 24 terms, the ones that tell least.
// A variable so that the benchmark can compare against no bound.
var similarPostings = 300_000

// Similar finds patents like patent id: a disjunction over the most
// telling terms of its title and abstract (weighted by tf·idf, at least
// two must match), boosted for sharing its IPC subclass and main group.
// The patent itself is left out; req's filters, scope, facets, sort and
// page apply as in Search (req.Query must be empty), and answers are kept
// as Search keeps them. A patent the store does not hold is a not_found
// error.
func (x *Index) Similar(ctx context.Context, id string, req Request) (res *Result, err error) {
	if obs := x.opts.Observe; obs != nil {
		defer func(start time.Time) { obs("similar", Patents, time.Since(start)) }(time.Now())
	}
	if strings.TrimSpace(req.Query) != "" {
		return nil, badParam("q", "similar patents take filters, not a query")
	}
	if err := checkText(req); err != nil {
		return nil, err
	}
	gen, key := x.gen.Load(), resultKey(Patents+"\x00similar\x00"+id, req) // kept as Search keeps answers
	if kept, ok := x.keptAnswer(key, gen); ok {
		return kept, nil
	}
	leave, err := x.enterGate(ctx, Patents)
	if err != nil {
		return nil, err
	}
	defer leave()
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	defer func() { err = overBudget(ctx, err) }()
	p, err := x.store.Patents().Get(ctx, id)
	if err != nil {
		return nil, err
	}
	x.rw.RLock()
	defer x.rw.RUnlock()
	ki, ok := x.kinds[Patents]
	if !ok {
		return nil, errClosed
	}
	c := &compiler{spec: specs[Patents], an: ki.b.text}
	q, err := x.similarQuery(ctx, ki, c, &p)
	if err != nil {
		return nil, err
	}
	res, err = x.run(ctx, ki, specs[Patents], plan{text: q, approx: q, marks: q, key: "similar=" + p.ApplicationNumber}, req)
	if err != nil {
		return nil, err
	}
	x.keepAnswer(key, gen, res)
	return res, nil
}

// similarQuery builds the query of Similar for patent p.
func (x *Index) similarQuery(ctx context.Context, ki *kindIndex, c *compiler, p *data.Patent) (query.Query, error) {
	tf := map[string]float64{}
	for _, t := range c.analyze(boilerplate.Replace(p.Title)) {
		tf[t] += 2 // title terms count double
	}
	for _, t := range c.analyze(boilerplate.Replace(p.Abstract)) {
		tf[t]++
	}
	n, err := ki.bi.DocCount()
	if err != nil {
		return nil, err
	}
	r, err := openReader(ki)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	type scored struct {
		term string
		w    float64
		df   int
	}
	var cands []scored
	for t, f := range tf {
		if utf8.RuneCountInString(t) < 2 && isHan(t) {
			continue
		}
		df, err := docFreq(ctx, r, t, "abstract")
		if err != nil {
			return nil, err
		}
		if df <= 1 || float64(df) > 0.3*float64(n) {
			continue // only this patent, or too common to tell anything
		}
		cands = append(cands, scored{t, f * idf(n, df), df})
	}
	slices.SortFunc(cands, func(a, b scored) int {
		if a.w != b.w {
			if a.w > b.w {
				return -1
			}
			return 1
		}
		return strings.Compare(a.term, b.term)
	})
	cands = withinPostings(cands, similarTerms, similarPostings, func(s scored) int { return s.df })
	var should []query.Query
	for _, cd := range cands {
		title := query.NewTermQuery(cd.term)
		title.SetField("title")
		title.SetBoost(2)
		abs := query.NewTermQuery(cd.term)
		abs.SetField("abstract")
		d := query.NewDisjunctionQuery([]query.Query{title, abs})
		d.SetBoost(cd.w)
		should = append(should, d)
	}
	levels := ipcLevels(p.IPC)
	for _, sc := range levels[2] {
		t := term("ipc_subclass", sc).(*query.TermQuery)
		t.SetBoost(3)
		should = append(should, t)
	}
	for _, g := range levels[3] {
		t := term("ipc_group", g).(*query.TermQuery)
		t.SetBoost(3)
		should = append(should, t)
	}
	if len(should) == 0 {
		return query.NewMatchNoneQuery(), nil
	}
	d := query.NewDisjunctionQuery(should)
	d.SetMin(2)
	return query.NewBooleanQuery(nil, []query.Query{d}, []query.Query{query.NewDocIDQuery([]string{p.ApplicationNumber})}), nil
}

// withinPostings keeps, in order, at most max of cands: the first two
// always, then each whose document frequency still fits in budget.
func withinPostings[T any](cands []T, max, budget int, df func(T) int) []T {
	var kept []T
	used := 0
	for i, c := range cands {
		if len(kept) == max {
			break
		}
		if i >= 2 && used+df(c) > budget {
			continue
		}
		kept = append(kept, c)
		used += df(c)
	}
	return kept
}

// boilerplate blanks the set phrases of patent texts, so that similar
// patents are not found by bigrams such as 种埋 (一种埋弧焊机) that join a
// set phrase to the subject.
var boilerplate = strings.NewReplacer(
	"本发明", " ", "本实用新型", " ", "本外观设计", " ", "公开了", " ", "涉及", " ", "一种", " ",
	"所述", " ", "包括", " ", "其特征在于", " ", "技术领域", " ", "有效解决了", " ", "的问题", " ",
)

// docFreq returns how many documents have term in field.
func docFreq(ctx context.Context, r index.IndexReader, t, field string) (int, error) {
	tfr, err := r.TermFieldReader(ctx, []byte(t), field, false, false, false)
	if err != nil {
		return 0, err
	}
	defer tfr.Close()
	return int(tfr.Count()), nil
}

// idf is the inverse document frequency of a term in df of n documents.
func idf(n uint64, df int) float64 {
	return math.Log(1 + float64(n)/float64(df+1))
}
