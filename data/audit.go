package data

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// AuditEntry records one write: who made it (Actor, Via), through what
// (Request), when (At) and what it did (Action on IDs of Kind). Audited
// appends one after every successful Put and Delete, so the audit log also
// serves as the change feed other nodes follow to keep their search index
// in step (search.Follow).
type AuditEntry struct {
	// ID orders entries by time: "aud_" + 20-digit Unix nanoseconds of the
	// writing node's clock + "_" + random, so List in ID order is the log
	// in time order and AuditIDAt turns a time into a bound.
	ID        string    `json:"id"`
	At        time.Time `json:"at"`
	Node      string    `json:"node"`              // the process that wrote it
	Actor     Actor     `json:"actor"`             // empty for system writes
	Via       string    `json:"via"`               // ViaAPI, ViaWeb, ViaCLI or ViaSystem
	Request   string    `json:"request,omitempty"` // "POST /api/v1/deals/deal_1/stage"
	RequestID string    `json:"request_id,omitempty"`
	Action    string    `json:"action"` // AuditCreate, AuditUpdate, AuditPut or AuditDelete
	Kind      string    `json:"kind"`   // the table: "deals", "patents" …
	IDs       []string  `json:"ids"`    // at most MaxAuditIDs
}

// Actor is who made a write: the token or user signed in and its binding.
type Actor struct {
	Role         Role   `json:"role,omitempty"`
	TokenID      string `json:"token_id,omitempty"`
	UserID       string `json:"user_id,omitempty"`
	Name         string `json:"name,omitempty"` // token label or username
	BankID       string `json:"bank_id,omitempty"`
	EnterpriseID string `json:"enterprise_id,omitempty"`
}

// The channels a write comes through.
const (
	ViaAPI    = "api"    // the JSON API
	ViaWeb    = "web"    // the pages
	ViaCLI    = "cli"    // an ipmatch command (import, token create …)
	ViaSystem = "system" // the service itself (demo loading, migrations)
)

// The actions of an audit entry.
const (
	AuditCreate = "create" // every record was new
	AuditUpdate = "update" // every record replaced a stored one
	AuditPut    = "put"    // a batch that did both
	AuditDelete = "delete"
)

// AuditVias and AuditActions list the channels and actions, for the
// checks and choices that name them all.
var (
	AuditVias    = []string{ViaAPI, ViaWeb, ViaCLI, ViaSystem}
	AuditActions = []string{AuditCreate, AuditUpdate, AuditPut, AuditDelete}
)

// What the administrative commands act on, named in the audit log where
// a write names its table: they are not records of a table. A backup
// (ipmatch backup; ipmatch restore logs into the restored store which
// backup it came from) is named by its ID, a search index (ipmatch
// reindex) by its node name.
const (
	AuditBackups     = "backups"
	AuditSearchIndex = "search_index"
)

// MaxAuditIDs bounds the IDs of one entry; a larger batch is logged as
// several entries.
const MaxAuditIDs = 1000

// Origin says where a write comes from; the API and the commands put one in
// the context of every write so Audited can record it.
type Origin struct {
	Actor     Actor
	Via       string
	Request   string
	RequestID string
}

type originKey struct{}

// WithOrigin returns ctx carrying o.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// OriginOf returns the origin ctx carries; without one the write is the
// system's own.
func OriginOf(ctx context.Context) Origin {
	if o, ok := ctx.Value(originKey{}).(Origin); ok {
		if o.Via == "" {
			o.Via = ViaSystem
		}
		return o
	}
	return Origin{Via: ViaSystem}
}

// auditIDPrefix starts every audit entry ID.
const auditIDPrefix = "aud_"

// NewAuditID returns a fresh audit entry ID for time t.
func NewAuditID(t time.Time) string {
	b := make([]byte, 5)
	rand.Read(b)
	return AuditIDAt(t) + "_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// AuditIDAt returns the ID bound of time t: every entry written at t or
// later sorts after it, every entry written before sorts before it.
func AuditIDAt(t time.Time) string {
	// UnixNano is undefined outside 1678–2262: clamp to the ends.
	var n int64
	switch {
	case t.Before(time.Unix(0, 0)):
		n = 0
	case t.After(time.Unix(0, math.MaxInt64)):
		n = math.MaxInt64
	default:
		n = t.UnixNano()
	}
	return fmt.Sprintf("%s%020d", auditIDPrefix, n)
}

// Normalize trims the free text of the entry.
func (e *AuditEntry) Normalize() {
	e.Node = strings.TrimSpace(e.Node)
	e.Request = strings.TrimSpace(e.Request)
}

// Validate checks that the entry says who, what and when.
func (e *AuditEntry) Validate() error {
	var v fieldErrors
	if !strings.HasPrefix(e.ID, auditIDPrefix) {
		v.add("id", "must start with %q", auditIDPrefix)
	}
	if !slices.Contains(AuditVias, e.Via) {
		v.add("via", "must be one of %s", strings.Join(AuditVias, ", "))
	}
	if !slices.Contains(AuditActions, e.Action) {
		v.add("action", "must be one of %s", strings.Join(AuditActions, ", "))
	}
	if e.Kind == "" {
		v.add("kind", "is required")
	}
	if len(e.IDs) == 0 {
		v.add("ids", "must name at least one record")
	}
	if len(e.IDs) > MaxAuditIDs {
		v.add("ids", "must name at most %d records", MaxAuditIDs)
	}
	return v.err("audit entry")
}

// AuditKind stores the audit log. Entries are never replaced: each has a
// fresh ID.
var AuditKind = Kind[AuditEntry]{
	Name:      "audit",
	ID:        func(r *AuditEntry) *string { return &r.ID },
	Key:       func(r *AuditEntry) string { return "" },
	Refs:      func(r *AuditEntry) Refs { return Refs{Bank: r.Actor.BankID, Enterprise: r.Actor.EnterpriseID} },
	Stamps:    func(r *AuditEntry) (*time.Time, *time.Time) { return &r.At, &r.At },
	Normalize: (*AuditEntry).Normalize, Validate: (*AuditEntry).Validate,
}

// AuditIDTime returns the time an audit entry ID (or bound) was made for.
func AuditIDTime(id string) (time.Time, bool) {
	digits, ok := strings.CutPrefix(id, auditIDPrefix)
	if !ok || len(digits) < 20 {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(digits[:20], 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, false
	}
	return time.Unix(0, n), true
}

// NodeName names this process for the audit log: host name and process id.
func NodeName() string {
	return HostName() + "-" + strconv.Itoa(os.Getpid())
}

// HostName is the machine's name, or "ipmatch" when it has none, for the
// node names of the audit log.
func HostName() string {
	if host, err := os.Hostname(); err == nil && host != "" {
		return host
	}
	return "ipmatch"
}
