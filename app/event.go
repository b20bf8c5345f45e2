package app

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"ipmatch/data"
	"ipmatch/matcher"
	"ipmatch/matcher/schedule"
)

// The event operations: the meeting schedule, publishing, wishes and the
// event report. Access (the API's routes named for reference):
//
//   - POST /events/{id}/schedule, PUT /events/{id}/schedule/meetings,
//     POST /events/{id}/publish, GET /events/{id}/report: the organizer
//     only (403 for everyone else).
//   - GET /events/{id}/schedule and its exports (.csv, .xlsx, .html): the
//     organizer sees every meeting, always; a bank sees only its own
//     meetings and an enterprise only its own, and only once the schedule
//     is published (before that: 404). A filter naming another bank or
//     enterprise is forbidden (403).
//   - GET /events/{id}/participants/{pid}/calendar.ics: the organizer for
//     any participant; a bank for its own desk, an enterprise for its own
//     registration (another participant answers 404, as in policy.go).
//   - GET /pools/{id}/risk: the organizer sees the loans and claims; a bank
//     only the pool's aggregate figures; an enterprise is refused (403).
//   - POST /deals/{id}/stage: as in deals.go, and a move to filed under a
//     pool that breaks the pool's per-loan, per-borrower or leverage cap is
//     refused with 409 naming the cap (matcher.CheckFiling).
//
// Schedules are stored as data.Schedule records (one per event, its ID the
// event's); the must-meet flags are read from the participants'
// preferences.

// ---- Schedules ----

// StoredMeeting is one meeting of a schedule. Table and Slot are 1-based,
// as shown to people. MustMeet is not stored: it is read from the
// participants' preferences when the schedule is loaded.
type StoredMeeting struct {
	EnterpriseID string
	BankID       string
	Table        int
	Slot         int
	Score        float64
	Pinned       bool
	MustMeet     bool
	Override     bool
	// OverrideReason says why the organizer let this pair meet against
	// the rules (set only with Override).
	OverrideReason string
	Outcome        string // "", held, no_show or cancelled
}

// PairWeight is the weight of an enterprise × bank pair and its basis.
type PairWeight struct {
	Score     float64
	Eligible  bool
	ProductID string
}

// StoredSchedule is an event's schedule as the handlers work on it; it is
// stored as a data.Schedule (see toRecord and scheduleFromRecord).
type StoredSchedule struct {
	EventID    string
	Meetings   []StoredMeeting
	Shortfalls []schedule.Shortfall
	Overrides  []schedule.Pair
	// OverrideReasons are the organizer's reasons for Overrides, by pair.
	OverrideReasons map[schedule.Pair]string
	WeightBasis     string
	Weight          float64
	MustMeet        int // must-meet pairs of the event, and how many meet
	MustMeetMet     int
	ComputedAt      time.Time
	ComputedBy      string
	UpdatedAt       time.Time
}

// Keys of data.Schedule.Params.
const (
	paramWeightBasis = "weight_basis"
	paramOverrides   = "overrides" // "enterprise:bank,enterprise:bank"
	// paramOverrideReasons is a JSON object {"enterprise:bank": reason}.
	paramOverrideReasons = "override_reasons"
	paramComputedBy      = "computed_by"
	paramComputedAt      = "computed_at" // RFC 3339
)

// toRecord converts sch to the stored record.
func (sch *StoredSchedule) toRecord() *data.Schedule {
	rec := &data.Schedule{ID: sch.EventID, EventID: sch.EventID, Meetings: []data.Meeting{}, Unscheduled: []data.Shortfall{},
		TotalScore: sch.Weight, ModelVersion: matcher.ModelVersion, Params: map[string]string{
			paramWeightBasis: sch.WeightBasis, paramComputedBy: sch.ComputedBy,
			paramComputedAt: sch.ComputedAt.UTC().Format(time.RFC3339Nano),
		}}
	var ov []string
	for _, o := range sch.Overrides {
		ov = append(ov, o.EnterpriseID+":"+o.BankID)
	}
	rec.Params[paramOverrides] = strings.Join(ov, ",")
	if len(sch.OverrideReasons) > 0 {
		reasons := map[string]string{}
		for pr, r := range sch.OverrideReasons {
			reasons[pr.EnterpriseID+":"+pr.BankID] = r
		}
		b, _ := json.Marshal(reasons) // a map of strings always marshals
		rec.Params[paramOverrideReasons] = string(b)
	}
	for _, m := range sch.Meetings {
		rec.Meetings = append(rec.Meetings, data.Meeting{EnterpriseID: m.EnterpriseID, BankID: m.BankID, Table: m.Table, Slot: m.Slot,
			Score: m.Score, Pinned: m.Pinned, Override: m.Override, OverrideReason: m.OverrideReason, Outcome: m.Outcome})
	}
	for _, sf := range sch.Shortfalls {
		rec.Unscheduled = append(rec.Unscheduled, data.Shortfall{EnterpriseID: sf.EnterpriseID, BankID: sf.BankID,
			Wanted: sf.Wanted, Got: sf.Got, Code: string(sf.Code), Reason: sf.Reason})
	}
	return rec
}

// scheduleFromRecord converts a stored record for event w, marking the
// must-meet pairs from the participants' preferences.
func scheduleFromRecord(w *EventWorld, rec *data.Schedule) *StoredSchedule {
	sch := &StoredSchedule{EventID: rec.EventID, WeightBasis: rec.Params[paramWeightBasis], Weight: rec.TotalScore,
		ComputedBy: rec.Params[paramComputedBy], UpdatedAt: rec.UpdatedAt, Meetings: []StoredMeeting{},
		Shortfalls: []schedule.Shortfall{}, Overrides: []schedule.Pair{}}
	sch.ComputedAt, _ = time.Parse(time.RFC3339Nano, rec.Params[paramComputedAt])
	for _, o := range strings.Split(rec.Params[paramOverrides], ",") {
		if e, b, ok := strings.Cut(o, ":"); ok {
			sch.Overrides = append(sch.Overrides, schedule.Pair{EnterpriseID: e, BankID: b})
		}
	}
	var reasons map[string]string
	if raw := rec.Params[paramOverrideReasons]; raw != "" && json.Unmarshal([]byte(raw), &reasons) == nil {
		for k, r := range reasons {
			if e, b, ok := strings.Cut(k, ":"); ok {
				if sch.OverrideReasons == nil {
					sch.OverrideReasons = map[schedule.Pair]string{}
				}
				sch.OverrideReasons[schedule.Pair{EnterpriseID: e, BankID: b}] = r
			}
		}
	}
	must := w.MustPairs()
	for _, m := range rec.Meetings {
		sch.Meetings = append(sch.Meetings, StoredMeeting{EnterpriseID: m.EnterpriseID, BankID: m.BankID, Table: m.Table, Slot: m.Slot,
			Score: m.Score, Pinned: m.Pinned, Override: m.Override, OverrideReason: m.OverrideReason, Outcome: m.Outcome,
			MustMeet: must[schedule.Pair{EnterpriseID: m.EnterpriseID, BankID: m.BankID}]})
	}
	for _, sf := range rec.Unscheduled {
		sch.Shortfalls = append(sch.Shortfalls, schedule.Shortfall{EnterpriseID: sf.EnterpriseID, BankID: sf.BankID,
			Wanted: sf.Wanted, Got: sf.Got, Code: schedule.ShortfallCode(sf.Code), Reason: sf.Reason})
	}
	sch.countMustMeet(must)
	return sch
}

// countMustMeet sets MustMeet and MustMeetMet from the event's must-meet
// pairs.
func (sch *StoredSchedule) countMustMeet(must map[schedule.Pair]bool) {
	sch.MustMeet, sch.MustMeetMet = len(must), 0
	for _, m := range sch.Meetings {
		if must[schedule.Pair{EnterpriseID: m.EnterpriseID, BankID: m.BankID}] {
			sch.MustMeetMet++
		}
	}
}

// loadSchedule returns the stored schedule of event w, or false when it
// has none.
func (h *App) LoadSchedule(ctx context.Context, w *EventWorld) (*StoredSchedule, bool, error) {
	rec, err := h.store.Schedules().Get(ctx, w.Event.ID)
	if data.ErrorCode(err) == data.CodeNotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return scheduleFromRecord(w, &rec), true, nil
}

// saveSchedule stores sch.
func (h *App) saveSchedule(ctx context.Context, sch *StoredSchedule) error {
	_, err := h.store.Schedules().Put(ctx, sch.toRecord())
	return err
}

// ---- The event and its participants ----

// EventWorld is an event with its participants, indexed.
type EventWorld struct {
	Event    data.Event
	Parts    []data.Participant // by ID
	EntPart  map[string]*data.Participant
	BankPart map[string]*data.Participant
	// names are the registered names of the enterprises and banks (from
	// their records), by ID. A participant's own Name is never used for
	// them: it is free text the party types, and would let an enterprise
	// appear as a bank (or another enterprise) on the other side's
	// schedule, calendar and exports.
	Names map[string]string
	// tableBase is the table numbering (see tableNumber), built on first use.
	tableBase map[string]int
}

// loadEvent returns the event id with its participants and the registered
// names of its enterprises and banks. A missing event is not found.
func (h *App) LoadEvent(ctx context.Context, id string) (*EventWorld, error) {
	ev, err := h.store.Events().Get(ctx, id)
	if err != nil {
		return nil, err
	}
	parts, err := All(ctx, h.store.Participants(), data.ListOptions{Refs: data.Refs{Event: id}})
	if err != nil {
		return nil, err
	}
	w := &EventWorld{Event: ev, Parts: parts, EntPart: map[string]*data.Participant{}, BankPart: map[string]*data.Participant{}, Names: map[string]string{}}
	var needE, needB []string
	for i := range w.Parts {
		p := &w.Parts[i]
		switch p.Role {
		case data.RoleEnterprise:
			w.EntPart[p.EnterpriseID] = p
			needE = append(needE, p.EnterpriseID)
		case data.RoleBankDesk:
			w.BankPart[p.BankID] = p
			needB = append(needB, p.BankID)
		}
	}
	if len(needE) > 0 {
		ents, err := All(ctx, h.store.Enterprises(), data.ListOptions{IDs: needE})
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			w.Names[e.ID] = e.Name
		}
	}
	if len(needB) > 0 {
		banks, err := All(ctx, h.store.Banks(), data.ListOptions{IDs: needB})
		if err != nil {
			return nil, err
		}
		for _, b := range banks {
			w.Names[b.ID] = b.Name
		}
	}
	return w, nil
}

// mustPairs returns the pairs of registered participants that either side
// must meet.
func (w *EventWorld) MustPairs() map[schedule.Pair]bool {
	out := map[schedule.Pair]bool{}
	for i := range w.Parts {
		p := &w.Parts[i]
		for _, pref := range p.Preferences {
			if pref.Kind != data.MustMeet {
				continue
			}
			pr := schedule.Pair{EnterpriseID: p.EnterpriseID, BankID: pref.Target}
			if p.Role == data.RoleBankDesk {
				pr = schedule.Pair{EnterpriseID: pref.Target, BankID: p.BankID}
			} else if p.Role != data.RoleEnterprise {
				continue
			}
			if w.EntPart[pr.EnterpriseID] != nil && w.BankPart[pr.BankID] != nil {
				out[pr] = true
			}
		}
	}
	return out
}

// name returns the registered name of an enterprise or bank, or its ID
// when its record is missing.
func (w *EventWorld) Name(id string) string {
	if n := w.Names[id]; n != "" {
		return n
	}
	return id
}

// slotTimes returns the start and end of slot (1-based) in China Standard
// Time.
func (w *EventWorld) SlotTimes(slot int) (time.Time, time.Time) {
	hm, err := time.Parse("15:04", w.Event.StartsAt)
	if err != nil {
		hm = time.Date(0, 1, 1, 9, 0, 0, 0, time.UTC) // Validate refuses this; keep going
	}
	day := w.Event.Date
	first := time.Date(day.Year, day.Month, day.Day, hm.Hour(), hm.Minute(), 0, 0, ChinaZone)
	d := time.Duration(w.Event.SlotMinutes) * time.Minute
	start := first.Add(time.Duration(slot-1) * d)
	return start, start.Add(d)
}
