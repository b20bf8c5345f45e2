package web

import (
	"github.com/gin-gonic/gin"

	"ipmatch/data"
	"ipmatch/door"
)

// meetingsICS handles GET /app/enterprise/events/{id}/meetings.ics and GET
// /app/bank/events/{id}/meetings.ics: the caller's own meetings at event id
// as an iCalendar file, fetched with the session cookie. It is GET
// /api/v1/events/{id}/participants/{pid}/calendar.ics for the caller's own
// registration (enterprise) or desk (bank), with the same rule: its own
// participant only, 404 until the schedule is published.
func (h *webHandlers) meetingsICS(role data.Role, home string) func(*gin.Context) error {
	return func(c *gin.Context) error {
		if err := requireRole(c, role, home); err != nil {
			return err
		}
		ctx, p := c.Request.Context(), door.Caller(c)
		w, err := h.s.App.LoadEvent(ctx, c.Param("id"))
		if err != nil {
			return err
		}
		var own *data.Participant
		if role == data.RoleBank {
			own = w.BankPart[p.Token.BankID]
		} else {
			own = w.EntPart[p.Token.EnterpriseID]
		}
		if own == nil {
			return data.Errorf(data.CodeNotFound, "您未参加对接会“%s”", w.Event.Name)
		}
		return h.s.WriteCalendar(c, p, own)
	}
}
