package app

import (
	"context"
	"time"

	"golang.org/x/crypto/bcrypt"

	"ipmatch/data"
)

// Where an applicant reads its review (issue 19). An applicant has no
// user until the organizer approves it, so it proves itself with the
// username and password it chose when applying, as the application keeps
// them (a bcrypt hash), and reads where its application stands and, when
// returned, the organizer's reasons. Limiting failed attempts is the
// door's, as for the password sign-in (web/password.go).

// ApplicationReview is what an applicant reads of its application: what
// it entered to name itself, and the review's outcome. It names no
// reviewer (the pages say 交易中心) and holds nothing else of the
// application.
type ApplicationReview struct {
	EnterpriseName string                 `json:"enterprise_name"`
	CreditCode     string                 `json:"credit_code"`
	Username       string                 `json:"username"`
	Status         data.ApplicationStatus `json:"status"`
	// Reasons are the organizer's reasons for returning it; empty
	// otherwise (an approval's notes are the organizer's).
	Reasons     []string  `json:"reasons,omitempty"`
	SubmittedAt time.Time `json:"submitted_at"`
	ReviewedAt  time.Time `json:"reviewed_at,omitzero"`
}

// ApplicationStatus returns the review of the application whose username
// is username, if password is the one it was submitted with. An unknown
// username and a wrong password are the same unauthorized error in the
// same time (a bcrypt comparison either way, against a stand-in hash when
// there is no such application), so the answer never tells which
// usernames applied.
func (a *App) ApplicationStatus(ctx context.Context, username, password string) (*ApplicationReview, error) {
	app, found, err := a.applicationByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	hash := dummyPasswordHash()
	if found {
		hash = []byte(app.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || !found {
		return nil, data.Errorf(data.CodeUnauthorized, "wrong username or password")
	}
	r := &ApplicationReview{EnterpriseName: app.Enterprise.Name, CreditCode: app.Enterprise.CreditCode, Username: app.Username,
		Status: app.Status, SubmittedAt: app.SubmittedAt}
	if app.Status != data.ApplicationSubmitted {
		r.ReviewedAt = app.ReviewedAt
	}
	if app.Status == data.ApplicationReturned {
		r.Reasons = app.Reasons
	}
	return r, nil
}

// applicationScanPage is how many applications applicationByUsername
// reads at a time.
const applicationScanPage = 200

// applicationByUsername returns the application with the username name
// (normalised as applications keep it), the latest submitted if, from
// before Apply refused a username another application held, there are
// several; false when there is none. Applications are kept by credit
// code, so it reads them all, a page at a time: they are the queue of
// one organizer, hundreds to a few thousand.
func (a *App) applicationByUsername(ctx context.Context, name string) (data.Application, bool, error) {
	name = data.NormalizeUsername(name)
	if name == "" || len(name) > 64 {
		return data.Application{}, false, nil
	}
	var best data.Application
	found := false
	after := ""
	for {
		page, _, err := a.store.Applications().List(ctx, data.ListOptions{After: after, Limit: applicationScanPage})
		if err != nil {
			return data.Application{}, false, err
		}
		for _, x := range page {
			if x.Username == name && (!found || x.SubmittedAt.After(best.SubmittedAt)) {
				best, found = x, true
			}
		}
		if len(page) < applicationScanPage {
			return best, found, nil
		}
		after = page[len(page)-1].ID
	}
}
