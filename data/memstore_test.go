package data

import (
	"bytes"
	"cmp"
	"context"
	"encoding/gob"
	"slices"
	"sync"
	"time"
)

// memStore is an in-memory Store for the tests of package data. It keeps
// the Put contract (Check, natural-key resolution, conflicts, IDs, stamps,
// all or nothing) with maps under one mutex per table, and hands out deep
// copies so callers cannot change what it holds.
type memStore struct {
	enterprises  *memTable[Enterprise]
	patents      *memTable[Patent]
	banks        *memTable[Bank]
	products     *memTable[Product]
	events       *memTable[Event]
	participants *memTable[Participant]
	deals        *memTable[Deal]
	pools        *memTable[Pool]
	tokens       *memTable[Token]
	schedules    *memTable[Schedule]
	users        *memTable[User]
	appraisers   *memTable[Appraiser]
	appraisals   *memTable[Appraisal]
	audit        *memTable[AuditEntry]
}

func newMemStore() *memStore {
	return &memStore{
		enterprises:  newMemTable(EnterpriseKind),
		patents:      newMemTable(PatentKind),
		banks:        newMemTable(BankKind),
		products:     newMemTable(ProductKind),
		events:       newMemTable(EventKind),
		participants: newMemTable(ParticipantKind),
		deals:        newMemTable(DealKind),
		pools:        newMemTable(PoolKind),
		tokens:       newMemTable(TokenKind),
		schedules:    newMemTable(ScheduleKind),
		users:        newMemTable(UserKind),
		appraisers:   newMemTable(AppraiserKind),
		appraisals:   newMemTable(AppraisalKind),
		audit:        newMemTable(AuditKind),
	}
}

func (s *memStore) Enterprises() Table[Enterprise]   { return s.enterprises }
func (s *memStore) Patents() Table[Patent]           { return s.patents }
func (s *memStore) Banks() Table[Bank]               { return s.banks }
func (s *memStore) Products() Table[Product]         { return s.products }
func (s *memStore) Events() Table[Event]             { return s.events }
func (s *memStore) Participants() Table[Participant] { return s.participants }
func (s *memStore) Deals() Table[Deal]               { return s.deals }
func (s *memStore) Pools() Table[Pool]               { return s.pools }
func (s *memStore) Tokens() Table[Token]             { return s.tokens }
func (s *memStore) Schedules() Table[Schedule]       { return s.schedules }
func (s *memStore) Users() Table[User]               { return s.users }
func (s *memStore) Appraisers() Table[Appraiser]     { return s.appraisers }
func (s *memStore) Appraisals() Table[Appraisal]     { return s.appraisals }
func (s *memStore) Audit() Table[AuditEntry]         { return s.audit }
func (s *memStore) Close() error                     { return nil }

// memTable is one table of a memStore.
type memTable[T any] struct {
	kind Kind[T]

	mu   sync.Mutex
	recs map[string]T
	puts int // Put calls, successful or not
}

func newMemTable[T any](k Kind[T]) *memTable[T] {
	return &memTable[T]{kind: k, recs: map[string]T{}}
}

// memCopy returns a deep copy of v (gob keeps fields that JSON hides, such
// as Token.Hash).
func memCopy[T any](v T) T {
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

func (m *memTable[T]) Get(ctx context.Context, id string) (T, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[id]
	if !ok {
		var zero T
		return zero, m.kind.NotFound(id)
	}
	return memCopy(r), nil
}

func (m *memTable[T]) GetByKey(ctx context.Context, key string) (T, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id := m.holder(key); id != "" {
		return memCopy(m.recs[id]), nil
	}
	var zero T
	return zero, Errorf(CodeNotFound, "no %s with key %q", m.kind.Name, key)
}

// holder returns the ID of the record with natural key key, or "".
func (m *memTable[T]) holder(key string) string {
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

func (m *memTable[T]) List(ctx context.Context, opts ListOptions) ([]T, int, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
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
		if !memRefsMatch(opts.Refs, m.kind.Refs(&r)) {
			continue
		}
		out = append(out, memCopy(r))
	}
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(*m.kind.ID(&a), *m.kind.ID(&b)) })
	total := len(out)
	out = out[min(opts.Offset, len(out)):]
	if opts.Limit > 0 && len(out) > opts.Limit {
		out = out[:opts.Limit]
	}
	return out, total, nil
}

func memRefsMatch(want, got Refs) bool {
	ok := func(w, g string) bool { return w == "" || w == g }
	return ok(want.Bank, got.Bank) && ok(want.Enterprise, got.Enterprise) && ok(want.Event, got.Event) &&
		ok(want.Pool, got.Pool) && ok(want.Product, got.Product)
}

func (m *memTable[T]) Put(ctx context.Context, recs ...*T) ([]PutOutcome, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.puts++
	if err := m.kind.Check(recs); err != nil {
		return nil, err
	}
	// Resolve every ID and check every key before writing anything.
	ids := make([]string, len(recs))
	keys := map[string]string{} // key → ID within this batch
	for i, r := range recs {
		id, key := *m.kind.ID(r), m.kind.Key(r)
		if id == "" {
			id = cmp.Or(keys[key], m.holder(key))
		}
		if id == "" {
			id = m.kind.NewID()
		}
		if key != "" {
			if h := cmp.Or(keys[key], m.holder(key)); h != "" && h != id {
				return nil, m.kind.KeyConflict(key, h)
			}
			keys[key] = id
		}
		ids[i] = id
	}
	now := time.Now().UTC()
	out := make([]PutOutcome, len(recs))
	for i, r := range recs {
		old, exists := m.recs[ids[i]]
		*m.kind.ID(r) = ids[i]
		created, updated := m.kind.Stamps(r)
		*created, *updated = now, now
		if exists {
			oc, _ := m.kind.Stamps(&old)
			*created = *oc
		}
		m.recs[ids[i]] = memCopy(*r)
		out[i] = PutOutcome{ID: ids[i], Created: !exists}
	}
	return out, nil
}

func (m *memTable[T]) Delete(ctx context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.recs[id]; !ok {
		return m.kind.NotFound(id)
	}
	delete(m.recs, id)
	return nil
}

func (m *memTable[T]) Count(ctx context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.recs), nil
}

// putCalls returns how many times Put was called.
func (m *memTable[T]) putCalls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.puts
}
