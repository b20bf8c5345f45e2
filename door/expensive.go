package door

import (
	"context"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/slots"
)

// Expensive requests. A pipeline over 10,000 enterprises reads every
// enterprise and patent (≈ 5 s); so do matches, schedules, reports, pool
// risk, the exports and the valuations. Left alone, a few of them at once
// hold every read connection of the store, and every other request, token
// checks included, queues behind them. So:
//
//   - a caller (one token, or one signed-in user) runs one expensive
//     request at a time: a second one at once gets 429 with Retry-After;
//   - all callers together run at most half as many expensive requests as
//     the store has read connections (ExpensiveSlots): the other half stay
//     free for cheap requests and token checks, which therefore never wait
//     behind expensive work. Each expensive request reads with one
//     connection at a time (their reads are sequential), so this bound
//     holds. A request finding every slot taken waits up to
//     ExpensiveQueueWait for one, then gets 429 with Retry-After.
//
// Token checks are not cached: revoking a token must end its use at once,
// on every node, and the free connections already keep them off the queue.
// Imports are limited on their own (imports.go).

// DefaultStoreReadConns is Config.StoreReadConns when unset: the embedded
// store's smallest read pool (data/sqlite opens max(4, GOMAXPROCS)).
const DefaultStoreReadConns = 4

// ExpensiveQueueWait is how long an expensive request waits for a slot
// held by other callers: about two pipelines over 10,000 enterprises, so a
// short burst is served in turn rather than refused.
const ExpensiveQueueWait = 10 * time.Second

// expensiveRetryAfter is the Retry-After of a refused expensive request:
// about one pipeline over 10,000 enterprises.
const expensiveRetryAfter = 5 * time.Second

// ExpensiveSlots is how many expensive requests run at once over a store
// with readConns read connections: half, at least one.
func ExpensiveSlots(readConns int) int { return max(1, readConns/2) }

// ExpensiveRoutes are the expensive operations, as gin's method and route
// pattern, in the JSON API and in the pages that run the same operations.
var ExpensiveRoutes = map[string]bool{
	// API (match.go, event.go)
	"GET /api/v1/enterprises/:id/matches":         true,
	"GET /api/v1/enterprises/:id/valuation":       true,
	"GET /api/v1/products/:id/pipeline":           true,
	"POST /api/v1/valuations/income":              true,
	"POST /api/v1/events/:id/schedule":            true,
	"GET /api/v1/events/:id/schedule.csv":         true,
	"GET /api/v1/events/:id/schedule.xlsx":        true,
	"GET /api/v1/events/:id/schedule.html":        true,
	"GET /api/v1/events/:id/report":               true,
	"GET /api/v1/events/:id/wishes":               true, // one enterprise × the event's banks' products
	"GET /api/v1/pools/:id/risk":                  true,
	"GET /app/enterprise":                         true, // the enterprise's matches
	"GET /app/enterprise/valuation":               true,
	"GET /app/enterprise/events":                  true, // its wishes, as GET .../wishes
	"GET /app/bank/products/:id/pipeline":         true,
	"GET /app/bank/enterprises/:id":               true, // one enterprise × the bank's products, as /app/enterprise
	"GET /app/enterprise/products":                true, // the enterprise's eligibility for the hits of the page
	"GET /app/bank/products/:id/pipeline.csv":     true,
	"GET /app/bank/products/:id/pipeline.xlsx":    true,
	"GET /app/organizer/events/:id":               true, // the event's report
	"POST /app/organizer/events/:id/schedule":     true,
	"GET /app/organizer/events/:id/schedule.html": true,
	"GET /app/organizer/events/:id/matrix":        true, // every enterprise × product
	"GET /app/organizer/pools/:id":                true,
	"GET /app/organizer/calibration":              true, // the model over every appraisal
}

// expensiveLimiter holds the slots of expensive requests.
type expensiveLimiter struct {
	line *slots.Line // all callers' requests at once, and how long one waits

	mu      sync.Mutex
	running map[string]bool // callers with an expensive request under way
}

func NewExpensiveLimiter(n int, queueWait time.Duration) *expensiveLimiter {
	return &expensiveLimiter{line: slots.New(n, queueWait), running: map[string]bool{}}
}

// expensiveRefusal is why acquire refused, if it did.
type expensiveRefusal int

const (
	expensiveOK expensiveRefusal = iota
	expensiveCallerBusy
	expensiveAllBusy
)

// acquire takes caller's one slot and a shared one, waiting up to
// queueWait for the shared one; release gives both back.
func (l *expensiveLimiter) acquire(ctx context.Context, caller string) (release func(), refusal expensiveRefusal) {
	l.mu.Lock()
	if l.running[caller] {
		l.mu.Unlock()
		return nil, expensiveCallerBusy
	}
	l.running[caller] = true
	l.mu.Unlock()
	done := func() {
		l.mu.Lock()
		delete(l.running, caller)
		l.mu.Unlock()
	}
	leave, err := l.line.Enter(ctx)
	if err != nil {
		done()
		return nil, expensiveAllBusy
	}
	return func() { leave(); done() }, expensiveOK
}

// callerKey names the caller whose expensive requests are counted
// together: a token (by API or page) or a signed-in user.
func callerKey(p *app.Caller) string {
	if p.User {
		return "user:" + p.Token.ID
	}
	return "token:" + p.Token.ID
}

// limitExpensive runs after authentication on /api/v1 and /app: an
// expensive route (ExpensiveRoutes) waits for its slots or is refused.
func (s *Server) LimitExpensive(c *gin.Context) {
	if !ExpensiveRoutes[c.Request.Method+" "+c.FullPath()] {
		c.Next()
		return
	}
	s.holdExpensive(c)
}

// holdExpensive runs the rest of the request in an expensive slot, or
// answers 429 with Retry-After.
func (s *Server) holdExpensive(c *gin.Context) {
	release, refusal := s.expensive.acquire(c.Request.Context(), callerKey(Caller(c)))
	if refusal == expensiveOK {
		defer release()
		c.Next()
		return
	}
	secs := data.RetrySeconds(expensiveRetryAfter)
	var err error
	if refusal == expensiveCallerBusy {
		RefusedBy(c, "expensive_caller")
	} else {
		RefusedBy(c, "expensive_busy")
	}
	if refusal == expensiveCallerBusy {
		err = data.Busy(expensiveRetryAfter, "another long-running request of yours (matching, pipeline, schedule, report, export or valuation) is still under way; wait for it, then try again in %d seconds", secs)
	} else {
		err = data.Busy(expensiveRetryAfter, "the server is busy with long-running requests; try again in %d seconds", secs)
	}
	if s.isPage(c.Request.URL.Path) {
		if refusal == expensiveCallerBusy {
			err = data.Busy(expensiveRetryAfter, "您的另一个耗时操作（匹配、清单、排期、报告、导出或估值）仍在进行，请等其完成后 %d 秒再试", secs)
		} else {
			err = data.Busy(expensiveRetryAfter, "服务器正忙于其他耗时操作，请 %d 秒后再试", secs)
		}
	}
	s.WriteError(c, err)
	c.Abort()
}
