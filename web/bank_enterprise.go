package web

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
	"ipmatch/door"
	"ipmatch/matcher"
)

// The page where a bank looks at one enterprise (issue 13): GET
// /app/bank/enterprises/{id}. The pipeline, meetings and deals pages link
// an enterprise's name here.

// bankEnterpriseRow is one of the bank's active products with the
// enterprise's row of its pipeline.
type bankEnterpriseRow struct {
	Product data.Product
	Match   matcher.Match
}

// bankEnterpriseMeeting is a meeting of the bank with the enterprise at a
// published event.
type bankEnterpriseMeeting struct {
	Event data.Event
	myMeeting
}

// bankEnterpriseView is the data of /app/bank/enterprises/{id}.
type bankEnterpriseView struct {
	BankName   string
	Enterprise data.Enterprise
	Industry   string
	AsOf       data.Date
	Rows       []bankEnterpriseRow
	Deals      []dealRow
	Meetings   []bankEnterpriseMeeting
}

// bankEnterprisePage handles GET /app/bank/enterprises/{id}: one
// enterprise as the bank sees it: its facts, its row of the pipeline of
// each of the bank's active products, the bank's deals with it and their
// meetings at published events. Only a bank; an enterprise the bank may
// not see (app/policy.go's bankSeesEnterprise) is
// a 404 like an unknown one. Takes as_of like the pipeline.
func (h *webHandlers) bankEnterprisePage(c *gin.Context) error {
	if err := requireRole(c, data.RoleBank, "/app/bank/enterprises"); err != nil {
		return err
	}
	_, asOf, err := h.s.Params(c, "as_of")
	if err != nil {
		return err
	}
	ctx, p := c.Request.Context(), door.Caller(c)
	e, rows, err := h.s.App.BankRows(ctx, p, c.Param("id"), asOf)
	if err != nil {
		return err
	}
	b, err := h.s.App.Banks.Read(ctx, p, p.Token.BankID)
	if err != nil {
		return err
	}
	v := bankEnterpriseView{BankName: b.Name, Enterprise: *e, Industry: e.Industry, AsOf: asOf}
	if ind, ok := data.LookupIndustry(e.Industry); ok {
		v.Industry = ind.Code + " " + ind.Name
	}
	// Each active product's row (web_bank_enterprise_test.go checks that
	// they agree with GET /api/v1/products/{id}/pipeline).
	var products []data.Product
	for _, r := range rows {
		v.Rows = append(v.Rows, bankEnterpriseRow{Product: r.Product, Match: r.Match})
		products = append(products, r.Product)
	}

	// The bank's deals with the enterprise (those it may read).
	deals, err := h.s.App.Deals.All(ctx, p, data.Refs{Bank: b.ID, Enterprise: e.ID})
	if err != nil {
		return err
	}
	prodName := map[string]string{}
	for _, pr := range products {
		prodName[pr.ID] = pr.Name
	}
	for _, d := range deals {
		if d.EnterpriseID != e.ID {
			continue
		}
		n, ok := prodName[d.ProductID]
		if !ok {
			if pr, err := h.s.Store().Products().Get(ctx, d.ProductID); err == nil {
				n = pr.Name
			} else {
				n = d.ProductID
			}
			prodName[d.ProductID] = n
		}
		v.Deals = append(v.Deals, dealRow{Deal: d, EnterpriseName: e.Name, ProductName: n, StageLabel: d.Stage.Label()})
	}
	slices.SortFunc(v.Deals, func(a, b dealRow) int { return cmp.Compare(a.ID, b.ID) })

	// Its meetings with the bank at published events.
	evs, err := h.myMeetings(ctx, p)
	if err != nil {
		return err
	}
	for _, em := range evs {
		for _, m := range em.Meetings {
			if m.PartnerID == e.ID {
				v.Meetings = append(v.Meetings, bankEnterpriseMeeting{Event: em.Event, myMeeting: m})
			}
		}
	}
	return h.render(c, http.StatusOK, "bank_enterprise", webPage{Title: e.Name + " · 企业详情", Data: v})
}
