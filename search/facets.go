package search

import (
	"cmp"
	"context"
	"hash"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// Facet counting. bleve counts facets inside the search that ranks the
// hits, by reading the doc values of every hit: about a microsecond per
// hit and facet field here, so four facets over a query matching a
// quarter of 100,000 patents cost more than the search itself. Facets
// are therefore counted apart from it:
//
//   - A query with at most facetExactLimit hits (or any query, with
//     Request.ExactFacets) is counted exactly, by walking its hits
//     without scoring them.
//   - A broader query is counted on a systematic sample: windows of
//     facetWindow consecutive document numbers spaced so that about
//     facetSample hits (or Request.FacetSample) fall into them (the searcher jumps from window to
//     window). The counts are scaled up and the facet is marked Sampled;
//     they are estimates within a few percent for the values that matter.
//   - Counts are cached by request (query, filters, scope, facets) and
//     index generation, so paging through a query counts its facets once,
//     and any index update makes the cache miss.
//
// The limits are variables so that tests can lower them.
var (
	facetExactLimit = 4000
	facetSample     = 4000
	facetWindow     = uint64(2048)
)

// counter counts the values of one facet field.
type counter struct {
	field   string
	counts  map[string]*int // pointers: a lookup with string(term) does not allocate
	missing int
	seen    bool
}

// countFacets counts the facets names of spec s over the hits of q, which
// has total hits: all of them, or a sample of about sample hits when
// sample is not 0 and there are enough; each lists its size most frequent values (the facet's own
// size when 0).
func (x *Index) countFacets(ctx context.Context, ki *kindIndex, s *kindSpec, q query.Query, names []string, size, total, sample int) (map[string]*Facet, error) {
	out := make(map[string]*Facet, len(names))
	if total == 0 {
		for _, n := range names {
			out[n] = &Facet{Values: []FacetValue{}}
		}
		return out, nil
	}
	r, err := openReader(ki)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	// The searcher is built here, not by bleve's SearchInContext, which
	// would count its term searchers against the budget's limit.
	ctx = search.ContextWithTermSearchersCounter(ctx)
	sr, err := q.Searcher(ctx, r, ki.m, search.SearcherOptions{Score: "none"})
	if err != nil {
		return nil, err
	}
	defer sr.Close()

	var counters []*counter // a few: a slice beats a map
	var fields []string
	for _, n := range names {
		f := s.facets[n].field
		if !slices.Contains(fields, f) {
			counters = append(counters, &counter{field: f, counts: map[string]*int{}})
			fields = append(fields, f)
		}
	}
	dvr, err := r.DocValueReader(fields)
	if err != nil {
		return nil, err
	}
	visit := func(field string, term []byte) {
		for _, c := range counters {
			if c.field != field {
				continue
			}
			if n := c.counts[string(term)]; n != nil {
				*n++
			} else {
				one := 1
				c.counts[string(term)] = &one
			}
			c.seen = true
			return
		}
	}
	counted := 0
	count := func(d *search.DocumentMatch) error {
		for _, c := range counters {
			c.seen = false
		}
		if err := dvr.VisitDocValues(d.IndexInternalID, visit); err != nil {
			return err
		}
		for _, c := range counters {
			if !c.seen {
				c.missing++
			}
		}
		counted++
		if counted%1024 == 0 {
			return ctx.Err()
		}
		return nil
	}

	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(sr.DocumentMatchPoolSize(), 0)}
	scale := 1.0
	step := uint64(float64(facetWindow) * float64(total) / float64(max(sample, 1)))
	if sample == 0 || total <= facetExactLimit || step <= facetWindow {
		for {
			d, err := sr.Next(sctx)
			if err != nil {
				return nil, err
			}
			if d == nil {
				break
			}
			if err := count(d); err != nil {
				return nil, err
			}
			sctx.DocumentMatchPool.Put(d)
		}
	} else {
		scale = float64(step) / float64(facetWindow)
		buf := make([]byte, 8)
		d, err := sr.Advance(sctx, index.NewIndexInternalID(buf, 0))
		for err == nil && d != nil {
			id := d.IndexInternalID.Value()
			start := id / step * step
			if id >= start+facetWindow {
				sctx.DocumentMatchPool.Put(d)
				d, err = sr.Advance(sctx, index.NewIndexInternalID(buf, start+step))
				continue
			}
			if err = count(d); err != nil {
				break
			}
			sctx.DocumentMatchPool.Put(d)
			d, err = sr.Next(sctx)
		}
		if err != nil {
			return nil, err
		}
	}

	for _, n := range names {
		fs := s.facets[n]
		if size > 0 {
			fs.size = size
		}
		out[n] = x.facetFrom(ctx, fs, counters[slices.Index(fields, fs.field)], scale)
	}
	return out, nil
}

// facetFrom turns a counter into a facet: the fs.size most frequent
// values with labels, counts multiplied by scale.
func (x *Index) facetFrom(ctx context.Context, fs facetSpec, c *counter, scale float64) *Facet {
	est := func(n int) int { return int(math.Round(float64(n) * scale)) }
	vals := make([]FacetValue, 0, len(c.counts))
	total := 0
	for v, n := range c.counts {
		vals = append(vals, FacetValue{Value: v, Count: est(*n)})
		total += est(*n)
	}
	slices.SortFunc(vals, func(a, b FacetValue) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value))
	})
	vals = vals[:min(len(vals), fs.size)]
	f := &Facet{Total: total, Missing: est(c.missing), Other: total, Values: vals, Sampled: scale > 1}
	for i := range f.Values {
		f.Other -= f.Values[i].Count
		if fs.label != nil {
			f.Values[i].Label = fs.label(ctx, x, f.Values[i].Value)
		}
	}
	return f
}

// genCache keeps recent values by key and index generation: an entry of
// an older generation (the index changed since) is not returned.
type genCache[V any] struct {
	mu    sync.Mutex
	max   int
	m     map[uint64]cacheEntry[V]
	order []uint64 // insertion order, for eviction
}

type cacheEntry[V any] struct {
	gen uint64
	val V
}

// newGenCache returns a cache of at most n entries; 0 keeps nothing.
func newGenCache[V any](n int) *genCache[V] {
	return &genCache[V]{max: n, m: map[uint64]cacheEntry[V]{}}
}

// get returns the value cached under key for generation gen.
func (c *genCache[V]) get(key, gen uint64) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || e.gen != gen {
		var zero V
		return zero, false
	}
	return e.val, true
}

// put caches val under key for generation gen, evicting the oldest entry
// when full.
func (c *genCache[V]) put(key, gen uint64, val V) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; !ok {
		if len(c.order) >= c.max {
			delete(c.m, c.order[0])
			c.order = c.order[1:]
		}
		c.order = append(c.order, key)
	}
	c.m[key] = cacheEntry[V]{gen: gen, val: val}
}

// clear forgets everything.
func (c *genCache[V]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
	c.order = nil
}

// facetKey identifies the facet counts of a request: everything but its
// page and sort.
func facetKey(kind, query string, req Request) uint64 {
	h := fnv.New64a()
	writeRequest(h, kind, query, req)
	return h.Sum64()
}

// resultKey identifies the whole answer to a request of kind: its facets'
// key with the sort and the page.
func resultKey(kind string, req Request) uint64 {
	h := fnv.New64a()
	writeRequest(h, kind, "q="+req.Query, req)
	w := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	w(strings.Join(req.Sort, ","))
	w(strconv.Itoa(req.From))
	w(strconv.Itoa(req.Size))
	w(strconv.FormatBool(req.CountOnly))
	return h.Sum64()
}

// writeRequest writes what a request's facet counts depend on to h.
func writeRequest(h hash.Hash64, kind, query string, req Request) {
	w := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	w(kind)
	w(query)
	for _, k := range sortedKeys(req.Filters) {
		w(k)
		w(req.Filters[k])
	}
	w(strings.Join(req.Facets, ","))
	w(strconv.FormatBool(req.ExactFacets))
	w(strconv.Itoa(req.FacetSize))
	w(strconv.Itoa(req.FacetSample))
	writeScope(h, req.Scope)
}

// writeScope writes what identifies scope to h, for cache keys.
func writeScope(h hash.Hash64, scope Scope) {
	w := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	w(strconv.FormatBool(scope.Restricted))
	w(strconv.FormatBool(scope.ActiveOnly))
	w(strconv.FormatBool(scope.SharedFinancialsOnly))
	w(strconv.FormatBool(scope.Pool))
	owners := slices.Clone(scope.Owners)
	slices.Sort(owners)
	for _, o := range owners {
		w(o)
	}
}
