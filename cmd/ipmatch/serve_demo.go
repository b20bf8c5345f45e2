package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"ipmatch/data"
	"ipmatch/data/demo"
)

// The parties the demo's bank and enterprise tokens and users act for.
// 中国工商银行肇庆分行 is the demo bank with deals at more than one stage
// (备案尽调 and 质押登记), so a new user can move deals at once; 肇庆市高要区
// 端溪模具科技有限公司 is registered for the demo event and has the bank's
// 备案尽调 deal, so both sides see the same deal.
const (
	demoBankID       = "bank_icbc_zq"
	demoEnterpriseID = "ent_0038"
	demoEventID      = "evt_gaoyao_2021"
)

// demoTokenPrefix starts the label of every token a demo start creates.
// It is Chinese because the label names the token's actions to readers
// of the pages (a deal's history, the audit log).
const demoTokenPrefix = "演示令牌 "

// legacyDemoTokenPrefix started the demo tokens' labels of earlier
// releases; a demo start retires those too.
const legacyDemoTokenPrefix = "demo "

// demoPasswordLength is the length of a demo user's random password: 16
// base32 characters are 80 bits, beyond guessing through the rate-limited
// sign-in form, and still short enough to type.
const demoPasswordLength = 16

// DemoAccount is one role's access printed by a demo start: whom it acts
// for, its API token, and a username and password for the sign-in form.
type DemoAccount struct {
	Role     data.Role
	Who      string // the organizer's, bank's or enterprise's name
	Token    string
	Username string
	Password string
}

// demoUsernames are the sign-in names of the demo users, by role. Only
// these users are reset by a demo start.
var demoUsernames = map[data.Role]string{
	data.RoleOrganizer: "demo.organizer",
	data.RoleBank:      "demo.bank",
	data.RoleCompany:   "demo.enterprise",
}

// loadDemo adds what the store lacks of the committed demo dataset (records
// users changed are kept) and gives each role a fresh token and a demo user
// with a fresh random password.
func (m *Main) loadDemo(ctx context.Context, store data.Store) error {
	if err := demo.Load(ctx, store); err != nil {
		return err
	}
	bank, err := store.Banks().Get(ctx, demoBankID)
	if err != nil {
		return fmt.Errorf("demo bank: %w", err)
	}
	ent, err := store.Enterprises().Get(ctx, demoEnterpriseID)
	if err != nil {
		return fmt.Errorf("demo enterprise: %w", err)
	}
	organizer := "组织方"
	m.demoEventName = demoEventID
	if ev, err := store.Events().Get(ctx, demoEventID); err == nil {
		m.demoEventName = ev.Name + " " + ev.Date.String()
		if ev.Organizer != "" {
			organizer = ev.Organizer
		}
	}
	// Each demo start prints fresh tokens; retire the ones printed before so
	// they do not pile up (only their hashes are stored, so they cannot be
	// shown again anyway).
	old, _, err := store.Tokens().List(ctx, data.ListOptions{})
	if err != nil {
		return err
	}
	for _, t := range old {
		if strings.HasPrefix(t.Label, demoTokenPrefix) || strings.HasPrefix(t.Label, legacyDemoTokenPrefix) {
			if err := store.Tokens().Delete(ctx, t.ID); err != nil {
				return err
			}
		}
	}
	m.DemoTokens = map[data.Role]string{}
	m.DemoAccounts = nil
	for _, a := range []struct {
		who  string
		tok  data.Token
		user data.User
	}{
		{organizer,
			data.Token{Role: data.RoleOrganizer, Label: demoTokenPrefix + "组织方（" + organizer + "）"},
			data.User{Role: data.RoleOrganizer, Label: "演示组织方（" + organizer + "）"}},
		{bank.Name,
			data.Token{Role: data.RoleBank, BankID: bank.ID, Label: demoTokenPrefix + "银行（" + bank.Name + "）"},
			data.User{Role: data.RoleBank, BankID: bank.ID, Label: "演示银行（" + bank.Name + "）"}},
		{ent.Name,
			data.Token{Role: data.RoleCompany, EnterpriseID: ent.ID, Label: demoTokenPrefix + "企业（" + ent.Name + "）"},
			data.User{Role: data.RoleCompany, EnterpriseID: ent.ID, Label: "演示企业（" + ent.Name + "）"}},
	} {
		secret, err := createToken(ctx, store, a.tok)
		if err != nil {
			return err
		}
		m.DemoTokens[a.tok.Role] = secret
		u := a.user
		u.Username = demoUsernames[u.Role]
		password := rand.Text()[:demoPasswordLength]
		if err := resetDemoUser(ctx, store, &u, password); err != nil {
			return fmt.Errorf("demo user %s: %w", u.Username, err)
		}
		m.DemoAccounts = append(m.DemoAccounts, DemoAccount{Role: u.Role, Who: a.who, Token: secret, Username: u.Username, Password: password})
	}
	return nil
}

// resetDemoUser stores u with a bcrypt hash of password, replacing the user
// of the same username if there is one (a demo user of an earlier start),
// so that only the password printed by this start signs in.
func resetDemoUser(ctx context.Context, store data.Store, u *data.User, password string) error {
	switch old, err := store.Users().GetByKey(ctx, u.Username); data.ErrorCode(err) {
	case "":
		u.ID, u.CreatedAt = old.ID, old.CreatedAt
	case data.CodeNotFound:
	default:
		return err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), data.PasswordCost)
	if err != nil {
		return err
	}
	u.PasswordHash = string(h)
	_, err = store.Users().Put(ctx, u)
	return err
}

// printDemo tells who each demo role is and how to sign in as it. The
// "demo tokens" block keeps its "ROLE TOKEN" lines: tools/load reads them.
func (m *Main) printDemo(w io.Writer) {
	fmt.Fprintf(w, "demo: %s (matching as of %s); stop the server with Ctrl-C\n", m.demoEventName, demo.AsOf)
	fmt.Fprintf(w, "demo roles act for:\n")
	for _, a := range m.DemoAccounts {
		fmt.Fprintf(w, "  %-10s %s\n", a.Role, a.Who)
	}
	fmt.Fprintf(w, "sign in at %s/ (new passwords and tokens each start; earlier ones stop working):\n", m.URL())
	for _, a := range m.DemoAccounts {
		fmt.Fprintf(w, "  %-10s username %-16s password %s\n", a.Role, a.Username, a.Password)
	}
	fmt.Fprintf(w, "demo tokens (use as: Authorization: Bearer TOKEN):\n")
	for _, a := range m.DemoAccounts {
		fmt.Fprintf(w, "  %-10s %s\n", a.Role, a.Token)
	}
	fmt.Fprintf(w, "try: curl -H 'Authorization: Bearer %s' %s/api/v1/products\n", m.DemoTokens[data.RoleOrganizer], m.URL())
}
