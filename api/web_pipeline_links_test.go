package api

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/web"
)

// ccbPipelineDeal returns a demo deal of CCB for its 科创 product.
func ccbPipelineDeal(t *testing.T, f *fixture) data.Deal {
	t.Helper()
	deals, err := app.All(t.Context(), f.store.Deals(), data.ListOptions{Refs: data.Refs{Bank: demo.BankCCB}})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deals {
		if d.ProductID == demo.ProdCCBKechuang {
			return d
		}
	}
	t.Fatalf("demo: CCB has no deal for %s", demo.ProdCCBKechuang)
	return data.Deal{}
}

// TestWebPipelineLinks: on the bank's pipeline an enterprise with a deal
// for this product links to that deal on /app/bank/deals (which answers
// 200 and holds the anchor), every rank links to its own row; the page
// links to 融资项目 and 会谈安排. Another bank gets neither the pipeline
// nor the deal.
func TestWebPipelineLinks(t *testing.T) {
	f := newMatchFixture(t)
	d := ccbPipelineDeal(t, f)
	b := newBrowser(f)
	b.signIn(matchCCBToken)
	pipeURL := "/app/bank/products/" + demo.ProdCCBKechuang + "/pipeline"
	w, _ := b.get(pipeURL + "?" + matchAsOfParam)
	raw := w.Body.String()
	htmlPage(t, w, http.StatusOK)
	wantText(t, raw, `href="/app/bank/deals"`, `href="/app/bank/meetings"`, `id="ent-`)
	dealLink := `href="/app/bank/deals#deal-` + d.ID + `"`
	inPage := strings.Contains(raw, `id="ent-`+d.EnterpriseID+`"`)
	if inPage && !strings.Contains(raw, dealLink) {
		t.Errorf("the row of %s does not link to its deal %s", d.EnterpriseID, d.ID)
	}
	if !regexp.MustCompile(`href="\?as_of=2021-04-23&amp;page=1#ent-[^"]+"`).MatchString(raw) {
		t.Errorf("an enterprise without a deal does not link to its row")
	}

	// The deal link's target answers 200 for this bank with the anchor.
	w, _ = b.get("/app/bank/deals")
	wantText(t, htmlPage(t, w, http.StatusOK), `id="deal-`+d.ID+`"`)

	// Another bank: the pipeline is a 404 and its deals page has no such
	// row, so the link is of no use to it.
	other := newBrowser(f)
	other.signIn(matchZQRCBToken)
	w, _ = other.get(pipeURL + "?" + matchAsOfParam)
	if body := htmlPage(t, w, http.StatusNotFound); strings.Contains(body, d.ID) {
		t.Errorf("another bank's 404 names the deal")
	}
	w, _ = other.get("/app/bank/deals")
	if strings.Contains(htmlPage(t, w, http.StatusOK), `id="deal-`+d.ID+`"`) {
		t.Errorf("another bank's deals page shows %s", d.ID)
	}
	// Nor does its own pipeline link to CCB's deals.
	w, _ = other.get("/app/bank/products/" + demo.ProdZQRCBIP + "/pipeline?" + matchAsOfParam)
	if strings.Contains(htmlPage(t, w, http.StatusOK), "#deal-"+d.ID) {
		t.Errorf("another bank's pipeline links to CCB's deal")
	}
}

// pipelineRow finds a row of the pipeline table.
var pipelineRow = regexp.MustCompile(`<tr id="ent-[^"]*" class="(ok|no)">`)

// TestWebPipelinePagedWhateverAsOf: the pipeline page holds at most
// web.PipelinePageSize rows with as_of today (the default), a past date or
// none, and every further page is reachable.
func TestWebPipelinePagedWhateverAsOf(t *testing.T) {
	f := newMatchFixture(t)
	b := newBrowser(f)
	b.signIn(matchCCBToken)
	pipeURL := "/app/bank/products/" + demo.ProdCCBKechuang + "/pipeline"
	for _, q := range []string{"", "?" + matchAsOfParam, "?as_of=" + data.DateOf(time.Now().In(app.ChinaZone)).String()} {
		w, _ := b.get(pipeURL + q)
		page := htmlPage(t, w, http.StatusOK)
		rows := len(pipelineRow.FindAllString(w.Body.String(), -1))
		m := regexp.MustCompile(`共 (\d+) 家`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("%s: no total", q)
		}
		total, _ := strconv.Atoi(m[1])
		if rows != min(total, web.PipelinePageSize) {
			t.Errorf("%s: %d rows of %d, want %d", q, rows, total, min(total, web.PipelinePageSize))
		}
		if pages := (total + web.PipelinePageSize - 1) / web.PipelinePageSize; pages > 1 {
			wantText(t, page, "第 1 / "+strconv.Itoa(pages)+" 页", "下一页")
		}
	}
}
