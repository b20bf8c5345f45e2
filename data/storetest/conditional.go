package storetest

import (
	"sync"
	"testing"

	"ipmatch/data"
)

// The conditional writes: revisions, Create and Update (data.Table).

// runConditional checks revisions, Create and Update on one kind.
func runConditional[T any](t *testing.T, open func(t *testing.T) data.Store, c kindCase[T]) {
	k := c.kind
	rev := func(r *T) int64 { return *k.Rev(r) }

	t.Run("put counts revisions", func(t *testing.T) {
		tab := c.table(open(t))
		rec := c.gen(1)
		*k.Rev(&rec) = 41 // ignored: the store counts
		mustPut(t, tab, &rec)
		if rev(&rec) != 1 {
			t.Errorf("a new record has revision %d, want 1", rev(&rec))
		}
		c.change(&rec)
		mustPut(t, tab, &rec)
		if rev(&rec) != 2 {
			t.Errorf("a record put twice has revision %d, want 2", rev(&rec))
		}
		got, err := tab.Get(t.Context(), *k.ID(&rec))
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "Get after two Puts", got, rec)
	})

	t.Run("create", func(t *testing.T) {
		ctx := t.Context()
		tab := c.table(open(t))
		rec := c.gen(1)
		if err := tab.Create(ctx, &rec); err != nil {
			t.Fatalf("Create: %v", err)
		}
		id := *k.ID(&rec)
		if id == "" || rev(&rec) != 1 {
			t.Fatalf("Create left ID %q revision %d, want an ID and revision 1", id, rev(&rec))
		}
		got, err := tab.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "Get after Create", got, rec)

		// The same ID again is a conflict and changes nothing.
		again := c.gen(1) // fresh: change may write into shared slices
		*k.ID(&again) = id
		c.change(&again)
		wantCode(t, tab.Create(ctx, &again), data.CodeConflict)
		if key := k.Key(&rec); key != "" && k.IDPrefix != "" {
			// The same natural key under a new ID is a conflict too.
			dup := c.gen(1)
			*k.ID(&dup) = ""
			wantCode(t, tab.Create(ctx, &dup), data.CodeConflict)
			if *k.ID(&dup) != "" {
				t.Errorf("a refused Create set ID %q", *k.ID(&dup))
			}
		}
		got, err = tab.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "Get after refused Creates", got, rec)
		wantCount(t, tab, 1)

		bad := c.gen(3)
		field := c.spoil(&bad)
		err = tab.Create(ctx, &bad)
		wantCode(t, err, data.CodeInvalid)
		if !hasField(err, field) {
			t.Errorf("Create error %v does not name field %s", err, field)
		}
		wantCount(t, tab, 1)
	})

	t.Run("update from the revision read", func(t *testing.T) {
		ctx := t.Context()
		tab := c.table(open(t))
		rec := c.gen(1)
		mustPut(t, tab, &rec)
		id := *k.ID(&rec)
		// A reader that read revision 1 and is slow to write.
		stale, err := tab.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}

		c.change(&rec)
		if err := tab.Update(ctx, &rec); err != nil {
			t.Fatalf("Update: %v", err)
		}
		if rev(&stale) != 1 {
			t.Fatalf("Get read revision %d, want 1", rev(&stale))
		}
		if rev(&rec) != 2 {
			t.Errorf("Update left revision %d, want 2", rev(&rec))
		}
		c0, _ := k.Stamps(&stale)
		c1, u1 := k.Stamps(&rec)
		if !c1.Equal(*c0) || u1.Before(*c0) {
			t.Errorf("Update stamped created %v updated %v; created was %v", *c1, *u1, *c0)
		}
		got, err := tab.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "Get after Update", got, rec)
		got, err = tab.Get(ctx, id) // a copy spoil may write into
		if err != nil {
			t.Fatal(err)
		}

		// The slow reader loses: nothing it sends is written.
		wantCode(t, tab.Update(ctx, &stale), data.CodeStale)
		if rev(&stale) != 1 {
			t.Errorf("a refused Update changed the revision to %d", rev(&stale))
		}
		got, err = tab.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "Get after a stale Update", got, rec)

		bad := got
		field := c.spoil(&bad)
		err = tab.Update(ctx, &bad)
		wantCode(t, err, data.CodeInvalid)
		if !hasField(err, field) {
			t.Errorf("Update error %v does not name field %s", err, field)
		}

		gone := c.gen(2)
		if k.IDPrefix != "" {
			*k.ID(&gone) = k.NewID()
		}
		*k.Rev(&gone) = 1
		wantCode(t, tab.Update(ctx, &gone), data.CodeNotFound)
		wantCount(t, tab, 1)
	})
}

// testConcurrentCreates races Creates of one credit code: exactly one
// wins, the others are conflicts.
func testConcurrentCreates(t *testing.T, s data.Store) {
	ctx := t.Context()
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 8 {
		wg.Go(func() {
			e := Enterprise(42)
			err := s.Enterprises().Create(ctx, &e)
			if err != nil {
				if data.ErrorCode(err) != data.CodeConflict {
					t.Errorf("Create: %v", err)
				}
				return
			}
			mu.Lock()
			won++
			mu.Unlock()
		})
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d concurrent Creates of one credit code succeeded, want 1", won)
	}
	wantCount(t, s.Enterprises(), 1)
}

// testConcurrentUpdates races Updates of one deal from one revision:
// exactly one is written, the others are stale.
func testConcurrentUpdates(t *testing.T, s data.Store) {
	ctx := t.Context()
	d := Deal(1, "ent_race", "bank_race", "prod_race")
	mustPut(t, s.Deals(), &d)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var winners []int64
	for i := range 8 {
		wg.Go(func() {
			mine := d
			mine.Amount = int64(1_000_000 + i)
			err := s.Deals().Update(ctx, &mine)
			if err != nil {
				if data.ErrorCode(err) != data.CodeStale {
					t.Errorf("Update: %v", err)
				}
				return
			}
			mu.Lock()
			winners = append(winners, mine.Amount)
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("%d concurrent Updates from one revision succeeded (%v), want 1", len(winners), winners)
	}
	got, err := s.Deals().Get(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Amount != winners[0] || got.Revision != d.Revision+1 {
		t.Errorf("stored amount %d revision %d, want the winner's %d at revision %d", got.Amount, got.Revision, winners[0], d.Revision+1)
	}
}
