package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// The sign-in forms' CSRF protection without a server-side session (see
// session.go): a signed double submit. The sign-in cookie holds a
// random nonce; the form's token is "EXPIRY.MAC" where MAC is an
// HMAC-SHA256, under a key made at start, of the nonce and the expiry. A
// POST is accepted when the token's MAC matches the cookie's nonce and the
// expiry has not passed. Another site can neither read the cookie nor make
// a MAC, and nothing is stored per visitor.

// SignInCookie holds the sign-in forms' nonce.
const SignInCookie = "ipmatch_signin"

// newSignInKey returns the key of the sign-in forms' MACs: 256 random
// bits, one per process (forms of another node or of before a restart are
// refused and simply loaded again, like sessions).
func newSignInKey() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

// saneNonce reports whether a sign-in cookie holds a nonce this server
// makes: 256 bits in lowercase hex (hex cannot spell anything, such as a
// database's name, that the leak checks look for).
func saneNonce(n string) bool {
	if len(n) != 64 {
		return false
	}
	_, err := hex.DecodeString(n)
	return err == nil && strings.ToLower(n) == n
}

// signInMAC is the MAC of a form for nonce expiring at exp (Unix seconds).
func (h *webHandlers) signInMAC(nonce string, exp int64) []byte {
	m := hmac.New(sha256.New, h.signInKey)
	m.Write([]byte("ipmatch sign-in\x00" + nonce + "\x00" + strconv.FormatInt(exp, 10)))
	return m.Sum(nil)
}

// signInCSRF returns the CSRF token of a sign-in form, setting the sign-in
// cookie unless the browser already holds a sane nonce.
func (h *webHandlers) signInCSRF(c *gin.Context) string {
	nonce := ""
	if ck, err := c.Request.Cookie(SignInCookie); err == nil && saneNonce(ck.Value) {
		nonce = ck.Value
	} else {
		b := make([]byte, 32)
		rand.Read(b)
		nonce = hex.EncodeToString(b)
		http.SetCookie(c.Writer, &http.Cookie{Name: SignInCookie, Value: nonce, Path: "/", HttpOnly: true,
			SameSite: http.SameSiteLaxMode, Secure: secureRequest(c.Request)})
	}
	exp := h.sessions.now().Add(webSignInTimeout).Unix()
	return strconv.FormatInt(exp, 10) + "." + base64.RawURLEncoding.EncodeToString(h.signInMAC(nonce, exp))
}

// validSignInCSRF reports whether the posted form's token belongs to the
// browser's sign-in cookie and has not expired.
func (h *webHandlers) validSignInCSRF(c *gin.Context) bool {
	ck, err := c.Request.Cookie(SignInCookie)
	if err != nil || !saneNonce(ck.Value) {
		return false
	}
	expText, macText, ok := strings.Cut(c.PostForm(CSRFField), ".")
	if !ok {
		return false
	}
	exp, err := strconv.ParseInt(expText, 10, 64)
	if err != nil || h.sessions.now().Unix() > exp {
		return false
	}
	mac, err := base64.RawURLEncoding.DecodeString(macText)
	return err == nil && hmac.Equal(mac, h.signInMAC(ck.Value, exp))
}

// validSignInForm reports whether a posted sign-in form is this site's:
// it carries the sign-in cookie's token, or, from a browser already
// signed in, its session's CSRF token.
func (h *webHandlers) validSignInForm(c *gin.Context) bool {
	if h.validSignInCSRF(c) {
		return true
	}
	ws, ok := h.sessions.get(sessionID(c))
	return ok && validCSRF(c, &ws)
}

// clearSignInCookie drops the sign-in cookie once signed in.
func clearSignInCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: SignInCookie, Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: secureRequest(c.Request)})
}

// webSignInCSRFMessage explains a refused sign-in form.
const webSignInCSRFMessage = "登录表单的安全校验码（CSRF）缺失、错误或已过期，请刷新登录页后重试"
