package data

import (
	"strings"
	"time"
)

// Applications (issue 19, 企业入库): an enterprise applies on the public
// page /apply, and its application waits for the organizer's review. What
// the applicant entered stays in the application, outside the enterprises
// and patents every other rule reads, so nothing of it can reach a bank
// before the organizer approves it; approval creates the enterprise, its
// patents and its user (app.ApproveApplication).

// ApplicationStatus is where an application stands.
type ApplicationStatus string

// The statuses of an application.
const (
	ApplicationSubmitted ApplicationStatus = "submitted" // waiting for the organizer
	ApplicationReturned  ApplicationStatus = "returned"  // sent back with reasons; the applicant may submit again
	ApplicationApproved  ApplicationStatus = "approved"  // the enterprise and its user exist
)

// Contact is who at the applicant the organizer calls.
type Contact struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email,omitempty"`
}

// Application is an enterprise's application to join (企业入库).
type Application struct {
	ID string `json:"id"`
	// Enterprise is the profile as the applicant entered it (no ID).
	Enterprise Enterprise `json:"enterprise"`
	Contact    Contact    `json:"contact"`
	// Patents are the application numbers of stored patents the applicant
	// names as its own (claimed on approval under CanClaim's rule);
	// Uploaded, the patents of a CNIPA export it uploaded, stored on
	// approval.
	Patents  []string `json:"patents,omitempty"`
	Uploaded []Patent `json:"uploaded,omitempty"`
	// Username and PasswordHash are the applicant's sign-in, the user
	// created on approval (a bcrypt hash, never the password).
	Username     string            `json:"username"`
	PasswordHash string            `json:"password_hash"`
	Status       ApplicationStatus `json:"status"`
	// Reasons say why the organizer returned it.
	Reasons      []string  `json:"reasons,omitempty"`
	SubmittedAt  time.Time `json:"submitted_at"`
	ReviewedAt   time.Time `json:"reviewed_at,omitzero"`
	ReviewedBy   string    `json:"reviewed_by,omitempty"`
	EnterpriseID string    `json:"enterprise_id,omitempty"` // once approved
	CreatedAt    time.Time `json:"created_at,omitzero"`
	UpdatedAt    time.Time `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// MaxApplicationPatents bounds the patents of one application.
const MaxApplicationPatents = 500

// Normalize normalises the enterprise, the patents and the username.
func (a *Application) Normalize() {
	a.Enterprise.Normalize()
	a.Username = NormalizeUsername(a.Username)
	a.Contact.Name, a.Contact.Phone, a.Contact.Email = strings.TrimSpace(a.Contact.Name), strings.TrimSpace(a.Contact.Phone), strings.TrimSpace(a.Contact.Email)
	for i, n := range a.Patents {
		if norm, err := NormalizeApplicationNumber(n); err == nil {
			a.Patents[i] = norm
		}
	}
	for i := range a.Uploaded {
		a.Uploaded[i].Normalize()
	}
}

// Validate checks the application: the enterprise as an enterprise record
// is checked (fields prefixed "enterprise."), a contact, the sign-in, the
// patents' numbers and the uploaded patents.
func (a *Application) Validate() error {
	var v fieldErrors
	for _, f := range ErrorFields(a.Enterprise.Validate()) {
		v.add("enterprise."+f.Field, "%s", f.Reason)
	}
	if a.Contact.Name == "" {
		v.add("contact.name", "is required")
	}
	if !validPhone(a.Contact.Phone) {
		v.add("contact.phone", "%q must be a telephone number of 7-20 digits (with -, + or spaces)", a.Contact.Phone)
	}
	if !validUsername(a.Username) {
		v.add("username", "%q must be 3-64 characters of a-z, 0-9, '.', '_' or '-'", a.Username)
	}
	if !looksBcrypt(a.PasswordHash) {
		v.add("password_hash", "must be a bcrypt hash")
	}
	switch a.Status {
	case ApplicationSubmitted, ApplicationReturned, ApplicationApproved:
	default:
		v.add("status", "%q is not a status", a.Status)
	}
	if len(a.Patents)+len(a.Uploaded) > MaxApplicationPatents {
		v.add("patents", "at most %d patents in one application", MaxApplicationPatents)
	}
	for i, n := range a.Patents {
		if norm, err := NormalizeApplicationNumber(n); err != nil {
			v.add(indexed("patents", i), "%v", err)
		} else if norm != n {
			v.add(indexed("patents", i), "not normalised: want %s", norm)
		}
	}
	for i := range a.Uploaded {
		for _, f := range ErrorFields(a.Uploaded[i].Validate()) {
			v.add(indexed("uploaded", i)+"."+f.Field, "%s", f.Reason)
		}
	}
	if a.SubmittedAt.IsZero() {
		v.add("submitted_at", "is required")
	}
	return v.err("application")
}

// validPhone accepts 7-20 digits with the usual separators.
func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '-' || r == '+' || r == ' ' || r == '(' || r == ')':
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 20
}

// ApplicationKind is the kind of applications: one per credit code.
var ApplicationKind = Kind[Application]{
	Name: "applications", IDPrefix: "apply",
	ID:        func(r *Application) *string { return &r.ID },
	Key:       func(r *Application) string { return r.Enterprise.CreditCode },
	Refs:      func(r *Application) Refs { return Refs{Enterprise: r.EnterpriseID} },
	Stamps:    func(r *Application) (*time.Time, *time.Time) { return &r.CreatedAt, &r.UpdatedAt },
	Rev:       func(r *Application) *int64 { return &r.Revision },
	Normalize: (*Application).Normalize, Validate: (*Application).Validate,
}
