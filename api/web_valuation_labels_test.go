package api

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestWebValuationBarsAreLabelled is issue 13: the P10/P50/P90 bars had no
// values and the chart no text alternative. Each drawn bar carries its P50
// in 万元, and the chart is described by a text naming the portfolio and
// every patent with its three values.
func TestWebValuationBarsAreLabelled(t *testing.T) {
	f := newMatchFixture(t)
	b := newBrowser(f)
	b.signIn(matchEnt7Token)
	w, _ := b.get("/app/enterprise/valuation")
	page := htmlPage(t, w, http.StatusOK)

	bars := strings.Count(page, `class="band patent-range"`)
	if bars == 0 {
		t.Fatal("no bars on ent_0007's valuation page")
	}
	values := regexp.MustCompile(`<text x="[0-9.]+" y="[0-9.]+" class="value">P50 [0-9.]+ 万元</text>`).FindAllString(page, -1)
	if len(values) != bars {
		t.Errorf("%d value labels for %d bars", len(values), bars)
	}
	// The labels sit right of the plot, inside the picture.
	if !strings.Contains(page, `viewBox="0 0 790 `) || !strings.Contains(page, `<text x="628" `) {
		t.Errorf("the value column is not right of the plot inside the viewBox")
	}

	wantText(t, page, `aria-describedby="valuation-chart-text"`, `<p id="valuation-chart-text" class="visually-hidden">专利组合：P10 `)
	i := strings.Index(page, `id="valuation-chart-text"`)
	if i < 0 {
		t.Fatal("no text alternative")
	}
	alt := page[i:]
	alt = alt[:strings.Index(alt, "</p>")]
	if n := strings.Count(alt, "专利 "); n != strings.Count(page, `class="label">`) {
		t.Errorf("the text alternative names %d patents, the chart %d", n, strings.Count(page, `class="label">`))
	}
	if n := strings.Count(alt, "单独质押：P10 "); n != bars {
		t.Errorf("the text alternative gives values of %d patents, want %d", n, bars)
	}
}
