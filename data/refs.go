package data

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// CheckRefs reports every reference of recs to a bank, enterprise, event,
// pool or product that the store does not hold, as one invalid error whose
// fields are the records' JSON names (prefixed "[i]." for a batch, as
// Kind.Check does). For appraisals it also checks that the appraisal firm
// exists and that every appraised patent exists and is the appraised
// enterprise's. Call it after Kind.Check: it reads the store, so it is not
// part of Validate.
func CheckRefs[T any](ctx context.Context, s Store, k Kind[T], recs []*T) error {
	var extra []FieldError
	if as, ok := any(recs).([]*Appraisal); ok {
		var err error
		if extra, err = appraisalRefs(ctx, s, as); err != nil {
			return err
		}
	}
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
	if len(order) == 0 && len(extra) == 0 {
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
	fields := extra
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

// appraisalRefs checks the appraisal firm and the patents of each
// appraisal: the firm must exist, and each patent must exist and be owned
// by the appraisal's enterprise (an appraisal values the pledger's own
// patents). A missing patent and another enterprise's are refused with the
// same words, so a refusal never tells whether a number is on record.
func appraisalRefs(ctx context.Context, s Store, recs []*Appraisal) ([]FieldError, error) {
	var firms, numbers []string
	for _, a := range recs {
		if a.AppraiserID != "" {
			firms = append(firms, a.AppraiserID)
		}
		numbers = append(numbers, a.Patents...)
	}
	var haveFirms []string
	if len(firms) > 0 {
		var err error
		if haveFirms, err = existing(ctx, s.Appraisers(), AppraiserKind, firms); err != nil {
			return nil, err
		}
	}
	owners := map[string]string{}
	if len(numbers) > 0 {
		pats, _, err := s.Patents().List(ctx, ListOptions{IDs: numbers})
		if err != nil {
			return nil, err
		}
		for _, p := range pats {
			owners[p.ApplicationNumber] = p.OwnerID
		}
	}
	var fields []FieldError
	for i, a := range recs {
		if a.AppraiserID != "" && !slices.Contains(haveFirms, a.AppraiserID) {
			fields = append(fields, FieldError{Field: prefixed(len(recs), i, "appraiser_id"), Reason: "no appraiser with id " + strconv.Quote(a.AppraiserID)})
		}
		for j, n := range a.Patents {
			// A patent missing and a patent of another enterprise read
			// alike: which it is may be what the caller may not read.
			if owner, ok := owners[n]; !ok || owner != a.EnterpriseID {
				fields = append(fields, FieldError{Field: prefixed(len(recs), i, indexed("patents", j)),
					Reason: fmt.Sprintf("no patent %s on record as %s's: an appraisal for a pledge values the pledger's own patents", n, a.EnterpriseID)})
			}
		}
	}
	return fields, nil
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
