package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// SchemaVersion returns the schema version this program's migrations bring
// a store to: a database of a higher version was written by a newer ipmatch
// and Open refuses it.
func SchemaVersion() int { return len(migrations()) }

// Snapshot writes a consistent copy of the store kept in dir to the new
// file out (which must not exist), while other connections, in this or
// other processes, keep reading and writing the store. It runs SQLite's
// VACUUM INTO on a connection of its own: one read transaction, so the
// copy holds exactly the transactions committed before it began and never
// blocks the store's writer (WAL); the copy is a compacted single file in
// rollback-journal mode, with no -wal file beside it. Snapshot does not
// migrate the store (a running server of an older version keeps its
// schema). It returns the time just before the read began: every write
// committed before it is in the copy.
//
// The store's WAL cannot be checkpointed past the snapshot while it runs,
// so it grows by what is written meanwhile and shrinks at the next
// checkpoint after.
func Snapshot(ctx context.Context, dir, out string) (time.Time, error) {
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err != nil {
		return time.Time{}, fmt.Errorf("sqlite: no store in %s: %w", dir, err)
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: snapshot: %w", err)
	}
	if _, err := os.Lstat(abs); err == nil {
		return time.Time{}, fmt.Errorf("sqlite: snapshot: %s: %w", abs, os.ErrExist)
	}
	// mode=rw: never create a store that is not there. VACUUM INTO
	// refuses a query_only connection, so this is not one of the
	// store's readers.
	db, err := sql.Open("sqlite", fileURI(path, "mode=rw")+"&_pragma=busy_timeout(10000)")
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: snapshot %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		return time.Time{}, fmt.Errorf("sqlite: snapshot %s: %w", path, err)
	}
	started := time.Now()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, abs); err != nil {
		os.Remove(abs) // a partial copy
		return time.Time{}, fmt.Errorf("sqlite: snapshot %s into %s: %w", path, abs, err)
	}
	f, err := os.Open(abs)
	if err == nil {
		err = f.Sync()
		f.Close()
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: snapshot: %w", err)
	}
	return started, nil
}

// FileInfo describes an ipmatch database file (Inspect).
type FileInfo struct {
	SchemaVersion int
	// Counts are the rows of each table: the records of each kind by its
	// name (data.Kind.Name), the audit log's entries under "audit".
	Counts map[string]int
}

// ErrNotStore reports a file that is not an ipmatch database.
var ErrNotStore = errors.New("not an ipmatch database")

// Inspect reads the schema version and the row count of every table of
// the database file file, which nothing may be writing (a snapshot, a
// backup's copy): it is opened read-only and immutable, so reading it
// changes no byte of it and creates no file beside it. A file that is not
// an SQLite database, or one without ipmatch's schema_version table, is
// ErrNotStore.
func Inspect(ctx context.Context, file string) (FileInfo, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return FileInfo{}, err
	}
	if _, err := os.Stat(abs); err != nil {
		return FileInfo{}, fmt.Errorf("sqlite: %w", err)
	}
	db, err := sql.Open("sqlite", fileURI(abs, "mode=ro&immutable=1"))
	if err != nil {
		return FileInfo{}, fmt.Errorf("sqlite: inspect %s: %w", abs, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return FileInfo{}, fmt.Errorf("sqlite: %s: %w: %v", abs, ErrNotStore, err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return FileInfo{}, fmt.Errorf("sqlite: inspect %s: %w", abs, err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return FileInfo{}, fmt.Errorf("sqlite: %s: %w: %v", abs, ErrNotStore, err)
	}
	info := FileInfo{Counts: map[string]int{}}
	found := false
	for _, t := range tables {
		if t == "schema_version" {
			found = true
			if err := db.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&info.SchemaVersion); err != nil {
				return FileInfo{}, fmt.Errorf("sqlite: %s: %w: no schema version (%v)", abs, ErrNotStore, err)
			}
			continue
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM `+quote(t)).Scan(&n); err != nil {
			return FileInfo{}, fmt.Errorf("sqlite: inspect %s: count %s: %w", abs, t, err)
		}
		info.Counts[t] = n
	}
	if !found {
		return FileInfo{}, fmt.Errorf("sqlite: %s: %w: it has no schema_version table", abs, ErrNotStore)
	}
	return info, nil
}

// fileURI returns the SQLite URI of the file at the absolute path with the
// query, escaping what the driver or SQLite would read as parameters.
func fileURI(path, query string) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: query}
	return u.String()
}
