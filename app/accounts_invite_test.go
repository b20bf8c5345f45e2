package app_test

import (
	"strings"
	"testing"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/memstore"
	"ipmatch/data/storetest"
)

// TestInviteUser: the organizer opens a bank's user without a password;
// it cannot sign in, whatever it types, until it sets one through the
// link; refusals name the field or the username and write nothing.
func TestInviteUser(t *testing.T) {
	ctx := t.Context()
	store := memstore.New()
	bank := storetest.Bank(1)
	bank.ID = data.BankKind.NewID()
	if err := store.Banks().Create(ctx, &bank); err != nil {
		t.Fatal(err)
	}
	a := app.New(store, app.Config{})
	org := &app.Caller{Token: data.Token{ID: "tok_org", Role: data.RoleOrganizer}}

	inv, err := a.InviteUser(ctx, org, app.InviteRequest{Username: " Bank.Staff ", Role: data.RoleBank, BankID: bank.ID, Label: " 客户经理 "})
	if err != nil {
		t.Fatal(err)
	}
	if inv.User.Username != "bank.staff" || inv.User.Label != "客户经理" || inv.User.BankID != bank.ID || inv.User.PasswordSet ||
		inv.User.ResetExpires.IsZero() || !strings.HasPrefix(inv.Link, "/reset/"+inv.User.ID+".") || !inv.ExpiresAt.Equal(inv.User.ResetExpires) {
		t.Errorf("invitation %+v", inv)
	}
	stored, err := store.Users().Get(ctx, inv.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.PasswordHash != "" || stored.ResetHash == "" || strings.Contains(inv.Link, stored.ResetHash) {
		t.Errorf("stored user: hash %q, reset hash %q", stored.PasswordHash, stored.ResetHash)
	}
	// No password signs in: not the empty one, not a guess.
	for _, pw := range []string{"", " ", "password123", stored.ResetHash} {
		if _, _, err := a.PasswordCaller(ctx, "bank.staff", pw); data.ErrorCode(err) != data.CodeUnauthorized {
			t.Errorf("sign-in with %q before a password was set: %v", pw, err)
		}
	}

	before := dumpUsers(t, store)
	for _, tc := range []struct {
		name  string
		req   app.InviteRequest
		code  data.Code
		field string
	}{
		{"taken", app.InviteRequest{Username: "BANK.STAFF", Role: data.RoleBank, BankID: bank.ID}, data.CodeConflict, ""},
		{"no such bank", app.InviteRequest{Username: "other.staff", Role: data.RoleBank, BankID: "bnk_nobody"}, data.CodeInvalid, "bank_id"},
		{"no such enterprise", app.InviteRequest{Username: "ent.staff", Role: data.RoleCompany, EnterpriseID: "ent_nobody"}, data.CodeInvalid, "enterprise_id"},
		{"bank without bank", app.InviteRequest{Username: "other.staff", Role: data.RoleBank}, data.CodeInvalid, "bank_id"},
		{"bad username", app.InviteRequest{Username: "王五", Role: data.RoleBank, BankID: bank.ID}, data.CodeInvalid, "username"},
		{"bad role", app.InviteRequest{Username: "other.staff", Role: "admin"}, data.CodeInvalid, "role"},
		{"long label", app.InviteRequest{Username: "other.staff", Role: data.RoleOrganizer, Label: strings.Repeat("长", 101)}, data.CodeInvalid, "label"},
	} {
		_, err := a.InviteUser(ctx, org, tc.req)
		if data.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
			continue
		}
		if tc.field != "" {
			found := false
			for _, f := range data.ErrorFields(err) {
				found = found || f.Field == tc.field
			}
			if !found {
				t.Errorf("%s: %v does not name %s", tc.name, err, tc.field)
			}
		} else if !strings.Contains(err.Error(), "bank.staff") {
			t.Errorf("%s: %v does not name the username", tc.name, err)
		}
	}
	for _, p := range []*app.Caller{
		{Token: data.Token{Role: data.RoleBank, BankID: bank.ID}},
		{Token: data.Token{Role: data.RoleCompany, EnterpriseID: "ent_x"}},
	} {
		if _, err := a.InviteUser(ctx, p, app.InviteRequest{Username: "sneaky", Role: data.RoleOrganizer}); data.ErrorCode(err) != data.CodeForbidden {
			t.Errorf("%s opens a user: %v", p.Token.Role, err)
		}
	}
	if after := dumpUsers(t, store); after != before {
		t.Errorf("a refused invitation wrote a user:\n%s\n%s", before, after)
	}

	// The link sets the password; then it signs in.
	token := strings.TrimPrefix(inv.Link, "/reset/")
	if err := a.ResetPassword(ctx, token, "first-password-1", "first-password-1"); err != nil {
		t.Fatal(err)
	}
	p, id, err := a.PasswordCaller(ctx, "bank.staff", "first-password-1")
	if err != nil || id != inv.User.ID || p.Token.BankID != bank.ID || p.Token.Role != data.RoleBank {
		t.Errorf("sign-in after setting the password: %v %s %+v", err, id, p)
	}
}

// dumpUsers lists the stored users, for comparing before and after.
func dumpUsers(t *testing.T, store data.Store) string {
	t.Helper()
	users, _, err := store.Users().List(t.Context(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, u := range users {
		b.WriteString(u.ID + " " + u.Username + " " + u.PasswordHash + " " + u.ResetHash + "\n")
	}
	return b.String()
}
