package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/storetest"
	"ipmatch/web"
)

// filingsTable returns the filings table of a pool page, or "".
func filingsTable(page string) string {
	i := strings.Index(page, `<table class="filings">`)
	if i < 0 {
		return ""
	}
	return page[i : i+strings.Index(page[i:], "</table>")]
}

// TestWebPoolListsFilings is issue 13: the pool page showed the risk
// figures but not the filings behind them. It lists them, 50 a page, with
// totals equal to the figures of GET /api/v1/pools/{id}/risk; a bank is
// refused the page as any organizer page and its JSON names no loan.
func TestWebPoolListsFilings(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := t.Context()
	at := time.Date(2024, 3, 1, 20, 30, 0, 0, time.UTC) // 2024-03-02 04:30 in Beijing
	walk := func(stages ...data.Stage) []data.StageChange {
		var h []data.StageChange
		for i, s := range stages {
			h = append(h, data.StageChange{Stage: s, At: at.Add(time.Duration(i) * time.Hour), By: "test"})
		}
		return h
	}
	var deals []*data.Deal
	for i := range 55 {
		d := storetest.Deal(100+i, f.entX, f.bankA, f.prodA)
		d.PoolID, d.Amount, d.Stage = f.pool, 100_000, data.StageFiled
		d.History = walk(data.StageRegistered, data.StageMet, data.StageIntent, data.StageFiled)
		deals = append(deals, &d)
	}
	for i := range 2 {
		d := storetest.Deal(200+i, f.entY, f.bankB, f.prodB)
		d.PoolID, d.Amount, d.Stage = f.pool, 400_000, data.StageCompensated
		d.History = walk(data.StageRegistered, data.StageMet, data.StageIntent, data.StageFiled, data.StageAccepted, data.StageDisbursed, data.StageCompensated)
		deals = append(deals, &d)
	}
	put(t, f.store.Deals(), deals...)

	var risk struct {
		Filings    int     `json:"filings"`
		Exposure   int64   `json:"exposure"`
		Claims     int     `json:"claims"`
		ClaimsPaid float64 `json:"claims_paid"`
	}
	decodeBody(t, f.do(orgToken, "GET", "/api/v1/pools/"+f.pool+"/risk", nil), http.StatusOK, &risk)
	if risk.Filings < 55 || risk.Claims != 2 {
		t.Fatalf("risk %+v, want ≥ 55 filings and 2 claims", risk)
	}

	org := newBrowser(f)
	org.signIn(orgToken)
	poolURL := "/app/organizer/pools/" + f.pool
	w, _ := org.get(poolURL)
	page := htmlPage(t, w, http.StatusOK)
	table := filingsTable(page)
	if table == "" {
		t.Fatal("no filings table on the pool page")
	}
	ex, _ := f.store.Enterprises().Get(ctx, f.entX)
	bankA, _ := f.store.Banks().Get(ctx, f.bankA)
	prodA, _ := f.store.Products().Get(ctx, f.prodA)
	wantText(t, table, "<th>企业</th>", "<th>备案日期</th>", "<th>补偿金额</th>",
		"<tr><td>"+ex.Name+"</td><td>"+bankA.Name+"</td><td>"+prodA.Name+`</td><td class="num">10.00 万元</td><td>备案尽调</td><td>2024-03-02</td><td class="num">—</td></tr>`)
	if n := strings.Count(table, "<tr><td>"); n != web.PoolFilingsPerPage {
		t.Errorf("page 1 lists %d filings, want %d", n, web.PoolFilingsPerPage)
	}
	// The totals are the risk figures, whatever the page.
	total := risk.Filings + risk.Claims
	wantText(t, page,
		"在保备案 "+itoa(risk.Filings)+" 笔，合计 "+app.Wan(risk.Exposure)+" 万元；已补偿 2 笔，贷款 80.00 万元，补偿 "+app.Wan(risk.ClaimsPaid)+" 万元。",
		"共 "+itoa(total)+" 笔，第 1/2 页", `href="/app/organizer/pools/`+f.pool+`?page=2"`)

	w, _ = org.get(poolURL + "?page=2")
	page2 := htmlPage(t, w, http.StatusOK)
	table2 := filingsTable(page2)
	if n := strings.Count(table2, "<tr><td>"); n != total-web.PoolFilingsPerPage {
		t.Errorf("page 2 lists %d rows, want %d", n, total-web.PoolFilingsPerPage)
	}
	// The compensated deals come last, with what the fund paid (half of
	// 40 万元 each: fund share 0.5, under the caps).
	if n := strings.Count(table2, `<td>风险补偿</td><td>2024-03-02</td><td class="num">20.00 万元</td>`); n != 2 {
		t.Errorf("page 2 shows %d compensated rows with 20 万元 paid, want 2", n)
	}
	wantText(t, page2, `href="/app/organizer/pools/`+f.pool+`?page=1"`)
	for _, bad := range []string{"?page=0", "?page=x"} {
		w, _ = org.get(poolURL + bad)
		if w.Code != http.StatusBadRequest && w.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want a refusal naming page", bad, w.Code)
		}
	}

	// A bank: the page is refused as the other organizer pages are, and
	// the API gives it the aggregate without the book.
	bank := newBrowser(f)
	bank.signIn(bankAToken)
	w, _ = bank.get(poolURL)
	body := htmlPage(t, w, http.StatusForbidden)
	wantText(t, body, "无权访问")
	if strings.Contains(body, ex.Name) || strings.Contains(body, "备案与补偿明细") {
		t.Error("the refusal shows the pool's book")
	}
	var raw map[string]json.RawMessage
	decodeBody(t, f.do(bankAToken, "GET", "/api/v1/pools/"+f.pool+"/risk", nil), http.StatusOK, &raw)
	if _, ok := raw["loans"]; ok {
		t.Error("a bank's pool risk lists the loans")
	}
	if _, ok := raw["claim_list"]; ok {
		t.Error("a bank's pool risk lists the claims")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
