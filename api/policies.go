package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
	"ipmatch/door"
)

// The support policies (app/subsidies.go): the records, through the
// generic resource, a deal's subsidies and the organizer's budget view.
func policyRoutes(s *server, g *gin.RouterGroup) {
	routes(s, g, s.App.Policies, nil)
	g.GET("/deals/:id/subsidies", s.Handle(s.dealSubsidies))
	g.GET("/subsidies/budget", s.Handle(s.subsidyBudget))
}

// dealSubsidies handles GET /api/v1/deals/{id}/subsidies
// (app.DealSubsidies).
func (s *server) dealSubsidies(c *gin.Context) error {
	_, asOf, err := s.Params(c, "as_of")
	if err != nil {
		return err
	}
	res, err := s.App.DealSubsidies(c.Request.Context(), door.Caller(c), c.Param("id"), asOf)
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, res)
	return nil
}

// subsidyBudget handles GET /api/v1/subsidies/budget (app.SubsidyBudget).
func (s *server) subsidyBudget(c *gin.Context) error {
	params, _, err := s.Params(c, "year")
	if err != nil {
		return err
	}
	year := 0
	if v := params["year"]; v != "" {
		if year, err = strconv.Atoi(v); err != nil {
			return data.MalformedField("year", "%q is not a year", v)
		}
	}
	res, err := s.App.SubsidyBudget(c.Request.Context(), door.Caller(c), year)
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, res)
	return nil
}
