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
	"ipmatch/matcher/schedule"
	"ipmatch/web"
)

// wishesFixture registers an enterprise not yet at the demo event, with a
// must-meet wish for every bank desk but the last, and a no-thanks from
// the last-but-one bank's desk to it (the bank's own, private choice). It
// returns the fixture, the enterprise's token, its ID and the banks.
func wishesFixture(t *testing.T) (*fixture, string, string, []string) {
	t.Helper()
	f := newMatchFixture(t)
	ctx := t.Context()
	parts, err := app.All(ctx, f.store.Participants(), data.ListOptions{Refs: data.Refs{Event: demo.EventID}})
	if err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{}
	desks := map[string]data.Participant{}
	var banks []string
	for _, p := range parts {
		registered[p.EnterpriseID] = true
		if p.Role == data.RoleBankDesk {
			banks = append(banks, p.BankID)
			desks[p.BankID] = p
		}
	}
	ents, err := app.All(ctx, f.store.Enterprises(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ent string
	for _, e := range ents {
		if !registered[e.ID] {
			ent = e.ID
			break
		}
	}
	if ent == "" || len(banks) < 3 {
		t.Fatalf("demo: no unregistered enterprise or fewer than 3 desks (%d)", len(banks))
	}
	const secret = "ipm_test_wishes_ent"
	put(t, f.store.Tokens(), &data.Token{Hash: data.HashToken(secret), Role: data.RoleCompany, EnterpriseID: ent})
	pt := data.Participant{EventID: demo.EventID, Role: data.RoleEnterprise, EnterpriseID: ent}
	for _, b := range banks[:len(banks)-1] {
		pt.Preferences = append(pt.Preferences, data.Preference{Target: b, Kind: data.MustMeet})
	}
	put(t, f.store.Participants(), &pt)
	desk := desks[banks[len(banks)-2]]
	desk.Preferences = append(desk.Preferences, data.Preference{Target: ent, Kind: data.NoThanks})
	put(t, f.store.Participants(), &desk)
	return f, secret, ent, banks
}

func wishesURL(q string) string { return "/api/v1/events/" + demo.EventID + "/wishes" + q }

// TestWishesExplained: an enterprise sees, per wish, what the organizer's
// schedule says of it — before the schedule which must-meets no schedule
// can meet (never a bank's no-thanks, never the draft schedule), after
// publication met with slot and table or not met with the organizer's
// very reason.
func TestWishesExplained(t *testing.T) {
	f, entTok, ent, banks := wishesFixture(t)
	declinedBy := banks[len(banks)-2]

	// Before any schedule: the organizer sees every blocked must-meet,
	// the enterprise only the ineligible ones.
	var org, own app.WishesBody
	decodeBody(t, f.do(matchOrgToken, "GET", wishesURL("?enterprise_id="+ent), nil), http.StatusOK, &org)
	decodeBody(t, f.do(entTok, "GET", wishesURL(""), nil), http.StatusOK, &own)
	if len(own.Wishes) != len(banks)-1 || own.Scheduled {
		t.Fatalf("enterprise's wishes %+v, want %d unscheduled", own, len(banks)-1)
	}
	orgBy := map[string]app.WishBody{}
	for _, wb := range org.Wishes {
		orgBy[wb.BankID] = wb
	}
	if wb := orgBy[declinedBy]; wb.Status != app.WishBlocked || wb.Code != string(schedule.ShortNoThanks) {
		t.Errorf("organizer, declined pair: %+v, want blocked no_thanks", wb)
	}
	ineligible := 0
	for _, wb := range own.Wishes {
		o := orgBy[wb.BankID]
		switch {
		case wb.BankID == declinedBy && o.Code == string(schedule.ShortNoThanks):
			if wb.Status != app.WishPending || wb.Code != "" || wb.Reason != "" {
				t.Errorf("a bank's no-thanks leaks to the enterprise before publication: %+v", wb)
			}
		case o.Code == string(schedule.ShortIneligible):
			ineligible++
			if wb.Status != app.WishBlocked || wb.Reason != o.Reason || !strings.Contains(wb.Reason, "不符合该银行任一产品的条件") {
				t.Errorf("ineligible wish %+v, want blocked with %q", wb, o.Reason)
			}
			if len(wb.Fixes) == 0 || len(wb.Fixes[0].Failed) == 0 {
				t.Errorf("ineligible wish %+v names no product and rule to fix", wb)
			}
		default:
			if wb.Status != app.WishPending || wb.Reason != "" {
				t.Errorf("wish %+v, want pending", wb)
			}
		}
	}
	if ineligible == 0 {
		t.Log("demo: the enterprise qualifies for every bank; the ineligible case is not exercised")
	}

	// The organizer computes: still a draft, the enterprise sees no
	// meeting and the same as before.
	o := newBrowser(f)
	o.signIn(matchOrgToken)
	eventURL := "/app/organizer/events/" + demo.EventID
	w, _ := o.get(eventURL)
	token := csrf(t, w)
	if w := o.do("POST", eventURL+"/schedule", url.Values{web.CSRFField: {token}}); w.Code != http.StatusSeeOther {
		t.Fatalf("compute: %d %s", w.Code, w.Body)
	}
	var draft app.WishesBody
	decodeBody(t, f.do(entTok, "GET", wishesURL(""), nil), http.StatusOK, &draft)
	for i, wb := range draft.Wishes {
		if draft.Scheduled || wb.Status == app.WishMet || wb.Status == app.WishNotMet || wb.Slot != 0 ||
			wb.Status != own.Wishes[i].Status || wb.Reason != own.Wishes[i].Reason {
			t.Errorf("draft schedule leaks to the enterprise: %+v", wb)
		}
	}
	b := newBrowser(f)
	b.signIn(entTok)
	w, _ = b.get("/app/enterprise/events")
	body := htmlPage(t, w, http.StatusOK)
	wantText(t, body, "安排情况", "会谈安排尚未发布")
	if ineligible > 0 {
		wantText(t, body, "无法安排", "不符合该银行任一产品的条件", "未满足")
	}
	if strings.Contains(body, "已安排") || strings.Contains(body, "谢绝") {
		t.Errorf("before publication the page shows a meeting or a bank's no-thanks")
	}

	// Published: each must-meet is met (slot, table) or not, with the
	// organizer's shortfall reason.
	if w := o.do("POST", eventURL+"/publish", url.Values{web.CSRFField: {token}}); w.Code != http.StatusSeeOther {
		t.Fatalf("publish: %d %s", w.Code, w.Body)
	}
	var sched app.ScheduleBody
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/events/"+demo.EventID+"/schedule?enterprise_id="+ent, nil), http.StatusOK, &sched)
	var pub app.WishesBody
	decodeBody(t, f.do(entTok, "GET", wishesURL(""), nil), http.StatusOK, &pub)
	if !pub.Scheduled {
		t.Fatal("published, but not scheduled")
	}
	w, _ = b.get("/app/enterprise/events")
	body = htmlPage(t, w, http.StatusOK)
	for _, wb := range pub.Wishes {
		var meeting *app.MeetingBody
		for i := range sched.Meetings {
			if sched.Meetings[i].BankID == wb.BankID {
				meeting = &sched.Meetings[i]
			}
		}
		var reason string
		for _, u := range sched.Unscheduled {
			if u.BankID == wb.BankID {
				reason = u.Reason
			}
		}
		switch {
		case meeting != nil:
			if wb.Status != app.WishMet || wb.Slot != meeting.Slot || wb.Table != meeting.Table || wb.TableNumber != meeting.TableNumber {
				t.Errorf("wish %+v, want met at slot %d table %d (number %d)", wb, meeting.Slot, meeting.Table, meeting.TableNumber)
			}
			// The page signposts the table by its number across the event.
			wantText(t, body, "已安排", strconv.Itoa(meeting.TableNumber)+" 号桌")
		default:
			if wb.Status != app.WishNotMet || wb.Reason != reason || reason == "" {
				t.Errorf("wish %+v, want not_met with %q", wb, reason)
			}
			wantText(t, body, "未安排", reason)
		}
	}
	if d := pub.Wishes; len(d) == 0 {
		t.Fatal("no wishes")
	}
}

// TestWishesAccess tries to read wishes that are not the caller's.
func TestWishesAccess(t *testing.T) {
	f, entTok, ent, _ := wishesFixture(t)
	for _, tc := range []struct {
		name, tok, path string
		status          int
	}{
		{"bank", matchCCBToken, wishesURL("?enterprise_id=" + ent), http.StatusForbidden},
		{"bank, own default", matchCCBToken, wishesURL(""), http.StatusForbidden},
		{"another enterprise's", matchEnt7Token, wishesURL("?enterprise_id=" + ent), http.StatusForbidden},
		{"enterprise naming itself", entTok, wishesURL("?enterprise_id=" + ent), http.StatusOK},
		{"unregistered enterprise", matchEnt7Token + "_x", wishesURL(""), http.StatusUnauthorized},
		{"organizer without enterprise_id", matchOrgToken, wishesURL(""), http.StatusUnprocessableEntity},
		{"organizer, unregistered enterprise", matchOrgToken, wishesURL("?enterprise_id=no_such"), http.StatusNotFound},
		{"unknown event", entTok, "/api/v1/events/no_such/wishes", http.StatusNotFound},
		{"unknown parameter", entTok, wishesURL("?bank_id=x"), http.StatusBadRequest},
	} {
		if w := f.do(tc.tok, "GET", tc.path, nil); w.Code != tc.status {
			t.Errorf("%s: GET %s: %d, want %d; %s", tc.name, tc.path, w.Code, tc.status, w.Body)
		}
	}
	// The 422 names the field.
	if w := f.do(matchOrgToken, "GET", wishesURL(""), nil); !strings.Contains(w.Body.String(), "enterprise_id") {
		t.Errorf("422 does not name enterprise_id: %s", w.Body)
	}
}
