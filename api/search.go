package api

// Search endpoints (served when Config.Search is set):
//
//	GET /api/v1/search/patents
//	GET /api/v1/search/enterprises
//	GET /api/v1/search/products
//	GET /api/v1/patents/{id}/similar
//	GET /api/v1/landscape
//
// Parameters: q (the query; see package search for its syntax), page and
// size (at most search.MaxSize, and page × size within search.MaxWindow),
// facets and sort (comma-separated), exact_facets=true (count facets over
// every hit rather than a sample of a broad query's hits), and any filter
// of the kind (see search.Fields; several values of a keyword filter
// separated by commas).
// The answer is {"total", "page", "size", "hits": [{"id", "score", summary
// fields…, "fragments"}], "facets"}. A page past the last one, an unknown
// parameter, filter, facet or sort, a bad value and bad query syntax are
// 400s that say what to change. A date outside the years the index holds
// (1678–2261) and a query over the cost budget (too many single Chinese
// characters or index terms, or a search that runs past its deadline; see
// package search) are 422s naming the parameter and the limit.
//
// Who finds what follows the read rules of app/policy.go (app.SearchScope), applied inside the
// search query so that totals and facet counts only count what the caller
// may see:
//
//   - organizer: everything.
//   - bank: enterprises that consented to be seen by it (joined the pool or
//     registered for an event where it has a desk; policy.bankEnterpriseIDs)
//     and their patents; its own products only, as in GET /products.
//   - enterprise: active products (searching loan products is what an
//     enterprise does); its own patents (to search its portfolio) and its
//     own record only, as in GET /patents and GET /enterprises.
//
// A filter naming someone outside the caller's scope (a bank searching
// owner_id of an enterprise it may not see) finds nothing rather than
// failing, since the scope is a filter like any other. Similar patents of
// a patent the caller may not read answer 404. Whether a query is relaxed
// (search.Result.Relaxed) is decided within the scope too.
//
// The consent rule: a bank's search of enterprises that filters, ranges,
// sorts or counts facets on a financial field (revenue) finds only
// enterprises that share their data (consents.share_data), as if the
// others had no figures; search.Scope.SharedFinancialsOnly.

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
	"ipmatch/search"
)

// searchResult is the body of a search answer.
type searchResult struct {
	*search.Result
	Page int `json:"page"`
	Size int `json:"size"`
}

// searchRoutes registers the search endpoints on g.
func (s *server) searchRoutes(g *gin.RouterGroup) {
	for _, kind := range []string{search.Patents, search.Enterprises, search.Products} {
		g.GET("/search/"+kind, s.Handle(func(c *gin.Context) error { return s.search(c, kind) }))
	}
	g.GET("/patents/:id/similar", s.Handle(s.similarPatents))
	g.GET("/landscape", s.Handle(s.landscape))
}

// search handles GET /api/v1/search/{kind}.
func (s *server) search(c *gin.Context, kind string) error {
	req, page, err := door.ParseSearchQuery(c, true)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	if req.Scope, err = s.App.SearchScope(ctx, door.Caller(c), kind); err != nil {
		return err
	}
	res, err := s.Cfg.Search.Search(ctx, kind, req)
	if err != nil {
		return err
	}
	return writeSearchResult(c, res, req, page)
}

// similarPatents handles GET /api/v1/patents/{id}/similar.
func (s *server) similarPatents(c *gin.Context) error {
	req, page, err := door.ParseSearchQuery(c, false)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	p := door.Caller(c)
	// The patent itself must be one the caller may read.
	pat, err := s.App.Patents.Read(ctx, p, c.Param("id"))
	if err != nil {
		return err
	}
	id := pat.ApplicationNumber
	if req.Scope, err = s.App.SearchScope(ctx, p, search.Patents); err != nil {
		return err
	}
	res, err := s.Cfg.Search.Similar(ctx, id, req)
	if err != nil {
		return err
	}
	return writeSearchResult(c, res, req, page)
}

// landscape handles GET /api/v1/landscape (app.Landscape): the patent
// landscape of a region and IPC code as of a date, counted in the index.
// Parameters: q (a search's words), region, ipc, industry, as_of (each
// optional); format=xlsx answers the workbook.
func (s *server) landscape(c *gin.Context) error {
	params, asOf, err := s.Params(c, "q", "region", "ipc", "industry", "as_of", "format")
	if err != nil {
		return err
	}
	format := params["format"]
	if format != "" && format != "json" && format != "xlsx" {
		return data.InvalidField("format", "must be json or xlsx, not %q", format)
	}
	req := app.LandscapeRequest{Query: params["q"], Region: strings.TrimSpace(params["region"]), IPC: params["ipc"], Industry: params["industry"], AsOf: asOf}
	res, err := s.App.Landscape(c.Request.Context(), door.Caller(c), s.Cfg.Search, req)
	if err != nil {
		return err
	}
	if format == "xlsx" {
		return door.LandscapeXLSX(c, res)
	}
	door.WriteJSON(c, http.StatusOK, res)
	return nil
}

// writeSearchResult answers res, refusing a page past the last one.
func writeSearchResult(c *gin.Context, res *search.Result, req search.Request, page int) error {
	if page > 1 && req.From >= res.Total {
		last := max(1, (res.Total+req.Size-1)/req.Size)
		return data.MalformedField("page", "page %d is past the end: %d hits make %d page(s) of %d; ask for page %d or less",
			page, res.Total, last, req.Size, last)
	}
	door.WriteJSON(c, http.StatusOK, searchResult{Result: res, Page: page, Size: req.Size})
	return nil
}
