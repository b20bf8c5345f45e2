package door

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
)

// RequestIDHeader carries the request id in both directions.
const RequestIDHeader = "X-Request-ID"

type requestIDKey struct{}

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// SaneRequestID reports whether an incoming request id may be reused: 1 to
// 128 characters of letters, digits and "-_.:", so it is safe in headers
// and logs.
func SaneRequestID(id string) bool {
	if len(id) == 0 || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// newRequestID returns a fresh random request id.
func newRequestID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// requestID is the first middleware: it takes a sane X-Request-ID from the
// client or makes one, echoes it in the response and puts it in the
// request's context.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader(RequestIDHeader)
	if !SaneRequestID(id) {
		id = newRequestID()
	}
	c.Header(RequestIDHeader, id)
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), requestIDKey{}, id))
	c.Next()
}

// accessLog writes one log line per request once it is answered: at
// info level unless the sampler drops it (LogSampling), then at debug.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	took := time.Since(start)
	ctx := c.Request.Context()
	level := slog.LevelInfo
	keep, dropped := s.sampler.keep(c.Request.Method, c.FullPath(), c.Writer.Status(), took)
	if !keep {
		if !s.Logger.Enabled(ctx, slog.LevelDebug) {
			return
		}
		level = slog.LevelDebug
	}
	attrs := []slog.Attr{
		slog.String("method", c.Request.Method),
		slog.String("path", LogPath(c)),
		slog.Int("status", c.Writer.Status()),
		slog.Duration("duration", took),
		slog.String("request_id", RequestID(ctx)),
		slog.String("role", "anonymous"),
	}
	if p, ok := c.Get(KeyCaller); ok {
		attrs[5] = slog.String("role", string(p.(*app.Caller).Token.Role))
		attrs = append(attrs, slog.String("token", p.(*app.Caller).Token.ID))
	}
	if code := c.GetString(KeyErrorCode); code != "" {
		attrs = append(attrs, slog.String("error_code", code))
	}
	if dropped > 0 {
		attrs = append(attrs, slog.Int("dropped", dropped))
	}
	s.Logger.LogAttrs(ctx, level, "request", attrs...)
}

// recover turns a panic in a handler into a 500 (the envelope, or the
// pages' error page), logged once with the request id and the stack.
// http.ErrAbortHandler is passed on.
func (s *Server) recover(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
			panic(v)
		}
		ctx := c.Request.Context()
		s.Logger.ErrorContext(ctx, "panic", "request_id", RequestID(ctx),
			"method", c.Request.Method, "path", LogPath(c),
			"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		c.Abort()
		if c.Writer.Written() {
			return // too late for an envelope
		}
		// The answer of the door the request came through: a page on
		// the pages' paths, the envelope elsewhere. The panic is logged
		// above, so the error handed on carries no cause to log again.
		s.answerError(c, http.StatusInternalServerError, data.CodeInternal, data.Errorf(data.CodeInternal, "internal error"))
	}()
	c.Next()
}

// importDeadline gives an authenticated import Config.ImportTimeout to
// send its file and get its report, past the server's shorter deadlines
// (which a slow anonymous client cannot escape).
func (s *Server) ImportDeadline(c *gin.Context) {
	if d := s.Cfg.ImportTimeout; d > 0 {
		rc := http.NewResponseController(c.Writer)
		deadline := time.Now().Add(d)
		// Errors mean the writer cannot set deadlines (a test recorder):
		// there are none to extend then.
		_ = rc.SetReadDeadline(deadline)
		_ = rc.SetWriteDeadline(deadline)
	}
	c.Next()
}

// SessionCookie is the name of the pages' session cookie: a request that
// carries it has a credential (guardBodies).
const SessionCookie = "ipmatch_session"

// anonymousBodyTimeout bounds the time to send the body of a request that
// carries no credential: the only such bodies ipmatch reads are the
// sign-in forms (well under 1 KiB), so 10 s is generous on any link.
const anonymousBodyTimeout = 10 * time.Second

// guardBodies keeps slow request bodies from holding connections. A
// request with a body and no credential (no Authorization header, no
// session cookie) gets anonymousBodyTimeout to send it, and its
// connection is closed after the answer. Refusals of any request with a
// body close the connection too (CloseAfterRefusal): Go's server otherwise
// reads up to 256 KiB of an unread body before it sends the answer, so a
// client sending one byte every few seconds held a connection until the
// read timeout, and a thousand such held them all.
func (s *Server) guardBodies(c *gin.Context) {
	r := c.Request
	if hasBody(r) && r.Header.Get("Authorization") == "" {
		if _, err := r.Cookie(SessionCookie); err != nil {
			closeAfterReply(c)
			// Not every ResponseWriter supports deadlines (tests' recorders).
			_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(anonymousBodyTimeout))
		}
	}
	c.Next()
}

// CloseAfterRefusal closes the connection after an error answer to a
// request with a body, which the handler may not have read (guardBodies).
func CloseAfterRefusal(c *gin.Context) {
	if hasBody(c.Request) {
		closeAfterReply(c)
	}
}

// hasBody reports whether r announced a body (a length, or chunks).
func hasBody(r *http.Request) bool { return r.ContentLength != 0 }

// closeAfterReply asks an HTTP/1 server to close the connection after the
// answer, so it does not wait for the rest of an unread body. (In HTTP/2 the
// header would end the whole connection, and streams need no draining.)
func closeAfterReply(c *gin.Context) {
	if c.Request.ProtoMajor == 1 {
		c.Header("Connection", "close")
	}
}
