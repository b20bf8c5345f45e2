package data

import (
	"errors"
	"fmt"
	"strings"
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
)

// FieldError names one field of a record and why its value was refused.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error is the one error type of ipmatch. Message is meant for users; Fields
// lists every field that failed validation.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
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
