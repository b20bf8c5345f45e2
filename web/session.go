package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"strings"
	"sync"
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
//     base64url. The server keys its map by the SHA-256 of the id, so a
//     dump of the map does not hold usable cookies.
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
//   - Sessions live in this process's memory (per node): a restart signs
//     everyone out, and several nodes behind a load balancer need sticky
//     sessions. They expire after webIdleTimeout without a request and
//     webMaxAge after sign-in, whichever comes first.
//   - Every form carries the session's CSRF token (256 random bits) in a
//     hidden field; every POST without the right one gets a 403 page and
//     changes nothing.
//   - The sign-in forms are protected too (against login CSRF), without a
//     server-side session: anonymous visitors must not be able to fill
//     the session table and lock everyone out. GET / sets a sign-in cookie
//     holding a random nonce (256 bits, hex) and the form carries an HMAC
//     of that nonce and an expiry under a key of this process (a signed
//     double submit: another site can neither read the cookie nor forge
//     the MAC). Sessions are opened only by a successful sign-in, under a
//     new id (no session fixation), and one credential holds at most
//     MaxSessionsPerCredential of them, so only many signed-in users
//     can reach webMaxSessions.

// Session settings.
const (
	// CSRFField is the name of every form's CSRF token field.
	CSRFField      = "csrf_token"
	webIdleTimeout = 2 * time.Hour
	webMaxAge      = 12 * time.Hour
	// webSignInTimeout bounds how long a sign-in form stays valid.
	webSignInTimeout = 30 * time.Minute
	// webMaxSessions bounds the sessions of this node (a session is a few
	// hundred bytes: 100,000 are tens of MiB); when full, expired sessions
	// are swept and, failing that, no new session is opened.
	webMaxSessions = 100_000
	// MaxSessionsPerCredential bounds the sessions of one token or
	// user: a person's browsers and devices, or a small team sharing an
	// organizer token, fit; signing in once more ends the oldest. So the
	// node's cap takes 5,000 credentials to reach.
	MaxSessionsPerCredential = 20
)

// SessionCap is the sessions this node holds at most: webMaxSessions;
// the whole-server tests (package api) lower it to reach it.
var SessionCap = webMaxSessions

// webSession is one browser's signed-in session: by token (tokenHash set)
// or by password (userID set).
type webSession struct {
	key       string // sessionKey of the session id
	csrf      string
	tokenHash string
	userID    string
	created   time.Time
	lastSeen  time.Time
	// flash is a one-shot message shown on the next page.
	flash string
}

// expired reports whether the session has expired at now.
func (ws *webSession) expired(now time.Time) bool {
	return now.Sub(ws.lastSeen) > webIdleTimeout || now.Sub(ws.created) > webMaxAge
}

// credential names what the session signed in with.
func (ws *webSession) credential() string {
	if ws.userID != "" {
		return "user:" + ws.userID
	}
	return "token:" + ws.tokenHash
}

// webSessions is the in-memory session map of this node. It is safe for
// concurrent use.
type webSessions struct {
	mu   sync.Mutex
	byID map[string]*webSession // by sessionKey(id)
	// byCredential holds the sessions of each credential.
	byCredential map[string]map[*webSession]bool
	now          func() time.Time
	// max bounds the sessions (SessionCap).
	max int
}

func newWebSessions() *webSessions {
	return &webSessions{byID: map[string]*webSession{}, byCredential: map[string]map[*webSession]bool{},
		now: time.Now, max: SessionCap}
}

// remove drops ws; ss.mu is held.
func (ss *webSessions) remove(ws *webSession) {
	delete(ss.byID, ws.key)
	cred := ws.credential()
	delete(ss.byCredential[cred], ws)
	if len(ss.byCredential[cred]) == 0 {
		delete(ss.byCredential, cred)
	}
}

// randomToken returns 256 random bits, base64url without padding.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics on failure since Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sessionKey is the map key of a session id.
func sessionKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return string(sum[:])
}

// open starts a session for a token hash or a user ID (one of them) and
// returns its id, or false when the node holds too many sessions. A
// credential with MaxSessionsPerCredential sessions loses its oldest.
func (ss *webSessions) open(tokenHash, userID string) (string, *webSession, bool) {
	if (tokenHash == "") == (userID == "") {
		panic("api: a web session needs a token or a user")
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	id := randomToken()
	ws := &webSession{key: sessionKey(id), csrf: randomToken(), tokenHash: tokenHash, userID: userID, created: now, lastSeen: now}
	if own := ss.byCredential[ws.credential()]; len(own) >= MaxSessionsPerCredential {
		var oldest *webSession
		for o := range own {
			if oldest == nil || o.created.Before(oldest.created) {
				oldest = o
			}
		}
		ss.remove(oldest)
	}
	if len(ss.byID) >= ss.max {
		for _, o := range ss.byID {
			if o.expired(now) {
				ss.remove(o)
			}
		}
		if len(ss.byID) >= ss.max {
			return "", nil, false
		}
	}
	ss.byID[ws.key] = ws
	if ss.byCredential[ws.credential()] == nil {
		ss.byCredential[ws.credential()] = map[*webSession]bool{}
	}
	ss.byCredential[ws.credential()][ws] = true
	return id, ws, true
}

// get returns a copy of the live session of id and marks it seen; an
// expired session is removed.
func (ss *webSessions) get(id string) (webSession, bool) {
	if id == "" {
		return webSession{}, false
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	k := sessionKey(id)
	ws, ok := ss.byID[k]
	if !ok {
		return webSession{}, false
	}
	now := ss.now()
	if ws.expired(now) {
		ss.remove(ws)
		return webSession{}, false
	}
	ws.lastSeen = now
	return *ws, true
}

// close ends the session of id, if any.
func (ss *webSessions) close(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ws, ok := ss.byID[sessionKey(id)]; ok {
		ss.remove(ws)
	}
}

// setFlash leaves a one-shot message for the next page of session id.
func (ss *webSessions) setFlash(id, msg string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ws, ok := ss.byID[sessionKey(id)]; ok {
		ws.flash = msg
	}
}

// takeFlash returns and clears the flash message of session id.
func (ss *webSessions) takeFlash(id string) string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ws, ok := ss.byID[sessionKey(id)]
	if !ok {
		return ""
	}
	msg := ws.flash
	ws.flash = ""
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
func validCSRF(c *gin.Context, ws *webSession) bool {
	got := c.PostForm(CSRFField)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(ws.csrf)) == 1
}

// webAuth is the middleware of the signed-in pages: it finds the session,
// looks its token or user up again (a revoked token or deleted user ends
// the session), checks the
// CSRF token of a POST, and stores the principal where caller finds it.
// Without a session a GET is sent to the sign-in page and a POST refused.
func (h *webHandlers) webAuth(c *gin.Context) {
	id := sessionID(c)
	ws, ok := h.sessions.get(id)
	if !ok {
		h.signedOut(c)
		return
	}
	p, err := h.s.App.SessionCaller(c.Request.Context(), ws.userID, ws.tokenHash)
	if data.ErrorCode(err) == data.CodeNotFound {
		h.sessions.close(id)
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
	c.Set(keyWebSession, &webRequest{id: id, csrf: ws.csrf})
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

// webRequest is what a page handler knows of its session.
type webRequest struct {
	id   string
	csrf string
}

// session returns the session webAuth found.
func session(c *gin.Context) *webRequest {
	v, ok := c.Get(keyWebSession)
	if !ok {
		panic("api: no web session on a signed-in page")
	}
	return v.(*webRequest)
}
