package app

// This file holds the access rules of every kind of record and the
// predicates the operations share (who sees an enterprise, a deal, a
// pool's book, a wish), so they can be audited in one place; an
// operation's own check (organizer only, not an enterprise …) opens the
// operation in this package and is listed in its file's comment
// (matches.go, pool.go, schedule.go, report.go, wishes.go, audit.go,
// calibration.go, tokens.go). Both doors, the API and the pages, apply
// them by calling this package, never on their own. The rules, by role:
//
// organizer: everything, except deleting a bank or enterprise that other
// records still name (409 naming them; data.DeleteBank).
//
// bank (token bound to BankID):
//   - banks: reads and updates its own bank record only; cannot create or
//     delete banks.
//   - products: reads, creates, updates and deletes its own products only;
//     a product for another bank is forbidden, and so is setting or
//     changing a product's pool_id: the organizer admits products to a
//     pool (data.ProductPoolChange).
//   - enterprises: reads only those that consented: Consents.Pool is true,
//     or the enterprise is registered (participant role enterprise) for an
//     event where this bank has a desk (participant role bank) and did not
//     say no_thanks to this bank in that registration. No writes. Of an
//     enterprise that did not share its data (Consents.ShareData false) it
//     sees no financials nor anything computed from them
//     (financialsVisible).
//   - patents: reads the patents owned by the enterprises it sees. No writes.
//   - participants: reads the participants of events where it has a desk,
//     but not an enterprise's registration that says no_thanks to it;
//     updates its own desk (tables, preferences) without moving it to
//     another event, bank or role, while the event is a draft (409 after:
//     the schedule is built from them); cannot register or delete (the organizer
//     registers banks, so a bank cannot widen what it sees).
//   - deals: reads its own deals; creates and updates them (for its own
//     products and enterprises it sees) and moves their stage; cannot
//     delete them (their history is the audit trail). For every role, a
//     deal that stands as a filing under a pool (a move to filed, or a
//     change of a filed deal's amount, pool, product, enterprise or bank)
//     passes the pool's checks or is refused with 409 (deals.go), and a
//     compensated deal's claim fields no longer change.
//   - events, pools, appraisers: reads. tokens: nothing.
//   - appraisals: reads those it recorded (bank_id its own) and the
//     organizer's (bank_id empty) of enterprises it sees, never another
//     bank's; records and updates them only under its own bank and for
//     enterprises it sees; deletes only its own. An organizer's record it
//     may read but not change. For every role, an appraisal dated after
//     today is invalid (base_date).
//
// enterprise (token bound to EnterpriseID):
//   - enterprises: reads and updates its own record only; cannot create or
//     delete, nor change its credit code or registered name (its identity,
//     matched against patents' applicants; the organizer can:
//     data.EnterpriseIdentityChange).
//   - patents: creates, reads, updates and deletes its own patents only;
//     the owner is filled in when empty and must be itself. It takes a
//     stored patent (POST /patents/{id}/claim, or an import) only when the
//     patent has no owner and one of its applicants is its registered name
//     (data.CanClaim); the organizer assigns any owner.
//   - banks, events, pools: reads. products: reads active products only.
//   - participants: registers itself only (role enterprise, its own id, an
//     existing event), reads, updates (preferences, wanted meetings) and
//     withdraws its own registrations. Registering and updating need a
//     draft event (409 once published or closed), as for a bank's desk.
//   - deals: reads its own deals only; no writes, no moves.
//   - appraisers: reads. appraisals: reads its own (whoever recorded
//     them); writes none: an appraisal comes from an appraisal firm, and
//     the organizer or the lending bank records it.
//   - tokens: nothing.
//   - wishes (GET /events/{id}/wishes, its events page): how each of its
//     own must-meet / no-thanks wishes fares. Until the organizer
//     publishes, it learns only what no schedule can change and what it
//     may read anyway (ineligibility, from active products and its own
//     data), never a bank's no-thanks nor the draft schedule; once
//     published, its meetings and shortfalls as GET .../schedule shows
//     them (wishesOf, wishBlockVisible). Banks see no wishes here.
//
// Answers: a record the caller may not read answers 404 exactly like a
// missing one, so existence never leaks (bank A reading bank B's product
// gets 404). A write to a record the caller can read but not change, a
// create outside the caller's scope (bank A creating a product for bank B)
// and a list filter naming someone else's records (a bank listing
// deals?bank_id=B) get 403. Lists apply the same rules as reads, so their
// totals count only what the caller may see.

import (
	"context"
	"slices"

	"ipmatch/data"
	"ipmatch/matcher/schedule"
)

// policy evaluates the rules; it reads the store to learn who attends
// which event.
type policy struct {
	store data.Store
	// today is the server's day (China Standard Time, or Config.AsOf); nil
	// where no rule needs it.
	today func() data.Date
	// records returns the node's records as of now (records.go), which
	// know every enterprise's consents without a scan of the store; nil
	// where no rule needs them.
	records func(context.Context) (*recordView, error)
}

// organizerOnly allows the organizer and forbids everyone else.
func organizerOnly(p *Caller, what string) error {
	if p.Is(data.RoleOrganizer) {
		return nil
	}
	return Forbidden("only the organizer may %s", what)
}

// own checks a reference that must be the caller's own binding: an empty
// value is filled in, another value is forbidden.
func own(ref *string, mine, field, what string) error {
	if *ref == "" {
		*ref = mine
	}
	if *ref != mine {
		return Forbidden("%s: you may only %s", field, what)
	}
	return nil
}

// ownFilter narrows a list to the caller's own records: a filter naming
// another party is forbidden.
func ownFilter[T any](plan *listPlan[T], ref func(*data.Refs) *string, mine, param string) error {
	for i := range plan.sources {
		r := ref(&plan.sources[i].Refs)
		if *r != "" && *r != mine {
			return Forbidden("%s: you may only list your own records", param)
		}
		*r = mine
	}
	return nil
}

// onlyIDs narrows a list to the records with the given IDs.
func onlyIDs[T any](plan *listPlan[T], ids ...string) {
	for i := range plan.sources {
		plan.sources[i].IDs = ids
	}
}

// ---- Enterprises ----

func (pol *policy) enterpriseRules() rules[data.Enterprise] {
	return rules[data.Enterprise]{
		list: func(ctx context.Context, p *Caller, q ListQuery, plan *listPlan[data.Enterprise]) error {
			switch p.Token.Role {
			case data.RoleOrganizer:
				return nil
			case data.RoleBank:
				if q.Refs == (data.Refs{}) && plan.pred == nil && pol.records != nil {
					return bankWindow(ctx, pol, p.Token.BankID, plan, func(v *recordView) *poolOrder { return v.entOrder })
				}
				sees, err := pol.bankSees(ctx, p.Token.BankID)
				if err != nil {
					return err
				}
				plan.and(sees)
				return nil
			case data.RoleCompany:
				onlyIDs(plan, p.Token.EnterpriseID)
				return nil
			}
			return Forbidden("unknown role")
		},
		visible: func(ctx context.Context, p *Caller, e *data.Enterprise) (bool, error) {
			switch p.Token.Role {
			case data.RoleOrganizer:
				return true, nil
			case data.RoleBank:
				return pol.bankSeesEnterprise(ctx, p.Token.BankID, e)
			case data.RoleCompany:
				return e.ID == p.Token.EnterpriseID, nil
			}
			return false, nil
		},
		create: func(ctx context.Context, p *Caller, e *data.Enterprise) error {
			return organizerOnly(p, "register enterprises")
		},
		update: func(ctx context.Context, p *Caller, old, e *data.Enterprise) error {
			switch p.Token.Role {
			case data.RoleOrganizer:
				return nil
			case data.RoleCompany: // old is its own record: only that one is visible
				if f := data.EnterpriseIdentityChange(old, e); f != nil {
					return Forbidden("%s: %s", f.Field, f.Reason)
				}
				return nil
			}
			return Forbidden("only the organizer or the enterprise itself may change an enterprise")
		},
		remove: func(ctx context.Context, p *Caller, e *data.Enterprise) error {
			return organizerOnly(p, "delete enterprises")
		},
		present: redactEnterprise,
	}
}

// ---- Patents ----

func (pol *policy) patentRules() rules[data.Patent] {
	return rules[data.Patent]{
		list: func(ctx context.Context, p *Caller, q ListQuery, plan *listPlan[data.Patent]) error {
			switch p.Token.Role {
			case data.RoleOrganizer:
				return nil
			case data.RoleCompany:
				return ownFilter(plan, refEnterprise, p.Token.EnterpriseID, "owner_id")
			case data.RoleBank:
				if owner := q.Refs.Enterprise; owner != "" {
					ok, err := pol.bankSeesEnterpriseID(ctx, p.Token.BankID, owner)
					if err != nil {
						return err
					}
					if !ok {
						return Forbidden("owner_id: you may only list patents of enterprises that consented to be seen by your bank")
					}
					return nil
				}
				if q.Refs == (data.Refs{}) && plan.pred == nil && pol.records != nil {
					return bankWindow(ctx, pol, p.Token.BankID, plan, func(v *recordView) *poolOrder { return v.patOrder })
				}
				// The patents of every visible enterprise, in one query,
				// in application-number order.
				ids, err := pol.bankEnterpriseIDs(ctx, p.Token.BankID)
				if err != nil {
					return err
				}
				for i := range plan.sources {
					plan.sources[i].Enterprises = append([]string{}, ids...)
				}
				return nil
			}
			return Forbidden("unknown role")
		},
		visible: func(ctx context.Context, p *Caller, pat *data.Patent) (bool, error) {
			switch p.Token.Role {
			case data.RoleOrganizer:
				return true, nil
			case data.RoleCompany:
				return pat.OwnerID == p.Token.EnterpriseID, nil
			case data.RoleBank:
				if pat.OwnerID == "" {
					return false, nil
				}
				return pol.bankSeesEnterpriseID(ctx, p.Token.BankID, pat.OwnerID)
			}
			return false, nil
		},
		create: func(ctx context.Context, p *Caller, pat *data.Patent) error {
			if p.Is(data.RoleCompany) {
				if err := own(&pat.OwnerID, p.Token.EnterpriseID, "owner_id", "add patents that your enterprise owns"); err != nil {
					return err
				}
				return pol.patentUnregistered(ctx, pat.ApplicationNumber)
			}
			return organizerOnly(p, "add patents for an enterprise")
		},
		update: func(ctx context.Context, p *Caller, old, pat *data.Patent) error {
			if p.Is(data.RoleCompany) {
				// old is visible, so its own: an ownerless patent is
				// taken only by POST /patents/{id}/claim (see claimOwner).
				if old.OwnerID != p.Token.EnterpriseID {
					return Forbidden("claim a patent with POST /api/v1/patents/{id}/claim")
				}
				return own(&pat.OwnerID, p.Token.EnterpriseID, "owner_id", "keep your patents under your own enterprise")
			}
			return organizerOnly(p, "change patents")
		},
		remove: func(ctx context.Context, p *Caller, pat *data.Patent) error {
			if p.Is(data.RoleCompany) {
				return nil // visible means owned
			}
			return organizerOnly(p, "delete patents")
		},
	}
}

// patentUnregistered answers an enterprise's POST of a patent already
// stored, whoever holds it, with one conflict that points to claiming:
// POST never replaces a record, and the answer names no owner.
func (pol *policy) patentUnregistered(ctx context.Context, number string) error {
	n, err := data.NormalizeApplicationNumber(number)
	if err != nil {
		return nil // Validate reports it
	}
	_, err = pol.store.Patents().Get(ctx, n)
	switch data.ErrorCode(err) {
	case "":
		return data.Errorf(data.CodeConflict, "patent %s is already registered; %s, with POST /api/v1/patents/%s/claim", n, data.ClaimRule, n)
	case data.CodeNotFound:
		return nil
	}
	return err
}

// claimOwner checks that p may make the stored patent pat (which p may not
// be able to read) the patent of enterprise ownerID, the body's owner_id,
// and returns the owner to set. The organizer assigns any patent to any
// enterprise; an enterprise claims for itself as data.CanClaim allows, and
// every refusal it gets is CanClaim's one text, whoever holds the patent.
func (pol *policy) claimOwner(ctx context.Context, p *Caller, pat *data.Patent, ownerID string) (string, error) {
	if err := mayClaim(p); err != nil {
		return "", err
	}
	switch p.Token.Role {
	case data.RoleOrganizer:
		if ownerID == "" {
			return "", data.InvalidField("owner_id", "is required: the enterprise to own the patent")
		}
		if _, err := pol.store.Enterprises().Get(ctx, ownerID); data.ErrorCode(err) == data.CodeNotFound {
			return "", data.InvalidField("owner_id", "no enterprise with id %q", ownerID)
		} else if err != nil {
			return "", err
		}
		return ownerID, nil
	case data.RoleCompany:
		if err := own(&ownerID, p.Token.EnterpriseID, "owner_id", "claim patents for your own enterprise"); err != nil {
			return "", err
		}
		e, err := pol.store.Enterprises().Get(ctx, ownerID)
		if err != nil && data.ErrorCode(err) != data.CodeNotFound {
			return "", err
		}
		e.ID = ownerID // a deleted enterprise has no name, so it claims nothing
		return ownerID, data.CanClaim(e, *pat)
	}
	return "", Forbidden("unknown role")
}

// mayClaim refuses claims to the roles that make none, before any patent
// is looked up, so a bank learns nothing of which patents are stored.
func mayClaim(p *Caller) error {
	if p.Is(data.RoleOrganizer) || p.Is(data.RoleCompany) {
		return nil
	}
	return Forbidden("only an enterprise or the organizer may claim patents")
}

// ---- Banks ----

func (pol *policy) bankRules() rules[data.Bank] {
	return rules[data.Bank]{
		list: func(ctx context.Context, p *Caller, q ListQuery, plan *listPlan[data.Bank]) error {
			if p.Is(data.RoleBank) {
				onlyIDs(plan, p.Token.BankID)
			}
			return nil
		},
		visible: func(ctx context.Context, p *Caller, b *data.Bank) (bool, error) {
			if p.Is(data.RoleBank) {
				return b.ID == p.Token.BankID, nil
			}
			return true, nil
		},
		create: func(ctx context.Context, p *Caller, b *data.Bank) error {
			return organizerOnly(p, "register banks")
		},
		update: func(ctx context.Context, p *Caller, old, b *data.Bank) error {
			if p.Is(data.RoleBank) {
				return nil // visible means its own
			}
			return organizerOnly(p, "change other banks")
		},
		remove: func(ctx context.Context, p *Caller, b *data.Bank) error {
			return organizerOnly(p, "delete banks")
		},
	}
}

// ---- Products ----

func (pol *policy) productRules() rules[data.Product] {
	return rules[data.Product]{
		list: func(ctx context.Context, p *Caller, q ListQuery, plan *listPlan[data.Product]) error {
			switch p.Token.Role {
			case data.RoleBank:
				return ownFilter(plan, refBank, p.Token.BankID, "bank_id")
			case data.RoleCompany:
				plan.and(func(pr *data.Product) bool { return pr.Active })
			}
			return nil
		},
		visible: func(ctx context.Context, p *Caller, pr *data.Product) (bool, error) {
			switch p.Token.Role {
			case data.RoleBank:
				return pr.BankID == p.Token.BankID, nil
			case data.RoleCompany:
				return pr.Active, nil
			}
			return true, nil
		},
		create: func(ctx context.Context, p *Caller, pr *data.Product) error {
			if p.Is(data.RoleBank) {
				if err := own(&pr.BankID, p.Token.BankID, "bank_id", "create products of your own bank"); err != nil {
					return err
				}
				if f := data.ProductPoolChange(nil, pr); f != nil {
					return Forbidden("%s: %s", f.Field, f.Reason)
				}
				return nil
			}
			return organizerOnly(p, "create products")
		},
		update: func(ctx context.Context, p *Caller, old, pr *data.Product) error {
			if p.Is(data.RoleBank) {
				if err := own(&pr.BankID, p.Token.BankID, "bank_id", "keep your products under your own bank"); err != nil {
					return err
				}
				if f := data.ProductPoolChange(old, pr); f != nil {
					return Forbidden("%s: %s", f.Field, f.Reason)
				}
				return nil
			}
			return organizerOnly(p, "change products")
		},
		remove: func(ctx context.Context, p *Caller, pr *data.Product) error {
			if p.Is(data.RoleBank) {
				return nil // visible means its own
			}
			return organizerOnly(p, "delete products")
		},
	}
}

// ---- Events and pools: everyone reads, the organizer writes ----

func (pol *policy) eventRules() rules[data.Event] {
	return readAllOrganizerWrites[data.Event]("events")
}

func (pol *policy) poolRules() rules[data.Pool] {
	r := readAllOrganizerWrites[data.Pool]("pools")
	// The book is the application's (pool_book.go): a new pool starts
	// empty, a replacement keeps the stored one, and only the organizer
	// reads it (PoolBookVisible).
	create, update := r.create, r.update
	r.create = func(ctx context.Context, p *Caller, rec *data.Pool) error {
		rec.Book = nil
		return create(ctx, p, rec)
	}
	r.update = func(ctx context.Context, p *Caller, old, rec *data.Pool) error {
		rec.Book = old.Book
		return update(ctx, p, old, rec)
	}
	r.present = func(p *Caller, rec *data.Pool) {
		if !PoolBookVisible(p) {
			rec.Book = nil
		}
	}
	return r
}

// PoolBookVisible reports whether p sees a pool's book: each filing and
// claim with its enterprise and bank (GET /api/v1/pools/{id}/risk's loans
// and claim_list, the pool page's filings). Only the organizer does: a
// bank sees the aggregate figures, which hold other banks' loans but name
// none of them; an enterprise sees no risk at all.
func PoolBookVisible(p *Caller) bool { return p.Is(data.RoleOrganizer) }

func readAllOrganizerWrites[T any](what string) rules[T] {
	return rules[T]{
		list:    func(context.Context, *Caller, ListQuery, *listPlan[T]) error { return nil },
		visible: func(context.Context, *Caller, *T) (bool, error) { return true, nil },
		create:  func(_ context.Context, p *Caller, _ *T) error { return organizerOnly(p, "create "+what) },
		update:  func(_ context.Context, p *Caller, _, _ *T) error { return organizerOnly(p, "change "+what) },
		remove:  func(_ context.Context, p *Caller, _ *T) error { return organizerOnly(p, "delete "+what) },
	}
}

// ---- Participants ----

func (pol *policy) participantRules() rules[data.Participant] {
	return rules[data.Participant]{
		list: func(ctx context.Context, p *Caller, q ListQuery, plan *listPlan[data.Participant]) error {
			switch p.Token.Role {
			case data.RoleOrganizer:
				return nil
			case data.RoleCompany:
				return ownFilter(plan, refEnterprise, p.Token.EnterpriseID, "enterprise_id")
			case data.RoleBank:
				attended, err := pol.bankEvents(ctx, p.Token.BankID)
				if err != nil {
					return err
				}
				bank := p.Token.BankID
				plan.and(func(pt *data.Participant) bool { return !(pt.Role == data.RoleEnterprise && declined(pt, bank)) })
				if ev := q.Refs.Event; ev != "" {
					if !attended[ev] {
						return Forbidden("event_id: you may only list participants of events your bank attends")
					}
					return nil
				}
				events := make([]string, 0, len(attended))
				for ev := range attended {
					events = append(events, ev)
				}
				slices.Sort(events)
				plan.sources = plan.sources[:0]
				for _, ev := range events {
					refs := q.Refs
					refs.Event = ev
					plan.sources = append(plan.sources, data.ListOptions{Refs: refs})
				}
				return nil
			}
			return Forbidden("unknown role")
		},
		visible: func(ctx context.Context, p *Caller, pt *data.Participant) (bool, error) {
			switch p.Token.Role {
			case data.RoleOrganizer:
				return true, nil
			case data.RoleCompany:
				return pt.Role == data.RoleEnterprise && pt.EnterpriseID == p.Token.EnterpriseID, nil
			case data.RoleBank:
				if pt.Role == data.RoleEnterprise && declined(pt, p.Token.BankID) {
					return false, nil
				}
				attended, err := pol.bankEvents(ctx, p.Token.BankID)
				return attended[pt.EventID], err
			}
			return false, nil
		},
		create: func(ctx context.Context, p *Caller, pt *data.Participant) error {
			switch p.Token.Role {
			case data.RoleOrganizer:
				return nil
			case data.RoleCompany:
				if pt.Role != data.RoleEnterprise {
					return Forbidden("role: an enterprise may only register itself, as role enterprise")
				}
				if err := own(&pt.EnterpriseID, p.Token.EnterpriseID, "enterprise_id", "register your own enterprise"); err != nil {
					return err
				}
				if err := pol.eventExists(ctx, pt.EventID); err != nil {
					return err
				}
				return pol.eventTakesRegistrations(ctx, pt.EventID)
			}
			return Forbidden("only the organizer registers banks for events")
		},
		update: func(ctx context.Context, p *Caller, old, pt *data.Participant) error {
			switch p.Token.Role {
			case data.RoleOrganizer:
				return nil
			case data.RoleCompany: // old is its own registration
				if err := own(&pt.EnterpriseID, p.Token.EnterpriseID, "enterprise_id", "change your own registration"); err != nil {
					return err
				}
			case data.RoleBank:
				if old.Role != data.RoleBankDesk || old.BankID != p.Token.BankID {
					return Forbidden("a bank may only change its own desk at an event")
				}
				if err := own(&pt.BankID, p.Token.BankID, "bank_id", "change your own desk"); err != nil {
					return err
				}
			default:
				return Forbidden("unknown role")
			}
			if pt.EventID != old.EventID || pt.Role != old.Role {
				return Forbidden("event_id, role: only the organizer may move a registration to another event or role")
			}
			return pol.eventTakesRegistrations(ctx, old.EventID)
		},
		remove: func(ctx context.Context, p *Caller, pt *data.Participant) error {
			if p.Is(data.RoleCompany) {
				return nil // visible means its own registration: it may withdraw
			}
			return organizerOnly(p, "remove participants")
		},
	}
}

// eventTakesRegistrations refuses (409) a bank's or an enterprise's
// registration or change of registration (tables, preferences, wanted
// meetings) once the event is no longer a draft: the schedule was computed
// from them and published, so a later change would not reach it. The
// organizer may still change them (and recompute after setting the event
// back to draft). The API and the pages both apply it through
// participantRules. A missing event is left to eventExists and CheckRefs.
func (pol *policy) eventTakesRegistrations(ctx context.Context, id string) error {
	if id == "" {
		return nil // Validate reports it
	}
	ev, err := pol.store.Events().Get(ctx, id)
	if data.ErrorCode(err) == data.CodeNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if ev.Status != data.EventDraft {
		return data.Errorf(data.CodeConflict,
			"event_id: event %s (%s) is %s: registrations and meeting wishes change only while it is a draft; ask the organizer (对接会已停止报名和修改会谈意愿)",
			ev.ID, ev.Name, ev.Status)
	}
	return nil
}

// eventExists reports an invalid event_id when the event is missing.
func (pol *policy) eventExists(ctx context.Context, id string) error {
	if id == "" {
		return nil // Validate reports it
	}
	_, err := pol.store.Events().Get(ctx, id)
	if data.ErrorCode(err) == data.CodeNotFound {
		return data.InvalidField("event_id", "no event with id %q", id)
	}
	return err
}

// ---- Deals ----

func (pol *policy) dealRules() rules[data.Deal] {
	return rules[data.Deal]{
		list: func(ctx context.Context, p *Caller, q ListQuery, plan *listPlan[data.Deal]) error {
			switch p.Token.Role {
			case data.RoleOrganizer:
				return nil
			case data.RoleBank:
				return ownFilter(plan, refBank, p.Token.BankID, "bank_id")
			case data.RoleCompany:
				return ownFilter(plan, refEnterprise, p.Token.EnterpriseID, "enterprise_id")
			}
			return Forbidden("unknown role")
		},
		visible: func(ctx context.Context, p *Caller, d *data.Deal) (bool, error) {
			return DealVisible(p, d), nil
		},
		create: func(ctx context.Context, p *Caller, d *data.Deal) error {
			// Every deal starts at registered; stages change only through
			// POST /api/v1/deals/{id}/stage, which records who moved it.
			if (d.Stage != "" && d.Stage != data.StageRegistered) || len(d.History) > 0 {
				return data.InvalidField("stage", "a new deal starts at registered with no history; move it with POST /api/v1/deals/{id}/stage")
			}
			if d.Collateral != nil {
				return data.InvalidField("collateral", "is recorded by ipmatch when the loan is disbursed, not given")
			}
			switch p.Token.Role {
			case data.RoleOrganizer:
				return nil
			case data.RoleBank:
				if err := own(&d.BankID, p.Token.BankID, "bank_id", "record deals of your own bank"); err != nil {
					return err
				}
				return pol.bankDealParties(ctx, p.Token.BankID, nil, d)
			}
			return Forbidden("an enterprise cannot record deals; its bank or the organizer does")
		},
		update: func(ctx context.Context, p *Caller, old, d *data.Deal) error {
			// The stage and its history are kept: PUT cannot rewrite them;
			// nor the collateral's recorded value, the watch's baseline.
			if d.Stage != "" && d.Stage != old.Stage {
				return data.InvalidField("stage", "is %s; change it with POST /api/v1/deals/{id}/stage", old.Stage)
			}
			d.Stage, d.History, d.Collateral = old.Stage, old.History, old.Collateral
			switch p.Token.Role {
			case data.RoleOrganizer:
				return nil
			case data.RoleBank: // old is its own deal
				if err := own(&d.BankID, p.Token.BankID, "bank_id", "keep your deals under your own bank"); err != nil {
					return err
				}
				return pol.bankDealParties(ctx, p.Token.BankID, old, d)
			}
			return Forbidden("an enterprise cannot change deals")
		},
		remove: func(ctx context.Context, p *Caller, d *data.Deal) error {
			return organizerOnly(p, "delete deals")
		},
	}
}

// DealVisible reports whether p may read deal d.
func DealVisible(p *Caller, d *data.Deal) bool {
	switch p.Token.Role {
	case data.RoleOrganizer:
		return true
	case data.RoleBank:
		return d.BankID == p.Token.BankID
	case data.RoleCompany:
		return d.EnterpriseID == p.Token.EnterpriseID
	}
	return false
}

// CanMoveDeal checks that p may move the visible deal d.
func CanMoveDeal(p *Caller, d *data.Deal) error {
	if p.Is(data.RoleOrganizer) || p.Is(data.RoleBank) && d.BankID == p.Token.BankID {
		return nil
	}
	return Forbidden("only the deal's bank or the organizer may move a deal")
}

// bankDealParties checks that a bank's deal d is for one of its own
// products and an enterprise it may see. Parties unchanged from old (an
// update) are not checked again.
func (pol *policy) bankDealParties(ctx context.Context, bankID string, old, d *data.Deal) error {
	if d.ProductID != "" && (old == nil || d.ProductID != old.ProductID) {
		pr, err := pol.store.Products().Get(ctx, d.ProductID)
		if err != nil && data.ErrorCode(err) != data.CodeNotFound {
			return err
		}
		if err != nil || pr.BankID != bankID {
			return Forbidden("product_id: a deal must be for one of your bank's products")
		}
	}
	if d.EnterpriseID != "" && (old == nil || d.EnterpriseID != old.EnterpriseID) {
		ok, err := pol.bankSeesEnterpriseID(ctx, bankID, d.EnterpriseID)
		if err != nil {
			return err
		}
		if !ok {
			return Forbidden("enterprise_id: a deal must be with an enterprise that consented to be seen by your bank")
		}
	}
	return nil
}

// ---- Appraisal firms and appraisals ----

func (pol *policy) appraiserRules() rules[data.Appraiser] {
	return readAllOrganizerWrites[data.Appraiser]("appraisal firms")
}

// appraisalDated refuses an appraisal based on a day after today: a report
// values the patents on a day that has come.
func (pol *policy) appraisalDated(a *data.Appraisal) error {
	if pol.today != nil && a.BaseDate.After(pol.today()) {
		return data.InvalidField("base_date", "%s is after today (%s): an appraisal values the patents on a day that has come", a.BaseDate, pol.today())
	}
	return nil
}

func (pol *policy) appraisalRules() rules[data.Appraisal] {
	return rules[data.Appraisal]{
		list: func(ctx context.Context, p *Caller, q ListQuery, plan *listPlan[data.Appraisal]) error {
			switch p.Token.Role {
			case data.RoleOrganizer:
				return nil
			case data.RoleCompany:
				return ownFilter(plan, refEnterprise, p.Token.EnterpriseID, "enterprise_id")
			case data.RoleBank:
				if b := q.Refs.Bank; b != "" && b != p.Token.BankID {
					return Forbidden("bank_id: you may only list your own records")
				}
				if e := q.Refs.Enterprise; e != "" {
					ok, err := pol.bankSeesEnterpriseID(ctx, p.Token.BankID, e)
					if err != nil {
						return err
					}
					if !ok {
						return Forbidden("enterprise_id: you may only list appraisals of enterprises that consented to be seen by your bank")
					}
				}
				ids, err := pol.bankEnterpriseIDs(ctx, p.Token.BankID)
				if err != nil {
					return err
				}
				sees := make(map[string]bool, len(ids))
				for _, id := range ids {
					sees[id] = true
				}
				bank := p.Token.BankID
				plan.and(func(a *data.Appraisal) bool { return a.BankID == bank || a.BankID == "" && sees[a.EnterpriseID] })
				return nil
			}
			return Forbidden("unknown role")
		},
		visible: func(ctx context.Context, p *Caller, a *data.Appraisal) (bool, error) {
			switch p.Token.Role {
			case data.RoleOrganizer:
				return true, nil
			case data.RoleCompany:
				return a.EnterpriseID == p.Token.EnterpriseID, nil
			case data.RoleBank:
				if a.BankID != "" {
					return a.BankID == p.Token.BankID, nil
				}
				return pol.bankSeesEnterpriseID(ctx, p.Token.BankID, a.EnterpriseID)
			}
			return false, nil
		},
		create: func(ctx context.Context, p *Caller, a *data.Appraisal) error {
			switch p.Token.Role {
			case data.RoleOrganizer:
				return pol.appraisalDated(a)
			case data.RoleBank:
				if err := pol.appraisalDated(a); err != nil {
					return err
				}
				if err := own(&a.BankID, p.Token.BankID, "bank_id", "record appraisals under your own bank"); err != nil {
					return err
				}
				return pol.bankAppraisalEnterprise(ctx, p.Token.BankID, nil, a)
			}
			return Forbidden("an enterprise cannot record appraisals: the organizer or the lending bank records the appraisal firm's report")
		},
		update: func(ctx context.Context, p *Caller, old, a *data.Appraisal) error {
			switch p.Token.Role {
			case data.RoleOrganizer:
				return pol.appraisalDated(a)
			case data.RoleBank:
				if old.BankID != p.Token.BankID {
					return Forbidden("only the organizer may change an appraisal the organizer recorded")
				}
				if err := pol.appraisalDated(a); err != nil {
					return err
				}
				if err := own(&a.BankID, p.Token.BankID, "bank_id", "keep your appraisals under your own bank"); err != nil {
					return err
				}
				return pol.bankAppraisalEnterprise(ctx, p.Token.BankID, old, a)
			}
			return Forbidden("an enterprise cannot change appraisals")
		},
		remove: func(ctx context.Context, p *Caller, a *data.Appraisal) error {
			switch p.Token.Role {
			case data.RoleOrganizer:
				return nil
			case data.RoleBank:
				if a.BankID == p.Token.BankID {
					return nil
				}
				return Forbidden("only the organizer may delete an appraisal the organizer recorded")
			}
			return Forbidden("an enterprise cannot delete appraisals")
		},
	}
}

// bankAppraisalEnterprise checks that a bank's appraisal a is of an
// enterprise the bank may see (unchanged from old on an update is not
// checked again).
func (pol *policy) bankAppraisalEnterprise(ctx context.Context, bankID string, old, a *data.Appraisal) error {
	if a.EnterpriseID == "" || (old != nil && a.EnterpriseID == old.EnterpriseID) {
		return nil
	}
	ok, err := pol.bankSeesEnterpriseID(ctx, bankID, a.EnterpriseID)
	if err != nil {
		return err
	}
	if !ok {
		return Forbidden("enterprise_id: an appraisal must be of an enterprise that consented to be seen by your bank")
	}
	return nil
}

// ---- Tokens: the organizer only ----

func (pol *policy) tokenRules() rules[data.Token] {
	return rules[data.Token]{
		list: func(_ context.Context, p *Caller, _ ListQuery, _ *listPlan[data.Token]) error {
			return organizerOnly(p, "list tokens")
		},
		visible: func(_ context.Context, p *Caller, _ *data.Token) (bool, error) {
			return p.Is(data.RoleOrganizer), nil
		},
		create: func(_ context.Context, p *Caller, _ *data.Token) error { return organizerOnly(p, "create tokens") },
		update: func(_ context.Context, p *Caller, _, _ *data.Token) error {
			return organizerOnly(p, "change tokens")
		},
		remove: func(_ context.Context, p *Caller, _ *data.Token) error { return organizerOnly(p, "revoke tokens") },
	}
}

// ---- Imports ----

// ImportScope checks what p may import and returns the bindings the import
// must enforce: an enterprise imports only its own patents and profile, a
// bank only its own products. ownerID and bankID are the caller's optional
// query parameters (owner_id, bank_id).
func ImportScope(p *Caller, kind, ownerID, bankID string) (owner, bank string, err error) {
	switch p.Token.Role {
	case data.RoleOrganizer:
		return ownerID, bankID, nil
	case data.RoleCompany:
		if kind != data.PatentKind.Name && kind != data.EnterpriseKind.Name {
			return "", "", Forbidden("an enterprise may import only its own patents and profile")
		}
		if bankID != "" {
			return "", "", Forbidden("bank_id: an enterprise cannot import for a bank")
		}
		if err := own(&ownerID, p.Token.EnterpriseID, "owner_id", "import for your own enterprise"); err != nil {
			return "", "", err
		}
		return ownerID, "", nil
	case data.RoleBank:
		if kind != data.ProductKind.Name {
			return "", "", Forbidden("a bank may import only its own products")
		}
		if ownerID != "" {
			return "", "", Forbidden("owner_id: a bank cannot import for an enterprise")
		}
		if err := own(&bankID, p.Token.BankID, "bank_id", "import products of your own bank"); err != nil {
			return "", "", err
		}
		return "", bankID, nil
	}
	return "", "", Forbidden("unknown role")
}

// ---- Financial statements: consents.share_data ----

// financialsVisible reports whether p may see enterprise e's financial
// statements and every figure computed from them (ratios, PD, expected
// loss, revenue-based valuation inputs, the observed value of a financial
// eligibility criterion): the organizer always, an enterprise for itself,
// a bank only when e shared its data (Consents.ShareData). The matcher
// computes with the financials regardless; every answer that shows an
// enterprise to a caller is redacted with this predicate (consent.go).
func financialsVisible(p *Caller, e *data.Enterprise) bool {
	switch p.Token.Role {
	case data.RoleOrganizer:
		return true
	case data.RoleCompany:
		return e.ID == p.Token.EnterpriseID
	case data.RoleBank:
		return e.Consents.ShareData
	}
	return false
}

// ---- What a bank sees ----

// bankEvents returns the events where bank bankID has a desk.
func (pol *policy) bankEvents(ctx context.Context, bankID string) (map[string]bool, error) {
	parts, err := All(ctx, pol.store.Participants(), data.ListOptions{Refs: data.Refs{Bank: bankID}})
	if err != nil {
		return nil, err
	}
	events := map[string]bool{}
	for _, pt := range parts {
		if pt.Role == data.RoleBankDesk && pt.BankID == bankID {
			events[pt.EventID] = true
		}
	}
	return events, nil
}

// declined reports whether enterprise registration pt said no_thanks to
// bank bankID.
func declined(pt *data.Participant, bankID string) bool {
	return slices.ContainsFunc(pt.Preferences, func(pr data.Preference) bool {
		return pr.Kind == data.NoThanks && pr.Target == bankID
	})
}

// bankSees returns the predicate that says whether bank bankID may see an
// enterprise: it joined the pool (Consents.Pool: it consented to every
// bank), or registered for an event where the bank has a desk without
// saying no_thanks to that bank in that registration.
func (pol *policy) bankSees(ctx context.Context, bankID string) (func(*data.Enterprise) bool, error) {
	registered, err := pol.bankRegistered(ctx, bankID)
	if err != nil {
		return nil, err
	}
	return bankSeesWith(registered), nil
}

// bankSeesWith is bankSees for the enterprises registered (bankRegistered).
func bankSeesWith(registered map[string]bool) func(*data.Enterprise) bool {
	return func(e *data.Enterprise) bool { return e.Consents.Pool || registered[e.ID] }
}

// bankRegistered returns the enterprises registered for an event where
// bank bankID has a desk, unless they declined it: those it sees without
// their pool consent (bankSees).
func (pol *policy) bankRegistered(ctx context.Context, bankID string) (map[string]bool, error) {
	events, err := pol.bankEvents(ctx, bankID)
	if err != nil {
		return nil, err
	}
	registered := map[string]bool{}
	for ev := range events {
		parts, err := All(ctx, pol.store.Participants(), data.ListOptions{Refs: data.Refs{Event: ev}})
		if err != nil {
			return nil, err
		}
		for _, pt := range parts {
			if pt.Role == data.RoleEnterprise && !declined(&pt, bankID) {
				registered[pt.EnterpriseID] = true
			}
		}
	}
	return registered, nil
}

// bankSeesEnterprise reports whether bank bankID may see enterprise e.
func (pol *policy) bankSeesEnterprise(ctx context.Context, bankID string, e *data.Enterprise) (bool, error) {
	if e.Consents.Pool {
		return true, nil
	}
	regs, err := All(ctx, pol.store.Participants(), data.ListOptions{Refs: data.Refs{Enterprise: e.ID}})
	if err != nil || len(regs) == 0 {
		return false, err
	}
	events, err := pol.bankEvents(ctx, bankID)
	if err != nil {
		return false, err
	}
	for _, pt := range regs {
		if pt.Role == data.RoleEnterprise && pt.EnterpriseID == e.ID && events[pt.EventID] && !declined(&pt, bankID) {
			return true, nil
		}
	}
	return false, nil
}

// bankSeesEnterpriseID is bankSeesEnterprise for an enterprise id; a
// missing enterprise is not seen.
func (pol *policy) bankSeesEnterpriseID(ctx context.Context, bankID, id string) (bool, error) {
	e, err := pol.store.Enterprises().Get(ctx, id)
	if data.ErrorCode(err) == data.CodeNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return pol.bankSeesEnterprise(ctx, bankID, &e)
}

// bankWindow makes plan a window of order (the node's enterprises or
// patents in ID order): those bank bankID sees (bankSees) without a scan
// of the store, whatever the page.
func bankWindow[T any](ctx context.Context, pol *policy, bankID string, plan *listPlan[T], order func(*recordView) *poolOrder) error {
	registered, err := pol.bankRegistered(ctx, bankID)
	if err != nil {
		return err
	}
	view, err := pol.records(ctx)
	if err != nil {
		return err
	}
	o := order(view)
	plan.window = func(offset, limit int) ([]string, int) { return o.window(registered, offset, limit) }
	return nil
}

// bankEnterpriseIDs returns the enterprises bank bankID sees, in no
// particular order, from the node's records: data.ListOptions cannot
// filter on consent, and a scan of the store was seconds at the size of a
// province.
func (pol *policy) bankEnterpriseIDs(ctx context.Context, bankID string) ([]string, error) {
	sees, err := pol.bankSees(ctx, bankID)
	if err != nil {
		return nil, err
	}
	view, err := pol.records(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	view.enterprises(func(e *data.Enterprise) bool {
		if sees(e) {
			ids = append(ids, e.ID)
		}
		return true
	})
	return ids, nil
}

// wishesOf returns whose wishes p may see at an event: the organizer any
// enterprise's (enterpriseID required), an enterprise its own (another id
// is forbidden, as a list filter naming someone else's records), a bank
// none.
func wishesOf(p *Caller, enterpriseID string) (string, error) {
	switch {
	case p.Is(data.RoleOrganizer):
		if enterpriseID == "" {
			return "", data.InvalidField("enterprise_id", "is required: whose wishes to explain")
		}
		return enterpriseID, nil
	case p.Is(data.RoleCompany):
		if enterpriseID != "" && enterpriseID != p.Token.EnterpriseID {
			return "", Forbidden("enterprise_id: an enterprise sees only its own wishes")
		}
		return p.Token.EnterpriseID, nil
	}
	return "", Forbidden("only the organizer and the enterprise itself may see an enterprise's wishes")
}

// wishBlockVisible says whether p may learn, before the schedule is
// published, that a must-meet wish is blocked for reason code. A bank's
// no-thanks is its own registration, private while the event is a draft
// (participantRules), so an enterprise is not told of it until the
// schedule is published; ineligibility follows from the bank's active
// products and the enterprise's own data, which it may read anyway.
func wishBlockVisible(p *Caller, code schedule.ShortfallCode) bool {
	return p.Is(data.RoleOrganizer) || code != schedule.ShortNoThanks
}

// BankSees reports whether bank bankID may see enterprise e (the consent
// rule of bankSees), for the doors' tests and tools.
func (a *App) BankSees(ctx context.Context, bankID string, e *data.Enterprise) (bool, error) {
	return a.policy.bankSeesEnterprise(ctx, bankID, e)
}
