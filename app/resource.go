package app

import (
	"context"
	"math"
	"net/url"
	"slices"
	"strings"

	"ipmatch/data"
)

// rules are the access rules of one kind of record for a caller. Every
// kind's rules are written out in policy.go.
type rules[T any] struct {
	// list narrows plan to what p may list, given the query; an explicit
	// filter outside p's scope is forbidden.
	list func(ctx context.Context, p *Caller, q ListQuery, plan *listPlan[T]) error
	// visible reports whether p may read r. Records p may not read answer
	// exactly like records that do not exist (404), so their existence does
	// not leak.
	visible func(ctx context.Context, p *Caller, r *T) (bool, error)
	// create checks (and may complete, e.g. the owner) a new record.
	create func(ctx context.Context, p *Caller, r *T) error
	// update checks a replacement r of the visible record old.
	update func(ctx context.Context, p *Caller, old, r *T) error
	// remove checks the deletion of the visible record r.
	remove func(ctx context.Context, p *Caller, r *T) error
	// present, when set, trims a readable record to what p may see of it
	// before it is written (an enterprise's financials, consent.go).
	present func(p *Caller, r *T)
}

// Resource reads and writes one kind of record for callers, under the
// kind's rules (policy.go).
type Resource[T any] struct {
	store data.Store
	kind  data.Kind[T]
	table func(data.Store) data.Table[T]
	// idField is the JSON name of the ID ("id", or "application_number"
	// for patents); generated says whether the server assigns IDs.
	idField   string
	generated bool
	// normID turns a URL id into the stored form; false means no such id.
	normID func(string) (string, bool)
	// refs and other are the list filters (see parseListQuery); filter
	// turns the non-reference ones into a predicate.
	refs   map[string]func(*data.Refs) *string
	other  []string
	filter func(q ListQuery) (func(*T) bool, error)
	rules  rules[T]
	// noPut says records of the kind are never replaced (tokens).
	noPut bool
	// replace, when set, replaces the generic Replace (deals: at the
	// revision read, with the pool's checks).
	replace func(ctx context.Context, p *Caller, rawID string, rec *T, ifMatch int64) (*T, error)
	// del, when set, deletes the visible record r in place of the table's
	// Delete (banks and enterprises: refused while referred to, and their
	// credentials revoked with them; data.DeleteBank).
	del func(ctx context.Context, store data.Store, r *T) error
}

// ListResult is one page of a list.
type ListResult[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
	Page  int `json:"page"`
	Size  int `json:"size"`
}

// present trims rec to what p may see of it (rules.present), before it is
// written.
func (res *Resource[T]) present(p *Caller, rec *T) {
	if res.rules.present != nil {
		res.rules.present(p, rec)
	}
}

// Name is the kind's name, as in URLs ("enterprises").
func (res *Resource[T]) Name() string { return res.kind.Name }

// IDField is the JSON name of the kind's ID ("id", or
// "application_number" for patents).
func (res *Resource[T]) IDField() string { return res.idField }

// ID returns the ID of rec.
func (res *Resource[T]) ID(rec *T) string { return *res.kind.ID(rec) }

// Revision returns the revision of rec (its ETag over HTTP).
func (res *Resource[T]) Revision(rec *T) int64 { return *res.kind.Rev(rec) }

// Replaceable reports whether records of the kind may be replaced (PUT).
func (res *Resource[T]) Replaceable() bool { return !res.noPut }

// Filters returns the list filters of the kind: the parameters that select
// by reference and the others, for the doors' documentation.
func (res *Resource[T]) Filters() (refs, other []string) {
	for k := range res.refs {
		refs = append(refs, k)
	}
	slices.Sort(refs)
	return refs, slices.Clone(res.other)
}

// ParseQuery reads a list request's page, size and the filters the kind
// allows; any other parameter is refused.
func (res *Resource[T]) ParseQuery(values url.Values) (ListQuery, error) {
	return parseListQuery(values, res.refs, res.other)
}

// Read returns the record with the URL id rawID as p may see it (trimmed
// by the kind's present rule), and not_found when p may not read it.
func (res *Resource[T]) Read(ctx context.Context, p *Caller, rawID string) (*T, error) {
	rec, err := res.get(ctx, p, rawID)
	if err != nil {
		return nil, err
	}
	res.present(p, rec)
	return rec, nil
}

// List returns the page of records q asks for that p may see, each as p
// may see it.
func (res *Resource[T]) List(ctx context.Context, p *Caller, q ListQuery) (ListResult[T], error) {
	plan := listPlan[T]{sources: []data.ListOptions{{Refs: q.Refs}}}
	if res.filter != nil {
		pred, err := res.filter(q)
		if err != nil {
			return ListResult[T]{}, err
		}
		if pred != nil {
			plan.and(pred)
		}
	}
	if err := res.rules.list(ctx, p, q, &plan); err != nil {
		return ListResult[T]{}, err
	}
	items, total, err := page(ctx, res.table(res.store), plan, q.Offset(), q.Size)
	if err != nil {
		return ListResult[T]{}, err
	}
	for i := range items {
		res.present(p, &items[i])
	}
	return ListResult[T]{Items: items, Total: total, Page: q.Page, Size: q.Size}, nil
}

// get returns the whole record with the URL id rawID if p may see it, and
// not_found otherwise: for operations, which compute with what p may not
// see; answers go through Read.
func (res *Resource[T]) get(ctx context.Context, p *Caller, rawID string) (*T, error) {
	id, ok := res.normID(rawID)
	if !ok {
		return nil, res.kind.NotFound(rawID)
	}
	rec, err := res.table(res.store).Get(ctx, id)
	if err != nil {
		return nil, err
	}
	ok, err = res.rules.visible(ctx, p, &rec)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, res.kind.NotFound(id)
	}
	return &rec, nil
}

// Create stores a new record for p. Natural keys and IDs already taken are
// conflicts: a create never replaces a record.
func (res *Resource[T]) Create(ctx context.Context, p *Caller, rec *T) error {
	if res.generated && *res.kind.ID(rec) != "" {
		return data.InvalidField(res.idField, "is assigned by the server; leave it out")
	}
	res.kind.Normalize(rec)
	if err := res.rules.create(ctx, p, rec); err != nil {
		return err
	}
	// Validate before looking for conflicts so bad input is reported as
	// such (and a malformed key is never looked up).
	if err := res.kind.Check([]*T{rec}); err != nil {
		return err
	}
	if err := data.CheckRefs(ctx, res.store, res.kind, []*T{rec}); err != nil {
		return err
	}
	// The store refuses an ID or natural key already taken, on every node
	// at once (Table.Create): of two simultaneous creates one gets 409.
	return res.table(res.store).Create(ctx, rec)
}

// Replace stores rec in place of the record with the URL id rawID and
// returns what was stored. The URL id wins: an ID in the body must be
// empty or the same; its revision is ignored, like its time stamps.
// ifMatch, when not 0, is the revision the caller saw (If-Match): a record
// at another revision is precondition_failed and nothing is written.
// Without it, the record is replaced as read, and a write by someone else
// in between is a conflict (lostRace).
func (res *Resource[T]) Replace(ctx context.Context, p *Caller, rawID string, rec *T, ifMatch int64) (*T, error) {
	if res.noPut {
		return nil, data.Errorf(data.CodeForbidden, "%s are never replaced", res.kind.Name)
	}
	if res.replace != nil {
		return res.replace(ctx, p, rawID, rec, ifMatch)
	}
	if err := res.replaceGeneric(ctx, p, rawID, rec, ifMatch); err != nil {
		return nil, err
	}
	return rec, nil
}

// replaceGeneric is Replace for kinds without their own.
func (res *Resource[T]) replaceGeneric(ctx context.Context, p *Caller, rawID string, rec *T, want int64) error {
	old, err := res.get(ctx, p, rawID)
	if err != nil {
		return err
	}
	id := *res.kind.ID(old)
	if got := *res.kind.ID(rec); got != "" {
		if n, ok := res.normID(got); !ok || n != id {
			return data.InvalidField(res.idField, "%q differs from the id %q in the URL", got, id)
		}
	}
	*res.kind.ID(rec) = id
	read := *res.kind.Rev(old)
	if want != 0 && want != read {
		return res.kind.Stale(id, want, read)
	}
	// The rules see the body as sent; Update normalises and validates it.
	if err := res.rules.update(ctx, p, old, rec); err != nil {
		return err
	}
	if err := res.kind.Check([]*T{rec}); err != nil {
		return err
	}
	if err := data.CheckRefs(ctx, res.store, res.kind, []*T{rec}); err != nil {
		return err
	}
	*res.kind.Rev(rec) = read
	err = res.table(res.store).Update(ctx, rec)
	if want == 0 {
		return lostRace(err, singular(res.kind.Name)+" "+id)
	}
	return err
}

// lostRace turns the store's precondition_failed, for a write whose
// revision the application read itself (not the client), into a conflict:
// someone else wrote the record in between, and nothing was written.
func lostRace(err error, what string) error {
	if data.ErrorCode(err) != data.CodeStale {
		return err
	}
	return data.Errorf(data.CodeConflict, "%s was changed by someone else while this request was being handled; nothing was written: read it again and retry", what)
}

// Remove deletes the record with the URL id rawID.
func (res *Resource[T]) Remove(ctx context.Context, p *Caller, rawID string) error {
	old, err := res.get(ctx, p, rawID)
	if err != nil {
		return err
	}
	if err := res.rules.remove(ctx, p, old); err != nil {
		return err
	}
	if res.del != nil {
		return res.del(ctx, res.store, old)
	}
	return res.table(res.store).Delete(ctx, *res.kind.ID(old))
}

// singular turns a kind name ("enterprises") into a noun ("enterprise").
func singular(name string) string { return strings.TrimSuffix(name, "s") }

// sameID accepts any non-empty URL id as is.
func sameID(id string) (string, bool) { return id, id != "" }

// patentID accepts an application number in any form NormalizeApplication
// Number reads (CN prefix, no dot) and returns its stored form.
func patentID(id string) (string, bool) {
	n, err := data.NormalizeApplicationNumber(id)
	return n, err == nil
}

// ReadByKey returns the record with natural key key (an enterprise's
// 统一社会信用代码) as p may see it, and not_found when there is none or p
// may not read it.
func (res *Resource[T]) ReadByKey(ctx context.Context, p *Caller, key string) (*T, error) {
	rec, err := res.table(res.store).GetByKey(ctx, key)
	if err != nil {
		return nil, err
	}
	ok, err := res.rules.visible(ctx, p, &rec)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, res.kind.NotFound(key)
	}
	res.present(p, &rec)
	return &rec, nil
}

// All returns every record selected by refs that p may see, as p may see
// it: List without pages, for the views that show them all (a bank's
// deals, the events).
func (res *Resource[T]) All(ctx context.Context, p *Caller, refs data.Refs) ([]T, error) {
	out, err := res.List(ctx, p, ListQuery{Page: 1, Size: math.MaxInt32, Refs: refs, Other: map[string]string{}})
	return out.Items, err
}
