package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"ipmatch/data"
	"ipmatch/data/storetest"
)

// claimWorld is the fixture with two ownerless patents the organizer
// imported, as from the CNIPA sample: claimX names enterprise X among its
// applicants (written with full-width brackets and spaces), nobody names
// anyone of the fixture.
func claimWorld(t *testing.T) (f *fixture, claimX, nobody string) {
	t.Helper()
	f = newFixture(t, Config{})
	x, err := f.store.Enterprises().Get(t.Context(), f.entX)
	if err != nil {
		t.Fatal(err)
	}
	p1, p2 := storetest.Patent(50), storetest.Patent(51)
	p1.Applicants = []string{"肇庆学院", " " + strings.NewReplacer("(", "（", ")", "）").Replace(x.Name) + "\u3000"}
	p2.Applicants = []string{"肇庆学院"}
	var body strings.Builder
	for _, p := range []data.Patent{p1, p2} {
		j, _ := json.Marshal(p)
		body.Write(j)
		body.WriteString("\n")
	}
	var rep data.ImportReport
	decodeBody(t, f.do(orgToken, "POST", "/api/v1/import/patents?format=jsonl", body.String()), http.StatusOK, &rep)
	if rep.Imported != 2 {
		t.Fatalf("organizer import: %+v", rep)
	}
	return f, p1.ApplicationNumber, p2.ApplicationNumber
}

func (f *fixture) ownerOf(number string) string {
	f.t.Helper()
	p, err := f.store.Patents().Get(f.t.Context(), number)
	if err != nil {
		f.t.Fatal(err)
	}
	return p.OwnerID
}

// TestEnterpriseCannotTakeOwnerlessPatent is issue 12 item 2: an
// enterprise's import of an ownerless patent it is no applicant of took it
// (updated: 1). No door gives it now: import, POST, PUT, claim.
func TestEnterpriseCannotTakeOwnerlessPatent(t *testing.T) {
	f, claimX, _ := claimWorld(t)
	p, _ := f.store.Patents().Get(t.Context(), claimX)
	p.OwnerID = ""
	row, _ := json.Marshal(p)

	var rep data.ImportReport
	decodeBody(t, f.do(entYToken, "POST", "/api/v1/import/patents?format=jsonl", row), http.StatusOK, &rep)
	if rep.Updated+rep.Imported != 0 || len(rep.Rejected) != 1 || rep.Rejected[0].Field != "owner_id" {
		t.Errorf("Y's import of X's ownerless patent: %+v; want it rejected", rep)
	}
	env := wantError(t, f.do(entYToken, "POST", "/api/v1/patents", p), http.StatusConflict, data.CodeConflict)
	if !strings.Contains(env.Error.Message, "/claim") {
		t.Errorf("POST of a stored patent: %q; want it to point to claiming", env.Error.Message)
	}
	wantError(t, f.do(entYToken, "PUT", "/api/v1/patents/"+claimX, p), http.StatusNotFound, data.CodeNotFound)
	wantError(t, f.do(entYToken, "POST", "/api/v1/patents/"+claimX+"/claim", nil), http.StatusForbidden, data.CodeForbidden)
	if o := f.ownerOf(claimX); o != "" {
		t.Fatalf("Y's attempts left the patent with owner %q", o)
	}
	// Nor does it count in Y's valuation.
	var val struct {
		Patents []struct {
			ApplicationNumber string `json:"application_number"`
		} `json:"patents"`
	}
	w := f.do(entYToken, "GET", "/api/v1/enterprises/"+f.entY+"/valuation", nil)
	if w.Code == http.StatusOK {
		json.Unmarshal(w.Body.Bytes(), &val)
		for _, vp := range val.Patents {
			if vp.ApplicationNumber == claimX {
				t.Errorf("the ownerless patent counts in Y's valuation")
			}
		}
	}
}

func TestClaimPatent(t *testing.T) {
	f, claimX, nobody := claimWorld(t)
	claim := func(tok, number string, body any) *httptest.ResponseRecorder {
		return f.do(tok, "POST", "/api/v1/patents/"+number+"/claim", body)
	}

	// Y is no applicant of either; X is no applicant of nobody.
	refusedY := wantError(t, claim(entYToken, claimX, nil), http.StatusForbidden, data.CodeForbidden).Error.Message
	refusedX := wantError(t, claim(entXToken, nobody, nil), http.StatusForbidden, data.CodeForbidden).Error.Message
	if refusedX != refusedY {
		t.Errorf("refusals differ: %q and %q", refusedX, refusedY)
	}
	// X claims its patent for another enterprise: forbidden.
	wantError(t, claim(entXToken, claimX, map[string]string{"owner_id": f.entY}), http.StatusForbidden, data.CodeForbidden)
	// A bank claims nothing, stored or not; a missing patent is 404; a bad
	// body is 400.
	wantError(t, claim(bankAToken, claimX, map[string]string{"owner_id": f.entX}), http.StatusForbidden, data.CodeForbidden)
	wantError(t, claim(bankAToken, "201220999999.1", map[string]string{"owner_id": f.entX}), http.StatusForbidden, data.CodeForbidden)
	wantError(t, claim(entXToken, "201220999999.1", nil), http.StatusNotFound, data.CodeNotFound)
	wantError(t, claim(entXToken, claimX, `{"owner":"x"}`), http.StatusBadRequest, data.CodeMalformed)
	if o := f.ownerOf(claimX); o != "" {
		t.Fatalf("refused claims left owner %q", o)
	}

	// X claims claimX, an empty body or its own id alike; again is a no-op.
	var got data.Patent
	decodeBody(t, claim(entXToken, claimX, nil), http.StatusOK, &got)
	if got.OwnerID != f.entX || f.ownerOf(claimX) != f.entX {
		t.Fatalf("X's claim: owner %q", got.OwnerID)
	}
	decodeBody(t, claim(entXToken, claimX, map[string]string{"owner_id": f.entX}), http.StatusOK, &got)
	decodeBody(t, f.do(entXToken, "GET", "/api/v1/patents/"+claimX, nil), http.StatusOK, &got)

	// Now X holds it: Y's refusal is word for word the one it had when
	// the patent had no owner, and names neither X nor its name.
	again := wantError(t, claim(entYToken, claimX, nil), http.StatusForbidden, data.CodeForbidden).Error.Message
	x, _ := f.store.Enterprises().Get(t.Context(), f.entX)
	if again != refusedY || strings.Contains(again, f.entX) || strings.Contains(again, x.Name) || strings.Contains(again, claimX) {
		t.Errorf("refusal of X's patent %q, want %q", again, refusedY)
	}
	// So is the refusal of a patent of X from the start (patX).
	if m := wantError(t, claim(entYToken, f.patX, nil), http.StatusForbidden, data.CodeForbidden).Error.Message; m != refusedY {
		t.Errorf("refusal of patX %q", m)
	}

	// The organizer assigns any patent to any enterprise, and must say which.
	wantError(t, claim(orgToken, nobody, nil), http.StatusUnprocessableEntity, data.CodeInvalid)
	wantError(t, claim(orgToken, nobody, map[string]string{"owner_id": "ent_nobody"}), http.StatusUnprocessableEntity, data.CodeInvalid)
	decodeBody(t, claim(orgToken, nobody, map[string]string{"owner_id": f.entY}), http.StatusOK, &got)
	if f.ownerOf(nobody) != f.entY {
		t.Errorf("organizer's assignment: owner %q", f.ownerOf(nobody))
	}
	decodeBody(t, claim(orgToken, claimX, map[string]string{"owner_id": f.entZ}), http.StatusOK, &got)
	if f.ownerOf(claimX) != f.entZ {
		t.Errorf("organizer's reassignment: owner %q", f.ownerOf(claimX))
	}
}

// TestImportRefusalsSayNoMore is issue 12 item 13: an import refusal of a
// record the caller may not read says no more than that of a record that
// does not exist (products) or than any other refusal (patents).
func TestImportRefusalsSayNoMore(t *testing.T) {
	f, _, nobody := claimWorld(t)
	refusal := func(tok, path string, row any, id string) string {
		t.Helper()
		j, _ := json.Marshal(row)
		var rep data.ImportReport
		decodeBody(t, f.do(tok, "POST", path, j), http.StatusOK, &rep)
		if len(rep.Rejected) != 1 || rep.Imported+rep.Updated+rep.Unchanged != 0 {
			t.Fatalf("import of %s: %+v; want the row rejected", id, rep)
		}
		r := rep.Rejected[0]
		return strings.ReplaceAll(r.Field+": "+r.Reason, id, "ID")
	}

	// Bank A: bank B's product (GET answers 404) and a product that does
	// not exist get the same row error.
	wantError(t, f.do(bankAToken, "GET", "/api/v1/products/"+f.prodB, nil), http.StatusNotFound, data.CodeNotFound)
	prodB, _ := f.store.Products().Get(t.Context(), f.prodB)
	prodB.BankID = ""
	other := refusal(bankAToken, "/api/v1/import/products", prodB, f.prodB)
	prodB.ID = "prod_does_not_exist"
	absent := refusal(bankAToken, "/api/v1/import/products", prodB, prodB.ID)
	if other != absent {
		t.Errorf("bank B's product: %q; a missing one: %q; want the same", other, absent)
	}
	b, _ := f.store.Banks().Get(t.Context(), f.bankB)
	if strings.Contains(other, "another bank") || strings.Contains(other, f.bankB) || strings.Contains(other, b.Name) {
		t.Errorf("the refusal speaks of bank B: %q", other)
	}

	// Enterprise X: Y's patent is refused as an ownerless patent X is no
	// applicant of, naming neither Y nor its name.
	patY, _ := f.store.Patents().Get(t.Context(), f.patY)
	patY.OwnerID = ""
	heldByY := refusal(entXToken, "/api/v1/import/patents", patY, f.patY)
	pn, _ := f.store.Patents().Get(t.Context(), nobody)
	pn.OwnerID = ""
	ownerless := refusal(entXToken, "/api/v1/import/patents", pn, nobody)
	y, _ := f.store.Enterprises().Get(t.Context(), f.entY)
	if heldByY != ownerless || strings.Contains(heldByY, f.entY) || strings.Contains(heldByY, y.Name) {
		t.Errorf("Y's patent: %q; an ownerless one: %q; want the same, naming nobody", heldByY, ownerless)
	}
}
