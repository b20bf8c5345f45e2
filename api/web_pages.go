package api

import (
	"bytes"
	"cmp"
	"context"
	"html/template"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
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
	e, err := h.s.app.Enterprises.Read(ctx, p, p.Token.EnterpriseID)
	if err != nil {
		return nil, nil, err
	}
	patents, err := app.All(ctx, h.s.store.Patents(), data.ListOptions{Refs: data.Refs{Enterprise: e.ID}})
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
	ctx, p := c.Request.Context(), caller(c)
	_, asOf, err := h.s.params(c, "as_of")
	if err != nil {
		return err
	}
	e, patents, err := h.ownPortfolio(ctx, p)
	if err != nil {
		return err
	}
	products, err := h.s.app.VisibleProducts(ctx, p)
	if err != nil {
		return err
	}
	res, err := h.s.app.MatchEnterprise(ctx, e, patents, products, asOf)
	if err != nil {
		return err
	}
	banks, err := h.bankNames(ctx, p)
	if err != nil {
		return err
	}
	appraisers, err := h.s.app.AppraiserNames(ctx)
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

// bankNames returns the names of the banks p may read, by ID.
func (h *webHandlers) bankNames(ctx context.Context, p *app.Caller) (map[string]string, error) {
	res, err := h.s.app.Banks.List(ctx, p, app.FirstPage(app.MaxPageSize))
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, b := range res.Items {
		out[b.ID] = b.Name
	}
	return out, nil
}

// ---- Bank ----

// productView is a product with its criteria spelled out.
type productView struct {
	data.Product
	Rate       string
	Regions    []string
	Industries []string
	Types      []string
	Certs      []string
}

// bankView is the data of /app/bank.
type bankView struct {
	BankName string
	Products []productView
}

// bankPage handles GET /app/bank: the bank's products with their key
// criteria.
func (h *webHandlers) bankPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleBank, "/app/bank"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), caller(c)
	b, err := h.s.app.Banks.Read(ctx, p, p.Token.BankID)
	if err != nil {
		return err
	}
	products, err := h.s.app.VisibleProducts(ctx, p)
	if err != nil {
		return err
	}
	v := bankView{BankName: b.Name}
	for _, pr := range products {
		if pr.BankID != b.ID {
			continue
		}
		pv := productView{Product: pr, Rate: "LPR " + spreadLabel(pr.SpreadBP)}
		for _, r := range pr.Regions {
			pv.Regions = append(pv.Regions, regionName(r))
		}
		for _, code := range pr.Industries {
			if ind, ok := data.LookupIndustry(code); ok {
				pv.Industries = append(pv.Industries, ind.Code+" "+ind.Name)
			} else {
				pv.Industries = append(pv.Industries, code)
			}
		}
		for _, t := range pr.PatentTypes {
			pv.Types = append(pv.Types, t.Label())
		}
		for _, ct := range pr.RequiredCerts {
			pv.Certs = append(pv.Certs, ct.Label())
		}
		v.Products = append(v.Products, pv)
	}
	return h.render(c, http.StatusOK, "bank", webPage{Title: b.Name + " · 产品", Data: v})
}

// spreadLabel writes a spread in basis points: "+ 50BP", "− 20BP".
func spreadLabel(bp int) string {
	if bp < 0 {
		return "− " + strconv.Itoa(-bp) + "BP"
	}
	return "+ " + strconv.Itoa(bp) + "BP"
}

// pipelineView is the data of the pipeline page.
type pipelineView struct {
	Product      *data.Product
	Pipeline     matcher.ProductPipeline
	AsOf         data.Date
	Page, Pages  int
	OnlyEligible bool
	// Query is the page's query without page, for the pager and the
	// download links: built here from a date and a flag, so it is safe
	// as a URL's query as it is (html/template would escape its '=').
	Query template.URL
	// DealOf is, for a bank, its deal for this product with each
	// enterprise that has one (enterprise ID → deal ID): the row's name
	// links to that deal on /app/bank/deals, else to the row itself.
	DealOf map[string]string
	// IsBank says whether the caller is a bank (its nav shows 融资项目 and
	// 会谈安排, pages only a bank has).
	IsBank bool
}

// pipelinePageSize is the rows of one pipeline page.
const pipelinePageSize = 50

// pipelineCSVMax bounds the rows of the CSV download.
const pipelineCSVMax = 5000

// pipeline ranks the enterprises the caller may see for product id
// (app.Pipeline, as GET /api/v1/products/{id}/pipeline).
func (h *webHandlers) pipeline(ctx context.Context, p *app.Caller, id string, asOf data.Date, onlyEligible bool, offset, limit int) (*data.Product, matcher.ProductPipeline, error) {
	return h.s.app.Pipeline(ctx, p, id, app.PipelineQuery{AsOf: asOf, EligibleOnly: onlyEligible, Offset: offset, Limit: limit})
}

// pipelineParams reads as_of, eligible and page.
func (h *webHandlers) pipelineParams(c *gin.Context, allowed ...string) (data.Date, bool, int, error) {
	params, asOf, err := h.s.params(c, allowed...)
	if err != nil {
		return data.Date{}, false, 0, err
	}
	onlyEligible := false
	if v, ok := params["eligible"]; ok && v != "" {
		if onlyEligible, err = app.BoolParam("eligible", v); err != nil {
			return data.Date{}, false, 0, err
		}
	}
	page, err := app.IntParam(params, "page", 1, 1, 1<<20)
	return asOf, onlyEligible, page, err
}

// pipelinePage handles GET /app/bank/products/{id}/pipeline: the ranked
// pipeline with each score's parts, PD and EL, 50 rows a page.
func (h *webHandlers) pipelinePage(c *gin.Context) error {
	asOf, onlyEligible, page, err := h.pipelineParams(c, "as_of", "eligible", "page")
	if err != nil {
		return err
	}
	prod, res, err := h.pipeline(c.Request.Context(), caller(c), c.Param("id"), asOf, onlyEligible, (page-1)*pipelinePageSize, pipelinePageSize)
	if err != nil {
		return err
	}
	q := "as_of=" + asOf.String()
	if onlyEligible {
		q += "&eligible=true"
	}
	v := pipelineView{Product: prod, Pipeline: res, AsOf: asOf, Page: page, OnlyEligible: onlyEligible, Query: template.URL(q),
		Pages: max(1, (res.Total+pipelinePageSize-1)/pipelinePageSize)}
	if p := caller(c); p.Is(data.RoleBank) {
		v.IsBank = true
		if v.DealOf, err = h.bankDealsOf(c.Request.Context(), p, prod.ID); err != nil {
			return err
		}
	}
	return h.render(c, http.StatusOK, "pipeline", webPage{Title: prod.Name + " · 客户名单", Data: v})
}

// bankDealsOf returns bank p's deals for product, by enterprise ID: only
// deals p may read (its own bank's, dealVisible), so a link never points
// at another bank's deal. With several deals for one enterprise, the
// latest by ID wins (IDs grow with time).
func (h *webHandlers) bankDealsOf(ctx context.Context, p *app.Caller, product string) (map[string]string, error) {
	deals, err := app.All(ctx, h.s.store.Deals(), data.ListOptions{Refs: data.Refs{Bank: p.Token.BankID}})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, d := range deals {
		if d.ProductID != product || !app.DealVisible(p, &d) {
			continue
		}
		if old, ok := out[d.EnterpriseID]; !ok || d.ID > old {
			out[d.EnterpriseID] = d.ID
		}
	}
	return out, nil
}

// pipelineCSV handles GET /app/bank/products/{id}/pipeline.csv: the
// pipeline (at most 5000 rows) as CSV, UTF-8 with a byte-order mark so
// that Excel reads the Chinese; amounts in yuan.
func (h *webHandlers) pipelineCSV(c *gin.Context) error {
	asOf, onlyEligible, _, err := h.pipelineParams(c, "as_of", "eligible")
	if err != nil {
		return err
	}
	prod, res, err := h.pipeline(c.Request.Context(), caller(c), c.Param("id"), asOf, onlyEligible, 0, pipelineCSVMax)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := data.NewCSVWriter(&buf) // text cells are made formula-safe, numbers stay numbers
	header, rows := pipelineTable(res)
	cw.WriteText(header)
	for _, row := range rows {
		cw.WriteCells(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	attachment(c, "pipeline-"+prod.ID+"-"+asOf.String()+".csv")
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	return nil
}

// pipelineTable is the pipeline as the CSV and XLSX downloads give it:
// the header and one row per enterprise (amounts in yuan, rates and
// probabilities as fractions, empty cells where a figure does not apply),
// with the appraisal the estimate rests on and the model's figure beside it.
func pipelineTable(res matcher.ProductPipeline) ([]string, [][]any) {
	header := []string{"排名", "企业ID", "企业名称", "是否符合", "银行评分", "预计额度（元）", "期限（月）", "年利率",
		"评估值来源", "评估值（元）", "质押率", "模型估值（元）", "模型估值P10（元）", "评估报告编号", "质押专利数",
		"违约概率PD", "违约损失率LGD", "资金池分担比例", "预期损失EL（元）", "未通过原因"}
	r2 := func(x float64) float64 { return math.Round(x*100) / 100 }
	var rows [][]any
	for _, m := range res.Matches {
		ok := "否"
		if m.Eligible {
			ok = "是"
		}
		row := []any{m.Rank, m.EnterpriseID, m.EnterpriseName, ok, m.Score, m.EstimatedAmount, m.TermMonths, m.Rate}
		if le := m.Loan; le != nil {
			report := ""
			if r := le.Appraisal.Recorded; r != nil {
				report = r.ReportNumber
			}
			row = append(row, appraisalBasisLabel(le), r2(le.Appraisal.Value), le.PledgeRate, r2(le.Appraisal.ModelValue),
				r2(le.Appraisal.ModelLow), report, len(le.Patents))
		} else {
			row = append(row, "", "", "", "", "", "", "")
		}
		if r := m.Risk; r != nil && r.PDBand != "" { // not shared: the band, no EL
			row = append(row, r.PDBand, r.LGD, r.FundShare, app.NotShared)
		} else if r != nil {
			row = append(row, r.PD, r.LGD, r.FundShare, r.ExpectedLoss)
		} else {
			row = append(row, "", "", "", "")
		}
		var reasons []string
		for _, r := range m.Reasons {
			reasons = append(reasons, r.Message)
		}
		rows = append(rows, append(row, strings.Join(reasons, "；")))
	}
	return header, rows
}

// ---- Organizer ----

// funnelBar is one bar of the deal funnel picture.
type funnelBar struct {
	Label            string
	Reached, Current int
	// Width is the bar's length in percent of the longest.
	Width int
}

// funnelBars turns a funnel into bars scaled to its largest stage.
func funnelBars(f []app.FunnelStage) []funnelBar {
	top := 1
	for _, s := range f {
		top = max(top, s.Reached)
	}
	out := make([]funnelBar, 0, len(f))
	for _, s := range f {
		out = append(out, funnelBar{Label: s.Label, Reached: s.Reached, Current: s.Current, Width: s.Reached * 100 / top})
	}
	return out
}

// eventRow is one event of the organizer's list.
type eventRow struct {
	data.Event
	StatusLabel string
	Deals       int
}

// organizerView is the data of /app/organizer.
type organizerView struct {
	Events []eventRow
	Deals  int
	Funnel []funnelBar
	Pools  []data.Pool
}

// eventStatusLabel is the Chinese name of an event status.
func eventStatusLabel(s data.EventStatus) string {
	switch s {
	case data.EventDraft:
		return "草稿"
	case data.EventPublished:
		return "已发布"
	case data.EventClosed:
		return "已结束"
	}
	return string(s)
}

// organizerPage handles GET /app/organizer: the events and the funnel of
// every deal.
func (h *webHandlers) organizerPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer"); err != nil {
		return err
	}
	ctx := c.Request.Context()
	events, err := app.All(ctx, h.s.store.Events(), data.ListOptions{})
	if err != nil {
		return err
	}
	deals, err := app.All(ctx, h.s.store.Deals(), data.ListOptions{})
	if err != nil {
		return err
	}
	slices.SortFunc(events, func(a, b data.Event) int {
		return cmp.Or(-cmp.Compare(a.Date.String(), b.Date.String()), cmp.Compare(a.ID, b.ID))
	})
	perEvent := map[string]int{}
	funnel := make([]app.FunnelStage, 0, len(data.Stages))
	for _, s := range data.Stages {
		funnel = append(funnel, app.FunnelStage{Stage: s, Label: s.Label()})
	}
	for i := range deals {
		d := &deals[i]
		perEvent[d.EventID]++
		for k := range funnel {
			if app.Reached(d, funnel[k].Stage) {
				funnel[k].Reached++
			}
			if d.Stage == funnel[k].Stage {
				funnel[k].Current++
			}
		}
	}
	pools, err := app.All(ctx, h.s.store.Pools(), data.ListOptions{})
	if err != nil {
		return err
	}
	v := organizerView{Deals: len(deals), Funnel: funnelBars(funnel), Pools: pools}
	for _, ev := range events {
		v.Events = append(v.Events, eventRow{Event: ev, StatusLabel: eventStatusLabel(ev.Status), Deals: perEvent[ev.ID]})
	}
	return h.render(c, http.StatusOK, "organizer", webPage{Title: "组织方工作台", Data: v})
}

// participantRow is one participant of an event.
type participantRow struct {
	Role, Name      string
	Tables, Wanted  int
	MustMeet, NoThx int
	Meetings        int
}

// gridColumn is one bank table of the schedule grid.
type gridColumn struct {
	BankID, BankName string
	Table            int // within the desk
	Number           int // across the event (tableNumber)
}

// gridSlot is one row of the schedule grid: a slot and, per column, the
// meeting there (zero when free).
type gridSlot struct {
	Slot  int
	Time  string
	Cells []gridCell
}

// gridCell is one meeting of the schedule grid: the enterprise's name
// ("" when the table is free), the pair and whether it is pinned.
type gridCell struct {
	Name, EnterpriseID, BankID string
	Pinned                     bool
	Slot                       int // the meeting's slot (the move select starts there)
	// Override marks a meeting the organizer forced against the rules,
	// for OverrideReason.
	Override       bool
	OverrideReason string
}

// eventView is the data of the event page.
type eventView struct {
	Event        data.Event
	StatusLabel  string
	Region       string
	Participants []participantRow
	HasSchedule  bool
	Meetings     int
	Columns      []gridColumn
	Rows         []gridSlot
	Shortfalls   []app.UnscheduledBody
	Report       app.EventReport
	Funnel       []funnelBar
	CanCompute   bool
	CanPublish   bool
	// CanPin offers the pin / unpin buttons and the move selects on the
	// grid (a draft schedule only).
	CanPin bool
	// SlotOptions are the slots a meeting can move to.
	SlotOptions []slotOption
}

// eventPage handles GET /app/organizer/events/{id}: participants, the
// schedule grid (rows = slots, columns = bank tables), the deal funnel and
// the forms that compute and publish the schedule.
func (h *webHandlers) eventPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer"); err != nil {
		return err
	}
	ctx := c.Request.Context()
	w, err := h.s.app.LoadEvent(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	sch, has, err := h.s.app.LoadSchedule(ctx, w)
	if err != nil {
		return err
	}
	deals, err := app.All(ctx, h.s.store.Deals(), data.ListOptions{Refs: data.Refs{Event: w.Event.ID}})
	if err != nil {
		return err
	}
	rep := app.BuildReport(w, deals, sch, has)
	v := eventView{Event: w.Event, StatusLabel: eventStatusLabel(w.Event.Status), Region: regionName(w.Event.Region), HasSchedule: has,
		Report: rep, Funnel: funnelBars(rep.Funnel), CanCompute: w.Event.Status == data.EventDraft,
		CanPublish: has && w.Event.Status == data.EventDraft}
	count := map[string]int{}
	if has {
		for _, m := range sch.Meetings {
			count[m.EnterpriseID]++
			count[m.BankID]++
		}
	}
	for i := range w.Parts {
		pt := &w.Parts[i]
		row := participantRow{Tables: pt.Tables}
		for _, pref := range pt.Preferences {
			if pref.Kind == data.MustMeet {
				row.MustMeet++
			} else {
				row.NoThx++
			}
		}
		switch pt.Role {
		case data.RoleEnterprise:
			row.Role, row.Name, row.Wanted, row.Meetings = "企业", w.Name(pt.EnterpriseID), app.WantedMeetings(&w.Event, pt), count[pt.EnterpriseID]
		case data.RoleBankDesk:
			row.Role, row.Name, row.Meetings = "银行", w.Name(pt.BankID), count[pt.BankID]
		case data.RoleValuer:
			row.Role, row.Name = "评估机构", pt.Name
		default:
			row.Role, row.Name = string(pt.Role), pt.Name
		}
		v.Participants = append(v.Participants, row)
	}
	roleOrder := map[string]int{"银行": 0, "企业": 1, "评估机构": 2}
	slices.SortStableFunc(v.Participants, func(a, b participantRow) int { return cmp.Compare(roleOrder[a.Role], roleOrder[b.Role]) })
	if has {
		v.Meetings = len(sch.Meetings)
		v.Columns, v.Rows = scheduleGrid(w, sch)
		v.CanPin = w.Event.Status == data.EventDraft // editMeeting refuses pins once published
		v.SlotOptions = slotOptions(w)
		v.Shortfalls = h.s.app.ScheduleView(w, sch, nil, sch.Shortfalls, false).Unscheduled
	}
	return h.render(c, http.StatusOK, "event", webPage{Title: w.Event.Name, Data: v})
}

// scheduleGrid lays out a schedule: one column per bank table (banks by
// ID), one row per slot with its times.
func scheduleGrid(w *app.EventWorld, sch *app.StoredSchedule) ([]gridColumn, []gridSlot) {
	var banks []string
	for id := range w.BankPart {
		banks = append(banks, id)
	}
	slices.Sort(banks)
	var cols []gridColumn
	colOf := map[string]int{} // bank|table -> column
	for _, b := range banks {
		for t := 1; t <= max(1, w.BankPart[b].Tables); t++ {
			colOf[b+"|"+strconv.Itoa(t)] = len(cols)
			cols = append(cols, gridColumn{BankID: b, BankName: w.Name(b), Table: t, Number: w.TableNumber(b, t)})
		}
	}
	rows := make([]gridSlot, w.Event.Slots)
	for s := range rows {
		rows[s] = gridSlot{Slot: s + 1, Time: slotLabel(w, s+1), Cells: make([]gridCell, len(cols))}
	}
	for _, m := range sch.Meetings {
		col, ok := colOf[m.BankID+"|"+strconv.Itoa(m.Table)]
		if !ok || m.Slot < 1 || m.Slot > len(rows) {
			continue // a meeting outside the event's grid: the API reports it
		}
		rows[m.Slot-1].Cells[col] = gridCell{Name: w.Name(m.EnterpriseID), EnterpriseID: m.EnterpriseID, BankID: m.BankID, Pinned: m.Pinned,
			Slot: m.Slot, Override: m.Override, OverrideReason: m.OverrideReason}
	}
	return cols, rows
}

// computeSchedule handles POST /app/organizer/events/{id}/schedule: it
// computes the schedule as POST /api/v1/events/{id}/schedule does with no
// body (the stored overrides and pins are kept) and goes back to the event
// page.
func (h *webHandlers) computeSchedule(c *gin.Context) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer"); err != nil {
		return err
	}
	if _, err := h.s.app.ComputeSchedule(c.Request.Context(), caller(c), c.Param("id"), app.ScheduleRequest{}); err != nil {
		return err
	}
	h.sessions.setFlash(session(c).id, "会谈安排已生成。")
	c.Redirect(http.StatusSeeOther, "/app/organizer/events/"+c.Param("id"))
	return nil
}

// publish handles POST /app/organizer/events/{id}/publish: it publishes
// the event as POST /api/v1/events/{id}/publish does and goes back to the
// event page.
func (h *webHandlers) publish(c *gin.Context) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer"); err != nil {
		return err
	}
	if _, err := h.s.app.PublishEvent(c.Request.Context(), caller(c), c.Param("id")); err != nil {
		return err
	}
	h.sessions.setFlash(session(c).id, "会谈安排已发布，银行和企业现在可以看到各自的会谈。")
	c.Redirect(http.StatusSeeOther, "/app/organizer/events/"+c.Param("id"))
	return nil
}

// printableSchedule handles GET /app/organizer/events/{id}/schedule.html:
// the API's printable schedule page (schedule_export.go), which carries
// its own inline styles.
func (h *webHandlers) printableSchedule(c *gin.Context) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer"); err != nil {
		return err
	}
	c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "no-store")
	return h.s.scheduleHTML(c)
}
