package demo_test

import (
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/data/sqlite"
)

// TestLoadKeepsUsersChanges is issue 13's restart of serve --demo: a deal
// moved on and an event published by users survive loading the demo again,
// which writes nothing and audits nothing; a deleted demo record, being
// missing, comes back.
func TestLoadKeepsUsersChanges(t *testing.T) {
	ctx := t.Context()
	raw, err := sqlite.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	s := data.Audited(raw, "test", nil)
	if err := demo.Load(ctx, s); err != nil {
		t.Fatal(err)
	}

	// A user moves the disbursed deal on to 结清, publishes the event,
	// edits a bank and deletes a patent.
	deal, err := s.Deals().Get(ctx, "deal_0001")
	if err != nil {
		t.Fatal(err)
	}
	if deal.Stage != data.StageDisbursed {
		t.Fatalf("deal_0001 is at %s, the test wants it disbursed", deal.Stage)
	}
	deal.Stage = data.StageRepaid
	deal.History = append(deal.History, data.StageChange{Stage: data.StageRepaid, At: time.Now(), By: "bank officer"})
	if _, err := s.Deals().Put(ctx, &deal); err != nil {
		t.Fatal(err)
	}
	evs, _, err := s.Events().List(ctx, data.ListOptions{Limit: 1})
	if err != nil || len(evs) == 0 {
		t.Fatalf("no event: %v", err)
	}
	ev := evs[0]
	ev.Status = data.EventPublished
	if _, err := s.Events().Put(ctx, &ev); err != nil {
		t.Fatal(err)
	}
	bank, err := s.Banks().Get(ctx, "bank_icbc_zq")
	if err != nil {
		t.Fatal(err)
	}
	bank.Name += "（改）"
	if _, err := s.Banks().Put(ctx, &bank); err != nil {
		t.Fatal(err)
	}
	audited, err := s.Audit().Count(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Loading again changes nothing and audits nothing.
	if err := demo.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Deals().Get(ctx, "deal_0001"); got.Stage != data.StageRepaid {
		t.Errorf("after reloading, deal_0001 is at %s, want repaid (the user's move)", got.Stage)
	}
	if got, _ := s.Events().Get(ctx, ev.ID); got.Status != data.EventPublished {
		t.Errorf("after reloading, the event is %s, want published", got.Status)
	}
	if got, _ := s.Banks().Get(ctx, bank.ID); got.Name != bank.Name {
		t.Errorf("after reloading, the bank is named %q, want the user's %q", got.Name, bank.Name)
	}
	if n, _ := s.Audit().Count(ctx); n != audited {
		t.Errorf("reloading an unchanged demo wrote %d audit entries, want none", n-audited)
	}

	// A deleted demo record is missing: loading brings it back, and only it.
	patents, _, err := s.Patents().List(ctx, data.ListOptions{Limit: 1})
	if err != nil || len(patents) == 0 {
		t.Fatalf("no patent: %v", err)
	}
	gone := patents[0].ApplicationNumber
	if err := s.Patents().Delete(ctx, gone); err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Patents().Get(ctx, gone); err != nil {
		t.Errorf("deleted demo patent %s did not come back: %v", gone, err)
	}
	if got, _ := s.Deals().Get(ctx, "deal_0001"); got.Stage != data.StageRepaid {
		t.Errorf("restoring a patent moved deal_0001 back to %s", got.Stage)
	}
}

// TestLoadKeepsReRegisteredParty deletes a demo participant and registers
// the same party again under a new ID, as the pages do: the demo's row has
// the same natural key, so it is present and loading does not fail or
// replace the user's registration.
func TestLoadKeepsReRegisteredParty(t *testing.T) {
	ctx := t.Context()
	s, err := sqlite.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := demo.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	parts, _, err := s.Participants().List(ctx, data.ListOptions{Limit: 1})
	if err != nil || len(parts) == 0 {
		t.Fatalf("no participant: %v", err)
	}
	p := parts[0]
	if err := s.Participants().Delete(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	old := p.ID
	p.ID, p.CreatedAt, p.UpdatedAt = "", time.Time{}, time.Time{}
	p.Name += "（重新报名）"
	if _, err := s.Participants().Put(ctx, &p); err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Participants().Get(ctx, old); data.ErrorCode(err) != data.CodeNotFound {
		t.Errorf("the demo's participant %s came back beside the user's: %v", old, err)
	}
	if got, err := s.Participants().Get(ctx, p.ID); err != nil || got.Name != p.Name {
		t.Errorf("the user's registration is %+v (%v), want name %q", got, err, p.Name)
	}
}
