package api

import (
	"bytes"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/storetest"
	"ipmatch/matcher"
	"ipmatch/web"
)

// formFile is one file of a multipart form.
type formFile struct{ field, name, body string }

// postMultipart posts fields and one file as a browser's form would,
// from b's address with b's headers.
func (b *browser) postMultipart(path string, fields url.Values, fileField, fileName string, file []byte) *httptest.ResponseRecorder {
	b.t.Helper()
	if fileField == "" {
		return b.postFiles(path, fields)
	}
	return b.postFiles(path, fields, formFile{fileField, fileName, string(file)})
}

// postFiles posts fields and files as a browser's form would.
func (b *browser) postFiles(path string, fields url.Values, files ...formFile) *httptest.ResponseRecorder {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, _ := mw.CreateFormFile(f.field, f.name)
		fw.Write([]byte(f.body))
	}
	mw.Close()
	req := httptest.NewRequest("POST", path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Host = b.host
	if b.remote != "" {
		req.RemoteAddr = b.remote
	}
	for k, vs := range b.header {
		req.Header[k] = vs
	}
	return b.send(req)
}

// TestWebApplyApproveSignIn walks 企业入库 on the demo: an enterprise
// applies on the public page with a patent in a CNIPA export; until the
// organizer approves, a bank reads nothing of it (neither the enterprise
// nor the patent); a bad credit code is refused in Chinese with nothing
// written; the organizer returns it once with a reason, the applicant
// submits again with the same username and password, the organizer
// approves; the enterprise signs in with its password and sees its
// matches; every step is in the audit log.
func TestWebApplyApproveSignIn(t *testing.T) {
	f := newDemoFixture(t, Config{AsOf: data.NewDate(2021, 4, 23)})
	e := storetest.Enterprise(41)
	number := storetest.ApplicationNumber(2019, '2', 4141)
	csv := "申请号,公开（公告）号,公开（公告）日,申请日,名称,主分类号,分类号,申请（专利权）人,发明（设计）人,地址,摘要\n" +
		"CN" + number + ",CN210000041U,2020.03.10,2019.06.01,一种数控机床主轴冷却装置,B23Q11/12,B23Q11/12,\"" + e.Name + "\",李工,526100 广东省肇庆市高要区,一种数控机床主轴冷却装置。\n"

	// CNIPA's legal-status export of the same patent: granted, and the
	// second year's fee paid (through 2021-05-31, past the event's day).
	legal := "申请号,法律状态公告日,法律状态,法律状态信息\n" +
		"CN" + number + ",2020.03.10,授权,\n" +
		"CN" + number + ",2020.05.20,年费缴纳,第2年年费\n"

	applicant := newBrowser(f)
	w, _ := applicant.get("/apply")
	page := htmlPage(t, w, http.StatusOK)
	form := url.Values{web.CSRFField: {csrf(t, w)}, "name": {e.Name}, "credit_code": {e.CreditCode}, "region": {"441204"},
		"industry": {"C34"}, "founded": {"2010-05-01"}, "contact_name": {"陈经理"}, "contact_phone": {"0758-8391234"},
		"need_wan": {"300"}, "need_term": {"24"}, "year": {"2020"}, "revenue": {"4200"}, "profit": {"380"}, "assets": {"3600"},
		"liabilities": {"1500"}, "pool": {"1"}, "share_data": {"1"}, "username": {"gaoyao.apply"},
		"password": {"apply-password-1"}, "password2": {"apply-password-1"}}
	if !strings.Contains(page, "企业入库申请") {
		t.Fatalf("the apply page: %s", page)
	}
	bad := maps.Clone(form)
	bad.Set("credit_code", "91441200MA4UHXXXX1")
	if page := htmlPage(t, applicant.postMultipart("/apply", bad, "", "", nil), http.StatusUnprocessableEntity); !strings.Contains(page, "统一社会信用代码：格式或校验位不对") {
		t.Errorf("a bad credit code: %s", page)
	}
	if n, _ := f.store.Applications().Count(t.Context()); n != 0 {
		t.Fatal("a refused application was written")
	}
	// Events of a patent it did not upload are refused, naming the file.
	stray := strings.ReplaceAll(legal, number, storetest.ApplicationNumber(2019, '2', 4242))
	if page := htmlPage(t, applicant.postFiles("/apply", form, formFile{"cnipa_file", "export.csv", csv}, formFile{"legal_file", "legal.csv", stray}), http.StatusUnprocessableEntity); !strings.Contains(page, "上传的法律状态文件：其中有未上传的专利") {
		t.Errorf("events of a patent not uploaded: %s", page)
	}
	page = htmlPage(t, applicant.postFiles("/apply", form, formFile{"cnipa_file", "export.csv", csv}, formFile{"legal_file", "legal.csv", legal}), http.StatusOK)
	if !strings.Contains(page, "申请已提交") {
		t.Fatalf("the application: %s", page)
	}

	// Before approval a bank reads nothing of it, nor the organizer's
	// enterprises list: it is only an application.
	wantError(t, f.do(matchCCBToken, "GET", "/api/v1/patents/"+number, nil), http.StatusNotFound, data.CodeNotFound)
	var ents app.ListResult[data.Enterprise]
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/enterprises?size=500", nil), http.StatusOK, &ents)
	if slices.ContainsFunc(ents.Items, func(x data.Enterprise) bool { return x.CreditCode == e.CreditCode }) {
		t.Fatal("the applicant is an enterprise before approval")
	}
	wantError(t, f.do(matchCCBToken, "GET", "/api/v1/applications", nil), http.StatusForbidden, data.CodeForbidden)

	org := newBrowser(f)
	org.signIn(matchOrgToken)
	w, _ = org.get("/app/organizer/applications")
	list := htmlPage(t, w, http.StatusOK)
	if !strings.Contains(list, e.Name) || !strings.Contains(list, "待审核") {
		t.Fatalf("the queue: %s", list)
	}
	var apps app.ListResult[data.Application]
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/applications", nil), http.StatusOK, &apps)
	if len(apps.Items) != 1 || apps.Items[0].PasswordHash != "" || len(apps.Items[0].Uploaded) != 1 {
		t.Fatalf("applications %+v", apps.Items)
	}
	id := apps.Items[0].ID
	w, _ = org.get("/app/organizer/applications/" + id)
	if w := org.do("POST", "/app/organizer/applications/"+id+"/return", url.Values{web.CSRFField: {csrf(t, w)}, "reasons": {"请补充近三年财务报表"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("return: %d %s", w.Code, w.Body)
	}
	// Again, by the same applicant.
	w, _ = applicant.get("/apply")
	form.Set(web.CSRFField, csrf(t, w))
	if page := htmlPage(t, applicant.postFiles("/apply", form, formFile{"cnipa_file", "export.csv", csv}, formFile{"legal_file", "legal.csv", legal}), http.StatusOK); !strings.Contains(page, "申请已提交") {
		t.Fatalf("submitted again: %s", page)
	}
	w, _ = org.get("/app/organizer/applications/" + id)
	if w := org.do("POST", "/app/organizer/applications/"+id+"/approve", url.Values{web.CSRFField: {csrf(t, w)}}); w.Code != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", w.Code, w.Body)
	}

	var got data.Patent
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/patents/"+number, nil), http.StatusOK, &got)
	var approved data.Application
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/applications/"+id, nil), http.StatusOK, &approved)
	if approved.Status != data.ApplicationApproved || approved.EnterpriseID == "" || got.OwnerID != approved.EnterpriseID {
		t.Fatalf("approved %+v; the patent's owner %q", approved, got.OwnerID)
	}
	ent := newBrowser(f)
	if w := ent.signInPassword("gaoyao.apply", "apply-password-1"); w.Code != http.StatusSeeOther {
		t.Fatalf("the new enterprise's sign-in: %d %s", w.Code, w.Body)
	}
	w, _ = ent.get("/app/enterprise")
	home := htmlPage(t, w, http.StatusOK)
	if !strings.Contains(home, e.Name) || !strings.Contains(home, number) {
		t.Errorf("the new enterprise's page lacks its name or patent")
	}
	if got.LegalStatus != data.StatusValid || got.FeesPaidThrough != data.NewDate(2021, 5, 31) {
		t.Errorf("the approved patent: status %q, fees paid through %v; want valid through 2021-05-31 from its events", got.LegalStatus, got.FeesPaidThrough)
	}
	// Its matches carry the net cost after the city's interest subsidy,
	// in the API and on its page.
	var matches struct {
		Matches []matcher.Match `json:"matches"`
	}
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/enterprises/"+approved.EnterpriseID+"/matches", nil), http.StatusOK, &matches)
	subsidised := slices.IndexFunc(matches.Matches, func(m matcher.Match) bool { return m.Eligible && len(m.Subsidies) > 0 && m.NetRate < m.Rate })
	if subsidised < 0 {
		t.Fatalf("no eligible match of the new enterprise with a subsidy: %+v", matches.Matches)
	}
	m := matches.Matches[subsidised]
	if want := "贴息后年化成本 " + strconv.FormatFloat(m.NetRate*100, 'f', 2, 64) + "%"; !strings.Contains(home, want) {
		t.Errorf("the new enterprise's page lacks %q for %s", want, m.ProductName)
	}

	// Another applicant cannot take the username now in use.
	w, _ = applicant.get("/apply")
	other := maps.Clone(form)
	other.Set(web.CSRFField, csrf(t, w))
	other.Set("name", storetest.Enterprise(42).Name)
	other.Set("credit_code", storetest.Enterprise(42).CreditCode)
	if page := htmlPage(t, applicant.postMultipart("/apply", other, "", "", nil), http.StatusUnprocessableEntity); !strings.Contains(page, "登录用户名：已被使用") {
		t.Errorf("a taken username: %s", page)
	}

	var log app.ListResult[data.AuditEntry]
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/audit?size=500", nil), http.StatusOK, &log)
	kinds := map[string]bool{}
	for _, en := range log.Items {
		kinds[en.Kind+"/"+en.Action] = true
	}
	for _, want := range []string{"applications/create", "applications/update", "enterprises/create", "patents/create", "users/create"} {
		if !kinds[want] {
			t.Errorf("the audit log lacks %s: %v", want, kinds)
		}
	}
}
