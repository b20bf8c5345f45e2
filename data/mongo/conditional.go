package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"ipmatch/data"
)

// The conditional writes (data.Table Create and Update), without
// transactions. A Create is one insert, which the unique indexes on _id
// and key let only one writer win. An Update from revision r first claims
// revision r+1 by inserting the claim document {_id: kind/id/created/r+1}
// into the claims collection, whose unique _id lets one writer win, then
// replaces the record filtered on its _id and revision r. MongoDB alone
// would not need the claim (a filtered replace is atomic on one document),
// but FerretDB 1.x matches the filter and then writes by _id, so two
// replaces from one revision can both land; an insert into a unique index
// is atomic on both, so the claim makes Update hold on both, across any
// number of nodes.
//
// The claim is needed only until the replace is done: the writer then
// deletes it, whether the replace landed or not, so claims do not pile up.
// A late writer from r that claims r+1 after that finds the record past r
// and fails on the filter. A writer that dies between its claim and its
// replace leaves a claim on a record still at r; after claimTimeout, far
// beyond the time one replace may take (OpTimeout), the next writer
// removes it and claims again. created in the _id tells a record deleted
// and made again from the old one.

// claimsCollection holds the revision claims of Update.
const claimsCollection = "revision_claims"

// claimTimeout is when a claim whose record never reached its revision is
// taken to be left by a writer that died.
const claimTimeout = 4 * OpTimeout

// claim is a claim document.
type claim struct {
	ID string    `bson:"_id"`
	At time.Time `bson:"at"`
}

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
	p, err := t.beginAudit(ctx, data.AuditCreate, []string{w.id})
	if err != nil {
		return err
	}
	w.auditID = p.entryID(0)
	restore := t.keep(rec)
	now := stamp(time.Now())
	w.created = now
	if err := t.prepare(w, now); err != nil {
		restore()
		t.abandonAudit(ctx, p)
		return err
	}
	_, err = t.coll.InsertOne(ctx, &w.doc)
	if err == nil {
		t.finishAudit(ctx, p, data.AuditCreate, []string{w.id})
		return nil
	}
	restore()
	t.abandonAudit(ctx, p)
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
	if err := t.claim(ctx, w); err != nil {
		return err
	}
	// The claim has served once the replace is done (or refused).
	defer t.claims.DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: claimID(t.kind.Name, w.id, w.created, read+1)}})
	p, err := t.beginAudit(ctx, data.AuditUpdate, []string{w.id})
	if err != nil {
		return err
	}
	w.auditID = p.entryID(0)
	restore := t.keep(rec)
	if err := t.prepare(w, stamp(time.Now())); err != nil {
		restore()
		t.abandonAudit(ctx, p)
		return err
	}
	res, err := t.coll.ReplaceOne(ctx, replaceFilter(w), &w.doc)
	if err == nil && res.MatchedCount == 1 {
		t.finishAudit(ctx, p, data.AuditUpdate, []string{w.id})
		return nil
	}
	restore()
	if err == nil {
		t.abandonAudit(ctx, p) // matched nothing: nothing written
	}
	// After an error the intent stays: an outage may have come after the
	// write, and Recover tells by the document's audit_id.
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

// claimID names the claim of revision rev of the record id created at
// created.
func claimID(kind, id string, created time.Time, rev int64) string {
	return fmt.Sprintf("%s/%s/%d/%d", kind, id, created.UnixMilli(), rev)
}

// claim claims revision w.rev+1 of w's record for this Update, or returns
// the stale error when another writer holds the claim.
func (t *table[T]) claim(ctx context.Context, w *write[T]) error {
	id := claimID(t.kind.Name, w.id, w.created, w.rev+1)
	for attempt := 1; ; attempt++ {
		_, err := t.claims.InsertOne(ctx, claim{ID: id, At: stamp(time.Now())})
		if err == nil {
			return nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return t.fail("claiming a revision in", err)
		}
		var c claim
		err = t.claims.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&c)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments) && attempt < 3:
			continue // removed meanwhile: claim again
		case err != nil && !errors.Is(err, mongo.ErrNoDocuments):
			return t.fail("reading a revision claim in", err)
		case attempt < 3 && err == nil && time.Since(c.At) > claimTimeout:
			// Left by a writer that died, if the record is still at the
			// revision it claimed from.
			var d stored
			err := t.coll.FindOne(ctx, bson.D{{Key: "_id", Value: w.id}}, options.FindOne().SetProjection(storedProjection)).Decode(&d)
			if err == nil && d.Rev == w.rev {
				if _, err := t.claims.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "at", Value: c.At}}); err != nil {
					return t.fail("removing a revision claim in", err)
				}
				continue
			}
		}
		return t.kind.Stale(w.id, w.rev, w.rev+1)
	}
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
