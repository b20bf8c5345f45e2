package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// claimRequest is the body of POST /api/v1/patents/{id}/claim; an
// enterprise may send none.
type claimRequest struct {
	// OwnerID is the enterprise to own the patent: required of the
	// organizer, empty or the caller's own for an enterprise.
	OwnerID string `json:"owner_id"`
}

// claimPatent handles POST /api/v1/patents/{id}/claim (app.ClaimPatent)
// and answers the patent.
func (s *server) claimPatent(c *gin.Context) error {
	var req claimRequest
	if err := s.decodeOptional(c, &req); err != nil {
		return err
	}
	pat, err := s.app.ClaimPatent(c.Request.Context(), caller(c), c.Param("id"), req.OwnerID)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, pat)
	return nil
}
