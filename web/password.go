package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
	"ipmatch/door"
)

// Password sign-in: the form and the limits on failures. The check of the
// password and the caller it gives are app.PasswordCaller's; a session
// then holds the user's ID and every request reads the user again
// (app.SessionCaller), so deleting the user ends its sessions.

// BadPassword is the one answer to a wrong username or password: it
// never says which of the two was wrong.
const BadPassword = "用户名或密码错误"

// signInPassword handles POST /signin/password: the form's username and
// password open a session; the browser goes to its role's page. A wrong
// username or password shows the form again (401) with the same message
// either way; 429 when that username, from that address or from
// everywhere, or that address, has failed too often (passwordLimits).
func (h *webHandlers) signInPassword(c *gin.Context) {
	if !h.checkSignInForm(c) {
		return
	}
	ctx := c.Request.Context()
	addr, name := door.ClientKey(c), data.NormalizeUsername(c.PostForm("username"))
	wait, err := h.passwordFailures.wait(ctx, addr, name)
	if err != nil {
		h.s.WriteError(c, err)
		return
	}
	if wait > 0 {
		h.tooManyFailures(c, wait)
		return
	}
	p, userID, err := h.s.App.PasswordCaller(ctx, c.PostForm("username"), c.PostForm("password"))
	if data.ErrorCode(err) == data.CodeUnauthorized {
		if err := h.passwordFailures.fail(ctx, addr, name); err != nil {
			// The sign-in is refused all the same; only the count is missed.
			h.s.Logger.ErrorContext(ctx, "counting a failed password failed", "error", err, "request_id", door.RequestID(ctx))
		}
		h.renderSignIn(c, http.StatusUnauthorized, BadPassword+"，请检查后重试。")
		return
	}
	if err != nil {
		h.s.WriteError(c, err)
		return
	}
	h.startSession(c, p, "", userID)
}

// passwordLimits limit failed password sign-ins by what failed, so that a
// correct password is refused only when its own username is under attack:
//
//   - per username and address: Config.AuthFailureBurst failures, then
//     one per AuthFailureEvery (defaults 10, then one every 6 s): one
//     client guessing one account;
//   - per username from anywhere: ten times the burst at the same rate
//     (100, then 10 a minute): guesses at one account spread over many
//     addresses, without letting one address lock the account's owner out
//     with a handful of failures;
//   - per address, any username: ten times the burst refilled ten times
//     as fast (100, then 100 a minute): only to bound the bcrypt work one
//     address can cause (at cost 12, about 0.25 s of CPU each), high
//     enough that other users' typos behind a shared proxy never refuse
//     a correct password.
//
// The counts are kept in the store (door.FailureLimiter), so they are
// every node's: guesses spread over the nodes behind a load balancer
// are limited as if they came to one.
type passwordLimits struct {
	pair, user, address *door.FailureLimiter
}

func newPasswordLimits(failures data.Table[data.SignInFailure], burst int, every time.Duration) *passwordLimits {
	return &passwordLimits{
		pair:    door.NewFailureLimiter(failures, "password-pair", burst, every),
		user:    door.NewFailureLimiter(failures, "password-user", 10*burst, every),
		address: door.NewFailureLimiter(failures, "password-address", 10*burst, max(every/10, time.Millisecond)),
	}
}

// limits pairs each limiter with its key for a sign-in as username from
// addr.
func (l *passwordLimits) limits(addr, username string) []struct {
	l   *door.FailureLimiter
	key string
} {
	return []struct {
		l   *door.FailureLimiter
		key string
	}{{l.pair, addr + " " + door.UserKey(username)}, {l.user, door.UserKey(username)}, {l.address, addr}}
}

// wait is how long a sign-in as username from addr must wait, 0 if none.
func (l *passwordLimits) wait(ctx context.Context, addr, username string) (time.Duration, error) {
	var longest time.Duration
	for _, k := range l.limits(addr, username) {
		d, err := k.l.Wait(ctx, k.key)
		if err != nil {
			return 0, err
		}
		longest = max(longest, d)
	}
	return longest, nil
}

// fail counts a failed sign-in as username from addr.
func (l *passwordLimits) fail(ctx context.Context, addr, username string) error {
	var errs []error
	for _, k := range l.limits(addr, username) {
		errs = append(errs, k.l.Fail(ctx, k.key))
	}
	return errors.Join(errs...)
}
