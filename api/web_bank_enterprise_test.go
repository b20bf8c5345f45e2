package api

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"ipmatch/app"
	"ipmatch/data/demo"
	"ipmatch/matcher"
)

// bankEnterpriseRow finds the row of product id on the enterprise page.
func bankEnterpriseRowOf(t *testing.T, page, prod string) string {
	t.Helper()
	i := strings.Index(page, `<tr id="prod-`+prod+`"`)
	if i < 0 {
		t.Fatalf("no row for %s on the enterprise page", prod)
	}
	row := page[i:]
	return row[:strings.Index(row, "</tr>")]
}

// TestWebBankEnterprise: the page of one enterprise agrees with the API's
// pipeline row for each of the bank's products (eligibility and amount).
func TestWebBankEnterprise(t *testing.T) {
	f := newMatchFixture(t)
	var res pipelineBody
	decodeBody(t, f.do(matchCCBToken, "GET", matchPipelineURL+"&size=500", nil), http.StatusOK, &res)
	var ok, no *matcher.Match
	for i := range res.Matches {
		m := &res.Matches[i]
		if m.Eligible && ok == nil {
			ok = m
		}
		if !m.Eligible && no == nil {
			no = m
		}
	}
	if ok == nil || no == nil {
		t.Fatalf("demo: want an eligible and an ineligible enterprise in %s's pipeline", demo.ProdCCBKechuang)
	}
	b := newBrowser(f)
	b.signIn(matchCCBToken)
	for _, m := range []*matcher.Match{ok, no} {
		w, _ := b.get("/app/bank/enterprises/" + m.EnterpriseID + "?" + matchAsOfParam)
		page := htmlPage(t, w, http.StatusOK)
		wantText(t, page, m.EnterpriseName, "所在地区", "所属行业", "成立日期")
		row := bankEnterpriseRowOf(t, page, demo.ProdCCBKechuang)
		if m.Eligible {
			wantText(t, row, "✓", app.Wan(m.EstimatedAmount)+" 万元", fmt.Sprintf("%.2f", m.Score)[:2])
			if strings.Contains(row, "✗") {
				t.Errorf("%s: eligible in the API, ✗ on the page", m.EnterpriseID)
			}
		} else {
			wantText(t, row, "✗")
			for _, r := range m.Reasons {
				wantText(t, row, r.Message)
			}
			if strings.Contains(row, "✓") {
				t.Errorf("%s: ineligible in the API, ✓ on the page", m.EnterpriseID)
			}
		}
	}
	// Every row of the first page agrees on eligibility and amount.
	for _, m := range res.Matches[:min(len(res.Matches), 20)] {
		w, _ := b.get("/app/bank/enterprises/" + m.EnterpriseID + "?" + matchAsOfParam)
		row := bankEnterpriseRowOf(t, htmlPage(t, w, http.StatusOK), demo.ProdCCBKechuang)
		if got := strings.Contains(row, "✓"); got != m.Eligible {
			t.Errorf("%s: eligible %v on the page, %v in the API", m.EnterpriseID, got, m.Eligible)
		}
		if m.Eligible && !strings.Contains(row, app.Wan(m.EstimatedAmount)+" 万元") {
			t.Errorf("%s: amount %s 万元 missing from the page's row", m.EnterpriseID, app.Wan(m.EstimatedAmount))
		}
	}
}

// TestWebBankEnterpriseRefused: another bank that may not see the
// enterprise and an unknown id get the 404 page naming nothing of it; an
// enterprise gets 403; no session goes to the sign-in page.
func TestWebBankEnterpriseRefused(t *testing.T) {
	f := newMatchFixture(t)
	var res pipelineBody
	decodeBody(t, f.do(matchCCBToken, "GET", matchPipelineURL+"&size=500", nil), http.StatusOK, &res)
	// The demo's enterprises are in the pool: one leaves it, so that
	// ZQRCB (no desk where it registered, if anywhere) may not see it.
	var hidden *matcher.Match
	for i := range res.Matches {
		e, err := f.store.Enterprises().Get(t.Context(), res.Matches[i].EnterpriseID)
		if err != nil {
			t.Fatal(err)
		}
		e.Consents.Pool = false
		put(t, f.store.Enterprises(), &e)
		if f.do(matchZQRCBToken, "GET", "/api/v1/enterprises/"+e.ID, nil).Code == http.StatusNotFound {
			hidden = &res.Matches[i]
			break
		}
		e.Consents.Pool = true
		put(t, f.store.Enterprises(), &e)
	}
	if hidden == nil {
		t.Fatal("demo: no enterprise of CCB's pipeline is hidden from ZQRCB once out of the pool")
	}
	other := newBrowser(f)
	other.signIn(matchZQRCBToken)
	w, _ := other.get("/app/bank/enterprises/" + hidden.EnterpriseID)
	body := htmlPage(t, w, http.StatusNotFound)
	if strings.Contains(body, hidden.EnterpriseName) || strings.Contains(body, hidden.EnterpriseID) {
		t.Errorf("the 404 names the hidden enterprise: %s", body)
	}
	w, _ = other.get("/app/bank/enterprises/ent_nope")
	missing := htmlPage(t, w, http.StatusNotFound)
	if strings.ReplaceAll(missing, "ent_nope", "X") != strings.ReplaceAll(body, hidden.EnterpriseID, "X") {
		t.Errorf("a hidden enterprise's 404 differs from an unknown one's:\n%s\n%s", body, missing)
	}

	ent := newBrowser(f)
	ent.signIn(matchEnt7Token)
	w, _ = ent.get("/app/bank/enterprises/" + hidden.EnterpriseID)
	htmlPage(t, w, http.StatusForbidden)

	anon := newBrowser(f)
	if w := anon.do("GET", "/app/bank/enterprises/"+hidden.EnterpriseID, nil); w.Code != http.StatusSeeOther {
		t.Errorf("no session: %d, want 303", w.Code)
	}
}

var bankEnterpriseLink = regexp.MustCompile(`href="(/app/bank/enterprises/[^"]+)"`)

// TestWebBankEnterpriseLinks: the pipeline's, the meetings' and the deals'
// enterprise names link to the page, which answers 200 for the bank; the
// organizer's pipeline has no such link.
func TestWebBankEnterpriseLinks(t *testing.T) {
	f := newMatchFixture(t)
	b := newBrowser(f)
	b.signIn(matchCCBToken)
	for _, src := range []struct {
		path string
		need bool
	}{
		{"/app/bank/products/" + demo.ProdCCBKechuang + "/pipeline?" + matchAsOfParam, true},
		{"/app/bank/deals", true},
		{"/app/bank/meetings", false},
	} {
		w, _ := b.get(src.path)
		links := bankEnterpriseLink.FindAllStringSubmatch(w.Body.String(), -1)
		if len(links) == 0 {
			if src.need {
				t.Errorf("%s links to no enterprise page", src.path)
			} else {
				t.Logf("%s: no meeting to link in the demo", src.path)
			}
		}
		for i, l := range links {
			if i == 10 {
				break
			}
			href := strings.ReplaceAll(l[1], "&amp;", "&")
			if w, _ := b.get(href); w.Code != http.StatusOK {
				t.Errorf("%s: link %s answers %d", src.path, href, w.Code)
			}
		}
	}
	org := newBrowser(f)
	org.signIn(matchOrgToken)
	w, _ := org.get("/app/bank/products/" + demo.ProdCCBKechuang + "/pipeline?" + matchAsOfParam)
	if strings.Contains(htmlPage(t, w, http.StatusOK), "/app/bank/enterprises/") {
		t.Errorf("the organizer's pipeline links to the bank-only enterprise page")
	}
}
