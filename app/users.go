package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"ipmatch/data"
)

// Password sign-in. A user (data.User, made with `ipmatch user create`)
// signs in with a username and a password, checked against the bcrypt hash
// of the user record. A session then holds the user's ID; every request
// reads the user again (SessionCaller), so deleting the user ends its
// sessions. Limiting failed attempts is the door's (web/password.go).

// dummyPasswordHash is compared against when no user has the username, so
// that an unknown user costs as much time as a wrong password.
var dummyPasswordHash = sync.OnceValue(func() []byte {
	b := make([]byte, 16)
	rand.Read(b)
	h, err := bcrypt.GenerateFromPassword([]byte("ipmatch-no-such-user-"+hex.EncodeToString(b)), data.PasswordCost)
	if err != nil {
		panic("app: bcrypt: " + err.Error())
	}
	return h
})

// PasswordCaller returns the caller of the user with username name and
// password, and the user's ID. A wrong username, a wrong password, a
// disabled user and a user without a password yet (InviteUser: whatever
// password is given, the empty one too) are the same unauthorized error,
// in the same time: the answer never tells which accounts exist.
func (a *App) PasswordCaller(ctx context.Context, name, password string) (*Caller, string, error) {
	u, found, err := a.userByName(ctx, name)
	if err != nil {
		return nil, "", err
	}
	hasPassword := found && u.PasswordHash != ""
	hash := dummyPasswordHash()
	if hasPassword {
		hash = []byte(u.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || !hasPassword || u.Disabled {
		return nil, "", data.Errorf(data.CodeUnauthorized, "wrong username or password")
	}
	return UserCaller(u), u.ID, nil
}

// userByName returns the user with the username name (normalised as the
// store keeps it), or false when there is none.
func (a *App) userByName(ctx context.Context, name string) (data.User, bool, error) {
	name = data.NormalizeUsername(name)
	if name == "" || len(name) > 64 {
		return data.User{}, false, nil
	}
	u, err := a.store.Users().GetByKey(ctx, name)
	switch data.ErrorCode(err) {
	case "":
		return u, true, nil
	case data.CodeNotFound, data.CodeInvalid:
		return data.User{}, false, nil
	}
	return data.User{}, false, err
}

// UserCaller is the caller a user signed in by password acts as: the
// user's role and bindings, named by its label or else its username. The
// rules (policy.go) read only these, so a user may do exactly what a token
// of the same role and bindings may.
func UserCaller(u data.User) *Caller {
	label := u.Label
	if label == "" {
		label = u.Username
	}
	return &Caller{Token: data.Token{ID: u.ID, Role: u.Role, BankID: u.BankID, EnterpriseID: u.EnterpriseID, Label: label}, User: true}
}

// SessionCaller looks the credential of a signed-in session up again: the
// user userID when set, else the token with hash tokenHash. A deleted user
// or a revoked token is not found, and so is a disabled user.
func (a *App) SessionCaller(ctx context.Context, userID, tokenHash string) (*Caller, error) {
	if userID != "" {
		u, err := a.store.Users().Get(ctx, userID)
		if err != nil {
			return nil, err
		}
		if u.Disabled {
			return nil, data.Errorf(data.CodeNotFound, "user %s is disabled", userID)
		}
		return UserCaller(u), nil
	}
	tok, err := a.store.Tokens().GetByKey(ctx, tokenHash)
	if err != nil {
		return nil, err
	}
	return &Caller{Token: tok}, nil
}
