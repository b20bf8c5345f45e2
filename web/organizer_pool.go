package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
	"ipmatch/matcher"
)

// poolView is the data of /app/organizer/pools/{id}.
type poolView struct {
	Pool *data.Pool
	Risk *matcher.PoolRiskResult
	AsOf data.Date
	// Filings is the pool's book, for those who may see it (organizer_pool_filings.go).
	Filings *poolFilings
	// Watch is the exposure by collateral flag and the likely claims
	// (organizer_pool_flags.go).
	Watch *poolWatch
}

// poolPage handles GET /app/organizer/pools/{id}: the pool's size,
// filings, exposure, claims, remaining size, the exposure by collateral
// flag and the claims likely to come, the probability it is exhausted
// with the flags and without, and the extra lending it can back (the
// computation of GET /api/v1/pools/{id}/risk with its defaults).
func (h *webHandlers) poolPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer/pools"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), door.Caller(c)
	params, asOf, err := h.s.Params(c, "as_of", "page")
	if err != nil {
		return err
	}
	page, err := app.IntParam(params, "page", 1, 1, 1<<20)
	if err != nil {
		return err
	}
	pool, err := h.s.App.Pools.Read(ctx, p, c.Param("id"))
	if err != nil {
		return err
	}
	res, err := h.s.App.PoolRisk(ctx, p, pool.ID, asOf, &matcher.PoolRiskConfig{})
	if err != nil {
		return err
	}
	filings, err := h.poolFilingsOf(ctx, p, pool.ID, res, page, func(n int) string { return poolPageLink(pool.ID, params["as_of"], n) })
	if err != nil {
		return err
	}
	watch, err := h.poolWatchOf(ctx, p, res)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "pool", webPage{Title: "资金池 · " + pool.Name, Data: poolView{Pool: pool, Risk: res, AsOf: asOf, Filings: filings, Watch: watch}})
}
