package app

import (
	"context"
	"hash/fnv"
	"unicode/utf8"

	"ipmatch/data"
	"ipmatch/matcher"
)

// Deal writes. A deal changes in two ways: a stage move (POST
// /api/v1/deals/{id}/stage, and the pages' move buttons) and a replacement
// of its other fields (PUT /api/v1/deals/{id}). Both go through changeDeal,
// which writes the deal only at the revision it read, so a PUT racing a
// move (on any node) is refused instead of writing back the stage and
// history it read before the move; and both pass the pool's filing checks
// (checkFiling, in the pool's book: pool_book.go) whenever the result is a
// loan on the pool's book that the pool has not accepted as it now stands:
// a move to filed, or a change of amount, pool, product, enterprise or bank
// of a deal already filed. A compensated deal's claim is
// settled: those fields no longer change.

// StageRequest is a stage move: the body of POST
// /api/v1/deals/{id}/stage and the pages' move form.
type StageRequest struct {
	Stage data.Stage `json:"stage"`
	Note  string     `json:"note"`
	// Amount, in yuan, is the amount disbursed: only with a move to
	// disbursed, positive and within the product's range; it replaces
	// the deal's amount (the amount asked for until then).
	Amount *int64 `json:"amount,omitempty"`
	// IfMatch, when not 0, is the deal's revision the mover saw (the API's
	// If-Match): a deal changed since is precondition_failed, unmoved.
	IfMatch int64 `json:"-"`
}

// MaxNoteRunes bounds the note of a stage change: a paragraph or two, so
// a history stays readable and an audit entry small.
const MaxNoteRunes = 2000

// MoveDeal moves the deal id to req.Stage on behalf of p, now. A deal p
// may not see is not found; a move the stage machine refuses, or a filing
// the pool's caps refuse (409 naming the cap or product_id), is a
// conflict.
func (s *App) MoveDeal(ctx context.Context, p *Caller, id string, req StageRequest) (*data.Deal, error) {
	now := s.now().UTC()
	if req.Stage == "" {
		return nil, data.InvalidField("stage", "is required")
	}
	if utf8.RuneCountInString(req.Note) > MaxNoteRunes {
		return nil, data.InvalidField("note", "is longer than %d characters", MaxNoteRunes)
	}
	if req.Amount != nil {
		if req.Stage != data.StageDisbursed {
			return nil, data.InvalidField("amount", "is set only by a move to %s", data.StageDisbursed)
		}
		if *req.Amount <= 0 {
			return nil, data.InvalidField("amount", "must be positive (yuan)")
		}
	}
	return s.changeDeal(ctx, p, id, req.IfMatch, func(d data.Deal) (data.Deal, error) {
		if err := CanMoveDeal(p, &d); err != nil {
			return d, err
		}
		if err := d.Move(req.Stage, p.By(), now, req.Note); err != nil {
			return d, err
		}
		if req.Amount != nil {
			if err := s.checkDisbursedAmount(ctx, &d, *req.Amount); err != nil {
				return d, err
			}
			d.Amount = *req.Amount
		}
		if req.Stage == data.StageDisbursed {
			// The watch's baseline (monitor.go); a deal the model cannot
			// value is valued by the first daily check instead.
			day := s.Today()
			if v, ok := s.collateralValue(ctx, &d, day); ok {
				d.Collateral = &data.CollateralValue{Value: v, ValuedOn: day, Basis: data.CollateralBasisModel}
			}
		}
		return d, nil
	})
}

// checkDisbursedAmount checks that amount (yuan) lies within the range of
// deal d's product, as a loan of that product must; a bound of 0 is none.
// The product is read as stored: a deal names a product of its own bank.
func (s *App) checkDisbursedAmount(ctx context.Context, d *data.Deal, amount int64) error {
	prod, err := s.store.Products().Get(ctx, d.ProductID)
	if err != nil {
		return err
	}
	if prod.MinAmount > 0 && amount < prod.MinAmount || prod.MaxAmount > 0 && amount > prod.MaxAmount {
		return data.InvalidField("amount", "%d is outside the product's range %d–%d yuan", amount, prod.MinAmount, prod.MaxAmount)
	}
	return nil
}

// ReplaceDeal stores rec in place of the deal id (PUT): the access rules
// of policy.go (which keep the stage and history), the record's validation
// and references, then the pool's checks.
func (s *App) ReplaceDeal(ctx context.Context, p *Caller, id string, rec *data.Deal, ifMatch int64) (*data.Deal, error) {
	rules := s.policy.dealRules()
	return s.changeDeal(ctx, p, id, ifMatch, func(old data.Deal) (data.Deal, error) {
		// Checked once the deal is known to be readable, so that a hidden
		// deal answers exactly like a missing one.
		if rec.ID != "" && rec.ID != old.ID {
			return old, data.InvalidField("id", "%q differs from the id %q in the URL", rec.ID, old.ID)
		}
		next := *rec
		next.ID = old.ID
		if err := rules.update(ctx, p, &old, &next); err != nil {
			return old, err
		}
		if err := data.DealKind.Check([]*data.Deal{&next}); err != nil {
			return old, err
		}
		if err := data.CheckRefs(ctx, s.store, data.DealKind, []*data.Deal{&next}); err != nil {
			return old, err
		}
		return next, nil
	})
}

// changeDeal reads the deal id, applies change to it and writes the result
// at the revision read (Table.Update), so that of two changes racing on
// any nodes one is written and the other is a conflict, never a write-back
// of what it read before the first. want, when not 0, is the revision the
// caller saw (If-Match): a deal at another revision
// is precondition_failed. A deal p may not read is not found. When the
// result changes a loan on a pool's book, the book is written too
// (pool_book.go): a filing is accepted there, against the caps, before
// the deal is written.
func (s *App) changeDeal(ctx context.Context, p *Caller, id string, want int64, change func(data.Deal) (data.Deal, error)) (*data.Deal, error) {
	deals := s.store.Deals()
	old, err := deals.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !DealVisible(p, &old) {
		return nil, data.DealKind.NotFound(id)
	}
	if want != 0 && want != old.Revision {
		return nil, data.DealKind.Stale(id, want, old.Revision)
	}
	next, err := change(old)
	if err != nil {
		return nil, err
	}
	if err := settledClaim(&old, &next); err != nil {
		return nil, err
	}
	// A loan going on a pool's book (or changing there) is entered in the
	// book before the deal is written: a filing is accepted there, against
	// the caps (pool_book.go).
	undo := func() {}
	if entry, ok := bookEntry(&old, &next, s.now().UTC()); ok {
		if undo, err = s.writeBook(ctx, &next, entry, needsFiling(&old, &next)); err != nil {
			return nil, err
		}
	}
	next.Revision = old.Revision
	if err := deals.Update(ctx, &next); err != nil {
		undo()
		if want == 0 {
			return nil, lostRace(err, "deal "+id)
		}
		return nil, err
	}
	return &next, nil
}

// needsFiling reports whether next, replacing old, is a loan on its pool's
// book that the pool has not accepted in this form: newly filed, or filed
// before with a different amount, pool, product, borrower or lender.
func needsFiling(old, next *data.Deal) bool {
	if next.PoolID == "" || !matcher.ActiveFiling(next.Stage) {
		return false
	}
	return !matcher.ActiveFiling(old.Stage) || old.PoolID != next.PoolID || old.Amount != next.Amount ||
		old.ProductID != next.ProductID || old.EnterpriseID != next.EnterpriseID || old.BankID != next.BankID
}

// settledClaim refuses to change what a compensated deal's claim rests on:
// the fund has paid it (matcher's pool book), so its amount, pool, product,
// borrower and lender are history.
func settledClaim(old, next *data.Deal) error {
	if old.Stage != data.StageCompensated {
		return nil
	}
	if old.PoolID != next.PoolID || old.Amount != next.Amount || old.ProductID != next.ProductID ||
		old.EnterpriseID != next.EnterpriseID || old.BankID != next.BankID {
		return data.Errorf(data.CodeConflict, "deal %s is compensated: the fund's claim is settled, so its amount, pool_id, product_id, enterprise_id and bank_id can no longer change", old.ID)
	}
	return nil
}

// checkFiling checks that deal d may stand as a filing under pool, whose
// book (loans as deals, without d) is book: the pool covers d's product (the product names
// the pool), and the pool's caps hold with d and the book
// (matcher.CheckFiling). Refusals are conflicts naming the field; they name
// no other bank's loans.
func (s *App) checkFiling(ctx context.Context, pool *data.Pool, book []data.Deal, d *data.Deal) error {
	pr, err := s.store.Products().Get(ctx, d.ProductID)
	if err != nil && data.ErrorCode(err) != data.CodeNotFound {
		return err
	}
	if err != nil || pr.PoolID != pool.ID {
		return &data.Error{Code: data.CodeConflict,
			Message: "deal " + d.ID + " cannot be filed under pool " + pool.ID + ": the pool does not cover its product",
			Fields: []data.FieldError{{Field: "product_id", Reason: "product " + d.ProductID + " is not covered by pool " + pool.ID +
				" (the product's pool_id must name it); file the deal without the pool or under the product's own pool"}}}
	}
	return matcher.CheckFiling(*pool, book, *d)
}

// stripe picks one of n locks for key.
func stripe(key string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(n))
}
