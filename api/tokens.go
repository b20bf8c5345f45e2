package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/door"
)

// createToken handles POST /api/v1/tokens (organizer only): the token and
// its secret, which is shown this once and never again.
func (s *server) createToken(c *gin.Context) error {
	var req app.TokenRequest
	if err := s.Decode(c, &req); err != nil {
		return err
	}
	tok, err := s.App.CreateToken(c.Request.Context(), door.Caller(c), req)
	if err != nil {
		return err
	}
	c.Header("Location", location("tokens", tok.ID))
	door.WriteJSON(c, http.StatusCreated, tok)
	return nil
}
