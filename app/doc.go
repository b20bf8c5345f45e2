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
//     writes of every kind of record, built once per App.
//   - matches.go, deals.go, pool_book.go, claims.go, tokens.go, …: the
//     operations (matches, pipelines, valuations, deal moves and filings
//     under a pool's caps, claims, tokens).
//
// A door decodes a request, calls one of these with the request's context
// and the caller, and renders the answer. A rule therefore holds the same
// through the API, the pages and the commands, by construction.
//
// What must hold across nodes on one store holds in the store: creates,
// replacements, deal moves, claims, schedule saves and a pool's book are
// conditional writes (data.Table Create and Update), and a lost race is a
// conflict, never a write over another's. The few locks left are per
// process and only spare work (a node's own filings on one pool, one
// event's schedule computations).
package app
