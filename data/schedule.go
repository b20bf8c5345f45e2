package data

import (
	"strconv"
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

// Schedule is the meeting plan of one event; its ID is the event's ID.
type Schedule struct {
	ID          string      `json:"id"`
	EventID     string      `json:"event_id"`
	Meetings    []Meeting   `json:"meetings"`
	Unscheduled []Shortfall `json:"unscheduled"`
	// TotalScore is the sum of the meetings' scores, which the scheduler maximises.
	TotalScore float64 `json:"total_score"`
	// ModelVersion and Params say how the scores were computed, so the
	// schedule can be explained and reproduced later.
	ModelVersion string            `json:"model_version,omitempty"`
	Params       map[string]string `json:"params,omitempty"`
	CreatedAt    time.Time         `json:"created_at,omitzero"`
	UpdatedAt    time.Time         `json:"updated_at,omitzero"`
}

// Normalize makes the schedule's ID its event's ID and keeps lists non-nil.
func (s *Schedule) Normalize() {
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
