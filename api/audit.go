package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// auditLog serves GET /api/v1/audit (app.AuditLog): the organizer reads
// who wrote what and when.
func (s *server) auditLog(c *gin.Context) error {
	res, err := s.app.AuditLog(c.Request.Context(), caller(c), c.Request.URL.Query())
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, res)
	return nil
}
