package web

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
)

// Password sign-in. A user (data.User, made with `ipmatch user create`)
// signs in with a username and a password, checked against the bcrypt hash
// of the user record. The session then holds the user's ID; every request
// reads the user again and acts with its role and bindings (see
// sessionPrincipal), so deleting the user ends its sessions.

// BadPassword is the one answer to a wrong username or password: it
// never says which of the two was wrong.
const BadPassword = "用户名或密码错误"

// dummyPasswordHash is compared against when no user has the username, so
// that an unknown user costs as much time as a wrong password.
var dummyPasswordHash = sync.OnceValue(func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte("ipmatch-no-such-user-"+randomToken()), data.PasswordCost)
	if err != nil {
		panic("api: bcrypt: " + err.Error())
	}
	return h
})

// signInPassword handles POST /signin/password: the form's username and
// password open a session; the browser goes to its role's page. A wrong
// username or password shows the form again (401) with the same message
// either way; 429 when that username, from that address or from
// everywhere, or that address, has failed too often (passwordLimits).
func (h *webHandlers) signInPassword(c *gin.Context) {
	if !h.validSignInForm(c) {
		h.s.WriteError(c, app.Forbidden(webSignInCSRFMessage))
		return
	}
	ctx := c.Request.Context()
	addr, name := door.ClientKey(c), data.NormalizeUsername(c.PostForm("username"))
	if wait := h.passwordFailures.wait(addr, name); wait > 0 {
		h.tooManyFailures(c, wait)
		return
	}
	u, found, err := h.userByName(ctx, c.PostForm("username"))
	if err != nil {
		h.s.WriteError(c, err)
		return
	}
	hash := dummyPasswordHash()
	if found {
		hash = []byte(u.PasswordHash)
	}
	match := bcrypt.CompareHashAndPassword(hash, []byte(c.PostForm("password"))) == nil
	if !found || !match {
		h.passwordFailures.fail(addr, name)
		h.renderSignIn(c, http.StatusUnauthorized, BadPassword+"，请检查后重试。")
		return
	}
	h.startSession(c, userPrincipal(u), "", u.ID)
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
type passwordLimits struct {
	pair, user, address *door.FailureLimiter
}

func newPasswordLimits(burst int, every time.Duration) *passwordLimits {
	return &passwordLimits{
		pair:    door.NewFailureLimiter(burst, every),
		user:    door.NewFailureLimiter(10*burst, every),
		address: door.NewFailureLimiter(10*burst, max(every/10, time.Millisecond)),
	}
}

// wait is how long a sign-in as username from addr must wait, 0 if none.
func (l *passwordLimits) wait(addr, username string) time.Duration {
	return max(l.pair.Wait(addr+" "+door.UserKey(username)), l.user.Wait(door.UserKey(username)), l.address.Wait(addr))
}

// fail counts a failed sign-in as username from addr.
func (l *passwordLimits) fail(addr, username string) {
	l.pair.Fail(addr + " " + door.UserKey(username))
	l.user.Fail(door.UserKey(username))
	l.address.Fail(addr)
}

// userByName returns the user with the username name (normalised as the
// store keeps it), or false when there is none.
func (h *webHandlers) userByName(ctx context.Context, name string) (data.User, bool, error) {
	name = data.NormalizeUsername(name)
	if name == "" || len(name) > 64 {
		return data.User{}, false, nil
	}
	u, err := h.s.Store().Users().GetByKey(ctx, name)
	switch data.ErrorCode(err) {
	case "":
		return u, true, nil
	case data.CodeNotFound, data.CodeInvalid:
		return data.User{}, false, nil
	}
	return data.User{}, false, err
}

// userPrincipal is the caller a password session acts as: the user's role
// and bindings, named by its label or else its username. The API's rules
// (app/policy.go) read only these, so a user may do exactly what a token of
// the same role and bindings may.
func userPrincipal(u data.User) *app.Caller {
	label := u.Label
	if label == "" {
		label = u.Username
	}
	return &app.Caller{Token: data.Token{ID: u.ID, Role: u.Role, BankID: u.BankID, EnterpriseID: u.EnterpriseID, Label: label}, User: true}
}

// sessionPrincipal looks the credential of a signed-in session up again:
// its user, or else its token. A deleted user or revoked token is a
// not_found error.
func (h *webHandlers) sessionPrincipal(ctx context.Context, ws *webSession) (*app.Caller, error) {
	if ws.userID != "" {
		u, err := h.s.Store().Users().Get(ctx, ws.userID)
		if err != nil {
			return nil, err
		}
		return userPrincipal(u), nil
	}
	tok, err := h.s.Store().Tokens().GetByKey(ctx, ws.tokenHash)
	if err != nil {
		return nil, err
	}
	return &app.Caller{Token: tok}, nil
}
