package app

import (
	"context"

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
		ids, err := a.policy.bankEnterpriseIDs(ctx, p.Token.BankID)
		if err != nil {
			return search.Scope{}, err
		}
		// A bank sees the financials of sharing enterprises only.
		return search.Scope{Restricted: true, Owners: ids, SharedFinancialsOnly: true}, nil
	case data.RoleCompany:
		if kind == search.Products {
			return search.Scope{ActiveOnly: true}, nil
		}
		return search.Scope{Restricted: true, Owners: []string{p.Token.EnterpriseID}}, nil
	}
	return search.Scope{}, Forbidden("unknown role")
}
