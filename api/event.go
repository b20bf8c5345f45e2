package api

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
	"ipmatch/matcher"
)

// The event endpoints: the meeting schedule, its exports, publishing, the
// event report, the pool's risk, and deal filings checked against the
// pool's caps. Access:
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

// eventHandlers serve the event endpoints.
type eventHandlers struct {
	s *server
	m *matcher.Matcher
	// now is the clock (stamps of computed schedules and calendars).
	now func() time.Time
	// events serialises computing and editing the schedule of an event.
	events [16]sync.Mutex
}

// eventRoutes registers the event endpoints on g, including POST
// /deals/{id}/stage (deals.go's move with the pool's caps checked).
func eventRoutes(s *server, g *gin.RouterGroup) {
	h := s.events
	g.POST("/events/:id/schedule", s.handle(h.computeSchedule))
	g.GET("/events/:id/schedule", s.handle(h.getSchedule))
	g.PUT("/events/:id/schedule/meetings", s.handle(h.putMeeting))
	g.GET("/events/:id/schedule.csv", s.handle(h.scheduleCSV))
	g.GET("/events/:id/schedule.xlsx", s.handle(h.scheduleXLSX))
	g.GET("/events/:id/schedule.html", s.handle(h.scheduleHTML))
	g.GET("/events/:id/participants/:pid/calendar.ics", s.handle(h.calendar))
	g.GET("/events/:id/wishes", s.handle(h.getWishes)) // wishes.go
	g.POST("/events/:id/publish", s.handle(h.publish))
	g.GET("/events/:id/report", s.handle(h.report))
	g.GET("/pools/:id/risk", s.handle(h.poolRisk))
	g.POST("/deals/:id/stage", s.handle(h.moveDeal))
}

// eventZone is China Standard Time (Asia/Shanghai, no daylight saving
// since 1991), the zone of event times.
var eventZone = time.FixedZone("CST", 8*60*60)

// ---- Schedules ----

// storedMeeting is one meeting of a schedule. Table and Slot are 1-based,
// as shown to people. MustMeet is not stored: it is read from the
// participants' preferences when the schedule is loaded.
type storedMeeting struct {
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

// pairWeight is the weight of an enterprise × bank pair and its basis.
type pairWeight struct {
	Score     float64
	Eligible  bool
	ProductID string
}

// storedSchedule is an event's schedule as the handlers work on it; it is
// stored as a data.Schedule (see toRecord and scheduleFromRecord).
type storedSchedule struct {
	EventID    string
	Meetings   []storedMeeting
	Shortfalls []matcher.ScheduleShortfall
	Overrides  []matcher.SchedulePair
	// OverrideReasons are the organizer's reasons for Overrides, by pair.
	OverrideReasons map[matcher.SchedulePair]string
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
func (sch *storedSchedule) toRecord() *data.Schedule {
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
func scheduleFromRecord(w *eventWorld, rec *data.Schedule) *storedSchedule {
	sch := &storedSchedule{EventID: rec.EventID, WeightBasis: rec.Params[paramWeightBasis], Weight: rec.TotalScore,
		ComputedBy: rec.Params[paramComputedBy], UpdatedAt: rec.UpdatedAt, Meetings: []storedMeeting{},
		Shortfalls: []matcher.ScheduleShortfall{}, Overrides: []matcher.SchedulePair{}}
	sch.ComputedAt, _ = time.Parse(time.RFC3339Nano, rec.Params[paramComputedAt])
	for _, o := range strings.Split(rec.Params[paramOverrides], ",") {
		if e, b, ok := strings.Cut(o, ":"); ok {
			sch.Overrides = append(sch.Overrides, matcher.SchedulePair{EnterpriseID: e, BankID: b})
		}
	}
	var reasons map[string]string
	if raw := rec.Params[paramOverrideReasons]; raw != "" && json.Unmarshal([]byte(raw), &reasons) == nil {
		for k, r := range reasons {
			if e, b, ok := strings.Cut(k, ":"); ok {
				if sch.OverrideReasons == nil {
					sch.OverrideReasons = map[matcher.SchedulePair]string{}
				}
				sch.OverrideReasons[matcher.SchedulePair{EnterpriseID: e, BankID: b}] = r
			}
		}
	}
	must := w.mustPairs()
	for _, m := range rec.Meetings {
		sch.Meetings = append(sch.Meetings, storedMeeting{EnterpriseID: m.EnterpriseID, BankID: m.BankID, Table: m.Table, Slot: m.Slot,
			Score: m.Score, Pinned: m.Pinned, Override: m.Override, OverrideReason: m.OverrideReason, Outcome: m.Outcome,
			MustMeet: must[matcher.SchedulePair{EnterpriseID: m.EnterpriseID, BankID: m.BankID}]})
	}
	for _, sf := range rec.Unscheduled {
		sch.Shortfalls = append(sch.Shortfalls, matcher.ScheduleShortfall{EnterpriseID: sf.EnterpriseID, BankID: sf.BankID,
			Wanted: sf.Wanted, Got: sf.Got, Code: matcher.ShortfallCode(sf.Code), Reason: sf.Reason})
	}
	sch.countMustMeet(must)
	return sch
}

// countMustMeet sets MustMeet and MustMeetMet from the event's must-meet
// pairs.
func (sch *storedSchedule) countMustMeet(must map[matcher.SchedulePair]bool) {
	sch.MustMeet, sch.MustMeetMet = len(must), 0
	for _, m := range sch.Meetings {
		if must[matcher.SchedulePair{EnterpriseID: m.EnterpriseID, BankID: m.BankID}] {
			sch.MustMeetMet++
		}
	}
}

// loadSchedule returns the stored schedule of event w, or false when it
// has none.
func (h *eventHandlers) loadSchedule(ctx context.Context, w *eventWorld) (*storedSchedule, bool, error) {
	rec, err := h.s.store.Schedules().Get(ctx, w.ev.ID)
	if data.ErrorCode(err) == data.CodeNotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return scheduleFromRecord(w, &rec), true, nil
}

// saveSchedule stores sch.
func (h *eventHandlers) saveSchedule(ctx context.Context, sch *storedSchedule) error {
	_, err := h.s.store.Schedules().Put(ctx, sch.toRecord())
	return err
}

// ---- The event and its participants ----

// eventWorld is an event with its participants, indexed.
type eventWorld struct {
	ev       data.Event
	parts    []data.Participant // by ID
	entPart  map[string]*data.Participant
	bankPart map[string]*data.Participant
	// names are the registered names of the enterprises and banks (from
	// their records), by ID. A participant's own Name is never used for
	// them: it is free text the party types, and would let an enterprise
	// appear as a bank (or another enterprise) on the other side's
	// schedule, calendar and exports.
	names map[string]string
	// tableBase is the table numbering (see tableNumber), built on first use.
	tableBase map[string]int
}

// loadEvent returns the event id with its participants and the registered
// names of its enterprises and banks. A missing event is not found.
func (h *eventHandlers) loadEvent(ctx context.Context, id string) (*eventWorld, error) {
	ev, err := h.s.store.Events().Get(ctx, id)
	if err != nil {
		return nil, err
	}
	parts, err := all(ctx, h.s.store.Participants(), data.ListOptions{Refs: data.Refs{Event: id}})
	if err != nil {
		return nil, err
	}
	w := &eventWorld{ev: ev, parts: parts, entPart: map[string]*data.Participant{}, bankPart: map[string]*data.Participant{}, names: map[string]string{}}
	var needE, needB []string
	for i := range w.parts {
		p := &w.parts[i]
		switch p.Role {
		case data.RoleEnterprise:
			w.entPart[p.EnterpriseID] = p
			needE = append(needE, p.EnterpriseID)
		case data.RoleBankDesk:
			w.bankPart[p.BankID] = p
			needB = append(needB, p.BankID)
		}
	}
	if len(needE) > 0 {
		ents, err := all(ctx, h.s.store.Enterprises(), data.ListOptions{IDs: needE})
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			w.names[e.ID] = e.Name
		}
	}
	if len(needB) > 0 {
		banks, err := all(ctx, h.s.store.Banks(), data.ListOptions{IDs: needB})
		if err != nil {
			return nil, err
		}
		for _, b := range banks {
			w.names[b.ID] = b.Name
		}
	}
	return w, nil
}

// mustPairs returns the pairs of registered participants that either side
// must meet.
func (w *eventWorld) mustPairs() map[matcher.SchedulePair]bool {
	out := map[matcher.SchedulePair]bool{}
	for i := range w.parts {
		p := &w.parts[i]
		for _, pref := range p.Preferences {
			if pref.Kind != data.MustMeet {
				continue
			}
			pr := matcher.SchedulePair{EnterpriseID: p.EnterpriseID, BankID: pref.Target}
			if p.Role == data.RoleBankDesk {
				pr = matcher.SchedulePair{EnterpriseID: pref.Target, BankID: p.BankID}
			} else if p.Role != data.RoleEnterprise {
				continue
			}
			if w.entPart[pr.EnterpriseID] != nil && w.bankPart[pr.BankID] != nil {
				out[pr] = true
			}
		}
	}
	return out
}

// name returns the registered name of an enterprise or bank, or its ID
// when its record is missing.
func (w *eventWorld) name(id string) string {
	if n := w.names[id]; n != "" {
		return n
	}
	return id
}

// slotTimes returns the start and end of slot (1-based) in China Standard
// Time.
func (w *eventWorld) slotTimes(slot int) (time.Time, time.Time) {
	hm, err := time.Parse("15:04", w.ev.StartsAt)
	if err != nil {
		hm = time.Date(0, 1, 1, 9, 0, 0, 0, time.UTC) // Validate refuses this; keep going
	}
	day := w.ev.Date
	first := time.Date(day.Year, day.Month, day.Day, hm.Hour(), hm.Minute(), 0, 0, eventZone)
	d := time.Duration(w.ev.SlotMinutes) * time.Minute
	start := first.Add(time.Duration(slot-1) * d)
	return start, start.Add(d)
}

// onlyParams refuses query parameters outside allowed and returns the
// given ones.
func onlyParams(c *gin.Context, allowed ...string) (map[string]string, error) {
	out := map[string]string{}
	for name, vs := range c.Request.URL.Query() {
		if !slices.Contains(allowed, name) {
			return nil, malformedField(name, "is not a known parameter; known: %s", strings.Join(allowed, ", "))
		}
		if len(vs) > 1 {
			return nil, malformedField(name, "is given %d times", len(vs))
		}
		out[name] = strings.TrimSpace(vs[0])
	}
	return out, nil
}
