package data

import (
	"strings"
	"time"
)

// EventStatus is where an event's schedule stands.
type EventStatus string

// The event statuses.
const (
	EventDraft     EventStatus = "draft"     // registration open, schedule not published
	EventPublished EventStatus = "published" // schedule published to participants
	EventClosed    EventStatus = "closed"    // held; outcomes being recorded
)

// Event is a matchmaking session (投融对接会): banks meet enterprises 1:1 at
// tables in fixed time slots.
type Event struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Organizer   string      `json:"organizer,omitempty"` // e.g. 广东股权交易中心
	Region      string      `json:"region"`
	Venue       string      `json:"venue,omitempty"`
	Focus       string      `json:"focus,omitempty"` // e.g. 装备制造业
	Date        Date        `json:"date"`
	StartsAt    string      `json:"starts_at"` // HH:MM local time of the first slot
	SlotMinutes int         `json:"slot_minutes"`
	Slots       int         `json:"slots"`
	MaxMeetings int         `json:"max_meetings_per_enterprise"`
	PoolID      string      `json:"pool_id,omitempty"`
	Status      EventStatus `json:"status"`
	CreatedAt   time.Time   `json:"created_at,omitzero"`
	UpdatedAt   time.Time   `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// Normalize trims e's fields and defaults its status to draft.
func (e *Event) Normalize() {
	e.Name = strings.TrimSpace(e.Name)
	e.StartsAt = strings.TrimSpace(e.StartsAt)
	if e.Status == "" {
		e.Status = EventDraft
	}
}

// Validate checks e against the record rules.
func (e *Event) Validate() error {
	var v fieldErrors
	if e.Name == "" {
		v.add("name", "is required")
	}
	if _, ok := LookupRegion(e.Region); !ok {
		v.add("region", "%q is not a known region code", e.Region)
	}
	if e.Date.IsZero() {
		v.add("date", "is required")
	}
	if _, err := time.Parse("15:04", e.StartsAt); err != nil {
		v.add("starts_at", "%q is not a time HH:MM", e.StartsAt)
	}
	if e.SlotMinutes < 5 || e.SlotMinutes > 240 {
		v.add("slot_minutes", "%d must be between 5 and 240", e.SlotMinutes)
	}
	if e.Slots < 1 || e.Slots > 96 {
		v.add("slots", "%d must be between 1 and 96", e.Slots)
	}
	if e.MaxMeetings < 1 || e.MaxMeetings > 96 {
		v.add("max_meetings_per_enterprise", "%d must be between 1 and 96", e.MaxMeetings)
	}
	switch e.Status {
	case EventDraft, EventPublished, EventClosed:
	default:
		v.add("status", "%q must be draft, published or closed", e.Status)
	}
	return v.err("event")
}

// ParticipantRole is how someone takes part in an event.
type ParticipantRole string

// The participant roles.
const (
	RoleEnterprise ParticipantRole = "enterprise"
	RoleBankDesk   ParticipantRole = "bank"
	RoleValuer     ParticipantRole = "valuer" // 资产评估机构, explains valuation at a booth
)

// PreferenceKind says whether a participant wants or refuses a meeting.
type PreferenceKind string

// The preference kinds.
const (
	MustMeet PreferenceKind = "must_meet"
	NoThanks PreferenceKind = "no_thanks"
)

// Preference is one participant's wish about meeting another party: for an
// enterprise, Target is a bank id; for a bank, an enterprise id.
type Preference struct {
	Target string         `json:"target"`
	Kind   PreferenceKind `json:"kind"`
}

// Participant is an enterprise, bank or valuer registered for an event.
type Participant struct {
	ID           string          `json:"id"`
	EventID      string          `json:"event_id"`
	Role         ParticipantRole `json:"role"`
	EnterpriseID string          `json:"enterprise_id,omitempty"`
	BankID       string          `json:"bank_id,omitempty"`
	// Name is the valuer's name. For an enterprise or a bank desk it is a
	// note kept on the registration only: schedules, calendars and exports
	// show the registered name of the Enterprise or Bank record instead,
	// so that no party can appear there under another's name.
	Name   string `json:"name,omitempty"`
	Tables int    `json:"tables,omitempty"`
	// WantedMeetings is how many meetings an enterprise asks for (0 = the event's maximum).
	WantedMeetings int          `json:"wanted_meetings,omitempty"`
	Preferences    []Preference `json:"preferences,omitempty"`
	CreatedAt      time.Time    `json:"created_at,omitzero"`
	UpdatedAt      time.Time    `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// Normalize gives a bank at least one table.
func (p *Participant) Normalize() {
	p.Name = strings.TrimSpace(p.Name)
	if p.Role == RoleBankDesk && p.Tables == 0 {
		p.Tables = 1
	}
}

// Validate checks p against the record rules.
func (p *Participant) Validate() error {
	var v fieldErrors
	if p.EventID == "" {
		v.add("event_id", "is required")
	}
	switch p.Role {
	case RoleEnterprise:
		if p.EnterpriseID == "" {
			v.add("enterprise_id", "is required for an enterprise participant")
		}
		if p.BankID != "" {
			v.add("bank_id", "must be empty for an enterprise participant")
		}
	case RoleBankDesk:
		if p.BankID == "" {
			v.add("bank_id", "is required for a bank participant")
		}
		if p.EnterpriseID != "" {
			v.add("enterprise_id", "must be empty for a bank participant")
		}
		if p.Tables < 1 || p.Tables > 50 {
			v.add("tables", "%d must be between 1 and 50", p.Tables)
		}
	case RoleValuer:
		if p.Name == "" {
			v.add("name", "is required for a valuer")
		}
	default:
		v.add("role", "%q must be enterprise, bank or valuer", p.Role)
	}
	if p.WantedMeetings < 0 {
		v.add("wanted_meetings", "must not be negative")
	}
	seen := map[string]bool{}
	for i, pr := range p.Preferences {
		f := indexed("preferences", i)
		if pr.Target == "" {
			v.add(f+".target", "is required")
		}
		if pr.Kind != MustMeet && pr.Kind != NoThanks {
			v.add(f+".kind", "%q must be must_meet or no_thanks", pr.Kind)
		}
		if seen[pr.Target] {
			v.add(f+".target", "%q appears twice", pr.Target)
		}
		seen[pr.Target] = true
	}
	return v.err("participant")
}

// ParticipantKey is the natural key of a participant: one registration per
// party per event.
func ParticipantKey(p *Participant) string {
	party := p.EnterpriseID + p.BankID
	if p.Role == RoleValuer {
		party = p.Name
	}
	return p.EventID + "|" + string(p.Role) + "|" + party
}
