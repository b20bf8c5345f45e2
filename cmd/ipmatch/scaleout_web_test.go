package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/mongo"
	"ipmatch/door"
)

// TestWebSessionsOnTwoMongoNodes runs two ipmatch nodes on one MongoDB
// database (an embedded FerretDB; a real MongoDB when
// IPMATCH_TEST_MONGO_URI is set) and walks a browser between them as a
// load balancer without sticky sessions would: the sign-in form of one
// is accepted by the other, the session serves on both and outlives a
// restart, and unknown tokens count on both nodes together.
func TestWebSessionsOnTwoMongoNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test runs FerretDB and three servers; CI runs it")
	}
	uri, db := sharedDB(t, "websessions")
	ctx := context.Background()
	s, err := mongo.Open(ctx, uri, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := createToken(ctx, s, data.Token{Role: data.RoleOrganizer, Label: "web sessions test"})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	running := map[*Main]bool{}
	start := func(name string) *Main {
		m := &Main{Store: StoreConfig{MongoURI: uri, MongoDB: db}, Addr: "127.0.0.1:0",
			Index: filepath.Join(t.TempDir(), "index"), Node: name}
		if err := m.Run(ctx); err != nil {
			t.Fatalf("start %s: %v", name, err)
		}
		running[m] = true
		return m
	}
	stop := func(m *Main) {
		if running[m] {
			delete(running, m)
			if err := m.Close(); err != nil {
				t.Errorf("close %s: %v", m.Node, err)
			}
		}
	}
	t.Cleanup(func() {
		for m := range running {
			stop(m)
		}
	})
	a, b := start("node-a"), start("node-b")

	// One browser: cookies do not tell ports apart, so it presents the
	// same cookies to both nodes (both on 127.0.0.1).
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(m *Main, path string) (int, string) {
		t.Helper()
		resp, err := c.Get(m.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	code, page := get(a, "/")
	m := csrfFieldRe.FindStringSubmatch(page)
	if code != http.StatusOK || m == nil {
		t.Fatalf("sign-in page of A: %d", code)
	}
	resp, err := c.PostForm(b.URL()+"/signin", url.Values{"token": {secret}, "csrf_token": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/app/organizer" {
		t.Fatalf("A's sign-in form posted to B: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, n := range []*Main{a, b} {
		if code, _ := get(n, "/app/organizer"); code != http.StatusOK {
			t.Errorf("the session on %s: %d", n.Node, code)
		}
	}

	// A restarts: the session still serves there.
	stop(a)
	a = start("node-a")
	if code, _ := get(a, "/app/organizer"); code != http.StatusOK {
		t.Errorf("the session after A restarted: %d", code)
	}

	// Unknown bearer tokens from one address, alternately on A and B:
	// the default burst (10) is the two nodes' together.
	bearer := func(n *Main, tok string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", n.URL()+"/api/v1/banks", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// The limiter refills on a grid of DefaultAuthFailureEvery-long
	// slots (door.FailureLimiter): ten failures that straddle a slot's
	// end leave a token for the 11th. Start just after a slot begins,
	// so the dozen requests below (well under a second) fit in one.
	every := door.DefaultAuthFailureEvery
	slotEnd := time.Now().Truncate(every).Add(every)
	time.Sleep(time.Until(slotEnd) + 20*time.Millisecond)
	for i := range 10 {
		if code := bearer([]*Main{a, b}[i%2], fmt.Sprintf("ipm_guess_%d", i)); code != http.StatusUnauthorized {
			t.Fatalf("unknown token %d: %d", i, code)
		}
	}
	for _, n := range []*Main{a, b} {
		if code := bearer(n, "ipm_guess_more"); code != http.StatusTooManyRequests {
			t.Errorf("the 11th unknown token on %s: %d, want 429", n.Node, code)
		}
	}
	if time.Now().After(slotEnd.Add(every)) {
		t.Logf("the failures took more than one refill slot (%v): a 401 above may be the refill", every)
	}
	if code := bearer(b, secret); code != http.StatusOK {
		t.Errorf("a valid token from the limited address: %d", code)
	}
}
