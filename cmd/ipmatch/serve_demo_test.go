package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"ipmatch/data"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine's writes and
// the test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var (
	listeningRe = regexp.MustCompile(`listening on (http://\S+)`)
	demoUserRe  = regexp.MustCompile(`username (\S+)\s+password (\S+)`)
	csrfFieldRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
)

// serveDemo runs `ipmatch serve --demo` on dir and returns its URL, what
// it printed, and a function that stops it as Ctrl-C does.
func serveDemo(t *testing.T, dir string) (base, out string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--data", dir, "--addr", "127.0.0.1:0"}, &stdout, &stderr)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("serve --demo ended with %d: %s", code, stderr.String())
			}
		})
	}
	deadline := time.Now().Add(60 * time.Second) // a cold start builds the index
	for !strings.Contains(stdout.String(), "try: curl") {
		select {
		case code := <-done:
			t.Fatalf("serve --demo ended with %d: %s", code, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			<-done
			t.Fatalf("serve --demo printed no accounts: %s %s", stdout.String(), stderr.String())
		}
	}
	t.Cleanup(stop)
	out = stdout.String()
	m := listeningRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no URL in %q", out)
	}
	return m[1], out, stop
}

// passwordSignIn posts the sign-in form as a browser would and returns
// where it led.
func passwordSignIn(t *testing.T, base, username, password string) (int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	page.ReadFrom(resp.Body)
	resp.Body.Close()
	m := csrfFieldRe.FindStringSubmatch(page.String())
	if m == nil {
		t.Fatalf("no CSRF field on the sign-in page")
	}
	resp, err = c.PostForm(base+"/signin/password", url.Values{"username": {username}, "password": {password}, "csrf_token": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// TestServeDemoPrintsAccounts is issue 13's new user: serve --demo says
// whom each role's token is for, chooses a bank with deals and an enterprise
// at the event, and prints users who can sign in; a restart gives new
// passwords and the old ones stop working.
func TestServeDemoPrintsAccounts(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test starts the demo server twice (≈7 s); CI runs it")
	}
	dir := t.TempDir()
	base, out, stop := serveDemo(t, dir)
	for _, want := range []string{"Ctrl-C", "广东股权交易中心", "中国工商银行肇庆分行", "肇庆市高要区端溪模具科技有限公司",
		"demo.organizer", "demo.bank", "demo.enterprise"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --demo does not print %q:\n%s", want, out)
		}
	}
	users := demoUserRe.FindAllStringSubmatch(out, -1)
	if len(users) != 3 {
		t.Fatalf("want 3 demo users printed, got %d:\n%s", len(users), out)
	}
	homes := map[string]string{"demo.organizer": "/app/organizer", "demo.bank": "/app/bank", "demo.enterprise": "/app/enterprise"}
	first := map[string]string{}
	for _, u := range users {
		name, password := u[1], u[2]
		first[name] = password
		if len(password) < data.MinPasswordLength {
			t.Errorf("%s's password %q is shorter than %d", name, password, data.MinPasswordLength)
		}
		if code, at := passwordSignIn(t, base, name, password); code != http.StatusSeeOther || at != homes[name] {
			t.Errorf("%s signs in: %d to %q, want 303 to %q", name, code, at, homes[name])
		}
		if code, _ := passwordSignIn(t, base, name, password+"x"); code != http.StatusUnauthorized {
			t.Errorf("%s with a wrong password: %d, want 401", name, code)
		}
	}
	stop()

	// The demo bank has deals at several stages; the demo enterprise is
	// registered for the demo event.
	store, err := openStore(t.Context(), StoreConfig{DataDir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	deals, _, err := store.Deals().List(t.Context(), data.ListOptions{Refs: data.Refs{Bank: demoBankID}})
	if err != nil {
		t.Fatal(err)
	}
	stages := map[data.Stage]bool{}
	for _, d := range deals {
		stages[d.Stage] = true
	}
	if len(stages) < 2 {
		t.Errorf("the demo bank's deals are at %v; want several stages to try moves", stages)
	}
	// The demo tokens are labelled in Chinese: the label names their
	// actions on the pages (a deal's history, the audit log).
	toks, _, err := store.Tokens().List(t.Context(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range toks {
		if !strings.HasPrefix(tok.Label, demoTokenPrefix) || strings.Contains(tok.Label, "demo") {
			t.Errorf("demo token labelled %q, want Chinese after %q", tok.Label, demoTokenPrefix)
		}
	}
	parts, _, err := store.Participants().List(t.Context(), data.ListOptions{Refs: data.Refs{Event: demoEventID, Enterprise: demoEnterpriseID}})
	if err != nil || len(parts) == 0 {
		t.Errorf("the demo enterprise is not registered for %s: %v", demoEventID, err)
	}
	// A user of the same store who is not a demo user keeps its password.
	other := data.User{Username: "demo-guest", Role: data.RoleBank, BankID: demoBankID}
	if err := createUser(t.Context(), store, &other, "a password of hers"); err != nil {
		t.Fatal(err)
	}
	store.Close()

	// A restart resets only the demo users' passwords: the new ones sign
	// in, the old ones no longer do.
	base, out, _ = serveDemo(t, dir)
	again := demoUserRe.FindAllStringSubmatch(out, -1)
	if len(again) != 3 {
		t.Fatalf("after a restart, want 3 demo users printed, got %d:\n%s", len(again), out)
	}
	for _, u := range again {
		name, password := u[1], u[2]
		if password == first[name] {
			t.Errorf("%s kept its password %q across a restart", name, password)
		}
		if code, _ := passwordSignIn(t, base, name, first[name]); code != http.StatusUnauthorized {
			t.Errorf("%s with the previous start's password: %d, want 401", name, code)
		}
		if code, at := passwordSignIn(t, base, name, password); code != http.StatusSeeOther || at != homes[name] {
			t.Errorf("%s signs in after a restart: %d to %q", name, code, at)
		}
	}
	if code, at := passwordSignIn(t, base, other.Username, "a password of hers"); code != http.StatusSeeOther || at != "/app/bank" {
		t.Errorf("a restart changed another user's password: %d to %q", code, at)
	}
	t.Logf("serve --demo prints:\n%s", out)
}
