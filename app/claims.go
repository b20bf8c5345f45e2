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
	// One claim of a patent at a time in this process: Get and Put are
	// not one transaction, and of two claimants only one may win.
	mu := &a.claims[stripe(id, len(a.claims))]
	mu.Lock()
	defer mu.Unlock()
	pat, err := a.store.Patents().Get(ctx, id)
	if err != nil {
		return nil, err
	}
	owner, err := a.policy.claimOwner(ctx, p, &pat, ownerID)
	if err != nil {
		return nil, err
	}
	if pat.OwnerID != owner {
		pat.OwnerID = owner
		if _, err := a.store.Patents().Put(ctx, &pat); err != nil {
			return nil, err
		}
	}
	return &pat, nil
}
