package web

import (
	"cmp"
	"context"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
)

// myMeeting is one meeting of the caller.
type myMeeting struct {
	Time    string
	Table   int // the event-wide table number (tableNumber)
	Partner string
	// PartnerID is the partner's ID (the bank's pages link an enterprise
	// to /app/bank/enterprises/{id}).
	PartnerID string
}

// eventMeetings are the caller's meetings at one event it attends.
type eventMeetings struct {
	Event       data.Event
	StatusLabel string
	Published   bool
	Meetings    []myMeeting
}

// myMeetings returns, for each event where p (a bank or an enterprise) is
// registered, its own meetings once the schedule is published, as GET
// /api/v1/events/{id}/schedule answers it. Events newest first.
func (h *webHandlers) myMeetings(ctx context.Context, p *app.Caller) ([]eventMeetings, error) {
	events, err := h.eventsNewestFirst(ctx, p)
	if err != nil {
		return nil, err
	}
	var out []eventMeetings
	for _, ev := range events {
		w, err := h.s.App.LoadEvent(ctx, ev.ID)
		if err != nil {
			return nil, err
		}
		if p.Is(data.RoleBank) && w.BankPart[p.Token.BankID] == nil || p.Is(data.RoleCompany) && w.EntPart[p.Token.EnterpriseID] == nil {
			continue
		}
		em := eventMeetings{Event: ev, StatusLabel: eventStatusLabel(ev.Status)}
		em.Meetings, em.Published, err = h.meetingsAt(ctx, p, ev.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, em)
	}
	return out, nil
}

// meetingsAt returns p's meetings at event id by slot and table; false
// when the schedule is not published (yet).
func (h *webHandlers) meetingsAt(ctx context.Context, p *app.Caller, id string) ([]myMeeting, bool, error) {
	w, _, ms, _, _, err := h.s.App.VisibleSchedule(ctx, p, id, "", "")
	if data.ErrorCode(err) == data.CodeNotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	slices.SortFunc(ms, func(a, b data.Meeting) int {
		return cmp.Or(cmp.Compare(a.Slot, b.Slot), cmp.Compare(a.Table, b.Table))
	})
	var out []myMeeting
	for _, m := range ms {
		partner := m.EnterpriseID
		if p.Is(data.RoleCompany) {
			partner = m.BankID
		}
		out = append(out, myMeeting{Time: door.SlotLabel(w, m.Slot), Table: w.TableNumber(m.BankID, m.Table), Partner: w.Name(partner), PartnerID: partner})
	}
	return out, true, nil
}

// bankMeetingsView is the data of /app/bank/meetings.
type bankMeetingsView struct {
	BankName string
	Events   []eventMeetings
}

// bankMeetingsPage handles GET /app/bank/meetings: the bank's own meetings
// at each event where it has a desk.
func (h *webHandlers) bankMeetingsPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleBank, "/app/bank/meetings"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), door.Caller(c)
	b, err := h.s.App.Banks.Read(ctx, p, p.Token.BankID)
	if err != nil {
		return err
	}
	evs, err := h.myMeetings(ctx, p)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "bank_meetings", webPage{Title: b.Name + " · 会谈安排", Data: bankMeetingsView{BankName: b.Name, Events: evs}})
}

// ---- Enterprise: events ----

// eventsNewestFirst returns the events p may read, the latest date first
// (then by ID): the order of every page that lists events.
func (h *webHandlers) eventsNewestFirst(ctx context.Context, p *app.Caller) ([]data.Event, error) {
	events, err := h.s.App.Events.All(ctx, p, data.Refs{})
	slices.SortFunc(events, func(a, b data.Event) int {
		return cmp.Or(-cmp.Compare(a.Date.String(), b.Date.String()), cmp.Compare(a.ID, b.ID))
	})
	return events, err
}
