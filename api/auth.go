package api

import (
	"context"
	"strings"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
)

// principal is the authenticated caller: the token it presented.
type principal struct {
	tok data.Token
}

// is reports whether the caller has role r.
func (p *principal) is(r data.Role) bool { return p.tok.Role == r }

// by names the caller in deal histories: the token's label, else its id.
func (p *principal) by() string {
	if p.tok.Label != "" {
		return p.tok.Label
	}
	return p.tok.ID
}

// caller returns the principal that authenticate stored for the request.
func caller(c *gin.Context) *principal {
	p, ok := c.Get(keyPrincipal)
	if !ok {
		// Every route under /api/v1 runs authenticate first.
		panic("api: no principal on an authenticated route")
	}
	return p.(*principal)
}

// authenticate requires "Authorization: Bearer SECRET" where SECRET is a
// stored token; otherwise the request ends with 401.
func (s *server) authenticate(c *gin.Context) {
	p, err := s.lookupToken(c.Request.Context(), c.GetHeader("Authorization"))
	if err != nil {
		s.writeError(c, err)
		c.Abort()
		return
	}
	c.Set(keyPrincipal, p)
	c.Next()
}

// lookupToken finds the token of an Authorization header value.
func (s *server) lookupToken(ctx context.Context, header string) (*principal, error) {
	scheme, secret, ok := strings.Cut(strings.TrimSpace(header), " ")
	if header == "" {
		return nil, data.Errorf(data.CodeUnauthorized, "authentication required: send Authorization: Bearer <token>")
	}
	secret = strings.TrimSpace(secret)
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return nil, data.Errorf(data.CodeUnauthorized, "the Authorization header must be: Bearer <token>")
	}
	tok, err := s.store.Tokens().GetByKey(ctx, data.HashToken(secret))
	if data.ErrorCode(err) == data.CodeNotFound {
		return nil, data.Errorf(data.CodeUnauthorized, "unknown or revoked token")
	}
	if err != nil {
		return nil, err
	}
	return &principal{tok: tok}, nil
}
