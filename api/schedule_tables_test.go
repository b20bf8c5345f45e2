package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/web"
)

// Every table of an event has its own number: not every bank's table is
// 「1 号桌」. The demo has 9 desks, CCB and ZQRCB with two tables each.
func TestScheduleTableNumbersDistinct(t *testing.T) {
	f := newMatchFixture(t)
	ctx := t.Context()
	var body app.ScheduleBody
	decodeBody(t, f.do(matchOrgToken, "POST", "/api/v1/events/"+demo.EventID+"/schedule", nil), http.StatusOK, &body)
	parts, err := app.All(ctx, f.store.Participants(), data.ListOptions{Refs: data.Refs{Event: demo.EventID}})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, p := range parts {
		if p.Role == data.RoleBankDesk {
			total += p.Tables
		}
	}
	type deskTable struct {
		bank  string
		table int
	}
	owner := map[int]deskTable{}
	for _, m := range body.Meetings {
		dt := deskTable{m.BankID, m.Table}
		if m.TableNumber < 1 || m.TableNumber > total {
			t.Errorf("%+v: table_number %d outside 1..%d", m, m.TableNumber, total)
		}
		if o, ok := owner[m.TableNumber]; ok && o != dt {
			t.Errorf("table number %d is both %+v and %+v", m.TableNumber, o, dt)
		}
		owner[m.TableNumber] = dt
	}
	if len(owner) < 3 {
		t.Fatalf("meetings use %d table numbers: %v", len(owner), owner)
	}

	// Stable: computing again keeps every desk's numbers.
	var again app.ScheduleBody
	decodeBody(t, f.do(matchOrgToken, "POST", "/api/v1/events/"+demo.EventID+"/schedule", map[string]any{"keep_pins": false}), http.StatusOK, &again)
	for _, m := range again.Meetings {
		if o, ok := owner[m.TableNumber]; ok && o != (deskTable{m.BankID, m.Table}) {
			t.Errorf("after recomputing, table number %d moved from %+v to %s/%d", m.TableNumber, o, m.BankID, m.Table)
		}
	}

	// The grid heads its columns 1..total, and the printable schedule too.
	o := newBrowser(f)
	o.signIn(matchOrgToken)
	eventURL := "/app/organizer/events/" + demo.EventID
	w, _ := o.get(eventURL)
	grid := htmlPage(t, w, http.StatusOK)
	token := csrf(t, w)
	w, _ = o.get(eventURL + "/schedule.html")
	print := w.Body.String()
	for n := 1; n <= total; n++ {
		wantText(t, grid, ">"+strconv.Itoa(n)+" 号桌<")
		wantText(t, print, "第"+strconv.Itoa(n)+"号桌")
	}
	if c := strings.Count(grid, ">1 号桌<"); c != 1 {
		t.Errorf("the grid shows 「1 号桌」 %d times", c)
	}

	// Once published, a bank's meetings page shows its own tables'
	// event-wide numbers.
	if w := o.do("POST", eventURL+"/publish", url.Values{web.CSRFField: {token}}); w.Code != http.StatusSeeOther {
		t.Fatalf("publish: %d %s", w.Code, w.Body)
	}
	b := newBrowser(f)
	b.signIn(matchZQRCBToken)
	w, _ = b.get("/app/bank/meetings")
	page := htmlPage(t, w, http.StatusOK)
	for _, m := range again.Meetings {
		if m.BankID == demo.BankZQRCB {
			wantText(t, page, strconv.Itoa(m.TableNumber)+" 号桌")
		}
	}
}
