package data

import (
	"context"
	"fmt"
	"strings"
)

// Deleting a bank or an enterprise. A party that other records still name
// is not deleted: its products, patents, deals, event registrations and
// appraisals would be left pointing at nothing (an orphan product was
// still offered in matches and search), so the delete is a conflict that
// names what refers to it, by kind and count, for the organizer (the only
// one who may delete parties) to remove or keep. A delete that goes ahead
// revokes the party's API tokens and web users with it, so that no
// credential outlives what it was bound to; a page session signed in with
// one of them ends at its next request, which reloads its token or user.
//
// Every door deletes parties through DeleteBank and DeleteEnterprise. The
// check and the delete are not one transaction: a record written between
// them by another request can still name the deleted party.

// PartyReference is how many records of one kind name a party.
type PartyReference struct {
	Kind  string // table name: products, patents, deals …
	Count int
}

// PartyRevoked is what a party's delete revoked with it.
type PartyRevoked struct {
	Tokens []Token
	Users  []User
}

// BankReferences returns the kinds of records (with counts) that name bank
// id: products, deals, participants (event desks) and appraisals.
func BankReferences(ctx context.Context, s Store, id string) ([]PartyReference, error) {
	t := &refTally{ctx: ctx, refs: Refs{Bank: id}}
	tally(t, "products", s.Products())
	tally(t, "deals", s.Deals())
	tally(t, "participants", s.Participants())
	tally(t, "appraisals", s.Appraisals())
	return t.out, t.err
}

// EnterpriseReferences returns the kinds of records (with counts) that
// name enterprise id: patents, deals, participants (event registrations)
// and appraisals.
func EnterpriseReferences(ctx context.Context, s Store, id string) ([]PartyReference, error) {
	t := &refTally{ctx: ctx, refs: Refs{Enterprise: id}}
	tally(t, "patents", s.Patents())
	tally(t, "deals", s.Deals())
	tally(t, "participants", s.Participants())
	tally(t, "appraisals", s.Appraisals())
	return t.out, t.err
}

// refTally gathers the kinds of records naming refs; the first error
// stops it.
type refTally struct {
	ctx  context.Context
	refs Refs
	out  []PartyReference
	err  error
}

// tally adds how many records of tbl name t.refs, when any do.
func tally[T any](t *refTally, kind string, tbl Table[T]) {
	if t.err != nil {
		return
	}
	_, n, err := tbl.List(t.ctx, ListOptions{Refs: t.refs, Limit: 1})
	if err != nil {
		t.err = err
		return
	}
	if n > 0 {
		t.out = append(t.out, PartyReference{Kind: kind, Count: n})
	}
}

// referencedConflict is the conflict of deleting what refs still name.
func referencedConflict(what, id, name string, refs []PartyReference) error {
	parts := make([]string, len(refs))
	for i, r := range refs {
		parts[i] = fmt.Sprintf("%s (%d)", r.Kind, r.Count)
	}
	return Errorf(CodeConflict, "%s %s (%s) is still referred to by %s: delete or reassign those records first",
		what, id, name, strings.Join(parts, ", "))
}

// DeleteBank deletes bank id and revokes its tokens and users, or returns
// a conflict naming the records that refer to it (nothing is changed then).
func DeleteBank(ctx context.Context, s Store, id string) (PartyRevoked, error) {
	b, err := s.Banks().Get(ctx, id)
	if err != nil {
		return PartyRevoked{}, err
	}
	refs, err := BankReferences(ctx, s, id)
	if err != nil {
		return PartyRevoked{}, err
	}
	if len(refs) > 0 {
		return PartyRevoked{}, referencedConflict("bank", id, b.Name, refs)
	}
	if err := s.Banks().Delete(ctx, id); err != nil {
		return PartyRevoked{}, err
	}
	return revokeParty(ctx, s, Refs{Bank: id})
}

// DeleteEnterprise deletes enterprise id and revokes its tokens and users,
// or returns a conflict naming the records that refer to it (nothing is
// changed then).
func DeleteEnterprise(ctx context.Context, s Store, id string) (PartyRevoked, error) {
	e, err := s.Enterprises().Get(ctx, id)
	if err != nil {
		return PartyRevoked{}, err
	}
	refs, err := EnterpriseReferences(ctx, s, id)
	if err != nil {
		return PartyRevoked{}, err
	}
	if len(refs) > 0 {
		return PartyRevoked{}, referencedConflict("enterprise", id, e.Name, refs)
	}
	if err := s.Enterprises().Delete(ctx, id); err != nil {
		return PartyRevoked{}, err
	}
	return revokeParty(ctx, s, Refs{Enterprise: id})
}

// revokeParty deletes the tokens and users bound to the party of refs. The
// party is deleted first, so no new token or user can be bound to it
// (CheckRefs refuses a missing bank or enterprise) while this runs.
func revokeParty(ctx context.Context, s Store, refs Refs) (PartyRevoked, error) {
	var out PartyRevoked
	toks, err := listAllRefs(ctx, s.Tokens(), refs)
	if err != nil {
		return out, err
	}
	for _, t := range toks {
		if err := s.Tokens().Delete(ctx, t.ID); err != nil && ErrorCode(err) != CodeNotFound {
			return out, err
		}
		out.Tokens = append(out.Tokens, t)
	}
	users, err := listAllRefs(ctx, s.Users(), refs)
	if err != nil {
		return out, err
	}
	for _, u := range users {
		if err := s.Users().Delete(ctx, u.ID); err != nil && ErrorCode(err) != CodeNotFound {
			return out, err
		}
		out.Users = append(out.Users, u)
	}
	return out, nil
}

// listAllRefs returns every record of tbl naming refs.
func listAllRefs[T any](ctx context.Context, tbl Table[T], refs Refs) ([]T, error) {
	recs, _, err := tbl.List(ctx, ListOptions{Refs: refs})
	return recs, err
}
