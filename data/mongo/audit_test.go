package mongo

import (
	"encoding/json"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"ipmatch/data"
	"ipmatch/data/storetest"
)

// TestRecover leaves records as a node that died after writing them and
// before logging them would (marked, no entry), and checks that Recover
// logs each write once: a node's own marks at once, another node's only
// after pendingGrace, a delete carried out, and an entry already in the
// log not written twice.
func TestRecover(t *testing.T) {
	servers(t, func(t *testing.T, uri string) {
		ctx := t.Context()
		s := openStore(t, uri)
		as := data.Audited(s, "node-dead", nil)
		mark := func(id, action string, at time.Time) data.AuditEntry {
			e := data.AuditEntry{ID: data.NewAuditID(at), At: stamp(at), Node: "node-dead", Via: data.ViaAPI, Action: action, Kind: "enterprises"}
			b, _ := json.Marshal(e)
			if _, err := s.enterprises.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "audit_pending", Value: string(b)}}}}); err != nil {
				t.Fatal(err)
			}
			return e
		}
		put := func(i int) data.Enterprise {
			e := storetest.Enterprise(i)
			mustPut(t, s.enterprises, &e)
			return e
		}
		logged := func(id string) []data.AuditEntry {
			all, _, err := as.Audit().List(ctx, data.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var out []data.AuditEntry
			for _, e := range all {
				for _, x := range e.IDs {
					if x == id {
						out = append(out, e)
					}
				}
			}
			return out
		}

		fresh, old, gone, done := put(1), put(2), put(3), put(4)
		mark(fresh.ID, data.AuditPut, time.Now())
		mark(old.ID, data.AuditUpdate, time.Now().Add(-pendingGrace-time.Minute))
		mark(gone.ID, data.AuditDelete, time.Now().Add(-pendingGrace-time.Minute))
		e := mark(done.ID, data.AuditCreate, time.Now().Add(-pendingGrace-time.Minute))
		e.IDs = []string{done.ID}
		if _, err := s.Audit().Put(ctx, &e); err != nil { // step 2 happened
			t.Fatal(err)
		}

		// Another node: the old marks only.
		n, err := s.Recover(ctx, "node-live")
		if err != nil || n != 3 {
			t.Fatalf("Recover by another node: %d, %v; want the 3 old marks", n, err)
		}
		if got := logged(fresh.ID); len(got) != 0 {
			t.Errorf("a fresh mark of another node was logged: %+v", got)
		}
		if got := logged(old.ID); len(got) != 1 || got[0].Action != data.AuditUpdate || got[0].Node != "node-dead" {
			t.Errorf("the old update is logged as %+v", got)
		}
		if got := logged(gone.ID); len(got) != 1 || got[0].Action != data.AuditDelete {
			t.Errorf("the old delete is logged as %+v", got)
		}
		if _, err := s.Enterprises().Get(ctx, gone.ID); data.ErrorCode(err) != data.CodeNotFound {
			t.Errorf("the old delete was not carried out: %v", err)
		}
		if got := logged(done.ID); len(got) != 1 || got[0].ID != e.ID {
			t.Errorf("a write already logged is logged as %+v", got)
		}

		// The dead node, started again: its own fresh mark too.
		if n, err := s.Recover(ctx, "node-dead"); err != nil || n != 1 {
			t.Fatalf("Recover by the node itself: %d, %v; want 1", n, err)
		}
		if got := logged(fresh.ID); len(got) != 1 {
			t.Errorf("the fresh mark is logged as %+v", got)
		}
		if n, err := s.Recover(ctx, "node-dead"); err != nil || n != 0 {
			t.Errorf("a second Recover: %d, %v; want nothing left", n, err)
		}
		var marked int64
		if marked, err = s.enterprises.coll.CountDocuments(ctx, bson.D{{Key: "audit_pending", Value: bson.D{{Key: "$exists", Value: true}}}}); err != nil || marked != 0 {
			t.Errorf("%d documents still marked (%v)", marked, err)
		}
	})
}

// TestAuditedWritesLeaveNoMarks checks that the writes of an audited store
// are logged and unmarked in the normal course.
func TestAuditedWritesLeaveNoMarks(t *testing.T) {
	servers(t, func(t *testing.T, uri string) {
		ctx := t.Context()
		s := openStore(t, uri)
		as := data.Audited(s, "node-a", nil)
		e := storetest.Enterprise(1)
		if err := as.Enterprises().Create(ctx, &e); err != nil {
			t.Fatal(err)
		}
		e.Name += "（更名）"
		if err := as.Enterprises().Update(ctx, &e); err != nil {
			t.Fatal(err)
		}
		f := storetest.Enterprise(2)
		if _, err := as.Enterprises().Put(ctx, &f); err != nil {
			t.Fatal(err)
		}
		if err := as.Enterprises().Delete(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		entries, _, err := s.Audit().List(ctx, data.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, x := range entries {
			actions = append(actions, x.Action)
		}
		if len(entries) != 4 {
			t.Errorf("4 writes gave the entries %v", actions)
		}
		if marked, err := s.enterprises.coll.CountDocuments(ctx, bson.D{{Key: "audit_pending", Value: bson.D{{Key: "$exists", Value: true}}}}); err != nil || marked != 0 {
			t.Errorf("%d documents still marked (%v)", marked, err)
		}
	})
}
