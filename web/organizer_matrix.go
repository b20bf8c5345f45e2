package web

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
	"ipmatch/matcher"
)

// The organizer's match matrix of an event, the pin / unpin buttons of
// the schedule grid and the pipeline's XLSX download.

// ---- Match matrix ----

// matrixBank is a column group of the matrix: a bank with a desk at the
// event and its products.
type matrixBank struct {
	Name     string
	Products []data.Product
}

// matrixCell is one enterprise × product pair: eligible with its score
// (the mean of both sides', as the schedule weighs pairs), or not with the
// first failed rule's message.
type matrixCell struct {
	Eligible bool
	Score    float64
	Code     string
	Reason   string
}

// matrixRow is a registered enterprise and its cells, product by product.
type matrixRow struct {
	Name     string
	Eligible int
	Cells    []matrixCell
}

// matrixView is the data of the matrix page.
type matrixView struct {
	Event    data.Event
	Banks    []matrixBank
	Products int
	Rows     []matrixRow
}

// matrixPage handles GET /app/organizer/events/{id}/matrix: the event's
// registered enterprises against the products of its bank desks, matched
// as of the event's date with the call the schedule's weights use.
func (h *webHandlers) matrixPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer"); err != nil {
		return err
	}
	ctx := c.Request.Context()
	w, err := h.s.App.LoadEvent(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	var entIDs, bankIDs []string
	for id := range w.EntPart {
		entIDs = append(entIDs, id)
	}
	for id := range w.BankPart {
		bankIDs = append(bankIDs, id)
	}
	slices.Sort(entIDs)
	slices.Sort(bankIDs)
	em, err := h.s.App.EventMatchSet(ctx, w, entIDs, bankIDs)
	if err != nil {
		return err
	}
	v := matrixView{Event: w.Event}
	byBank := map[string][]data.Product{}
	for _, p := range em.Prods {
		if !offeredAtEvent(&p) {
			continue
		}
		byBank[em.BankOf[p.ID]] = append(byBank[em.BankOf[p.ID]], p)
	}
	var cols []data.Product
	for _, b := range bankIDs {
		ps := byBank[b]
		if len(ps) == 0 {
			continue
		}
		slices.SortFunc(ps, func(a, b data.Product) int { return cmp.Compare(a.ID, b.ID) })
		v.Banks = append(v.Banks, matrixBank{Name: w.Name(b), Products: ps})
		cols = append(cols, ps...)
	}
	v.Products = len(cols)
	for _, e := range em.Ents {
		row := matrixRow{Name: e.Name}
		for _, p := range cols {
			var cell matrixCell
			if em.Set != nil {
				if ps, ok := em.Set.Pair(e.ID, p.ID); ok {
					cell = matrixCell{Eligible: ps.Eligible, Score: app.PairScore(&ps)}
					if !ps.Eligible && len(ps.Failed) > 0 {
						cell.Code, cell.Reason = string(ps.Failed[0]), string(ps.Failed[0])
						if mt, err := em.Set.Explain(e.ID, p.ID, matcher.SideBank); err == nil && len(mt.Reasons) > 0 {
							r := mt.Reasons[0]
							if i := slices.IndexFunc(mt.Reasons, func(r matcher.Reason) bool { return r.Code == ps.Failed[0] }); i >= 0 {
								r = mt.Reasons[i]
							}
							cell.Reason = r.Message
						}
					}
				}
			}
			if cell.Eligible {
				row.Eligible++
			}
			row.Cells = append(row.Cells, cell)
		}
		v.Rows = append(v.Rows, row)
	}
	return h.render(c, http.StatusOK, "matrix", webPage{Title: w.Event.Name + " · 匹配矩阵", Data: v})
}

// offeredAtEvent reports whether product p is offered at an event and so
// is a column of its matrix: a discontinued product (Active false) takes no
// new applications, so every cell would read 「产品已停办」. A product has
// no status history, only its current status, so this is the status as of
// the page's request, whatever the event's date.
func offeredAtEvent(p *data.Product) bool { return p.Active }

// ---- Pins ----

// pinMeeting handles POST /app/organizer/events/{id}/pins: it pins
// (pinned=true) or unpins (pinned=false) the meeting of enterprise_id and
// bank_id as PUT /api/v1/events/{id}/schedule/meetings does, and goes back
// to the event page.
func (h *webHandlers) pinMeeting(c *gin.Context) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer"); err != nil {
		return err
	}
	pinned, err := app.BoolParam("pinned", c.PostForm("pinned"))
	if err != nil {
		return err
	}
	req := app.MeetingRequest{EnterpriseID: c.PostForm("enterprise_id"), BankID: c.PostForm("bank_id"), Pinned: &pinned}
	if _, err := h.s.App.EditSchedule(c.Request.Context(), door.Caller(c), c.Param("id"), req); err != nil {
		return err
	}
	msg := "已取消固定该会谈。"
	if pinned {
		msg = "已固定该会谈，重新生成会谈安排时将保留。"
	}
	h.setFlash(c, msg)
	c.Redirect(http.StatusSeeOther, "/app/organizer/events/"+c.Param("id"))
	return nil
}

// ---- Pipeline XLSX ----

// pipelineXLSX handles GET /app/bank/products/{id}/pipeline.xlsx: the rows
// of pipeline.csv in one sheet with Chinese headers; amounts in yuan.
func (h *webHandlers) pipelineXLSX(c *gin.Context) error {
	asOf, onlyEligible, _, err := h.pipelineParams(c, "as_of", "eligible")
	if err != nil {
		return err
	}
	prod, res, err := h.pipeline(c.Request.Context(), door.Caller(c), c.Param("id"), asOf, onlyEligible, 0, pipelineCSVMax)
	if err != nil {
		return err
	}
	wb, err := door.NewWorkbook()
	if err != nil {
		return err
	}
	defer wb.Close()
	header, rows := pipelineTable(res)
	sh, err := wb.Sheet("客户名单", []float64{6, 14, 30, 8, 10, 14, 10, 8, 10, 14, 8, 14, 14, 26, 10, 10, 12, 14, 14, 60}, "", header)
	if err != nil {
		return err
	}
	for _, row := range rows {
		if err := sh.Row(row...); err != nil {
			return err
		}
	}
	return wb.Send(c, "pipeline-"+prod.ID+"-"+asOf.String()+".xlsx")
}
