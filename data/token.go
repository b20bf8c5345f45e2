package data

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// Role is what an API caller may do.
type Role string

// The roles.
const (
	RoleOrganizer Role = "organizer" // the exchange or IP office: everything
	RoleBank      Role = "bank"      // one bank: its products, deals, consenting enterprises
	RoleCompany   Role = "enterprise"
)

// Token is an API credential. Only the SHA-256 of the secret is stored: a
// token is 256 random bits, so a slow hash adds nothing and a fast one lets
// every request be checked with one indexed lookup.
type Token struct {
	ID           string    `json:"id"`
	Hash         string    `json:"-"`
	Role         Role      `json:"role"`
	BankID       string    `json:"bank_id,omitempty"`
	EnterpriseID string    `json:"enterprise_id,omitempty"`
	Label        string    `json:"label,omitempty"`
	CreatedAt    time.Time `json:"created_at,omitzero"`
	UpdatedAt    time.Time `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// NewTokenSecret returns a fresh random token secret with its prefix.
func NewTokenSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics on failure since Go 1.24)
	return "ipm_" + base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the stored form of a token secret.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Normalize does nothing; Token has no free text.
func (t *Token) Normalize() {}

// Validate checks that t's role and bindings agree.
func (t *Token) Validate() error {
	var v fieldErrors
	if len(t.Hash) != 64 {
		v.add("hash", "must be a SHA-256 hex digest")
	}
	checkBinding(&v, "token", t.Role, t.BankID, t.EnterpriseID)
	return v.err("token")
}

// checkBinding checks that a credential's role and bindings agree: an
// organizer is bound to nothing, a bank credential to one bank and an
// enterprise credential to one enterprise. what names the credential
// ("token", "user") in the reasons.
func checkBinding(v *fieldErrors, what string, role Role, bankID, enterpriseID string) {
	switch role {
	case RoleOrganizer:
		if bankID != "" || enterpriseID != "" {
			v.add("role", "an organizer %s is bound to no bank or enterprise", what)
		}
	case RoleBank:
		if bankID == "" {
			v.add("bank_id", "is required for a bank %s", what)
		}
		if enterpriseID != "" {
			v.add("enterprise_id", "must be empty for a bank %s", what)
		}
	case RoleCompany:
		if enterpriseID == "" {
			v.add("enterprise_id", "is required for an enterprise %s", what)
		}
		if bankID != "" {
			v.add("bank_id", "must be empty for an enterprise %s", what)
		}
	default:
		v.add("role", "%q must be organizer, bank or enterprise", role)
	}
}
