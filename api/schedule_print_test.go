package api

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"ipmatch/app"
	"ipmatch/data/demo"
	"ipmatch/door"
)

// The printable schedule lists, after the per-bank tables, each
// enterprise's meetings in time order with bank, table and time, one
// enterprise per printed page.
func TestPrintableScheduleByEnterprise(t *testing.T) {
	f := newMatchFixture(t)
	var sch app.ScheduleBody
	decodeBody(t, f.do(matchOrgToken, "POST", "/api/v1/events/"+demo.EventID+"/schedule", nil), http.StatusOK, &sch)
	o := newBrowser(f)
	o.signIn(matchOrgToken)
	w, _ := o.get("/app/organizer/events/" + demo.EventID + "/schedule.html")
	if w.Code != http.StatusOK {
		t.Fatalf("print view: %d", w.Code)
	}
	page := w.Body.String()
	lastBank := strings.LastIndex(page, "<section>")
	// Pick an enterprise with several meetings.
	count := map[string]int{}
	for _, m := range sch.Meetings {
		count[m.EnterpriseID]++
	}
	var ent string
	for _, m := range sch.Meetings {
		if count[m.EnterpriseID] >= 3 {
			ent = m.EnterpriseID
			break
		}
	}
	var name string
	var mine []app.MeetingBody
	for _, m := range sch.Meetings {
		if m.EnterpriseID == ent {
			name, mine = m.EnterpriseName, append(mine, m)
		}
	}
	head := strings.Index(page, "<h2>"+name+" · 会谈安排</h2>")
	if head < 0 || head < lastBank {
		t.Fatalf("no per-enterprise list for %s after the bank tables (at %d, last bank table at %d)", name, head, lastBank)
	}
	block := page[head:]
	block = block[:strings.Index(block, "</section>")]
	at := 0
	for _, m := range mine { // the API lists meetings by slot
		row := "<td class=\"slot\">" + strconv.Itoa(m.Slot) + "</td><td class=\"time\">" + slotLabelOf(m) + "</td><td>" + m.BankName +
			"</td><td>" + strconv.Itoa(m.TableNumber) + " 号桌</td>"
		i := strings.Index(block, row)
		if i < at {
			t.Errorf("%s's list lacks, or misorders, %q", name, row)
		}
		at = i
	}
	if n := strings.Count(page, `<section class="enterprise">`); n != len(count) {
		t.Errorf("%d enterprise sections, want %d (one per enterprise with meetings)", n, len(count))
	}
	wantText(t, page, "break-after: page")
}

// slotLabelOf is a meeting's time range as slotLabel writes it.
func slotLabelOf(m app.MeetingBody) string {
	return door.BeijingTime(m.Start, door.ClockLayout) + "–" + door.BeijingTime(m.End, door.ClockLayout)
}
