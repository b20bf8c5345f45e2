package api

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/sqlite"
	"ipmatch/door"
	"ipmatch/web"
)

// Several nodes on one store share the pages' sessions, the sign-in
// form's key and the counts of failed sign-ins (web/session.go,
// web/signin.go, door.FailureLimiter). A "node" here is one more server
// (door.Server with both doors, its own sessions, limiters and key
// cache) over the fixture's store; a browser moves between nodes by
// changing its fixture, as a load balancer without sticky sessions
// would move it. (cmd/ipmatch's scale-out tests run real nodes on
// FerretDB.)

// node returns a second server over f's store with cfg, as another
// ipmatch process on the same store would be.
func (f *fixture) node(cfg Config) *fixture {
	f.t.Helper()
	g := *f
	g.logs = &syncBuffer{}
	g.h = validating(f.t, New(f.store, slog.New(slog.NewJSONHandler(g.logs, nil)), cfg))
	return &g
}

// on moves the browser to node f.
func (b *browser) on(f *fixture) *browser {
	b.f = f
	return b
}

// signedIn reports whether the browser's session opens the organizer's
// page on its node.
func (b *browser) signedIn() bool {
	b.t.Helper()
	w := b.do("GET", "/app/organizer", nil)
	switch {
	case w.Code == http.StatusOK:
		return true
	case w.Code == http.StatusSeeOther && w.Header().Get("Location") == "/":
		return false
	}
	b.t.Fatalf("GET /app/organizer: %d %s", w.Code, w.Body)
	return false
}

// TestWebSessionAcrossNodes: a form rendered by one node is accepted by
// another, the session it opens works on every node, a flash set on one
// shows on the other (once), and signing out on one ends it everywhere.
func TestWebSessionAcrossNodes(t *testing.T) {
	a := newFixtureOn(t, openSQLite(t), Config{})
	b := a.node(Config{})

	br := newBrowser(a)
	w := br.do("GET", "/", nil) // the form and its cookie, from A
	w = br.on(b).do("POST", "/signin", url.Values{"token": {orgToken}, web.CSRFField: {csrf(t, w)}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/app/organizer" {
		t.Fatalf("A's sign-in form posted to B: %d %s", w.Code, w.Body)
	}
	if !br.on(a).signedIn() || !br.on(b).signedIn() {
		t.Fatalf("the session B opened does not serve on both nodes")
	}

	// A form of a page from A posted to B: the CSRF token is the
	// session's, wherever it is checked; the flash B sets shows on A.
	page, _ := br.on(a).get("/app/organizer/events/" + a.eventE)
	htmlPage(t, page, http.StatusOK)
	w = br.on(b).do("POST", "/app/organizer/events/"+a.eventE+"/schedule", url.Values{web.CSRFField: {csrf(t, page)}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("computing the schedule on B: %d %s", w.Code, w.Body)
	}
	w, _ = br.on(a).get("/app/organizer/events/" + a.eventE)
	wantText(t, htmlPage(t, w, http.StatusOK), "会谈安排已生成")
	w, _ = br.on(b).get("/app/organizer/events/" + a.eventE)
	if strings.Contains(htmlPage(t, w, http.StatusOK), "会谈安排已生成") {
		t.Errorf("the flash showed twice")
	}

	// Signing out on B ends the session on A too.
	w, _ = br.on(a).get("/app/organizer")
	token := csrf(t, w)
	sid := br.cookies[door.SessionCookie]
	if w := br.on(b).do("POST", "/signout", url.Values{web.CSRFField: {token}}); w.Code != http.StatusSeeOther {
		t.Fatalf("sign-out on B: %d", w.Code)
	}
	br.cookies[door.SessionCookie] = sid
	if br.on(a).signedIn() {
		t.Errorf("the session signed out on B still opens pages on A")
	}
}

// TestWebSessionSurvivesRestart: a node that stops and starts again (its
// store closed and opened, new handlers) still serves the sessions
// opened before, and accepts sign-in forms rendered before.
func TestWebSessionSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	first, err := sqlite.Open(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := newFixtureOn(t, first, Config{})
	br := newBrowser(before)
	br.signIn(orgToken)
	form := newBrowser(before)
	w := form.do("GET", "/", nil)
	if !br.signedIn() {
		t.Fatal("not signed in before the restart")
	}
	first.Close()

	again, err := sqlite.Open(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { again.Close() })
	after := *before
	after.store = again
	restarted := after.node(Config{})
	if !br.on(restarted).signedIn() {
		t.Errorf("the restart signed the browser out")
	}
	if w := form.on(restarted).do("POST", "/signin", url.Values{"token": {bankAToken}, web.CSRFField: {csrf(t, w)}}); w.Code != http.StatusSeeOther {
		t.Errorf("a sign-in form from before the restart: %d", w.Code)
	}
}

// TestSessionCapAcrossNodes: the session cap counts the sessions of the
// store, whichever node opened them.
func TestSessionCapAcrossNodes(t *testing.T) {
	lowSessionCap(t, 2)
	a := newFixtureOn(t, openSQLite(t), Config{})
	b := a.node(Config{})
	newBrowser(a).signIn(orgToken)
	newBrowser(b).signIn(bankAToken)
	br := newBrowser(a)
	w, _ := br.get("/")
	if w := br.do("POST", "/signin", formWith("token", bankBToken, w)); w.Code != http.StatusInternalServerError {
		t.Errorf("a third session on a store capped at two: %d, want 500", w.Code)
	}
}

// TestSignInLimitsAcrossNodes: failed sign-ins count on every node: two
// nodes together allow the failures one allows, for passwords (per
// address and username, per username) and for tokens, on the form and
// as bearer tokens; a valid token is still accepted.
func TestSignInLimitsAcrossNodes(t *testing.T) {
	cfg := Config{AuthFailureBurst: 2, AuthFailureEvery: time.Hour}
	a := newFixtureOn(t, openSQLite(t), cfg)
	b := a.node(cfg)
	addUser(t, a, data.User{Username: "alice", Role: data.RoleOrganizer}, testPassword)
	from := func(f *fixture, remote string) *browser {
		br := newBrowser(f)
		br.remote = remote
		return br
	}

	// One wrong password on each node: alice is refused there on both.
	const addr = "198.51.100.1:1"
	for i, f := range []*fixture{a, b} {
		if w := from(f, addr).signInPassword("alice", "wrong"+strconv.Itoa(i)); w.Code != http.StatusUnauthorized {
			t.Fatalf("wrong password on node %d: %d", i, w.Code)
		}
	}
	for i, f := range []*fixture{a, b} {
		w := from(f, addr).signInPassword("alice", testPassword)
		htmlPage(t, w, http.StatusTooManyRequests)
		if w.Header().Get("Retry-After") == "" {
			t.Errorf("node %d: 429 without Retry-After", i)
		}
	}
	// Guesses at alice spread over addresses and nodes: ten times the
	// burst (20, 2 made above) refuses her everywhere.
	for i := range 18 {
		f := []*fixture{a, b}[i%2]
		if w := from(f, "203.0.113."+strconv.Itoa(i+1)+":1").signInPassword("alice", "guess"); w.Code != http.StatusUnauthorized {
			t.Fatalf("distributed guess %d: %d", i, w.Code)
		}
	}
	htmlPage(t, from(a, "198.51.100.3:1").signInPassword("alice", testPassword), http.StatusTooManyRequests)

	// Wrong tokens: one on A's form, one as a bearer token on B; the
	// third, anywhere, is refused, and a valid token is not.
	const tokAddr = "198.51.100.9:1"
	br := from(a, tokAddr)
	w, _ := br.get("/")
	if w := br.do("POST", "/signin", formWith("token", "ipm_wrong", w)); w.Code != http.StatusUnauthorized {
		t.Fatalf("wrong token on A's form: %d", w.Code)
	}
	wantError(t, bearerFrom(b, tokAddr, "ipm_guess", "/api/v1/banks", nil), http.StatusUnauthorized, data.CodeUnauthorized)
	wantRateLimited(t, bearerFrom(a, tokAddr, "ipm_guess_2", "/api/v1/banks", nil), "third wrong token, on A")
	w, _ = br.on(b).get("/")
	wantRateLimited(t, br.do("POST", "/signin", formWith("token", "ipm_wrong", w)), "third wrong token, on B's form")
	if w := bearerFrom(b, tokAddr, orgToken, "/api/v1/banks", nil); w.Code != http.StatusOK {
		t.Errorf("a valid token from the limited address: %d", w.Code)
	}
}
