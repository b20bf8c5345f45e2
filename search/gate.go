package search

import (
	"context"
	"runtime"
	"time"

	"ipmatch/data"
)

// The search gate. A bleve search is CPU-bound and runs on one goroutine,
// so searches beyond the cores only share them: at 1,000,000 patents under
// 64 connections on 2 cores, every search ran 15–30 times slower than
// alone and ordinary ones passed queryDeadline, answered as if the query
// were too costly. So at most Options.Searches searches of each kind run
// at once (default GOMAXPROCS; by kind, so that a search of the dozens of
// products never waits behind searches of a million patents); the others
// wait in line, up to searchQueueWait,
// and queryDeadline counts from a search's start, so it judges the query,
// not the crowd. A search still waiting then is refused as busy
// (rate_limited, 429), never as the caller's mistake.

// searchQueueWait is how long a search waits for a free slot: about as long
// as the slowest search the budget admits, ten times over (queryDeadline
// is 5 s); a person at a search box gives up sooner.
const searchQueueWait = 10 * time.Second

// searchRetryAfter is how long a refused search is told to wait, in the
// error's message (the door adds it as Retry-After).
const searchRetryAfter = 5 * time.Second

// errSearchBusy is the answer to a search that waited searchQueueWait.
var errSearchBusy = data.Errorf(data.CodeRateLimited, "the search service is busy with other searches; try again in %d seconds", int(searchRetryAfter/time.Second))

// gate holds the search slots.
type gate struct {
	slots chan struct{}
	wait  time.Duration
}

func newGate(slots int) *gate {
	if slots <= 0 {
		slots = runtime.GOMAXPROCS(0)
	}
	return &gate{slots: make(chan struct{}, slots), wait: searchQueueWait}
}

// enter waits for a slot, up to g.wait or until ctx is done, and returns
// the function that gives it back.
func (g *gate) enter(ctx context.Context) (leave func(), err error) {
	select {
	case g.slots <- struct{}{}:
		return g.leave, nil
	default:
	}
	timer := time.NewTimer(g.wait)
	defer timer.Stop()
	select {
	case g.slots <- struct{}{}:
		return g.leave, nil
	case <-timer.C:
		return nil, errSearchBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (g *gate) leave() { <-g.slots }
