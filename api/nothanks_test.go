package api

import (
	"net/http"
	"strings"
	"testing"

	"ipmatch/data"
)

// setPrefs replaces the preferences of registration id.
func setPrefs(t *testing.T, f *fixture, id string, prefs ...data.Preference) {
	t.Helper()
	pt, err := f.store.Participants().Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	pt.Preferences = prefs
	put(t, f.store.Participants(), &pt)
}

// bankASees reports what bank A sees of enterprise id and its patent pat
// through every door: GET, the enterprise list, the pipeline of prodA,
// GET of the patent and the patent list. It fails the test when the doors
// disagree.
func bankASees(t *testing.T, f *fixture, id, pat string) bool {
	t.Helper()
	get := f.do(bankAToken, "GET", "/api/v1/enterprises/"+id, nil).Code
	if get != http.StatusOK && get != http.StatusNotFound {
		t.Fatalf("GET enterprise: %d", get)
	}
	seen := get == http.StatusOK
	doors := map[string]bool{
		"list":        strings.Contains(f.do(bankAToken, "GET", "/api/v1/enterprises?size=100", nil).Body.String(), `"id":"`+id+`"`),
		"pipeline":    strings.Contains(f.do(bankAToken, "GET", "/api/v1/products/"+f.prodA+"/pipeline?"+consentAsOf, nil).Body.String(), `"enterprise_id":"`+id+`"`),
		"patent GET":  f.do(bankAToken, "GET", "/api/v1/patents/"+pat, nil).Code == http.StatusOK,
		"patent list": strings.Contains(f.do(bankAToken, "GET", "/api/v1/patents?size=100", nil).Body.String(), `"`+pat+`"`),
	}
	for door, ok := range doors {
		if ok != seen {
			t.Errorf("enterprise %s: GET says seen=%v, %s says %v", id, seen, door, ok)
		}
	}
	return seen
}

func TestNoThanksHidesEnterpriseFromThatBank(t *testing.T) {
	f := newFixture(t, Config{})
	if !bankASees(t, f, f.entW, f.patW) {
		t.Fatal("before: bank A does not see W, registered for its event")
	}
	// A no_thanks to another bank changes nothing for bank A.
	setPrefs(t, f, f.partWE, data.Preference{Target: f.bankB, Kind: data.NoThanks})
	if !bankASees(t, f, f.entW, f.patW) {
		t.Error("W declined bank B only, yet bank A no longer sees it")
	}
	// A must_meet is no refusal.
	setPrefs(t, f, f.partWE, data.Preference{Target: f.bankA, Kind: data.MustMeet})
	if !bankASees(t, f, f.entW, f.patW) {
		t.Error("W wants to meet bank A, yet bank A no longer sees it")
	}
	setPrefs(t, f, f.partWE, data.Preference{Target: f.bankA, Kind: data.NoThanks})
	if bankASees(t, f, f.entW, f.patW) {
		t.Error("W said no_thanks to bank A at the only event they share, yet bank A sees it")
	}
	// A refusal does not widen what another bank sees: bank B, whose
	// event W did not register for, still does not see it.
	if c := f.do(bankBToken, "GET", "/api/v1/enterprises/"+f.entW, nil).Code; c != http.StatusNotFound {
		t.Errorf("bank B GET W: %d, want 404", c)
	}
	// The refusal is per registration: W registered for another event
	// where bank A has a desk, without refusing it, is seen again.
	put(t, f.store.Participants(),
		&data.Participant{EventID: f.eventF, Role: data.RoleBankDesk, BankID: f.bankA},
		&data.Participant{EventID: f.eventF, Role: data.RoleEnterprise, EnterpriseID: f.entW})
	if !bankASees(t, f, f.entW, f.patW) {
		t.Error("W registered without refusal for event F where bank A has a desk, yet bank A does not see it")
	}
}

func TestNoThanksKeepsPoolEnterprise(t *testing.T) {
	f := newFixture(t, Config{})
	// X joined the pool: it consented to every bank; a no_thanks in an
	// event registration is about a meeting only.
	reg := data.Participant{EventID: f.eventE, Role: data.RoleEnterprise, EnterpriseID: f.entX,
		Preferences: []data.Preference{{Target: f.bankA, Kind: data.NoThanks}}}
	put(t, f.store.Participants(), &reg)
	if !bankASees(t, f, f.entX, f.patX) {
		t.Error("X joined the pool, yet its no_thanks to bank A hides it")
	}
}
