package api

import (
	"net/http"
	"net/url"
	"testing"

	"ipmatch/data"
	"ipmatch/web"
)

// setEventStatus stores event id with status st, as the organizer would.
func setEventStatus(t *testing.T, f *fixture, id string, st data.EventStatus) {
	t.Helper()
	ev, err := f.store.Events().Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	ev.Status = st
	put(t, f.store.Events(), &ev)
}

// Once an event is published (or closed), an enterprise can neither
// register nor change its registration, a bank not its desk, through the
// API or the pages alike; the organizer still can.
func TestRegistrationNeedsDraftEventThroughEveryDoor(t *testing.T) {
	for _, st := range []data.EventStatus{data.EventPublished, data.EventClosed} {
		t.Run(string(st), func(t *testing.T) {
			f := newFixture(t, Config{})
			setEventStatus(t, f, f.eventE, st)
			wTok := entWToken(t, f)

			// API: X registers for E.
			before := f.snapshot()
			w := f.do(entXToken, "POST", "/api/v1/participants",
				data.Participant{EventID: f.eventE, Role: data.RoleEnterprise, EnterpriseID: f.entX})
			env := wantError(t, w, http.StatusConflict, data.CodeConflict)
			wantText(t, env.Error.Message, "event_id", f.eventE, string(st), "draft")
			f.unchanged(before)

			// API: W (registered at E) changes its wishes; bank A its desk.
			wPart, err := f.store.Participants().Get(t.Context(), f.partWE)
			if err != nil {
				t.Fatal(err)
			}
			wPart.Preferences = []data.Preference{{Target: f.bankA, Kind: data.MustMeet}}
			wantError(t, f.do(wTok, "PUT", "/api/v1/participants/"+f.partWE, wPart), http.StatusConflict, data.CodeConflict)
			desk, err := f.store.Participants().Get(t.Context(), f.partAE)
			if err != nil {
				t.Fatal(err)
			}
			desk.Tables++
			wantError(t, f.do(bankAToken, "PUT", "/api/v1/participants/"+f.partAE, desk), http.StatusConflict, data.CodeConflict)
			f.unchanged(before)

			// Pages: the same refusal, with the same status.
			b := newBrowser(f)
			b.signIn(entXToken)
			page, _ := b.get("/app/enterprise/events")
			token := csrf(t, page)
			body := htmlPage(t, b.do("POST", "/app/enterprise/events/"+f.eventE+"/register", url.Values{web.CSRFField: {token}}), http.StatusConflict)
			wantText(t, body, "对接会已停止报名和修改会谈意愿")
			f.unchanged(before)

			bw := newBrowser(f)
			bw.signIn(wTok)
			page, _ = bw.get("/app/enterprise/events")
			form := url.Values{web.CSRFField: {csrf(t, page)}, "pref_" + f.bankA: {"must_meet"}}
			htmlPage(t, bw.do("POST", "/app/enterprise/events/"+f.eventE+"/preferences", form), http.StatusConflict)
			f.unchanged(before)

			// The organizer still may.
			if w := f.do(orgToken, "PUT", "/api/v1/participants/"+f.partAE, desk); w.Code != http.StatusOK {
				t.Errorf("organizer PUT desk: %d %s", w.Code, w.Body)
			}
			if w := f.do(orgToken, "POST", "/api/v1/participants",
				data.Participant{EventID: f.eventE, Role: data.RoleEnterprise, EnterpriseID: f.entX}); w.Code != http.StatusCreated {
				t.Errorf("organizer registers X: %d %s", w.Code, w.Body)
			}
		})
	}
}

// While the event is a draft both doors still take registrations.
func TestRegistrationOpenWhileDraft(t *testing.T) {
	f := newFixture(t, Config{})
	if w := f.do(entXToken, "POST", "/api/v1/participants",
		data.Participant{EventID: f.eventE, Role: data.RoleEnterprise, EnterpriseID: f.entX}); w.Code != http.StatusCreated {
		t.Fatalf("API register: %d %s", w.Code, w.Body)
	}
	b := newBrowser(f)
	b.signIn(entWToken(t, f))
	page, _ := b.get("/app/enterprise/events")
	form := url.Values{web.CSRFField: {csrf(t, page)}, "pref_" + f.bankA: {"must_meet"}}
	if w := b.do("POST", "/app/enterprise/events/"+f.eventE+"/preferences", form); w.Code != http.StatusSeeOther {
		t.Fatalf("page preferences: %d %s", w.Code, w.Body)
	}
}

// entWToken stores a token for enterprise W (registered at event E) and
// returns its secret.
func entWToken(t *testing.T, f *fixture) string {
	t.Helper()
	const secret = "ipm_test_ent_w_registered"
	put(t, f.store.Tokens(), &data.Token{Hash: data.HashToken(secret), Role: data.RoleCompany, EnterpriseID: f.entW})
	return secret
}
