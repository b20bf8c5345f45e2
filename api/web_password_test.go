package api

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"ipmatch/data"
	"ipmatch/door"
	"ipmatch/web"
)

// addUser stores a user with password (hashed at bcrypt's lowest cost, to
// keep the tests fast) and returns it.
func addUser(t *testing.T, f *fixture, u data.User, password string) data.User {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	u.PasswordHash = string(h)
	put(t, f.store.Users(), &u)
	return u
}

// signInPassword posts the password form with the sign-in page's CSRF token.
func (b *browser) signInPassword(username, password string) *httptest.ResponseRecorder {
	b.t.Helper()
	w, _ := b.get("/")
	if w.Code != http.StatusOK {
		b.t.Fatalf("GET /: %d %s", w.Code, w.Body)
	}
	return b.do("POST", "/signin/password", url.Values{"username": {username}, "password": {password}, web.CSRFField: {csrf(b.t, w)}})
}

const testPassword = "correct horse battery"

func TestWebPasswordSignInByRole(t *testing.T) {
	f := newFixture(t, Config{})
	for _, tc := range []struct {
		user data.User
		home string
		// who is the name the page header shows.
		who string
	}{
		{data.User{Username: "Org.Admin", Role: data.RoleOrganizer, Label: "组织方管理员"}, "/app/organizer", "组织方管理员"},
		{data.User{Username: "bank_a-user", Role: data.RoleBank, BankID: f.bankA}, "/app/bank", ""},
		{data.User{Username: "ent.x", Role: data.RoleCompany, EnterpriseID: f.entX}, "/app/enterprise", ""},
	} {
		t.Run(string(tc.user.Role), func(t *testing.T) {
			u := addUser(t, f, tc.user, testPassword)
			b := newBrowser(f)
			anonID := b.cookies[door.SessionCookie]
			// The username is matched without regard to case or spaces.
			w := b.signInPassword("  "+tc.user.Username+" ", testPassword)
			if w.Code != http.StatusSeeOther || w.Header().Get("Location") != tc.home {
				t.Fatalf("POST /signin/password: %d %q %s", w.Code, w.Header().Get("Location"), w.Body)
			}
			if id := b.cookies[door.SessionCookie]; id == "" || id == anonID {
				t.Errorf("no new session id at sign-in")
			}
			w, at := b.get("/app")
			if at != tc.home {
				t.Fatalf("/app led to %q", at)
			}
			body := htmlPage(t, w, http.StatusOK)
			if tc.who != "" {
				wantText(t, body, tc.who)
			}
			wantText(t, body, "退出登录")
			// The session acts with the user's role: another role's page is refused.
			other := "/app/organizer"
			if tc.user.Role == data.RoleOrganizer {
				other = "/app/bank"
			}
			if w, _ := b.get(other); w.Code != http.StatusForbidden {
				t.Errorf("%s as %s: %d, want 403", other, u.Role, w.Code)
			}
		})
	}
}

func TestWebPasswordRefused(t *testing.T) {
	f := newFixture(t, Config{})
	addUser(t, f, data.User{Username: "alice", Role: data.RoleOrganizer}, testPassword)

	wrong := newBrowser(f).signInPassword("alice", "not the password")
	unknown := newBrowser(f).signInPassword("bob", testPassword)
	invalid := newBrowser(f).signInPassword("x y", testPassword)
	for name, w := range map[string]*httptest.ResponseRecorder{"wrong password": wrong, "unknown user": unknown, "invalid username": invalid} {
		body := htmlPage(t, w, http.StatusUnauthorized)
		wantText(t, body, web.BadPassword)
		if _, ok := w.Result().Header["Set-Cookie"]; ok {
			t.Errorf("%s: a refused sign-in set a cookie", name)
		}
	}
	// The same answer whichever was wrong.
	if a, b := stripCSRF(wrong.Body.String()), stripCSRF(unknown.Body.String()); a != b {
		t.Errorf("a wrong password and an unknown user get different pages")
	}

	// Without the form's CSRF token nothing is signed in.
	b := newBrowser(f)
	b.get("/")
	for _, form := range []url.Values{
		{"username": {"alice"}, "password": {testPassword}},
		{"username": {"alice"}, "password": {testPassword}, web.CSRFField: {"nope"}},
	} {
		htmlPage(t, b.do("POST", "/signin/password", form), http.StatusForbidden)
	}
	if w := b.do("GET", "/app/organizer", nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
		t.Errorf("a CSRF-less sign-in opened pages: %d", w.Code)
	}
}

func TestWebPasswordDeletedUser(t *testing.T) {
	f := newFixture(t, Config{})
	u := addUser(t, f, data.User{Username: "carol", Role: data.RoleBank, BankID: f.bankA}, testPassword)
	b := newBrowser(f)
	if w := b.signInPassword("carol", testPassword); w.Code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", w.Code, w.Body)
	}
	if w, _ := b.get("/app/bank"); w.Code != http.StatusOK {
		t.Fatalf("bank page: %d", w.Code)
	}
	if err := f.store.Users().Delete(t.Context(), u.ID); err != nil {
		t.Fatal(err)
	}
	if w := b.do("GET", "/app/bank", nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
		t.Errorf("a deleted user's session still opens pages: %d", w.Code)
	}
	// And the sign-in page does not send the browser back in.
	if w := b.do("GET", "/", nil); w.Code != http.StatusOK {
		t.Errorf("GET / after the user was deleted: %d", w.Code)
	}
}

// stripCSRF removes the CSRF tokens, which differ between sessions.
func stripCSRF(body string) string {
	return csrfRe.ReplaceAllString(body, "")
}
