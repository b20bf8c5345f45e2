package web

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
)

// prefRow is one bank desk of an event with the enterprise's wish.
type prefRow struct {
	BankID, BankName string
	Kind             string // must_meet, no_thanks or ""
	// Wish explains how the wish fares (nil without a wish), StatusLabel
	// in Chinese and When its meeting's time.
	Wish        *app.WishBody
	StatusLabel string
	When        string
}

// wishStatusLabels name the wish statuses on the pages.
var wishStatusLabels = map[string]string{
	app.WishPending:  "待排期",
	app.WishBlocked:  "无法安排",
	app.WishMet:      "已安排",
	app.WishNotMet:   "未安排",
	app.WishDeclined: "不安排会谈",
}

// enterpriseEventRow is one event of the enterprise's page.
type enterpriseEventRow struct {
	Event       data.Event
	StatusLabel string
	Registered  bool
	CanRegister bool
	CanEdit     bool
	Prefs       []prefRow
	Published   bool
	Meetings    []myMeeting
}

// enterpriseEventsView is the data of /app/enterprise/events.
type enterpriseEventsView struct {
	Name   string
	Events []enterpriseEventRow
}

// enterpriseEventsPage handles GET /app/enterprise/events: the events open
// for registration, the enterprise's registrations with their preferences
// and its meetings once published.
func (h *webHandlers) enterpriseEventsPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleCompany, "/app/enterprise/events"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), door.Caller(c)
	e, err := h.s.App.Enterprises.Read(ctx, p, p.Token.EnterpriseID)
	if err != nil {
		return err
	}
	events, err := h.eventsNewestFirst(ctx, p)
	if err != nil {
		return err
	}
	v := enterpriseEventsView{Name: e.Name}
	for _, ev := range events {
		w, err := h.s.App.LoadEvent(ctx, ev.ID)
		if err != nil {
			return err
		}
		own := w.EntPart[e.ID]
		row := enterpriseEventRow{Event: ev, StatusLabel: eventStatusLabel(ev.Status), Registered: own != nil}
		if own == nil {
			if ev.Status != data.EventDraft {
				continue
			}
			row.CanRegister = true
			v.Events = append(v.Events, row)
			continue
		}
		row.CanEdit = ev.Status == data.EventDraft
		kinds := map[string]data.PreferenceKind{}
		for _, pr := range own.Preferences {
			kinds[pr.Target] = pr.Kind
		}
		var banks []string
		for id := range w.BankPart {
			banks = append(banks, id)
		}
		slices.Sort(banks)
		wishes, err := h.s.App.Wishes(ctx, p, ev.ID, "")
		if err != nil {
			return err
		}
		for _, id := range banks {
			pr := prefRow{BankID: id, BankName: w.Name(id), Kind: string(kinds[id])}
			for i := range wishes.Wishes {
				if wb := &wishes.Wishes[i]; wb.BankID == id {
					pr.Wish, pr.StatusLabel = wb, wishStatusLabels[wb.Status]
					if wb.Slot > 0 {
						pr.When = door.SlotLabel(w, wb.Slot)
					}
				}
			}
			row.Prefs = append(row.Prefs, pr)
		}
		if row.Meetings, row.Published, err = h.meetingsAt(ctx, p, ev.ID); err != nil {
			return err
		}
		v.Events = append(v.Events, row)
	}
	return h.render(c, http.StatusOK, "enterprise_events", webPage{Title: e.Name + " · 对接会", Data: v})
}

// registerForEvent handles POST /app/enterprise/events/{id}/register: a
// participant for the enterprise, created as POST /api/v1/participants
// does; participantRules refuses it once the event is no longer a draft.
func (h *webHandlers) registerForEvent(c *gin.Context) error {
	if err := requireRole(c, data.RoleCompany, "/app/enterprise/events"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), door.Caller(c)
	ev, err := h.s.App.Events.Read(ctx, p, c.Param("id"))
	if err != nil {
		return err
	}
	pt := data.Participant{EventID: ev.ID, Role: data.RoleEnterprise, EnterpriseID: p.Token.EnterpriseID}
	err = h.s.App.Participants.Create(ctx, p, &pt)
	if data.ErrorCode(err) == data.CodeConflict {
		// A second submit (a double click, a reload) finds the enterprise
		// registered: the same answer as the first, not an error page
		// with the registration's internal key.
		if held, gerr := h.s.Store().Participants().GetByKey(ctx, data.ParticipantKey(&pt)); gerr == nil && held.EnterpriseID == p.Token.EnterpriseID {
			h.setFlash(c, "您已报名“"+ev.Name+"”，可以在下方填写会谈意愿。")
			c.Redirect(http.StatusSeeOther, "/app/enterprise/events")
			return nil
		}
	}
	if err != nil {
		return err
	}
	h.setFlash(c, "已报名“"+ev.Name+"”，可以在下方填写会谈意愿。")
	c.Redirect(http.StatusSeeOther, "/app/enterprise/events")
	return nil
}

// savePreferences handles POST /app/enterprise/events/{id}/preferences:
// for each bank desk of the event, pref_{bank id} is must_meet, no_thanks
// or none; the enterprise's registration is replaced as PUT
// /api/v1/participants/{id} does (refused there once the event is no
// longer a draft). Wishes about parties not at the event are kept.
func (h *webHandlers) savePreferences(c *gin.Context) error {
	if err := requireRole(c, data.RoleCompany, "/app/enterprise/events"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), door.Caller(c)
	w, err := h.s.App.LoadEvent(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	own := w.EntPart[p.Token.EnterpriseID]
	if own == nil {
		return data.Errorf(data.CodeNotFound, "您尚未报名对接会“%s”", w.Event.Name)
	}
	rec := *own
	rec.Preferences = nil
	for _, pr := range own.Preferences {
		if w.BankPart[pr.Target] == nil {
			rec.Preferences = append(rec.Preferences, pr)
		}
	}
	var banks []string
	for id := range w.BankPart {
		banks = append(banks, id)
	}
	slices.Sort(banks)
	for _, id := range banks {
		switch k := c.PostForm("pref_" + id); k {
		case "", "none":
		case string(data.MustMeet), string(data.NoThanks):
			rec.Preferences = append(rec.Preferences, data.Preference{Target: id, Kind: data.PreferenceKind(k)})
		default:
			return data.InvalidField("pref_"+id, "须为 must_meet、no_thanks 或 none，而不是 %q", k)
		}
	}
	if _, err := h.s.App.Participants.Replace(ctx, p, own.ID, &rec, 0); err != nil {
		return err
	}
	h.setFlash(c, "会谈意愿已保存。")
	c.Redirect(http.StatusSeeOther, "/app/enterprise/events")
	return nil
}
