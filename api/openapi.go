package api

import (
	"cmp"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
	"ipmatch/matcher"
	"ipmatch/search"
)

// The OpenAPI 3 document of the JSON API, served at GET
// /api/v1/openapi.json without a token (it holds no data).
//
// It is built from apiOperations below, a table of every route of /healthz
// and /api/v1 (not the web pages), and from schemas generated from the Go
// types the handlers read and write (openapi_schema.go). Two tests keep it
// honest: every route gin serves is in the document and every operation in
// the document is served (TestOpenAPIRoutes), and every answer of every API
// test is validated against it (openapi_validate_test.go).
//
// To add a route:
//
//  1. register it in api.New (or the *Routes function it calls) as usual;
//  2. add one apiOp to apiOperations with its method, OpenAPI path ({id},
//     not :id), query parameters, request body (a value of the Go type the
//     handler decodes, or raw content types), success status and answer (a
//     value of the Go type it encodes; non-JSON answers list their content
//     types) and the error statuses it may answer besides those every
//     authenticated route has (authStatuses).
//
// GET /api/v1/audit is a small example to copy.
//
// A new error code goes into door.StatusOf (errors.go); its envelope schema
// follows. A status that any authenticated request may get goes into
// authStatuses.

// authStatuses are the error statuses any request under /api/v1 that needs
// a token may answer: a missing or bad token, 429 rate_limited after too
// many bad tokens from the client (ratelimit.go), and an internal error.
var authStatuses = []int{http.StatusUnauthorized, http.StatusTooManyRequests, http.StatusInternalServerError}

// apiOp is one operation of the document.
type apiOp struct {
	Method, Path string // Path in OpenAPI form: /api/v1/enterprises/{id}
	Summary      string
	Description  string
	Tag          string
	Public       bool // needs no token
	Query        []apiParam
	// Body is a value of the JSON request body's type; RawBody lists the
	// content types of a raw body instead. BodyOptional: the body may be
	// empty.
	Body         any
	RawBody      []string
	BodyOptional bool
	// Status is the success status (200 when 0); OK a value of the JSON
	// answer's type (nil: no content); Content lists other content types
	// of the answer (then OK may be nil).
	Status   int
	OK       any
	Content  []string
	Location bool // the answer has a Location header
	// ETag: the answer carries the record's revision as its ETag. IfMatch:
	// the request may send If-Match, answered 412 when stale.
	ETag, IfMatch bool
	// Errors are the error statuses besides authStatuses.
	Errors []int
}

// apiParam is a query parameter.
type apiParam struct {
	Name, Description string
	Type              string // "string" (default), "integer", "boolean", "number", "date"
	Enum              []string
}

// Query parameters shared by several operations.
var (
	pageParams = []apiParam{
		{Name: "page", Type: "integer", Description: "page number, from 1"},
		{Name: "size", Type: "integer", Description: "page size, 1 to " + strconv.Itoa(app.MaxPageSize) + " (default " + strconv.Itoa(app.DefaultPageSize) + ")"},
	}
	asOfParam = apiParam{Name: "as_of", Type: "date", Description: "as-of date YYYY-MM-DD (default today in China Standard Time)"}
)

// Content types of non-JSON answers.
const (
	ctCSV  = "text/csv"
	ctXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	ctHTML = "text/html"
	ctICS  = "text/calendar"
)

// apiOperations returns every operation of the API. The generic record
// routes come from the resources themselves (resourceOps), so their
// filters follow kinds.go.
func apiOperations() []apiOp {
	// The resources describe themselves; an App over no store is enough
	// (nothing is read).
	a := app.New(nil, app.Config{})
	ops := []apiOp{
		{Method: "GET", Path: "/healthz", Summary: "Health: the store answers", Tag: "health", Public: true,
			OK: health{}, Errors: []int{500}},
		{Method: "HEAD", Path: "/healthz", Summary: "Health without a body, for load balancers", Tag: "health", Public: true,
			OK: health{}, Errors: []int{500}},
		{Method: "GET", Path: "/api/v1/openapi.json", Summary: "This OpenAPI document", Tag: "health", Public: true,
			Content: []string{"application/json"}, Errors: []int{500}},
	}
	ops = append(ops, resourceOps(a.Enterprises)...)
	ops = append(ops, resourceOps(a.Patents)...)
	ops = append(ops, resourceOps(a.Banks)...)
	ops = append(ops, resourceOps(a.Products)...)
	ops = append(ops, resourceOps(a.Events)...)
	ops = append(ops, resourceOps(a.Participants)...)
	ops = append(ops, resourceOps(a.Deals)...)
	ops = append(ops, resourceOps(a.Pools)...)
	ops = append(ops, resourceOps(a.Appraisers)...)
	ops = append(ops, resourceOps(a.Appraisals)...)
	ops = append(ops, resourceOps(a.Tokens)...)
	ops = append(ops,
		apiOp{Method: "GET", Path: "/api/v1/audit", Summary: "List audit entries (organizer)", Tag: "audit",
			Description: "Every write, newest first unless order=asc. since (inclusive) and until (exclusive) take an RFC 3339 time or a date " +
				"in China Standard Time; bank_id and enterprise_id are the actor's binding; record is an ID among the entry's.",
			Query: append([]apiParam{
				{Name: "since", Description: "from this time (RFC 3339) or date (YYYY-MM-DD), inclusive"},
				{Name: "until", Description: "before this time or date, exclusive"},
				{Name: "kind", Enum: app.AuditKinds, Description: "the table written"},
				{Name: "action", Enum: data.AuditActions},
				{Name: "via", Enum: data.AuditVias},
				{Name: "actor", Description: "a token or user ID"},
				{Name: "record", Description: "an ID the entry names (a patent in any form of its application number)"},
				{Name: "bank_id", Description: "the actor's bank"},
				{Name: "enterprise_id", Description: "the actor's enterprise"},
				{Name: "order", Enum: []string{"desc", "asc"}, Description: "newest first (default) or oldest first"},
			}, pageParams...),
			OK: app.ListResult[data.AuditEntry]{}, Errors: []int{400, 403}},
		apiOp{Method: "POST", Path: "/api/v1/import/{kind}", Summary: "Import a file of records", Tag: "import",
			Description: "The raw file is the body (at most Config.MaxImportBytes). kind is a record kind (enterprises, patents, banks, " +
				"products, events, participants, deals, pools); rows are checked one by one and the report lists what was refused and why. " +
				"The format parameter, not the content type, says how the body is read. A party (enterprise, bank, organizer token) runs " +
				"one import at a time and the server Config.MaxConcurrentImports (default 2); more get 429 with Retry-After. An " +
				"enterprise's import takes a stored patent without owner only as POST /api/v1/patents/{id}/claim would.",
			Query: []apiParam{{Name: "format", Enum: []string{"jsonl", "csv", "cnipa-csv", "cnipa-legal-csv"}, Description: "file format (default jsonl); cnipa-legal-csv adds legal-status events to stored patents (organizer only)"},
				{Name: "owner_id", Description: "enterprise owning imported patents"}, {Name: "bank_id", Description: "bank of imported products"}},
			RawBody: []string{"application/x-ndjson", "text/csv", "application/octet-stream"},
			OK:      data.ImportReport{}, Errors: []int{400, 403, 404, 413, 422, 429}},
		apiOp{Method: "POST", Path: "/api/v1/patents/{id}/claim", Summary: "Claim a patent for an enterprise", Tag: "patents",
			Description: "An enterprise claims, for itself, a stored patent that has no owner and one of whose applicants is the " +
				"enterprise's registered name (compared without spaces, with full- and half-width brackets alike); the body may be " +
				"left out. The organizer assigns any patent to the enterprise owner_id. Every refusal to an enterprise is the same 403, " +
				"whoever holds the patent.",
			Body: claimRequest{}, BodyOptional: true, OK: data.Patent{}, Errors: []int{400, 403, 404, 413, 422}},

		// match.go, valuation.go
		apiOp{Method: "GET", Path: "/api/v1/enterprises/{id}/matches", Summary: "Products ranked for an enterprise", Tag: "matching",
			Query: []apiParam{asOfParam, {Name: "eligible", Type: "boolean", Description: "only eligible products"}},
			OK:    app.Matches{}, Errors: []int{400, 403, 404, 422}},
		apiOp{Method: "GET", Path: "/api/v1/enterprises/{id}/valuation", Summary: "Valuation of an enterprise's patents", Tag: "matching",
			Query: []apiParam{asOfParam, {Name: "seed", Type: "integer"}, {Name: "draws", Type: "integer", Description: "Monte Carlo draws, 1 to 100000"}},
			OK:    matcher.EnterpriseValuation{}, Errors: []int{400, 404, 422}},
		apiOp{Method: "GET", Path: "/api/v1/products/{id}/pipeline", Summary: "Enterprises ranked for a product", Tag: "matching",
			Query: append([]apiParam{asOfParam, {Name: "eligible", Type: "boolean", Description: "only eligible enterprises"}}, pageParams...),
			OK:    pipelineBody{}, Errors: []int{400, 403, 404, 422}},
		apiOp{Method: "POST", Path: "/api/v1/valuations/income", Summary: "Income-approach present value", Tag: "matching",
			Body: app.IncomeRequest{}, OK: app.IncomeAnswer{}, Errors: []int{400, 413, 422}},

		// events.go, pool.go, door/exports.go (operations in package app)
		apiOp{Method: "POST", Path: "/api/v1/events/{id}/schedule", Summary: "Compute a draft event's schedule (organizer)", Tag: "events",
			Body: app.ScheduleRequest{}, BodyOptional: true, OK: app.ScheduleBody{}, Errors: []int{400, 403, 404, 409, 413, 422}},
		apiOp{Method: "GET", Path: "/api/v1/events/{id}/schedule", Summary: "An event's schedule", Tag: "events",
			Query: scheduleFilters, OK: app.ScheduleBody{}, Errors: []int{400, 403, 404}},
		apiOp{Method: "PUT", Path: "/api/v1/events/{id}/schedule/meetings", Summary: "Move, pin, record or remove a meeting (organizer)", Tag: "events",
			Description: "Moving a meeting (slot, optionally table) pins it, so computing the schedule again keeps it; with only a slot it takes its own table, " +
				"or another table of the bank's desk free in that slot. A slot where the desk or the enterprise already has a meeting is refused (409). " +
				"Once the event is published only the outcome may change: moves, pins, new and removed meetings are refused (409).",
			Body: app.MeetingRequest{}, OK: app.ScheduleBody{}, Errors: []int{400, 403, 404, 409, 413, 422}},
		apiOp{Method: "GET", Path: "/api/v1/events/{id}/schedule.csv", Summary: "The schedule as CSV", Tag: "events",
			Query: scheduleFilters, Content: []string{ctCSV}, Errors: []int{400, 403, 404}},
		apiOp{Method: "GET", Path: "/api/v1/events/{id}/schedule.xlsx", Summary: "The schedule as an Excel workbook", Tag: "events",
			Query: scheduleFilters, Content: []string{ctXLSX}, Errors: []int{400, 403, 404}},
		apiOp{Method: "GET", Path: "/api/v1/events/{id}/schedule.html", Summary: "The schedule as a printable page", Tag: "events",
			Query: scheduleFilters, Content: []string{ctHTML}, Errors: []int{400, 403, 404}},
		apiOp{Method: "GET", Path: "/api/v1/events/{id}/participants/{pid}/calendar.ics", Summary: "A participant's meetings as iCalendar", Tag: "events",
			Content: []string{ctICS}, Errors: []int{400, 403, 404}},
		apiOp{Method: "GET", Path: "/api/v1/events/{id}/wishes", Summary: "How an enterprise's must-meet and no-thanks wishes fare", Tag: "events",
			Description: "For each wish about a bank with a desk at the event: status pending, blocked (no schedule can meet it), met " +
				"(with slot, table and times), not_met (with the schedule's shortfall code and reason) or declined (no-thanks); for an " +
				"ineligible bank, the rules the enterprise fails of each of its active products. An enterprise sees its own wishes only " +
				"(another enterprise_id is 403), and before the schedule is published neither the draft schedule nor a bank's no-thanks; " +
				"the organizer names enterprise_id. Banks get 403.",
			Query: []apiParam{{Name: "enterprise_id", Description: "whose wishes (required for the organizer)"}},
			OK:    app.WishesBody{}, Errors: []int{400, 403, 404, 422}},
		apiOp{Method: "POST", Path: "/api/v1/events/{id}/publish", Summary: "Publish an event's schedule (organizer)", Tag: "events",
			OK: data.Event{}, Errors: []int{403, 404, 409}},
		apiOp{Method: "GET", Path: "/api/v1/events/{id}/report", Summary: "An event's report (organizer)", Tag: "events",
			Query: []apiParam{{Name: "format", Enum: []string{"json", "csv"}, Description: "json (default) or csv"}},
			OK:    app.EventReport{}, Content: []string{ctCSV}, Errors: []int{400, 403, 404}},
		apiOp{Method: "GET", Path: "/api/v1/pools/{id}/risk", Summary: "A risk-compensation pool's risk", Tag: "pools",
			Description: "The organizer gets matcher.PoolRiskResult with the loans and claims, each live loan flagged with its collateral risks on as_of " +
				"(exposure by flag, the likely claims, the loss figures with the flags and without them in base); " +
				"a bank the aggregate figures only, with the flagged exposure in all and P(exhausted) with and without the flags.",
			Query: []apiParam{asOfParam, {Name: "seed", Type: "integer"}, {Name: "draws", Type: "integer", Description: "100 to 200000"},
				{Name: "rho", Type: "number"}, {Name: "lgd", Type: "number"}, {Name: "confidence", Type: "number"}, {Name: "new_loan_size", Type: "number"},
				{Name: "flagged_pd", Type: "number", Description: "the least PD of a loan whose collateral is flagged (default 0.25)"}},
			OK: oneOf{matcher.PoolRiskResult{}, app.PoolRiskAggregate{}}, Errors: []int{400, 403, 404, 422}},
		apiOp{Method: "POST", Path: "/api/v1/deals/{id}/stage", Summary: "Move a deal to another stage", Tag: "deals",
			Description: "A move to filed under a pool that breaks one of its caps is refused with 409 naming the cap. " +
				"With If-Match naming the deal's ETag as read, a deal changed since is not moved (412).",
			Body: app.StageRequest{}, OK: data.Deal{}, ETag: true, IfMatch: true, Errors: []int{400, 403, 404, 409, 413, 422}},
		apiOp{Method: "GET", Path: "/api/v1/deals/{id}/risks", Summary: "What threatens a live deal's pledged patents", Tag: "deals",
			Description: "For whoever may read the deal. Each pledged patent's risks on as_of: an annual fee due within warn_days (fee_due) or overdue in its grace (fee_grace), " +
				"lapsed, an invalidation pending or declared, a court's preservation, a transfer after the loan, a term ending before the loan's maturity, missing from ipmatch; " +
				"each with its day, so the same event keeps its key. A deal that is not disbursed or is repaid has none.",
			Query: []apiParam{asOfParam, {Name: "warn_days", Type: "integer", Description: "how many days ahead an annual fee falling due is warned of, 0 to 366 (default 30)"}},
			OK:    app.DealRisks{}, Errors: []int{400, 404, 422}},
		apiOp{Method: "GET", Path: "/api/v1/applications", Summary: "List enterprises' applications (organizer)", Tag: "applications",
			Description: "企业入库: what applicants entered on /apply, never their password hash. Only the organizer reads them.",
			Query:       append(slices.Clone(pageParams), apiParam{Name: "status", Enum: []string{"submitted", "returned", "approved"}}),
			OK:          app.ListResult[data.Application]{}, Errors: []int{400, 403, 422}},
		apiOp{Method: "GET", Path: "/api/v1/applications/{id}", Summary: "Get one application (organizer)", Tag: "applications",
			OK: data.Application{}, Errors: []int{404}},
		apiOp{Method: "POST", Path: "/api/v1/applications/{id}/approve", Summary: "Approve an application (organizer)", Tag: "applications",
			Description: "Creates the enterprise, stores its uploaded patents as its own, claims the stored patents it named where their applicants name it, " +
				"and creates its user; a patent not claimed is listed in reasons. A step that fails leaves it submitted; approving again resumes.",
			OK: data.Application{}, Errors: []int{403, 404, 409}},
		apiOp{Method: "POST", Path: "/api/v1/applications/{id}/return", Summary: "Return an application with reasons (organizer)", Tag: "applications",
			Body: app.ReturnRequest{}, OK: data.Application{}, Errors: []int{400, 403, 404, 409, 413, 422}},
		apiOp{Method: "POST", Path: "/api/v1/products/reach", Summary: "Preview a draft product's reach", Tag: "products",
			Description: "A bank for a product of its own, the organizer for any bank's; an enterprise is refused. The body is a product as it would be stored " +
				"(checked as a create would check it, 422 naming the field; with its id, a change to that product, whose stored criteria give current). " +
				"Answers how many of the enterprises the caller sees would be eligible under it as an active product, and for each criterion it sets " +
				"how many would be without that criterion alone. Nothing is written.",
			Query: []apiParam{asOfParam}, Body: data.Product{}, OK: app.ProductReach{}, Errors: []int{400, 403, 404, 413, 422}},
		apiOp{Method: "GET", Path: "/api/v1/alerts", Summary: "List collateral alerts (the inbox)", Tag: "alerts",
			Description: "The organizer reads every alert, a bank those of its own deals; an enterprise is refused. In the order they were raised. " +
				"acked filters by the caller's own acknowledgement (the bank's or the organizer's).",
			Query: append(slices.Clone(pageParams),
				apiParam{Name: "bank_id", Description: "filter by reference"}, apiParam{Name: "enterprise_id", Description: "filter by reference"},
				apiParam{Name: "pool_id", Description: "filter by reference"}, apiParam{Name: "deal_id", Description: "the deal"},
				apiParam{Name: "kind", Enum: enumValues()[reflect.TypeFor[data.RiskKind]()], Description: "the kind of risk"},
				apiParam{Name: "acked", Type: "boolean", Description: "acknowledged by the caller's party"},
				apiParam{Name: "lost", Type: "boolean", Description: "the patent no longer secures the loan"}),
			OK: app.ListResult[data.Alert]{}, Errors: []int{400, 403, 422}},
		apiOp{Method: "GET", Path: "/api/v1/alerts/{id}", Summary: "Get one alert", Tag: "alerts",
			OK: data.Alert{}, ETag: true, Errors: []int{403, 404}},
		apiOp{Method: "POST", Path: "/api/v1/alerts/{id}/ack", Summary: "Acknowledge an alert", Tag: "alerts",
			Description: "For the caller's party: the bank's acknowledgement leaves the organizer's inbox as it was, and the other way round. Acknowledging again changes nothing.",
			OK:          data.Alert{}, ETag: true, Errors: []int{403, 404}},
		apiOp{Method: "POST", Path: "/api/v1/monitor", Summary: "Run the daily check of live deals (organizer)", Tag: "alerts",
			Description: "What `ipmatch monitor` and serve's schedule run: every deal from 放款 until 结清 is checked on as_of, an alert raised for each risk not alerted before " +
				"(the same event never alerts twice, on any number of nodes), the collateral value recorded for deals without one, and the webhooks due sent.",
			Query: []apiParam{asOfParam, {Name: "warn_days", Type: "integer", Description: "how many days ahead an annual fee falling due is warned of, 0 to 366 (default 30)"}},
			OK:    app.MonitorReport{}, Errors: []int{400, 403, 422}},
		apiOp{Method: "GET", Path: "/api/v1/banks/{id}/webhook", Summary: "A bank's webhook, without its secret", Tag: "alerts",
			Description: "The organizer for any bank, a bank for its own.", OK: app.WebhookView{}, Errors: []int{403, 404}},
		apiOp{Method: "PUT", Path: "/api/v1/banks/{id}/webhook", Summary: "Set a bank's webhook", Tag: "alerts",
			Description: "The organizer for any bank, a bank for its own. Each call makes a new signing secret, shown in this answer only (setting it again rotates it). " +
				"The address must be https unless the server allows private addresses.",
			Body: app.WebhookRequest{}, OK: app.WebhookView{}, Errors: []int{400, 403, 404, 413, 422}},
		apiOp{Method: "DELETE", Path: "/api/v1/banks/{id}/webhook", Summary: "Remove a bank's webhook", Tag: "alerts",
			Status: http.StatusNoContent, Errors: []int{403, 404}},
		// users.go
		apiOp{Method: "GET", Path: "/api/v1/users", Summary: "List the users who sign in to the pages (organizer)", Tag: "users",
			Description: "Every user, without its password hash. A user changes its own password on the pages (/app/account): API callers hold tokens.",
			OK:          app.ListResult[app.UserView]{}, Errors: []int{403}},
		apiOp{Method: "POST", Path: "/api/v1/users", Summary: "Open a user with a one-time set-password link (organizer)", Tag: "users",
			Description: "银行入库: a bank user (role bank, an existing bank_id), an enterprise user (enterprise, an existing enterprise_id) or an organizer, " +
				"with a username and label and no password. The answer holds the user and a link (a path on this server) shown in this answer only: " +
				"it works once, for 24 hours, as a reset link does, and the user sets its password there; until then the user cannot sign in. " +
				"A username already taken is 409; a bad field, or a bank or enterprise that does not exist, is 422 naming the field.",
			Body: app.InviteRequest{}, Status: http.StatusCreated, OK: app.Invitation{}, Errors: []int{400, 403, 409, 413, 422}},
		apiOp{Method: "POST", Path: "/api/v1/users/{id}/reset", Summary: "Make a one-time password reset link (organizer)", Tag: "users",
			Description: "The link (a path on this server) is shown in this answer only and works once, for 24 hours; making another ends the earlier one. " +
				"Using it sets the user's password and ends all its sessions. A disabled user is 409.",
			OK: app.ResetLink{}, Errors: []int{403, 404, 409}},
		apiOp{Method: "POST", Path: "/api/v1/users/{id}/disable", Summary: "Disable a user (organizer)", Tag: "users",
			Description: "The user can no longer sign in, and its sessions end at once. The organizer cannot disable the user it is signed in as (409).",
			OK:          app.UserView{}, Errors: []int{403, 404, 409}},
		apiOp{Method: "POST", Path: "/api/v1/users/{id}/enable", Summary: "Enable a disabled user (organizer)", Tag: "users",
			OK: app.UserView{}, Errors: []int{403, 404}},
	)
	// policies.go: support policies and subsidies (issue 19)
	ops = append(ops, resourceOps(a.Policies)...)
	ops = append(ops,
		apiOp{Method: "GET", Path: "/api/v1/deals/{id}/subsidies", Summary: "The subsidies of a deal and its net rate", Tag: "policies",
			Description: "For whoever may read the deal. The rate is the one-year LPR on the disbursement day (as_of when not disbursed) plus the product's spread; " +
				"each policy the enterprise and the product qualify for pays a year what matcher.Subsidies computes, and net_rate is the rate less the interest subsidies' points.",
			Query: []apiParam{asOfParam}, OK: app.DealSubsidies{}, Errors: []int{400, 403, 404}},
		apiOp{Method: "GET", Path: "/api/v1/subsidies/budget", Summary: "Each policy's subsidy budget used and committed in a year (organizer)", Tag: "policies",
			Description: "Used: the subsidies of the deals disbursed in the year (a full year's each); committed: those of the deals filed or accepted.",
			Query:       []apiParam{{Name: "year", Type: "integer", Description: "the year (default the as-of day's)"}},
			OK:          app.SubsidyBudget{}, Errors: []int{400, 403, 422}},
	)
	// search.go (served when Config.Search is set)
	for _, kind := range []string{search.Patents, search.Enterprises, search.Products} {
		ops = append(ops, apiOp{Method: "GET", Path: "/api/v1/search/" + kind, Summary: "Search " + kind, Tag: "search",
			Description: "Served when the server has a search index. Any filter of the kind may be given; several values of a keyword filter are separated by commas.",
			Query:       searchParams(kind, true), OK: searchResult{}, Errors: []int{400, 403, 404, 422}})
	}
	ops = append(ops, apiOp{Method: "GET", Path: "/api/v1/landscape", Summary: "The patent landscape of a region (专利导航)", Tag: "search",
		Description: "Served when the server has a search index. Counts the patents filed in a region (any level of the region codes), matching a search's words, " +
			"under IPC codes and in an industry, on or before as_of: per filing year and type, per IPC subclass (with its share, growth and, below a province, " +
			"its specialisation against the province) and main group, per legal status, the share pledgeable on the day, the top applicants and the technology clusters; " +
			"and the financing potential of the region's enterprises with such a patent (those the caller may see), per district and per cluster.",
		Query: []apiParam{{Name: "q", Description: "a search's words, as /api/v1/search/patents takes them (a saved search)"},
			{Name: "region", Description: "region code, any level (44, 4412, 441204)"},
			{Name: "ipc", Description: "IPC section, class, subclass or group; several joined by commas (B23K9/00,B23K11/00)"},
			{Name: "industry", Description: "a strategic emerging industry of the 2021 IPC reference table, e.g. 2.1 (智能制造装备产业): the patents its IPC codes cover; or GB/T 4754-2017 categories of the owners: C35, C33,C35, a range C33-C40, or 装备制造业"}, asOfParam,
			{Name: "format", Enum: []string{"json", "xlsx"}, Description: "json (default) or xlsx: the workbook"}},
		OK: app.Landscape{}, Content: []string{ctXLSX}, Errors: []int{400, 422}})
	ops = append(ops, apiOp{Method: "GET", Path: "/api/v1/patents/{id}/similar", Summary: "Patents similar to a patent", Tag: "search",
		Description: "Served when the server has a search index.",
		Query:       searchParams(search.Patents, false), OK: searchResult{}, Errors: []int{400, 403, 404, 422}})
	return ops
}

// scheduleFilters are the filters of the schedule and its exports.
var scheduleFilters = []apiParam{{Name: "bank_id"}, {Name: "enterprise_id"}}

// searchParams are the query parameters of a search of kind.
func searchParams(kind string, withQuery bool) []apiParam {
	var ps []apiParam
	if withQuery {
		ps = append(ps, apiParam{Name: "q", Description: "the query (see package search for its syntax)"})
	}
	ps = append(ps,
		apiParam{Name: "page", Type: "integer", Description: "page number, from 1"},
		apiParam{Name: "size", Type: "integer", Description: "page size, 1 to " + strconv.Itoa(search.MaxSize)},
		apiParam{Name: "facets", Description: facetsDescription(kind)},
		apiParam{Name: "exact_facets", Type: "boolean", Description: "count facets over every hit"},
		apiParam{Name: "sort", Description: "comma-separated sort keys"})
	for _, f := range search.Fields(kind) {
		if !slices.ContainsFunc(ps, func(p apiParam) bool { return p.Name == f }) {
			ps = append(ps, apiParam{Name: f, Description: "filter"})
		}
	}
	return ps
}

// facetsDescription documents the facets parameter of a search of kind,
// with how the region facets count where it has them.
func facetsDescription(kind string) string {
	names := search.FacetNames(kind)
	d := "comma-separated facets: " + strings.Join(names, ", ")
	if slices.Contains(names, "region_city") {
		d += ". " + search.RegionFacetsDoc
	}
	return d
}

// resourceOps returns the operations of a record resource (resource.go).
func resourceOps[T any](res *app.Resource[T]) []apiOp {
	name := res.Name()
	one := strings.TrimSuffix(name, "s")
	base := "/api/v1/" + name
	query := slices.Clone(pageParams)
	refs, other := res.Filters()
	for _, ref := range refs {
		query = append(query, apiParam{Name: ref, Description: "filter by reference"})
	}
	for _, o := range other {
		p := apiParam{Name: o, Description: "filter"}
		switch o {
		case "active":
			p.Type = "boolean"
		case "stage":
			p.Enum = enumValues()[reflect.TypeFor[data.Stage]()]
		case "role":
			p.Enum = enumValues()[reflect.TypeFor[data.ParticipantRole]()]
		}
		query = append(query, p)
	}
	var zero T
	ops := []apiOp{
		{Method: "GET", Path: base, Summary: "List " + name, Tag: name, Query: query,
			OK: app.ListResult[T]{}, Errors: []int{400, 403}},
		{Method: "GET", Path: base + "/{id}", Summary: "Get one " + one, Tag: name,
			OK: zero, ETag: true, Errors: []int{404}},
	}
	create := apiOp{Method: "POST", Path: base, Summary: "Create " + article(one) + " " + one, Tag: name, Body: zero,
		Status: http.StatusCreated, OK: zero, Location: true, ETag: true, Errors: []int{400, 403, 404, 409, 413, 422}}
	if name == "tokens" {
		create.ETag = false
		create.Body, create.OK = app.TokenRequest{}, app.NewToken{}
		create.Description = "The answer holds the token's secret, shown this once."
	}
	ops = append(ops, create)
	if res.Replaceable() {
		ops = append(ops, apiOp{Method: "PUT", Path: base + "/{id}", Summary: "Replace " + article(one) + " " + one, Tag: name, Body: zero,
			Description: "The revision in the body is ignored. With If-Match naming the ETag as read, a record changed since is not replaced (412); " +
				"without it, a record changed by someone else while the request was handled is not replaced either (409).",
			OK: zero, ETag: true, IfMatch: true, Errors: []int{400, 403, 404, 409, 413, 422}})
	}
	ops = append(ops, apiOp{Method: "DELETE", Path: base + "/{id}", Summary: "Delete " + article(one) + " " + one, Tag: name,
		Status: http.StatusNoContent, Errors: []int{403, 404, 409}})
	return ops
}

// article returns "an" before a vowel, else "a".
func article(noun string) string {
	if strings.ContainsAny(noun[:1], "aeiou") {
		return "an"
	}
	return "a"
}

// oneOf is an answer that is one of several types (by the caller's role).
type oneOf []any

// openAPIDoc is the document, built once: the parsed form the tests
// validate with and the JSON that GET /api/v1/openapi.json serves.
var openAPIDoc = sync.OnceValues(func() (*openapi3.T, []byte) {
	raw, err := buildOpenAPI().MarshalJSON()
	if err != nil {
		panic("api: encoding the OpenAPI document: " + err.Error())
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		panic("api: loading the OpenAPI document: " + err.Error())
	}
	return doc, raw
})

// serveOpenAPI handles GET /api/v1/openapi.json.
func (s *server) serveOpenAPI(c *gin.Context) error {
	_, raw := openAPIDoc()
	c.Data(http.StatusOK, "application/json; charset=utf-8", raw)
	return nil
}

// buildOpenAPI builds the document from apiOperations.
func buildOpenAPI() *openapi3.T {
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{Title: "ipmatch API", Version: "1",
			Description: "Bank–enterprise matchmaking for patent-pledge financing. Every error is the envelope " +
				`{"error": {"code", "message", "fields"}}; the code says the status (see the responses).`},
		Servers:    openapi3.Servers{{URL: "/"}},
		Paths:      openapi3.NewPaths(),
		Components: &openapi3.Components{Schemas: openapi3.Schemas{}, Responses: openapi3.ResponseBodies{}, SecuritySchemes: openapi3.SecuritySchemes{}},
	}
	doc.Components.SecuritySchemes["bearer"] = &openapi3.SecuritySchemeRef{Value: &openapi3.SecurityScheme{
		Type: "http", Scheme: "bearer", Description: "an API token (ipm_…) issued with POST /api/v1/tokens"}}
	out, in := newSchemaGen(doc.Components.Schemas, false), newSchemaGen(doc.Components.Schemas, true)

	// One response per error code, its envelope's code fixed.
	out.ref(door.ErrorBody{}) // the Error and ErrorDetail components
	for code, status := range door.StatusOf {
		codeSchema := openapi3.NewStringSchema().WithEnum(string(code))
		env := openapi3.NewObjectSchema().WithRequired([]string{"error"}).WithoutAdditionalProperties().
			WithPropertyRef("error", openapi3.NewSchemaRef("", &openapi3.Schema{AllOf: openapi3.SchemaRefs{
				openapi3.NewSchemaRef("#/components/schemas/ErrorDetail", nil),
				openapi3.NewSchemaRef("", openapi3.NewObjectSchema().WithPropertyRef("code", openapi3.NewSchemaRef("", codeSchema))),
			}}))
		desc := http.StatusText(status) + ": the error envelope with code " + string(code)
		doc.Components.Responses[errorResponseName(status)] = &openapi3.ResponseRef{Value: openapi3.NewResponse().
			WithDescription(desc).WithJSONSchema(env)}
	}

	for _, op := range apiOperations() {
		item := doc.Paths.Value(op.Path)
		if item == nil {
			item = &openapi3.PathItem{}
			doc.Paths.Set(op.Path, item)
		}
		if item.GetOperation(op.Method) != nil {
			panic("api: OpenAPI: " + op.Method + " " + op.Path + " is in apiOperations twice")
		}
		item.SetOperation(op.Method, buildOperation(op, out, in))
	}
	return doc
}

// errorResponseName names the response component of an error status.
func errorResponseName(status int) string {
	for _, st := range door.StatusOf {
		if st == status {
			return "Error" + strconv.Itoa(status)
		}
	}
	panic(fmt.Sprintf("api: OpenAPI: no error code has status %d; add it to door.StatusOf", status))
}

// buildOperation turns op into an OpenAPI operation.
func buildOperation(op apiOp, out, in *schemaGen) *openapi3.Operation {
	o := openapi3.NewOperation()
	o.Summary, o.Description, o.Tags = op.Summary, op.Description, []string{op.Tag}
	o.OperationID = operationID(op)
	if !op.Public {
		o.Security = &openapi3.SecurityRequirements{openapi3.NewSecurityRequirement().Authenticate("bearer")}
	}
	for _, seg := range strings.Split(op.Path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			p := openapi3.NewPathParameter(seg[1 : len(seg)-1]).WithSchema(openapi3.NewStringSchema())
			o.Parameters = append(o.Parameters, &openapi3.ParameterRef{Value: p})
		}
	}
	for _, q := range op.Query {
		var sch *openapi3.Schema
		switch q.Type {
		case "integer":
			sch = openapi3.NewIntegerSchema()
		case "number":
			sch = openapi3.NewFloat64Schema()
		case "boolean":
			sch = openapi3.NewBoolSchema()
		case "date":
			sch = openapi3.NewStringSchema().WithFormat("date")
		default:
			sch = openapi3.NewStringSchema()
		}
		for _, e := range q.Enum {
			sch.Enum = append(sch.Enum, e)
		}
		p := openapi3.NewQueryParameter(q.Name).WithSchema(sch).WithDescription(q.Description)
		o.Parameters = append(o.Parameters, &openapi3.ParameterRef{Value: p})
	}
	switch {
	case op.Body != nil:
		o.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(!op.BodyOptional).
			WithJSONSchemaRef(in.ref(op.Body))}
	case len(op.RawBody) > 0:
		o.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).
			WithContent(openapi3.NewContentWithSchema(openapi3.NewStringSchema().WithFormat("binary"), op.RawBody))}
	}

	status := cmp.Or(op.Status, http.StatusOK)
	resp := openapi3.NewResponse().WithDescription(http.StatusText(status))
	content := openapi3.Content{}
	switch ok := op.OK.(type) {
	case nil:
	case oneOf:
		var refs openapi3.SchemaRefs
		for _, v := range ok {
			refs = append(refs, out.ref(v))
		}
		content["application/json"] = openapi3.NewMediaType().WithSchemaRef(openapi3.NewSchemaRef("", &openapi3.Schema{OneOf: refs}))
	default:
		content["application/json"] = openapi3.NewMediaType().WithSchemaRef(out.ref(ok))
	}
	for _, ct := range op.Content {
		switch {
		case content[ct] != nil:
		case ct == "application/json":
			content[ct] = openapi3.NewMediaType().WithSchema(openapi3.NewObjectSchema()) // openapi.json itself
		default:
			content[ct] = openapi3.NewMediaType().WithSchema(openapi3.NewStringSchema().WithFormat("binary"))
		}
	}
	if len(content) > 0 {
		resp.Content = content
	}
	if op.Location {
		resp.Headers = openapi3.Headers{"Location": &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{
			Description: "the URL of the new record", Required: true, Schema: openapi3.NewSchemaRef("", openapi3.NewStringSchema())}}}}
	}
	if op.ETag {
		if resp.Headers == nil {
			resp.Headers = openapi3.Headers{}
		}
		resp.Headers["ETag"] = &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{
			Description: `the record's revision as a strong entity tag, e.g. "3"; send it back as If-Match to write only if unchanged`,
			Schema:      openapi3.NewSchemaRef("", openapi3.NewStringSchema())}}}
	}
	if op.IfMatch {
		p := openapi3.NewHeaderParameter("If-Match").WithSchema(openapi3.NewStringSchema()).
			WithDescription(`the ETag of the record as read ("3"): the write happens only if the record still has it, else 412 precondition_failed; "*" or none: no precondition`)
		o.Parameters = append(o.Parameters, &openapi3.ParameterRef{Value: p})
		op.Errors = append(slices.Clone(op.Errors), http.StatusPreconditionFailed)
	}
	o.Responses = openapi3.NewResponses()
	o.Responses.Set(strconv.Itoa(status), &openapi3.ResponseRef{Value: resp})
	errs := slices.Clone(op.Errors)
	if !op.Public {
		errs = append(errs, authStatuses...)
	}
	slices.Sort(errs)
	for _, st := range slices.Compact(errs) {
		o.Responses.Set(strconv.Itoa(st), &openapi3.ResponseRef{Ref: "#/components/responses/" + errorResponseName(st)})
	}
	return o
}

// operationID names op: its method and path in camel case.
func operationID(op apiOp) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(op.Method))
	for _, seg := range strings.FieldsFunc(op.Path, func(r rune) bool { return r == '/' || r == '.' || r == '_' || r == '-' }) {
		if seg == "api" || seg == "v1" {
			continue
		}
		if strings.HasPrefix(seg, "{") {
			seg = "By" + strings.Trim(seg, "{}")
		}
		b.WriteString(strings.ToUpper(seg[:1]) + seg[1:])
	}
	return b.String()
}
