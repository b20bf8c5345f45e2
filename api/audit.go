package api

import (
	"net/http"

	"ipmatch/door"

	"github.com/gin-gonic/gin"
)

// auditLog serves GET /api/v1/audit (app.AuditLog): the organizer reads
// who wrote what and when.
func (s *server) auditLog(c *gin.Context) error {
	res, err := s.App.AuditLog(c.Request.Context(), door.Caller(c), c.Request.URL.Query())
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, res)
	return nil
}
