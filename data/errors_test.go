package data

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
)

// TestErrorKeepsItsCausePrivate: a wrapped cause is reachable by errors.Is
// and ErrorCause, and never part of the text users read.
func TestErrorKeepsItsCausePrivate(t *testing.T) {
	cause := fmt.Errorf("open /var/lib/ipmatch/ipmatch.db: %w", fs.ErrPermission)
	err := fmt.Errorf("import: %w", Wrap(CodeInternal, cause, "internal error"))
	if !errors.Is(err, fs.ErrPermission) {
		t.Error("errors.Is does not see the cause")
	}
	if ErrorCode(err) != CodeInternal {
		t.Errorf("code %q", ErrorCode(err))
	}
	if got := ErrorCause(err); got != cause {
		t.Errorf("ErrorCause = %v, want %v", got, cause)
	}
	var e *Error
	errors.As(err, &e)
	for what, text := range map[string]string{"Error()": e.Error(), "ErrorMessage": ErrorMessage(err)} {
		if strings.Contains(text, "/var/lib") || strings.Contains(text, "permission") {
			t.Errorf("%s holds the cause: %q", what, text)
		}
	}

	// A foreign error is its own cause; an Error without one has none.
	raw := errors.New("disk I/O error")
	if ErrorCause(raw) != raw || ErrorMessage(raw) != "internal error" {
		t.Errorf("raw: cause %v, message %q", ErrorCause(raw), ErrorMessage(raw))
	}
	if ErrorCause(Errorf(CodeConflict, "taken")) != nil || ErrorCause(nil) != nil {
		t.Error("an Error without a cause, or nil, reports one")
	}
}
