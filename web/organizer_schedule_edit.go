package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
)

// The organizer's edits of a draft schedule on the event page beyond pins:
// moving a meeting to another slot. The rule (which table, what clashes,
// that a moved meeting is pinned, that a published schedule stands) lives
// in editMeeting, which PUT /api/v1/events/{id}/schedule/meetings calls
// too.

// slotOption is one slot of the move select.
type slotOption struct {
	Slot int
	Time string
}

// slotOptions lists the event's slots with their times.
func slotOptions(w *app.EventWorld) []slotOption {
	out := make([]slotOption, w.Event.Slots)
	for s := range out {
		out[s] = slotOption{Slot: s + 1, Time: door.SlotLabel(w, s+1)}
	}
	return out
}

// formSlot reads the slot field of a form: a whole number (range checked
// by editMeeting against the event's slots).
func formSlot(val string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(val))
	if err != nil {
		return 0, data.InvalidField("slot", "%q is not a whole number（时段须为整数序号）", val)
	}
	return n, nil
}

// moveMeeting handles POST /app/organizer/events/{id}/moves: the meeting
// of enterprise_id and bank_id moves to slot (at a table of the bank's
// desk free then) and is pinned, as PUT /api/v1/events/{id}/schedule/meetings
// with enterprise_id, bank_id and slot does; a clash answers 409 with the
// rule's Chinese message.
func (h *webHandlers) moveMeeting(c *gin.Context) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer"); err != nil {
		return err
	}
	slot, err := formSlot(c.PostForm("slot"))
	if err != nil {
		return err
	}
	req := app.MeetingRequest{EnterpriseID: c.PostForm("enterprise_id"), BankID: c.PostForm("bank_id"), Slot: &slot}
	body, err := h.s.App.EditSchedule(c.Request.Context(), door.Caller(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	msg := "已移动该会谈并固定，重新生成会谈安排时将保留。"
	if m, ok := placedMeeting(body, req.EnterpriseID, req.BankID); ok {
		msg = "已将" + m.EnterpriseName + "与" + m.BankName + "的会谈移到" + meetingPlace(m) + "，并已固定，重新生成会谈安排时将保留。"
	}
	h.setFlash(c, msg)
	c.Redirect(http.StatusSeeOther, "/app/organizer/events/"+c.Param("id"))
	return nil
}

// placedMeeting returns the meeting of enterprise ent and bank in body.
func placedMeeting(body app.ScheduleBody, ent, bank string) (app.MeetingBody, bool) {
	for _, m := range body.Meetings {
		if m.EnterpriseID == ent && m.BankID == bank {
			return m, true
		}
	}
	return app.MeetingBody{}, false
}

// meetingPlace says where and when m is, for a notice:
// 「第3时段（北京时间 14:40–15:00）5 号桌」.
func meetingPlace(m app.MeetingBody) string {
	return "第" + strconv.Itoa(m.Slot) + "时段（北京时间 " + door.BeijingTime(m.Start, door.ClockLayout) + "–" +
		door.BeijingTime(m.End, door.ClockLayout) + "）" + strconv.Itoa(m.TableNumber) + " 号桌"
}
