package data

import (
	"strings"
	"testing"
	"time"
)

func TestUserValidate(t *testing.T) {
	const hash = "$2a$04$8s8LwTF9IuAgXokZtLXo0uMQVHv9NnYWQcJrmBAyIy/9VprgFTS62"
	ok := func() User { return User{Username: " Org.Admin_1 ", PasswordHash: hash, Role: RoleOrganizer} }
	u := ok()
	u.Normalize()
	if u.Username != "org.admin_1" {
		t.Errorf("normalised username %q", u.Username)
	}
	if err := u.Validate(); err != nil {
		t.Fatalf("valid user: %v", err)
	}
	// A user opened by the organizer has no password until it sets one
	// through its link.
	none := ok()
	none.PasswordHash, none.ResetHash, none.ResetExpires = "", strings.Repeat("ab", 32), time.Now()
	none.Normalize()
	if err := none.Validate(); err != nil {
		t.Errorf("a user without a password yet: %v", err)
	}
	for _, tc := range []struct {
		name  string
		spoil func(*User)
		field string
	}{
		{"short username", func(u *User) { u.Username = "ab" }, "username"},
		{"long username", func(u *User) { u.Username = strings.Repeat("a", 65) }, "username"},
		{"username with space", func(u *User) { u.Username = "a b c" }, "username"},
		{"plain password", func(u *User) { u.PasswordHash = "correct horse battery staple" }, "password_hash"},
		{"other hash scheme", func(u *User) { u.PasswordHash = "$2y$" + hash[4:] }, "password_hash"},
		{"truncated hash", func(u *User) { u.PasswordHash = hash[:59] }, "password_hash"},
		{"organizer bound to a bank", func(u *User) { u.BankID = "bank_a" }, "role"},
		{"bank without bank", func(u *User) { u.Role = RoleBank }, "bank_id"},
		{"enterprise without enterprise", func(u *User) { u.Role = RoleCompany }, "enterprise_id"},
		{"unknown role", func(u *User) { u.Role = "admin" }, "role"},
		{"reset hash not hex", func(u *User) { u.ResetHash, u.ResetExpires = "secret", time.Now() }, "reset_hash"},
		{"reset hash without expiry", func(u *User) { u.ResetHash = strings.Repeat("ab", 32) }, "reset_expires"},
		{"reset expiry without hash", func(u *User) { u.ResetExpires = time.Now() }, "reset_expires"},
	} {
		u := ok()
		tc.spoil(&u)
		u.Normalize()
		err := u.Validate()
		found := false
		for _, f := range ErrorFields(err) {
			found = found || f.Field == tc.field
		}
		if !found {
			t.Errorf("%s: error %v does not name %s", tc.name, err, tc.field)
		}
	}
}
