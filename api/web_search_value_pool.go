package api

import (
	"cmp"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
	"ipmatch/matcher"
	"ipmatch/search"
)

// Three pages over the API's search, valuation and pool risk:
//
//	GET /app/enterprise/products      enterprise: product search (as GET /api/v1/search/products)
//	GET /app/enterprise/valuation     enterprise: Monte Carlo value of its portfolio (as GET /api/v1/enterprises/{id}/valuation)
//	GET /app/organizer/pools/{id}     organizer: a pool's risk (as GET /api/v1/pools/{id}/risk)

// ---- Product search ----

// productSearchForm are the parameters of the product search form.
var productSearchForm = []string{"q", "bank", "amount", "term", "page"}

// productHitView is one product found.
type productHitView struct {
	ID, Name, BankName string
	MinAmount          int64
	MaxAmount          int64
	MinTerm, MaxTerm   int64
	Spread             string
	// Fragments are the highlighted fragments: escaped text with <mark>.
	Fragments []template.HTML
}

// productSearchView is the data of /app/enterprise/products.
type productSearchView struct {
	// Off is set when the server has no search index.
	Off                   bool
	Q, Bank, Amount, Term string
	Banks                 []bankOption
	Searched              bool
	Total                 int
	Relaxed               bool
	Hits                  []productHitView
	Page, Pages           int
	PrevURL, NextURL      string
}

// bankOption is one bank of the filter's list.
type bankOption struct{ ID, Name string }

// productSearchPage handles GET /app/enterprise/products: the search form
// and, when a query or filter is given, the products found with the
// caller's scope (active products), highlighted and paged.
func (h *webHandlers) productSearchPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleCompany, "/app/enterprise/products"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), caller(c)
	v := productSearchView{Off: h.s.cfg.Search == nil, Page: 1}
	if v.Off {
		return h.render(c, http.StatusOK, "products", webPage{Title: "搜索贷款产品", Data: v})
	}
	// Only the form's fields, and only those filled in, go to the search.
	in := c.Request.URL.Query()
	clean := url.Values{}
	for name, vals := range in {
		found := false
		for _, f := range productSearchForm {
			found = found || f == name
		}
		if !found {
			return malformedField(name, "is not a field of the search form; known: %s", strings.Join(productSearchForm, ", "))
		}
		if val := strings.TrimSpace(vals[len(vals)-1]); val != "" {
			clean.Set(name, val)
		}
	}
	v.Q, v.Bank, v.Amount, v.Term = clean.Get("q"), clean.Get("bank"), clean.Get("amount"), clean.Get("term")
	banks, err := h.bankNames(ctx, p)
	if err != nil {
		return err
	}
	for id, name := range banks {
		v.Banks = append(v.Banks, bankOption{ID: id, Name: name})
	}
	slices.SortFunc(v.Banks, func(a, b bankOption) int { return cmp.Compare(a.Name, b.Name) })
	if len(clean) > 0 && !(len(clean) == 1 && clean.Has("page")) {
		v.Searched = true
		c.Request.URL.RawQuery = clean.Encode()
		req, page, err := parseSearchQuery(c, true)
		if err != nil {
			return err
		}
		if req.Scope, err = h.s.searchScope(ctx, p, search.Products); err != nil {
			return err
		}
		res, err := h.s.cfg.Search.Search(ctx, search.Products, req)
		if err != nil {
			return err
		}
		if page > 1 && req.From >= res.Total {
			last := max(1, (res.Total+req.Size-1)/req.Size)
			return malformedField("page", "第 %d 页超出范围：共 %d 条结果，%d 页", page, res.Total, last)
		}
		v.Total, v.Relaxed, v.Page = res.Total, res.Relaxed, page
		v.Pages = max(1, (res.Total+req.Size-1)/req.Size)
		if maxPages := search.MaxWindow / req.Size; v.Pages > maxPages {
			v.Pages = maxPages
		}
		for _, hit := range res.Hits {
			v.Hits = append(v.Hits, productHit(hit, banks))
		}
		pageURL := func(n int) string {
			q := url.Values{}
			for k, vs := range clean {
				q[k] = vs
			}
			q.Set("page", strconv.Itoa(n))
			return "/app/enterprise/products?" + q.Encode()
		}
		if page > 1 {
			v.PrevURL = pageURL(page - 1)
		}
		if page < v.Pages {
			v.NextURL = pageURL(page + 1)
		}
	}
	return h.render(c, http.StatusOK, "products", webPage{Title: "搜索贷款产品", Data: v})
}

// productHit turns a search hit into its view.
func productHit(hit search.Hit, banks map[string]string) productHitView {
	str := func(k string) string { s, _ := hit.Fields[k].(string); return s }
	num := func(k string) int64 {
		switch x := hit.Fields[k].(type) {
		case int64:
			return x
		case float64:
			return int64(x)
		}
		return 0
	}
	v := productHitView{ID: hit.ID, Name: str("name"), BankName: str("bank_name"),
		MinAmount: num("min_amount"), MaxAmount: num("max_amount"), MinTerm: num("min_term"), MaxTerm: num("max_term"),
		Spread: "LPR " + spreadLabel(int(num("spread_bp")))}
	if v.BankName == "" {
		v.BankName = banks[str("bank_id")]
	}
	for _, field := range []string{"name", "description"} {
		for _, f := range hit.Fragments[field] {
			v.Fragments = append(v.Fragments, markOnly(f))
		}
	}
	return v
}

// markOnly makes a search fragment (HTML-escaped text with <mark> and
// </mark> around matches) safe to show: the text between the tags is
// unescaped and escaped again, and only balanced <mark> tags are kept.
func markOnly(frag string) template.HTML {
	var b strings.Builder
	open := false
	for frag != "" {
		i := strings.Index(frag, "<mark>")
		j := strings.Index(frag, "</mark>")
		next, tag := -1, ""
		switch {
		case i >= 0 && (j < 0 || i < j):
			next, tag = i, "<mark>"
		case j >= 0:
			next, tag = j, "</mark>"
		}
		if next < 0 {
			b.WriteString(template.HTMLEscapeString(unescapeFragment(frag)))
			break
		}
		b.WriteString(template.HTMLEscapeString(unescapeFragment(frag[:next])))
		if tag == "<mark>" && !open {
			b.WriteString(tag)
			open = true
		} else if tag == "</mark>" && open {
			b.WriteString(tag)
			open = false
		}
		frag = frag[next+len(tag):]
	}
	if open {
		b.WriteString("</mark>")
	}
	return template.HTML(b.String())
}

// unescapeFragment undoes the HTML escaping of a fragment's text.
func unescapeFragment(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#34;", `"`, "&#39;", "'", "&amp;", "&").Replace(s)
}

// ---- Portfolio valuation ----

// valuationRow is one bar of the range chart.
type valuationRow struct {
	Label, Title string
	Value        matcher.Percentiles
	Note         string
	// X10, X50, X90 are the chart positions of P10, P50 and P90 (0–100);
	// Y is the row's top.
	X10, X50, X90, Width, Y, BandY float64
	Drawn                          bool
}

// valuationView is the data of /app/enterprise/valuation.
type valuationView struct {
	Enterprise *data.Enterprise
	AsOf       data.Date
	Note       string
	Valuation  *matcher.PortfolioValuation
	Portfolio  valuationRow
	Rows       []valuationRow
	// Height is the chart's height; Scale its right end in yuan.
	Height float64
	Scale  float64
}

// valuationPage handles GET /app/enterprise/valuation: the Monte Carlo
// P10/P50/P90 of the enterprise's portfolio and of each patent, drawn as
// a range chart, with the parameters used.
func (h *webHandlers) valuationPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleCompany, "/app/enterprise/valuation"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), caller(c)
	_, asOf, err := h.match.matchParams(c, "as_of")
	if err != nil {
		return err
	}
	e, patents, err := h.ownPortfolio(ctx, p)
	if err != nil {
		return err
	}
	v := valuationView{Enterprise: e, AsOf: asOf}
	ev, err := h.match.m.ValueEnterprise(ctx, e, patents, asOf, matcher.ValuationOptions{})
	if data.ErrorCode(err) == data.CodeInvalid {
		v.Note = data.ErrorMessage(err)
		return h.render(c, http.StatusOK, "valuation", webPage{Title: "专利组合估值", Data: v})
	}
	if err != nil {
		return err
	}
	pv := ev.Valuation
	v.Valuation = pv
	titles := map[string]string{}
	for _, pt := range patents {
		titles[pt.ApplicationNumber] = pt.Title
	}
	scale := 0.0
	for _, pt := range pv.Patents {
		scale = max(scale, pt.Value.P90)
	}
	v.Scale = scale
	const rowH = 24.0
	pos := func(x float64) float64 {
		if scale <= 0 {
			return 0
		}
		return x / scale * 100
	}
	for i, pt := range pv.Patents {
		r := valuationRow{Label: pt.ApplicationNumber, Title: titles[pt.ApplicationNumber], Value: pt.Value, Note: pt.Note,
			Y: float64(i) * rowH, BandY: float64(i)*rowH + 4, Drawn: pt.Value.P90 > 0}
		r.X10, r.X50, r.X90 = pos(pt.Value.P10), pos(pt.Value.P50), pos(pt.Value.P90)
		r.Width = max(r.X90-r.X10, 0.5)
		v.Rows = append(v.Rows, r)
	}
	v.Height = float64(len(v.Rows)) * rowH
	pf := pv.Portfolio
	v.Portfolio = valuationRow{Label: "组合", Value: pf, Drawn: pf.P90 > 0}
	if pf.P90 > 0 {
		v.Portfolio.X10, v.Portfolio.X50, v.Portfolio.X90 = pf.P10/pf.P90*100, pf.P50/pf.P90*100, 100
		v.Portfolio.Width = max(100-v.Portfolio.X10, 0.5)
	}
	return h.render(c, http.StatusOK, "valuation", webPage{Title: "专利组合估值", Data: v})
}

// ---- Pool ----

// poolView is the data of /app/organizer/pools/{id}.
type poolView struct {
	Pool *data.Pool
	Risk *matcher.PoolRiskResult
	AsOf data.Date
}

// poolPage handles GET /app/organizer/pools/{id}: the pool's size,
// filings, exposure, claims, remaining size, the probability it is
// exhausted and the extra lending it can back (the computation of GET
// /api/v1/pools/{id}/risk with its defaults).
func (h *webHandlers) poolPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer/pools"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), caller(c)
	_, asOf, err := h.match.matchParams(c, "as_of")
	if err != nil {
		return err
	}
	pool, err := poolResource(h.s.policy).get(ctx, h.s.store, p, c.Param("id"))
	if err != nil {
		return err
	}
	res, err := h.events.poolRiskOf(ctx, p, pool.ID, asOf, &matcher.PoolRiskConfig{})
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "pool", webPage{Title: "资金池 · " + pool.Name, Data: poolView{Pool: pool, Risk: res, AsOf: asOf}})
}
