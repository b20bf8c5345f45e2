package api

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserShots is where the browser test writes the README's screenshots of
// each role's main page; empty writes none. Regenerate them with
//
//	go test ./api/ -run TestBrowserPages -browser.screenshots "$PWD/docs/screenshots"
var browserShots = flag.String("browser.screenshots", "", "write the README `dir`ectory's screenshots of each role's page (enterprise.png, bank.png, organizer.png) from the browser test")

// browserArtifactsEnv names the directory a failing browser scenario saves
// its screenshot in; without it the screenshot goes to the test's temporary
// directory, which is removed when the test ends.
const browserArtifactsEnv = "IPMATCH_BROWSER_ARTIFACTS"

// readmeShot is the size of the README's screenshots: the viewport, not the
// whole page, to keep the images small.
const readmeShotWidth, readmeShotHeight = 1280, 1000

// browserSession is one scenario in its own headless Chromium against the
// server at srv. When the scenario fails, a full-page screenshot of where it
// stopped is saved and its path logged.
type browserSession struct {
	t   *testing.T
	srv string
	// tab lives until the test ends; ctx is tab with the scenario's
	// deadline, for the steps.
	tab, ctx context.Context
}

// newBrowserSession starts Chromium exe for the scenario of t, whose steps
// must end within timeout.
func newBrowserSession(t *testing.T, exe, srv string, timeout time.Duration) *browserSession {
	t.Helper()
	dir := os.Getenv(browserArtifactsEnv)
	if dir == "" {
		dir = t.TempDir()
	}
	tab := newChromium(t, exe)
	// Start the browser on the tab's context, so that the deadline of the
	// steps leaves it open for the failure screenshot.
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(tab, timeout)
	s := &browserSession{t: t, srv: srv, tab: tab, ctx: ctx}
	// Cleanups run last first: this one before newChromium's closes the
	// browser.
	t.Cleanup(func() {
		cancel()
		if t.Failed() {
			s.saveFailure(dir)
		}
	})
	return s
}

// saveFailure writes a full-page screenshot of the tab into dir and logs
// its path.
func (s *browserSession) saveFailure(dir string) {
	ctx, cancel := context.WithTimeout(s.tab, 5*time.Second)
	defer cancel()
	url, _ := chromedp.Run(ctx, chromedp.Location())
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.t.Logf("failure screenshot of %s: %v", url, err)
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		s.t.Logf("failure screenshot: %v", err)
		return
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(s.t.Name()) + "-" + time.Now().Format("150405.000") + ".png"
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		s.t.Logf("failure screenshot: %v", err)
		return
	}
	hint := ""
	if os.Getenv(browserArtifactsEnv) == "" {
		hint = " (removed when the test ends; set " + browserArtifactsEnv + " to keep it)"
	}
	s.t.Logf("failure screenshot of %s: %s%s", url, path, hint)
}

// run does the actions of one step, failing the test if one fails.
func (s *browserSession) run(step string, actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	if err := chromedp.Do(s.ctx, actions...); err != nil {
		s.t.Fatalf("%s: %v", step, err)
	}
}

// text is the visible text of the first element sel selects.
func (s *browserSession) text(sel string) string {
	s.t.Helper()
	v, err := chromedp.Run(s.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		s.t.Fatalf("text of %s: %v", sel, err)
	}
	return v
}

// eval is the value of the JavaScript expression expr.
func eval[T any](s *browserSession, expr string) T {
	s.t.Helper()
	v, err := chromedp.Run(s.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		s.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// location is the tab's URL without the server's.
func (s *browserSession) location() string {
	s.t.Helper()
	u, err := chromedp.Run(s.ctx, chromedp.Location())
	if err != nil {
		s.t.Fatal(err)
	}
	return strings.TrimPrefix(u, s.srv)
}

// waitFor evaluates expr in the tab until it is true, across page loads,
// which make a pending evaluation fail.
func (s *browserSession) waitFor(expr string) {
	s.t.Helper()
	for {
		ok, err := chromedp.Run(s.ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		select {
		case <-s.ctx.Done():
			s.t.Fatalf("waiting for %s: %v (last error %v)", expr, s.ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// signIn pastes token into the sign-in form and expects to land on home.
func (s *browserSession) signIn(token, home string) {
	s.t.Helper()
	s.run("sign in",
		chromedp.Navigate(s.srv+"/"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), token),
		chromedp.Click(chromedp.CSS(`form[action="/signin"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/signout"] button`)),
	)
	if got := s.location(); got != home {
		s.t.Fatalf("signed in to %q, want %q", got, home)
	}
}

// readmeShot writes the page as name in the directory of
// -browser.screenshots, if given: a 1280×1000 viewport screenshot.
func (s *browserSession) readmeShot(name string) {
	s.t.Helper()
	if *browserShots == "" {
		return
	}
	s.run("viewport for "+name, chromedp.EmulateViewport(readmeShotWidth, readmeShotHeight))
	shot, err := chromedp.Run(s.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		s.t.Fatalf("screenshot %s: %v", name, err)
	}
	if !bytes.HasPrefix(shot, []byte("\x89PNG\r\n\x1a\n")) {
		s.t.Fatalf("screenshot %s: not a PNG", name)
	}
	if err := os.MkdirAll(*browserShots, 0o755); err != nil {
		s.t.Fatal(err)
	}
	path := filepath.Join(*browserShots, name)
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		s.t.Fatal(err)
	}
	s.t.Logf("wrote %s (%d bytes)", path, len(shot))
}
