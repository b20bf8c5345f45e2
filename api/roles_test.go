package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"ipmatch/data"
	"ipmatch/data/storetest"
)

// TestRoleBoundaries tries to cross every role rule of policy.go and checks
// that each attempt fails with the right status and changes nothing.
func TestRoleBoundaries(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := t.Context()

	// Bodies built from stored records, so only the crossing is wrong.
	prodB, _ := f.store.Products().Get(ctx, f.prodB)
	bankB, _ := f.store.Banks().Get(ctx, f.bankB)
	entX, _ := f.store.Enterprises().Get(ctx, f.entX)
	entY, _ := f.store.Enterprises().Get(ctx, f.entY)
	patY, _ := f.store.Patents().Get(ctx, f.patY)
	dealA, _ := f.store.Deals().Get(ctx, f.dealA)
	partWE, _ := f.store.Participants().Get(ctx, f.partWE)
	partAE, _ := f.store.Participants().Get(ctx, f.partAE)
	event, _ := f.store.Events().Get(ctx, f.eventE)

	xWithYsCode := entX
	xWithYsCode.CreditCode = entY.CreditCode
	xWithNewCode := entX
	xWithNewCode.CreditCode = storetest.CreditCode(999)
	patForY := storetest.Patent(900)
	patForY.OwnerID = f.entY
	patYMovedToX := patY
	patYMovedToX.OwnerID = f.entX
	prodForB := storetest.Product(900, f.bankB)
	prodAToB, _ := f.store.Products().Get(ctx, f.prodA)
	prodAToB.BankID = f.bankB
	dealWithZ := storetest.Deal(900, f.entZ, f.bankA, f.prodA)
	dealWithProdB := storetest.Deal(901, f.entX, f.bankA, f.prodB)
	dealForB := storetest.Deal(902, f.entX, f.bankB, f.prodB)
	dealAToB := dealA
	dealAToB.BankID = f.bankB
	regY := data.Participant{EventID: f.eventE, Role: data.RoleEnterprise, EnterpriseID: f.entY}
	regXAsBank := data.Participant{EventID: f.eventE, Role: data.RoleBankDesk, BankID: f.bankA}
	deskAtF := data.Participant{EventID: f.eventF, Role: data.RoleBankDesk, BankID: f.bankA, Tables: 1}
	deskMoved := partAE
	deskMoved.EventID = f.eventF
	wTakeover := partWE
	patYRow, _ := json.Marshal(patY)
	prodRow, _ := json.Marshal(storetest.Product(903, ""))
	entYRow, _ := json.Marshal(entY)
	token := map[string]string{"role": "organizer"}
	stageMet := map[string]string{"stage": "met"}

	const (
		bankA = bankAToken
		entXT = entXToken
	)
	tests := []struct {
		name         string
		tok          string
		method, path string
		body         any
		status       int
	}{
		// Bank A against bank B and the organizer's records.
		{"bank reads other bank's product", bankA, "GET", "/api/v1/products/" + f.prodB, nil, 404},
		{"bank updates other bank's product", bankA, "PUT", "/api/v1/products/" + f.prodB, prodB, 404},
		{"bank deletes other bank's product", bankA, "DELETE", "/api/v1/products/" + f.prodB, nil, 404},
		{"bank creates product for other bank", bankA, "POST", "/api/v1/products", prodForB, 403},
		{"bank moves its product to other bank", bankA, "PUT", "/api/v1/products/" + f.prodA, prodAToB, 403},
		{"bank lists other bank's products", bankA, "GET", "/api/v1/products?bank_id=" + f.bankB, nil, 403},
		{"bank reads other bank", bankA, "GET", "/api/v1/banks/" + f.bankB, nil, 404},
		{"bank updates other bank", bankA, "PUT", "/api/v1/banks/" + f.bankB, bankB, 404},
		{"bank deletes itself", bankA, "DELETE", "/api/v1/banks/" + f.bankA, nil, 403},
		{"bank creates bank", bankA, "POST", "/api/v1/banks", storetest.Bank(900), 403},
		{"bank lists other bank's deals", bankA, "GET", "/api/v1/deals?bank_id=" + f.bankB, nil, 403},
		{"bank reads other bank's deal", bankA, "GET", "/api/v1/deals/" + f.dealB, nil, 404},
		{"bank moves other bank's deal", bankA, "POST", "/api/v1/deals/" + f.dealB + "/stage", stageMet, 404},
		{"bank updates other bank's deal", bankA, "PUT", "/api/v1/deals/" + f.dealB, dealForB, 404},
		{"bank gives its deal to other bank", bankA, "PUT", "/api/v1/deals/" + f.dealA, dealAToB, 403},
		{"bank deletes its deal", bankA, "DELETE", "/api/v1/deals/" + f.dealA, nil, 403},
		{"bank creates deal for other bank", bankA, "POST", "/api/v1/deals", dealForB, 403},
		{"bank creates deal with non-consenting enterprise", bankA, "POST", "/api/v1/deals", dealWithZ, 403},
		{"bank creates deal on other bank's product", bankA, "POST", "/api/v1/deals", dealWithProdB, 403},
		{"bank reads non-consenting enterprise", bankA, "GET", "/api/v1/enterprises/" + f.entZ, nil, 404},
		{"bank reads patent of non-consenting enterprise", bankA, "GET", "/api/v1/patents/" + f.patZ, nil, 404},
		{"bank lists patents of non-consenting enterprise", bankA, "GET", "/api/v1/patents?owner_id=" + f.entZ, nil, 403},
		{"bank updates consenting enterprise", bankA, "PUT", "/api/v1/enterprises/" + f.entX, entX, 403},
		{"bank creates enterprise", bankA, "POST", "/api/v1/enterprises", storetest.Enterprise(900), 403},
		{"bank creates patent", bankA, "POST", "/api/v1/patents", storetest.Patent(901), 403},
		{"bank deletes patent", bankA, "DELETE", "/api/v1/patents/" + f.patX, nil, 403},
		{"bank creates event", bankA, "POST", "/api/v1/events", storetest.Event(900), 403},
		{"bank updates event", bankA, "PUT", "/api/v1/events/" + f.eventE, event, 403},
		{"bank creates pool", bankA, "POST", "/api/v1/pools", storetest.Pool(900), 403},
		{"bank creates token", bankA, "POST", "/api/v1/tokens", token, 403},
		{"bank lists tokens", bankA, "GET", "/api/v1/tokens", nil, 403},
		{"bank registers for another event", bankA, "POST", "/api/v1/participants", deskAtF, 403},
		{"bank moves its desk to another event", bankA, "PUT", "/api/v1/participants/" + f.partAE, deskMoved, 403},
		{"bank edits an enterprise's registration", bankA, "PUT", "/api/v1/participants/" + f.partWE, partWE, 403},
		{"bank lists participants of event it skips", bankA, "GET", "/api/v1/participants?event_id=" + f.eventF, nil, 403},
		{"bank reads participant of event it skips", bankA, "GET", "/api/v1/participants/" + f.partZF, nil, 404},
		{"bank imports products for other bank", bankA, "POST", "/api/v1/import/products?bank_id=" + f.bankB, prodRow, 403},
		{"bank imports patents", bankA, "POST", "/api/v1/import/patents", patYRow, 403},

		// Enterprise X against enterprise Y and everyone else.
		{"enterprise reads other enterprise", entXT, "GET", "/api/v1/enterprises/" + f.entY, nil, 404},
		{"enterprise updates other enterprise", entXT, "PUT", "/api/v1/enterprises/" + f.entY, entY, 404},
		{"enterprise deletes other enterprise", entXT, "DELETE", "/api/v1/enterprises/" + f.entY, nil, 404},
		{"enterprise deletes itself", entXT, "DELETE", "/api/v1/enterprises/" + f.entX, nil, 403},
		{"enterprise takes other's credit code", entXT, "PUT", "/api/v1/enterprises/" + f.entX, xWithYsCode, 403},
		{"enterprise changes its credit code", entXT, "PUT", "/api/v1/enterprises/" + f.entX, xWithNewCode, 403},
		{"enterprise creates enterprise", entXT, "POST", "/api/v1/enterprises", storetest.Enterprise(901), 403},
		{"enterprise creates patent owned by other", entXT, "POST", "/api/v1/patents", patForY, 403},
		{"enterprise reads other's patent", entXT, "GET", "/api/v1/patents/" + f.patY, nil, 404},
		{"enterprise takes other's patent", entXT, "PUT", "/api/v1/patents/" + f.patY, patYMovedToX, 404},
		{"enterprise deletes other's patent", entXT, "DELETE", "/api/v1/patents/" + f.patY, nil, 404},
		{"enterprise lists other's patents", entXT, "GET", "/api/v1/patents?owner_id=" + f.entY, nil, 403},
		{"enterprise imports patents for other", entXT, "POST", "/api/v1/import/patents?owner_id=" + f.entY, patYRow, 403},
		{"enterprise imports other's profile", entXT, "POST", "/api/v1/import/enterprises?owner_id=" + f.entY, entYRow, 403},
		{"enterprise imports products", entXT, "POST", "/api/v1/import/products", prodRow, 403},
		{"enterprise registers other", entXT, "POST", "/api/v1/participants", regY, 403},
		{"enterprise registers as a bank", entXT, "POST", "/api/v1/participants", regXAsBank, 403},
		{"enterprise reads other's registration", entXT, "GET", "/api/v1/participants/" + f.partWE, nil, 404},
		{"enterprise edits other's registration", entXT, "PUT", "/api/v1/participants/" + f.partWE, wTakeover, 404},
		{"enterprise lists other's registrations", entXT, "GET", "/api/v1/participants?enterprise_id=" + f.entY, nil, 403},
		{"enterprise lists other's deals", entXT, "GET", "/api/v1/deals?enterprise_id=" + f.entY, nil, 403},
		{"enterprise reads other's deal", entXT, "GET", "/api/v1/deals/" + f.dealB, nil, 404},
		{"enterprise moves its deal", entXT, "POST", "/api/v1/deals/" + f.dealA + "/stage", stageMet, 403},
		{"enterprise updates its deal", entXT, "PUT", "/api/v1/deals/" + f.dealA, dealA, 403},
		{"enterprise creates deal", entXT, "POST", "/api/v1/deals", storetest.Deal(904, f.entX, f.bankA, f.prodA), 403},
		{"enterprise reads inactive product", entXT, "GET", "/api/v1/products/" + f.prodAOff, nil, 404},
		{"enterprise creates product", entXT, "POST", "/api/v1/products", storetest.Product(904, f.bankA), 403},
		{"enterprise updates bank", entXT, "PUT", "/api/v1/banks/" + f.bankB, bankB, 403},
		{"enterprise creates event", entXT, "POST", "/api/v1/events", storetest.Event(901), 403},
		{"enterprise deletes pool", entXT, "DELETE", "/api/v1/pools/" + f.pool, nil, 403},
		{"enterprise reads tokens", entXT, "GET", "/api/v1/tokens", nil, 403},
		{"enterprise creates token", entXT, "POST", "/api/v1/tokens", token, 403},

		// No credentials at all.
		{"anonymous reads banks", "", "GET", "/api/v1/banks", nil, 401},
		{"anonymous creates bank", "", "POST", "/api/v1/banks", storetest.Bank(902), 401},
	}
	codes := map[int]data.Code{401: data.CodeUnauthorized, 403: data.CodeForbidden, 404: data.CodeNotFound}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			before := f.snapshot()
			w := f.do(tt.tok, tt.method, tt.path, tt.body)
			wantError(t, w, tt.status, codes[tt.status])
			f.unchanged(before)
		})
	}
}

// TestRoleListsAreFiltered checks that list totals count only what the
// caller may see.
func TestRoleListsAreFiltered(t *testing.T) {
	f := newFixture(t, Config{})
	tests := []struct {
		tok, path string
		total     int
	}{
		{orgToken, "/api/v1/enterprises", 4},
		{bankAToken, "/api/v1/enterprises", 3}, // X, Y (pool), W (event E)
		{bankBToken, "/api/v1/enterprises", 3}, // X, Y (pool), Z (event F)
		{entXToken, "/api/v1/enterprises", 1},
		{orgToken, "/api/v1/patents", 4},
		{bankAToken, "/api/v1/patents", 3},
		{entXToken, "/api/v1/patents", 1},
		{bankAToken, "/api/v1/banks", 1},
		{entXToken, "/api/v1/banks", 2},
		{bankAToken, "/api/v1/products", 2},
		{entXToken, "/api/v1/products", 2},
		{orgToken, "/api/v1/products", 3},
		{bankAToken, "/api/v1/deals", 1},
		{entYToken, "/api/v1/deals", 1},
		{orgToken, "/api/v1/deals", 2},
		{bankAToken, "/api/v1/participants", 2},
		{entXToken, "/api/v1/participants", 0},
		{orgToken, "/api/v1/participants", 4},
		{orgToken, "/api/v1/tokens", 5},
	}
	for _, tt := range tests {
		var l list[json.RawMessage]
		decodeBody(t, f.do(tt.tok, "GET", tt.path, nil), http.StatusOK, &l)
		if l.Total != tt.total || len(l.Items) != tt.total {
			t.Errorf("%s GET %s: total %d, %d items; want %d", tt.tok, tt.path, l.Total, len(l.Items), tt.total)
		}
	}
}

// TestScopedImportRejectsOthersRows checks that rows about someone else in
// a scoped import are rejected and leave the store as it was.
func TestScopedImportRejectsOthersRows(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := t.Context()
	patY, _ := f.store.Patents().Get(ctx, f.patY)
	patY.OwnerID = ""
	patY.Title = "被他人篡改的标题"
	entY, _ := f.store.Enterprises().Get(ctx, f.entY)
	entY.Name = "被他人篡改的名称"
	prodB, _ := f.store.Products().Get(ctx, f.prodB)
	prodB.BankID = ""
	prodB.Name = "被他人篡改的产品"
	row := func(v any) []byte { j, _ := json.Marshal(v); return j }

	tests := []struct {
		name, tok, path string
		body            []byte
	}{
		{"enterprise imports other's patent", entXToken, "/api/v1/import/patents", row(patY)},
		{"enterprise imports other's profile", entXToken, "/api/v1/import/enterprises", row(entY)},
		{"bank imports other bank's product", bankAToken, "/api/v1/import/products", row(prodB)},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			before := f.snapshot()
			var rep data.ImportReport
			decodeBody(t, f.do(tt.tok, "POST", tt.path, tt.body), http.StatusOK, &rep)
			if rep.Rows != 1 || len(rep.Rejected) == 0 || rep.Imported+rep.Updated != 0 {
				t.Errorf("report = %+v; want the row rejected", rep)
			}
			f.unchanged(before)
		})
	}
}
