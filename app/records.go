package app

import (
	"cmp"
	"context"
	"hash/fnv"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ipmatch/data"
	"ipmatch/matcher"
)

// The node-local match state: every enterprise, its patents and its
// recorded appraisals as the matcher reads them, in blocks, with their
// facts compiled by the matcher (matcher.Compiled). Reading every record
// from the store and compiling every fact on every pipeline request was
// all of its time at the size of a province (7.8–15 s at 20,000
// enterprises); ranking compiled facts is a few hundred nanoseconds an
// enterprise.
//
// The state is loaded once (App.Warm at start-up, or the first request)
// and brought up to date at the start of every use from the audit log
// (data.AuditTail), which records every write of every node after it is
// made: the blocks holding a changed record are read again and
// recompiled, the others are shared. So a write is in the next pipeline
// of the node that made it, and of every other node, without waiting for
// an interval.
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

// blockSize is the number of enterprises a block holds on average. A
// change recompiles its block: 256 enterprises with ten patents each
// compile in about 10 ms on one core, while ranking pays a small cost per
// block (the product compiled for its regions and industries).
const blockSize = 256

// records holds the current view. A refresh never blocks another: each
// reads the log from the view it starts from (with its own copy of the
// tail) and publishes its result if no fresher view was published
// meanwhile; only the first load is done once, by one caller.
type records struct {
	loading sync.Mutex
	view    atomic.Pointer[recordView]
}

// recordView is one state of the records: immutable once published,
// except for its cache of compiled facts.
type recordView struct {
	tail   *data.AuditTail // where the log was read to; cloned before use
	blocks []recordBlock
	apprOf *idIndex // appraisal → enterprise
	// entOrder and patOrder are the enterprises and the owned patents in
	// ID order with their pool consent, for a bank's lists (list.go);
	// patOrder also gives a patent's owner (a map of a million patents
	// took 85 MB more).
	entOrder, patOrder *poolOrder
	// compiled caches the blocks' facts by as-of date (compiled.go).
	compiled *compiledCache
	// names finds an enterprise by its name (enterpriseNamed).
	names *nameIndex
}

// nameIndex maps the canonical names (data.CanonicalName) of a view's
// enterprises to their IDs, built when first asked: a landscape names the
// enterprises among its top applicants, and reading 100,000 names each
// time took 30 ms.
type nameIndex struct {
	once sync.Once
	ids  map[string]string
}

// enterpriseNamed returns the ID of the enterprise of v whose name is
// name as data.CanonicalName reads it (the first in block order when two
// are), or "".
func (v *recordView) enterpriseNamed(name string) string {
	v.names.once.Do(func() {
		ids := map[string]string{}
		v.enterprises(func(e *data.Enterprise) bool {
			if k := data.CanonicalName(e.Name); ids[k] == "" {
				ids[k] = e.ID
			}
			return true
		})
		v.names.ids = ids
	})
	return v.names.ids[data.CanonicalName(name)]
}

// recordBlock is the records of the enterprises whose IDs hash to one
// block: enterprises by ID, their patents by application number and
// their appraisals by ID. Immutable.
type recordBlock struct {
	ents  []data.Enterprise
	pats  []data.Patent
	apprs []data.Appraisal
}

// blockOf returns the block of enterprise id among n.
func blockOf(id string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % uint32(n))
}

// enterprises calls f with every enterprise of v, block by block, until f
// returns false.
func (v *recordView) enterprises(f func(*data.Enterprise) bool) {
	for b := range v.blocks {
		for i := range v.blocks[b].ents {
			if !f(&v.blocks[b].ents[i]) {
				return
			}
		}
	}
}

// enterprise returns enterprise id, or nil.
func (v *recordView) enterprise(id string) *data.Enterprise {
	bl := &v.blocks[blockOf(id, len(v.blocks))]
	if i, ok := slices.BinarySearchFunc(bl.ents, id, func(e data.Enterprise, id string) int { return cmp.Compare(e.ID, id) }); ok {
		return &bl.ents[i]
	}
	return nil
}

// matchBlocks returns the blocks as the matcher compiles them.
func (v *recordView) matchBlocks() []matcher.Block {
	out := make([]matcher.Block, len(v.blocks))
	for i, b := range v.blocks {
		out[i] = matcher.Block{Enterprises: b.ents, Patents: b.pats, Appraisals: b.apprs}
	}
	return out
}

// current returns the records as of now.
func (r *records) current(ctx context.Context, store data.Store) (*recordView, error) {
	v := r.view.Load()
	if v == nil {
		r.loading.Lock()
		defer r.loading.Unlock()
		if v = r.view.Load(); v == nil {
			return r.load(ctx, store, nil)
		}
	}
	tail := v.tail.Clone()
	entries, err := tail.Read(ctx, store.Audit())
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return v, nil
	}
	var ch changes
	for i := range entries {
		switch entries[i].Kind {
		case data.EnterpriseKind.Name:
			ch.ents = append(ch.ents, entries[i].IDs...)
		case data.PatentKind.Name:
			ch.pats = append(ch.pats, entries[i].IDs...)
		case data.AppraisalKind.Name:
			ch.apprs = append(ch.apprs, entries[i].IDs...)
		}
	}
	if len(ch.ents)+len(ch.pats)+len(ch.apprs) > recordsReloadAt {
		return r.load(ctx, store, nil)
	}
	next := *v
	if len(ch.ents)+len(ch.pats)+len(ch.apprs) > 0 {
		n, err := v.apply(ctx, store, ch)
		if err != nil {
			return nil, err
		}
		next = *n
	}
	tail.Done(entries)
	next.tail = tail
	// Publish unless another refresh published meanwhile; this request
	// goes on with its own view either way, which holds every write
	// made before it began.
	r.view.CompareAndSwap(v, &next)
	return &next, nil
}

// changes lists the IDs of the records written since a view.
type changes struct{ ents, pats, apprs []string }

// Progress is told how many of the records to load are loaded, then how
// many of the blocks to compile are compiled.
type Progress func(stage string, done, total int)

// loadPage is how many records a load reads per store call: reading a
// million patents with their texts at once would hold them all (about
// 3 GB) before they are stripped.
const loadPage = 20_000

// load reads every enterprise, patent and appraisal. The tail starts
// before the reads, so a write made during them is applied again by the
// next refresh (applying is idempotent).
func (r *records) load(ctx context.Context, store data.Store, progress Progress) (*recordView, error) {
	tail := data.NewAuditTail("", recordsLookback)
	var counts [3]int
	for i, n := range []func() (int, error){
		func() (int, error) {
			_, n, err := store.Enterprises().List(ctx, data.ListOptions{Limit: 1})
			return n, err
		},
		func() (int, error) { _, n, err := store.Patents().List(ctx, data.ListOptions{Limit: 1}); return n, err },
		func() (int, error) {
			_, n, err := store.Appraisals().List(ctx, data.ListOptions{Limit: 1})
			return n, err
		},
	} {
		var err error
		if counts[i], err = n(); err != nil {
			return nil, err
		}
	}
	total, done := counts[0]+counts[1]+counts[2], 0
	report := func(n int) {
		done += n
		if progress != nil {
			progress("loading", min(done, total), max(total, done))
		}
	}
	ents, err := loadAll(ctx, store.Enterprises(), func(e *data.Enterprise) string { return e.ID },
		func(page []data.Enterprise) {
			for i := range page {
				page[i].ID, page[i].Region = intern(page[i].ID), intern(page[i].Region)
			}
		}, report)
	if err != nil {
		return nil, err
	}
	pats, err := loadAll(ctx, store.Patents(), func(p *data.Patent) string { return p.ApplicationNumber },
		func(page []data.Patent) {
			for i := range page {
				page[i] = matchedPatent(page[i])
			}
			packPatents(page)
		}, report)
	if err != nil {
		return nil, err
	}
	apprs, err := loadAll(ctx, store.Appraisals(), func(a *data.Appraisal) string { return a.ID }, func([]data.Appraisal) {}, report)
	if err != nil {
		return nil, err
	}
	n := max(1, (len(ents)+blockSize-1)/blockSize)
	v := &recordView{tail: tail, blocks: make([]recordBlock, n), compiled: &compiledCache{}, names: &nameIndex{}}
	// The blocks' slices are sized exactly: grown by append, the patents'
	// (half of the match state) would carry 10–25% of unused capacity.
	entsIn, patsIn := make([]int, n), make([]int, n)
	for i := range ents {
		entsIn[blockOf(ents[i].ID, n)]++
	}
	for i := range pats {
		if pats[i].OwnerID != "" {
			patsIn[blockOf(pats[i].OwnerID, n)]++
		}
	}
	for i := range v.blocks {
		v.blocks[i].ents, v.blocks[i].pats = make([]data.Enterprise, 0, entsIn[i]), make([]data.Patent, 0, patsIn[i])
	}
	for _, e := range ents {
		b := &v.blocks[blockOf(e.ID, n)]
		b.ents = append(b.ents, e)
	}
	for _, p := range pats {
		if p.OwnerID != "" {
			b := &v.blocks[blockOf(p.OwnerID, n)]
			b.pats = append(b.pats, p)
		}
	}
	of := map[string]string{}
	for _, a := range apprs {
		b := &v.blocks[blockOf(a.EnterpriseID, n)]
		b.apprs = append(b.apprs, a)
		of[a.ID] = a.EnterpriseID
	}
	for i := range v.blocks {
		v.blocks[i].sort()
	}
	v.apprOf = (&idIndex{}).with(of)
	// loadAll reads in ID order.
	entIDs := make([]string, len(ents))
	for i := range ents {
		entIDs[i] = ents[i].ID
	}
	v.entOrder = newPoolOrder(entIDs, entIDs, v.inPool)
	patIDs, patOwners := make([]string, 0, len(pats)), make([]string, 0, len(pats))
	for i := range pats {
		if pats[i].OwnerID != "" {
			patIDs = append(patIDs, pats[i].ApplicationNumber)
			patOwners = append(patOwners, pats[i].OwnerID)
		}
	}
	v.patOrder = newPoolOrder(patIDs, patOwners, v.inPool)
	r.view.Store(v)
	return v, nil
}

// inPool reports whether enterprise id exists and consented to the pool.
func (v *recordView) inPool(id string) bool {
	e := v.enterprise(id)
	return e != nil && e.Consents.Pool
}

// loadAll reads every record of tbl in pages of loadPage in ID order,
// passing each page through trim and its size to report.
func loadAll[T any](ctx context.Context, tbl data.Table[T], id func(*T) string, trim func([]T), report func(int)) ([]T, error) {
	var out []T
	after := ""
	for {
		recs, _, err := tbl.List(ctx, data.ListOptions{After: after, Limit: loadPage})
		if err != nil {
			return nil, err
		}
		trim(recs)
		out = append(out, recs...)
		report(len(recs))
		if len(recs) < loadPage {
			return out, nil
		}
		after = id(&recs[len(recs)-1])
	}
}

// sort puts b's records in ID order.
func (b *recordBlock) sort() {
	slices.SortFunc(b.ents, func(x, y data.Enterprise) int { return cmp.Compare(x.ID, y.ID) })
	slices.SortFunc(b.pats, func(x, y data.Patent) int { return cmp.Compare(x.ApplicationNumber, y.ApplicationNumber) })
	slices.SortFunc(b.apprs, func(x, y data.Appraisal) int { return cmp.Compare(x.ID, y.ID) })
}

// apply returns the view with the records of ch read again from the store
// (gone from it: removed) and the blocks holding them, before or after,
// rebuilt and recompiled; v is left as it was.
func (v *recordView) apply(ctx context.Context, store data.Store, ch changes) (*recordView, error) {
	ch.ents, ch.pats, ch.apprs = compact(ch.ents), compact(ch.pats), compact(ch.apprs)
	n := len(v.blocks)
	touched := map[int]bool{}
	var ents []data.Enterprise
	var pats []data.Patent
	var apprs []data.Appraisal
	var err error
	if len(ch.ents) > 0 {
		if ents, err = All(ctx, store.Enterprises(), data.ListOptions{IDs: ch.ents}); err != nil {
			return nil, err
		}
		for _, id := range ch.ents {
			touched[blockOf(id, n)] = true
		}
	}
	if len(ch.pats) > 0 {
		if pats, err = All(ctx, store.Patents(), data.ListOptions{IDs: ch.pats}); err != nil {
			return nil, err
		}
		for _, id := range ch.pats {
			if owner, ok := v.patOrder.owner(id); ok {
				touched[blockOf(owner, n)] = true
			}
		}
		for i := range pats {
			pats[i] = matchedPatent(pats[i])
			if o := pats[i].OwnerID; o != "" {
				touched[blockOf(o, n)] = true
			}
		}
		packPatents(pats)
	}
	of := map[string]string{}
	if len(ch.apprs) > 0 {
		if apprs, err = All(ctx, store.Appraisals(), data.ListOptions{IDs: ch.apprs}); err != nil {
			return nil, err
		}
		for _, id := range ch.apprs {
			if e, ok := v.apprOf.get(id); ok {
				touched[blockOf(e, n)] = true
			}
			of[id] = ""
		}
		for _, a := range apprs {
			touched[blockOf(a.EnterpriseID, n)] = true
			of[a.ID] = a.EnterpriseID
		}
	}

	next := &recordView{blocks: slices.Clone(v.blocks), apprOf: v.apprOf.with(of),
		entOrder: v.entOrder, patOrder: v.patOrder, names: &nameIndex{}}
	for b := range touched {
		old := &v.blocks[b]
		nb := recordBlock{
			ents: slices.DeleteFunc(slices.Clone(old.ents), func(e data.Enterprise) bool {
				_, ok := slices.BinarySearch(ch.ents, e.ID)
				return ok
			}),
			pats: slices.DeleteFunc(slices.Clone(old.pats), func(p data.Patent) bool {
				_, ok := slices.BinarySearch(ch.pats, p.ApplicationNumber)
				return ok
			}),
			apprs: slices.DeleteFunc(slices.Clone(old.apprs), func(a data.Appraisal) bool {
				_, ok := slices.BinarySearch(ch.apprs, a.ID)
				return ok
			}),
		}
		for _, e := range ents {
			if blockOf(e.ID, n) == b {
				nb.ents = append(nb.ents, e)
			}
		}
		for _, p := range pats {
			if p.OwnerID != "" && blockOf(p.OwnerID, n) == b {
				nb.pats = append(nb.pats, p)
			}
		}
		for _, a := range apprs {
			if blockOf(a.EnterpriseID, n) == b {
				nb.apprs = append(nb.apprs, a)
			}
		}
		nb.sort()
		next.blocks[b] = nb
	}
	if len(ch.ents) > 0 {
		ids := make([]string, len(ents))
		for i := range ents {
			ids[i] = ents[i].ID
		}
		next.entOrder = v.entOrder.with(ch.ents, ids, ids, nil, next.inPool)
	}
	if len(ch.ents)+len(ch.pats) > 0 {
		var ids, owners []string
		for i := range pats {
			if pats[i].OwnerID != "" {
				ids = append(ids, pats[i].ApplicationNumber)
				owners = append(owners, pats[i].OwnerID)
			}
		}
		changed := make(map[string]bool, len(ch.ents))
		for _, id := range ch.ents {
			changed[id] = true
		}
		next.patOrder = v.patOrder.with(ch.pats, ids, owners, changed, next.inPool)
	}
	var err2 error
	next.compiled, err2 = v.compiled.recompile(ctx, next, touched)
	if err2 != nil {
		return nil, err2
	}
	return next, nil
}

// packPatents moves what each patent of page holds alone (its application
// number and title, its lists of IPC codes, applicants and transactions)
// into a few allocations shared by the page. The match state holds about
// ten objects a patent otherwise, and the garbage collector marks every
// one on every cycle: at 1,000,000 patents, under load, marking took a
// third of a node's CPU. The patents stay as they were in every other
// way (a nil list stays nil).
func packPatents(page []data.Patent) {
	var text, ipc, applicants, history int
	for i := range page {
		p := &page[i]
		text += len(p.ApplicationNumber) + len(p.Title)
		ipc, applicants, history = ipc+len(p.IPC), applicants+len(p.Applicants), history+len(p.History)
	}
	var b strings.Builder
	b.Grow(text)
	for i := range page {
		b.WriteString(page[i].ApplicationNumber)
		b.WriteString(page[i].Title)
	}
	all := b.String()
	ipcs, apps, txs := make([]string, 0, ipc), make([]string, 0, applicants), make([]data.Transaction, 0, history)
	for i := range page {
		p := &page[i]
		n := len(p.ApplicationNumber)
		p.ApplicationNumber, p.Title, all = all[:n], all[n:n+len(p.Title)], all[n+len(p.Title):]
		p.IPC, ipcs = packed(ipcs, p.IPC)
		p.Applicants, apps = packed(apps, p.Applicants)
		p.History, txs = packed(txs, p.History)
	}
}

// packed appends s to slab and returns its copy there (cut to its length,
// so that no append reaches into the next patent's) and the slab. A nil s
// stays nil.
func packed[T any](slab, s []T) ([]T, []T) {
	if s == nil {
		return nil, slab
	}
	start := len(slab)
	slab = append(slab, s...)
	return slab[start:len(slab):len(slab)], slab
}

// matchedPatent is p without the texts the matcher never reads (abstract,
// main claim, inventors, addresses, agents, the publication number), which
// are most of a patent's memory.
func matchedPatent(p data.Patent) data.Patent {
	p.Abstract, p.MainClaim, p.Inventors, p.Address, p.Agency, p.Agent = "", "", nil, "", "", ""
	p.PublicationNumber = ""
	// The strings that repeat across patents (an owner's ID and name, IPC
	// codes, regions, types and statuses) are kept once: about 100 MB at
	// 1,000,000 patents, and millions fewer objects for the collector to
	// mark on every cycle.
	p.OwnerID, p.Region = intern(p.OwnerID), intern(p.Region)
	p.Type, p.LegalStatus = data.PatentType(intern(string(p.Type))), data.LegalStatus(intern(string(p.LegalStatus)))
	for i := range p.IPC {
		p.IPC[i] = intern(p.IPC[i])
	}
	for i := range p.Applicants {
		p.Applicants[i] = intern(p.Applicants[i])
	}
	for i := range p.History {
		tx := &p.History[i]
		tx.Kind, tx.Party = data.TransactionKind(intern(string(tx.Kind))), intern(tx.Party)
	}
	return p
}

// interned holds the one copy of each string intern was given. It is a
// plain map rather than package unique: unique keeps about seven objects a
// distinct value (its trie's nodes, a weak handle and its special record),
// which the collector then marks on every cycle, 1.5 million of them at
// 1,000,000 patents against 200,000 strings here. A value is never
// forgotten: the distinct owner IDs, regions, IPC codes, applicants and
// banks a node has seen, a few tens of megabytes at a province.
var interned = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

// intern returns the one copy of s.
func intern(s string) string {
	interned.Lock()
	defer interned.Unlock()
	if c, ok := interned.m[s]; ok {
		return c
	}
	s = strings.Clone(s) // never a part of something larger, kept alive by it
	interned.m[s] = s
	return s
}

// compact sorts ids and drops repeats.
func compact(ids []string) []string {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// idIndex maps record IDs to IDs (a patent to its owner, an appraisal to
// its enterprise) in shards, so that a change copies the shards it
// touches rather than a map of a million entries. Immutable.
type idIndex struct {
	shards [256]map[string]string
}

func shardOf(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() & 255)
}

func (x *idIndex) get(id string) (string, bool) {
	v, ok := x.shards[shardOf(id)][id]
	return v, ok
}

// with returns x with the entries of set ("" removes).
func (x *idIndex) with(set map[string]string) *idIndex {
	if len(set) == 0 {
		return x
	}
	next := *x
	copied := map[int]bool{}
	for id, v := range set {
		s := shardOf(id)
		if !copied[s] {
			copied[s] = true
			m := make(map[string]string, len(x.shards[s])+1)
			for k, w := range x.shards[s] {
				m[k] = w
			}
			next.shards[s] = m
		}
		if v == "" {
			delete(next.shards[s], id)
		} else {
			next.shards[s][id] = v
		}
	}
	return &next
}
