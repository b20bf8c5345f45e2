// Package mongo is the MongoDB data.Store, for running ipmatch on several
// nodes. It uses the official v2 driver and needs neither transactions nor
// change streams, $lookup, $facet or $group beyond counting, so it also runs
// on FerretDB (which the tests use; see below).
//
// Every kind of record lives in its own collection (named by data.Kind.Name)
// as one document per record:
//
//	{_id, key, bank_id, enterprise_id, event_id, pool_id, product_id,
//	 created_at, updated_at, rev, body, hidden, audit_id}
//
// _id is the record's ID (the application number for patents). key is
// "k:" + the natural key (credit code, token hash, participant key …), or
// "id:" + _id for records without one, so that a plain unique index on key
// guards natural keys without partial or sparse indexes. The reference
// fields are present only when set and are indexed for List filters.
// created_at and updated_at are BSON dates. body is the record's JSON (its
// json tags) kept as a string, and hidden holds the fields the JSON leaves
// out (json:"-", such as Token.Hash); see document. rev is the record's
// revision (conditional.go) and audit_id the audit entry of the write that
// stored it (audit.go). Two more collections serve them: revision_claims
// and audit_intents.
//
// Time stamps are UTC truncated to the millisecond, the precision of BSON
// dates, so that a record read back equals the record Put stamped.
//
// # Concurrency
//
// A *Store is safe for concurrent use by many goroutines and by many
// processes sharing one database. Each record is written atomically on its
// own; a Put of several records is not atomic (see data.Table): validation
// and natural-key conflicts found before writing leave the store untouched,
// but an outage or a lost race during the writes may leave part of the
// batch written (new records go in first, then replaced ones in order).
// Concurrent Puts of one record are last-writer-wins. The unique index on
// key guarantees that a natural key is never stored twice: a Put that loses
// a race for a key either takes over the winner's record (when it gave no
// ID, just as if it had come later) or fails with a conflict. Two racing
// Puts of one new record never both report it Created: a new record is
// inserted, not upserted, and the loser replaces it. A record deleted while
// a Put is replacing it may be written back. Create and Update are the
// conditional writes: exactly one of several racing writers wins
// (conditional.go). List counts and reads in two
// queries, so under concurrent writes its total may be off by the records
// written in between.
//
// # FerretDB
//
// FerretDB 1.x with its SQLite backend serves the whole contract but is for
// tests and small data: only a filter on _id alone is pushed down to SQLite
// (every other query, GetByKey and List included, decodes the whole
// collection), an update by _id still scans the table (about 12 ms per
// replaced record at a thousand records), a unique index violated by an
// update comes back as an internal error rather than a duplicate key (Put
// tells conflicts apart by looking the key up), and an update command of
// more than about 100 statements never ends (Put sends replaces to FerretDB
// in chunks; see ferretReplaceChunk). Inserts are fast.
package mongo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"ipmatch/data"
)

// OpTimeout bounds each operation whose context has no deadline of its own.
const OpTimeout = 30 * time.Second

// connectTimeout bounds server selection and dialling, so that Open fails
// quickly when the server is down.
const connectTimeout = 10 * time.Second

// Store is a data.Store kept in one MongoDB database.
type Store struct {
	client *mongo.Client
	db     *mongo.Database
	// intents holds the audit intents of logged writes (audit.go).
	intents *mongo.Collection
	log     *slog.Logger
	conns   int // the connection pool's size (ReadConns)

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

// Open connects to the MongoDB server at uri (a mongodb:// or mongodb+srv://
// connection string), checks that it answers, and creates the indexes of
// database if they are missing. Writes use majority write concern; reads and
// writes are retried once on a transient error where the server allows it
// (retryable writes need a replica set). Each operation whose context has no
// deadline is bounded by OpTimeout. A nil logger discards log output.
func Open(ctx context.Context, uri, database string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if database == "" {
		return nil, errors.New("mongo: no database name given")
	}
	opts := options.Client().ApplyURI(uri).
		SetAppName("ipmatch").
		SetWriteConcern(writeconcern.Majority()).
		SetRetryWrites(true).
		SetRetryReads(true).
		SetTimeout(OpTimeout).
		SetServerSelectionTimeout(connectTimeout).
		SetConnectTimeout(connectTimeout)
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("mongo: connecting: %w", err)
	}
	s := &Store{client: client, db: client.Database(database), log: logger.With("store", "mongo", "database", database), conns: defaultPoolSize}
	if opts.MaxPoolSize != nil && *opts.MaxPoolSize > 0 && *opts.MaxPoolSize < math.MaxInt32 {
		s.conns = int(*opts.MaxPoolSize)
	}
	if err := s.open(ctx); err != nil {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), connectTimeout)
		defer cancel()
		_ = client.Disconnect(dctx)
		return nil, err
	}
	return s, nil
}

// defaultPoolSize is the driver's connection pool size when the URI sets
// no maxPoolSize.
const defaultPoolSize = 100

// ReadConns returns the size of the connection pool; the API keeps part of
// it free of expensive requests (api.Config.StoreReadConns).
func (s *Store) ReadConns() int { return s.conns }

func (s *Store) open(ctx context.Context) error {
	start := time.Now()
	if err := s.client.Ping(ctx, readpref.Primary()); err != nil {
		return fmt.Errorf("mongo: ping: %w", err)
	}
	chunk := maxReplaceChunk
	if v, ok := s.ferretDB(ctx); ok {
		chunk = ferretReplaceChunk
		s.log.InfoContext(ctx, "server is FerretDB", "version", v)
	}
	s.enterprises = newTable(s.db, data.EnterpriseKind, s.log, chunk)
	s.patents = newTable(s.db, data.PatentKind, s.log, chunk)
	s.banks = newTable(s.db, data.BankKind, s.log, chunk)
	s.products = newTable(s.db, data.ProductKind, s.log, chunk)
	s.events = newTable(s.db, data.EventKind, s.log, chunk)
	s.participants = newTable(s.db, data.ParticipantKind, s.log, chunk)
	s.deals = newTable(s.db, data.DealKind, s.log, chunk)
	s.pools = newTable(s.db, data.PoolKind, s.log, chunk)
	s.tokens = newTable(s.db, data.TokenKind, s.log, chunk)
	s.schedules = newTable(s.db, data.ScheduleKind, s.log, chunk)
	s.users = newTable(s.db, data.UserKind, s.log, chunk)
	s.audit = newTable(s.db, data.AuditKind, s.log, chunk)
	s.appraisers = newTable(s.db, data.AppraiserKind, s.log, chunk)
	s.appraisals = newTable(s.db, data.AppraisalKind, s.log, chunk)
	s.alerts = newTable(s.db, data.AlertKind, s.log, chunk)
	s.webhooks = newTable(s.db, data.WebhookKind, s.log, chunk)
	s.policies = newTable(s.db, data.PolicyKind, s.log, chunk)
	s.policies.auditLog = s.audit
	s.applications = newTable(s.db, data.ApplicationKind, s.log, chunk)
	s.applications.auditLog = s.audit
	s.intents = s.db.Collection(intentsCollection)
	s.sessions = newTable(s.db, data.SessionKind, s.log, chunk)
	s.signInFailures = newTable(s.db, data.SignInFailureKind, s.log, chunk)
	s.secrets = newTable(s.db, data.SecretKind, s.log, chunk)
	// The records' writes are logged (audit.go); the audit log's own, and
	// the sign-in records', are not.
	s.enterprises.auditLog, s.patents.auditLog, s.banks.auditLog, s.products.auditLog = s.audit, s.audit, s.audit, s.audit
	s.events.auditLog, s.participants.auditLog, s.deals.auditLog, s.pools.auditLog = s.audit, s.audit, s.audit, s.audit
	s.tokens.auditLog, s.schedules.auditLog, s.users.auditLog = s.audit, s.audit, s.audit
	s.appraisers.auditLog, s.appraisals.auditLog = s.audit, s.audit
	s.alerts.auditLog, s.webhooks.auditLog = s.audit, s.audit
	for _, t := range []interface{ ensureIndexes(context.Context) error }{
		s.enterprises, s.patents, s.banks, s.products, s.events, s.participants, s.deals, s.pools, s.tokens, s.schedules, s.users, s.audit,
		s.appraisers, s.appraisals, s.alerts, s.webhooks, s.policies, s.applications,
		s.sessions, s.signInFailures, s.secrets,
	} {
		if err := t.ensureIndexes(ctx); err != nil {
			return err
		}
	}
	s.log.InfoContext(ctx, "mongo store open", "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Replaces per BulkWrite in Put. MongoDB splits a BulkWrite into commands of
// its own accord. FerretDB 1.x with SQLite keeps a connection busy for every
// statement of an update command until the command ends, and an update of
// more statements than its pool of 100 connections never ends; 20 leaves
// room for several Puts at once.
const (
	maxReplaceChunk    = 100_000
	ferretReplaceChunk = 20
)

// ferretDB reports whether the server is FerretDB (its buildInfo says so)
// and which version.
func (s *Store) ferretDB(ctx context.Context) (version string, ok bool) {
	raw, err := s.db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Raw()
	if err != nil {
		s.log.WarnContext(ctx, "buildInfo failed; assuming MongoDB", "err", err)
		return "", false
	}
	v, err := raw.LookupErr("ferretdbVersion")
	if err != nil {
		return "", false
	}
	version, _ = v.StringValueOK()
	return version, true
}

// Enterprises returns the enterprises table.
func (s *Store) Enterprises() data.Table[data.Enterprise] { return s.enterprises }

// Patents returns the patents table.
func (s *Store) Patents() data.Table[data.Patent] { return s.patents }

// Banks returns the banks table.
func (s *Store) Banks() data.Table[data.Bank] { return s.banks }

// Products returns the loan products table.
func (s *Store) Products() data.Table[data.Product] { return s.products }

// Events returns the matchmaking events table.
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

// Audit returns the audit log.
func (s *Store) Audit() data.Table[data.AuditEntry] { return s.audit }

// Appraisers returns the appraisal firms collection.
func (s *Store) Appraisers() data.Table[data.Appraiser] { return s.appraisers }

// Appraisals returns the recorded appraisals collection.
func (s *Store) Appraisals() data.Table[data.Appraisal] { return s.appraisals }

// Alerts returns the collateral alerts collection.
func (s *Store) Alerts() data.Table[data.Alert] { return s.alerts }

// Webhooks returns the banks' webhooks collection.
func (s *Store) Webhooks() data.Table[data.Webhook] { return s.webhooks }

// Policies returns the support policies collection.
func (s *Store) Policies() data.Table[data.Policy] { return s.policies }

// Applications returns the enterprises' applications collection.
func (s *Store) Applications() data.Table[data.Application] { return s.applications }

// Sessions returns the pages' sessions collection.
func (s *Store) Sessions() data.Table[data.Session] { return s.sessions }

// SignInFailures returns the failed sign-ins collection.
func (s *Store) SignInFailures() data.Table[data.SignInFailure] { return s.signInFailures }

// Secrets returns the shared secrets collection.
func (s *Store) Secrets() data.Table[data.Secret] { return s.secrets }

// Close disconnects from the server, waiting up to ten seconds for
// operations in progress. The store is unusable after.
func (s *Store) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	err := s.client.Disconnect(ctx)
	if errors.Is(err, mongo.ErrClientDisconnected) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("mongo: disconnecting: %w", err)
	}
	return nil
}
