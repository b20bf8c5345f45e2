package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"ipmatch/data"
)

// Audit entries without transactions. A write asked to log itself
// (data.AuditRequest) goes in three steps:
//
//  1. the records are written with their entry, less its IDs, in the
//     document's audit_pending field: the same atomic write of each
//     document, so no crash can leave a record without it;
//  2. the entries are inserted into the audit log under the IDs chosen
//     before step 1;
//  3. audit_pending is removed from the records (a delete, which cannot
//     keep a field on a gone document, sets it first and deletes last).
//
// A node that dies between step 1 and 3 leaves documents marked. Recover
// finds them, appends each missing entry under a new ID (so that followers
// already past the old one read it) and finishes a delete; its own marks
// at once when the node starts again, other nodes' once pendingGrace has
// passed (they may still be on their way to step 2). So each write ends up
// with its entry or, if step 1 never happened, neither.

// pendingGrace is when another node's mark counts as left by a node that
// died: far beyond the time steps 1 to 3 may take (OpTimeout each).
const pendingGrace = 4 * OpTimeout

// pending is one write's audit bookkeeping: its entries and each entry's
// mark (the entry without IDs, as JSON).
type pending struct {
	entries []*data.AuditEntry
	marks   []string
}

// beginAudit takes ctx's audit request, if any, for a write of ids, and
// returns the entries and marks (nil when the write is not logged): record
// ids[i] carries mark(i).
func (t *table[T]) beginAudit(ctx context.Context, action string, ids []string) (*pending, error) {
	req := data.AuditRequestOf(ctx)
	if req == nil || t.auditLog == nil {
		return nil, nil
	}
	p := &pending{entries: req.Take(ctx, t.kind.Name, action, ids)}
	now := stamp(time.Now())
	for _, e := range p.entries {
		e.At = now
		m := *e
		m.IDs = nil
		b, err := json.Marshal(m)
		if err != nil {
			return nil, t.fail("encoding an audit mark for", err)
		}
		p.marks = append(p.marks, string(b))
	}
	return p, nil
}

// mark returns the mark of record i of the write, "" when not logged.
func (p *pending) mark(i int) string {
	if p == nil {
		return ""
	}
	return p.marks[i/data.MaxAuditIDs]
}

// finishAudit is steps 2 and 3 of a write whose records (final IDs ids, in
// the order beginAudit had them) are written, with its action now known.
func (t *table[T]) finishAudit(ctx context.Context, p *pending, action string, ids []string) error {
	if p == nil {
		return nil
	}
	ctx = context.WithoutCancel(ctx) // the records are written: log them
	for k, e := range p.entries {
		e.Action = action
		e.IDs = ids[k*data.MaxAuditIDs : min(len(ids), (k+1)*data.MaxAuditIDs)]
	}
	if _, err := t.auditLog.Put(ctx, p.entries...); err != nil {
		return err
	}
	if action == data.AuditDelete {
		return nil
	}
	for k, e := range p.entries {
		if _, err := t.coll.UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: e.IDs}}}, {Key: "audit_pending", Value: p.marks[k]}},
			bson.D{{Key: "$unset", Value: bson.D{{Key: "audit_pending", Value: ""}}}}); err != nil {
			return err
		}
	}
	return nil
}

// logFailed logs a failure of steps 2 or 3: the write succeeded, and
// Recover appends its entry later.
func (t *table[T]) logFailed(ctx context.Context, err error) {
	t.log.ErrorContext(ctx, "audit log append failed; the marked records are logged by the next recovery", "error", err)
}

// Recover appends the audit entries of writes whose node died before it
// logged them (see above): the marks of node self at once, other nodes'
// after pendingGrace. It returns how many writes it logged. Run it when a
// node starts and now and then while it runs; several nodes may run it at
// once (a claim lets one of them log each write).
func (s *Store) Recover(ctx context.Context, self string) (int, error) {
	n := 0
	for _, t := range []recoverer{s.enterprises, s.patents, s.banks, s.products, s.events, s.participants, s.deals,
		s.pools, s.tokens, s.schedules, s.users, s.appraisers, s.appraisals} {
		k, err := t.recoverAudit(ctx, self)
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

type recoverer interface {
	recoverAudit(ctx context.Context, self string) (int, error)
}

// recoverAudit is Recover for one table.
func (t *table[T]) recoverAudit(ctx context.Context, self string) (int, error) {
	cur, err := t.coll.Find(ctx, bson.D{{Key: "audit_pending", Value: bson.D{{Key: "$exists", Value: true}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "audit_pending", Value: 1}}))
	if err != nil {
		return 0, t.fail("finding unlogged writes in", err)
	}
	var docs []struct {
		ID   string `bson:"_id"`
		Mark string `bson:"audit_pending"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return 0, t.fail("finding unlogged writes in", err)
	}
	byMark := map[string][]string{}
	for _, d := range docs {
		byMark[d.Mark] = append(byMark[d.Mark], d.ID)
	}
	n := 0
	for mark, ids := range byMark {
		var e data.AuditEntry
		if err := json.Unmarshal([]byte(mark), &e); err != nil {
			return n, t.fail("reading an audit mark in", err)
		}
		if e.Node != self && time.Since(e.At) < pendingGrace {
			continue // its node may still be logging it
		}
		ok, err := t.recoverWrite(ctx, mark, e, ids)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// recoverWrite logs the write marked mark (entry e) of records ids, if no
// other node is doing so, and reports whether it did.
func (t *table[T]) recoverWrite(ctx context.Context, mark string, e data.AuditEntry, ids []string) (bool, error) {
	claimID := "audit/" + e.ID
	if _, err := t.claims.InsertOne(ctx, claim{ID: claimID, At: stamp(time.Now())}); err != nil {
		if !mongo.IsDuplicateKeyError(err) {
			return false, t.fail("claiming an unlogged write in", err)
		}
		var c claim
		if err := t.claims.FindOne(ctx, bson.D{{Key: "_id", Value: claimID}}).Decode(&c); err != nil || time.Since(c.At) < pendingGrace {
			return false, nil // another node is on it
		}
		// That node died too: take its claim over.
		if _, err := t.claims.DeleteOne(ctx, bson.D{{Key: "_id", Value: claimID}, {Key: "at", Value: c.At}}); err != nil {
			return false, t.fail("taking over a claim in", err)
		}
		return t.recoverWrite(ctx, mark, e, ids)
	}
	defer t.claims.DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: claimID}})

	// Step 2 may have happened: then only step 3 is left.
	err := t.auditLog.coll.FindOne(ctx, bson.D{{Key: "_id", Value: e.ID}}).Err()
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		slices.Sort(ids)
		var entries []*data.AuditEntry
		for chunk := range slices.Chunk(ids, data.MaxAuditIDs) {
			ne := e
			ne.ID, ne.At, ne.IDs = data.NewAuditID(time.Now()), stamp(time.Now()), chunk
			entries = append(entries, &ne)
		}
		if _, err := t.auditLog.Put(ctx, entries...); err != nil {
			return false, err
		}
		t.log.WarnContext(ctx, "logged a write its node did not", "kind", e.Kind, "action", e.Action, "node", e.Node,
			"records", len(ids), "entry", entries[0].ID)
	case err != nil:
		return false, t.fail("reading the audit log for", err)
	}
	filter := bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, {Key: "audit_pending", Value: mark}}
	if e.Action == data.AuditDelete {
		_, err = t.coll.DeleteMany(ctx, filter)
	} else {
		_, err = t.coll.UpdateMany(ctx, filter, bson.D{{Key: "$unset", Value: bson.D{{Key: "audit_pending", Value: ""}}}})
	}
	if err != nil {
		return false, t.fail(fmt.Sprintf("finishing a %s of", e.Action), err)
	}
	return true, nil
}
