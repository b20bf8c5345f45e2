package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
)

// rules are the access rules of one kind of record for a caller. Every
// kind's rules are written out in policy.go.
type rules[T any] struct {
	// list narrows plan to what p may list, given the query; an explicit
	// filter outside p's scope is forbidden.
	list func(ctx context.Context, p *principal, q listQuery, plan *listPlan[T]) error
	// visible reports whether p may read r. Records p may not read answer
	// exactly like records that do not exist (404), so their existence does
	// not leak.
	visible func(ctx context.Context, p *principal, r *T) (bool, error)
	// create checks (and may complete, e.g. the owner) a new record.
	create func(ctx context.Context, p *principal, r *T) error
	// update checks a replacement r of the visible record old.
	update func(ctx context.Context, p *principal, old, r *T) error
	// remove checks the deletion of the visible record r.
	remove func(ctx context.Context, p *principal, r *T) error
	// present, when set, trims a readable record to what p may see of it
	// before it is written (an enterprise's financials, consent.go).
	present func(p *principal, r *T)
}

// resource serves one kind of record under /api/v1/{kind.Name}.
type resource[T any] struct {
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
	filter func(q listQuery) (func(*T) bool, error)
	rules  rules[T]
	// noPut leaves out PUT; post and put, when set, replace the generic
	// create and replace.
	noPut bool
	post  func(c *gin.Context) error
	put   func(c *gin.Context) error
	// del, when set, deletes the visible record r in place of the table's
	// Delete (banks and enterprises: refused while referred to, and their
	// credentials revoked with them; data.DeleteBank).
	del func(ctx context.Context, store data.Store, r *T) error
	// creating serialises, within this process, the look for a clash and
	// the write of creates with the same ID or natural key, so that of two
	// simultaneous creates one gets 409 instead of replacing the other.
	creating [64]sync.Mutex
}

// listResult is the body of a list response.
type listResult[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
	Page  int `json:"page"`
	Size  int `json:"size"`
}

// routes registers the endpoints of res on g.
func routes[T any](s *server, g *gin.RouterGroup, res *resource[T]) {
	base := "/" + res.kind.Name
	g.GET(base, s.handle(func(c *gin.Context) error {
		q, err := parseListQuery(c, res.refs, res.other)
		if err != nil {
			return err
		}
		out, err := res.list(c.Request.Context(), s.store, caller(c), q)
		if err != nil {
			return err
		}
		for i := range out.Items {
			res.present(caller(c), &out.Items[i])
		}
		writeJSON(c, http.StatusOK, out)
		return nil
	}))
	g.GET(base+"/:id", s.handle(func(c *gin.Context) error {
		rec, err := res.get(c.Request.Context(), s.store, caller(c), c.Param("id"))
		if err != nil {
			return err
		}
		res.present(caller(c), rec)
		writeJSON(c, http.StatusOK, rec)
		return nil
	}))
	if res.post != nil {
		g.POST(base, s.handle(res.post))
	} else {
		g.POST(base, s.handle(func(c *gin.Context) error {
			rec := new(T)
			if err := s.decode(c, rec); err != nil {
				return err
			}
			if err := res.create(c.Request.Context(), s.store, caller(c), rec); err != nil {
				return err
			}
			c.Header("Location", res.location(*res.kind.ID(rec)))
			writeJSON(c, http.StatusCreated, rec)
			return nil
		}))
	}
	if res.put != nil {
		g.PUT(base+"/:id", s.handle(res.put))
	} else if !res.noPut {
		g.PUT(base+"/:id", s.handle(func(c *gin.Context) error {
			rec := new(T)
			if err := s.decode(c, rec); err != nil {
				return err
			}
			if err := res.replace(c.Request.Context(), s.store, caller(c), c.Param("id"), rec); err != nil {
				return err
			}
			writeJSON(c, http.StatusOK, rec)
			return nil
		}))
	}
	g.DELETE(base+"/:id", s.handle(func(c *gin.Context) error {
		if err := res.remove(c.Request.Context(), s.store, caller(c), c.Param("id")); err != nil {
			return err
		}
		c.Status(http.StatusNoContent)
		return nil
	}))
}

// present trims rec to what p may see of it (rules.present), before it is
// written.
func (res *resource[T]) present(p *principal, rec *T) {
	if res.rules.present != nil {
		res.rules.present(p, rec)
	}
}

// location is the URL of the record with the given id.
func (res *resource[T]) location(id string) string {
	return "/api/v1/" + res.kind.Name + "/" + url.PathEscape(id)
}

// list returns the page of records q asks for that p may see.
func (res *resource[T]) list(ctx context.Context, store data.Store, p *principal, q listQuery) (listResult[T], error) {
	plan := listPlan[T]{sources: []data.ListOptions{{Refs: q.Refs}}}
	if res.filter != nil {
		pred, err := res.filter(q)
		if err != nil {
			return listResult[T]{}, err
		}
		if pred != nil {
			plan.and(pred)
		}
	}
	if err := res.rules.list(ctx, p, q, &plan); err != nil {
		return listResult[T]{}, err
	}
	items, total, err := page(ctx, res.table(store), plan, q.offset(), q.Size)
	if err != nil {
		return listResult[T]{}, err
	}
	return listResult[T]{Items: items, Total: total, Page: q.Page, Size: q.Size}, nil
}

// get returns the record with the URL id rawID if p may see it, and
// not_found otherwise.
func (res *resource[T]) get(ctx context.Context, store data.Store, p *principal, rawID string) (*T, error) {
	id, ok := res.normID(rawID)
	if !ok {
		return nil, res.kind.NotFound(rawID)
	}
	rec, err := res.table(store).Get(ctx, id)
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

// create stores a new record for p. Natural keys and IDs already taken are
// conflicts: POST never replaces a record.
func (res *resource[T]) create(ctx context.Context, store data.Store, p *principal, rec *T) error {
	if res.generated && *res.kind.ID(rec) != "" {
		return invalidField(res.idField, "is assigned by the server; leave it out")
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
	if err := data.CheckRefs(ctx, store, res.kind, []*T{rec}); err != nil {
		return err
	}
	tbl := res.table(store)
	lockKey := *res.kind.ID(rec)
	if key := res.kind.Key(rec); key != "" {
		lockKey = key
	}
	if lockKey != "" {
		mu := &res.creating[stripe(lockKey, len(res.creating))]
		mu.Lock()
		defer mu.Unlock()
	}
	if id := *res.kind.ID(rec); id != "" {
		if _, err := tbl.Get(ctx, id); err == nil {
			return data.Errorf(data.CodeConflict, "%s %q already exists", singular(res.kind.Name), id)
		} else if data.ErrorCode(err) != data.CodeNotFound {
			return err
		}
	}
	if key := res.kind.Key(rec); key != "" {
		if held, err := tbl.GetByKey(ctx, key); err == nil {
			return res.kind.KeyConflict(key, *res.kind.ID(&held))
		} else if data.ErrorCode(err) != data.CodeNotFound {
			return err
		}
	}
	_, err := tbl.Put(ctx, rec)
	return err
}

// replace stores rec in place of the record with the URL id rawID. The URL
// id wins: an ID in the body must be empty or the same.
func (res *resource[T]) replace(ctx context.Context, store data.Store, p *principal, rawID string, rec *T) error {
	old, err := res.get(ctx, store, p, rawID)
	if err != nil {
		return err
	}
	id := *res.kind.ID(old)
	if got := *res.kind.ID(rec); got != "" {
		if n, ok := res.normID(got); !ok || n != id {
			return invalidField(res.idField, "%q differs from the id %q in the URL", got, id)
		}
	}
	*res.kind.ID(rec) = id
	// The rules see the body as sent; Put normalises and validates it.
	if err := res.rules.update(ctx, p, old, rec); err != nil {
		return err
	}
	if err := res.kind.Check([]*T{rec}); err != nil {
		return err
	}
	if err := data.CheckRefs(ctx, store, res.kind, []*T{rec}); err != nil {
		return err
	}
	_, err = res.table(store).Put(ctx, rec)
	return err
}

// remove deletes the record with the URL id rawID.
func (res *resource[T]) remove(ctx context.Context, store data.Store, p *principal, rawID string) error {
	old, err := res.get(ctx, store, p, rawID)
	if err != nil {
		return err
	}
	if err := res.rules.remove(ctx, p, old); err != nil {
		return err
	}
	if res.del != nil {
		return res.del(ctx, store, old)
	}
	return res.table(store).Delete(ctx, *res.kind.ID(old))
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
