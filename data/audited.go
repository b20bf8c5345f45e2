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
// The entry is written atomically with the write when the store beneath
// can (an AuditRequest in the write's context, which data/sqlite takes into
// the write's transaction and data/mongo onto the records themselves): a
// crash leaves both or neither. Otherwise (memstore) it is appended after
// the write: a write that fails is not logged, and a crash between the two
// loses the entry. If the append fails, the write's success is still
// returned (it did happen) and the failure is logged as an error to
// logger. A MongoDB batch that fails part-way is not logged either, though
// it may have written records; see data.Table.
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
		alerts:       &auditedTable[Alert]{store.Alerts(), AlertKind, a},
		webhooks:     &auditedTable[Webhook]{store.Webhooks(), WebhookKind, a},
		policies:     &auditedTable[Policy]{store.Policies(), PolicyKind, a},
		applications: &auditedTable[Application]{store.Applications(), ApplicationKind, a},
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
	alerts       *auditedTable[Alert]
	webhooks     *auditedTable[Webhook]
	policies     *auditedTable[Policy]
	applications *auditedTable[Application]
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
func (s *audited) Alerts() Table[Alert]             { return s.alerts }
func (s *audited) Webhooks() Table[Webhook]         { return s.webhooks }
func (s *audited) Policies() Table[Policy]          { return s.policies }
func (s *audited) Applications() Table[Application] { return s.applications }

// auditLog appends entries for one node.
type auditLog struct {
	log    Table[AuditEntry]
	node   string
	logger *slog.Logger
}

// AuditRequest travels in the context of a write made through Audited. A
// store that can write the write's audit entries atomically with it takes
// the request (Take) and writes the entries it returns; when no store
// takes it, Audited appends them after the write.
type AuditRequest struct {
	node  string
	taken bool
}

type auditRequestKey struct{}

// AuditRequestOf returns the audit request of a write's context, or nil
// when the write is not to be logged.
func AuditRequestOf(ctx context.Context) *AuditRequest {
	r, _ := ctx.Value(auditRequestKey{}).(*AuditRequest)
	return r
}

// Take returns the audit entries of the write of ids of kind with action,
// whose origin ctx carries, and marks the request served. A store calls it
// once per write, and only if it writes the entries with the write.
func (r *AuditRequest) Take(ctx context.Context, kind, action string, ids []string) []*AuditEntry {
	r.taken = true
	return auditEntries(ctx, r.node, kind, action, ids)
}

// PutAction is the audit action of a Put with outcomes out.
func PutAction(out []PutOutcome) string {
	created := 0
	for _, o := range out {
		if o.Created {
			created++
		}
	}
	switch created {
	case len(out):
		return AuditCreate
	case 0:
		return AuditUpdate
	}
	return AuditPut
}

// auditEntries builds the entries of one write of ids of kind by node.
func auditEntries(ctx context.Context, node, kind, action string, ids []string) []*AuditEntry {
	o := OriginOf(ctx)
	var entries []*AuditEntry
	for start := 0; start < len(ids); start += MaxAuditIDs {
		end := min(start+MaxAuditIDs, len(ids))
		entries = append(entries, &AuditEntry{
			ID: NewAuditID(time.Now()), Node: node,
			Actor: o.Actor, Via: o.Via, Request: o.Request, RequestID: o.RequestID,
			Action: action, Kind: kind, IDs: ids[start:end:end],
		})
	}
	return entries
}

// request returns ctx with a fresh audit request for one write.
func (a *auditLog) request(ctx context.Context) (context.Context, *AuditRequest) {
	r := &AuditRequest{node: a.node}
	return context.WithValue(ctx, auditRequestKey{}, r), r
}

// record appends the entries of one write of ids of kind, unless the store
// wrote them with the write (req taken).
func (a *auditLog) record(ctx context.Context, req *AuditRequest, kind, action string, ids []string) {
	if req.taken {
		return
	}
	entries := auditEntries(ctx, a.node, kind, action, ids)
	if len(entries) == 0 {
		return
	}
	// The write is done: log it even if the caller has gone away.
	if _, err := a.log.Put(context.WithoutCancel(ctx), entries...); err != nil {
		a.logger.ErrorContext(ctx, "audit log append failed", "kind", kind, "action", action,
			"ids", len(ids), "request_id", OriginOf(ctx).RequestID, "error", err)
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
	wctx, req := t.a.request(ctx)
	out, err := t.Table.Put(wctx, recs...)
	if err != nil {
		return out, err
	}
	ids := make([]string, len(out))
	for i, o := range out {
		ids[i] = o.ID
	}
	t.a.record(ctx, req, t.kind.Name, PutAction(out), ids)
	return out, nil
}

// Create inserts rec, then logs it.
func (t *auditedTable[T]) Create(ctx context.Context, rec *T) error {
	wctx, req := t.a.request(ctx)
	if err := t.Table.Create(wctx, rec); err != nil {
		return err
	}
	t.a.record(ctx, req, t.kind.Name, AuditCreate, []string{*t.kind.ID(rec)})
	return nil
}

// Update replaces rec if unchanged since read, then logs it.
func (t *auditedTable[T]) Update(ctx context.Context, rec *T) error {
	wctx, req := t.a.request(ctx)
	if err := t.Table.Update(wctx, rec); err != nil {
		return err
	}
	t.a.record(ctx, req, t.kind.Name, AuditUpdate, []string{*t.kind.ID(rec)})
	return nil
}

// Delete removes the record, then logs it.
func (t *auditedTable[T]) Delete(ctx context.Context, id string) error {
	wctx, req := t.a.request(ctx)
	if err := t.Table.Delete(wctx, id); err != nil {
		return err
	}
	t.a.record(ctx, req, t.kind.Name, AuditDelete, []string{id})
	return nil
}
