package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"ipmatch/data"
)

// The conditional writes (data.Table Create and Update). Each is one
// IMMEDIATE transaction on the one writer connection: the look for a clash
// and the write cannot interleave with another write, from this process or
// another one on the same file.

// Create inserts rec if neither its ID nor its natural key is stored.
func (t *table[T]) Create(ctx context.Context, rec *T) error {
	return t.conditional(ctx, rec, "create", func(tx *sql.Tx, id, key string) (string, int64, error) {
		if key != "" {
			switch h, err := t.holderOf(ctx, tx, key); {
			case err != nil:
				return "", 0, err
			case h != "":
				return "", 0, t.kind.KeyConflict(key, h)
			}
		}
		if id == "" {
			return "", 0, nil
		}
		var one int
		switch err := tx.QueryRowContext(ctx, `SELECT 1 FROM `+t.name+` WHERE id = ?`, id).Scan(&one); {
		case err == nil:
			return "", 0, t.kind.Exists(id)
		case !errors.Is(err, sql.ErrNoRows):
			return "", 0, err
		}
		return "", 0, nil
	})
}

// Update replaces the record with rec's ID if it still has rec's revision.
func (t *table[T]) Update(ctx context.Context, rec *T) error {
	if t.kind.Rev == nil {
		panic("sqlite: Update of " + t.kind.Name + ", which has no revisions")
	}
	return t.conditional(ctx, rec, "update", func(tx *sql.Tx, id, key string) (string, int64, error) {
		var created string
		var rev int64
		err := tx.QueryRowContext(ctx, `SELECT created_at, rev FROM `+t.name+` WHERE id = ?`, id).Scan(&created, &rev)
		if errors.Is(err, sql.ErrNoRows) {
			return "", 0, t.kind.NotFound(id)
		}
		if err != nil {
			return "", 0, err
		}
		if read := t.rev(rec); read != rev {
			return "", 0, t.kind.Stale(id, read, rev)
		}
		if key != "" {
			switch h, err := t.holderOf(ctx, tx, key); {
			case err != nil:
				return "", 0, err
			case h != "" && h != id:
				return "", 0, t.kind.KeyConflict(key, h)
			}
		}
		return created, rev, nil
	})
}

// conditional checks rec, then in one transaction asks check whether it may
// be written (check returns the stored created_at and revision of the
// record it replaces, "" for a new one, or the refusal) and writes it. rec
// gets its ID, stamps and revision only when the write commits.
func (t *table[T]) conditional(ctx context.Context, rec *T, what string, check func(tx *sql.Tx, id, key string) (created string, rev int64, err error)) error {
	op := what + " " + t.kind.Name
	if rec == nil {
		return &data.Error{Code: data.CodeInvalid, Message: "invalid " + strings.TrimSuffix(t.kind.Name, "s"),
			Fields: []data.FieldError{{Field: "record", Reason: "is missing (null)"}}}
	}
	if err := t.kind.Check([]*T{rec}); err != nil {
		return err
	}
	tx, err := t.s.w.BeginTx(ctx, nil)
	if err != nil {
		return internal(op, err)
	}
	defer tx.Rollback() // a no-op after Commit
	id, key := *t.kind.ID(rec), t.kind.Key(rec)
	createdText, rev, err := check(tx, id, key)
	if err != nil {
		if data.ErrorCode(err) != data.CodeInternal {
			return err
		}
		return internal(op, err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	nowText := now.Format(timeLayout)
	created := now
	if createdText != "" {
		if created, err = time.Parse(timeLayout, createdText); err != nil {
			return fmt.Errorf("sqlite: %s: stored created_at of %s: %w", op, id, err)
		}
	} else {
		createdText = nowText
	}
	newID := id
	if newID == "" {
		newID = t.kind.NewID()
	}
	// Set what the write stores, and put it back if the write fails.
	c, u := t.kind.Stamps(rec)
	was := saved{id, *c, *u, t.rev(rec)}
	*t.kind.ID(rec), *c, *u = newID, created, now
	t.setRev(rec, rev+1)
	ok := false
	defer func() {
		if !ok {
			*t.kind.ID(rec), *c, *u = was.id, was.created, was.updated
			t.setRev(rec, was.rev)
		}
	}()
	body, err := encode(rec)
	if err != nil {
		return fmt.Errorf("sqlite: %s: encode %s: %w", op, newID, err)
	}
	refs := t.kind.Refs(rec)
	st := t.insert
	if what == "update" {
		st = t.update
	}
	if _, err := tx.StmtContext(ctx, st).ExecContext(ctx, newID, key, refs.Bank, refs.Enterprise, refs.Event, refs.Pool, refs.Product,
		createdText, nowText, body, rev+1); err != nil {
		return internal(op, err)
	}
	action := data.AuditCreate
	if what == "update" {
		action = data.AuditUpdate
	}
	if err := t.logWrite(ctx, tx, action, []string{newID}, now); err != nil {
		return internal(op, err)
	}
	if err := tx.Commit(); err != nil {
		return internal(op, err)
	}
	ok = true
	return nil
}

// holderOf returns the ID of the record holding natural key key, or "".
func (t *table[T]) holderOf(ctx context.Context, tx *sql.Tx, key string) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM `+t.name+` WHERE key = ? AND key <> ''`, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}
