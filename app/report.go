package app

import (
	"context"
	"slices"

	"ipmatch/data"
)

// ReportRegistered counts an event's registrations.
type ReportRegistered struct {
	Enterprises int `json:"enterprises"`
	Banks       int `json:"banks"`
	Tables      int `json:"tables"`
	Valuers     int `json:"valuers"`
}

// ReportMeetings counts an event's meetings.
type ReportMeetings struct {
	// Computed says whether the event has a schedule.
	Computed    bool `json:"computed"`
	Scheduled   int  `json:"scheduled"`
	Held        int  `json:"held"`
	MustMeet    int  `json:"must_meet"`
	MustMeetMet int  `json:"must_meet_met"`
	Unscheduled int  `json:"unscheduled"`
}

// FunnelStage is one stage of the deal funnel: how many of the event's
// deals reached it (it is in their history) and how many are at it now.
type FunnelStage struct {
	Stage   data.Stage `json:"stage"`
	Label   string     `json:"label"`
	Reached int        `json:"reached"`
	Current int        `json:"current"`
}

// BankReport is one bank's line of the report.
type BankReport struct {
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

// EventReport is the answer of GET /events/{id}/report.
type EventReport struct {
	EventID         string           `json:"event_id"`
	EventName       string           `json:"event_name"`
	Status          data.EventStatus `json:"status"`
	Date            data.Date        `json:"date"`
	Registered      ReportRegistered `json:"registered"`
	Meetings        ReportMeetings   `json:"meetings"`
	Deals           int              `json:"deals"`
	Intents         int              `json:"intents"`
	Filings         int              `json:"filings"`
	Disbursed       int              `json:"disbursed"`
	DisbursedAmount int64            `json:"disbursed_amount"`
	Funnel          []FunnelStage    `json:"funnel"`
	Banks           []BankReport     `json:"banks"`
	Notes           []string         `json:"notes"`
}

// Reached reports whether deal d has been at stage s.
func Reached(d *data.Deal, s data.Stage) bool {
	if d.Stage == s {
		return true
	}
	return slices.ContainsFunc(d.History, func(h data.StageChange) bool { return h.Stage == s })
}

// buildReport computes the report of event w from its deals and schedule.
func BuildReport(w *EventWorld, deals []data.Deal, sch *data.Schedule, hasSchedule bool) EventReport {
	rep := EventReport{EventID: w.Event.ID, EventName: w.Event.Name, Status: w.Event.Status, Date: w.Event.Date, Deals: len(deals),
		Funnel: []FunnelStage{}, Banks: []BankReport{}, Notes: []string{
			"a meeting counts as held when its outcome is held, or when a deal of the event between the pair moved to met on the event day",
			"reached counts the deals whose history includes the stage; current those at it now",
		}}
	banks := map[string]*BankReport{}
	bank := func(id string) *BankReport {
		if b := banks[id]; b != nil {
			return b
		}
		b := &BankReport{BankID: id, BankName: w.Name(id)}
		banks[id] = b
		return b
	}
	for i := range w.Parts {
		switch pt := &w.Parts[i]; pt.Role {
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
			if hc.Stage == data.StageMet && data.DateOf(hc.At.In(ChinaZone)) == w.Event.Date {
				metOnDay[[2]string{d.EnterpriseID, d.BankID}] = true
			}
		}
	}
	if hasSchedule {
		rep.Meetings.Computed = true
		rep.Meetings.Scheduled = len(sch.Meetings)
		rep.Meetings.MustMeet, rep.Meetings.MustMeetMet = sch.MustMeet, sch.MustMeetMet
		rep.Meetings.Unscheduled = len(sch.Unscheduled)
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
		rep.Funnel = append(rep.Funnel, FunnelStage{Stage: s, Label: s.Label()})
	}
	for i := range deals {
		d := &deals[i]
		b := bank(d.BankID)
		b.Deals++
		for k := range rep.Funnel {
			if Reached(d, rep.Funnel[k].Stage) {
				rep.Funnel[k].Reached++
			}
			if d.Stage == rep.Funnel[k].Stage {
				rep.Funnel[k].Current++
			}
		}
		if Reached(d, data.StageIntent) {
			rep.Intents++
			b.Intents++
		}
		if Reached(d, data.StageFiled) {
			rep.Filings++
			b.Filings++
		}
		if Reached(d, data.StageDisbursed) {
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

// Report returns the report of event id: registrations, meetings
// scheduled and held, the funnel of the event's deals by stage and each
// bank's figures. Only the organizer may read it.
func (h *App) Report(ctx context.Context, p *Caller, id string) (EventReport, error) {
	if err := organizerOnly(p, "read an event's report"); err != nil {
		return EventReport{}, err
	}
	w, err := h.LoadEvent(ctx, id)
	if err != nil {
		return EventReport{}, err
	}
	deals, err := All(ctx, h.store.Deals(), data.ListOptions{Refs: data.Refs{Event: w.Event.ID}})
	if err != nil {
		return EventReport{}, err
	}
	sch, hasSchedule, err := h.LoadSchedule(ctx, w)
	if err != nil {
		return EventReport{}, err
	}
	return BuildReport(w, deals, sch, hasSchedule), nil
}
