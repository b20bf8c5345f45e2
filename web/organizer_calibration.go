package web

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
	"ipmatch/door"
	"ipmatch/matcher"
)

// calibrationView is the data of /app/organizer/calibration.
type calibrationView struct {
	Report matcher.CalibrationReport
	// Current is the calibration in use; Fitted the one the records give,
	// as the JSON file serve --calibration reads.
	Current *matcher.Calibration
	Fitted  string
	// Names of the enterprises, by ID.
	Names map[string]string
}

// calibrationPage handles GET /app/organizer/calibration (organizer
// only): the model against every recorded appraisal and loan, by industry
// and patent type, the fitted correction and the file to load it with
// (what ipmatch calibrate prints).
func (h *webHandlers) calibrationPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer/calibration"); err != nil {
		return err
	}
	ctx := c.Request.Context()
	rep, err := h.s.App.Calibration(ctx, door.Caller(c))
	if err != nil {
		return err
	}
	fitted, err := json.MarshalIndent(rep.Fitted, "", "  ")
	if err != nil {
		return err
	}
	ents, err := h.s.App.Enterprises.All(ctx, door.Caller(c), data.Refs{})
	if err != nil {
		return err
	}
	names := make(map[string]string, len(ents))
	for _, e := range ents {
		names[e.ID] = e.Name
	}
	v := calibrationView{Report: rep, Current: h.s.App.Matcher().Calibration(), Fitted: string(fitted), Names: names}
	return h.render(c, http.StatusOK, "calibration", webPage{Title: "估值校准", Data: v})
}
