package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/web"
)

// 银行入库 (issue 19): the organizer admits a bank on its page and opens a
// user for it; the user sets its password through the one-time link,
// signs in and keeps its bank's products (web/organizer_banks.go,
// app.InviteUser, POST /api/v1/users).

var inviteLinkRe = regexp.MustCompile(`id="invite-link">https?://[^/]+(/reset/[^<]+)<`)

// auditOf returns the audit entries of kind naming id through request.
func auditOf(t *testing.T, f *fixture, kind, id, request string) []data.AuditEntry {
	t.Helper()
	entries, _, err := f.store.Audit().List(t.Context(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []data.AuditEntry
	for _, e := range entries {
		if e.Kind == kind && len(e.IDs) == 1 && e.IDs[0] == id && e.Request == request {
			out = append(out, e)
		}
	}
	return out
}

// wantAuditBy fails the test unless exactly one audit entry of kind, id
// and request has actor as its user (or token).
func wantAuditBy(t *testing.T, f *fixture, kind, id, request, actor string) {
	t.Helper()
	got := auditOf(t, f, kind, id, request)
	if len(got) != 1 {
		t.Errorf("audit entries of %s %s by %s: %d, want 1", kind, id, request, len(got))
		return
	}
	if a := got[0].Actor; a.UserID != actor && a.TokenID != actor {
		t.Errorf("%s audited as %+v, want %s", request, a, actor)
	}
}

// bankByName returns the stored bank named name, or false.
func bankByName(t *testing.T, f *fixture, name string) (data.Bank, bool) {
	t.Helper()
	banks, err := app.All(t.Context(), f.store.Banks(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range banks {
		if b.Name == name {
			return b, true
		}
	}
	return data.Bank{}, false
}

func TestWebBankAdmission(t *testing.T) {
	f := newDemoFixture(t, Config{AsOf: data.NewDate(2021, 4, 23)})
	admin := addUser(t, f, data.User{Username: "admin", Role: data.RoleOrganizer, Label: "交易中心管理员"}, testPassword)
	ob := newBrowser(f)
	ob.mustSignIn("admin", testPassword)

	// The organizer's page links to 银行入库, which lists the banks in
	// Chinese.
	w, _ := ob.get("/app/organizer")
	wantText(t, htmlPage(t, w, http.StatusOK), `href="/app/organizer/banks"`, "银行入库")
	w, _ = ob.get("/app/organizer/banks")
	page := htmlPage(t, w, http.StatusOK)
	noEnglish(t, w)
	wantText(t, page, "已入库银行", "中国建设银行肇庆市分行", "国有大型商业银行", "肇庆市分行", data.RegionFullName("4412"), "登记银行")

	// Refused admissions: Chinese, naming the field; nothing written.
	before := snap(t, f)
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"empty name", url.Values{"name": {"  "}, "type": {"村镇银行"}, "region": {"441204"}}, "银行名称：必填"},
		{"bad region", url.Values{"name": {"高要测试村镇银行"}, "region": {"449999"}}, "所在地区：不是有效的行政区划代码"},
		{"no region", url.Values{"name": {"高要测试村镇银行"}}, "所在地区：不是有效的行政区划代码"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := ob.get("/app/organizer/banks")
			tc.form.Set(web.CSRFField, csrf(t, w))
			w = ob.do("POST", "/app/organizer/banks", tc.form)
			body := htmlPage(t, w, http.StatusUnprocessableEntity)
			noEnglish(t, w)
			wantText(t, body, "请更正", tc.want)
			if v := tc.form.Get("name"); strings.TrimSpace(v) != "" && !strings.Contains(body, `value="`+v+`"`) {
				t.Errorf("the refused form lost what was typed")
			}
		})
	}
	if snap(t, f) != before {
		t.Fatal("a refused admission wrote something")
	}

	// The admission.
	w, _ = ob.get("/app/organizer/banks")
	w = ob.do("POST", "/app/organizer/banks", url.Values{"name": {"高要测试村镇银行"}, "type": {"村镇银行"}, "branch": {"营业部"},
		"region": {"441204"}, web.CSRFField: {csrf(t, w)}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("admit: %d %s", w.Code, w.Body)
	}
	bank, ok := bankByName(t, f, "高要测试村镇银行")
	if !ok || bank.Type != "村镇银行" || bank.Branch != "营业部" || bank.Region != "441204" {
		t.Fatalf("admitted bank: %+v", bank)
	}
	if loc := w.Header().Get("Location"); loc != "/app/organizer/banks#bank-"+bank.ID {
		t.Errorf("admit redirects to %q", loc)
	}
	w, _ = ob.get("/app/organizer/banks")
	page = htmlPage(t, w, http.StatusOK)
	noEnglish(t, w)
	wantText(t, page, "已登记银行“高要测试村镇银行”", `id="bank-`+bank.ID+`"`, data.RegionFullName("441204"))
	wantAuditBy(t, f, "banks", bank.ID, "POST /app/organizer/banks", admin.ID)

	// Refused users: a bad username, then nothing written; a bank that
	// does not exist is not found.
	before = snap(t, f)
	userPath := "/app/organizer/banks/" + bank.ID + "/users"
	w = ob.do("POST", userPath, url.Values{"username": {"王五"}, "label": {"客户经理"}, web.CSRFField: {csrf(t, w)}})
	wantText(t, htmlPage(t, w, http.StatusUnprocessableEntity), "开设登录用户未成功", "登录用户名：3 到 64 个字符")
	noEnglish(t, w)
	w, _ = ob.get("/app/organizer/banks")
	w = ob.do("POST", "/app/organizer/banks/bank_nobody/users", url.Values{"username": {"gy.staff"}, web.CSRFField: {csrf(t, w)}})
	htmlPage(t, w, http.StatusNotFound)
	noEnglish(t, w)
	if snap(t, f) != before {
		t.Fatal("a refused user wrote something")
	}

	// The user, without a password: the link is shown once, after a
	// redirect, and a reload shows it no more.
	w, _ = ob.get("/app/organizer/banks")
	w = ob.do("POST", userPath, url.Values{"username": {"GY.Staff"}, "label": {"高要村镇银行客户经理"}, web.CSRFField: {csrf(t, w)}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/app/organizer/banks#invite" {
		t.Fatalf("open a user: %d %s %s", w.Code, w.Header().Get("Location"), w.Body)
	}
	w, _ = ob.get("/app/organizer/banks")
	page = htmlPage(t, w, http.StatusOK)
	noEnglish(t, w)
	m := inviteLinkRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no set-password link on the page: %s", page)
	}
	link := m[1]
	wantText(t, page, "已开设登录用户", "gy.staff", "高要测试村镇银行", "只在此显示一次", "未设密码")
	u, err := f.store.Users().GetByKey(t.Context(), "gy.staff")
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != data.RoleBank || u.BankID != bank.ID || u.Label != "高要村镇银行客户经理" || u.PasswordHash != "" || u.ResetHash == "" {
		t.Fatalf("opened user: %+v", u)
	}
	if !strings.HasPrefix(link, "/reset/"+u.ID+".") {
		t.Fatalf("link %s", link)
	}
	w, _ = ob.get("/app/organizer/banks")
	if page := htmlPage(t, w, http.StatusOK); strings.Contains(page, "invite-link") || strings.Contains(page, link) {
		t.Errorf("a reload shows the link again")
	}
	if users, _, _ := f.store.Users().List(t.Context(), data.ListOptions{}); len(users) != 2 {
		t.Errorf("%d users, want admin and gy.staff", len(users))
	}
	wantAuditBy(t, f, "users", u.ID, "POST "+userPath, admin.ID)
	// The link's secret is kept nowhere but in the user's browser: not in
	// the logs, not in a session.
	_, secret, _ := strings.Cut(link, ".")
	if strings.Contains(f.logs.String(), secret) {
		t.Errorf("the logs hold a set-password link's secret")
	}
	sessions, _, err := f.store.Sessions().List(t.Context(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if j, _ := json.Marshal(sessions); strings.Contains(string(j), secret) {
		t.Errorf("the session table holds a set-password link's secret")
	}

	// The username is taken now: 409, naming it; nothing written.
	before = snap(t, f)
	w = ob.do("POST", userPath, url.Values{"username": {"gy.staff"}, web.CSRFField: {csrf(t, w)}})
	wantText(t, htmlPage(t, w, http.StatusConflict), "登录用户名 <code>gy.staff</code> 已被使用")
	noEnglish(t, w)
	if snap(t, f) != before {
		t.Fatal("a taken username wrote something")
	}

	// Without a password the user cannot sign in: not with an empty
	// password, not with any; the answer reads as a wrong password's.
	wrong := stripCSRF(htmlPage(t, newBrowser(f).signInPassword("admin", "not the password"), http.StatusUnauthorized))
	for _, pw := range []string{"", testPassword} {
		if got := stripCSRF(htmlPage(t, newBrowser(f).signInPassword("gy.staff", pw), http.StatusUnauthorized)); got != wrong {
			t.Errorf("a user without a password, password %q: the page reads unlike a wrong password's", pw)
		}
	}

	// The user follows the link, sets a password and signs in to its
	// bank's pages, which hold no product yet.
	ub := newBrowser(f)
	w, _ = ub.get(link)
	wantText(t, htmlPage(t, w, http.StatusOK), "gy.staff")
	noEnglish(t, w)
	w = ub.do("POST", link, url.Values{"new_password": {"gaoyao-bank-1"}, "confirm_password": {"gaoyao-bank-1"}, web.CSRFField: {csrf(t, w)}})
	wantText(t, htmlPage(t, w, http.StatusOK), "新密码已设置")
	wantAuditBy(t, f, "users", u.ID, "POST /reset/:token", u.ID)
	if w, _ := newBrowser(f).get(link); w.Code != http.StatusNotFound {
		t.Errorf("the link works twice: %d", w.Code)
	}
	w = ub.signInPassword("gy.staff", "gaoyao-bank-1")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/app/bank" {
		t.Fatalf("sign in: %d %s", w.Code, w.Header().Get("Location"))
	}
	w, _ = ub.get("/app/bank")
	page = htmlPage(t, w, http.StatusOK)
	noEnglish(t, w)
	wantText(t, page, "高要测试村镇银行", "新建产品")
	if strings.Contains(page, "科创知识产权质押贷") || strings.Contains(page, "/app/bank/products/"+demo.ProdCCBKechuang) {
		t.Errorf("the new bank's page shows another bank's product")
	}
	var none app.ListResult[data.Product]
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/products?bank_id="+bank.ID, nil), http.StatusOK, &none)
	if none.Total != 0 {
		t.Fatalf("the new bank has %d products", none.Total)
	}

	// Its first product, in the product editor.
	w, _ = ub.get("/app/bank/products/new")
	w = ub.do("POST", "/app/bank/products", url.Values{web.CSRFField: {csrf(t, w)}, "name": {"高要村镇专利贷"}, "min_wan": {"50"},
		"max_wan": {"300"}, "min_term": {"6"}, "max_term": {"36"}, "spread_bp": {"100"}, "rate_invention": {"30"},
		"rate_utility_model": {"20"}, "regions": {"441204"}, "action": {"save"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("save a product: %d %s", w.Code, w.Body)
	}
	var mine app.ListResult[data.Product]
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/products?bank_id="+bank.ID, nil), http.StatusOK, &mine)
	if mine.Total != 1 || mine.Items[0].Name != "高要村镇专利贷" || !mine.Items[0].Active {
		t.Fatalf("the new bank's products: %+v", mine.Items)
	}
	wantAuditBy(t, f, "products", mine.Items[0].ID, "POST /app/bank/products", u.ID)
	w, _ = ub.get("/app/bank")
	wantText(t, htmlPage(t, w, http.StatusOK), "高要村镇专利贷")

	// The banks page counts it on sale, and the user with its password.
	w, _ = ob.get("/app/organizer/banks")
	page = htmlPage(t, w, http.StatusOK)
	row := page[strings.Index(page, `id="bank-`+bank.ID+`"`):]
	row = row[:strings.Index(row, "</tr>")]
	wantText(t, row, "<td>1</td>", "gy.staff")
	if strings.Contains(row, "未设密码") {
		t.Errorf("the user still reads as without a password: %s", row)
	}

	// The audit page names each step in Chinese.
	w, _ = ob.get("/app/organizer/audit")
	wantText(t, htmlPage(t, w, http.StatusOK), "登记银行（银行入库）", "为银行开设登录用户", "凭重置链接设置密码", "新建贷款产品")
}

// TestWebBankAdmissionRefused: a bank's and an enterprise's users (and
// tokens) can neither open the page nor post its forms, not even for
// their own bank; a browser without a session is sent to sign in; a form
// without its CSRF token is refused, the organizer's too. Nothing is
// written.
func TestWebBankAdmissionRefused(t *testing.T) {
	f := newDemoFixture(t, Config{})
	addUser(t, f, data.User{Username: "ccb.staff", Role: data.RoleBank, BankID: demo.BankCCB}, testPassword)
	addUser(t, f, data.User{Username: "ent7.staff", Role: data.RoleCompany, EnterpriseID: "ent_0007"}, testPassword)
	bankUser, entUser, bankTok, org := newBrowser(f), newBrowser(f), newBrowser(f), newBrowser(f)
	bankUser.mustSignIn("ccb.staff", testPassword)
	entUser.mustSignIn("ent7.staff", testPassword)
	bankTok.signIn(matchCCBToken)
	org.signIn(matchOrgToken)
	admit := url.Values{"name": {"冒名银行"}, "type": {"村镇银行"}, "region": {"441204"}}
	open := url.Values{"username": {"sneaky.user"}, "label": {"冒名"}}
	before := snap(t, f)
	for name, b := range map[string]*browser{"bank user": bankUser, "enterprise user": entUser, "bank token": bankTok} {
		t.Run(name, func(t *testing.T) {
			w, _ := b.get("/app/organizer/banks")
			htmlPage(t, w, http.StatusForbidden)
			noEnglish(t, w)
			// A form of the caller's own pages carries a good CSRF token.
			home, _ := b.get("/app/account")
			token := csrf(t, home)
			for _, r := range []struct {
				path string
				form url.Values
			}{
				{"/app/organizer/banks", admit},
				{"/app/organizer/banks/" + demo.BankCCB + "/users", open},
				{"/app/organizer/banks/bank_nobody/users", open},
			} {
				form := url.Values{web.CSRFField: {token}}
				for k, v := range r.form {
					form[k] = v
				}
				w := b.do("POST", r.path, form)
				htmlPage(t, w, http.StatusForbidden)
				noEnglish(t, w)
			}
		})
	}
	// Without a session: the page sends to the sign-in, the forms are 401.
	anon := newBrowser(f)
	if w := anon.do("GET", "/app/organizer/banks", nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
		t.Errorf("no session: %d %s", w.Code, w.Header().Get("Location"))
	}
	if w := anon.do("POST", "/app/organizer/banks", admit); w.Code != http.StatusUnauthorized {
		t.Errorf("no session, admit: %d", w.Code)
	}
	// The organizer's forms without the CSRF token.
	for _, path := range []string{"/app/organizer/banks", "/app/organizer/banks/" + demo.BankCCB + "/users"} {
		if w := org.do("POST", path, open); w.Code != http.StatusForbidden {
			t.Errorf("%s without a CSRF token: %d", path, w.Code)
		}
	}
	// The API: a bank and an enterprise may not open a user, even of their own.
	for _, tok := range []string{matchCCBToken, matchEnt7Token} {
		for _, body := range []map[string]string{
			{"username": "sneaky.user", "role": "bank", "bank_id": demo.BankCCB},
			{"username": "sneaky.user", "role": "enterprise", "enterprise_id": "ent_0007"},
			{"username": "sneaky.user", "role": "organizer"},
		} {
			wantError(t, f.do(tok, "POST", "/api/v1/users", body), http.StatusForbidden, data.CodeForbidden)
		}
	}
	if snap(t, f) != before {
		t.Fatal("a refused request wrote something")
	}
	if _, err := f.store.Users().GetByKey(t.Context(), "sneaky.user"); data.ErrorCode(err) != data.CodeNotFound {
		t.Errorf("sneaky.user: %v", err)
	}
}

func TestAPIInviteUser(t *testing.T) {
	f := newFixture(t, Config{})
	var inv app.Invitation
	w := f.do(orgToken, "POST", "/api/v1/users", map[string]string{"username": "Bank.A.Staff", "role": "bank", "bank_id": f.bankA, "label": "客户经理"})
	decodeBody(t, w, http.StatusCreated, &inv)
	for _, s := range []string{"password_hash", "reset_hash", "$2a$"} {
		if strings.Contains(w.Body.String(), s) {
			t.Errorf("the answer shows %q", s)
		}
	}
	if inv.User.Username != "bank.a.staff" || inv.User.Role != data.RoleBank || inv.User.BankID != f.bankA || inv.User.PasswordSet ||
		!strings.HasPrefix(inv.Link, "/reset/"+inv.User.ID+".") || inv.ExpiresAt.IsZero() {
		t.Fatalf("invitation %+v", inv)
	}
	tok, err := f.store.Tokens().GetByKey(t.Context(), data.HashToken(orgToken))
	if err != nil {
		t.Fatal(err)
	}
	wantAuditBy(t, f, "users", inv.User.ID, "POST /api/v1/users", tok.ID)
	// The list shows it without a password, with its open link.
	var list app.ListResult[app.UserView]
	decodeBody(t, f.do(orgToken, "GET", "/api/v1/users", nil), http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0].PasswordSet || list.Items[0].ResetExpires.IsZero() {
		t.Errorf("users: %+v", list.Items)
	}

	before := snap(t, f)
	env := wantError(t, f.do(orgToken, "POST", "/api/v1/users", map[string]string{"username": "bank.a.staff", "role": "enterprise", "enterprise_id": f.entX}),
		http.StatusConflict, data.CodeConflict)
	if !strings.Contains(env.Error.Message, "bank.a.staff") {
		t.Errorf("the conflict does not name the username: %s", env.Error.Message)
	}
	for _, tc := range []struct {
		body  map[string]string
		field string
	}{
		{map[string]string{"username": "new.staff", "role": "bank", "bank_id": "bank_nobody"}, "bank_id"},
		{map[string]string{"username": "new.staff", "role": "enterprise", "enterprise_id": "ent_nobody"}, "enterprise_id"},
		{map[string]string{"username": "new.staff", "role": "bank"}, "bank_id"},
		{map[string]string{"username": "new.staff", "role": "organizer", "bank_id": f.bankA}, "role"},
		{map[string]string{"username": "x", "role": "organizer"}, "username"},
		{map[string]string{"username": "new.staff", "role": "root"}, "role"},
	} {
		env := wantError(t, f.do(orgToken, "POST", "/api/v1/users", tc.body), http.StatusUnprocessableEntity, data.CodeInvalid)
		found := false
		for _, fe := range env.Error.Fields {
			found = found || fe.Field == tc.field
		}
		if !found {
			t.Errorf("%v: %+v does not name %s", tc.body, env.Error, tc.field)
		}
	}
	// A password in the body is no field of the request: refused, never stored.
	wantError(t, f.do(orgToken, "POST", "/api/v1/users", `{"username":"new.staff","role":"organizer","password_hash":"$2a$04$x"}`),
		http.StatusBadRequest, data.CodeMalformed)
	for _, tk := range []string{bankAToken, entXToken} {
		wantError(t, f.do(tk, "POST", "/api/v1/users", map[string]string{"username": "new.staff", "role": "bank", "bank_id": f.bankA}),
			http.StatusForbidden, data.CodeForbidden)
	}
	if after := snap(t, f); after != before {
		t.Fatal("a refused POST /api/v1/users wrote something")
	}

	// No password signs in until the link sets one.
	htmlPage(t, newBrowser(f).signInPassword("bank.a.staff", ""), http.StatusUnauthorized)
	b := newBrowser(f)
	w, _ = b.get(inv.Link)
	w = b.do("POST", inv.Link, url.Values{"new_password": {"bank-a-staff-1"}, "confirm_password": {"bank-a-staff-1"}, web.CSRFField: {csrf(t, w)}})
	wantText(t, htmlPage(t, w, http.StatusOK), "新密码已设置")
	newBrowser(f).mustSignIn("bank.a.staff", "bank-a-staff-1")
}

// snap is the fixture's snapshot and its users.
func snap(t *testing.T, f *fixture) string {
	t.Helper()
	return f.snapshot() + dumpUserTable(t, f)
}

// dumpUserTable lists the stored users, hashes and all.
func dumpUserTable(t *testing.T, f *fixture) string {
	t.Helper()
	users, _, err := f.store.Users().List(t.Context(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(users)
	if err != nil {
		t.Fatal(err)
	}
	return string(j)
}
