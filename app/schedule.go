package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ipmatch/data"
	"ipmatch/matcher"
	"ipmatch/matcher/schedule"
)

// overrideScore is the weight of an ineligible pair the organizer allows:
// it has no match score, so it is scheduled only where capacity is left
// (pin it or make it must-meet to force it).
const overrideScore = 1

// weightBasis says where the weights of a schedule come from.
const weightBasis = "score of a pair = mean of the enterprise-side and bank-side match scores (0–100) of the bank's best eligible product " +
	"for the enterprise (matcher.MatchAll as of the event date); an ineligible pair allowed by an override weighs 1"

// ScheduleRequest is the optional body of POST /events/{id}/schedule.
// Overrides replace the stored ones when given (an empty list clears them);
// KeepPins (default true) keeps the pinned meetings of the current
// schedule where they still fit. Each override needs a reason (see
// CheckOverrideReason).
type ScheduleRequest struct {
	Overrides *[]ScheduleOverride `json:"overrides"`
	KeepPins  *bool               `json:"keep_pins"`
}

// ScheduleOverride is a pair the organizer lets meet although the
// eligibility rules refuse it, and why.
type ScheduleOverride struct {
	EnterpriseID string `json:"enterprise_id"`
	BankID       string `json:"bank_id"`
	// Reason is required in a request: trimmed, 1 to 200 characters.
	Reason string `json:"reason,omitempty"`
}

// CheckOverrideReason trims reason and checks it: required, at most
// data.MaxOverrideReason characters (enough for a sentence, bounded for
// the grid and the audit log). field names it in the error (422).
func CheckOverrideReason(field, reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", data.InvalidField(field, "is required: say why the rules are overridden（请填写破例安排的原因）")
	}
	if n := utf8.RuneCountInString(reason); n > data.MaxOverrideReason {
		return "", data.InvalidField(field, "has %d characters, at most %d（原因最多 %d 个字，现有 %d 个字）", n, data.MaxOverrideReason, data.MaxOverrideReason, n)
	}
	return reason, nil
}

// MeetingBody is a meeting as the API shows it; table (within the bank's
// desk, what PUT .../schedule/meetings takes) and slot are 1-based;
// table_number is the table's number across the event, as signposted at the
// venue (see tableNumber); start and end in China Standard Time.
type MeetingBody struct {
	EnterpriseID   string    `json:"enterprise_id"`
	EnterpriseName string    `json:"enterprise_name"`
	BankID         string    `json:"bank_id"`
	BankName       string    `json:"bank_name"`
	Table          int       `json:"table"`
	TableNumber    int       `json:"table_number"`
	Slot           int       `json:"slot"`
	Score          float64   `json:"score"`
	Start          time.Time `json:"start"`
	End            time.Time `json:"end"`
	Pinned         bool      `json:"pinned"`
	MustMeet       bool      `json:"must_meet"`
	Override       bool      `json:"override"`
	OverrideReason string    `json:"override_reason,omitempty"`
	Outcome        string    `json:"outcome,omitempty"`
}

// UnscheduledBody explains a shortfall: an enterprise that got fewer
// meetings than it wanted (enterprise_id only), a bank with free
// table-slots (bank_id only; wanted is tables × slots), or a must-meet pair
// that does not meet (both ids; participant_id is whoever asked).
type UnscheduledBody struct {
	ParticipantID  string `json:"participant_id,omitempty"`
	EnterpriseID   string `json:"enterprise_id,omitempty"`
	EnterpriseName string `json:"enterprise_name,omitempty"`
	BankID         string `json:"bank_id,omitempty"`
	BankName       string `json:"bank_name,omitempty"`
	Wanted         int    `json:"wanted"`
	Got            int    `json:"got"`
	Code           string `json:"code"`
	Reason         string `json:"reason"`
}

// ScheduleSummary is the organizer's part of a schedule answer.
type ScheduleSummary struct {
	Meetings    int                `json:"meetings"`
	TotalScore  float64            `json:"total_score"`
	MustMeet    int                `json:"must_meet"`
	MustMeetMet int                `json:"must_meet_met"`
	Overrides   []ScheduleOverride `json:"overrides"`
	WeightBasis string             `json:"weight_basis"`
	ComputedBy  string             `json:"computed_by"`
	UpdatedAt   time.Time          `json:"updated_at"`
}

// ScheduleBody is the answer of the schedule endpoints.
type ScheduleBody struct {
	EventID     string            `json:"event_id"`
	EventName   string            `json:"event_name"`
	Status      data.EventStatus  `json:"status"`
	Date        data.Date         `json:"date"`
	Slots       int               `json:"slots"`
	SlotMinutes int               `json:"slot_minutes"`
	ComputedAt  time.Time         `json:"computed_at"`
	Meetings    []MeetingBody     `json:"meetings"`
	Unscheduled []UnscheduledBody `json:"unscheduled"`
	Summary     *ScheduleSummary  `json:"summary,omitempty"`
	DroppedPins []MeetingBody     `json:"dropped_pins,omitempty"`
}

// compute computes, stores and returns the schedule of the draft event id
// for the organizer p (see computeSchedule).
func (h *App) ComputeSchedule(ctx context.Context, p *Caller, id string, req ScheduleRequest) (ScheduleBody, error) {
	if err := organizerOnly(p, "compute an event's schedule"); err != nil {
		return ScheduleBody{}, err
	}
	mu := &h.events[stripe(id, len(h.events))]
	mu.Lock()
	defer mu.Unlock()

	w, err := h.LoadEvent(ctx, id)
	if err != nil {
		return ScheduleBody{}, err
	}
	if w.Event.Status != data.EventDraft {
		return ScheduleBody{}, data.Errorf(data.CodeConflict, "event %s is %s: only a draft event's schedule is computed; record outcomes with PUT /api/v1/events/%s/schedule/meetings, or set the event back to draft to change the schedule", id, w.Event.Status, id)
	}
	prev, hasPrev, err := h.LoadSchedule(ctx, w)
	if err != nil {
		return ScheduleBody{}, err
	}
	overrides := []data.ScheduleOverride{}
	switch {
	case req.Overrides != nil:
		var err error
		if overrides, err = checkOverrides(w, *req.Overrides); err != nil {
			return ScheduleBody{}, err
		}
	case hasPrev:
		overrides = append(overrides, prev.Overrides...)
	}
	var pins []data.Meeting
	if hasPrev && (req.KeepPins == nil || *req.KeepPins) {
		for _, m := range prev.Meetings {
			if m.Pinned {
				pins = append(pins, m)
			}
		}
	}
	weights, err := h.pairWeights(ctx, w, "")
	if err != nil {
		return ScheduleBody{}, err
	}
	in, dropped := scheduleInput(w, weights, overrides, pins)
	start := time.Now()
	res, err := schedule.Compute(ctx, in)
	h.observe("schedule", time.Since(start))
	if err != nil {
		return ScheduleBody{}, err
	}
	now := h.now().UTC()
	sch := &data.Schedule{ID: id, EventID: id, Overrides: overrides, WeightBasis: weightBasis,
		TotalScore: round2(res.Weight), MustMeet: res.MustMeet, MustMeetMet: res.MustMeetMet, Unscheduled: []data.Shortfall{},
		ComputedAt: now, ComputedBy: p.By(), UpdatedAt: now, Meetings: []data.Meeting{}}
	for _, sf := range res.Shortfalls {
		sch.Unscheduled = append(sch.Unscheduled, storedShortfall(sf))
	}
	// A kept pin keeps its own reason; other overridden meetings take
	// the reason of their override.
	reasons := map[schedule.Pair]string{}
	for _, o := range overrides {
		reasons[schedule.Pair{EnterpriseID: o.EnterpriseID, BankID: o.BankID}] = o.Reason
	}
	pinReasons := map[schedule.Pair]string{}
	for _, m := range pins {
		pinReasons[schedule.Pair{EnterpriseID: m.EnterpriseID, BankID: m.BankID}] = m.OverrideReason
	}
	for _, m := range res.Meetings {
		sm := data.Meeting{EnterpriseID: m.EnterpriseID, BankID: m.BankID, Table: m.Table + 1,
			Slot: m.Slot + 1, Score: round2(m.Weight), Pinned: m.Pinned, MustMeet: m.MustMeet, Override: m.Override}
		if m.Override {
			pr := schedule.Pair{EnterpriseID: m.EnterpriseID, BankID: m.BankID}
			sm.OverrideReason = cmp.Or(pinReasons[pr], reasons[pr])
		}
		sch.Meetings = append(sch.Meetings, sm)
	}
	var read int64
	if hasPrev {
		read = prev.Revision
	}
	if err := h.saveSchedule(ctx, sch, read); err != nil {
		return ScheduleBody{}, err
	}
	body := h.ScheduleView(w, sch, sch.Meetings, sch.Unscheduled, true)
	for _, m := range dropped {
		body.DroppedPins = append(body.DroppedPins, MeetingView(w, m))
	}
	return body, nil
}

// storedShortfall is a scheduler's shortfall as the record keeps it.
func storedShortfall(sf schedule.Shortfall) data.Shortfall {
	return data.Shortfall{EnterpriseID: sf.EnterpriseID, BankID: sf.BankID, Wanted: sf.Wanted, Got: sf.Got, Code: string(sf.Code), Reason: sf.Reason}
}

// checkOverrides refuses overrides of a request naming someone not
// registered for the event or without a good reason (stored ones are
// filtered instead), and returns them with their trimmed reasons.
func checkOverrides(w *EventWorld, overrides []ScheduleOverride) ([]data.ScheduleOverride, error) {
	var fields []data.FieldError
	out := []data.ScheduleOverride{}
	for i, o := range overrides {
		f := "overrides[" + strconv.Itoa(i) + "]"
		reason, err := CheckOverrideReason(f+".reason", o.Reason)
		var de *data.Error
		if errors.As(err, &de) {
			fields = append(fields, de.Fields...)
		}
		if j := slices.IndexFunc(out, func(x data.ScheduleOverride) bool { return x.EnterpriseID == o.EnterpriseID && x.BankID == o.BankID }); j >= 0 {
			fields = append(fields, data.FieldError{Field: f, Reason: fmt.Sprintf("%s × %s is already overrides[%d]（同一对企业与银行只需破例一次）", o.EnterpriseID, o.BankID, j)})
		}
		out = append(out, data.ScheduleOverride{EnterpriseID: o.EnterpriseID, BankID: o.BankID, Reason: reason})
		if w.EntPart[o.EnterpriseID] == nil {
			fields = append(fields, data.FieldError{Field: f + ".enterprise_id", Reason: fmt.Sprintf("%q is not registered for event %s", o.EnterpriseID, w.Event.ID)})
		}
		if w.BankPart[o.BankID] == nil {
			fields = append(fields, data.FieldError{Field: f + ".bank_id", Reason: fmt.Sprintf("%q has no desk at event %s", o.BankID, w.Event.ID)})
		}
	}
	if len(fields) > 0 {
		return nil, &data.Error{Code: data.CodeInvalid, Message: "invalid overrides: " + fieldReasons(fields), Fields: fields}
	}
	return out, nil
}

// WantedMeetings is m_e: the enterprise's wish (0: the event's maximum),
// never above the event's maximum.
func WantedMeetings(ev *data.Event, p *data.Participant) int {
	if p.WantedMeetings > 0 {
		return min(p.WantedMeetings, ev.MaxMeetings)
	}
	return ev.MaxMeetings
}

// scheduleInput builds the scheduler's input. Pins that no longer fit (a
// participant left, a table or slot went away, the pair is now declined)
// are dropped and returned.
func scheduleInput(w *EventWorld, weights map[schedule.Pair]PairWeight, overrides []data.ScheduleOverride, pins []data.Meeting) (schedule.Input, []data.Meeting) {
	in := schedule.Input{Slots: w.Event.Slots}
	for i := range w.Parts {
		p := &w.Parts[i]
		switch p.Role {
		case data.RoleEnterprise:
			in.Enterprises = append(in.Enterprises, schedule.Enterprise{ID: p.EnterpriseID, MaxMeetings: WantedMeetings(&w.Event, p)})
		case data.RoleBankDesk:
			in.Banks = append(in.Banks, schedule.Bank{ID: p.BankID, Tables: p.Tables})
		}
	}
	slices.SortFunc(in.Enterprises, func(a, b schedule.Enterprise) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(in.Banks, func(a, b schedule.Bank) int { return cmp.Compare(a.ID, b.ID) })
	declined := map[schedule.Pair]bool{}
	for _, e := range in.Enterprises {
		for _, b := range in.Banks {
			pr := schedule.Pair{EnterpriseID: e.ID, BankID: b.ID}
			wt := weights[pr]
			in.Candidates = append(in.Candidates, schedule.Candidate{EnterpriseID: e.ID, BankID: b.ID, Weight: wt.Score, Eligible: wt.Eligible})
		}
	}
	addPref := func(pr schedule.Pair, kind data.PreferenceKind) {
		if w.EntPart[pr.EnterpriseID] == nil || w.BankPart[pr.BankID] == nil {
			return // a preference about someone not at the event
		}
		if kind == data.MustMeet {
			in.MustMeet = append(in.MustMeet, pr)
		} else {
			in.NoThanks = append(in.NoThanks, pr)
			declined[pr] = true
		}
	}
	for i := range w.Parts {
		p := &w.Parts[i]
		for _, pref := range p.Preferences {
			switch p.Role {
			case data.RoleEnterprise:
				addPref(schedule.Pair{EnterpriseID: p.EnterpriseID, BankID: pref.Target}, pref.Kind)
			case data.RoleBankDesk:
				addPref(schedule.Pair{EnterpriseID: pref.Target, BankID: p.BankID}, pref.Kind)
			}
		}
	}
	for _, o := range overrides {
		if w.EntPart[o.EnterpriseID] != nil && w.BankPart[o.BankID] != nil {
			in.Overrides = append(in.Overrides, schedule.Pair{EnterpriseID: o.EnterpriseID, BankID: o.BankID})
		}
	}
	var dropped []data.Meeting
	for _, m := range pins {
		pr := schedule.Pair{EnterpriseID: m.EnterpriseID, BankID: m.BankID}
		bp := w.BankPart[m.BankID]
		if w.EntPart[m.EnterpriseID] == nil || bp == nil || m.Table > bp.Tables || m.Slot > w.Event.Slots || declined[pr] {
			dropped = append(dropped, m)
			continue
		}
		in.Pins = append(in.Pins, schedule.Meeting{EnterpriseID: m.EnterpriseID, BankID: m.BankID, Table: m.Table - 1, Slot: m.Slot - 1})
	}
	return in, dropped
}

// pairWeights scores every enterprise × bank pair of the event (of
// enterprise only, when given): the mean of both sides' match scores of the
// bank's best eligible product (see weightBasis).
func (h *App) pairWeights(ctx context.Context, w *EventWorld, only string) (map[schedule.Pair]PairWeight, error) {
	var entIDs, bankIDs []string
	for id := range w.EntPart {
		if only == "" || id == only {
			entIDs = append(entIDs, id)
		}
	}
	for id := range w.BankPart {
		bankIDs = append(bankIDs, id)
	}
	slices.Sort(entIDs)
	slices.Sort(bankIDs)
	out := make(map[schedule.Pair]PairWeight, len(entIDs)*len(bankIDs))
	for _, e := range entIDs {
		for _, b := range bankIDs {
			out[schedule.Pair{EnterpriseID: e, BankID: b}] = PairWeight{Score: overrideScore}
		}
	}
	em, err := h.EventMatchSet(ctx, w, entIDs, bankIDs)
	if err != nil {
		return nil, err
	}
	if em.Set == nil {
		return out, nil
	}
	bankOf := em.BankOf
	for _, e := range em.Ents {
		list, _ := em.Set.ForEnterprise(e.ID)
		for _, ps := range list {
			pr := schedule.Pair{EnterpriseID: e.ID, BankID: bankOf[ps.ProductID]}
			score := PairScore(&ps)
			if cur := out[pr]; !cur.Eligible || score > cur.Score {
				out[pr] = PairWeight{Score: score, Eligible: true, ProductID: ps.ProductID}
			}
		}
	}
	return out, nil
}

// EventMatch is what eventMatchSet matched.
type EventMatch struct {
	// Set is nil when there is nothing to match.
	Set   *matcher.MatchSet
	Ents  []data.Enterprise
	Prods []data.Product
	// BankOf is each product's bank.
	BankOf map[string]string
}

// eventMatchSet matches the enterprises entIDs with the products of the
// banks bankIDs as of the event's date (matcher.MatchAll).
func (h *App) EventMatchSet(ctx context.Context, w *EventWorld, entIDs, bankIDs []string) (EventMatch, error) {
	if len(entIDs) == 0 || len(bankIDs) == 0 {
		return EventMatch{}, nil
	}
	ents, err := All(ctx, h.store.Enterprises(), data.ListOptions{IDs: entIDs})
	if err != nil {
		return EventMatch{}, err
	}
	var pats []data.Patent
	for _, e := range entIDs {
		ps, err := All(ctx, h.store.Patents(), data.ListOptions{Refs: data.Refs{Enterprise: e}})
		if err != nil {
			return EventMatch{}, err
		}
		pats = append(pats, ps...)
	}
	var prods []data.Product
	bankOf := map[string]string{}
	for _, b := range bankIDs {
		ps, err := All(ctx, h.store.Products(), data.ListOptions{Refs: data.Refs{Bank: b}})
		if err != nil {
			return EventMatch{}, err
		}
		for _, pr := range ps {
			bankOf[pr.ID] = b
		}
		prods = append(prods, ps...)
	}
	pools, err := All(ctx, h.store.Pools(), data.ListOptions{})
	if err != nil {
		return EventMatch{}, err
	}
	if len(prods) == 0 || len(ents) == 0 {
		return EventMatch{Ents: ents, Prods: prods, BankOf: bankOf}, nil
	}
	apprs, err := appraisalsOf(ctx, h.store, nil)
	if err != nil {
		return EventMatch{}, err
	}
	set, err := h.model.MatchAll(ctx, matcher.MatchInput{Enterprises: ents, Patents: pats, Products: prods, Pools: pools,
		Appraisals: apprs, AsOf: w.Event.Date})
	if err != nil {
		return EventMatch{}, err
	}
	return EventMatch{Set: set, Ents: ents, Prods: prods, BankOf: bankOf}, nil
}

// PairScore is the meeting weight of an enterprise × product pair: the
// mean of the enterprise-side and bank-side match scores (0–100), to two
// decimals (weightBasis); the schedule and the organizer's matrix show
// the same figure.
func PairScore(ps *matcher.PairSummary) float64 { return round2((ps.Score + ps.BankScore) / 2) }

// ---- Reading ----

// meetingView renders a stored meeting.
func MeetingView(w *EventWorld, m data.Meeting) MeetingBody {
	start, end := w.SlotTimes(m.Slot)
	return MeetingBody{EnterpriseID: m.EnterpriseID, EnterpriseName: w.Name(m.EnterpriseID), BankID: m.BankID, BankName: w.Name(m.BankID),
		Table: m.Table, TableNumber: w.TableNumber(m.BankID, m.Table), Slot: m.Slot, Score: m.Score, Start: start, End: end, Pinned: m.Pinned, MustMeet: m.MustMeet,
		Override: m.Override, OverrideReason: m.OverrideReason, Outcome: m.Outcome}
}

// view renders a schedule's meetings and shortfalls; full adds the
// organizer's summary.
func (h *App) ScheduleView(w *EventWorld, sch *data.Schedule, ms []data.Meeting, sfs []data.Shortfall, full bool) ScheduleBody {
	body := ScheduleBody{EventID: w.Event.ID, EventName: w.Event.Name, Status: w.Event.Status, Date: w.Event.Date, Slots: w.Event.Slots,
		SlotMinutes: w.Event.SlotMinutes, ComputedAt: sch.ComputedAt, Meetings: []MeetingBody{}, Unscheduled: []UnscheduledBody{}}
	for _, m := range ms {
		body.Meetings = append(body.Meetings, MeetingView(w, m))
	}
	for _, sf := range sfs {
		u := UnscheduledBody{EnterpriseID: sf.EnterpriseID, BankID: sf.BankID, Wanted: sf.Wanted, Got: sf.Got, Code: sf.Code, Reason: sf.Reason}
		if sf.EnterpriseID != "" {
			u.EnterpriseName = w.Name(sf.EnterpriseID)
		}
		if sf.BankID != "" {
			u.BankName = w.Name(sf.BankID)
		}
		u.ParticipantID = shortfallParticipant(w, sf)
		body.Unscheduled = append(body.Unscheduled, u)
	}
	if full {
		body.Summary = &ScheduleSummary{Meetings: len(sch.Meetings), TotalScore: sch.TotalScore, MustMeet: sch.MustMeet, MustMeetMet: sch.MustMeetMet,
			Overrides: overridesView(sch), WeightBasis: sch.WeightBasis, ComputedBy: sch.ComputedBy, UpdatedAt: sch.UpdatedAt}
	}
	return body
}

// overridesView lists the overrides of sch with their reasons.
func overridesView(sch *data.Schedule) []ScheduleOverride {
	out := []ScheduleOverride{}
	for _, o := range sch.Overrides {
		out = append(out, ScheduleOverride{EnterpriseID: o.EnterpriseID, BankID: o.BankID, Reason: o.Reason})
	}
	return out
}

// shortfallParticipant names the participant a shortfall is about: the
// enterprise's registration, or for a must-meet pair whoever asked for it.
func shortfallParticipant(w *EventWorld, sf data.Shortfall) string {
	ep, bp := w.EntPart[sf.EnterpriseID], w.BankPart[sf.BankID]
	if sf.BankID == "" || bp == nil {
		if ep != nil {
			return ep.ID
		}
		return ""
	}
	if ep != nil && slices.Contains(ep.Preferences, data.Preference{Target: sf.BankID, Kind: data.MustMeet}) {
		return ep.ID
	}
	return bp.ID
}

// visibleSchedule returns the event, its schedule and what p may see of it,
// narrowed by the bank_id and enterprise_id filters. full says whether p
// sees the organizer's summary.
func (h *App) VisibleSchedule(ctx context.Context, p *Caller, id, bankID, entID string) (*EventWorld, *data.Schedule, []data.Meeting, []data.Shortfall, bool, error) {
	w, err := h.LoadEvent(ctx, id)
	if err != nil {
		return nil, nil, nil, nil, false, err
	}
	full := p.Is(data.RoleOrganizer)
	switch {
	case full:
	case p.Is(data.RoleBank):
		if bankID != "" && bankID != p.Token.BankID {
			return nil, nil, nil, nil, false, Forbidden("bank_id: a bank sees only its own meetings")
		}
		bankID = p.Token.BankID
	case p.Is(data.RoleCompany):
		if entID != "" && entID != p.Token.EnterpriseID {
			return nil, nil, nil, nil, false, Forbidden("enterprise_id: an enterprise sees only its own meetings")
		}
		entID = p.Token.EnterpriseID
	default:
		return nil, nil, nil, nil, false, Forbidden("unknown role")
	}
	sch, ok, err := h.LoadSchedule(ctx, w)
	if err != nil {
		return nil, nil, nil, nil, false, err
	}
	if !ok {
		if full {
			return nil, nil, nil, nil, false, data.Errorf(data.CodeNotFound, "event %s has no schedule yet: compute it with POST /api/v1/events/%s/schedule", id, id)
		}
		return nil, nil, nil, nil, false, data.Errorf(data.CodeNotFound, "event %s has no published schedule", id)
	}
	if !full && w.Event.Status == data.EventDraft {
		return nil, nil, nil, nil, false, data.Errorf(data.CodeNotFound, "event %s has no published schedule", id)
	}
	keep := func(e, b string) bool { return (entID == "" || e == entID) && (bankID == "" || b == bankID) }
	var ms []data.Meeting
	for _, m := range sch.Meetings {
		if keep(m.EnterpriseID, m.BankID) {
			if !full {
				// The organizer's reason for an override is its note
				// about both sides: the parties see only that it is one.
				m.OverrideReason = ""
			}
			ms = append(ms, m)
		}
	}
	// Shortfalls by the same filters: an enterprise's own entry has no
	// bank, so a bank filter keeps only must-meet pairs with that bank.
	var sfs []data.Shortfall
	for _, sf := range sch.Unscheduled {
		if (entID == "" || sf.EnterpriseID == entID) && (bankID == "" || sf.BankID == bankID) {
			sfs = append(sfs, sf)
		}
	}
	return w, sch, ms, sfs, full, nil
}

// ---- Editing ----

// MeetingRequest is the body of PUT /events/{id}/schedule/meetings: the
// meeting of a pair is moved to table and slot (1-based; the slot defaults
// to its current one; the table to its current one, or when only the slot
// is given to a table of the desk free in that slot), pinned or unpinned (moving pins it unless pinned is
// false), given an outcome (held, no_show, cancelled; "" clears it), or
// removed. A pair without a meeting gets one, at table and slot when
// given, else in the first slot where the enterprise and a table of the
// bank are both free. A new meeting of a pair the eligibility rules refuse
// is an override and needs override_reason (trimmed, 1 to 200
// characters); a reason is refused anywhere else.
type MeetingRequest struct {
	EnterpriseID string  `json:"enterprise_id"`
	BankID       string  `json:"bank_id"`
	Table        *int    `json:"table"`
	Slot         *int    `json:"slot"`
	Pinned       *bool   `json:"pinned"`
	Outcome      *string `json:"outcome"`
	Remove       bool    `json:"remove"`
	// OverrideReason says why a new meeting overrides the rules.
	OverrideReason string `json:"override_reason,omitempty"`
}

// editSchedule applies req to the stored schedule of event id for the
// organizer p, stores it and returns the full schedule (see putMeeting).
func (h *App) EditSchedule(ctx context.Context, p *Caller, id string, req MeetingRequest) (ScheduleBody, error) {
	if err := organizerOnly(p, "edit an event's schedule"); err != nil {
		return ScheduleBody{}, err
	}
	mu := &h.events[stripe(id, len(h.events))]
	mu.Lock()
	defer mu.Unlock()
	w, err := h.LoadEvent(ctx, id)
	if err != nil {
		return ScheduleBody{}, err
	}
	sch, ok, err := h.LoadSchedule(ctx, w)
	if err != nil {
		return ScheduleBody{}, err
	}
	if !ok {
		return ScheduleBody{}, data.Errorf(data.CodeNotFound, "event %s has no schedule yet: compute it with POST /api/v1/events/%s/schedule", id, id)
	}
	// The weight of a pair that gets a new meeting.
	var weight PairWeight
	pr := schedule.Pair{EnterpriseID: req.EnterpriseID, BankID: req.BankID}
	if w.EntPart[pr.EnterpriseID] != nil && w.BankPart[pr.BankID] != nil && !req.Remove &&
		!slices.ContainsFunc(sch.Meetings, func(m data.Meeting) bool { return m.EnterpriseID == pr.EnterpriseID && m.BankID == pr.BankID }) {
		ws, err := h.pairWeights(ctx, w, pr.EnterpriseID)
		if err != nil {
			return ScheduleBody{}, err
		}
		weight = ws[pr]
	}
	if err := editMeeting(w, sch, req, weight); err != nil {
		return ScheduleBody{}, err
	}
	sch.UpdatedAt = h.now().UTC()
	if err := h.saveSchedule(ctx, sch, sch.Revision); err != nil {
		return ScheduleBody{}, err
	}
	return h.ScheduleView(w, sch, sch.Meetings, sch.Unscheduled, true), nil
}

// editMeeting applies req to sch; weight is the pair's, for a new meeting.
func editMeeting(w *EventWorld, sch *data.Schedule, req MeetingRequest, weight PairWeight) error {
	var bad []data.FieldError
	ep, bp := w.EntPart[req.EnterpriseID], w.BankPart[req.BankID]
	if ep == nil {
		bad = append(bad, data.FieldError{Field: "enterprise_id", Reason: fmt.Sprintf("%q is not registered for event %s", req.EnterpriseID, w.Event.ID)})
	}
	if bp == nil {
		bad = append(bad, data.FieldError{Field: "bank_id", Reason: fmt.Sprintf("%q has no desk at event %s", req.BankID, w.Event.ID)})
	}
	if len(bad) > 0 {
		return &data.Error{Code: data.CodeInvalid, Message: "invalid meeting", Fields: bad}
	}
	idx := slices.IndexFunc(sch.Meetings, func(m data.Meeting) bool { return m.EnterpriseID == req.EnterpriseID && m.BankID == req.BankID })
	moving := req.Table != nil || req.Slot != nil || idx < 0
	// Banks and enterprises plan their day on a published schedule (their
	// pages, calendars and prints show it), so from then on it stands as
	// published: only what happened at each meeting is recorded.
	if w.Event.Status != data.EventDraft && (moving || req.Remove || req.Pinned != nil || req.OverrideReason != "") {
		return data.Errorf(data.CodeConflict, "event %s is %s: its meetings no longer move, pin, unpin, appear or go, only their outcome may change; set the event back to draft to edit the schedule（会谈安排已发布，不能再调整、固定或增删会谈，只能记录会谈结果）", w.Event.ID, w.Event.Status)
	}
	if req.Outcome != nil {
		switch *req.Outcome {
		case "", "held", "no_show", "cancelled":
		default:
			return data.InvalidField("outcome", "%q must be held, no_show, cancelled or empty", *req.Outcome)
		}
	}
	if req.Remove {
		if idx < 0 {
			return data.Errorf(data.CodeNotFound, "%s and %s have no meeting at event %s", req.EnterpriseID, req.BankID, w.Event.ID)
		}
		sch.Meetings = slices.Delete(sch.Meetings, idx, idx+1)
		refreshShortfalls(w, sch)
		return nil
	}
	var m data.Meeting
	var reasonErr error
	if idx >= 0 {
		if req.OverrideReason != "" {
			return data.InvalidField("override_reason", "is given only with a new meeting of a pair the rules refuse（只有新安排的破例会谈才填写原因）")
		}
		m = sch.Meetings[idx]
	} else {
		if (req.Table == nil) != (req.Slot == nil) {
			return data.InvalidField("table", "a new meeting needs both a table and a slot, or neither（新会谈须同时指定桌号和时段，或都不指定）")
		}
		pr := schedule.Pair{EnterpriseID: req.EnterpriseID, BankID: req.BankID}
		// A bad reason is answered after the clashes, which say more.
		reason := ""
		if !weight.Eligible {
			reason, reasonErr = CheckOverrideReason("override_reason", req.OverrideReason)
		} else if req.OverrideReason != "" {
			reasonErr = data.InvalidField("override_reason", "%s and %s are eligible: their meeting is no override（该企业与银行符合条件，无需破例，请直接安排会谈）", req.EnterpriseID, req.BankID)
		}
		for _, pref := range ep.Preferences {
			if pref.Target == req.BankID && pref.Kind == data.NoThanks {
				return data.Errorf(data.CodeConflict, "enterprise %s (%s) declined bank %s (no_thanks)", req.EnterpriseID, w.Name(req.EnterpriseID), req.BankID)
			}
		}
		for _, pref := range bp.Preferences {
			if pref.Target == req.EnterpriseID && pref.Kind == data.NoThanks {
				return data.Errorf(data.CodeConflict, "bank %s (%s) declined enterprise %s (no_thanks)", req.BankID, w.Name(req.BankID), req.EnterpriseID)
			}
		}
		m = data.Meeting{EnterpriseID: req.EnterpriseID, BankID: req.BankID, Score: weight.Score, Override: !weight.Eligible,
			OverrideReason: reason, MustMeet: w.MustPairs()[pr]}
		if req.Table == nil {
			if reasonErr != nil {
				return reasonErr
			}
			var ok bool
			if m.Table, m.Slot, ok = freePlace(w, sch, m.EnterpriseID, bp); !ok {
				return data.Errorf(data.CodeConflict, "no slot of event %s has both enterprise %s and a table of bank %s free（没有企业与银行都空闲的时段，请先调整其他会谈）", w.Event.ID, m.EnterpriseID, m.BankID)
			}
		}
	}
	if req.Table != nil {
		m.Table = *req.Table
	}
	if req.Slot != nil {
		m.Slot = *req.Slot
		if req.Table == nil && idx >= 0 {
			m.Table = freeTable(sch, idx, m, bp.Tables)
		}
	}
	if m.Table < 1 || m.Table > bp.Tables {
		bad = append(bad, data.FieldError{Field: "table", Reason: fmt.Sprintf("%d is not a table of bank %s (1 to %d)", m.Table, req.BankID, bp.Tables)})
	}
	if m.Slot < 1 || m.Slot > w.Event.Slots {
		bad = append(bad, data.FieldError{Field: "slot", Reason: fmt.Sprintf("%d is not a slot of event %s (1 to %d)（时段须为 1 到 %d）", m.Slot, w.Event.ID, w.Event.Slots, w.Event.Slots)})
	}
	if len(bad) > 0 {
		return &data.Error{Code: data.CodeInvalid, Message: "invalid meeting: " + fieldReasons(bad), Fields: bad}
	}
	if moving {
		m.Pinned = true
	}
	if req.Pinned != nil {
		m.Pinned = *req.Pinned
	}
	if req.Outcome != nil {
		m.Outcome = *req.Outcome
	}
	// Double booking: the enterprise, or the bank's table, in that slot.
	var clashes []string
	var fields []data.FieldError
	for i, o := range sch.Meetings {
		if i == idx || o.Slot != m.Slot {
			continue
		}
		if o.EnterpriseID == m.EnterpriseID {
			clashes = append(clashes, fmt.Sprintf("enterprise %s (%s) already meets bank %s (%s) in slot %d（%s在第%d时段已与%s会谈）",
				m.EnterpriseID, w.Name(m.EnterpriseID), o.BankID, w.Name(o.BankID), m.Slot, w.Name(m.EnterpriseID), m.Slot, w.Name(o.BankID)))
			fields = append(fields, data.FieldError{Field: "slot", Reason: fmt.Sprintf("enterprise %s is busy with bank %s", m.EnterpriseID, o.BankID)})
		}
		if o.BankID == m.BankID && o.Table == m.Table {
			clashes = append(clashes, fmt.Sprintf("table %d of bank %s (%s) already meets enterprise %s (%s) in slot %d（%s的%d号桌在第%d时段已与%s会谈）",
				m.Table, m.BankID, w.Name(m.BankID), o.EnterpriseID, w.Name(o.EnterpriseID), m.Slot,
				w.Name(m.BankID), w.TableNumber(m.BankID, m.Table), m.Slot, w.Name(o.EnterpriseID)))
			fields = append(fields, data.FieldError{Field: "table", Reason: fmt.Sprintf("table %d of bank %s is busy with enterprise %s", m.Table, m.BankID, o.EnterpriseID)})
		}
	}
	if len(clashes) > 0 {
		// The pages show the last gloss: the enterprise's clash when there
		// are two, since a free table is already looked for (freeTable).
		slices.Reverse(clashes)
		return &data.Error{Code: data.CodeConflict, Message: "double booking: " + strings.Join(clashes, "; "), Fields: fields}
	}
	if reasonErr != nil {
		return reasonErr
	}
	if idx >= 0 {
		sch.Meetings[idx] = m
	} else {
		sch.Meetings = append(sch.Meetings, m)
	}
	slices.SortFunc(sch.Meetings, func(a, b data.Meeting) int {
		return cmp.Or(cmp.Compare(a.Slot, b.Slot), cmp.Compare(a.BankID, b.BankID), cmp.Compare(a.Table, b.Table))
	})
	refreshShortfalls(w, sch)
	return nil
}

// fieldReasons joins the reasons of fields, so that a page showing only
// the message still shows each one's Chinese gloss.
func fieldReasons(fields []data.FieldError) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f.Field + " " + f.Reason
	}
	return strings.Join(parts, "; ")
}

// freePlace is the first slot, and table of bank desk bp, where the
// enterprise and the table are both free in sch; false when there is none.
func freePlace(w *EventWorld, sch *data.Schedule, entID string, bp *data.Participant) (table, slot int, ok bool) {
	for slot := 1; slot <= w.Event.Slots; slot++ {
		busy := map[int]bool{}
		entBusy := false
		for _, o := range sch.Meetings {
			if o.Slot != slot {
				continue
			}
			entBusy = entBusy || o.EnterpriseID == entID
			if o.BankID == bp.BankID {
				busy[o.Table] = true
			}
		}
		if entBusy {
			continue
		}
		for t := 1; t <= bp.Tables; t++ {
			if !busy[t] {
				return t, slot, true
			}
		}
	}
	return 0, 0, false
}

// freeTable is the table of the bank's desk for meeting idx moved to
// m.Slot when no table is named: its own table when free then, else the
// desk's first table free then, else its own (editMeeting then refuses the
// clash). One rule for the API and the page's move select.
func freeTable(sch *data.Schedule, idx int, m data.Meeting, tables int) int {
	busy := map[int]bool{}
	for i, o := range sch.Meetings {
		if i != idx && o.Slot == m.Slot && o.BankID == m.BankID {
			busy[o.Table] = true
		}
	}
	if !busy[m.Table] {
		return m.Table
	}
	for t := 1; t <= tables; t++ {
		if !busy[t] {
			return t
		}
	}
	return m.Table
}

// refreshShortfalls brings the shortfalls up to date after an edit: the
// counts of meetings, and entries that an edit resolved are dropped.
func refreshShortfalls(w *EventWorld, sch *data.Schedule) {
	got := map[string]int{} // by enterprise or bank ID
	met := map[schedule.Pair]bool{}
	for _, m := range sch.Meetings {
		got[m.EnterpriseID]++
		got[m.BankID]++
		met[schedule.Pair{EnterpriseID: m.EnterpriseID, BankID: m.BankID}] = true
	}
	out := sch.Unscheduled[:0]
	for _, sf := range sch.Unscheduled {
		switch {
		case sf.BankID != "" && sf.EnterpriseID != "": // a must-meet pair
			if !met[schedule.Pair{EnterpriseID: sf.EnterpriseID, BankID: sf.BankID}] {
				out = append(out, sf)
			}
			continue
		case sf.BankID != "":
			sf.Got = got[sf.BankID]
		default:
			sf.Got = got[sf.EnterpriseID]
		}
		if sf.Got < sf.Wanted {
			out = append(out, sf)
		}
	}
	sch.Unscheduled = out
	markMustMeet(sch, w.MustPairs())
	var total float64
	for _, m := range sch.Meetings {
		total += m.Score
	}
	sch.TotalScore = round2(total)
}

// publishEvent publishes the event id for the organizer p (see publish).
func (h *App) PublishEvent(ctx context.Context, p *Caller, id string) (data.Event, error) {
	if err := organizerOnly(p, "publish an event's schedule"); err != nil {
		return data.Event{}, err
	}
	mu := &h.events[stripe(id, len(h.events))]
	mu.Lock()
	defer mu.Unlock()
	ev, err := h.store.Events().Get(ctx, id)
	if err != nil {
		return data.Event{}, err
	}
	sch, err := h.store.Schedules().Get(ctx, id)
	if data.ErrorCode(err) == data.CodeNotFound {
		return data.Event{}, data.Errorf(data.CodeConflict, "event %s has no schedule to publish: compute it with POST /api/v1/events/%s/schedule", id, id)
	} else if err != nil {
		return data.Event{}, err
	}
	switch ev.Status {
	case data.EventClosed:
		return data.Event{}, data.Errorf(data.CodeConflict, "event %s is closed", id)
	case data.EventDraft:
		// The schedule is written again, unchanged, before the event: a
		// draft schedule computed or edited on another node from what was
		// read before now fails (its revision is gone) instead of
		// changing the schedule after it was published.
		if err := h.store.Schedules().Update(ctx, &sch); err != nil {
			return data.Event{}, lostRace(err, "the schedule of event "+id)
		}
		ev.Status = data.EventPublished
		if err := h.store.Events().Update(ctx, &ev); err != nil {
			return data.Event{}, lostRace(err, "event "+id)
		}
	}
	return ev, nil
}
