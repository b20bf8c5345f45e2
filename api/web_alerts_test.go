package api

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"ipmatch/data"
)

// TestWebAlertsInbox walks the page 押品预警 as the lending bank: after a
// lapse and a check, its inbox shows the alert in Chinese with the
// collateral before and after; it acknowledges it there, and the
// organizer's inbox still holds it; the bank sets its webhook, is shown
// the secret once, and an http address is refused naming the field in
// Chinese with nothing stored.
func TestWebAlertsInbox(t *testing.T) {
	f := newDemoFixture(t, Config{AsOf: data.NewDate(2021, 6, 1)})
	var deals struct {
		Items []data.Deal `json:"items"`
	}
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/deals?size=500", nil), http.StatusOK, &deals)
	i := slices.IndexFunc(deals.Items, func(d data.Deal) bool { return d.Live() && len(d.Patents) > 0 })
	deal := deals.Items[i]
	decodeBody(t, f.do(matchOrgToken, "POST", "/api/v1/monitor?as_of=2021-06-01", nil), http.StatusOK, nil)
	file := "申请号,法律状态公告日,法律状态\nCN" + deal.Patents[0] + ",2021.05.20,未缴年费专利权终止\n"
	decodeBody(t, f.do(matchOrgToken, "POST", "/api/v1/import/patents?format=cnipa-legal-csv", file), http.StatusOK, nil)
	decodeBody(t, f.do(matchOrgToken, "POST", "/api/v1/monitor?as_of=2021-06-01", nil), http.StatusOK, nil)

	bank := newBrowser(f)
	bank.signIn(bankToken(t, f, deal.BankID))
	w, _ := bank.get("/app/alerts")
	page := htmlPage(t, w, http.StatusOK)
	for _, want := range []string{"押品预警", deal.ID, deal.Patents[0], "专利权终止", "押品灭失", "未确认的预警：1 条"} {
		if !strings.Contains(page, want) {
			t.Errorf("the bank's inbox lacks %q", want)
		}
	}
	dw, _ := bank.get("/app/bank/deals")
	dealsPage := dw.Body.String()
	row, _, _ := strings.Cut(dealsPage[strings.Index(dealsPage, `id="deal-`+deal.ID+`"`):], "</tr>")
	if !strings.Contains(row, "押品灭失") || strings.Count(dealsPage, "押品灭失") != 1 {
		t.Errorf("the deals page flags %d deals; deal %s's row: %s", strings.Count(dealsPage, "押品灭失"), deal.ID, row)
	}
	w = bank.do("POST", "/app/alerts/"+alertIDOn(t, w.Body.String())+"/ack", url.Values{"csrf_token": {csrf(t, w)}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("ack: %d %s", w.Code, w.Body)
	}
	w, _ = bank.get("/app/alerts")
	if page := htmlPage(t, w, http.StatusOK); !strings.Contains(page, "未确认的预警：0 条") || !strings.Contains(page, "已确认预警") {
		t.Errorf("after the acknowledgement the bank's inbox reads: %s", page)
	}
	org := newBrowser(f)
	org.signIn(matchOrgToken)
	w, _ = org.get("/app/alerts")
	if page := htmlPage(t, w, http.StatusOK); !strings.Contains(page, "未确认的预警：1 条") || !strings.Contains(page, "贷款银行已确认") {
		t.Errorf("the organizer's inbox after the bank's acknowledgement: %s", page)
	}

	w, _ = bank.get("/app/alerts")
	w = bank.do("POST", "/app/alerts/webhook", url.Values{"csrf_token": {csrf(t, w)}, "url": {"http://bank.example.cn/hook"}})
	if page := htmlPage(t, w, http.StatusUnprocessableEntity); !strings.Contains(page, "推送地址：须为 https 地址") {
		t.Errorf("an http address: %s", page)
	}
	if n, _ := f.store.Webhooks().Count(t.Context()); n != 0 {
		t.Errorf("a refused address stored %d webhooks", n)
	}
	w = bank.do("POST", "/app/alerts/webhook", url.Values{"csrf_token": {csrf(t, w)}, "url": {"https://bank.example.cn/hook"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("set the webhook: %d %s", w.Code, w.Body)
	}
	loc, _, _ := strings.Cut(w.Header().Get("Location"), "#") // a browser keeps the fragment to itself
	w, _ = bank.get(loc)
	page = htmlPage(t, w, http.StatusOK)
	stored, err := f.store.Webhooks().GetByKey(t.Context(), deal.BankID)
	if err != nil || !strings.Contains(page, string(stored.Secret)) || !strings.Contains(page, "只显示这一次") {
		t.Fatalf("the secret is not shown once set (%v)", err)
	}
	w, _ = bank.get("/app/alerts")
	if page := htmlPage(t, w, http.StatusOK); strings.Contains(page, string(stored.Secret)) || !strings.Contains(page, "https://bank.example.cn/hook") {
		t.Error("the page shows the secret again, or not the address")
	}
}

// alertIDOn returns the first alert's ID on an inbox page.
func alertIDOn(t *testing.T, page string) string {
	t.Helper()
	_, rest, ok := strings.Cut(page, `id="alert-`)
	if !ok {
		t.Fatal("no alert on the page")
	}
	id, _, _ := strings.Cut(rest, `"`)
	return id
}
