package api

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
)

// reportRegistered counts an event's registrations.
type reportRegistered struct {
	Enterprises int `json:"enterprises"`
	Banks       int `json:"banks"`
	Tables      int `json:"tables"`
	Valuers     int `json:"valuers"`
}

// reportMeetings counts an event's meetings.
type reportMeetings struct {
	// Computed says whether the event has a schedule.
	Computed    bool `json:"computed"`
	Scheduled   int  `json:"scheduled"`
	Held        int  `json:"held"`
	MustMeet    int  `json:"must_meet"`
	MustMeetMet int  `json:"must_meet_met"`
	Unscheduled int  `json:"unscheduled"`
}

// funnelStage is one stage of the deal funnel: how many of the event's
// deals reached it (it is in their history) and how many are at it now.
type funnelStage struct {
	Stage   data.Stage `json:"stage"`
	Label   string     `json:"label"`
	Reached int        `json:"reached"`
	Current int        `json:"current"`
}

// bankReport is one bank's line of the report.
type bankReport struct {
	BankID          string `json:"bank_id"`
	BankName        string `json:"bank_name"`
	Tables          int    `json:"tables"`
	Meetings        int    `json:"meetings"`
	Held            int    `json:"held"`
	Deals           int    `json:"deals"`
	Intents         int    `json:"intents"`
	Filings         int    `json:"filings"`
	Disbursed       int    `json:"disbursed"`
	DisbursedAmount int64  `json:"disbursed_amount"`
}

// eventReport is the answer of GET /events/{id}/report.
type eventReport struct {
	EventID         string           `json:"event_id"`
	EventName       string           `json:"event_name"`
	Status          data.EventStatus `json:"status"`
	Date            data.Date        `json:"date"`
	Registered      reportRegistered `json:"registered"`
	Meetings        reportMeetings   `json:"meetings"`
	Deals           int              `json:"deals"`
	Intents         int              `json:"intents"`
	Filings         int              `json:"filings"`
	Disbursed       int              `json:"disbursed"`
	DisbursedAmount int64            `json:"disbursed_amount"`
	Funnel          []funnelStage    `json:"funnel"`
	Banks           []bankReport     `json:"banks"`
	Notes           []string         `json:"notes"`
}

// reached reports whether deal d has been at stage s.
func reached(d *data.Deal, s data.Stage) bool {
	if d.Stage == s {
		return true
	}
	return slices.ContainsFunc(d.History, func(h data.StageChange) bool { return h.Stage == s })
}

// report handles GET /api/v1/events/{id}/report (organizer): registrations,
// meetings scheduled and held, the funnel of the event's deals by stage and
// each bank's figures. format=csv exports it.
func (h *eventHandlers) report(c *gin.Context) error {
	ctx, p := c.Request.Context(), caller(c)
	if err := organizerOnly(p, "read an event's report"); err != nil {
		return err
	}
	params, err := onlyParams(c, "format")
	if err != nil {
		return err
	}
	format := params["format"]
	if format != "" && format != "json" && format != "csv" {
		return malformedField("format", "must be json or csv, not %q", format)
	}
	w, err := h.loadEvent(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	deals, err := all(ctx, h.s.store.Deals(), data.ListOptions{Refs: data.Refs{Event: w.ev.ID}})
	if err != nil {
		return err
	}
	sch, hasSchedule, err := h.loadSchedule(ctx, w)
	if err != nil {
		return err
	}
	rep := buildReport(w, deals, sch, hasSchedule)
	if format == "csv" {
		return writeReportCSV(c, rep)
	}
	writeJSON(c, http.StatusOK, rep)
	return nil
}

// buildReport computes the report of event w from its deals and schedule.
func buildReport(w *eventWorld, deals []data.Deal, sch *storedSchedule, hasSchedule bool) eventReport {
	rep := eventReport{EventID: w.ev.ID, EventName: w.ev.Name, Status: w.ev.Status, Date: w.ev.Date, Deals: len(deals),
		Funnel: []funnelStage{}, Banks: []bankReport{}, Notes: []string{
			"a meeting counts as held when its outcome is held, or when a deal of the event between the pair moved to met on the event day",
			"reached counts the deals whose history includes the stage; current those at it now",
		}}
	banks := map[string]*bankReport{}
	bank := func(id string) *bankReport {
		if b := banks[id]; b != nil {
			return b
		}
		b := &bankReport{BankID: id, BankName: w.name(id)}
		banks[id] = b
		return b
	}
	for i := range w.parts {
		switch pt := &w.parts[i]; pt.Role {
		case data.RoleEnterprise:
			rep.Registered.Enterprises++
		case data.RoleBankDesk:
			rep.Registered.Banks++
			rep.Registered.Tables += pt.Tables
			bank(pt.BankID).Tables = pt.Tables
		case data.RoleValuer:
			rep.Registered.Valuers++
		}
	}
	// Deals moved to met on the event day, by pair.
	metOnDay := map[[2]string]bool{}
	for i := range deals {
		d := &deals[i]
		for _, hc := range d.History {
			if hc.Stage == data.StageMet && data.DateOf(hc.At.In(eventZone)) == w.ev.Date {
				metOnDay[[2]string{d.EnterpriseID, d.BankID}] = true
			}
		}
	}
	if hasSchedule {
		rep.Meetings.Computed = true
		rep.Meetings.Scheduled = len(sch.Meetings)
		rep.Meetings.MustMeet, rep.Meetings.MustMeetMet = sch.MustMeet, sch.MustMeetMet
		rep.Meetings.Unscheduled = len(sch.Shortfalls)
		for _, m := range sch.Meetings {
			b := bank(m.BankID)
			b.Meetings++
			if m.Outcome == "held" || metOnDay[[2]string{m.EnterpriseID, m.BankID}] {
				rep.Meetings.Held++
				b.Held++
			}
		}
	} else {
		rep.Notes = append(rep.Notes, "the event has no schedule yet: meetings are not counted")
	}
	for _, s := range data.Stages {
		rep.Funnel = append(rep.Funnel, funnelStage{Stage: s, Label: s.Label()})
	}
	for i := range deals {
		d := &deals[i]
		b := bank(d.BankID)
		b.Deals++
		for k := range rep.Funnel {
			if reached(d, rep.Funnel[k].Stage) {
				rep.Funnel[k].Reached++
			}
			if d.Stage == rep.Funnel[k].Stage {
				rep.Funnel[k].Current++
			}
		}
		if reached(d, data.StageIntent) {
			rep.Intents++
			b.Intents++
		}
		if reached(d, data.StageFiled) {
			rep.Filings++
			b.Filings++
		}
		if reached(d, data.StageDisbursed) {
			rep.Disbursed++
			rep.DisbursedAmount += d.Amount
			b.Disbursed++
			b.DisbursedAmount += d.Amount
		}
	}
	ids := make([]string, 0, len(banks))
	for id := range banks {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		rep.Banks = append(rep.Banks, *banks[id])
	}
	return rep
}

// writeReportCSV writes the report as CSV in three blocks separated by an
// empty line: the totals (指标, 数值), the funnel and the banks.
func writeReportCSV(c *gin.Context, rep eventReport) error {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := data.NewCSVWriter(&buf) // text cells are made formula-safe
	itoa := strconv.Itoa
	cw.WriteText([]string{"指标", "数值"})
	for _, kv := range [][2]string{
		{"对接会", rep.EventName}, {"日期", rep.Date.String()}, {"状态", string(rep.Status)},
		{"报名企业", itoa(rep.Registered.Enterprises)}, {"参会银行", itoa(rep.Registered.Banks)},
		{"洽谈桌", itoa(rep.Registered.Tables)}, {"评估机构", itoa(rep.Registered.Valuers)},
		{"安排会谈", itoa(rep.Meetings.Scheduled)}, {"已举行会谈", itoa(rep.Meetings.Held)},
		{"必约（已安排/总数）", itoa(rep.Meetings.MustMeetMet) + "/" + itoa(rep.Meetings.MustMeet)},
		{"意向", itoa(rep.Intents)}, {"备案", itoa(rep.Filings)},
		{"放款笔数", itoa(rep.Disbursed)}, {"放款金额（元）", strconv.FormatInt(rep.DisbursedAmount, 10)},
	} {
		cw.WriteText(kv[:])
	}
	cw.WriteText(nil)
	cw.WriteText([]string{"阶段", "阶段代码", "到达", "当前"})
	for _, f := range rep.Funnel {
		cw.WriteText([]string{f.Label, string(f.Stage), itoa(f.Reached), itoa(f.Current)})
	}
	cw.WriteText(nil)
	cw.WriteText([]string{"银行", "银行ID", "洽谈桌", "安排会谈", "已举行", "项目", "意向", "备案", "放款笔数", "放款金额（元）"})
	for _, b := range rep.Banks {
		cw.WriteText([]string{b.BankName, b.BankID, itoa(b.Tables), itoa(b.Meetings), itoa(b.Held), itoa(b.Deals), itoa(b.Intents),
			itoa(b.Filings), itoa(b.Disbursed), strconv.FormatInt(b.DisbursedAmount, 10)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	attachment(c, "report-"+rep.EventID+".csv")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	return nil
}
