package api

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/door"
)

// movedAt is a deal move late in the UTC afternoon: in Beijing (UTC+8) it
// is already the next day, so a page that shows UTC shows the wrong day.
var movedAt = time.Date(2026, time.December, 2, 16, 40, 23, 0, time.UTC)

// beijing is UTC+8 written out here, apart from the code under test.
var beijing = time.FixedZone("UTC+8", 8*60*60)

func TestBeijingTime(t *testing.T) {
	for _, tc := range []struct {
		at     time.Time
		layout string
		want   string
	}{
		{movedAt, door.MinuteLayout, "2026-12-03 00:40"},
		{movedAt, door.SecondLayout, "2026-12-03 00:40:23"},
		{movedAt.In(time.FixedZone("PST", -8*60*60)), door.MinuteLayout, "2026-12-03 00:40"}, // whatever zone it comes in
		{movedAt, door.ClockLayout, "00:40"},
		{time.Time{}, door.MinuteLayout, "—"},
	} {
		if got := door.BeijingTime(tc.at, tc.layout); got != tc.want {
			t.Errorf("door.BeijingTime(%v, %q) = %q, want %q", tc.at, tc.layout, got, tc.want)
		}
	}
}

// The deals page and the audit log show one deal move at the same Beijing
// time, and each says that its times are Beijing time.
func TestWebTimesAreBeijingTime(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := t.Context()
	d, err := f.store.Deals().Get(ctx, f.dealA)
	if err != nil {
		t.Fatal(err)
	}
	d.History = append(d.History, data.StageChange{Stage: d.Stage, At: movedAt, By: "bank A"})
	put(t, f.store.Deals(), &d)
	b := newBrowser(f)
	b.signIn(bankAToken)
	w, _ := b.get("/app/bank/deals")
	deals := htmlPage(t, w, http.StatusOK)
	wantText(t, deals, d.ID, "最近变更（北京时间）", "2026-12-03 00:40")
	if strings.Contains(deals, "2026-12-02 16:40") {
		t.Errorf("the deals page shows the move in UTC")
	}

	// The audit log: the store stamps entries with the present, so the
	// entry is read back and its time written out apart from the code.
	put(t, f.store.Audit(), &data.AuditEntry{ID: data.NewAuditID(time.Now()), Node: "test", Via: data.ViaAPI,
		Action: data.AuditUpdate, Kind: "deals", IDs: []string{d.ID}, Request: "POST /api/v1/deals/" + d.ID + "/stage"})
	entries, err := app.All(ctx, f.store.Audit(), data.ListOptions{})
	if err != nil || len(entries) == 0 {
		t.Fatalf("audit: %d entries (%v)", len(entries), err)
	}
	at := entries[len(entries)-1].At.In(beijing)
	b = newBrowser(f)
	b.signIn(orgToken)
	// The filter's dates are Beijing dates too.
	w, _ = b.get("/app/organizer/audit?since=" + at.Format(time.DateOnly) + "&until=" + at.AddDate(0, 0, 1).Format(time.DateOnly))
	audit := htmlPage(t, w, http.StatusOK)
	wantText(t, audit, "时间（北京时间）", at.Format("2006-01-02 15:04:05"), d.ID)
}

// The schedule exports show each meeting's slot in Beijing time under a
// header that says so; the calendar keeps its TZID (TestScheduleExports).
func TestScheduleExportTimesAreBeijingTime(t *testing.T) {
	f := newEventFixture(t)
	body := computeDemoSchedule(t, f)
	if len(body.Meetings) == 0 {
		t.Fatal("no meetings")
	}
	base := "/api/v1/events/" + demo.EventID
	clock := func(m app.MeetingBody) string {
		return m.Start.In(beijing).Format("15:04") + "–" + m.End.In(beijing).Format("15:04")
	}
	want := map[string]bool{} // "bank|enterprise|time"
	for _, m := range body.Meetings {
		want[m.BankName+"|"+m.EnterpriseName+"|"+clock(m)] = true
	}

	w := f.do(evtOrgToken, "GET", base+"/schedule.csv", nil)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(w.Body.String(), "\ufeff"))).ReadAll()
	if err != nil || w.Code != http.StatusOK {
		t.Fatalf("csv: %d %v", w.Code, err)
	}
	if rows[0][1] != "时间（北京时间）" {
		t.Errorf("csv time header %q", rows[0][1])
	}
	for _, r := range rows[1:] {
		if !want[r[3]+"|"+r[4]+"|"+r[1]] {
			t.Errorf("csv row %v: not a meeting at that Beijing time", r)
		}
	}

	w = f.do(evtOrgToken, "GET", base+"/schedule.xlsx", nil)
	x, err := excelize.OpenReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	all, err := x.GetRows("总表")
	if err != nil || len(all) < 3 {
		t.Fatalf("总表: %d rows (%v)", len(all), err)
	}
	if all[1][1] != "时间（北京时间）" {
		t.Errorf("xlsx time header %q", all[1][1])
	}
	for _, r := range all[2:] {
		if !want[r[2]+"|"+r[4]+"|"+r[1]] {
			t.Errorf("xlsx row %v: not a meeting at that Beijing time", r)
		}
	}

	w = f.do(evtOrgToken, "GET", base+"/schedule.html", nil)
	wantText(t, w.Body.String(), "<th>时间（北京时间）</th>", clock(body.Meetings[0]))
}
