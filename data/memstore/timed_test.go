package memstore

import (
	"sync"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/storetest"
)

// TestTimedContract runs the store contract through data.Timed: the
// decorator must change nothing a caller sees, and report every
// operation with its kind.
func TestTimedContract(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	observe := func(kind, op string, d time.Duration, err error) {
		if d < 0 {
			t.Errorf("%s %s: negative duration %v", kind, op, d)
		}
		mu.Lock()
		seen[kind+" "+op]++
		mu.Unlock()
	}
	storetest.Run(t, func(t *testing.T) data.Store { return data.Timed(New(), observe) })
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"patents put", "patents get", "enterprises list", "banks count", "deals update", "audit list"} {
		if seen[want] == 0 {
			t.Errorf("no %q operation observed", want)
		}
	}
}
