package api

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/storetest"
	"ipmatch/door"
	"ipmatch/web"
)

// auditPage is the body of GET /api/v1/audit.
type auditPageBody struct {
	Items []data.AuditEntry `json:"items"`
	Total int               `json:"total"`
}

func (f *fixture) audit(query string) auditPageBody {
	f.t.Helper()
	var out auditPageBody
	decodeBody(f.t, f.do(orgToken, "GET", "/api/v1/audit"+query, nil), http.StatusOK, &out)
	return out
}

func (f *fixture) tokenID(secret string) string {
	f.t.Helper()
	tok, err := f.store.Tokens().GetByKey(f.t.Context(), data.HashToken(secret))
	if err != nil {
		f.t.Fatal(err)
	}
	return tok.ID
}

func TestAuditLogRecordsWrites(t *testing.T) {
	f := newFixture(t, Config{})
	start := time.Now()
	if got := f.audit(""); got.Total != 0 || len(got.Items) != 0 {
		t.Fatalf("audit log of a fresh fixture = %+v, want empty (setup writes bypass the API)", got)
	}

	// Three writes by three callers, and refused ones that must not show.
	prod := storetest.Product(31, "")
	w := f.do(bankAToken, "POST", "/api/v1/products", prod)
	var created data.Product
	decodeBody(t, w, http.StatusCreated, &created)
	reqID := w.Header().Get(door.RequestIDHeader)
	forB := storetest.Product(32, f.bankB)
	wantError(t, f.do(bankAToken, "POST", "/api/v1/products", forB), http.StatusForbidden, data.CodeForbidden)
	wantError(t, f.do(entXToken, "DELETE", "/api/v1/patents/"+f.patY, nil), http.StatusNotFound, data.CodeNotFound)

	var ent data.Enterprise
	decodeBody(t, f.do(entXToken, "GET", "/api/v1/enterprises/"+f.entX, nil), http.StatusOK, &ent)
	ent.Employees++
	decodeBody(t, f.do(entXToken, "PUT", "/api/v1/enterprises/"+f.entX, ent), http.StatusOK, nil)
	decodeBody(t, f.do(orgToken, "DELETE", "/api/v1/patents/"+f.patZ, nil), http.StatusNoContent, nil)

	got := f.audit("")
	if got.Total != 3 || len(got.Items) != 3 {
		t.Fatalf("audit log has %d entries (%d shown), want 3: %+v", got.Total, len(got.Items), got.Items)
	}
	// Newest first.
	del, upd, add := got.Items[0], got.Items[1], got.Items[2]
	check := func(e data.AuditEntry, action, kind, id, request string, actor data.Actor) {
		t.Helper()
		if e.Action != action || e.Kind != kind || !slices.Equal(e.IDs, []string{id}) || e.Request != request || e.Via != data.ViaAPI {
			t.Errorf("entry %+v, want %s %s %s by %q via api", e, action, kind, id, request)
		}
		if e.Actor != actor {
			t.Errorf("entry %s actor = %+v, want %+v", e.ID, e.Actor, actor)
		}
		if e.At.Before(start.Add(-time.Second)) || e.At.After(time.Now().Add(time.Second)) || e.Node == "" {
			t.Errorf("entry %s at %v on node %q: not now, or no node", e.ID, e.At, e.Node)
		}
	}
	check(add, data.AuditCreate, "products", created.ID, "POST /api/v1/products",
		data.Actor{Role: data.RoleBank, TokenID: f.tokenID(bankAToken), Name: "bank A", BankID: f.bankA})
	check(upd, data.AuditUpdate, "enterprises", f.entX, "PUT /api/v1/enterprises/"+f.entX,
		data.Actor{Role: data.RoleCompany, TokenID: f.tokenID(entXToken), Name: "ent X", EnterpriseID: f.entX})
	check(del, data.AuditDelete, "patents", f.patZ, "DELETE /api/v1/patents/"+f.patZ,
		data.Actor{Role: data.RoleOrganizer, TokenID: f.tokenID(orgToken), Name: "交易中心"})
	if add.RequestID != reqID || reqID == "" {
		t.Errorf("entry request id %q, want the response's X-Request-ID %q", add.RequestID, reqID)
	}

	// Filters and paging.
	ids := func(b auditPageBody) []string {
		var out []string
		for _, e := range b.Items {
			out = append(out, e.Kind)
		}
		return out
	}
	for _, c := range []struct {
		query string
		want  []string
		total int
	}{
		{"?order=asc", []string{"products", "enterprises", "patents"}, 3},
		{"?size=1&page=2", []string{"enterprises"}, 3},
		{"?size=2&page=2", []string{"products"}, 3},
		{"?size=2&page=3", nil, 3},
		{"?kind=patents", []string{"patents"}, 1},
		{"?action=update", []string{"enterprises"}, 1},
		{"?via=web", nil, 0},
		{"?actor=" + f.tokenID(entXToken), []string{"enterprises"}, 1},
		{"?bank_id=" + f.bankA, []string{"products"}, 1},
		{"?enterprise_id=" + f.entX, []string{"enterprises"}, 1},
		{"?record=" + url.QueryEscape(created.ID), []string{"products"}, 1},
		{"?since=" + url.QueryEscape(start.Add(-time.Minute).Format(time.RFC3339Nano)), []string{"patents", "enterprises", "products"}, 3},
		{"?since=" + url.QueryEscape(time.Now().Add(time.Minute).Format(time.RFC3339)), nil, 0},
		{"?until=" + url.QueryEscape(start.Add(-time.Minute).Format(time.RFC3339)), nil, 0},
		{"?until=2999-01-01&kind=products", []string{"products"}, 1},
	} {
		got := f.audit(c.query)
		if !slices.Equal(ids(got), c.want) || got.Total != c.total {
			t.Errorf("audit%s = %v (total %d), want %v (total %d)", c.query, ids(got), got.Total, c.want, c.total)
		}
	}
	// A patent is found by its application number in any form.
	if got := f.audit("?record=CN" + strings.ReplaceAll(f.patZ, ".", "")); got.Total != 1 {
		t.Errorf("audit by the patent's number without the dot = %d entries, want 1", got.Total)
	}
}

func TestAuditLogRefusals(t *testing.T) {
	f := newFixture(t, Config{})
	before := f.snapshot()
	wantError(t, f.do(bankAToken, "GET", "/api/v1/audit", nil), http.StatusForbidden, data.CodeForbidden)
	wantError(t, f.do(entXToken, "GET", "/api/v1/audit", nil), http.StatusForbidden, data.CodeForbidden)
	wantError(t, f.do("", "GET", "/api/v1/audit", nil), http.StatusUnauthorized, data.CodeUnauthorized)
	for _, c := range []struct{ query, field string }{
		{"?kind=secrets", "kind"},
		{"?action=read", "action"},
		{"?via=fax", "via"},
		{"?order=random", "order"},
		{"?since=yesterday", "since"},
		{"?until=2021-13-01", "until"},
		{"?who=me", "who"},
		{"?size=0", "size"},
	} {
		env := wantError(t, f.do(orgToken, "GET", "/api/v1/audit"+c.query, nil), http.StatusBadRequest, data.CodeMalformed)
		if !env.hasField(c.field) {
			t.Errorf("audit%s: error %+v does not name %s", c.query, env.Error, c.field)
		}
	}
	f.unchanged(before)
}

func TestAuditLogOfPages(t *testing.T) {
	f := newFixture(t, Config{})
	b := newBrowser(f)
	b.signIn(bankAToken)
	w, _ := b.get("/app/bank/deals")
	token := csrf(t, w)
	var deal data.Deal
	decodeBody(t, f.do(orgToken, "GET", "/api/v1/deals/"+f.dealA, nil), http.StatusOK, &deal)
	next := data.NextStages(deal.Stage)
	if len(next) == 0 {
		t.Fatalf("deal %s at %s has no next stage", deal.ID, deal.Stage)
	}
	w = b.do("POST", "/app/bank/deals/"+f.dealA+"/stage", url.Values{web.CSRFField: {token}, "stage": {string(next[0])}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("stage move on the page: %d %s", w.Code, w.Body)
	}
	got := f.audit("?via=web")
	if got.Total != 1 {
		t.Fatalf("web entries = %d, want 1: %+v", got.Total, got.Items)
	}
	e := got.Items[0]
	if e.Kind != "deals" || !slices.Equal(e.IDs, []string{f.dealA}) || e.Actor.BankID != f.bankA ||
		e.Request != "POST /app/bank/deals/"+f.dealA+"/stage" || e.Action != data.AuditUpdate {
		t.Errorf("web entry %+v, want bank A's update of %s", e, f.dealA)
	}
}

func TestAuditPage(t *testing.T) {
	f := newFixture(t, Config{})
	prod := storetest.Product(33, "")
	decodeBody(t, f.do(bankAToken, "POST", "/api/v1/products", prod), http.StatusCreated, nil)
	decodeBody(t, f.do(orgToken, "DELETE", "/api/v1/patents/"+f.patZ, nil), http.StatusNoContent, nil)

	org := newBrowser(f)
	org.signIn(orgToken)
	w, _ := org.get("/app/organizer/audit")
	body := htmlPage(t, w, http.StatusOK)
	wantText(t, body, "审计日志", "共 2 条记录", "bank A", "贷款产品", "新建贷款产品", "接口", "删除", f.patZ)
	w, _ = org.get("/app/organizer/audit?kind=patents")
	body = htmlPage(t, w, http.StatusOK)
	wantText(t, body, "共 1 条记录", f.patZ)
	if strings.Contains(body, "新建贷款产品") {
		t.Error("the patents filter shows a product entry")
	}
	w, _ = org.get("/app/organizer/audit?since=someday")
	wantText(t, htmlPage(t, w, http.StatusBadRequest), web.ErrorHints[http.StatusBadRequest])
	w, _ = org.get("/app/organizer")
	wantText(t, htmlPage(t, w, http.StatusOK), "/app/organizer/audit")

	bank := newBrowser(f)
	bank.signIn(bankAToken)
	w, _ = bank.get("/app/organizer/audit")
	htmlPage(t, w, http.StatusForbidden)
}
