package main

import (
	"errors"
	"strings"
	"testing"

	"ipmatch/data"
)

// TestCommandErrorShowsTheCause: a store failure reaches the operator with
// its cause, not as a bare "internal error"; a user error reads as before,
// with its fields.
func TestCommandErrorShowsTheCause(t *testing.T) {
	disk := errors.New("database disk image is malformed")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{disk, "internal error: database disk image is malformed"},
		{data.Wrap(data.CodeInternal, disk, "internal error"), "internal error: database disk image is malformed"},
		{&data.Error{Code: data.CodeInvalid, Message: "invalid patent", Fields: []data.FieldError{{Field: "title", Reason: "is required"}}},
			"invalid patent\n  title: is required"},
	} {
		if got := commandError(tc.err).Error(); got != tc.want {
			t.Errorf("commandError(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	if got := commandError(data.Wrap(data.CodeConflict, disk, "taken")).Error(); strings.Contains(got, "malformed") {
		t.Errorf("a user error shows its cause: %q", got)
	}
}
