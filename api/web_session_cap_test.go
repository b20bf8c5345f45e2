package api

import (
	"net/http"
	"testing"

	"ipmatch/door"
	"ipmatch/web"
)

// lowSessionCap lowers the node's session cap for one test.
func lowSessionCap(t *testing.T, n int) {
	old := web.SessionCap
	web.SessionCap = n
	t.Cleanup(func() { web.SessionCap = old })
}

// TestAnonymousVisitsOpenNoSession: cookie-less visits of the sign-in page
// (many more than the cap) hold no session, so sign-in still works.
func TestAnonymousVisitsOpenNoSession(t *testing.T) {
	lowSessionCap(t, 5)
	f := newFixture(t, Config{})
	for i := range 500 {
		w := newBrowser(f).do("GET", "/", nil)
		if w.Code != http.StatusOK {
			t.Fatalf("GET / #%d: %d", i, w.Code)
		}
		for _, ck := range w.Result().Cookies() {
			if ck.Name == door.SessionCookie {
				t.Fatalf("GET / #%d opened a session", i)
			}
		}
	}
	b := newBrowser(f)
	if loc := b.signIn(orgToken); loc != "/app/organizer" {
		t.Fatalf("sign-in after many anonymous visits led to %q", loc)
	}
	if w, _ := b.get("/app/organizer"); w.Code != http.StatusOK {
		t.Fatalf("the new session: %d", w.Code)
	}
}

// TestSessionsPerCredential: one credential keeps at most
// web.MaxSessionsPerCredential sessions; signing in again ends its oldest,
// so one token cannot fill the node, and others still sign in.
func TestSessionsPerCredential(t *testing.T) {
	lowSessionCap(t, web.MaxSessionsPerCredential+1)
	f := newFixture(t, Config{})
	var browsers []*browser
	for range web.MaxSessionsPerCredential + 5 {
		b := newBrowser(f)
		b.signIn(orgToken)
		browsers = append(browsers, b)
	}
	// The oldest five were ended, the newest still work.
	for i, b := range browsers {
		w := b.do("GET", "/app/organizer", nil)
		if alive := w.Code == http.StatusOK; alive != (i >= 5) {
			t.Errorf("session %d alive = %v", i, alive)
		}
	}
	// Another credential still finds room.
	if loc := newBrowser(f).signIn(bankAToken); loc != "/app/bank" {
		t.Fatalf("bank A signed in to %q", loc)
	}
}
