package door

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"ipmatch/data/memstore"
)

// TestEveryStopsOnClose: work started with Every runs on its interval and
// has ended when Close returns.
func TestEveryStopsOnClose(t *testing.T) {
	s := New(memstore.New(), nil, Config{})
	var runs atomic.Int64
	ran := make(chan struct{}, 1)
	s.Every(time.Millisecond, "test", func(ctx context.Context) (int, error) {
		runs.Add(1)
		select {
		case ran <- struct{}{}:
		default:
		}
		return 0, nil
	})
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("the periodic work never ran")
	}
	s.Close()
	n := runs.Load()
	time.Sleep(20 * time.Millisecond)
	if runs.Load() != n {
		t.Errorf("the work ran on after Close")
	}
	s.Close() // a second Close does nothing
}
