// Package data holds ipmatch's records (enterprises, patents, banks, loan
// products, events, participants, deals, risk-compensation pools and API
// tokens), the rules that make a record valid, the embedded reference tables
// (regions, GB/T 4754 industries, IPC, strategic emerging industries), the
// importers and exporters, the Store interface that every storage backend
// implements, and the audit log of every write (Audited), which also serves
// other nodes as a change feed. Beside the exchange's records the store
// keeps what the nodes share of the pages' sign-in (session.go: sessions,
// failed sign-ins, secrets), which Audited leaves out of the log.
//
// Business rules live here so that every entry point (API, import, demo)
// enforces them the same way. Package data imports no other ipmatch package.
//
// # Adding a record kind
//
// A new kind of record touches these places, in this order (see how
// Appraiser and Appraisal were added):
//
//  1. data/<kind>.go: the type (json tags only), Normalize, Validate, and
//     its Kind value (name, ID, natural key, refs) beside the others.
//  2. data/store.go: a table on the Store interface; data/audited.go: the
//     audited table; data/refs.go: CheckRefs for the references it holds
//     and the references to it (data/party_delete.go if a party's delete
//     must refuse while it is named).
//  3. data/sqlite: a migration (schema.go) and the table (sqlite.go, table.go);
//     data/mongo: the collection, its document struct and unique indexes
//     (mongo.go, table.go, document.go); data/memstore: the table.
//  4. data/storetest: the contract cases and a generator (records.go), so
//     every store is checked against the same rules.
//  5. data/import_kinds.go (a transfer) and data/export.go: JSON Lines
//     import and export; data/demo/load.go if the demo holds some.
//  6. app/kinds.go (the resource) and app/policy.go (its rules, by role,
//     in the comment at the top as well); app/app.go builds the resource.
//  7. api/api.go (routes), api/openapi*.go (operations and schema names),
//     and api/authz_matrix_test.go (a row per route and role); the audit
//     log's filter (app/audit.go AuditKinds) and its Chinese labels
//     (web/audit_labels.go).
//  8. web/: a page if users keep the records there, and its routes in
//     web/web.go.
package data
