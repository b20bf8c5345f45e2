package api

import (
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"

	"ipmatch/data"
	"ipmatch/data/storetest"
	"ipmatch/web"
)

// TestRegistrationRaceAcrossDoors: an enterprise registering for an event
// through the page and through the API at the same moment gets one
// registration, written once. Both doors create through the one
// participants resource of the application, whose lock serialises the
// look for a clash and the write: the API answers 201 when it wins and
// 409 when the page won (the page, idempotent for a double click, then
// says the enterprise is registered). Before, the page built its own
// resource per request, so both could pass the check and the second
// write replace the first.
func TestRegistrationRaceAcrossDoors(t *testing.T) {
	f := newFixture(t, Config{})
	b := newBrowser(f)
	b.signIn(entXToken)
	page, _ := b.get("/app/enterprise/events")
	token := csrf(t, page)
	wins := map[int]int{}
	for i := range 20 {
		ev := storetest.Event(100 + i)
		ev.ID, ev.Status = "", data.EventDraft
		put(t, f.store.Events(), &ev)

		var wg sync.WaitGroup
		var pageCode, apiCode int
		var apiID string
		start := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			pageCode = b.do("POST", "/app/enterprise/events/"+ev.ID+"/register", url.Values{web.CSRFField: {token}}).Code
		}()
		go func() {
			defer wg.Done()
			<-start
			w := f.do(entXToken, "POST", "/api/v1/participants",
				data.Participant{EventID: ev.ID, Role: data.RoleEnterprise, EnterpriseID: f.entX})
			apiCode = w.Code
			if w.Code == http.StatusCreated {
				var p data.Participant
				decodeBody(t, w, http.StatusCreated, &p)
				apiID = p.ID
			}
		}()
		close(start)
		wg.Wait()

		wins[apiCode]++
		if pageCode != http.StatusSeeOther {
			t.Fatalf("round %d: the page answered %d, want 303 (registered, by itself or just before)", i, pageCode)
		}
		if apiCode != http.StatusCreated && apiCode != http.StatusConflict {
			t.Fatalf("round %d: the API answered %d, want 201 or 409", i, apiCode)
		}
		parts, _, err := f.store.Participants().List(t.Context(), data.ListOptions{Refs: data.Refs{Event: ev.ID, Enterprise: f.entX}})
		if err != nil {
			t.Fatal(err)
		}
		if len(parts) != 1 {
			t.Fatalf("round %d: %d registrations, want 1", i, len(parts))
		}
		if apiCode == http.StatusCreated && parts[0].ID != apiID {
			t.Errorf("round %d: the API created %s but %s is stored", i, apiID, parts[0].ID)
		}
		// Written once: one audit entry names the registration.
		entries, _, err := f.store.Audit().List(t.Context(), data.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		writes := 0
		for _, e := range entries {
			if e.Kind == data.ParticipantKind.Name && slices.Contains(e.IDs, parts[0].ID) {
				writes++
			}
		}
		if writes != 1 {
			t.Errorf("round %d: the registration was written %d times, want once (a create replaced another)", i, writes)
		}
	}
	t.Logf("API answers over 20 races: %v", wins)
}
