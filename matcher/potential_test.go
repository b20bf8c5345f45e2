package matcher

import (
	"context"
	"iter"
	"math"
	"testing"

	"ipmatch/data"
	"ipmatch/data/demo"
)

// TestPotentialAgreesWithMatches checks each demo enterprise's financing
// potential against its matches computed afresh: the largest loan of an
// eligible active product, the patents that pass every CNIPA pledge rule,
// and the value of those patents within the portfolio's.
func TestPotentialAgreesWithMatches(t *testing.T) {
	ctx := context.Background()
	m := DefaultMatcher()
	ds := demoData()
	in := MatchInput{Enterprises: ds.Enterprises, Patents: ds.Patents, Appraisals: ds.Appraisals, Products: ds.Products, Pools: ds.Pools, AsOf: demo.AsOf}
	c, err := m.Compile(ctx, in.AsOf, allAreas(in.Products), splitBlocks(in, 5), nil)
	if err != nil {
		t.Fatal(err)
	}
	var active []data.Product
	for _, p := range ds.Products {
		if p.Active {
			active = append(active, p)
		}
	}
	if len(active) == len(ds.Products) {
		t.Log("every demo product is active: the inactive product's loans are not tried")
	}
	got, err := c.Potential(ctx, active, ds.Pools, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ds.Enterprises) {
		t.Fatalf("%d potentials, want one per enterprise (%d)", len(got), len(ds.Enterprises))
	}
	whole := map[string]float64{}
	for _, w := range c.blocks {
		for i := range w.ef {
			whole[w.ef[i].rec.ID] = w.ef[i].portfolio.P50
		}
	}
	lending, withValue := 0, 0
	for _, pot := range got {
		e := pot.Enterprise
		res := matchDemoEnterprise(t, m, e.ID)
		var best int64
		for _, mt := range res.Matches {
			if p := findProduct(ds, mt.ProductID); mt.Eligible && p.Active && mt.Loan != nil {
				best = max(best, mt.Loan.Amount)
			}
		}
		if pot.Loan != best {
			t.Errorf("%s: potential loan %d, want the largest eligible loan of its matches %d", e.ID, pot.Loan, best)
		}
		if (pot.Loan > 0) != (pot.ProductID != "") {
			t.Errorf("%s: loan %d from product %q", e.ID, pot.Loan, pot.ProductID)
		}
		pats := demoPatents(ds, e.ID)
		pledgeable := 0
		for i := range pats {
			if len(PledgeRules(e, &pats[i], demo.AsOf, 0)) == 0 {
				pledgeable++
			}
		}
		if pot.Patents != len(pats) || pot.Pledgeable != pledgeable {
			t.Errorf("%s: %d patents, %d pledgeable; want %d, %d", e.ID, pot.Patents, pot.Pledgeable, len(pats), pledgeable)
		}
		switch {
		case pledgeable == 0 && pot.Value != 0:
			t.Errorf("%s: no pledgeable patent valued at %.0f", e.ID, pot.Value)
		case pot.Value > whole[e.ID]*(1+1e-9):
			t.Errorf("%s: pledgeable patents valued %.0f, above the whole portfolio's %.0f", e.ID, pot.Value, whole[e.ID])
		case pledgeable == len(pats) && math.Abs(pot.Value-whole[e.ID]) > 1e-6*whole[e.ID]:
			t.Errorf("%s: every patent pledgeable, value %.0f, want the portfolio's %.0f", e.ID, pot.Value, whole[e.ID])
		}
		if pot.Need != e.Need.Amount {
			t.Errorf("%s: need %d, want %d", e.ID, pot.Need, e.Need.Amount)
		}
		if pot.Loan > 0 {
			lending++
		}
		if pot.Value > 0 {
			withValue++
		}
	}
	if lending == 0 || withValue == 0 || lending == len(got) {
		t.Errorf("%d of %d enterprises could borrow, %d have valued pledgeable patents: the demo should have both kinds", lending, len(got), withValue)
	}
}

// TestPotentialKeepsWhatItIsAsked checks that the enterprises seen and
// kept, and only they, are answered, and that keep sees their patents.
func TestPotentialKeepsWhatItIsAsked(t *testing.T) {
	ctx := context.Background()
	ds := demoData()
	in := MatchInput{Enterprises: ds.Enterprises, Patents: ds.Patents, Appraisals: ds.Appraisals, Products: ds.Products, Pools: ds.Pools, AsOf: demo.AsOf}
	c, err := DefaultMatcher().Compile(ctx, in.AsOf, allAreas(in.Products), splitBlocks(in, 3), nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := c.Seen(func(e *data.Enterprise) bool { return e.ID[len(e.ID)-1]%2 == 0 })
	withInvention := func(e *data.Enterprise, pats iter.Seq[*data.Patent]) bool {
		for p := range pats {
			if p.OwnerID != e.ID {
				t.Errorf("keep of %s is shown patent %s of %s", e.ID, p.ApplicationNumber, p.OwnerID)
			}
			if p.Type == data.Invention {
				return true
			}
		}
		return false
	}
	got, err := c.Potential(ctx, ds.Products, ds.Pools, seen, withInvention)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for i := range ds.Enterprises {
		e := &ds.Enterprises[i]
		if e.ID[len(e.ID)-1]%2 != 0 {
			continue
		}
		for _, p := range demoPatents(ds, e.ID) {
			if p.Type == data.Invention {
				want[e.ID] = true
			}
		}
	}
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("%d enterprises answered, want %d (> 0)", len(got), len(want))
	}
	for _, pot := range got {
		if !want[pot.Enterprise.ID] {
			t.Errorf("%s answered: not seen, or without an invention", pot.Enterprise.ID)
		}
	}
}

// TestEveryPledgeBarHasARule checks that each of data's pledge bars is a
// rule of the matcher: a bar without a bit would let the patent pass.
func TestEveryPledgeBarHasARule(t *testing.T) {
	seen := map[uint32]data.PledgeBar{}
	for _, b := range data.AllPledgeBars {
		bit := barBits[b]
		if bit == 0 || bit&pledgeBits != bit {
			t.Errorf("pledge bar %s has no pledge rule bit", b)
		}
		if other, ok := seen[bit]; ok {
			t.Errorf("pledge bars %s and %s share a bit", b, other)
		}
		seen[bit] = b
	}
	if len(barBits) != len(data.AllPledgeBars) {
		t.Errorf("%d bits for %d bars", len(barBits), len(data.AllPledgeBars))
	}
}
