package matcher

import (
	"context"
	"iter"
	"slices"

	"ipmatch/data"
)

// The financing potential of a patent navigation report (issue 17): for
// each enterprise, what its patents could raise today. It is read from the
// compiled facts, so it is the same figures as the pipelines and the
// enterprise's matches: the patents that pass every product-independent
// CNIPA pledge rule, the model's value of them, and the largest loan the
// active products would make (each pair evaluated by the same rules and
// loan plan as a pipeline row).

// EnterprisePotential is one enterprise's financing potential on the
// compiled day.
type EnterprisePotential struct {
	Enterprise *data.Enterprise
	// Patents counts its patents; Pledgeable those that pass every
	// product-independent pledge rule (granted, in force with the fees
	// paid, not pledged, not under invalidation, preservation or
	// suspension, co-owners' consent).
	Patents, Pledgeable int
	// Value is the model's calibrated P50 of the pledgeable patents held
	// together; 0 when none is valued (no financials, or no pledgeable
	// patent).
	Value float64
	// Loan is the largest loan an active product would make to the
	// enterprise (its stated need caps it, as in every loan estimate), and
	// ProductID that product's; 0 and "" when no product would lend.
	Loan      int64
	ProductID string
	// Need is the stated financing need (0: none stated).
	Need int64
}

// Potential returns the financing potential of the compiled enterprises
// that seen holds (all when nil) and keep accepts, given the enterprise
// and its patents; in block order. products are the products whose loans
// count (the caller passes the active ones); their IPC areas must be
// compiled (Covers), or Potential panics as Rank does. keep is called
// from several goroutines at once (the blocks are walked in parallel).
func (c *Compiled) Potential(ctx context.Context, products []data.Product, pools []data.Pool, seen *Seen,
	keep func(e *data.Enterprise, patents iter.Seq[*data.Patent]) bool) ([]EnterprisePotential, error) {
	if seen != nil && seen.c != c {
		panic("matcher: Potential: seen is of another compiled state")
	}
	for i := range products {
		if !c.Covers(products[i].IPCAreas) {
			panic("matcher: Potential: a product's IPC areas are not compiled")
		}
	}
	byID := poolsByID(pools)
	memos := make([]*productMemo, len(products))
	for i := range products {
		memos[i] = newProductMemo(&products[i], c.blocks)
	}
	parts := make([][]EnterprisePotential, len(c.blocks))
	if err := parallel(ctx, len(c.blocks), func(_ *quantileScratch, b int) {
		w := *c.blocks[b]
		w.prods = products
		w.pp = make([]prodFacts, len(products))
		for i := range products {
			w.pp[i] = w.productFactsMemo(&products[i], byID, memos[i])
		}
		var out []EnterprisePotential
		buf := make([]loanCand, 0, 64)
		for ei := range w.ef {
			e := &w.ef[ei]
			if seen != nil && !seen.has(int32(b), int32(ei)) {
				continue
			}
			pats := w.pf[e.p0:e.p1]
			if keep != nil && !keep(e.rec, func(yield func(*data.Patent) bool) {
				for k := range pats {
					if !yield(pats[k].rec) {
						return
					}
				}
			}) {
				continue
			}
			pot := EnterprisePotential{Enterprise: e.rec, Patents: len(pats), Pledgeable: int(e.pPledge - e.p0), Need: e.needAmount}
			if e.valuationOK {
				pot.Value = portfolioValue(pats, func(f *patFacts) bool { return f.hard == 0 }).P50
			}
			for pi := range w.pp {
				ev := w.evalPair(ei, pi, buf, false)
				buf = ev.cands[:0]
				if ev.mask == 0 && (ev.amount > pot.Loan || ev.amount == pot.Loan && pot.ProductID != "" && w.prods[pi].ID < pot.ProductID) {
					pot.Loan, pot.ProductID = ev.amount, w.prods[pi].ID
				}
			}
			out = append(out, pot)
		}
		parts[b] = out
	}); err != nil {
		return nil, err
	}
	return slices.Concat(parts...), nil
}
