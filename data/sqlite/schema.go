package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"ipmatch/data"
)

// refColumns are the reference columns, in the order of data.Refs.
var refColumns = [...]string{"bank_id", "enterprise_id", "event_id", "pool_id", "product_id"}

// tableNames are the SQL tables of the kinds of record made by schema
// version 1; later kinds get their table in their own migration.
func tableNames() []string {
	return []string{
		data.EnterpriseKind.Name, data.PatentKind.Name, data.BankKind.Name,
		data.ProductKind.Name, data.EventKind.Name, data.ParticipantKind.Name,
		data.DealKind.Name, data.PoolKind.Name, data.TokenKind.Name,
	}
}

// migrations returns the schema changes in order: migrations()[i] takes the
// schema from version i to i+1. Append new ones; never edit old ones.
func migrations() [][]string {
	return [][]string{
		schemaV1(),
		kindTable(data.ScheduleKind.Name),
		kindTable(data.UserKind.Name),
		kindTable(data.AuditKind.Name),
		append(kindTable(data.AppraiserKind.Name), kindTable(data.AppraisalKind.Name)...),
		revColumns(),
		signInTables(),
		alertTables(),
		policyTables(),      // version 9 (issue 19)
		applicationTables(), // version 10 (issue 19)
	}
}

// revColumns adds every table the revision the conditional writes check
// (data.Kind.Rev). Records stored before it have revision 0, and their
// next write makes it 1.
func revColumns() []string {
	names := append(tableNames(), data.ScheduleKind.Name, data.UserKind.Name, data.AuditKind.Name,
		data.AppraiserKind.Name, data.AppraisalKind.Name)
	var stmts []string
	for _, name := range names {
		stmts = append(stmts, `ALTER TABLE `+quote(name)+` ADD COLUMN rev INTEGER NOT NULL DEFAULT 0`)
	}
	return stmts
}

// signInTables makes the tables the nodes share the pages' sign-in
// through (data.Session and the records beside it): plain kind tables,
// whose unused reference columns stay empty and out of the indexes, with
// the revision column every table has since revColumns.
func signInTables() []string {
	var stmts []string
	for _, name := range []string{data.SessionKind.Name, data.SignInFailureKind.Name, data.SecretKind.Name} {
		stmts = append(stmts, kindTable(name)...)
		stmts = append(stmts, `ALTER TABLE `+quote(name)+` ADD COLUMN rev INTEGER NOT NULL DEFAULT 0`)
	}
	return stmts
}

// alertTables makes the tables of the collateral alerts and the banks'
// webhooks (issue 18), with the revision column every table has.
func alertTables() []string {
	var stmts []string
	for _, name := range []string{data.AlertKind.Name, data.WebhookKind.Name} {
		stmts = append(stmts, kindTable(name)...)
		stmts = append(stmts, `ALTER TABLE `+quote(name)+` ADD COLUMN rev INTEGER NOT NULL DEFAULT 0`)
	}
	return stmts
}

// applicationTables makes the table of enterprises' applications (issue
// 19), with the revision column every table has.
func applicationTables() []string {
	name := data.ApplicationKind.Name
	return append(kindTable(name), `ALTER TABLE `+quote(name)+` ADD COLUMN rev INTEGER NOT NULL DEFAULT 0`)
}

// policyTables makes the table of the support policies (issue 19), with
// the revision column every table has.
func policyTables() []string {
	return append(kindTable(data.PolicyKind.Name),
		`ALTER TABLE `+quote(data.PolicyKind.Name)+` ADD COLUMN rev INTEGER NOT NULL DEFAULT 0`)
}

// schemaV1 makes one table per kind. Empty keys and references are stored
// as empty strings and kept out of the indexes, which keeps imports fast.
func schemaV1() []string {
	var stmts []string
	for _, name := range tableNames() {
		stmts = append(stmts, kindTable(name)...)
	}
	return stmts
}

// kindTable makes the table of one kind with its key and reference indexes.
func kindTable(name string) []string {
	q := quote(name)
	stmts := []string{`CREATE TABLE ` + q + ` (
	id TEXT PRIMARY KEY NOT NULL,
	key TEXT NOT NULL DEFAULT '',
	bank_id TEXT NOT NULL DEFAULT '',
	enterprise_id TEXT NOT NULL DEFAULT '',
	event_id TEXT NOT NULL DEFAULT '',
	pool_id TEXT NOT NULL DEFAULT '',
	product_id TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	body TEXT NOT NULL
)`,
		`CREATE UNIQUE INDEX ` + quote(name+"_key") + ` ON ` + q + ` (key) WHERE key <> ''`,
	}
	for _, c := range refColumns {
		stmts = append(stmts, `CREATE INDEX `+quote(name+"_"+c)+` ON `+q+` (`+c+`, id) WHERE `+c+` <> ''`)
	}
	return stmts
}

// migrate brings the schema up to date in one transaction.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return internal("migrate", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return internal("migrate", err)
	}
	var version int
	err = tx.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return internal("migrate", err)
		}
	case err != nil:
		return internal("migrate", err)
	}
	all := migrations()
	if version > len(all) {
		return fmt.Errorf("sqlite: %s has schema version %d; this program knows up to %d", s.path, version, len(all))
	}
	if version == len(all) {
		return nil
	}
	for v := version; v < len(all); v++ {
		for _, stmt := range all[v] {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return internal(fmt.Sprintf("migrate to version %d", v+1), err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, len(all)); err != nil {
		return internal("migrate", err)
	}
	if err := tx.Commit(); err != nil {
		return internal("migrate", err)
	}
	s.logger.Info("sqlite schema migrated", "path", s.path, "from", version, "to", len(all))
	return nil
}

// quote quotes an SQL identifier.
func quote(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
