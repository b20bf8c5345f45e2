package door

import (
	"net/http"
	"sync"
	"time"
)

// Defaults of LogSampling, with their reasons.
const (
	// DefaultLogSampleFirst: a route's first 20 quick successful reads in
	// each second are logged. At an event a few hundred browsers make
	// a few requests a second in all, and the load test's 30 requests a
	// second spread over many routes, so ordinary use is logged whole;
	// only a flood of one route is sampled.
	DefaultLogSampleFirst = 20
	// DefaultLogSampleEvery: past those, 1 in 100. A line is about 250
	// bytes: at 1,000 requests a second on one route, the log grows by
	// 30 lines a second (650 MB a day) instead of 1,000 (21 GB a day),
	// and still shows the route's traffic with its counts (dropped).
	DefaultLogSampleEvery = 100
	// DefaultLogSlow: a request that took 1 s or more is always logged.
	// Ordinary answers take milliseconds (a search 21 ms at 100,000
	// patents); a second is queueing or heavy work worth seeing, and the
	// expensive requests (pipelines, reports) are one per caller at a
	// time, so logging them all costs little.
	DefaultLogSlow = time.Second
)

// LogSampling says which requests the access log writes at info level.
// A request that failed (status 400 or more), took Slow or more, or wrote
// (any method but GET, HEAD and OPTIONS) is always logged. Quick
// successful reads are logged per route (method and route pattern): the
// first First in each second of the clock, then one in Every; the others
// are logged at debug level, so IPMATCH_LOG_LEVEL=debug shows them all.
// A sampled line carries dropped, the requests of its route not logged
// at info since the route's last line. Zero fields take the defaults;
// Every 1 logs every request.
type LogSampling struct {
	First int
	Every int
	Slow  time.Duration
	// Now is the clock (default time.Now); tests set it.
	Now func() time.Time
}

func (l LogSampling) withDefaults() LogSampling {
	if l.First <= 0 {
		l.First = DefaultLogSampleFirst
	}
	if l.Every <= 0 {
		l.Every = DefaultLogSampleEvery
	}
	if l.Slow <= 0 {
		l.Slow = DefaultLogSlow
	}
	if l.Now == nil {
		l.Now = time.Now
	}
	return l
}

// maxSampledRoutes bounds the routes a sampler counts: routes are
// patterns, so there are a few hundred; unmatched paths share one count.
const maxSampledRoutes = 1000

// logSampler decides which requests to log (LogSampling). It is safe for
// concurrent use.
type logSampler struct {
	cfg    LogSampling
	mu     sync.Mutex
	routes map[string]*routeCount
}

// routeCount is one route's count in the current second.
type routeCount struct {
	second  int64 // Unix second of the count
	n       int   // quick successful reads in that second
	dropped int   // not logged since the route's last line
}

func newLogSampler(cfg LogSampling) *logSampler {
	return &logSampler{cfg: cfg.withDefaults(), routes: map[string]*routeCount{}}
}

// keep reports whether a request to route (method and pattern; "" for no
// route) answered with status after took is logged at info level, and if
// so how many requests of its route were not since its last line.
func (s *logSampler) keep(method, route string, status int, took time.Duration) (log bool, dropped int) {
	if status >= 400 || took >= s.cfg.Slow || !isRead(method) {
		return true, 0
	}
	if s.cfg.Every == 1 {
		return true, 0
	}
	key := method + " " + route
	now := s.cfg.Now().Unix()
	s.mu.Lock()
	defer s.mu.Unlock()
	rc := s.routes[key]
	if rc == nil {
		if len(s.routes) >= maxSampledRoutes {
			key = "other"
			rc = s.routes[key]
		}
		if rc == nil {
			rc = &routeCount{second: now}
			s.routes[key] = rc
		}
	}
	if rc.second != now {
		rc.second, rc.n = now, 0
	}
	rc.n++
	if rc.n <= s.cfg.First || (rc.n-s.cfg.First)%s.cfg.Every == 0 {
		dropped, rc.dropped = rc.dropped, 0
		return true, dropped
	}
	rc.dropped++
	return false, 0
}

// isRead reports whether method only reads.
func isRead(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}
