// Package app is ipmatch's application layer, between the domain (data,
// search, matcher) and the two front doors (the JSON API in package api and
// the zh-CN pages in package web). It knows no HTTP: it takes the caller
// and plain values, and returns records, answers and *data.Error values.
//
// Everything a door must not decide on its own lives here, once:
//
//   - caller.go: the authenticated caller (a token, or a user signed in
//     by password) and how a credential becomes one.
//   - policy.go: every access rule, by role, including the endpoint checks
//     and the event-state rules; consent.go applies the consent rule on
//     financial statements to each shape an answer takes.
//   - resource.go, kinds.go, list.go, query.go: the generic reads and
//     writes of every kind of record, built once per App so that their
//     locks are shared by both doors.
//   - matches.go, deals.go, claims.go, tokens.go, …: the operations
//     (matches, pipelines, valuations, deal moves and filings under a
//     pool's caps, claims, tokens), with their locks.
//
// A door decodes a request, calls one of these with the request's context
// and the caller, and renders the answer. A rule therefore holds the same
// through the API, the pages and the commands, by construction.
//
// Locks are per process: two nodes on one MongoDB do not share them (see
// the README's known limits).
package app
