package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
)

// The public policy pages (政策宣传, issue 19): anyone, signed in or not,
// may read the support policies before applying.

// policiesPage serves GET /policies: every policy, with what it offers.
func (h *webHandlers) policiesPage(c *gin.Context) error {
	pols, err := h.s.App.PublicPolicies(c.Request.Context())
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "policies", webPage{Title: "扶持政策", Data: pols})
}

// policyPage serves GET /policies/{id}: one policy, its caps, who may
// claim it and its source.
func (h *webHandlers) policyPage(c *gin.Context) error {
	pol, err := h.s.App.PublicPolicy(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "policy", webPage{Title: pol.Name, Data: pol})
}

// certLabels names certifications in Chinese, for the policy pages.
func certLabels(cs []data.Certification) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Label()
	}
	return out
}
