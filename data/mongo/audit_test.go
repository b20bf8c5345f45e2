package mongo

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"ipmatch/data"
	"ipmatch/data/storetest"
)

// TestRecover leaves writes as a node that died between writing records
// and logging them would (an intent, records naming its entry, no entry),
// and checks that Recover logs each write once and only what was written:
// a node's own intents at once, another node's only after pendingGrace, a
// delete done, a write that never reached its records not at all, and an
// entry already in the log not twice.
func TestRecover(t *testing.T) {
	servers(t, func(t *testing.T, uri string) {
		ctx := t.Context()
		s := openStore(t, uri)
		// leave records an intent of action on ids at time at; written
		// says whether step 2 happened (the records name the entry).
		leave := func(action string, at time.Time, written bool, ids ...string) data.AuditEntry {
			e := data.AuditEntry{ID: data.NewAuditID(at), At: stamp(at), Node: "node-dead", Via: data.ViaAPI,
				Action: action, Kind: "enterprises", IDs: ids}
			b, _ := json.Marshal(e)
			if _, err := s.intents.InsertOne(ctx, intent{ID: e.ID, At: e.At, Node: e.Node, Kind: e.Kind, Entry: string(b)}); err != nil {
				t.Fatal(err)
			}
			for _, id := range ids {
				if written && action != data.AuditDelete {
					if _, err := s.enterprises.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
						bson.D{{Key: "$set", Value: bson.D{{Key: "audit_id", Value: e.ID}}}}); err != nil {
						t.Fatal(err)
					}
				}
				if written && action == data.AuditDelete {
					if _, err := s.enterprises.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
						t.Fatal(err)
					}
				}
			}
			return e
		}
		put := func(i int) data.Enterprise {
			e := storetest.Enterprise(i)
			mustPut(t, s.enterprises, &e)
			return e
		}
		logged := func(id string) []data.AuditEntry {
			all, _, err := s.Audit().List(ctx, data.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var out []data.AuditEntry
			for _, e := range all {
				if slices.Contains(e.IDs, id) {
					out = append(out, e)
				}
			}
			return out
		}

		old := time.Now().Add(-pendingGrace - time.Minute)
		fresh, upd, gone, never, done := put(1), put(2), put(3), put(4), put(5)
		leave(data.AuditPut, time.Now(), true, fresh.ID)
		leave(data.AuditUpdate, old, true, upd.ID)
		leave(data.AuditDelete, old, true, gone.ID)
		leave(data.AuditUpdate, old, false, never.ID)
		e := leave(data.AuditCreate, old, true, done.ID)
		if _, err := s.Audit().Put(ctx, &e); err != nil { // step 3 logged it
			t.Fatal(err)
		}

		// A running node: the old intents only.
		n, err := s.Recover(ctx, "")
		if err != nil || n != 4 {
			t.Fatalf("Recover while running: %d, %v; want the 4 old intents", n, err)
		}
		if got := logged(fresh.ID); len(got) != 0 {
			t.Errorf("a fresh intent of another node was logged: %+v", got)
		}
		if got := logged(upd.ID); len(got) != 1 || got[0].Action != data.AuditUpdate || got[0].Node != "node-dead" {
			t.Errorf("the old update is logged as %+v", got)
		}
		if got := logged(gone.ID); len(got) != 1 || got[0].Action != data.AuditDelete {
			t.Errorf("the old delete is logged as %+v", got)
		}
		if got := logged(never.ID); len(got) != 0 {
			t.Errorf("a write that never reached its record is logged: %+v", got)
		}
		if got := logged(done.ID); len(got) != 1 || got[0].ID != e.ID {
			t.Errorf("a write already logged is logged as %+v", got)
		}

		// The dead node, started again: its own fresh intent too.
		if n, err := s.Recover(ctx, "node-dead"); err != nil || n != 1 {
			t.Fatalf("Recover by the node itself: %d, %v; want 1", n, err)
		}
		if got := logged(fresh.ID); len(got) != 1 {
			t.Errorf("the fresh intent is logged as %+v", got)
		}
		if left, err := s.intents.CountDocuments(ctx, bson.D{}); err != nil || left != 0 {
			t.Errorf("%d intents left (%v)", left, err)
		}
	})
}

// TestAuditedWritesLeaveNoIntents checks that the writes of an audited
// store are logged and leave no intent in the normal course.
func TestAuditedWritesLeaveNoIntents(t *testing.T) {
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
		if left, err := s.intents.CountDocuments(ctx, bson.D{}); err != nil || left != 0 {
			t.Errorf("%d intents left (%v)", left, err)
		}
		// Nor revision claims: they serve only while an Update writes.
		if left, err := s.enterprises.claims.CountDocuments(ctx, bson.D{}); err != nil || left != 0 {
			t.Errorf("%d revision claims left (%v)", left, err)
		}
	})
}
