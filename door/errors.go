package door

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
)

// CodeMethodNotAllowed is the envelope code of a 405, the only code the API
// adds to data's set, because no operation ever returns it.
const CodeMethodNotAllowed data.Code = "method_not_allowed"

// StatusOf maps every error code to its HTTP status. It is the only place
// where codes become statuses.
var StatusOf = map[data.Code]int{
	data.CodeInvalid:      http.StatusUnprocessableEntity,
	data.CodeMalformed:    http.StatusBadRequest,
	data.CodeNotFound:     http.StatusNotFound,
	data.CodeConflict:     http.StatusConflict,
	data.CodeStale:        http.StatusPreconditionFailed,
	data.CodeForbidden:    http.StatusForbidden,
	data.CodeUnauthorized: http.StatusUnauthorized,
	data.CodeTooLarge:     http.StatusRequestEntityTooLarge,
	data.CodeInternal:     http.StatusInternalServerError,
	CodeMethodNotAllowed:  http.StatusMethodNotAllowed,
	CodeRateLimited:       http.StatusTooManyRequests,
}

// ErrorBody is the one error envelope: {"error": {...}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the content of the envelope. Fields is omitted when empty.
type ErrorDetail struct {
	Code    data.Code         `json:"code"`
	Message string            `json:"message"`
	Fields  []data.FieldError `json:"fields,omitempty"`
}

// Keys under which the middleware and handlers share facts about a request
// through the gin context (never passed on to operations).
const (
	KeyCaller    = "ipmatch.principal"
	KeyErrorCode = "ipmatch.error_code"
	// KeyLogPath, when set, is the path the logs show instead of the
	// request's: a route whose path holds a secret (a password reset
	// link) sets its pattern (HideSecretPath).
	KeyLogPath = "ipmatch.log_path"
)

// HideSecretPath is the middleware of routes whose paths hold a secret:
// the logs show the route's pattern ("/reset/:token"), not the path.
func HideSecretPath(c *gin.Context) { c.Set(KeyLogPath, c.FullPath()) }

// LogPath is the request's path as the logs show it.
func LogPath(c *gin.Context) string {
	if p := c.GetString(KeyLogPath); p != "" {
		return p
	}
	return c.Request.URL.Path
}

// WriteError is the one writer of failures, whichever door a request came
// through. It classifies err (a body over its limit is too_large; an
// error that is not a *data.Error, or is internal, is a 500 without
// detail), logs a 500 once with the request id and the cause (a client
// that went away is logged as such, not as an error), and renders the
// answer: a page on the pages' paths (SetPages), else the JSON envelope.
func (s *Server) WriteError(c *gin.Context, err error) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		err = data.Errorf(data.CodeTooLarge, "the request body is larger than %d bytes", tooBig.Limit)
	}
	code := data.ErrorCode(err)
	if retry := data.ErrorRetryAfter(err); retry > 0 {
		SetRetryAfter(c, retry)
	}
	status, ok := StatusOf[code]
	if !ok {
		code, status = data.CodeInternal, http.StatusInternalServerError
	}
	if status == http.StatusInternalServerError {
		code = data.CodeInternal
		ctx := c.Request.Context()
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			// The client went away; nothing to fix on our side.
			s.Logger.InfoContext(ctx, "request canceled", "request_id", RequestID(ctx), "err", err)
		} else {
			s.Logger.ErrorContext(ctx, "internal error", "request_id", RequestID(ctx),
				"method", c.Request.Method, "path", LogPath(c), "err", err, "cause", data.ErrorCause(err))
		}
		err = data.Errorf(data.CodeInternal, "internal error")
	}
	s.answerError(c, status, code, err)
}

// answerError renders a classified failure: a page on the pages' paths,
// the JSON envelope elsewhere.
func (s *Server) answerError(c *gin.Context, status int, code data.Code, err error) {
	c.Set(KeyErrorCode, string(code))
	CloseAfterRefusal(c)
	if s.renderPage != nil && s.isPage(c.Request.URL.Path) {
		s.renderPage(c, err)
		return
	}
	if code == data.CodeUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="ipmatch"`)
	}
	WriteJSON(c, status, ErrorBody{Error: ErrorDetail{Code: code, Message: data.ErrorMessage(err), Fields: data.ErrorFields(err)}})
}
