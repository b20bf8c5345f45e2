package search

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"ipmatch/data"
)

// cursorFile holds the ID of the last audit entry the index reflects, so a
// restarted node catches up with what other nodes wrote while it was down;
// nodeFile holds the index's name in the audit log (see Index.Node).
const (
	cursorFile = "follow.cursor"
	nodeFile   = "node"
)

// Node returns the name under which the writes made through this index
// should be audited (data.Audited), created with the directory: the host
// name and a random suffix. A follower of the index skips the entries of
// that name, since they are in the index already, whichever process (the
// server, an ipmatch import) made them. An unwritable name file yields the
// process's name, which only costs re-indexing those writes.
func (x *Index) Node() string {
	name := filepath.Join(x.dir, nodeFile)
	if b, err := os.ReadFile(name); err == nil {
		if n := strings.TrimSpace(string(b)); n != "" {
			return n
		}
	}
	suffix := make([]byte, 4)
	rand.Read(suffix)
	n := data.HostName() + "-" + hex.EncodeToString(suffix)
	if err := os.WriteFile(name, []byte(n+"\n"), 0o640); err != nil {
		x.logger.Warn("search index node name not saved", "err", err)
		return data.NodeName()
	}
	return n
}

// Defaults of FollowOptions.
const (
	DefaultFollowInterval = time.Second
	DefaultFollowLookback = 5 * time.Second
)

// FollowOptions configure Follow.
type FollowOptions struct {
	// Node is this process's name in the audit log (the api.Config.Node of
	// its server): its own writes are indexed as they happen and skipped.
	Node string
	// Interval is the time between two reads of the log (default 1 s): a
	// write on another node is searchable here within about Interval plus
	// the time to index it.
	Interval time.Duration
	// Lookback is how far behind the newest entry seen each read starts
	// again (default 5 s), to catch entries that commit late or come from
	// a node whose clock is a little behind. Entries already applied are
	// skipped.
	Lookback time.Duration
}

func (o FollowOptions) withDefaults() FollowOptions {
	if o.Interval <= 0 {
		o.Interval = DefaultFollowInterval
	}
	if o.Lookback <= 0 {
		o.Lookback = DefaultFollowLookback
	}
	return o
}

// Follower keeps an index in step with the writes other nodes make to the
// shared store, by reading the store's audit log (data.Audited). Several
// ipmatch nodes on one MongoDB each hold their own index; this is how a
// patent imported on one becomes searchable on the others. It needs no
// change streams, which FerretDB lacks.
type Follower struct {
	x      *Index
	opts   FollowOptions
	logger *slog.Logger
	tail   *data.AuditTail
	// synced is when (Unix nanoseconds) the last successful read of the
	// log began: the index holds every write logged before then (Lag).
	synced atomic.Int64
}

// NewFollower returns a follower of x's store. It starts from the cursor
// the index directory holds: the newest entry applied before, or the start
// of the last rebuild. An index from before the cursor existed starts
// Lookback ago.
func (x *Index) NewFollower(opts FollowOptions) *Follower {
	f := &Follower{x: x, opts: opts.withDefaults(), logger: x.logger}
	cursor := ""
	b, err := os.ReadFile(filepath.Join(x.dir, cursorFile))
	if c := strings.TrimSpace(string(b)); err == nil {
		if _, ok := data.AuditIDTime(c); ok {
			cursor = c
		}
	}
	if cursor == "" {
		f.logger.Info("search index follows the audit log from now", "dir", x.dir)
	}
	f.tail = data.NewAuditTail(cursor, f.opts.Lookback)
	// Until the first poll the index is known to hold what was logged up
	// to its cursor (the newest entry applied, or the rebuild's start);
	// an index following from now holds everything logged before now.
	synced := time.Now()
	if at, ok := data.AuditIDTime(cursor); ok && at.Before(synced) {
		synced = at
	}
	f.synced.Store(synced.UnixNano())
	return f
}

// Lag returns how far the index is behind the audit log, the change feed
// of every node's writes: the time since the last successful poll began
// reading it (before the first, since the cursor's entry). It is about
// Interval plus the time of a poll while the follower keeps up, and grows
// while polls fail (the store unreachable) or a long catch-up runs. Safe
// for concurrent use.
func (f *Follower) Lag() time.Duration {
	return max(0, time.Since(time.Unix(0, f.synced.Load())))
}

// Run polls the log every Interval until ctx is done, then returns nil. A
// failed round is logged and retried at the next tick.
func (f *Follower) Run(ctx context.Context) error {
	t := time.NewTicker(f.opts.Interval)
	defer t.Stop()
	for {
		if _, err := f.Poll(ctx); err != nil && ctx.Err() == nil {
			f.logger.Warn("search index could not follow the audit log; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Poll reads the entries written since the last poll (less Lookback) and
// indexes the records other nodes wrote, returning how many records it
// re-indexed.
func (f *Follower) Poll(ctx context.Context) (int, error) {
	began := time.Now()
	entries, err := f.tail.Read(ctx, f.x.store.Audit())
	if err != nil {
		return 0, err
	}
	changed := map[string][]string{} // kind → IDs
	for i := range entries {
		e := &entries[i]
		if e.Node == f.opts.Node || !indexed(e.Kind) {
			continue
		}
		changed[e.Kind] = append(changed[e.Kind], e.IDs...)
	}
	n := 0
	for kind, ids := range changed {
		slices.Sort(ids)
		ids = slices.Compact(ids)
		// On failure nothing is marked applied: the next poll retries.
		if err := f.x.applyFollowed(ctx, kind, ids); err != nil {
			return n, err
		}
		n += len(ids)
	}
	before := f.tail.Cursor()
	f.tail.Done(entries)
	f.synced.Store(began.UnixNano())
	if c := f.tail.Cursor(); c != before {
		if err := writeCursor(f.x.dir, c); err != nil {
			f.logger.Warn("search follow cursor not saved; a restart re-reads more of the log", "err", err)
		}
	}
	if n > 0 {
		f.logger.Debug("search index caught up with other nodes", "records", n)
	}
	return n, nil
}

// indexed reports whether writes to the audit kind k change the index.
func indexed(k string) bool {
	switch k {
	case data.PatentKind.Name, data.EnterpriseKind.Name, data.ProductKind.Name, data.BankKind.Name:
		return true
	}
	return false
}

// applyFollowed re-indexes the records of kind k with the given IDs as the
// store now holds them, under the dirty marker like a local write (a crash
// while the update is being persisted leaves the marker).
func (x *Index) applyFollowed(ctx context.Context, k string, ids []string) error {
	if err := x.begin(); err != nil {
		return err
	}
	var err error
	switch k {
	case data.PatentKind.Name:
		err = x.syncPatents(ctx, ids, nil)
	case data.EnterpriseKind.Name:
		err = x.syncEnterprises(ctx, ids, nil)
	case data.ProductKind.Name:
		err = x.syncProducts(ctx, ids, nil)
	case data.BankKind.Name:
		err = x.syncBanks(ctx, ids, nil)
	default:
		err = errors.New("search: no index for " + k)
	}
	if err != nil {
		// The update did not run, so the index is as it was, and the
		// follower's cursor has not passed these entries: they are
		// applied again at the next poll or start. Nothing is lost, so
		// the marker need not stay (a shutdown cancelling a poll lands
		// here).
		x.end(false)
	}
	return err
}

// writeCursor replaces the cursor file.
func writeCursor(dir, cursor string) error {
	tmp := filepath.Join(dir, cursorFile+".tmp")
	if err := os.WriteFile(tmp, []byte(cursor+"\n"), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, cursorFile))
}
