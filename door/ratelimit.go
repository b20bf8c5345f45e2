package door

import (
	"context"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
)

// CodeRateLimited is the envelope code of a 429: too many unknown tokens
// from one client, failed passwords (passwordLimits), expensive requests
// at once (expensive.go), or searches beyond the search gate's line
// (search/gate.go, which is why the code lives in data).
const CodeRateLimited = data.CodeRateLimited

// Defaults of Config.AuthFailureBurst and AuthFailureEvery: ten failures
// at once, then one more every six seconds (ten a minute). A person who
// mistypes a password is never stopped; a script guessing tokens or
// passwords gets ten a minute, which for 256-bit tokens and bcrypt'd
// passwords is nothing.
const (
	DefaultAuthFailureBurst = 10
	DefaultAuthFailureEvery = 6 * time.Second
)

// Defaults of Config.ApplyBurst and ApplyEvery: twenty submissions of the
// public application form at once from one client address, then one more
// every five minutes (twelve an hour). An incubator or a park's service
// office filing for its tenants in one sitting, or a shared office behind
// one address, files a score without waiting, and an applicant correcting
// a refused form is not counted (web/apply_limit.go); a script gets twelve
// an hour, each costing a bcrypt hash (about 0.25 s of CPU) and a record in
// the organizer's queue.
const (
	DefaultApplyBurst = 20
	DefaultApplyEvery = 5 * time.Minute
)

// FailureLimiter counts failed authentications per key (a client address,
// a username, or both) in the store, so that every node on one store
// shares the counts: N nodes together allow the guesses one node allows.
// Each key has a token bucket of burst failures refilled one per every:
// further failures of a key with no token left are refused (auth.go,
// web/password.go). Successes take nothing.
//
// The bucket is kept as data.SignInFailure records, one per failure, on
// a grid of every-long slots (see there): a failure takes the first free
// slot from now on, and a key whose next burst slots are all taken waits
// for the next slot to begin. The refill thus comes on the grid's beat,
// which may let one failure in up to one every sooner than a bucket
// counting from the failure itself would; burst and rate are the same.
// Taking a slot is the creation of a record, which only one node can win,
// so no count is lost to a race between nodes.
//
// Wait reads the store (one List of at most burst IDs per key) and Fail
// writes it; both run only on sign-in attempts and unknown tokens, never
// for a request with a valid token. Wait and Fail are separate steps, as
// they were in memory: requests that pass Wait at the same moment may
// all fail, each then counted; the count refuses what comes next.
type FailureLimiter struct {
	table data.Table[data.SignInFailure]
	name  string
	every time.Duration
	burst int
	now   func() time.Time
}

// NewFailureLimiter returns a limiter counting in table, allowing burst
// failures per key at once, then one per every. name tells limiters on
// one table apart (their keys are counted separately).
func NewFailureLimiter(table data.Table[data.SignInFailure], name string, burst int, every time.Duration) *FailureLimiter {
	if burst < 1 || every <= 0 {
		panic("door: a failure limiter needs a burst ≥ 1 and a positive interval")
	}
	return &FailureLimiter{table: table, name: name, every: every, burst: burst, now: time.Now}
}

// slotAt is the grid slot of time t.
func (l *FailureLimiter) slotAt(t time.Time) int64 { return t.UnixNano() / int64(l.every) }

// slotStart is when slot begins.
func (l *FailureLimiter) slotStart(slot int64) time.Time { return time.Unix(0, slot*int64(l.every)) }

// firstFree returns the bucket of key and its first free slot from slot
// on, or slot+burst when the next burst slots are all taken.
func (l *FailureLimiter) firstFree(ctx context.Context, key string, slot int64) (string, int64, error) {
	bucket := data.FailureBucket(l.name, l.burst, l.every, key)
	ids := make([]string, l.burst)
	for i := range ids {
		ids[i] = data.FailureSlotID(bucket, slot+int64(i))
	}
	taken, _, err := l.table.List(ctx, data.ListOptions{IDs: ids})
	if err != nil {
		return "", 0, err
	}
	used := make(map[int64]bool, len(taken))
	for _, f := range taken {
		used[f.Slot] = true
	}
	free := slot
	for used[free] && free < slot+int64(l.burst) {
		free++
	}
	return bucket, free, nil
}

// Wait reports how long the first of keys that is out of tokens must wait
// for one, or 0 when none is.
func (l *FailureLimiter) Wait(ctx context.Context, keys ...string) (time.Duration, error) {
	now := l.now()
	slot := l.slotAt(now)
	var longest time.Duration
	for _, k := range keys {
		_, free, err := l.firstFree(ctx, k, slot)
		if err != nil {
			return 0, err
		}
		if free-slot >= int64(l.burst) {
			longest = max(longest, l.waitFor(now, free))
		}
	}
	return longest, nil
}

// waitFor is how long from now until slot free is usable: once it is
// within burst slots of now, when slot free-burst+1 begins. Whole
// milliseconds, at least one: the Retry-After is rounded up from it.
func (l *FailureLimiter) waitFor(now time.Time, free int64) time.Duration {
	d := l.slotStart(free - int64(l.burst) + 1).Sub(now)
	return max(d.Round(time.Millisecond), time.Millisecond)
}

// Take takes a token of key before the work it pays for, and returns 0;
// or, when key has none left, takes none and returns how long until one
// is free. Unlike Wait then Fail, it lets no more requests through than
// there are tokens, however many come at once to however many nodes:
// each that passes has created a slot's record, which only one can do.
// It limits work whatever its outcome (the public application form,
// web/apply_limit.go), where Wait and Fail limit failures.
func (l *FailureLimiter) Take(ctx context.Context, key string) (time.Duration, error) {
	now := l.now()
	slot := l.slotAt(now)
	bucket, free, err := l.firstFree(ctx, key, slot)
	if err != nil {
		return 0, err
	}
	for ; free < slot+int64(l.burst); free++ {
		f := data.SignInFailure{ID: data.FailureSlotID(bucket, free), Bucket: bucket, Slot: free, Expires: l.slotStart(free + 1)}
		switch err := l.table.Create(ctx, &f); data.ErrorCode(err) {
		case "":
			return 0, nil
		case data.CodeConflict: // another request took it: try the next
		default:
			return 0, err
		}
	}
	return l.waitFor(now, free), nil
}

// Fail takes a token from each of keys: it creates the record of the
// first free slot, moving on to the next when another node created it
// first. A key with no token left takes none (as a bucket cannot go
// below empty).
func (l *FailureLimiter) Fail(ctx context.Context, keys ...string) error {
	now := l.now()
	slot := l.slotAt(now)
	for _, k := range keys {
		bucket, free, err := l.firstFree(ctx, k, slot)
		if err != nil {
			return err
		}
		for ; free < slot+int64(l.burst); free++ {
			f := data.SignInFailure{ID: data.FailureSlotID(bucket, free), Bucket: bucket, Slot: free, Expires: l.slotStart(free + 1)}
			err := l.table.Create(ctx, &f)
			if err == nil {
				break
			}
			if data.ErrorCode(err) != data.CodeConflict {
				return err
			}
		}
	}
	return nil
}

// SweepFailures removes the failure records of table whose slot has
// passed at now (they count for nothing any more) and returns how many
// it removed. The limiters of a server share one table; every node
// sweeps it (Server.sweep), and a record two nodes both remove is
// simply gone.
func SweepFailures(ctx context.Context, table data.Table[data.SignInFailure], now time.Time) (int, error) {
	return data.Sweep(ctx, table, data.SignInFailureKind, func(f *data.SignInFailure) bool { return !f.Expires.After(now) })
}

// RateLimited is the error of a refused attempt; retry says when to try
// again (WriteError sends it as Retry-After).
func RateLimited(retry time.Duration) error {
	return data.Busy(retry, "too many failed sign-in attempts; try again in %d seconds", data.RetrySeconds(retry))
}

// SetRetryAfter sets the Retry-After header of a 429, for the answers
// that do not go through WriteError (the sign-in form).
func SetRetryAfter(c *gin.Context, retry time.Duration) {
	c.Header("Retry-After", strconv.Itoa(data.RetrySeconds(retry)))
}

// ClientKey is the failure key of the request's client address. The address
// is the peer's unless it is one of Config.TrustedProxies (see New).
func ClientKey(c *gin.Context) string { return "ip:" + c.ClientIP() }

// UserKey is the failure key of a username, so that guesses at one account
// spread over many addresses are limited too.
func UserKey(username string) string { return "user:" + username }

// Limits returns the burst and the refill interval of l.
func (l *FailureLimiter) Limits() (burst int, every time.Duration) { return l.burst, l.every }
