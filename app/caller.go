package app

import (
	"context"
	"strings"

	"ipmatch/data"
)

// Caller is the authenticated caller: the token it presented, or for a
// user signed in by password a token-like view of the user (User is true
// and Token.ID is the user's ID).
type Caller struct {
	Token data.Token
	User  bool
}

// Actor names the caller in the audit log.
func (p *Caller) Actor() data.Actor {
	a := data.Actor{Role: p.Token.Role, Name: p.Token.Label, BankID: p.Token.BankID, EnterpriseID: p.Token.EnterpriseID}
	if p.User {
		a.UserID = p.Token.ID
	} else {
		a.TokenID = p.Token.ID
	}
	return a
}

// Is reports whether the caller has role r.
func (p *Caller) Is(r data.Role) bool { return p.Token.Role == r }

// By names the caller in deal histories: the token's label, else its id.
func (p *Caller) By() string {
	if p.Token.Label != "" {
		return p.Token.Label
	}
	return p.Token.ID
}

// BearerCaller finds the caller of an Authorization header value
// ("Bearer SECRET"). A missing, malformed or unknown credential is
// unauthorized.
func (a *App) BearerCaller(ctx context.Context, header string) (*Caller, error) {
	scheme, secret, ok := strings.Cut(strings.TrimSpace(header), " ")
	if header == "" {
		return nil, data.Errorf(data.CodeUnauthorized, "authentication required: send Authorization: Bearer <token>")
	}
	secret = strings.TrimSpace(secret)
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return nil, data.Errorf(data.CodeUnauthorized, "the Authorization header must be: Bearer <token>")
	}
	return a.TokenCaller(ctx, data.HashToken(secret))
}

// TokenCaller finds the caller holding the token with the given hash.
func (a *App) TokenCaller(ctx context.Context, hash string) (*Caller, error) {
	tok, err := a.store.Tokens().GetByKey(ctx, hash)
	if data.ErrorCode(err) == data.CodeNotFound {
		return nil, data.Errorf(data.CodeUnauthorized, "unknown or revoked token")
	}
	if err != nil {
		return nil, err
	}
	return &Caller{Token: tok}, nil
}
