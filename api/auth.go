package api

import (
	"context"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
)

// principal is the authenticated caller: the token it presented, or for a
// user signed in by password a token-like view of the user (user is true
// and tok.ID is the user's ID).
type principal struct {
	tok  data.Token
	user bool
}

// actor names the caller in the audit log.
func (p *principal) actor() data.Actor {
	a := data.Actor{Role: p.tok.Role, Name: p.tok.Label, BankID: p.tok.BankID, EnterpriseID: p.tok.EnterpriseID}
	if p.user {
		a.UserID = p.tok.ID
	} else {
		a.TokenID = p.tok.ID
	}
	return a
}

// withOrigin puts p and the request in the request's context, so the
// writes the request makes are audited under them.
func withOrigin(c *gin.Context, p *principal, via string) {
	ctx := c.Request.Context()
	c.Request = c.Request.WithContext(data.WithOrigin(ctx, data.Origin{
		Actor: p.actor(), Via: via, Request: c.Request.Method + " " + c.Request.URL.Path, RequestID: requestID(ctx),
	}))
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
// stored token; otherwise the request ends with 401, or 429 when the
// client's address has sent too many unknown tokens lately.
func (s *server) authenticate(c *gin.Context) {
	p, retry, err := s.checkToken(c, c.GetHeader("Authorization"))
	if err != nil {
		if retry > 0 {
			setRetryAfter(c, retry)
		}
		s.writeError(c, err)
		c.Abort()
		return
	}
	c.Set(keyPrincipal, p)
	withOrigin(c, p, data.ViaAPI)
	c.Next()
}

// checkToken looks up the token of an Authorization header value. A valid
// token is always accepted, whatever failed from the same address before:
// failures limit further failures, not callers holding a credential. An
// unknown token counts against the client's address (authFailures); once
// the address is out of attempts, an unknown token gets 429 and retry
// says when to try again. The lookup is still made (a valid token must
// pass), but it is one indexed read of a hash, no dearer than any cheap
// request, and 256-bit tokens cannot be guessed at any rate: the limit
// tells a misconfigured or guessing client to back off.
func (s *server) checkToken(c *gin.Context, header string) (p *principal, retry time.Duration, err error) {
	p, err = s.lookupToken(c.Request.Context(), header)
	// A missing header is no guess; a wrong token is.
	if err == nil || header == "" || data.ErrorCode(err) != data.CodeUnauthorized {
		return p, 0, err
	}
	key := clientKey(c)
	if wait := s.authFailures.wait(key); wait > 0 {
		return nil, wait, rateLimited(wait)
	}
	s.authFailures.fail(key)
	return nil, 0, err
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
