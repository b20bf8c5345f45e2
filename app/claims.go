package app

import (
	"context"

	"ipmatch/data"
)

// ClaimPatent makes the stored patent rawID the patent of enterprise
// ownerID, as policy.claimOwner allows, and returns it. A missing patent
// is not found, a refusal forbidden with data.CanClaim's reason; a bank is
// refused whatever the patent, before any patent is looked up.
func (a *App) ClaimPatent(ctx context.Context, p *Caller, rawID, ownerID string) (*data.Patent, error) {
	if err := mayClaim(p); err != nil {
		return nil, err
	}
	id, ok := patentID(rawID)
	if !ok {
		return nil, data.PatentKind.NotFound(rawID)
	}
	pat, err := a.store.Patents().Get(ctx, id)
	if err != nil {
		return nil, err
	}
	owner, err := a.policy.claimOwner(ctx, p, &pat, ownerID)
	if err != nil {
		return nil, err
	}
	if pat.OwnerID != owner {
		// Written only at the revision read, so of two claimants racing on
		// any nodes one wins and the other is told (lostRace).
		pat.OwnerID = owner
		if err := a.store.Patents().Update(ctx, &pat); err != nil {
			return nil, lostRace(err, "patent "+id)
		}
	}
	return &pat, nil
}
