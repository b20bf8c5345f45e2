package web

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
	"ipmatch/matcher"
)

// The pages of each role. Each handler checks the role, then calls the
// functions the JSON handlers call (resource get, visibleProducts,
// bankSees, the matcher, loadEvent, loadSchedule, buildReport), so the
// pages show exactly what the API would answer the same caller.

// ---- Enterprise ----

// enterpriseView is the data of /app/enterprise.
type enterpriseView struct {
	Enterprise *data.Enterprise
	Industry   string
	Certs      []string
	Patents    []data.Patent
	AsOf       data.Date
	Matches    []productMatchView
	Eligible   int
	// ValuationNote says why the portfolio could not be valued, if so.
	ValuationNote string
}

// productMatchView is one product ranked for the enterprise.
type productMatchView struct {
	matcher.Match
	BankName string
	// Loan is the estimate as the page shows it (nil when there is none).
	Loan *loanView
}

// pledgedView is one pledged patent with its title.
type pledgedView struct {
	matcher.PledgedPatent
	Title string
}

// ownPortfolio returns the signed-in enterprise and its patents.
func (h *webHandlers) ownPortfolio(ctx context.Context, p *app.Caller) (*data.Enterprise, []data.Patent, error) {
	e, err := h.s.App.Enterprises.Read(ctx, p, p.Token.EnterpriseID)
	if err != nil {
		return nil, nil, err
	}
	patents, err := app.All(ctx, h.s.Store().Patents(), data.ListOptions{Refs: data.Refs{Enterprise: e.ID}})
	if err != nil {
		return nil, nil, err
	}
	return e, patents, nil
}

// enterprisePage handles GET /app/enterprise: the enterprise's profile,
// patents and the products ranked for it (as GET
// /api/v1/enterprises/{id}/matches).
func (h *webHandlers) enterprisePage(c *gin.Context) error {
	if err := requireRole(c, data.RoleCompany, "/app/enterprise"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), door.Caller(c)
	_, asOf, err := h.s.Params(c, "as_of")
	if err != nil {
		return err
	}
	e, patents, err := h.ownPortfolio(ctx, p)
	if err != nil {
		return err
	}
	products, err := h.s.App.VisibleProducts(ctx, p)
	if err != nil {
		return err
	}
	res, err := h.s.App.MatchEnterprise(ctx, e, patents, products, asOf)
	if err != nil {
		return err
	}
	banks, err := h.bankNames(ctx, p)
	if err != nil {
		return err
	}
	appraisers, err := h.s.App.AppraiserNames(ctx)
	if err != nil {
		return err
	}
	titles := map[string]string{}
	for _, pt := range patents {
		titles[pt.ApplicationNumber] = pt.Title
	}
	v := enterpriseView{Enterprise: e, Patents: patents, AsOf: asOf, Eligible: res.Eligible, ValuationNote: res.ValuationNote}
	if ind, ok := data.LookupIndustry(e.Industry); ok {
		v.Industry = ind.Code + " " + ind.Name
	} else {
		v.Industry = e.Industry
	}
	for _, ct := range e.Certs {
		v.Certs = append(v.Certs, ct.Label())
	}
	for _, m := range res.Matches {
		v.Matches = append(v.Matches, productMatchView{Match: m, BankName: banks[m.BankID],
			Loan: newLoanView(m.Loan, appraisers, titles, m.Valuation.Approach)})
	}
	return h.render(c, http.StatusOK, "enterprise", webPage{Title: e.Name, Data: v})
}
