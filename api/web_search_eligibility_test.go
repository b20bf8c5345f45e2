package api

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"ipmatch/app"
)

// hitRow finds a product search result row and its eligibility cell.
var hitRow = regexp.MustCompile(`(?s)<tr id="hit-([^"]+)">.*?<td class="mark">(.*?)</td>`)

// TestWebProductSearchEligibility: each product found says whether the
// signed-in enterprise qualifies, as GET /api/v1/enterprises/{id}/matches
// answers the same day (✓, or ✗ with its first reason), and links to the
// match on the enterprise page, whose row carries that anchor.
func TestWebProductSearchEligibility(t *testing.T) {
	f := newWebSearchFixture(t)
	b := newBrowser(f)
	b.signIn(matchEnt7Token)

	var matches app.Matches
	decodeBody(t, f.do(matchEnt7Token, "GET", "/api/v1/enterprises/ent_0007/matches", nil), http.StatusOK, &matches)
	w, _ := b.get("/app/enterprise/products?q=" + url.QueryEscape("贷"))
	raw := w.Body.String()
	htmlPage(t, w, http.StatusOK)
	rows := hitRow.FindAllStringSubmatch(raw, -1)
	if len(rows) == 0 {
		t.Fatalf("no hit rows in %s", raw)
	}
	seenYes, seenNo := false, false
	for _, row := range rows {
		id, cell := row[1], html.UnescapeString(row[2])
		var found bool
		for _, m := range matches.Matches {
			if m.ProductID != id {
				continue
			}
			found = true
			if m.Eligible {
				seenYes = true
				if !strings.Contains(cell, "✓") {
					t.Errorf("%s: eligible by the API, page says %q", id, cell)
				}
			} else {
				seenNo = true
				if !strings.Contains(cell, "✗") || len(m.Reasons) > 0 && !strings.Contains(cell, m.Reasons[0].Message) {
					t.Errorf("%s: not eligible by the API (%v), page says %q", id, m.Reasons, cell)
				}
			}
		}
		if !found {
			t.Errorf("%s: a hit the enterprise's matches do not hold", id)
		}
		if !strings.Contains(raw, `href="/app/enterprise#prod-`+id+`"`) {
			t.Errorf("%s: no link to the match", id)
		}
	}
	if !seenYes && !seenNo {
		t.Errorf("no hit was checked")
	}

	// The link's target: the enterprise page with a row per product.
	w, _ = b.get("/app/enterprise")
	page := w.Body.String()
	htmlPage(t, w, http.StatusOK)
	if !strings.Contains(page, `id="prod-`+rows[0][1]+`"`) {
		t.Errorf("the enterprise page has no anchor for %s", rows[0][1])
	}
}
