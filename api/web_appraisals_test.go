package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/web"
)

// demoAppraisals returns the demo's appraisals by report number.
func demoAppraisalReports() map[string]data.Appraisal {
	out := map[string]data.Appraisal{}
	for _, a := range demo.Generate(demo.DefaultSeed).Appraisals {
		out[a.ReportNumber] = a
	}
	return out
}

// TestWebAppraisals: each role sees the appraisals it may read on the page
// 评估报告; the organizer records one through the form, a repeated submit
// is not an error, bad fields are said in Chinese and write nothing, and
// the write is audited as the page's.
func TestWebAppraisals(t *testing.T) {
	f := newMatchFixture(t)
	reports := demoAppraisalReports()
	ccbOwn, icbcOwn := "靖洋评报字[2021]第0325号", "靖洋评报字[2021]第0416号"
	if reports[ccbOwn].BankID != demo.BankCCB || reports[icbcOwn].BankID != demo.BankICBC {
		t.Fatalf("demo appraisals changed: %+v", reports)
	}

	org := newBrowser(f)
	org.signIn(matchOrgToken)
	w, _ := org.get("/app/appraisals")
	page := htmlPage(t, w, http.StatusOK)
	wantText(t, page, "评估报告", "登记评估报告", "广东靖洋资产评估有限公司", "连城资产评估有限公司", "已过期")
	for n := range reports {
		wantText(t, page, n)
	}

	bank := newBrowser(f)
	bank.signIn(matchCCBToken)
	w, _ = bank.get("/app/appraisals")
	page = htmlPage(t, w, http.StatusOK)
	wantText(t, page, ccbOwn, "登记评估报告")
	if strings.Contains(page, icbcOwn) {
		t.Errorf("bank CCB sees ICBC's appraisal %s", icbcOwn)
	}

	ent := newBrowser(f)
	ent.signIn(matchEnt7Token)
	w, _ = ent.get("/app/appraisals")
	page = htmlPage(t, w, http.StatusOK)
	if strings.Contains(page, "登记评估报告") || strings.Contains(page, ccbOwn) {
		t.Errorf("the enterprise sees a form or another's appraisal")
	}
	if w := ent.do("POST", "/app/appraisals", url.Values{web.CSRFField: {csrf(t, w)}}); w.Code != http.StatusForbidden {
		t.Errorf("an enterprise's post: %d", w.Code)
	}

	// The organizer records one for ent_0007.
	var pat string
	for _, p := range demo.Generate(demo.DefaultSeed).Patents {
		if p.OwnerID == "ent_0007" && p.LegalStatus == data.StatusValid && p.Type == data.Invention {
			pat = p.ApplicationNumber
			break
		}
	}
	before, _ := f.store.Appraisals().Count(t.Context())
	w, _ = org.get("/app/appraisals")
	form := url.Values{web.CSRFField: {csrf(t, w)}, "enterprise": {"ent_0007"}, "appraiser_id": {demo.AppraiserLiancheng},
		"report_number": {"连城评报字（2021）第0501号"}, "base_date": {"2021-05-01"}, "method": {"income"},
		"value_wan": {"286.5"}, "patents": {pat}, "note": {"对接会后补充评估"}}
	bad := func(edit func(url.Values), want string) {
		t.Helper()
		fv := url.Values{}
		for k, v := range form {
			fv[k] = v
		}
		edit(fv)
		w := org.do("POST", "/app/appraisals", fv)
		body := htmlPage(t, w, http.StatusUnprocessableEntity)
		wantText(t, body, "请更正", want)
		if n, _ := f.store.Appraisals().Count(t.Context()); n != before {
			t.Errorf("a refused form wrote an appraisal")
		}
	}
	bad(func(v url.Values) { v.Set("value_wan", "很多") }, "评估值：须为正数")
	bad(func(v url.Values) { v.Set("patents", "201220249767.5") }, "申请号格式或校验位不对")
	bad(func(v url.Values) { v.Set("enterprise", "ent_nope") }, "企业：请填写企业 ID 或统一社会信用代码")
	bad(func(v url.Values) { v.Set("base_date", "2099-01-01") }, "不能晚于今天")
	var other string
	for _, p := range demo.Generate(demo.DefaultSeed).Patents {
		if p.OwnerID == "ent_0003" {
			other = p.ApplicationNumber
			break
		}
	}
	bad(func(v url.Values) { v.Set("patents", pat+"\n"+other) }, "系统中没有该企业名下的这件专利")

	for _, again := range []bool{false, true} {
		w = org.do("POST", "/app/appraisals", form)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("record (again %v): %d %s", again, w.Code, w.Body)
		}
		_, _ = org.get(w.Header().Get("Location"))
	}
	if n, _ := f.store.Appraisals().Count(t.Context()); n != before+1 {
		t.Errorf("%d appraisals after recording one twice, want %d", n, before+1)
	}
	a, err := f.store.Appraisals().GetByKey(t.Context(), demo.AppraiserLiancheng+"|连城评报字（2021）第0501号")
	if err != nil || a.Value != 2_865_000 || a.BankID != "" || a.EnterpriseID != "ent_0007" || a.BaseDate != data.NewDate(2021, time.May, 1) {
		t.Fatalf("recorded %+v %v", a, err)
	}
	entries, _, err := f.store.Audit().List(t.Context(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	audited := false
	for _, e := range entries {
		audited = audited || e.Kind == data.AppraisalKind.Name && e.Via == data.ViaWeb && len(e.IDs) == 1 && e.IDs[0] == a.ID
	}
	if !audited {
		t.Error("the page's write is not in the audit log")
	}

	// The enterprise now sees its report, and its loan on it in June 2021.
	w, _ = ent.get("/app/appraisals")
	wantText(t, htmlPage(t, w, http.StatusOK), "连城评报字（2021）第0501号", "286.50 万元")
	w, _ = ent.get("/app/enterprise?as_of=2021-06-01")
	page = htmlPage(t, w, http.StatusOK)
	wantText(t, page, "可贷额度约", "= 评估值", "质押率", "评估值来源：评估报告 连城资产评估有限公司 连城评报字（2021）第0501号", "模型估值")
}

// TestWebLoanFigures: the enterprise's products show the loan as appraisal
// × pledge rate from the model with its range; a bank's pipeline and its
// downloads show the appraisal it rests on (a recorded report for the
// on-site loan's borrower) beside the model's figure.
func TestWebLoanFigures(t *testing.T) {
	f := newMatchFixture(t)
	ent := newBrowser(f)
	ent.signIn(matchEnt7Token)
	w, _ := ent.get("/app/enterprise?as_of=2021-04-23")
	page := htmlPage(t, w, http.StatusOK)
	wantText(t, page, "可贷额度约", "= 评估值", "× 质押率", "评估值来源：模型估算（收益法·利润分成法，校准系数 ×1.89）", "估值区间（P10–P90）")

	var star string
	for _, d := range demo.Generate(demo.DefaultSeed).Deals {
		if d.ID == "deal_0001" {
			star = d.EnterpriseID
		}
	}
	bank := newBrowser(f)
	bank.signIn(matchCCBToken)
	w, _ = bank.get("/app/bank/products/" + demo.ProdCCBKechuang + "/pipeline?as_of=2021-04-23")
	page = htmlPage(t, w, http.StatusOK)
	wantText(t, page, "评估值（来源） / 模型估值", "评估报告 靖洋评报字[2021]第0325号", "模型估算", "模型 ")
	// The download links keep their query (issue 13's broken links).
	if !strings.Contains(w.Body.String(), "pipeline.csv?as_of=2021-04-23") {
		t.Errorf("the CSV link lost its query")
	}
	w = bank.do("GET", "/app/bank/products/"+demo.ProdCCBKechuang+"/pipeline.csv?as_of=2021-04-23", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("csv: %d %s", w.Code, w.Body)
	}
	csv := w.Body.String()
	for _, col := range []string{"评估值来源", "评估值（元）", "质押率", "模型估值（元）", "评估报告编号"} {
		if !strings.Contains(strings.SplitN(csv, "\n", 2)[0], col) {
			t.Errorf("csv header lacks %s", col)
		}
	}
	if !strings.Contains(csv, star) || !strings.Contains(csv, "评估报告,") || !strings.Contains(csv, "靖洋评报字[2021]第0325号") {
		t.Errorf("csv lacks the recorded appraisal of %s", star)
	}
}

// TestWebCalibration: the organizer's page compares the demo's appraisals
// and loans with the model and offers the fitted file.
func TestWebCalibration(t *testing.T) {
	f := newMatchFixture(t)
	org := newBrowser(f)
	org.signIn(matchOrgToken)
	w, _ := org.get("/app/organizer/calibration")
	page := htmlPage(t, w, http.StatusOK)
	wantText(t, page, "估值校准", "当前使用的校准", "公开案例拟合", "按行业和专利类型汇总", "逐条对照", "拟合得到的校准",
		"ipmatch serve --calibration", "appraisal_0001", "deal_0001", `"default":`)
}
