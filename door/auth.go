package door

import (
	"time"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
)

// Admit makes p the caller of the request, by either door (via): the
// handlers find p (Caller), the writes the request makes are audited under
// p and the request, and the answer, for p alone, is kept by no cache,
// shared or private, whatever it is (a record, a page, an export, a
// calendar).
func Admit(c *gin.Context, p *app.Caller, via string) {
	c.Set(KeyCaller, p)
	c.Header("Cache-Control", "no-store")
	ctx := c.Request.Context()
	c.Request = c.Request.WithContext(data.WithOrigin(ctx, data.Origin{
		Actor: p.Actor(), Via: via, Request: c.Request.Method + " " + c.Request.URL.Path, RequestID: RequestID(ctx),
	}))
}

// caller returns the caller that authenticate stored for the request.
func Caller(c *gin.Context) *app.Caller {
	p, ok := c.Get(KeyCaller)
	if !ok {
		// Every route under /api/v1 runs authenticate first.
		panic("api: no principal on an authenticated route")
	}
	return p.(*app.Caller)
}

// authenticate requires "Authorization: Bearer SECRET" where SECRET is a
// stored token; otherwise the request ends with 401, or 429 when the
// client's address has sent too many unknown tokens lately.
func (s *Server) Authenticate(c *gin.Context) {
	p, _, err := s.CheckToken(c, c.GetHeader("Authorization"))
	if err != nil {
		s.WriteError(c, err) // a refusal for too many failures carries its Retry-After
		c.Abort()
		return
	}
	Admit(c, p, data.ViaAPI)
	c.Next()
}

// CheckToken looks up the token of an Authorization header value. A valid
// token is always accepted, whatever failed from the same address before:
// failures limit further failures, not callers holding a credential. An
// unknown token counts against the client's address (AuthFailures, kept
// in the store for all nodes; a valid token never reads it); once the
// address is out of attempts, an unknown token gets 429 and retry
// says when to try again. The lookup is still made (a valid token must
// pass), but it is one indexed read of a hash, no dearer than any cheap
// request, and 256-bit tokens cannot be guessed at any rate: the limit
// tells a misconfigured or guessing client to back off.
func (s *Server) CheckToken(c *gin.Context, header string) (p *app.Caller, retry time.Duration, err error) {
	ctx := c.Request.Context()
	p, err = s.App.BearerCaller(ctx, header)
	// A missing header is no guess; a wrong token is.
	if err == nil || header == "" || data.ErrorCode(err) != data.CodeUnauthorized {
		return p, 0, err
	}
	key := ClientKey(c)
	wait, werr := s.AuthFailures.Wait(ctx, key)
	if werr != nil {
		return nil, 0, werr
	}
	if wait > 0 {
		RefusedBy(c, "sign_in")
		return nil, wait, RateLimited(wait)
	}
	if ferr := s.AuthFailures.Fail(ctx, key); ferr != nil {
		// The caller is refused all the same; only the count is missed.
		s.Logger.ErrorContext(ctx, "counting a failed token failed", "error", ferr, "request_id", RequestID(ctx))
	}
	return nil, 0, err
}
