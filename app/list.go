package app

import (
	"context"

	"ipmatch/data"
)

// listPlan says which records a list request may return: the union of the
// records each source selects (sources are disjoint and listed one after
// the other), keeping those pred accepts. No sources means nothing. Policy
// narrows a plan; it never widens one.
type listPlan[T any] struct {
	sources []data.ListOptions // Refs, IDs, After and Enterprises only; paging is added here
	pred    func(*T) bool      // nil accepts everything
	// window, when set, replaces sources and pred: it returns the IDs of
	// the page asked for, in ID order, and how many records the plan
	// selects (a bank's lists from the node's records, records.go).
	window func(offset, limit int) (ids []string, total int)
}

// and adds a condition to p's predicate.
func (p *listPlan[T]) and(f func(*T) bool) {
	if prev := p.pred; prev != nil {
		p.pred = func(r *T) bool { return prev(r) && f(r) }
		return
	}
	p.pred = f
}

// scanChunk is how many records a filtered list reads per store call.
const scanChunk = 500

// page returns the records of plan from offset, at most limit of them, and
// how many there are in all. Without a predicate it asks the store for the
// window of each source directly; with one it scans the sources in chunks
// and counts what the predicate keeps, so totals always reflect the
// filtered set.
func page[T any](ctx context.Context, tbl data.Table[T], plan listPlan[T], offset, limit int) ([]T, int, error) {
	if plan.window != nil {
		ids, total := plan.window(offset, limit)
		if len(ids) == 0 {
			return []T{}, total, nil
		}
		recs, _, err := tbl.List(ctx, data.ListOptions{IDs: ids})
		return recs, total, err
	}
	items := []T{}
	total := 0
	for _, src := range plan.sources {
		if plan.pred == nil {
			need := limit - len(items)
			opts := data.ListOptions{Refs: src.Refs, IDs: src.IDs, After: src.After, Enterprises: src.Enterprises, Offset: max(0, offset-total), Limit: max(need, 1)}
			recs, n, err := tbl.List(ctx, opts)
			if err != nil {
				return nil, 0, err
			}
			if need > 0 {
				items = append(items, recs[:min(len(recs), need)]...)
			}
			total += n
			continue
		}
		for off := 0; ; off += scanChunk {
			opts := data.ListOptions{Refs: src.Refs, IDs: src.IDs, After: src.After, Enterprises: src.Enterprises, Offset: off, Limit: scanChunk}
			recs, _, err := tbl.List(ctx, opts)
			if err != nil {
				return nil, 0, err
			}
			for i := range recs {
				if !plan.pred(&recs[i]) {
					continue
				}
				if total >= offset && len(items) < limit {
					items = append(items, recs[i])
				}
				total++
			}
			if len(recs) < scanChunk {
				break
			}
		}
	}
	return items, total, nil
}

// All returns every record of tbl matching opts (no access rule: for
// operations, which apply the rules themselves).
func All[T any](ctx context.Context, tbl data.Table[T], opts data.ListOptions) ([]T, error) {
	opts.Offset, opts.Limit = 0, 0
	recs, _, err := tbl.List(ctx, opts)
	return recs, err
}
