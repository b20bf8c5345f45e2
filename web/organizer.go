package web

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
)

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
	// Budget is the support policies' subsidy budget this year (issue 19).
	Budget *app.SubsidyBudget
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
	ctx, p := c.Request.Context(), door.Caller(c)
	events, err := h.eventsNewestFirst(ctx, p)
	if err != nil {
		return err
	}
	deals, err := h.s.App.Deals.All(ctx, p, data.Refs{})
	if err != nil {
		return err
	}
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
	pools, err := h.s.App.Pools.All(ctx, p, data.Refs{})
	if err != nil {
		return err
	}
	v := organizerView{Deals: len(deals), Funnel: funnelBars(funnel), Pools: pools}
	if v.Budget, err = h.s.App.SubsidyBudget(ctx, p, 0); err != nil {
		return err
	}
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
	w, err := h.s.App.LoadEvent(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	sch, has, err := h.s.App.LoadSchedule(ctx, w)
	if err != nil {
		return err
	}
	deals, err := h.s.App.Deals.All(ctx, door.Caller(c), data.Refs{Event: w.Event.ID})
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
		v.Shortfalls = h.s.App.ScheduleView(w, sch, nil, sch.Unscheduled, false).Unscheduled
	}
	return h.render(c, http.StatusOK, "event", webPage{Title: w.Event.Name, Data: v})
}

// scheduleGrid lays out a schedule: one column per bank table (banks by
// ID), one row per slot with its times.
func scheduleGrid(w *app.EventWorld, sch *data.Schedule) ([]gridColumn, []gridSlot) {
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
		rows[s] = gridSlot{Slot: s + 1, Time: door.SlotLabel(w, s+1), Cells: make([]gridCell, len(cols))}
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
	if _, err := h.s.App.ComputeSchedule(c.Request.Context(), door.Caller(c), c.Param("id"), app.ScheduleRequest{}); err != nil {
		return err
	}
	h.setFlash(c, "会谈安排已生成。")
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
	if _, err := h.s.App.PublishEvent(c.Request.Context(), door.Caller(c), c.Param("id")); err != nil {
		return err
	}
	h.setFlash(c, "会谈安排已发布，银行和企业现在可以看到各自的会谈。")
	c.Redirect(http.StatusSeeOther, "/app/organizer/events/"+c.Param("id"))
	return nil
}

// printableSchedule handles GET /app/organizer/events/{id}/schedule.html:
// the API's printable schedule page (door/exports.go), which carries
// its own inline styles.
func (h *webHandlers) printableSchedule(c *gin.Context) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer"); err != nil {
		return err
	}
	c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	c.Header("X-Content-Type-Options", "nosniff")
	return h.s.ScheduleHTML(c)
}
