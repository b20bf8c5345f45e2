package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// startTimeout bounds a server's start on a fresh directory: the demo
// import and index build. provinceStartTimeout bounds it on a given one
// (Config.DataDir), which may hold a province whose first index build
// takes about 10 minutes on 2 cores.
const (
	startTimeout         = 2 * time.Minute
	provinceStartTimeout = 20 * time.Minute
)

// buildIPMatch builds ./cmd/ipmatch of the module holding the working
// directory into dir and returns the binary's path.
func buildIPMatch(ctx context.Context, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the ipmatch module: run from its directory or pass --bin")
	}
	bin := filepath.Join(dir, "ipmatch")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/ipmatch")
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/ipmatch: %w\n%s", err, out)
	}
	return bin, nil
}

// process is a server started by the load test.
type process struct {
	cmd    *exec.Cmd
	pid    int
	url    string
	tokens map[string]string // demo tokens by role (ipmatch only)
	log    *os.File
	done   chan struct{} // closed when the process has exited
	err    error         // its Wait error, set before done closes
}

// startIPMatch starts "bin serve --demo" on a free loopback port on
// dataDir, and returns once it answers /healthz and has
// printed its tokens.
func startIPMatch(ctx context.Context, bin, dataDir, logPath, level string, timeout time.Duration) (*process, error) {
	var env []string
	for _, kv := range os.Environ() {
		// IPMATCH_* would change the store (IPMATCH_MONGO_URI), the
		// index or the address of the server under test; the
		// profiler's address (IPMATCH_DEBUG_ADDR) only lets one watch it.
		if !strings.HasPrefix(kv, "IPMATCH_") || strings.HasPrefix(kv, "IPMATCH_DEBUG_ADDR=") {
			env = append(env, kv)
		}
	}
	if level != "" {
		env = append(env, "IPMATCH_LOG_LEVEL="+level)
	}
	cmd := exec.Command(bin, "serve", "--demo", "--addr", "127.0.0.1:0", "--data", dataDir)
	cmd.Env = env
	return start(ctx, cmd, logPath, "/healthz", true, timeout)
}

// startCeiling starts the bare gin server: exe re-executed with
// ceilingEnv set.
func startCeiling(ctx context.Context, exe, logPath string) (*process, error) {
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), ceilingEnv+"=1")
	return start(ctx, cmd, logPath, ceilingPath, false, startTimeout)
}

// start starts cmd, its stderr going to logPath, and reads from its stdout
// the line "… listening on URL" and, when wantTokens is set, the demo
// token lines ("  ROLE ipm_…") up to the "try:" line. It returns once the
// server answers health with 200.
func start(ctx context.Context, cmd *exec.Cmd, logPath, health string, wantTokens bool, timeout time.Duration) (*process, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stderr = logf
	// An os.Pipe rather than cmd.StdoutPipe: the output is read to its end
	// while Wait runs, which StdoutPipe does not allow.
	stdout, w, err := os.Pipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	cmd.Stdout = w
	err = cmd.Start()
	w.Close()
	if err != nil {
		stdout.Close()
		logf.Close()
		return nil, err
	}
	p := &process{cmd: cmd, pid: cmd.Process.Pid, log: logf, tokens: map[string]string{}, done: make(chan struct{})}
	type ready struct {
		url    string
		tokens map[string]string
		err    error
	}
	readyc := make(chan ready, 1)
	go func() {
		defer stdout.Close()
		sc := bufio.NewScanner(stdout)
		r := ready{tokens: map[string]string{}}
		sent := false
		for sc.Scan() {
			if sent {
				continue // drain
			}
			line := sc.Text()
			f := strings.Fields(line)
			switch {
			case r.url == "" && strings.Contains(line, "listening on "):
				r.url = strings.TrimSpace(line[strings.Index(line, "listening on ")+len("listening on "):])
			case len(f) == 2 && strings.HasPrefix(f[1], "ipm_"):
				r.tokens[f[0]] = f[1]
			}
			if r.url != "" && (!wantTokens || strings.HasPrefix(line, "try:")) {
				readyc <- r
				sent = true
			}
		}
		if !sent {
			readyc <- ready{err: fmt.Errorf("server's output ended before it was ready")}
		}
	}()
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	fail := func(err error) (*process, error) {
		p.stop()
		return nil, fmt.Errorf("%s: %w%s", filepath.Base(cmd.Path), err, logTail(logPath))
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var r ready
	select {
	case r = <-readyc:
	case <-p.done:
		return fail(fmt.Errorf("exited while starting: %v", p.err))
	case <-timer.C:
		return fail(fmt.Errorf("not ready after %v", timeout))
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	if r.err != nil {
		return fail(r.err)
	}
	if wantTokens {
		for _, role := range roles {
			if r.tokens[role] == "" {
				return fail(fmt.Errorf("no demo token for %s printed", role))
			}
		}
	}
	p.url, p.tokens = r.url, r.tokens
	for {
		resp, err := http.Get(p.url + health)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		select {
		case <-p.done:
			return fail(fmt.Errorf("exited while starting: %v", p.err))
		case <-timer.C:
			return fail(fmt.Errorf("%s not answering 200 after %v (last: %v)", health, timeout, err))
		case <-ctx.Done():
			return fail(ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// alive returns an error if the process has exited.
func (p *process) alive() error {
	select {
	case <-p.done:
		return fmt.Errorf("%w: %v%s", errExited, p.err, logTail(p.log.Name()))
	default:
		return nil
	}
}

// stop asks the process to shut down (SIGTERM), killing it after 15 s.
func (p *process) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// logTail returns the last lines of the log at path, for error messages.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 10 {
		lines = lines[len(lines)-10:]
	}
	return "\nserver log (last lines):\n  " + strings.Join(lines, "\n  ")
}

// memSample is a process's memory in KiB; zero means unknown (not Linux).
// Anon and File split RSS: the heap and other private memory, and the
// pages of mapped files (the search index's segments), which the kernel
// may drop and read again.
type memSample struct {
	RSS, Anon, File, HWM int64
}

// readMem reads VmRSS, RssAnon, RssFile and VmHWM from /proc/PID/status.
func readMem(pid int) memSample {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return memSample{}
	}
	var m memSample
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		name, val, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		f := strings.Fields(string(val))
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64) // in kB
		switch string(name) {
		case "VmRSS":
			m.RSS = n
		case "VmHWM":
			m.HWM = n
		case "RssAnon":
			m.Anon = n
		case "RssFile":
			m.File = n
		}
	}
	return m
}

// clockTicks is USER_HZ, the unit of the CPU times of /proc/PID/stat: 100
// on every Linux architecture Go runs on.
const clockTicks = 100

// readCPU returns the user and system CPU time a process has used so far,
// from /proc/PID/stat (pid 0 is this process); false when unknown.
func readCPU(pid int) (time.Duration, bool) {
	path := "/proc/self/stat"
	if pid != 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/stat"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	// The command name, in parentheses, may hold spaces: fields start after
	// the last ')', with the state as field 3 of proc(5); utime and stime
	// are fields 14 and 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, true
}

// memReport is a server's memory through a run.
type memReport struct {
	Start, Warm, Mid, End memSample
	// Half1, Half2 are the mean RSS (KiB) of the samples taken in the first
	// and second halves of the measured run.
	Half1, Half2 int64
	Samples      int
}

// Growth returns the growth of the mean RSS from the first half of the
// run to the second, in KiB and as a fraction of the first.
func (m memReport) Growth() (int64, float64) {
	if m.Half1 == 0 {
		return 0, 0
	}
	d := m.Half2 - m.Half1
	return d, float64(d) / float64(m.Half1)
}

// sampler reads a process's memory periodically.
type sampler struct {
	pid     int
	start   time.Time
	quit    chan struct{}
	wg      sync.WaitGroup
	samples []timedSample
}

type timedSample struct {
	at time.Duration
	m  memSample
}

func startSampler(pid int, every time.Duration) *sampler {
	s := &sampler{pid: pid, start: time.Now(), quit: make(chan struct{})}
	s.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.samples = append(s.samples, timedSample{time.Since(s.start), readMem(pid)})
			select {
			case <-s.quit:
				return
			case <-t.C:
			}
		}
	})
	return s
}

// stop ends the sampling and fills in the mid-run sample and the halves
// of m, for a run of duration d.
func (s *sampler) stop(m *memReport, d time.Duration) {
	close(s.quit)
	s.wg.Wait()
	var sum [2]int64
	var n [2]int64
	for _, ts := range s.samples {
		if ts.m.RSS == 0 || ts.at > d {
			continue
		}
		h := 0
		if ts.at >= d/2 {
			h = 1
			if m.Mid == (memSample{}) {
				m.Mid = ts.m
			}
		}
		sum[h] += ts.m.RSS
		n[h]++
	}
	m.Samples = int(n[0] + n[1])
	if n[0] > 0 && n[1] > 0 {
		m.Half1, m.Half2 = sum[0]/n[0], sum[1]/n[1]
	}
}
