package door

import (
	"context"
	"testing"
	"time"
)

// TestExpensiveLimiterQueues: a request finding every slot taken waits for
// one within the queue time, in turn.
func TestExpensiveLimiterQueues(t *testing.T) {
	l := NewExpensiveLimiter(1, time.Hour)
	releaseA, r := l.acquire(t.Context(), "token:a")
	if r != expensiveOK {
		t.Fatal("first acquire refused")
	}
	got := make(chan expensiveRefusal, 1)
	var releaseB func()
	go func() {
		var r expensiveRefusal
		releaseB, r = l.acquire(t.Context(), "token:b")
		got <- r
	}()
	select {
	case r := <-got:
		t.Fatalf("b got an answer (%v) while a holds the only slot", r)
	default:
	}
	releaseA()
	if r := <-got; r != expensiveOK {
		t.Fatalf("b after a released: %v", r)
	}
	releaseB()
	// A caller whose context ends while waiting gives up its place.
	release, _ := l.acquire(t.Context(), "token:a")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, r := l.acquire(ctx, "token:c"); r != expensiveAllBusy {
		t.Fatalf("a cancelled wait = %v, want refused", r)
	}
	release()
	if _, r := l.acquire(t.Context(), "token:c"); r != expensiveOK {
		t.Fatalf("c after its cancelled wait: %v", r)
	}
}

func TestExpensiveSlots(t *testing.T) {
	for conns, want := range map[int]int{1: 1, 2: 1, 4: 2, 5: 2, 16: 8, 100: 50} {
		if got := ExpensiveSlots(conns); got != want {
			t.Errorf("ExpensiveSlots(%d) = %d, want %d", conns, got, want)
		}
	}
}
