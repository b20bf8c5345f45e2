package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
	"ipmatch/matcher"
)

// The matching endpoints. Access:
//
//   - GET /enterprises/{id}/matches: the enterprise itself (another
//     enterprise's id answers 404) and the organizer; a bank is refused
//     (403): banks see enterprises through their products' pipelines.
//   - GET /products/{id}/pipeline: the bank owning the product (another
//     bank's product answers 404, as in policy.go) and the organizer; an
//     enterprise is refused (403). A bank's pipeline holds only the
//     enterprises it may see (policy.go's bankSees: pool or event consent).
//   - GET /enterprises/{id}/valuation: whoever may read the enterprise
//     (policy.go's enterprise rules).
//   - POST /valuations/income: any caller; it reads no record.
//
// Every answer is computed on request from the stored records, as of the
// optional as_of parameter (YYYY-MM-DD, default today in China Standard
// Time), and carries the matcher's model version and parameters so that
// it can be reproduced.

// matchHandlers serve the matching and valuation endpoints.
type matchHandlers struct {
	s *server
	m *matcher.Matcher
	// today returns the default as-of date.
	today func() data.Date
}

// matchZone is China Standard Time, the zone of "today".
var matchZone = time.FixedZone("CST", 8*60*60)

// matchRoutes registers the matching and valuation endpoints on g, with
// the default matcher configuration.
func matchRoutes(s *server, g *gin.RouterGroup) {
	h := &matchHandlers{s: s, m: s.model(), today: s.today}
	g.GET("/enterprises/:id/matches", s.handle(h.enterpriseMatches))
	g.GET("/enterprises/:id/valuation", s.handle(h.enterpriseValuation))
	g.GET("/products/:id/pipeline", s.handle(h.productPipeline))
	g.POST("/valuations/income", s.handle(h.incomeValuation))
}

// matchParams reads the query parameters of a matching endpoint, refusing
// any not in allowed (so typos do not pass silently). as_of defaults to
// today.
func (h *matchHandlers) matchParams(c *gin.Context, allowed ...string) (map[string]string, data.Date, error) {
	values := c.Request.URL.Query()
	out := map[string]string{}
	for name, vs := range values {
		if !slices.Contains(allowed, name) {
			return nil, data.Date{}, malformedField(name, "is not a known parameter; known: %s", strings.Join(allowed, ", "))
		}
		if len(vs) > 1 {
			return nil, data.Date{}, malformedField(name, "is given %d times", len(vs))
		}
		out[name] = vs[0]
	}
	asOf := h.today()
	if v, ok := out["as_of"]; ok {
		d, err := data.ParseDate(v)
		if err != nil || d.IsZero() {
			return nil, data.Date{}, malformedField("as_of", "must be a date YYYY-MM-DD, not %q", v)
		}
		asOf = d
	}
	return out, asOf, nil
}

// matchIntParam reads an integer query value within [lo, hi], or def when
// absent.
func matchIntParam(params map[string]string, name string, def, lo, hi int) (int, error) {
	v, ok := params[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, malformedField(name, "must be an integer, not %q", v)
	}
	if n < lo || n > hi {
		return 0, invalidField(name, "must be between %d and %d", lo, hi)
	}
	return n, nil
}

// enterpriseMatchesBody is the answer of GET /enterprises/{id}/matches.
type enterpriseMatchesBody struct {
	matcher.EnterpriseMatches
	// Products counts the products checked (those the caller may see).
	Products int `json:"products"`
}

// enterpriseMatches handles GET /api/v1/enterprises/{id}/matches: every
// product the caller may see, checked and ranked for the enterprise, with
// reasons, loan estimates and the Monte Carlo valuation behind them.
// Parameters: as_of, eligible (true: only eligible products).
func (h *matchHandlers) enterpriseMatches(c *gin.Context) error {
	ctx, p := c.Request.Context(), caller(c)
	if p.is(data.RoleBank) {
		return forbidden("a bank sees enterprises through its products' pipelines (GET /api/v1/products/{id}/pipeline), not an enterprise's matches")
	}
	params, asOf, err := h.matchParams(c, "as_of", "eligible")
	if err != nil {
		return err
	}
	onlyEligible := false
	if v, ok := params["eligible"]; ok {
		if onlyEligible, err = boolParam("eligible", v); err != nil {
			return err
		}
	}
	e, err := enterpriseResource(h.s.policy).get(ctx, h.s.store, p, c.Param("id"))
	if err != nil {
		return err
	}
	patents, err := all(ctx, h.s.store.Patents(), data.ListOptions{Refs: data.Refs{Enterprise: e.ID}})
	if err != nil {
		return err
	}
	products, err := h.visibleProducts(ctx, p)
	if err != nil {
		return err
	}
	res, err := h.matchEnterprise(ctx, e, patents, products, asOf)
	if err != nil {
		return err
	}
	if onlyEligible {
		res.Matches = slices.DeleteFunc(res.Matches, func(m matcher.Match) bool { return !m.Eligible })
	}
	writeJSON(c, http.StatusOK, enterpriseMatchesBody{EnterpriseMatches: res, Products: len(products)})
	return nil
}

// visibleProducts returns the products p may read (policy.go's product
// rules: an enterprise sees active products only).
func (h *matchHandlers) visibleProducts(ctx context.Context, p *principal) ([]data.Product, error) {
	products, err := all(ctx, h.s.store.Products(), data.ListOptions{})
	if err != nil {
		return nil, err
	}
	rules := h.s.policy.productRules()
	out := products[:0]
	for i := range products {
		ok, err := rules.visible(ctx, p, &products[i])
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, products[i])
		}
	}
	return out, nil
}

// pipelineBody is the answer of GET /products/{id}/pipeline.
type pipelineBody struct {
	matcher.ProductPipeline
	Page int `json:"page"`
	Size int `json:"size"`
}

// productPipeline handles GET /api/v1/products/{id}/pipeline: the
// enterprises the caller may see, ranked for the product with the
// expected loss net of the pool's share and every score's parts.
// Parameters: as_of, eligible (true: only eligible enterprises), page and
// size (default 50, at most 500).
func (h *matchHandlers) productPipeline(c *gin.Context) error {
	ctx, p := c.Request.Context(), caller(c)
	if p.is(data.RoleCompany) {
		return forbidden("only the bank owning a product and the organizer may see its pipeline")
	}
	params, asOf, err := h.matchParams(c, "as_of", "eligible", "page", "size")
	if err != nil {
		return err
	}
	onlyEligible := false
	if v, ok := params["eligible"]; ok {
		if onlyEligible, err = boolParam("eligible", v); err != nil {
			return err
		}
	}
	page, err := matchIntParam(params, "page", 1, 1, 1<<20)
	if err != nil {
		return err
	}
	size, err := matchIntParam(params, "size", defaultPageSize, 1, maxPageSize)
	if err != nil {
		return err
	}
	prod, err := productResource(h.s.policy).get(ctx, h.s.store, p, c.Param("id"))
	if err != nil {
		return err
	}
	ents, err := all(ctx, h.s.store.Enterprises(), data.ListOptions{})
	if err != nil {
		return err
	}
	if p.is(data.RoleBank) {
		sees, err := h.s.policy.bankSees(ctx, p.tok.BankID)
		if err != nil {
			return err
		}
		ents = slices.DeleteFunc(ents, func(e data.Enterprise) bool { return !sees(&e) })
	}
	patents, err := h.patentsOf(ctx, ents)
	if err != nil {
		return err
	}
	pools, err := all(ctx, h.s.store.Pools(), data.ListOptions{})
	if err != nil {
		return err
	}
	apprs, err := appraisalsOf(ctx, h.s.store, nil)
	if err != nil {
		return err
	}
	res, err := h.m.Pipeline(ctx, matcher.PipelineRequest{Product: prod, Pools: pools, Enterprises: ents, Patents: patents,
		Appraisals: apprs, AsOf: asOf, EligibleOnly: onlyEligible, Offset: (page - 1) * size, Limit: size})
	if err != nil {
		return err
	}
	redactMatches(p, ents, res.Matches)
	writeJSON(c, http.StatusOK, pipelineBody{ProductPipeline: res, Page: page, Size: size})
	return nil
}

// patentsOf returns the patents owned by the given enterprises: one
// listing when that is most of them, else one per enterprise.
func (h *matchHandlers) patentsOf(ctx context.Context, ents []data.Enterprise) ([]data.Patent, error) {
	total, err := h.s.store.Enterprises().Count(ctx)
	if err != nil {
		return nil, err
	}
	if len(ents)*2 >= total {
		want := make(map[string]bool, len(ents))
		for i := range ents {
			want[ents[i].ID] = true
		}
		pats, err := all(ctx, h.s.store.Patents(), data.ListOptions{})
		if err != nil {
			return nil, err
		}
		return slices.DeleteFunc(pats, func(p data.Patent) bool { return !want[p.OwnerID] }), nil
	}
	var out []data.Patent
	for i := range ents {
		pats, err := all(ctx, h.s.store.Patents(), data.ListOptions{Refs: data.Refs{Enterprise: ents[i].ID}})
		if err != nil {
			return nil, err
		}
		out = append(out, pats...)
	}
	return out, nil
}

// matchEnterprise ranks products for enterprise e and its patents as of
// asOf, with every pool and e's recorded appraisals: the one call behind
// GET /enterprises/{id}/matches, the enterprise's page and the product
// search's eligibility, so the three cannot disagree.
func (h *matchHandlers) matchEnterprise(ctx context.Context, e *data.Enterprise, patents []data.Patent, products []data.Product, asOf data.Date) (matcher.EnterpriseMatches, error) {
	pools, err := all(ctx, h.s.store.Pools(), data.ListOptions{})
	if err != nil {
		return matcher.EnterpriseMatches{}, err
	}
	apprs, err := appraisalsOf(ctx, h.s.store, []string{e.ID})
	if err != nil {
		return matcher.EnterpriseMatches{}, err
	}
	return h.m.MatchEnterprise(ctx, matcher.EnterpriseRequest{Enterprise: e, Patents: patents, Products: products, Pools: pools,
		Appraisals: apprs, AsOf: asOf})
}
