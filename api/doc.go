// Package api is ipmatch's JSON front door: a REST API under /api/v1
// (gin), with bearer-token authentication and one error envelope for
// every failure, mounted on a door.Server beside the pages (Mount).
//
// It holds no rule: every handler decodes the request, calls an operation
// of package app with the request's context and the caller, and encodes
// the answer. Operations return *data.Error values; door.WriteError maps
// their codes to statuses and only their messages reach clients.
//
// Layout of the package:
//
//   - api.go: Mount and the route table.
//   - resource.go: the generic list, read, create, replace and delete
//     routes of every kind of record (app.Resource).
//   - claim.go, tokens.go, imports.go, audit.go, health.go: the special
//     record endpoints; imports.go spools import files and bounds the
//     imports running at once.
//   - match.go, pool.go, events.go: matches, pipelines, valuations, pool
//     risk, deal moves, schedules, wishes, publishing and the event report;
//     the schedule's exports are door/exports.go, shared with the pages.
//   - search.go: the search endpoints (when door.Config.Search is set).
//   - openapi.go, openapi_schema.go: the OpenAPI 3 document of the JSON
//     API (GET /api/v1/openapi.json): a table of the operations and schemas
//     generated from the Go types; every API test validates its answers
//     against it.
//
// The package's tests run against the whole server (both doors, as
// cmd/ipmatch assembles it), since many check that a rule holds the same
// through the JSON API and the pages.
package api
