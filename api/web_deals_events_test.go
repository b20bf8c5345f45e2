package api

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/web"
)

// openDeal returns a demo deal of bank that can still move, and a stage it
// may not move to.
func openDeal(t *testing.T, f *fixture, bank string) data.Deal {
	t.Helper()
	deals, err := app.All(t.Context(), f.store.Deals(), data.ListOptions{Refs: data.Refs{Bank: bank}})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deals {
		for _, s := range data.NextStages(d.Stage) {
			if s != data.StageFiled && s != data.StageDeclined {
				return d
			}
		}
	}
	t.Fatalf("demo: no open deal of %s", bank)
	return data.Deal{}
}

func TestWebBankDeals(t *testing.T) {
	f := newMatchFixture(t)
	ctx := t.Context()
	d := openDeal(t, f, demo.BankCCB)
	other := openDeal(t, f, demo.BankZQRCB)
	var next data.Stage
	for _, s := range data.NextStages(d.Stage) {
		if s != data.StageFiled && s != data.StageDeclined {
			next = s
			break
		}
	}
	toks, err := app.All(ctx, f.store.Tokens(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var by string
	for _, tk := range toks {
		if tk.Hash == data.HashToken(matchCCBToken) {
			by = (&app.Caller{Token: tk}).By()
		}
	}

	b := newBrowser(f)
	b.signIn(matchCCBToken)
	w, _ := b.get("/app/bank")
	wantText(t, htmlPage(t, w, http.StatusOK), `href="/app/bank/deals"`, `href="/app/bank/meetings"`)
	w, _ = b.get("/app/bank/deals")
	body := htmlPage(t, w, http.StatusOK)
	wantText(t, body, "融资项目", d.ID, d.Stage.Label(), "万元", "/app/bank/deals/"+d.ID+"/stage", `value="`+string(next)+`"`)
	if strings.Contains(body, "/app/bank/deals/"+other.ID+"/") {
		t.Errorf("the page shows another bank's deal")
	}
	token := csrf(t, w)
	stageURL := "/app/bank/deals/" + d.ID + "/stage"

	// CSRF missing: refused, unchanged.
	before := f.snapshot()
	htmlPage(t, b.do("POST", stageURL, url.Values{"stage": {string(next)}}), http.StatusForbidden)
	f.unchanged(before)

	// A disallowed stage: the error page, unchanged.
	wantText(t, htmlPage(t, b.do("POST", stageURL, url.Values{web.CSRFField: {token}, "stage": {string(data.StageRegistered)}}), http.StatusConflict),
		"操作与当前状态冲突")
	f.unchanged(before)

	// Another bank's deal: not found, unchanged.
	htmlPage(t, b.do("POST", "/app/bank/deals/"+other.ID+"/stage", url.Values{web.CSRFField: {token}, "stage": {string(data.StageDeclined)}}), http.StatusNotFound)
	f.unchanged(before)

	// Its own deal moves one stage; the history names the bank.
	w = b.do("POST", stageURL, url.Values{web.CSRFField: {token}, "stage": {string(next)}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/app/bank/deals" {
		t.Fatalf("move: %d %s", w.Code, w.Body)
	}
	got, err := f.store.Deals().Get(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := got.History[len(got.History)-1]
	if got.Stage != next || last.Stage != next || last.By != by || by == "" || len(got.History) <= len(d.History) {
		t.Errorf("after the move: stage %s, last change %+v (want by %q)", got.Stage, last, by)
	}
	w, _ = b.get("/app/bank/deals")
	wantText(t, htmlPage(t, w, http.StatusOK), "已进入", next.Label(), by)

	// The same move submitted again (a double click, a reload) is the
	// same answer, not an error page; nothing is recorded twice.
	w = b.do("POST", stageURL, url.Values{web.CSRFField: {token}, "stage": {string(next)}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/app/bank/deals" {
		t.Fatalf("the move again: %d %s", w.Code, w.Body)
	}
	if again, _ := f.store.Deals().Get(ctx, d.ID); len(again.History) != len(got.History) {
		t.Errorf("the repeated move changed the history: %d entries, want %d", len(again.History), len(got.History))
	}
	w, _ = b.get("/app/bank/deals")
	wantText(t, htmlPage(t, w, http.StatusOK), "已处于", next.Label())

	// Roles: an enterprise may not open the bank's pages nor post there.
	e := newBrowser(f)
	e.signIn(matchEnt72Token)
	for _, path := range []string{"/app/bank/deals", "/app/bank/meetings"} {
		w, _ := e.get(path)
		htmlPage(t, w, http.StatusForbidden)
	}
	w, _ = e.get("/app/enterprise")
	before = f.snapshot()
	htmlPage(t, e.do("POST", stageURL, url.Values{web.CSRFField: {csrf(t, w)}, "stage": {string(data.StageDeclined)}}), http.StatusForbidden)
	f.unchanged(before)
}

func TestWebBankMeetings(t *testing.T) {
	f := newMatchFixture(t)
	b := newBrowser(f)
	b.signIn(matchCCBToken)
	w, _ := b.get("/app/bank/meetings")
	wantText(t, htmlPage(t, w, http.StatusOK), "会谈安排尚未发布")

	// The organizer computes and publishes; the bank sees its meetings.
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
	if len(sched.Meetings) == 0 {
		t.Fatal("demo: CCB has no meetings")
	}
	w, _ = b.get("/app/bank/meetings")
	body := htmlPage(t, w, http.StatusOK)
	m := sched.Meetings[0]
	wantText(t, body, m.EnterpriseName, m.Start.Format("15:04"), "号桌")
	if strings.Contains(body, "会谈安排尚未发布") {
		t.Errorf("published, the page still says unpublished")
	}
}

func TestWebEnterpriseEvents(t *testing.T) {
	f := newMatchFixture(t)
	ctx := t.Context()
	parts, err := app.All(ctx, f.store.Participants(), data.ListOptions{Refs: data.Refs{Event: demo.EventID}})
	if err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{}
	var banks []string
	for _, p := range parts {
		registered[p.EnterpriseID] = true
		if p.Role == data.RoleBankDesk {
			banks = append(banks, p.BankID)
		}
	}
	ents, err := app.All(ctx, f.store.Enterprises(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ent data.Enterprise
	for _, e := range ents {
		if !registered[e.ID] {
			ent = e
			break
		}
	}
	if ent.ID == "" || len(banks) < 2 {
		t.Fatalf("demo: no unregistered enterprise (%q) or fewer than 2 bank desks (%d)", ent.ID, len(banks))
	}
	const secret = "ipm_test_web_ent_unregistered"
	put(t, f.store.Tokens(), &data.Token{Hash: data.HashToken(secret), Role: data.RoleCompany, EnterpriseID: ent.ID})

	b := newBrowser(f)
	b.signIn(secret)
	w, _ := b.get("/app/enterprise")
	wantText(t, htmlPage(t, w, http.StatusOK), `href="/app/enterprise/events"`)
	w, _ = b.get("/app/enterprise/events")
	wantText(t, htmlPage(t, w, http.StatusOK), "报名参加", "/app/enterprise/events/"+demo.EventID+"/register")
	token := csrf(t, w)
	regURL := "/app/enterprise/events/" + demo.EventID + "/register"
	prefURL := "/app/enterprise/events/" + demo.EventID + "/preferences"

	before := f.snapshot()
	htmlPage(t, b.do("POST", regURL, url.Values{}), http.StatusForbidden)
	f.unchanged(before)

	if w := b.do("POST", regURL, url.Values{web.CSRFField: {token}}); w.Code != http.StatusSeeOther {
		t.Fatalf("register: %d %s", w.Code, w.Body)
	}
	own, err := app.All(ctx, f.store.Participants(), data.ListOptions{Refs: data.Refs{Event: demo.EventID, Enterprise: ent.ID}})
	if err != nil || len(own) != 1 || own[0].Role != data.RoleEnterprise {
		t.Fatalf("registration: %v %+v", err, own)
	}
	// Registering again (a double click, a reload) is the same answer, not
	// an error page with the registration's internal key; still one
	// registration.
	if w := b.do("POST", regURL, url.Values{web.CSRFField: {token}}); w.Code != http.StatusSeeOther {
		t.Fatalf("register again: %d %s", w.Code, w.Body)
	}
	if again, _ := app.All(ctx, f.store.Participants(), data.ListOptions{Refs: data.Refs{Event: demo.EventID, Enterprise: ent.ID}}); len(again) != 1 {
		t.Fatalf("%d registrations after a double submit, want 1", len(again))
	}
	w, _ = b.get("/app/enterprise/events")
	wantText(t, htmlPage(t, w, http.StatusOK), "您已报名")

	w, _ = b.get("/app/enterprise/events")
	body := htmlPage(t, w, http.StatusOK)
	wantText(t, body, "已报名", "会谈意愿", `name="pref_`+banks[0]+`"`, "保存会谈意愿", "会谈安排尚未发布")

	before = f.snapshot()
	form := url.Values{"pref_" + banks[0]: {"must_meet"}, "pref_" + banks[1]: {"no_thanks"}}
	htmlPage(t, b.do("POST", prefURL, form), http.StatusForbidden)
	f.unchanged(before)
	form.Set(web.CSRFField, token)
	if w := b.do("POST", prefURL, form); w.Code != http.StatusSeeOther {
		t.Fatalf("preferences: %d %s", w.Code, w.Body)
	}
	pt, err := f.store.Participants().Get(ctx, own[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []data.Preference{{Target: banks[0], Kind: data.MustMeet}, {Target: banks[1], Kind: data.NoThanks}}
	slices.SortFunc(want, func(a, b data.Preference) int { return strings.Compare(a.Target, b.Target) })
	got := slices.Clone(pt.Preferences)
	slices.SortFunc(got, func(a, b data.Preference) int { return strings.Compare(a.Target, b.Target) })
	if !slices.Equal(got, want) {
		t.Errorf("preferences %+v, want %+v", got, want)
	}
	// A bad value is refused and changes nothing.
	before = f.snapshot()
	htmlPage(t, b.do("POST", prefURL, url.Values{web.CSRFField: {token}, "pref_" + banks[0]: {"maybe"}}), http.StatusUnprocessableEntity)
	f.unchanged(before)
	w, _ = b.get("/app/enterprise/events")
	wantText(t, htmlPage(t, w, http.StatusOK), `value="must_meet" selected`, `value="no_thanks" selected`)

	// A bank may not use the enterprise's forms.
	bk := newBrowser(f)
	bk.signIn(matchCCBToken)
	w, _ = bk.get("/app/bank")
	htmlPage(t, bk.do("POST", regURL, url.Values{web.CSRFField: {csrf(t, w)}}), http.StatusForbidden)
	w, _ = bk.get("/app/enterprise/events")
	htmlPage(t, w, http.StatusForbidden)
}
