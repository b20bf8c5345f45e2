package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/door"
)

// poolRisk handles GET /api/v1/pools/{id}/risk (app.PoolRisk): the
// organizer sees every loan and claim; a bank the aggregate figures only
// (app.PresentPoolRisk); an enterprise is refused. Parameters: as_of (PDs
// as of this date, default today in China Standard Time), seed, draws
// (100 to 200,000), rho, lgd, confidence, new_loan_size, flagged_pd.
func (s *server) poolRisk(c *gin.Context) error {
	if err := app.MayPoolRisk(door.Caller(c)); err != nil { // refused before its input is read
		return err
	}
	params, asOf, err := s.Params(c, "as_of", "seed", "draws", "rho", "lgd", "confidence", "new_loan_size", "flagged_pd")
	if err != nil {
		return err
	}
	cfg, err := app.PoolRiskParams(params)
	if err != nil {
		return err
	}
	p := door.Caller(c)
	res, err := s.App.PoolRisk(c.Request.Context(), p, c.Param("id"), asOf, cfg)
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, app.PresentPoolRisk(p, res))
	return nil
}

// moveDeal handles POST /api/v1/deals/{id}/stage (app.MoveDeal), which
// checks a move to filed under a pool against the pool's caps and the
// product it covers (409 naming the cap or product_id).
func (s *server) moveDeal(c *gin.Context) error {
	ifMatch, err := door.IfMatch(c)
	if err != nil {
		return err
	}
	var req app.StageRequest
	if err := s.Decode(c, &req); err != nil {
		return err
	}
	req.IfMatch = ifMatch
	d, err := s.App.MoveDeal(c.Request.Context(), door.Caller(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	door.SetETag(c, d.Revision)
	door.WriteJSON(c, http.StatusOK, d)
	return nil
}

// dealRisks handles GET /api/v1/deals/{id}/risks (app.DealRisks): what
// threatens a live deal's pledged patents on as_of, fees warned of
// warn_days ahead (default 30).
func (s *server) dealRisks(c *gin.Context) error {
	params, asOf, err := s.Params(c, "as_of", "warn_days")
	if err != nil {
		return err
	}
	warn, err := app.WarnDaysParam(params["warn_days"])
	if err != nil {
		return err
	}
	res, err := s.App.DealRisks(c.Request.Context(), door.Caller(c), c.Param("id"), asOf, warn)
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, res)
	return nil
}
