package app

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"ipmatch/data"
)

// The node-local copy of the records the pipeline ranks: every enterprise
// and, by owner, every patent as the matcher reads them. Reading them all
// from the store on every pipeline request was most of its time at the
// size of a province (a CPU profile of BenchmarkProvincePipeline: 76% in
// reading and decoding 200,000 patents from SQLite). The copy is built on
// first use and brought up to date at the start of every use from the
// audit log (data.AuditTail), which records every write of every node
// after it is made. So a write is in the next pipeline of the node that
// made it, and of every other node, without waiting for an interval.
//
// Limits: a write whose audit entry was lost (a crash between the write
// and its entry, see data.Audited) or that bypassed the audited store
// (ipmatch bench-data, a demo loaded into a running store) is seen after
// a restart only, as the search index sees it.

// recordsLookback is how far back each read of the audit log starts, for
// entries that commit late or come from a node whose clock is behind: the
// search index's default (search.DefaultFollowLookback).
const recordsLookback = 5 * time.Second

// recordsReloadAt is the number of changed records above which a refresh
// reads everything again rather than the changed records one list at a
// time: an import of that many touches a good part of the store anyway.
const recordsReloadAt = 20_000

// records holds the current view. A refresh never blocks another: each
// reads the log from the view it starts from (with its own copy of the
// tail) and publishes its result if no fresher view was published
// meanwhile; only the first load is done once, by one caller.
type records struct {
	loading sync.Mutex
	view    atomic.Pointer[recordView]
}

// recordView is one state of the records: immutable once published.
type recordView struct {
	tail    *data.AuditTail   // where the log was read to; cloned before use
	ents    []data.Enterprise // by ID
	index   map[string]int    // enterprise ID → position in ents
	patents map[string][]data.Patent
	ownerOf map[string]string // patent → owner, for patents that have one
}

// current returns the records as of now.
func (r *records) current(ctx context.Context, store data.Store) (*recordView, error) {
	v := r.view.Load()
	if v == nil {
		r.loading.Lock()
		defer r.loading.Unlock()
		if v = r.view.Load(); v == nil {
			return r.load(ctx, store)
		}
	}
	tail := v.tail.Clone()
	entries, err := tail.Read(ctx, store.Audit())
	if err != nil {
		return nil, err
	}
	var entIDs, patIDs []string
	for i := range entries {
		switch entries[i].Kind {
		case data.EnterpriseKind.Name:
			entIDs = append(entIDs, entries[i].IDs...)
		case data.PatentKind.Name:
			patIDs = append(patIDs, entries[i].IDs...)
		}
	}
	if len(entries) == 0 {
		return v, nil
	}
	if len(entIDs)+len(patIDs) > recordsReloadAt {
		return r.load(ctx, store)
	}
	next := &recordView{ents: v.ents, index: v.index, patents: v.patents, ownerOf: v.ownerOf}
	if len(entIDs)+len(patIDs) > 0 {
		if next, err = v.apply(ctx, store, compact(entIDs), compact(patIDs)); err != nil {
			return nil, err
		}
	}
	tail.Done(entries)
	next.tail = tail
	// Publish unless another refresh published meanwhile; this request
	// goes on with its own view either way, which holds every write
	// made before it began.
	r.view.CompareAndSwap(v, next)
	return next, nil
}

// load reads every enterprise and patent. The tail starts before the
// reads, so a write made during them is applied again by the next refresh
// (applying is idempotent).
func (r *records) load(ctx context.Context, store data.Store) (*recordView, error) {
	tail := data.NewAuditTail("", recordsLookback)
	ents, err := All(ctx, store.Enterprises(), data.ListOptions{})
	if err != nil {
		return nil, err
	}
	pats, err := All(ctx, store.Patents(), data.ListOptions{})
	if err != nil {
		return nil, err
	}
	v := &recordView{ents: ents, index: make(map[string]int, len(ents)),
		patents: map[string][]data.Patent{}, ownerOf: make(map[string]string, len(pats))}
	for i := range ents {
		v.index[ents[i].ID] = i
	}
	for i := range pats {
		p := matchedPatent(pats[i])
		if p.OwnerID != "" {
			v.patents[p.OwnerID] = append(v.patents[p.OwnerID], p)
			v.ownerOf[p.ApplicationNumber] = p.OwnerID
		}
	}
	v.tail = tail
	r.view.Store(v)
	return v, nil
}

// apply returns the view with the given enterprises and patents read
// again from the store (gone from it: removed), leaving v as it was.
func (v *recordView) apply(ctx context.Context, store data.Store, entIDs, patIDs []string) (*recordView, error) {
	next := &recordView{ents: v.ents, index: v.index, patents: v.patents, ownerOf: v.ownerOf}
	if len(entIDs) > 0 {
		found, err := All(ctx, store.Enterprises(), data.ListOptions{IDs: entIDs})
		if err != nil {
			return nil, err
		}
		byID := make(map[string]data.Enterprise, len(v.ents)+len(found))
		for _, e := range v.ents {
			byID[e.ID] = e
		}
		for _, id := range entIDs {
			delete(byID, id)
		}
		for _, e := range found {
			byID[e.ID] = e
		}
		next.ents = make([]data.Enterprise, 0, len(byID))
		for _, e := range byID {
			next.ents = append(next.ents, e)
		}
		slices.SortFunc(next.ents, func(a, b data.Enterprise) int { return cmp.Compare(a.ID, b.ID) })
		next.index = make(map[string]int, len(next.ents))
		for i := range next.ents {
			next.index[next.ents[i].ID] = i
		}
	}
	if len(patIDs) > 0 {
		found, err := All(ctx, store.Patents(), data.ListOptions{IDs: patIDs})
		if err != nil {
			return nil, err
		}
		next.patents = make(map[string][]data.Patent, len(v.patents))
		for owner, ps := range v.patents {
			next.patents[owner] = ps // shared until changed below
		}
		next.ownerOf = make(map[string]string, len(v.ownerOf))
		for id, owner := range v.ownerOf {
			next.ownerOf[id] = owner
		}
		touched := map[string]bool{}
		for _, id := range patIDs {
			if owner, ok := next.ownerOf[id]; ok {
				touched[owner] = true
				delete(next.ownerOf, id)
			}
		}
		for owner := range touched {
			next.patents[owner] = slices.DeleteFunc(slices.Clone(next.patents[owner]), func(p data.Patent) bool {
				return slices.Contains(patIDs, p.ApplicationNumber)
			})
		}
		for i := range found {
			p := matchedPatent(found[i])
			if p.OwnerID == "" {
				continue
			}
			if !touched[p.OwnerID] {
				next.patents[p.OwnerID] = slices.Clone(next.patents[p.OwnerID])
				touched[p.OwnerID] = true
			}
			next.patents[p.OwnerID] = append(next.patents[p.OwnerID], p)
			next.ownerOf[p.ApplicationNumber] = p.OwnerID
		}
		for owner := range touched {
			slices.SortFunc(next.patents[owner], func(a, b data.Patent) int { return cmp.Compare(a.ApplicationNumber, b.ApplicationNumber) })
			if len(next.patents[owner]) == 0 {
				delete(next.patents, owner)
			}
		}
	}
	return next, nil
}

// matchedPatent is p without the texts the matcher never reads (abstract,
// main claim, inventors, addresses, agents), which are most of a patent's
// memory.
func matchedPatent(p data.Patent) data.Patent {
	p.Abstract, p.MainClaim, p.Inventors, p.Address, p.Agency, p.Agent = "", "", nil, "", "", ""
	return p
}

// compact sorts ids and drops repeats.
func compact(ids []string) []string {
	slices.Sort(ids)
	return slices.Compact(ids)
}
