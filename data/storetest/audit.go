package storetest

import (
	"slices"
	"testing"
	"time"

	"ipmatch/data"
)

// testListAfter checks ListOptions.After alone, with a reference filter,
// with an ID list and with paging: the cursor the change feed and the audit
// list read the log with.
func testListAfter(t *testing.T, s data.Store) {
	ctx := t.Context()
	tab := s.Patents()
	var ps []*data.Patent
	for i := range 20 {
		p := Patent(i)
		p.OwnerID = []string{"ent_a", "ent_b"}[i%2]
		ps = append(ps, &p)
	}
	mustPut(t, tab, ps...)
	all := patentIDs(derefs(ps))
	slices.Sort(all)
	cut := all[7]

	got, total, err := tab.List(ctx, data.ListOptions{After: cut})
	if err != nil {
		t.Fatalf("List after: %v", err)
	}
	if ids := patentIDs(got); !slices.Equal(ids, all[8:]) || total != 12 {
		t.Errorf("List after %s = %v (total %d), want %v (total 12)", cut, ids, total, all[8:])
	}
	got, total, err = tab.List(ctx, data.ListOptions{After: cut, Offset: 2, Limit: 3})
	if err != nil {
		t.Fatalf("List after, paged: %v", err)
	}
	if ids := patentIDs(got); !slices.Equal(ids, all[10:13]) || total != 12 {
		t.Errorf("List after %s, offset 2, limit 3 = %v (total %d), want %v (total 12)", cut, ids, total, all[10:13])
	}
	got, _, err = tab.List(ctx, data.ListOptions{After: cut, Refs: data.Refs{Enterprise: "ent_a"}})
	if err != nil {
		t.Fatalf("List after with a filter: %v", err)
	}
	for _, p := range got {
		if p.OwnerID != "ent_a" || p.ApplicationNumber <= cut {
			t.Errorf("List after %s of ent_a returned %s of %s", cut, p.ApplicationNumber, p.OwnerID)
		}
	}
	got, total, err = tab.List(ctx, data.ListOptions{After: cut, IDs: []string{all[0], all[7], all[8], all[19]}})
	if err != nil {
		t.Fatalf("List after with IDs: %v", err)
	}
	if ids := patentIDs(got); !slices.Equal(ids, []string{all[8], all[19]}) || total != 2 {
		t.Errorf("List after %s among 4 IDs = %v (total %d), want [%s %s]", cut, ids, total, all[8], all[19])
	}
	got, total, err = tab.List(ctx, data.ListOptions{After: all[19]})
	if err != nil || len(got) != 0 || total != 0 {
		t.Errorf("List after the last ID = %d records, total %d, %v; want none", len(got), total, err)
	}
}

// testAudited checks that data.Audited logs each write with its origin, in
// time order, and leaves failed writes unlogged.
func testAudited(t *testing.T, s data.Store) {
	ctx := t.Context()
	start := time.Now()
	as := data.Audited(s, "node-1", nil)
	who := data.Origin{
		Actor: data.Actor{Role: data.RoleBank, TokenID: "tok_1", Name: "建行肇庆", BankID: "bank_1"},
		Via:   data.ViaAPI, Request: "POST /api/v1/banks", RequestID: "req-1",
	}
	wctx := data.WithOrigin(ctx, who)

	b := Bank(1)
	mustPut(t, as.Banks(), &b)
	b.Name = "改名的银行"
	if _, err := as.Banks().Put(wctx, &b); err != nil {
		t.Fatalf("Put: %v", err)
	}
	bad := Bank(2)
	bad.Name = ""
	if _, err := as.Banks().Put(wctx, &bad); data.ErrorCode(err) != data.CodeInvalid {
		t.Fatalf("Put of an invalid bank = %v, want invalid", err)
	}
	if err := as.Banks().Delete(wctx, "bank_missing"); data.ErrorCode(err) != data.CodeNotFound {
		t.Fatalf("Delete of a missing bank = %v, want not_found", err)
	}
	if err := as.Banks().Delete(wctx, b.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	p1, p2 := Patent(1), Patent(2)
	mustPut(t, as.Patents(), &p1)
	if _, err := as.Patents().Put(wctx, &p1, &p2); err != nil {
		t.Fatalf("Put of a mixed batch: %v", err)
	}

	entries, total, err := s.Audit().List(ctx, data.ListOptions{})
	if err != nil {
		t.Fatalf("Audit List: %v", err)
	}
	type row struct{ via, action, kind, ids, request string }
	var got []row
	for _, e := range entries {
		got = append(got, row{e.Via, e.Action, e.Kind, joinIDs(e.IDs), e.Request})
		if e.Node != "node-1" {
			t.Errorf("entry %s node = %q, want node-1", e.ID, e.Node)
		}
		if e.At.Before(start.Add(-time.Second)) || e.At.After(time.Now().Add(time.Second)) {
			t.Errorf("entry %s at %v, not during the test", e.ID, e.At)
		}
		if e.Via == data.ViaAPI && (e.Actor != who.Actor || e.RequestID != "req-1") {
			t.Errorf("entry %s actor %+v request id %q, want %+v req-1", e.ID, e.Actor, e.RequestID, who.Actor)
		}
	}
	want := []row{
		{data.ViaSystem, data.AuditCreate, "banks", b.ID, ""},
		{data.ViaAPI, data.AuditUpdate, "banks", b.ID, "POST /api/v1/banks"},
		{data.ViaAPI, data.AuditDelete, "banks", b.ID, "POST /api/v1/banks"},
		{data.ViaSystem, data.AuditCreate, "patents", p1.ApplicationNumber, ""},
		{data.ViaAPI, data.AuditPut, "patents", p1.ApplicationNumber + "," + p2.ApplicationNumber, "POST /api/v1/banks"},
	}
	if total != len(want) || !slices.Equal(got, want) {
		t.Errorf("audit log (%d entries):\n got %v\nwant %v", total, got, want)
	}
	for i := 1; i < len(entries); i++ {
		if entries[i].ID <= entries[i-1].ID || entries[i].At.Before(entries[i-1].At) {
			t.Errorf("entries %s and %s are out of time order", entries[i-1].ID, entries[i].ID)
		}
	}
	// A bound taken before the test comes before every entry, one taken
	// now after every entry.
	if n, _, _ := s.Audit().List(ctx, data.ListOptions{After: data.AuditIDAt(start)}); len(n) != len(want) {
		t.Errorf("entries after the start bound = %d, want %d", len(n), len(want))
	}
	if n, _, _ := s.Audit().List(ctx, data.ListOptions{After: data.AuditIDAt(time.Now().Add(time.Second))}); len(n) != 0 {
		t.Errorf("entries after a later bound = %d, want 0", len(n))
	}
	// Bank-bound actors are a reference filter.
	if n, _, _ := s.Audit().List(ctx, data.ListOptions{Refs: data.Refs{Bank: "bank_1"}}); len(n) != 3 {
		t.Errorf("entries by bank_1 = %d, want 3", len(n))
	}
}

func derefs[T any](ps []*T) []T {
	out := make([]T, len(ps))
	for i, p := range ps {
		out[i] = *p
	}
	return out
}

func joinIDs(ids []string) string {
	s := slices.Clone(ids)
	slices.Sort(s)
	out := ""
	for i, id := range s {
		if i > 0 {
			out += ","
		}
		out += id
	}
	return out
}
