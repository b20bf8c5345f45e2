package api

import (
	"net/http"
	"testing"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/matcher"
)

// TestProductReach previews the reach of a demo product for its bank: as
// stored it is the product's pipeline's eligible count; a draft that
// raises the revenue floor reaches no more, and dropping that floor alone
// gives back at least the stored reach; each criterion listed is one the
// draft sets. Another bank's product is not found, a bad draft is refused
// naming the field, and nothing is written.
func TestProductReach(t *testing.T) {
	f := newLandscapeDemoFixture(t)
	const asOf = "as_of=2021-04-23"
	var stored data.Product
	decodeBody(t, f.do(matchCCBToken, "GET", "/api/v1/products/"+demo.ProdCCBKechuang, nil), http.StatusOK, &stored)
	var pipe matcher.ProductPipeline
	decodeBody(t, f.do(matchCCBToken, "GET", "/api/v1/products/"+stored.ID+"/pipeline?size=1&"+asOf, nil), http.StatusOK, &pipe)

	var same app.ProductReach
	decodeBody(t, f.do(matchCCBToken, "POST", "/api/v1/products/reach?"+asOf, stored), http.StatusOK, &same)
	if same.Eligible != pipe.Eligible || same.Current == nil || *same.Current != pipe.Eligible || same.Seen != pipe.Total {
		t.Fatalf("the stored product's reach %+v; its pipeline: %d eligible of %d", same, pipe.Eligible, pipe.Total)
	}
	draft := stored
	draft.MinRevenue = 200_000_000 // 2 亿元 a year: few small manufacturers
	var tighter app.ProductReach
	decodeBody(t, f.do(matchCCBToken, "POST", "/api/v1/products/reach?"+asOf, draft), http.StatusOK, &tighter)
	if tighter.Eligible > same.Eligible {
		t.Errorf("a higher revenue floor reaches %d, more than %d", tighter.Eligible, same.Eligible)
	}
	found := false
	for _, c := range tighter.Criteria {
		if c.Adds < 0 || c.Eligible != tighter.Eligible+c.Adds {
			t.Errorf("criterion %+v", c)
		}
		if c.Field == "min_revenue" {
			found = true
			if c.Eligible < same.Eligible && stored.MinRevenue == 0 {
				t.Errorf("dropping the revenue floor gives %d, below the stored product's %d", c.Eligible, same.Eligible)
			}
		}
	}
	if !found {
		t.Errorf("min_revenue is not among the criteria: %+v", tighter.Criteria)
	}
	t.Logf("%s: %d of %d seen eligible; with a 2 亿元 revenue floor %d; criteria %+v", stored.Name, same.Eligible, same.Seen, tighter.Eligible, tighter.Criteria)

	bad := stored
	bad.MaxAmount = -1
	if env := wantError(t, f.do(matchCCBToken, "POST", "/api/v1/products/reach", bad), http.StatusUnprocessableEntity, data.CodeInvalid); !env.hasField("max_amount") {
		t.Errorf("a bad draft: %+v", env.Error.Fields)
	}
	var other data.Product
	decodeBody(t, f.do(matchZQRCBToken, "GET", "/api/v1/products/"+demo.ProdZQRCBIP, nil), http.StatusOK, &other)
	other.BankID = demo.BankCCB // the CCB's draft naming the other bank's product
	wantError(t, f.do(matchCCBToken, "POST", "/api/v1/products/reach", other), http.StatusNotFound, data.CodeNotFound)
	wantError(t, f.do(matchEnt7Token, "POST", "/api/v1/products/reach", stored), http.StatusForbidden, data.CodeForbidden)
	if n, _ := f.store.Products().Count(t.Context()); n == 0 {
		t.Fatal("no products")
	}
	var again data.Product
	decodeBody(t, f.do(matchCCBToken, "GET", "/api/v1/products/"+stored.ID, nil), http.StatusOK, &again)
	if again.Revision != stored.Revision {
		t.Error("the preview wrote the product")
	}
}
