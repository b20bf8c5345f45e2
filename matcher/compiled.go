package matcher

import (
	"cmp"
	"context"
	"slices"
	"strings"

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
// given (those of every product to be ranked; see Covers).
func (m *Matcher) Compile(ctx context.Context, asOf data.Date, areas []string, blocks []Block) (*Compiled, error) {
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
	if err := c.compile(ctx, changed); err != nil {
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
	if err := next.compile(ctx, changed); err != nil {
		return nil, err
	}
	return next, nil
}

// compile compiles the blocks of changed into c.blocks, in parallel.
func (c *Compiled) compile(ctx context.Context, changed map[int]Block) error {
	idx := make([]int, 0, len(changed))
	for i := range changed {
		idx = append(idx, i)
	}
	errs := make([]error, len(idx))
	if err := parallel(ctx, len(idx), func(_ *quantileScratch, k int) {
		b := changed[idx[k]]
		c.blocks[idx[k]], errs[k] = c.m.compileWorld(ctx, c.asOf, c.areas, b.Enterprises, b.Patents, b.Appraisals, nil)
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

// Ranking is every compiled enterprise ranked for one product: the
// pipeline before it is filtered for a caller and paged.
type Ranking struct {
	c      *Compiled
	prod   *data.Product
	pools  map[string]*data.Pool
	params ModelParameters
	rows   []rankedRow // in pipeline order
}

// rankedRow is one enterprise of a Ranking.
type rankedRow struct {
	block, ei int32
	ok        bool
	fails     int
	score     float64
}

// Rank ranks every enterprise of c for product p with the pools given:
// eligible ones by the bank-side score (expected loss net of the pool's
// share, volume and fit; ties by enterprise ID), then the others by how
// few enterprise and loan rules they fail. The order does not depend on
// which enterprises are compiled, so a filtered ranking (Page) is the
// ranking of the enterprises kept. It panics if p's IPC areas are not
// covered (see Covers).
func (c *Compiled) Rank(ctx context.Context, p *data.Product, pools []data.Pool) (*Ranking, error) {
	if !c.Covers(p.IPCAreas) {
		panic("matcher: Rank: the product's IPC areas are not compiled")
	}
	r := &Ranking{c: c, prod: p, pools: poolsByID(pools), params: c.m.parameters(c.asOf, c.lpr, MethodCachedTable)}
	parts := make([][]rankedRow, len(c.blocks))
	if err := parallel(ctx, len(c.blocks), func(_ *quantileScratch, b int) {
		w := r.block(b)
		rows := make([]rankedRow, 0, len(w.ef))
		buf := make([]loanCand, 0, 64)
		for ei := range w.ef {
			ev := w.evalPair(ei, 0, buf, true)
			buf = ev.cands[:0]
			rows = append(rows, rankedRow{block: int32(b), ei: int32(ei), ok: ev.mask == 0, score: ev.bank, fails: failCount(ev.mask)})
		}
		parts[b] = rows
	}); err != nil {
		return nil, err
	}
	r.rows = slices.Concat(parts...)
	slices.SortFunc(r.rows, func(a, b rankedRow) int {
		if a.ok != b.ok {
			if a.ok {
				return -1
			}
			return 1
		}
		if a.ok {
			if c := cmp.Compare(b.score, a.score); c != 0 {
				return c
			}
		} else if c := cmp.Compare(a.fails, b.fails); c != 0 {
			return c
		}
		return strings.Compare(r.enterprise(a).ID, r.enterprise(b).ID)
	})
	return r, nil
}

// block returns block b of r's facts with r's product compiled for it (a
// shallow copy: the facts are shared, read only).
func (r *Ranking) block(b int) *world {
	w := *r.c.blocks[b]
	w.prods = []data.Product{*r.prod}
	w.pp = []prodFacts{w.productFacts(&w.prods[0], r.pools)}
	return &w
}

func (r *Ranking) enterprise(row rankedRow) *data.Enterprise {
	return r.c.blocks[row.block].ef[row.ei].rec
}

// Page returns the pipeline of the enterprises keep accepts (all with a
// nil keep): the totals, and the rows [offset, offset+limit) explained
// for the bank (limit 0: all). eligibleOnly leaves out the ineligible.
func (r *Ranking) Page(ctx context.Context, keep func(*data.Enterprise) bool, eligibleOnly bool, offset, limit int) (ProductPipeline, error) {
	if offset < 0 || limit < 0 {
		panic("matcher: Page: negative offset or limit")
	}
	out := ProductPipeline{ProductID: r.prod.ID, ProductName: r.prod.Name, BankID: r.prod.BankID,
		Parameters: r.params, Offset: offset, Matches: []Match{}}
	var page []rankedRow
	for _, row := range r.rows {
		if keep != nil && !keep(r.enterprise(row)) {
			continue
		}
		if row.ok {
			out.Eligible++
		} else if eligibleOnly {
			continue
		}
		if out.Total >= offset && (limit == 0 || out.Total < offset+limit) {
			page = append(page, row)
		}
		out.Total++
	}
	blocks := map[int32]*world{}
	for k, row := range page {
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
