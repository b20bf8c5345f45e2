package api

import (
	"net/http"
	"testing"

	"ipmatch/data"
	"ipmatch/data/storetest"
)

// A bank or an enterprise that other records name cannot be deleted: the
// organizer gets 409 naming the kinds and counts, and nothing changes.
func TestDeleteReferencedPartyIsConflict(t *testing.T) {
	f := newFixture(t, Config{})
	before := f.snapshot()
	env := wantError(t, f.do(orgToken, "DELETE", "/api/v1/banks/"+f.bankA, nil), http.StatusConflict, data.CodeConflict)
	// bank A: prodA and prodAOff, dealA, its desk at E.
	wantText(t, env.Error.Message, f.bankA, "products (2)", "deals (1)", "participants (1)")
	env = wantError(t, f.do(orgToken, "DELETE", "/api/v1/enterprises/"+f.entX, nil), http.StatusConflict, data.CodeConflict)
	wantText(t, env.Error.Message, f.entX, "patents (1)", "deals (1)")
	env = wantError(t, f.do(orgToken, "DELETE", "/api/v1/enterprises/"+f.entW, nil), http.StatusConflict, data.CodeConflict)
	wantText(t, env.Error.Message, "patents (1)", "participants (1)")
	f.unchanged(before)
	// The product is still matched: its bank is there, and its token works.
	if w := f.do(bankAToken, "GET", "/api/v1/banks/"+f.bankA, nil); w.Code != http.StatusOK {
		t.Errorf("bank A after a refused delete: %d", w.Code)
	}
	// An appraisal alone is enough to keep a party.
	firm := storetest.Appraiser(1)
	put(t, f.store.Appraisers(), &firm)
	bankC := storetest.Bank(3)
	put(t, f.store.Banks(), &bankC)
	appr := storetest.Appraisal(1, f.entY, firm.ID, bankC.ID)
	put(t, f.store.Appraisals(), &appr)
	env = wantError(t, f.do(orgToken, "DELETE", "/api/v1/banks/"+bankC.ID, nil), http.StatusConflict, data.CodeConflict)
	wantText(t, env.Error.Message, "appraisals (1)")
}

// A delete that goes ahead revokes the party's tokens and users: the API
// answers 401 to its token, and its page sessions (by token or password)
// are signed out at their next request.
func TestDeletePartyRevokesCredentials(t *testing.T) {
	f := newFixture(t, Config{})
	bankC, entV := storetest.Bank(3), storetest.Enterprise(5)
	put(t, f.store.Banks(), &bankC)
	put(t, f.store.Enterprises(), &entV)
	const bankCSecret, entVSecret = "ipm_test_bank_c_deleted", "ipm_test_ent_v_deleted"
	put(t, f.store.Tokens(),
		&data.Token{Hash: data.HashToken(bankCSecret), Role: data.RoleBank, BankID: bankC.ID},
		&data.Token{Hash: data.HashToken(entVSecret), Role: data.RoleCompany, EnterpriseID: entV.ID})
	addUser(t, f, data.User{Username: "bank.c", Role: data.RoleBank, BankID: bankC.ID}, testPassword)
	addUser(t, f, data.User{Username: "ent.v", Role: data.RoleCompany, EnterpriseID: entV.ID}, testPassword)

	byToken, byPassword := newBrowser(f), newBrowser(f)
	byToken.signIn(bankCSecret)
	if w := byPassword.signInPassword("ent.v", testPassword); w.Code != http.StatusSeeOther {
		t.Fatalf("password sign-in: %d %s", w.Code, w.Body)
	}
	if w, path := byToken.get("/app"); w.Code != http.StatusOK || path != "/app/bank" {
		t.Fatalf("bank C's page before: %d %s", w.Code, path)
	}
	if w, path := byPassword.get("/app"); w.Code != http.StatusOK || path != "/app/enterprise" {
		t.Fatalf("ent V's page before: %d %s", w.Code, path)
	}

	if w := f.do(orgToken, "DELETE", "/api/v1/banks/"+bankC.ID, nil); w.Code != http.StatusNoContent {
		t.Fatalf("DELETE bank C: %d %s", w.Code, w.Body)
	}
	if w := f.do(orgToken, "DELETE", "/api/v1/enterprises/"+entV.ID, nil); w.Code != http.StatusNoContent {
		t.Fatalf("DELETE ent V: %d %s", w.Code, w.Body)
	}
	for _, secret := range []string{bankCSecret, entVSecret} {
		wantError(t, f.do(secret, "GET", "/api/v1/banks", nil), http.StatusUnauthorized, data.CodeUnauthorized)
	}
	for name, b := range map[string]*browser{"token": byToken, "password": byPassword} {
		if _, path := b.get("/app"); path != "/" {
			t.Errorf("the %s session still reaches %s after its party was deleted", name, path)
		}
	}
	for _, refs := range []data.Refs{{Bank: bankC.ID}, {Enterprise: entV.ID}} {
		if _, n, err := f.store.Tokens().List(t.Context(), data.ListOptions{Refs: refs}); err != nil || n != 0 {
			t.Errorf("tokens of %+v left: %d %v", refs, n, err)
		}
		if _, n, err := f.store.Users().List(t.Context(), data.ListOptions{Refs: refs}); err != nil || n != 0 {
			t.Errorf("users of %+v left: %d %v", refs, n, err)
		}
	}
	// Other parties keep theirs.
	if w := f.do(bankAToken, "GET", "/api/v1/banks/"+f.bankA, nil); w.Code != http.StatusOK {
		t.Errorf("bank A's token after another bank's delete: %d", w.Code)
	}
}

// Once what referred to it is gone, the organizer deletes the enterprise,
// and its token goes with it.
func TestDeletePartyAfterItsReferences(t *testing.T) {
	f := newFixture(t, Config{})
	for _, path := range []string{"/api/v1/deals/" + f.dealA, "/api/v1/patents/" + f.patX} {
		if w := f.do(orgToken, "DELETE", path, nil); w.Code != http.StatusNoContent {
			t.Fatalf("DELETE %s: %d %s", path, w.Code, w.Body)
		}
	}
	if w := f.do(orgToken, "DELETE", "/api/v1/enterprises/"+f.entX, nil); w.Code != http.StatusNoContent {
		t.Fatalf("DELETE ent X: %d %s", w.Code, w.Body)
	}
	wantError(t, f.do(entXToken, "GET", "/api/v1/banks", nil), http.StatusUnauthorized, data.CodeUnauthorized)
	// Only the organizer deletes parties, referred to or not.
	wantError(t, f.do(bankBToken, "DELETE", "/api/v1/banks/"+f.bankB, nil), http.StatusForbidden, data.CodeForbidden)
}
