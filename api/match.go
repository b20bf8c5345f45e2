package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/door"
	"ipmatch/matcher"
)

// The matching endpoints (app/matches.go holds the operations and their
// access rules):
//
//   - GET /enterprises/{id}/matches: the enterprise itself and the
//     organizer.
//   - GET /products/{id}/pipeline: the bank owning the product and the
//     organizer.
//   - GET /enterprises/{id}/valuation: whoever may read the enterprise.
//   - POST /valuations/income: any caller; it reads no record.
//
// Every answer is computed on request from the stored records, as of the
// optional as_of parameter (YYYY-MM-DD, default today in China Standard
// Time), and carries the matcher's model version and parameters so that
// it can be reproduced.

// matchRoutes registers the matching and valuation endpoints on g.
func matchRoutes(s *server, g *gin.RouterGroup) {
	g.GET("/enterprises/:id/matches", s.Handle(s.enterpriseMatches))
	g.GET("/enterprises/:id/valuation", s.Handle(s.enterpriseValuation))
	g.GET("/products/:id/pipeline", s.Handle(s.productPipeline))
	g.POST("/valuations/income", s.Handle(s.incomeValuation))
}

// enterpriseMatches handles GET /api/v1/enterprises/{id}/matches: every
// product the caller may see, checked and ranked for the enterprise, with
// reasons, loan estimates and the Monte Carlo valuation behind them.
// Parameters: as_of, eligible (true: only eligible products).
func (s *server) enterpriseMatches(c *gin.Context) error {
	if err := app.MayMatch(door.Caller(c)); err != nil { // refused before its input is read
		return err
	}
	params, asOf, err := s.Params(c, "as_of", "eligible")
	if err != nil {
		return err
	}
	onlyEligible, err := app.FlagParam(params, "eligible")
	if err != nil {
		return err
	}
	res, err := s.App.EnterpriseMatches(c.Request.Context(), door.Caller(c), c.Param("id"), asOf, onlyEligible)
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, res)
	return nil
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
func (s *server) productPipeline(c *gin.Context) error {
	if err := app.MayPipeline(door.Caller(c)); err != nil { // refused before its input is read
		return err
	}
	params, asOf, err := s.Params(c, "as_of", "eligible", "page", "size")
	if err != nil {
		return err
	}
	onlyEligible, err := app.FlagParam(params, "eligible")
	if err != nil {
		return err
	}
	page, err := app.IntParam(params, "page", 1, 1, 1<<20)
	if err != nil {
		return err
	}
	size, err := app.IntParam(params, "size", app.DefaultPageSize, 1, app.MaxPageSize)
	if err != nil {
		return err
	}
	_, res, err := s.App.Pipeline(c.Request.Context(), door.Caller(c), c.Param("id"),
		app.PipelineQuery{AsOf: asOf, EligibleOnly: onlyEligible, Offset: (page - 1) * size, Limit: size})
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, pipelineBody{ProductPipeline: res, Page: page, Size: size})
	return nil
}

// incomeValuation handles POST /api/v1/valuations/income
// (app.IncomeValuation): 422 naming every field at fault.
func (s *server) incomeValuation(c *gin.Context) error {
	var req app.IncomeRequest
	if err := s.Decode(c, &req); err != nil {
		return err
	}
	res, err := app.IncomeValuation(req)
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, res)
	return nil
}

// enterpriseValuation handles GET /api/v1/enterprises/{id}/valuation
// (app.Valuation). Parameters: as_of, seed, draws (at most 100,000).
func (s *server) enterpriseValuation(c *gin.Context) error {
	params, asOf, err := s.Params(c, "as_of", "seed", "draws")
	if err != nil {
		return err
	}
	opts, err := app.ValuationOptions(params)
	if err != nil {
		return err
	}
	v, err := s.App.Valuation(c.Request.Context(), door.Caller(c), c.Param("id"), asOf, opts)
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, v)
	return nil
}
