package web

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
)

//go:embed templates/*.html static/*
var webFiles embed.FS

// webHandlers serve the pages.
type webHandlers struct {
	// s is the shared door: the application, the logger, the settings.
	s *door.Server
	// sessions are the pages' sessions, in the store (session.go).
	sessions *webSessions
	// passwordFailures limit failed password sign-ins (password.go).
	passwordFailures *passwordLimits
	// applyLimit limits the public application form's submissions per
	// client address (apply_limit.go).
	applyLimit *door.FailureLimiter
	// signInKey signs the sign-in forms' CSRF tokens (signin.go).
	signInKey *signInKey
	pages     map[string]*template.Template
}

// isDir reports whether f is a folder, and closes it.
func isDir(f fs.File) bool {
	defer f.Close()
	st, err := f.Stat()
	return err != nil || st.IsDir()
}

// Mount registers the pages, their sessions and the embedded static
// files on s; errors on the pages' paths are rendered as pages from then
// on (door.Server.SetPages). Expired sessions are swept from the store
// every door.SweepInterval until s.Close.
func Mount(s *door.Server) {
	r := s.Engine
	h := newWebHandlers(s)
	s.Every(door.SweepInterval, "web sessions", h.sessions.sweep)
	s.SetPages(isPagePath, h.renderError)
	static, err := fs.Sub(webFiles, "static")
	if err != nil {
		panic("web: embedded static files: " + err.Error())
	}
	staticFS := http.FS(static)
	r.GET("/static/*file", func(c *gin.Context) {
		// Files only: a folder's listing tells nothing a page needs.
		if f, err := static.Open(strings.TrimPrefix(c.Param("file"), "/")); err != nil || isDir(f) {
			c.String(http.StatusNotFound, "404 page not found")
			return
		}
		c.Header("Cache-Control", "public, max-age=3600")
		c.Header("X-Content-Type-Options", "nosniff")
		c.FileFromFS(c.Param("file"), staticFS)
	})
	r.GET("/", h.signInPage)
	r.POST("/signin", h.signIn)
	r.POST("/signin/password", h.signInPassword)
	r.POST("/signout", h.signOut)
	r.GET("/apply", h.applyPage)                                  // apply.go: 企业入库, public
	r.POST("/apply", h.submitApplication)                         // with the sign-in forms' CSRF check
	r.GET("/apply/status", h.applyStatusPage)                     // apply_status.go: an applicant reads its review
	r.POST("/apply/status", h.applyStatus)                        // with the sign-in forms' CSRF check
	r.GET("/policies", h.page(h.policiesPage))                    // policies.go: public, no sign-in
	r.GET("/policies/:id", h.page(h.policyPage))                  // policies.go
	r.GET("/reset/:token", door.HideSecretPath, h.resetPage)      // accounts.go: a reset link, public
	r.POST("/reset/:token", door.HideSecretPath, h.resetPassword) // with the sign-in forms' CSRF check

	app := r.Group("/app", h.webAuth, s.LimitExpensive)
	app.GET("", h.home)
	app.GET("/enterprise", h.page(h.enterprisePage))
	app.GET("/enterprise/profile", h.page(h.profilePage))
	app.POST("/enterprise/profile", h.page(h.saveProfile))
	app.POST("/enterprise/patents/claim", h.page(h.claimPatentForm)) // enterprise_claim.go
	app.GET("/bank", h.page(h.bankPage))
	app.GET("/enterprise/events", h.page(h.enterpriseEventsPage))
	app.POST("/enterprise/events/:id/register", h.page(h.registerForEvent))
	app.POST("/enterprise/events/:id/preferences", h.page(h.savePreferences))
	app.GET("/enterprise/events/:id/meetings.ics", h.page(h.meetingsICS(data.RoleCompany, "/app/enterprise/events")))
	app.GET("/bank/events/:id/meetings.ics", h.page(h.meetingsICS(data.RoleBank, "/app/bank/meetings")))
	app.GET("/bank/deals", h.page(h.bankDealsPage))
	app.GET("/bank/products/new", h.page(h.newProductPage))
	app.GET("/bank/products/:id/edit", h.page(h.editProductPage))
	app.POST("/bank/products", h.page(h.saveProduct))
	app.POST("/bank/products/:id", h.page(h.saveProduct))
	app.POST("/bank/products/:id/active", h.page(h.setProductActive))
	app.POST("/bank/deals/:id/stage", h.page(h.moveDealStage))
	app.GET("/bank/meetings", h.page(h.bankMeetingsPage))
	app.GET("/bank/enterprises/:id", h.page(h.bankEnterprisePage))
	app.GET("/bank/products/:id/pipeline", h.page(h.pipelinePage))
	app.GET("/bank/products/:id/pipeline.csv", h.page(h.pipelineCSV))
	app.GET("/bank/products/:id/pipeline.xlsx", h.page(h.pipelineXLSX))
	app.GET("/organizer", h.page(h.organizerPage))
	app.GET("/organizer/applications", h.page(h.applicationsPage))
	app.GET("/organizer/applications/:id", h.page(h.applicationPage))
	app.POST("/organizer/applications/:id/approve", h.page(h.reviewApplication(true)))
	app.POST("/organizer/applications/:id/return", h.page(h.reviewApplication(false)))
	app.GET("/organizer/events/:id", h.page(h.eventPage))
	app.POST("/organizer/events/:id/schedule", h.page(h.computeSchedule))
	app.POST("/organizer/events/:id/publish", h.page(h.publish))
	app.GET("/organizer/events/:id/schedule.html", h.page(h.printableSchedule))
	app.GET("/organizer/events/:id/matrix", h.page(h.matrixPage))
	app.POST("/organizer/events/:id/pins", h.page(h.pinMeeting))
	app.POST("/organizer/events/:id/moves", h.page(h.moveMeeting))
	app.POST("/organizer/events/:id/overrides", h.page(h.overrideMeeting))
	app.GET("/enterprise/products", h.page(h.productSearchPage))
	app.GET("/enterprise/valuation", h.page(h.valuationPage))
	app.GET("/organizer/pools/:id", h.page(h.poolPage))
	app.GET("/organizer/audit", h.page(h.auditPage))
	app.GET("/organizer/calibration", h.page(h.calibrationPage))
	app.GET("/organizer/landscape", h.page(h.landscapePage))
	app.GET("/organizer/landscape.xlsx", h.page(h.landscapeXLSX))
	app.GET("/appraisals", h.page(h.appraisalsPage))
	app.POST("/appraisals", h.page(h.recordAppraisal))
	app.GET("/alerts", h.page(h.alertsPage))
	app.POST("/alerts/:id/ack", h.page(h.ackAlertForm))
	app.POST("/alerts/webhook", h.page(h.setWebhookForm))
	// Accounts (accounts.go).
	app.GET("/account", h.page(h.accountPage))
	app.POST("/account/password", h.page(h.changePassword))
	// 银行入库 (organizer_banks.go).
	app.GET("/organizer/banks", h.page(h.banksPage))
	app.POST("/organizer/banks", h.page(h.admitBank))
	app.POST("/organizer/banks/:id/users", h.page(h.openBankUser))
	app.GET("/organizer/users", h.page(h.usersPage))
	app.POST("/organizer/users/:id/reset", h.page(h.resetUserForm))
	app.POST("/organizer/users/:id/disable", h.page(h.disableUserForm(true)))
	app.POST("/organizer/users/:id/enable", h.page(h.disableUserForm(false)))
}

// newWebHandlers parses the templates; a broken template panics (it is
// embedded, so that is a programming error). The pages call the same
// operations of package app as the JSON API, with the same conditional
// writes.
func newWebHandlers(s *door.Server) *webHandlers {
	store := s.Store()
	h := &webHandlers{s: s, sessions: newWebSessions(store.Sessions(), s.Logger), signInKey: &signInKey{secrets: store.Secrets()},
		passwordFailures: newPasswordLimits(store.SignInFailures(), s.Cfg.AuthFailureBurst, s.Cfg.AuthFailureEvery),
		applyLimit:       door.NewFailureLimiter(store.SignInFailures(), applyLimitName, s.Cfg.ApplyBurst, s.Cfg.ApplyEvery),
		pages:            map[string]*template.Template{}}
	names, err := fs.Glob(webFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, name := range names {
		base := strings.TrimSuffix(name[strings.LastIndex(name, "/")+1:], ".html")
		if base == "layout" {
			continue
		}
		h.pages[base] = template.Must(template.New("layout.html").Funcs(webFuncs).ParseFS(webFiles, "templates/layout.html", name))
	}
	return h
}

// webPage is what every template gets: the layout's parts and the page's
// own data.
type webPage struct {
	Title string
	// Who is the signed-in caller's display name; Role its role's label.
	Who, Role string
	// Nav is the home page of the caller's role.
	Nav   string
	CSRF  string
	Flash string
	// Status and Detail describe an error page.
	Status int
	Detail string
	Data   any
}

// page adapts a page handler that returns an error: the error is shown as
// an error page with the status of its code (errors.go).
func (h *webHandlers) page(fn func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := fn(c); err != nil {
			h.s.WriteError(c, err)
		}
	}
}

// securityHeaders are sent with every page: no framing, no sniffing, no
// scripts, styles from this server only, forms posted to it only.
func securityHeaders(c *gin.Context) {
	c.Header("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("X-Frame-Options", "DENY")
	c.Header("Referrer-Policy", "same-origin")
	c.Header("Cache-Control", "no-store")
}

// render writes page name with status.
func (h *webHandlers) render(c *gin.Context, status int, name string, pg webPage) error {
	t, ok := h.pages[name]
	if !ok {
		panic("api: no page template " + name)
	}
	if p, ok := c.Get(door.KeyCaller); ok {
		pr := p.(*app.Caller)
		pg.Who, pg.Role, pg.Nav = h.displayName(c.Request.Context(), pr), roleLabel(pr.Token.Role), RoleHome(pr.Token.Role)
	}
	if v, ok := c.Get(keyWebSession); ok {
		ws := v.(*webRequest)
		pg.CSRF = ws.csrf
		if status == http.StatusOK {
			pg.Flash = h.takeFlash(c, ws)
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", pg); err != nil {
		return err
	}
	securityHeaders(c)
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
	return nil
}

// displayName names the signed-in caller in the page header: its
// enterprise's or bank's name, else signedInLabel.
func (h *webHandlers) displayName(ctx context.Context, p *app.Caller) string {
	switch p.Token.Role {
	case data.RoleCompany:
		if e, err := h.s.Store().Enterprises().Get(ctx, p.Token.EnterpriseID); err == nil {
			return e.Name
		}
	case data.RoleBank:
		if b, err := h.s.Store().Banks().Get(ctx, p.Token.BankID); err == nil {
			return b.Name
		}
	}
	return signedInLabel(p)
}

// webErrorTitles are the headings of the error pages.
var webErrorTitles = map[int]string{
	http.StatusBadRequest:            "请求有误",
	http.StatusUnauthorized:          "请先登录",
	http.StatusForbidden:             "无权访问",
	http.StatusNotFound:              "页面或记录不存在",
	http.StatusConflict:              "操作与当前状态冲突",
	http.StatusPreconditionFailed:    "记录已被修改",
	http.StatusUnprocessableEntity:   "输入有误",
	http.StatusRequestEntityTooLarge: "请求过大",
	http.StatusMethodNotAllowed:      "不支持该操作",
	http.StatusTooManyRequests:       "请求过于频繁",
	http.StatusInternalServerError:   "服务器内部错误",
}

// ErrorHints explain a status in Chinese where the error's own message
// is English (the access rules and the stores speak English for the API).
var ErrorHints = map[int]string{
	http.StatusBadRequest:          "提交的内容或地址有误，请从页面上的表单或链接重新操作。",
	http.StatusForbidden:           "您的账号无权进行此操作。",
	http.StatusNotFound:            "该页面或记录不存在，或您无权查看。",
	http.StatusConflict:            "该操作与记录的当前状态冲突（例如对接会已发布、记录已存在或已变更），请刷新页面查看最新状态。",
	http.StatusUnprocessableEntity: "提交的内容不符合要求，请检查后重试。",
	http.StatusPreconditionFailed:  "您查看之后，这条记录已被他人修改，本次操作未保存。请刷新页面查看最新内容后重试。",
}

// EnglishProse finds English prose (two words in a row) in a message; IDs
// and codes alone do not count.
var EnglishProse = regexp.MustCompile(`[A-Za-z]{2,}[ ,:;]+[A-Za-z]{2,}`)

// chineseGloss finds Chinese in brackets in an English message: the last
// such is the explanation some access rules end with.
var chineseGloss = regexp.MustCompile(`[(（]([^()（）]*\p{Han}[^()（）]*)[)）]`)

// isPagePath reports whether path is one of the pages (the sign-in forms
// and everything under /app and /reset), whose errors are Chinese pages rather than
// the API's JSON.
func isPagePath(path string) bool {
	switch path {
	case "/", "/signin", "/signin/password", "/signout", "/app":
		return true
	}
	return strings.HasPrefix(path, "/app/") || strings.HasPrefix(path, "/reset/") || path == "/policies" || strings.HasPrefix(path, "/policies/") || path == "/apply" || path == "/apply/status"
}

// renderError is the pages' renderer of door.Server.WriteError, which
// has classified err (an internal error comes without its cause, logged
// there once) and set the error code and the connection's fate: it writes
// the error page with the status of err's code, in Chinese.
func (h *webHandlers) renderError(c *gin.Context, err error) {
	code := data.ErrorCode(err)
	status, ok := door.StatusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	detail := data.ErrorMessage(err)
	if EnglishProse.MatchString(detail) {
		// A rule that carries its own Chinese gloss, in brackets, says it
		// best; otherwise the status's hint.
		if ms := chineseGloss.FindAllStringSubmatch(detail, -1); ms != nil {
			detail = ms[len(ms)-1][1] + "。" // the gloss ends the message; earlier brackets hold names
		} else {
			detail = ErrorHints[status]
		}
	}
	if status == http.StatusInternalServerError {
		detail = ""
	}
	title := webErrorTitles[status]
	if title == "" {
		title = http.StatusText(status)
	}
	if rerr := h.render(c, status, "error", webPage{Title: title, Status: status, Detail: detail}); rerr != nil {
		h.s.Logger.ErrorContext(c.Request.Context(), "rendering the error page", "err", rerr)
		c.String(http.StatusInternalServerError, "服务器内部错误")
	}
}

// roleLabel is the Chinese name of a role.
func roleLabel(r data.Role) string {
	switch r {
	case data.RoleOrganizer:
		return "组织方"
	case data.RoleBank:
		return "银行"
	case data.RoleCompany:
		return "企业"
	}
	return string(r)
}

// RoleHome is the first page of a role.
func RoleHome(r data.Role) string {
	switch r {
	case data.RoleOrganizer:
		return "/app/organizer"
	case data.RoleBank:
		return "/app/bank"
	case data.RoleCompany:
		return "/app/enterprise"
	}
	return "/"
}

// requireRole refuses (403) a caller without role r.
func requireRole(c *gin.Context, r data.Role, page string) error {
	if door.Caller(c).Is(r) {
		return nil
	}
	if strings.HasPrefix(page, "/") {
		page = "该页面" // an address is no name to a reader
	}
	return app.Forbidden("%s 仅供%s使用，您当前以%s身份登录", page, roleLabel(r), roleLabel(door.Caller(c).Token.Role))
}

// ---- Sign-in and sign-out ----

// signInPage handles GET /: the sign-in form. A signed-in browser goes to
// its role's page. No session is opened for the form: its CSRF token is
// bound to the sign-in cookie (signin.go).
func (h *webHandlers) signInPage(c *gin.Context) {
	ctx := c.Request.Context()
	ws, ok, err := h.sessions.get(ctx, sessionID(c))
	if err != nil {
		h.s.WriteError(c, err)
		return
	}
	if ok {
		if _, err := h.s.App.SessionCaller(ctx, ws.UserID, ws.TokenHash); err == nil {
			c.Redirect(http.StatusSeeOther, "/app")
			return
		}
		if err := h.sessions.remove(ctx, ws.ID); err != nil {
			h.s.WriteError(c, err)
			return
		}
	}
	h.renderSignIn(c, http.StatusOK, "")
}

// renderSignIn writes the sign-in page with status and a message.
func (h *webHandlers) renderSignIn(c *gin.Context, status int, flash string) {
	token, err := h.signInCSRF(c)
	if err != nil {
		h.s.WriteError(c, err)
		return
	}
	pg := webPage{Title: "登录", CSRF: token, Flash: flash}
	if err := h.render(c, status, "signin", pg); err != nil {
		h.s.WriteError(c, err)
	}
}

// checkSignInForm answers a posted sign-in form that is not this site's
// (validSignInForm) with 403, or 500 when that could not be checked, and
// reports whether the form may go on.
func (h *webHandlers) checkSignInForm(c *gin.Context) bool {
	ok, err := h.validSignInForm(c)
	if err != nil {
		h.s.WriteError(c, err)
		return false
	}
	if !ok {
		h.s.WriteError(c, app.Forbidden(webSignInCSRFMessage))
	}
	return ok
}

// startSession opens a session for a signed-in credential under a new id
// (the browser's previous session, if any, ends) and sends the browser to
// its role's page.
func (h *webHandlers) startSession(c *gin.Context, p *app.Caller, tokenHash, userID string) {
	ctx := c.Request.Context()
	if err := h.sessions.close(ctx, sessionID(c)); err != nil {
		h.s.WriteError(c, err)
		return
	}
	id, err := h.sessions.open(ctx, tokenHash, userID)
	if err != nil {
		h.s.WriteError(c, err)
		return
	}
	setSessionCookie(c, id)
	clearSignInCookie(c)
	c.Set(door.KeyCaller, p) // for the access log
	c.Redirect(http.StatusSeeOther, RoleHome(p.Token.Role))
}

// signIn handles POST /signin: the form's API token, checked like a bearer
// token (auth.go: a valid token is always accepted), opens a session; the
// browser goes to its role's page. A wrong token shows the form again
// (401), or 429 when the address has sent too many.
func (h *webHandlers) signIn(c *gin.Context) {
	if !h.checkSignInForm(c) {
		return
	}
	secret := strings.TrimSpace(c.PostForm("token"))
	p, retry, err := h.s.CheckToken(c, "Bearer "+secret)
	if err != nil {
		if retry > 0 {
			h.tooManyFailures(c, retry)
			return
		}
		if data.ErrorCode(err) != data.CodeUnauthorized {
			h.s.WriteError(c, err)
			return
		}
		h.renderSignIn(c, http.StatusUnauthorized, "令牌无效或已撤销，请检查后重试。")
		return
	}
	h.startSession(c, p, p.Token.Hash, "")
}

// tooManyFailures answers 429 with the sign-in form.
func (h *webHandlers) tooManyFailures(c *gin.Context, wait time.Duration) {
	door.SetRetryAfter(c, wait)
	c.Set(door.KeyErrorCode, string(door.CodeRateLimited))
	door.RefusedBy(c, "sign_in")
	secs := max(1, int(math.Ceil(wait.Seconds())))
	h.renderSignIn(c, http.StatusTooManyRequests, fmt.Sprintf("登录失败次数过多，请 %d 秒后再试。", secs))
}

// signOut handles POST /signout: the session ends (its CSRF token is
// required, so another site cannot sign the user out).
func (h *webHandlers) signOut(c *gin.Context) {
	ctx := c.Request.Context()
	ws, ok, err := h.sessions.get(ctx, sessionID(c))
	if err != nil {
		h.s.WriteError(c, err)
		return
	}
	if !ok {
		setSessionCookie(c, "")
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	if !validCSRF(c, &ws) {
		h.s.WriteError(c, app.Forbidden(webCSRFMessage))
		return
	}
	if err := h.sessions.remove(ctx, ws.ID); err != nil {
		h.s.WriteError(c, err)
		return
	}
	setSessionCookie(c, "")
	c.Redirect(http.StatusSeeOther, "/")
}

// home handles GET /app: the role's first page.
func (h *webHandlers) home(c *gin.Context) {
	c.Redirect(http.StatusSeeOther, RoleHome(door.Caller(c).Token.Role))
}

// ---- Template functions ----

// webFuncs format numbers and dates the way the pages show them.
var webFuncs = template.FuncMap{
	"has":    has,
	"wan":    wan,
	"date":   webDate,
	"bjtime": door.WebTime,
	"pct":    pct,
	"pct2":   pct2,
	"join":   strings.Join,
	// nextFee is a patent's next annual fee (data.Patent.NextAnnualFee),
	// nil when there is none to show.
	"nextFee": func(p data.Patent) *data.AnnualFee {
		if f, ok := p.NextAnnualFee(); ok && p.LegalStatus == data.StatusValid { // a lapsed patent owes nothing more
			return &f
		}
		return nil
	},
	"num":    func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) },
	"num3":   func(x float64) string { return strconv.FormatFloat(x, 'f', 3, 64) },
	"region": regionName,
	"certs":  certLabels,
	"add":    func(a, b int) int { return a + b },
	"add3":   func(a, b float64) string { return strconv.FormatFloat(a+b, 'f', 3, 64) },
	"sub":    func(a, b int) int { return a - b },
	"observed": func(v any) string {
		if v == nil {
			return "—"
		}
		return fmt.Sprint(v)
	},
}

// wan and pct format money (万元) and ratios as app does.
var (
	wan = app.Wan
	pct = app.Pct
)

// webDate formats a date as YYYY-MM-DD, or "—" when unknown.
func webDate(d data.Date) string {
	if d.IsZero() {
		return "—"
	}
	return d.String()
}

// regionName is a region's full name, or its code when unknown.
func regionName(code string) string {
	if n := data.RegionFullName(code); n != "" {
		return n
	}
	return code
}
