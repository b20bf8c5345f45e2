package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/web"
)

// TestWebMeetingsICS: the meetings pages link a calendar file that the
// page's own session may fetch, once the schedule is published, for the
// caller's own meetings only.
func TestWebMeetingsICS(t *testing.T) {
	f, entTok, _, _ := wishesFixture(t)
	entICS := "/app/enterprise/events/" + demo.EventID + "/meetings.ics"
	bankICS := "/app/bank/events/" + demo.EventID + "/meetings.ics"

	e := newBrowser(f)
	e.signIn(entTok)
	bk := newBrowser(f)
	bk.signIn(matchCCBToken)
	// Before publication: no link, and the file is not found.
	w, _ := e.get("/app/enterprise/events")
	if strings.Contains(htmlPage(t, w, http.StatusOK), entICS) {
		t.Error("unpublished, the enterprise page links a calendar")
	}
	htmlPage(t, e.do("GET", entICS, nil), http.StatusNotFound)
	htmlPage(t, bk.do("GET", bankICS, nil), http.StatusNotFound)

	o := newBrowser(f)
	o.signIn(matchOrgToken)
	eventURL := "/app/organizer/events/" + demo.EventID
	w, _ = o.get(eventURL)
	token := csrf(t, w)
	for _, step := range []string{"/schedule", "/publish"} {
		if w := o.do("POST", eventURL+step, url.Values{web.CSRFField: {token}}); w.Code != http.StatusSeeOther {
			t.Fatalf("POST %s: %d %s", step, w.Code, w.Body)
		}
	}
	var sched app.ScheduleBody
	decodeBody(t, f.do(matchCCBToken, "GET", "/api/v1/events/"+demo.EventID+"/schedule", nil), http.StatusOK, &sched)

	for _, tc := range []struct {
		name     string
		b        *browser
		page, ic string
	}{{"enterprise", e, "/app/enterprise/events", entICS}, {"bank", bk, "/app/bank/meetings", bankICS}} {
		w, _ := tc.b.get(tc.page)
		body := htmlPage(t, w, http.StatusOK)
		if !strings.Contains(body, `href="`+tc.ic+`"`) || !strings.Contains(body, "导出日历 (.ics)") {
			t.Errorf("%s: page lacks the calendar link %s", tc.name, tc.ic)
			continue
		}
		w = tc.b.do("GET", tc.ic, nil)
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/calendar") ||
			!strings.Contains(w.Body.String(), "BEGIN:VCALENDAR") {
			t.Errorf("%s: GET %s: %d %q %.200s", tc.name, tc.ic, w.Code, w.Header().Get("Content-Type"), w.Body)
		}
	}
	// The bank's file holds its own meetings only, as its API file does.
	w = bk.do("GET", bankICS, nil)
	if got, want := strings.Count(w.Body.String(), "BEGIN:VEVENT"), len(sched.Meetings); got != want {
		t.Errorf("bank calendar: %d events, want its %d meetings", got, want)
	}
	for _, m := range sched.Meetings {
		if m.BankID != demo.BankCCB {
			t.Fatalf("the bank's schedule holds another bank's meeting %+v", m)
		}
	}

	// Breaking the rule: another role's route is refused, an unknown
	// event or one the caller does not attend is not found, and no token
	// at all goes to sign-in.
	htmlPage(t, e.do("GET", bankICS, nil), http.StatusForbidden)
	htmlPage(t, bk.do("GET", entICS, nil), http.StatusForbidden)
	htmlPage(t, e.do("GET", "/app/enterprise/events/no_such/meetings.ics", nil), http.StatusNotFound)
	parts, err := app.All(t.Context(), f.store.Participants(), data.ListOptions{Refs: data.Refs{Event: demo.EventID}})
	if err != nil {
		t.Fatal(err)
	}
	attends := map[string]bool{}
	for _, p := range parts {
		attends[p.EnterpriseID] = true
	}
	ents, err := app.All(t.Context(), f.store.Enterprises(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range ents {
		if !attends[en.ID] {
			const secret = "ipm_test_ics_absent"
			put(t, f.store.Tokens(), &data.Token{Hash: data.HashToken(secret), Role: data.RoleCompany, EnterpriseID: en.ID})
			absent := newBrowser(f)
			absent.signIn(secret)
			htmlPage(t, absent.do("GET", entICS, nil), http.StatusNotFound)
			break
		}
	}
	anon := newBrowser(f)
	if w := anon.do("GET", entICS, nil); w.Code != http.StatusSeeOther && w.Code != http.StatusUnauthorized {
		t.Errorf("no session: %d, want a redirect to sign in", w.Code)
	}
}
