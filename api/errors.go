package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
)

// codeMethodNotAllowed is the envelope code of a 405. It and codeRateLimited
// (ratelimit.go) are the only codes the API adds to data's set, because no
// operation ever returns them.
const codeMethodNotAllowed data.Code = "method_not_allowed"

// statusOf maps every error code to its HTTP status. It is the only place
// where codes become statuses.
var statusOf = map[data.Code]int{
	data.CodeInvalid:      http.StatusUnprocessableEntity,
	data.CodeMalformed:    http.StatusBadRequest,
	data.CodeNotFound:     http.StatusNotFound,
	data.CodeConflict:     http.StatusConflict,
	data.CodeForbidden:    http.StatusForbidden,
	data.CodeUnauthorized: http.StatusUnauthorized,
	data.CodeTooLarge:     http.StatusRequestEntityTooLarge,
	data.CodeInternal:     http.StatusInternalServerError,
	codeMethodNotAllowed:  http.StatusMethodNotAllowed,
	codeRateLimited:       http.StatusTooManyRequests,
}

// errorBody is the one error envelope: {"error": {...}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

// errorDetail is the content of the envelope. Fields is omitted when empty.
type errorDetail struct {
	Code    data.Code         `json:"code"`
	Message string            `json:"message"`
	Fields  []data.FieldError `json:"fields,omitempty"`
}

// Keys under which the middleware and handlers share facts about a request
// through the gin context (never passed on to operations).
const (
	keyPrincipal = "ipmatch.principal"
	keyErrorCode = "ipmatch.error_code"
)

// writeError writes err as the error envelope with the status of its code.
// Errors that are not *data.Error (or are internal) become a 500 without
// detail and are logged here, once, with the request id.
func (s *server) writeError(c *gin.Context, err error) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		err = data.Errorf(data.CodeTooLarge, "the request body is larger than %d bytes", tooBig.Limit)
	}
	code := data.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		code, status = data.CodeInternal, http.StatusInternalServerError
	}
	body := errorBody{Error: errorDetail{Code: code, Message: data.ErrorMessage(err), Fields: data.ErrorFields(err)}}
	if status == http.StatusInternalServerError {
		body.Error = errorDetail{Code: data.CodeInternal, Message: "internal error"}
		ctx := c.Request.Context()
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			// The client went away; nothing to fix on our side.
			s.logger.InfoContext(ctx, "request canceled", "request_id", requestID(ctx), "err", err)
		} else {
			s.logger.ErrorContext(ctx, "internal error", "request_id", requestID(ctx),
				"method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
		}
	}
	if code == data.CodeUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="ipmatch"`)
	}
	c.Set(keyErrorCode, string(body.Error.Code))
	closeAfterRefusal(c)
	writeJSON(c, status, body)
}

// invalidField returns an invalid error about one field.
func invalidField(field, format string, args ...any) error {
	reason := fmt.Sprintf(format, args...)
	return &data.Error{Code: data.CodeInvalid, Message: "invalid " + field + ": " + reason,
		Fields: []data.FieldError{{Field: field, Reason: reason}}}
}

// malformedField returns a malformed (400) error about one field or query
// parameter.
func malformedField(field, format string, args ...any) error {
	reason := fmt.Sprintf(format, args...)
	return &data.Error{Code: data.CodeMalformed, Message: fmt.Sprintf("%s: %s", field, reason),
		Fields: []data.FieldError{{Field: field, Reason: reason}}}
}

// forbidden returns a forbidden (403) error with a message for the caller.
func forbidden(format string, args ...any) error {
	return data.Errorf(data.CodeForbidden, format, args...)
}
