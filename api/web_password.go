package api

import (
	"context"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"ipmatch/data"
)

// Password sign-in. A user (data.User, made with `ipmatch user create`)
// signs in with a username and a password, checked against the bcrypt hash
// of the user record. The session then holds the user's ID; every request
// reads the user again and acts with its role and bindings (see
// sessionPrincipal), so deleting the user ends its sessions.

// webBadPassword is the one answer to a wrong username or password: it
// never says which of the two was wrong.
const webBadPassword = "用户名或密码错误"

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
// password open a session under a new id; the browser goes to its role's
// page. A wrong username or password shows the form again (401) with the
// same message either way.
func (h *webHandlers) signInPassword(c *gin.Context) {
	oldID := sessionID(c)
	ws, ok := h.sessions.get(oldID)
	if !ok || !validCSRF(c, &ws) {
		h.renderError(c, forbidden("登录表单的安全校验码（CSRF）缺失、错误或已过期，请刷新登录页后重试"))
		return
	}
	ctx := c.Request.Context()
	keys := []string{clientKey(c), userKey(data.NormalizeUsername(c.PostForm("username")))}
	if h.tooManyFailures(c, &ws, keys...) {
		return
	}
	u, found, err := h.userByName(ctx, c.PostForm("username"))
	if err != nil {
		h.renderError(c, err)
		return
	}
	hash := dummyPasswordHash()
	if found {
		hash = []byte(u.PasswordHash)
	}
	match := bcrypt.CompareHashAndPassword(hash, []byte(c.PostForm("password"))) == nil
	if !found || !match {
		h.s.authFailures.fail(keys...)
		pg := webPage{Title: "登录", CSRF: ws.csrf, Flash: webBadPassword + "，请检查后重试。"}
		if rerr := h.render(c, http.StatusUnauthorized, "signin", pg); rerr != nil {
			h.renderError(c, rerr)
		}
		return
	}
	h.sessions.close(oldID)
	id, _, ok := h.sessions.open("", u.ID)
	if !ok {
		h.renderError(c, data.Errorf(data.CodeInternal, "web sessions full"))
		return
	}
	setSessionCookie(c, id)
	p := userPrincipal(u)
	c.Set(keyPrincipal, p) // for the access log
	c.Redirect(http.StatusSeeOther, roleHome(p.tok.Role))
}

// userByName returns the user with the username name (normalised as the
// store keeps it), or false when there is none.
func (h *webHandlers) userByName(ctx context.Context, name string) (data.User, bool, error) {
	name = data.NormalizeUsername(name)
	if name == "" || len(name) > 64 {
		return data.User{}, false, nil
	}
	u, err := h.s.store.Users().GetByKey(ctx, name)
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
// (policy.go) read only these, so a user may do exactly what a token of
// the same role and bindings may.
func userPrincipal(u data.User) *principal {
	label := u.Label
	if label == "" {
		label = u.Username
	}
	return &principal{tok: data.Token{ID: u.ID, Role: u.Role, BankID: u.BankID, EnterpriseID: u.EnterpriseID, Label: label}, user: true}
}

// sessionPrincipal looks the credential of a signed-in session up again:
// its user, or else its token. A deleted user or revoked token is a
// not_found error.
func (h *webHandlers) sessionPrincipal(ctx context.Context, ws *webSession) (*principal, error) {
	if ws.userID != "" {
		u, err := h.s.store.Users().Get(ctx, ws.userID)
		if err != nil {
			return nil, err
		}
		return userPrincipal(u), nil
	}
	tok, err := h.s.store.Tokens().GetByKey(ctx, ws.tokenHash)
	if err != nil {
		return nil, err
	}
	return &principal{tok: tok}, nil
}
