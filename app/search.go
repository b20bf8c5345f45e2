package app

import (
	"context"
	"maps"
	"slices"

	"ipmatch/data"
	"ipmatch/search"
)

// SearchScope returns what caller p may find among records of kind: the
// organizer everything; a bank its own products, and the enterprises and
// patents of the enterprises it sees (policy.go's bankSees), with
// financial filters only over those that shared their data; an enterprise
// active products, and its own enterprise and patents.
func (a *App) SearchScope(ctx context.Context, p *Caller, kind string) (search.Scope, error) {
	switch p.Token.Role {
	case data.RoleOrganizer:
		return search.Scope{}, nil
	case data.RoleBank:
		if kind == search.Products {
			return search.Scope{Restricted: true, Owners: []string{p.Token.BankID}}, nil
		}
		// The enterprises in the pool by a term of the index, those
		// registered for the bank's events by ID: a few hundred, where the
		// pool may hold a province.
		registered, err := a.policy.bankRegistered(ctx, p.Token.BankID)
		if err != nil {
			return search.Scope{}, err
		}
		ids := slices.Sorted(maps.Keys(registered))
		// A bank sees the financials of sharing enterprises only.
		return search.Scope{Restricted: true, Pool: true, Owners: ids, SharedFinancialsOnly: true}, nil
	case data.RoleCompany:
		if kind == search.Products {
			return search.Scope{ActiveOnly: true}, nil
		}
		return search.Scope{Restricted: true, Owners: []string{p.Token.EnterpriseID}}, nil
	}
	return search.Scope{}, Forbidden("unknown role")
}
