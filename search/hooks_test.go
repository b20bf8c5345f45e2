package search

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"ipmatch/data"
)

// TestFollowerLag checks the follower's lag: from its cursor before the
// first poll, from the poll's start after it, and growing while polls fail.
// The times are set through the cursor file, not waited for.
func TestFollowerLag(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	dir := t.TempDir()
	x, err := Open(ctx, dir, s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { x.Close() }()
	// As if the node had been down an hour.
	if err := writeCursor(dir, data.AuditIDAt(time.Now().Add(-time.Hour))); err != nil {
		t.Fatal(err)
	}
	f := x.NewFollower(FollowOptions{Node: "n"})
	if lag := f.Lag(); lag < time.Hour {
		t.Errorf("lag before the first poll = %v, want ≥ 1h (since the cursor)", lag)
	}
	if _, err := f.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if lag := f.Lag(); lag >= time.Minute {
		t.Errorf("lag after a poll = %v, want the time since the poll began", lag)
	}

	// A poll that fails (the log unreadable) leaves the lag where it was.
	x.Close()
	if x, err = Open(ctx, dir, failingAuditStore{s}, Options{}); err != nil {
		t.Fatal(err)
	}
	f = x.NewFollower(FollowOptions{Node: "n"})
	f.synced.Store(time.Now().Add(-time.Hour).UnixNano())
	if _, err := f.Poll(ctx); err == nil {
		t.Fatal("a poll of an unreadable log succeeded")
	}
	if lag := f.Lag(); lag < time.Hour {
		t.Errorf("lag after a failed poll = %v, want still ≥ 1h", lag)
	}
}

// failingAuditStore cannot list its audit log, as a store out of reach.
type failingAuditStore struct{ data.Store }

func (s failingAuditStore) Audit() data.Table[data.AuditEntry] { return failingAudit{s.Store.Audit()} }

type failingAudit struct{ data.Table[data.AuditEntry] }

func (failingAudit) List(context.Context, data.ListOptions) ([]data.AuditEntry, int, error) {
	return nil, 0, errors.New("store unreachable")
}

// TestIndexHooks checks Options.Observe and Options.Rebuilding.
func TestIndexHooks(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	var mu sync.Mutex
	var rebuilding []bool
	seen := map[string]int{}
	x, err := Open(ctx, t.TempDir(), s, Options{
		Rebuild:    true,
		Rebuilding: func(on bool) { mu.Lock(); rebuilding = append(rebuilding, on); mu.Unlock() },
		Observe:    func(op, kind string, d time.Duration) { mu.Lock(); seen[op+" "+kind]++; mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if _, err := x.Search(ctx, Patents, Request{Query: "机床"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(rebuilding) != 2 || !rebuilding[0] || rebuilding[1] {
		t.Errorf("Rebuilding calls = %v, want [true false]", rebuilding)
	}
	if seen["search patents"] != 1 {
		t.Errorf("observed %v, want one search of patents", seen)
	}
	if _, err := os.Stat(filepath.Join(x.dir, metaFile)); err != nil {
		t.Error(err)
	}
}
