package api

import (
	"bytes"
	"encoding/csv"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/door"
	"ipmatch/web"
)

// browser is a minimal cookie-keeping client of the web pages over the
// fixture's handler. It does not follow redirects by itself.
type browser struct {
	t       *testing.T
	f       *fixture
	cookies map[string]string
	// host and header are sent with every request, and from remote when
	// it is set (httptest's default address otherwise).
	host   string
	header http.Header
	remote string
}

func newBrowser(f *fixture) *browser {
	return &browser{t: f.t, f: f, cookies: map[string]string{}, host: "ipmatch.example.cn", header: http.Header{}}
}

// do sends one request; form, when not nil, is posted urlencoded.
func (b *browser) do(method, path string, form url.Values) *httptest.ResponseRecorder {
	b.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	req.Host = b.host
	if b.remote != "" {
		req.RemoteAddr = b.remote
	}
	for k, vs := range b.header {
		req.Header[k] = vs
	}
	return b.send(req)
}

// send sends req with the browser's cookies and keeps the ones it is given.
func (b *browser) send(req *http.Request) *httptest.ResponseRecorder {
	for name, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: v})
	}
	w := httptest.NewRecorder()
	b.f.h.ServeHTTP(w, req)
	for _, ck := range w.Result().Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(b.cookies, ck.Name)
		} else {
			b.cookies[ck.Name] = ck.Value
		}
	}
	return w
}

// get fetches path, following redirects, and returns the last answer and
// its path.
func (b *browser) get(path string) (*httptest.ResponseRecorder, string) {
	b.t.Helper()
	for range 5 {
		w := b.do("GET", path, nil)
		if w.Code != http.StatusSeeOther && w.Code != http.StatusFound {
			return w, path
		}
		path = w.Header().Get("Location")
	}
	b.t.Fatalf("too many redirects at %s", path)
	return nil, ""
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf returns the CSRF token of the page's first form.
func csrf(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("no CSRF field in %s", w.Body)
	}
	return m[1]
}

// signIn signs in with token secret and returns the redirect's target.
func (b *browser) signIn(secret string) string {
	b.t.Helper()
	w, _ := b.get("/")
	if w.Code != http.StatusOK {
		b.t.Fatalf("GET /: %d %s", w.Code, w.Body)
	}
	w = b.do("POST", "/signin", url.Values{"token": {secret}, web.CSRFField: {csrf(b.t, w)}})
	if w.Code != http.StatusSeeOther {
		b.t.Fatalf("POST /signin: %d %s", w.Code, w.Body)
	}
	return w.Header().Get("Location")
}

// htmlPage returns the unescaped text of an HTML answer, checking its status
// and type.
func htmlPage(t *testing.T, w *httptest.ResponseRecorder, status int) string {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("Content-Type %q, want HTML", ct)
	}
	return html.UnescapeString(w.Body.String())
}

// wantText fails the test for each want missing from body.
func wantText(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, s := range wants {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

func TestWebSignInByRole(t *testing.T) {
	f := newMatchFixture(t)
	ctx := t.Context()
	ent, err := f.store.Enterprises().Get(ctx, "ent_0007")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := f.store.Events().Get(ctx, demo.EventID)
	if err != nil {
		t.Fatal(err)
	}
	// What the JSON API answers ent_0007: an eligible product and the
	// reason of the first product it fails.
	var matches app.Matches
	decodeBody(t, f.do(matchEnt7Token, "GET", "/api/v1/enterprises/ent_0007/matches?"+matchAsOfParam, nil), http.StatusOK, &matches)
	var reason, fix, eligibleName string
	for _, m := range matches.Matches {
		if !m.Eligible && len(m.Reasons) > 0 && reason == "" {
			reason, fix = m.Reasons[0].Message, m.Reasons[0].Fix
		}
		if m.Eligible && eligibleName == "" {
			eligibleName = m.ProductName
		}
	}
	if reason == "" || eligibleName == "" {
		t.Fatalf("demo: ent_0007 has %d eligible of %d products; want both kinds", matches.Eligible, len(matches.Matches))
	}

	for _, tc := range []struct {
		name, token, home, path string
		wants                   []string
	}{
		{"enterprise", matchEnt7Token, "/app/enterprise", "/app/enterprise?" + matchAsOfParam,
			[]string{ent.Name, ent.CreditCode, data.RegionFullName(ent.Region), "专利", "适合的贷款产品",
				eligibleName, "✓", "✗", reason, "改进办法：" + fix, "万元", "2021-04-23", "退出登录"}},
		{"bank", matchCCBToken, "/app/bank", "/app/bank",
			[]string{"我的贷款产品", "科创知识产权质押贷", "/app/bank/products/" + demo.ProdCCBKechuang + "/pipeline", "万元", "LPR"}},
		{"organizer", matchOrgToken, "/app/organizer", "/app/organizer",
			[]string{"组织方工作台", ev.Name, "草稿", "融资项目漏斗", "<svg", "入库", "放款"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(f)
			if got := b.signIn(tc.token); got != tc.home {
				t.Fatalf("signed in to %q, want %q", got, tc.home)
			}
			// /app and / send a signed-in browser home.
			if _, at := b.get("/app"); at != tc.home {
				t.Errorf("/app led to %q", at)
			}
			if _, at := b.get("/"); at != tc.home {
				t.Errorf("/ led to %q", at)
			}
			w, _ := b.get(tc.path)
			body := htmlPage(t, w, http.StatusOK)
			wantText(t, body, tc.wants...)
			for _, h := range []string{"Content-Security-Policy", "X-Frame-Options"} {
				if w.Header().Get(h) == "" {
					t.Errorf("no %s header", h)
				}
			}
			if strings.Contains(body, "http://") || strings.Contains(body, "https://") {
				t.Errorf("the page refers to an external address")
			}
		})
	}
}

func TestWebStaticCSS(t *testing.T) {
	f := newMatchFixture(t)
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, httptest.NewRequest("GET", "/static/app.css", nil))
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/css") || !strings.Contains(w.Body.String(), "svg.bar") {
		t.Fatalf("GET /static/app.css: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	for _, path := range []string{"/static/", "/static/nope.css", "/static/../templates/home.html", "/static//"} {
		w := httptest.NewRecorder()
		f.h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != http.StatusNotFound || strings.Contains(w.Body.String(), "app.css") {
			t.Errorf("GET %s: %d %.100q, want 404 and no listing", path, w.Code, w.Body.String())
		}
	}
}

func TestWebBankPipeline(t *testing.T) {
	f := newMatchFixture(t)
	var pipe pipelineBody
	decodeBody(t, f.do(matchCCBToken, "GET", matchPipelineURL+"&size=500", nil), http.StatusOK, &pipe)
	if pipe.Eligible == 0 || len(pipe.Matches) == 0 {
		t.Fatalf("demo pipeline is empty: %+v", pipe)
	}
	top := pipe.Matches[0]

	b := newBrowser(f)
	b.signIn(matchCCBToken)
	pipeURL := "/app/bank/products/" + demo.ProdCCBKechuang + "/pipeline"
	w, _ := b.get(pipeURL + "?" + matchAsOfParam)
	body := htmlPage(t, w, http.StatusOK)
	wantText(t, body, "科创知识产权质押贷 · 客户名单", top.EnterpriseName, "PD", "LGD", "预期损失 EL", "分项", "下载 CSV", "✓")
	if len(top.ScoreParts) > 0 {
		wantText(t, body, top.ScoreParts[0].Label)
	}

	// The CSV holds the same ranking.
	w, _ = b.get(pipeURL + ".csv?" + matchAsOfParam)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %q %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	raw := w.Body.Bytes()
	if !bytes.HasPrefix(raw, []byte("\ufeff")) {
		t.Errorf("CSV without a byte-order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != pipe.Total+1 || rows[0][0] != "排名" || rows[1][2] != top.EnterpriseName || rows[1][3] != "是" {
		t.Errorf("CSV: %d rows (want %d), header %v, first %v", len(rows), pipe.Total+1, rows[0], rows[1])
	}

	// Another bank's pipeline is a 404 page, and so is its CSV.
	other := newBrowser(f)
	other.signIn(matchZQRCBToken)
	for _, path := range []string{pipeURL, pipeURL + ".csv"} {
		w, _ := other.get(path + "?" + matchAsOfParam)
		body := htmlPage(t, w, http.StatusNotFound)
		wantText(t, body, "页面或记录不存在")
		if strings.Contains(body, top.EnterpriseName) {
			t.Errorf("%s leaks the pipeline", path)
		}
	}
}

func TestWebRoleBoundaries(t *testing.T) {
	f := newMatchFixture(t)
	pipeURL := "/app/bank/products/" + demo.ProdCCBKechuang + "/pipeline"
	eventURL := "/app/organizer/events/" + demo.EventID
	for _, tc := range []struct {
		token  string
		path   string
		status int
	}{
		{matchEnt72Token, "/app/bank", http.StatusForbidden},
		{matchEnt72Token, pipeURL, http.StatusForbidden},
		{matchEnt72Token, "/app/organizer", http.StatusForbidden},
		{matchEnt72Token, eventURL, http.StatusForbidden},
		{matchCCBToken, "/app/enterprise", http.StatusForbidden},
		{matchCCBToken, "/app/organizer", http.StatusForbidden},
		{matchCCBToken, eventURL + "/schedule.html", http.StatusForbidden},
		{matchOrgToken, "/app/enterprise", http.StatusForbidden},
		{matchOrgToken, "/app/organizer/events/evt_missing", http.StatusNotFound},
		{matchOrgToken, "/app/bank/products/prod_missing/pipeline", http.StatusNotFound},
	} {
		b := newBrowser(f)
		b.signIn(tc.token)
		w, _ := b.get(tc.path)
		if w.Code != tc.status || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
			t.Errorf("%s GET %s: %d %q, want an HTML %d", tc.token, tc.path, w.Code, w.Header().Get("Content-Type"), tc.status)
		}
	}
	// Forms of another role are refused too, with a valid CSRF token, and
	// change nothing.
	b := newBrowser(f)
	b.signIn(matchCCBToken)
	w, _ := b.get("/app/bank")
	token := csrf(t, w)
	before := f.snapshot()
	w = b.do("POST", eventURL+"/schedule", url.Values{web.CSRFField: {token}})
	htmlPage(t, w, http.StatusForbidden)
	f.unchanged(before)

	// Without a session, pages send the browser to the sign-in page and
	// forms are refused.
	anon := newBrowser(f)
	for _, path := range []string{"/app", "/app/enterprise", pipeURL, eventURL} {
		w := anon.do("GET", path, nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
			t.Errorf("anonymous GET %s: %d to %q", path, w.Code, w.Header().Get("Location"))
		}
	}
	htmlPage(t, anon.do("POST", eventURL+"/schedule", url.Values{}), http.StatusUnauthorized)
	// An API token in the Authorization header does not open the pages.
	anon.header.Set("Authorization", "Bearer "+matchOrgToken)
	if w := anon.do("GET", "/app/organizer", nil); w.Code != http.StatusSeeOther {
		t.Errorf("bearer token on a page: %d", w.Code)
	}
}

func TestWebOrganizerSchedule(t *testing.T) {
	f := newMatchFixture(t)
	ctx := t.Context()
	b := newBrowser(f)
	b.signIn(matchOrgToken)
	eventURL := "/app/organizer/events/" + demo.EventID
	w, _ := b.get(eventURL)
	body := htmlPage(t, w, http.StatusOK)
	wantText(t, body, "尚未生成会谈安排", "生成会谈安排", "参会方", "中国建设银行", "评估机构", "本场融资项目漏斗")
	token := csrf(t, w)

	// Without or with a wrong CSRF token the form is refused and nothing
	// is computed.
	before := f.snapshot()
	for _, form := range []url.Values{{}, {web.CSRFField: {"wrong"}}, {web.CSRFField: {token + "x"}}} {
		body := htmlPage(t, b.do("POST", eventURL+"/schedule", form), http.StatusForbidden)
		wantText(t, body, "无权访问", "CSRF")
	}
	f.unchanged(before)
	if _, err := f.store.Schedules().Get(ctx, demo.EventID); data.ErrorCode(err) != data.CodeNotFound {
		t.Fatalf("a refused form computed a schedule: %v", err)
	}

	// The form computes the schedule and the page shows the grid.
	w = b.do("POST", eventURL+"/schedule", url.Values{web.CSRFField: {token}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != eventURL {
		t.Fatalf("POST schedule: %d %q %s", w.Code, w.Header().Get("Location"), w.Body)
	}
	rec, err := f.store.Schedules().Get(ctx, demo.EventID)
	if err != nil || len(rec.Meetings) == 0 {
		t.Fatalf("no schedule stored: %v %+v", err, rec)
	}
	w, _ = b.get(eventURL)
	body = htmlPage(t, w, http.StatusOK)
	wantText(t, body, "会谈安排已生成", "1 号桌", "发布会谈安排", "打印版会谈安排", "时段")
	m := rec.Meetings[0]
	entName := func(id string) string {
		e, err := f.store.Enterprises().Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return e.Name
	}
	wantText(t, body, entName(m.EnterpriseID))
	// The cell of the first meeting: its slot's row holds the enterprise.
	ev, _ := f.store.Events().Get(ctx, demo.EventID)
	w2 := &app.EventWorld{Event: ev}
	rowStart := strings.Index(body, "<tr><td>"+strconv.Itoa(m.Slot)+"</td><td class=\"mono\">"+door.SlotLabel(w2, m.Slot)+"</td>")
	if rowStart < 0 {
		t.Fatalf("no grid row for slot %d", m.Slot)
	}
	row := body[rowStart : rowStart+strings.Index(body[rowStart:], "</tr>")]
	if !strings.Contains(row, entName(m.EnterpriseID)) {
		t.Errorf("slot %d row lacks %s: %s", m.Slot, entName(m.EnterpriseID), row)
	}
	wantText(t, body, "重新生成会谈安排")

	// The flash is shown once.
	w, _ = b.get(eventURL)
	if strings.Contains(htmlPage(t, w, http.StatusOK), "会谈安排已生成") {
		t.Errorf("the flash message is shown twice")
	}

	// The printable schedule.
	w, _ = b.get(eventURL + "/schedule.html")
	wantText(t, htmlPage(t, w, http.StatusOK), ev.Name, "号桌", entName(m.EnterpriseID))

	// Publishing.
	w = b.do("POST", eventURL+"/publish", url.Values{web.CSRFField: {token}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("POST publish: %d %s", w.Code, w.Body)
	}
	if ev, _ := f.store.Events().Get(ctx, demo.EventID); ev.Status != data.EventPublished {
		t.Errorf("status %s after publishing", ev.Status)
	}
	w, _ = b.get(eventURL)
	body = htmlPage(t, w, http.StatusOK)
	wantText(t, body, "已发布", "会谈安排已发布")
	if strings.Contains(body, "生成会谈安排</button>") || strings.Contains(body, "发布会谈安排</button>") {
		t.Errorf("a published event still offers to compute or publish")
	}
	// Computing a published event is refused (409) as in the API.
	htmlPage(t, b.do("POST", eventURL+"/schedule", url.Values{web.CSRFField: {token}}), http.StatusConflict)
}

func TestWebSessions(t *testing.T) {
	f := newMatchFixture(t)

	// Cookie flags: HttpOnly and SameSite=Lax always; Secure except on
	// plain HTTP to a loopback host.
	for _, tc := range []struct {
		host, proto string
		secure      bool
	}{
		{"ipmatch.example.cn", "", true},
		{"127.0.0.1:8080", "", false},
		{"localhost:8080", "", false},
		{"[::1]:8080", "", false},
		{"127.0.0.1:8080", "https", true},
		{"10.0.0.5:8080", "", true},
	} {
		b := newBrowser(f)
		b.host = tc.host
		if tc.proto != "" {
			b.header.Set("X-Forwarded-Proto", tc.proto)
		}
		// The sign-in page opens no session: it sets only the sign-in
		// cookie its form's CSRF token is bound to.
		w := b.do("GET", "/", nil)
		cks := w.Result().Cookies()
		if len(cks) != 1 || cks[0].Name != web.SignInCookie {
			t.Fatalf("%s: cookies %v", tc.host, cks)
		}
		ck := cks[0]
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != tc.secure || ck.Path != "/" {
			t.Errorf("%s %s: sign-in cookie %+v", tc.host, tc.proto, ck)
		}
		if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(ck.Value) {
			t.Errorf("sign-in nonce %q is not 256 bits of hex", ck.Value)
		}
		w = b.do("POST", "/signin", url.Values{"token": {matchOrgToken}, web.CSRFField: {csrf(t, w)}})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("%s: sign-in %d", tc.host, w.Code)
		}
		var session *http.Cookie
		for _, ck := range w.Result().Cookies() {
			switch ck.Name {
			case door.SessionCookie:
				session = ck
			case web.SignInCookie:
				if ck.MaxAge >= 0 {
					t.Errorf("%s: the sign-in cookie is kept after sign-in", tc.host)
				}
			}
		}
		if session == nil {
			t.Fatalf("%s: no session cookie at sign-in", tc.host)
		}
		if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure != tc.secure || session.Path != "/" {
			t.Errorf("%s %s: session cookie %+v", tc.host, tc.proto, session)
		}
		if len(session.Value) != 43 { // 256 bits, base64url without padding
			t.Errorf("session id %q is not 256 bits", session.Value)
		}
	}

	// Signing in needs the form's CSRF token and a valid API token, and
	// never adopts a session id the browser brought (no fixation).
	b := newBrowser(f)
	w := b.do("GET", "/", nil)
	token := csrf(t, w)
	const planted = "planted-session-id-from-another-site-00000"
	b.cookies[door.SessionCookie] = planted
	htmlPage(t, b.do("POST", "/signin", url.Values{"token": {matchOrgToken}}), http.StatusForbidden)
	htmlPage(t, b.do("POST", "/signin", url.Values{"token": {matchOrgToken}, web.CSRFField: {"nope"}}), http.StatusForbidden)
	// A token of the form made for another browser's cookie is refused.
	other := newBrowser(f)
	otherToken := csrf(t, other.do("GET", "/", nil))
	htmlPage(t, b.do("POST", "/signin", url.Values{"token": {matchOrgToken}, web.CSRFField: {otherToken}}), http.StatusForbidden)
	wantText(t, htmlPage(t, b.do("POST", "/signin", url.Values{"token": {"ipm_wrong"}, web.CSRFField: {token}}), http.StatusUnauthorized), "令牌无效")
	if loc := b.signIn(matchOrgToken); loc != "/app/organizer" {
		t.Fatalf("signed in to %q", loc)
	}
	if id := b.cookies[door.SessionCookie]; id == planted || id == "" {
		t.Errorf("the session id was not replaced at sign-in")
	}

	// Sign-out needs the CSRF token; it ends the session, and the old
	// cookie no longer works.
	w, _ = b.get("/app/organizer")
	htmlPage(t, w, http.StatusOK)
	token = csrf(t, w)
	sid := b.cookies[door.SessionCookie]
	htmlPage(t, b.do("POST", "/signout", url.Values{}), http.StatusForbidden)
	if w, _ := b.get("/app/organizer"); w.Code != http.StatusOK {
		t.Fatalf("a refused sign-out ended the session: %d", w.Code)
	}
	w = b.do("POST", "/signout", url.Values{web.CSRFField: {token}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
		t.Fatalf("sign-out: %d %q", w.Code, w.Header().Get("Location"))
	}
	if _, ok := b.cookies[door.SessionCookie]; ok {
		t.Errorf("sign-out did not clear the cookie")
	}
	replay := newBrowser(f)
	replay.cookies[door.SessionCookie] = sid
	if w := replay.do("GET", "/app/organizer", nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
		t.Errorf("the signed-out session still opens pages: %d", w.Code)
	}

	// Revoking the API token ends its web sessions.
	b = newBrowser(f)
	b.signIn(matchCCBToken)
	if w, _ := b.get("/app/bank"); w.Code != http.StatusOK {
		t.Fatalf("bank page: %d", w.Code)
	}
	tok, err := f.store.Tokens().GetByKey(t.Context(), data.HashToken(matchCCBToken))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.Tokens().Delete(t.Context(), tok.ID); err != nil {
		t.Fatal(err)
	}
	if w := b.do("GET", "/app/bank", nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
		t.Errorf("a revoked token's session still opens pages: %d", w.Code)
	}
}
