package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Config is a load test's settings. Zero fields take their defaults.
type Config struct {
	// Bin is the ipmatch binary; "" builds one from the module that holds
	// the working directory.
	Bin string
	// DataDir, when set, is the data directory ipmatch serves (with
	// --demo, which adds the demo's records it lacks and prints fresh
	// tokens): a store filled by "ipmatch bench-data", to load a province
	// rather than an event. It is kept; "" is a fresh directory, removed
	// after the run.
	DataDir string
	// Conns is the number of concurrent connections (default 64).
	Conns int
	// Rate, when above 0, makes the run open-loop: requests arrive at
	// Rate a second in all, at random, whether or not earlier ones were
	// answered, and are sent over at most Conns connections. 0 is a
	// closed loop: each connection sends its next request when the last is
	// answered, so the server is always saturated and latency measures its
	// queue as much as its work.
	Rate float64
	// Duration is the measured time of each run (default 30 s); Warmup is
	// the unmeasured load before it (0: none).
	Duration, Warmup time.Duration
	// Mix holds the weights of request types by name; types it does not
	// name keep their default weight (see defaultMix).
	Mix map[string]int
	// Seed seeds the request choices.
	Seed uint64
	// ServerLogLevel, when set, is the server's IPMATCH_LOG_LEVEL.
	ServerLogLevel string
	// NoCeiling skips the bare gin run.
	NoCeiling bool
	// CeilingExe is the program started, with ceilingEnv set, as the bare
	// gin server; "" is this program (os.Executable).
	CeilingExe string
	// ErrorSamples is how many failed requests are kept for the report
	// (default 5).
	ErrorSamples int
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

func (c Config) withDefaults() Config {
	if c.Conns <= 0 {
		c.Conns = 64
	}
	if c.Duration <= 0 {
		c.Duration = 30 * time.Second
	}
	if c.ErrorSamples <= 0 {
		c.ErrorSamples = 5
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	return c
}

// Report is the outcome of a load test: the ipmatch run and the bare gin
// ceiling run (nil when skipped or not reached).
type Report struct {
	Conns            int
	Rate             float64
	Duration, Warmup time.Duration
	IPMatch, Ceiling *RunResult
}

// Errors returns the number of failed requests of both runs.
func (r *Report) Errors() int {
	n := 0
	for _, rr := range []*RunResult{r.IPMatch, r.Ceiling} {
		if rr != nil {
			n += rr.Total.Errors + rr.WarmupErrors
		}
	}
	return n
}

// Ratio returns ipmatch's requests per second over bare gin's, or 0 when
// either is missing.
func (r *Report) Ratio() float64 {
	if r.IPMatch == nil || r.Ceiling == nil || r.Ceiling.Total.RPS == 0 {
		return 0
	}
	return r.IPMatch.Total.RPS / r.Ceiling.Total.RPS
}

// Run runs the load test cfg describes: ipmatch first, then the bare gin
// ceiling. The report holds what was measured even when err is not nil.
func Run(ctx context.Context, cfg Config) (rep *Report, err error) {
	cfg = cfg.withDefaults()
	mix, err := buildMix(cfg.Mix)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "ipmatch-load-")
	if err != nil {
		return nil, err
	}
	// The servers' logs are kept when something failed.
	defer func() {
		if err != nil || (rep != nil && rep.Errors() > 0) {
			fmt.Fprintf(cfg.Log, "keeping the servers' logs in %s\n", tmp)
			os.RemoveAll(filepath.Join(tmp, "data"))
			os.Remove(filepath.Join(tmp, "ipmatch"))
			return
		}
		os.RemoveAll(tmp)
	}()
	rep = &Report{Conns: cfg.Conns, Rate: cfg.Rate, Duration: cfg.Duration, Warmup: cfg.Warmup}

	bin := cfg.Bin
	if bin == "" {
		fmt.Fprintln(cfg.Log, "building ipmatch …")
		if bin, err = buildIPMatch(ctx, tmp); err != nil {
			return nil, err
		}
	}
	logPath := filepath.Join(tmp, "ipmatch.log")
	dataDir, timeout := filepath.Join(tmp, "data"), startTimeout
	if cfg.DataDir != "" {
		dataDir, timeout = cfg.DataDir, provinceStartTimeout
	}
	srv, err := startIPMatch(ctx, bin, dataDir, logPath, cfg.ServerLogLevel, timeout)
	if err != nil {
		return nil, err
	}
	res, err := func() (*RunResult, error) {
		defer srv.stop()
		fmt.Fprintf(cfg.Log, "ipmatch pid %d at %s; discovering the demo records …\n", srv.pid, srv.url)
		tg, err := discover(ctx, srv.url, srv.tokens)
		if err != nil {
			return nil, err
		}
		return drive(ctx, cfg, "ipmatch", srv, newIPMatchWorkload(tg, mix))
	}()
	rep.IPMatch = res
	if err != nil {
		return rep, fmt.Errorf("ipmatch: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}

	if cfg.NoCeiling {
		return rep, nil
	}
	exe := cfg.CeilingExe
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return rep, err
		}
	}
	gin, err := startCeiling(ctx, exe, filepath.Join(tmp, "ceiling.log"))
	if err != nil {
		return rep, fmt.Errorf("ceiling: %w", err)
	}
	defer gin.stop()
	fmt.Fprintf(cfg.Log, "bare gin pid %d at %s\n", gin.pid, gin.url)
	res, err = drive(ctx, cfg, "bare gin", gin, ceilingWorkload{})
	rep.Ceiling = res
	if err != nil {
		return rep, fmt.Errorf("ceiling: %w", err)
	}
	return rep, ctx.Err()
}

// drive sends the workload to srv: the warm-up, then the measured run,
// sampling the server's memory throughout.
func drive(ctx context.Context, cfg Config, name string, srv *process, wl workload) (*RunResult, error) {
	res := &RunResult{Name: name, PID: srv.pid}
	res.Mem.Start = readMem(srv.pid)
	client := newClient(cfg.Conns)
	defer client.CloseIdleConnections()
	p := pace{conns: cfg.Conns, rate: cfg.Rate}
	if cfg.Warmup > 0 {
		fmt.Fprintf(cfg.Log, "%s: warming up for %v with %d connections …\n", name, cfg.Warmup, cfg.Conns)
		warm := runLoad(ctx, client, srv.url, wl, p, cfg.Warmup, cfg.Seed+1_000_003, cfg.ErrorSamples)
		res.WarmupErrors = warm.errors
		res.ErrorSamples = warm.samples
	}
	if err := srv.alive(); err != nil {
		return res, err
	}
	res.Mem.Warm = readMem(srv.pid)
	fmt.Fprintf(cfg.Log, "%s: measuring for %v with %d connections …\n", name, cfg.Duration, cfg.Conns)
	sampler := startSampler(srv.pid, 200*time.Millisecond)
	serverCPU, cpuOK := readCPU(srv.pid)
	selfCPU, _ := readCPU(0)
	run := runLoad(ctx, client, srv.url, wl, p, cfg.Duration, cfg.Seed, cfg.ErrorSamples-len(res.ErrorSamples))
	res.Mem.End = readMem(srv.pid)
	if cpuOK {
		server, _ := readCPU(srv.pid)
		self, _ := readCPU(0)
		res.ServerCPU, res.ClientCPU = server-serverCPU, self-selfCPU
		res.CPUKnown = true
	}
	sampler.stop(&res.Mem, cfg.Duration)
	res.Elapsed = run.elapsed
	res.Total, res.ByType = run.summarize(wl.types())
	res.ByRole = run.byRoleStats()
	res.ErrorSamples = append(res.ErrorSamples, run.samples...)
	res.Slowest = run.slowest
	if err := srv.alive(); err != nil {
		return res, err
	}
	if ctx.Err() == nil {
		fmt.Fprintf(cfg.Log, "%s: %d requests, %.0f req/s, %d errors\n", name, res.Total.Count, res.Total.RPS, res.Total.Errors)
	}
	return res, nil
}

// errExited is returned when a server process ends while it is measured.
var errExited = errors.New("server exited")
