package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"ipmatch/data"
)

// timeLayout stores timestamps in UTC with a fixed width, so they sort as
// text and round-trip the microseconds Put keeps.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// maxIDsPerQuery bounds the placeholders of one IN list; longer ID lists
// are queried in chunks.
const maxIDsPerQuery = 500

// table is the data.Table of one kind of record, serving all nine kinds.
type table[T any] struct {
	kind   data.Kind[T]
	name   string // quoted table name
	s      *Store
	setKey func(*T, string) // restores a key the JSON body leaves out; usually nil

	// On the reader pool.
	get, getByKey, count *sql.Stmt
	// On the writer, used inside Put's transaction.
	insert, update, del *sql.Stmt
}

var _ data.Table[data.Patent] = (*table[data.Patent])(nil)

func newTable[T any](ctx context.Context, s *Store, k data.Kind[T], setKey func(*T, string)) (*table[T], error) {
	t := &table[T]{kind: k, name: quote(k.Name), s: s, setKey: setKey}
	cols := "id, key, " + strings.Join(refColumns[:], ", ") + ", created_at, updated_at, body, rev"
	sets := "key = ?2"
	for i, c := range refColumns {
		sets += fmt.Sprintf(", %s = ?%d", c, i+3)
	}
	sets += ", created_at = ?8, updated_at = ?9, body = ?10, rev = ?11"
	for _, p := range []struct {
		dst   **sql.Stmt
		db    *sql.DB
		query string
	}{
		{&t.get, s.r, `SELECT key, rev, body FROM ` + t.name + ` WHERE id = ?`},
		{&t.getByKey, s.r, `SELECT key, rev, body FROM ` + t.name + ` WHERE key = ? AND key <> ''`},
		{&t.count, s.r, `SELECT count(*) FROM ` + t.name},
		{&t.insert, s.w, `INSERT INTO ` + t.name + ` (` + cols + `) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)`},
		{&t.update, s.w, `UPDATE ` + t.name + ` SET ` + sets + ` WHERE id = ?1`},
		{&t.del, s.w, `DELETE FROM ` + t.name + ` WHERE id = ?`},
	} {
		st, err := s.prepare(ctx, p.db, p.query)
		if err != nil {
			return nil, err
		}
		*p.dst = st
	}
	return t, nil
}

// Get returns the record with the given ID or a not_found error.
func (t *table[T]) Get(ctx context.Context, id string) (T, error) {
	return t.one(ctx, t.get, id, "get")
}

// GetByKey returns the record with the given natural key or not_found.
func (t *table[T]) GetByKey(ctx context.Context, key string) (T, error) {
	return t.one(ctx, t.getByKey, key, "get by key")
}

func (t *table[T]) one(ctx context.Context, st *sql.Stmt, arg, op string) (T, error) {
	var zero T
	var key string
	var rev int64
	var body []byte
	err := st.QueryRowContext(ctx, arg).Scan(&key, &rev, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return zero, t.kind.NotFound(arg)
	}
	if err != nil {
		return zero, internal(op+" "+t.kind.Name, err)
	}
	return t.decode(key, rev, body)
}

// decode reads a record from its row. The revision column is the truth:
// the body is encoded before a write knows it for sure.
func (t *table[T]) decode(key string, rev int64, body []byte) (T, error) {
	var rec T
	if err := json.Unmarshal(body, &rec); err != nil {
		return rec, fmt.Errorf("sqlite: decode %s: %w", t.kind.Name, err)
	}
	if t.setKey != nil {
		t.setKey(&rec, key)
	}
	if t.kind.Rev != nil {
		*t.kind.Rev(&rec) = rev
	}
	return rec, nil
}

// Count returns how many records there are.
func (t *table[T]) Count(ctx context.Context) (int, error) {
	var n int
	if err := t.count.QueryRowContext(ctx).Scan(&n); err != nil {
		return 0, internal("count "+t.kind.Name, err)
	}
	return n, nil
}

// Delete removes the record with the given ID or returns not_found; its
// audit entry, when asked for, goes in the same transaction.
func (t *table[T]) Delete(ctx context.Context, id string) error {
	op := "delete " + t.kind.Name
	tx, err := t.s.w.BeginTx(ctx, nil)
	if err != nil {
		return internal(op, err)
	}
	defer tx.Rollback() // a no-op after Commit
	res, err := tx.StmtContext(ctx, t.del).ExecContext(ctx, id)
	if err != nil {
		return internal(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return internal(op, err)
	}
	if n == 0 {
		return t.kind.NotFound(id)
	}
	if err := t.logWrite(ctx, tx, data.AuditDelete, []string{id}, time.Now().UTC().Truncate(time.Microsecond)); err != nil {
		return internal(op, err)
	}
	if err := tx.Commit(); err != nil {
		return internal(op, err)
	}
	return nil
}

// saved is what Put changes on a record besides normalising it, kept to
// undo on failure.
type saved struct {
	id               string
	created, updated time.Time
	rev              int64
}

// rev returns the revision of r, 0 for kinds without.
func (t *table[T]) rev(r *T) int64 {
	if t.kind.Rev == nil {
		return 0
	}
	return *t.kind.Rev(r)
}

// setRev sets the revision of r, for kinds with revisions.
func (t *table[T]) setRev(r *T, rev int64) {
	if t.kind.Rev != nil {
		*t.kind.Rev(r) = rev
	}
}

// Put inserts or replaces records in one transaction; see data.Table.
func (t *table[T]) Put(ctx context.Context, recs ...*T) ([]data.PutOutcome, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	for i, r := range recs {
		if r == nil {
			field := "record"
			if len(recs) > 1 {
				field = fmt.Sprintf("[%d]", i)
			}
			return nil, &data.Error{Code: data.CodeInvalid, Message: "invalid " + strings.TrimSuffix(t.kind.Name, "s"),
				Fields: []data.FieldError{{Field: field, Reason: "is missing (null)"}}}
		}
	}
	if err := t.kind.Check(recs); err != nil {
		return nil, err
	}
	before := make([]saved, len(recs))
	for i, r := range recs {
		c, u := t.kind.Stamps(r)
		before[i] = saved{*t.kind.ID(r), *c, *u, t.rev(r)}
	}
	out, err := t.put(ctx, recs)
	if err != nil {
		for i, r := range recs {
			c, u := t.kind.Stamps(r)
			*t.kind.ID(r), *c, *u = before[i].id, before[i].created, before[i].updated
			t.setRev(r, before[i].rev)
		}
		return nil, err
	}
	return out, nil
}

func (t *table[T]) put(ctx context.Context, recs []*T) ([]data.PutOutcome, error) {
	op := "put " + t.kind.Name
	tx, err := t.s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, internal(op, err)
	}
	defer tx.Rollback() // a no-op after Commit
	// Taken once the write lock is held, so that updated_at follows the
	// order of the writes.
	now := time.Now().UTC().Truncate(time.Microsecond)
	nowText := now.Format(timeLayout)

	// What is stored under the batch's IDs and keys, read in a few queries.
	byID := map[string]stored{}
	holder := map[string]string{} // key → ID
	var ids, keys []string
	for _, r := range recs {
		if id := *t.kind.ID(r); id != "" {
			ids = append(ids, id)
		}
		if key := t.kind.Key(r); key != "" {
			keys = append(keys, key)
		}
	}
	if err := t.lookup(ctx, tx, "id", ids, byID, holder); err != nil {
		return nil, internal(op, err)
	}
	if err := t.lookup(ctx, tx, "key", keys, byID, holder); err != nil {
		return nil, internal(op, err)
	}

	// Resolve IDs and timestamps in order, as if the records were written
	// one after the other.
	out := make([]data.PutOutcome, len(recs))
	created := make([]string, len(recs))
	for i, r := range recs {
		id := t.kind.ID(r)
		key := t.kind.Key(r)
		h := ""
		if key != "" {
			h = holder[key]
		}
		switch {
		case *id == "" && h != "":
			*id = h
		case *id == "":
			if t.kind.IDPrefix == "" {
				// Validate should have caught it; never invent such IDs.
				return nil, fmt.Errorf("sqlite: %s: record %d has no id", op, i)
			}
			*id = t.kind.NewID()
		case h != "" && h != *id:
			return nil, t.kind.KeyConflict(key, h)
		}
		c, u := t.kind.Stamps(r)
		old, exists := byID[*id]
		if exists {
			ts, err := time.Parse(timeLayout, old.created)
			if err != nil {
				return nil, fmt.Errorf("sqlite: %s: stored created_at of %s: %w", op, *id, err)
			}
			*c, created[i] = ts, old.created
			if old.key != "" && old.key != key && holder[old.key] == *id {
				delete(holder, old.key) // the old key is free again
			}
		} else {
			*c, created[i] = now, nowText
		}
		*u = now
		t.setRev(r, old.rev+1)
		if key != "" {
			holder[key] = *id
		}
		byID[*id] = stored{key: key, created: created[i], rev: old.rev + 1}
		out[i] = data.PutOutcome{ID: *id, Created: !exists}
	}

	// Write, encoding the records ahead on another goroutine.
	enc := encodeAhead(recs)
	defer enc.stop()
	insert := tx.StmtContext(ctx, t.insert)
	update := tx.StmtContext(ctx, t.update)
	args := make([]any, 11)
	for i, r := range recs {
		body, err := enc.get(i)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %s: encode %s: %w", op, out[i].ID, err)
		}
		refs := t.kind.Refs(r)
		args[0], args[1] = out[i].ID, t.kind.Key(r)
		args[2], args[3], args[4], args[5], args[6] = refs.Bank, refs.Enterprise, refs.Event, refs.Pool, refs.Product
		args[7], args[8], args[9], args[10] = created[i], nowText, body, t.rev(r)
		st := insert
		if !out[i].Created {
			st = update
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return nil, internal(op, err)
		}
	}
	written := make([]string, len(out))
	for i, o := range out {
		written[i] = o.ID
	}
	if err := t.logWrite(ctx, tx, data.PutAction(out), written, now); err != nil {
		return nil, internal(op, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, internal(op, err)
	}
	return out, nil
}

// logWrite writes the audit entries of a write of ids in its transaction
// tx, when the write asks for them (data.Audited): the record and its entry
// commit together or not at all.
func (t *table[T]) logWrite(ctx context.Context, tx *sql.Tx, action string, ids []string, now time.Time) error {
	req := data.AuditRequestOf(ctx)
	if req == nil || t.kind.Name == data.AuditKind.Name {
		return nil
	}
	entries := req.Take(ctx, t.kind.Name, action, ids)
	a := t.s.audit
	if err := a.kind.Check(entries); err != nil {
		return err
	}
	st := tx.StmtContext(ctx, a.insert)
	nowText := now.Format(timeLayout)
	for _, e := range entries {
		e.At = now
		body, err := encode(e)
		if err != nil {
			return err
		}
		refs := a.kind.Refs(e)
		if _, err := st.ExecContext(ctx, e.ID, "", refs.Bank, refs.Enterprise, refs.Event, refs.Pool, refs.Product,
			nowText, nowText, body, 0); err != nil {
			return err
		}
	}
	return nil
}

// stored is what Put needs to know of a stored record.
type stored struct {
	key     string
	created string // created_at as stored
	rev     int64
}

// lookup reads the ID, key and created_at of the records whose column col
// ("id" or "key") is one of vals into byID and holder.
func (t *table[T]) lookup(ctx context.Context, tx *sql.Tx, col string, vals []string, byID map[string]stored, holder map[string]string) error {
	for chunk := range slices.Chunk(vals, maxIDsPerQuery) {
		rows, err := tx.QueryContext(ctx, `SELECT id, key, created_at, rev FROM `+t.name+` WHERE `+col+` IN (`+placeholders(len(chunk))+`) AND `+col+` <> ''`, anys(chunk)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			var s stored
			if err := rows.Scan(&id, &s.key, &s.created, &s.rev); err != nil {
				rows.Close()
				return err
			}
			byID[id] = s
			if s.key != "" {
				holder[s.key] = id
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// List returns the records matching opts in ID order and how many match.
func (t *table[T]) List(ctx context.Context, opts data.ListOptions) ([]T, int, error) {
	op := "list " + t.kind.Name
	if err := opts.Check(); err != nil {
		return nil, 0, err
	}
	opts, ok := opts.Narrow()
	if !ok || opts.IDs != nil && len(opts.IDs) == 0 {
		return []T{}, 0, nil
	}

	conds, args := refConds(opts.Refs)
	if opts.After != "" {
		conds = append(conds, "id > ?")
		args = append(args, opts.After)
	}
	if opts.Enterprises != nil {
		// One parameter however many: the list goes in as a JSON array.
		list, err := json.Marshal(opts.Enterprises)
		if err != nil {
			return nil, 0, internal(op, err)
		}
		conds = append(conds, "enterprise_id IN (SELECT value FROM json_each(?)) AND enterprise_id <> ''")
		args = append(args, string(list))
	}

	tx, err := t.s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, internal(op, err)
	}
	defer tx.Rollback()

	if len(opts.IDs) > maxIDsPerQuery {
		return t.listChunked(ctx, tx, op, conds, args, opts)
	}
	if opts.IDs != nil {
		conds = append(conds, "id IN ("+placeholders(len(opts.IDs))+")")
		for _, id := range opts.IDs {
			args = append(args, id)
		}
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	limit := -1 // no limit
	if opts.Limit > 0 {
		limit = opts.Limit
	}
	rows, err := tx.QueryContext(ctx, `SELECT key, rev, body FROM `+t.name+where+` ORDER BY id LIMIT ? OFFSET ?`,
		append(slices.Clip(args), limit, opts.Offset)...)
	if err != nil {
		return nil, 0, internal(op, err)
	}
	recs, err := t.scan(rows, op)
	if err != nil {
		return nil, 0, err
	}
	// The page tells the total when it is not full and not past the end.
	if (opts.Limit == 0 || len(recs) < opts.Limit) && (len(recs) > 0 || opts.Offset == 0) {
		return recs, opts.Offset + len(recs), nil
	}
	var total int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+t.name+where, args...).Scan(&total); err != nil {
		return nil, 0, internal(op, err)
	}
	return recs, total, nil
}

// listChunked serves List for ID lists too long for one IN: it reads the
// matching IDs chunk by chunk, pages them in Go, then reads the page.
func (t *table[T]) listChunked(ctx context.Context, tx *sql.Tx, op string, conds []string, args []any, opts data.ListOptions) ([]T, int, error) {
	ids := slices.Clone(opts.IDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var match []string
	for chunk := range slices.Chunk(ids, maxIDsPerQuery) {
		found, err := t.ids(ctx, tx, op, conds, args, chunk)
		if err != nil {
			return nil, 0, err
		}
		match = append(match, found...)
	}
	slices.Sort(match)
	total := len(match)
	page := match[min(opts.Offset, total):]
	if opts.Limit > 0 && len(page) > opts.Limit {
		page = page[:opts.Limit]
	}
	recs := make([]T, 0, len(page))
	for chunk := range slices.Chunk(page, maxIDsPerQuery) {
		rows, err := tx.QueryContext(ctx, `SELECT key, rev, body FROM `+t.name+` WHERE id IN (`+placeholders(len(chunk))+`) ORDER BY id`, anys(chunk)...)
		if err != nil {
			return nil, 0, internal(op, err)
		}
		got, err := t.scan(rows, op)
		if err != nil {
			return nil, 0, err
		}
		recs = append(recs, got...)
	}
	return recs, total, nil
}

// ids returns the IDs among chunk that match conds.
func (t *table[T]) ids(ctx context.Context, tx *sql.Tx, op string, conds []string, args []any, chunk []string) ([]string, error) {
	conds = append(slices.Clip(conds), "id IN ("+placeholders(len(chunk))+")")
	args = append(slices.Clip(args), anys(chunk)...)
	rows, err := tx.QueryContext(ctx, `SELECT id FROM `+t.name+` WHERE `+strings.Join(conds, " AND "), args...)
	if err != nil {
		return nil, internal(op, err)
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, internal(op, err)
		}
		found = append(found, id)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(op, err)
	}
	return found, nil
}

// scan decodes rows of (key, rev, body) and closes them.
func (t *table[T]) scan(rows *sql.Rows, op string) ([]T, error) {
	defer rows.Close()
	recs := []T{}
	for rows.Next() {
		var key string
		var rev int64
		var body sql.RawBytes
		if err := rows.Scan(&key, &rev, &body); err != nil {
			return nil, internal(op, err)
		}
		rec, err := t.decode(key, rev, body)
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(op, err)
	}
	return recs, nil
}

// refConds returns the SQL conditions and arguments selecting refs.
func refConds(refs data.Refs) (conds []string, args []any) {
	for i, v := range []string{refs.Bank, refs.Enterprise, refs.Event, refs.Pool, refs.Product} {
		if v != "" {
			// The "<> ''" lets SQLite use the partial index.
			conds = append(conds, refColumns[i]+" = ? AND "+refColumns[i]+" <> ''")
			args = append(args, v)
		}
	}
	return conds, args
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func anys(ss []string) []any {
	a := make([]any, len(ss))
	for i, s := range ss {
		a[i] = s
	}
	return a
}
