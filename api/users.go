package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/door"
)

// The organizer's users (app/accounts.go): list them, open one (银行入库:
// with no password and a one-time set-password link), make a one-time
// password reset link, disable or enable one. A user changes its own
// password on the pages only (/app/account): API callers hold tokens,
// which have no password.
func userRoutes(s *server, g *gin.RouterGroup) {
	g.GET("/users", s.Handle(s.listUsers))
	g.POST("/users", s.Handle(s.inviteUser))
	g.POST("/users/:id/reset", s.Handle(s.resetUser))
	g.POST("/users/:id/disable", s.Handle(s.setUserDisabled(true)))
	g.POST("/users/:id/enable", s.Handle(s.setUserDisabled(false)))
}

// listUsers handles GET /api/v1/users (app.Users): every user, without
// its password hash.
func (s *server) listUsers(c *gin.Context) error {
	users, err := s.App.Users(c.Request.Context(), door.Caller(c))
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, app.ListResult[app.UserView]{Items: users, Total: len(users), Page: 1, Size: len(users)})
	return nil
}

// inviteUser handles POST /api/v1/users (app.InviteUser): 201 with the
// new user and its set-password link, shown this once.
func (s *server) inviteUser(c *gin.Context) error {
	var req app.InviteRequest
	if err := s.Decode(c, &req); err != nil {
		return err
	}
	inv, err := s.App.InviteUser(c.Request.Context(), door.Caller(c), req)
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusCreated, inv)
	return nil
}

// resetUser handles POST /api/v1/users/{id}/reset (app.MakeResetLink):
// the link, shown this once.
func (s *server) resetUser(c *gin.Context) error {
	link, err := s.App.MakeResetLink(c.Request.Context(), door.Caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, link)
	return nil
}

// setUserDisabled handles POST /api/v1/users/{id}/disable and /enable
// (app.SetUserDisabled).
func (s *server) setUserDisabled(disabled bool) func(*gin.Context) error {
	return func(c *gin.Context) error {
		u, err := s.App.SetUserDisabled(c.Request.Context(), door.Caller(c), c.Param("id"), disabled)
		if err != nil {
			return err
		}
		door.WriteJSON(c, http.StatusOK, u)
		return nil
	}
}
