package data

import (
	"context"
	"slices"
	"strconv"
	"strings"
)

// CheckRefs reports every reference of recs to a bank, enterprise, event,
// pool or product that the store does not hold, as one invalid error whose
// fields are the records' JSON names (prefixed "[i]." for a batch, as
// Kind.Check does). Call it after Kind.Check: it reads the store, so it is
// not part of Validate.
func CheckRefs[T any](ctx context.Context, s Store, k Kind[T], recs []*T) error {
	wanted := map[string][]int{} // "bank|id" → the records that name it
	var order []string
	for i, r := range recs {
		refs := k.Refs(r)
		for _, ref := range []struct{ kind, id string }{
			{"bank", refs.Bank}, {"enterprise", refs.Enterprise}, {"event", refs.Event},
			{"pool", refs.Pool}, {"product", refs.Product},
		} {
			if ref.id == "" {
				continue
			}
			key := ref.kind + "|" + ref.id
			if _, seen := wanted[key]; !seen {
				order = append(order, key)
			}
			wanted[key] = append(wanted[key], i)
		}
	}
	if len(order) == 0 {
		return nil
	}
	ids := map[string][]string{}
	for _, key := range order {
		kind, id, _ := strings.Cut(key, "|")
		ids[kind] = append(ids[kind], id)
	}
	found := map[string]bool{}
	for kind, list := range ids {
		var have []string
		var err error
		switch kind {
		case "bank":
			have, err = existing(ctx, s.Banks(), BankKind, list)
		case "enterprise":
			have, err = existing(ctx, s.Enterprises(), EnterpriseKind, list)
		case "event":
			have, err = existing(ctx, s.Events(), EventKind, list)
		case "pool":
			have, err = existing(ctx, s.Pools(), PoolKind, list)
		case "product":
			have, err = existing(ctx, s.Products(), ProductKind, list)
		}
		if err != nil {
			return err
		}
		for _, id := range have {
			found[kind+"|"+id] = true
		}
	}
	var fields []FieldError
	for _, key := range order {
		if found[key] {
			continue
		}
		kind, id, _ := strings.Cut(key, "|")
		for _, i := range wanted[key] {
			fields = append(fields, FieldError{Field: prefixed(len(recs), i, refField(k.Name, kind)), Reason: "no " + kind + " with id " + strconv.Quote(id)})
		}
	}
	if len(fields) == 0 {
		return nil
	}
	slices.SortStableFunc(fields, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
	return &Error{Code: CodeInvalid, Message: "invalid " + strings.TrimSuffix(k.Name, "s") + ": it names records that do not exist", Fields: fields}
}

// existing returns which of ids the table holds.
func existing[T any](ctx context.Context, t Table[T], k Kind[T], ids []string) ([]string, error) {
	recs, _, err := t.List(ctx, ListOptions{IDs: ids})
	if err != nil {
		return nil, err
	}
	out := make([]string, len(recs))
	for i := range recs {
		out[i] = *k.ID(&recs[i])
	}
	return out, nil
}

// refField is the JSON name under which records of kind name refer to a
// record of kind ref: a patent's enterprise is its owner_id.
func refField(name, ref string) string {
	if name == PatentKind.Name && ref == "enterprise" {
		return "owner_id"
	}
	return ref + "_id"
}
