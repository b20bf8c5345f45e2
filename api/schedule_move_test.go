package api

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"ipmatch/app"
	"ipmatch/data/demo"
	"ipmatch/web"
)

// busyAt says who is busy in each slot of a schedule.
type busyAt struct {
	ent   map[[2]string]bool // enterprise, slot
	table map[[3]string]bool // bank, table, slot
	desk  map[[2]string]int  // bank, slot: tables in use
}

func scheduleBusy(sch app.ScheduleBody) busyAt {
	b := busyAt{ent: map[[2]string]bool{}, table: map[[3]string]bool{}, desk: map[[2]string]int{}}
	for _, m := range sch.Meetings {
		s := strconv.Itoa(m.Slot)
		b.ent[[2]string{m.EnterpriseID, s}] = true
		b.table[[3]string{m.BankID, strconv.Itoa(m.Table), s}] = true
		b.desk[[2]string{m.BankID, s}]++
	}
	return b
}

// findMeeting returns the first meeting of sch with a slot that pick
// accepts, and that slot.
func findMeeting(t *testing.T, sch app.ScheduleBody, pick func(m app.MeetingBody, slot int) bool) (app.MeetingBody, int) {
	t.Helper()
	for _, m := range sch.Meetings {
		for s := 1; s <= sch.Slots; s++ {
			if s != m.Slot && pick(m, s) {
				return m, s
			}
		}
	}
	t.Fatal("no meeting and slot as wanted in the demo schedule")
	return app.MeetingBody{}, 0
}

func meetingOf(sch app.ScheduleBody, ent, bank string) (app.MeetingBody, bool) {
	for _, m := range sch.Meetings {
		if m.EnterpriseID == ent && m.BankID == bank {
			return m, true
		}
	}
	return app.MeetingBody{}, false
}

// The organizer moves a meeting of a draft schedule to another slot on the
// event page; the move pins it, so computing again keeps it. A slot where
// the bank's desk or the enterprise is busy is refused with a Chinese
// message, by the page and by the API alike; banks and enterprises cannot
// move meetings.
func TestMoveMeeting(t *testing.T) {
	f := newMatchFixture(t)
	o := newBrowser(f)
	o.signIn(matchOrgToken)
	eventURL := "/app/organizer/events/" + demo.EventID
	schedURL := "/api/v1/events/" + demo.EventID + "/schedule"
	w, _ := o.get(eventURL)
	token := csrf(t, w)
	if w := o.do("POST", eventURL+"/schedule", url.Values{web.CSRFField: {token}}); w.Code != http.StatusSeeOther {
		t.Fatalf("compute: %d %s", w.Code, w.Body)
	}
	w, _ = o.get(eventURL)
	wantText(t, htmlPage(t, w, http.StatusOK), `action="`+eventURL+`/moves"`, `<select name="slot"`, "移到")
	var sch app.ScheduleBody
	decodeBody(t, f.do(matchOrgToken, "GET", schedURL, nil), http.StatusOK, &sch)
	busy := scheduleBusy(sch)
	move := func(m app.MeetingBody, slot string) url.Values {
		return url.Values{web.CSRFField: {token}, "enterprise_id": {m.EnterpriseID}, "bank_id": {m.BankID}, "slot": {slot}}
	}

	// Refused: the bank's desk is full in that slot (every table busy).
	full, fullSlot := findMeeting(t, sch, func(m app.MeetingBody, s int) bool {
		return busy.desk[[2]string{m.BankID, strconv.Itoa(s)}] >= tablesOf(sch, m.BankID) && !busy.ent[[2]string{m.EnterpriseID, strconv.Itoa(s)}]
	})
	before := f.snapshot()
	wantText(t, htmlPage(t, o.do("POST", eventURL+"/moves", move(full, strconv.Itoa(fullSlot))), http.StatusConflict),
		"号桌在第"+strconv.Itoa(fullSlot)+"时段已与")
	// Refused: the enterprise already meets another bank then.
	entBusy, entSlot := findMeeting(t, sch, func(m app.MeetingBody, s int) bool {
		return busy.ent[[2]string{m.EnterpriseID, strconv.Itoa(s)}] && busy.desk[[2]string{m.BankID, strconv.Itoa(s)}] < tablesOf(sch, m.BankID)
	})
	wantText(t, htmlPage(t, o.do("POST", eventURL+"/moves", move(entBusy, strconv.Itoa(entSlot))), http.StatusConflict),
		entBusy.EnterpriseName+"在第"+strconv.Itoa(entSlot)+"时段已与")
	// The API answers the same rule.
	env := wantError(t, f.do(matchOrgToken, "PUT", schedURL+"/meetings", map[string]any{"enterprise_id": entBusy.EnterpriseID, "bank_id": entBusy.BankID, "slot": entSlot}),
		http.StatusConflict, "conflict")
	if !env.hasField("slot") {
		t.Errorf("the API's refusal names no slot field: %+v", env)
	}
	// Bad slots: not a number, outside the event.
	for bad, why := range map[string]string{"x": "时段须为整数序号", "0": "时段须为 1 到 8", "99": "时段须为 1 到 8"} {
		wantText(t, htmlPage(t, o.do("POST", eventURL+"/moves", move(full, bad)), http.StatusUnprocessableEntity), why)
	}
	// Banks and enterprises may not move meetings.
	for _, tok := range []string{matchCCBToken, matchEnt7Token} {
		b := newBrowser(f)
		b.signIn(tok)
		w, _ := b.get("/app")
		v := move(full, strconv.Itoa(fullSlot))
		v.Set(web.CSRFField, csrf(t, w))
		htmlPage(t, b.do("POST", eventURL+"/moves", v), http.StatusForbidden)
	}
	f.unchanged(before)

	// Allowed: a slot where both are free; the meeting is pinned there.
	ok, okSlot := findMeeting(t, sch, func(m app.MeetingBody, s int) bool {
		return busy.desk[[2]string{m.BankID, strconv.Itoa(s)}] < tablesOf(sch, m.BankID) && !busy.ent[[2]string{m.EnterpriseID, strconv.Itoa(s)}]
	})
	w = o.do("POST", eventURL+"/moves", move(ok, strconv.Itoa(okSlot)))
	if w.Code != http.StatusSeeOther {
		t.Fatalf("move: %d %s", w.Code, w.Body)
	}
	w, _ = o.get(eventURL)
	wantText(t, htmlPage(t, w, http.StatusOK), "已将"+ok.EnterpriseName, "移到第"+strconv.Itoa(okSlot)+"时段")
	var moved app.ScheduleBody
	decodeBody(t, f.do(matchOrgToken, "GET", schedURL, nil), http.StatusOK, &moved)
	if m, found := meetingOf(moved, ok.EnterpriseID, ok.BankID); !found || m.Slot != okSlot || !m.Pinned {
		t.Fatalf("after the move: %+v (found %v), want slot %d, pinned", m, found, okSlot)
	}
	// Computing again keeps the moved meeting where it was put.
	var again app.ScheduleBody
	decodeBody(t, f.do(matchOrgToken, "POST", schedURL, nil), http.StatusOK, &again)
	if m, found := meetingOf(again, ok.EnterpriseID, ok.BankID); !found || m.Slot != okSlot || !m.Pinned {
		t.Errorf("after computing again: %+v (found %v), want slot %d, pinned", m, found, okSlot)
	}
}

// tablesOf is how many tables bank's desk has, read from the grid numbers.
func tablesOf(sch app.ScheduleBody, bank string) int {
	n := 0
	for _, m := range sch.Meetings {
		if m.BankID == bank {
			n = max(n, m.Table)
		}
	}
	return n
}

// A move without a table goes to a table of the desk that is free in that
// slot when the meeting's own table is busy.
func TestMoveMeetingFindsAFreeTable(t *testing.T) {
	f := newMatchFixture(t)
	schedURL := "/api/v1/events/" + demo.EventID + "/schedule"
	var sch app.ScheduleBody
	decodeBody(t, f.do(matchOrgToken, "POST", schedURL, nil), http.StatusOK, &sch)
	// Free a slot of table 2 of ZQRCB (two tables) by removing its meeting,
	// then move a table-1 meeting of another slot there.
	var gone app.MeetingBody
	for _, m := range sch.Meetings {
		if m.BankID == demo.BankZQRCB && m.Table == 2 {
			gone = m
			break
		}
	}
	decodeBody(t, f.do(matchOrgToken, "PUT", schedURL+"/meetings", map[string]any{"enterprise_id": gone.EnterpriseID, "bank_id": gone.BankID, "remove": true}), http.StatusOK, &sch)
	busy := scheduleBusy(sch)
	var mover app.MeetingBody
	for _, m := range sch.Meetings {
		if m.BankID == demo.BankZQRCB && m.Table == 1 && m.Slot != gone.Slot && !busy.ent[[2]string{m.EnterpriseID, strconv.Itoa(gone.Slot)}] {
			mover = m
			break
		}
	}
	if mover.EnterpriseID == "" {
		t.Skip("demo: no table-1 meeting of ZQRCB free to move")
	}
	var after app.ScheduleBody
	decodeBody(t, f.do(matchOrgToken, "PUT", schedURL+"/meetings", map[string]any{"enterprise_id": mover.EnterpriseID, "bank_id": mover.BankID, "slot": gone.Slot}), http.StatusOK, &after)
	m, _ := meetingOf(after, mover.EnterpriseID, mover.BankID)
	if m.Slot != gone.Slot || m.Table != 2 || !m.Pinned {
		t.Errorf("moved to %+v, want slot %d at table 2, pinned", m, gone.Slot)
	}
}
