package data

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxOverrideReason is the longest reason for an override, in characters:
// enough for a sentence, bounded for the schedule grid and the audit log.
const MaxOverrideReason = 200

// Meeting is one 1:1 meeting of an event: an enterprise at a bank's table
// in a time slot. Tables and slots count from 1, as printed for people.
type Meeting struct {
	EnterpriseID string  `json:"enterprise_id"`
	BankID       string  `json:"bank_id"`
	Table        int     `json:"table"`
	Slot         int     `json:"slot"`
	Score        float64 `json:"score"`
	// Pinned meetings are kept in place when the schedule is computed again.
	Pinned bool `json:"pinned,omitempty"`
	// MustMeet marks a pair that either side asked to meet, as of the last
	// save: preferences change after scheduling, so readers that show it
	// refresh it from the participants' preferences.
	MustMeet bool `json:"must_meet,omitempty"`
	// Override marks a pair the organizer let meet although it is not eligible.
	Override bool `json:"override,omitempty"`
	// OverrideReason says why the organizer overrode the rules for this
	// pair; it is set only on an override (see MaxOverrideReason).
	OverrideReason string `json:"override_reason,omitempty"`
	// Outcome is recorded after the event: held, no_show or cancelled.
	Outcome string `json:"outcome,omitempty"`
}

// Shortfall explains why a participant got fewer meetings than it asked for.
type Shortfall struct {
	EnterpriseID string `json:"enterprise_id,omitempty"`
	BankID       string `json:"bank_id,omitempty"`
	Wanted       int    `json:"wanted"`
	Got          int    `json:"got"`
	// Code is a stable snake_case reason code such as bank_capacity_full;
	// Reason says it in Chinese with the counts behind it.
	Code   string `json:"code,omitempty"`
	Reason string `json:"reason"`
}

// ScheduleOverride is a pair the organizer lets meet although the
// eligibility rules refuse it, and why.
type ScheduleOverride struct {
	EnterpriseID string `json:"enterprise_id"`
	BankID       string `json:"bank_id"`
	// Reason is the organizer's note (see MaxOverrideReason); schedules
	// computed before reasons were asked for have none.
	Reason string `json:"reason,omitempty"`
}

// Schedule is the meeting plan of one event; its ID is the event's ID.
type Schedule struct {
	ID          string      `json:"id"`
	EventID     string      `json:"event_id"`
	Meetings    []Meeting   `json:"meetings"`
	Unscheduled []Shortfall `json:"unscheduled"`
	// TotalScore is the sum of the meetings' scores, which the scheduler maximises.
	TotalScore float64 `json:"total_score"`
	// Overrides are the ineligible pairs the organizer allowed when the
	// schedule was computed; they carry over to the next computation.
	Overrides []ScheduleOverride `json:"overrides,omitempty"`
	// MustMeet counts the must-meet pairs of the event and MustMeetMet
	// those that meet, as of the last save (like Meeting.MustMeet).
	MustMeet    int `json:"must_meet"`
	MustMeetMet int `json:"must_meet_met"`
	// ComputedBy and ComputedAt say who computed the schedule and when;
	// edits since then change UpdatedAt only.
	ComputedBy string    `json:"computed_by,omitempty"`
	ComputedAt time.Time `json:"computed_at,omitzero"`
	// WeightBasis says in words where the meetings' scores come from.
	WeightBasis string `json:"weight_basis,omitempty"`
	// ModelVersion and Params say how the scores were computed, so the
	// schedule can be explained and reproduced later. Params holds only
	// what has no field of its own (see UnmarshalJSON for the keys older
	// versions kept there).
	ModelVersion string            `json:"model_version,omitempty"`
	Params       map[string]string `json:"params,omitempty"`
	CreatedAt    time.Time         `json:"created_at,omitzero"`
	UpdatedAt    time.Time         `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// The Params keys under which versions before the schedule had fields of
// its own stored them.
const (
	legacyWeightBasis     = "weight_basis"
	legacyComputedBy      = "computed_by"
	legacyComputedAt      = "computed_at"      // RFC 3339
	legacyOverrides       = "overrides"        // "enterprise:bank,enterprise:bank"
	legacyOverrideReasons = "override_reasons" // JSON {"enterprise:bank": reason}
)

// UnmarshalJSON decodes a schedule and converts a record stored by an
// older version, which kept who computed it, when, its weight basis and
// its overrides as strings in Params: each legacy key fills its field
// (unless the record has the field already) and leaves Params. A legacy
// value that does not parse stays in Params, so nothing is lost; its
// field stays empty, as the older version read it.
func (s *Schedule) UnmarshalJSON(b []byte) error {
	type plain Schedule // without this method
	if err := json.Unmarshal(b, (*plain)(s)); err != nil {
		return err
	}
	s.upgradeParams()
	return nil
}

// upgradeParams moves the legacy Params keys into their fields.
func (s *Schedule) upgradeParams() {
	if len(s.Params) == 0 {
		return
	}
	take := func(key string, field *string) {
		if v, ok := s.Params[key]; ok {
			if *field == "" {
				*field = v
			}
			delete(s.Params, key)
		}
	}
	take(legacyWeightBasis, &s.WeightBasis)
	take(legacyComputedBy, &s.ComputedBy)
	if v, ok := s.Params[legacyComputedAt]; ok {
		if at, err := time.Parse(time.RFC3339Nano, v); err == nil {
			if s.ComputedAt.IsZero() {
				s.ComputedAt = at
			}
			delete(s.Params, legacyComputedAt)
		}
	}
	var reasons map[string]string
	if raw, ok := s.Params[legacyOverrideReasons]; ok {
		if json.Unmarshal([]byte(raw), &reasons) != nil {
			reasons = nil // kept in Params, below
		} else {
			delete(s.Params, legacyOverrideReasons)
		}
	}
	if v, ok := s.Params[legacyOverrides]; ok {
		if len(s.Overrides) == 0 {
			seen := map[string]bool{} // a pair listed twice is one override
			for _, o := range strings.Split(v, ",") {
				if e, b, ok := strings.Cut(o, ":"); ok && !seen[o] {
					seen[o] = true
					s.Overrides = append(s.Overrides, ScheduleOverride{EnterpriseID: e, BankID: b, Reason: reasons[o]})
				}
			}
		}
		delete(s.Params, legacyOverrides)
	}
	if len(s.Params) == 0 {
		s.Params = nil
	}
}

// Normalize makes the schedule's ID its event's ID, keeps lists non-nil
// and moves the Params keys of the older version into their fields (as
// UnmarshalJSON does on every read), so a store that keeps records without
// JSON converts them too.
func (s *Schedule) Normalize() {
	s.upgradeParams()
	if s.ID == "" {
		s.ID = s.EventID
	}
	if s.Meetings == nil {
		s.Meetings = []Meeting{}
	}
	if s.Unscheduled == nil {
		s.Unscheduled = []Shortfall{}
	}
}

// Validate checks s against the record rules, above all that nobody is
// double-booked: no enterprise and no bank table has two meetings in one
// slot, and no pair meets twice.
func (s *Schedule) Validate() error {
	var v fieldErrors
	if s.EventID == "" {
		v.add("event_id", "is required")
	}
	if s.ID != s.EventID {
		v.add("id", "must equal event_id %q", s.EventID)
	}
	type tableSlot struct {
		bank        string
		table, slot int
	}
	type entSlot struct {
		ent  string
		slot int
	}
	type pair struct{ ent, bank string }
	if s.MustMeet < 0 {
		v.add("must_meet", "%d must not be negative", s.MustMeet)
	}
	if s.MustMeetMet < 0 {
		v.add("must_meet_met", "%d must not be negative", s.MustMeetMet)
	}
	if s.MustMeetMet > s.MustMeet {
		v.add("must_meet_met", "%d is more than the %d must-meet pairs", s.MustMeetMet, s.MustMeet)
	}
	overridden := map[pair]int{}
	for i, o := range s.Overrides {
		f := "overrides[" + strconv.Itoa(i) + "]"
		if o.EnterpriseID == "" {
			v.add(f+".enterprise_id", "is required")
		}
		if o.BankID == "" {
			v.add(f+".bank_id", "is required")
		}
		if n := utf8.RuneCountInString(o.Reason); n > MaxOverrideReason {
			v.add(f+".reason", "has %d characters, at most %d", n, MaxOverrideReason)
		}
		if j, dup := overridden[pair{o.EnterpriseID, o.BankID}]; dup {
			v.add(f, "%s × %s is overridden twice (also overrides[%d])", o.EnterpriseID, o.BankID, j)
		}
		overridden[pair{o.EnterpriseID, o.BankID}] = i
	}
	tables, ents, pairs := map[tableSlot]int{}, map[entSlot]int{}, map[pair]int{}
	for i, m := range s.Meetings {
		f := "meetings[" + strconv.Itoa(i) + "]"
		if m.EnterpriseID == "" {
			v.add(f+".enterprise_id", "is required")
		}
		if m.BankID == "" {
			v.add(f+".bank_id", "is required")
		}
		if m.Table < 1 {
			v.add(f+".table", "must be 1 or more")
		}
		if m.Slot < 1 {
			v.add(f+".slot", "must be 1 or more")
		}
		if m.OverrideReason != "" && !m.Override {
			v.add(f+".override_reason", "is set only on an override")
		}
		if n := utf8.RuneCountInString(m.OverrideReason); n > MaxOverrideReason {
			v.add(f+".override_reason", "has %d characters, at most %d", n, MaxOverrideReason)
		}
		switch m.Outcome {
		case "", "held", "no_show", "cancelled":
		default:
			v.add(f+".outcome", "%q must be held, no_show or cancelled", m.Outcome)
		}
		if j, dup := tables[tableSlot{m.BankID, m.Table, m.Slot}]; dup {
			v.add(f, "double-books table %d of %s in slot %d (also meetings[%d])", m.Table, m.BankID, m.Slot, j)
		}
		if j, dup := ents[entSlot{m.EnterpriseID, m.Slot}]; dup {
			v.add(f, "double-books %s in slot %d (also meetings[%d])", m.EnterpriseID, m.Slot, j)
		}
		if j, dup := pairs[pair{m.EnterpriseID, m.BankID}]; dup {
			v.add(f, "%s meets %s twice (also meetings[%d])", m.EnterpriseID, m.BankID, j)
		}
		tables[tableSlot{m.BankID, m.Table, m.Slot}] = i
		ents[entSlot{m.EnterpriseID, m.Slot}] = i
		pairs[pair{m.EnterpriseID, m.BankID}] = i
	}
	return v.err("schedule")
}
