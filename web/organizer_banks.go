package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
)

// 银行入库 (issue 19): the organizer's page /app/organizer/banks lists the
// banks with their products on sale and their users, admits a bank
// (through the banks resource's Create, as POST /api/v1/banks: the page
// holds the API's rules and no others) and opens a user for a bank
// (app.InviteUser, as POST /api/v1/users): the user has no password, and
// the page shows its one-time set-password link once.
//
// The link is shown after a redirect (Post/Redirect/Get), so that
// reloading the page neither posts the form again nor shows the link
// again. It travels from the POST to the GET in a short-lived cookie of
// this page's path (inviteCookie), not in the session's flash, which the
// session table would keep: the server keeps only the link's hash, as for
// every reset link, and the GET shows the link only while it still works
// (app.ResetUser), then clears the cookie.

// inviteCookie carries a just-made set-password link's token from the
// POST that made it to the page that shows it, for inviteCookieAge at
// most.
const (
	inviteCookie     = "ipmatch_invite"
	inviteCookiePath = "/app/organizer/banks"
	inviteCookieAge  = 5 * time.Minute
)

// bankTypes are the kinds of bank the admission form suggests (the NFRA's
// categories); another may be typed.
var bankTypes = []string{"国有大型商业银行", "股份制商业银行", "城市商业银行", "农村商业银行", "农村合作银行", "村镇银行", "民营银行", "外资银行", "政策性银行"}

// bankAdmitForm is the admission form as typed, and its problems.
type bankAdmitForm struct {
	Name, Type, Branch, Region string
	Errors                     []string
}

// bankUserForm is a bank's user form as typed, and its problems; Taken is
// a username already in use.
type bankUserForm struct {
	BankID, Username, Label, Taken string
	Errors                         []string
}

// bankRow is one bank on the page.
type bankRow struct {
	data.Bank
	// OnSale counts its active products, Products all of them.
	OnSale, Products int
	Users            []app.UserView
}

// inviteShown is a user just opened and its link, shown once.
type inviteShown struct {
	Username, BankName, LinkURL string
	ExpiresAt                   time.Time
}

// banksView is the data of /app/organizer/banks.
type banksView struct {
	Rows     []bankRow
	Admit    bankAdmitForm
	User     bankUserForm
	Invite   *inviteShown
	TTLHours int
	Types    []string
}

// bankFieldLabels name a bank's fields in the form's words.
var bankFieldLabels = map[string]string{"name": "银行名称", "type": "银行类型", "branch": "分支机构", "region": "所在地区"}

// bankProblem says a field error of a bank in Chinese.
func bankProblem(f data.FieldError) string {
	label := bankFieldLabels[f.Field]
	if label == "" {
		label = "银行信息"
	}
	switch {
	case f.Field == "region":
		return label + "：不是有效的行政区划代码（6 位，如 441204；或省、市的 2 位、4 位代码）"
	case strings.Contains(f.Reason, "is required"):
		return label + "：必填"
	}
	return label + "：填写有误"
}

// userProblem says a field error of a user opened on the page in Chinese.
func userProblem(f data.FieldError) string {
	switch f.Field {
	case "username":
		return "登录用户名：3 到 64 个字符，只能用小写字母、数字和 . _ -"
	case "label":
		return "名称：最多 " + strconv.Itoa(app.MaxUserLabel) + " 个字符"
	case "bank_id":
		return "所属银行：不存在"
	}
	return "用户信息：填写有误"
}

// banksPage handles GET /app/organizer/banks: the banks, the admission
// form and, once after opening a user, its set-password link.
func (h *webHandlers) banksPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer/banks"); err != nil {
		return err
	}
	v := banksView{}
	if ck, err := c.Request.Cookie(inviteCookie); err == nil {
		h.clearInviteCookie(c)
		shown, err := h.shownInvite(c, ck.Value)
		if err != nil {
			return err
		}
		v.Invite = shown
	}
	return h.renderBanks(c, http.StatusOK, v)
}

// shownInvite returns the invitation of the link token while the link
// works, else nil (used, replaced, expired, or no link of this server's).
func (h *webHandlers) shownInvite(c *gin.Context, token string) (*inviteShown, error) {
	ctx, p := c.Request.Context(), door.Caller(c)
	name, err := h.s.App.ResetUser(ctx, token)
	if data.ErrorCode(err) == data.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	id, _, _ := strings.Cut(token, ".")
	users, err := h.s.App.Users(ctx, p)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if u.ID != id {
			continue
		}
		shown := &inviteShown{Username: name, ExpiresAt: u.ResetExpires, LinkURL: h.linkURL(c, "/reset/"+token)}
		if u.BankID != "" {
			if b, err := h.s.App.Banks.Read(ctx, p, u.BankID); err == nil {
				shown.BankName = b.Name
			}
		}
		return shown, nil
	}
	return nil, nil
}

// linkURL is the full address of path on this server, as the browser
// reached it.
func (h *webHandlers) linkURL(c *gin.Context, path string) string {
	scheme := "http"
	if secureRequest(c.Request) {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host + path
}

// renderBanks renders the page with v's forms and status.
func (h *webHandlers) renderBanks(c *gin.Context, status int, v banksView) error {
	ctx, p := c.Request.Context(), door.Caller(c)
	banks, err := h.s.App.Banks.All(ctx, p, data.Refs{})
	if err != nil {
		return err
	}
	products, err := h.s.App.Products.All(ctx, p, data.Refs{})
	if err != nil {
		return err
	}
	users, err := h.s.App.Users(ctx, p)
	if err != nil {
		return err
	}
	rows := make(map[string]*bankRow, len(banks))
	for _, b := range banks {
		v.Rows = append(v.Rows, bankRow{Bank: b})
	}
	for i := range v.Rows {
		rows[v.Rows[i].ID] = &v.Rows[i]
	}
	for _, pr := range products {
		if r := rows[pr.BankID]; r != nil {
			r.Products++
			if pr.Active {
				r.OnSale++
			}
		}
	}
	for _, u := range users {
		if r := rows[u.BankID]; r != nil {
			r.Users = append(r.Users, u)
		}
	}
	slices.SortStableFunc(v.Rows, func(a, b bankRow) int { return strings.Compare(a.Name, b.Name) })
	v.TTLHours, v.Types = int(app.ResetLinkTTL.Hours()), bankTypes
	if len(v.Admit.Errors) > 0 || len(v.User.Errors) > 0 || v.User.Taken != "" {
		c.Set(door.KeyErrorCode, string(data.CodeInvalid))
	}
	return h.render(c, status, "banks", webPage{Title: "银行入库", Data: v})
}

// admitBank handles POST /app/organizer/banks: the bank is created by the
// banks resource (its rules are the API's); a refused form is shown again
// (422) naming the fields in Chinese, and nothing is written.
func (h *webHandlers) admitBank(c *gin.Context) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer/banks"); err != nil {
		return err
	}
	v := func(name string) string { return strings.TrimSpace(c.PostForm(name)) }
	f := bankAdmitForm{Name: v("name"), Type: v("type"), Branch: v("branch"), Region: v("region")}
	b := data.Bank{Name: f.Name, Type: f.Type, Branch: f.Branch, Region: f.Region}
	err := h.s.App.Banks.Create(c.Request.Context(), door.Caller(c), &b)
	if data.ErrorCode(err) == data.CodeInvalid {
		for _, fe := range data.ErrorFields(err) {
			f.Errors = append(f.Errors, bankProblem(fe))
		}
		if len(f.Errors) == 0 {
			f.Errors = []string{"银行信息：填写有误"}
		}
		return h.renderBanks(c, http.StatusUnprocessableEntity, banksView{Admit: f})
	}
	if err != nil {
		return err
	}
	h.setFlash(c, "已登记银行“"+b.Name+"”。可在下表为其开设登录用户。")
	c.Redirect(http.StatusSeeOther, "/app/organizer/banks#bank-"+b.ID)
	return nil
}

// openBankUser handles POST /app/organizer/banks/:id/users
// (app.InviteUser): a user of the bank, without a password; its
// set-password link is shown once, on the page the answer redirects to.
// A bank that does not exist is 404; a refused form is shown again (422,
// or 409 for a username in use) and nothing is written.
func (h *webHandlers) openBankUser(c *gin.Context) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer/banks"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), door.Caller(c)
	b, err := h.s.App.Banks.Read(ctx, p, c.Param("id"))
	if err != nil {
		return err
	}
	f := bankUserForm{BankID: b.ID, Username: strings.TrimSpace(c.PostForm("username")), Label: strings.TrimSpace(c.PostForm("label"))}
	inv, err := h.s.App.InviteUser(ctx, p, app.InviteRequest{Username: f.Username, Role: data.RoleBank, BankID: b.ID, Label: f.Label})
	switch data.ErrorCode(err) {
	case "":
	case data.CodeInvalid:
		for _, fe := range data.ErrorFields(err) {
			f.Errors = append(f.Errors, userProblem(fe))
		}
		if len(f.Errors) == 0 {
			f.Errors = []string{"用户信息：填写有误"}
		}
		return h.renderBanks(c, http.StatusUnprocessableEntity, banksView{User: f})
	case data.CodeConflict:
		f.Taken = data.NormalizeUsername(f.Username)
		return h.renderBanks(c, http.StatusConflict, banksView{User: f})
	default:
		return err
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: inviteCookie, Value: strings.TrimPrefix(inv.Link, "/reset/"), Path: inviteCookiePath,
		MaxAge: int(inviteCookieAge.Seconds()), HttpOnly: true, Secure: secureRequest(c.Request), SameSite: http.SameSiteStrictMode})
	c.Redirect(http.StatusSeeOther, "/app/organizer/banks#invite")
	return nil
}

// clearInviteCookie tells the browser to drop the invitation cookie.
func (h *webHandlers) clearInviteCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: inviteCookie, Value: "", Path: inviteCookiePath, MaxAge: -1,
		HttpOnly: true, Secure: secureRequest(c.Request), SameSite: http.SameSiteStrictMode})
}
