package api

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
)

// eventRoutes registers the event endpoints on g, including POST
// /deals/{id}/stage (deals.go's move with the pool's caps checked).
func eventRoutes(s *server, g *gin.RouterGroup) {
	g.POST("/events/:id/schedule", s.Handle(s.computeSchedule))
	g.GET("/events/:id/schedule", s.Handle(s.getSchedule))
	g.PUT("/events/:id/schedule/meetings", s.Handle(s.putMeeting))
	g.GET("/events/:id/schedule.csv", s.Handle(s.ScheduleCSV))
	g.GET("/events/:id/schedule.xlsx", s.Handle(s.ScheduleXLSX))
	g.GET("/events/:id/schedule.html", s.Handle(s.ScheduleHTML))
	g.GET("/events/:id/participants/:pid/calendar.ics", s.Handle(s.Calendar))
	g.GET("/events/:id/wishes", s.Handle(s.getWishes)) // wishes.go
	g.POST("/events/:id/publish", s.Handle(s.publish))
	g.GET("/events/:id/report", s.Handle(s.report))
	g.GET("/pools/:id/risk", s.Handle(s.poolRisk))
	g.POST("/deals/:id/stage", s.Handle(s.moveDeal))
	g.GET("/deals/:id/risks", s.Handle(s.dealRisks))
}

// putMeeting handles PUT /api/v1/events/{id}/schedule/meetings
// (organizer). A change that double-books someone is a conflict (409)
// naming who; a table or slot out of range is invalid (422). Once the
// event is published (or closed) only the outcome changes: a move, pin,
// unpin, new meeting or removal is a conflict (409).
func (s *server) putMeeting(c *gin.Context) error {
	var req app.MeetingRequest
	if err := s.Decode(c, &req); err != nil {
		return err
	}
	body, err := s.App.EditSchedule(c.Request.Context(), door.Caller(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, body)
	return nil
}

// publish handles POST /api/v1/events/{id}/publish (organizer): the event
// moves to published, so banks and enterprises see their meetings. The
// event needs a schedule; a closed event cannot be published again.
func (s *server) publish(c *gin.Context) error {
	ev, err := s.App.PublishEvent(c.Request.Context(), door.Caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, ev)
	return nil
}

// getSchedule handles GET /api/v1/events/{id}/schedule. Parameters:
// bank_id, enterprise_id (filters).
func (s *server) getSchedule(c *gin.Context) error {
	params, err := app.Params(c.Request.URL.Query(), "bank_id", "enterprise_id")
	if err != nil {
		return err
	}
	w, sch, ms, sfs, full, err := s.App.VisibleSchedule(c.Request.Context(), door.Caller(c), c.Param("id"), params["bank_id"], params["enterprise_id"])
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, s.App.ScheduleView(w, sch, ms, sfs, full))
	return nil
}

// computeSchedule handles POST /api/v1/events/{id}/schedule (organizer):
// it computes the schedule of a draft event from its participants, their
// preferences, the match scores, the overrides and the kept pins, stores
// it and answers it.
func (s *server) computeSchedule(c *gin.Context) error {
	var req app.ScheduleRequest
	if err := s.DecodeOptional(c, &req); err != nil {
		return err
	}
	body, err := s.App.ComputeSchedule(c.Request.Context(), door.Caller(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, body)
	return nil
}

// getWishes handles GET /api/v1/events/{id}/wishes. Parameter:
// enterprise_id (required for the organizer; an enterprise's own by
// default).
func (s *server) getWishes(c *gin.Context) error {
	params, err := app.Params(c.Request.URL.Query(), "enterprise_id")
	if err != nil {
		return err
	}
	body, err := s.App.Wishes(c.Request.Context(), door.Caller(c), c.Param("id"), params["enterprise_id"])
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, body)
	return nil
}

// report handles GET /api/v1/events/{id}/report (organizer): registrations,
// meetings scheduled and held, the funnel of the event's deals by stage and
// each bank's figures. format=csv exports it.
func (s *server) report(c *gin.Context) error {
	params, err := app.Params(c.Request.URL.Query(), "format")
	if err != nil {
		return err
	}
	format := params["format"]
	if format != "" && format != "json" && format != "csv" {
		return data.MalformedField("format", "must be json or csv, not %q", format)
	}
	rep, err := s.App.Report(c.Request.Context(), door.Caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	if format == "csv" {
		return writeReportCSV(c, rep)
	}
	door.WriteJSON(c, http.StatusOK, rep)
	return nil
}

// writeReportCSV writes the report as CSV in three blocks separated by an
// empty line: the totals (指标, 数值), the funnel and the banks.
func writeReportCSV(c *gin.Context, rep app.EventReport) error {
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
	door.Attachment(c, "report-"+rep.EventID+".csv")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	return nil
}
