package api

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/web"
)

// Accounts: a user changes its password, the organizer resets one by a
// one-time link and disables one (app/accounts.go, web/accounts.go,
// api/users.go).

// changePassword posts the account page's form.
func (b *browser) changePassword(current, next, confirm string) *httptest.ResponseRecorder {
	b.t.Helper()
	w, _ := b.get("/app/account")
	return b.do("POST", "/app/account/password", url.Values{"current_password": {current}, "new_password": {next},
		"confirm_password": {confirm}, web.CSRFField: {csrf(b.t, w)}})
}

// mustSignIn signs b in with a password or fails the test.
func (b *browser) mustSignIn(username, password string) {
	b.t.Helper()
	if w := b.signInPassword(username, password); w.Code != http.StatusSeeOther {
		b.t.Fatalf("sign in as %s: %d %s", username, w.Code, w.Body)
	}
}

// opens reports whether b's session still opens page.
func (b *browser) opens(page string) bool {
	b.t.Helper()
	w := b.do("GET", page, nil)
	return w.Code == http.StatusOK
}

// noEnglish fails the test for each English word a reader would see on
// the page of w (TestWebPagesSpeakChinese's check).
func noEnglish(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	for _, hit := range englishOnPage(w.Body.String()) {
		t.Errorf("%d page: English %s", w.Code, hit)
	}
}

// storedUser reads user id from the store.
func storedUser(t *testing.T, f *fixture, id string) data.User {
	t.Helper()
	u, err := f.store.Users().Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestWebChangePassword(t *testing.T) {
	f := newFixture(t, Config{})
	u := addUser(t, f, data.User{Username: "dora", Role: data.RoleBank, BankID: f.bankA, Label: "建行客户经理"}, testPassword)
	b, other := newBrowser(f), newBrowser(f)
	b.mustSignIn("dora", testPassword)
	other.mustSignIn("dora", testPassword)

	// Refused forms: 422 naming the field in Chinese, nothing written.
	before := f.snapshot() + storedUser(t, f, u.ID).PasswordHash
	for _, tc := range []struct {
		name, current, next, confirm, want string
	}{
		{"wrong current", "not the password", "brand-new-password", "brand-new-password", "当前密码：不正确"},
		{"too short", testPassword, "short", "short", "新密码：至少需要 10 个字符"},
		{"mismatch", testPassword, "brand-new-password", "brand-new-passwort", "确认新密码：与新密码不一致"},
		{"same as current", testPassword, testPassword, testPassword, "新密码：不能与当前密码相同"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := b.changePassword(tc.current, tc.next, tc.confirm)
			body := htmlPage(t, w, http.StatusUnprocessableEntity)
			noEnglish(t, w)
			wantText(t, body, "请更正", tc.want)
		})
	}
	if after := f.snapshot() + storedUser(t, f, u.ID).PasswordHash; after != before {
		t.Errorf("a refused password change wrote something")
	}
	// A username as password (a long one, to pass the length rule).
	long := addUser(t, f, data.User{Username: "long.username.x", Role: data.RoleBank, BankID: f.bankA}, testPassword)
	lb := newBrowser(f)
	lb.mustSignIn(long.Username, testPassword)
	wantText(t, htmlPage(t, lb.changePassword(testPassword, "Long.Username.X", "Long.Username.X"), http.StatusUnprocessableEntity),
		"新密码：不能与用户名相同")

	// The change: this session stays, with a flash; the other ends.
	w := b.changePassword(testPassword, "brand-new-password", "brand-new-password")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/app/account" {
		t.Fatalf("change: %d %s", w.Code, w.Body)
	}
	w, _ = b.get("/app/account")
	wantText(t, htmlPage(t, w, http.StatusOK), "密码已修改")
	noEnglish(t, w)
	if !b.opens("/app/bank") {
		t.Errorf("the session that changed the password ended")
	}
	if other.opens("/app/bank") {
		t.Errorf("another session of the user survived the password change")
	}
	// The new password signs in, the old one no longer.
	newBrowser(f).mustSignIn("dora", "brand-new-password")
	htmlPage(t, newBrowser(f).signInPassword("dora", testPassword), http.StatusUnauthorized)

	// The change is audited as the user's own, on the user's record.
	wantAudit(t, f, u.ID, u.ID, "POST /app/account/password")
}

// wantAudit fails the test unless the audit log holds an update of user
// id by the user actor through request.
func wantAudit(t *testing.T, f *fixture, id, actor, request string) {
	t.Helper()
	entries, _, err := f.store.Audit().List(t.Context(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Kind == "users" && len(e.IDs) == 1 && e.IDs[0] == id && e.Request == request {
			if e.Actor.UserID != actor && e.Actor.TokenID != actor {
				t.Errorf("%s audited as %+v, want actor %s", request, e.Actor, actor)
			}
			if strings.Contains(e.Request, "reset/") && strings.Count(e.Request, ".") > 0 {
				t.Errorf("the audit log holds a reset token: %s", e.Request)
			}
			return
		}
	}
	t.Errorf("no audit entry of %s on user %s", request, id)
}

func TestWebChangePasswordTokenSession(t *testing.T) {
	f := newFixture(t, Config{})
	b := newBrowser(f)
	b.signIn(bankAToken)
	w, _ := b.get("/app/account")
	wantText(t, htmlPage(t, w, http.StatusOK), "没有密码可改")
	w = b.do("POST", "/app/account/password", url.Values{"current_password": {"x"}, "new_password": {"brand-new-password"},
		"confirm_password": {"brand-new-password"}, web.CSRFField: {csrf(t, w)}})
	htmlPage(t, w, http.StatusForbidden)
}

var resetLinkRe = regexp.MustCompile(`id="reset-link">https?://[^/]+(/reset/[^<]+)<`)

func TestWebOrganizerResetsPassword(t *testing.T) {
	f := newFixture(t, Config{})
	admin := addUser(t, f, data.User{Username: "admin", Role: data.RoleOrganizer, Label: "交易中心管理员"}, testPassword)
	u := addUser(t, f, data.User{Username: "erin", Role: data.RoleCompany, EnterpriseID: f.entX}, testPassword)
	ob := newBrowser(f)
	ob.mustSignIn("admin", testPassword)
	ub := newBrowser(f)
	ub.mustSignIn("erin", testPassword)

	// The users page lists erin, without any hash.
	w, _ := ob.get("/app/organizer/users")
	body := htmlPage(t, w, http.StatusOK)
	wantText(t, body, "用户管理", "erin", "重置密码", "停用")
	if strings.Contains(body, "$2a$") || strings.Contains(body, "password_hash") {
		t.Errorf("the users page shows a password hash")
	}

	// Reset: the link is shown once, on the answer to the form.
	w = ob.do("POST", "/app/organizer/users/"+u.ID+"/reset", url.Values{web.CSRFField: {csrf(t, w)}})
	body = htmlPage(t, w, http.StatusOK)
	noEnglish(t, w)
	m := resetLinkRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no reset link on the page: %s", body)
	}
	link := m[1]
	stored := storedUser(t, f, u.ID)
	if stored.ResetHash == "" || strings.Contains(link, stored.ResetHash) {
		t.Errorf("the reset link's hash: stored %q, link %s", stored.ResetHash, link)
	}
	if d := time.Until(stored.ResetExpires); d < 23*time.Hour || d > 25*time.Hour {
		t.Errorf("the link expires in %v, want 24 h", d)
	}
	wantAudit(t, f, u.ID, admin.ID, "POST /app/organizer/users/"+u.ID+"/reset")
	// erin's session lives until the link is used.
	if !ub.opens("/app/enterprise") {
		t.Errorf("making a reset link ended the user's session")
	}

	// The link's page, then a refused form (nothing used up), then the use.
	rb := newBrowser(f)
	w, _ = rb.get(link)
	wantText(t, htmlPage(t, w, http.StatusOK), "重置密码", "erin")
	noEnglish(t, w)
	w = rb.do("POST", link, url.Values{"new_password": {"erin"}, "confirm_password": {"erin"}, web.CSRFField: {csrf(t, w)}})
	wantText(t, htmlPage(t, w, http.StatusUnprocessableEntity), "新密码：至少需要")
	w = rb.do("POST", link, url.Values{"new_password": {"reset-password-1"}, "confirm_password": {"reset-password-1"}, web.CSRFField: {csrf(t, w)}})
	wantText(t, htmlPage(t, w, http.StatusOK), "新密码已设置")
	noEnglish(t, w)
	if ub.opens("/app/enterprise") {
		t.Errorf("the user's old session survived the reset")
	}
	newBrowser(f).mustSignIn("erin", "reset-password-1")
	htmlPage(t, newBrowser(f).signInPassword("erin", testPassword), http.StatusUnauthorized)
	wantAudit(t, f, u.ID, u.ID, "POST /reset/:token")
	// The logs show the route, never the link's secret.
	if _, secret, _ := strings.Cut(link, "."); strings.Contains(f.logs.String(), secret) {
		t.Errorf("the logs hold a reset link's secret")
	}
	if !strings.Contains(f.logs.String(), `"path":"/reset/:token"`) {
		t.Errorf("the access log does not show the reset route")
	}

	// The link works once: a second use is refused with the one message.
	w, _ = rb.get(link)
	wantText(t, htmlPage(t, w, http.StatusNotFound), "此重置链接无效、已使用或已过期")
	signin, _ := rb.get("/") // a form of this site's, for the CSRF check
	w2 := rb.do("POST", link, url.Values{"new_password": {"reset-password-2"}, "confirm_password": {"reset-password-2"}, web.CSRFField: {csrf(t, signin)}})
	htmlPage(t, w2, http.StatusNotFound)
	newBrowser(f).mustSignIn("erin", "reset-password-1")

	// An expired link is refused, and reads like a link that never was.
	w = ob.do("POST", "/app/organizer/users/"+u.ID+"/reset", url.Values{web.CSRFField: {csrf(t, ob.do("GET", "/app/organizer/users", nil))}})
	link = resetLinkRe.FindStringSubmatch(htmlPage(t, w, http.StatusOK))[1]
	stored = storedUser(t, f, u.ID)
	stored.ResetExpires = time.Now().Add(-time.Minute)
	put(t, f.store.Users(), &stored)
	expired, _ := newBrowser(f).get(link)
	never, _ := newBrowser(f).get("/reset/user_nobody." + strings.Repeat("x", 43))
	a, b := htmlPage(t, expired, http.StatusNotFound), htmlPage(t, never, http.StatusNotFound)
	if stripCSRF(a) != stripCSRF(b) {
		t.Errorf("an expired link and an unknown user's link read differently")
	}
	wantText(t, a, "此重置链接无效、已使用或已过期")
	if strings.Contains(a, "erin") {
		t.Errorf("the refused link's page names the user")
	}
}

func TestWebDisabledUser(t *testing.T) {
	f := newFixture(t, Config{})
	addUser(t, f, data.User{Username: "admin", Role: data.RoleOrganizer, Label: "交易中心管理员"}, testPassword)
	u := addUser(t, f, data.User{Username: "frank", Role: data.RoleBank, BankID: f.bankA}, testPassword)
	ub := newBrowser(f)
	ub.mustSignIn("frank", testPassword)
	ob := newBrowser(f)
	ob.mustSignIn("admin", testPassword)

	w, _ := ob.get("/app/organizer/users")
	w = ob.do("POST", "/app/organizer/users/"+u.ID+"/disable", url.Values{web.CSRFField: {csrf(t, w)}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", w.Code, w.Body)
	}
	w, _ = ob.get("/app/organizer/users")
	wantText(t, htmlPage(t, w, http.StatusOK), "已停用该用户", "已停用", "启用")
	noEnglish(t, w)
	if !storedUser(t, f, u.ID).Disabled {
		t.Fatalf("frank is not disabled")
	}
	// The live session is refused on its next request.
	if w := ub.do("GET", "/app/bank", nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
		t.Errorf("a disabled user's session still opens pages: %d", w.Code)
	}
	// Sign-in is refused with the same page as a wrong password.
	disabled := newBrowser(f).signInPassword("frank", testPassword)
	wrong := newBrowser(f).signInPassword("admin", "not the password")
	if a, b := stripCSRF(htmlPage(t, disabled, http.StatusUnauthorized)), stripCSRF(htmlPage(t, wrong, http.StatusUnauthorized)); a != b {
		t.Errorf("a disabled user's sign-in reads unlike a wrong password")
	}
	// The organizer cannot disable itself.
	admin, err := f.store.Users().GetByKey(t.Context(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	w, _ = ob.get("/app/organizer/users")
	w = ob.do("POST", "/app/organizer/users/"+admin.ID+"/disable", url.Values{web.CSRFField: {csrf(t, w)}})
	wantText(t, htmlPage(t, w, http.StatusConflict), "不能停用您当前登录的用户")
	noEnglish(t, w)

	// Enabled again, frank signs in.
	w, _ = ob.get("/app/organizer/users")
	if w := ob.do("POST", "/app/organizer/users/"+u.ID+"/enable", url.Values{web.CSRFField: {csrf(t, w)}}); w.Code != http.StatusSeeOther {
		t.Fatalf("enable: %d %s", w.Code, w.Body)
	}
	newBrowser(f).mustSignIn("frank", testPassword)
	wantAudit(t, f, u.ID, admin.ID, "POST /app/organizer/users/"+u.ID+"/disable")
}

func TestAPIUsers(t *testing.T) {
	f := newFixture(t, Config{})
	u := addUser(t, f, data.User{Username: "gina", Role: data.RoleCompany, EnterpriseID: f.entX}, testPassword)
	ub := newBrowser(f)
	ub.mustSignIn("gina", testPassword)

	w := f.do(orgToken, "GET", "/api/v1/users", nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"gina"`) {
		t.Fatalf("list: %d %s", w.Code, w.Body)
	}
	for _, tok := range []string{bankAToken, entXToken} {
		for _, r := range []struct{ method, path string }{
			{"GET", "/api/v1/users"}, {"POST", "/api/v1/users/" + u.ID + "/reset"},
			{"POST", "/api/v1/users/" + u.ID + "/disable"}, {"POST", "/api/v1/users/" + u.ID + "/enable"},
		} {
			wantError(t, f.do(tok, r.method, r.path, nil), http.StatusForbidden, data.CodeForbidden)
		}
	}
	var link app.ResetLink
	decodeBody(t, f.do(orgToken, "POST", "/api/v1/users/"+u.ID+"/reset", nil), http.StatusOK, &link)
	if !strings.HasPrefix(link.Link, "/reset/"+u.ID+".") || link.ExpiresAt.IsZero() {
		t.Errorf("reset link %+v", link)
	}
	wantError(t, f.do(orgToken, "POST", "/api/v1/users/user_nobody/reset", nil), http.StatusNotFound, data.CodeNotFound)

	var v app.UserView
	decodeBody(t, f.do(orgToken, "POST", "/api/v1/users/"+u.ID+"/disable", nil), http.StatusOK, &v)
	if !v.Disabled {
		t.Errorf("disable: %+v", v)
	}
	if ub.opens("/app/enterprise") {
		t.Errorf("a disabled user's session survived")
	}
	// Disabling ended the link too.
	if w, _ := newBrowser(f).get(link.Link); w.Code != http.StatusNotFound {
		t.Errorf("a disabled user's reset link: %d", w.Code)
	}
	wantError(t, f.do(orgToken, "POST", "/api/v1/users/"+u.ID+"/reset", nil), http.StatusConflict, data.CodeConflict)
	decodeBody(t, f.do(orgToken, "POST", "/api/v1/users/"+u.ID+"/enable", nil), http.StatusOK, &v)
	if v.Disabled {
		t.Errorf("enable: %+v", v)
	}
	tok, err := f.store.Tokens().GetByKey(t.Context(), data.HashToken(orgToken))
	if err != nil {
		t.Fatal(err)
	}
	wantAudit(t, f, u.ID, tok.ID, "POST /api/v1/users/"+u.ID+"/disable")
	for _, s := range []string{"password_hash", "reset_hash", "$2a$"} {
		if w := f.do(orgToken, "GET", "/api/v1/users", nil); strings.Contains(w.Body.String(), s) {
			t.Errorf("the users API shows %q", s)
		}
	}
}

// TestWebResetLinkRace: two browsers send the same link's form at once;
// exactly one sets the password.
func TestWebResetLinkRace(t *testing.T) {
	f := newFixture(t, Config{})
	u := addUser(t, f, data.User{Username: "hank", Role: data.RoleBank, BankID: f.bankA}, testPassword)
	var link app.ResetLink
	decodeBody(t, f.do(orgToken, "POST", "/api/v1/users/"+u.ID+"/reset", nil), http.StatusOK, &link)
	browsers, forms := [2]*browser{newBrowser(f), newBrowser(f)}, [2]url.Values{}
	for i, b := range browsers {
		w, _ := b.get(link.Link)
		pw := "race-password-" + string(rune('a'+i))
		forms[i] = url.Values{"new_password": {pw}, "confirm_password": {pw}, web.CSRFField: {csrf(t, w)}}
	}
	var codes [2]int
	done := make(chan struct{})
	for i := range browsers {
		go func() {
			defer func() { done <- struct{}{} }()
			codes[i] = browsers[i].do("POST", link.Link, forms[i]).Code
		}()
	}
	<-done
	<-done
	ok := 0
	for _, c := range codes {
		if c == http.StatusOK {
			ok++
		} else if c != http.StatusNotFound {
			t.Errorf("a use of the link: %d", c)
		}
	}
	if ok != 1 {
		t.Errorf("%d uses of one link set the password, want 1 (%v)", ok, codes)
	}
}
