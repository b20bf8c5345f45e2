package api

import (
	"net/http"
	"regexp"
	"testing"

	"ipmatch/app"
	"ipmatch/data/demo"
)

// TestWanTwoDecimals: every money figure on the pages has exactly two
// decimals in 万元, so one column never mixes 「0.3」, 「2」 and 「0.14」.
func TestWanTwoDecimals(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{int64(3_000), "0.30"},
		{int64(20_000), "2.00"},
		{int64(1_400), "0.14"},
		{int64(3_500_000), "350.00"},
		{12_345, "1.23"},
		{12_355.0, "1.24"},
		{int64(0), "0.00"},
		{-0.4, "0.00"},
		{int64(-20_000), "-2.00"},
		{int64(1_000_000_000), "100000.00"},
	} {
		if got := app.Wan(c.in); got != c.want {
			t.Errorf("app.Wan(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// wanFigure finds a figure written before 万元 on a page.
var wanFigure = regexp.MustCompile(`(-?[0-9][0-9.]*)\s*万元`)

// TestWebMoneyPrecision: the money columns of the bank's pages (products,
// pipeline, deals) and the enterprise's page all use the one rule.
func TestWebMoneyPrecision(t *testing.T) {
	f := newMatchFixture(t)
	twoDecimals := regexp.MustCompile(`^-?[0-9]+\.[0-9]{2}$`)
	check := func(tok string, paths ...string) {
		b := newBrowser(f)
		b.signIn(tok)
		for _, path := range paths {
			w, _ := b.get(path)
			page := visibleText(htmlPage(t, w, http.StatusOK))
			figures := wanFigure.FindAllStringSubmatch(page, -1)
			if len(figures) == 0 {
				t.Errorf("%s: no money figure", path)
			}
			for _, m := range figures {
				if !twoDecimals.MatchString(m[1]) {
					t.Errorf("%s: %q is not 万元 with two decimals", path, m[0])
				}
			}
		}
	}
	check(matchCCBToken, "/app/bank", "/app/bank/products/"+demo.ProdCCBKechuang+"/pipeline?"+matchAsOfParam, "/app/bank/deals")
	check(matchEnt7Token, "/app/enterprise?"+matchAsOfParam)
}

// TestWebBankProductsNoWrap: 客户名单 on the products table sits in a cell
// that does not wrap, and the stylesheet says so.
func TestWebBankProductsNoWrap(t *testing.T) {
	f := newMatchFixture(t)
	b := newBrowser(f)
	b.signIn(matchCCBToken)
	w, _ := b.get("/app/bank")
	wantText(t, htmlPage(t, w, http.StatusOK), `<td class="nowrap"><a href="/app/bank/products/`+demo.ProdCCBKechuang+`/pipeline">客户名单</a>`)
	w, _ = b.get("/static/app.css")
	if !regexp.MustCompile(`td\.nowrap[^{]*\{[^}]*white-space:\s*nowrap`).MatchString(w.Body.String()) {
		t.Errorf("app.css has no nowrap rule for td.nowrap")
	}
}
