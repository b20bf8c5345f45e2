package door

import (
	"sync"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/memstore"
)

// testLimiter is a limiter on store at the fixed time *now.
func testLimiter(store data.Store, now *time.Time, burst int, every time.Duration) *FailureLimiter {
	l := NewFailureLimiter(store.SignInFailures(), "test", burst, every)
	l.now = func() time.Time { return *now }
	return l
}

// wantWait checks the wait of keys.
func wantWait(t *testing.T, l *FailureLimiter, want time.Duration, what string, keys ...string) {
	t.Helper()
	d, err := l.Wait(t.Context(), keys...)
	if err != nil || d != want {
		t.Fatalf("%s: wait = %v, %v; want %v", what, d, err, want)
	}
}

func TestFailureLimiterRefills(t *testing.T) {
	ctx := t.Context()
	store := memstore.New()
	now := time.Date(2021, 4, 23, 9, 0, 0, 0, time.UTC)
	l := testLimiter(store, &now, 2, 6*time.Second)
	for range 3 { // the third takes nothing: the bucket is empty
		if err := l.Fail(ctx, "ip:a"); err != nil {
			t.Fatal(err)
		}
	}
	wantWait(t, l, 6*time.Second, "after 3 failures", "ip:a")
	wantWait(t, l, 0, "an unknown key", "ip:b")
	now = now.Add(4 * time.Second)
	wantWait(t, l, 2*time.Second, "4s later", "ip:a", "ip:b")
	now = now.Add(2 * time.Second)
	wantWait(t, l, 0, "once refilled", "ip:a")
	if err := l.Fail(ctx, "ip:a"); err != nil {
		t.Fatal(err)
	}
	wantWait(t, l, 6*time.Second, "after one more", "ip:a")

	// The records of passed slots are swept (the first); the live ones
	// stay and still count.
	if n, err := store.SignInFailures().Count(ctx); err != nil || n != 3 {
		t.Fatalf("%d failure records, %v; want 3", n, err)
	}
	if n, err := SweepFailures(ctx, store.SignInFailures(), now); err != nil || n != 1 {
		t.Fatalf("sweep removed %d, %v; want 1", n, err)
	}
	wantWait(t, l, 6*time.Second, "after the sweep", "ip:a")
	now = now.Add(time.Hour)
	if n, err := SweepFailures(ctx, store.SignInFailures(), now); err != nil || n != 2 {
		t.Fatalf("a later sweep removed %d, %v; want 2", n, err)
	}
}

// TestFailureLimiterSharedByNodes: two limiters on one store (two nodes)
// allow together what one allows, also when they fail at once; limiters
// of another name or other limits count apart.
func TestFailureLimiterSharedByNodes(t *testing.T) {
	ctx := t.Context()
	store := memstore.New()
	now := time.Date(2021, 4, 23, 9, 0, 0, 0, time.UTC)
	a, b := testLimiter(store, &now, 4, time.Minute), testLimiter(store, &now, 4, time.Minute)
	other := NewFailureLimiter(store.SignInFailures(), "other", 4, time.Minute)
	other.now = a.now
	if err := a.Fail(ctx, "user:alice"); err != nil {
		t.Fatal(err)
	}
	if err := b.Fail(ctx, "user:alice"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, l := range []*FailureLimiter{a, b} {
		wg.Go(func() {
			if err := l.Fail(ctx, "user:alice"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	wantWait(t, a, time.Minute, "node a after four failures on two nodes", "user:alice")
	wantWait(t, b, time.Minute, "node b after four failures on two nodes", "user:alice")
	wantWait(t, other, 0, "another limiter", "user:alice")
}

func TestCheckTrustedProxies(t *testing.T) {
	if err := CheckTrustedProxies([]string{"10.0.0.0/8", "192.0.2.1"}); err != nil {
		t.Errorf("good proxies refused: %v", err)
	}
	if err := CheckTrustedProxies([]string{"10.0.0.0/8", "not-an-ip"}); data.ErrorCode(err) != data.CodeInvalid {
		t.Errorf("a malformed proxy = %v, want invalid", err)
	}
}

// TestFailureLimiterTakeAtOnce: of many requests taking tokens at once on
// two nodes, exactly the burst pass, and the rest are told when the next
// token comes; a key's tokens are its own.
func TestFailureLimiterTakeAtOnce(t *testing.T) {
	ctx := t.Context()
	store := memstore.New()
	now := time.Date(2021, 4, 23, 9, 0, 30, 0, time.UTC)
	a, b := testLimiter(store, &now, 5, time.Minute), testLimiter(store, &now, 5, time.Minute)
	var mu sync.Mutex
	passed, waits := 0, map[time.Duration]int{}
	var wg sync.WaitGroup
	for i := range 40 {
		l := a
		if i%2 == 1 {
			l = b
		}
		wg.Go(func() {
			d, err := l.Take(ctx, "ip:incubator")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if d == 0 {
				passed++
			} else {
				waits[d]++
			}
		})
	}
	wg.Wait()
	if passed != 5 || waits[30*time.Second] != 35 {
		t.Fatalf("%d passed, waits %v; want 5, and 35 told to wait 30s (the next slot)", passed, waits)
	}
	wantWait(t, a, 30*time.Second, "Wait agrees", "ip:incubator")
	if d, err := b.Take(ctx, "ip:other"); err != nil || d != 0 {
		t.Fatalf("another key: %v, %v", d, err)
	}
	now = now.Add(30 * time.Second)
	if d, err := a.Take(ctx, "ip:incubator"); err != nil || d != 0 {
		t.Fatalf("once refilled: %v, %v", d, err)
	}
	if d, err := b.Take(ctx, "ip:incubator"); err != nil || d != time.Minute {
		t.Fatalf("then empty again: %v, %v; want 1m", d, err)
	}
}
