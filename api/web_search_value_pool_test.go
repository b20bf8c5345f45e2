package api

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/web"
)

// newWebSearchFixture is the demo data behind a search index, with the
// search endpoints on and the tokens of newMatchFixture.
func newWebSearchFixture(t *testing.T) *fixture {
	t.Helper()
	store, idx := openSearchStore(t)
	if err := demo.Load(t.Context(), store); err != nil {
		t.Fatal(err)
	}
	put(t, store.Tokens(),
		&data.Token{Hash: data.HashToken(matchOrgToken), Role: data.RoleOrganizer, Label: "交易中心"},
		&data.Token{Hash: data.HashToken(matchCCBToken), Role: data.RoleBank, BankID: demo.BankCCB},
		&data.Token{Hash: data.HashToken(matchEnt7Token), Role: data.RoleCompany, EnterpriseID: "ent_0007"},
	)
	return &fixture{t: t, store: store, logs: &syncBuffer{}, h: validating(t, New(store, nil, Config{Search: idx}))}
}

func TestWebProductSearch(t *testing.T) {
	f := newWebSearchFixture(t)
	b := newBrowser(f)
	b.signIn(matchEnt7Token)

	w, _ := b.get("/app/enterprise")
	wantText(t, htmlPage(t, w, http.StatusOK), `href="/app/enterprise/products"`, `href="/app/enterprise/valuation"`)

	w, _ = b.get("/app/enterprise/products?q=" + url.QueryEscape("专利贷") + "&bank=&amount=&term=")
	body := w.Body.String()
	page := htmlPage(t, w, http.StatusOK)
	wantText(t, page, "搜索贷款产品", "高新专利贷")
	if !strings.Contains(body, "<mark>") || !strings.Contains(body, "</mark>") {
		t.Errorf("no highlighted fragment in %s", body)
	}

	// The same search through the JSON API finds the same number.
	var api searchBody
	decodeBody(t, f.do(matchEnt7Token, http.MethodGet, "/api/v1/search/products?q="+url.QueryEscape("专利贷"), nil), http.StatusOK, &api)
	wantText(t, page, "共 "+strconv.Itoa(api.Total)+" 个产品")

	// A bank filter narrows the hits to that bank's products.
	w, _ = b.get("/app/enterprise/products?q=" + url.QueryEscape("专利贷") + "&bank=" + demo.BankSihuiRCB)
	page = htmlPage(t, w, http.StatusOK)
	wantText(t, page, "专利贷")
	if strings.Contains(page, "高新专利贷") {
		t.Errorf("bank filter let another bank's product through")
	}

	// A bad query is answered on the search page, beside the form, in
	// Chinese, with the form kept: a stray quote, an open bracket, a
	// query over the budget, an amount that is no number.
	for _, q := range []string{"q=" + url.QueryEscape(`专利"贷`), "q=" + url.QueryEscape("(专利贷"), "q=" + url.QueryEscape("」"),
		"q=" + url.QueryEscape("机 床 焊 接 钢"), "amount=" + url.QueryEscape("很多")} {
		w, _ = b.get("/app/enterprise/products?" + q)
		if w.Code != http.StatusBadRequest && w.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 400 or 422", q, w.Code)
			continue
		}
		page := w.Body.String()
		wantText(t, page, `<form method="get" action="/app/enterprise/products"`, `class="error" role="alert"`)
		if english := regexp.MustCompile(`(?i)\b(malformed|invalid|query|unbalanced|expected|must|is not)\b`); english.MatchString(visibleText(page)) {
			t.Errorf("%s: English on the page: %q", q, english.FindString(visibleText(page)))
		}
	}
}

// TestWebUnknownPage: a mistyped page address is the pages' Chinese 404,
// not the API's JSON; an unknown API address stays JSON.
func TestWebUnknownPage(t *testing.T) {
	f := newMatchFixture(t)
	b := newBrowser(f)
	b.signIn(matchEnt7Token)
	w, _ := b.get("/app/enterprise/prodcuts")
	page := htmlPage(t, w, http.StatusNotFound)
	wantText(t, page, "没有这个页面")
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("the 404 page is %s, want HTML", ct)
	}
	wantError(t, f.do(matchEnt7Token, http.MethodGet, "/api/v1/prodcuts", nil), http.StatusNotFound, data.CodeNotFound)

	// The access rules speak English for the API; their refusals on the
	// pages are Chinese.
	w, _ = b.get("/app/bank/deals")
	if text := visibleText(htmlPage(t, w, http.StatusForbidden)); web.EnglishProse.MatchString(text) {
		t.Errorf("English on the 403 page: %q", web.EnglishProse.FindString(text))
	}
	wantText(t, w.Body.String(), "仅供银行使用")
	// A hidden record's refusal comes from the access rules in English:
	// the page gives the Chinese hint instead.
	w, _ = b.get("/app/bank/deals/deal_nope")
	if w.Code == http.StatusNotFound || w.Code == http.StatusForbidden {
		if text := visibleText(w.Body.String()); web.EnglishProse.MatchString(text) {
			t.Errorf("English on the %d page: %q", w.Code, web.EnglishProse.FindString(text))
		}
	}
}

func TestWebProductSearchOff(t *testing.T) {
	f := newMatchFixture(t)
	b := newBrowser(f)
	b.signIn(matchEnt7Token)
	w, _ := b.get("/app/enterprise/products?q=" + url.QueryEscape("专利贷"))
	wantText(t, htmlPage(t, w, http.StatusOK), "搜索未启用")
}

func TestWebValuation(t *testing.T) {
	f := newMatchFixture(t)
	b := newBrowser(f)
	b.signIn(matchEnt7Token)
	var v struct {
		Valuation struct {
			Patents []struct {
				Value struct{ P90 float64 } `json:"value"`
			} `json:"patents"`
		} `json:"valuation"`
	}
	decodeBody(t, f.do(matchEnt7Token, http.MethodGet, "/api/v1/enterprises/ent_0007/valuation", nil), http.StatusOK, &v)
	valued := 0
	for _, p := range v.Valuation.Patents {
		if p.Value.P90 > 0 {
			valued++
		}
	}
	if valued == 0 {
		t.Fatal("ent_0007 has no valued patent")
	}
	w, _ := b.get("/app/enterprise/valuation")
	body := w.Body.String()
	page := htmlPage(t, w, http.StatusOK)
	wantText(t, page, "专利组合估值", "P10", "P50", "P90", "估值参数", "模拟次数", "利润分成", "单独质押", "万元")
	// Entirely in Chinese: no English word in the text a reader sees, but
	// for the names of standards, libraries and statistics.
	allowed := map[string]bool{"gonum": true, "stat": true, "Empirical": true, "LPR": true, "AHP": true, "ipmatch": true, "match": true}
	for _, word := range regexp.MustCompile(`[A-Za-z]{4,}`).FindAllString(visibleText(page), -1) {
		if !allowed[word] {
			t.Errorf("English on the valuation page: %q", word)
		}
	}
	// The chart is labelled: a legend, the axis ticks in 万元 and each row's number.
	for _, label := range []string{"P10–P90 区间", "P50 评估值", `class="tick-label"`, `aria-label="各专利单独质押时的估值区间`} {
		if !strings.Contains(body, label) {
			t.Errorf("chart lacks %q", label)
		}
	}
	if !strings.Contains(body, `<svg class="rangechart"`) {
		t.Errorf("no range chart")
	}
	if n := strings.Count(body, `class="band patent-range"`); n != valued {
		t.Errorf("%d patent bars, want %d", n, valued)
	}
}

func TestWebPool(t *testing.T) {
	f := newMatchFixture(t)
	b := newBrowser(f)
	b.signIn(matchOrgToken)
	w, _ := b.get("/app/organizer")
	wantText(t, htmlPage(t, w, http.StatusOK), `href="/app/organizer/pools/`+demo.PoolID+`"`)
	w, _ = b.get("/app/organizer/pools/" + demo.PoolID)
	page := htmlPage(t, w, http.StatusOK)
	wantText(t, page, "资金池规模", "500.00 万元", "资金池耗尽概率", "可新增贷款")
	if !strings.Contains(page, "%</strong>") {
		t.Errorf("no probability on the pool page")
	}
	w, _ = b.get("/app/organizer/pools/pool_nonexistent")
	htmlPage(t, w, http.StatusNotFound)

	bank := newBrowser(f)
	bank.signIn(matchCCBToken)
	w, _ = bank.get("/app/organizer/pools/" + demo.PoolID)
	wantText(t, htmlPage(t, w, http.StatusForbidden), "无权访问")
}

// TestWebEnterprisePatentFees checks the enterprise's patent list against
// the fee calendar: each granted patent whose payments are known shows
// the day its next annual fee falls due, the year, the amount by CNIPA's
// schedule and the end of the grace period; the others a dash.
func TestWebEnterprisePatentFees(t *testing.T) {
	f := newWebSearchFixture(t)
	b := newBrowser(f)
	b.signIn(matchEnt7Token)
	w, _ := b.get("/app/enterprise")
	page := htmlPage(t, w, http.StatusOK)
	patents, err := app.All(t.Context(), f.store.Patents(), data.ListOptions{Refs: data.Refs{Enterprise: "ent_0007"}})
	if err != nil {
		t.Fatal(err)
	}
	shown, none := 0, 0
	for i := range patents {
		fee, ok := patents[i].NextAnnualFee()
		if !ok {
			none++
			continue
		}
		want := fmt.Sprintf("%s 应缴第 %d 年 %d 元（逾期可于 %s 前补缴并加收滞纳金）", fee.Due, fee.Year, fee.Amount, fee.GraceEnds)
		if !strings.Contains(page, want) {
			t.Errorf("%s: the page lacks %q", patents[i].ApplicationNumber, want)
		}
		shown++
	}
	if shown == 0 {
		t.Fatalf("none of ent_0007's %d patents has a next fee: the test shows nothing", len(patents))
	}
	wantText(t, page, "下次年费", "每满 1 个月加收当年年费的 5%")
	t.Logf("%d patents with a next fee, %d without", shown, none)
}
