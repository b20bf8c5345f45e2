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
// (data.AuditRequest) goes in three steps, each one insert or delete by
// _id, which MongoDB and FerretDB both do cheaply:
//
//  1. an intent is inserted into the intents collection: the write's
//     entry, with the IDs it is to write, under the entry's ID;
//  2. the records are written, each document naming the entry in its
//     audit_id field (a delete deletes);
//  3. the entry is inserted into the audit log, and the intent deleted.
//
// A node that dies between step 1 and 3 leaves its intent. Recover finds
// it and logs, under a new ID (so that followers already past the old one
// read it), the records step 2 did write: those whose audit_id names the
// entry, or for a delete those gone. If step 2 never happened, nothing is
// logged. So each write ends up with its entry, or neither. A node's own
// intents are recovered when it starts again, other nodes' once
// pendingGrace has passed (they may still be on their way to step 3).

// intentsCollection holds the intents of step 1.
const intentsCollection = "audit_intents"

// pendingGrace is when another node's intent counts as left by a node
// that died: far beyond the time steps 1 to 3 may take (OpTimeout each).
const pendingGrace = 4 * OpTimeout

// intent is an intent document.
type intent struct {
	ID    string    `bson:"_id"` // the entry's ID
	At    time.Time `bson:"at"`
	Node  string    `bson:"node"`
	Kind  string    `bson:"kind"`
	Entry string    `bson:"entry"` // the entry as JSON, with the IDs planned
}

// pending is one logged write's entries, one per data.MaxAuditIDs records.
type pending struct {
	entries []*data.AuditEntry
}

// entryID returns the ID of the entry of record i of the write, "" when
// the write is not logged.
func (p *pending) entryID(i int) string {
	if p == nil {
		return ""
	}
	return p.entries[i/data.MaxAuditIDs].ID
}

// beginAudit is step 1 for a write of ids, when ctx asks for it (nil
// otherwise): record ids[i] is to name entryID(i).
func (t *table[T]) beginAudit(ctx context.Context, action string, ids []string) (*pending, error) {
	req := data.AuditRequestOf(ctx)
	if req == nil || t.auditLog == nil {
		return nil, nil
	}
	p := &pending{entries: req.Take(ctx, t.kind.Name, action, ids)}
	now := stamp(time.Now())
	docs := make([]any, len(p.entries))
	for i, e := range p.entries {
		e.At = now
		b, err := json.Marshal(e)
		if err != nil {
			return nil, t.fail("encoding an audit intent for", err)
		}
		docs[i] = intent{ID: e.ID, At: now, Node: e.Node, Kind: t.kind.Name, Entry: string(b)}
	}
	if _, err := t.intents.InsertMany(ctx, docs); err != nil {
		return nil, t.fail("recording the audit intent of a write to", err)
	}
	return p, nil
}

// finishAudit is step 3 of a write whose records (final IDs ids, in the
// order beginAudit had them) are written, with its action now known. On
// failure the intent stays, for Recover.
func (t *table[T]) finishAudit(ctx context.Context, p *pending, action string, ids []string) {
	if p == nil {
		return
	}
	ctx = context.WithoutCancel(ctx) // the records are written: log them
	for k, e := range p.entries {
		e.Action = action
		e.IDs = ids[k*data.MaxAuditIDs : min(len(ids), (k+1)*data.MaxAuditIDs)]
	}
	if _, err := t.auditLog.Put(ctx, p.entries...); err != nil {
		t.log.ErrorContext(ctx, "audit log append failed; Recover logs the write later", "error", err)
		return
	}
	t.dropIntents(ctx, p)
}

// abandonAudit drops the intent of a write that wrote nothing.
func (t *table[T]) abandonAudit(ctx context.Context, p *pending) {
	if p != nil {
		t.dropIntents(context.WithoutCancel(ctx), p)
	}
}

// dropIntents deletes p's intents; one left behind is only work for
// Recover, which then finds the entry logged.
func (t *table[T]) dropIntents(ctx context.Context, p *pending) {
	for _, e := range p.entries {
		if _, err := t.intents.DeleteOne(ctx, bson.D{{Key: "_id", Value: e.ID}}); err != nil {
			t.log.WarnContext(ctx, "deleting an audit intent failed", "entry", e.ID, "error", err)
		}
	}
}

// Recover logs the writes whose node died between writing records and
// logging them (see above): the intents of node self at once (call it with
// the node's name when the node starts), other nodes' after pendingGrace
// (call it with "" now and then while the node runs). It returns how many
// writes it finished. Several nodes may run it at once: a claim lets one
// of them finish each write.
func (s *Store) Recover(ctx context.Context, self string) (int, error) {
	cur, err := s.intents.Find(ctx, bson.D{})
	if err != nil {
		return 0, fmt.Errorf("mongo: reading audit intents: %w", err)
	}
	var all []intent
	if err := cur.All(ctx, &all); err != nil {
		return 0, fmt.Errorf("mongo: reading audit intents: %w", err)
	}
	tables := map[string]recoverer{}
	for _, t := range []recoverer{s.enterprises, s.patents, s.banks, s.products, s.events, s.participants, s.deals,
		s.pools, s.tokens, s.schedules, s.users, s.appraisers, s.appraisals} {
		tables[t.name()] = t
	}
	n := 0
	for _, in := range all {
		if (self == "" || in.Node != self) && time.Since(in.At) < pendingGrace {
			continue // its node may still be logging it
		}
		t := tables[in.Kind]
		if t == nil {
			continue
		}
		ok, err := t.recoverWrite(ctx, in)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

type recoverer interface {
	name() string
	recoverWrite(ctx context.Context, in intent) (bool, error)
}

func (t *table[T]) name() string { return t.kind.Name }

// recoverWrite finishes the write of intent in, if no other node is doing
// so, and reports whether it did.
func (t *table[T]) recoverWrite(ctx context.Context, in intent) (bool, error) {
	claimID := "audit/" + in.ID
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
		return t.recoverWrite(ctx, in)
	}
	defer t.claims.DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: claimID}})

	var e data.AuditEntry
	if err := json.Unmarshal([]byte(in.Entry), &e); err != nil {
		return false, t.fail("reading an audit intent in", err)
	}
	// Step 3 may have logged it before the intent was deleted.
	err := t.auditLog.coll.FindOne(ctx, bson.D{{Key: "_id", Value: e.ID}}).Err()
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		written, err := t.writtenBy(ctx, &e)
		if err != nil {
			return false, err
		}
		if len(written) > 0 {
			ne := e
			ne.ID, ne.At, ne.IDs = data.NewAuditID(time.Now()), stamp(time.Now()), written
			if _, err := t.auditLog.Put(ctx, &ne); err != nil {
				return false, err
			}
			t.log.WarnContext(ctx, "logged a write its node did not", "kind", e.Kind, "action", e.Action, "node", e.Node,
				"records", len(written), "entry", ne.ID)
		}
	case err != nil:
		return false, t.fail("reading the audit log for", err)
	}
	if _, err := t.intents.DeleteOne(ctx, bson.D{{Key: "_id", Value: in.ID}}); err != nil {
		return false, t.fail("deleting an audit intent for", err)
	}
	return true, nil
}

// writtenBy returns which of the records entry e planned its write did
// write: those naming it in audit_id, or for a delete those gone.
func (t *table[T]) writtenBy(ctx context.Context, e *data.AuditEntry) ([]string, error) {
	cur, err := t.coll.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: e.IDs}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "audit_id", Value: 1}}))
	if err != nil {
		return nil, t.fail("reading the records of an audit intent in", err)
	}
	var docs []struct {
		ID      string `bson:"_id"`
		AuditID string `bson:"audit_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, t.fail("reading the records of an audit intent in", err)
	}
	present := map[string]bool{}
	var written []string
	for _, d := range docs {
		present[d.ID] = true
		if d.AuditID == e.ID && e.Action != data.AuditDelete {
			written = append(written, d.ID)
		}
	}
	if e.Action == data.AuditDelete {
		for _, id := range e.IDs {
			if !present[id] {
				written = append(written, id)
			}
		}
	}
	slices.Sort(written)
	return written, nil
}
