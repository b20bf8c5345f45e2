package data

import (
	"context"
	"time"
)

// StoreObserver is told of each store operation once it returns: the kind
// of record (Kind.Name), the operation ("get", "get_by_key", "list",
// "put", "create", "update", "delete", "count"), how long it took and its
// error (nil on success). It is called from many goroutines at once.
type StoreObserver func(kind, op string, d time.Duration, err error)

// Timed returns store with every table decorated so that each operation is
// reported to observe: the hook through which a server measures its
// store's latencies (cmd/ipmatch exports them as metrics) without data
// knowing of any metrics library. A nil observe returns store itself.
// Close and anything the store offers beyond Store pass through unseen.
func Timed(store Store, observe StoreObserver) Store {
	if observe == nil {
		return store
	}
	return &timed{
		Store:          store,
		enterprises:    timedTable[Enterprise]{store.Enterprises(), EnterpriseKind.Name, observe},
		patents:        timedTable[Patent]{store.Patents(), PatentKind.Name, observe},
		banks:          timedTable[Bank]{store.Banks(), BankKind.Name, observe},
		products:       timedTable[Product]{store.Products(), ProductKind.Name, observe},
		events:         timedTable[Event]{store.Events(), EventKind.Name, observe},
		participants:   timedTable[Participant]{store.Participants(), ParticipantKind.Name, observe},
		deals:          timedTable[Deal]{store.Deals(), DealKind.Name, observe},
		pools:          timedTable[Pool]{store.Pools(), PoolKind.Name, observe},
		tokens:         timedTable[Token]{store.Tokens(), TokenKind.Name, observe},
		schedules:      timedTable[Schedule]{store.Schedules(), ScheduleKind.Name, observe},
		users:          timedTable[User]{store.Users(), UserKind.Name, observe},
		appraisers:     timedTable[Appraiser]{store.Appraisers(), AppraiserKind.Name, observe},
		appraisals:     timedTable[Appraisal]{store.Appraisals(), AppraisalKind.Name, observe},
		alerts:         timedTable[Alert]{store.Alerts(), AlertKind.Name, observe},
		webhooks:       timedTable[Webhook]{store.Webhooks(), WebhookKind.Name, observe},
		policies:       timedTable[Policy]{store.Policies(), PolicyKind.Name, observe},
		applications:   timedTable[Application]{store.Applications(), ApplicationKind.Name, observe},
		audit:          timedTable[AuditEntry]{store.Audit(), AuditKind.Name, observe},
		sessions:       timedTable[Session]{store.Sessions(), SessionKind.Name, observe},
		signInFailures: timedTable[SignInFailure]{store.SignInFailures(), SignInFailureKind.Name, observe},
		secrets:        timedTable[Secret]{store.Secrets(), SecretKind.Name, observe},
	}
}

// timed is the decorated store.
type timed struct {
	Store
	enterprises    timedTable[Enterprise]
	patents        timedTable[Patent]
	banks          timedTable[Bank]
	products       timedTable[Product]
	events         timedTable[Event]
	participants   timedTable[Participant]
	deals          timedTable[Deal]
	pools          timedTable[Pool]
	tokens         timedTable[Token]
	schedules      timedTable[Schedule]
	users          timedTable[User]
	appraisers     timedTable[Appraiser]
	appraisals     timedTable[Appraisal]
	alerts         timedTable[Alert]
	webhooks       timedTable[Webhook]
	policies       timedTable[Policy]
	applications   timedTable[Application]
	audit          timedTable[AuditEntry]
	sessions       timedTable[Session]
	signInFailures timedTable[SignInFailure]
	secrets        timedTable[Secret]
}

func (s *timed) Enterprises() Table[Enterprise]       { return s.enterprises }
func (s *timed) Patents() Table[Patent]               { return s.patents }
func (s *timed) Banks() Table[Bank]                   { return s.banks }
func (s *timed) Products() Table[Product]             { return s.products }
func (s *timed) Events() Table[Event]                 { return s.events }
func (s *timed) Participants() Table[Participant]     { return s.participants }
func (s *timed) Deals() Table[Deal]                   { return s.deals }
func (s *timed) Pools() Table[Pool]                   { return s.pools }
func (s *timed) Tokens() Table[Token]                 { return s.tokens }
func (s *timed) Schedules() Table[Schedule]           { return s.schedules }
func (s *timed) Users() Table[User]                   { return s.users }
func (s *timed) Appraisers() Table[Appraiser]         { return s.appraisers }
func (s *timed) Appraisals() Table[Appraisal]         { return s.appraisals }
func (s *timed) Alerts() Table[Alert]                 { return s.alerts }
func (s *timed) Webhooks() Table[Webhook]             { return s.webhooks }
func (s *timed) Policies() Table[Policy]              { return s.policies }
func (s *timed) Applications() Table[Application]     { return s.applications }
func (s *timed) Audit() Table[AuditEntry]             { return s.audit }
func (s *timed) Sessions() Table[Session]             { return s.sessions }
func (s *timed) SignInFailures() Table[SignInFailure] { return s.signInFailures }
func (s *timed) Secrets() Table[Secret]               { return s.secrets }

// timedTable reports each operation of t as one of kind.
type timedTable[T any] struct {
	t       Table[T]
	kind    string
	observe StoreObserver
}

func (t timedTable[T]) done(op string, start time.Time, err error) {
	t.observe(t.kind, op, time.Since(start), err)
}

func (t timedTable[T]) Get(ctx context.Context, id string) (T, error) {
	start := time.Now()
	rec, err := t.t.Get(ctx, id)
	t.done("get", start, err)
	return rec, err
}

func (t timedTable[T]) GetByKey(ctx context.Context, key string) (T, error) {
	start := time.Now()
	rec, err := t.t.GetByKey(ctx, key)
	t.done("get_by_key", start, err)
	return rec, err
}

func (t timedTable[T]) List(ctx context.Context, opts ListOptions) ([]T, int, error) {
	start := time.Now()
	recs, n, err := t.t.List(ctx, opts)
	t.done("list", start, err)
	return recs, n, err
}

func (t timedTable[T]) Put(ctx context.Context, recs ...*T) ([]PutOutcome, error) {
	start := time.Now()
	out, err := t.t.Put(ctx, recs...)
	t.done("put", start, err)
	return out, err
}

func (t timedTable[T]) Create(ctx context.Context, rec *T) error {
	start := time.Now()
	err := t.t.Create(ctx, rec)
	t.done("create", start, err)
	return err
}

func (t timedTable[T]) Update(ctx context.Context, rec *T) error {
	start := time.Now()
	err := t.t.Update(ctx, rec)
	t.done("update", start, err)
	return err
}

func (t timedTable[T]) Delete(ctx context.Context, id string) error {
	start := time.Now()
	err := t.t.Delete(ctx, id)
	t.done("delete", start, err)
	return err
}

func (t timedTable[T]) Count(ctx context.Context) (int, error) {
	start := time.Now()
	n, err := t.t.Count(ctx)
	t.done("count", start, err)
	return n, err
}
