package search

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/search/query"

	"ipmatch/data"
)

// Wrap returns store with its Patents, Enterprises, Products and Banks
// tables decorated so that every Put and Delete updates idx before it
// returns: API writes and imports keep the index in step with no change to
// their code. Other tables pass through.
//
// The order makes a crash detectable: the dirty marker is written (and
// synced) before the store write, and removed only once the index update
// is persisted and no other write is in flight. If the process dies in
// between, the marker is still there and the next Open rebuilds. When the
// store write fails, the records it may have written in part (MongoDB
// writes record by record) are read back and indexed as stored. When the
// index update itself fails, the error is logged, the store's answer is
// returned unchanged and the marker stays, so the next Open rebuilds.
//
// Close on the returned store closes idx, then store. idx must have been
// opened on store (not on the wrapped store).
func Wrap(store data.Store, idx *Index) data.Store {
	return &wrapped{
		Store:       store,
		idx:         idx,
		patents:     &table[data.Patent]{Table: store.Patents(), x: idx, kind: data.PatentKind, apply: idx.syncPatents},
		enterprises: &table[data.Enterprise]{Table: store.Enterprises(), x: idx, kind: data.EnterpriseKind, apply: idx.syncEnterprises},
		products:    &table[data.Product]{Table: store.Products(), x: idx, kind: data.ProductKind, apply: idx.syncProducts},
		banks:       &table[data.Bank]{Table: store.Banks(), x: idx, kind: data.BankKind, apply: idx.syncBanks},
	}
}

// wrapped is the decorated store.
type wrapped struct {
	data.Store
	idx         *Index
	patents     *table[data.Patent]
	enterprises *table[data.Enterprise]
	products    *table[data.Product]
	banks       *table[data.Bank]
}

// Patents returns the patents table, which updates the index.
func (w *wrapped) Patents() data.Table[data.Patent] { return w.patents }

// Enterprises returns the enterprises table, which updates the index.
func (w *wrapped) Enterprises() data.Table[data.Enterprise] { return w.enterprises }

// Products returns the products table, which updates the index.
func (w *wrapped) Products() data.Table[data.Product] { return w.products }

// Banks returns the banks table, which re-indexes a bank's products.
func (w *wrapped) Banks() data.Table[data.Bank] { return w.banks }

// Close closes the index, then the store.
func (w *wrapped) Close() error {
	return errors.Join(w.idx.Close(), w.Store.Close())
}

// table decorates one table. apply brings the index in step with the
// records of the given IDs as the store now holds them: recs are the
// records written (nil to read every ID back from the store), and the
// returned function, when not nil, must be called once the update is
// persisted or abandoned.
type table[T any] struct {
	data.Table[T]
	x     *Index
	kind  data.Kind[T]
	apply func(ctx context.Context, ids []string, recs []*T) error
}

// Put writes recs to the store, then indexes them.
func (t *table[T]) Put(ctx context.Context, recs ...*T) ([]data.PutOutcome, error) {
	if err := t.x.begin(); err != nil {
		return nil, err
	}
	out, err := t.Table.Put(ctx, recs...)
	switch {
	case err == nil:
		t.sync(ctx, t.ids(recs), recs)
	case data.ErrorCode(err) == data.CodeInvalid:
		t.x.end(false) // refused before anything was written
	default:
		// A failing batch may have written some records: index what the
		// store holds for every ID the batch had.
		t.sync(ctx, t.ids(recs), nil)
	}
	return out, err
}

// Create inserts rec into the store, then indexes it.
func (t *table[T]) Create(ctx context.Context, rec *T) error {
	return t.conditional(ctx, rec, t.Table.Create)
}

// Update replaces rec in the store if unchanged since read, then indexes
// it.
func (t *table[T]) Update(ctx context.Context, rec *T) error {
	return t.conditional(ctx, rec, t.Table.Update)
}

// conditional makes the conditional write of rec, then indexes it; a
// refused write changes neither.
func (t *table[T]) conditional(ctx context.Context, rec *T, write func(context.Context, *T) error) error {
	if err := t.x.begin(); err != nil {
		return err
	}
	err := write(ctx, rec)
	switch data.ErrorCode(err) {
	case "":
		t.sync(ctx, []string{*t.kind.ID(rec)}, []*T{rec})
	case data.CodeInternal:
		// An outage may have left it written: index what the store holds.
		t.sync(ctx, t.ids([]*T{rec}), nil)
	default:
		t.x.end(false) // refused: nothing was written
	}
	return err
}

// Delete removes the record from the store, then from the index.
func (t *table[T]) Delete(ctx context.Context, id string) error {
	if err := t.x.begin(); err != nil {
		return err
	}
	err := t.Table.Delete(ctx, id)
	t.sync(ctx, []string{id}, nil)
	return err
}

// ids returns the IDs of recs that have one.
func (t *table[T]) ids(recs []*T) []string {
	ids := make([]string, 0, len(recs))
	for _, r := range recs {
		if id := *t.kind.ID(r); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// sync updates the index and ends the write begun by Put or Delete.
func (t *table[T]) sync(ctx context.Context, ids []string, recs []*T) {
	if t.x.skipIndex {
		t.x.end(true) // as if the process died: the marker stays
		return
	}
	// The store write is done; finish the index update even if the
	// caller gives up now.
	ctx = context.WithoutCancel(ctx)
	if err := t.apply(ctx, ids, recs); err != nil {
		t.x.logger.ErrorContext(ctx, "search index update failed; the index will be rebuilt on the next start",
			"kind", t.kind.Name, "ids", len(ids), "err", err)
		t.x.end(true)
	}
}

// readBack returns the stored records of ids, and the ids no longer stored,
// in one List (a follower may ask for thousands at once).
func readBack[T any](ctx context.Context, tbl data.Table[T], kind data.Kind[T], ids []string) ([]*T, []string, error) {
	recs, _, err := tbl.List(ctx, data.ListOptions{IDs: ids})
	if err != nil {
		return nil, nil, err
	}
	found := make([]*T, len(recs))
	stored := make(map[string]bool, len(recs))
	for i := range recs {
		found[i] = &recs[i]
		stored[*kind.ID(&recs[i])] = true
	}
	var gone []string
	for _, id := range ids {
		if !stored[id] {
			gone = append(gone, id)
		}
	}
	return found, gone, nil
}

// update applies one batch of index changes to kind k: docs are indexed,
// deletes removed. It calls end when the batch is persisted; on an error
// it returns it and end is the caller's.
func (x *Index) update(k string, docs []*document.Document, deletes []string) error {
	x.rw.RLock()
	defer x.rw.RUnlock()
	ki, ok := x.kinds[k]
	if !ok {
		return errClosed
	}
	b := ki.bi.NewBatch()
	for _, d := range docs {
		if err := b.IndexAdvanced(d); err != nil {
			return err
		}
	}
	for _, id := range deletes {
		b.Delete(id)
	}
	b.SetPersistedCallback(func(err error) {
		if err != nil {
			x.logger.Error("search index update not persisted; the index will be rebuilt on the next start", "kind", k, "err", err)
		}
		x.end(err != nil)
	})
	if err := ki.bi.Batch(b); err != nil {
		return err
	}
	x.gen.Add(1)
	return nil
}

// builderOf returns the document builder of kind k.
func (x *Index) builderOf(k string) (*builder, error) {
	x.rw.RLock()
	defer x.rw.RUnlock()
	ki, ok := x.kinds[k]
	if !ok {
		return nil, errClosed
	}
	return ki.b, nil
}

func (x *Index) syncPatents(ctx context.Context, ids []string, recs []*data.Patent) error {
	var gone []string
	if recs == nil {
		var err error
		if recs, gone, err = readBack(ctx, x.store.Patents(), data.PatentKind, ids); err != nil {
			return err
		}
	}
	b, err := x.builderOf(Patents)
	if err != nil {
		return err
	}
	var owners []string
	for _, r := range recs {
		if r.OwnerID != "" {
			owners = append(owners, r.OwnerID)
		}
	}
	of := map[string]owner{}
	if len(owners) > 0 {
		slices.Sort(owners)
		ents, _, err := x.store.Enterprises().List(ctx, data.ListOptions{IDs: slices.Compact(owners)})
		if err != nil {
			return err
		}
		for i := range ents {
			of[ents[i].ID] = ownerOf(&ents[i])
		}
	}
	docs := make([]*document.Document, len(recs))
	for i, r := range recs {
		docs[i] = b.patent(r, of[r.OwnerID])
	}
	return x.update(Patents, docs, gone)
}

func (x *Index) syncEnterprises(ctx context.Context, ids []string, recs []*data.Enterprise) error {
	var gone []string
	if recs == nil {
		var err error
		if recs, gone, err = readBack(ctx, x.store.Enterprises(), data.EnterpriseKind, ids); err != nil {
			return err
		}
	}
	b, err := x.builderOf(Enterprises)
	if err != nil {
		return err
	}
	docs := make([]*document.Document, len(recs))
	for i, r := range recs {
		docs[i] = b.enterprise(r)
	}
	// The patents first: an error leaves the enterprises for the caller
	// to count as not indexed.
	if err := x.syncOwners(ctx, recs, gone); err != nil {
		return err
	}
	return x.update(Enterprises, docs, gone)
}

// syncOwners re-indexes the patents whose documents no longer say what
// their owner's record says (owner: the pool consent and the industry):
// those of the enterprises recs (as now stored) and gone (no longer
// stored: owned by no one in ipmatch). The update is a write of its own
// (begin, end).
func (x *Index) syncOwners(ctx context.Context, recs []*data.Enterprise, gone []string) error {
	byKey := map[string][]string{} // owners by what their patents should say
	for _, r := range recs {
		k := ownerOf(r).key()
		byKey[k] = append(byKey[k], r.ID)
	}
	if len(gone) > 0 {
		k := owner{}.key()
		byKey[k] = append(byKey[k], gone...)
	}
	var stale []string
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		ids, err := x.patentsNotSaying(ctx, byKey[k], k)
		if err != nil {
			return err
		}
		stale = append(stale, ids...)
	}
	if len(stale) == 0 {
		return nil
	}
	if err := x.begin(); err != nil {
		return err
	}
	if err := x.syncPatents(ctx, stale, nil); err != nil {
		x.end(true)
		return err
	}
	return nil
}

// ownerChunk bounds the owners of one query of patentsNotSaying.
const ownerChunk = 1024

// patentsNotSaying returns the indexed patents of the owners given whose
// owner_facts is not key. Most changes of an enterprise change neither
// its pool consent nor its industry: the query then finds nothing.
func (x *Index) patentsNotSaying(ctx context.Context, owners []string, key string) ([]string, error) {
	x.rw.RLock()
	defer x.rw.RUnlock()
	ki, ok := x.kinds[Patents]
	if !ok {
		return nil, errClosed
	}
	var ids []string
	for len(owners) > 0 {
		chunk := owners[:min(len(owners), ownerChunk)]
		owners = owners[len(chunk):]
		q := query.NewBooleanQuery([]query.Query{anyOf("owner_id", chunk...)}, nil, []query.Query{term("owner_facts", key)})
		for from := 0; ; {
			req := bleve.NewSearchRequestOptions(q, 10_000, from, false)
			res, err := ki.bi.SearchInContext(ctx, req)
			if err != nil {
				return nil, err
			}
			for _, h := range res.Hits {
				ids = append(ids, h.ID)
			}
			from += len(res.Hits)
			if len(res.Hits) == 0 || uint64(from) >= res.Total {
				break
			}
		}
	}
	return ids, nil
}

func (x *Index) syncProducts(ctx context.Context, ids []string, recs []*data.Product) error {
	var gone []string
	if recs == nil {
		var err error
		if recs, gone, err = readBack(ctx, x.store.Products(), data.ProductKind, ids); err != nil {
			return err
		}
	}
	return x.indexProducts(ctx, recs, gone)
}

// indexProducts indexes recs with their banks' names and removes gone.
func (x *Index) indexProducts(ctx context.Context, recs []*data.Product, gone []string) error {
	b, err := x.builderOf(Products)
	if err != nil {
		return err
	}
	names := map[string]string{}
	docs := make([]*document.Document, len(recs))
	for i, r := range recs {
		name, ok := names[r.BankID]
		if !ok && r.BankID != "" {
			bank, err := x.store.Banks().Get(ctx, r.BankID)
			if err != nil && data.ErrorCode(err) != data.CodeNotFound {
				return err
			}
			name = bankLabel(&bank)
			names[r.BankID] = name
		}
		docs[i] = b.product(r, name)
	}
	return x.update(Products, docs, gone)
}

// syncBanks re-indexes the products of the banks ids: they carry the
// bank's name. Banks have no index of their own.
func (x *Index) syncBanks(ctx context.Context, ids []string, _ []*data.Bank) error {
	var prods []*data.Product
	for _, id := range ids {
		ps, _, err := x.store.Products().List(ctx, data.ListOptions{Refs: data.Refs{Bank: id}})
		if err != nil {
			return err
		}
		for i := range ps {
			prods = append(prods, &ps[i])
		}
	}
	return x.indexProducts(ctx, prods, nil)
}
