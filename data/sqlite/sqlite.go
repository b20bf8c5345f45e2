// Package sqlite is the embedded data.Store: one SQLite database file in a
// directory, written through modernc.org/sqlite (pure Go, no cgo), so
// ipmatch runs with no database server to install.
//
// Every kind of record lives in its own SQL table with the same columns:
// the ID, the natural key (unique when not empty), the references that
// lists filter on, the two timestamps, and the record itself as JSON. One
// generic table type serves all nine kinds from their data.Kind.
//
// Concurrency: a Store is safe for use by many goroutines. The database
// runs in WAL mode, so readers never block the writer nor the writer the
// readers. Reads go through a pool of read-only connections; every write
// goes through a second pool of exactly one connection, so writes queue in
// Go rather than fail with SQLITE_BUSY, and each Put is one IMMEDIATE
// transaction. A busy timeout covers other processes opening the same file.
// A large Put encodes its records on a second goroutine while the first
// writes.
//
// Durability: synchronous=NORMAL in WAL mode survives a crash of the
// process at any point, but a power failure or OS crash may lose the last
// transactions committed before it (never corrupt the file).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"ipmatch/data"
)

// FileName is the name of the database file inside the store's directory.
const FileName = "ipmatch.db"

// Connection parameters. The driver runs busy_timeout first, so the rest
// wait for locks rather than fail, then the _pragma list, then the
// shorthands: page_size therefore precedes journal_mode=WAL, after which a
// new file's page size is fixed. The writer's 32 MiB cache holds the hot
// index pages of a large import and checkpoints every 4000 pages (32 MiB)
// keep fsyncs rare; tuned with BenchmarkImport.
const (
	writerParams = "_pragma=busy_timeout(10000)&_pragma=page_size(8192)&_pragma=cache_size(-32768)" +
		"&_pragma=wal_autocheckpoint(4000)&_pragma=journal_size_limit(67108864)" +
		"&_journal_mode=WAL&_synchronous=NORMAL&_foreign_keys=0&_txlock=immediate"
	readerParams = "_pragma=busy_timeout(10000)&_pragma=cache_size(-8192)&_foreign_keys=0&_query_only=1"
)

// Store is the embedded data.Store. Create one with Open and release it
// with Close.
type Store struct {
	path   string
	logger *slog.Logger
	w      *sql.DB // the one writer connection
	r      *sql.DB // read-only connections
	nr     int     // how many
	stmts  []*sql.Stmt

	closeOnce sync.Once

	enterprises  *table[data.Enterprise]
	patents      *table[data.Patent]
	banks        *table[data.Bank]
	products     *table[data.Product]
	events       *table[data.Event]
	participants *table[data.Participant]
	deals        *table[data.Deal]
	pools        *table[data.Pool]
	tokens       *table[data.Token]
	schedules    *table[data.Schedule]
	users        *table[data.User]
	audit        *table[data.AuditEntry]
	appraisers   *table[data.Appraiser]
	appraisals   *table[data.Appraisal]
	alerts       *table[data.Alert]
	webhooks     *table[data.Webhook]
	policies     *table[data.Policy]
	applications *table[data.Application]

	// The pages' sign-in, shared by the nodes (data.Session).
	sessions       *table[data.Session]
	signInFailures *table[data.SignInFailure]
	secrets        *table[data.Secret]
}

var _ data.Store = (*Store)(nil)

// Open opens the store kept in dir, creating the directory and the database
// file FileName in it when missing, and brings the schema up to date. A nil
// logger discards log output.
func Open(ctx context.Context, dir string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: create store directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	if strings.ContainsRune(path, '?') {
		// The driver would read the rest as connection parameters.
		return nil, fmt.Errorf("sqlite: store path %q must not contain '?'", path)
	}
	s := &Store{path: path, logger: logger}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()

	var err error
	s.w, err = sql.Open("sqlite", path+"?"+writerParams)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if err := s.w.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}

	s.r, err = sql.Open("sqlite", path+"?"+readerParams)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	s.nr = n
	s.r.SetMaxOpenConns(n)
	s.r.SetMaxIdleConns(n)
	s.r.SetConnMaxLifetime(0)
	s.r.SetConnMaxIdleTime(0)
	if err := s.r.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	if s.enterprises, err = newTable(ctx, s, data.EnterpriseKind, nil); err != nil {
		return nil, err
	}
	if s.patents, err = newTable(ctx, s, data.PatentKind, nil); err != nil {
		return nil, err
	}
	if s.banks, err = newTable(ctx, s, data.BankKind, nil); err != nil {
		return nil, err
	}
	if s.products, err = newTable(ctx, s, data.ProductKind, nil); err != nil {
		return nil, err
	}
	if s.events, err = newTable(ctx, s, data.EventKind, nil); err != nil {
		return nil, err
	}
	if s.participants, err = newTable(ctx, s, data.ParticipantKind, nil); err != nil {
		return nil, err
	}
	if s.deals, err = newTable(ctx, s, data.DealKind, nil); err != nil {
		return nil, err
	}
	if s.pools, err = newTable(ctx, s, data.PoolKind, nil); err != nil {
		return nil, err
	}
	// A token's hash is its key and is left out of its JSON (json:"-"), so
	// it is restored from the key column.
	if s.tokens, err = newTable(ctx, s, data.TokenKind, func(t *data.Token, key string) { t.Hash = key }); err != nil {
		return nil, err
	}
	if s.schedules, err = newTable(ctx, s, data.ScheduleKind, nil); err != nil {
		return nil, err
	}
	if s.users, err = newTable(ctx, s, data.UserKind, nil); err != nil {
		return nil, err
	}
	if s.audit, err = newTable(ctx, s, data.AuditKind, nil); err != nil {
		return nil, err
	}
	if s.appraisers, err = newTable(ctx, s, data.AppraiserKind, nil); err != nil {
		return nil, err
	}
	if s.appraisals, err = newTable(ctx, s, data.AppraisalKind, nil); err != nil {
		return nil, err
	}
	if s.alerts, err = newTable(ctx, s, data.AlertKind, nil); err != nil {
		return nil, err
	}
	if s.webhooks, err = newTable(ctx, s, data.WebhookKind, nil); err != nil {
		return nil, err
	}
	if s.applications, err = newTable(ctx, s, data.ApplicationKind, nil); err != nil {
		return nil, err
	}
	if s.policies, err = newTable(ctx, s, data.PolicyKind, nil); err != nil {
		return nil, err
	}
	if s.sessions, err = newTable(ctx, s, data.SessionKind, nil); err != nil {
		return nil, err
	}
	if s.signInFailures, err = newTable(ctx, s, data.SignInFailureKind, nil); err != nil {
		return nil, err
	}
	if s.secrets, err = newTable(ctx, s, data.SecretKind, nil); err != nil {
		return nil, err
	}
	ok = true
	logger.Debug("sqlite store open", "path", path, "readers", n)
	return s, nil
}

// ReadConns returns the size of the read connection pool; the API keeps
// part of it free of expensive requests (api.Config.StoreReadConns).
func (s *Store) ReadConns() int { return s.nr }

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Enterprises returns the enterprises table.
func (s *Store) Enterprises() data.Table[data.Enterprise] { return s.enterprises }

// Patents returns the patents table.
func (s *Store) Patents() data.Table[data.Patent] { return s.patents }

// Banks returns the banks table.
func (s *Store) Banks() data.Table[data.Bank] { return s.banks }

// Products returns the loan products table.
func (s *Store) Products() data.Table[data.Product] { return s.products }

// Events returns the events table.
func (s *Store) Events() data.Table[data.Event] { return s.events }

// Participants returns the event participants table.
func (s *Store) Participants() data.Table[data.Participant] { return s.participants }

// Deals returns the deals table.
func (s *Store) Deals() data.Table[data.Deal] { return s.deals }

// Pools returns the risk-compensation pools table.
func (s *Store) Pools() data.Table[data.Pool] { return s.pools }

// Tokens returns the API tokens table.
func (s *Store) Tokens() data.Table[data.Token] { return s.tokens }

// Schedules returns the event meeting schedules table.
func (s *Store) Schedules() data.Table[data.Schedule] { return s.schedules }

// Users returns the web sign-in users table.
func (s *Store) Users() data.Table[data.User] { return s.users }

// Appraisers returns the appraisal firms table.
func (s *Store) Appraisers() data.Table[data.Appraiser] { return s.appraisers }

// Appraisals returns the recorded appraisals table.
func (s *Store) Appraisals() data.Table[data.Appraisal] { return s.appraisals }

// Alerts returns the collateral alerts table.
func (s *Store) Alerts() data.Table[data.Alert] { return s.alerts }

// Webhooks returns the banks' webhooks table.
func (s *Store) Webhooks() data.Table[data.Webhook] { return s.webhooks }

// Policies returns the support policies table.
func (s *Store) Policies() data.Table[data.Policy] { return s.policies }

// Applications returns the enterprises' applications table.
func (s *Store) Applications() data.Table[data.Application] { return s.applications }

// Audit returns the audit log.
func (s *Store) Audit() data.Table[data.AuditEntry] { return s.audit }

// Sessions returns the pages' sessions table.
func (s *Store) Sessions() data.Table[data.Session] { return s.sessions }

// SignInFailures returns the failed sign-ins table.
func (s *Store) SignInFailures() data.Table[data.SignInFailure] { return s.signInFailures }

// Secrets returns the shared secrets table.
func (s *Store) Secrets() data.Table[data.Secret] { return s.secrets }

// Close closes the database; SQLite checkpoints the WAL into the database
// file when the last connection closes. Calls after the first do nothing;
// other calls after Close fail with an internal error.
func (s *Store) Close() error {
	var errs []error
	s.closeOnce.Do(func() {
		for _, st := range s.stmts {
			errs = append(errs, st.Close())
		}
		for _, db := range []*sql.DB{s.r, s.w} {
			if db != nil {
				errs = append(errs, db.Close())
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// prepare prepares query on db and remembers it for Close.
func (s *Store) prepare(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	s.stmts = append(s.stmts, st)
	return st, nil
}

// internal wraps a driver error so that data.ErrorCode reports internal and
// data.ErrorMessage shows users nothing of it. A unique constraint failure
// becomes a conflict without detail: the key checks inside Put normally
// report it first with a better message.
func internal(op string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT {
		return data.Errorf(data.CodeConflict, "%s: the record clashes with a stored one", op)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}
