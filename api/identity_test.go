package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"ipmatch/data"
	"ipmatch/data/storetest"
)

// TestRenameThenClaim is the attack that got round the claim rule: an
// enterprise renamed itself to an ownerless patent's applicant (PUT 200),
// claimed the patent (200) and renamed itself back. An enterprise's
// registered name is now the organizer's to change, through the API and
// the enterprise's own import alike; after the organizer renames it, the
// claim is the legitimate one.
func TestRenameThenClaim(t *testing.T) {
	f, _, nobody := claimWorld(t) // nobody's applicant is 肇庆学院
	x, err := f.store.Enterprises().Get(t.Context(), f.entX)
	if err != nil {
		t.Fatal(err)
	}
	renamed := x
	renamed.Name = "肇庆学院"
	env := wantError(t, f.do(entXToken, "PUT", "/api/v1/enterprises/"+f.entX, renamed), http.StatusForbidden, data.CodeForbidden)
	if !strings.HasPrefix(env.Error.Message, "name:") {
		t.Errorf("refusal %q, want one naming the field name", env.Error.Message)
	}
	row, _ := json.Marshal(renamed)
	var rep data.ImportReport
	decodeBody(t, f.do(entXToken, "POST", "/api/v1/import/enterprises?format=jsonl", string(row)+"\n"), http.StatusOK, &rep)
	if rep.Updated != 0 || len(rep.Rejected) != 1 || rep.Rejected[0].Field != "name" {
		t.Errorf("an enterprise's own import renamed it: %+v", rep)
	}
	if got, _ := f.store.Enterprises().Get(t.Context(), f.entX); got.Name != x.Name {
		t.Fatalf("name %q after refused renames, want %q", got.Name, x.Name)
	}
	wantError(t, f.do(entXToken, "POST", "/api/v1/patents/"+nobody+"/claim", nil), http.StatusForbidden, data.CodeForbidden)
	if owner := f.ownerOf(nobody); owner != "" {
		t.Fatalf("patent taken by %s", owner)
	}

	// The organizer, having checked the licence, renames X: now X is an
	// applicant and may claim.
	decodeBody(t, f.do(orgToken, "PUT", "/api/v1/enterprises/"+f.entX, renamed), http.StatusOK, nil)
	decodeBody(t, f.do(entXToken, "POST", "/api/v1/patents/"+nobody+"/claim", nil), http.StatusOK, nil)
	if owner := f.ownerOf(nobody); owner != f.entX {
		t.Errorf("owner %q after the legitimate claim, want %s", owner, f.entX)
	}
}

// TestBankCannotAdmitItsProductToAPool: a bank set pool_id on its own
// product (PUT 200) and then filed deals on it under the pool, whose
// checks require the product to be covered. Admission is the
// organizer's: a bank's create, update and import cannot set or change
// pool_id.
func TestBankCannotAdmitItsProductToAPool(t *testing.T) {
	f := newFixture(t, Config{})
	prod, err := f.store.Products().Get(t.Context(), f.prodA)
	if err != nil {
		t.Fatal(err)
	}
	if prod.PoolID != "" {
		t.Fatalf("fixture product %s is already under pool %s", prod.ID, prod.PoolID)
	}
	admitted := prod
	admitted.PoolID = f.pool
	env := wantError(t, f.do(bankAToken, "PUT", "/api/v1/products/"+prod.ID, admitted), http.StatusForbidden, data.CodeForbidden)
	if !strings.HasPrefix(env.Error.Message, "pool_id:") {
		t.Errorf("refusal %q, want one naming pool_id", env.Error.Message)
	}
	fresh := storetest.Product(77, f.bankA)
	fresh.PoolID = f.pool
	wantError(t, f.do(bankAToken, "POST", "/api/v1/products", fresh), http.StatusForbidden, data.CodeForbidden)

	// The import door: a changed stored product and a new one.
	var body strings.Builder
	for _, p := range []data.Product{admitted, func() data.Product { p := fresh; p.ID = ""; return p }()} {
		j, _ := json.Marshal(p)
		body.Write(j)
		body.WriteString("\n")
	}
	var rep data.ImportReport
	decodeBody(t, f.do(bankAToken, "POST", "/api/v1/import/products?format=jsonl", body.String()), http.StatusOK, &rep)
	if rep.Imported+rep.Updated != 0 || len(rep.Rejected) != 2 {
		t.Fatalf("a bank's import admitted products: %+v", rep)
	}
	for _, r := range rep.Rejected {
		if r.Field != "pool_id" {
			t.Errorf("rejection %+v, want pool_id", r)
		}
	}
	if got, _ := f.store.Products().Get(t.Context(), prod.ID); got.PoolID != "" {
		t.Fatalf("product admitted to %s by its bank", got.PoolID)
	}

	// Editing other fields of a covered product still works for the bank,
	// and the organizer admits.
	decodeBody(t, f.do(orgToken, "PUT", "/api/v1/products/"+prod.ID, admitted), http.StatusOK, nil)
	admitted.Name += "（二期）"
	decodeBody(t, f.do(bankAToken, "PUT", "/api/v1/products/"+prod.ID, admitted), http.StatusOK, nil)
}
