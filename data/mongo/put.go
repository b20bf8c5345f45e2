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
	rev     int64  // the stored revision this write replaces, 0 for a new record
	auditID string // the write's audit entry (audit.go), "" when not logged
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
	ids := make([]string, len(ws))
	for i := range ws {
		ids[i] = ws[i].id
	}
	p, err := t.beginAudit(ctx, data.AuditPut, ids)
	if err != nil {
		return nil, err
	}
	for i := range ws {
		ws[i].auditID = p.entryID(i)
	}
	// A failed write keeps its intent: it may have written records.
	if err := t.insertNew(ctx, ws, now); err != nil {
		return nil, err
	}
	if err := t.replaceRest(ctx, ws, now); err != nil {
		return nil, err
	}
	out := make([]data.PutOutcome, len(ws))
	for i := range ws {
		out[i] = data.PutOutcome{ID: ws[i].id, Created: ws[i].isNew}
		ids[i] = ws[i].id
	}
	t.finishAudit(ctx, p, data.PutAction(out), ids)
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
	known := map[string]stored{}    // ID → the stored record
	if len(keys) > 0 {
		docs, err := t.readStored(ctx, keys, ids)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			holder[d.Key], dbHolder[d.Key], keyOf[d.ID] = d.ID, d.ID, d.Key
			known[d.ID] = d
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
		if d, ok := known[w.id]; ok {
			w.created, w.rev, w.mode = d.CreatedAt.UTC(), d.Rev, replaceMode
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
	if t.kind.Rev != nil {
		*t.kind.Rev(w.rec) = w.rev + 1
	}
	body, hidden, err := t.codec.encode(w.rec)
	if err != nil {
		return t.fail("encoding a record for", err)
	}
	w.doc = document{ID: w.id, Key: w.key, CreatedAt: w.created, UpdatedAt: now, Rev: w.rev + 1, Body: body, Hidden: hidden,
		AuditID: w.auditID}
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
			w.isNew, w.created, w.rev = false, d.CreatedAt.UTC(), d.Rev
		}
	}
	return nil
}

// replaceRest is step 3: it writes the remaining records in batch order.
// A stored record is replaced only at the revision read (step 1 or 2), so
// that no concurrent write is overwritten unseen under the same revision:
// a record written since is read again and written one at a time.
func (t *table[T]) replaceRest(ctx context.Context, ws []write[T], now time.Time) error {
	var rest []int
	var models []mongo.WriteModel
	last := map[string]*write[T]{} // ID → the latest write of it so far
	for i := range ws {
		w := &ws[i]
		if w.mode != replaceMode {
			continue
		}
		if p := last[w.id]; p != nil {
			w.isNew, w.created, w.rev = false, p.created, p.rev+1
		}
		last[w.id] = w
		if err := t.prepare(w, now); err != nil {
			return err
		}
		rest = append(rest, i)
		models = append(models, t.replaceModel(w))
	}
	done := 0 // records of rest written for sure
	var err error
	for chunk := range slices.Chunk(models, t.replaceChunk) {
		var res *mongo.BulkWriteResult
		res, err = t.coll.BulkWrite(ctx, chunk, options.BulkWrite().SetOrdered(true))
		if err == nil && res.MatchedCount+res.UpsertedCount < int64(len(chunk)) {
			err = errors.New("a record was written since it was read")
		}
		if err != nil {
			break
		}
		done += len(chunk)
	}
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return t.fail("writing to", err)
	}
	t.log.InfoContext(ctx, "batch replace failed; writing records one at a time", "records", len(rest)-done, "err", err)
	for _, i := range rest[done:] {
		w := &ws[i]
		if w.first != i && ws[w.first].id != w.id { // the first version took over another record
			w.id, w.created = ws[w.first].id, ws[w.first].created
		}
		if err := t.prepare(w, now); err != nil {
			return err
		}
		if err := t.replaceOne(ctx, w, now); err != nil {
			return err
		}
	}
	return nil
}

// replaceModel is the write of w in step 3: an upsert of a new record, or
// a replace of a stored one at the revision read.
func (t *table[T]) replaceModel(w *write[T]) mongo.WriteModel {
	return mongo.NewReplaceOneModel().SetFilter(replaceFilter(w)).SetReplacement(&w.doc).SetUpsert(w.isNew)
}

// replaceFilter selects the document w replaces: its ID at the revision
// read (none for a new record, which an upsert then inserts; if another
// writer inserted it first, the upsert fails on the duplicate _id).
func replaceFilter[T any](w *write[T]) bson.D {
	return bson.D{{Key: "_id", Value: w.id}, {Key: "rev", Value: revIs(w.rev)}}
}

// replaceOne writes one record of step 3 on its own. A record written or
// inserted by someone else since it was read is read again and written at
// its new revision (Put is last-writer-wins); a duplicate key is told from
// other failures by looking the natural key up.
func (t *table[T]) replaceOne(ctx context.Context, w *write[T], now time.Time) error {
	const attempts = 8
	for attempt := 1; ; attempt++ {
		res, err := t.coll.ReplaceOne(ctx, replaceFilter(w), &w.doc, options.Replace().SetUpsert(w.isNew))
		if err == nil && res.MatchedCount+res.UpsertedCount > 0 {
			return nil
		}
		if ctx.Err() != nil || attempt == attempts {
			if err == nil {
				err = errors.New("the record kept changing while it was being written")
			}
			return t.fail("writing to", err)
		}
		if err != nil && !mongo.IsDuplicateKeyError(err) && w.natural == "" {
			return t.fail("writing to", err)
		}
		if err != nil && w.natural != "" {
			var h stored
			herr := t.coll.FindOne(ctx, bson.D{{Key: "key", Value: w.key}},
				options.FindOne().SetProjection(storedProjection)).Decode(&h)
			switch {
			case errors.Is(herr, mongo.ErrNoDocuments) || herr == nil && h.ID == w.id:
				if !mongo.IsDuplicateKeyError(err) {
					return t.fail("writing to", err)
				}
				// The holder moved on, or the _id clashed: try again below.
			case herr != nil:
				return t.fail("writing to", err)
			case w.given:
				return t.kind.KeyConflict(w.natural, h.ID)
			default:
				// The caller gave no ID and another Put stored the natural
				// key since plan: this record is that one, as if this Put
				// came later.
				w.id = h.ID
			}
		}
		if err := t.reread(ctx, w); err != nil {
			return err
		}
		if err := t.prepare(w, now); err != nil {
			return err
		}
	}
}

// reread reads the stored revision and created_at of w's record again, so
// that w replaces the record as it now stands (or inserts it, if it is
// gone).
func (t *table[T]) reread(ctx context.Context, w *write[T]) error {
	var d stored
	err := t.coll.FindOne(ctx, bson.D{{Key: "_id", Value: w.id}}, options.FindOne().SetProjection(storedProjection)).Decode(&d)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		w.isNew, w.rev = true, 0
	case err != nil:
		return t.fail("reading", err)
	default:
		w.isNew, w.rev, w.created = false, d.Rev, d.CreatedAt.UTC()
	}
	return nil
}
