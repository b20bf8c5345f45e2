package api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/web"
)

// The walk's own tokens: an enterprise of the demo not yet registered for
// the event, and the demo bank with deals at several stages.
const (
	walkEntToken  = "ipm_walk_enterprise"
	walkBankToken = "ipm_walk_bank_icbc"
)

// TestBrowserDailyWalk walks each role's daily path in headless Chromium,
// in the order a matchmaking session runs, on one server:
//
//   - the enterprise reads its matches, searches products and opens a
//     match, registers for the event and states a must-meet wish;
//   - the organizer computes the schedule, moves a meeting, publishes the
//     schedule and prints it;
//   - the enterprise reads its meetings and downloads its calendar;
//   - the bank pages its pipeline, downloads it as CSV and XLSX, moves a
//     deal with a note, is asked to confirm before ending one, and reads
//     its meetings.
//
// Every page of the walk must read in Chinese: englishOnPage finds no
// English word outside names and codes.
func TestBrowserDailyWalk(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test drives Chromium (≈15 s); CI runs it")
	}
	exe := chromiumPath(t)
	f := newWebSearchFixture(t)
	ctx := t.Context()
	entID := unregisteredEnterprise(t, f)
	put(t, f.store.Tokens(),
		&data.Token{Hash: data.HashToken(walkEntToken), Role: data.RoleCompany, EnterpriseID: entID},
		&data.Token{Hash: data.HashToken(walkBankToken), Role: data.RoleBank, BankID: demo.BankICBC},
	)
	server := httptest.NewServer(f.h)
	t.Cleanup(server.Close)
	srv := server.URL
	// One deadline for each role's whole walk; the enterprise's spans the
	// organizer's too.
	const timeout = 3 * time.Minute
	eventURL := "/app/organizer/events/" + demo.EventID
	wishSelect := `select[name="pref_` + demo.BankICBC + `"]`

	ent := newBrowserSession(t, exe, srv, timeout)
	t.Run("enterprise registers and wishes", func(t *testing.T) {
		ent.t = t
		ent.signIn(walkEntToken, "/app/enterprise")
		ent.run("wait for the matches", chromedp.WaitVisible(chromedp.CSS("table.matches")))
		ent.readsChinese()

		ent.run("search the products",
			chromedp.Click(chromedp.CSS(`a[href="/app/enterprise/products"]`)),
			chromedp.WaitVisible(chromedp.CSS("form.search #q")),
			chromedp.SendKeys(chromedp.CSS("form.search #q"), "专利贷"),
			chromedp.Click(chromedp.CSS(`form.search button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("table.hits")),
		)
		ent.readsChinese()
		wantText(t, ent.text("table.hits"), "查看匹配详情")
		// A hit's match is the product's row on the enterprise's page.
		ent.leave("open a product's match", chromedp.Click(chromedp.CSS(`table.hits a[href^="/app/enterprise#prod-"]`)))
		if !eval[bool](ent, `document.getElementById(location.hash.slice(1)) !== null`) {
			t.Errorf("the match link %s lands on no row", ent.location())
		}

		ent.run("register for the event",
			chromedp.Click(chromedp.CSS(`a[href="/app/enterprise/events"]`)),
			chromedp.WaitVisible(chromedp.CSS(`form[action="/app/enterprise/events/`+demo.EventID+`/register"] button`)),
			chromedp.Click(chromedp.CSS(`form[action="/app/enterprise/events/`+demo.EventID+`/register"] button`)),
			chromedp.WaitVisible(chromedp.CSS(wishSelect)),
		)
		ent.readsChinese()
		ent.run("choose must-meet", chromedp.SetValue(chromedp.CSS(wishSelect), "must_meet"))
		ent.leave("save the wishes",
			chromedp.Click(chromedp.CSS(`form[action="/app/enterprise/events/`+demo.EventID+`/preferences"] button[type="submit"]`)),
		)
		if v := eval[string](ent, `document.querySelector('`+wishSelect+`').value`); v != "must_meet" {
			t.Errorf("the saved wish reads %q", v)
		}
		// Before the schedule the wish is pending, or cannot be met, with
		// the reason beside it.
		row := eval[string](ent, `document.querySelector('`+wishSelect+`').closest("tr").innerText`)
		if !strings.Contains(row, "待排期") && !(strings.Contains(row, "无法安排") && strings.Contains(row, "原因")) {
			t.Errorf("the wish reads %q before the schedule", row)
		}
		ent.readsChinese()
	})

	org := newBrowserSession(t, exe, srv, timeout)
	var moved storedMeetingKey
	t.Run("organizer schedules, moves, publishes, prints", func(t *testing.T) {
		org.t = t
		org.signIn(matchOrgToken, "/app/organizer")
		org.readsChinese()
		org.run("generate the schedule",
			chromedp.Click(chromedp.CSS(`a[href="`+eventURL+`"]`)),
			chromedp.WaitVisible(chromedp.CSS(`form[action="`+eventURL+`/schedule"] button`)),
			chromedp.Click(chromedp.CSS(`form[action="`+eventURL+`/schedule"] button`)),
			chromedp.WaitVisible(chromedp.CSS("table.grid")),
		)
		org.readsChinese()

		// Move a meeting to a slot where its bank and its enterprise are
		// both free.
		rec, err := f.store.Schedules().Get(ctx, demo.EventID)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := f.store.Events().Get(ctx, demo.EventID)
		if err != nil {
			t.Fatal(err)
		}
		m, slot := freeSlotFor(rec.Meetings, ev.Slots)
		if slot == 0 {
			t.Fatal("no meeting of the demo schedule can move to a free slot")
		}
		moved = storedMeetingKey{m.EnterpriseID, m.BankID}
		form := `form[action="` + eventURL + `/moves"]:has(input[name="enterprise_id"][value="` + m.EnterpriseID + `"]):has(input[name="bank_id"][value="` + m.BankID + `"])`
		org.run("open a meeting's move control",
			chromedp.Evaluate[chromedp.Void](`document.querySelector('`+form+`').closest("details").open = true`),
			chromedp.SetValue(chromedp.CSS(form+` select[name="slot"]`), strconv.Itoa(slot)),
		)
		org.leave("move the meeting", chromedp.Click(chromedp.CSS(form+` input[type="submit"]`)))
		if got := org.location(); got != eventURL {
			t.Errorf("after the move at %q, want %q", got, eventURL)
		}
		rec, err = f.store.Schedules().Get(ctx, demo.EventID)
		if err != nil {
			t.Fatal(err)
		}
		if got := meetingOfPair(rec.Meetings, moved); got == nil || got.Slot != slot || !got.Pinned {
			t.Errorf("after the move the meeting is %+v, want pinned at slot %d", got, slot)
		}
		org.readsChinese()

		org.leave("publish", chromedp.Click(chromedp.CSS(`form[action="`+eventURL+`/publish"] button`)))
		if eval[bool](org, `document.querySelector('form[action$="/publish"]') !== null || document.querySelector("table.grid") === null`) {
			t.Errorf("after publishing: %s", org.text("main"))
		}
		if n := eval[int](org, `document.querySelectorAll('form[action$="/pins"], form[action$="/moves"]').length`); n != 0 {
			t.Errorf("%d pin or move controls remain after publishing", n)
		}
		org.readsChinese()

		org.run("print", chromedp.Navigate(srv+eventURL+"/schedule.html"), chromedp.WaitVisible(chromedp.CSS("section.enterprise")))
		movedEnt, err := f.store.Enterprises().Get(ctx, moved.enterpriseID)
		if err != nil {
			t.Fatal(err)
		}
		if list := eval[string](org, `Array.from(document.querySelectorAll("section.enterprise"), s => s.innerText).join("\n")`); !strings.Contains(list, movedEnt.Name) {
			t.Errorf("the per-enterprise list lacks %s", movedEnt.Name)
		}
		org.readsChinese()

		org.run("open the audit log",
			chromedp.Navigate(srv+"/app/organizer/audit"),
			chromedp.WaitVisible(chromedp.CSS("table.audit")),
		)
		wantText(t, org.text("table.audit"), "生成会谈安排", "移动会谈", "发布对接会日程")
		org.readsChinese()
	})

	t.Run("enterprise reads its meetings", func(t *testing.T) {
		ent.t = t
		ent.run("open the events", chromedp.Navigate(srv+"/app/enterprise/events"), chromedp.WaitVisible(chromedp.CSS("h1")))
		ent.readsChinese()
		row := eval[string](ent, `document.querySelector('`+wishSelect+`').closest("tr").innerText`)
		if !strings.Contains(row, "已安排") && !(strings.Contains(row, "未安排") && strings.Contains(row, "原因")) {
			t.Errorf("the wish reads %q after publishing", row)
		}
		ent.readmeShot("enterprise-events.png")
		href := eval[string](ent, `(document.querySelector('a[href$="/meetings.ics"]') || {}).href || ""`)
		if href == "" {
			t.Fatal("no calendar link on the enterprise's events page")
		}
		body, ctype := ent.download(href)
		if !strings.HasPrefix(ctype, "text/calendar") || !strings.HasPrefix(body, "BEGIN:VCALENDAR") {
			t.Errorf("calendar: %s, %.40q", ctype, body)
		}
	})

	t.Run("bank pages, downloads, moves a deal, reads its meetings", func(t *testing.T) {
		bank := newBrowserSession(t, exe, srv, timeout)
		bank.signIn(walkBankToken, "/app/bank")
		bank.readsChinese()
		pipeURL := "/app/bank/products/" + demo.ProdICBCIP + "/pipeline"
		bank.run("open the pipeline",
			chromedp.Click(chromedp.CSS(`a[href="`+pipeURL+`"]`)),
			chromedp.WaitVisible(chromedp.CSS("table.pipeline")),
		)
		bank.readsChinese()
		bank.leave("next page", chromedp.Click(chromedp.CSS(`p.pager a:last-child`)))
		if loc := bank.location(); !strings.Contains(loc, "page=2") {
			t.Errorf("the next page is %q", loc)
		}
		if first := bank.text("table.pipeline > tbody > tr > td"); first != strconv.Itoa(web.PipelinePageSize+1) {
			t.Errorf("page 2 starts at rank %q, want %d", first, web.PipelinePageSize+1)
		}
		bank.readsChinese()
		for _, d := range []struct{ link, ctype, starts string }{
			{"pipeline.csv", "text/csv", ""},
			{"pipeline.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK"},
		} {
			href := eval[string](bank, `(document.querySelector('a[href*="/`+d.link+`"]') || {}).href || ""`)
			if href == "" {
				t.Fatalf("no %s link", d.link)
			}
			body, ctype := bank.download(href)
			if !strings.HasPrefix(ctype, d.ctype) || !strings.HasPrefix(body, d.starts) {
				t.Errorf("%s: %s, %.20q", d.link, ctype, body)
			}
			if d.link == "pipeline.csv" && !strings.Contains(body, "企业") {
				t.Errorf("the CSV has no Chinese header: %.200q", body)
			}
		}

		bank.run("open the deals",
			chromedp.Click(chromedp.CSS(`a[href="/app/bank/deals"]`)),
			chromedp.WaitVisible(chromedp.CSS("form.move")),
		)
		bank.readsChinese()
		// Move a deal one stage on, with a note.
		dealID := eval[string](bank, `(() => {
			for (const b of document.querySelectorAll('tr[id^="deal-"] form.move button[name="stage"]')) {
				if (b.value !== "declined" && b.value !== "compensated" && b.value !== "disbursed") return b.closest("tr").id.slice(5) + " " + b.value;
			}
			return "";
		})()`)
		id, stage, ok := strings.Cut(dealID, " ")
		if !ok {
			t.Fatal("no deal of the demo bank can move on without ending")
		}
		const note = "已与企业财务负责人电话沟通"
		rowForm := `tr[id="deal-` + id + `"] form.move`
		bank.run("write a note", chromedp.SendKeys(chromedp.CSS(rowForm+` input[name="note"]`), note))
		bank.leave("move the deal", chromedp.Click(chromedp.CSS(rowForm+` button[value="`+stage+`"]`)))
		deal, err := f.store.Deals().Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if last := deal.History[len(deal.History)-1]; string(deal.Stage) != stage || last.Note != note {
			t.Errorf("deal %s at %s with last note %q, want %s with %q", id, deal.Stage, last.Note, stage, note)
		}
		wantText(t, eval[string](bank, `document.querySelector('tr[id="deal-`+id+`"] details.history').textContent`), note)
		bank.readsChinese()
		bank.readmeShot("bank-deals.png")

		// Ending a deal asks first; cancelling leaves it as it was.
		ending := eval[string](bank, `(() => {
			const b = document.querySelector('tr[id^="deal-"] form.move button[value="declined"]');
			return b ? b.closest("tr").id.slice(5) : "";
		})()`)
		if ending == "" {
			t.Fatal("no deal offers 终止")
		}
		before, err := f.store.Deals().Get(ctx, ending)
		if err != nil {
			t.Fatal(err)
		}
		bank.leave("ask to end a deal", chromedp.Click(chromedp.CSS(`tr[id="deal-`+ending+`"] form.move button[value="declined"]`)))
		wantText(t, bank.text("section.confirm"), "请确认")
		bank.readsChinese()
		bank.leave("cancel", chromedp.Click(chromedp.CSS(`section.confirm a.button[href="/app/bank/deals"]`)))
		if eval[bool](bank, `document.querySelector("section.confirm") !== null`) {
			t.Error("the confirmation stays after cancelling")
		}
		if after, err := f.store.Deals().Get(ctx, ending); err != nil || after.Stage != before.Stage {
			t.Errorf("after cancelling, deal %s is at %v (%v), want %s", ending, after.Stage, err, before.Stage)
		}

		bank.run("open the meetings",
			chromedp.Click(chromedp.CSS(`a[href="/app/bank/meetings"]`)),
			chromedp.WaitVisible(chromedp.CSS(`a[href$="/meetings.ics"]`)),
		)
		bank.readsChinese()
		body, ctype := bank.download(eval[string](bank, `document.querySelector('a[href$="/meetings.ics"]').href`))
		if !strings.HasPrefix(ctype, "text/calendar") || !strings.Contains(body, "BEGIN:VEVENT") {
			t.Errorf("the bank's calendar: %s, %.60q", ctype, body)
		}
	})
}

// unregisteredEnterprise returns a demo enterprise not registered for the
// demo event that qualifies for at least one product.
func unregisteredEnterprise(t *testing.T, f *fixture) string {
	t.Helper()
	parts, _, err := f.store.Participants().List(t.Context(), data.ListOptions{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{}
	for _, p := range parts {
		if p.EventID == demo.EventID && p.EnterpriseID != "" {
			registered[p.EnterpriseID] = true
		}
	}
	for i := 1; i <= 200; i++ {
		id := "ent_" + strings.Repeat("0", 4-len(strconv.Itoa(i))) + strconv.Itoa(i)
		if registered[id] {
			continue
		}
		if _, err := f.store.Enterprises().Get(t.Context(), id); err == nil {
			return id
		}
	}
	t.Fatal("every demo enterprise is registered for the demo event")
	return ""
}

// storedMeetingKey names a meeting by its pair.
type storedMeetingKey struct{ enterpriseID, bankID string }

// meetingOfPair returns the meeting of the pair k, or nil.
func meetingOfPair(ms []data.Meeting, k storedMeetingKey) *data.Meeting {
	for i := range ms {
		if ms[i].EnterpriseID == k.enterpriseID && ms[i].BankID == k.bankID {
			return &ms[i]
		}
	}
	return nil
}

// freeSlotFor returns a meeting and another slot of 1..slots where neither
// its bank nor its enterprise has a meeting, or a zero slot.
func freeSlotFor(ms []data.Meeting, slots int) (data.Meeting, int) {
	busy := map[string]bool{} // party|slot
	for _, m := range ms {
		busy[m.EnterpriseID+"|"+strconv.Itoa(m.Slot)] = true
		busy[m.BankID+"|"+strconv.Itoa(m.Slot)] = true
	}
	for _, m := range ms {
		for s := 1; s <= slots; s++ {
			if s != m.Slot && !busy[m.EnterpriseID+"|"+strconv.Itoa(s)] && !busy[m.BankID+"|"+strconv.Itoa(s)] {
				return m, s
			}
		}
	}
	return data.Meeting{}, 0
}

// leave runs actions that leave the page (a form's submit, a link) and
// waits until the next page has loaded: the old page's marker is gone.
func (s *browserSession) leave(step string, actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	s.run(step+": mark the page", chromedp.Evaluate[chromedp.Void](`window.walkOldPage = true`))
	s.run(step, actions...)
	s.waitFor(`window.walkOldPage !== true && document.readyState === "complete"`)
}

// readsChinese fails the test for each English word on the tab's page
// (englishOnPage: names and codes aside).
func (s *browserSession) readsChinese() {
	s.t.Helper()
	page := eval[string](s, `document.documentElement.outerHTML`)
	if found := englishOnPage(page); len(found) > 0 {
		s.t.Errorf("%s has English: %s", s.location(), strings.Join(found, "; "))
	}
}

// download fetches href with the tab's cookies, as the browser would on
// following the link, and returns the body (up to 1 MiB) and its type.
func (s *browserSession) download(href string) (body, contentType string) {
	s.t.Helper()
	cookies, err := chromedp.Run(s.ctx, func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{href}})
		return res.Cookies, err
	})
	if err != nil {
		s.t.Fatalf("cookies for %s: %v", href, err)
	}
	req, err := http.NewRequestWithContext(s.ctx, http.MethodGet, href, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("download %s: %v", href, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		s.t.Fatalf("download %s: %v", href, err)
	}
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("download %s: %d %.200s", href, resp.StatusCode, b)
	}
	return string(b), resp.Header.Get("Content-Type")
}
