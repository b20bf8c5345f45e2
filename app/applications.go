package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"ipmatch/data"
)

// Applications (issue 19, 企业入库): an enterprise applies on the public
// page /apply; only the organizer reads applications, approves them or
// returns them with reasons. Approval creates the enterprise, stores its
// uploaded patents, claims the stored patents it named (under CanClaim's
// rule) and creates its user, who may then sign in. Nothing an applicant
// entered is in the enterprises or patents a bank reads before that.

// ApplyRequest is what the applicant submits.
type ApplyRequest struct {
	Enterprise data.Enterprise `json:"enterprise"`
	Contact    data.Contact    `json:"contact"`
	Patents    []string        `json:"patents,omitempty"`
	Uploaded   []data.Patent   `json:"uploaded,omitempty"`
	// LegalEvents are CNIPA's legal-status events of uploaded patents by
	// application number (a cnipa-legal-csv export the applicant adds):
	// grant and annual fees paid, which a bank's rules read.
	LegalEvents map[string][]data.LegalEvent `json:"legal_events,omitempty"`
	Username    string                       `json:"username"`
	Password    string                       `json:"password"`
}

// ReturnRequest is the body of POST /applications/{id}/return.
type ReturnRequest struct {
	Reasons []string `json:"reasons"`
}

// MaxReturnReasons bounds a return's reasons, and MaxReasonRunes each.
const (
	MaxReturnReasons = 20
	MaxReasonRunes   = 500
)

func applicationResource(store data.Store) *Resource[data.Application] {
	org := func(p *Caller) error { return organizerOnly(p, "read applications") }
	return &Resource[data.Application]{store: store,
		kind: data.ApplicationKind, table: data.Store.Applications,
		idField: "id", generated: true, normID: sameID,
		other: []string{"status"},
		filter: func(q ListQuery) (func(*data.Application) bool, error) {
			v, ok := q.Other["status"]
			if !ok {
				return nil, nil
			}
			st := data.ApplicationStatus(v)
			if st != data.ApplicationSubmitted && st != data.ApplicationReturned && st != data.ApplicationApproved {
				return nil, data.InvalidField("status", "%q is not submitted, returned or approved", v)
			}
			return func(a *data.Application) bool { return a.Status == st }, nil
		},
		rules: rules[data.Application]{
			list: func(ctx context.Context, p *Caller, q ListQuery, plan *listPlan[data.Application]) error {
				return org(p)
			},
			visible: func(ctx context.Context, p *Caller, a *data.Application) (bool, error) {
				return p.Is(data.RoleOrganizer), nil
			},
			create: func(ctx context.Context, p *Caller, a *data.Application) error {
				return Forbidden("applications come from /apply")
			},
			update: func(ctx context.Context, p *Caller, old, a *data.Application) error {
				return Forbidden("applications are approved or returned")
			},
			remove:  func(ctx context.Context, p *Caller, a *data.Application) error { return org(p) },
			present: func(p *Caller, a *data.Application) { a.PasswordHash = "" },
		},
		noPut: true,
	}
}

// Apply records an application from the public page. A credit code that
// is already an enterprise's is refused (conflict, naming the code); one
// that already applied may apply again only after it was returned, with
// the same username and password (the applicant's proof that it is the
// same applicant), which puts it back in the organizer's queue. A
// username that a user or another credit code's application holds is
// refused, so that a username names one application (ApplicationStatus).
// The password is checked and hashed here; the rest by the record's
// rules, first (CheckApplication): an invalid application costs no
// bcrypt hash and no store read.
func (a *App) Apply(ctx context.Context, req ApplyRequest) (*data.Application, error) {
	app, err := a.applicationOf(req)
	if err != nil {
		return nil, err
	}
	if _, err := a.store.Enterprises().GetByKey(ctx, app.Enterprise.CreditCode); err == nil {
		return nil, data.Errorf(data.CodeConflict, "an enterprise with credit code %s is already registered; sign in, or ask the organizer", app.Enterprise.CreditCode)
	} else if data.ErrorCode(err) != data.CodeNotFound {
		return nil, err
	}
	if _, taken, err := a.userByName(ctx, app.Username); err != nil {
		return nil, err
	} else if taken {
		return nil, data.InvalidField("username", "%q is taken; choose another", app.Username)
	}
	if other, found, err := a.applicationByUsername(ctx, app.Username); err != nil {
		return nil, err
	} else if found && other.Enterprise.CreditCode != app.Enterprise.CreditCode {
		return nil, data.InvalidField("username", "%q is taken; choose another", app.Username)
	}
	old, err := a.store.Applications().GetByKey(ctx, app.Enterprise.CreditCode)
	switch data.ErrorCode(err) {
	case data.CodeNotFound:
		if err := hashPassword(&app, req.Password); err != nil {
			return nil, err
		}
		app.ID = data.ApplicationKind.NewID()
		if err := a.store.Applications().Create(ctx, &app); err != nil {
			return nil, err
		}
		return &app, nil
	case "":
	default:
		return nil, err
	}
	// Applied before: only a returned application, by the same applicant.
	// The password is compared whatever the status, so the refusal takes
	// the same time whether or not the application was returned.
	samePassword := bcrypt.CompareHashAndPassword([]byte(old.PasswordHash), []byte(req.Password)) == nil
	if old.Status != data.ApplicationReturned || old.Username != app.Username || !samePassword {
		return nil, data.Errorf(data.CodeConflict, "credit code %s has applied already; the organizer will review it", app.Enterprise.CreditCode)
	}
	app.PasswordHash = old.PasswordHash // the same password
	app.ID, app.Revision, app.CreatedAt = old.ID, old.Revision, old.CreatedAt
	if err := a.store.Applications().Update(ctx, &app); err != nil {
		return nil, err
	}
	return &app, nil
}

// CheckApplication makes the checks of Apply that need neither the store
// nor a bcrypt hash: the password's length, and the application's own
// rules. The public form calls it before it counts a submission against
// its client's limit (web/apply_limit.go), so a form refused for a typo
// costs the applicant nothing.
func (a *App) CheckApplication(req ApplyRequest) error {
	_, err := a.applicationOf(req)
	return err
}

// applicationOf builds the application of req, normalised and checked,
// with a stand-in password hash (hashPassword sets the real one).
func (a *App) applicationOf(req ApplyRequest) (data.Application, error) {
	if n := utf8.RuneCountInString(req.Password); n < data.MinPasswordLength || len(req.Password) > 72 {
		return data.Application{}, data.InvalidField("password", "must be %d to 72 characters", data.MinPasswordLength)
	}
	app := data.Application{Enterprise: req.Enterprise, Contact: req.Contact, Patents: slices.Clone(req.Patents), Uploaded: slices.Clone(req.Uploaded),
		Username: req.Username, Status: data.ApplicationSubmitted, SubmittedAt: a.now().UTC()}
	app.Enterprise.ID = ""
	for i := range app.Uploaded {
		app.Uploaded[i].OwnerID = "" // given on approval
	}
	app.Normalize()
	if err := addUploadedLegalEvents(app.Uploaded, req.LegalEvents); err != nil {
		return data.Application{}, err
	}
	if data.NormalizeUsername(req.Password) == app.Username {
		return data.Application{}, data.InvalidField("password", "must differ from the username")
	}
	app.PasswordHash = string(dummyPasswordHash())
	if err := data.ApplicationKind.Check([]*data.Application{&app}); err != nil {
		return data.Application{}, err
	}
	return app, nil
}

// hashPassword sets app's password hash from password.
func hashPassword(app *data.Application, password string) error {
	h, err := bcrypt.GenerateFromPassword([]byte(password), data.PasswordCost)
	if err != nil {
		return err
	}
	app.PasswordHash = string(h)
	return nil
}

// addUploadedLegalEvents gives each uploaded patent its events. Events
// of a patent the applicant did not upload are refused, naming it: they
// would otherwise be dropped without a word. The events then go through
// the patents' own rules with the rest of the application.
func addUploadedLegalEvents(uploaded []data.Patent, events map[string][]data.LegalEvent) error {
	for number, evs := range events {
		norm, err := data.NormalizeApplicationNumber(number)
		if err != nil {
			return data.InvalidField("legal_events", "%q is not an application number: %v", number, err)
		}
		i := slices.IndexFunc(uploaded, func(p data.Patent) bool { return p.ApplicationNumber == norm })
		if i < 0 {
			return data.InvalidField("legal_events", "patent %s is not among the uploaded patents: upload its record too", norm)
		}
		uploaded[i].AddLegalEvents(evs...)
	}
	return nil
}

// ReturnApplication sends a submitted application back with reasons
// (each 1 to MaxReasonRunes characters, at most MaxReturnReasons).
func (a *App) ReturnApplication(ctx context.Context, p *Caller, id string, reasons []string) (*data.Application, error) {
	if err := organizerOnly(p, "review applications"); err != nil {
		return nil, err
	}
	var clean []string
	for _, r := range reasons {
		if r = strings.TrimSpace(r); r != "" {
			if utf8.RuneCountInString(r) > MaxReasonRunes {
				return nil, data.InvalidField("reasons", "each at most %d characters", MaxReasonRunes)
			}
			clean = append(clean, r)
		}
	}
	if len(clean) == 0 || len(clean) > MaxReturnReasons {
		return nil, data.InvalidField("reasons", "give 1 to %d reasons the applicant can act on", MaxReturnReasons)
	}
	app, err := a.Applications.get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if app.Status != data.ApplicationSubmitted {
		return nil, data.Errorf(data.CodeConflict, "application %s is %s, not submitted", app.ID, app.Status)
	}
	app.Status, app.Reasons, app.ReviewedAt, app.ReviewedBy = data.ApplicationReturned, clean, a.now().UTC(), p.By()
	if err := a.store.Applications().Update(ctx, app); err != nil {
		return nil, err
	}
	app.PasswordHash = ""
	return app, nil
}

// ApproveApplication admits a submitted application: the enterprise is
// created from it, its uploaded patents stored as its own, the stored
// patents it named claimed where CanClaim allows (those it may not claim
// are left as they are and listed in the answer's reasons), and its user
// created; then the application is marked approved. A step that fails
// leaves the application submitted, so approving again resumes: the
// enterprise, patents and user already made are found and kept.
func (a *App) ApproveApplication(ctx context.Context, p *Caller, id string) (*data.Application, error) {
	if err := organizerOnly(p, "review applications"); err != nil {
		return nil, err
	}
	app, err := a.Applications.get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if app.Status != data.ApplicationSubmitted {
		return nil, data.Errorf(data.CodeConflict, "application %s is %s, not submitted", app.ID, app.Status)
	}
	e := app.Enterprise
	if old, err := a.store.Enterprises().GetByKey(ctx, e.CreditCode); err == nil {
		e = old // made by an approval that stopped part-way
	} else if data.ErrorCode(err) != data.CodeNotFound {
		return nil, err
	} else {
		e.ID = data.EnterpriseKind.NewID()
		if err := a.store.Enterprises().Create(ctx, &e); err != nil {
			return nil, err
		}
	}
	var notes []string
	for _, up := range app.Uploaded {
		up.OwnerID = e.ID
		if _, err := a.store.Patents().Get(ctx, up.ApplicationNumber); err == nil {
			// Stored meanwhile: claimed below like a named one.
			app.Patents = append(app.Patents, up.ApplicationNumber)
			continue
		}
		if err := a.store.Patents().Create(ctx, &up); err != nil && data.ErrorCode(err) != data.CodeConflict {
			return nil, err
		}
	}
	slices.Sort(app.Patents)
	for _, n := range slices.Compact(app.Patents) {
		pt, err := a.store.Patents().Get(ctx, n)
		if data.ErrorCode(err) == data.CodeNotFound {
			notes = append(notes, fmt.Sprintf("patent %s is not in ipmatch: import its CNIPA record, then assign it", n))
			continue
		} else if err != nil {
			return nil, err
		}
		if pt.OwnerID == e.ID {
			continue
		}
		if data.CanClaim(e, pt) != nil {
			notes = append(notes, fmt.Sprintf("patent %s was not claimed: its applicants do not name %s, or it has an owner", n, e.Name))
			continue
		}
		pt.OwnerID = e.ID
		if err := a.store.Patents().Update(ctx, &pt); err != nil {
			return nil, err
		}
	}
	if _, taken, err := a.userByName(ctx, app.Username); err != nil {
		return nil, err
	} else if !taken {
		u := data.User{ID: data.UserKind.NewID(), Username: app.Username, PasswordHash: app.PasswordHash, Role: data.RoleCompany,
			EnterpriseID: e.ID, Label: e.Name}
		if err := a.store.Users().Create(ctx, &u); err != nil {
			return nil, err
		}
	}
	app.Status, app.EnterpriseID, app.ReviewedAt, app.ReviewedBy, app.Reasons = data.ApplicationApproved, e.ID, a.now().UTC(), p.By(), notes
	if err := a.store.Applications().Update(ctx, app); err != nil {
		return nil, err
	}
	app.PasswordHash = ""
	return app, nil
}
