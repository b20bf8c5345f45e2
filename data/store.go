package data

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Store keeps ipmatch's records. Every method is safe for concurrent use by
// many goroutines. Implementations: data/sqlite (embedded, the default) and
// data/mongo (several nodes); data/storetest holds the contract both pass.
type Store interface {
	Enterprises() Table[Enterprise]
	Patents() Table[Patent]
	Banks() Table[Bank]
	Products() Table[Product]
	Events() Table[Event]
	Participants() Table[Participant]
	Deals() Table[Deal]
	Pools() Table[Pool]
	Tokens() Table[Token]
	Schedules() Table[Schedule]
	Users() Table[User]
	Appraisers() Table[Appraiser]
	Appraisals() Table[Appraisal]
	// Alerts are the collateral alerts of live deals, one per risk (alert.go);
	// Webhooks the banks' addresses they are sent to.
	Alerts() Table[Alert]
	Webhooks() Table[Webhook]
	// Policies are the published support policies (support_policy.go):
	// risk compensation, interest and fee subsidies.
	Policies() Table[Policy]
	// Applications are enterprises' applications to join (application.go).
	Applications() Table[Application]
	// Audit is the log of writes (see Audited); entries are only added.
	Audit() Table[AuditEntry]
	// Sessions, SignInFailures and Secrets are the pages' sign-in that
	// all nodes share (session.go); Audited does not log their writes.
	Sessions() Table[Session]
	SignInFailures() Table[SignInFailure]
	Secrets() Table[Secret]
	// Close releases the store's resources; the store is unusable after.
	Close() error
}

// Table is one kind of record in a Store.
//
// Put normalises and validates every record first and writes nothing if any
// is invalid (an invalid error whose fields are prefixed "[i]." when more
// than one record is given). It then inserts or replaces each record: a
// record without an ID takes the ID of the stored record with the same
// natural key (credit code, token hash …) or a new one. Put sets IDs,
// timestamps and revisions on the records it is given, whatever revision
// they carried: Put is last-writer-wins (see Create and Update for the
// conditional writes). A natural key held by another ID
// is a conflict. On the embedded store a Put is one transaction; on MongoDB
// each record is written atomically on its own (FerretDB has no
// transactions), so a failing batch may leave earlier records written, but
// never a partial record.
type Table[T any] interface {
	// Get returns the record with the given ID or a not_found error.
	Get(ctx context.Context, id string) (T, error)
	// GetByKey returns the record with the given natural key or not_found.
	GetByKey(ctx context.Context, key string) (T, error)
	// List returns the records matching opts in ID order, and how many
	// match in all.
	List(ctx context.Context, opts ListOptions) ([]T, int, error)
	// Put inserts or replaces records; see the Table doc.
	Put(ctx context.Context, recs ...*T) ([]PutOutcome, error)
	// Create inserts rec, which must be new: an ID or natural key already
	// stored is a conflict, and then nothing is written. Of several
	// concurrent Creates of one ID or key, on any number of nodes, exactly
	// one succeeds. Create sets the ID (when empty and generated), the time
	// stamps and revision 1 on rec.
	Create(ctx context.Context, rec *T) error
	// Update replaces the stored record with rec's ID if its revision is
	// still rec's Revision (the one the caller read), and then sets rec's
	// time stamps and new revision. A record that is gone is not_found; a
	// record written since (another revision) is CodeStale, and then
	// nothing is written: of several concurrent Updates from one revision,
	// on any number of nodes, exactly one succeeds. Kinds without revisions
	// (Kind.Rev nil) have no Update.
	Update(ctx context.Context, rec *T) error
	// Delete removes the record with the given ID or returns not_found.
	Delete(ctx context.Context, id string) error
	// Count returns how many records there are.
	Count(ctx context.Context) (int, error)
}

// Refs are the references to other records that lists can filter on.
type Refs struct {
	Bank       string
	Enterprise string
	Event      string
	Pool       string
	Product    string
}

// ListOptions select and page records. Zero fields select everything; a
// Limit of 0 means no limit.
type ListOptions struct {
	Refs  Refs
	IDs   []string // only these IDs, when non-nil
	After string   // only IDs greater than this, when not empty
	// Enterprises, when non-nil, keeps only the records whose enterprise
	// reference is one of these (a bank's patents are those of the
	// enterprises it sees: one query, not one per enterprise).
	Enterprises []string
	Offset      int
	Limit       int
}

// Check refuses a negative offset or limit; stores call it first in List.
func (o ListOptions) Check() error {
	var v fieldErrors
	if o.Offset < 0 {
		v.add("offset", "must not be negative")
	}
	if o.Limit < 0 {
		v.add("limit", "must not be negative")
	}
	return v.err("list options")
}

// Narrow folds Refs.Enterprise into Enterprises when both are set: the
// result keeps only Refs.Enterprise if it is among Enterprises, and ok is
// false when nothing can match. Stores call it after Check.
func (o ListOptions) Narrow() (_ ListOptions, ok bool) {
	if o.Enterprises == nil || o.Refs.Enterprise == "" {
		return o, o.Enterprises == nil || len(o.Enterprises) > 0
	}
	if !slices.Contains(o.Enterprises, o.Refs.Enterprise) {
		return o, false
	}
	o.Enterprises = nil
	return o, true
}

// PutOutcome says what Put did with one record.
type PutOutcome struct {
	ID      string
	Created bool // false when an existing record was replaced
}

// Kind describes how a record type is stored: its name, how to read and set
// its ID, its natural key, the references lists filter on, and its rules.
// Storage adapters are written once against Kind and serve every record type.
type Kind[T any] struct {
	Name     string // table or collection name
	IDPrefix string // prefix of generated IDs; "" when the ID is always given
	ID       func(*T) *string
	Key      func(*T) string // natural key, "" when none
	Refs     func(*T) Refs
	Stamps   func(*T) (created, updated *time.Time)
	// Rev is the record's revision, which the stores count: 1 when the
	// record is created, one more at every write. nil for kinds without
	// revisions (the audit log, whose entries are never replaced).
	Rev       func(*T) *int64
	Normalize func(*T)
	Validate  func(*T) error
}

// The kinds of record.
var (
	EnterpriseKind = Kind[Enterprise]{
		Name: "enterprises", IDPrefix: "ent",
		ID:        func(r *Enterprise) *string { return &r.ID },
		Key:       func(r *Enterprise) string { return r.CreditCode },
		Refs:      func(r *Enterprise) Refs { return Refs{} },
		Stamps:    func(r *Enterprise) (*time.Time, *time.Time) { return &r.CreatedAt, &r.UpdatedAt },
		Rev:       func(r *Enterprise) *int64 { return &r.Revision },
		Normalize: (*Enterprise).Normalize, Validate: (*Enterprise).Validate,
	}
	PatentKind = Kind[Patent]{
		Name:      "patents",
		ID:        func(r *Patent) *string { return &r.ApplicationNumber },
		Key:       func(r *Patent) string { return "" },
		Refs:      func(r *Patent) Refs { return Refs{Enterprise: r.OwnerID} },
		Stamps:    func(r *Patent) (*time.Time, *time.Time) { return &r.CreatedAt, &r.UpdatedAt },
		Rev:       func(r *Patent) *int64 { return &r.Revision },
		Normalize: (*Patent).Normalize, Validate: (*Patent).Validate,
	}
	BankKind = Kind[Bank]{
		Name: "banks", IDPrefix: "bank",
		ID:        func(r *Bank) *string { return &r.ID },
		Key:       func(r *Bank) string { return "" },
		Refs:      func(r *Bank) Refs { return Refs{} },
		Stamps:    func(r *Bank) (*time.Time, *time.Time) { return &r.CreatedAt, &r.UpdatedAt },
		Rev:       func(r *Bank) *int64 { return &r.Revision },
		Normalize: (*Bank).Normalize, Validate: (*Bank).Validate,
	}
	ProductKind = Kind[Product]{
		Name: "products", IDPrefix: "prod",
		ID:        func(r *Product) *string { return &r.ID },
		Key:       func(r *Product) string { return "" },
		Refs:      func(r *Product) Refs { return Refs{Bank: r.BankID, Pool: r.PoolID} },
		Stamps:    func(r *Product) (*time.Time, *time.Time) { return &r.CreatedAt, &r.UpdatedAt },
		Rev:       func(r *Product) *int64 { return &r.Revision },
		Normalize: (*Product).Normalize, Validate: (*Product).Validate,
	}
	EventKind = Kind[Event]{
		Name: "events", IDPrefix: "evt",
		ID:        func(r *Event) *string { return &r.ID },
		Key:       func(r *Event) string { return "" },
		Refs:      func(r *Event) Refs { return Refs{Pool: r.PoolID} },
		Stamps:    func(r *Event) (*time.Time, *time.Time) { return &r.CreatedAt, &r.UpdatedAt },
		Rev:       func(r *Event) *int64 { return &r.Revision },
		Normalize: (*Event).Normalize, Validate: (*Event).Validate,
	}
	ParticipantKind = Kind[Participant]{
		Name: "participants", IDPrefix: "part",
		ID:        func(r *Participant) *string { return &r.ID },
		Key:       ParticipantKey,
		Refs:      func(r *Participant) Refs { return Refs{Event: r.EventID, Bank: r.BankID, Enterprise: r.EnterpriseID} },
		Stamps:    func(r *Participant) (*time.Time, *time.Time) { return &r.CreatedAt, &r.UpdatedAt },
		Rev:       func(r *Participant) *int64 { return &r.Revision },
		Normalize: (*Participant).Normalize, Validate: (*Participant).Validate,
	}
	DealKind = Kind[Deal]{
		Name: "deals", IDPrefix: "deal",
		ID:  func(r *Deal) *string { return &r.ID },
		Key: func(r *Deal) string { return "" },
		Refs: func(r *Deal) Refs {
			return Refs{Bank: r.BankID, Enterprise: r.EnterpriseID, Event: r.EventID, Pool: r.PoolID, Product: r.ProductID}
		},
		Stamps:    func(r *Deal) (*time.Time, *time.Time) { return &r.CreatedAt, &r.UpdatedAt },
		Rev:       func(r *Deal) *int64 { return &r.Revision },
		Normalize: (*Deal).Normalize, Validate: (*Deal).Validate,
	}
	PoolKind = Kind[Pool]{
		Name: "pools", IDPrefix: "pool",
		ID:        func(r *Pool) *string { return &r.ID },
		Key:       func(r *Pool) string { return "" },
		Refs:      func(r *Pool) Refs { return Refs{} },
		Stamps:    func(r *Pool) (*time.Time, *time.Time) { return &r.CreatedAt, &r.UpdatedAt },
		Rev:       func(r *Pool) *int64 { return &r.Revision },
		Normalize: (*Pool).Normalize, Validate: (*Pool).Validate,
	}
	AppraiserKind = Kind[Appraiser]{
		Name: "appraisers", IDPrefix: "appraiser",
		ID:        func(r *Appraiser) *string { return &r.ID },
		Key:       func(r *Appraiser) string { return r.Licence },
		Refs:      func(r *Appraiser) Refs { return Refs{} },
		Stamps:    func(r *Appraiser) (*time.Time, *time.Time) { return &r.CreatedAt, &r.UpdatedAt },
		Rev:       func(r *Appraiser) *int64 { return &r.Revision },
		Normalize: (*Appraiser).Normalize, Validate: (*Appraiser).Validate,
	}
	AppraisalKind = Kind[Appraisal]{
		Name: "appraisals", IDPrefix: "appraisal",
		ID:        func(r *Appraisal) *string { return &r.ID },
		Key:       AppraisalKey,
		Refs:      func(r *Appraisal) Refs { return Refs{Bank: r.BankID, Enterprise: r.EnterpriseID} },
		Stamps:    func(r *Appraisal) (*time.Time, *time.Time) { return &r.CreatedAt, &r.UpdatedAt },
		Rev:       func(r *Appraisal) *int64 { return &r.Revision },
		Normalize: (*Appraisal).Normalize, Validate: (*Appraisal).Validate,
	}
	PolicyKind = Kind[Policy]{
		Name: "policies", IDPrefix: "policy",
		ID:        func(r *Policy) *string { return &r.ID },
		Key:       func(r *Policy) string { return "" },
		Refs:      func(r *Policy) Refs { return Refs{Pool: r.PoolID} },
		Stamps:    func(r *Policy) (*time.Time, *time.Time) { return &r.CreatedAt, &r.UpdatedAt },
		Rev:       func(r *Policy) *int64 { return &r.Revision },
		Normalize: (*Policy).Normalize, Validate: (*Policy).Validate,
	}
	ScheduleKind = Kind[Schedule]{
		Name:      "schedules",
		ID:        func(r *Schedule) *string { return &r.ID },
		Key:       func(r *Schedule) string { return "" },
		Refs:      func(r *Schedule) Refs { return Refs{Event: r.EventID} },
		Stamps:    func(r *Schedule) (*time.Time, *time.Time) { return &r.CreatedAt, &r.UpdatedAt },
		Rev:       func(r *Schedule) *int64 { return &r.Revision },
		Normalize: (*Schedule).Normalize, Validate: (*Schedule).Validate,
	}
	TokenKind = Kind[Token]{
		Name: "tokens", IDPrefix: "tok",
		ID:        func(r *Token) *string { return &r.ID },
		Key:       func(r *Token) string { return r.Hash },
		Refs:      func(r *Token) Refs { return Refs{Bank: r.BankID, Enterprise: r.EnterpriseID} },
		Stamps:    func(r *Token) (*time.Time, *time.Time) { return &r.CreatedAt, &r.UpdatedAt },
		Rev:       func(r *Token) *int64 { return &r.Revision },
		Normalize: (*Token).Normalize, Validate: (*Token).Validate,
	}
	UserKind = Kind[User]{
		Name: "users", IDPrefix: "user",
		ID:        func(r *User) *string { return &r.ID },
		Key:       func(r *User) string { return r.Username },
		Refs:      func(r *User) Refs { return Refs{Bank: r.BankID, Enterprise: r.EnterpriseID} },
		Stamps:    func(r *User) (*time.Time, *time.Time) { return &r.CreatedAt, &r.UpdatedAt },
		Rev:       func(r *User) *int64 { return &r.Revision },
		Normalize: (*User).Normalize, Validate: (*User).Validate,
	}
)

// Check normalises and validates a batch for Put. With more than one record
// the field names of a failure are prefixed "[i]." so the caller can tell
// which record failed. A record whose ID is given must have a well-formed one.
func (k Kind[T]) Check(recs []*T) error {
	var all []FieldError
	for i, r := range recs {
		k.Normalize(r)
		err := k.Validate(r)
		if id := *k.ID(r); id != "" && k.IDPrefix != "" && !validID(id) {
			all = append(all, FieldError{Field: prefixed(len(recs), i, "id"), Reason: "must be 1-64 letters, digits, '_' or '-'"})
		}
		for _, f := range ErrorFields(err) {
			all = append(all, FieldError{Field: prefixed(len(recs), i, f.Field), Reason: f.Reason})
		}
	}
	if len(all) > 0 {
		return &Error{Code: CodeInvalid, Message: "invalid " + strings.TrimSuffix(k.Name, "s"), Fields: all}
	}
	return nil
}

func prefixed(n, i int, field string) string {
	if n == 1 {
		return field
	}
	return "[" + strconv.Itoa(i) + "]." + field
}

// validID reports whether id is safe in URLs, file names and queries.
func validID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID returns a fresh random ID for kind k, such as "ent_k3j5x2q7m4pa".
func (k Kind[T]) NewID() string {
	b := make([]byte, 10)
	rand.Read(b)
	return k.IDPrefix + "_" + idEncoding.EncodeToString(b)
}

// NotFound returns the not_found error of kind k for id.
func (k Kind[T]) NotFound(id string) error {
	return Errorf(CodeNotFound, "no %s with id %q", strings.TrimSuffix(k.Name, "s"), id)
}

// Stale returns the error of an Update of the record id from revision
// read, which it no longer has.
func (k Kind[T]) Stale(id string, read, stored int64) error {
	return Errorf(CodeStale, "%s %q has changed since it was read (revision %d, now %d); read it again and retry",
		strings.TrimSuffix(k.Name, "s"), id, read, stored)
}

// Exists returns the conflict error of a Create whose ID is taken.
func (k Kind[T]) Exists(id string) error {
	return Errorf(CodeConflict, "%s %q already exists", strings.TrimSuffix(k.Name, "s"), id)
}

// KeyConflict returns the conflict error for a natural key already held by
// another record.
func (k Kind[T]) KeyConflict(key, holder string) error {
	return Errorf(CodeConflict, "%s key %q already belongs to %s", strings.TrimSuffix(k.Name, "s"), key, holder)
}
