package app

import (
	"context"
	"sync"

	"ipmatch/data"
	"ipmatch/matcher"
)

// compiledCache holds the compiled facts of a view's blocks for today's
// date (App.Today), compiled on first use with the IPC areas of every
// product, and carried to the next view by recompiling the blocks a
// change touched (recordView.apply). Another as-of date (a caller's
// as_of) is compiled for its request only: caching every date asked for
// would hold a copy of the facts per date.
type compiledCache struct {
	mu    sync.Mutex
	entry *compiledEntry
}

// compiledEntry is one compilation, done when done is closed.
type compiledEntry struct {
	asOf data.Date
	done chan struct{}
	c    *matcher.Compiled
	err  error
}

// compiledFor returns v's facts compiled on asOf, with patents tagged by
// at least the IPC areas given.
func (a *App) compiledFor(ctx context.Context, v *recordView, asOf data.Date, areas []string) (*matcher.Compiled, error) {
	if asOf != a.Today() {
		return a.compile(ctx, v, asOf, areas)
	}
	cc := v.compiled
	for {
		cc.mu.Lock()
		e := cc.entry
		if e == nil || e.asOf != asOf || e.ready() && (e.err != nil || !e.c.Covers(areas)) {
			e = &compiledEntry{asOf: asOf, done: make(chan struct{})}
			cc.entry = e
			cc.mu.Unlock()
			e.c, e.err = a.compile(context.WithoutCancel(ctx), v, asOf, areas)
			close(e.done)
			return e.c, e.err
		}
		cc.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err != nil {
			return nil, e.err
		}
		if e.c.Covers(areas) {
			return e.c, nil
		}
	}
}

func (e *compiledEntry) ready() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

// compile compiles every block of v on asOf with the IPC areas of every
// product and those given.
func (a *App) compile(ctx context.Context, v *recordView, asOf data.Date, areas []string) (*matcher.Compiled, error) {
	products, err := All(ctx, a.store.Products(), data.ListOptions{})
	if err != nil {
		return nil, err
	}
	all := append([]string{}, areas...)
	for i := range products {
		all = append(all, products[i].IPCAreas...)
	}
	return a.model.Compile(ctx, asOf, all, v.matchBlocks())
}

// recompile returns the cache of next, a view whose blocks touched
// changed since the view of cc: cc's compilation with those blocks
// recompiled (none when cc has none ready).
func (cc *compiledCache) recompile(ctx context.Context, next *recordView, touched map[int]bool) (*compiledCache, error) {
	cc.mu.Lock()
	e := cc.entry
	cc.mu.Unlock()
	out := &compiledCache{}
	if e == nil || !e.ready() || e.err != nil {
		return out, nil
	}
	changed := make(map[int]matcher.Block, len(touched))
	for b := range touched {
		bl := next.blocks[b]
		changed[b] = matcher.Block{Enterprises: bl.ents, Patents: bl.pats, Appraisals: bl.apprs}
	}
	c, err := e.c.Recompile(ctx, changed)
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	close(done)
	out.entry = &compiledEntry{asOf: e.asOf, done: done, c: c}
	return out, nil
}
