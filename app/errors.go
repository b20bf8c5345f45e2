package app

import (
	"ipmatch/data"
)

// Forbidden returns a forbidden (403) error with a message for the caller.
func Forbidden(format string, args ...any) error {
	return data.Errorf(data.CodeForbidden, format, args...)
}
