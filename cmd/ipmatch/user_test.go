package main

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"ipmatch/data"
	"ipmatch/data/sqlite"
	"ipmatch/data/storetest"
)

// userCLI runs "ipmatch user ARGS…" against the store in dir with stdin
// holding the password line.
func userCLI(t *testing.T, dir, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := runUser(t.Context(), append(args, "--data", dir), strings.NewReader(stdin), &out, &errOut)
	return strings.TrimSpace(out.String()), err
}

// withStore opens the store in dir for f and closes it after.
func withStore(t *testing.T, dir string, f func(data.Store)) {
	t.Helper()
	s, err := sqlite.Open(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f(s)
}

func TestUserCreate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var bankID string
	withStore(t, dir, func(s data.Store) {
		b := storetest.Bank(1)
		if _, err := s.Banks().Put(t.Context(), &b); err != nil {
			t.Fatal(err)
		}
		bankID = b.ID
	})

	const password = "长城 secret 2026"
	id, err := userCLI(t, dir, password+"\r\n", "create", "--username", "Bank.Zhang", "--role", "bank", "--bank", bankID, "--label", "张经理")
	if err != nil {
		t.Fatalf("user create: %v", err)
	}
	if !strings.HasPrefix(id, "user_") {
		t.Errorf("printed %q, want the new user's ID", id)
	}
	withStore(t, dir, func(s data.Store) {
		u, err := s.Users().GetByKey(t.Context(), "bank.zhang")
		if err != nil {
			t.Fatal(err)
		}
		if u.ID != id || u.Role != data.RoleBank || u.BankID != bankID || u.Label != "张经理" {
			t.Errorf("stored %+v", u)
		}
		if err := bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)); err != nil {
			t.Errorf("the stored hash does not match the password (line ending kept?): %v", err)
		}
		if cost, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil || cost != data.PasswordCost {
			t.Errorf("bcrypt cost %d, %v; want %d", cost, err, data.PasswordCost)
		}
	})

	// A taken username is refused and the user kept as it was.
	if _, err := userCLI(t, dir, "another password\n", "create", "--username", "bank.zhang", "--role", "organizer"); err == nil || !strings.Contains(err.Error(), "already taken") {
		t.Errorf("taken username: %v", err)
	}
	withStore(t, dir, func(s data.Store) {
		if u, err := s.Users().Get(t.Context(), id); err != nil || u.Role != data.RoleBank {
			t.Errorf("the taken user changed: %+v, %v", u, err)
		}
	})
}

func TestUserCreateRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		name, stdin string
		args        []string
		want        string // in the error
	}{
		{"short password", "short\n", []string{"--username", "alice", "--role", "organizer"}, "password"},
		{"no password", "", []string{"--username", "alice", "--role", "organizer"}, "password"},
		{"missing bank", "long enough password\n", []string{"--username", "alice", "--role", "bank", "--bank", "bank_nope"}, "bank_nope"},
		{"bad role", "long enough password\n", []string{"--username", "alice", "--role", "admin"}, "role"},
		{"bad username", "long enough password\n", []string{"--username", "a b", "--role", "organizer"}, "username"},
		{"enterprise without binding", "long enough password\n", []string{"--username", "alice", "--role", "enterprise"}, "enterprise_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := userCLI(t, dir, tc.stdin, append([]string{"create"}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one naming %q", err, tc.want)
			}
		})
	}
	withStore(t, dir, func(s data.Store) {
		if n, err := s.Users().Count(t.Context()); err != nil || n != 0 {
			t.Errorf("%d users stored after refusals, %v", n, err)
		}
	})

	// Usage errors exit 2.
	for _, args := range [][]string{{"user"}, {"user", "create", "--data", dir}, {"user", "create", "--data", dir, "--bogus"}} {
		if _, _, code := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
