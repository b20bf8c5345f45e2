package app

import (
	"slices"
	"strings"
)

// poolOrder is the enterprises or the patents of a view in ID order, each
// with whether its enterprise (the patent's owner) consented to the pool,
// counted by chunk: a bank's list of the enterprises or patents it sees
// (the pool's, and those of the enterprises registered for its events) is
// a window of it found without reading the store, whatever the page.
// Immutable.
type poolOrder struct {
	ids    []string
	owners []string // the enterprise of each: itself, or the patent's owner
	pool   []bool
	counts []int32 // pool entries per chunk of orderChunk
}

// orderChunk is the stride of poolOrder.counts: a deep page skips whole
// chunks by their counts.
const orderChunk = 1024

// newPoolOrder returns the order of ids (sorted, with their owners) given
// which owners are in the pool.
func newPoolOrder(ids, owners []string, inPool func(owner string) bool) *poolOrder {
	o := &poolOrder{ids: ids, owners: owners, pool: make([]bool, len(ids))}
	for i, owner := range owners {
		o.pool[i] = inPool(owner)
	}
	o.count()
	return o
}

func (o *poolOrder) count() {
	o.counts = make([]int32, (len(o.ids)+orderChunk-1)/orderChunk)
	for i, in := range o.pool {
		if in {
			o.counts[i/orderChunk]++
		}
	}
}

// with returns o with the entries of gone removed, the entries (ids,
// owners) of added put in their place, and the pool consent of every
// entry whose owner is among changedOwners read again from inPool.
func (o *poolOrder) with(gone []string, ids, owners []string, changedOwners map[string]bool, inPool func(string) bool) *poolOrder {
	drop := make(map[string]bool, len(gone)+len(ids))
	for _, id := range gone {
		drop[id] = true
	}
	for _, id := range ids {
		drop[id] = true
	}
	add := make([]int, len(ids))
	for k := range add {
		add[k] = k
	}
	slices.SortFunc(add, func(a, b int) int { return strings.Compare(ids[a], ids[b]) })
	n := len(o.ids) + len(ids)
	next := &poolOrder{ids: make([]string, 0, n), owners: make([]string, 0, n), pool: make([]bool, 0, n)}
	push := func(id, owner string, pool bool) {
		if changedOwners[owner] {
			pool = inPool(owner)
		}
		next.ids = append(next.ids, id)
		next.owners = append(next.owners, owner)
		next.pool = append(next.pool, pool)
	}
	k := 0
	for i, id := range o.ids {
		for k < len(add) && ids[add[k]] < id {
			push(ids[add[k]], owners[add[k]], inPool(owners[add[k]]))
			k++
		}
		if !drop[id] {
			push(id, o.owners[i], o.pool[i])
		}
	}
	for ; k < len(add); k++ {
		push(ids[add[k]], owners[add[k]], inPool(owners[add[k]]))
	}
	next.count()
	return next
}

// window returns the IDs [offset, offset+limit) (limit 0: all from
// offset) of the entries in the pool or owned by one of extra, and how
// many there are.
func (o *poolOrder) window(extra map[string]bool, offset, limit int) ([]string, int) {
	// The positions of extra's entries that are not in the pool, in order.
	var more []int
	if len(extra) > 0 {
		for i, owner := range o.owners {
			if !o.pool[i] && extra[owner] {
				more = append(more, i)
			}
		}
	}
	total := len(more)
	for _, n := range o.counts {
		total += int(n)
	}
	var out []string
	skip := offset
	m := 0 // next of more
	for c := range o.counts {
		lo, hi := c*orderChunk, min((c+1)*orderChunk, len(o.ids))
		mEnd := m
		for mEnd < len(more) && more[mEnd] < hi {
			mEnd++
		}
		if n := int(o.counts[c]) + mEnd - m; skip >= n {
			skip -= n
			m = mEnd
			continue
		}
		for i := lo; i < hi; i++ {
			if !o.pool[i] && (m >= len(more) || more[m] != i) {
				continue
			}
			if m < len(more) && more[m] == i {
				m++
			}
			if skip > 0 {
				skip--
				continue
			}
			out = append(out, o.ids[i])
			if limit > 0 && len(out) == limit {
				return out, total
			}
		}
	}
	return out, total
}

// owner returns the owner of entry id, if o holds it.
func (o *poolOrder) owner(id string) (string, bool) {
	i, found := slices.BinarySearch(o.ids, id)
	if !found {
		return "", false
	}
	return o.owners[i], true
}
