package mongo

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The conditional writes (data.Table Create and Update), without
// transactions: a Create is one insert, which the unique indexes on _id
// and key let only one writer win; an Update is one replace filtered on
// the _id and the revision read, which only one writer from that revision
// can match. Both hold across any number of nodes on one replica set, and
// on FerretDB.

// Create inserts rec if neither its ID nor its natural key is stored.
func (t *table[T]) Create(ctx context.Context, rec *T) error {
	if err := t.kind.Check([]*T{rec}); err != nil {
		return err
	}
	w := &write[T]{rec: rec, id: *t.kind.ID(rec), natural: t.kind.Key(rec), isNew: true}
	w.given = w.id != ""
	if w.id == "" {
		w.id = t.kind.NewID()
	}
	w.key = idKey(w.id)
	if w.natural != "" {
		w.key = naturalKey(w.natural)
	}
	restore := t.keep(rec)
	now := stamp(time.Now())
	w.created = now
	if err := t.prepare(w, now); err != nil {
		restore()
		return err
	}
	_, err := t.coll.InsertOne(ctx, &w.doc)
	if err == nil {
		return nil
	}
	restore()
	if !mongo.IsDuplicateKeyError(err) {
		return t.fail("inserting into", err)
	}
	if w.natural != "" {
		var h stored
		herr := t.coll.FindOne(ctx, bson.D{{Key: "key", Value: w.key}}, options.FindOne().SetProjection(storedProjection)).Decode(&h)
		if herr == nil && h.ID != w.id {
			return t.kind.KeyConflict(w.natural, h.ID)
		}
	}
	return t.kind.Exists(w.id)
}

// Update replaces the record with rec's ID if it still has rec's revision.
func (t *table[T]) Update(ctx context.Context, rec *T) error {
	if t.kind.Rev == nil {
		panic("mongo: Update of " + t.kind.Name + ", which has no revisions")
	}
	if err := t.kind.Check([]*T{rec}); err != nil {
		return err
	}
	w := &write[T]{rec: rec, id: *t.kind.ID(rec), natural: t.kind.Key(rec), given: true}
	w.key = idKey(w.id)
	if w.natural != "" {
		w.key = naturalKey(w.natural)
	}
	read := *t.kind.Rev(rec)
	var d stored
	err := t.coll.FindOne(ctx, bson.D{{Key: "_id", Value: w.id}}, options.FindOne().SetProjection(storedProjection)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return t.kind.NotFound(w.id)
	}
	if err != nil {
		return t.fail("reading", err)
	}
	if d.Rev != read {
		return t.kind.Stale(w.id, read, d.Rev)
	}
	w.rev, w.created = read, d.CreatedAt.UTC()
	restore := t.keep(rec)
	if err := t.prepare(w, stamp(time.Now())); err != nil {
		restore()
		return err
	}
	res, err := t.coll.ReplaceOne(ctx, replaceFilter(w), &w.doc)
	if err == nil && res.MatchedCount == 1 {
		return nil
	}
	restore()
	if err != nil {
		if w.natural != "" {
			// MongoDB answers a duplicate key, FerretDB an internal error.
			var h stored
			herr := t.coll.FindOne(ctx, bson.D{{Key: "key", Value: w.key}}, options.FindOne().SetProjection(storedProjection)).Decode(&h)
			if herr == nil && h.ID != w.id {
				return t.kind.KeyConflict(w.natural, h.ID)
			}
		}
		return t.fail("writing to", err)
	}
	// Matched nothing: written or deleted since it was read.
	err = t.coll.FindOne(ctx, bson.D{{Key: "_id", Value: w.id}}, options.FindOne().SetProjection(storedProjection)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return t.kind.NotFound(w.id)
	}
	if err != nil {
		return t.fail("reading", err)
	}
	return t.kind.Stale(w.id, read, d.Rev)
}

// keep returns a function that puts back the ID, stamps and revision of
// rec as they are now, for a conditional write that is refused.
func (t *table[T]) keep(rec *T) func() {
	id := *t.kind.ID(rec)
	c, u := t.kind.Stamps(rec)
	created, updated := *c, *u
	var rev int64
	if t.kind.Rev != nil {
		rev = *t.kind.Rev(rec)
	}
	return func() {
		*t.kind.ID(rec), *c, *u = id, created, updated
		if t.kind.Rev != nil {
			*t.kind.Rev(rec) = rev
		}
	}
}
