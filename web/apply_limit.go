package web

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
)

// The limit on the public application form (issue 19). Every submission
// app.Apply goes on with costs a bcrypt hash or comparison (about 0.25 s
// of CPU) and, when accepted, a record in the organizer's queue, and
// anyone may post the form. So each takes a token of its client address
// first (Config.ApplyBurst at once, then one per ApplyEvery), counted in
// the store so all nodes share the count (door.FailureLimiter.Take, which
// lets no more through than there are tokens, however many come at once).
//
// What counts: a submission the form's own checks (numbers, the two
// passwords, the uploaded file) or the application's rules
// (app.CheckApplication) refuse does not. Those refusals cost neither a
// hash nor a write, since Apply checks the rules before it hashes, and an
// applicant correcting a typo must never be stopped by its own typos.
// Everything else counts, accepted or not: a conflict (the credit code
// applied, or a resubmission with another password) has cost a bcrypt
// comparison all the same.

// applyLimitName names the limiter's buckets in the store.
const applyLimitName = "apply-address"

// admitApplication takes a token of the client's address for req, a
// submission of form f that is about to be applied, and reports whether
// it may go on. Over the limit it answers the form again with 429 and
// Retry-After, and nothing is written; an application the rules refuse
// goes on without a token, to be refused by app.Apply as usual.
func (h *webHandlers) admitApplication(c *gin.Context, req app.ApplyRequest, f applyForm) bool {
	if data.ErrorCode(h.s.App.CheckApplication(req)) == data.CodeInvalid {
		return true
	}
	wait, err := h.applyLimit.Take(c.Request.Context(), door.ClientKey(c))
	if err != nil {
		h.s.WriteError(c, err)
		return false
	}
	if wait == 0 {
		return true
	}
	door.SetRetryAfter(c, wait)
	after := fmt.Sprintf("%d 秒", data.RetrySeconds(wait))
	if secs := data.RetrySeconds(wait); secs > 60 {
		after = fmt.Sprintf("%d 分钟", (secs+59)/60)
	}
	f.Errors = append(f.Errors, "提交过于频繁：从您的网络地址提交的申请已达上限，本次申请未保存，请 "+after+"后再试。")
	h.renderApply(c, http.StatusTooManyRequests, applyView{Form: f})
	c.Set(door.KeyErrorCode, string(door.CodeRateLimited)) // after renderApply's invalid
	return false
}
