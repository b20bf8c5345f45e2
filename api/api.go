package api

import (
	"ipmatch/door"
)

// server is the JSON door on the shared door.Server.
type server struct {
	*door.Server
	// imports limits the imports running at once (imports.go).
	imports *importSlots
}

// Mount registers the JSON API on ds: GET and HEAD /healthz, GET
// /api/v1/openapi.json and every route under /api/v1, each behind bearer
// authentication.
func Mount(ds *door.Server) {
	s := &server{Server: ds, imports: newImportSlots(ds.Cfg.MaxConcurrentImports)}
	r := ds.Engine
	r.GET("/healthz", s.Handle(s.healthz))
	r.HEAD("/healthz", s.Handle(s.healthz))                 // load balancers' checks often use HEAD
	r.GET("/api/v1/openapi.json", s.Handle(s.serveOpenAPI)) // openapi.go; no token: it holds no data

	v1 := r.Group("/api/v1", s.Authenticate, s.LimitExpensive)
	a := s.App
	routes(s, v1, a.Enterprises, nil)
	routes(s, v1, a.Patents, nil)
	v1.POST("/patents/:id/claim", s.Handle(s.claimPatent))
	routes(s, v1, a.Banks, nil)
	routes(s, v1, a.Products, nil)
	v1.POST("/products/reach", s.Handle(s.productReach)) // product_reach.go: a draft's reach before it is published
	routes(s, v1, a.Events, nil)
	routes(s, v1, a.Participants, nil)
	routes(s, v1, a.Deals, nil) // app.ReplaceDeal: at the revision read, with the pool's checks
	routes(s, v1, a.Pools, nil)
	routes(s, v1, a.Appraisers, nil)
	routes(s, v1, a.Appraisals, nil)
	routes(s, v1, a.Tokens, s.createToken)
	v1.POST("/import/:kind", s.ImportDeadline, s.Handle(s.importFile))
	v1.GET("/audit", s.Handle(s.auditLog)) // audit.go: who wrote what, when
	matchRoutes(s, v1)                     // match.go: matches, pipelines, valuations
	eventRoutes(s, v1)                     // event.go: schedules, exports, publish, report, pool risk; POST /deals/{id}/stage with the pool's caps
	applicationRoutes(s, v1)               // applications.go: the organizer's review of 企业入库
	alertRoutes(s, v1)                     // alerts.go: collateral alerts, the daily check, banks' webhooks
	policyRoutes(s, v1)                    // policies.go: support policies, a deal's subsidies, the budget
	userRoutes(s, v1)                      // users.go: the organizer's users: list, reset link, disable, enable
	if s.Cfg.Search != nil {
		s.searchRoutes(v1) // search.go
	}
}
