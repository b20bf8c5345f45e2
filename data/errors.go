package data

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Code classifies an Error. The API maps each code to one HTTP status.
type Code string

// The error codes. Keep the set small: callers branch on these, users read
// the message.
const (
	CodeInvalid      Code = "invalid"      // the input breaks a rule (422)
	CodeMalformed    Code = "malformed"    // the input cannot be parsed (400)
	CodeNotFound     Code = "not_found"    // no such record (404)
	CodeConflict     Code = "conflict"     // clashes with stored state (409)
	CodeForbidden    Code = "forbidden"    // authenticated but not allowed (403)
	CodeUnauthorized Code = "unauthorized" // no or bad credentials (401)
	CodeTooLarge     Code = "too_large"    // body or batch over the limit (413)
	CodeInternal     Code = "internal"     // a bug or an outage; never shown in detail (500)
	CodeRateLimited  Code = "rate_limited" // too much at once; try again later (429)
	// CodeStale: a conditional write named a revision the record no longer
	// has: someone else wrote it since it was read (412 over the API when
	// the client named the revision; the application turns it into a
	// conflict when it read the record itself).
	CodeStale Code = "precondition_failed"
)

// FieldError names one field of a record and why its value was refused.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error is the one error type of ipmatch. Message is meant for users; Fields
// lists every field that failed validation. An Error may keep a cause (see
// Wrap): the failure underneath, for the log and the command line. The
// cause is never part of Error() or the message, so it never reaches an
// HTTP client.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	// RetryAfter, on a rate_limited error, is when to try again; the doors
	// send it as Retry-After (see Busy).
	RetryAfter time.Duration
	cause      error
}

// Wrap returns an *Error with the given code and message that keeps cause
// for the log and the command line (ErrorCause); errors.Is and errors.As
// see through it.
func Wrap(code Code, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), cause: cause}
}

// Unwrap returns the cause of e, if any.
func (e *Error) Unwrap() error { return e.cause }

// ErrorCause returns what lies under err for an operator to read: the
// cause of the first *Error in its chain, or err itself
// when it is not an *Error (a driver's or the system's error, whose text
// is the cause); nil when err says all there is (an *Error without a
// cause) or is nil. Loggers and the command line show it; HTTP answers
// never do.
func ErrorCause(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	return e.cause
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Reason
	}
	return e.Message + ": " + strings.Join(parts, "; ")
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Busy returns a rate_limited error: the request was refused for the load
// of the moment, not for what it asked. The doors send retry as
// Retry-After (whole seconds, at least one: RetrySeconds), which the
// message should name too.
func Busy(retry time.Duration, format string, args ...any) *Error {
	return &Error{Code: CodeRateLimited, Message: fmt.Sprintf(format, args...), RetryAfter: retry}
}

// RetrySeconds is retry in whole seconds, rounded up, at least one: what
// Retry-After and the messages say.
func RetrySeconds(retry time.Duration) int { return max(1, int(math.Ceil(retry.Seconds()))) }

// ErrorRetryAfter returns the RetryAfter of err (0 when it has none).
func ErrorRetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// InvalidField returns an invalid error (the input breaks a rule) about one
// field: "invalid <field>: <reason>", with the field named in Fields.
func InvalidField(field, format string, args ...any) *Error {
	reason := fmt.Sprintf(format, args...)
	return &Error{Code: CodeInvalid, Message: "invalid " + field + ": " + reason, Fields: []FieldError{{Field: field, Reason: reason}}}
}

// MalformedField returns a malformed error (the input cannot be read)
// about one field or query parameter: "<field>: <reason>".
func MalformedField(field, format string, args ...any) *Error {
	reason := fmt.Sprintf(format, args...)
	return &Error{Code: CodeMalformed, Message: field + ": " + reason, Fields: []FieldError{{Field: field, Reason: reason}}}
}

// ErrorCode returns the code of err: the Code of an *Error in its chain,
// CodeInternal for any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorFields returns the field errors of an *Error in err's chain.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// ErrorMessage returns the user-facing message of err, or a generic one when
// err is not an *Error, so internal details never reach users.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// fieldErrors collects validation failures of one record.
type fieldErrors struct {
	list []FieldError
}

func (v *fieldErrors) add(field, format string, args ...any) {
	v.list = append(v.list, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// nest adds the field errors of err, prefixing their names with prefix.
func (v *fieldErrors) nest(prefix string, err error) {
	if err == nil {
		return
	}
	fields := ErrorFields(err)
	if len(fields) == 0 {
		v.add(prefix, "%s", ErrorMessage(err))
		return
	}
	for _, f := range fields {
		v.list = append(v.list, FieldError{Field: prefix + "." + f.Field, Reason: f.Reason})
	}
}

// err returns nil when nothing failed, else an invalid *Error about kind.
func (v *fieldErrors) err(kind string) error {
	if len(v.list) == 0 {
		return nil
	}
	return &Error{Code: CodeInvalid, Message: "invalid " + kind, Fields: v.list}
}
