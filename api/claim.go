package api

import (
	"net/http"

	"ipmatch/door"

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
	if err := s.DecodeOptional(c, &req); err != nil {
		return err
	}
	pat, err := s.App.ClaimPatent(c.Request.Context(), door.Caller(c), c.Param("id"), req.OwnerID)
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, pat)
	return nil
}
