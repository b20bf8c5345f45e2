// Package memstore is an in-memory data.Store, for tests and tools: the
// records live in maps and are gone when the process ends. It keeps the
// Store contract (data/storetest passes on it) and is safe for concurrent
// use: each table has its own mutex, a Put is all or nothing within its
// table, and every read and write hands out deep copies, so callers never
// share memory with it. Its lists scan the whole table, so it suits the
// sizes of tests, not of a province.
package memstore

import (
	"bytes"
	"cmp"
	"context"
	"encoding/gob"
	"slices"
	"sync"
	"time"

	"ipmatch/data"
)

// Store is an in-memory data.Store. It keeps the Put contract (Check,
// natural-key resolution, conflicts, IDs, stamps, all or nothing) with maps
// under one mutex per table, and hands out deep copies so callers cannot
// change what it holds.
type Store struct {
	enterprises  *table[data.Enterprise]
	patents      *table[data.Patent]
	banks        *table[data.Bank]
	products     *table[data.Product]
	events       *table[data.Event]
	participants *table[data.Participant]
	deals        *table[data.Deal]
	pools        *table[data.Pool]
	tokens       *table[data.Token]
	schedules    *table[data.Schedule]
	users        *table[data.User]
	appraisers   *table[data.Appraiser]
	appraisals   *table[data.Appraisal]
	alerts       *table[data.Alert]
	webhooks     *table[data.Webhook]
	policies     *table[data.Policy]
	applications *table[data.Application]
	audit        *table[data.AuditEntry]

	sessions       *table[data.Session]
	signInFailures *table[data.SignInFailure]
	secrets        *table[data.Secret]
}

// New returns an empty store.
func New() *Store {
	return &Store{
		enterprises:  newTable(data.EnterpriseKind),
		patents:      newTable(data.PatentKind),
		banks:        newTable(data.BankKind),
		products:     newTable(data.ProductKind),
		events:       newTable(data.EventKind),
		participants: newTable(data.ParticipantKind),
		deals:        newTable(data.DealKind),
		pools:        newTable(data.PoolKind),
		tokens:       newTable(data.TokenKind),
		schedules:    newTable(data.ScheduleKind),
		users:        newTable(data.UserKind),
		appraisers:   newTable(data.AppraiserKind),
		appraisals:   newTable(data.AppraisalKind),
		alerts:       newTable(data.AlertKind),
		webhooks:     newTable(data.WebhookKind),
		policies:     newTable(data.PolicyKind),
		applications: newTable(data.ApplicationKind),
		audit:        newTable(data.AuditKind),

		sessions:       newTable(data.SessionKind),
		signInFailures: newTable(data.SignInFailureKind),
		secrets:        newTable(data.SecretKind),
	}
}

func (s *Store) Enterprises() data.Table[data.Enterprise]   { return s.enterprises }
func (s *Store) Patents() data.Table[data.Patent]           { return s.patents }
func (s *Store) Banks() data.Table[data.Bank]               { return s.banks }
func (s *Store) Products() data.Table[data.Product]         { return s.products }
func (s *Store) Events() data.Table[data.Event]             { return s.events }
func (s *Store) Participants() data.Table[data.Participant] { return s.participants }
func (s *Store) Deals() data.Table[data.Deal]               { return s.deals }
func (s *Store) Pools() data.Table[data.Pool]               { return s.pools }
func (s *Store) Tokens() data.Table[data.Token]             { return s.tokens }
func (s *Store) Schedules() data.Table[data.Schedule]       { return s.schedules }
func (s *Store) Users() data.Table[data.User]               { return s.users }
func (s *Store) Appraisers() data.Table[data.Appraiser]     { return s.appraisers }
func (s *Store) Appraisals() data.Table[data.Appraisal]     { return s.appraisals }
func (s *Store) Alerts() data.Table[data.Alert]             { return s.alerts }
func (s *Store) Webhooks() data.Table[data.Webhook]         { return s.webhooks }
func (s *Store) Policies() data.Table[data.Policy]          { return s.policies }
func (s *Store) Applications() data.Table[data.Application] { return s.applications }
func (s *Store) Audit() data.Table[data.AuditEntry]         { return s.audit }
func (s *Store) Close() error                               { return nil }

func (s *Store) Sessions() data.Table[data.Session]             { return s.sessions }
func (s *Store) SignInFailures() data.Table[data.SignInFailure] { return s.signInFailures }
func (s *Store) Secrets() data.Table[data.Secret]               { return s.secrets }

// table is one table of a Store.
type table[T any] struct {
	kind data.Kind[T]

	mu   sync.Mutex
	recs map[string]T
	puts int // Put calls, successful or not
}

func newTable[T any](k data.Kind[T]) *table[T] {
	return &table[T]{kind: k, recs: map[string]T{}}
}

// copyOf returns a deep copy of r as the kind keeps it: gob (which keeps
// fields JSON hides, such as Token.Hash) turns empty lists into nil, so
// the kind's Normalize makes them empty again, as stored.
func (m *table[T]) copyOf(r T) T {
	out := deepCopy(r)
	m.kind.Normalize(&out)
	return out
}

// deepCopy returns a deep copy of v.
func deepCopy[T any](v T) T {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&v); err != nil {
		panic(err)
	}
	var out T
	if err := gob.NewDecoder(&buf).Decode(&out); err != nil {
		panic(err)
	}
	return out
}

func (m *table[T]) Get(ctx context.Context, id string) (T, error) {
	if err := ctx.Err(); err != nil {
		var zero T
		return zero, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[id]
	if !ok {
		var zero T
		return zero, m.kind.NotFound(id)
	}
	return m.copyOf(r), nil
}

func (m *table[T]) GetByKey(ctx context.Context, key string) (T, error) {
	if err := ctx.Err(); err != nil {
		var zero T
		return zero, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if id := m.holder(key); id != "" {
		return m.copyOf(m.recs[id]), nil
	}
	var zero T
	return zero, data.Errorf(data.CodeNotFound, "no %s with key %q", m.kind.Name, key)
}

// holder returns the ID of the record with natural key key, or "".
func (m *table[T]) holder(key string) string {
	if key == "" {
		return ""
	}
	for id, r := range m.recs {
		if m.kind.Key(&r) == key {
			return id
		}
	}
	return ""
}

func (m *table[T]) List(ctx context.Context, opts data.ListOptions) ([]T, int, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	if opts.Offset < 0 {
		return nil, 0, data.InvalidField("offset", "must not be negative")
	}
	if opts.Limit < 0 {
		return nil, 0, data.InvalidField("limit", "must not be negative")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []T
	for id, r := range m.recs {
		if opts.IDs != nil && !slices.Contains(opts.IDs, id) {
			continue
		}
		if opts.After != "" && id <= opts.After {
			continue
		}
		if e := m.kind.Refs(&r).Enterprise; opts.Enterprises != nil && (e == "" || !slices.Contains(opts.Enterprises, e)) {
			continue
		}
		if !refsMatch(opts.Refs, m.kind.Refs(&r)) {
			continue
		}
		out = append(out, m.copyOf(r))
	}
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(*m.kind.ID(&a), *m.kind.ID(&b)) })
	total := len(out)
	out = out[min(max(opts.Offset, 0), len(out)):]
	if opts.Limit > 0 && len(out) > opts.Limit {
		out = out[:opts.Limit]
	}
	return out, total, nil
}

func refsMatch(want, got data.Refs) bool {
	ok := func(w, g string) bool { return w == "" || w == g }
	return ok(want.Bank, got.Bank) && ok(want.Enterprise, got.Enterprise) && ok(want.Event, got.Event) &&
		ok(want.Pool, got.Pool) && ok(want.Product, got.Product)
}

func (m *table[T]) Put(ctx context.Context, recs ...*T) ([]data.PutOutcome, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.puts++
	if err := m.kind.Check(recs); err != nil {
		return nil, err
	}
	// Resolve every ID and check every key before writing anything, on a
	// view of the keys as the batch changes them in order: a record may
	// give its key up to a later one of the same batch.
	ids := make([]string, len(recs))
	owner := map[string]string{} // key → ID, where the batch changed it
	keyOf := map[string]string{} // ID → key, where the batch changed it
	holder := func(key string) string {
		if id, ok := owner[key]; ok {
			return id
		}
		id := m.holder(key)
		if k, moved := keyOf[id]; moved && k != key {
			return "" // its holder gave it up earlier in the batch
		}
		return id
	}
	for i, r := range recs {
		id, key := *m.kind.ID(r), m.kind.Key(r)
		if id == "" && key != "" {
			id = holder(key)
		}
		if id == "" {
			id = m.kind.NewID()
		}
		if key != "" {
			if h := holder(key); h != "" && h != id {
				return nil, m.kind.KeyConflict(key, h)
			}
		}
		prev, changed := keyOf[id]
		if !changed {
			if old, ok := m.recs[id]; ok {
				prev = m.kind.Key(&old)
			}
		}
		if prev != "" && prev != key {
			owner[prev] = ""
		}
		if key != "" {
			owner[key] = id
		}
		keyOf[id] = key
		ids[i] = id
	}
	// Stamps at microsecond precision, as the other stores keep them.
	now := time.Now().UTC().Truncate(time.Microsecond)
	out := make([]data.PutOutcome, len(recs))
	for i, r := range recs {
		old, exists := m.recs[ids[i]]
		*m.kind.ID(r) = ids[i]
		created, updated := m.kind.Stamps(r)
		*created, *updated = now, now
		rev := int64(1)
		if exists {
			oc, _ := m.kind.Stamps(&old)
			*created = *oc
			rev = m.revOf(&old) + 1
		}
		m.setRev(r, rev)
		m.recs[ids[i]] = deepCopy(*r)
		out[i] = data.PutOutcome{ID: ids[i], Created: !exists}
	}
	return out, nil
}

// revOf returns the revision of r, 0 for kinds without.
func (m *table[T]) revOf(r *T) int64 {
	if m.kind.Rev == nil {
		return 0
	}
	return *m.kind.Rev(r)
}

// setRev sets the revision of r, for kinds with revisions.
func (m *table[T]) setRev(r *T, rev int64) {
	if m.kind.Rev != nil {
		*m.kind.Rev(r) = rev
	}
}

// Create inserts rec if neither its ID nor its natural key is stored.
func (m *table[T]) Create(ctx context.Context, rec *T) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := m.kind.Check([]*T{rec}); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	id, key := *m.kind.ID(rec), m.kind.Key(rec)
	if h := m.holder(key); h != "" {
		return m.kind.KeyConflict(key, h)
	}
	if _, ok := m.recs[id]; ok {
		return m.kind.Exists(id)
	}
	if id == "" {
		id = m.kind.NewID()
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	*m.kind.ID(rec) = id
	created, updated := m.kind.Stamps(rec)
	*created, *updated = now, now
	m.setRev(rec, 1)
	m.recs[id] = deepCopy(*rec)
	return nil
}

// Update replaces the record with rec's ID if it still has rec's revision.
func (m *table[T]) Update(ctx context.Context, rec *T) error {
	if m.kind.Rev == nil {
		panic("memstore: Update of " + m.kind.Name + ", which has no revisions")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := m.kind.Check([]*T{rec}); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	id, key := *m.kind.ID(rec), m.kind.Key(rec)
	old, ok := m.recs[id]
	if !ok {
		return m.kind.NotFound(id)
	}
	if read, stored := m.revOf(rec), m.revOf(&old); read != stored {
		return m.kind.Stale(id, read, stored)
	}
	if h := m.holder(key); h != "" && h != id {
		return m.kind.KeyConflict(key, h)
	}
	created, updated := m.kind.Stamps(rec)
	oc, _ := m.kind.Stamps(&old)
	*created, *updated = *oc, time.Now().UTC().Truncate(time.Microsecond)
	m.setRev(rec, m.revOf(&old)+1)
	m.recs[id] = deepCopy(*rec)
	return nil
}

func (m *table[T]) Delete(ctx context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.recs[id]; !ok {
		return m.kind.NotFound(id)
	}
	delete(m.recs, id)
	return nil
}

func (m *table[T]) Count(ctx context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.recs), nil
}

// PutCalls returns how many times Put was called on the table of kind
// name, for tests that count batches.
func (s *Store) PutCalls(name string) int {
	switch name {
	case data.EnterpriseKind.Name:
		return s.enterprises.putCalls()
	case data.PatentKind.Name:
		return s.patents.putCalls()
	}
	panic("memstore: PutCalls of " + name)
}

// putCalls returns how many times Put was called.
func (m *table[T]) putCalls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.puts
}
