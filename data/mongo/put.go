package mongo

import (
	"context"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"ipmatch/data"
)

// A Put goes in three steps, none needing a transaction:
//
//  1. plan: Kind.Check, then, when the batch has natural keys, one query for
//     the stored records holding those keys or the given IDs. The batch is
//     then played through in order in memory: IDs are resolved (a record
//     without one takes the holder of its natural key, else a new ID), a key
//     held by another ID is a conflict and nothing is written, and each
//     record is marked as an insert (not stored yet) or a replace.
//  2. insert: the new records go in one unordered BulkWrite of inserts, the
//     fast path of an import on MongoDB and FerretDB alike. An insert refused
//     with a duplicate key means the record is stored after all (step 1
//     reads stored IDs only for kinds with natural keys, and another writer
//     may have come in between); it joins step 3 with its stored created_at.
//  3. replace: the rest go in ordered BulkWrites of upserting replaces, in
//     batch order: one BulkWrite on MongoDB, chunks of ferretReplaceChunk on
//     FerretDB. If that fails, they are written again one at a time (writing
//     the same documents twice changes nothing), so that a conflict is
//     reported for the right record whatever the server says about it:
//     MongoDB answers a duplicate key, FerretDB an internal error (and one
//     command error for a whole update batch).

// writeMode says how step 2 and 3 write a record.
type writeMode int

const (
	insertMode  writeMode = iota // a new record, inserted in step 2
	replaceMode                  // a stored record, or one that must wait its turn: step 3
)

// write is one record of a Put on its way to the store.
type write[T any] struct {
	rec     *T
	id      string
	given   bool   // the caller gave the ID
	natural string // natural key, "" when none
	key     string // the document's key field
	mode    writeMode
	first   int  // index of the first record of the batch with this ID
	isNew   bool // the write creates the record
	created time.Time
	doc     document
}

// Put inserts or replaces records; see data.Table and the steps above.
func (t *table[T]) Put(ctx context.Context, recs ...*T) ([]data.PutOutcome, error) {
	if len(recs) == 0 {
		return []data.PutOutcome{}, nil
	}
	if err := t.kind.Check(recs); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, t.fail("writing to", err)
	}
	now := stamp(time.Now())
	ws, err := t.plan(ctx, recs, now)
	if err != nil {
		return nil, err
	}
	if err := t.insertNew(ctx, ws, now); err != nil {
		return nil, err
	}
	if err := t.replaceRest(ctx, ws, now); err != nil {
		return nil, err
	}
	out := make([]data.PutOutcome, len(ws))
	for i := range ws {
		out[i] = data.PutOutcome{ID: ws[i].id, Created: ws[i].isNew}
	}
	return out, nil
}

// plan resolves IDs, finds natural-key conflicts and chooses how each record
// is written. It changes no record.
func (t *table[T]) plan(ctx context.Context, recs []*T, now time.Time) ([]write[T], error) {
	ws := make([]write[T], len(recs))
	var keys, ids []string
	for i, r := range recs {
		w := &ws[i]
		w.rec, w.id, w.natural = r, *t.kind.ID(r), t.kind.Key(r)
		w.given = w.id != ""
		if w.natural != "" {
			keys = append(keys, naturalKey(w.natural))
			if w.given {
				ids = append(ids, w.id)
			}
		}
	}

	holder := map[string]string{}   // key field → ID, as the batch goes
	keyOf := map[string]string{}    // ID → key field, as the batch goes
	dbHolder := map[string]string{} // key field → ID, as stored
	known := map[string]time.Time{} // ID → created_at of stored records
	if len(keys) > 0 {
		docs, err := t.readStored(ctx, keys, ids)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			holder[d.Key], dbHolder[d.Key], keyOf[d.ID] = d.ID, d.ID, d.Key
			known[d.ID] = d.CreatedAt.UTC()
		}
	}

	first := map[string]int{}
	for i := range ws {
		w := &ws[i]
		if w.id == "" && w.natural != "" {
			w.id = holder[naturalKey(w.natural)]
		}
		if w.id == "" {
			w.id = t.kind.NewID()
		}
		w.key = idKey(w.id)
		if w.natural != "" {
			w.key = naturalKey(w.natural)
		}
		if h, ok := holder[w.key]; ok && h != w.id {
			return nil, t.kind.KeyConflict(w.natural, h)
		}
		if old, ok := keyOf[w.id]; ok && old != w.key {
			delete(holder, old)
		}
		holder[w.key], keyOf[w.id] = w.id, w.key

		if j, ok := first[w.id]; ok { // a later version of an earlier record
			w.first, w.mode = j, replaceMode
			continue
		}
		first[w.id], w.first = i, i
		if c, ok := known[w.id]; ok {
			w.created, w.mode = c, replaceMode
			continue
		}
		w.isNew, w.created = true, now
		if h, ok := dbHolder[w.key]; ok && h != w.id {
			// The key is stored under another ID that an earlier record of
			// the batch moves away: insert only after that replace.
			w.mode = replaceMode
		}
	}
	return ws, nil
}

// readStored returns the stored records holding any of keys (values of the
// key field) or ids.
func (t *table[T]) readStored(ctx context.Context, keys, ids []string) ([]stored, error) {
	var or bson.A
	if len(keys) > 0 {
		or = append(or, bson.D{{Key: "key", Value: bson.D{{Key: "$in", Value: keys}}}})
	}
	if len(ids) > 0 {
		or = append(or, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	}
	filter := bson.D{{Key: "$or", Value: or}}
	if len(or) == 1 {
		filter = or[0].(bson.D)
	}
	cur, err := t.coll.Find(ctx, filter, options.Find().SetProjection(storedProjection))
	if err != nil {
		return nil, t.fail("reading", err)
	}
	var docs []stored
	if err := cur.All(ctx, &docs); err != nil {
		return nil, t.fail("reading", err)
	}
	return docs, nil
}

// prepare sets the ID and time stamps of w's record and builds its document.
func (t *table[T]) prepare(w *write[T], now time.Time) error {
	*t.kind.ID(w.rec) = w.id
	created, updated := t.kind.Stamps(w.rec)
	*created, *updated = w.created, now
	body, hidden, err := t.codec.encode(w.rec)
	if err != nil {
		return t.fail("encoding a record for", err)
	}
	w.doc = document{ID: w.id, Key: w.key, CreatedAt: w.created, UpdatedAt: now, Body: body, Hidden: hidden}
	refs := t.kind.Refs(w.rec)
	for _, f := range refFields {
		f.set(&w.doc, f.get(refs))
	}
	return nil
}

// insertNew is step 2: it inserts the records planned as new, and moves
// those that turn out to be stored to step 3.
func (t *table[T]) insertNew(ctx context.Context, ws []write[T], now time.Time) error {
	var idx []int
	var models []mongo.WriteModel
	for i := range ws {
		if ws[i].mode != insertMode {
			continue
		}
		if err := t.prepare(&ws[i], now); err != nil {
			return err
		}
		idx = append(idx, i)
		models = append(models, mongo.NewInsertOneModel().SetDocument(&ws[i].doc))
	}
	if len(models) == 0 {
		return nil
	}
	_, err := t.coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
	if err == nil {
		return nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return t.fail("inserting into", err)
	}
	var lost []string
	for _, we := range bwe.WriteErrors {
		if we.Index < 0 || we.Index >= len(idx) || !mongo.IsDuplicateKeyError(we.WriteError) {
			return t.fail("inserting into", err)
		}
		w := &ws[idx[we.Index]]
		w.mode = replaceMode
		if w.given {
			lost = append(lost, w.id)
		}
		// A new ID cannot be stored yet: the natural key was taken since
		// plan; step 3 sorts it out.
	}
	if len(lost) == 0 {
		return nil
	}
	docs, err := t.readStored(ctx, nil, lost)
	if err != nil {
		return err
	}
	byID := make(map[string]*write[T], len(lost))
	for i := range ws {
		if ws[i].mode == replaceMode && ws[i].first == i {
			byID[ws[i].id] = &ws[i]
		}
	}
	for _, d := range docs {
		if w := byID[d.ID]; w != nil && w.isNew {
			w.isNew, w.created = false, d.CreatedAt.UTC()
		}
	}
	return nil
}

// replaceRest is step 3: it writes the remaining records in batch order.
func (t *table[T]) replaceRest(ctx context.Context, ws []write[T], now time.Time) error {
	var rest []int
	var models []mongo.WriteModel
	for i := range ws {
		w := &ws[i]
		if w.mode != replaceMode {
			continue
		}
		if w.first != i {
			w.isNew, w.created = false, ws[w.first].created
		}
		if err := t.prepare(w, now); err != nil {
			return err
		}
		rest = append(rest, i)
		models = append(models, mongo.NewReplaceOneModel().
			SetFilter(bson.D{{Key: "_id", Value: w.id}}).
			SetReplacement(&w.doc).
			SetUpsert(true))
	}
	var err error
	for chunk := range slices.Chunk(models, t.replaceChunk) {
		if _, err = t.coll.BulkWrite(ctx, chunk, options.BulkWrite().SetOrdered(true)); err != nil {
			break
		}
	}
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return t.fail("writing to", err)
	}
	t.log.InfoContext(ctx, "batch replace failed; writing records one at a time", "records", len(rest), "err", err)
	for _, i := range rest {
		w := &ws[i]
		if w.first != i && ws[w.first].id != w.id { // the first version took over another record
			w.id, w.created = ws[w.first].id, ws[w.first].created
			if err := t.prepare(w, now); err != nil {
				return err
			}
		}
		if err := t.replaceOne(ctx, w, now); err != nil {
			return err
		}
	}
	return nil
}

// replaceOne writes one record of step 3 on its own and tells a natural-key
// conflict from other failures by looking the key up.
func (t *table[T]) replaceOne(ctx context.Context, w *write[T], now time.Time) error {
	for attempt := 1; ; attempt++ {
		_, err := t.coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: w.id}}, &w.doc, options.Replace().SetUpsert(true))
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || attempt == 3 {
			return t.fail("writing to", err)
		}
		if w.natural == "" {
			if mongo.IsDuplicateKeyError(err) {
				continue // two upserts of one new ID raced; now it is stored
			}
			return t.fail("writing to", err)
		}
		var h stored
		herr := t.coll.FindOne(ctx, bson.D{{Key: "key", Value: w.key}},
			options.FindOne().SetProjection(storedProjection)).Decode(&h)
		switch {
		case errors.Is(herr, mongo.ErrNoDocuments) || herr == nil && h.ID == w.id:
			if mongo.IsDuplicateKeyError(err) {
				continue // the holder moved on; try again
			}
			return t.fail("writing to", err)
		case herr != nil:
			return t.fail("writing to", err)
		case w.given:
			return t.kind.KeyConflict(w.natural, h.ID)
		}
		// The caller gave no ID and another Put stored the natural key
		// since plan: this record is that one, as if this Put came later.
		w.id, w.isNew, w.created = h.ID, false, h.CreatedAt.UTC()
		if err := t.prepare(w, now); err != nil {
			return err
		}
	}
}
