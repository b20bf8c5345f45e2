package web

import (
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/memstore"
)

// testSessions returns sessions on a fresh store at the fixed time *now.
func testSessions(t *testing.T, now *time.Time) (*webSessions, data.Table[data.Session]) {
	t.Helper()
	table := memstore.New().Sessions()
	ss := newWebSessions(table, nil)
	ss.now = func() time.Time { return *now }
	return ss, table
}

// stored returns the stored record of session id.
func stored(t *testing.T, table data.Table[data.Session], id string) data.Session {
	t.Helper()
	rec, err := table.GetByKey(t.Context(), data.SessionHash(id))
	if err != nil {
		t.Fatalf("the stored session: %v", err)
	}
	return rec
}

// TestSessionSeenWrittenOncePerMinute: page requests within seenEvery of
// the stored "seen" time write nothing; the first after writes it.
func TestSessionSeenWrittenOncePerMinute(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	ss, table := testSessions(t, &now)
	id, err := ss.open(ctx, "", "user_1")
	if err != nil {
		t.Fatal(err)
	}
	written := stored(t, table, id).UpdatedAt
	for range 5 {
		now = now.Add(10 * time.Second)
		if _, ok, err := ss.get(ctx, id); !ok || err != nil {
			t.Fatalf("get: %v %v", ok, err)
		}
	}
	if rec := stored(t, table, id); !rec.UpdatedAt.Equal(written) || !rec.SeenAt.Equal(rec.SignedInAt) {
		t.Fatalf("requests within a minute wrote the session (seen %v)", rec.SeenAt)
	}
	now = now.Add(10 * time.Second) // a minute after sign-in
	if _, ok, err := ss.get(ctx, id); !ok || err != nil {
		t.Fatalf("get: %v %v", ok, err)
	}
	if rec := stored(t, table, id); !rec.SeenAt.Equal(now) {
		t.Errorf("seen = %v after a minute, want %v", rec.SeenAt, now)
	}
}

// TestSessionIdleExpiry: a session expires webIdleTimeout after its last
// request, counting the minute its "seen" may lag behind, never before.
func TestSessionIdleExpiry(t *testing.T) {
	ctx := t.Context()
	t0 := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	now := t0
	ss, table := testSessions(t, &now)
	id, err := ss.open(ctx, "", "user_1")
	if err != nil {
		t.Fatal(err)
	}
	// The last request, 59 s in, is not written.
	now = t0.Add(59 * time.Second)
	ss.get(ctx, id)
	// Idle for less than webIdleTimeout since that request: alive,
	// though the stored time is older than that.
	now = t0.Add(59*time.Second + webIdleTimeout - time.Second)
	if _, ok, _ := ss.get(ctx, id); !ok {
		t.Fatalf("the session expired before webIdleTimeout without a request")
	}
	// Idle past webIdleTimeout plus the lag: gone, and removed.
	now = now.Add(webIdleTimeout + seenEvery + time.Second)
	if _, ok, _ := ss.get(ctx, id); ok {
		t.Fatalf("the session outlived webIdleTimeout")
	}
	if n, _ := table.Count(ctx); n != 0 {
		t.Errorf("%d sessions stored after the expired one was presented, want 0", n)
	}
}

// TestSessionSweep: the sweep removes the idle and the too old sessions
// and keeps the live ones.
func TestSessionSweep(t *testing.T) {
	ctx := t.Context()
	t0 := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	now := t0
	ss, table := testSessions(t, &now)
	old, _ := ss.open(ctx, "", "user_old") // used all along: too old at webMaxAge
	idle, _ := ss.open(ctx, "", "user_idle")
	for now.Before(t0.Add(webMaxAge)) {
		now = now.Add(time.Hour)
		ss.get(ctx, old)
	}
	live, _ := ss.open(ctx, "", "user_live")
	now = now.Add(time.Minute)
	n, err := ss.sweep(ctx)
	if err != nil || n != 2 {
		t.Fatalf("sweep removed %d, %v; want 2", n, err)
	}
	for id, want := range map[string]bool{old: false, idle: false, live: true} {
		if _, err := table.GetByKey(ctx, data.SessionHash(id)); (err == nil) != want {
			t.Errorf("after the sweep: %v", err)
		}
	}
}

// TestSessionClosedWhileSeen: a request marking its session seen after
// another signed it out does not bring it back.
func TestSessionClosedWhileSeen(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	ss, table := testSessions(t, &now)
	id, _ := ss.open(ctx, "", "user_1")
	rec := stored(t, table, id)
	if err := ss.close(ctx, id); err != nil {
		t.Fatal(err)
	}
	if ok, err := ss.change(ctx, &rec, func(r *data.Session) { r.SeenAt = now.Add(time.Minute) }); ok || err != nil {
		t.Errorf("write of a closed session = %v, %v; want false", ok, err)
	}
	if n, _ := table.Count(ctx); n != 0 {
		t.Errorf("%d sessions stored, want 0: the closed one came back", n)
	}
}
