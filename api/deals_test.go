package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/matcher"
)

// TestFiledDealChangesPassThePoolChecks tries every way around the pool's
// filing checks that the attack found: raising a filed deal's amount by
// PUT, adding a pool to a filed deal by PUT, filing a product the pool does
// not cover, and rewriting a compensated deal. Each is refused with 409 and
// leaves the deal and the pool's exposure as they were; changes within the
// caps still pass.
func TestFiledDealChangesPassThePoolChecks(t *testing.T) {
	f := newEventFixture(t)
	stage := func(id string, s data.Stage) {
		t.Helper()
		decodeBody(t, f.do(evtCCBToken, "POST", "/api/v1/deals/"+id+"/stage", map[string]string{"stage": string(s)}), http.StatusOK, nil)
	}
	create := func(d data.Deal, through ...data.Stage) data.Deal {
		t.Helper()
		var got data.Deal
		decodeBody(t, f.do(evtCCBToken, "POST", "/api/v1/deals", d), http.StatusCreated, &got)
		for _, s := range through {
			stage(got.ID, s)
		}
		return got
	}
	stored := func(id string) data.Deal {
		t.Helper()
		d, err := f.store.Deals().Get(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	exposure := func() int64 {
		t.Helper()
		var risk matcher.PoolRiskResult
		decodeBody(t, f.do(evtOrgToken, "GET", poolRiskURL, nil), http.StatusOK, &risk)
		return risk.Exposure
	}
	refused := func(tok string, d data.Deal, field string) {
		t.Helper()
		before := stored(d.ID)
		env := wantError(t, f.do(tok, "PUT", "/api/v1/deals/"+d.ID, d), http.StatusConflict, data.CodeConflict)
		if !env.hasField(field) {
			t.Errorf("PUT %s: fields %+v, want %s", d.ID, env.Error.Fields, field)
		}
		if after := stored(d.ID); after.Amount != before.Amount || after.PoolID != before.PoolID || after.ProductID != before.ProductID || after.Stage != before.Stage {
			t.Errorf("a refused PUT changed deal %s: %+v → %+v", d.ID, before, after)
		}
	}
	toFiled := []data.Stage{data.StageMet, data.StageIntent, data.StageFiled}

	// 1. A 10 万元 filing, then PUT amount 900,000,000: refused by every
	// cap, for the bank and the organizer alike.
	small := create(data.Deal{EnterpriseID: "ent_0013", BankID: demo.BankCCB, ProductID: demo.ProdCCBKechuang,
		PoolID: demo.PoolID, Amount: 100_000, TermMonths: 12}, toFiled...)
	base := exposure()
	huge := stored(small.ID)
	huge.Amount = 900_000_000
	refused(evtCCBToken, huge, "per_loan_cap")
	refused(evtOrgToken, huge, "leverage")
	if got := exposure(); got != base {
		t.Errorf("exposure %d after refused PUTs, want %d", got, base)
	}
	// Within the caps a filed deal's amount may still change.
	fine := stored(small.ID)
	fine.Amount = 200_000
	decodeBody(t, f.do(evtCCBToken, "PUT", "/api/v1/deals/"+small.ID, fine), http.StatusOK, nil)
	if got := exposure(); got != base+100_000 {
		t.Errorf("exposure %d after a 100,000 raise, want %d", got, base+100_000)
	}

	// 2. Filed without a pool, then PUT adding the pool: the checks of a
	// filing apply (5,000,000 would have the fund bear 2,500,000 > 2,000,000).
	unpooled := create(data.Deal{EnterpriseID: "ent_0013", BankID: demo.BankCCB, ProductID: demo.ProdCCBKechuang,
		Amount: 5_000_000, TermMonths: 12}, toFiled...)
	pooled := stored(unpooled.ID)
	pooled.PoolID = demo.PoolID
	refused(evtCCBToken, pooled, "per_loan_cap")

	// 3. A product no pool covers, filed under the pool: refused at the
	// move to filed, and by a PUT that moves a filed deal onto it.
	uncovered := create(data.Deal{EnterpriseID: "ent_0013", BankID: demo.BankCCB, ProductID: "prod_ccb_zhuanjingtexin",
		PoolID: demo.PoolID, Amount: 100_000, TermMonths: 12}, data.StageMet, data.StageIntent)
	env := wantError(t, f.do(evtCCBToken, "POST", "/api/v1/deals/"+uncovered.ID+"/stage", map[string]string{"stage": "filed"}),
		http.StatusConflict, data.CodeConflict)
	if !env.hasField("product_id") {
		t.Errorf("filing an uncovered product: fields %+v, want product_id", env.Error.Fields)
	}
	if got := stored(uncovered.ID); got.Stage != data.StageIntent {
		t.Errorf("refused filing moved the deal to %s", got.Stage)
	}
	switched := stored(small.ID)
	switched.ProductID = "prod_ccb_zhuanjingtexin"
	refused(evtCCBToken, switched, "product_id")

	// 4. A compensated deal's claim is settled: its amount cannot change.
	for _, s := range []data.Stage{data.StageAccepted, data.StageDisbursed, data.StageCompensated} {
		stage(small.ID, s)
	}
	settled := stored(small.ID)
	settled.Amount = 150_000
	env = wantError(t, f.do(evtOrgToken, "PUT", "/api/v1/deals/"+small.ID, settled), http.StatusConflict, data.CodeConflict)
	if !strings.Contains(env.Error.Message, "compensated") {
		t.Errorf("compensated deal: %s", env.Error.Message)
	}
}

// TestFilingRefusalHidesOtherBanks: a bank refused by the per-borrower cap
// is not told what another bank filed for the same enterprise.
func TestFilingRefusalHidesOtherBanks(t *testing.T) {
	f := newEventFixture(t)
	// 高要农商行's demo filings for the on-site borrower: find its amount so
	// the test can look for it in the refusal.
	var theirs data.Deal
	for _, d := range demo.Generate(demo.DefaultSeed).Deals {
		if d.PoolID == demo.PoolID && d.BankID != demo.BankCCB && matcher.ActiveFiling(d.Stage) {
			theirs = d
			break
		}
	}
	if theirs.ID == "" {
		t.Fatal("the demo has no other bank's filing under the pool")
	}
	// CCB needs to see the enterprise to record a deal with it.
	ent, err := f.store.Enterprises().Get(t.Context(), theirs.EnterpriseID)
	if err != nil {
		t.Fatal(err)
	}
	ent.Consents.Pool = true
	put(t, f.store.Enterprises(), &ent)
	// 1,500,000 has the fund bear 750,000 ≤ the per-loan cap, but with the
	// other bank's filing above the borrower's cap.
	pool, err := f.store.Pools().Get(t.Context(), demo.PoolID)
	if err != nil {
		t.Fatal(err)
	}
	amount := int64(float64(pool.PerBorrowerCap)/pool.FundShare) - theirs.Amount + 100_000
	var d data.Deal
	decodeBody(t, f.do(evtCCBToken, "POST", "/api/v1/deals", data.Deal{EnterpriseID: theirs.EnterpriseID, BankID: demo.BankCCB,
		ProductID: demo.ProdCCBKechuang, PoolID: demo.PoolID, Amount: amount, TermMonths: 12}), http.StatusCreated, &d)
	for _, s := range []data.Stage{data.StageMet, data.StageIntent} {
		decodeBody(t, f.do(evtCCBToken, "POST", "/api/v1/deals/"+d.ID+"/stage", map[string]string{"stage": string(s)}), http.StatusOK, nil)
	}
	w := f.do(evtCCBToken, "POST", "/api/v1/deals/"+d.ID+"/stage", map[string]string{"stage": "filed"})
	env := wantError(t, w, http.StatusConflict, data.CodeConflict)
	if !env.hasField("per_borrower_cap") {
		t.Fatalf("fields %+v, want per_borrower_cap", env.Error.Fields)
	}
	share := strconv.FormatInt(int64(float64(theirs.Amount)*pool.FundShare), 10)
	for _, leak := range []string{share, strconv.FormatInt(theirs.Amount, 10), theirs.ID, theirs.BankID} {
		if strings.Contains(w.Body.String(), leak) {
			t.Errorf("the refusal reveals %q of another bank's filing: %s", leak, w.Body)
		}
	}
}

// pausingStore pauses the first Get of one deal after arm: it reports the
// read on read, then waits for release (or a short while, so that a fixed
// server, where the racing write waits for the lock, still finishes).
type pausingStore struct {
	data.Store
	mu      sync.Mutex
	armedID string
	read    chan struct{}
	release chan struct{}
}

type pausingDeals struct {
	data.Table[data.Deal]
	s *pausingStore
}

func (s *pausingStore) Deals() data.Table[data.Deal] {
	return pausingDeals{Table: s.Store.Deals(), s: s}
}

func (s *pausingStore) arm(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armedID, s.read, s.release = id, make(chan struct{}), make(chan struct{})
}

func (t pausingDeals) Get(ctx context.Context, id string) (data.Deal, error) {
	d, err := t.Table.Get(ctx, id)
	t.s.mu.Lock()
	armed := t.s.armedID == id
	if armed {
		t.s.armedID = ""
	}
	read, release := t.s.read, t.s.release
	t.s.mu.Unlock()
	if armed {
		close(read)
		select {
		case <-release:
		case <-time.After(200 * time.Millisecond):
		}
	}
	return d, err
}

// TestDealPutDoesNotUndoAMove: a PUT that read a deal before a stage move
// must not write the old stage and history back (the attack lost 2 moves
// in 25). The store pauses the PUT after its read; the move is sent then.
// The move lands; the PUT's write, at the revision it read, loses: 409,
// nothing written.
func TestDealPutDoesNotUndoAMove(t *testing.T) {
	ps := &pausingStore{Store: openStore(t)}
	f := newFixtureOn(t, ps, Config{})
	d, err := f.store.Deals().Get(t.Context(), f.dealA)
	if err != nil {
		t.Fatal(err)
	}
	next := data.NextStages(d.Stage)[0]
	ps.arm(f.dealA)

	edit := d
	edit.Amount += 10_000
	var wg sync.WaitGroup
	var putCode, moveCode int
	wg.Go(func() { putCode = f.do(bankAToken, "PUT", "/api/v1/deals/"+f.dealA, edit).Code })
	<-ps.read // the PUT has read the deal
	moved := make(chan struct{})
	wg.Go(func() {
		defer close(moved)
		moveCode = f.do(bankAToken, "POST", "/api/v1/deals/"+f.dealA+"/stage", map[string]string{"stage": string(next)}).Code
	})
	<-moved // nothing holds the move back: the PUT's write is conditional
	close(ps.release)
	wg.Wait()
	if putCode != http.StatusConflict || moveCode != http.StatusOK {
		t.Fatalf("PUT %d, move %d; want 409 and 200", putCode, moveCode)
	}
	got, err := f.store.Deals().Get(t.Context(), f.dealA)
	if err != nil {
		t.Fatal(err)
	}
	if got.Stage != next || len(got.History) == 0 || got.History[len(got.History)-1].Stage != next {
		t.Errorf("after a PUT racing a move: stage %s, history %+v; want the move to %s kept", got.Stage, got.History, next)
	}
	if got.Amount != d.Amount {
		t.Errorf("amount %d, want %d: the PUT that lost wrote nothing", got.Amount, d.Amount)
	}
}
