package door

import (
	"testing"
	"time"

	"ipmatch/data"
)

func TestFailureLimiterRefills(t *testing.T) {
	now := time.Date(2021, 4, 23, 9, 0, 0, 0, time.UTC)
	l := NewFailureLimiter(2, 6*time.Second)
	l.now = func() time.Time { return now }
	l.Fail("ip:a")
	l.Fail("ip:a")
	if d := l.Wait("ip:a"); d != 6*time.Second {
		t.Fatalf("wait after 2 failures = %v, want 6s", d)
	}
	if d := l.Wait("ip:b"); d != 0 {
		t.Fatalf("wait of an unknown key = %v, want 0", d)
	}
	now = now.Add(4 * time.Second)
	if d := l.Wait("ip:a", "ip:b"); d != 2*time.Second {
		t.Fatalf("wait 4s later = %v, want 2s", d)
	}
	now = now.Add(2 * time.Second)
	if d := l.Wait("ip:a"); d != 0 {
		t.Fatalf("wait once refilled = %v, want 0", d)
	}
	// The table stays bounded: a full sweep drops refilled keys.
	now = now.Add(time.Hour)
	l.sweep(now)
	if len(l.buckets) != 0 {
		t.Errorf("%d buckets left after a sweep of refilled keys", len(l.buckets))
	}
}

func TestCheckTrustedProxies(t *testing.T) {
	if err := CheckTrustedProxies([]string{"10.0.0.0/8", "192.0.2.1"}); err != nil {
		t.Errorf("good proxies refused: %v", err)
	}
	if err := CheckTrustedProxies([]string{"10.0.0.0/8", "not-an-ip"}); data.ErrorCode(err) != data.CodeInvalid {
		t.Errorf("a malformed proxy = %v, want invalid", err)
	}
}
