// Package slots bounds how many of a kind of work run at once: a Line of a
// fixed number of slots, which callers wait for in turn, up to a set time.
// The search index bounds its searches with it (search/gate.go) and the
// doors their expensive requests (door/expensive.go). It imports nothing
// of the project, so every layer may use it.
package slots

import (
	"context"
	"errors"
	"time"
)

// ErrFull is the error of Enter when no slot came free within the wait.
var ErrFull = errors.New("slots: every slot stayed taken")

// Line is a fixed number of slots and how long a caller waits for one.
type Line struct {
	slots chan struct{}
	wait  time.Duration
}

// New returns a line of n slots (at least one) whose callers wait up to
// wait for a free one.
func New(n int, wait time.Duration) *Line {
	return &Line{slots: make(chan struct{}, max(1, n)), wait: wait}
}

// Enter takes a slot, waiting up to the line's wait for one, and returns
// the function that gives it back. It fails with ErrFull when none came
// free in time and with ctx's error when ctx ends first.
func (l *Line) Enter(ctx context.Context) (leave func(), err error) {
	select {
	case l.slots <- struct{}{}:
		return l.leave, nil
	default:
	}
	timer := time.NewTimer(l.wait)
	defer timer.Stop()
	select {
	case l.slots <- struct{}{}:
		return l.leave, nil
	case <-timer.C:
		return nil, ErrFull
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Taken is how many slots are in use.
func (l *Line) Taken() int { return len(l.slots) }

func (l *Line) leave() { <-l.slots }
