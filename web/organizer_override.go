package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
)

// overrideMeeting handles POST /app/organizer/events/{id}/overrides: the
// organizer forces the meeting of a must-meet pair the eligibility rules
// refuse (enterprise_id, bank_id), with a reason (1 to 200 characters). It
// calls editMeeting as PUT /api/v1/events/{id}/schedule/meetings with
// enterprise_id, bank_id and override_reason does: the meeting goes to the
// first slot where the enterprise and a table of the bank are both free,
// pinned and flagged as an override. A bad reason answers 422 naming 原因;
// a published schedule stands (409).
func (h *webHandlers) overrideMeeting(c *gin.Context) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer"); err != nil {
		return err
	}
	req := app.MeetingRequest{EnterpriseID: c.PostForm("enterprise_id"), BankID: c.PostForm("bank_id"), OverrideReason: c.PostForm("reason")}
	if req.OverrideReason == "" {
		// editMeeting asks for a reason only of a pair the rules refuse;
		// this form is for nothing else, so an empty one is refused here.
		if _, err := app.CheckOverrideReason("override_reason", req.OverrideReason); err != nil {
			return err
		}
	}
	body, err := h.s.App.EditSchedule(c.Request.Context(), door.Caller(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	msg := "已破例安排该会谈并固定。"
	if m, ok := placedMeeting(body, req.EnterpriseID, req.BankID); ok {
		msg = "已破例安排" + m.EnterpriseName + "与" + m.BankName + "在" + meetingPlace(m) + "会谈，并已固定，重新生成会谈安排时将保留。原因：" + m.OverrideReason
	}
	h.setFlash(c, msg)
	c.Redirect(http.StatusSeeOther, "/app/organizer/events/"+c.Param("id"))
	return nil
}
