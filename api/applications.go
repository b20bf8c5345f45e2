package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/door"
)

// The organizer's review of enterprises' applications (app/applications.go);
// applying is the public page /apply.
func applicationRoutes(s *server, g *gin.RouterGroup) {
	g.GET("/applications", s.Handle(func(c *gin.Context) error {
		q, err := s.App.Applications.ParseQuery(c.Request.URL.Query())
		if err != nil {
			return err
		}
		out, err := s.App.Applications.List(c.Request.Context(), door.Caller(c), q)
		if err != nil {
			return err
		}
		door.WriteJSON(c, http.StatusOK, out)
		return nil
	}))
	g.GET("/applications/:id", s.Handle(func(c *gin.Context) error {
		a, err := s.App.Applications.Read(c.Request.Context(), door.Caller(c), c.Param("id"))
		if err != nil {
			return err
		}
		door.WriteJSON(c, http.StatusOK, a)
		return nil
	}))
	g.POST("/applications/:id/approve", s.Handle(func(c *gin.Context) error {
		a, err := s.App.ApproveApplication(c.Request.Context(), door.Caller(c), c.Param("id"))
		if err != nil {
			return err
		}
		door.WriteJSON(c, http.StatusOK, a)
		return nil
	}))
	g.POST("/applications/:id/return", s.Handle(func(c *gin.Context) error {
		var req app.ReturnRequest
		if err := s.Decode(c, &req); err != nil {
			return err
		}
		a, err := s.App.ReturnApplication(c.Request.Context(), door.Caller(c), c.Param("id"), req.Reasons)
		if err != nil {
			return err
		}
		door.WriteJSON(c, http.StatusOK, a)
		return nil
	}))
}
