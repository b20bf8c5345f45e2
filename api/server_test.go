package api

import (
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
	"ipmatch/door"
	"ipmatch/web"
)

// The API's tests run against the whole server, both doors on one
// door.Server as cmd/ipmatch assembles it: many of them check that a rule
// holds the same through the JSON API and the pages.

// Config is the server's configuration, as the tests write it.
type Config = door.Config

// New serves store through both doors.
func New(store data.Store, logger *slog.Logger, cfg Config) http.Handler {
	return newEngine(store, logger, cfg)
}

// newEngine is New's engine; tests list its routes.
func newEngine(store data.Store, logger *slog.Logger, cfg Config) *gin.Engine {
	s := door.New(store, logger, cfg)
	Mount(s)
	web.Mount(s)
	return s.Engine
}
