package matcher

import (
	"context"
	"hash/fnv"
	"reflect"
	"slices"
	"testing"

	"ipmatch/data"
	"ipmatch/data/demo"
)

// splitBlocks partitions the records of in into n blocks by a hash of the
// enterprise ID, as a node does.
func splitBlocks(in MatchInput, n int) []Block {
	blocks := make([]Block, n)
	of := func(id string) int {
		h := fnv.New32a()
		h.Write([]byte(id))
		return int(h.Sum32() % uint32(n))
	}
	for _, e := range in.Enterprises {
		b := &blocks[of(e.ID)]
		b.Enterprises = append(b.Enterprises, e)
	}
	for _, p := range in.Patents {
		if p.OwnerID != "" {
			b := &blocks[of(p.OwnerID)]
			b.Patents = append(b.Patents, p)
		}
	}
	for _, a := range in.Appraisals {
		b := &blocks[of(a.EnterpriseID)]
		b.Appraisals = append(b.Appraisals, a)
	}
	return blocks
}

func allAreas(products []data.Product) []string {
	var out []string
	for i := range products {
		out = append(out, products[i].IPCAreas...)
	}
	return out
}

// TestCompiledAgreesWithPipeline checks that a pipeline ranked from
// compiled blocks, whole or filtered, is the one computed afresh from the
// records, and that recompiling the blocks a change touches gives what
// compiling everything again gives.
func TestCompiledAgreesWithPipeline(t *testing.T) {
	ctx := context.Background()
	m := DefaultMatcher()
	w := makeWorld(11, 600, 6, 12)
	ds := demoData()
	in := w.in
	in.Enterprises = append(slices.Clone(in.Enterprises), ds.Enterprises...)
	in.Patents = append(slices.Clone(in.Patents), ds.Patents...)
	in.Appraisals = ds.Appraisals
	in.Products = append(slices.Clone(in.Products), ds.Products...)
	in.Pools = append(slices.Clone(in.Pools), ds.Pools...)
	const nBlocks = 7
	blocks := splitBlocks(in, nBlocks)
	c, err := m.Compile(ctx, in.AsOf, allAreas(in.Products), blocks, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Enterprises() != len(in.Enterprises) {
		t.Fatalf("compiled %d enterprises, want %d", c.Enterprises(), len(in.Enterprises))
	}
	// Keep every third enterprise, as a bank that sees some.
	keep := func(e *data.Enterprise) bool { return len(e.ID)%3 != 0 || e.ID[len(e.ID)-1]%3 == 0 }
	var kept []data.Enterprise
	for _, e := range in.Enterprises {
		if keep(&e) {
			kept = append(kept, e)
		}
	}
	check := func(t *testing.T, c *Compiled, in MatchInput, kept []data.Enterprise) {
		t.Helper()
		for i := range in.Products {
			p := &in.Products[i]
			r, err := c.Rank(ctx, p, in.Pools)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []struct {
				ents         []data.Enterprise
				keep         func(*data.Enterprise) bool
				eligibleOnly bool
				offset, lim  int
			}{{in.Enterprises, nil, false, 0, 0}, {kept, keep, false, 5, 40}, {kept, keep, true, 0, 25}} {
				want, err := m.Pipeline(ctx, PipelineRequest{Product: p, Pools: in.Pools, Enterprises: q.ents, Patents: in.Patents,
					Appraisals: in.Appraisals, AsOf: in.AsOf, EligibleOnly: q.eligibleOnly, Offset: q.offset, Limit: q.lim})
				if err != nil {
					t.Fatal(err)
				}
				var seen *Seen
				if q.keep != nil {
					seen = c.Seen(q.keep)
				}
				got, err := r.Page(ctx, seen, q.eligibleOnly, q.offset, q.lim)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s (kept %v, eligible only %v, [%d, +%d)): the compiled pipeline differs: total %d/%d, eligible %d/%d",
						p.ID, q.keep != nil, q.eligibleOnly, q.offset, q.lim, got.Total, want.Total, got.Eligible, want.Eligible)
				}
				// The counts alone (a product's reach) are the pipeline's.
				if !q.eligibleOnly {
					eligible, total, err := c.CountEligible(ctx, p, in.Pools, seen)
					if err != nil {
						t.Fatal(err)
					}
					if eligible != want.Eligible || total != want.Total {
						t.Fatalf("%s (kept %v): counted %d eligible of %d, the pipeline %d of %d", p.ID, q.keep != nil, eligible, total, want.Eligible, want.Total)
					}
				}
				if q.keep == nil && want.Eligible == 0 && i >= len(in.Products)-len(ds.Products) {
					t.Logf("%s: no eligible enterprise", p.ID)
				}
			}
		}
	}
	check(t, c, in, kept)

	// A change: one enterprise's revenue, one removed with its patents,
	// one patent moved to another owner, a new enterprise.
	next := in
	next.Enterprises = slices.Clone(in.Enterprises)
	next.Patents = slices.Clone(in.Patents)
	changedIDs := map[string]bool{}
	e0 := &next.Enterprises[3]
	if len(e0.Financials) > 0 {
		e0.Financials = slices.Clone(e0.Financials)
		e0.Financials[len(e0.Financials)-1].Revenue *= 3
	}
	changedIDs[e0.ID] = true
	gone := next.Enterprises[10].ID
	changedIDs[gone] = true
	next.Enterprises = slices.Delete(next.Enterprises, 10, 11)
	moved := slices.IndexFunc(next.Patents, func(p data.Patent) bool { return p.OwnerID == next.Enterprises[20].ID })
	changedIDs[next.Patents[moved].OwnerID] = true
	next.Patents[moved].OwnerID = next.Enterprises[30].ID
	changedIDs[next.Enterprises[30].ID] = true
	added := next.Enterprises[40]
	added.ID, added.Name = "ent_added_"+added.ID, added.Name+"新"
	next.Enterprises = append(next.Enterprises, added)
	changedIDs[added.ID] = true

	nextBlocks := splitBlocks(next, nBlocks)
	changed := map[int]Block{}
	for b := range nextBlocks {
		if slices.ContainsFunc(blocks[b].Enterprises, func(e data.Enterprise) bool { return changedIDs[e.ID] }) ||
			slices.ContainsFunc(nextBlocks[b].Enterprises, func(e data.Enterprise) bool { return changedIDs[e.ID] }) {
			changed[b] = nextBlocks[b]
		}
	}
	if len(changed) == 0 || len(changed) == nBlocks {
		t.Fatalf("%d of %d blocks changed: the test should recompile some, not all", len(changed), nBlocks)
	}
	c2, err := c.Recompile(ctx, changed)
	if err != nil {
		t.Fatal(err)
	}
	var kept2 []data.Enterprise
	for _, e := range next.Enterprises {
		if keep(&e) {
			kept2 = append(kept2, e)
		}
	}
	check(t, c2, next, kept2)
	// c is unchanged by the recompile.
	check(t, c, in, kept)
}

// TestCompiledRefusesUncoveredAreas checks that ranking a product whose
// IPC areas were not compiled is caught rather than answered wrongly.
func TestCompiledRefusesUncoveredAreas(t *testing.T) {
	ds := demoData()
	c, err := DefaultMatcher().Compile(context.Background(), demo.AsOf, nil, []Block{{Enterprises: ds.Enterprises, Patents: ds.Patents}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := ds.Products[0]
	p.IPCAreas = []string{"B23K"}
	if c.Covers(p.IPCAreas) {
		t.Fatal("Covers: true for an area never compiled")
	}
	defer func() {
		if recover() == nil {
			t.Error("Rank did not panic on an uncovered area")
		}
	}()
	c.Rank(context.Background(), &p, ds.Pools)
}

// TestCompileNeedsADate checks the as-of date is required.
func TestCompileNeedsADate(t *testing.T) {
	_, err := DefaultMatcher().Compile(context.Background(), data.Date{}, nil, nil, nil)
	if data.ErrorCode(err) != data.CodeInvalid || !slices.ContainsFunc(data.ErrorFields(err), func(f data.FieldError) bool { return f.Field == "as_of" }) {
		t.Fatalf("err = %v, want as_of invalid", err)
	}
}
