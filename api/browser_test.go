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
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"ipmatch/app"
	"ipmatch/data/demo"
	"ipmatch/web"
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

// newChromium starts the headless Chromium exe with a fresh profile and
// returns a tab's context. The browser is closed and its profile removed when
// the test ends.
func newChromium(t *testing.T, exe string) context.Context {
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
		// The pages' users browse in Chinese: dates read 2021/04/23.
		chromedp.Flag("lang", "zh-CN"),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	return tab
}

// TestBrowserPages drives the zh-CN pages in a real headless Chromium, one
// browser per role: the enterprise signs in, sees its matches, searches the
// products and signs out; the bank opens its product's ranked pipeline and
// cannot open another bank's; the organizer computes the demo event's
// schedule and sees the grid. A failing scenario saves a screenshot (see
// browserSession); -browser.screenshots writes the README's.
func TestBrowserPages(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test drives Chromium (≈12 s); CI runs it")
	}
	exe := chromiumPath(t)
	f := newWebSearchFixture(t)
	srv := httptest.NewServer(f.h)
	t.Cleanup(srv.Close)
	const timeout = 20 * time.Second

	t.Run("enterprise", func(t *testing.T) {
		ctx := t.Context()
		ent, err := f.store.Enterprises().Get(ctx, "ent_0007")
		if err != nil {
			t.Fatal(err)
		}
		// The reason of the first product ent_0007 fails, as the JSON API
		// answers it on the same day.
		var matches app.Matches
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

		s := newBrowserSession(t, exe, srv.URL, timeout)
		start := time.Now()
		// Its page on the day the fixture is dated.
		s.signIn(matchEnt7Token, "/app/enterprise")
		s.run("evaluate as of the fixture's day",
			chromedp.SetValue(chromedp.CSS("#as_of"), "2021-04-23"),
			chromedp.Click(chromedp.CSS("form.asof button")),
		)
		s.waitFor(`location.search.includes("as_of=2021-04-23") && document.readyState === "complete"`)
		s.run("wait for the matches", chromedp.WaitVisible(chromedp.CSS("table.matches")))
		wantText(t, s.text("main"), "适合的贷款产品", "✓", "✗", reason)
		if h1 := s.text("h1"); h1 != ent.Name {
			t.Errorf("heading %q, want %q", h1, ent.Name)
		}
		s.readmeShot("enterprise.png")

		// It searches the products: the hits highlight the words.
		s.run("search the products",
			chromedp.Click(chromedp.CSS(`a[href="/app/enterprise/products"]`)),
			chromedp.WaitVisible(chromedp.CSS("form.search #q")),
			chromedp.SendKeys(chromedp.CSS("form.search #q"), "专利贷"),
			chromedp.Click(chromedp.CSS(`form.search button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("table.hits mark")),
		)
		if loc := s.location(); !strings.HasPrefix(loc, "/app/enterprise/products?") || !strings.Contains(loc, "q=") {
			t.Errorf("searched at %q", loc)
		}
		wantText(t, s.text("main"), "高新专利贷")
		if marked := eval[[]string](s, `Array.from(document.querySelectorAll("table.hits mark"), m => m.innerText)`); !slices.ContainsFunc(marked, func(m string) bool {
			return strings.Contains("专利贷", m) && m != ""
		}) {
			t.Errorf("highlighted %q, want a part of 专利贷", marked)
		}

		// Signing out leads back to the sign-in form.
		s.run("sign out",
			chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)),
			chromedp.WaitVisible(chromedp.CSS("#token")),
		)
		if who := s.text("header"); strings.Contains(who, ent.Name) {
			t.Errorf("still signed in after signing out: %q", who)
		}
		t.Logf("scenario took %s", time.Since(start).Round(time.Millisecond))
	})

	t.Run("bank", func(t *testing.T) {
		var pipe pipelineBody
		decodeBody(t, f.do(matchCCBToken, "GET", matchPipelineURL, nil), http.StatusOK, &pipe)
		if pipe.Eligible == 0 || len(pipe.Matches) == 0 {
			t.Fatalf("demo pipeline is empty: %+v", pipe)
		}
		top := pipe.Matches[0].EnterpriseName

		s := newBrowserSession(t, exe, srv.URL, timeout)
		start := time.Now()
		s.signIn(matchCCBToken, "/app/bank")
		pipeURL := "/app/bank/products/" + demo.ProdCCBKechuang + "/pipeline"
		s.run("open the pipeline",
			chromedp.Click(chromedp.CSS(`a[href="`+pipeURL+`"]`)),
			chromedp.WaitVisible(chromedp.CSS("table.pipeline")),
		)
		s.run("rank as of the fixture's day",
			chromedp.SetValue(chromedp.CSS("#as_of"), "2021-04-23"),
			chromedp.Click(chromedp.CSS(`form.asof button[type="submit"]`)),
		)
		s.waitFor(`location.search.includes("as_of=2021-04-23") && document.readyState === "complete"`)
		s.run("wait for the ranking", chromedp.WaitVisible(chromedp.CSS("table.pipeline tbody tr.ok")))
		if got := s.location(); !strings.HasPrefix(got, pipeURL+"?") {
			t.Errorf("pipeline at %q, want %q", got, pipeURL)
		}
		wantText(t, s.text("main"), "科创知识产权质押贷 · 客户名单", "预期损失 EL", "✓")
		// The rows are ranked 1, 2, … with the API's first enterprise first.
		rows := eval[[][]string](s, `Array.from(document.querySelectorAll("table.pipeline > tbody > tr"), tr => Array.from(tr.children, td => td.innerText.trim()))`)
		if len(rows) != min(len(pipe.Matches), web.PipelinePageSize) {
			t.Fatalf("%d pipeline rows, want %d", len(rows), min(len(pipe.Matches), web.PipelinePageSize))
		}
		for i, r := range rows {
			if len(r) < 2 || r[0] != strconv.Itoa(i+1) {
				t.Fatalf("row %d: %q, want rank %d", i, r, i+1)
			}
		}
		if rows[0][1] != top {
			t.Errorf("first row %q, want %q", rows[0][1], top)
		}
		s.readmeShot("bank.png")

		// Another bank's product is not found.
		other := "/app/bank/products/" + demo.ProdZQRCBIP + "/pipeline"
		s.run("open another bank's pipeline",
			chromedp.Navigate(srv.URL+other+"?"+matchAsOfParam),
			chromedp.WaitVisible(chromedp.CSS("section.error")),
		)
		main := s.text("main")
		wantText(t, main, "页面或记录不存在", "错误代码 404")
		if strings.Contains(main, top) || eval[bool](s, `document.querySelector("table.pipeline") !== null`) {
			t.Errorf("another bank's pipeline leaks: %s", main)
		}
		t.Logf("scenario took %s", time.Since(start).Round(time.Millisecond))
	})

	t.Run("organizer", func(t *testing.T) {
		ctx := t.Context()
		s := newBrowserSession(t, exe, srv.URL, timeout)
		start := time.Now()
		s.signIn(matchOrgToken, "/app/organizer")
		eventURL := "/app/organizer/events/" + demo.EventID
		s.run("open the event",
			chromedp.Click(chromedp.CSS(`a[href="`+eventURL+`"]`)),
			chromedp.WaitVisible(chromedp.CSS(`form[action="`+eventURL+`/schedule"] button`)),
		)
		wantText(t, s.text("main"), "尚未生成会谈安排")
		s.run("generate the schedule",
			chromedp.Click(chromedp.CSS(`form[action="`+eventURL+`/schedule"] button`)),
			chromedp.WaitVisible(chromedp.CSS("table.grid")),
		)
		if got := s.location(); got != eventURL {
			t.Errorf("after generating at %q, want %q", got, eventURL)
		}
		wantText(t, s.text("main"), "会谈安排已生成")
		rec, err := f.store.Schedules().Get(ctx, demo.EventID)
		if err != nil || len(rec.Meetings) == 0 {
			t.Fatalf("no schedule stored: %v", err)
		}
		met, err := f.store.Enterprises().Get(ctx, rec.Meetings[0].EnterpriseID)
		if err != nil {
			t.Fatal(err)
		}
		// The grid's cells after the slot and time columns.
		cells := eval[[]string](s, `Array.from(document.querySelectorAll("table.grid tbody td:nth-child(n+3)"), td => td.innerText.trim())`)
		if !slices.Contains(cells, met.Name) {
			t.Errorf("no grid cell holds %q among %d cells", met.Name, len(cells))
		}

		png, err := chromedp.Run(s.ctx, chromedp.FullScreenshot(100))
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
		s.readmeShot("organizer.png")

		// The schedule just generated is in the audit log, as the
		// organizer's write through the pages.
		s.run("open the audit log",
			chromedp.Navigate(srv.URL+"/app/organizer"),
			chromedp.Click(chromedp.CSS(`a[href="/app/organizer/audit"]`)),
			chromedp.WaitVisible(chromedp.CSS("table.audit")),
		)
		wantText(t, s.text("main"), "审计日志", "对接日程", "网页", "生成会谈安排")

		// 专利导航 for 高要区 × 装备制造业 on the event's day, from the
		// organizer's page; printed, the form is left out.
		s.run("open the patent landscape",
			chromedp.Navigate(srv.URL+"/app/organizer"),
			chromedp.Click(chromedp.CSS(`a[href="/app/organizer/landscape"]`)),
			chromedp.WaitVisible(chromedp.CSS(`input[name="region"]`)),
			chromedp.SetValue(chromedp.CSS(`input[name="region"]`), "441204"),
			chromedp.SetValue(chromedp.CSS(`input[name="industry"]`), "装备制造业"),
			chromedp.SetValue(chromedp.CSS(`input[name="as_of"]`), "2021-04-23"),
			chromedp.Click(chromedp.CSS(`form.inline-form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("svg.chart")),
		)
		var land app.Landscape
		decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/landscape?region=441204&industry=C33-C40&as_of=2021-04-23", nil), http.StatusOK, &land)
		wantText(t, s.text("main"), "肇庆市高要区", "装备制造业", strconv.Itoa(land.Total)+" 件", "历年申请量", "技术构成", "技术分支",
			"可质押专利", "主要申请人", "融资潜力", app.Wan(land.Financing.Total.SupportableLoans), app.Wan(land.Financing.Total.Gap),
			"技术集群", land.Clusters[0].Name, "按技术集群")
		if n := eval[int](s, `document.querySelectorAll("svg.chart rect").length`); n == 0 {
			t.Errorf("the landscape page draws no bars")
		}
		s.run("print the landscape", emulateMedia("print"))
		if shown := eval[bool](s, `getComputedStyle(document.querySelector("form.inline-form")).display != "none"`); shown {
			t.Error("the printed landscape shows its form")
		}
		s.run("back to the screen", emulateMedia(""))
		s.readmeShot("landscape.png")
		s.run("scroll to the financing", chromedp.ScrollIntoView(chromedp.CSS("section.card:last-of-type")))
		s.readmeShot("landscape-financing.png")
		t.Logf("scenario took %s; screenshot %s (%d bytes)", time.Since(start).Round(time.Millisecond), shot, len(png))
	})
}

// emulateMedia makes the page's CSS media type media ("print"; "" for the
// screen again).
func emulateMedia(media string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
		return err
	})
}
