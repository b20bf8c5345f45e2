package api

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/door"
)

// routes registers the endpoints of res on g: list, read, create, replace
// (unless the kind is never replaced) and delete under /api/v1/{kind}.
// post, when set, replaces the generic create.
func routes[T any](s *server, g *gin.RouterGroup, res *app.Resource[T], post func(*gin.Context) error) {
	base := "/" + res.Name()
	g.GET(base, s.Handle(func(c *gin.Context) error {
		q, err := res.ParseQuery(c.Request.URL.Query())
		if err != nil {
			return err
		}
		out, err := res.List(c.Request.Context(), door.Caller(c), q)
		if err != nil {
			return err
		}
		door.WriteJSON(c, http.StatusOK, out)
		return nil
	}))
	g.GET(base+"/:id", s.Handle(func(c *gin.Context) error {
		rec, err := res.Read(c.Request.Context(), door.Caller(c), c.Param("id"))
		if err != nil {
			return err
		}
		door.SetETag(c, res.Revision(rec))
		door.WriteJSON(c, http.StatusOK, rec)
		return nil
	}))
	if post != nil {
		g.POST(base, s.Handle(post))
	} else {
		g.POST(base, s.Handle(func(c *gin.Context) error {
			rec := new(T)
			if err := s.Decode(c, rec); err != nil {
				return err
			}
			if err := res.Create(c.Request.Context(), door.Caller(c), rec); err != nil {
				return err
			}
			c.Header("Location", location(res.Name(), res.ID(rec)))
			door.SetETag(c, res.Revision(rec))
			door.WriteJSON(c, http.StatusCreated, rec)
			return nil
		}))
	}
	if res.Replaceable() {
		g.PUT(base+"/:id", s.Handle(func(c *gin.Context) error {
			ifMatch, err := door.IfMatch(c)
			if err != nil {
				return err
			}
			rec := new(T)
			if err := s.Decode(c, rec); err != nil {
				return err
			}
			out, err := res.Replace(c.Request.Context(), door.Caller(c), c.Param("id"), rec, ifMatch)
			if err != nil {
				return err
			}
			door.SetETag(c, res.Revision(out))
			door.WriteJSON(c, http.StatusOK, out)
			return nil
		}))
	}
	g.DELETE(base+"/:id", s.Handle(func(c *gin.Context) error {
		if err := res.Remove(c.Request.Context(), door.Caller(c), c.Param("id")); err != nil {
			return err
		}
		c.Status(http.StatusNoContent)
		return nil
	}))
}

// location is the URL of the record of the named kind with the given id.
func location(kind, id string) string {
	return "/api/v1/" + kind + "/" + url.PathEscape(id)
}
