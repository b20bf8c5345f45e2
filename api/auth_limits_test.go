package api

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"ipmatch/data"
)

// Failures limit further failures of what failed, never a caller holding a
// valid credential. These tests use the default limits (10 failures, then
// one per 6 s) unless they say otherwise.

// TestWrongPasswordsDoNotRefuseValidCredentials: ten wrong passwords from
// one address (a proxy in front of everyone, without --trusted-proxies)
// neither refuse a valid API token from there nor another user's correct
// password.
func TestWrongPasswordsDoNotRefuseValidCredentials(t *testing.T) {
	f := newFixture(t, Config{})
	addUser(t, f, data.User{Username: "alice", Role: data.RoleOrganizer}, testPassword)
	addUser(t, f, data.User{Username: "bob", Role: data.RoleBank, BankID: f.bankA}, testPassword)
	const proxy = "10.9.8.7:443"
	from := func() *browser {
		b := newBrowser(f)
		b.remote = proxy
		return b
	}
	for i := range 10 {
		if w := from().signInPassword("bob", "wrong"+strconv.Itoa(i)); w.Code != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i, w.Code)
		}
	}
	// bob, who failed, is limited there …
	htmlPage(t, from().signInPassword("bob", testPassword), http.StatusTooManyRequests)
	// … nobody else is.
	if w := bearerFrom(f, proxy, orgToken, "/api/v1/banks", nil); w.Code != http.StatusOK {
		t.Fatalf("a valid API token after others' wrong passwords: %d %s", w.Code, w.Body)
	}
	if w := from().signInPassword("alice", testPassword); w.Code != http.StatusSeeOther {
		t.Fatalf("alice's correct password after bob's failures: %d", w.Code)
	}
	b := from()
	if loc := b.signIn(bankAToken); loc != "/app/bank" {
		t.Fatalf("token sign-in after bob's failures led to %q", loc)
	}
}

// TestUnknownTokensDoNotRefuseValidTokens: an address that has sent too
// many unknown tokens gets 429 for the next unknown one, while valid
// tokens from it, and its users' passwords, still work.
func TestUnknownTokensDoNotRefuseValidTokens(t *testing.T) {
	f := newFixture(t, Config{})
	addUser(t, f, data.User{Username: "alice", Role: data.RoleOrganizer}, testPassword)
	const addr = "198.51.100.77:1234"
	for i := range 10 {
		wantError(t, bearerFrom(f, addr, "ipm_guess_"+strconv.Itoa(i), "/api/v1/banks", nil), http.StatusUnauthorized, data.CodeUnauthorized)
	}
	wantRateLimited(t, bearerFrom(f, addr, "ipm_guess_x", "/api/v1/banks", nil), "11th unknown token")
	for _, tok := range []string{orgToken, bankAToken, entXToken} {
		if w := bearerFrom(f, addr, tok, "/api/v1/banks", nil); w.Code != http.StatusOK {
			t.Fatalf("valid token %s from the limited address: %d", tok, w.Code)
		}
	}
	// Still limited for guesses after the valid ones (they reset nothing).
	wantRateLimited(t, bearerFrom(f, addr, "ipm_guess_y", "/api/v1/banks", nil), "unknown token after valid ones")
	b := newBrowser(f)
	b.remote = addr
	if w := b.signInPassword("alice", testPassword); w.Code != http.StatusSeeOther {
		t.Fatalf("a password sign-in from the address: %d", w.Code)
	}
}

// TestPasswordAddressLimitBoundsBcrypt: one address failing passwords for
// many usernames is stopped at ten times the burst (bcrypt costs CPU),
// while another address is not.
func TestPasswordAddressLimitBoundsBcrypt(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test hashes passwords with bcrypt at full cost (≈5 s); CI runs it")
	}
	f := newFixture(t, Config{AuthFailureBurst: 2, AuthFailureEvery: time.Hour})
	addUser(t, f, data.User{Username: "alice", Role: data.RoleOrganizer}, testPassword)
	const addr = "198.51.100.50:1"
	for i := range 20 {
		b := newBrowser(f)
		b.remote = addr
		if w := b.signInPassword("user"+strconv.Itoa(i), "x"); w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, w.Code)
		}
	}
	b := newBrowser(f)
	b.remote = addr
	htmlPage(t, b.signInPassword("alice", testPassword), http.StatusTooManyRequests)
	b.remote = "198.51.100.51:1"
	if w := b.signInPassword("alice", testPassword); w.Code != http.StatusSeeOther {
		t.Fatalf("alice from another address: %d", w.Code)
	}
}
