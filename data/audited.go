package data

import (
	"context"
	"log/slog"
	"time"
)

// Audited returns store with every table but the audit log decorated so
// that each successful Put and Delete appends AuditEntry records naming the
// origin its context carries (WithOrigin), the node, the action and the
// IDs. node names this process in the entries, so a node following the log
// can skip its own writes.
//
// The entry is appended after the write: a write that fails is not logged,
// and a crash between the two loses the entry (the record is written). If
// the append itself fails, the write's success is still returned (it did
// happen) and the failure is logged as an error to logger. A MongoDB batch
// that fails part-way is not logged either, though it may have written
// records; see data.Table.
func Audited(store Store, node string, logger *slog.Logger) Store {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	a := &auditLog{log: store.Audit(), node: node, logger: logger}
	return &audited{
		Store:        store,
		enterprises:  &auditedTable[Enterprise]{store.Enterprises(), EnterpriseKind, a},
		patents:      &auditedTable[Patent]{store.Patents(), PatentKind, a},
		banks:        &auditedTable[Bank]{store.Banks(), BankKind, a},
		products:     &auditedTable[Product]{store.Products(), ProductKind, a},
		events:       &auditedTable[Event]{store.Events(), EventKind, a},
		participants: &auditedTable[Participant]{store.Participants(), ParticipantKind, a},
		deals:        &auditedTable[Deal]{store.Deals(), DealKind, a},
		pools:        &auditedTable[Pool]{store.Pools(), PoolKind, a},
		tokens:       &auditedTable[Token]{store.Tokens(), TokenKind, a},
		schedules:    &auditedTable[Schedule]{store.Schedules(), ScheduleKind, a},
		users:        &auditedTable[User]{store.Users(), UserKind, a},
		appraisers:   &auditedTable[Appraiser]{store.Appraisers(), AppraiserKind, a},
		appraisals:   &auditedTable[Appraisal]{store.Appraisals(), AppraisalKind, a},
	}
}

// audited is the decorated store.
type audited struct {
	Store
	enterprises  *auditedTable[Enterprise]
	patents      *auditedTable[Patent]
	banks        *auditedTable[Bank]
	products     *auditedTable[Product]
	events       *auditedTable[Event]
	participants *auditedTable[Participant]
	deals        *auditedTable[Deal]
	pools        *auditedTable[Pool]
	tokens       *auditedTable[Token]
	schedules    *auditedTable[Schedule]
	users        *auditedTable[User]
	appraisers   *auditedTable[Appraiser]
	appraisals   *auditedTable[Appraisal]
}

func (s *audited) Enterprises() Table[Enterprise]   { return s.enterprises }
func (s *audited) Patents() Table[Patent]           { return s.patents }
func (s *audited) Banks() Table[Bank]               { return s.banks }
func (s *audited) Products() Table[Product]         { return s.products }
func (s *audited) Events() Table[Event]             { return s.events }
func (s *audited) Participants() Table[Participant] { return s.participants }
func (s *audited) Deals() Table[Deal]               { return s.deals }
func (s *audited) Pools() Table[Pool]               { return s.pools }
func (s *audited) Tokens() Table[Token]             { return s.tokens }
func (s *audited) Schedules() Table[Schedule]       { return s.schedules }
func (s *audited) Users() Table[User]               { return s.users }
func (s *audited) Appraisers() Table[Appraiser]     { return s.appraisers }
func (s *audited) Appraisals() Table[Appraisal]     { return s.appraisals }

// auditLog appends entries for one node.
type auditLog struct {
	log    Table[AuditEntry]
	node   string
	logger *slog.Logger
}

// record appends the entries of one write of ids of kind.
func (a *auditLog) record(ctx context.Context, kind, action string, ids []string) {
	o := OriginOf(ctx)
	var entries []*AuditEntry
	for start := 0; start < len(ids); start += MaxAuditIDs {
		end := min(start+MaxAuditIDs, len(ids))
		entries = append(entries, &AuditEntry{
			ID: NewAuditID(time.Now()), Node: a.node,
			Actor: o.Actor, Via: o.Via, Request: o.Request, RequestID: o.RequestID,
			Action: action, Kind: kind, IDs: ids[start:end:end],
		})
	}
	if len(entries) == 0 {
		return
	}
	// The write is done: log it even if the caller has gone away.
	if _, err := a.log.Put(context.WithoutCancel(ctx), entries...); err != nil {
		a.logger.ErrorContext(ctx, "audit log append failed", "kind", kind, "action", action,
			"ids", len(ids), "request_id", o.RequestID, "error", err)
	}
}

// auditedTable logs the writes of one table.
type auditedTable[T any] struct {
	Table[T]
	kind Kind[T]
	a    *auditLog
}

// Put writes recs, then logs them.
func (t *auditedTable[T]) Put(ctx context.Context, recs ...*T) ([]PutOutcome, error) {
	out, err := t.Table.Put(ctx, recs...)
	if err != nil {
		return out, err
	}
	ids := make([]string, len(out))
	created := 0
	for i, o := range out {
		ids[i] = o.ID
		if o.Created {
			created++
		}
	}
	action := AuditPut
	switch created {
	case len(out):
		action = AuditCreate
	case 0:
		action = AuditUpdate
	}
	t.a.record(ctx, t.kind.Name, action, ids)
	return out, nil
}

// Create inserts rec, then logs it.
func (t *auditedTable[T]) Create(ctx context.Context, rec *T) error {
	if err := t.Table.Create(ctx, rec); err != nil {
		return err
	}
	t.a.record(ctx, t.kind.Name, AuditCreate, []string{*t.kind.ID(rec)})
	return nil
}

// Update replaces rec if unchanged since read, then logs it.
func (t *auditedTable[T]) Update(ctx context.Context, rec *T) error {
	if err := t.Table.Update(ctx, rec); err != nil {
		return err
	}
	t.a.record(ctx, t.kind.Name, AuditUpdate, []string{*t.kind.ID(rec)})
	return nil
}

// Delete removes the record, then logs it.
func (t *auditedTable[T]) Delete(ctx context.Context, id string) error {
	if err := t.Table.Delete(ctx, id); err != nil {
		return err
	}
	t.a.record(ctx, t.kind.Name, AuditDelete, []string{id})
	return nil
}
