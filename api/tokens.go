package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
)

// tokenRequest is the body of POST /api/v1/tokens.
type tokenRequest struct {
	Role         data.Role `json:"role"`
	BankID       string    `json:"bank_id"`
	EnterpriseID string    `json:"enterprise_id"`
	Label        string    `json:"label"`
}

// newToken is the answer to POST /api/v1/tokens: the stored token and its
// secret, which is shown this once and never again.
type newToken struct {
	data.Token
	Secret string `json:"secret"`
}

// createToken handles POST /api/v1/tokens (organizer only).
func (s *server) createToken(c *gin.Context) error {
	p := caller(c)
	if err := organizerOnly(p, "create tokens"); err != nil {
		return err
	}
	var req tokenRequest
	if err := s.decode(c, &req); err != nil {
		return err
	}
	tok, err := s.issueToken(c.Request.Context(), req)
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/tokens/"+tok.ID)
	writeJSON(c, http.StatusCreated, tok)
	return nil
}

// issueToken stores a new token for req and returns it with its secret.
// The bank or enterprise it is bound to must exist.
func (s *server) issueToken(ctx context.Context, req tokenRequest) (*newToken, error) {
	secret := data.NewTokenSecret()
	tok := data.Token{
		Hash: data.HashToken(secret), Role: req.Role,
		BankID: req.BankID, EnterpriseID: req.EnterpriseID, Label: req.Label,
	}
	if err := data.CheckRefs(ctx, s.store, data.TokenKind, []*data.Token{&tok}); err != nil {
		return nil, err
	}
	if _, err := s.store.Tokens().Put(ctx, &tok); err != nil {
		return nil, err
	}
	return &newToken{Token: tok, Secret: secret}, nil
}
