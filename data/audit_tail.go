package data

import (
	"context"
	"time"
)

// auditTailPage is how many audit entries one read of a tail takes.
const auditTailPage = 1000

// AuditTail reads the audit log (Audited) from where it left off: the way
// a node learns what was written since, by itself or by another node on
// the same store, without change streams (which FerretDB lacks). Entry IDs
// are stamped by the writers' clocks and an entry is appended after its
// write, so one may turn up a little behind newer ones; each read starts
// Lookback before the cursor and leaves out the entries already applied.
// An AuditTail is not safe for concurrent use.
type AuditTail struct {
	lookback time.Duration
	cursor   string              // newest entry ID applied
	seen     map[string]struct{} // entries applied within the lookback
}

// NewAuditTail returns a tail that starts after the entry ID cursor (""
// means lookback before now).
func NewAuditTail(cursor string, lookback time.Duration) *AuditTail {
	if cursor == "" {
		cursor = AuditIDAt(time.Now().Add(-lookback))
	}
	return &AuditTail{lookback: lookback, cursor: cursor, seen: map[string]struct{}{}}
}

// Cursor returns the ID of the newest entry applied.
func (t *AuditTail) Cursor() string { return t.cursor }

// Read returns the entries of log not applied yet, oldest first. Apply
// them, then call Done with them; on failure, skip Done and the next Read
// returns them again.
func (t *AuditTail) Read(ctx context.Context, log Table[AuditEntry]) ([]AuditEntry, error) {
	after := t.from()
	var fresh []AuditEntry
	for {
		entries, _, err := log.List(ctx, ListOptions{After: after, Limit: auditTailPage})
		if err != nil {
			return nil, err
		}
		for i := range entries {
			if _, dup := t.seen[entries[i].ID]; !dup {
				fresh = append(fresh, entries[i])
			}
		}
		if len(entries) < auditTailPage {
			return fresh, nil
		}
		after = entries[len(entries)-1].ID
	}
}

// from is where a read starts: Lookback before the cursor.
func (t *AuditTail) from() string {
	if at, ok := AuditIDTime(t.cursor); ok {
		return AuditIDAt(at.Add(-t.lookback))
	}
	return t.cursor
}

// Done marks entries (from Read) applied and moves the cursor. An entry
// stamped by a clock far ahead does not carry the cursor past this node's
// now, or the entries of the other nodes would be skipped: it stays among
// the applied ones until the cursor reaches it.
func (t *AuditTail) Done(entries []AuditEntry) {
	from := t.from()
	newest := t.cursor
	for i := range entries {
		t.seen[entries[i].ID] = struct{}{}
		newest = max(newest, entries[i].ID)
	}
	newest = min(newest, AuditIDAt(time.Now()))
	if newest > t.cursor {
		t.cursor = newest
	}
	// Forget what the next read no longer sees.
	for id := range t.seen {
		if id <= from {
			delete(t.seen, id)
		}
	}
}

// Clone returns an independent copy of t, so that several readers may each
// go on from the same point.
func (t *AuditTail) Clone() *AuditTail {
	c := &AuditTail{lookback: t.lookback, cursor: t.cursor, seen: make(map[string]struct{}, len(t.seen))}
	for id := range t.seen {
		c.seen[id] = struct{}{}
	}
	return c
}
