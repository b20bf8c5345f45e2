package api

import (
	"net/http"
	"strings"
	"testing"

	"ipmatch/data/demo"
)

// TestWebMatrixLeavesOutDiscontinuedProducts is issue 13: the matrix showed
// a column for a product its bank no longer offers, all ✗「产品已停办」.
func TestWebMatrixLeavesOutDiscontinuedProducts(t *testing.T) {
	f := newMatchFixture(t)
	ctx := t.Context()
	b := newBrowser(f)
	b.signIn(matchOrgToken)
	matrixURL := "/app/organizer/events/" + demo.EventID + "/matrix"

	// The demo's discontinued 2019 product of 肇庆农村商业银行, whose bank
	// has a desk at the event, is no column; its active one is.
	old, err := f.store.Products().Get(ctx, "prod_zqrcb_ip_2019")
	if err != nil || old.Active {
		t.Fatalf("demo product prod_zqrcb_ip_2019: active %v, %v; want a discontinued one", old.Active, err)
	}
	w, _ := b.get(matrixURL)
	body := htmlPage(t, w, http.StatusOK)
	wantText(t, body, "肇庆农村商业银行", "<th>知识产权质押贷</th>")
	if strings.Contains(body, old.Name) {
		t.Errorf("the matrix shows discontinued product %q", old.Name)
	}

	// Discontinuing a shown product takes its column away; the count
	// column's denominator follows.
	prod, err := f.store.Products().Get(ctx, demo.ProdZQRCBIP)
	if err != nil {
		t.Fatal(err)
	}
	before := strings.Count(body, "<th>"+prod.Name+"</th>")
	prod.Active = false
	if _, err := f.store.Products().Put(ctx, &prod); err != nil {
		t.Fatal(err)
	}
	w, _ = b.get(matrixURL)
	after := htmlPage(t, w, http.StatusOK)
	if got := strings.Count(after, "<th>"+prod.Name+"</th>"); got != before-1 {
		t.Errorf("after discontinuing %s: %d columns named %q, want %d", prod.ID, got, prod.Name, before-1)
	}
	if countOf(t, body) != countOf(t, after)+1 {
		t.Errorf("products counted: %d before, %d after; want one fewer", countOf(t, body), countOf(t, after))
	}

	// The company column and the header rows stay in view when scrolling.
	wantText(t, after, `class="scroll matrix-scroll"`, `<th rowspan="2" class="corner">企业</th>`, `<th scope="row" class="company">`)
	cw, _ := b.get("/static/app.css")
	css := cw.Body.String()
	wantText(t, css, "table.matrix thead { position: sticky; top: 0;", "table.matrix th.company, table.matrix th.corner { position: sticky; left: 0;")
}

// countOf reads N of the first "x / N" count cell of a matrix page.
func countOf(t *testing.T, body string) int {
	t.Helper()
	i := strings.Index(body, " / ")
	if i < 0 {
		t.Fatal("no count cell")
	}
	var n int
	for _, r := range body[i+3:] {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n
}
