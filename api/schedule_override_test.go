package api

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/web"
)

// The organizer forces a meeting the eligibility rules refuse, with a
// reason, by the API and on the event page (both through editMeeting): the
// meeting is stored flagged as an override with its reason and shown as 破例
// on the grid. A missing or too long reason is refused naming the field;
// banks and enterprises may not override; a published schedule stands.
func TestOverrideMeetingWithReason(t *testing.T) {
	f := newEventFixture(t)
	sch := computeDemoSchedule(t, f)
	const ent, bank = "ent_0072", demo.BankCCB // not eligible (see TestScheduleEditMeetings)
	if _, found := meetingOf(sch, ent, bank); found {
		t.Fatalf("%s already meets %s", ent, bank)
	}
	meetURL := evtScheduleURL + "/meetings"
	eventURL := "/app/organizer/events/" + demo.EventID
	put := func(reason string) map[string]any {
		return map[string]any{"enterprise_id": ent, "bank_id": bank, "override_reason": reason}
	}
	long := strings.Repeat("因", 201)

	// Refused by the API: no reason, a blank one, a too long one; and
	// banks and enterprises.
	before := f.snapshot()
	for _, r := range []string{"", "   ", long} {
		env := wantError(t, f.do(evtOrgToken, "PUT", meetURL, put(r)), http.StatusUnprocessableEntity, "invalid")
		if !env.hasField("override_reason") {
			t.Errorf("reason %q: fields %+v", r, env.Error.Fields)
		}
	}
	env := wantError(t, f.do(evtOrgToken, "POST", evtScheduleURL, map[string]any{"overrides": []map[string]string{{"enterprise_id": ent, "bank_id": bank, "reason": long}}}),
		http.StatusUnprocessableEntity, "invalid")
	if !env.hasField("overrides[0].reason") {
		t.Errorf("fields %+v", env.Error.Fields)
	}
	for _, tok := range []string{evtCCBToken, evtEnt7Token} {
		wantError(t, f.do(tok, "PUT", meetURL, put("银行自己破例")), http.StatusForbidden, "forbidden")
	}
	// Refused on the page alike, in Chinese naming 原因.
	o := newBrowser(f)
	o.signIn(evtOrgToken)
	w, _ := o.get(eventURL)
	token := csrf(t, w)
	form := func(tok, reason string) url.Values {
		return url.Values{web.CSRFField: {tok}, "enterprise_id": {ent}, "bank_id": {bank}, "reason": {reason}}
	}
	wantText(t, htmlPage(t, o.do("POST", eventURL+"/overrides", form(token, " ")), http.StatusUnprocessableEntity), "请填写破例安排的原因")
	wantText(t, htmlPage(t, o.do("POST", eventURL+"/overrides", form(token, long)), http.StatusUnprocessableEntity), "原因最多 200 个字")
	for _, tok := range []string{evtCCBToken, evtEnt7Token} {
		b := newBrowser(f)
		b.signIn(tok)
		w, _ := b.get("/app")
		htmlPage(t, b.do("POST", eventURL+"/overrides", form(csrf(t, w), "不该成功")), http.StatusForbidden)
	}
	f.unchanged(before)

	// Make room: CCB's desk is full whenever ent_0072 is free, so one of
	// its meetings goes.
	busy := scheduleBusy(sch)
	room := slices.IndexFunc(sch.Meetings, func(x app.MeetingBody) bool {
		return x.BankID == bank && !busy.ent[[2]string{ent, strconv.Itoa(x.Slot)}]
	})
	if room < 0 {
		t.Fatal("demo: no CCB meeting in a slot where ent_0072 is free")
	}
	decodeBody(t, f.do(evtOrgToken, "PUT", meetURL, map[string]any{"enterprise_id": sch.Meetings[room].EnterpriseID, "bank_id": bank, "remove": true}), http.StatusOK, nil)

	// Allowed by the API: stored pinned, as an override, with the trimmed reason.
	var edited app.ScheduleBody
	decodeBody(t, f.do(evtOrgToken, "PUT", meetURL, put("  企业已补充材料，组织方核实后同意会谈 ")), http.StatusOK, &edited)
	m, found := meetingOf(edited, ent, bank)
	if !found || !m.Override || !m.Pinned || m.OverrideReason != "企业已补充材料，组织方核实后同意会谈" {
		t.Fatalf("after the API override: %+v (found %v)", m, found)
	}
	rec, err := f.store.Schedules().Get(t.Context(), demo.EventID)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(rec.Meetings, func(x data.Meeting) bool { return x.EnterpriseID == ent && x.BankID == bank }); i < 0 ||
		!rec.Meetings[i].Override || rec.Meetings[i].OverrideReason != m.OverrideReason {
		t.Fatalf("stored meetings %+v", rec.Meetings)
	}
	// A reason on an existing meeting is refused.
	wantError(t, f.do(evtOrgToken, "PUT", meetURL, put("再说一次")), http.StatusUnprocessableEntity, "invalid")

	// Allowed on the page: remove it and force it again there.
	decodeBody(t, f.do(evtOrgToken, "PUT", meetURL, map[string]any{"enterprise_id": ent, "bank_id": bank, "remove": true}), http.StatusOK, nil)
	if w := o.do("POST", eventURL+"/overrides", form(token, "必须会谈：企业急需融资")); w.Code != http.StatusSeeOther {
		t.Fatalf("page override: %d %s", w.Code, w.Body)
	}
	w, _ = o.get(eventURL)
	wantText(t, htmlPage(t, w, http.StatusOK), "已破例安排", "原因：必须会谈：企业急需融资", `title="破例原因：必须会谈：企业急需融资">破例</span>`)
	var after app.ScheduleBody
	decodeBody(t, f.do(evtOrgToken, "GET", evtScheduleURL, nil), http.StatusOK, &after)
	if m, found := meetingOf(after, ent, bank); !found || !m.Override || !m.Pinned || m.OverrideReason != "必须会谈：企业急需融资" {
		t.Fatalf("after the page override: %+v (found %v)", m, found)
	}
	// Computing again keeps the pinned override and its reason.
	var again app.ScheduleBody
	decodeBody(t, f.do(evtOrgToken, "POST", evtScheduleURL, nil), http.StatusOK, &again)
	if m, found := meetingOf(again, ent, bank); !found || !m.Override || m.OverrideReason != "必须会谈：企业急需融资" {
		t.Errorf("after computing again: %+v (found %v)", m, found)
	}

	// Published: the parties see that their meeting is an override, never
	// the organizer's reason, which speaks about both sides.
	decodeBody(t, f.do(evtOrgToken, "POST", "/api/v1/events/"+demo.EventID+"/publish", nil), http.StatusOK, nil)
	if _, err := f.store.Tokens().Put(t.Context(), &data.Token{Hash: data.HashToken(matchEnt72Token), Role: data.RoleCompany, EnterpriseID: ent}); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{evtCCBToken, matchEnt72Token} {
		w := f.do(tok, "GET", evtScheduleURL, nil)
		var seen app.ScheduleBody
		decodeBody(t, w, http.StatusOK, &seen)
		if m, found := meetingOf(seen, ent, bank); !found || !m.Override || m.OverrideReason != "" {
			t.Errorf("%s sees the override as %+v (found %v), want it marked without the reason", tok, m, found)
		}
		if strings.Contains(w.Body.String(), "企业急需融资") {
			t.Errorf("%s reads the organizer's reason", tok)
		}
	}
	// The schedule stands (409), by the API and the page.
	decodeBody(t, f.do(evtOrgToken, "PUT", meetURL, map[string]any{"enterprise_id": ent, "bank_id": bank, "remove": true}), http.StatusConflict, nil)
	before = f.snapshot()
	wantError(t, f.do(evtOrgToken, "PUT", meetURL, put("发布后破例")), http.StatusConflict, "conflict")
	htmlPage(t, o.do("POST", eventURL+"/overrides", form(token, "发布后破例")), http.StatusConflict)
	f.unchanged(before)
}

// A must-meet pair the rules refuse is offered 破例安排 under 未满足的需求 on
// a draft event's page.
func TestOverrideFormOnEventPage(t *testing.T) {
	f := newEventFixture(t)
	sch := computeDemoSchedule(t, f)
	i := slices.IndexFunc(sch.Unscheduled, func(u app.UnscheduledBody) bool {
		return u.Code == "ineligible" && u.EnterpriseID != "" && u.BankID != ""
	})
	if i < 0 {
		t.Skip("demo: no must-meet pair the rules refuse")
	}
	o := newBrowser(f)
	o.signIn(evtOrgToken)
	w, _ := o.get("/app/organizer/events/" + demo.EventID)
	wantText(t, htmlPage(t, w, http.StatusOK), `action="/app/organizer/events/`+demo.EventID+`/overrides"`,
		`value="`+sch.Unscheduled[i].BankID+`"`, `name="reason" required maxlength="200"`, "破例安排")
}
