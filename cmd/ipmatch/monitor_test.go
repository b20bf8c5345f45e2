package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/data/sqlite"
)

// TestMonitorCommand runs "ipmatch monitor" on the demo: the first check
// records the live deals' collateral and raises nothing; after a
// legal-status import lapses a pledged patent of deal_0001 one alert is
// raised; a third run raises none; the checks are in the audit log as the
// command's.
func TestMonitorCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	index := filepath.Join(t.TempDir(), "index")
	m := &Main{Store: StoreConfig{DataDir: dir}, Addr: "127.0.0.1:0", Demo: true, Index: index}
	if err := m.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	monitor := func() string {
		t.Helper()
		out, errOut, code := runCLI(t, "monitor", "--data", dir, "--as-of", "2021-06-01")
		if code != 0 {
			t.Fatalf("monitor: exit %d: %s", code, errOut)
		}
		return out
	}
	if out := monitor(); !strings.Contains(out, "checked 3 live deals as of 2021-06-01") || !strings.Contains(out, "alerts raised: 0") ||
		!strings.Contains(out, "collateral values recorded: 3") {
		t.Errorf("the first check:\n%s", out)
	}

	s, err := sqlite.Open(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	deal, err := s.Deals().Get(t.Context(), "deal_0001")
	s.Close()
	if err != nil || deal.Collateral == nil {
		t.Fatalf("deal_0001 after the check: %+v, %v", deal.Collateral, err)
	}
	file := filepath.Join(t.TempDir(), "legal.csv")
	writeFile(t, file, "申请号,法律状态公告日,法律状态\nCN"+deal.Patents[0]+",2021.05.20,未缴年费专利权终止\n")
	if _, errOut, code := runCLI(t, "import", "--data", dir, "--index", index, "--kind", "patents", "--format", "cnipa-legal-csv", file); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	out := monitor()
	if !strings.Contains(out, "alerts raised: 1;") || !strings.Contains(out, "deal deal_0001") || !strings.Contains(out, "lapsed 2021-05-20 (lost as collateral)") {
		t.Errorf("the check after the lapse:\n%s", out)
	}
	if out := monitor(); !strings.Contains(out, "alerts raised: 0; risks alerted before: 1") {
		t.Errorf("the check run again:\n%s", out)
	}
	if _, errOut, code := runCLI(t, "monitor", "--data", dir, "--warn-days", "400"); code == 0 || !strings.Contains(errOut, "warn_days") {
		t.Errorf("--warn-days 400: exit %d: %s", code, errOut)
	}
	if _, errOut, code := runCLI(t, "monitor", "--data", dir, "--as-of", "2999-01-01"); code == 0 || !strings.Contains(errOut, "as_of") {
		t.Errorf("--as-of a day to come: exit %d: %s", code, errOut)
	}
	if _, errOut, code := runCLI(t, "monitor", "--data", filepath.Join(dir, "nonexistent")); code == 0 || !strings.Contains(errOut, "holds no ipmatch store") {
		t.Errorf("a mistyped --data: exit %d: %s", code, errOut)
	}

	s, err = sqlite.Open(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	log, err := app.All(t.Context(), s.Audit(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var raised bool
	for _, e := range log {
		if e.Kind == data.AlertKind.Name && e.Via == data.ViaCLI && e.Request == "ipmatch monitor" {
			raised = true
		}
	}
	if !raised {
		t.Error("the alert's creation is not in the audit log as the monitor command's")
	}
}

// TestServeRunsTheCheck: serve with --monitor-at runs the check as it
// starts: the demo's live deals get their collateral recorded.
func TestServeRunsTheCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := &Main{Store: StoreConfig{DataDir: dir}, Addr: "127.0.0.1:0", Demo: true, Index: filepath.Join(t.TempDir(), "index"), MonitorAt: "06:00"}
	if err := m.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	// The check runs beside the requests; wait for its write (a
	// condition, not a timing).
	for range 600 {
		d, err := m.store.Deals().Get(t.Context(), "deal_0001")
		if err != nil {
			t.Fatal(err)
		}
		if d.Collateral != nil {
			if d.Collateral.ValuedOn != demo.AsOf {
				t.Errorf("valued on %s, want the demo's day %s", d.Collateral.ValuedOn, demo.AsOf)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("serve's check did not record deal_0001's collateral within 30 s")
}

// TestUntilNext: the next run is later today before the hour, tomorrow
// after it, in China Standard Time.
func TestUntilNext(t *testing.T) {
	at := 6 * time.Hour
	for _, c := range []struct {
		now  time.Time
		want time.Duration
	}{
		{time.Date(2021, 6, 1, 21, 0, 0, 0, time.UTC), 1 * time.Hour},                 // 05:00 CST
		{time.Date(2021, 6, 1, 22, 0, 0, 0, time.UTC), 24 * time.Hour},                // 06:00 CST: the next day's
		{time.Date(2021, 6, 1, 0, 30, 0, 0, time.UTC), 21*time.Hour + 30*time.Minute}, // 08:30 CST
	} {
		if got := untilNext(c.now, at); got != c.want {
			t.Errorf("untilNext(%s) = %s, want %s", c.now, got, c.want)
		}
	}
	for _, bad := range []string{"6", "25:00", "06:60", "noon"} {
		if _, err := parseTimeOfDay(bad); err == nil {
			t.Errorf("parseTimeOfDay(%q) accepted", bad)
		}
	}
}
