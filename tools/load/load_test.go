package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary be the bare gin server of the ceiling run,
// as the load command is.
func TestMain(m *testing.M) {
	if os.Getenv(ceilingEnv) != "" {
		if err := serveCeiling(os.Stdout); err != nil {
			os.Stderr.WriteString("ceiling: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// logWriter sends progress lines to the test log.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestLoadShort builds ipmatch, starts its demo, drives it with every
// request type for two seconds, then the bare gin ceiling, and fails on
// any error or a request type without a 2xx answer.
func TestLoadShort(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test runs the load tool for seconds; CI runs it")
	}
	if testing.Short() {
		t.Skip("builds and starts ipmatch; skipped with -short")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// Equal weights, so that every type is sent often in two seconds.
	mix := map[string]int{}
	for _, m := range defaultMix {
		mix[m.Name] = 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	rep, err := Run(ctx, Config{
		Conns:      8,
		Duration:   2 * time.Second,
		Warmup:     300 * time.Millisecond,
		Mix:        mix,
		CeilingExe: exe,
		Log:        logWriter{t},
	})
	if rep != nil {
		var buf bytes.Buffer
		rep.WriteText(&buf)
		t.Logf("report:\n%s", buf.String())
	}
	if err != nil {
		t.Fatal(err)
	}
	if rep.IPMatch == nil || rep.Ceiling == nil {
		t.Fatalf("missing run: ipmatch %v, ceiling %v", rep.IPMatch != nil, rep.Ceiling != nil)
	}
	if n := rep.Errors(); n > 0 {
		t.Errorf("%d failed requests", n)
	}
	for _, rr := range []*RunResult{rep.IPMatch, rep.Ceiling} {
		for _, s := range rr.ByType {
			if s.OK == 0 {
				t.Errorf("%s: no 2xx answer to %s (%d requests)", rr.Name, s.Name, s.Count)
			}
		}
		if runtime.GOOS == "linux" && (rr.Mem.Start.RSS == 0 || rr.Mem.End.RSS == 0 || rr.Mem.Samples == 0 || !rr.CPUKnown) {
			t.Errorf("%s: memory or CPU not read: %+v, CPU known %v", rr.Name, rr.Mem, rr.CPUKnown)
		}
	}
	if len(rep.IPMatch.ByType) != len(defaultMix) {
		t.Errorf("ipmatch run has %d request types, want %d", len(rep.IPMatch.ByType), len(defaultMix))
	}
	if rep.Ratio() <= 0 {
		t.Errorf("ratio %v, want > 0", rep.Ratio())
	}
	var md bytes.Buffer
	rep.WriteMarkdown(&md)
	for _, want := range []string{"| type | weight |", "`search_patents`", "| **all** |", "ipmatch ÷ bare gin", "| memory (MiB) |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown report lacks %q:\n%s", want, md.String())
		}
	}
}

func TestMix(t *testing.T) {
	m, err := parseMix(" pipeline=0, matches=30 ,")
	if err != nil {
		t.Fatal(err)
	}
	mix, err := buildMix(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, ti := range mix {
		switch ti.Name {
		case "pipeline":
			if ti.Weight != 0 {
				t.Errorf("pipeline weight %d, want 0", ti.Weight)
			}
		case "matches":
			if ti.Weight != 30 {
				t.Errorf("matches weight %d, want 30", ti.Weight)
			}
		}
	}
	for _, bad := range []string{"matches", "matches=-1", "matches=x"} {
		if _, err := parseMix(bad); err == nil {
			t.Errorf("parseMix(%q) accepted", bad)
		}
	}
	if _, err := buildMix(map[string]int{"nope": 1}); err == nil {
		t.Error("unknown type accepted")
	}
	zero := map[string]int{}
	for _, ti := range defaultMix {
		zero[ti.Name] = 0
	}
	if _, err := buildMix(zero); err == nil {
		t.Error("all-zero mix accepted")
	}
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.9, 90 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := percentile(lat, c.p); got != c.want {
			t.Errorf("percentile(%v) = %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile(lat[:1], 0.99); got != time.Millisecond {
		t.Errorf("percentile of one = %v", got)
	}
}

// stubWorkload sends GET /slow as role "tester".
type stubWorkload struct{}

func (stubWorkload) types() []typeInfo { return []typeInfo{{"slow", 1}} }
func (stubWorkload) next(*rand.Rand) request {
	return request{method: "GET", path: "/slow", role: "tester"}
}

// TestOpenLoop drives a server answering in 20 ms at 100 requests a second
// over one connection: the arrivals are the rate's (not the server's pace)
// and their latency counts the wait for the busy connection, as a user's
// would; a closed loop over the same connection measures 20 ms.
func TestOpenLoop(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
		w.Write([]byte("{}"))
	}))
	defer srv.Close()
	client := newClient(1)
	defer client.CloseIdleConnections()
	d := 500 * time.Millisecond
	open := runLoad(t.Context(), client, srv.URL, stubWorkload{}, pace{conns: 1, rate: 100}, d, 7, 5)
	n := len(open.lat[0])
	// 50 arrivals are due on average; the seed fixes how many.
	if n < 25 || n > 75 || open.errors > 0 {
		t.Fatalf("open loop: %d requests, %d errors (%v); want about 50 and none", n, open.errors, open.samples)
	}
	// One connection serves at most 50 a second, so about half of them
	// queue: the slowest waited for several others.
	_, by := open.summarize(stubWorkload{}.types())
	if by[0].Max < 60*time.Millisecond {
		t.Errorf("open loop: slowest %v; want the wait for the connection counted (≥ 60 ms)", by[0].Max)
	}
	if roles := open.byRoleStats(); len(roles) != 1 || roles[0].Name != "slow (tester)" || roles[0].Count != n {
		t.Errorf("by role: %+v; want one row, slow (tester), of %d", roles, n)
	}
	closed := runLoad(t.Context(), client, srv.URL, stubWorkload{}, pace{conns: 1}, d, 7, 5)
	_, by = closed.summarize(stubWorkload{}.types())
	if by[0].Count > 26 || by[0].P50 < 20*time.Millisecond {
		t.Errorf("closed loop: %d requests, p50 %v; want at most 25 of at least 20 ms", by[0].Count, by[0].P50)
	}
}
