// Package data holds ipmatch's records (enterprises, patents, banks, loan
// products, events, participants, deals, risk-compensation pools and API
// tokens), the rules that make a record valid, the embedded reference tables
// (regions, GB/T 4754 industries, IPC, strategic emerging industries), the
// importers and exporters, the Store interface that every storage backend
// implements, and the audit log of every write (Audited), which also serves
// other nodes as a change feed.
//
// Business rules live here so that every entry point (API, import, demo)
// enforces them the same way. Package data imports no other ipmatch package.
package data
