package matcher

import (
	"context"
	"slices"
	"sync"

	"ipmatch/data"
)

// This file keeps the facts of many enterprises compiled between
// requests. Compiling them (indicator values, pledge rules, values from
// the cached tables, PD) is nearly all of a pipeline's work; evaluating
// one enterprise × product pair on compiled facts is a few hundred
// nanoseconds. So a node compiles its enterprises once, in blocks, and
// when records change recompiles only the blocks that hold them; every
// product's pipeline is then ranked from the blocks as they are.
//
// A block is a world without products: its enterprises' and patents'
// facts on one day, with patents tagged by a fixed set of IPC areas (the
// products' areas when compiled). A product whose areas are not all in
// that set cannot be ranked from it (Compiled.Covers): compile again.

// Block is the records of one block: enterprises, their patents (by
// OwnerID; a patent of an enterprise in another block is ignored) and
// their recorded appraisals. A compiled block refers to these slices: do
// not modify them while it is in use.
type Block struct {
	Enterprises []data.Enterprise
	Patents     []data.Patent
	Appraisals  []data.Appraisal
}

// Compiled is the facts of every enterprise of some blocks on one day.
// It is immutable and safe for concurrent use; Recompile returns a new
// one sharing the unchanged blocks.
type Compiled struct {
	m      *Matcher
	asOf   data.Date
	lpr    LPRQuote
	areas  *areaSet
	blocks []*world
}

// Compile compiles blocks on asOf, with patents tagged by the IPC areas
// given (those of every product to be ranked; see Covers). progress, when
// not nil, is told how many blocks are compiled (from any goroutine, one
// call at a time).
func (m *Matcher) Compile(ctx context.Context, asOf data.Date, areas []string, blocks []Block, progress func(done, total int)) (*Compiled, error) {
	if asOf.IsZero() {
		return nil, invalidField("invalid match request", "as_of", "is required")
	}
	lpr, err := LPROn(asOf)
	if err != nil {
		return nil, err
	}
	c := &Compiled{m: m, asOf: asOf, lpr: lpr, areas: newAreaSet(areas), blocks: make([]*world, len(blocks))}
	changed := make(map[int]Block, len(blocks))
	for i, b := range blocks {
		changed[i] = b
	}
	if err := c.compile(ctx, changed, progress); err != nil {
		return nil, err
	}
	return c, nil
}

// Recompile returns c with the blocks of changed (by position) compiled
// from their new records; the others are shared with c. A position at or
// past c's blocks adds a block (empty ones fill any gap).
func (c *Compiled) Recompile(ctx context.Context, changed map[int]Block) (*Compiled, error) {
	n := len(c.blocks)
	for i := range changed {
		n = max(n, i+1)
	}
	next := &Compiled{m: c.m, asOf: c.asOf, lpr: c.lpr, areas: c.areas, blocks: make([]*world, n)}
	copy(next.blocks, c.blocks)
	for i := len(c.blocks); i < n; i++ {
		if _, ok := changed[i]; !ok {
			changed[i] = Block{}
		}
	}
	if err := next.compile(ctx, changed, nil); err != nil {
		return nil, err
	}
	return next, nil
}

// compile compiles the blocks of changed into c.blocks, in parallel.
func (c *Compiled) compile(ctx context.Context, changed map[int]Block, progress func(done, total int)) error {
	idx := make([]int, 0, len(changed))
	for i := range changed {
		idx = append(idx, i)
	}
	errs := make([]error, len(idx))
	var mu sync.Mutex
	done := 0
	if err := parallel(ctx, len(idx), func(_ *quantileScratch, k int) {
		b := changed[idx[k]]
		c.blocks[idx[k]], errs[k] = c.m.compileWorld(ctx, c.asOf, c.areas, b.Enterprises, b.Patents, b.Appraisals, nil)
		if progress != nil {
			mu.Lock()
			done++
			progress(done, len(idx))
			mu.Unlock()
		}
	}); err != nil {
		return err
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// AsOf returns the day c was compiled for.
func (c *Compiled) AsOf() data.Date { return c.asOf }

// Covers reports whether products with the IPC areas given can be ranked
// from c: whether its patents are tagged with every one of them.
func (c *Compiled) Covers(areas []string) bool { return c.areas.covers(areas) }

// Enterprises returns the number of enterprises compiled.
func (c *Compiled) Enterprises() int {
	n := 0
	for _, w := range c.blocks {
		n += len(w.ef)
	}
	return n
}

// Ranking is every compiled enterprise evaluated for one product: the
// pipeline before it is filtered for a caller, ordered and paged.
type Ranking struct {
	c      *Compiled
	prod   *data.Product
	pools  map[string]*data.Pool
	memo   *productMemo
	params ModelParameters
	rows   []rankedRow // by block
}

// rankedRow is one enterprise of a Ranking.
type rankedRow struct {
	id        string
	block, ei int32
	ok        bool
	fails     int32
	score     float64
}

// before is the pipeline's order: eligible enterprises by the bank-side
// score (expected loss net of the pool's share, volume and fit), then the
// others by how few enterprise and loan rules they fail; ties by
// enterprise ID. It does not depend on which enterprises are ranked, so a
// filtered pipeline (Page) is the pipeline of the enterprises kept.
func before(a, b *rankedRow) bool {
	if a.ok != b.ok {
		return a.ok
	}
	if a.ok {
		if a.score != b.score {
			return a.score > b.score
		}
	} else if a.fails != b.fails {
		return a.fails < b.fails
	}
	return a.id < b.id
}

// Rank evaluates every enterprise of c for product p with the pools
// given; Page orders, filters and explains. It panics if p's IPC areas
// are not covered (see Covers).
func (c *Compiled) Rank(ctx context.Context, p *data.Product, pools []data.Pool) (*Ranking, error) {
	if !c.Covers(p.IPCAreas) {
		panic("matcher: Rank: the product's IPC areas are not compiled")
	}
	r := &Ranking{c: c, prod: p, pools: poolsByID(pools), memo: newProductMemo(p, c.blocks),
		params: c.m.parameters(c.asOf, c.lpr, MethodCachedTable)}
	parts := make([][]rankedRow, len(c.blocks))
	if err := parallel(ctx, len(c.blocks), func(_ *quantileScratch, b int) {
		w := r.block(b)
		rows := make([]rankedRow, 0, len(w.ef))
		buf := make([]loanCand, 0, 64)
		for ei := range w.ef {
			ev := w.evalPair(ei, 0, buf, true)
			buf = ev.cands[:0]
			rows = append(rows, rankedRow{id: w.ef[ei].rec.ID, block: int32(b), ei: int32(ei), ok: ev.mask == 0, score: ev.bank,
				fails: int32(failCount(ev.mask))})
		}
		parts[b] = rows
	}); err != nil {
		return nil, err
	}
	r.rows = slices.Concat(parts...)
	return r, nil
}

// CountEligible returns how many of the enterprises seen (all with a nil
// seen, which must be of c) would be eligible for p, and how many were
// seen: Rank's verdicts, without its scores, its explanations or the
// patent rules of an enterprise that an enterprise rule already refuses,
// and without the unseen. A product's reach before it is published
// (app.ProductReach) asks this a dozen times for one preview.
func (c *Compiled) CountEligible(ctx context.Context, p *data.Product, pools []data.Pool, seen *Seen) (eligible, total int, err error) {
	if !c.Covers(p.IPCAreas) {
		panic("matcher: CountEligible: the product's IPC areas are not compiled")
	}
	if seen != nil && seen.c != c {
		panic("matcher: CountEligible: seen is of another compiled state")
	}
	r := &Ranking{c: c, prod: p, pools: poolsByID(pools), memo: newProductMemo(p, c.blocks)}
	counts := make([][2]int, len(c.blocks))
	if err := parallel(ctx, len(c.blocks), func(_ *quantileScratch, b int) {
		w := r.block(b)
		buf := make([]loanCand, 0, 64)
		for ei := range w.ef {
			if seen != nil && !seen.has(int32(b), int32(ei)) {
				continue
			}
			counts[b][1]++
			ev := w.evalPair(ei, 0, buf, false)
			buf = ev.cands[:0]
			if ev.mask == 0 {
				counts[b][0]++
			}
		}
	}); err != nil {
		return 0, 0, err
	}
	for _, n := range counts {
		eligible, total = eligible+n[0], total+n[1]
	}
	return eligible, total, nil
}

// block returns block b of r's facts with r's product compiled for it (a
// shallow copy: the facts are shared, read only).
func (r *Ranking) block(b int) *world {
	w := *r.c.blocks[b]
	w.prods = []data.Product{*r.prod}
	w.pp = []prodFacts{w.productFactsMemo(&w.prods[0], r.pools, r.memo)}
	return &w
}

// Seen is the enterprises of a Compiled that one caller may see, a bit
// each. It is made once per caller and state (Compiled.Seen) and read by
// every page of every ranking of that state: asking a predicate of each
// enterprise on every page read 100,000 records scattered over the heap
// and was 70% of a bank's kept pipeline at a province.
type Seen struct {
	c    *Compiled
	bits [][]uint64 // by block, bit i of the block's enterprise i
}

// Seen returns the enterprises of c that keep accepts.
func (c *Compiled) Seen(keep func(*data.Enterprise) bool) *Seen {
	s := &Seen{c: c, bits: make([][]uint64, len(c.blocks))}
	for b, w := range c.blocks {
		bits := make([]uint64, (len(w.ef)+63)/64)
		for i := range w.ef {
			if keep(w.ef[i].rec) {
				bits[i/64] |= 1 << (i % 64)
			}
		}
		s.bits[b] = bits
	}
	return s
}

// has reports whether enterprise i of block b is seen.
func (s *Seen) has(b, i int32) bool {
	return s.bits[b][i/64]&(1<<(i%64)) != 0
}

// Page returns the pipeline of the enterprises seen (all with a nil
// seen, which must be of r's Compiled): the totals, and the rows
// [offset, offset+limit) in pipeline order (see before), explained for the
// bank (limit 0: all). eligibleOnly leaves out the ineligible.
func (r *Ranking) Page(ctx context.Context, seen *Seen, eligibleOnly bool, offset, limit int) (ProductPipeline, error) {
	if offset < 0 || limit < 0 {
		panic("matcher: Page: negative offset or limit")
	}
	if seen != nil && seen.c != r.c {
		panic("matcher: Page: seen is of another compiled state")
	}
	out := ProductPipeline{ProductID: r.prod.ID, ProductName: r.prod.Name, BankID: r.prod.BankID,
		Parameters: r.params, Offset: offset, Matches: []Match{}}
	// The first offset+limit rows: a bounded heap whose root is the last
	// of them, so a page costs a pass over the rows, not a sort.
	want := -1
	if limit > 0 {
		want = offset + limit
	}
	var top []*rankedRow
	for k := range r.rows {
		row := &r.rows[k]
		if seen != nil && !seen.has(row.block, row.ei) {
			continue
		}
		if row.ok {
			out.Eligible++
		} else if eligibleOnly {
			continue
		}
		out.Total++
		switch {
		case want < 0 || len(top) < want:
			top = append(top, row)
			if len(top) == want {
				heapify(top)
			}
		case before(row, top[0]):
			top[0] = row
			siftDown(top, 0)
		}
	}
	slices.SortFunc(top, func(a, b *rankedRow) int {
		if before(a, b) {
			return -1
		}
		return 1
	})
	if offset >= len(top) {
		return out, nil
	}
	blocks := map[int32]*world{}
	for k, row := range top[offset:] {
		if err := ctx.Err(); err != nil {
			return ProductPipeline{}, err
		}
		w := blocks[row.block]
		if w == nil {
			w = r.block(int(row.block))
			blocks[row.block] = w
		}
		mt := w.match(int(row.ei), 0, SideBank)
		mt.Rank = offset + k + 1
		out.Matches = append(out.Matches, mt)
	}
	return out, nil
}

// heapify orders h as a heap whose root comes last in pipeline order.
func heapify(h []*rankedRow) {
	for i := len(h)/2 - 1; i >= 0; i-- {
		siftDown(h, i)
	}
}

// siftDown moves h[i] down to its place in the heap.
func siftDown(h []*rankedRow, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && before(h[l], h[r]) {
			m = r
		}
		if !before(h[i], h[m]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
