package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ipmatch/app"
	"ipmatch/data/demo"
	"ipmatch/web"
)

// Once published, the schedule stands: the grid has no pin (or move)
// controls, and neither the pages nor the API pin, unpin, move, add or
// remove a meeting (409); recording an outcome still works.
func TestPublishedScheduleRefusesEdits(t *testing.T) {
	f := newMatchFixture(t)
	o := newBrowser(f)
	o.signIn(matchOrgToken)
	eventURL := "/app/organizer/events/" + demo.EventID
	meetURL := "/api/v1/events/" + demo.EventID + "/schedule/meetings"
	w, _ := o.get(eventURL)
	token := csrf(t, w)
	if w := o.do("POST", eventURL+"/schedule", url.Values{web.CSRFField: {token}}); w.Code != http.StatusSeeOther {
		t.Fatalf("compute: %d %s", w.Code, w.Body)
	}
	w, _ = o.get(eventURL)
	wantText(t, htmlPage(t, w, http.StatusOK), `action="`+eventURL+`/pins"`)
	var sch app.ScheduleBody
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/events/"+demo.EventID+"/schedule", nil), http.StatusOK, &sch)
	m := sch.Meetings[0]
	if w := o.do("POST", eventURL+"/publish", url.Values{web.CSRFField: {token}}); w.Code != http.StatusSeeOther {
		t.Fatalf("publish: %d %s", w.Code, w.Body)
	}

	w, _ = o.get(eventURL)
	page := htmlPage(t, w, http.StatusOK)
	for _, control := range []string{"/pins", "/moves", "/overrides", `value="固定"`, `value="取消固定"`} {
		if strings.Contains(page, control) {
			t.Errorf("the published event's page still has the control %q", control)
		}
	}

	before := f.snapshot()
	free := m.Slot%sch.Slots + 1
	for name, body := range map[string]map[string]any{
		"pin":    {"enterprise_id": m.EnterpriseID, "bank_id": m.BankID, "pinned": !m.Pinned},
		"unpin":  {"enterprise_id": m.EnterpriseID, "bank_id": m.BankID, "pinned": m.Pinned},
		"move":   {"enterprise_id": m.EnterpriseID, "bank_id": m.BankID, "slot": free},
		"remove": {"enterprise_id": m.EnterpriseID, "bank_id": m.BankID, "remove": true},
		"add":    {"enterprise_id": "ent_0072", "bank_id": demo.BankCGB, "table": 1, "slot": 1},
	} {
		w := f.do(matchOrgToken, "PUT", meetURL, body)
		if w.Code != http.StatusConflict {
			t.Errorf("%s after publishing: %d %s, want 409", name, w.Code, w.Body)
		}
	}
	for _, form := range []url.Values{
		{"enterprise_id": {m.EnterpriseID}, "bank_id": {m.BankID}, "pinned": {"true"}},
		{"enterprise_id": {m.EnterpriseID}, "bank_id": {m.BankID}, "pinned": {"false"}},
	} {
		form.Set(web.CSRFField, token)
		wantText(t, htmlPage(t, o.do("POST", eventURL+"/pins", form), http.StatusConflict), "会谈安排已发布")
	}
	f.unchanged(before)

	// What happened at a meeting is still recorded.
	var after app.ScheduleBody
	decodeBody(t, f.do(matchOrgToken, "PUT", meetURL, map[string]any{"enterprise_id": m.EnterpriseID, "bank_id": m.BankID, "outcome": "held"}), http.StatusOK, &after)
}
