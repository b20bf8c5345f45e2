package app

import (
	"fmt"

	"ipmatch/data"
)

// InvalidField returns an invalid (422) error about one field.
func InvalidField(field, format string, args ...any) error {
	reason := fmt.Sprintf(format, args...)
	return &data.Error{Code: data.CodeInvalid, Message: "invalid " + field + ": " + reason,
		Fields: []data.FieldError{{Field: field, Reason: reason}}}
}

// MalformedField returns a malformed (400) error about one field or query
// parameter.
func MalformedField(field, format string, args ...any) error {
	reason := fmt.Sprintf(format, args...)
	return &data.Error{Code: data.CodeMalformed, Message: fmt.Sprintf("%s: %s", field, reason),
		Fields: []data.FieldError{{Field: field, Reason: reason}}}
}

// Forbidden returns a forbidden (403) error with a message for the caller.
func Forbidden(format string, args ...any) error {
	return data.Errorf(data.CodeForbidden, format, args...)
}
