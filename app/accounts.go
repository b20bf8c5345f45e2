package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"ipmatch/data"
)

// Accounts: a user changes its own password; the organizer lists the
// users, makes a one-time password reset link for one, and disables or
// enables one. Every write goes through the store the App was given (the
// audited one in serve), so each is logged under the request's caller
// with the user's ID.
//
// A reset link is "/reset/" + token, the token being the user's ID, ".",
// and 256 random bits (base64url). The user record keeps only the
// SHA-256 of the random part and the link's expiry (data.User.ResetHash,
// ResetExpires): no new kind of record, and a dump of the users holds no
// usable link. Using the link, changing the password, making another link
// or disabling the user clears the hash, so a link works once; the write
// is conditional on the revision read, so of two uses at once exactly one
// sets the password.

// ResetLinkTTL is how long a reset link works. The organizer hands the
// link over by another channel (a call, a chat, a mail), and the user may
// not act on it the same hour; a day covers that, while a link that leaks
// (a forwarded message, a screenshot) is dead by the next day, and the
// organizer can always make a new one.
const ResetLinkTTL = 24 * time.Hour

// MaxPasswordBytes is the longest password in bytes: bcrypt reads no
// further.
const MaxPasswordBytes = 72

// The fields of the password forms, as the field errors name them.
const (
	FieldCurrentPassword = "current_password"
	FieldNewPassword     = "new_password"
	FieldConfirmPassword = "confirm_password"
)

// The reasons a password is refused, as the field errors give them; the
// pages translate them.
const (
	ReasonWrongPassword = "is not the current password"
	ReasonTooShort      = "is too short"
	ReasonTooLong       = "is too long"
	ReasonSameAsCurrent = "is the current password"
	ReasonIsUsername    = "is the username"
	ReasonMismatch      = "does not match the new password"
)

// errResetLink is the one answer to a reset link that does not work:
// unknown, used, replaced, expired, or of a disabled or deleted user. It
// never says which.
var errResetLink = data.Errorf(data.CodeNotFound, "this password reset link is not valid: it was used, replaced or has expired")

// UserView is a user as the organizer sees it: never a password hash or
// a reset link's hash.
type UserView struct {
	ID           string    `json:"id"`
	Username     string    `json:"username"`
	Role         data.Role `json:"role"`
	BankID       string    `json:"bank_id,omitempty"`
	EnterpriseID string    `json:"enterprise_id,omitempty"`
	Label        string    `json:"label,omitempty"`
	Disabled     bool      `json:"disabled"`
	// PasswordSet is false for a user opened by InviteUser until it sets
	// its password through its link: it cannot sign in before.
	PasswordSet bool `json:"password_set"`
	// ResetExpires is when the user's open reset link stops working;
	// absent when there is none.
	ResetExpires time.Time `json:"reset_expires,omitzero"`
	CreatedAt    time.Time `json:"created_at,omitzero"`
	UpdatedAt    time.Time `json:"updated_at,omitzero"`
	Revision     int64     `json:"revision,omitzero"`
}

// viewUser returns what the organizer sees of u at now.
func viewUser(u *data.User, now time.Time) UserView {
	v := UserView{ID: u.ID, Username: u.Username, Role: u.Role, BankID: u.BankID, EnterpriseID: u.EnterpriseID,
		Label: u.Label, Disabled: u.Disabled, PasswordSet: u.PasswordHash != "", CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, Revision: u.Revision}
	if u.ResetHash != "" && now.Before(u.ResetExpires) {
		v.ResetExpires = u.ResetExpires
	}
	return v
}

// ResetLink is a password reset link, shown to the organizer once.
type ResetLink struct {
	// Link is the path of the link on this server: "/reset/" + token.
	Link      string    `json:"link"`
	ExpiresAt time.Time `json:"expires_at"`
	UserID    string    `json:"user_id"`
	Username  string    `json:"username"`
}

// Users returns every user, by ID, for the organizer.
func (a *App) Users(ctx context.Context, p *Caller) ([]UserView, error) {
	if err := organizerOnly(p, "list users"); err != nil {
		return nil, err
	}
	now := a.now()
	out := []UserView{}
	after := ""
	for {
		page, _, err := a.store.Users().List(ctx, data.ListOptions{After: after, Limit: 500})
		if err != nil {
			return nil, err
		}
		for i := range page {
			out = append(out, viewUser(&page[i], now))
		}
		if len(page) < 500 {
			return out, nil
		}
		after = page[len(page)-1].ID
	}
}

// MakeResetLink makes a new reset link for the user id (the organizer
// only), replacing any earlier one. The user's password and sessions stay
// as they are until the link is used.
func (a *App) MakeResetLink(ctx context.Context, p *Caller, id string) (ResetLink, error) {
	if err := organizerOnly(p, "reset passwords"); err != nil {
		return ResetLink{}, err
	}
	enc, expires := a.newResetSecret()
	u, err := a.changeUser(ctx, id, func(u *data.User) error {
		if u.Disabled {
			return data.Errorf(data.CodeConflict, "user %s is disabled: enable it before resetting its password", u.Username)
		}
		u.ResetHash, u.ResetExpires = resetHash(enc), expires
		return nil
	})
	if err != nil {
		return ResetLink{}, err
	}
	return resetLinkOf(&u, enc), nil
}

// newResetSecret returns the secret of a new reset link (base64url) and
// when the link stops working.
func (a *App) newResetSecret() (string, time.Time) {
	secret := make([]byte, 32)
	rand.Read(secret) // never fails (crypto/rand panics on failure since Go 1.24)
	return base64.RawURLEncoding.EncodeToString(secret), a.now().Add(ResetLinkTTL).UTC().Truncate(time.Millisecond)
}

// resetLinkOf is the link of u's reset secret enc, as u stores it.
func resetLinkOf(u *data.User, enc string) ResetLink {
	return ResetLink{Link: "/reset/" + u.ID + "." + enc, ExpiresAt: u.ResetExpires, UserID: u.ID, Username: u.Username}
}

// InviteRequest is the body of POST /users: a user to open, bound as its
// role requires (a bank user to an existing bank, an enterprise user to an
// existing enterprise, an organizer to neither).
type InviteRequest struct {
	Username     string    `json:"username"`
	Role         data.Role `json:"role"`
	BankID       string    `json:"bank_id,omitempty"`
	EnterpriseID string    `json:"enterprise_id,omitempty"`
	Label        string    `json:"label,omitempty"`
}

// MaxUserLabel is the most characters the label of a user opened by
// InviteUser may have (the users made by approving an application carry
// the enterprise's name, however long).
const MaxUserLabel = 100

// Invitation is a user just opened and the link with which it sets its
// first password, shown to the organizer once.
type Invitation struct {
	User UserView `json:"user"`
	// Link is the path of the set-password link on this server:
	// "/reset/" + token, as MakeResetLink's.
	Link      string    `json:"link"`
	ExpiresAt time.Time `json:"expires_at"`
}

// InviteUser opens a user for the organizer (银行入库: a bank's staff
// signs in with it): with no password, and a set-password link made as
// MakeResetLink makes one (ResetLinkTTL), which the organizer hands over
// and the user opens at /reset/{token} to set its password. Until then the
// user cannot sign in (PasswordCaller). A bad field is an invalid error
// naming it (a bank or enterprise that does not exist: bank_id or
// enterprise_id; the organizer reads them all, so that tells it nothing
// new); a username already taken is a conflict naming it. A refusal
// writes nothing; the user is created in one write, audited as the
// caller's.
func (a *App) InviteUser(ctx context.Context, p *Caller, req InviteRequest) (Invitation, error) {
	if err := organizerOnly(p, "open users"); err != nil {
		return Invitation{}, err
	}
	enc, expires := a.newResetSecret()
	u := data.User{ID: data.UserKind.NewID(), Username: req.Username, Role: req.Role, BankID: strings.TrimSpace(req.BankID),
		EnterpriseID: strings.TrimSpace(req.EnterpriseID), Label: req.Label, ResetHash: resetHash(enc), ResetExpires: expires}
	if err := data.UserKind.Check([]*data.User{&u}); err != nil {
		return Invitation{}, err
	}
	if utf8.RuneCountInString(u.Label) > MaxUserLabel {
		return Invitation{}, data.InvalidField("label", "must be at most %d characters", MaxUserLabel)
	}
	if err := data.CheckRefs(ctx, a.store, data.UserKind, []*data.User{&u}); err != nil {
		return Invitation{}, err
	}
	taken := data.Errorf(data.CodeConflict, "username %q is already taken", u.Username)
	if _, found, err := a.userByName(ctx, u.Username); err != nil {
		return Invitation{}, err
	} else if found {
		return Invitation{}, taken
	}
	// Create: of two opening the same username at once, one gets the
	// conflict (the store's natural key), on any number of nodes.
	switch err := a.store.Users().Create(ctx, &u); data.ErrorCode(err) {
	case "":
	case data.CodeConflict:
		return Invitation{}, taken
	default:
		return Invitation{}, err
	}
	link := resetLinkOf(&u, enc)
	return Invitation{User: viewUser(&u, a.now()), Link: link.Link, ExpiresAt: link.ExpiresAt}, nil
}

// SetUserDisabled disables or enables the user id (the organizer only).
// Disabling ends the user's sessions and its reset link; the organizer
// cannot disable itself.
func (a *App) SetUserDisabled(ctx context.Context, p *Caller, id string, disabled bool) (UserView, error) {
	if err := organizerOnly(p, "disable or enable users"); err != nil {
		return UserView{}, err
	}
	if disabled && p.User && p.Token.ID == id {
		return UserView{}, data.Errorf(data.CodeConflict, "you cannot disable the user you are signed in as")
	}
	u, err := a.changeUser(ctx, id, func(u *data.User) error {
		u.Disabled = disabled
		if disabled {
			u.ResetHash, u.ResetExpires = "", time.Time{}
		}
		return nil
	})
	if err != nil {
		return UserView{}, err
	}
	if disabled {
		if err := a.endSessions(ctx, u.ID, ""); err != nil {
			return UserView{}, err
		}
	}
	return viewUser(&u, a.now()), nil
}

// ChangePassword sets the password of the user p is signed in as: current
// must be its password, next a new password (checkNewPassword) given
// twice. The user's other sessions end; keepSession (the ID of the
// session record the change came from) stays. A caller signed in with a
// token has no password to change. Refused passwords are invalid errors
// naming the field (FieldCurrentPassword …) with a Reason… constant, and
// nothing is written.
func (a *App) ChangePassword(ctx context.Context, p *Caller, keepSession, current, next, confirm string) error {
	if !p.User {
		return Forbidden("only a user signed in with a password can change it")
	}
	u, err := a.store.Users().Get(ctx, p.Token.ID)
	if err != nil {
		return err
	}
	var problems []data.FieldError
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
		problems = append(problems, data.FieldError{Field: FieldCurrentPassword, Reason: ReasonWrongPassword})
	} else if next == current {
		problems = append(problems, data.FieldError{Field: FieldNewPassword, Reason: ReasonSameAsCurrent})
	}
	problems = append(problems, checkNewPassword(u.Username, next, confirm)...)
	if len(problems) > 0 {
		return passwordError(problems)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(next), data.PasswordCost)
	if err != nil {
		return err
	}
	if _, err := a.changeUser(ctx, u.ID, func(s *data.User) error {
		if s.PasswordHash != u.PasswordHash {
			return data.Errorf(data.CodeConflict, "the password was changed meanwhile")
		}
		s.PasswordHash, s.ResetHash, s.ResetExpires = string(hash), "", time.Time{}
		return nil
	}); err != nil {
		return err
	}
	return a.endSessions(ctx, u.ID, keepSession)
}

// ResetUser returns the username of the user of a reset link's token
// while the link works, else a not_found error that never says why.
func (a *App) ResetUser(ctx context.Context, token string) (string, error) {
	u, err := a.resetTarget(ctx, token)
	if err != nil {
		return "", err
	}
	return u.Username, nil
}

// ResetPassword uses a reset link: while it works, the user's password
// becomes next (checkNewPassword, given twice), the link stops working and
// every session of the user ends. The write is audited as the user's own
// (the origin ctx carries, with the user as the actor).
func (a *App) ResetPassword(ctx context.Context, token, next, confirm string) error {
	u, err := a.resetTarget(ctx, token)
	if err != nil {
		return err
	}
	if problems := checkNewPassword(u.Username, next, confirm); len(problems) > 0 {
		return passwordError(problems)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(next), data.PasswordCost)
	if err != nil {
		return err
	}
	o := data.OriginOf(ctx)
	o.Actor = UserCaller(u).Actor()
	ctx = data.WithOrigin(ctx, o)
	// Written at the revision read: a link used twice at once sets the
	// password once, and the other use finds the link gone.
	u.PasswordHash, u.ResetHash, u.ResetExpires = string(hash), "", time.Time{}
	switch err := a.store.Users().Update(ctx, &u); data.ErrorCode(err) {
	case "":
	case data.CodeStale, data.CodeNotFound:
		return errResetLink
	default:
		return err
	}
	return a.endSessions(ctx, u.ID, "")
}

// resetTarget returns the user whose working reset link token is.
func (a *App) resetTarget(ctx context.Context, token string) (data.User, error) {
	id, secret, ok := strings.Cut(token, ".")
	if !ok || id == "" || len(secret) != 43 || len(id) > 64 {
		return data.User{}, errResetLink
	}
	u, err := a.store.Users().Get(ctx, id)
	switch data.ErrorCode(err) {
	case "":
	case data.CodeNotFound, data.CodeInvalid:
		return data.User{}, errResetLink
	default:
		return data.User{}, err
	}
	if u.ResetHash == "" || u.Disabled || !a.now().Before(u.ResetExpires) ||
		subtle.ConstantTimeCompare([]byte(resetHash(secret)), []byte(u.ResetHash)) != 1 {
		return data.User{}, errResetLink
	}
	return u, nil
}

// resetHash is the stored form of a reset link's secret.
func resetHash(secret string) string {
	sum := sha256.Sum256([]byte("ipmatch password reset\x00" + secret))
	return hex.EncodeToString(sum[:])
}

// checkNewPassword checks a new password for username: long enough, not
// too long for bcrypt, not the username, and confirm the same.
func checkNewPassword(username, next, confirm string) []data.FieldError {
	var problems []data.FieldError
	switch {
	case utf8.RuneCountInString(next) < data.MinPasswordLength:
		problems = append(problems, data.FieldError{Field: FieldNewPassword, Reason: ReasonTooShort})
	case len(next) > MaxPasswordBytes:
		problems = append(problems, data.FieldError{Field: FieldNewPassword, Reason: ReasonTooLong})
	case data.NormalizeUsername(next) == username:
		problems = append(problems, data.FieldError{Field: FieldNewPassword, Reason: ReasonIsUsername})
	}
	if confirm != next {
		problems = append(problems, data.FieldError{Field: FieldConfirmPassword, Reason: ReasonMismatch})
	}
	return problems
}

// passwordError is the invalid error of refused password fields.
func passwordError(problems []data.FieldError) error {
	msg := make([]string, len(problems))
	for i, f := range problems {
		msg[i] = f.Field + " " + f.Reason
	}
	return &data.Error{Code: data.CodeInvalid, Message: "invalid password: " + strings.Join(msg, "; "), Fields: problems}
}

// changeUser applies f to the user id and writes it at the revision
// read, reading again when another write came first. f's error is
// returned as it is, with nothing written.
func (a *App) changeUser(ctx context.Context, id string, f func(*data.User) error) (data.User, error) {
	for attempt := 1; ; attempt++ {
		u, err := a.store.Users().Get(ctx, id)
		if data.ErrorCode(err) == data.CodeInvalid {
			return data.User{}, data.Errorf(data.CodeNotFound, "no user %s", id)
		}
		if err != nil {
			return data.User{}, err
		}
		if err := f(&u); err != nil {
			return data.User{}, err
		}
		err = a.store.Users().Update(ctx, &u)
		if data.ErrorCode(err) == data.CodeStale && attempt < 3 {
			continue
		}
		return u, err
	}
}

// endSessions ends the page sessions of the user id but the one of ID
// keep (none when empty). Their IDs begin with the user's credential
// prefix (data.SessionCredentialPrefix), so they are listed in ID order
// from it. (A sign-in that checked the old password just before the
// change and opens its session just after it keeps that session: a race
// of the owner's own browser, or of someone who had the password anyway.)
func (a *App) endSessions(ctx context.Context, id, keep string) error {
	prefix := data.SessionCredentialPrefix((&data.Session{UserID: id}).Credential())
	after := prefix
	for {
		page, _, err := a.store.Sessions().List(ctx, data.ListOptions{After: after, Limit: 100})
		if err != nil {
			return err
		}
		for _, s := range page {
			if !strings.HasPrefix(s.ID, prefix) {
				return nil
			}
			if s.ID == keep {
				continue
			}
			if err := a.store.Sessions().Delete(ctx, s.ID); err != nil && data.ErrorCode(err) != data.CodeNotFound {
				return err
			}
		}
		if len(page) < 100 {
			return nil
		}
		after = page[len(page)-1].ID
	}
}
