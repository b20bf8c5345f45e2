// Package web is ipmatch's second front door: the pages, server-rendered
// HTML in zh-CN (html/template, one layout, embedded CSS; nothing is
// loaded from the internet and no script runs), with cookie sessions and
// CSRF tokens. It is mounted on a door.Server beside the JSON API (Mount).
// Routes:
//
//	GET  /                                   sign-in forms (API token; username and password)
//	POST /signin, POST /signout              sessions (session.go)
//	POST /signin/password                    password sign-in (password.go)
//	GET  /static/*file                       embedded CSS
//	GET  /app                                redirect by role
//	GET  /app/enterprise                     enterprise: profile, patents, products ranked
//	GET  /app/bank                           bank: its products and their criteria
//	GET  /app/enterprise/events              enterprise: events, registration, preferences, meetings
//	POST /app/enterprise/events/{id}/register     enterprise: register for a draft event
//	POST /app/enterprise/events/{id}/preferences  enterprise: must_meet / no_thanks per bank desk
//	GET  /app/bank/deals                     bank: its deals with the allowed next stages
//	POST /app/bank/deals/{id}/stage          bank: move a deal (as POST /api/v1/deals/{id}/stage)
//	GET  /app/bank/meetings                  bank: its meetings at each published event
//	GET  /app/bank/enterprises/{id}          bank: one enterprise it sees, its pipeline rows, deals, meetings (bank_enterprise.go)
//	GET  /app/bank/products/{id}/pipeline    bank, organizer: the ranked pipeline
//	GET  /app/bank/products/{id}/pipeline.csv  the same as CSV
//	GET  /app/bank/products/{id}/pipeline.xlsx the same as XLSX (organizer_matrix.go)
//	GET  /app/organizer                      organizer: events, deal funnel
//	GET  /app/organizer/events/{id}          organizer: participants, schedule grid, funnel
//	POST /app/organizer/events/{id}/schedule organizer: compute the schedule
//	POST /app/organizer/events/{id}/publish  organizer: publish it
//	GET  /app/organizer/events/{id}/schedule.html  the printable schedule
//	GET  /app/organizer/events/{id}/matrix   organizer: enterprises × products matched (organizer_matrix.go)
//	POST /app/organizer/events/{id}/pins     organizer: pin or unpin a meeting of the grid
//	POST /app/organizer/events/{id}/moves    organizer: move a meeting of a draft schedule to another slot (organizer_schedule_edit.go)
//	POST /app/organizer/events/{id}/overrides  organizer: force a must-meet the rules refuse, with a reason (organizer_override.go)
//	GET  /app/enterprise/products            enterprise: product search (enterprise_search.go)
//	GET  /app/enterprise/valuation           enterprise: portfolio value P10/P50/P90 chart
//	GET  /app/organizer/pools/{id}           organizer: a pool's risk
//	GET  /app/organizer/calibration          organizer: the model against recorded appraisals and loans (organizer_calibration.go)
//	GET  /app/appraisals                     every role: the recorded appraisals it may read (appraisals.go)
//	POST /app/appraisals                     organizer, bank: record one (as POST /api/v1/appraisals)
//
// The pages hold no rule of their own: they call the operations of
// package app that the JSON handlers call, so a record the caller may not
// read is a 404 page, a page of another role a 403 page; without a session
// a GET goes to the sign-in page. The matching pages take an optional as_of
// (YYYY-MM-DD) like the JSON endpoints. Files are named by page family:
// enterprise*.go, bank*.go, organizer*.go, and the shared appraisals.go,
// session.go, signin.go, password.go.
package web
