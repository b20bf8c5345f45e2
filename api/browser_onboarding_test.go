package api

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/storetest"
)

// TestBrowserOnboarding walks the chain of issue 19 in headless Chromium,
// on the demo dated the day of the Gaoyao session:
//
//   - an enterprise applies at /apply with one patent (a CNIPA export and
//     its legal-status export), and until the organizer approves, a bank
//     reads nothing of it;
//   - the organizer opens the application and approves it;
//   - the enterprise signs in with the password it chose and sees its
//     matches with the net cost after Zhaoqing's interest subsidy; it
//     changes its password;
//   - the organizer makes it a reset link; the enterprise sets a new
//     password with it and signs in with that one only;
//   - a bank drafts a product, previews its reach and publishes it;
//   - every step is in the audit log.
func TestBrowserOnboarding(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test drives Chromium (≈15 s); CI runs it")
	}
	exe := chromiumPath(t)
	f := newDemoFixture(t, Config{AsOf: data.NewDate(2021, 4, 23)})
	server := httptest.NewServer(f.h)
	t.Cleanup(server.Close)
	srv := server.URL
	const timeout = 2 * time.Minute

	e := storetest.Enterprise(43)
	number := storetest.ApplicationNumber(2019, '2', 4343)
	dir := t.TempDir()
	patentsCSV := filepath.Join(dir, "专利检索导出.csv")
	legalCSV := filepath.Join(dir, "法律状态导出.csv")
	write := func(path, body string) {
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(patentsCSV, "申请号,公开（公告）号,公开（公告）日,申请日,名称,主分类号,分类号,申请（专利权）人,发明（设计）人,地址,摘要\n"+
		"CN"+number+",CN210000043U,2020.03.10,2019.06.01,一种齿轮箱润滑油路结构,F16H57/04,F16H57/04,\""+e.Name+"\",王工,526100 广东省肇庆市高要区,一种齿轮箱润滑油路结构。\n")
	write(legalCSV, "申请号,法律状态公告日,法律状态,法律状态信息\n"+
		"CN"+number+",2020.03.10,授权,\n"+
		"CN"+number+",2020.05.20,年费缴纳,第2年年费\n")
	const username, firstPassword = "gaoyao.gearbox", "gearbox-password-1"

	// The applicant fills the public form.
	applicant := newBrowserSession(t, exe, srv, timeout)
	applicant.run("open the application form",
		chromedp.Navigate(srv+"/apply"),
		chromedp.WaitVisible(chromedp.CSS("#cnipa_file")),
	)
	var fill []chromedp.Action[chromedp.Void]
	for name, value := range map[string]string{"name": e.Name, "credit_code": e.CreditCode, "region": "441204", "industry": "C34",
		"founded": "2012-03-01", "contact_name": "王经理", "contact_phone": "0758-8395678", "need_wan": "200", "need_term": "24",
		"year": "2020", "revenue": "3800", "profit": "320", "assets": "3100", "liabilities": "1200",
		"username": username, "password": firstPassword, "password2": firstPassword} {
		fill = append(fill, chromedp.SetValue(chromedp.CSS(`[name="`+name+`"]`), value))
	}
	fill = append(fill,
		chromedp.SetUploadFiles(chromedp.CSS("#cnipa_file"), []string{patentsCSV}),
		chromedp.SetUploadFiles(chromedp.CSS("#legal_file"), []string{legalCSV}),
		chromedp.Click(chromedp.CSS(`input[name="share_data"]`)),
	)
	applicant.run("fill the form", fill...)
	applicant.leave("submit the application", chromedp.Click(chromedp.CSS(`form[action="/apply"] button[type="submit"]`)))
	wantText(t, applicant.text("main"), "申请已提交")

	// Nothing of it reaches a bank before approval.
	wantError(t, f.do(matchCCBToken, "GET", "/api/v1/patents/"+number, nil), http.StatusNotFound, data.CodeNotFound)
	var seen app.ListResult[data.Enterprise]
	decodeBody(t, f.do(matchCCBToken, "GET", "/api/v1/enterprises?size=500", nil), http.StatusOK, &seen)
	if slices.ContainsFunc(seen.Items, func(x data.Enterprise) bool { return x.CreditCode == e.CreditCode }) {
		t.Fatal("a bank reads the applicant before approval")
	}

	// The organizer approves it.
	org := newBrowserSession(t, exe, srv, timeout)
	org.signIn(matchOrgToken, "/app/organizer")
	org.leave("open the applications", chromedp.Navigate(srv+"/app/organizer/applications"))
	var apps app.ListResult[data.Application]
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/applications?status=submitted", nil), http.StatusOK, &apps)
	if len(apps.Items) != 1 {
		t.Fatalf("%d applications waiting, want 1", len(apps.Items))
	}
	org.leave("open the application", chromedp.Click(chromedp.CSS(`a[href="/app/organizer/applications/`+apps.Items[0].ID+`"]`)))
	wantText(t, org.text("main"), e.Name, number, "法律状态 有效", "年费缴至 2021-05-31")
	org.leave("approve", chromedp.Click(chromedp.CSS(`form[action$="/approve"] button`)))
	wantText(t, org.text("main"), "已批准")

	// The enterprise signs in with its password and reads its matches.
	ent := newBrowserSession(t, exe, srv, timeout)
	ent.signInWithPassword(username, firstPassword, "/app/enterprise")
	ent.run("wait for the matches", chromedp.WaitVisible(chromedp.CSS("table.matches")))
	wantText(t, ent.text("main"), e.Name, number, "贴息后年化成本")
	netCosts := eval[[]string](ent, `Array.from(document.querySelectorAll("table.matches .net"), n => n.innerText)`)
	if len(netCosts) == 0 {
		t.Fatal("no net cost on the new enterprise's matches")
	}
	var ents app.ListResult[data.Enterprise]
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/enterprises?size=500", nil), http.StatusOK, &ents)
	i := slices.IndexFunc(ents.Items, func(x data.Enterprise) bool { return x.CreditCode == e.CreditCode })
	if i < 0 {
		t.Fatal("the approved enterprise is not among the enterprises")
	}
	entID := ents.Items[i].ID
	var matches app.Matches
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/enterprises/"+entID+"/matches?eligible=true", nil), http.StatusOK, &matches)
	var subsidised []string
	for _, m := range matches.Matches {
		if m.Eligible && m.NetRate < m.Rate {
			subsidised = append(subsidised, "贴息后年化成本 "+strconv.FormatFloat(m.NetRate*100, 'f', 2, 64)+"%")
		}
	}
	if len(subsidised) == 0 || !slices.Contains(netCosts, subsidised[0]) {
		t.Errorf("the page's net costs %q lack the API's %q", netCosts, subsidised)
	}

	// It changes its password.
	const secondPassword, thirdPassword = "gearbox-password-2", "gearbox-password-3"
	ent.leave("open the account page", chromedp.Navigate(srv+"/app/account"))
	ent.leave("change the password",
		chromedp.SetValue(chromedp.CSS("#current_password"), firstPassword),
		chromedp.SetValue(chromedp.CSS("#new_password"), secondPassword),
		chromedp.SetValue(chromedp.CSS("#confirm_password"), secondPassword),
		chromedp.Click(chromedp.CSS(`form[action="/app/account/password"] button`)),
	)
	wantText(t, ent.text("main"), "密码已修改")
	if w := newBrowser(f).signInPassword(username, firstPassword); w.Code == http.StatusSeeOther {
		t.Error("the old password still signs in")
	}

	// The organizer resets it: the link sets a third one.
	var users app.ListResult[app.UserView]
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/users", nil), http.StatusOK, &users)
	u := slices.IndexFunc(users.Items, func(v app.UserView) bool { return v.Username == username })
	if u < 0 {
		t.Fatalf("no user %s among %d", username, len(users.Items))
	}
	org.leave("open the users", chromedp.Navigate(srv+"/app/organizer/users"))
	org.leave("make a reset link", chromedp.Click(chromedp.CSS(`form[action="/app/organizer/users/`+users.Items[u].ID+`/reset"] button`)))
	link := org.text("#reset-link")
	if !strings.HasPrefix(link, srv+"/reset/") {
		t.Fatalf("reset link %q", link)
	}
	ent.leave("follow the reset link", chromedp.Navigate(link))
	ent.leave("set a new password",
		chromedp.SetValue(chromedp.CSS("#new_password"), thirdPassword),
		chromedp.SetValue(chromedp.CSS("#confirm_password"), thirdPassword),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
	)
	wantText(t, ent.text("main"), "新密码已设置")
	if w := newBrowser(f).signInPassword(username, secondPassword); w.Code == http.StatusSeeOther {
		t.Error("the password before the reset still signs in")
	}
	ent.signInWithPassword(username, thirdPassword, "/app/enterprise")

	// A bank drafts a product, previews its reach and publishes it.
	bank := newBrowserSession(t, exe, srv, timeout)
	bank.signIn(matchCCBToken, "/app/bank")
	bank.leave("open the product editor", chromedp.Navigate(srv+"/app/bank/products/new"))
	const product = "齿轮传动专利快贷"
	var draft []chromedp.Action[chromedp.Void]
	for name, value := range map[string]string{"name": product, "min_wan": "50", "max_wan": "500", "min_term": "6",
		"max_term": "24", "spread_bp": "60", "rate_invention": "30", "rate_utility_model": "20", "regions": "4412"} {
		draft = append(draft, chromedp.SetValue(chromedp.CSS(`[name="`+name+`"]`), value))
	}
	bank.run("draft the product", draft...)
	bank.leave("preview its reach", chromedp.Click(chromedp.CSS(`button[value="preview"]`)))
	reach, err := strconv.Atoi(bank.text("#reach strong"))
	if err != nil || reach == 0 {
		t.Fatalf("the preview's reach %q: %v", bank.text("#reach"), err)
	}
	bank.leave("publish it", chromedp.Click(chromedp.CSS(`button[value="save"]`)))
	wantText(t, bank.text("main"), "已保存产品“"+product+"”", product)

	// Every step is in the audit log.
	var log app.ListResult[data.AuditEntry]
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/audit?size=500", nil), http.StatusOK, &log)
	done := map[string]bool{}
	for _, en := range log.Items {
		done[en.Kind+"/"+en.Action] = true
	}
	for _, want := range []string{"applications/create", "applications/update", "enterprises/create", "patents/create",
		"users/create", "users/update", "products/create"} {
		if !done[want] {
			t.Errorf("the audit log lacks %s (has %v)", want, done)
		}
	}
	org.leave("open the audit log", chromedp.Navigate(srv+"/app/organizer/audit"))
	wantText(t, org.text("main"), "审计日志", "网页")
}

// signInWithPassword signs in with a username and password and expects to
// land on home.
func (s *browserSession) signInWithPassword(username, password, home string) {
	s.t.Helper()
	s.run("open the sign-in page",
		chromedp.Navigate(s.srv+"/"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
	)
	s.leave("sign in with a password",
		chromedp.SetValue(chromedp.CSS("#username"), username),
		chromedp.SetValue(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/signin/password"] button[type="submit"]`)),
	)
	if got := s.location(); got != home {
		s.t.Fatalf("signed in to %q, want %q: %s", got, home, s.text("main"))
	}
}
