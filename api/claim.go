package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
)

// claimRequest is the body of POST /api/v1/patents/{id}/claim; an
// enterprise may send none.
type claimRequest struct {
	// OwnerID is the enterprise to own the patent: required of the
	// organizer, empty or the caller's own for an enterprise.
	OwnerID string `json:"owner_id"`
}

// claimPatent handles POST /api/v1/patents/{id}/claim: it makes the patent
// the patent of an enterprise, as policy.claimOwner allows, and answers
// the patent. A missing patent answers 404, a refusal 403 with
// data.CanClaim's reason; a bank gets 403 whatever the patent.
func (s *server) claimPatent(c *gin.Context) error {
	p := caller(c)
	if err := mayClaim(p); err != nil {
		return err
	}
	var req claimRequest
	if err := s.decodeOptional(c, &req); err != nil {
		return err
	}
	raw := c.Param("id")
	id, ok := patentID(raw)
	if !ok {
		return data.PatentKind.NotFound(raw)
	}
	ctx := c.Request.Context()
	// One claim of a patent at a time in this process: Get and Put are
	// not one transaction, and of two claimants only one may win.
	mu := &s.claims[stripe(id, len(s.claims))]
	mu.Lock()
	defer mu.Unlock()
	pat, err := s.store.Patents().Get(ctx, id)
	if err != nil {
		return err
	}
	owner, err := s.policy.claimOwner(ctx, p, &pat, req.OwnerID)
	if err != nil {
		return err
	}
	if pat.OwnerID != owner {
		pat.OwnerID = owner
		if _, err := s.store.Patents().Put(ctx, &pat); err != nil {
			return err
		}
	}
	writeJSON(c, http.StatusOK, pat)
	return nil
}
