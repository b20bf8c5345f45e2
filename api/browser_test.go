package api

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ipmatch/data/demo"
)

// chromiumPath returns the Chromium binary for the browser test. Without
// one the test is skipped, except on CI (CI=true), where it fails.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	const msg = "no Chromium found at /usr/bin/chromium or as chromium on PATH; install it with: apt-get install chromium fonts-noto-cjk"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: the browser test must run)")
	}
	t.Skip(msg)
	return ""
}

// newChromium starts the headless Chromium exe with a fresh profile and returns a
// tab's context, which ends after timeout. The browser is closed and its
// profile removed when the test ends.
func newChromium(t *testing.T, exe string, timeout time.Duration) context.Context {
	t.Helper()
	profile, err := os.MkdirTemp("", "ipmatch-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Chromium's child processes may still write to the profile for a
		// moment after the browser exits.
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
	})
	return tab
}

// waitFor evaluates expr in the tab until it is true, across page loads,
// which make a pending evaluation fail.
func waitFor(t *testing.T, tab context.Context, expr string) {
	t.Helper()
	for {
		ok, err := chromedp.Run(tab, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		select {
		case <-tab.Done():
			t.Fatalf("waiting for %s: %v (last error %v)", expr, tab.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestBrowserPages drives the zh-CN pages in a real headless Chromium: an
// enterprise signs in and sees its matches, signs out, then the organizer
// computes the demo event's schedule and sees the grid.
func TestBrowserPages(t *testing.T) {
	exe := chromiumPath(t)
	f := newMatchFixture(t)
	ctx := t.Context()
	ent, err := f.store.Enterprises().Get(ctx, "ent_0007")
	if err != nil {
		t.Fatal(err)
	}
	// The reason of the first product ent_0007 fails, as the JSON API
	// answers it on the same day.
	var matches enterpriseMatchesBody
	decodeBody(t, f.do(matchEnt7Token, "GET", "/api/v1/enterprises/ent_0007/matches?"+matchAsOfParam, nil), http.StatusOK, &matches)
	var reason string
	for _, m := range matches.Matches {
		if !m.Eligible && len(m.Reasons) > 0 {
			reason = m.Reasons[0].Message
			break
		}
	}
	if reason == "" || matches.Eligible == 0 {
		t.Fatalf("demo: ent_0007 has %d eligible of %d products; want both kinds", matches.Eligible, len(matches.Matches))
	}

	srv := httptest.NewServer(f.h)
	t.Cleanup(srv.Close)
	tab := newChromium(t, exe, 20*time.Second)
	start := time.Now()

	run := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tab, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	location := func() string {
		t.Helper()
		u, err := chromedp.Run(tab, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimPrefix(u, srv.URL)
	}
	signIn := func(token, home string) {
		t.Helper()
		run("sign in",
			chromedp.Navigate(srv.URL+"/"),
			chromedp.WaitVisible(chromedp.CSS("#token")),
			chromedp.SendKeys(chromedp.CSS("#token"), token),
			chromedp.Click(chromedp.CSS(`form[action="/signin"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`form[action="/signout"] button`)),
		)
		if got := location(); got != home {
			t.Fatalf("signed in to %q, want %q", got, home)
		}
	}

	// The enterprise: its page on the day the fixture is dated.
	signIn(matchEnt7Token, "/app/enterprise")
	run("evaluate as of the fixture's day",
		chromedp.SetValue(chromedp.CSS("#as_of"), "2021-04-23"),
		chromedp.Click(chromedp.CSS("form.asof button")),
	)
	waitFor(t, tab, `location.search.includes("as_of=2021-04-23") && document.readyState === "complete"`)
	run("wait for the matches", chromedp.WaitVisible(chromedp.CSS("table.matches")))
	page := text("main")
	wantText(t, page, "适合的贷款产品", "✓", "✗", reason)
	if h1 := text("h1"); h1 != ent.Name {
		t.Errorf("heading %q, want %q", h1, ent.Name)
	}

	// Signing out leads back to the sign-in form.
	run("sign out",
		chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#token")),
	)
	if who := text("header"); strings.Contains(who, ent.Name) {
		t.Errorf("still signed in after signing out: %q", who)
	}

	// The organizer computes the demo event's schedule.
	signIn(matchOrgToken, "/app/organizer")
	eventURL := "/app/organizer/events/" + demo.EventID
	run("open the event",
		chromedp.Click(chromedp.CSS(`a[href="`+eventURL+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="`+eventURL+`/schedule"] button`)),
	)
	wantText(t, text("main"), "尚未生成会谈安排")
	run("generate the schedule",
		chromedp.Click(chromedp.CSS(`form[action="`+eventURL+`/schedule"] button`)),
		chromedp.WaitVisible(chromedp.CSS("table.grid")),
	)
	if got := location(); got != eventURL {
		t.Errorf("after generating at %q, want %q", got, eventURL)
	}
	wantText(t, text("main"), "会谈安排已生成")
	rec, err := f.store.Schedules().Get(ctx, demo.EventID)
	if err != nil || len(rec.Meetings) == 0 {
		t.Fatalf("no schedule stored: %v", err)
	}
	met, err := f.store.Enterprises().Get(ctx, rec.Meetings[0].EnterpriseID)
	if err != nil {
		t.Fatal(err)
	}
	// The grid's cells after the slot and time columns.
	cells, err := chromedp.Run(tab, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("table.grid tbody td:nth-child(n+3)"), td => td.innerText.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(cells, met.Name) {
		t.Errorf("no grid cell holds %q among %d cells", met.Name, len(cells))
	}

	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) || len(png) < 1000 {
		t.Fatalf("screenshot: %d bytes, not a PNG", len(png))
	}
	shot := filepath.Join(t.TempDir(), "event.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(shot); err != nil || fi.Size() == 0 {
		t.Fatalf("screenshot file: %v", err)
	}
	t.Logf("browser scenario took %s; screenshot %s (%d bytes)", time.Since(start).Round(time.Millisecond), shot, len(png))
}
