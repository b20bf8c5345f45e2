package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
)

// Where an applicant reads its review (issue 19): the public page
// /apply/status. An applicant has no user until it is approved, so it
// enters the username and password it applied with and sees where its
// application stands (app.ApplicationStatus): waiting, returned with the
// organizer's reasons and a way to submit again, or approved with a way
// to sign in. An approved applicant sees that page too, not the sign-in
// form: it came to learn the outcome, and a sign-in form asking for the
// same password again would not tell it. Its password here is the one it
// applied with, which may since have been changed or its user disabled,
// so this page never opens a session. Failures count against the
// password sign-in's limits (passwordLimits), for the same username and
// address: guessing here buys no more guesses than guessing there.

// applyStatusView is the data of /apply/status: the form (the username
// typed, a problem) or the review.
type applyStatusView struct {
	Username, Problem string
	Review            *app.ApplicationReview
}

// applyStatusPage handles GET /apply/status.
func (h *webHandlers) applyStatusPage(c *gin.Context) {
	h.renderApplyStatus(c, http.StatusOK, applyStatusView{})
}

func (h *webHandlers) renderApplyStatus(c *gin.Context, status int, v applyStatusView) {
	token, err := h.signInCSRF(c)
	if err != nil {
		h.s.WriteError(c, err)
		return
	}
	if err := h.render(c, status, "apply_status", webPage{Title: "查询入库审核进度", CSRF: token, Data: v}); err != nil {
		h.s.WriteError(c, err)
	}
}

// applyStatus handles POST /apply/status: the review of the application
// of the form's username and password; a wrong username or password shows
// the form again (401) with one message either way; 429 when that
// username or that address has failed too often (passwordLimits).
func (h *webHandlers) applyStatus(c *gin.Context) {
	if !h.checkSignInForm(c) {
		return
	}
	ctx := c.Request.Context()
	typed := strings.TrimSpace(c.PostForm("username"))
	addr, name := door.ClientKey(c), data.NormalizeUsername(typed)
	wait, err := h.passwordFailures.wait(ctx, addr, name)
	if err != nil {
		h.s.WriteError(c, err)
		return
	}
	if wait > 0 {
		h.tooManyStatusChecks(c, typed, wait)
		return
	}
	r, err := h.s.App.ApplicationStatus(ctx, typed, c.PostForm("password"))
	if data.ErrorCode(err) == data.CodeUnauthorized {
		if err := h.passwordFailures.fail(ctx, addr, name); err != nil {
			// Refused all the same; only the count is missed.
			h.s.Logger.ErrorContext(ctx, "counting a failed status check failed", "error", err, "request_id", door.RequestID(ctx))
		}
		h.renderApplyStatus(c, http.StatusUnauthorized, applyStatusView{Username: typed, Problem: BadPassword + "，请检查后重试。"})
		return
	}
	if err != nil {
		h.s.WriteError(c, err)
		return
	}
	h.renderApplyStatus(c, http.StatusOK, applyStatusView{Review: r})
}

// tooManyStatusChecks answers 429 with the status form.
func (h *webHandlers) tooManyStatusChecks(c *gin.Context, typed string, wait time.Duration) {
	door.SetRetryAfter(c, wait)
	c.Set(door.KeyErrorCode, string(door.CodeRateLimited))
	h.renderApplyStatus(c, http.StatusTooManyRequests, applyStatusView{Username: typed,
		Problem: fmt.Sprintf("查询失败次数过多，请 %d 秒后再试。", data.RetrySeconds(wait))})
}
