package data

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The records below hold what the pages' sign-in shares between nodes: a
// session table, the counters of failed sign-ins and the secrets every
// node signs with. They are the service's own bookkeeping, not the
// exchange's records: Audited leaves their tables undecorated (a page
// view must not append to the audit log and change feed), no import,
// export or API resource serves them, and they are written often and
// thrown away (an expired session, a refilled counter).

// Session is one browser's signed-in session of the pages, kept in the
// store so that any node serves it and a restart keeps it.
//
// The browser holds the session id (256 random bits, its cookie); the
// store holds only Hash, the SHA-256 of that id, so a dump of the table
// holds no usable cookie. Hash is the natural key: a page request finds
// its session with GetByKey(SessionHash(id)).
//
// The record's ID is not the hash but SessionID(credential, SignedInAt):
// a prefix naming the credential (SessionCredentialPrefix), then the
// sign-in time. List in ID order with After set to the prefix therefore
// gives one credential's sessions, oldest first, through the generic
// Table, which is all the per-credential cap needs (web/session.go).
type Session struct {
	ID   string `json:"id"`
	Hash string `json:"hash"`
	// CSRF is the token every form of the session carries.
	CSRF string `json:"csrf"`
	// TokenHash (a token sign-in) or UserID (a password sign-in): the
	// credential is looked up again on every request.
	TokenHash string `json:"token_hash,omitempty"`
	UserID    string `json:"user_id,omitempty"`
	// SignedInAt and SeenAt are the clock of the node that signed in and
	// of the last node that marked the session seen (which it does at
	// most once a minute, web/session.go); they decide expiry. CreatedAt
	// and UpdatedAt are the store's stamps, as on every record.
	SignedInAt time.Time `json:"signed_in_at"`
	SeenAt     time.Time `json:"seen_at"`
	// Flash is a one-shot message shown on the next page.
	Flash     string    `json:"flash,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// MaxFlashLength bounds a session's flash message, in bytes.
const MaxFlashLength = 2000

// SessionHash returns the stored form of a session id: its SHA-256 in hex.
func SessionHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// Credential names what the session signed in with: "user:" + the user's
// ID or "token:" + the token's hash.
func (s *Session) Credential() string {
	if s.UserID != "" {
		return "user:" + s.UserID
	}
	return "token:" + s.TokenHash
}

// SessionCredentialPrefix is how the IDs of credential's sessions begin:
// 96 bits of the SHA-256 of credential in hex, then "_". Hashing keeps
// user IDs and token hashes out of the IDs and the IDs within the
// characters IDs may hold; 96 bits keep two credentials from sharing a
// prefix (which would only merge their caps).
func SessionCredentialPrefix(credential string) string {
	sum := sha256.Sum256([]byte("ipmatch session credential\x00" + credential))
	return hex.EncodeToString(sum[:12]) + "_"
}

// NewSessionID returns the ID of a session of credential signed in at t:
// the credential's prefix, the time as 20 digits of Unix nanoseconds (so
// IDs sort by sign-in time) and 48 random bits (so two sign-ins in the
// same nanosecond differ).
func NewSessionID(credential string, t time.Time) string {
	b := make([]byte, 6)
	rand.Read(b)
	return SessionCredentialPrefix(credential) + fmt.Sprintf("%020d", max(t.UnixNano(), 0)) + "_" + hex.EncodeToString(b)
}

// Normalize keeps the times in UTC to the millisecond, as they read back.
func (s *Session) Normalize() {
	s.SignedInAt = s.SignedInAt.UTC().Truncate(time.Millisecond)
	s.SeenAt = s.SeenAt.UTC().Truncate(time.Millisecond)
}

// Validate checks that the session names one credential, that its ID
// begins with that credential's prefix (the cap relies on it) and that
// its hash and times are sane.
func (s *Session) Validate() error {
	var v fieldErrors
	if !isLowerHex(s.Hash, 64) {
		v.add("hash", "must be a SHA-256 hex digest")
	}
	if s.CSRF == "" {
		v.add("csrf", "is required")
	}
	if (s.TokenHash == "") == (s.UserID == "") {
		v.add("token_hash", "a session holds a token hash or a user ID, one of them")
	} else if s.TokenHash != "" && !isLowerHex(s.TokenHash, 64) {
		v.add("token_hash", "must be a SHA-256 hex digest")
	}
	if !strings.HasPrefix(s.ID, SessionCredentialPrefix(s.Credential())) || !validID(s.ID) {
		v.add("id", "must be NewSessionID of the session's credential")
	}
	if s.SignedInAt.IsZero() {
		v.add("signed_in_at", "is required")
	}
	if s.SeenAt.Before(s.SignedInAt) {
		v.add("seen_at", "must not be before signed_in_at")
	}
	if len(s.Flash) > MaxFlashLength {
		v.add("flash", "must be at most %d bytes", MaxFlashLength)
	}
	return v.err("session")
}

// SignInFailure is one failed sign-in counted by a limiter that all nodes
// on a store share (door.FailureLimiter): a token bucket laid on a grid.
// Time is cut into slots of the limiter's refill interval (slot k is
// [k·every, (k+1)·every) since the Unix epoch); a failure at time t takes
// the first free slot from t's own onwards, and is refused when the first
// free one is burst or more slots ahead. A key full of failures thus
// waits for the next slot, then gets one more per slot: the bucket's
// burst and refill, with the refill on the grid's beat.
//
// The record's ID is Bucket + "_" + the slot in 20 digits, so the slots a
// check needs are read by ID in one List, and taking a slot is a Create
// of its record: of two nodes taking the same slot at once, exactly one
// succeeds (the Table contract), and the other moves on to the next. No count is ever read, changed and written back, so no failure
// counted by one node is lost to another's write.
type SignInFailure struct {
	ID string `json:"id"`
	// Bucket is the hex SHA-256 (96 bits) of the limiter's name, limits
	// and key (a client address, a username), so the table holds neither.
	Bucket string `json:"bucket"`
	Slot   int64  `json:"slot"`
	// Expires is the end of the slot: from then on the record counts for
	// nothing and the sweep removes it.
	Expires   time.Time `json:"expires"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// FailureBucket returns the bucket of key in the limiter named name with
// the given limits: limiters with other limits count apart.
func FailureBucket(name string, burst int, every time.Duration, key string) string {
	sum := sha256.Sum256([]byte("ipmatch sign-in failures\x00" + name + "\x00" + strconv.Itoa(burst) + "\x00" + every.String() + "\x00" + key))
	return hex.EncodeToString(sum[:12])
}

// FailureSlotID returns the ID of slot in bucket.
func FailureSlotID(bucket string, slot int64) string {
	return bucket + "_" + fmt.Sprintf("%020d", slot)
}

// Normalize keeps Expires in UTC to the millisecond.
func (f *SignInFailure) Normalize() { f.Expires = f.Expires.UTC().Truncate(time.Millisecond) }

// Validate checks that the ID is FailureSlotID of the bucket and slot.
func (f *SignInFailure) Validate() error {
	var v fieldErrors
	if !isLowerHex(f.Bucket, 24) {
		v.add("bucket", "must be 24 hex digits")
	}
	if f.Slot < 0 {
		v.add("slot", "must not be negative")
	}
	if f.ID != FailureSlotID(f.Bucket, f.Slot) {
		v.add("id", "must be FailureSlotID of the bucket and slot")
	}
	if f.Expires.IsZero() {
		v.add("expires", "is required")
	}
	return v.err("sign-in failure")
}

// Secret is a random key that every node on the store shares, such as
// the key of the sign-in forms' MACs (web/signin.go). It is made once by
// the first node that needs it (SharedSecret) and never changes.
type Secret struct {
	ID string `json:"id"`
	// Name is the natural key: what the secret is for.
	Name      string    `json:"name"`
	Value     []byte    `json:"value"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// Normalize trims the name.
func (s *Secret) Normalize() { s.Name = strings.TrimSpace(s.Name) }

// Validate checks that the secret has a name and at least 128 bits.
func (s *Secret) Validate() error {
	var v fieldErrors
	if s.Name == "" {
		v.add("name", "is required")
	}
	if len(s.Value) < 16 {
		v.add("value", "must hold at least 16 bytes")
	}
	return v.err("secret")
}

// SharedSecret returns the secret named name, making it (size random
// bytes) if the store has none. Nodes racing to make it agree: each
// tries to store its own under a new ID, the natural key lets only one
// succeed (the others get a conflict and store nothing), and all of
// them then use what the store holds.
func SharedSecret(ctx context.Context, secrets Table[Secret], name string, size int) ([]byte, error) {
	if s, err := secrets.GetByKey(ctx, name); err == nil {
		return s.Value, nil
	} else if ErrorCode(err) != CodeNotFound {
		return nil, err
	}
	mine := Secret{ID: SecretKind.NewID(), Name: name, Value: make([]byte, size)}
	rand.Read(mine.Value)
	if err := secrets.Create(ctx, &mine); err == nil {
		return mine.Value, nil
	} else if ErrorCode(err) != CodeConflict {
		return nil, err
	}
	s, err := secrets.GetByKey(ctx, name)
	if err != nil {
		return nil, err
	}
	return s.Value, nil
}

// isLowerHex reports whether s is n lowercase hex digits.
func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// The kinds of the sign-in records; see Session, SignInFailure and Secret.
var (
	SessionKind = Kind[Session]{
		Name:      "sessions",
		ID:        func(r *Session) *string { return &r.ID },
		Key:       func(r *Session) string { return r.Hash },
		Refs:      func(r *Session) Refs { return Refs{} },
		Stamps:    func(r *Session) (*time.Time, *time.Time) { return &r.CreatedAt, &r.UpdatedAt },
		Rev:       func(r *Session) *int64 { return &r.Revision },
		Normalize: (*Session).Normalize, Validate: (*Session).Validate,
	}
	SignInFailureKind = Kind[SignInFailure]{
		Name:      "signin_failures",
		ID:        func(r *SignInFailure) *string { return &r.ID },
		Key:       func(r *SignInFailure) string { return "" },
		Refs:      func(r *SignInFailure) Refs { return Refs{} },
		Stamps:    func(r *SignInFailure) (*time.Time, *time.Time) { return &r.CreatedAt, &r.UpdatedAt },
		Rev:       func(r *SignInFailure) *int64 { return &r.Revision },
		Normalize: (*SignInFailure).Normalize, Validate: (*SignInFailure).Validate,
	}
	SecretKind = Kind[Secret]{
		Name: "secrets", IDPrefix: "secret",
		ID:        func(r *Secret) *string { return &r.ID },
		Key:       func(r *Secret) string { return r.Name },
		Refs:      func(r *Secret) Refs { return Refs{} },
		Stamps:    func(r *Secret) (*time.Time, *time.Time) { return &r.CreatedAt, &r.UpdatedAt },
		Rev:       func(r *Secret) *int64 { return &r.Revision },
		Normalize: (*Secret).Normalize, Validate: (*Secret).Validate,
	}
)
