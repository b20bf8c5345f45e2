package app

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"

	"ipmatch/data"
)

// AuditKinds are the tables whose writes the audit log names, and what
// the administrative commands (backup, restore, reindex) act on.
var AuditKinds = []string{
	data.EnterpriseKind.Name, data.PatentKind.Name, data.BankKind.Name, data.ProductKind.Name,
	data.EventKind.Name, data.ParticipantKind.Name, data.DealKind.Name, data.PoolKind.Name,
	data.TokenKind.Name, data.ScheduleKind.Name, data.UserKind.Name, data.AppraiserKind.Name, data.AppraisalKind.Name,
	data.AlertKind.Name, data.WebhookKind.Name,
	data.PolicyKind.Name, data.ApplicationKind.Name,
	// Not tables: what the administrative commands act on.
	data.AuditBackups, data.AuditSearchIndex,
}

// AuditFilterParams are the audit list's filters besides page and size.
var AuditFilterParams = []string{"since", "until", "kind", "action", "via", "actor", "record", "order"}

// AuditLog returns the page of the audit log the parameters ask for: who
// wrote what and when, newest first unless order=asc. Only the organizer
// may read it. Filters: since and until (RFC 3339 times, or dates in China
// Standard Time; since is inclusive, until exclusive), kind, action, via,
// actor (a token or user ID), record (an ID among the entry's), bank_id
// and enterprise_id (the actor's binding). Filters other than since and
// the bindings are applied while scanning, so narrow a large log with
// since.
func (a *App) AuditLog(ctx context.Context, p *Caller, values url.Values) (ListResult[data.AuditEntry], error) {
	if err := organizerOnly(p, "read the audit log"); err != nil {
		return ListResult[data.AuditEntry]{}, err
	}
	refs := map[string]func(*data.Refs) *string{
		"bank_id":       func(r *data.Refs) *string { return &r.Bank },
		"enterprise_id": func(r *data.Refs) *string { return &r.Enterprise },
	}
	q, err := parseListQuery(values, refs, AuditFilterParams)
	if err != nil {
		return ListResult[data.AuditEntry]{}, err
	}
	src, pred, desc, err := auditPlan(q)
	if err != nil {
		return ListResult[data.AuditEntry]{}, err
	}
	plan := listPlan[data.AuditEntry]{sources: []data.ListOptions{src}, pred: pred}
	items, total, err := auditPage(ctx, a.store.Audit(), plan, q, desc)
	if err != nil {
		return ListResult[data.AuditEntry]{}, err
	}
	return ListResult[data.AuditEntry]{Items: items, Total: total, Page: q.Page, Size: q.Size}, nil
}

// auditPlan turns the audit list's parameters into a store cursor and a
// predicate, and says whether the newest come first.
func auditPlan(q ListQuery) (src data.ListOptions, pred func(*data.AuditEntry) bool, desc bool, err error) {
	src.Refs = q.Refs
	var conds []func(*data.AuditEntry) bool
	o := q.Other
	if v := o["since"]; v != "" {
		t, err := parseAuditTime("since", v)
		if err != nil {
			return src, nil, false, err
		}
		// Entries written at t sort after the bound of t itself.
		src.After = data.AuditIDAt(t)
	}
	if v := o["until"]; v != "" {
		t, err := parseAuditTime("until", v)
		if err != nil {
			return src, nil, false, err
		}
		bound := data.AuditIDAt(t)
		conds = append(conds, func(e *data.AuditEntry) bool { return e.ID < bound })
	}
	if v := o["kind"]; v != "" {
		if !slices.Contains(AuditKinds, v) {
			return src, nil, false, data.MalformedField("kind", "must be one of %s, not %q", strings.Join(AuditKinds, ", "), v)
		}
		conds = append(conds, func(e *data.AuditEntry) bool { return e.Kind == v })
	}
	if v := o["action"]; v != "" {
		if !slices.Contains(data.AuditActions, v) {
			return src, nil, false, data.MalformedField("action", "must be one of %s, not %q", strings.Join(data.AuditActions, ", "), v)
		}
		conds = append(conds, func(e *data.AuditEntry) bool { return e.Action == v })
	}
	if v := o["via"]; v != "" {
		if !slices.Contains(data.AuditVias, v) {
			return src, nil, false, data.MalformedField("via", "must be one of %s, not %q", strings.Join(data.AuditVias, ", "), v)
		}
		conds = append(conds, func(e *data.AuditEntry) bool { return e.Via == v })
	}
	if v := o["actor"]; v != "" {
		conds = append(conds, func(e *data.AuditEntry) bool { return e.Actor.TokenID == v || e.Actor.UserID == v })
	}
	if v := o["record"]; v != "" {
		if n, err := data.NormalizeApplicationNumber(v); err == nil {
			v = n // a patent may be named in any form the API reads
		}
		conds = append(conds, func(e *data.AuditEntry) bool { return slices.Contains(e.IDs, v) })
	}
	switch o["order"] {
	case "", "desc":
		desc = true
	case "asc":
	default:
		return src, nil, false, data.MalformedField("order", "must be asc or desc, not %q", o["order"])
	}
	if len(conds) > 0 {
		pred = func(e *data.AuditEntry) bool {
			for _, c := range conds {
				if !c(e) {
					return false
				}
			}
			return true
		}
	}
	return src, pred, desc, nil
}

// parseAuditTime reads an RFC 3339 time or a date (midnight, China
// Standard Time).
func parseAuditTime(field, v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, ChinaZone); err == nil {
		return t, nil
	}
	return time.Time{}, data.MalformedField(field, "must be an RFC 3339 time (2021-04-23T09:00:00+08:00) or a date (2021-04-23), not %q", v)
}

// auditPage returns q's page of plan, newest first when desc. The log is
// stored oldest first, so a newest-first page is counted first and then
// read from the other end; entries appended in between may shift it by as
// many.
func auditPage(ctx context.Context, tbl data.Table[data.AuditEntry], plan listPlan[data.AuditEntry], q ListQuery, desc bool) ([]data.AuditEntry, int, error) {
	if !desc {
		return page(ctx, tbl, plan, q.Offset(), q.Size)
	}
	_, total, err := page(ctx, tbl, plan, 0, 0)
	if err != nil {
		return nil, 0, err
	}
	end := total - q.Offset() // exclusive, in oldest-first order
	if end <= 0 {
		return []data.AuditEntry{}, total, nil
	}
	start := max(0, end-q.Size)
	items, _, err := page(ctx, tbl, plan, start, end-start)
	if err != nil {
		return nil, 0, err
	}
	slices.Reverse(items)
	return items, total, nil
}
