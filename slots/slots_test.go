package slots

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestLine(t *testing.T) {
	l := New(1, 30*time.Millisecond)
	leave, err := l.Enter(t.Context())
	if err != nil || l.Taken() != 1 {
		t.Fatalf("first Enter: %v, %d taken", err, l.Taken())
	}
	start := time.Now()
	if _, err := l.Enter(t.Context()); !errors.Is(err, ErrFull) {
		t.Errorf("Enter with the only slot taken: %v, want ErrFull", err)
	}
	if waited := time.Since(start); waited < 30*time.Millisecond {
		t.Errorf("refused after %v, before the wait of 30ms", waited)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := l.Enter(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Enter on an ended context: %v, want its error", err)
	}
	// A caller in line gets the slot the moment it is given back.
	got := make(chan error, 1)
	long := New(1, time.Hour)
	hold, _ := long.Enter(t.Context())
	go func() {
		leave, err := long.Enter(t.Context())
		if err == nil {
			leave()
		}
		got <- err
	}()
	hold()
	if err := <-got; err != nil {
		t.Errorf("a waiting caller after the slot came back: %v", err)
	}
	leave()
	if l.Taken() != 0 || long.Taken() != 0 {
		t.Errorf("slots still taken: %d, %d", l.Taken(), long.Taken())
	}
	if New(0, time.Second).slots == nil || cap(New(0, time.Second).slots) != 1 {
		t.Error("a line of 0 slots should have one")
	}
}
