// Package door holds what ipmatch's two front doors share: the JSON API
// (package api) and the zh-CN pages (package web) are mounted on one
// door.Server, which owns the application (package app), the gin engine
// and what every request passes through, whichever door it takes:
//
//   - server.go: Config, New, the engine with its 404 and 405 answers.
//   - middleware.go: request ids, the access log, panic recovery, the
//     guard against slow bodies.
//   - errors.go: the one failure path. WriteError classifies an error
//     (data.Error codes to HTTP statuses), logs an internal one once with
//     the request id and its cause, and renders it: the JSON envelope, or
//     a page on the pages' paths (SetPages). Causes never reach clients.
//   - auth.go, ratelimit.go: bearer tokens become app.Callers; failed
//     credentials are limited per client and username (429), counted in
//     the store so that all nodes on it share the limits.
//   - background.go: work beside the requests (Go, Every), stopped by
//     Close: the sweeps of what has expired in the store.
//   - expensive.go: slots for long-running requests at both doors.
//   - decode.go: strict JSON bodies and the allowed-parameters check.
//   - exports.go, timefmt.go, search.go: the schedule's CSV, XLSX, HTML and
//     calendar, Beijing time, and search parameters, which both doors
//     serve.
//
// A door only decodes requests and renders answers; every rule is app's.
package door
