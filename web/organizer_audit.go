package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
)

// auditKindLabels name the audited tables in Chinese.
var auditKindLabels = map[string]string{
	"enterprises": "企业", "patents": "专利", "banks": "银行", "products": "贷款产品",
	"events": "对接会", "participants": "参会方", "deals": "融资项目", "pools": "资金池",
	"tokens": "API 令牌", "schedules": "对接日程", "users": "登录用户",
	"appraisers": "评估机构", "appraisals": "评估报告",
	"alerts": "押品预警", "webhooks": "银行推送地址",
	"policies": "扶持政策", "applications": "入库申请",
	data.AuditBackups: "数据备份", data.AuditSearchIndex: "搜索索引",
}

// auditActionLabels and auditViaLabels name actions and channels.
var (
	auditActionLabels = map[string]string{
		data.AuditCreate: "新建", data.AuditUpdate: "修改", data.AuditPut: "批量写入", data.AuditDelete: "删除",
	}
	auditViaLabels = map[string]string{
		data.ViaAPI: "接口", data.ViaWeb: "网页", data.ViaCLI: "命令行", data.ViaSystem: "系统",
	}
)

// auditRow is one entry as the page shows it.
type auditRow struct {
	At, Who, Role, Via, Action, Kind, Request, Node string
	// ActionName names what was done in Chinese (AuditActionName).
	ActionName string
	Records    []auditRecord
	More       int // IDs not shown
}

// auditRecord is one record an entry names: its ID and, when it still
// exists, its name.
type auditRecord struct{ ID, Name string }

// auditView is the audit log page.
type auditView struct {
	Rows              []auditRow
	Total, Page, Size int
	Pages             int
	Kind, Via, Action string
	Since, Until      string
	Kinds             []option
	Vias, Actions     []option
	Prev, Next        string // links to the neighbouring pages, "" at the ends
}

// option is one choice of a filter.
type option struct{ Value, Label string }

// maxIDsShown bounds the IDs a row lists; a large import names thousands.
const maxIDsShown = 5

// auditPage handles GET /app/organizer/audit: who wrote what and when,
// newest first, with the API's filters as a form.
func (h *webHandlers) auditPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleOrganizer, "审计日志"); err != nil {
		return err
	}
	res, err := h.s.App.AuditLog(c.Request.Context(), door.Caller(c), c.Request.URL.Query())
	if err != nil {
		return err
	}
	entries, total, q := res.Items, res.Total, c.Request.URL.Query()
	v := auditView{Total: total, Page: res.Page, Size: res.Size, Pages: max(1, (total+res.Size-1)/res.Size),
		Kind: q.Get("kind"), Via: q.Get("via"), Action: q.Get("action"), Since: q.Get("since"), Until: q.Get("until")}
	for _, k := range app.AuditKinds {
		v.Kinds = append(v.Kinds, option{k, auditKindLabels[k]})
	}
	for _, k := range data.AuditVias {
		v.Vias = append(v.Vias, option{k, auditViaLabels[k]})
	}
	for _, k := range data.AuditActions {
		v.Actions = append(v.Actions, option{k, auditActionLabels[k]})
	}
	shown := map[string][]string{}
	for _, e := range entries {
		shown[e.Kind] = append(shown[e.Kind], e.IDs[:min(len(e.IDs), maxIDsShown)]...)
	}
	names, err := AuditRecordNames(c.Request.Context(), h.s.Store(), shown)
	if err != nil {
		return err
	}
	for _, e := range entries {
		r := auditRow{
			At: door.BeijingTime(e.At, door.SecondLayout), Role: roleLabel(e.Actor.Role),
			Via: auditViaLabels[e.Via], Action: auditActionLabels[e.Action], Kind: auditKindLabels[e.Kind],
			Request: e.Request, Node: e.Node, Who: e.Actor.Name,
		}
		if e.Actor.Role == "" {
			r.Role = auditViaLabels[e.Via]
		}
		if r.Who == "" {
			r.Who = strings.TrimSpace(e.Actor.TokenID + e.Actor.UserID)
		}
		if r.Kind == "" {
			r.Kind = e.Kind
		}
		r.ActionName = AuditActionName(&e)
		for _, id := range e.IDs[:min(len(e.IDs), maxIDsShown)] {
			r.Records = append(r.Records, auditRecord{ID: id, Name: names[e.Kind+"/"+id]})
		}
		r.More = len(e.IDs) - len(r.Records)
		v.Rows = append(v.Rows, r)
	}
	link := func(page int) string {
		vals := url.Values{}
		for k, val := range c.Request.URL.Query() {
			vals[k] = val
		}
		vals.Set("page", strconv.Itoa(page))
		return "/app/organizer/audit?" + vals.Encode()
	}
	if res.Page > 1 {
		v.Prev = link(res.Page - 1)
	}
	if res.Page < v.Pages {
		v.Next = link(res.Page + 1)
	}
	return h.render(c, http.StatusOK, "audit", webPage{Title: "审计日志", Data: v})
}
