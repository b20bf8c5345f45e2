package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
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
	role   string // for error reports
	token  string // bearer token; "" sends none
	body   []byte // JSON, for POST
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

// runLoad sends wl's requests to base from conns goroutines, each waiting
// for its answer before sending the next, until d has passed (requests in
// flight then are finished and counted) or ctx is done.
func runLoad(ctx context.Context, client *http.Client, base string, wl workload, conns int, d time.Duration, seed uint64, maxSamples int) *loadResult {
	ntypes := len(wl.types())
	res := &loadResult{lat: make([][]time.Duration, ntypes), errs: make([]int, ntypes), throttled: make([]int, ntypes)}
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
	var wg sync.WaitGroup
	for w := range conns {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(seed, uint64(w)))
			lat := make([][]time.Duration, ntypes)
			errs := make([]int, ntypes)
			throttled := make([]int, ntypes)
			var slowest []slowRequest
			buf := make([]byte, 32<<10)
			for ctx.Err() == nil && time.Now().Before(deadline) {
				req := wl.next(r)
				t0 := time.Now()
				failure := do(ctx, client, base, req, buf)
				el := time.Since(t0)
				if ctx.Err() != nil {
					break // interrupted: neither a latency nor an error
				}
				if failure == throttledAnswer {
					throttled[req.typ]++
					continue
				}
				lat[req.typ] = append(lat[req.typ], el)
				if len(slowest) < slowestKept || el > slowest[len(slowest)-1].Took {
					slowest = keepSlowest(slowest, slowRequest{el, req.method + " " + req.path + " (" + req.role + ")"}, slowestKept)
				}
				if failure != "" {
					errs[req.typ]++
					sample(fmt.Sprintf("%s %s%s (%s): %s", req.method, base, req.path, req.role, failure))
				}
			}
			mu.Lock()
			for i := range lat {
				res.lat[i] = append(res.lat[i], lat[i]...)
				res.errs[i] += errs[i]
				res.throttled[i] += throttled[i]
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
