package api

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/door"
	"ipmatch/matcher"
	"ipmatch/matcher/schedule"
)

// Token secrets of the event fixture.
const (
	evtOrgToken    = "ipm_evt_organizer"
	evtCCBToken    = "ipm_evt_bank_ccb"
	evtZQToken     = "ipm_evt_bank_zqrcb"
	evtEnt3Token   = "ipm_evt_ent_0003"
	evtEnt7Token   = "ipm_evt_ent_0007"
	evtScheduleURL = "/api/v1/events/" + demo.EventID + "/schedule"
)

// newEventFixture loads the committed demo dataset into a SQLite store and
// creates tokens for the organizer, two banks and two registered
// enterprises.
func newEventFixture(t *testing.T) *fixture {
	t.Helper()
	store := openStore(t)
	if err := demo.Load(t.Context(), store); err != nil {
		t.Fatal(err)
	}
	put(t, store.Tokens(),
		&data.Token{Hash: data.HashToken(evtOrgToken), Role: data.RoleOrganizer, Label: "交易中心"},
		&data.Token{Hash: data.HashToken(evtCCBToken), Role: data.RoleBank, BankID: demo.BankCCB},
		&data.Token{Hash: data.HashToken(evtZQToken), Role: data.RoleBank, BankID: demo.BankZQRCB},
		&data.Token{Hash: data.HashToken(evtEnt3Token), Role: data.RoleCompany, EnterpriseID: "ent_0003"},
		&data.Token{Hash: data.HashToken(evtEnt7Token), Role: data.RoleCompany, EnterpriseID: "ent_0007"},
	)
	return &fixture{t: t, store: store, logs: &syncBuffer{}, h: validating(t, New(store, nil, Config{}))}
}

// computeDemoSchedule computes the demo event's schedule as the organizer.
func computeDemoSchedule(t *testing.T, f *fixture) app.ScheduleBody {
	t.Helper()
	var body app.ScheduleBody
	decodeBody(t, f.do(evtOrgToken, "POST", evtScheduleURL, nil), http.StatusOK, &body)
	return body
}

// asMatcherMeetings converts meetings for schedule.DoubleBookings.
func asMatcherMeetings(ms []app.MeetingBody) []schedule.Meeting {
	out := make([]schedule.Meeting, len(ms))
	for i, m := range ms {
		out[i] = schedule.Meeting{EnterpriseID: m.EnterpriseID, BankID: m.BankID, Table: m.Table, Slot: m.Slot}
	}
	return out
}

func TestDemoSchedule(t *testing.T) {
	f := newEventFixture(t)
	ctx := t.Context()
	body := computeDemoSchedule(t, f)
	if len(body.Meetings) == 0 || body.Summary == nil {
		t.Fatalf("schedule %+v", body)
	}
	if dup := schedule.DoubleBookings(asMatcherMeetings(body.Meetings)); len(dup) > 0 {
		t.Fatalf("double-booked: %+v and %+v", body.Meetings[dup[0][0]], body.Meetings[dup[0][1]])
	}
	parts, _, err := f.store.Participants().List(ctx, data.ListOptions{Refs: data.Refs{Event: demo.EventID}})
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := f.store.Events().Get(ctx, demo.EventID)
	tables, wanted := map[string]int{}, map[string]int{}
	type pair struct{ e, b string }
	must, noThanks := map[pair]bool{}, map[pair]bool{}
	for _, p := range parts {
		switch p.Role {
		case data.RoleBankDesk:
			tables[p.BankID] = p.Tables
			for _, pr := range p.Preferences {
				if pr.Kind == data.MustMeet {
					must[pair{pr.Target, p.BankID}] = true
				} else {
					noThanks[pair{pr.Target, p.BankID}] = true
				}
			}
		case data.RoleEnterprise:
			wanted[p.EnterpriseID] = app.WantedMeetings(&ev, &p)
			for _, pr := range p.Preferences {
				if pr.Kind == data.MustMeet {
					must[pair{p.EnterpriseID, pr.Target}] = true
				} else {
					noThanks[pair{p.EnterpriseID, pr.Target}] = true
				}
			}
		}
	}
	met, perEnt := map[pair]bool{}, map[string]int{}
	for _, m := range body.Meetings {
		if m.Table < 1 || m.Table > tables[m.BankID] || m.Slot < 1 || m.Slot > ev.Slots {
			t.Errorf("meeting out of range: %+v", m)
		}
		if noThanks[pair{m.EnterpriseID, m.BankID}] {
			t.Errorf("no-thanks pair meets: %+v", m)
		}
		if m.Override {
			t.Errorf("ineligible pair scheduled without an override: %+v", m)
		}
		wantStart := time.Date(2021, 4, 23, 14, 0, 0, 0, app.ChinaZone).Add(time.Duration(m.Slot-1) * 20 * time.Minute)
		if !m.Start.Equal(wantStart) || m.End.Sub(m.Start) != 20*time.Minute {
			t.Errorf("meeting %+v: start %v, want %v", m, m.Start, wantStart)
		}
		met[pair{m.EnterpriseID, m.BankID}] = true
		perEnt[m.EnterpriseID]++
	}
	for e, n := range perEnt {
		if n > wanted[e] {
			t.Errorf("enterprise %s has %d meetings, wanted %d", e, n, wanted[e])
		}
	}
	// Every must-meet pair meets, or is explained by a reason that makes it
	// infeasible.
	explained := map[pair]string{}
	for _, u := range body.Unscheduled {
		if u.Reason == "" || u.Code == "" {
			t.Errorf("unscheduled without a reason: %+v", u)
		}
		if u.BankID != "" {
			explained[pair{u.EnterpriseID, u.BankID}] = u.Code
		}
	}
	honoured := 0
	for pr := range must {
		switch code := explained[pr]; {
		case met[pr]:
			honoured++
		case code == string(schedule.ShortIneligible) || code == string(schedule.ShortNoThanks):
		default:
			t.Errorf("must-meet %v neither met nor infeasible (code %q)", pr, code)
		}
	}
	// The two stars of the demo meet their banks (both signed on site).
	stars := map[string]string{}
	for _, d := range demo.Generate(demo.DefaultSeed).Deals {
		stars[d.ID] = d.EnterpriseID
	}
	if !met[pair{stars["deal_0001"], demo.BankCCB}] || !met[pair{stars["deal_0002"], demo.BankZQRCB}] {
		t.Errorf("the demo's must-meet stars are not scheduled: %v", met)
	}
	if body.Summary.MustMeet != len(must) || body.Summary.MustMeetMet != honoured {
		t.Errorf("summary must-meet %d/%d, counted %d/%d", body.Summary.MustMeetMet, body.Summary.MustMeet, honoured, len(must))
	}
	// Enterprises below their wish are explained.
	for e, w := range wanted {
		if perEnt[e] < w && !slices.ContainsFunc(body.Unscheduled, func(u app.UnscheduledBody) bool { return u.EnterpriseID == e && u.BankID == "" }) {
			t.Errorf("enterprise %s got %d of %d meetings without an explanation", e, perEnt[e], w)
		}
	}

	// GET answers the same schedule; a recompute is identical
	// (deterministic).
	var got app.ScheduleBody
	decodeBody(t, f.do(evtOrgToken, "GET", evtScheduleURL, nil), http.StatusOK, &got)
	if len(got.Meetings) != len(body.Meetings) || got.Meetings[0] != body.Meetings[0] {
		t.Errorf("GET differs from POST")
	}
	again := computeDemoSchedule(t, f)
	if !slices.Equal(again.Meetings, body.Meetings) {
		t.Errorf("recomputing changed the schedule")
	}

	// The schedule is stored: a new server over the same store answers it,
	// shortfall codes and must-meet flags included.
	restarted := &fixture{t: t, store: f.store, logs: &syncBuffer{}, h: validating(t, New(f.store, nil, Config{}))}
	var after app.ScheduleBody
	decodeBody(t, restarted.do(evtOrgToken, "GET", evtScheduleURL, nil), http.StatusOK, &after)
	if !slices.Equal(after.Meetings, again.Meetings) || !slices.Equal(after.Unscheduled, again.Unscheduled) ||
		after.Summary.MustMeetMet != again.Summary.MustMeetMet || !after.ComputedAt.Equal(again.ComputedAt) {
		t.Errorf("after a restart the schedule differs:\n%+v\n%+v", after, again)
	}
	rec, err := f.store.Schedules().Get(ctx, demo.EventID)
	if err != nil || len(rec.Meetings) != len(body.Meetings) || rec.ModelVersion != matcher.ModelVersion {
		t.Errorf("stored record: %v, %d meetings", err, len(rec.Meetings))
	}
}

func TestScheduleRoles(t *testing.T) {
	f := newEventFixture(t)
	computeDemoSchedule(t, f)
	url := evtScheduleURL

	// Before publishing only the organizer sees the schedule.
	wantError(t, f.do(evtCCBToken, "GET", url, nil), http.StatusNotFound, data.CodeNotFound)
	wantError(t, f.do(evtEnt3Token, "GET", url, nil), http.StatusNotFound, data.CodeNotFound)

	refused := []struct {
		name, tok, method, path string
		body                    any
		status                  int
	}{
		{"enterprise schedules", evtEnt3Token, "POST", url, nil, 403},
		{"bank schedules", evtCCBToken, "POST", url, nil, 403},
		{"bank publishes", evtCCBToken, "POST", "/api/v1/events/" + demo.EventID + "/publish", nil, 403},
		{"enterprise publishes", evtEnt3Token, "POST", "/api/v1/events/" + demo.EventID + "/publish", nil, 403},
		{"bank moves a meeting", evtCCBToken, "PUT", url + "/meetings", map[string]any{"enterprise_id": "ent_0003", "bank_id": demo.BankCCB, "slot": 1}, 403},
		{"bank reads the report", evtCCBToken, "GET", "/api/v1/events/" + demo.EventID + "/report", nil, 403},
		{"enterprise reads the report", evtEnt3Token, "GET", "/api/v1/events/" + demo.EventID + "/report", nil, 403},
		{"no token", "", "GET", url, nil, 401},
	}
	for _, tc := range refused {
		w := f.do(tc.tok, tc.method, tc.path, tc.body)
		if w.Code != tc.status {
			t.Errorf("%s: status %d, want %d; %s", tc.name, w.Code, tc.status, w.Body)
		}
	}

	var ev data.Event
	decodeBody(t, f.do(evtOrgToken, "POST", "/api/v1/events/"+demo.EventID+"/publish", nil), http.StatusOK, &ev)
	if ev.Status != data.EventPublished {
		t.Fatalf("status after publish %q", ev.Status)
	}
	stored, _ := f.store.Events().Get(t.Context(), demo.EventID)
	if stored.Status != data.EventPublished {
		t.Fatalf("stored status %q", stored.Status)
	}
	// A published event's schedule is not recomputed.
	wantError(t, f.do(evtOrgToken, "POST", url, nil), http.StatusConflict, data.CodeConflict)

	// A bank sees its own meetings only; naming another bank is refused.
	var bank app.ScheduleBody
	decodeBody(t, f.do(evtCCBToken, "GET", url, nil), http.StatusOK, &bank)
	if len(bank.Meetings) == 0 || bank.Summary != nil {
		t.Fatalf("bank view: %d meetings, summary %v", len(bank.Meetings), bank.Summary)
	}
	for _, m := range bank.Meetings {
		if m.BankID != demo.BankCCB {
			t.Errorf("bank CCB sees a meeting of %s", m.BankID)
		}
	}
	for _, u := range bank.Unscheduled {
		if u.BankID != demo.BankCCB {
			t.Errorf("bank CCB sees a shortfall of others: %+v", u)
		}
	}
	wantError(t, f.do(evtCCBToken, "GET", url+"?bank_id="+demo.BankZQRCB, nil), http.StatusForbidden, data.CodeForbidden)
	wantError(t, f.do(evtCCBToken, "GET", url+".csv?bank_id="+demo.BankZQRCB, nil), http.StatusForbidden, data.CodeForbidden)
	// Its exports hold its own meetings only.
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(f.do(evtCCBToken, "GET", url+".csv", nil).Body.String(), "\ufeff"))).ReadAll()
	if err != nil || len(rows) != len(bank.Meetings)+1 {
		t.Fatalf("bank csv: %v, %d rows for %d meetings", err, len(rows), len(bank.Meetings))
	}
	for _, r := range rows[1:] {
		if r[5] != demo.BankCCB {
			t.Errorf("bank CCB's csv has a row of %s", r[5])
		}
	}
	if page := f.do(evtCCBToken, "GET", url+".html", nil).Body.String(); strings.Contains(page, "肇庆农村商业银行") {
		t.Errorf("bank CCB's page shows another bank's tables")
	}

	// An enterprise sees its own only.
	var ent app.ScheduleBody
	decodeBody(t, f.do(evtEnt3Token, "GET", url, nil), http.StatusOK, &ent)
	for _, m := range ent.Meetings {
		if m.EnterpriseID != "ent_0003" {
			t.Errorf("enterprise 3 sees %+v", m)
		}
	}
	if len(ent.Meetings) == 0 {
		t.Errorf("enterprise 3 has no meetings")
	}
	wantError(t, f.do(evtEnt3Token, "GET", url+"?enterprise_id=ent_0007", nil), http.StatusForbidden, data.CodeForbidden)

	// Calendars: one's own, not another's.
	wantError(t, f.do(evtCCBToken, "GET", "/api/v1/events/"+demo.EventID+"/participants/part_gaoyao_bank_zqrcb/calendar.ics", nil), http.StatusNotFound, data.CodeNotFound)
	wantError(t, f.do(evtEnt3Token, "GET", "/api/v1/events/"+demo.EventID+"/participants/part_gaoyao_ent_0007/calendar.ics", nil), http.StatusNotFound, data.CodeNotFound)
	w := f.do(evtCCBToken, "GET", "/api/v1/events/"+demo.EventID+"/participants/part_gaoyao_bank_ccb_zq/calendar.ics", nil)
	if w.Code != http.StatusOK || strings.Count(w.Body.String(), "BEGIN:VEVENT") != len(bank.Meetings) {
		t.Errorf("bank calendar: %d, %d events, want %d", w.Code, strings.Count(w.Body.String(), "BEGIN:VEVENT"), len(bank.Meetings))
	}
}

func TestScheduleEditMeetings(t *testing.T) {
	f := newEventFixture(t)
	body := computeDemoSchedule(t, f)
	meetURL := evtScheduleURL + "/meetings"
	m0 := body.Meetings[0]
	// Another meeting of the same enterprise: moving m0 into its slot
	// double-books the enterprise.
	j := slices.IndexFunc(body.Meetings, func(m app.MeetingBody) bool { return m.EnterpriseID == m0.EnterpriseID && m.BankID != m0.BankID })
	if j < 0 {
		t.Fatalf("enterprise %s has one meeting", m0.EnterpriseID)
	}
	m1 := body.Meetings[j]
	env := wantError(t, f.do(evtOrgToken, "PUT", meetURL, map[string]any{"enterprise_id": m0.EnterpriseID, "bank_id": m0.BankID, "slot": m1.Slot}),
		http.StatusConflict, data.CodeConflict)
	if !strings.Contains(env.Error.Message, m0.EnterpriseID) || !strings.Contains(env.Error.Message, m1.BankID) || !strings.Contains(env.Error.Message, "already meets") {
		t.Errorf("conflict message %q does not name who", env.Error.Message)
	}
	// Pairing an enterprise with a bank at a busy table.
	busy := body.Meetings[1]
	var other string
	for _, m := range body.Meetings {
		if m.EnterpriseID != busy.EnterpriseID && m.BankID != busy.BankID && m.Slot != busy.Slot {
			// other enterprise, free at busy.Slot?
			free := !slices.ContainsFunc(body.Meetings, func(x app.MeetingBody) bool { return x.EnterpriseID == m.EnterpriseID && x.Slot == busy.Slot })
			if free && !slices.ContainsFunc(body.Meetings, func(x app.MeetingBody) bool { return x.EnterpriseID == m.EnterpriseID && x.BankID == busy.BankID }) {
				other = m.EnterpriseID
				break
			}
		}
	}
	if other != "" {
		env := wantError(t, f.do(evtOrgToken, "PUT", meetURL, map[string]any{"enterprise_id": other, "bank_id": busy.BankID, "table": busy.Table, "slot": busy.Slot}),
			http.StatusConflict, data.CodeConflict)
		if !strings.Contains(env.Error.Message, busy.EnterpriseID) || !strings.Contains(env.Error.Message, busy.BankID) {
			t.Errorf("conflict %q does not name the bank and the enterprise it meets", env.Error.Message)
		}
	}
	// Out of range.
	env = wantError(t, f.do(evtOrgToken, "PUT", meetURL, map[string]any{"enterprise_id": m0.EnterpriseID, "bank_id": m0.BankID, "slot": 99, "table": 7}),
		http.StatusUnprocessableEntity, data.CodeInvalid)
	if !env.hasField("slot") || !env.hasField("table") {
		t.Errorf("fields %+v", env.Error.Fields)
	}
	// A no-thanks pair cannot be added.
	wantError(t, f.do(evtOrgToken, "PUT", meetURL, map[string]any{"enterprise_id": "ent_0011", "bank_id": demo.BankCGB, "table": 1, "slot": 1}),
		http.StatusConflict, data.CodeConflict)

	// Remove m0, then put it back pinned in its slot: allowed.
	var edited app.ScheduleBody
	decodeBody(t, f.do(evtOrgToken, "PUT", meetURL, map[string]any{"enterprise_id": m0.EnterpriseID, "bank_id": m0.BankID, "remove": true}), http.StatusOK, &edited)
	if len(edited.Meetings) != len(body.Meetings)-1 {
		t.Fatalf("remove: %d meetings, want %d", len(edited.Meetings), len(body.Meetings)-1)
	}
	decodeBody(t, f.do(evtOrgToken, "PUT", meetURL, map[string]any{"enterprise_id": m0.EnterpriseID, "bank_id": m0.BankID, "table": m0.Table, "slot": m0.Slot}), http.StatusOK, &edited)
	i := slices.IndexFunc(edited.Meetings, func(m app.MeetingBody) bool { return m.EnterpriseID == m0.EnterpriseID && m.BankID == m0.BankID })
	if i < 0 || !edited.Meetings[i].Pinned || edited.Meetings[i].Slot != m0.Slot {
		t.Fatalf("put back: %+v", edited.Meetings)
	}
	if dup := schedule.DoubleBookings(asMatcherMeetings(edited.Meetings)); len(dup) > 0 {
		t.Fatalf("double-booked after edits")
	}
	// A recompute keeps the pin where it is.
	again := computeDemoSchedule(t, f)
	i = slices.IndexFunc(again.Meetings, func(m app.MeetingBody) bool { return m.EnterpriseID == m0.EnterpriseID && m.BankID == m0.BankID })
	if i < 0 || !again.Meetings[i].Pinned || again.Meetings[i].Slot != m0.Slot || again.Meetings[i].Table != m0.Table {
		t.Fatalf("pin not kept: %+v", again.Meetings)
	}
	// Unpin.
	decodeBody(t, f.do(evtOrgToken, "PUT", meetURL, map[string]any{"enterprise_id": m0.EnterpriseID, "bank_id": m0.BankID, "pinned": false}), http.StatusOK, &edited)
	i = slices.IndexFunc(edited.Meetings, func(m app.MeetingBody) bool { return m.EnterpriseID == m0.EnterpriseID && m.BankID == m0.BankID })
	if edited.Meetings[i].Pinned {
		t.Errorf("still pinned")
	}
	// Overrides naming strangers are refused.
	env = wantError(t, f.do(evtOrgToken, "POST", evtScheduleURL, map[string]any{"overrides": []map[string]string{{"enterprise_id": "ent_9999", "bank_id": demo.BankCCB}}}),
		http.StatusUnprocessableEntity, data.CodeInvalid)
	if !env.hasField("overrides[0].enterprise_id") {
		t.Errorf("fields %+v", env.Error.Fields)
	}
	// An override of an ineligible pair is allowed and reported.
	var ov app.ScheduleBody
	decodeBody(t, f.do(evtOrgToken, "POST", evtScheduleURL, map[string]any{"overrides": []map[string]string{{"enterprise_id": "ent_0072", "bank_id": demo.BankCCB, "reason": " 组织方核实后同意会谈 "}}, "keep_pins": false}),
		http.StatusOK, &ov)
	if len(ov.Summary.Overrides) != 1 || ov.Summary.Overrides[0].Reason != "组织方核实后同意会谈" {
		t.Errorf("overrides %+v", ov.Summary.Overrides)
	}
	for _, m := range ov.Meetings {
		if m.Override && m.OverrideReason != "组织方核实后同意会谈" {
			t.Errorf("overridden meeting without its reason: %+v", m)
		}
	}
}

func TestScheduleExports(t *testing.T) {
	f := newEventFixture(t)
	body := computeDemoSchedule(t, f)
	base := "/api/v1/events/" + demo.EventID

	// CSV: a byte-order mark, the header, one row per meeting.
	w := f.do(evtOrgToken, "GET", base+"/schedule.csv", nil)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	raw := w.Body.String()
	if !strings.HasPrefix(raw, "\ufeff") {
		t.Errorf("csv without a byte-order mark")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(raw, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(body.Meetings)+1 || !slices.Equal(rows[0][:5], []string{"时段", door.TimeHeader, "桌号", "银行", "企业"}) {
		t.Errorf("csv: %d rows, header %v", len(rows), rows[0])
	}

	// XLSX: the overview, one sheet per bank table and per enterprise.
	w = f.do(evtOrgToken, "GET", base+"/schedule.xlsx", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("xlsx: %d %s", w.Code, w.Body)
	}
	x, err := excelize.OpenReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheets := x.GetSheetList()
	ents := map[string]bool{}
	for _, m := range body.Meetings {
		ents[m.EnterpriseID] = true
	}
	const tables = 11 // 7 banks with one table, CCB and ZQRCB with two
	if sheets[0] != "总表" || len(sheets) != 1+tables+len(ents) {
		t.Errorf("sheets %v: want 总表, %d tables, %d enterprises", sheets, tables, len(ents))
	}
	all, err := x.GetRows("总表")
	if err != nil || len(all) != len(body.Meetings)+2 || all[1][0] != "时段" {
		t.Errorf("总表: %d rows (%v)", len(all), err)
	}

	// HTML: zh-CN, one section per table.
	w = f.do(evtOrgToken, "GET", base+"/schedule.html", nil)
	page := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(page, `lang="zh-CN"`) || strings.Count(page, "<section>") != tables || !strings.Contains(page, "第2号桌") {
		t.Errorf("html: %d, %d sections", w.Code, strings.Count(page, "<section>"))
	}

	// iCalendar: CRLF lines of at most 75 octets, times in Asia/Shanghai.
	w = f.do(evtOrgToken, "GET", base+"/participants/part_gaoyao_ent_0003/calendar.ics", nil)
	ics := w.Body.String()
	if w.Code != http.StatusOK || !strings.HasPrefix(ics, "BEGIN:VCALENDAR\r\n") || !strings.HasSuffix(ics, "END:VCALENDAR\r\n") {
		t.Fatalf("ics: %d %q", w.Code, ics)
	}
	for _, line := range strings.Split(strings.TrimSuffix(ics, "\r\n"), "\r\n") {
		if len(line) > 75 || !utf8.ValidString(line) || strings.Contains(line, "\n") {
			t.Errorf("bad content line %q (%d octets)", line, len(line))
		}
	}
	mine := 0
	for _, m := range body.Meetings {
		if m.EnterpriseID == "ent_0003" {
			mine++
			if !strings.Contains(ics, "DTSTART;TZID=Asia/Shanghai:"+m.Start.Format("20060102T150405")) {
				t.Errorf("no DTSTART for slot %d", m.Slot)
			}
		}
	}
	if strings.Count(ics, "BEGIN:VEVENT") != mine || !strings.Contains(ics, "TZID:Asia/Shanghai") {
		t.Errorf("ics has %d events, want %d", strings.Count(ics, "BEGIN:VEVENT"), mine)
	}
	// Unfolding restores the description.
	unfolded := strings.ReplaceAll(ics, "\r\n ", "")
	if !strings.Contains(unfolded, "DESCRIPTION:高要区装备制造业专利导航成果发布暨知识产权质押融资银企对接会\\n第") {
		t.Errorf("description lost in folding")
	}
}
