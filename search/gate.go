package search

import (
	"context"
	"errors"
	"runtime"
	"time"

	"ipmatch/data"
	"ipmatch/slots"
)

// The search gate. A bleve search is CPU-bound and runs on one goroutine,
// so searches beyond the cores only share them: at 1,000,000 patents under
// 64 connections on 2 cores, every search ran 15–30 times slower than
// alone and ordinary ones passed queryDeadline, answered as if the query
// were too costly. So at most Options.Searches searches of each kind run
// at once (default GOMAXPROCS; by kind, so that a search of the dozens of
// products never waits behind searches of a million patents); the others
// wait in line (a slots.Line), up to searchQueueWait, and queryDeadline
// counts from a search's start, so it judges the query, not the crowd. A
// search still waiting then is refused as busy (rate_limited, 429, with
// Retry-After), never as the caller's mistake.

// searchQueueWait is how long a search waits for a free slot: about as long
// as the slowest search the budget admits, ten times over (queryDeadline
// is 5 s); a person at a search box gives up sooner.
const searchQueueWait = 10 * time.Second

// searchRetryAfter is how long a refused search is told to wait.
const searchRetryAfter = 5 * time.Second

// errSearchBusy is the answer to a search that waited searchQueueWait.
var errSearchBusy = data.Busy(searchRetryAfter, "the search service is busy with other searches; try again in %d seconds", data.RetrySeconds(searchRetryAfter))

// newGate returns the line of one kind's searches: n slots, GOMAXPROCS
// when n is not positive.
func newGate(n int) *slots.Line {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	return slots.New(n, searchQueueWait)
}

// enterGate waits for a slot of kind k's searches and returns the function
// that gives it back.
func (x *Index) enterGate(ctx context.Context, k string) (leave func(), err error) {
	leave, err = x.gates[k].Enter(ctx)
	if errors.Is(err, slots.ErrFull) {
		return nil, errSearchBusy
	}
	return leave, err
}
