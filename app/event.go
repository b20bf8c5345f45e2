package app

import (
	"context"
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

// The operations work on the stored record itself, data.Schedule and its
// data.Meeting list (tables and slots 1-based, as shown to people). Only
// the must-meet marks are not taken as stored: they follow the
// participants' preferences, which change after scheduling, so
// LoadSchedule refreshes them (markMustMeet).

// PairWeight is the weight of an enterprise × bank pair and its basis.
type PairWeight struct {
	Score     float64
	Eligible  bool
	ProductID string
}

// markMustMeet marks the meetings of sch whose pair is in must and counts
// the event's must-meet pairs and those that meet.
func markMustMeet(sch *data.Schedule, must map[schedule.Pair]bool) {
	sch.MustMeet, sch.MustMeetMet = len(must), 0
	for i := range sch.Meetings {
		m := &sch.Meetings[i]
		m.MustMeet = must[schedule.Pair{EnterpriseID: m.EnterpriseID, BankID: m.BankID}]
		if m.MustMeet {
			sch.MustMeetMet++
		}
	}
}

// LoadSchedule returns the stored schedule of event w, its must-meet marks
// and counts as the preferences stand now, or false when it has none.
func (h *App) LoadSchedule(ctx context.Context, w *EventWorld) (*data.Schedule, bool, error) {
	rec, err := h.store.Schedules().Get(ctx, w.Event.ID)
	if data.ErrorCode(err) == data.CodeNotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	rec.Normalize()
	markMustMeet(&rec, w.MustPairs())
	return &rec, true, nil
}

// saveSchedule stores sch with the model version that scored it, in place
// of the schedule at revision read (0: there was none), so that of two
// nodes changing one schedule at once one wins and the other is told
// (lostRace). The store stamps a copy, so sch keeps the UpdatedAt the
// operation set (the answer shows the operation's clock).
func (h *App) saveSchedule(ctx context.Context, sch *data.Schedule, read int64) error {
	sch.ID = sch.EventID
	sch.ModelVersion = matcher.ModelVersion
	rec := *sch
	rec.Revision = read
	if read == 0 {
		err := h.store.Schedules().Create(ctx, &rec)
		if data.ErrorCode(err) == data.CodeConflict {
			return data.Errorf(data.CodeConflict, "the schedule of event %s was computed by someone else while this request was being handled; nothing was written: read it again and retry", sch.EventID)
		}
		return err
	}
	return lostRace(h.store.Schedules().Update(ctx, &rec), "the schedule of event "+sch.EventID)
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
	first := day.At(hm.Hour(), hm.Minute(), ChinaZone)
	d := time.Duration(w.Event.SlotMinutes) * time.Minute
	start := first.Add(time.Duration(slot-1) * d)
	return start, start.Add(d)
}
