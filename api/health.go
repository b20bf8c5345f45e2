package api

import (
	"net/http"

	"ipmatch/door"

	"github.com/gin-gonic/gin"
)

// health is the body of GET /healthz.
type health struct {
	Status  string `json:"status"`
	Version string `json:"version"`
}

// healthz answers whether the store responds, with the version. It needs
// no token.
func (s *server) healthz(c *gin.Context) error {
	if _, err := s.Store().Banks().Count(c.Request.Context()); err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, health{Status: "ok", Version: s.Cfg.Version})
	return nil
}
