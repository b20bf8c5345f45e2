package door

import (
	"context"
	"sync"
	"time"
)

// SweepInterval is how often a server clears out what has expired in the
// store: failure records whose slot has passed (FailureLimiter) and the
// pages' expired sessions (web). Every node sweeps; what one removes, the
// others find gone. Expired records count for nothing meanwhile (each
// read checks expiry), so the interval only bounds how long they take
// room.
const SweepInterval = 5 * time.Minute

// background is the work a Server runs beside its requests (Go), until
// Close.
type background struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// init makes the context of the work on first use.
func (b *background) init() {
	b.once.Do(func() { b.ctx, b.cancel = context.WithCancel(context.Background()) })
}

// Go runs fn in its own goroutine until Close, which cancels ctx and
// waits for fn to return.
func (s *Server) Go(fn func(ctx context.Context)) {
	b := &s.background
	b.init()
	b.wg.Go(func() { fn(b.ctx) })
}

// Every runs fn every interval until Close (Go), logging what it did
// (how many records it removed) at debug level and its errors at error
// level under the name what.
func (s *Server) Every(interval time.Duration, what string, fn func(ctx context.Context) (int, error)) {
	s.Go(func(ctx context.Context) {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				n, err := fn(ctx)
				if err != nil && ctx.Err() == nil {
					s.Logger.ErrorContext(ctx, "sweep failed", "what", what, "removed", n, "error", err)
				} else if n > 0 {
					s.Logger.DebugContext(ctx, "swept", "what", what, "removed", n)
				}
			}
		}
	})
}

// Close stops the work started with Go and waits for it to end. Call it
// once the server takes no more requests and before the store closes;
// calls after the first do nothing more.
func (s *Server) Close() {
	b := &s.background
	b.init()
	b.cancel()
	b.wg.Wait()
}
