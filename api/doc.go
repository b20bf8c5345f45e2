// Package api is ipmatch's HTTP interface: a JSON REST API under /api/v1
// (gin), with bearer-token authentication, per-role access rules and one
// error envelope for every failure.
//
// Layout of the package:
//
//   - api.go: Config, New and the route table.
//   - middleware.go: request ids, the access log, panic recovery.
//   - errors.go: the one place that maps data.Error codes to HTTP statuses
//     and writes the error envelope.
//   - decode.go: strict JSON decoding of request bodies and query parsing.
//   - auth.go: bearer tokens and the caller (principal), whose writes are
//     audited under it (data.Audited wraps the store in New).
//   - ratelimit.go: failed tokens and passwords limited per client and
//     username (429 rate_limited).
//   - audit.go, web_audit.go: the audit log for the organizer, over the API
//     and as the page 审计日志.
//   - policy.go: who may see and change what; every role rule lives there.
//   - resource.go, list.go, kinds.go: the generic CRUD handlers shared by
//     every kind, paging, and each kind's filters.
//   - deals.go, tokens.go, imports.go, health.go: the special endpoints.
//   - match.go, valuation.go: matches, pipelines, valuations.
//   - event.go, schedule.go, schedule_export.go, report.go, pool.go: meeting
//     schedules and their exports, the event report, pool risk, and deal
//     moves checked against the pool's caps.
//   - search.go: the search endpoints (when Config.Search is set).
//   - openapi.go, openapi_schema.go: the OpenAPI 3 document of the JSON
//     API (GET /api/v1/openapi.json): a table of the operations and schemas
//     generated from the Go types; every API test validates its answers
//     against it.
//   - web.go, web_session.go, web_pages.go, web/: the zh-CN pages, their
//     cookie sessions and CSRF tokens.
//
// Handlers are thin: they decode the request, call an operation with the
// request's context and the caller, and encode the result. Operations return
// *data.Error values; only their messages reach clients. Any other error
// becomes a 500 with no detail and is logged once with the request id.
package api
