package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
)

// The sign-in forms' CSRF protection without a server-side session (see
// session.go): a signed double submit. The sign-in cookie holds a
// random nonce; the form's token is "EXPIRY.MAC" where MAC is an
// HMAC-SHA256, under the sign-in key, of the nonce and the expiry. A
// POST is accepted when the token's MAC matches the cookie's nonce and the
// expiry has not passed. Another site can neither read the cookie nor make
// a MAC, and nothing is stored per visitor.
//
// The sign-in key is one for all nodes on a store: a data.Secret named
// signInSecretName, made (256 random bits) by the first node that needs
// it and read by the others (data.SharedSecret: of nodes making it at
// once, one stores its key and all use that one). A form rendered by one
// node is therefore accepted by another, and after a restart. Each node
// reads the key once and keeps it; the key never changes (deleting the
// record makes a new one, and the forms then open fail once, like
// forms past their expiry).

// SignInCookie holds the sign-in forms' nonce.
const SignInCookie = "ipmatch_signin"

// signInSecretName names the sign-in key among the store's secrets.
const signInSecretName = "web sign-in form key"

// signInKey is the sign-in forms' key, read from the store on first use
// (not at Mount: a store briefly away at start then costs a few failed
// sign-in pages, not the start). It is safe for concurrent use.
type signInKey struct {
	secrets data.Table[data.Secret]
	mu      sync.Mutex
	key     []byte
}

// get returns the key, reading or making it on first use.
func (k *signInKey) get(ctx context.Context) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.key == nil {
		key, err := data.SharedSecret(ctx, k.secrets, signInSecretName, 32)
		if err != nil {
			return nil, err
		}
		k.key = key
	}
	return k.key, nil
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
func signInMAC(key []byte, nonce string, exp int64) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("ipmatch sign-in\x00" + nonce + "\x00" + strconv.FormatInt(exp, 10)))
	return m.Sum(nil)
}

// signInCSRF returns the CSRF token of a sign-in form, setting the sign-in
// cookie unless the browser already holds a sane nonce.
func (h *webHandlers) signInCSRF(c *gin.Context) (string, error) {
	key, err := h.signInKey.get(c.Request.Context())
	if err != nil {
		return "", err
	}
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
	return strconv.FormatInt(exp, 10) + "." + base64.RawURLEncoding.EncodeToString(signInMAC(key, nonce, exp)), nil
}

// validSignInCSRF reports whether the posted form's token belongs to the
// browser's sign-in cookie and has not expired.
func (h *webHandlers) validSignInCSRF(c *gin.Context) (bool, error) {
	ck, err := c.Request.Cookie(SignInCookie)
	if err != nil || !saneNonce(ck.Value) {
		return false, nil
	}
	expText, macText, ok := strings.Cut(c.PostForm(CSRFField), ".")
	if !ok {
		return false, nil
	}
	exp, err := strconv.ParseInt(expText, 10, 64)
	if err != nil || h.sessions.now().Unix() > exp {
		return false, nil
	}
	mac, err := base64.RawURLEncoding.DecodeString(macText)
	if err != nil {
		return false, nil
	}
	key, err := h.signInKey.get(c.Request.Context())
	if err != nil {
		return false, err
	}
	return hmac.Equal(mac, signInMAC(key, ck.Value, exp)), nil
}

// validSignInForm reports whether a posted sign-in form is this site's:
// it carries the sign-in cookie's token, or, from a browser already
// signed in, its session's CSRF token.
func (h *webHandlers) validSignInForm(c *gin.Context) (bool, error) {
	if ok, err := h.validSignInCSRF(c); ok || err != nil {
		return ok, err
	}
	ws, ok, err := h.sessions.get(c.Request.Context(), sessionID(c))
	return ok && validCSRF(c, &ws), err
}

// clearSignInCookie drops the sign-in cookie once signed in.
func clearSignInCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: SignInCookie, Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: secureRequest(c.Request)})
}

// webSignInCSRFMessage explains a refused sign-in form.
const webSignInCSRFMessage = "登录表单的安全校验码（CSRF）缺失、错误或已过期，请刷新登录页后重试"
