package app

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPoolOrderWindow checks a bank's window against the plain filter of
// every entry, for pages anywhere (in a chunk, across chunks, past the
// end) and after changes.
func TestPoolOrderWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const owners = 700
	pool := map[string]bool{}
	for i := range owners {
		pool[fmt.Sprintf("ent_%04d", i)] = r.IntN(10) < 8
	}
	inPool := func(o string) bool { return pool[o] }
	type entry struct{ id, owner string }
	var entries []entry
	for i := range 5000 {
		entries = append(entries, entry{fmt.Sprintf("pat_%06d", i*3), fmt.Sprintf("ent_%04d", r.IntN(owners))})
	}
	split := func(es []entry) (ids, os []string) {
		for _, e := range es {
			ids, os = append(ids, e.id), append(os, e.owner)
		}
		return ids, os
	}
	extra := map[string]bool{}
	for i := 0; i < owners; i += 37 {
		extra[fmt.Sprintf("ent_%04d", i)] = true
	}
	check := func(what string, o *poolOrder, es []entry) {
		t.Helper()
		var want []string
		for _, e := range es {
			if pool[e.owner] || extra[e.owner] {
				want = append(want, e.id)
			}
		}
		for _, page := range [][2]int{{0, 10}, {0, 0}, {5, 50}, {1000, 100}, {1020, 10}, {len(want) - 3, 10}, {len(want), 10}, {len(want) + 5, 10}, {3000, 0}} {
			got, total := o.window(extra, page[0], page[1])
			end := len(want)
			if page[1] > 0 {
				end = min(end, page[0]+page[1])
			}
			var exp []string
			if page[0] < end {
				exp = want[page[0]:end]
			}
			if total != len(want) || !slices.Equal(got, exp) {
				t.Fatalf("%s: window(%d, %d): %d ids (total %d), want %d (total %d)", what, page[0], page[1], len(got), total, len(exp), len(want))
			}
		}
		if got, total := o.window(nil, 0, 0); total != len(slices.DeleteFunc(slices.Clone(es), func(e entry) bool { return !pool[e.owner] })) || len(got) != total {
			t.Fatalf("%s: without extra: %d of %d", what, len(got), total)
		}
	}
	ids, os := split(entries)
	o := newPoolOrder(ids, os, inPool)
	check("as built", o, entries)

	// Changes: some entries go, some come (new and replaced, with new
	// owners), and some owners change their consent.
	var gone []string
	var added []entry
	for i := 0; i < len(entries); i += 11 {
		gone = append(gone, entries[i].id)
	}
	for i := range 300 {
		added = append(added, entry{fmt.Sprintf("pat_%06d", r.IntN(16000)), fmt.Sprintf("ent_%04d", r.IntN(owners))})
		_ = i
	}
	changed := map[string]bool{}
	for i := 0; i < owners; i += 5 {
		id := fmt.Sprintf("ent_%04d", i)
		pool[id] = !pool[id]
		changed[id] = true
	}
	byID := map[string]entry{}
	for _, e := range entries {
		byID[e.id] = e
	}
	for _, id := range gone {
		delete(byID, id)
	}
	var addIDs, addOwners []string
	seen := map[string]bool{}
	for _, e := range added {
		if seen[e.id] {
			continue
		}
		seen[e.id] = true
		byID[e.id] = e
		addIDs, addOwners = append(addIDs, e.id), append(addOwners, e.owner)
	}
	var after []entry
	for _, e := range byID {
		after = append(after, e)
	}
	slices.SortFunc(after, func(a, b entry) int {
		if a.id < b.id {
			return -1
		}
		return 1
	})
	check("after changes", o.with(gone, addIDs, addOwners, changed, inPool), after)
}
