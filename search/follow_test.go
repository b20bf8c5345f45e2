package search

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/storetest"
)

// foundIDs searches kind for query and returns the IDs found.
func foundIDs(t *testing.T, x *Index, kind, query string) []string {
	t.Helper()
	res := find(t, x, kind, Request{Query: query, Size: 50})
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}

// followWorld opens a store, node A's index on it and A's store that
// audits and indexes its writes, and returns an index directory for B.
func followWorld(t *testing.T) (data.Store, *Index, data.Store, string) {
	t.Helper()
	s := openStore(t)
	xA := openIndex(t, s, "")
	return s, xA, data.Audited(Wrap(s, xA), "node-a", nil), t.TempDir()
}

// TestFollowerSeesOtherNodesWrites runs two "nodes" on one store, each
// with its own index: A writes through its decorated store, B learns of
// the writes only from the audit log.
func TestFollowerSeesOtherNodesWrites(t *testing.T) {
	ctx := context.Background()
	s, xA, nodeA, dirB := followWorld(t)
	xB := openIndex(t, s, dirB)
	nodeB := data.Audited(Wrap(s, xB), "node-b", nil)
	follow := xB.NewFollower(FollowOptions{Node: "node-b", Interval: time.Hour})

	ent := storetest.Enterprise(1)
	p := storetest.Patent(1)
	p.Title = "一种液压折弯机的同步控制装置"
	if _, err := nodeA.Enterprises().Put(ctx, &ent); err != nil {
		t.Fatal(err)
	}
	p.OwnerID = ent.ID
	if _, err := nodeA.Patents().Put(ctx, &p); err != nil {
		t.Fatal(err)
	}
	if got := foundIDs(t, xB, Patents, "折弯机"); len(got) != 0 {
		t.Fatalf("B found %v before following", got)
	}
	if n, err := follow.Poll(ctx); err != nil || n != 2 {
		t.Fatalf("Poll = %d, %v; want 2 records (the enterprise and the patent)", n, err)
	}
	if got := foundIDs(t, xB, Patents, "折弯机"); !slices.Equal(got, []string{p.ApplicationNumber}) {
		t.Fatalf("B finds %v after following, want [%s]", got, p.ApplicationNumber)
	}
	// A second poll finds nothing new: applied entries are not applied again.
	if n, err := follow.Poll(ctx); err != nil || n != 0 {
		t.Fatalf("second Poll = %d, %v; want 0", n, err)
	}

	// A replacement and a delete travel the same way.
	p.Title = "一种数控激光切割机的除尘装置"
	if _, err := nodeA.Patents().Put(ctx, &p); err != nil {
		t.Fatal(err)
	}
	if _, err := follow.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := foundIDs(t, xB, Patents, "折弯机"); len(got) != 0 {
		t.Errorf("B still finds the old title: %v", got)
	}
	if got := foundIDs(t, xB, Patents, "激光切割"); !slices.Equal(got, []string{p.ApplicationNumber}) {
		t.Errorf("B finds %v for the new title, want [%s]", got, p.ApplicationNumber)
	}
	if err := nodeA.Patents().Delete(ctx, p.ApplicationNumber); err != nil {
		t.Fatal(err)
	}
	if _, err := follow.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := foundIDs(t, xB, Patents, "激光切割"); len(got) != 0 {
		t.Errorf("B still finds a deleted patent: %v", got)
	}

	// A bank renamed on A renames its products in B's index.
	bank := storetest.Bank(1)
	if _, err := nodeA.Banks().Put(ctx, &bank); err != nil {
		t.Fatal(err)
	}
	prod := storetest.Product(1, bank.ID)
	if _, err := nodeA.Products().Put(ctx, &prod); err != nil {
		t.Fatal(err)
	}
	bank.Name = "肇庆端州农村商业银行股份有限公司"
	if _, err := nodeA.Banks().Put(ctx, &bank); err != nil {
		t.Fatal(err)
	}
	if _, err := follow.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := foundIDs(t, xB, Products, "端州"); !slices.Equal(got, []string{prod.ID}) {
		t.Errorf("B finds %v by the bank's new name, want [%s]", got, prod.ID)
	}

	// B's own writes are indexed as they happen and skipped by its follower.
	p2 := storetest.Patent(2)
	if _, err := nodeB.Patents().Put(ctx, &p2); err != nil {
		t.Fatal(err)
	}
	if n, err := follow.Poll(ctx); err != nil || n != 0 {
		t.Errorf("Poll after B's own write = %d, %v; want 0", n, err)
	}

	// A's follower picks B's write up; then both indexes hold what the
	// store holds.
	if n, err := xA.NewFollower(FollowOptions{Node: "node-a"}).Poll(ctx); err != nil || n == 0 {
		t.Errorf("A's Poll = %d, %v; want B's patent", n, err)
	}
	for _, x := range []*Index{xA, xB} {
		for _, k := range []string{Patents, Enterprises, Products} {
			n, err := x.DocCount(k)
			want, _ := countOf(ctx, s, k)
			if err != nil || n != want {
				t.Errorf("%s index of %s holds %d, store %d (%v)", k, x.dir, n, want, err)
			}
		}
	}
}

// TestFollowerCatchesUpAfterRestart checks the cursor file: a node that was
// down catches up on the writes made meanwhile, and an entry that commits
// late (older ID than the newest seen) is still applied.
func TestFollowerCatchesUpAfterRestart(t *testing.T) {
	ctx := context.Background()
	s, _, nodeA, dirB := followWorld(t)

	xB, err := Open(ctx, dirB, s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	follow := xB.NewFollower(FollowOptions{Node: "node-b"})
	if _, err := follow.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	xB.Close() // B goes down

	p := storetest.Patent(7)
	p.Title = "一种注塑机的模具温度控制系统"
	if _, err := nodeA.Patents().Put(ctx, &p); err != nil {
		t.Fatal(err)
	}

	xB, err = Open(ctx, dirB, s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { xB.Close() })
	follow = xB.NewFollower(FollowOptions{Node: "node-b"})
	if n, err := follow.Poll(ctx); err != nil || n != 1 {
		t.Fatalf("Poll after restart = %d, %v; want 1", n, err)
	}
	if got := foundIDs(t, xB, Patents, "注塑机"); !slices.Equal(got, []string{p.ApplicationNumber}) {
		t.Fatalf("restarted B finds %v, want [%s]", got, p.ApplicationNumber)
	}

	// An entry whose ID is two seconds older than the newest one seen,
	// as from a node whose clock is behind, is inside the lookback.
	late := storetest.Patent(8)
	late.Title = "一种压铸机的快速换模装置"
	if _, err := s.Patents().Put(ctx, &late); err != nil { // the store alone: no entry, no index
		t.Fatal(err)
	}
	newest, _, _ := s.Audit().List(ctx, data.ListOptions{})
	at, _ := data.AuditIDTime(newest[len(newest)-1].ID)
	e := data.AuditEntry{ID: data.NewAuditID(at.Add(-2 * time.Second)), Node: "node-slow", Via: data.ViaAPI,
		Action: data.AuditCreate, Kind: "patents", IDs: []string{late.ApplicationNumber}}
	if _, err := s.Audit().Put(ctx, &e); err != nil {
		t.Fatal(err)
	}
	if n, err := follow.Poll(ctx); err != nil || n != 1 {
		t.Fatalf("Poll of a late entry = %d, %v; want 1", n, err)
	}
	if got := foundIDs(t, xB, Patents, "压铸机"); !slices.Equal(got, []string{late.ApplicationNumber}) {
		t.Errorf("B finds %v for the late entry's patent, want [%s]", got, late.ApplicationNumber)
	}
}

// TestRebuildSetsTheCursor checks that a rebuilt index follows from its
// rebuild, not from an older cursor.
func TestRebuildSetsTheCursor(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	dir := t.TempDir()
	x, err := Open(ctx, dir, s, Options{Rebuild: true})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	f := x.NewFollower(FollowOptions{Node: "n"})
	at, ok := data.AuditIDTime(f.tail.Cursor())
	if !ok || time.Since(at) > time.Minute || time.Since(at) < 0 {
		t.Errorf("cursor after a rebuild = %q (%v), want the rebuild's start", f.tail.Cursor(), at)
	}
	if _, err := os.Stat(filepath.Join(dir, cursorFile)); err != nil {
		t.Errorf("no cursor file after a rebuild: %v", err)
	}
}

// cancellingStore fails every patent List, as a shutdown cancelling a
// follower's read-back would.
type cancellingStore struct{ data.Store }

func (c cancellingStore) Patents() data.Table[data.Patent] {
	return cancellingPatents{c.Store.Patents()}
}

type cancellingPatents struct{ data.Table[data.Patent] }

func (cancellingPatents) List(ctx context.Context, opts data.ListOptions) ([]data.Patent, int, error) {
	return nil, 0, context.Canceled
}

// TestFollowerCancelledLeavesNoMarker checks that a poll cut short by a
// shutdown does not condemn the index to a rebuild: the entries it missed
// are applied at the next start instead.
func TestFollowerCancelledLeavesNoMarker(t *testing.T) {
	ctx := context.Background()
	s, _, nodeA, dirB := followWorld(t)
	// Built on the store, then reopened (no rebuild) on the failing one.
	xB, err := Open(ctx, dirB, s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	xB.Close()
	if xB, err = Open(ctx, dirB, cancellingStore{s}, Options{}); err != nil {
		t.Fatal(err)
	}
	follow := xB.NewFollower(FollowOptions{Node: "node-b"})
	p := storetest.Patent(3)
	p.Title = "一种数控车床的尾座顶紧装置"
	if _, err := nodeA.Patents().Put(ctx, &p); err != nil {
		t.Fatal(err)
	}
	if _, err := follow.Poll(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Poll whose read-back is cancelled = %v, want context.Canceled", err)
	}
	if err := xB.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dirB, dirtyFile)); !os.IsNotExist(err) {
		t.Fatalf("a cancelled poll left the dirty marker (%v)", err)
	}
	xB, err = Open(ctx, dirB, s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer xB.Close()
	if n, err := xB.NewFollower(FollowOptions{Node: "node-b"}).Poll(ctx); err != nil || n != 1 {
		t.Fatalf("Poll after the restart = %d, %v; want the missed patent", n, err)
	}
	if got := foundIDs(t, xB, Patents, "尾座"); !slices.Equal(got, []string{p.ApplicationNumber}) {
		t.Errorf("B finds %v, want [%s]", got, p.ApplicationNumber)
	}
}

// TestFollowerSurvivesAClockAhead checks that an entry from a node whose
// clock is an hour ahead does not make the follower skip the entries other
// nodes write afterwards with correct clocks.
func TestFollowerSurvivesAClockAhead(t *testing.T) {
	ctx := context.Background()
	s, _, nodeA, dirB := followWorld(t)
	xB := openIndex(t, s, dirB)
	follow := xB.NewFollower(FollowOptions{Node: "node-b"})

	ahead := storetest.Patent(11)
	ahead.Title = "一种冲压模具的快速定位装置"
	if _, err := s.Patents().Put(ctx, &ahead); err != nil {
		t.Fatal(err)
	}
	e := data.AuditEntry{ID: data.NewAuditID(time.Now().Add(time.Hour)), Node: "node-fast", Via: data.ViaAPI,
		Action: data.AuditCreate, Kind: "patents", IDs: []string{ahead.ApplicationNumber}}
	if _, err := s.Audit().Put(ctx, &e); err != nil {
		t.Fatal(err)
	}
	if n, err := follow.Poll(ctx); err != nil || n != 1 {
		t.Fatalf("Poll of the entry from ahead = %d, %v; want 1", n, err)
	}

	p := storetest.Patent(12)
	p.Title = "一种焊接机器人的送丝机构"
	if _, err := nodeA.Patents().Put(ctx, &p); err != nil {
		t.Fatal(err)
	}
	if n, err := follow.Poll(ctx); err != nil || n != 1 {
		t.Fatalf("Poll after the entry from ahead = %d, %v; want A's patent", n, err)
	}
	if got := foundIDs(t, xB, Patents, "送丝"); !slices.Equal(got, []string{p.ApplicationNumber}) {
		t.Errorf("B finds %v, want [%s]", got, p.ApplicationNumber)
	}
	// The entry from ahead is not applied again.
	if n, err := follow.Poll(ctx); err != nil || n != 0 {
		t.Errorf("third Poll = %d, %v; want 0", n, err)
	}
}

// TestPoolScopeFollowsConsent checks a bank's scope term (Scope.Pool):
// an enterprise's patents enter every bank's scope when it consents to
// the pool and leave it when it withdraws or is deleted, on the node that
// took the write and on a node that follows it; and a patent that moves
// to another owner takes that owner's consent.
func TestPoolScopeFollowsConsent(t *testing.T) {
	ctx := context.Background()
	s, xA, nodeA, dirB := followWorld(t)
	xB := openIndex(t, s, dirB)
	follow := xB.NewFollower(FollowOptions{Node: "node-b", Interval: time.Hour})
	pool := Request{Scope: Scope{Restricted: true, Pool: true}, Size: 50}
	inScope := func(what string, want ...string) {
		t.Helper()
		if _, err := follow.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		waitIdle(t, xA)
		for name, x := range map[string]*Index{"A": xA, "B": xB} {
			if got := sorted(ids(find(t, x, Patents, pool))...); !slices.Equal(got, want) {
				t.Errorf("%s: node %s: patents in the pool's scope %v, want %v", what, name, got, want)
			}
		}
	}
	in, out := storetest.Enterprise(1), storetest.Enterprise(2)
	in.Consents.Pool, out.Consents.Pool = true, false
	if _, err := nodeA.Enterprises().Put(ctx, &in, &out); err != nil {
		t.Fatal(err)
	}
	p, q := storetest.Patent(1), storetest.Patent(2)
	p.OwnerID, q.OwnerID = in.ID, out.ID
	if _, err := nodeA.Patents().Put(ctx, &p, &q); err != nil {
		t.Fatal(err)
	}
	inScope("as written", p.ApplicationNumber)

	out.Consents.Pool = true
	if _, err := nodeA.Enterprises().Put(ctx, &out); err != nil {
		t.Fatal(err)
	}
	inScope("after a consent", sorted(p.ApplicationNumber, q.ApplicationNumber)...)

	in.Consents.Pool = false
	if _, err := nodeA.Enterprises().Put(ctx, &in); err != nil {
		t.Fatal(err)
	}
	inScope("after a withdrawal", q.ApplicationNumber)

	p.OwnerID = out.ID
	if _, err := nodeA.Patents().Put(ctx, &p); err != nil {
		t.Fatal(err)
	}
	inScope("after a patent moves to a consenting owner", sorted(p.ApplicationNumber, q.ApplicationNumber)...)

	if err := nodeA.Enterprises().Delete(ctx, out.ID); err != nil {
		t.Fatal(err)
	}
	inScope("after the owner is deleted")

	// Without Pool or owners, a restricted scope finds nothing.
	if got := find(t, xA, Patents, Request{Scope: Scope{Restricted: true}}); got.Total != 0 {
		t.Errorf("an empty scope finds %d patents", got.Total)
	}
}

func sorted(ids ...string) []string {
	slices.Sort(ids)
	return ids
}

// TestOwnerIndustryFollowsTheOwner checks the owner_industry filter: a
// patent is found under its owner's GB/T 4754 code at any level, and
// under a list of codes; it follows a change of the owner's industry, a
// move to another owner and the owner's deletion, on the node that took
// the write and on a node that follows it; and a bad code is refused
// naming it.
func TestOwnerIndustryFollowsTheOwner(t *testing.T) {
	ctx := context.Background()
	s, xA, nodeA, dirB := followWorld(t)
	xB := openIndex(t, s, dirB)
	follow := xB.NewFollower(FollowOptions{Node: "node-b", Interval: time.Hour})
	under := func(what, code string, want ...string) {
		t.Helper()
		if _, err := follow.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		waitIdle(t, xA)
		for name, x := range map[string]*Index{"A": xA, "B": xB} {
			got := sorted(ids(find(t, x, Patents, Request{Filters: map[string]string{"owner_industry": code}, Size: 50}))...)
			if !slices.Equal(got, want) {
				t.Errorf("%s: node %s: patents of owners in %s %v, want %v", what, name, code, got, want)
			}
		}
	}
	welding, pumps := storetest.Enterprise(1), storetest.Enterprise(2)
	welding.Industry, pumps.Industry = "C3424", "C3441" // 金属切割及焊接设备制造, 泵及真空设备制造
	if _, err := nodeA.Enterprises().Put(ctx, &welding, &pumps); err != nil {
		t.Fatal(err)
	}
	p, q, r := storetest.Patent(1), storetest.Patent(2), storetest.Patent(3)
	p.OwnerID, q.OwnerID = welding.ID, pumps.ID // r has no owner in ipmatch
	if _, err := nodeA.Patents().Put(ctx, &p, &q, &r); err != nil {
		t.Fatal(err)
	}
	under("as written, by class", "C3424", p.ApplicationNumber)
	under("as written, by division", "C34", sorted(p.ApplicationNumber, q.ApplicationNumber)...)
	under("as written, by section", "C", sorted(p.ApplicationNumber, q.ApplicationNumber)...)
	under("as written, by a list", "C3441, C39", q.ApplicationNumber)

	pumps.Industry = "C3911" // 计算机整机制造
	if _, err := nodeA.Enterprises().Put(ctx, &pumps); err != nil {
		t.Fatal(err)
	}
	under("after the owner's industry changed", "C39", q.ApplicationNumber)
	under("after the owner's industry changed", "C34", p.ApplicationNumber)

	p.OwnerID = pumps.ID
	if _, err := nodeA.Patents().Put(ctx, &p); err != nil {
		t.Fatal(err)
	}
	under("after a patent moved", "C39", sorted(p.ApplicationNumber, q.ApplicationNumber)...)

	if err := nodeA.Enterprises().Delete(ctx, pumps.ID); err != nil {
		t.Fatal(err)
	}
	under("after the owner is deleted", "C")

	_, err := xA.Search(ctx, Patents, Request{Filters: map[string]string{"owner_industry": "C34,Z99"}})
	if err == nil || !strings.Contains(err.Error(), "owner_industry") || !strings.Contains(err.Error(), "Z99") {
		t.Errorf("a bad code: %v, want an error naming owner_industry and Z99", err)
	}
}
