package data

import (
	"slices"
	"strings"
	"unicode"
)

// ClaimRule says in words who may claim a patent; refusals quote it.
const ClaimRule = "an enterprise may claim only a patent that has no owner yet and one of whose applicants is its registered name; otherwise ask the organizer"

// CanClaim reports whether enterprise e may become the owner of patent p on
// its own say: p already is e's, or p has no owner and one of its applicants
// is e's registered name (compared as ApplicantName reads them). The
// organizer may assign any owner; this rule is for enterprises.
//
// Every refusal is the same forbidden error, whether p has another owner or
// its applicants do not name e, so that it tells the enterprise nothing
// about another's patents (the existence of an application number is no
// secret: POST answers 409 for it too).
func CanClaim(e Enterprise, p Patent) error {
	if e.ID != "" && p.OwnerID == e.ID {
		return nil
	}
	if e.ID != "" && p.OwnerID == "" {
		name := ApplicantName(e.Name)
		if name != "" && slices.ContainsFunc(p.Applicants, func(a string) bool { return ApplicantName(a) == name }) {
			return nil
		}
	}
	return NotClaimable()
}

// NotClaimable is the refusal of CanClaim. It names neither the patent nor
// anyone: the caller named the patent, and a refusal about another's
// patent must show nothing the caller may not read.
func NotClaimable() error {
	reason := "the patent is already registered and your enterprise cannot claim it: " + ClaimRule
	return &Error{Code: CodeForbidden, Message: reason,
		Fields: []FieldError{{Field: "owner_id", Reason: reason}}}
}

// ApplicantName returns an applicant's or enterprise's name in the form
// CanClaim compares: without any white space (ASCII or the ideographic
// space), full-width ASCII forms (（）, Ａ, １) turned into their ASCII
// forms, and Latin letters upper-cased. CNIPA writes 有限公司（深圳） where
// the business registry writes 有限公司(深圳), and spreadsheets add
// spaces; the characters of the name themselves must match.
func ApplicantName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			continue
		case r >= 0xFF01 && r <= 0xFF5E: // the full-width forms of ! to ~
			r -= 0xFEE0
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}
