package api

import (
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
)

// TestWebBankProductEditor: a bank previews a new product's reach (the
// same count as the API's preview), is told in Chinese what is wrong with
// a bad field and nothing is written, saves the product, finds it on its
// page on sale, stops selling it; and previews a change of a stored
// product beside the stored one's reach.
func TestWebBankProductEditor(t *testing.T) {
	f := newDemoFixture(t, Config{AsOf: data.NewDate(2021, 4, 23)})
	bank := newBrowser(f)
	bank.signIn(matchCCBToken)
	w, _ := bank.get("/app/bank/products/new")
	form := url.Values{"csrf_token": {csrf(t, w)}, "name": {"高要装备贷"}, "description": {"装备制造业专利质押"},
		"min_wan": {"50"}, "max_wan": {"500"}, "min_term": {"6"}, "max_term": {"36"}, "spread_bp": {"80"},
		"rate_invention": {"30"}, "rate_utility_model": {"20"}, "regions": {"4412"}, "industries": {"C34, C35"},
		"years_invention": {"8"}, "years_utility_model": {"4"}, "revenue_wan": {"500"}, "action": {"preview"}}
	before, _ := f.store.Products().Count(t.Context())

	w = bank.do("POST", "/app/bank/products", form)
	page := htmlPage(t, w, http.StatusOK)
	draft := data.Product{BankID: demo.BankCCB, Name: "高要装备贷", MinAmount: 500_000, MaxAmount: 5_000_000, MinTerm: 6, MaxTerm: 36, SpreadBP: 80,
		PledgeRates: data.ByType{Invention: 0.3, UtilityModel: 0.2}, Regions: []string{"4412"}, Industries: []string{"C34", "C35"},
		MinRemainingYears: data.ByType{Invention: 8, UtilityModel: 4}, MinRevenue: 5_000_000}
	var reach app.ProductReach
	decodeBody(t, f.do(matchCCBToken, "POST", "/api/v1/products/reach", draft), http.StatusOK, &reach)
	for _, want := range []string{"覆盖面预览", "家企业中有 <strong>" + itoa(reach.Eligible) + "</strong> 家符合条件", "服务地区", "上年营收", "尚未保存"} {
		if !strings.Contains(page, want) {
			t.Errorf("the preview lacks %q", want)
		}
	}
	if n, _ := f.store.Products().Count(t.Context()); n != before {
		t.Fatal("the preview wrote a product")
	}

	bad := maps.Clone(form)
	bad.Set("regions", "9999")
	bad.Set("action", "save")
	page = htmlPage(t, bank.do("POST", "/app/bank/products", bad), http.StatusUnprocessableEntity)
	if !strings.Contains(page, "服务地区（第 1 项）：不是有效的行政区划代码") {
		t.Errorf("a bad region: %s", page)
	}
	bad.Set("regions", "4412")
	bad.Set("max_wan", "很多")
	if page := htmlPage(t, bank.do("POST", "/app/bank/products", bad), http.StatusUnprocessableEntity); !strings.Contains(page, "最高额度（万元）：须为") {
		t.Errorf("a bad amount: %s", page)
	}
	if n, _ := f.store.Products().Count(t.Context()); n != before {
		t.Fatal("a refused product was written")
	}

	save := maps.Clone(form)
	save.Set("action", "save")
	if w := bank.do("POST", "/app/bank/products", save); w.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", w.Code, w.Body)
	}
	var list app.ListResult[data.Product]
	decodeBody(t, f.do(matchCCBToken, "GET", "/api/v1/products?bank_id="+demo.BankCCB+"&size=100", nil), http.StatusOK, &list)
	var saved *data.Product
	for i := range list.Items {
		if list.Items[i].Name == "高要装备贷" {
			saved = &list.Items[i]
		}
	}
	if saved == nil || !saved.Active || saved.MaxAmount != 5_000_000 || saved.MinRevenue != 5_000_000 || saved.PledgeRates.Invention != 0.3 {
		t.Fatalf("saved: %+v", saved)
	}
	w, _ = bank.get("/app/bank")
	if page := htmlPage(t, w, http.StatusOK); !strings.Contains(page, "高要装备贷") || !strings.Contains(page, "/app/bank/products/"+saved.ID+"/edit") {
		t.Error("the new product is not on the bank's page")
	}
	if w := bank.do("POST", "/app/bank/products/"+saved.ID+"/active", url.Values{"csrf_token": {csrf(t, w)}, "active": {"0"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("stop selling: %d", w.Code)
	}
	var stopped data.Product
	decodeBody(t, f.do(matchCCBToken, "GET", "/api/v1/products/"+saved.ID, nil), http.StatusOK, &stopped)
	if stopped.Active {
		t.Error("the product is still on sale")
	}

	// A change of a stored product, previewed beside the stored one.
	w, _ = bank.get("/app/bank/products/" + demo.ProdCCBKechuang + "/edit")
	page = htmlPage(t, w, http.StatusOK)
	if !strings.Contains(page, "修改贷款产品") {
		t.Fatalf("the editor of a stored product: %s", page)
	}
	edit := url.Values{"csrf_token": {csrf(t, w)}, "action": {"preview"}}
	for _, name := range []string{"revision", "name", "description", "min_wan", "max_wan", "min_term", "max_term", "spread_bp", "rate_invention",
		"rate_utility_model", "rate_design", "years_invention", "years_utility_model", "regions", "industries", "ipc_areas",
		"implemented_years", "enterprise_years", "revenue_wan", "debt_ratio"} {
		edit.Set(name, inputValue(page, name))
	}
	page = htmlPage(t, bank.do("POST", "/app/bank/products/"+demo.ProdCCBKechuang, edit), http.StatusOK)
	if !strings.Contains(page, "（现行产品：") {
		t.Errorf("the change's preview does not show the stored product's reach: %s", page)
	}
	// Another bank's product is not found.
	other := newBrowser(f)
	other.signIn(matchZQRCBToken)
	if w, _ := other.get("/app/bank/products/" + demo.ProdCCBKechuang + "/edit"); w.Code != http.StatusNotFound {
		t.Errorf("another bank's product editor: %d", w.Code)
	}
}

// inputValue returns the value of the page's input named name.
func inputValue(page, name string) string {
	i := strings.Index(page, `name="`+name+`"`)
	if i < 0 {
		return ""
	}
	rest := page[i:]
	end := strings.Index(rest, ">")
	tag := rest[:end]
	_, v, ok := strings.Cut(tag, `value="`)
	if !ok {
		return ""
	}
	v, _, _ = strings.Cut(v, `"`)
	return v
}
