package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// typeInfo is a request type of a workload and its weight in the mix.
type typeInfo struct {
	Name   string
	Weight int
}

// request is one request to send.
type request struct {
	typ    int // index into the workload's types
	method string
	path   string // with the query
	role   string // for reports; "" for none
	token  string // bearer token; "" sends none
	body   []byte // JSON, for POST
}

// what names r in reports: its method, base and path, and its role.
func (r request) what(base string) string {
	s := r.method + " " + base + r.path
	if r.role != "" {
		s += " (" + r.role + ")"
	}
	return s
}

// workload chooses the requests of a run. next is called by many
// goroutines at once, each with its own r.
type workload interface {
	types() []typeInfo
	next(r *rand.Rand) request
}

// newClient returns an HTTP client that keeps up to conns connections to
// one host.
func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout: time.Minute,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}

// slowestKept is how many of the slowest requests a run reports.
const slowestKept = 5

// loadResult is what runLoad measured.
type loadResult struct {
	elapsed time.Duration
	lat     [][]time.Duration // by type, every answered or failed request
	errs    []int             // by type
	// throttled counts, by type, the 429 answers of ipmatch's limit of one
	// expensive request per token at a time: the tool shares one token per
	// role among its connections, so these are the server's designed
	// refusals, neither errors nor latencies.
	throttled []int
	errors    int
	samples   []string // the first failures
	slowest   []slowRequest
	byRole    map[string][]time.Duration // by "type (role)"
}

// slowRequest is one of the slowest requests of a run.
type slowRequest struct {
	Took time.Duration
	What string // method, path and role
}

// keepSlowest adds s to list, sorted slowest first, keeping at most n.
func keepSlowest(list []slowRequest, s slowRequest, n int) []slowRequest {
	if len(list) == n && s.Took <= list[n-1].Took {
		return list
	}
	i, _ := slices.BinarySearchFunc(list, s, func(a, b slowRequest) int { return cmp.Compare(b.Took, a.Took) })
	list = slices.Insert(list, i, s)
	return list[:min(len(list), n)]
}

// pace is how requests are sent: by conns connections, each sending its
// next request once the last is answered (closed loop, rate 0), or at rate
// requests a second in all, arriving at random (a Poisson process) whether
// or not earlier ones were answered, up to conns at once (open loop).
type pace struct {
	conns int
	rate  float64
}

// maxClientWait is how long an arrival of an open-loop run waits for a
// free connection before it is counted as failed: the rate is then beyond
// what the server sustains, and waiting longer only defers the answer.
const maxClientWait = 30 * time.Second

// arrival is a request of an open-loop run and when it arrived.
type arrival struct {
	req request
	at  time.Time
}

// runLoad sends wl's requests to base at pace p until d has passed
// (requests in flight then, or arrived and waiting for a connection, are
// finished and counted) or ctx is done. A request's latency counts from
// its arrival: in an open-loop run, the time it waited for a free
// connection is part of it, as it is for a user.
func runLoad(ctx context.Context, client *http.Client, base string, wl workload, p pace, d time.Duration, seed uint64, maxSamples int) *loadResult {
	ntypes := len(wl.types())
	res := &loadResult{lat: make([][]time.Duration, ntypes), errs: make([]int, ntypes), throttled: make([]int, ntypes), byRole: map[string][]time.Duration{}}
	var mu sync.Mutex // guards res while the workers merge and sample
	sample := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		res.errors++
		if len(res.samples) < maxSamples {
			res.samples = append(res.samples, s)
		}
	}
	start := time.Now()
	deadline := start.Add(d)
	var arrivals chan arrival
	if p.rate > 0 {
		arrivals = make(chan arrival, 1<<16)
		go arrive(ctx, wl, p.rate, start, deadline, rand.New(rand.NewPCG(seed, math.MaxUint32)), arrivals)
	}
	var wg sync.WaitGroup
	for w := range p.conns {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(seed, uint64(w)))
			// next returns the worker's next request and its arrival.
			next := func() (arrival, bool) {
				if arrivals != nil {
					a, ok := <-arrivals
					return a, ok && ctx.Err() == nil
				}
				return arrival{wl.next(r), time.Now()}, ctx.Err() == nil && time.Now().Before(deadline)
			}
			lat := make([][]time.Duration, ntypes)
			errs := make([]int, ntypes)
			throttled := make([]int, ntypes)
			byRole := map[string][]time.Duration{}
			var slowest []slowRequest
			buf := make([]byte, 32<<10)
			for {
				a, ok := next()
				if !ok {
					break
				}
				req := a.req
				failure := ""
				if waited := time.Since(a.at); waited > maxClientWait {
					failure = fmt.Sprintf("not sent: waited %v for a free connection; the rate is beyond what the server sustains", waited.Round(time.Second))
				} else {
					failure = do(ctx, client, base, req, buf)
				}
				el := time.Since(a.at)
				if ctx.Err() != nil {
					break // interrupted: neither a latency nor an error
				}
				if failure == throttledAnswer {
					throttled[req.typ]++
					continue
				}
				lat[req.typ] = append(lat[req.typ], el)
				if req.role != "" {
					key := wl.types()[req.typ].Name + " (" + req.role + ")"
					byRole[key] = append(byRole[key], el)
				}
				if len(slowest) < slowestKept || el > slowest[len(slowest)-1].Took {
					slowest = keepSlowest(slowest, slowRequest{el, req.what("")}, slowestKept)
				}
				if failure != "" {
					errs[req.typ]++
					sample(req.what(base) + ": " + failure)
				}
			}
			mu.Lock()
			for i := range lat {
				res.lat[i] = append(res.lat[i], lat[i]...)
				res.errs[i] += errs[i]
				res.throttled[i] += throttled[i]
			}
			for k, l := range byRole {
				res.byRole[k] = append(res.byRole[k], l...)
			}
			for _, sr := range slowest {
				res.slowest = keepSlowest(res.slowest, sr, slowestKept)
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

// arrive sends wl's requests to out at rate a second on average, at
// exponentially distributed intervals from start, until deadline or ctx
// ends; then it closes out. An arrival is stamped with the time it was due,
// not the time it was sent, so that a late wake-up counts against the run.
func arrive(ctx context.Context, wl workload, rate float64, start, deadline time.Time, r *rand.Rand, out chan<- arrival) {
	defer close(out)
	at := start
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		at = at.Add(time.Duration(r.ExpFloat64() / rate * float64(time.Second)))
		if !at.Before(deadline) {
			return
		}
		timer.Reset(time.Until(at))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		select {
		case out <- arrival{wl.next(r), at}:
		case <-ctx.Done():
			return
		}
	}
}

// do sends req and reads the whole answer. It returns "" for a 2xx answer
// and what went wrong otherwise.
func do(ctx context.Context, client *http.Client, base string, req request, buf []byte) string {
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, base+req.path, body)
	if err != nil {
		return err.Error()
	}
	if req.token != "" {
		hr.Header.Set("Authorization", "Bearer "+req.token)
	}
	if req.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(hr)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		if _, err := io.CopyBuffer(io.Discard, resp.Body, buf); err != nil {
			return "reading the answer: " + err.Error()
		}
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") != "" && strings.Contains(string(b), "long-running") {
		return throttledAnswer
	}
	return fmt.Sprintf("status %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
}

// throttledAnswer is what do returns for a refusal by ipmatch's limit of
// expensive requests per token (see loadResult.throttled).
const throttledAnswer = "throttled"

// Stats are the figures of one request type, or of all.
type Stats struct {
	Name   string
	Weight int
	// Count is the number of requests answered or failed; OK of them got
	// a 2xx answer.
	Count, OK, Errors int
	// Throttled counts the refusals of expensive requests beyond one per
	// token at a time (429), not in Count.
	Throttled          int
	RPS                float64
	P50, P90, P99, Max time.Duration
}

// byRoleStats returns the figures of each request type by role, by name.
func (lr *loadResult) byRoleStats() []Stats {
	secs := lr.elapsed.Seconds()
	out := make([]Stats, 0, len(lr.byRole))
	for _, name := range slices.Sorted(maps.Keys(lr.byRole)) {
		out = append(out, stats(name, lr.byRole[name], 0, secs))
	}
	return out
}

// summarize returns the figures of all requests and of each type.
func (lr *loadResult) summarize(types []typeInfo) (Stats, []Stats) {
	secs := lr.elapsed.Seconds()
	var all []time.Duration
	total := Stats{Name: "all"}
	var by []Stats
	for i, t := range types {
		if t.Weight == 0 {
			continue
		}
		s := stats(t.Name, lr.lat[i], lr.errs[i], secs)
		s.Weight = t.Weight
		s.Throttled = lr.throttled[i]
		total.Throttled += lr.throttled[i]
		by = append(by, s)
		all = append(all, lr.lat[i]...)
		total.Weight += t.Weight
		total.Errors += lr.errs[i]
	}
	s := stats("all", all, total.Errors, secs)
	s.Weight = total.Weight
	s.Throttled = total.Throttled
	return s, by
}

// stats sorts lat (in place) and returns its figures.
func stats(name string, lat []time.Duration, errs int, secs float64) Stats {
	slices.Sort(lat)
	s := Stats{Name: name, Count: len(lat), Errors: errs, OK: len(lat) - errs}
	if secs > 0 {
		s.RPS = float64(len(lat)) / secs
	}
	if len(lat) > 0 {
		s.P50, s.P90, s.P99 = percentile(lat, 0.50), percentile(lat, 0.90), percentile(lat, 0.99)
		s.Max = lat[len(lat)-1]
	}
	return s
}

// percentile returns the nearest-rank p-quantile of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
