package web

import (
	"context"
	"strings"

	"ipmatch/app"
	"ipmatch/data"
)

// What the audit page shows of an entry: a Chinese name of the action,
// derived from the request's method and route, and the names of the
// records next to their IDs.

// auditRoute names in Chinese the writes of one route: Method and Pattern
// as registered with gin (":name" matches one path segment).
type auditRoute struct {
	Method, Pattern, Label string
}

// AuditRoutes name the routes that write, pages and API alike. A route
// missing here still reads in Chinese: the generic CRUD routes of
// /api/v1/{kind} by the action and kind (「修改贷款产品」), anything else
// as 「其他操作」. The page shows the request itself in small print below
// the name, for tracing.
var AuditRoutes = []auditRoute{
	// Pages (web.go).
	{"POST", "/app/enterprise/events/:id/register", "报名参加对接会"},
	{"POST", "/app/enterprise/events/:id/preferences", "保存会谈意向"},
	{"POST", "/app/bank/deals/:id/stage", "移动融资项目阶段"},
	{"POST", "/app/organizer/events/:id/schedule", "生成会谈安排"},
	{"POST", "/app/organizer/events/:id/publish", "发布对接会日程"},
	{"POST", "/app/organizer/events/:id/pins", "固定或取消固定会谈"},
	{"POST", "/app/organizer/events/:id/moves", "移动会谈"},
	{"POST", "/app/organizer/events/:id/overrides", "破例安排会谈"},
	{"POST", "/app/appraisals", "登记评估报告"},
	{"POST", "/app/alerts/:id/ack", "确认押品预警"},
	{"POST", "/app/enterprise/profile", "修改企业信息"},
	{"POST", "/app/enterprise/patents/claim", "认领专利"},
	{"POST", "/apply", "提交入库申请"},
	{"POST", "/app/organizer/applications/:id/approve", "批准入库申请"},
	{"POST", "/app/organizer/applications/:id/return", "退回入库申请"},
	{"POST", "/app/bank/products", "新建贷款产品"},
	{"POST", "/app/bank/products/:id", "修改贷款产品"},
	{"POST", "/app/bank/products/:id/active", "停售或恢复贷款产品"},
	{"POST", "/app/alerts/webhook", "设置银行推送地址"},
	{"POST", "/app/account/password", "修改本人密码"},
	{"POST", "/app/organizer/banks", "登记银行（银行入库）"},
	{"POST", "/app/organizer/banks/:id/users", "为银行开设登录用户"},
	{"POST", "/app/organizer/users/:id/reset", "生成密码重置链接"},
	{"POST", "/app/organizer/users/:id/disable", "停用用户"},
	{"POST", "/app/organizer/users/:id/enable", "启用用户"},
	{"POST", "/reset/:token", "凭重置链接设置密码"},
	// The JSON API's own routes (api.go, event.go).
	{"POST", "/api/v1/deals/:id/stage", "移动融资项目阶段"},
	{"POST", "/api/v1/events/:id/schedule", "生成会谈安排"},
	{"PUT", "/api/v1/events/:id/schedule/meetings", "调整会谈安排"},
	{"POST", "/api/v1/events/:id/publish", "发布对接会日程"},
	{"POST", "/api/v1/patents/:id/claim", "认领专利"},
	{"POST", "/api/v1/import/:kind", "批量导入"},
	{"POST", "/api/v1/alerts/:id/ack", "确认押品预警"},
	{"POST", "/api/v1/applications/:id/approve", "批准入库申请"},
	{"POST", "/api/v1/applications/:id/return", "退回入库申请"},
	{"POST", "/api/v1/monitor", "检查在贷项目押品"},
	{"PUT", "/api/v1/banks/:id/webhook", "设置银行推送地址"},
	{"DELETE", "/api/v1/banks/:id/webhook", "停用银行推送地址"},
	{"POST", "/api/v1/users", "开设登录用户"},
	{"POST", "/api/v1/users/:id/reset", "生成密码重置链接"},
	{"POST", "/api/v1/users/:id/disable", "停用用户"},
	{"POST", "/api/v1/users/:id/enable", "启用用户"},
}

// auditCRUDVerbs name the generic routes of a kind by method.
var auditCRUDVerbs = map[string]string{"POST": "新建", "PUT": "修改", "DELETE": "删除"}

// auditCommands name the administrative commands, which write no record
// of a table: their entries name a backup or a search index (data.AuditBackups,
// data.AuditSearchIndex).
var auditCommands = map[string]string{
	"backup": "备份数据", "restore": "从备份恢复数据", "reindex": "重建搜索索引",
}

// AuditActionName returns the Chinese name of the action of e.
func AuditActionName(e *data.AuditEntry) string {
	if line, ok := strings.CutPrefix(e.Request, "ipmatch "); ok {
		// A command: its request is its command line.
		name, _, _ := strings.Cut(line, " ")
		if label := auditCommands[name]; label != "" {
			return label
		}
		return auditActionLabels[e.Action] + auditKindLabels[e.Kind]
	}
	method, path, ok := strings.Cut(e.Request, " ")
	if !ok || path == "" {
		// A write of a command or of the service itself: no request.
		return auditActionLabels[e.Action] + auditKindLabels[e.Kind]
	}
	for _, r := range AuditRoutes {
		if r.Method == method && routeMatches(r.Pattern, path) {
			if r.Pattern == "/api/v1/import/:kind" {
				return r.Label + auditKindLabels[e.Kind]
			}
			return r.Label
		}
	}
	// /api/v1/{kind} and /api/v1/{kind}/{id}: resource.go's routes.
	if rest, ok := strings.CutPrefix(path, "/api/v1/"); ok {
		segs := strings.Split(rest, "/")
		if verb, known := auditCRUDVerbs[method]; known && len(segs) <= 2 && auditKindLabels[segs[0]] != "" {
			return verb + auditKindLabels[segs[0]]
		}
	}
	return "其他操作"
}

// routeMatches reports whether path matches a gin pattern whose ":name"
// segments match any one non-empty segment.
func routeMatches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i, p := range ps {
		if strings.HasPrefix(p, ":") {
			if xs[i] == "" {
				return false
			}
		} else if p != xs[i] {
			return false
		}
	}
	return true
}

// AuditRecordNames names the records of kind/IDs shown on one audit page,
// keyed kind+"/"+id, with one list per table however many rows: deals,
// participants and schedules first, then the parties, products and events
// they and the rows name. A record since deleted has no name.
func AuditRecordNames(ctx context.Context, store data.Store, shown map[string][]string) (map[string]string, error) {
	want := map[string]map[string]bool{}
	add := func(kind, id string) {
		if id == "" {
			return
		}
		if want[kind] == nil {
			want[kind] = map[string]bool{}
		}
		want[kind][id] = true
	}
	for kind, ids := range shown {
		for _, id := range ids {
			add(kind, id)
		}
	}
	ids := func(kind string) []string {
		var out []string
		for id := range want[kind] {
			out = append(out, id)
		}
		return out
	}
	var (
		deals  []data.Deal
		parts  []data.Participant
		scheds []data.Schedule
		err    error
	)
	if ks := ids("deals"); len(ks) > 0 {
		if deals, err = app.All(ctx, store.Deals(), data.ListOptions{IDs: ks}); err != nil {
			return nil, err
		}
		for _, d := range deals {
			add("enterprises", d.EnterpriseID)
			add("products", d.ProductID)
		}
	}
	if ks := ids("participants"); len(ks) > 0 {
		if parts, err = app.All(ctx, store.Participants(), data.ListOptions{IDs: ks}); err != nil {
			return nil, err
		}
		for _, p := range parts {
			add("enterprises", p.EnterpriseID)
			add("banks", p.BankID)
			add("events", p.EventID)
		}
	}
	if ks := ids("schedules"); len(ks) > 0 {
		if scheds, err = app.All(ctx, store.Schedules(), data.ListOptions{IDs: ks}); err != nil {
			return nil, err
		}
		for _, s := range scheds {
			add("events", s.EventID)
		}
	}
	names := map[string]string{}
	if err := namesOf(ctx, store.Enterprises(), ids("enterprises"), names, "enterprises", func(e *data.Enterprise) (string, string) { return e.ID, e.Name }); err != nil {
		return nil, err
	}
	if err := namesOf(ctx, store.Banks(), ids("banks"), names, "banks", func(b *data.Bank) (string, string) { return b.ID, b.Name }); err != nil {
		return nil, err
	}
	if err := namesOf(ctx, store.Products(), ids("products"), names, "products", func(p *data.Product) (string, string) { return p.ID, p.Name }); err != nil {
		return nil, err
	}
	if err := namesOf(ctx, store.Events(), ids("events"), names, "events", func(e *data.Event) (string, string) { return e.ID, e.Name }); err != nil {
		return nil, err
	}
	if err := namesOf(ctx, store.Pools(), ids("pools"), names, "pools", func(p *data.Pool) (string, string) { return p.ID, p.Name }); err != nil {
		return nil, err
	}
	if err := namesOf(ctx, store.Patents(), ids("patents"), names, "patents", func(p *data.Patent) (string, string) { return p.ApplicationNumber, p.Title }); err != nil {
		return nil, err
	}
	if err := namesOf(ctx, store.Appraisers(), ids("appraisers"), names, "appraisers", func(a *data.Appraiser) (string, string) { return a.ID, a.Name }); err != nil {
		return nil, err
	}
	if err := namesOf(ctx, store.Policies(), ids("policies"), names, "policies", func(p *data.Policy) (string, string) { return p.ID, p.Name }); err != nil {
		return nil, err
	}
	join := func(parts ...string) string {
		var out []string
		for _, p := range parts {
			if p != "" {
				out = append(out, p)
			}
		}
		return strings.Join(out, " · ")
	}
	for _, d := range deals {
		names["deals/"+d.ID] = join(names["enterprises/"+d.EnterpriseID], names["products/"+d.ProductID])
	}
	for _, p := range parts {
		party := names["enterprises/"+p.EnterpriseID]
		if p.BankID != "" {
			party = names["banks/"+p.BankID]
		}
		if party == "" {
			party = p.Name // an appraiser's valuer
		}
		names["participants/"+p.ID] = join(party, names["events/"+p.EventID])
	}
	for _, s := range scheds {
		names["schedules/"+s.ID] = names["events/"+s.EventID]
	}
	return names, nil
}

// namesOf lists the records ids of tbl in one call and files their names
// under kind+"/"+id.
func namesOf[T any](ctx context.Context, tbl data.Table[T], ids []string, names map[string]string, kind string, name func(*T) (string, string)) error {
	if len(ids) == 0 {
		return nil
	}
	recs, err := app.All(ctx, tbl, data.ListOptions{IDs: ids})
	if err != nil {
		return err
	}
	for i := range recs {
		if id, n := name(&recs[i]); n != "" {
			names[kind+"/"+id] = n
		}
	}
	return nil
}
