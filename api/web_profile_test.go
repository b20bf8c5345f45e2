package api

import (
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ipmatch/data"
)

// TestWebEnterpriseProfile: an enterprise changes its need, a year's
// statements and its consents in the page, and the record reads so; a bad
// region or a negative revenue is refused in Chinese naming the field, with
// nothing written; its name and credit code stay as registered.
func TestWebEnterpriseProfile(t *testing.T) {
	f := newMatchFixture(t)
	ent := newBrowser(f)
	ent.signIn(matchEnt7Token)
	var before data.Enterprise
	decodeBody(t, f.do(matchEnt7Token, "GET", "/api/v1/enterprises/ent_0007", nil), http.StatusOK, &before)

	w, _ := ent.get("/app/enterprise/profile")
	page := htmlPage(t, w, http.StatusOK)
	if !strings.Contains(page, before.CreditCode) || !strings.Contains(page, "修改企业信息") {
		t.Fatalf("the profile editor: %s", page)
	}
	form := url.Values{"csrf_token": {csrf(t, w)}}
	for _, name := range []string{"revision", "region", "industry", "founded", "employees", "business_scope", "address", "need_term", "need_purpose",
		"year0", "revenue0", "profit0", "assets0", "liabilities0", "year1", "revenue1", "profit1", "assets1", "liabilities1",
		"year2", "revenue2", "profit2", "assets2", "liabilities2"} {
		form.Set(name, inputValue(page, name))
	}
	form.Set("tax_grade", before.TaxGrade)
	form.Set("need_wan", "800")
	form.Set("pool", "1") // share_data left unticked
	form.Set("name", "改名有限公司")
	form.Set("credit_code", "91441200MA4UHXXXXX")

	bad := maps.Clone(form)
	bad.Set("region", "999999")
	if page := htmlPage(t, ent.do("POST", "/app/enterprise/profile", bad), http.StatusUnprocessableEntity); !strings.Contains(page, "所在地区：不是有效的行政区划代码") {
		t.Errorf("a bad region: %s", page)
	}
	bad = maps.Clone(form)
	bad.Set("year2", "2020")
	bad.Set("revenue2", "-5")
	if page := htmlPage(t, ent.do("POST", "/app/enterprise/profile", bad), http.StatusUnprocessableEntity); !strings.Contains(page, "营业收入") {
		t.Errorf("a negative revenue: %s", page)
	}
	var same data.Enterprise
	decodeBody(t, f.do(matchEnt7Token, "GET", "/api/v1/enterprises/ent_0007", nil), http.StatusOK, &same)
	if same.Revision != before.Revision {
		t.Fatal("a refused form was written")
	}

	if w := ent.do("POST", "/app/enterprise/profile", form); w.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", w.Code, w.Body)
	}
	var after data.Enterprise
	decodeBody(t, f.do(matchEnt7Token, "GET", "/api/v1/enterprises/ent_0007", nil), http.StatusOK, &after)
	if after.Need.Amount != 8_000_000 || !after.Consents.Pool || after.Consents.ShareData || after.Name != before.Name ||
		after.CreditCode != before.CreditCode || len(after.Financials) == 0 {
		t.Errorf("after saving: need %d, consents %+v, name %q, code %q, %d statements", after.Need.Amount, after.Consents, after.Name, after.CreditCode, len(after.Financials))
	}
	if len(before.Financials) > 0 {
		last := before.Financials[len(before.Financials)-1]
		got := after.Financials[len(after.Financials)-1]
		if got.Year != last.Year || got.Revenue != last.Revenue || got.Liabilities != last.Liabilities {
			t.Errorf("the latest statements changed: %+v → %+v", last, got)
		}
	}
}
