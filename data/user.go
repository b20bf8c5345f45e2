package data

import (
	"strings"
	"time"
)

// User is a person who signs in to the web pages with a username and a
// password. Only a bcrypt hash of the password is stored; hashing and
// comparing happen in the callers (cmd/ipmatch and api), so that data stays
// free of the crypto dependency and only checks the hash's form. The
// record itself never leaves the server, which is why the hashes may sit
// in its JSON body: the organizer's users API and page show app.UserView,
// which holds neither hash.
//
// A user the organizer opened (app.InviteUser) has no password yet: an
// empty PasswordHash, which no password matches, so it cannot sign in
// until it sets one through its reset link.
type User struct {
	ID           string `json:"id"`
	Username     string `json:"username"`
	PasswordHash string `json:"password_hash"`
	Role         Role   `json:"role"`
	BankID       string `json:"bank_id,omitempty"`
	EnterpriseID string `json:"enterprise_id,omitempty"`
	Label        string `json:"label,omitempty"`
	// Disabled users cannot sign in, and their sessions stop working at
	// once (each request reads the user again).
	Disabled bool `json:"disabled,omitempty"`
	// ResetHash is the SHA-256 (hex) of the secret of the password reset
	// link the organizer made last, ResetExpires when that link stops
	// working. Using the link, or changing the password, clears both, so a
	// link works once.
	ResetHash    string    `json:"reset_hash,omitempty"`
	ResetExpires time.Time `json:"reset_expires,omitzero"`
	CreatedAt    time.Time `json:"created_at,omitzero"`
	UpdatedAt    time.Time `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// PasswordCost is the bcrypt cost of stored password hashes. It is 12, not
// bcrypt.DefaultCost (10): each step doubles the work, and 12 (about a
// quarter of a second per hash on a current server core) keeps an offline
// guess at a stolen hash slow while a sign-in still feels instant; sign-ins
// are rare next to API calls, which use tokens.
const PasswordCost = 12

// MinPasswordLength is the fewest characters a password may have.
const MinPasswordLength = 10

// NormalizeUsername returns the stored form of a username: trimmed and
// lower-cased, so that sign-in ignores case.
func NormalizeUsername(name string) string {
	return strings.ToLower(strings.TrimSpace(name))
}

// Normalize lower-cases the username, trims the label and keeps the reset
// expiry in UTC to the millisecond, as it reads back.
func (u *User) Normalize() {
	u.Username = NormalizeUsername(u.Username)
	u.Label = strings.TrimSpace(u.Label)
	u.ResetExpires = u.ResetExpires.UTC().Truncate(time.Millisecond)
}

// Validate checks the username, that the password hash is a bcrypt hash
// (never a plain password) or empty (no password yet), and that the role
// and bindings agree as they do for a Token.
func (u *User) Validate() error {
	var v fieldErrors
	if !validUsername(u.Username) {
		v.add("username", "%q must be 3-64 characters of a-z, 0-9, '.', '_' or '-'", u.Username)
	}
	if u.PasswordHash != "" && !looksBcrypt(u.PasswordHash) {
		v.add("password_hash", "must be a bcrypt hash ($2a$ or $2b$), or empty for no password yet")
	}
	if u.ResetHash != "" && !isLowerHex(u.ResetHash, 64) {
		v.add("reset_hash", "must be a SHA-256 hex digest")
	}
	if (u.ResetHash == "") != u.ResetExpires.IsZero() {
		v.add("reset_expires", "is set exactly when reset_hash is")
	}
	checkBinding(&v, "user", u.Role, u.BankID, u.EnterpriseID)
	return v.err("user")
}

func validUsername(s string) bool {
	if len(s) < 3 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// looksBcrypt reports whether h has the form of a bcrypt hash:
// "$2a$" or "$2b$", a two-digit cost, "$", then 53 characters of salt and
// digest, 60 in all.
func looksBcrypt(h string) bool {
	if len(h) != 60 || !(strings.HasPrefix(h, "$2a$") || strings.HasPrefix(h, "$2b$")) || h[6] != '$' {
		return false
	}
	if h[4] < '0' || h[4] > '3' || h[5] < '0' || h[5] > '9' {
		return false
	}
	for _, c := range h[7:] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '/') {
			return false
		}
	}
	return true
}
