package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
)

// Web sessions. A browser signs in by pasting its API token into the
// sign-in form, or with a username and password (password.go); the
// server then keeps a session for it and the browser holds only the
// session id, in a cookie:
//
//   - The session id is 256 random bits (crypto/rand), sent as
//     base64url. The store keeps the session (data.Session) under the
//     SHA-256 of the id, so a dump of the table holds no usable cookies.
//   - The cookie is HttpOnly (scripts cannot read it), SameSite=Lax (other
//     sites cannot make the browser send it with a POST) and Secure (sent
//     over HTTPS only) unless the request is plain HTTP to a loopback host
//     (http://127.0.0.1, http://localhost: the developer's machine).
//     Deployments therefore must serve the pages over HTTPS, directly or
//     behind a proxy that sets X-Forwarded-Proto: https; over plain HTTP to
//     any other host the browser drops the Secure cookie and sign-in does
//     not stick.
//   - The session holds the SHA-256 of the token (as the store does), never
//     the token: every request looks the token up again, so revoking the
//     token (DELETE /api/v1/tokens/{id}) ends its web sessions at once.
//     A password session holds the user's ID instead, and the user record
//     is read again on every request: deleting the user (or changing its
//     role or bindings) takes effect at once.
//   - Sessions live in the store, so any node on it serves any session
//     (no sticky sessions behind a load balancer) and a restart signs
//     nobody out. A page request reads its session (one read by key); it
//     writes it only to mark it seen, at most once every seenEvery, and
//     to set or take a flash message. Session writes are not audited.
//   - Sessions expire after webIdleTimeout without a request and
//     webMaxAge after sign-in, whichever comes first. As "seen" is
//     written at most once every seenEvery, the last request may be up
//     to seenEvery after the stored time: a session expires between
//     webIdleTimeout and webIdleTimeout+seenEvery after its last request,
//     never before. An expired session is removed when it is next
//     presented, and every node sweeps the table every
//     door.SweepInterval.
//   - Every form carries the session's CSRF token (256 random bits) in a
//     hidden field; every POST without the right one gets a 403 page and
//     changes nothing.
//   - The sign-in forms are protected too (against login CSRF), without a
//     server-side session: anonymous visitors must not be able to fill
//     the session table and lock everyone out. GET / sets a sign-in cookie
//     holding a random nonce (256 bits, hex) and the form carries an HMAC
//     of that nonce and an expiry under a key all nodes share (a signed
//     double submit: another site can neither read the cookie nor forge
//     the MAC; see signin.go). Sessions are opened only by a successful
//     sign-in, under a new id (no session fixation), and one credential
//     holds at most MaxSessionsPerCredential of them, so only many
//     signed-in users can reach the store's SessionCap.
//   - A session is written only at the revision read (Table.Update,
//     change): a request that marks its session seen while another signs
//     it out finds it gone and never writes it back, and two requests
//     writing it at once (seen, a flash) each apply their change to the
//     other's.

// Session settings.
const (
	// CSRFField is the name of every form's CSRF token field.
	CSRFField      = "csrf_token"
	webIdleTimeout = 2 * time.Hour
	webMaxAge      = 12 * time.Hour
	// seenEvery is how seldom a session's "seen" time is written: a page
	// request would otherwise cost a store write as well as a read, for
	// a time that only decides a two-hour expiry.
	seenEvery = time.Minute
	// webSignInTimeout bounds how long a sign-in form stays valid.
	webSignInTimeout = 30 * time.Minute
	// webMaxSessions bounds the sessions of the store (a session is a few
	// hundred bytes: 100,000 are tens of MiB); when full, expired sessions
	// are swept and, failing that, no new session is opened.
	webMaxSessions = 100_000
	// MaxSessionsPerCredential bounds the sessions of one token or
	// user: a person's browsers and devices, or a small team sharing an
	// organizer token, fit; signing in once more ends the oldest. So the
	// store's cap takes 5,000 credentials to reach.
	MaxSessionsPerCredential = 20
)

// SessionCap is the sessions the store holds at most, all nodes together
// (counted when a session opens: nodes opening sessions at the same
// moment may pass it by as many): webMaxSessions; the whole-server tests
// (package api) lower it to reach it.
var SessionCap = webMaxSessions

// errSessionsFull refuses a sign-in when the store holds SessionCap
// live sessions.
var errSessionsFull = data.Errorf(data.CodeInternal, "web sessions full")

// expired reports whether session s has expired at now; see the idle
// expiry above for the seenEvery.
func expired(s *data.Session, now time.Time) bool {
	return now.Sub(s.SeenAt) > webIdleTimeout+seenEvery || now.Sub(s.SignedInAt) > webMaxAge
}

// webSessions are the pages' sessions in the store. It is safe for
// concurrent use, by this node's requests and by other nodes'.
type webSessions struct {
	table  data.Table[data.Session]
	logger *slog.Logger
	now    func() time.Time
	// max bounds the sessions (SessionCap).
	max int
}

// newWebSessions returns the sessions kept in table; a nil logger
// discards what they log.
func newWebSessions(table data.Table[data.Session], logger *slog.Logger) *webSessions {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &webSessions{table: table, logger: logger, now: time.Now, max: SessionCap}
}

// randomToken returns 256 random bits, base64url without padding.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics on failure since Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

// open starts a session for a token hash or a user ID (one of them) and
// returns its id, or errSessionsFull when the store holds SessionCap
// live sessions. A credential with MaxSessionsPerCredential sessions
// loses its oldest.
func (ss *webSessions) open(ctx context.Context, tokenHash, userID string) (string, error) {
	if (tokenHash == "") == (userID == "") {
		panic("web: a session needs a token or a user")
	}
	now := ss.now()
	id := randomToken()
	rec := data.Session{Hash: data.SessionHash(id), CSRF: randomToken(), TokenHash: tokenHash, UserID: userID,
		SignedInAt: now, SeenAt: now}
	rec.ID = data.NewSessionID(rec.Credential(), now)
	own, err := ss.ofCredential(ctx, rec.Credential())
	if err != nil {
		return "", err
	}
	for ; len(own) >= MaxSessionsPerCredential; own = own[1:] {
		if err := ss.remove(ctx, own[0].ID); err != nil {
			return "", err
		}
	}
	n, err := ss.table.Count(ctx)
	if err != nil {
		return "", err
	}
	if n >= ss.max {
		if _, err := ss.sweep(ctx); err != nil {
			return "", err
		}
		if n, err = ss.table.Count(ctx); err != nil {
			return "", err
		}
		if n >= ss.max {
			return "", errSessionsFull
		}
	}
	if err := ss.table.Create(ctx, &rec); err != nil {
		return "", err
	}
	return id, nil
}

// ofCredential returns the sessions of credential, oldest first: their
// IDs begin with the credential's prefix and then sort by sign-in time
// (data.Session), so they are the first listed after the prefix. Up to
// twice the cap are read: nodes signing one credential in at the same
// moment may pass the cap, and the next sign-in trims the excess.
func (ss *webSessions) ofCredential(ctx context.Context, credential string) ([]data.Session, error) {
	prefix := data.SessionCredentialPrefix(credential)
	list, _, err := ss.table.List(ctx, data.ListOptions{After: prefix, Limit: 2 * MaxSessionsPerCredential})
	if err != nil {
		return nil, err
	}
	own := list[:0]
	for _, s := range list {
		if !strings.HasPrefix(s.ID, prefix) {
			break
		}
		own = append(own, s)
	}
	return own, nil
}

// remove deletes the session of ID sessionID; one already gone is no
// error.
func (ss *webSessions) remove(ctx context.Context, sessionID string) error {
	if err := ss.table.Delete(ctx, sessionID); err != nil && data.ErrorCode(err) != data.CodeNotFound {
		return err
	}
	return nil
}

// get returns the live session of id, marking it seen when it was last
// marked seenEvery ago or more; an expired session is removed.
func (ss *webSessions) get(ctx context.Context, id string) (data.Session, bool, error) {
	if id == "" {
		return data.Session{}, false, nil
	}
	rec, err := ss.table.GetByKey(ctx, data.SessionHash(id))
	if data.ErrorCode(err) == data.CodeNotFound {
		return data.Session{}, false, nil
	}
	if err != nil {
		return data.Session{}, false, err
	}
	now := ss.now()
	if expired(&rec, now) {
		return data.Session{}, false, ss.remove(ctx, rec.ID)
	}
	if now.Sub(rec.SeenAt) >= seenEvery {
		if ok, err := ss.change(ctx, &rec, func(r *data.Session) { r.SeenAt = now }); err != nil {
			// The request goes on: at worst the session expires a
			// little early.
			ss.logger.ErrorContext(ctx, "marking a web session seen failed", "error", err, "request_id", door.RequestID(ctx))
		} else if !ok {
			return data.Session{}, false, nil
		}
	}
	return rec, true, nil
}

// change applies f to the session rec and stores it at the revision read
// (Table.Update), reading it again and applying f again if another request
// wrote it meanwhile (marked it seen, set or took its flash). It reports
// whether the session is still live: false when it was closed meanwhile
// (another request signed out, a sweep removed it), which the write then
// never brings back. rec ends as stored.
func (ss *webSessions) change(ctx context.Context, rec *data.Session, f func(*data.Session)) (bool, error) {
	for attempt := 1; ; attempt++ {
		next := *rec
		f(&next)
		err := ss.table.Update(ctx, &next)
		switch data.ErrorCode(err) {
		case "":
			*rec = next
			return true, nil
		case data.CodeNotFound:
			return false, nil
		case data.CodeStale:
			if attempt == 3 {
				return true, nil // others keep writing it: it is live, let this change go
			}
			fresh, err := ss.table.Get(ctx, rec.ID)
			if data.ErrorCode(err) == data.CodeNotFound {
				return false, nil
			}
			if err != nil {
				return false, err
			}
			*rec = fresh
		default:
			return false, err
		}
	}
}

// close ends the session of id, if any.
func (ss *webSessions) close(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	rec, err := ss.table.GetByKey(ctx, data.SessionHash(id))
	if data.ErrorCode(err) == data.CodeNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	return ss.remove(ctx, rec.ID)
}

// sweep removes the expired sessions of the store and returns how many;
// every node runs it every door.SweepInterval (Mount), and open runs it
// when the store is full. It reads the whole table, a page at a time (the
// generic Table has no query by time), so its cost grows with the
// sessions held: at the full SessionCap every node reads 100,000 records
// every interval. A store-side "delete where expired" would be the next
// step if tables ever hold that many.
func (ss *webSessions) sweep(ctx context.Context) (int, error) {
	now := ss.now()
	return data.Sweep(ctx, ss.table, data.SessionKind, func(s *data.Session) bool { return expired(s, now) })
}

// setFlash leaves a one-shot message for the next page of the request's
// session. A failure is logged: the message is lost, the change it
// reports is made.
func (h *webHandlers) setFlash(c *gin.Context, msg string) {
	ctx := c.Request.Context()
	req := session(c)
	rec := req.rec
	if _, err := h.sessions.change(ctx, &rec, func(r *data.Session) { r.Flash = msg }); err != nil {
		h.s.Logger.ErrorContext(ctx, "setting a flash message failed", "error", err, "request_id", door.RequestID(ctx))
		return
	}
	req.rec = rec
}

// takeFlash returns and clears the flash message of the request's
// session; without one it costs nothing.
func (h *webHandlers) takeFlash(c *gin.Context, req *webRequest) string {
	msg := req.rec.Flash
	if msg == "" {
		return ""
	}
	ctx := c.Request.Context()
	rec := req.rec
	if _, err := h.sessions.change(ctx, &rec, func(r *data.Session) { r.Flash = "" }); err != nil {
		// Shown now, and perhaps once more.
		h.s.Logger.ErrorContext(ctx, "clearing a flash message failed", "error", err, "request_id", door.RequestID(ctx))
	}
	req.rec = rec
	return msg
}

// secureRequest reports whether the session cookie gets the Secure flag:
// always, except for plain HTTP to a loopback host (local development).
func secureRequest(r *http.Request) bool {
	if r.TLS != nil || strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https") {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// setSessionCookie sends the session cookie for id; an empty id clears it.
func setSessionCookie(c *gin.Context, id string) {
	ck := &http.Cookie{Name: door.SessionCookie, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: secureRequest(c.Request)}
	if id == "" {
		ck.MaxAge = -1
	}
	http.SetCookie(c.Writer, ck)
}

// sessionID returns the session id the browser sent, or "".
func sessionID(c *gin.Context) string {
	ck, err := c.Request.Cookie(door.SessionCookie)
	if err != nil {
		return ""
	}
	return ck.Value
}

// validCSRF reports whether the submitted form carries the session's CSRF
// token (compared in constant time).
func validCSRF(c *gin.Context, ws *data.Session) bool {
	got := c.PostForm(CSRFField)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(ws.CSRF)) == 1
}

// webAuth is the middleware of the signed-in pages: it finds the session,
// looks its token or user up again (a revoked token or deleted user ends
// the session), checks the
// CSRF token of a POST, and stores the principal where caller finds it.
// Without a session a GET is sent to the sign-in page and a POST refused.
func (h *webHandlers) webAuth(c *gin.Context) {
	ctx := c.Request.Context()
	id := sessionID(c)
	ws, ok, err := h.sessions.get(ctx, id)
	if err != nil {
		h.s.WriteError(c, err)
		c.Abort()
		return
	}
	if !ok {
		h.signedOut(c)
		return
	}
	p, err := h.s.App.SessionCaller(ctx, ws.UserID, ws.TokenHash)
	if data.ErrorCode(err) == data.CodeNotFound {
		if err := h.sessions.remove(ctx, ws.ID); err != nil {
			h.s.Logger.ErrorContext(ctx, "ending a web session failed", "error", err, "request_id", door.RequestID(ctx))
		}
		setSessionCookie(c, "")
		h.signedOut(c)
		return
	}
	if err != nil {
		h.s.WriteError(c, err)
		c.Abort()
		return
	}
	if c.Request.Method == http.MethodPost && !validCSRF(c, &ws) {
		h.s.WriteError(c, app.Forbidden(webCSRFMessage))
		c.Abort()
		return
	}
	door.Admit(c, p, data.ViaWeb)
	c.Set(keyWebSession, &webRequest{id: id, csrf: ws.CSRF, rec: ws})
	c.Next()
}

// signedOut answers a request without a signed-in session: a GET goes to
// the sign-in page, anything else is refused.
func (h *webHandlers) signedOut(c *gin.Context) {
	if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
		c.Redirect(http.StatusSeeOther, "/")
	} else {
		h.s.WriteError(c, data.Errorf(data.CodeUnauthorized, "您尚未登录或登录已过期"))
	}
	c.Abort()
}

// webCSRFMessage explains a refused form.
const webCSRFMessage = "表单的安全校验码（CSRF）缺失或错误，请刷新页面后重试"

// keyWebSession is where webAuth leaves the request's session.
const keyWebSession = "ipmatch.web_session"

// webRequest is what a page handler knows of its session: its id, its
// CSRF token and the record as webAuth read it (setFlash and takeFlash
// write it back).
type webRequest struct {
	id   string
	csrf string
	rec  data.Session
}

// session returns the session webAuth found.
func session(c *gin.Context) *webRequest {
	v, ok := c.Get(keyWebSession)
	if !ok {
		panic("api: no web session on a signed-in page")
	}
	return v.(*webRequest)
}
