package data_test

import (
	"context"
	"testing"
	"time"

	. "ipmatch/data"
	"ipmatch/data/memstore"
)

// putEntry appends an audit entry stamped at, naming id.
func putEntry(t *testing.T, s *memstore.Store, at time.Time, id string) string {
	t.Helper()
	e := AuditEntry{ID: NewAuditID(at), At: at, Node: "n", Via: AuditVias[0], Action: AuditCreate, Kind: EnterpriseKind.Name, IDs: []string{id}}
	if _, err := s.Audit().Put(context.Background(), &e); err != nil {
		t.Fatal(err)
	}
	return e.ID
}

// ids returns the record IDs the entries name.
func ids(es []AuditEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.IDs...)
	}
	return out
}

// TestAuditTail: a tail returns each entry once, including one that turns
// up late but within the lookback; an entry not marked Done comes back; and
// an entry stamped far ahead does not carry the cursor past now.
func TestAuditTail(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	now := time.Now()
	tail := NewAuditTail("", 5*time.Second)
	putEntry(t, s, now.Add(-time.Second), "ent_a")
	got, err := tail.Read(ctx, s.Audit())
	if err != nil || len(got) != 1 {
		t.Fatalf("first read: %v, %v", ids(got), err)
	}
	// Not applied: read again.
	if again, _ := tail.Read(ctx, s.Audit()); len(again) != 1 {
		t.Fatalf("an entry not marked done is not read again: %v", ids(again))
	}
	tail.Done(got)
	if again, _ := tail.Read(ctx, s.Audit()); len(again) != 0 {
		t.Errorf("an applied entry is read again: %v", ids(again))
	}
	// A writer whose entry lands late, stamped before the cursor.
	putEntry(t, s, now.Add(-2*time.Second), "ent_late")
	late, _ := tail.Read(ctx, s.Audit())
	if len(late) != 1 || late[0].IDs[0] != "ent_late" {
		t.Fatalf("a late entry within the lookback: %v", ids(late))
	}
	tail.Done(late)
	// A clock an hour ahead does not move the cursor past now.
	putEntry(t, s, now.Add(time.Hour), "ent_future")
	future, _ := tail.Read(ctx, s.Audit())
	tail.Done(future)
	if c := tail.Cursor(); c > AuditIDAt(time.Now()) {
		t.Errorf("cursor %s is past now", c)
	}
	if again, _ := tail.Read(ctx, s.Audit()); len(again) != 0 {
		t.Errorf("the entry from the future is read again: %v", ids(again))
	}
}
