package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
)

// Accounts in the pages (app/accounts.go holds the rules): a user changes
// its own password (/app/account); the organizer lists the users, makes
// a one-time reset link for one and disables or enables one
// (/app/organizer/users); the link's holder sets a new password at
// /reset/{token}, a public page.

// badResetLink is the one answer to a reset link that does not work,
// whatever the reason: it never says whether the user exists.
const badResetLink = "此重置链接无效、已使用或已过期。请联系组织方重新获取重置链接。"

// passwordProblems say in Chinese, by field and reason, what is wrong
// with a password form.
var passwordProblems = map[string]string{
	app.FieldCurrentPassword + " " + app.ReasonWrongPassword: "当前密码：不正确",
	app.FieldNewPassword + " " + app.ReasonTooShort:          "新密码：至少需要 " + strconv.Itoa(data.MinPasswordLength) + " 个字符",
	app.FieldNewPassword + " " + app.ReasonTooLong:           "新密码：最多 " + strconv.Itoa(app.MaxPasswordBytes) + " 字节（约 24 个汉字）",
	app.FieldNewPassword + " " + app.ReasonSameAsCurrent:     "新密码：不能与当前密码相同",
	app.FieldNewPassword + " " + app.ReasonIsUsername:        "新密码：不能与用户名相同",
	app.FieldConfirmPassword + " " + app.ReasonMismatch:      "确认新密码：与新密码不一致",
}

// passwordFormProblems returns the Chinese problems of an invalid error
// of a password form, or nil when err is another error.
func passwordFormProblems(err error) []string {
	if data.ErrorCode(err) != data.CodeInvalid {
		return nil
	}
	var out []string
	for _, f := range data.ErrorFields(err) {
		msg, ok := passwordProblems[f.Field+" "+f.Reason]
		if !ok {
			msg = "密码：不符合要求"
		}
		out = append(out, msg)
	}
	return out
}

// accountView is the data of the account page.
type accountView struct {
	// Password is false for a session signed in with a token.
	Password  bool
	Username  string
	MinLength int
	Errors    []string
}

// accountPage handles GET /app/account: the password form of a user
// signed in with a password; a token's session has no password.
func (h *webHandlers) accountPage(c *gin.Context) error {
	return h.renderAccount(c, http.StatusOK, nil)
}

func (h *webHandlers) renderAccount(c *gin.Context, status int, problems []string) error {
	p := door.Caller(c)
	v := accountView{Password: p.User, MinLength: data.MinPasswordLength, Errors: problems}
	if p.User {
		u, err := h.s.Store().Users().Get(c.Request.Context(), p.Token.ID)
		if err != nil {
			return err
		}
		v.Username = u.Username
	}
	return h.render(c, status, "account", webPage{Title: "账户与密码", Data: v})
}

// changePassword handles POST /app/account/password (app.ChangePassword):
// the user's other sessions end, this one stays. A refused form is shown
// again (422) naming the fields to correct, and nothing is written.
func (h *webHandlers) changePassword(c *gin.Context) error {
	p := door.Caller(c)
	if !p.User {
		return app.Forbidden("a token's session has no password to change (以 API 令牌登录的会话没有密码可改)")
	}
	err := h.s.App.ChangePassword(c.Request.Context(), p, session(c).rec.ID,
		c.PostForm("current_password"), c.PostForm("new_password"), c.PostForm("confirm_password"))
	if problems := passwordFormProblems(err); problems != nil {
		return h.renderAccount(c, http.StatusUnprocessableEntity, problems)
	}
	if err != nil {
		return err
	}
	h.setFlash(c, "密码已修改。您在其他设备和浏览器上的登录已退出。")
	c.Redirect(http.StatusSeeOther, "/app/account")
	return nil
}

// userRow is one user on the organizer's users page.
type userRow struct {
	app.UserView
	RoleLabel, Party string
}

// usersView is the data of the organizer's users page.
type usersView struct {
	Rows []userRow
	// Link is the reset link just made, shown this once.
	Link     *app.ResetLink
	LinkURL  string
	TTLHours int
}

// usersPage handles GET /app/organizer/users.
func (h *webHandlers) usersPage(c *gin.Context) error {
	return h.renderUsers(c, nil)
}

func (h *webHandlers) renderUsers(c *gin.Context, link *app.ResetLink) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer/users"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), door.Caller(c)
	users, err := h.s.App.Users(ctx, p)
	if err != nil {
		return err
	}
	banks, err := h.bankNames(ctx, p)
	if err != nil {
		return err
	}
	v := usersView{Link: link, TTLHours: int(app.ResetLinkTTL.Hours())}
	if link != nil {
		scheme := "http"
		if secureRequest(c.Request) {
			scheme = "https"
		}
		v.LinkURL = scheme + "://" + c.Request.Host + link.Link
	}
	for _, u := range users {
		row := userRow{UserView: u, RoleLabel: roleLabel(u.Role)}
		switch {
		case u.BankID != "":
			row.Party = banks[u.BankID]
		case u.EnterpriseID != "":
			if e, err := h.s.App.Enterprises.Read(ctx, p, u.EnterpriseID); err == nil {
				row.Party = e.Name
			} else if data.ErrorCode(err) != data.CodeNotFound {
				return err
			}
		}
		v.Rows = append(v.Rows, row)
	}
	slices.SortStableFunc(v.Rows, func(a, b userRow) int { return strings.Compare(a.Username, b.Username) })
	return h.render(c, http.StatusOK, "users", webPage{Title: "用户管理", Data: v})
}

// resetUserForm handles POST /app/organizer/users/:id/reset
// (app.MakeResetLink): the users page again, with the new link shown this
// once (never in a flash message, which the session table would keep).
func (h *webHandlers) resetUserForm(c *gin.Context) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer/users"); err != nil {
		return err
	}
	link, err := h.s.App.MakeResetLink(c.Request.Context(), door.Caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	return h.renderUsers(c, &link)
}

// disableUserForm handles POST /app/organizer/users/:id/disable and
// /enable (app.SetUserDisabled).
func (h *webHandlers) disableUserForm(disabled bool) func(*gin.Context) error {
	return func(c *gin.Context) error {
		if err := requireRole(c, data.RoleOrganizer, "/app/organizer/users"); err != nil {
			return err
		}
		_, err := h.s.App.SetUserDisabled(c.Request.Context(), door.Caller(c), c.Param("id"), disabled)
		if data.ErrorCode(err) == data.CodeConflict {
			return data.Errorf(data.CodeConflict, "you cannot disable yourself (不能停用您当前登录的用户)")
		}
		if err != nil {
			return err
		}
		// The flash is plain text: the username (Latin letters) goes on
		// the page in <code>, not here.
		msg := "已启用该用户，其可以重新登录。"
		if disabled {
			msg = "已停用该用户，其登录已全部退出。"
		}
		h.setFlash(c, msg)
		c.Redirect(http.StatusSeeOther, "/app/organizer/users")
		return nil
	}
}

// resetView is the data of the public reset page.
type resetView struct {
	Username  string
	MinLength int
	Errors    []string
	// Bad is the message of a link that does not work; Done says the
	// password was set.
	Bad  string
	Done bool
}

// resetPage handles GET /reset/:token: the form to set a new password
// while the link works, else 404 with badResetLink.
func (h *webHandlers) resetPage(c *gin.Context) {
	name, err := h.s.App.ResetUser(c.Request.Context(), c.Param("token"))
	h.renderReset(c, name, err, nil, false)
}

// resetPassword handles POST /reset/:token (app.ResetPassword): a form of
// this site's (the sign-in forms' CSRF check) sets the password; every
// session of the user ends and the link stops working.
func (h *webHandlers) resetPassword(c *gin.Context) {
	if !h.checkSignInForm(c) {
		return
	}
	ctx := c.Request.Context()
	// No caller: app.ResetPassword names the user as the actor.
	ctx = data.WithOrigin(ctx, data.Origin{Via: data.ViaWeb, Request: c.Request.Method + " " + c.FullPath(), RequestID: door.RequestID(ctx)})
	token := c.Param("token")
	err := h.s.App.ResetPassword(ctx, token, c.PostForm("new_password"), c.PostForm("confirm_password"))
	if problems := passwordFormProblems(err); problems != nil {
		name, nerr := h.s.App.ResetUser(ctx, token)
		h.renderReset(c, name, nerr, problems, false)
		return
	}
	if data.ErrorCode(err) == data.CodeNotFound {
		h.renderReset(c, "", err, nil, false)
		return
	}
	if err != nil {
		h.s.WriteError(c, err)
		return
	}
	h.renderReset(c, "", nil, nil, true)
}

// renderReset writes the reset page: the form for username, the problems
// of a refused form (422), a link that does not work (404, when err is
// not_found) or the password set.
func (h *webHandlers) renderReset(c *gin.Context, username string, err error, problems []string, done bool) {
	status := http.StatusOK
	v := resetView{Username: username, MinLength: data.MinPasswordLength, Errors: problems, Done: done}
	switch {
	case data.ErrorCode(err) == data.CodeNotFound:
		status, v.Bad = http.StatusNotFound, badResetLink
	case err != nil:
		h.s.WriteError(c, err)
		return
	case problems != nil:
		status = http.StatusUnprocessableEntity
	}
	pg := webPage{Title: "重置密码", Data: v}
	if v.Bad == "" && !done {
		token, err := h.signInCSRF(c)
		if err != nil {
			h.s.WriteError(c, err)
			return
		}
		pg.CSRF = token
	}
	if err := h.render(c, status, "reset", pg); err != nil {
		h.s.WriteError(c, err)
	}
}
