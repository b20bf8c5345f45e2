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
	switch t.Role {
	case RoleOrganizer:
		if t.BankID != "" || t.EnterpriseID != "" {
			v.add("role", "an organizer token is bound to no bank or enterprise")
		}
	case RoleBank:
		if t.BankID == "" {
			v.add("bank_id", "is required for a bank token")
		}
		if t.EnterpriseID != "" {
			v.add("enterprise_id", "must be empty for a bank token")
		}
	case RoleCompany:
		if t.EnterpriseID == "" {
			v.add("enterprise_id", "is required for an enterprise token")
		}
		if t.BankID != "" {
			v.add("bank_id", "must be empty for an enterprise token")
		}
	default:
		v.add("role", "%q must be organizer, bank or enterprise", t.Role)
	}
	return v.err("token")
}
