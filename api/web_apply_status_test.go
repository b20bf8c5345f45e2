package api

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/storetest"
	"ipmatch/web"
)

// applyFormFor is a complete application of enterprise e with username and
// password, and the apply page's CSRF token as b has it.
func applyFormFor(t *testing.T, b *browser, e data.Enterprise, username, password string) url.Values {
	t.Helper()
	w, _ := b.get("/apply")
	htmlPage(t, w, http.StatusOK)
	return url.Values{web.CSRFField: {csrf(t, w)}, "name": {e.Name}, "credit_code": {e.CreditCode}, "region": {"441204"},
		"industry": {"C34"}, "founded": {"2010-05-01"}, "contact_name": {"陈经理"}, "contact_phone": {"0758-8391234"},
		"need_wan": {"300"}, "need_term": {"24"}, "pool": {"1"}, "username": {username},
		"password": {password}, "password2": {password}}
}

// checkStatus posts the status form with username and password.
func (b *browser) checkStatus(username, password string) *httptest.ResponseRecorder {
	b.t.Helper()
	w, _ := b.get("/apply/status")
	if w.Code != http.StatusOK {
		b.t.Fatalf("GET /apply/status: %d %s", w.Code, w.Body)
	}
	return b.do("POST", "/apply/status", url.Values{"username": {username}, "password": {password}, web.CSRFField: {csrf(b.t, w)}})
}

// noEnglishIn fails the test for English a reader would see on page.
func noEnglishIn(t *testing.T, what, page string) {
	t.Helper()
	for _, hit := range englishOnPage(page) {
		t.Errorf("%s: English %s", what, hit)
	}
}

var csrfValueRe = regexp.MustCompile(`name="csrf_token" value="[^"]*"`)

// TestWebApplyStatus: an applicant reads its review on /apply/status with
// the username and password it applied with: waiting; returned, with the
// organizer's reasons and the way to submit again (and no reviewer's
// name); approved, pointing to the sign-in. A wrong password and an
// unknown username get the same 401 page, without the reasons.
func TestWebApplyStatus(t *testing.T) {
	f := newFixture(t, Config{})
	const reviewer = "ipm_test_reviewer_wang"
	put(t, f.store.Tokens(), &data.Token{Hash: data.HashToken(reviewer), Role: data.RoleOrganizer, Label: "审核员王五"})
	e := storetest.Enterprise(61)
	const user, pw = "status.apply", "status-password-1"

	applicant := newBrowser(f)
	if page := htmlPage(t, applicant.postMultipart("/apply", applyFormFor(t, applicant, e, user, pw), "", "", nil), http.StatusOK); !strings.Contains(page, "/apply/status") {
		t.Errorf("the submitted answer does not link to the status page: %s", page)
	}
	w, _ := applicant.get("/apply")
	wantText(t, htmlPage(t, w, http.StatusOK), `href="/apply/status"`, "查询审核进度")
	w, _ = applicant.get("/")
	wantText(t, htmlPage(t, w, http.StatusOK), `href="/apply/status"`)

	page := htmlPage(t, newBrowser(f).checkStatus("  Status.Apply ", pw), http.StatusOK) // as sign-in normalises
	wantText(t, page, "待审核", e.Name, e.CreditCode, "提交时间")
	noEnglishIn(t, "waiting", page)

	var apps app.ListResult[data.Application]
	decodeBody(t, f.do(orgToken, "GET", "/api/v1/applications", nil), http.StatusOK, &apps)
	if len(apps.Items) != 1 {
		t.Fatalf("applications: %+v", apps.Items)
	}
	id := apps.Items[0].ID
	const reason = "请补充近三年经审计的财务报表"
	decodeBody(t, f.do(reviewer, "POST", "/api/v1/applications/"+id+"/return", app.ReturnRequest{Reasons: []string{reason, "联系电话无法接通"}}), http.StatusOK, nil)

	page = htmlPage(t, newBrowser(f).checkStatus(user, pw), http.StatusOK)
	wantText(t, page, "已退回", reason, "联系电话无法接通", `href="/apply"`, "审核时间", "交易中心")
	if strings.Contains(page, "王五") || strings.Contains(page, "0758-8391234") {
		t.Errorf("the status page names the reviewer or shows the application's contact: %s", page)
	}
	noEnglishIn(t, "returned", page)

	// A wrong password and an unknown username: one answer, no reasons.
	var bodies []string
	for _, try := range [][2]string{{user, "wrong-password-1"}, {"nobody.applied", pw}, {"", pw}} {
		w := newBrowser(f).checkStatus(try[0], try[1])
		page := htmlPage(t, w, http.StatusUnauthorized)
		wantText(t, page, web.BadPassword)
		if strings.Contains(page, reason) || strings.Contains(page, e.Name) || strings.Contains(page, "已退回") {
			t.Errorf("%q: a refused check shows the application: %s", try[0], page)
		}
		noEnglishIn(t, "refused", page)
		bodies = append(bodies, strings.ReplaceAll(csrfValueRe.ReplaceAllString(w.Body.String(), ""), try[0], "USER"))
	}
	if bodies[0] != bodies[1] {
		t.Errorf("a wrong password and an unknown username read differently:\n%s\n---\n%s", bodies[0], bodies[1])
	}

	// Submitted again, then approved: the page sends it to sign in.
	resubmit := newBrowser(f)
	htmlPage(t, resubmit.postMultipart("/apply", applyFormFor(t, resubmit, e, user, pw), "", "", nil), http.StatusOK)
	page = htmlPage(t, newBrowser(f).checkStatus(user, pw), http.StatusOK)
	if wantText(t, page, "待审核"); strings.Contains(page, reason) {
		t.Errorf("a resubmitted application still shows the old reasons")
	}
	decodeBody(t, f.do(orgToken, "POST", "/api/v1/applications/"+id+"/approve", nil), http.StatusOK, nil)
	page = htmlPage(t, newBrowser(f).checkStatus(user, pw), http.StatusOK)
	wantText(t, page, "已通过", `href="/"`, "登录")
	noEnglishIn(t, "approved", page)
	if w := newBrowser(f).signInPassword(user, pw); w.Code != http.StatusSeeOther {
		t.Fatalf("the approved applicant's sign-in: %d", w.Code)
	}

	// Another applicant cannot take the username while it names an
	// application (the status page reads applications by username).
	other := newBrowser(f)
	page = htmlPage(t, other.postMultipart("/apply", applyFormFor(t, other, storetest.Enterprise(62), "status.apply2", pw), "", "", nil), http.StatusOK)
	w = other.postMultipart("/apply", applyFormFor(t, other, storetest.Enterprise(63), "status.apply2", pw), "", "", nil)
	wantText(t, htmlPage(t, w, http.StatusUnprocessableEntity), "登录用户名：已被使用")
}

// TestWebApplyStatusRateLimited: failed status checks count against the
// password sign-in's limits (the same username from the same address),
// so the page is no second door for guessing passwords: past the burst
// it answers 429 with Retry-After, even to the right password, there and
// at the sign-in; other addresses are not affected.
func TestWebApplyStatusRateLimited(t *testing.T) {
	f := newFixture(t, Config{AuthFailureBurst: 2, AuthFailureEvery: 24 * time.Hour}) // a day: a refill mid-test only at midnight UTC
	e := storetest.Enterprise(64)
	const user, pw = "limited.apply", "limited-password-1"
	applicant := newBrowser(f)
	htmlPage(t, applicant.postMultipart("/apply", applyFormFor(t, applicant, e, user, pw), "", "", nil), http.StatusOK)

	from := func(remote string) *browser {
		b := newBrowser(f)
		b.remote = remote
		return b
	}
	const guesser = "198.51.100.21:1"
	for i := range 2 {
		htmlPage(t, from(guesser).checkStatus(user, "guess-password-"+strconv.Itoa(i)), http.StatusUnauthorized)
	}
	w := from(guesser).checkStatus(user, pw)
	wantRateLimited(t, w, "the 3rd check after 2 wrong passwords")
	page := htmlPage(t, w, http.StatusTooManyRequests)
	wantText(t, page, "查询失败次数过多")
	if strings.Contains(page, "待审核") {
		t.Error("a limited check shows the status")
	}
	noEnglishIn(t, "429", page)
	// X-Forwarded-For without trusted proxies buys no fresh address.
	spoof := from(guesser)
	spoof.header.Set("X-Forwarded-For", "203.0.113.77")
	wantRateLimited(t, spoof.checkStatus(user, pw), "a spoofed X-Forwarded-For")
	// The sign-in counts the same failures.
	wantRateLimited(t, from(guesser).signInPassword(user, pw), "the sign-in after failed status checks")
	// The applicant elsewhere is not affected.
	wantText(t, htmlPage(t, from("198.51.100.22:1").checkStatus(user, pw), http.StatusOK), "待审核")
}

// TestWebApplyRateLimitedPerAddress: the public form takes ApplyBurst
// submissions from one address, then answers 429 with Retry-After and
// writes nothing; a submission the rules refuse does not count, nor can
// X-Forwarded-For (no trusted proxy) buy a fresh address; another
// address may still apply.
func TestWebApplyRateLimitedPerAddress(t *testing.T) {
	f := newFixture(t, Config{ApplyBurst: 2, ApplyEvery: 24 * time.Hour}) // a day: a refill mid-test only at midnight UTC
	from := func(remote string) *browser {
		b := newBrowser(f)
		b.remote = remote
		return b
	}
	count := func() int {
		n, err := f.store.Applications().Count(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	const incubator = "198.51.100.31:1"
	const pw = "incubator-password-1"
	// Refused by the rules (a bad credit code), three times: no count.
	for range 3 {
		b := from(incubator)
		form := applyFormFor(t, b, storetest.Enterprise(70), "tenant.bad", pw)
		form.Set("credit_code", "91441200MA4UHXXXX1")
		htmlPage(t, b.postMultipart("/apply", form, "", "", nil), http.StatusUnprocessableEntity)
	}
	for i := range 2 {
		b := from(incubator)
		htmlPage(t, b.postMultipart("/apply", applyFormFor(t, b, storetest.Enterprise(71+i), "tenant."+strconv.Itoa(i), pw), "", "", nil), http.StatusOK)
	}
	if count() != 2 {
		t.Fatalf("%d applications, want 2", count())
	}
	b := from(incubator)
	w := b.postMultipart("/apply", applyFormFor(t, b, storetest.Enterprise(73), "tenant.3", pw), "", "", nil)
	wantRateLimited(t, w, "the 3rd submission from one address")
	page := htmlPage(t, w, http.StatusTooManyRequests)
	wantText(t, page, "提交过于频繁", "未保存")
	if !strings.Contains(page, `value="tenant.3"`) {
		t.Error("the refused form is not shown again as typed")
	}
	noEnglishIn(t, "429", page)
	spoof := from(incubator)
	spoof.header.Set("X-Forwarded-For", "203.0.113.78")
	wantRateLimited(t, spoof.postMultipart("/apply", applyFormFor(t, spoof, storetest.Enterprise(73), "tenant.3", pw), "", "", nil), "a spoofed X-Forwarded-For")
	if count() != 2 {
		t.Fatalf("a refused submission was written: %d applications", count())
	}
	// Another address applies.
	other := from("198.51.100.32:1")
	htmlPage(t, other.postMultipart("/apply", applyFormFor(t, other, storetest.Enterprise(73), "tenant.3", pw), "", "", nil), http.StatusOK)
	if count() != 3 {
		t.Fatalf("%d applications, want 3", count())
	}
}
