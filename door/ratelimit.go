package door

import (
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

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

// maxLimiterKeys bounds the failure table; when full, keys whose bucket has
// refilled are dropped first, and if none has, the table is cleared (an
// attacker with that many addresses is not slowed by a per-address limit
// anyway, and the table must not grow without bound).
const maxLimiterKeys = 100_000

// FailureLimiter counts failed authentications per key (a client address,
// a username, or both) in token buckets: every failure takes a token, and
// further failures of a key with no token left are refused (auth.go,
// web/password.go). Successes take nothing.
type FailureLimiter struct {
	every time.Duration
	burst int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// NewFailureLimiter returns a limiter allowing burst failures per key at
// once, then one per every.
func NewFailureLimiter(burst int, every time.Duration) *FailureLimiter {
	return &FailureLimiter{every: every, burst: burst, now: time.Now, buckets: map[string]*rate.Limiter{}}
}

// wait reports how long the first of keys that is out of tokens must wait
// for one, or 0 when none is.
func (l *FailureLimiter) Wait(keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var longest time.Duration
	for _, k := range keys {
		b, ok := l.buckets[k]
		if !ok {
			continue
		}
		if tokens := b.TokensAt(now); tokens < 1 {
			// Rounded to the millisecond: float error must not turn 2s
			// into a Retry-After of 3.
			d := max(time.Duration((1-tokens)*float64(l.every)).Round(time.Millisecond), time.Millisecond)
			longest = max(longest, d)
		}
	}
	return longest
}

// fail takes a token from each of keys.
func (l *FailureLimiter) Fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, k := range keys {
		b, ok := l.buckets[k]
		if !ok {
			if len(l.buckets) >= maxLimiterKeys {
				l.sweep(now)
			}
			b = rate.NewLimiter(rate.Every(l.every), l.burst)
			l.buckets[k] = b
		}
		b.AllowN(now, 1)
	}
}

// sweep drops the keys whose bucket is full again; l.mu is held.
func (l *FailureLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxLimiterKeys {
		clear(l.buckets)
	}
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
