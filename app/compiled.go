package app

import (
	"context"
	"maps"
	"slices"
	"sync"

	"ipmatch/data"
	"ipmatch/matcher"
)

// compiledCache holds the compiled facts of a view's blocks for the two
// as-of dates last asked for (today's, App.Today, and one more: the demo's
// event day, a bank looking back), each compiled on first use with the
// IPC areas of every product, and carried to the next view by recompiling
// the blocks a change touched (recordView.apply). A third date evicts the
// one used least recently: each date holds its own copy of the facts
// (about 200 MB at a million patents).
type compiledCache struct {
	mu      sync.Mutex
	entries []*compiledEntry // most recently used first
}

// compiledDates is how many as-of dates a view keeps compiled.
const compiledDates = 2

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
	cc := v.compiled
	for {
		cc.mu.Lock()
		k := slices.IndexFunc(cc.entries, func(e *compiledEntry) bool { return e.asOf == asOf })
		var e *compiledEntry
		if k >= 0 {
			e = cc.entries[k]
			cc.entries = slices.Insert(slices.Delete(cc.entries, k, k+1), 0, e)
		}
		if e == nil || e.ready() && (e.err != nil || !e.c.Covers(areas)) {
			e = &compiledEntry{asOf: asOf, done: make(chan struct{})}
			cc.entries = slices.DeleteFunc(cc.entries, func(x *compiledEntry) bool { return x.asOf == asOf })
			cc.entries = slices.Insert(cc.entries, 0, e)
			cc.entries = cc.entries[:min(len(cc.entries), compiledDates)]
			cc.mu.Unlock()
			// Not cancelled with this request: others may wait for it.
			e.c, e.err = a.compile(context.WithoutCancel(ctx), v, asOf, areas, nil)
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
func (a *App) compile(ctx context.Context, v *recordView, asOf data.Date, areas []string, progress Progress) (*matcher.Compiled, error) {
	products, err := All(ctx, a.store.Products(), data.ListOptions{})
	if err != nil {
		return nil, err
	}
	all := append([]string{}, areas...)
	for i := range products {
		all = append(all, products[i].IPCAreas...)
	}
	var told func(done, total int)
	if progress != nil {
		told = func(done, total int) { progress("compiling", done, total) }
	}
	return a.model.Compile(ctx, asOf, all, v.matchBlocks(), told)
}

// Warm loads the match state and compiles today's facts (records.go), so
// that no request waits for them; progress, when not nil, is told how far
// it is. Requests made meanwhile wait for the load, then go on.
func (a *App) Warm(ctx context.Context, progress Progress) error {
	a.records.loading.Lock()
	v := a.records.view.Load()
	var err error
	if v == nil {
		v, err = a.records.load(ctx, a.store, progress)
	}
	a.records.loading.Unlock()
	if err != nil {
		return err
	}
	cc := v.compiled
	cc.mu.Lock()
	if len(cc.entries) > 0 {
		cc.mu.Unlock()
		return nil
	}
	e := &compiledEntry{asOf: a.Today(), done: make(chan struct{})}
	cc.entries = []*compiledEntry{e}
	cc.mu.Unlock()
	e.c, e.err = a.compile(ctx, v, e.asOf, nil, progress)
	close(e.done)
	return e.err
}

// recompile returns the cache of next, a view whose blocks touched
// changed since the view of cc: cc's compilations with those blocks
// recompiled (those not ready are left out: compiled again on use).
func (cc *compiledCache) recompile(ctx context.Context, next *recordView, touched map[int]bool) (*compiledCache, error) {
	cc.mu.Lock()
	entries := slices.Clone(cc.entries)
	cc.mu.Unlock()
	changed := make(map[int]matcher.Block, len(touched))
	for b := range touched {
		bl := next.blocks[b]
		changed[b] = matcher.Block{Enterprises: bl.ents, Patents: bl.pats, Appraisals: bl.apprs}
	}
	out := &compiledCache{}
	for _, e := range entries {
		if !e.ready() || e.err != nil {
			continue
		}
		c, err := e.c.Recompile(ctx, maps.Clone(changed))
		if err != nil {
			return nil, err
		}
		done := make(chan struct{})
		close(done)
		out.entries = append(out.entries, &compiledEntry{asOf: e.asOf, done: done, c: c})
	}
	return out, nil
}
