package api

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/door"
	"ipmatch/web"
)

// bearerFrom sends GET path with token tok from the client address remote,
// with extra headers.
func bearerFrom(f *fixture, remote, tok, path string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	req.RemoteAddr = remote
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	return w
}

// wantRateLimited checks a 429 with a sane Retry-After.
func wantRateLimited(t *testing.T, w *httptest.ResponseRecorder, what string) {
	t.Helper()
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("%s: status %d, want 429; body %s", what, w.Code, w.Body)
	}
	secs, err := strconv.Atoi(w.Header().Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Errorf("%s: Retry-After = %q, want whole seconds ≥ 1", what, w.Header().Get("Retry-After"))
	}
}

func TestBadTokensAreRateLimitedPerClient(t *testing.T) {
	f := newFixture(t, Config{AuthFailureBurst: 3, AuthFailureEvery: time.Hour})
	const attacker, neighbour = "198.51.100.7:40000", "198.51.100.8:40000"

	// Requests without a token are no guesses and never count.
	for range 10 {
		if w := bearerFrom(f, attacker, "", "/api/v1/banks", nil); w.Code != http.StatusUnauthorized {
			t.Fatalf("no token: %d, want 401", w.Code)
		}
	}
	for i := range 3 {
		w := bearerFrom(f, attacker, "ipm_guess_"+strconv.Itoa(i), "/api/v1/banks", nil)
		wantError(t, w, http.StatusUnauthorized, data.CodeUnauthorized)
	}
	w := bearerFrom(f, attacker, "ipm_guess_4", "/api/v1/banks", nil)
	wantRateLimited(t, w, "4th bad token")
	wantError(t, w, http.StatusTooManyRequests, door.CodeRateLimited)
	// A valid token is still accepted from the limited client: failures
	// limit further failures, not callers holding a credential.
	if w := bearerFrom(f, attacker, orgToken, "/api/v1/banks", nil); w.Code != http.StatusOK {
		t.Fatalf("good token from a limited client: %d %s", w.Code, w.Body)
	}
	// Without trusted proxies X-Forwarded-For is the client's own claim
	// and cannot buy a fresh address.
	wantRateLimited(t, bearerFrom(f, attacker, "ipm_guess_5", "/api/v1/banks", map[string]string{"X-Forwarded-For": "203.0.113.9"}), "spoofed X-Forwarded-For")
	// Another client is not affected.
	if w := bearerFrom(f, neighbour, orgToken, "/api/v1/banks", nil); w.Code != http.StatusOK {
		t.Fatalf("neighbour with a good token: %d %s", w.Code, w.Body)
	}
}

func TestRateLimitBehindTrustedProxy(t *testing.T) {
	f := newFixture(t, Config{AuthFailureBurst: 2, AuthFailureEvery: time.Hour, TrustedProxies: []string{"10.0.0.0/8"}})
	const proxy = "10.1.2.3:5000"
	xff := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }
	for i := range 2 {
		wantError(t, bearerFrom(f, proxy, "ipm_guess_"+strconv.Itoa(i), "/api/v1/banks", xff("203.0.113.1")), http.StatusUnauthorized, data.CodeUnauthorized)
	}
	wantRateLimited(t, bearerFrom(f, proxy, "ipm_guess_9", "/api/v1/banks", xff("203.0.113.1")), "3rd bad token behind the proxy")
	// The proxy's other clients are told apart by the header it sets.
	if w := bearerFrom(f, proxy, orgToken, "/api/v1/banks", xff("203.0.113.2")); w.Code != http.StatusOK {
		t.Fatalf("another client behind the proxy: %d %s", w.Code, w.Body)
	}
}

func TestWebSignInRateLimited(t *testing.T) {
	f := newFixture(t, Config{AuthFailureBurst: 2, AuthFailureEvery: time.Hour})
	addUser(t, f, data.User{Username: "alice", Role: data.RoleOrganizer}, testPassword)
	from := func(remote string) *browser {
		b := newBrowser(f)
		b.remote = remote
		return b
	}

	// Two wrong passwords for alice from one address: alice is refused
	// there, even with the right password …
	for i := range 2 {
		if w := from("198.51.100.1:1").signInPassword("alice", "wrong"+strconv.Itoa(i)); w.Code != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i, w.Code)
		}
	}
	w := from("198.51.100.1:1").signInPassword("ALICE", testPassword) // usernames are normalised
	body := htmlPage(t, w, http.StatusTooManyRequests)
	wantText(t, body, "登录失败次数过多")
	if w.Header().Get("Retry-After") == "" {
		t.Error("429 page without Retry-After")
	}
	// … but not from elsewhere,
	if w := from("198.51.100.2:1").signInPassword("alice", testPassword); w.Code != http.StatusSeeOther {
		t.Fatalf("alice from another address: %d", w.Code)
	}
	// and other users still sign in from that address.
	addUser(t, f, data.User{Username: "bob", Role: data.RoleOrganizer}, testPassword)
	if w := from("198.51.100.1:1").signInPassword("bob", testPassword); w.Code != http.StatusSeeOther {
		t.Fatalf("bob: %d %s", w.Code, w.Body)
	}

	// Guesses at alice spread over many addresses: ten times the burst
	// (20 here, 2 of them made above) refuses alice everywhere.
	for i := range 18 {
		remote := "203.0.113." + strconv.Itoa(i+1) + ":1"
		if w := from(remote).signInPassword("alice", "guess"); w.Code != http.StatusUnauthorized {
			t.Fatalf("distributed guess %d: %d", i, w.Code)
		}
	}
	htmlPage(t, from("198.51.100.3:1").signInPassword("alice", testPassword), http.StatusTooManyRequests)

	// Wrong tokens on the sign-in form count per address; a valid token
	// is still accepted there.
	b2 := from("198.51.100.9:1")
	for range 2 {
		w, _ := b2.get("/")
		if w := b2.do("POST", "/signin", formWith("token", "ipm_wrong", w)); w.Code != http.StatusUnauthorized {
			t.Fatalf("wrong token: %d", w.Code)
		}
	}
	w, _ = b2.get("/")
	wantRateLimited(t, b2.do("POST", "/signin", formWith("token", "ipm_wrong", w)), "3rd wrong token on the form")
	w, _ = b2.get("/")
	if w := b2.do("POST", "/signin", formWith("token", orgToken, w)); w.Code != http.StatusSeeOther {
		t.Fatalf("a valid token on the form from the limited address: %d", w.Code)
	}
}

// formWith is a sign-in form with one field and the CSRF token of page w.
func formWith(field, value string, w *httptest.ResponseRecorder) url.Values {
	return url.Values{field: {value}, web.CSRFField: {csrfOf(w)}}
}

// csrfOf returns the CSRF token of page w, or "" when it has none.
func csrfOf(w *httptest.ResponseRecorder) string {
	if m := csrfRe.FindStringSubmatch(w.Body.String()); m != nil {
		return m[1]
	}
	return ""
}
