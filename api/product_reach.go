package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
	"ipmatch/door"
)

// productReach handles POST /api/v1/products/reach (app.ProductReach):
// the body is a draft product (its id when it is a change to a stored
// one); the answer is how many enterprises the caller sees would be
// eligible under it, and how many more each criterion dropped alone would
// let in. Nothing is written. Parameter: as_of.
func (s *server) productReach(c *gin.Context) error {
	_, asOf, err := s.Params(c, "as_of")
	if err != nil {
		return err
	}
	var draft data.Product
	if err := s.Decode(c, &draft); err != nil {
		return err
	}
	out, err := s.App.ProductReach(c.Request.Context(), door.Caller(c), draft, asOf)
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, out)
	return nil
}
