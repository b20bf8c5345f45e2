package app

import (
	"context"

	"ipmatch/data"
)

// TokenRequest asks for a new API token.
type TokenRequest struct {
	Role         data.Role `json:"role"`
	BankID       string    `json:"bank_id"`
	EnterpriseID string    `json:"enterprise_id"`
	Label        string    `json:"label"`
}

// NewToken is a stored token with its secret, which is shown this once
// and never again.
type NewToken struct {
	data.Token
	Secret string `json:"secret"`
}

// CreateToken issues a token for req; only the organizer may.
func (a *App) CreateToken(ctx context.Context, p *Caller, req TokenRequest) (*NewToken, error) {
	if err := organizerOnly(p, "create tokens"); err != nil {
		return nil, err
	}
	return a.IssueToken(ctx, req)
}

// IssueToken stores a new token for req and returns it with its secret,
// for the operator (the command line, the demo). The bank or enterprise it
// is bound to must exist.
func (a *App) IssueToken(ctx context.Context, req TokenRequest) (*NewToken, error) {
	secret := data.NewTokenSecret()
	tok := data.Token{
		Hash: data.HashToken(secret), Role: req.Role,
		BankID: req.BankID, EnterpriseID: req.EnterpriseID, Label: req.Label,
	}
	if err := data.CheckRefs(ctx, a.store, data.TokenKind, []*data.Token{&tok}); err != nil {
		return nil, err
	}
	if err := a.store.Tokens().Create(ctx, &tok); err != nil {
		return nil, err
	}
	return &NewToken{Token: tok, Secret: secret}, nil
}
