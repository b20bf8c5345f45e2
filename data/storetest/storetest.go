package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"ipmatch/data"
)

// Run runs the contract every data.Store must pass. open must return a new,
// empty store and close it when its test ends (t.Cleanup); Run calls it
// once per subtest. Run the suite with -race: it puts and gets from several
// goroutines at once.
//
// Atomicity of a failing batch beyond validation (data.Table: the embedded
// store rolls back, MongoDB may not) is left to each store's own tests.
func Run(t *testing.T, open func(t *testing.T) data.Store) {
	t.Run("enterprises", func(t *testing.T) {
		runKind(t, open, kindCase[data.Enterprise]{
			kind: data.EnterpriseKind, table: data.Store.Enterprises, gen: Enterprise,
			change: func(e *data.Enterprise) { e.Employees += 10; e.Name += "（更名）" },
			spoil:  func(e *data.Enterprise) string { e.Name = ""; return "name" },
		})
	})
	t.Run("patents", func(t *testing.T) {
		runKind(t, open, kindCase[data.Patent]{
			kind: data.PatentKind, table: data.Store.Patents, gen: Patent,
			change: func(p *data.Patent) { p.LegalStatus = data.StatusLapsed; p.Claims++ },
			spoil:  func(p *data.Patent) string { p.Title = ""; return "title" },
		})
	})
	t.Run("banks", func(t *testing.T) {
		runKind(t, open, kindCase[data.Bank]{
			kind: data.BankKind, table: data.Store.Banks, gen: Bank,
			change: func(b *data.Bank) { b.Branch = "端州支行" },
			spoil:  func(b *data.Bank) string { b.Name = ""; return "name" },
		})
	})
	t.Run("products", func(t *testing.T) {
		runKind(t, open, kindCase[data.Product]{
			kind: data.ProductKind, table: data.Store.Products,
			gen:    func(i int) data.Product { return Product(i, "bank_store") },
			change: func(p *data.Product) { p.MaxAmount = 20_000_000 },
			spoil:  func(p *data.Product) string { p.MaxAmount = 0; return "max_amount" },
		})
	})
	t.Run("events", func(t *testing.T) {
		runKind(t, open, kindCase[data.Event]{
			kind: data.EventKind, table: data.Store.Events, gen: Event,
			change: func(e *data.Event) { e.Status = data.EventPublished },
			spoil:  func(e *data.Event) string { e.Slots = 0; return "slots" },
		})
	})
	t.Run("participants", func(t *testing.T) {
		runKind(t, open, kindCase[data.Participant]{
			kind: data.ParticipantKind, table: data.Store.Participants,
			gen:    func(i int) data.Participant { return Participant(i, "evt_store") },
			change: func(p *data.Participant) { p.WantedMeetings = 2 },
			spoil:  func(p *data.Participant) string { p.EventID = ""; return "event_id" },
		})
	})
	t.Run("deals", func(t *testing.T) {
		runKind(t, open, kindCase[data.Deal]{
			kind: data.DealKind, table: data.Store.Deals,
			gen: func(i int) data.Deal { return Deal(i, "ent_store", "bank_store", "prod_store") },
			change: func(d *data.Deal) {
				if err := d.Move(data.StageMet, "storetest", time.Date(2025, 6, 1, 9, 30, 0, 0, time.UTC), "首次对接"); err != nil {
					panic(err)
				}
			},
			spoil: func(d *data.Deal) string { d.BankID = ""; return "bank_id" },
		})
	})
	t.Run("pools", func(t *testing.T) {
		runKind(t, open, kindCase[data.Pool]{
			kind: data.PoolKind, table: data.Store.Pools, gen: Pool,
			change: func(p *data.Pool) { p.Size = 30_000_000 },
			spoil:  func(p *data.Pool) string { p.Size = 0; return "size" },
		})
	})
	t.Run("tokens", func(t *testing.T) {
		runKind(t, open, kindCase[data.Token]{
			kind: data.TokenKind, table: data.Store.Tokens,
			gen:    func(i int) data.Token { return Token(i, "bank_store") },
			change: func(k *data.Token) { k.Label = "新标签" },
			spoil:  func(k *data.Token) string { k.Hash = "x"; return "hash" },
		})
	})
	t.Run("users", func(t *testing.T) {
		runKind(t, open, kindCase[data.User]{
			kind: data.UserKind, table: data.Store.Users, gen: User,
			change: func(u *data.User) { u.Label = "新标签" },
			spoil:  func(u *data.User) string { u.PasswordHash = "plain-password"; return "password_hash" },
		})
	})
	t.Run("schedules", func(t *testing.T) {
		runKind(t, open, kindCase[data.Schedule]{
			kind: data.ScheduleKind, table: data.Store.Schedules, gen: Schedule,
			change: func(s *data.Schedule) { s.Meetings[1].Slot = 3 },
			spoil: func(s *data.Schedule) string {
				s.Meetings[1].EnterpriseID = s.Meetings[0].EnterpriseID
				s.Meetings[1].Slot = s.Meetings[0].Slot
				s.Meetings[1].Table = 2
				return "meetings[1]"
			},
		})
	})

	t.Run("appraisers", func(t *testing.T) {
		runKind(t, open, kindCase[data.Appraiser]{
			kind: data.AppraiserKind, table: data.Store.Appraisers, gen: Appraiser,
			change: func(a *data.Appraiser) { a.Region = "4412" },
			spoil:  func(a *data.Appraiser) string { a.Licence = ""; return "licence" },
		})
	})
	t.Run("appraisals", func(t *testing.T) {
		runKind(t, open, kindCase[data.Appraisal]{
			kind: data.AppraisalKind, table: data.Store.Appraisals,
			gen:    func(i int) data.Appraisal { return Appraisal(i, "ent_store", "appraiser_store", "bank_store") },
			change: func(a *data.Appraisal) { a.Value = 6_500_000 },
			spoil:  func(a *data.Appraisal) string { a.Method = "guess"; return "method" },
		})
	})
	runSignIn(t, open)       // signin.go: sessions, sign-in failures, secrets
	runAlerts(t, open)       // alerts.go: collateral alerts, webhooks
	runPolicies(t, open)     // policies.go: support policies
	runApplications(t, open) // alerts.go: enterprises' applications

	t.Run("appraisals enterprise and bank filters", func(t *testing.T) { testAppraisalFilters(t, open(t)) })

	t.Run("enterprises credit code conflict", func(t *testing.T) { testEnterpriseConflict(t, open(t)) })
	t.Run("patents application number normalised", func(t *testing.T) { testPatentNumber(t, open(t)) })
	t.Run("patents owner filter", func(t *testing.T) { testPatentOwner(t, open(t)) })
	t.Run("patents long id list", func(t *testing.T) { testLongIDList(t, open(t)) })
	t.Run("products bank and pool filters", func(t *testing.T) { testProductFilters(t, open(t)) })
	t.Run("participants composite key", func(t *testing.T) { testParticipantKey(t, open(t)) })
	t.Run("deals reference filters", func(t *testing.T) { testDealFilters(t, open(t)) })
	t.Run("tokens hash kept and unique", func(t *testing.T) { testTokenHash(t, open(t)) })
	t.Run("schedules refuse bad fields", func(t *testing.T) { testScheduleFields(t, open(t)) })
	t.Run("schedules of the older version convert on read", func(t *testing.T) { testScheduleLegacy(t, open(t)) })
	t.Run("empty put", func(t *testing.T) { testEmptyPut(t, open(t)) })
	t.Run("cancelled context", func(t *testing.T) { testCancelled(t, open(t)) })
	t.Run("concurrent", func(t *testing.T) { testConcurrent(t, open(t)) })
	t.Run("concurrent same key", func(t *testing.T) { testConcurrentSameKey(t, open(t)) })
	t.Run("concurrent creates of one key", func(t *testing.T) { testConcurrentCreates(t, open(t)) })
	t.Run("concurrent updates from one revision", func(t *testing.T) { testConcurrentUpdates(t, open(t)) })
	t.Run("list after an id", func(t *testing.T) { testListAfter(t, open(t)) })
	t.Run("list of several enterprises", func(t *testing.T) { testListEnterprises(t, open(t)) })
	t.Run("audited writes", func(t *testing.T) { testAudited(t, open(t)) })
}

// kindCase describes one kind of record for the tests every kind passes.
type kindCase[T any] struct {
	kind  data.Kind[T]
	table func(data.Store) data.Table[T]
	gen   func(i int) T // a valid record; distinct i give distinct keys
	// change makes a valid change that a later Get must show.
	change func(*T)
	// spoil makes a record invalid and returns the field the error names.
	spoil func(*T) string
}

func runKind[T any](t *testing.T, open func(t *testing.T) data.Store, c kindCase[T]) {
	k := c.kind
	runConditional(t, open, c)
	t.Run("put and get", func(t *testing.T) {
		ctx := t.Context()
		tab := c.table(open(t))
		rec := c.gen(1)
		before := time.Now()
		out, err := tab.Put(ctx, &rec)
		after := time.Now()
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
		id := *k.ID(&rec)
		if len(out) != 1 || out[0].ID != id || !out[0].Created || id == "" {
			t.Fatalf("Put returned %+v; record ID %q", out, id)
		}
		if k.IDPrefix != "" && !strings.HasPrefix(id, k.IDPrefix+"_") {
			t.Errorf("new ID %q lacks the prefix %q", id, k.IDPrefix+"_")
		}
		created, updated := k.Stamps(&rec)
		checkStamp(t, "created_at", *created, before, after)
		if !updated.Equal(*created) {
			t.Errorf("a new record's updated_at %v differs from created_at %v", *updated, *created)
		}
		got, err := tab.Get(ctx, id)
		if err != nil {
			t.Fatalf("Get(%q): %v", id, err)
		}
		equal(t, "Get after Put", got, rec)
		if key := k.Key(&rec); key != "" {
			got, err := tab.GetByKey(ctx, key)
			if err != nil {
				t.Fatalf("GetByKey(%q): %v", key, err)
			}
			equal(t, "GetByKey after Put", got, rec)
		}
		wantCount(t, tab, 1)
	})

	t.Run("update keeps created_at", func(t *testing.T) {
		ctx := t.Context()
		tab := c.table(open(t))
		rec := c.gen(1)
		mustPut(t, tab, &rec)
		id := *k.ID(&rec)
		c0, u0 := k.Stamps(&rec)
		created, firstUpdate := *c0, *u0
		time.Sleep(2 * time.Millisecond)
		c.change(&rec)
		*c0 = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) // ignored: the stored one stays
		before := time.Now()
		out, err := tab.Put(ctx, &rec)
		after := time.Now()
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
		if len(out) != 1 || out[0].ID != id || out[0].Created {
			t.Errorf("Put of a stored record returned %+v, want ID %q not created", out, id)
		}
		c1, u1 := k.Stamps(&rec)
		if !c1.Equal(created) {
			t.Errorf("created_at = %v after update, want %v", *c1, created)
		}
		checkStamp(t, "updated_at", *u1, before, after)
		if !u1.After(firstUpdate) {
			t.Errorf("updated_at %v not after the first %v", *u1, firstUpdate)
		}
		got, err := tab.Get(ctx, id)
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		equal(t, "Get after update", got, rec)
		wantCount(t, tab, 1)
	})

	t.Run("put again without id", func(t *testing.T) {
		ctx := t.Context()
		tab := c.table(open(t))
		rec := c.gen(1)
		mustPut(t, tab, &rec)
		again := c.gen(1)
		if k.IDPrefix != "" {
			*k.ID(&again) = ""
		}
		out, err := tab.Put(ctx, &again)
		if err != nil {
			t.Fatalf("second Put: %v", err)
		}
		if k.Key(&again) == "" && k.IDPrefix != "" {
			// No natural key: a record without an ID is a new one.
			if !out[0].Created || out[0].ID == *k.ID(&rec) {
				t.Errorf("second Put of a keyless record returned %+v, want a new record", out)
			}
			wantCount(t, tab, 2)
			return
		}
		if out[0].Created || out[0].ID != *k.ID(&rec) {
			t.Errorf("re-put by natural key returned %+v, want ID %q replaced", out, *k.ID(&rec))
		}
		c0, _ := k.Stamps(&rec)
		c1, _ := k.Stamps(&again)
		if !c0.Equal(*c1) {
			t.Errorf("created_at %v after re-put, want %v", *c1, *c0)
		}
		wantCount(t, tab, 1)
	})

	t.Run("invalid batch writes nothing", func(t *testing.T) {
		ctx := t.Context()
		tab := c.table(open(t))
		a, b, d := c.gen(1), c.gen(2), c.gen(3)
		field := c.spoil(&b)
		_, err := tab.Put(ctx, &a, &b, &d)
		wantCode(t, err, data.CodeInvalid)
		if !hasField(err, "[1]."+field) {
			t.Errorf("error %v does not name field [1].%s", err, field)
		}
		if hasFieldPrefix(err, "[0].") || hasFieldPrefix(err, "[2].") {
			t.Errorf("error %v names valid records", err)
		}
		if k.IDPrefix != "" && (*k.ID(&a) != "" || *k.ID(&d) != "") {
			t.Errorf("a rejected batch set IDs %q, %q", *k.ID(&a), *k.ID(&d))
		}
		wantCount(t, tab, 0)

		_, err = tab.Put(ctx, &b)
		wantCode(t, err, data.CodeInvalid)
		if !hasField(err, field) {
			t.Errorf("single record error %v does not name field %s", err, field)
		}
		wantCount(t, tab, 0)
	})

	t.Run("not found", func(t *testing.T) {
		ctx := t.Context()
		tab := c.table(open(t))
		rec := c.gen(1)
		mustPut(t, tab, &rec)
		_, err := tab.Get(ctx, "nosuch_id")
		wantCode(t, err, data.CodeNotFound)
		_, err = tab.GetByKey(ctx, "no such key")
		wantCode(t, err, data.CodeNotFound)
		_, err = tab.GetByKey(ctx, "")
		wantCode(t, err, data.CodeNotFound)
		wantCode(t, tab.Delete(ctx, "nosuch_id"), data.CodeNotFound)
		wantCount(t, tab, 1)
	})

	t.Run("delete", func(t *testing.T) {
		ctx := t.Context()
		tab := c.table(open(t))
		a, b := c.gen(1), c.gen(2)
		mustPut(t, tab, &a, &b)
		id := *k.ID(&a)
		if err := tab.Delete(ctx, id); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		_, err := tab.Get(ctx, id)
		wantCode(t, err, data.CodeNotFound)
		if key := k.Key(&a); key != "" {
			_, err := tab.GetByKey(ctx, key)
			wantCode(t, err, data.CodeNotFound)
		}
		wantCode(t, tab.Delete(ctx, id), data.CodeNotFound)
		wantCount(t, tab, 1)
		if _, err := tab.Get(ctx, *k.ID(&b)); err != nil {
			t.Errorf("the other record: %v", err)
		}
		// The key is free again.
		again := c.gen(1)
		out, err := tab.Put(ctx, &again)
		if err != nil {
			t.Fatalf("Put after Delete: %v", err)
		}
		if !out[0].Created {
			t.Errorf("Put after Delete returned %+v, want created", out)
		}
		wantCount(t, tab, 2)
	})

	t.Run("list", func(t *testing.T) {
		ctx := t.Context()
		tab := c.table(open(t))
		recs := make([]T, 12)
		ptrs := make([]*T, len(recs))
		for i := range recs {
			recs[i] = c.gen(len(recs) - i) // put in reverse key order
			ptrs[i] = &recs[i]
		}
		mustPut(t, tab, ptrs...)
		slices.SortFunc(recs, func(a, b T) int { return strings.Compare(*k.ID(&a), *k.ID(&b)) })
		ids := make([]string, len(recs))
		for i := range recs {
			ids[i] = *k.ID(&recs[i])
		}

		for _, tc := range []struct {
			opts     data.ListOptions
			from, to int // the expected slice of recs
		}{
			{data.ListOptions{}, 0, 12},
			{data.ListOptions{Limit: 12}, 0, 12},
			{data.ListOptions{Limit: 100}, 0, 12},
			{data.ListOptions{Limit: 4}, 0, 4},
			{data.ListOptions{Offset: 5, Limit: 4}, 5, 9},
			{data.ListOptions{Offset: 10, Limit: 4}, 10, 12},
			{data.ListOptions{Offset: 7}, 7, 12},
			{data.ListOptions{Offset: 12, Limit: 4}, 12, 12},
			{data.ListOptions{Offset: 20}, 12, 12},
		} {
			got, total, err := tab.List(ctx, tc.opts)
			if err != nil {
				t.Fatalf("List(%+v): %v", tc.opts, err)
			}
			if total != 12 {
				t.Errorf("List(%+v) total = %d, want 12", tc.opts, total)
			}
			equal(t, fmt.Sprintf("List(%+v)", tc.opts), got, recs[tc.from:tc.to])
		}

		got, total, err := tab.List(ctx, data.ListOptions{IDs: []string{ids[3], ids[1], "nosuch_id", ids[3]}})
		if err != nil {
			t.Fatalf("List by IDs: %v", err)
		}
		if total != 2 {
			t.Errorf("List by IDs total = %d, want 2", total)
		}
		equal(t, "List by IDs", got, []T{recs[1], recs[3]})

		got, total, err = tab.List(ctx, data.ListOptions{IDs: []string{}})
		if err != nil || len(got) != 0 || total != 0 {
			t.Errorf("List with an empty ID list = %d records, total %d, %v; want none", len(got), total, err)
		}
		got, total, err = tab.List(ctx, data.ListOptions{Refs: data.Refs{Bank: "nosuch_bank", Event: "nosuch_event"}})
		if err != nil || len(got) != 0 || total != 0 {
			t.Errorf("List by unknown refs = %d records, total %d, %v; want none", len(got), total, err)
		}
		_, _, err = tab.List(ctx, data.ListOptions{Offset: -1})
		wantCode(t, err, data.CodeInvalid)
		_, _, err = tab.List(ctx, data.ListOptions{Limit: -1})
		wantCode(t, err, data.CodeInvalid)
	})
}

func testEnterpriseConflict(t *testing.T, s data.Store) {
	ctx := t.Context()
	tab := s.Enterprises()
	a, b := Enterprise(1), Enterprise(2)
	mustPut(t, tab, &a, &b)

	// b takes a's credit code: the key belongs to a.
	b2 := b
	b2.CreditCode = a.CreditCode
	_, err := tab.Put(ctx, &b2)
	wantCode(t, err, data.CodeConflict)
	got, err := tab.Get(ctx, b.ID)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.CreditCode != b.CreditCode {
		t.Errorf("a refused Put changed the credit code to %s", got.CreditCode)
	}

	// A new record with its own ID and a's code.
	c := Enterprise(1)
	c.ID = "ent_custom01"
	_, err = tab.Put(ctx, &c)
	wantCode(t, err, data.CodeConflict)
	_, err = tab.Get(ctx, c.ID)
	wantCode(t, err, data.CodeNotFound)

	// Lower case and spaces are normalised before the key is looked up.
	d := Enterprise(2)
	d.CreditCode = " " + strings.ToLower(d.CreditCode) + " "
	out, err := tab.Put(ctx, &d)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if out[0].ID != b.ID || out[0].Created {
		t.Errorf("Put of a lower-case credit code returned %+v, want %s replaced", out, b.ID)
	}

	// A given ID that is not stored yet is used as is.
	e := Enterprise(3)
	e.ID = "ent_custom03"
	out, err = tab.Put(ctx, &e)
	if err != nil {
		t.Fatalf("Put with a new ID: %v", err)
	}
	if out[0].ID != "ent_custom03" || !out[0].Created {
		t.Errorf("Put with a new ID returned %+v", out)
	}
	// A malformed ID is refused.
	f := Enterprise(4)
	f.ID = "ent custom/04"
	_, err = tab.Put(ctx, &f)
	wantCode(t, err, data.CodeInvalid)
	if !hasField(err, "id") {
		t.Errorf("error %v does not name the id", err)
	}
	wantCount(t, tab, 3)

	// In one batch, g gives its credit code up and a new record takes it.
	g := Enterprise(5)
	mustPut(t, tab, &g)
	g2, h := g, Enterprise(5)
	g2.CreditCode = CreditCode(6)
	out, err = tab.Put(ctx, &g2, &h)
	if err != nil {
		t.Fatalf("Put of a batch moving a credit code: %v", err)
	}
	if out[0].ID != g.ID || out[0].Created || !out[1].Created || out[1].ID == g.ID {
		t.Errorf("Put of a batch moving a credit code returned %+v; want %s replaced and a new record", out, g.ID)
	}
	if got, err := tab.GetByKey(ctx, CreditCode(5)); err != nil || got.ID != h.ID {
		t.Errorf("GetByKey of the moved code = %s, %v; want %s", got.ID, err, h.ID)
	}
	wantCount(t, tab, 5)
}

func testPatentNumber(t *testing.T, s data.Store) {
	ctx := t.Context()
	tab := s.Patents()
	p := Patent(7)
	want := p.ApplicationNumber
	p.ApplicationNumber = "CN" + strings.ReplaceAll(want, ".", "")
	out, err := tab.Put(ctx, &p)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if out[0].ID != want || p.ApplicationNumber != want {
		t.Errorf("Put returned %+v, record %s; want ID %s", out, p.ApplicationNumber, want)
	}
	if _, err := tab.Get(ctx, want); err != nil {
		t.Errorf("Get(%s): %v", want, err)
	}
	// The same patent twice in a batch: created, then replaced.
	q1, q2 := Patent(9), Patent(9)
	q2.Claims = 20
	out, err = tab.Put(ctx, &q1, &q2)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if !out[0].Created || out[1].Created || out[0].ID != out[1].ID {
		t.Errorf("Put of one patent twice returned %+v, want created then replaced", out)
	}
	if got, err := tab.Get(ctx, q1.ApplicationNumber); err != nil || got.Claims != 20 {
		t.Errorf("Get = %d claims, %v; want the second version", got.Claims, err)
	}
	bad := Patent(8)
	bad.ApplicationNumber = bad.ApplicationNumber[:len(bad.ApplicationNumber)-1] + "Y"
	_, err = tab.Put(ctx, &bad)
	wantCode(t, err, data.CodeInvalid)
	if !hasField(err, "application_number") {
		t.Errorf("error %v does not name the application number", err)
	}
	wantCount(t, tab, 2)
}

func testPatentOwner(t *testing.T, s data.Store) {
	ctx := t.Context()
	tab := s.Patents()
	var ps []*data.Patent
	for i := range 30 {
		p := Patent(i)
		p.OwnerID = []string{"ent_a", "ent_b"}[i%2]
		ps = append(ps, &p)
	}
	mustPut(t, tab, ps...)
	var wantIDs []string
	for i := 0; i < 30; i += 2 {
		wantIDs = append(wantIDs, ps[i].ApplicationNumber)
	}
	slices.Sort(wantIDs)
	got, total, err := tab.List(ctx, data.ListOptions{Refs: data.Refs{Enterprise: "ent_a"}, Offset: 10, Limit: 10})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if total != 15 {
		t.Errorf("total = %d, want 15", total)
	}
	if ids := patentIDs(got); !slices.Equal(ids, wantIDs[10:]) {
		t.Errorf("List by owner, page 2 = %v, want %v", ids, wantIDs[10:])
	}
	got, total, err = tab.List(ctx, data.ListOptions{Refs: data.Refs{Enterprise: "ent_a", Bank: "bank_x"}})
	if err != nil || total != 0 || len(got) != 0 {
		t.Errorf("List by owner and an unused ref = %d, total %d, %v; want none", len(got), total, err)
	}
}

// testListEnterprises checks ListOptions.Enterprises alone, with paging,
// with Refs.Enterprise inside and outside the set, with IDs, and a set of
// more enterprises than one SQL statement takes parameters.
func testListEnterprises(t *testing.T, s data.Store) {
	ctx := t.Context()
	tab := s.Patents()
	owners := []string{"ent_a", "ent_b", "ent_c", ""}
	var ps []*data.Patent
	for i := range 40 {
		p := Patent(i)
		p.OwnerID = owners[i%len(owners)]
		ps = append(ps, &p)
	}
	mustPut(t, tab, ps...)
	want := func(set ...string) []string {
		var ids []string
		for _, p := range ps {
			if slices.Contains(set, p.OwnerID) {
				ids = append(ids, p.ApplicationNumber)
			}
		}
		slices.Sort(ids)
		return ids
	}
	check := func(name string, opts data.ListOptions, wantIDs []string, wantTotal int) {
		t.Helper()
		got, total, err := tab.List(ctx, opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if ids := patentIDs(got); !slices.Equal(ids, wantIDs) || total != wantTotal {
			t.Errorf("%s = %v (total %d), want %v (total %d)", name, ids, total, wantIDs, wantTotal)
		}
	}
	ab := want("ent_a", "ent_b")
	check("a and b", data.ListOptions{Enterprises: []string{"ent_b", "ent_a", "ent_x"}}, ab, 20)
	check("a and b, page 2", data.ListOptions{Enterprises: []string{"ent_a", "ent_b"}, Offset: 5, Limit: 5}, ab[5:10], 20)
	check("none", data.ListOptions{Enterprises: []string{}}, nil, 0)
	check("a and b, filtered to a", data.ListOptions{Enterprises: []string{"ent_a", "ent_b"}, Refs: data.Refs{Enterprise: "ent_a"}}, want("ent_a"), 10)
	check("a and b, filtered to c", data.ListOptions{Enterprises: []string{"ent_a", "ent_b"}, Refs: data.Refs{Enterprise: "ent_c"}}, nil, 0)
	check("a and b among IDs", data.ListOptions{Enterprises: []string{"ent_a", "ent_b"}, IDs: []string{ab[0], want("ent_c")[0]}}, ab[:1], 1)
	// The empty owner is not an enterprise: asking for "" finds nothing.
	check("the empty owner", data.ListOptions{Enterprises: []string{""}}, nil, 0)
	many := make([]string, 0, 40000)
	for i := range 40000 {
		many = append(many, fmt.Sprintf("ent_%05d", i))
	}
	many = append(many, "ent_c")
	check("one of 40,001 enterprises", data.ListOptions{Enterprises: many}, want("ent_c"), 10)
}

func testLongIDList(t *testing.T, s data.Store) {
	ctx := t.Context()
	tab := s.Patents()
	const n = 1200
	ps := make([]*data.Patent, n)
	for i := range ps {
		p := Patent(i)
		p.OwnerID = []string{"ent_a", "ent_b"}[i%2]
		ps[i] = &p
	}
	mustPut(t, tab, ps...)
	var ids, owned []string
	for i := n - 1; i >= 0; i-- { // reversed, with duplicates and unknowns
		ids = append(ids, ps[i].ApplicationNumber)
		if i%100 == 0 {
			ids = append(ids, ps[i].ApplicationNumber, fmt.Sprintf("nosuch_%d", i))
		}
		if i%2 == 0 {
			owned = append(owned, ps[i].ApplicationNumber)
		}
	}
	all := slices.Sorted(slices.Values(patentIDs(ps)))
	slices.Sort(owned)

	got, total, err := tab.List(ctx, data.ListOptions{IDs: ids, Offset: 1150, Limit: 100})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if total != n {
		t.Errorf("total = %d, want %d", total, n)
	}
	if g := patentIDs(got); !slices.Equal(g, all[1150:]) {
		t.Errorf("List by %d IDs from 1150 = %d records %v…, want %d", len(ids), len(g), g[:min(3, len(g))], n-1150)
	}
	got, total, err = tab.List(ctx, data.ListOptions{IDs: ids, Refs: data.Refs{Enterprise: "ent_a"}, Offset: 590, Limit: 20})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if total != n/2 {
		t.Errorf("total by IDs and owner = %d, want %d", total, n/2)
	}
	if g := patentIDs(got); !slices.Equal(g, owned[590:]) {
		t.Errorf("List by IDs and owner from 590 = %v, want %v", g, owned[590:])
	}
	got, total, err = tab.List(ctx, data.ListOptions{IDs: ids})
	if err != nil || total != n || len(got) != n {
		t.Errorf("List by all IDs = %d records, total %d, %v; want %d", len(got), total, err, n)
	}
}

func testProductFilters(t *testing.T, s data.Store) {
	ctx := t.Context()
	tab := s.Products()
	var all []*data.Product
	for i, bank := range []string{"bank_a", "bank_b", "bank_a", "bank_a", "bank_b"} {
		p := Product(i, bank)
		if i == 3 {
			p.PoolID = "pool_p"
		}
		all = append(all, &p)
	}
	mustPut(t, tab, all...)
	for _, tc := range []struct {
		refs  data.Refs
		limit int
		want  []int // indexes into all
		total int
	}{
		{data.Refs{Bank: "bank_a"}, 0, []int{0, 2, 3}, 3},
		{data.Refs{Bank: "bank_a"}, 2, nil, 3},
		{data.Refs{Bank: "bank_b"}, 0, []int{1, 4}, 2},
		{data.Refs{Bank: "bank_a", Pool: "pool_p"}, 0, []int{3}, 1},
		{data.Refs{Pool: "pool_p"}, 0, []int{3}, 1},
		{data.Refs{Bank: "bank_b", Pool: "pool_p"}, 0, []int{}, 0},
		{data.Refs{Bank: "bank_c"}, 0, []int{}, 0},
	} {
		got, total, err := tab.List(ctx, data.ListOptions{Refs: tc.refs, Limit: tc.limit})
		if err != nil {
			t.Fatalf("List(%+v): %v", tc.refs, err)
		}
		if total != tc.total {
			t.Errorf("List(%+v) total = %d, want %d", tc.refs, total, tc.total)
		}
		if tc.limit > 0 {
			if len(got) != tc.limit {
				t.Errorf("List(%+v, limit %d) = %d records", tc.refs, tc.limit, len(got))
			}
			continue
		}
		var want []data.Product
		for _, i := range tc.want {
			want = append(want, *all[i])
		}
		slices.SortFunc(want, func(a, b data.Product) int { return strings.Compare(a.ID, b.ID) })
		if want == nil {
			want = []data.Product{}
		}
		equal(t, fmt.Sprintf("List(%+v)", tc.refs), got, want)
	}
}

func testParticipantKey(t *testing.T, s data.Store) {
	ctx := t.Context()
	tab := s.Participants()
	a := Participant(1, "evt_a")
	b := Participant(1, "evt_b") // same enterprise, other event: another registration
	bank := data.Participant{EventID: "evt_a", Role: data.RoleBankDesk, BankID: "bank_a", Tables: 2}
	valuer := data.Participant{EventID: "evt_a", Role: data.RoleValuer, Name: "广东联信资产评估土地房地产估价有限公司"}
	mustPut(t, tab, &a, &b, &bank, &valuer)
	if a.ID == b.ID {
		t.Fatalf("two events share participant %s", a.ID)
	}
	wantCount(t, tab, 4)

	// Registering again updates the registration.
	again := Participant(1, "evt_a")
	again.WantedMeetings = 4
	out, err := tab.Put(ctx, &again)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if out[0].ID != a.ID || out[0].Created {
		t.Errorf("re-registration returned %+v, want %s replaced", out, a.ID)
	}
	got, err := tab.GetByKey(ctx, data.ParticipantKey(&again))
	if err != nil || got.WantedMeetings != 4 {
		t.Errorf("GetByKey = %+v, %v; want 4 wanted meetings", got, err)
	}

	// Moving b to event a would register the enterprise twice.
	b.EventID = "evt_a"
	_, err = tab.Put(ctx, &b)
	wantCode(t, err, data.CodeConflict)

	list, total, err := tab.List(ctx, data.ListOptions{Refs: data.Refs{Event: "evt_a"}})
	if err != nil || total != 3 || len(list) != 3 {
		t.Errorf("List by event = %d, total %d, %v; want 3", len(list), total, err)
	}
	list, total, err = tab.List(ctx, data.ListOptions{Refs: data.Refs{Event: "evt_a", Bank: "bank_a"}})
	if err != nil || total != 1 || len(list) != 1 || list[0].ID != bank.ID {
		t.Errorf("List by event and bank = %+v, total %d, %v; want the bank desk", list, total, err)
	}
	list, total, err = tab.List(ctx, data.ListOptions{Refs: data.Refs{Enterprise: a.EnterpriseID}})
	if err != nil || total != 2 || len(list) != 2 {
		t.Errorf("List by enterprise = %d, total %d, %v; want 2", len(list), total, err)
	}
	wantCount(t, tab, 4)
}

func testDealFilters(t *testing.T, s data.Store) {
	ctx := t.Context()
	tab := s.Deals()
	var ds []*data.Deal
	for i := range 8 {
		d := Deal(i, []string{"ent_a", "ent_b"}[i%2], []string{"bank_a", "bank_b"}[i/4], []string{"prod_a", "prod_b", "prod_c"}[i%3])
		if i%4 == 0 {
			d.EventID = "evt_a"
		}
		if i >= 6 {
			d.PoolID = "pool_p"
		}
		ds = append(ds, &d)
	}
	mustPut(t, tab, ds...)
	for _, tc := range []struct {
		refs data.Refs
		want []int
	}{
		{data.Refs{Enterprise: "ent_a"}, []int{0, 2, 4, 6}},
		{data.Refs{Bank: "bank_b"}, []int{4, 5, 6, 7}},
		{data.Refs{Product: "prod_a"}, []int{0, 3, 6}},
		{data.Refs{Event: "evt_a"}, []int{0, 4}},
		{data.Refs{Pool: "pool_p"}, []int{6, 7}},
		{data.Refs{Enterprise: "ent_a", Bank: "bank_b", Product: "prod_a"}, []int{6}},
		{data.Refs{Enterprise: "ent_b", Event: "evt_a"}, nil},
	} {
		got, total, err := tab.List(ctx, data.ListOptions{Refs: tc.refs})
		if err != nil {
			t.Fatalf("List(%+v): %v", tc.refs, err)
		}
		var want []string
		for _, i := range tc.want {
			want = append(want, ds[i].ID)
		}
		slices.Sort(want)
		var ids []string
		for _, d := range got {
			ids = append(ids, d.ID)
		}
		if total != len(want) || !slices.Equal(ids, want) {
			t.Errorf("List(%+v) = %v, total %d; want %v", tc.refs, ids, total, want)
		}
	}
}

func testTokenHash(t *testing.T, s data.Store) {
	ctx := t.Context()
	tab := s.Tokens()
	a, b := Token(1, "bank_a"), Token(2, "bank_a")
	mustPut(t, tab, &a, &b)
	hash := data.HashToken(TokenSecret(1))
	got, err := tab.GetByKey(ctx, hash)
	if err != nil {
		t.Fatalf("GetByKey: %v", err)
	}
	if got.ID != a.ID || got.Hash != hash {
		t.Errorf("GetByKey = %s with hash %q; want %s with %q", got.ID, got.Hash, a.ID, hash)
	}
	got, err = tab.Get(ctx, b.ID)
	if err != nil || got.Hash != b.Hash {
		t.Errorf("Get = hash %q, %v; want %q", got.Hash, err, b.Hash)
	}
	list, _, err := tab.List(ctx, data.ListOptions{Refs: data.Refs{Bank: "bank_a"}})
	if err != nil || len(list) != 2 || list[0].Hash == "" || list[1].Hash == "" {
		t.Errorf("List lost hashes: %+v, %v", list, err)
	}
	b.Hash = a.Hash
	_, err = tab.Put(ctx, &b)
	wantCode(t, err, data.CodeConflict)
	wantCount(t, tab, 2)
}

// testScheduleFields checks the rules of the schedule's own fields: each
// bad record is refused naming the field, and nothing is written.
func testScheduleFields(t *testing.T, s data.Store) {
	tab := s.Schedules()
	for _, c := range []struct {
		field string
		spoil func(*data.Schedule)
	}{
		{"overrides[0].enterprise_id", func(sc *data.Schedule) { sc.Overrides[0].EnterpriseID = "" }},
		{"overrides[0].bank_id", func(sc *data.Schedule) { sc.Overrides[0].BankID = "" }},
		{"overrides[0].reason", func(sc *data.Schedule) { sc.Overrides[0].Reason = strings.Repeat("因", data.MaxOverrideReason+1) }},
		{"overrides[1]", func(sc *data.Schedule) { sc.Overrides = append(sc.Overrides, sc.Overrides[0]) }},
		{"must_meet", func(sc *data.Schedule) { sc.MustMeet, sc.MustMeetMet = -1, 0 }},
		{"must_meet_met", func(sc *data.Schedule) { sc.MustMeetMet = -1 }},
		{"must_meet_met", func(sc *data.Schedule) { sc.MustMeetMet = sc.MustMeet + 1 }},
	} {
		sc := Schedule(1)
		c.spoil(&sc)
		_, err := tab.Put(t.Context(), &sc)
		wantCode(t, err, data.CodeInvalid)
		if !hasField(err, c.field) {
			t.Errorf("error %v does not name %s", err, c.field)
		}
	}
	wantCount(t, tab, 0)
	// At the bound, a reason is kept.
	sc := Schedule(1)
	sc.Overrides[0].Reason = strings.Repeat("因", data.MaxOverrideReason)
	mustPut(t, tab, &sc)
	got, err := tab.Get(t.Context(), sc.ID)
	if err != nil || got.Overrides[0].Reason != sc.Overrides[0].Reason {
		t.Errorf("Get = %+v, %v; want the reason of %d characters back", got.Overrides, err, data.MaxOverrideReason)
	}
}

// testScheduleLegacy puts a schedule as the version before its own fields
// wrote it, with who computed it, when, the weight basis and the overrides
// as strings in Params, and reads it back with the same meaning in fields.
func testScheduleLegacy(t *testing.T, s data.Store) {
	tab := s.Schedules()
	old := data.Schedule{ID: "evt_old", EventID: "evt_old",
		Meetings: []data.Meeting{{EnterpriseID: "ent_a", BankID: "bank_a", Table: 1, Slot: 1, Score: 1, Override: true, OverrideReason: "旧原因"}},
		Params: map[string]string{
			"weight_basis":     "old basis",
			"computed_by":      "user:organizer",
			"computed_at":      "2025-05-20T09:30:15.123456789Z",
			"overrides":        "ent_a:bank_a,ent_b:bank_b",
			"override_reasons": `{"ent_a:bank_a":"旧原因"}`,
			"seed":             "7", // not a legacy key: stays
		}}
	mustPut(t, tab, &old)
	got, err := tab.Get(t.Context(), "evt_old")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	want := []data.ScheduleOverride{{EnterpriseID: "ent_a", BankID: "bank_a", Reason: "旧原因"}, {EnterpriseID: "ent_b", BankID: "bank_b"}}
	if !reflect.DeepEqual(got.Overrides, want) {
		t.Errorf("overrides = %+v, want %+v", got.Overrides, want)
	}
	at := time.Date(2025, 5, 20, 9, 30, 15, 123456789, time.UTC)
	if got.WeightBasis != "old basis" || got.ComputedBy != "user:organizer" || !got.ComputedAt.Equal(at) {
		t.Errorf("weight_basis %q, computed_by %q, computed_at %v; want old basis, user:organizer, %v", got.WeightBasis, got.ComputedBy, got.ComputedAt, at)
	}
	if !reflect.DeepEqual(got.Params, map[string]string{"seed": "7"}) {
		t.Errorf("params = %v, want only the seed left", got.Params)
	}
	// Written back, it is a record of the new version.
	mustPut(t, tab, &got)
	again, err := tab.Get(t.Context(), "evt_old")
	if err != nil || !reflect.DeepEqual(again.Overrides, want) || !again.ComputedAt.Equal(at) {
		t.Errorf("after a re-put: %+v, %v", again, err)
	}
}

func testEmptyPut(t *testing.T, s data.Store) {
	out, err := s.Banks().Put(t.Context())
	if err != nil || len(out) != 0 {
		t.Errorf("Put() = %+v, %v; want nothing", out, err)
	}
	wantCount(t, s.Banks(), 0)
}

func testCancelled(t *testing.T, s data.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	e := Enterprise(1)
	if _, err := s.Enterprises().Put(ctx, &e); err == nil {
		t.Errorf("Put with a cancelled context succeeded")
	}
	if _, err := s.Enterprises().Get(ctx, "ent_x"); err == nil || data.ErrorCode(err) == data.CodeNotFound {
		t.Errorf("Get with a cancelled context: %v, want a context error", err)
	}
	wantCount(t, s.Enterprises(), 0)
}

// testConcurrent puts, gets and lists from several goroutines at once: a
// store must neither fail (SQLITE_BUSY and the like) nor lose writes.
func testConcurrent(t *testing.T, s data.Store) {
	ctx := t.Context()
	const writers, each = 6, 12
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for j := range each {
				e := Enterprise(g*1000 + j)
				if _, err := s.Enterprises().Put(ctx, &e); err != nil {
					t.Errorf("Put: %v", err)
					return
				}
				got, err := s.Enterprises().Get(ctx, e.ID)
				if err != nil || got.CreditCode != e.CreditCode {
					t.Errorf("Get(%s) after Put = %s, %v", e.ID, got.CreditCode, err)
				}
				if _, _, err := s.Enterprises().List(ctx, data.ListOptions{Limit: 5}); err != nil {
					t.Errorf("List: %v", err)
				}
			}
		})
	}
	for g := range 3 { // batches in parallel, with readers
		wg.Go(func() {
			batch := make([]*data.Patent, 50)
			for i := range batch {
				p := Patent(g*100 + i)
				batch[i] = &p
			}
			if _, err := s.Patents().Put(ctx, batch...); err != nil {
				t.Errorf("Put patents: %v", err)
			}
			if _, err := s.Patents().Count(ctx); err != nil {
				t.Errorf("Count: %v", err)
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			if _, _, err := s.Patents().List(ctx, data.ListOptions{Offset: 10, Limit: 20}); err != nil {
				t.Errorf("List patents: %v", err)
			}
		}
	})
	wg.Wait()
	wantCount(t, s.Enterprises(), writers*each)
	wantCount(t, s.Patents(), 150)
}

// testConcurrentSameKey puts one credit code from several goroutines: there
// must be one record in the end. A store may refuse some Puts with a
// conflict, but must never store the key twice.
func testConcurrentSameKey(t *testing.T, s data.Store) {
	ctx := t.Context()
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[string]bool{}
	for range 8 {
		wg.Go(func() {
			e := Enterprise(42)
			out, err := s.Enterprises().Put(ctx, &e)
			if err != nil {
				if data.ErrorCode(err) != data.CodeConflict {
					t.Errorf("Put: %v", err)
				}
				return
			}
			mu.Lock()
			ids[out[0].ID] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(ids) != 1 {
		t.Errorf("concurrent Puts of one credit code gave IDs %v, want one", ids)
	}
	wantCount(t, s.Enterprises(), 1)
}

// Helpers.

func mustPut[T any](t *testing.T, tab data.Table[T], recs ...*T) {
	t.Helper()
	if _, err := tab.Put(t.Context(), recs...); err != nil {
		t.Fatalf("Put: %v", err)
	}
}

func wantCount[T any](t *testing.T, tab data.Table[T], want int) {
	t.Helper()
	n, err := tab.Count(t.Context())
	if err != nil {
		t.Fatalf("Count: %v", err)
	}
	if n != want {
		t.Errorf("Count = %d, want %d", n, want)
	}
}

func wantCode(t *testing.T, err error, want data.Code) {
	t.Helper()
	if got := data.ErrorCode(err); got != want {
		t.Errorf("error %v has code %q, want %q", err, got, want)
	}
}

func hasField(err error, field string) bool {
	return slices.ContainsFunc(data.ErrorFields(err), func(f data.FieldError) bool { return f.Field == field })
}

func hasFieldPrefix(err error, prefix string) bool {
	return slices.ContainsFunc(data.ErrorFields(err), func(f data.FieldError) bool { return strings.HasPrefix(f.Field, prefix) })
}

// checkStamp checks that a timestamp set by Put is UTC, whole microseconds
// and within the call.
func checkStamp(t *testing.T, name string, ts, before, after time.Time) {
	t.Helper()
	if ts.Location() != time.UTC {
		t.Errorf("%s %v is not in UTC", name, ts)
	}
	if !ts.Equal(ts.Truncate(time.Microsecond)) {
		t.Errorf("%s %v has sub-microsecond digits", name, ts)
	}
	if ts.Before(before.Truncate(time.Millisecond)) || ts.After(after) {
		t.Errorf("%s %v is not between %v and %v", name, ts, before, after)
	}
}

// equal reports a difference between got and want, showing both as JSON.
func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	if g, w := reflect.ValueOf(got), reflect.ValueOf(want); g.Kind() == reflect.Slice && w.Kind() == reflect.Slice && g.Len() == 0 && w.Len() == 0 {
		return // nil and empty lists are alike
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) == string(w) { // the difference hides from JSON
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
		return
	}
	t.Errorf("%s:\n got %s\nwant %s", what, g, w)
}

func patentIDs(ps any) []string {
	var ids []string
	switch ps := ps.(type) {
	case []data.Patent:
		for _, p := range ps {
			ids = append(ids, p.ApplicationNumber)
		}
	case []*data.Patent:
		for _, p := range ps {
			ids = append(ids, p.ApplicationNumber)
		}
	}
	return ids
}

// testAppraisalFilters lists appraisals by enterprise and by the bank that
// recorded them, and refuses a second report of one firm's number.
func testAppraisalFilters(t *testing.T, s data.Store) {
	ctx := t.Context()
	tab := s.Appraisals()
	a1 := Appraisal(1, "ent_a", "appraiser_x", "bank_a")
	a2 := Appraisal(2, "ent_a", "appraiser_x", "")
	a3 := Appraisal(3, "ent_b", "appraiser_y", "bank_b")
	mustPut(t, tab, &a1, &a2, &a3)
	for _, c := range []struct {
		opts data.ListOptions
		want []string
	}{
		{data.ListOptions{Refs: data.Refs{Enterprise: "ent_a"}}, []string{a1.ID, a2.ID}},
		{data.ListOptions{Refs: data.Refs{Bank: "bank_b"}}, []string{a3.ID}},
		{data.ListOptions{Enterprises: []string{"ent_b", "ent_c"}}, []string{a3.ID}},
	} {
		got, n, err := tab.List(ctx, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range got {
			ids = append(ids, a.ID)
		}
		slices.Sort(c.want)
		if n != len(c.want) || !slices.Equal(ids, c.want) {
			t.Errorf("List(%+v) = %v (%d), want %v", c.opts, ids, n, c.want)
		}
	}
	// The same firm's report number twice is a conflict; another firm's is not.
	dup := Appraisal(9, "ent_b", "appraiser_x", "")
	dup.ID, dup.ReportNumber = "appraisal_dup", a1.ReportNumber
	if _, err := tab.Put(ctx, &dup); data.ErrorCode(err) != data.CodeConflict {
		t.Errorf("a firm's report number twice: %v, want conflict", err)
	}
	other := dup
	other.AppraiserID = "appraiser_y"
	if _, err := tab.Put(ctx, &other); err != nil {
		t.Errorf("another firm's report of the same number: %v", err)
	}
}
