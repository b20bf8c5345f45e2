package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
	"ipmatch/matcher"
)

// poolRiskBank is what a bank sees of a pool's risk: the aggregate
// figures, without the loans and claims of other banks.
type poolRiskBank struct {
	PoolID           string                     `json:"pool_id"`
	Size             int64                      `json:"size"`
	FundShare        float64                    `json:"fund_share"`
	Leverage         float64                    `json:"leverage"`
	PerLoanCap       int64                      `json:"per_loan_cap"`
	PerBorrowerCap   int64                      `json:"per_borrower_cap"`
	Filings          int                        `json:"filings"`
	Exposure         int64                      `json:"exposure"`
	Claims           int                        `json:"claims"`
	ClaimsPaid       float64                    `json:"claims_paid"`
	Remaining        float64                    `json:"remaining"`
	LeverageHeadroom float64                    `json:"leverage_headroom"`
	ExpectedLoss     float64                    `json:"expected_loss"`
	LossP95          float64                    `json:"loss_p95"`
	PExhausted       float64                    `json:"p_exhausted"`
	ExtraLending     float64                    `json:"extra_lending"`
	Parameters       matcher.PoolRiskParameters `json:"parameters"`
}

// poolRisk handles GET /api/v1/pools/{id}/risk: the pool's filings,
// claims, remaining size, simulated losses and the extra lending it can
// still back (matcher.PoolRisk). The organizer sees every loan and claim; a
// bank the aggregate figures only; an enterprise is refused. Parameters:
// as_of (PDs as of this date, default today in China Standard Time), seed,
// draws (100 to 200,000), rho, lgd, confidence, new_loan_size.
func (h *eventHandlers) poolRisk(c *gin.Context) error {
	ctx, p := c.Request.Context(), caller(c)
	if p.is(data.RoleCompany) {
		return forbidden("only the organizer and banks may read a pool's risk")
	}
	params, err := onlyParams(c, "as_of", "seed", "draws", "rho", "lgd", "confidence", "new_loan_size")
	if err != nil {
		return err
	}
	cfg := &matcher.PoolRiskConfig{}
	asOf := h.s.today()
	if v, ok := params["as_of"]; ok {
		d, err := data.ParseDate(v)
		if err != nil || d.IsZero() {
			return malformedField("as_of", "must be a date YYYY-MM-DD, not %q", v)
		}
		asOf = d
	}
	if v, ok := params["seed"]; ok {
		if cfg.Seed, err = strconv.ParseUint(v, 10, 64); err != nil || cfg.Seed == 0 {
			return malformedField("seed", "must be a positive integer, not %q", v)
		}
	}
	if v, ok := params["draws"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return malformedField("draws", "must be an integer, not %q", v)
		}
		if n < 100 || n > 200_000 {
			return invalidField("draws", "must be between 100 and 200000")
		}
		cfg.Draws = n
	}
	for name, dst := range map[string]*float64{"rho": &cfg.Rho, "lgd": &cfg.LGD, "confidence": &cfg.Confidence, "new_loan_size": &cfg.NewLoanSize} {
		if v, ok := params[name]; ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return malformedField(name, "must be a number, not %q", v)
			}
			if f == 0 {
				return invalidField(name, "must not be 0")
			}
			*dst = f
		}
	}
	res, err := h.poolRiskOf(ctx, p, c.Param("id"), asOf, cfg)
	if err != nil {
		return err
	}
	if poolBookVisible(p) {
		writeJSON(c, http.StatusOK, res)
		return nil
	}
	writeJSON(c, http.StatusOK, poolRiskBank{PoolID: res.PoolID, Size: res.Size, FundShare: res.FundShare, Leverage: res.Leverage,
		PerLoanCap: res.PerLoanCap, PerBorrowerCap: res.PerBorrowerCap, Filings: res.Filings, Exposure: res.Exposure,
		Claims: res.Claims, ClaimsPaid: res.ClaimsPaid, Remaining: res.Remaining, LeverageHeadroom: res.LeverageHeadroom,
		ExpectedLoss: res.ExpectedLoss, LossP95: res.LossP95, PExhausted: res.PExhausted, ExtraLending: res.ExtraLending,
		Parameters: res.Parameters})
	return nil
}

// poolRiskOf computes the risk of pool id, which p must be allowed to
// read, as of asOf (matcher.PoolRisk over the pool's deals and their
// borrowers). The web pages call it too.
func (h *eventHandlers) poolRiskOf(ctx context.Context, p *principal, id string, asOf data.Date, cfg *matcher.PoolRiskConfig) (*matcher.PoolRiskResult, error) {
	pool, err := poolResource(h.s.policy).get(ctx, h.s.store, p, id)
	if err != nil {
		return nil, err
	}
	deals, err := all(ctx, h.s.store.Deals(), data.ListOptions{Refs: data.Refs{Pool: pool.ID}})
	if err != nil {
		return nil, err
	}
	var entIDs []string
	seen := map[string]bool{}
	for _, d := range deals {
		if !seen[d.EnterpriseID] {
			seen[d.EnterpriseID] = true
			entIDs = append(entIDs, d.EnterpriseID)
		}
	}
	var ents []data.Enterprise
	if len(entIDs) > 0 {
		if ents, err = all(ctx, h.s.store.Enterprises(), data.ListOptions{IDs: entIDs}); err != nil {
			return nil, err
		}
	}
	res, err := matcher.PoolRisk(ctx, matcher.PoolRiskInput{Pool: *pool, Deals: deals, Enterprises: ents, AsOf: asOf}, cfg)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// moveDeal handles POST /api/v1/deals/{id}/stage: deals.go's move, which
// checks a move to filed under a pool against the pool's caps and the
// product it covers (409 naming the cap or product_id).
func (h *eventHandlers) moveDeal(c *gin.Context) error {
	var req stageRequest
	if err := h.s.decode(c, &req); err != nil {
		return err
	}
	d, err := h.moveChecked(c.Request.Context(), caller(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, d)
	return nil
}

// moveChecked is moveDeal without the HTTP; the web pages call it too.
func (h *eventHandlers) moveChecked(ctx context.Context, p *principal, id string, req stageRequest) (*data.Deal, error) {
	return h.s.move(ctx, p, id, req, time.Now().UTC())
}
