package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/door"
)

// The alerts of live deals' collateral (app/alerts.go, app/monitor.go)
// and the banks' webhooks (app/webhooks.go).
func alertRoutes(s *server, g *gin.RouterGroup) {
	g.GET("/alerts", s.Handle(s.listAlerts))
	g.GET("/alerts/:id", s.Handle(s.getAlert))
	g.POST("/alerts/:id/ack", s.Handle(s.ackAlert))
	g.POST("/monitor", s.Handle(s.runMonitor))
	g.GET("/banks/:id/webhook", s.Handle(s.getWebhook))
	g.PUT("/banks/:id/webhook", s.Handle(s.putWebhook))
	g.DELETE("/banks/:id/webhook", s.Handle(s.deleteWebhook))
}

// listAlerts handles GET /api/v1/alerts: the organizer's every alert, a
// bank's those of its deals, in the order they were raised; an
// enterprise is refused.
func (s *server) listAlerts(c *gin.Context) error {
	q, err := s.App.Alerts.ParseQuery(c.Request.URL.Query())
	if err != nil {
		return err
	}
	out, err := s.App.Alerts.List(c.Request.Context(), door.Caller(c), q)
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, out)
	return nil
}

// getAlert handles GET /api/v1/alerts/{id}.
func (s *server) getAlert(c *gin.Context) error {
	al, err := s.App.Alerts.Read(c.Request.Context(), door.Caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	door.SetETag(c, al.Revision)
	door.WriteJSON(c, http.StatusOK, al)
	return nil
}

// ackAlert handles POST /api/v1/alerts/{id}/ack (app.AckAlert).
func (s *server) ackAlert(c *gin.Context) error {
	al, err := s.App.AckAlert(c.Request.Context(), door.Caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	door.SetETag(c, al.Revision)
	door.WriteJSON(c, http.StatusOK, al)
	return nil
}

// runMonitor handles POST /api/v1/monitor (app.RunMonitor): the daily
// check on as_of, now, for the organizer.
func (s *server) runMonitor(c *gin.Context) error {
	p := door.Caller(c)
	if err := app.MayRunMonitor(p); err != nil { // refused before its input is read
		return err
	}
	params, asOf, err := s.Params(c, "as_of", "warn_days")
	if err != nil {
		return err
	}
	warn, err := app.WarnDaysParam(params["warn_days"])
	if err != nil {
		return err
	}
	rep, err := s.App.RunMonitor(c.Request.Context(), p, asOf, warn)
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, rep)
	return nil
}

// getWebhook handles GET /api/v1/banks/{id}/webhook (app.Webhook).
func (s *server) getWebhook(c *gin.Context) error {
	v, err := s.App.Webhook(c.Request.Context(), door.Caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, v)
	return nil
}

// putWebhook handles PUT /api/v1/banks/{id}/webhook (app.SetWebhook): the
// answer shows the new signing secret this once.
func (s *server) putWebhook(c *gin.Context) error {
	var req app.WebhookRequest
	if err := s.Decode(c, &req); err != nil {
		return err
	}
	v, err := s.App.SetWebhook(c.Request.Context(), door.Caller(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	door.WriteJSON(c, http.StatusOK, v)
	return nil
}

// deleteWebhook handles DELETE /api/v1/banks/{id}/webhook.
func (s *server) deleteWebhook(c *gin.Context) error {
	if err := s.App.DeleteWebhook(c.Request.Context(), door.Caller(c), c.Param("id")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
