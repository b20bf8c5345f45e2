package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"ipmatch/data"
	"ipmatch/data/storetest"
	"ipmatch/door"
)

func TestHealthz(t *testing.T) {
	f := newFixture(t, Config{Version: "1.2.3"})
	w := f.do("", "GET", "/healthz", nil)
	var got health
	decodeBody(t, w, http.StatusOK, &got)
	if got != (health{Status: "ok", Version: "1.2.3"}) {
		t.Errorf("healthz = %+v", got)
	}
	if w := f.do("", "HEAD", "/healthz", nil); w.Code != http.StatusOK {
		t.Errorf("HEAD /healthz: %d, want 200", w.Code)
	}
}

func TestEnterprisesCRUD(t *testing.T) {
	f := newFixture(t, Config{})
	e := storetest.Enterprise(100)
	w := f.do(orgToken, "POST", "/api/v1/enterprises", e)
	var created data.Enterprise
	decodeBody(t, w, http.StatusCreated, &created)
	if created.ID == "" || created.CreditCode != e.CreditCode || created.CreatedAt.IsZero() {
		t.Fatalf("created = %+v", created)
	}
	if loc := w.Header().Get("Location"); loc != "/api/v1/enterprises/"+created.ID {
		t.Errorf("Location = %q", loc)
	}

	var got data.Enterprise
	decodeBody(t, f.do(orgToken, "GET", "/api/v1/enterprises/"+created.ID, nil), http.StatusOK, &got)
	if got.Name != e.Name {
		t.Errorf("GET name = %q, want %q", got.Name, e.Name)
	}

	// PUT replaces; an empty id in the body takes the URL's.
	got.ID = ""
	got.Name = "肇庆市高要区更名后机械有限公司"
	var put data.Enterprise
	decodeBody(t, f.do(orgToken, "PUT", "/api/v1/enterprises/"+created.ID, got), http.StatusOK, &put)
	if put.ID != created.ID || put.Name != got.Name {
		t.Errorf("PUT = %s %q", put.ID, put.Name)
	}

	var l list[data.Enterprise]
	decodeBody(t, f.do(orgToken, "GET", "/api/v1/enterprises?page=1&size=2", nil), http.StatusOK, &l)
	if l.Total != 5 || len(l.Items) != 2 || l.Page != 1 || l.Size != 2 {
		t.Errorf("list = total %d, %d items, page %d size %d; want 5, 2, 1, 2", l.Total, len(l.Items), l.Page, l.Size)
	}
	decodeBody(t, f.do(orgToken, "GET", "/api/v1/enterprises?page=3&size=2", nil), http.StatusOK, &l)
	if l.Total != 5 || len(l.Items) != 1 {
		t.Errorf("last page = total %d, %d items; want 5, 1", l.Total, len(l.Items))
	}
	decodeBody(t, f.do(orgToken, "GET", "/api/v1/enterprises?page=9", nil), http.StatusOK, &l)
	if l.Total != 5 || l.Items == nil || len(l.Items) != 0 {
		t.Errorf("page past the end = total %d, items %v; want 5, []", l.Total, l.Items)
	}

	decodeBody(t, f.do(orgToken, "DELETE", "/api/v1/enterprises/"+created.ID, nil), http.StatusNoContent, nil)
	wantError(t, f.do(orgToken, "GET", "/api/v1/enterprises/"+created.ID, nil), http.StatusNotFound, data.CodeNotFound)
}

func TestPatentsByApplicationNumber(t *testing.T) {
	f := newFixture(t, Config{})
	p := storetest.Patent(500)
	canonical := p.ApplicationNumber
	p.ApplicationNumber = "CN" + strings.ReplaceAll(canonical, ".", "")
	p.OwnerID = "" // filled in: the caller is enterprise X
	w := f.do(entXToken, "POST", "/api/v1/patents", p)
	var created data.Patent
	decodeBody(t, w, http.StatusCreated, &created)
	if created.ApplicationNumber != canonical || created.OwnerID != f.entX {
		t.Fatalf("created %s owned by %s; want %s owned by %s", created.ApplicationNumber, created.OwnerID, canonical, f.entX)
	}
	if loc := w.Header().Get("Location"); loc != "/api/v1/patents/"+canonical {
		t.Errorf("Location = %q", loc)
	}
	for _, form := range []string{canonical, "CN" + canonical, strings.ReplaceAll(canonical, ".", ""), "cn" + canonical} {
		var got data.Patent
		decodeBody(t, f.do(entXToken, "GET", "/api/v1/patents/"+form, nil), http.StatusOK, &got)
		if got.ApplicationNumber != canonical {
			t.Errorf("GET %s = %s", form, got.ApplicationNumber)
		}
	}
	wantError(t, f.do(orgToken, "GET", "/api/v1/patents/201220249767.5", nil), http.StatusNotFound, data.CodeNotFound)

	// PUT by another form of the number; the body's number must agree.
	created.Title = "一种改进的主轴冷却装置"
	var put data.Patent
	decodeBody(t, f.do(entXToken, "PUT", "/api/v1/patents/CN"+canonical, created), http.StatusOK, &put)
	if put.Title != created.Title {
		t.Errorf("PUT title = %q", put.Title)
	}
	created.ApplicationNumber = f.patY
	env := wantError(t, f.do(entXToken, "PUT", "/api/v1/patents/"+canonical, created), http.StatusUnprocessableEntity, data.CodeInvalid)
	if !env.hasField("application_number") {
		t.Errorf("id mismatch names %v, want application_number", env.Error.Fields)
	}

	var l list[data.Patent]
	decodeBody(t, f.do(entXToken, "GET", "/api/v1/patents", nil), http.StatusOK, &l)
	if l.Total != 2 {
		t.Errorf("X lists %d patents, want 2", l.Total)
	}
	decodeBody(t, f.do(orgToken, "GET", "/api/v1/patents?owner_id="+f.entY, nil), http.StatusOK, &l)
	if l.Total != 1 || l.Items[0].ApplicationNumber != f.patY {
		t.Errorf("owner_id=Y lists %+v", l.Items)
	}

	// Creating the same number again is a conflict.
	before := f.snapshot()
	wantError(t, f.do(entXToken, "POST", "/api/v1/patents", p), http.StatusConflict, data.CodeConflict)
	f.unchanged(before)

	decodeBody(t, f.do(entXToken, "DELETE", "/api/v1/patents/"+canonical, nil), http.StatusNoContent, nil)
	wantError(t, f.do(entXToken, "GET", "/api/v1/patents/"+canonical, nil), http.StatusNotFound, data.CodeNotFound)
}

func TestBanksAndProducts(t *testing.T) {
	f := newFixture(t, Config{})
	b := storetest.Bank(9)
	var bank data.Bank
	decodeBody(t, f.do(orgToken, "POST", "/api/v1/banks", b), http.StatusCreated, &bank)

	// Bank A updates its own record.
	var own data.Bank
	decodeBody(t, f.do(bankAToken, "GET", "/api/v1/banks/"+f.bankA, nil), http.StatusOK, &own)
	own.Branch = "肇庆市分行营业部"
	decodeBody(t, f.do(bankAToken, "PUT", "/api/v1/banks/"+f.bankA, own), http.StatusOK, &own)
	if own.Branch != "肇庆市分行营业部" {
		t.Errorf("branch = %q", own.Branch)
	}
	var banks list[data.Bank]
	decodeBody(t, f.do(bankAToken, "GET", "/api/v1/banks", nil), http.StatusOK, &banks)
	if banks.Total != 1 || banks.Items[0].ID != f.bankA {
		t.Errorf("bank A lists banks %+v", banks)
	}
	decodeBody(t, f.do(entXToken, "GET", "/api/v1/banks", nil), http.StatusOK, &banks)
	if banks.Total != 3 {
		t.Errorf("enterprise lists %d banks, want 3", banks.Total)
	}

	// Bank A creates a product; bank_id is filled in.
	p := storetest.Product(7, "")
	w := f.do(bankAToken, "POST", "/api/v1/products", p)
	var prod data.Product
	decodeBody(t, w, http.StatusCreated, &prod)
	if prod.BankID != f.bankA || w.Header().Get("Location") != "/api/v1/products/"+prod.ID {
		t.Errorf("product bank %q, Location %q", prod.BankID, w.Header().Get("Location"))
	}
	prod.MaxAmount = 3_000_000
	decodeBody(t, f.do(bankAToken, "PUT", "/api/v1/products/"+prod.ID, prod), http.StatusOK, &prod)
	if prod.MaxAmount != 3_000_000 {
		t.Errorf("max amount = %d", prod.MaxAmount)
	}

	var prods list[data.Product]
	decodeBody(t, f.do(bankAToken, "GET", "/api/v1/products", nil), http.StatusOK, &prods)
	if prods.Total != 3 {
		t.Errorf("bank A lists %d products, want its 3", prods.Total)
	}
	decodeBody(t, f.do(bankAToken, "GET", "/api/v1/products?active=false", nil), http.StatusOK, &prods)
	if prods.Total != 1 || prods.Items[0].ID != f.prodAOff {
		t.Errorf("bank A inactive products %+v", prods.Items)
	}
	decodeBody(t, f.do(orgToken, "GET", "/api/v1/products?bank_id="+f.bankB, nil), http.StatusOK, &prods)
	if prods.Total != 1 || prods.Items[0].ID != f.prodB {
		t.Errorf("bank_id=B products %+v", prods.Items)
	}
	decodeBody(t, f.do(entXToken, "GET", "/api/v1/products", nil), http.StatusOK, &prods)
	if prods.Total != 3 {
		t.Errorf("enterprise lists %d products, want the 3 active ones", prods.Total)
	}
	for _, it := range prods.Items {
		if !it.Active {
			t.Errorf("enterprise sees inactive product %s", it.ID)
		}
	}
	decodeBody(t, f.do(bankAToken, "DELETE", "/api/v1/products/"+prod.ID, nil), http.StatusNoContent, nil)
}

func TestEventsPoolsParticipants(t *testing.T) {
	f := newFixture(t, Config{})
	var ev data.Event
	decodeBody(t, f.do(orgToken, "POST", "/api/v1/events", storetest.Event(5)), http.StatusCreated, &ev)
	var pool data.Pool
	decodeBody(t, f.do(orgToken, "POST", "/api/v1/pools", storetest.Pool(5)), http.StatusCreated, &pool)
	var evs list[data.Event]
	decodeBody(t, f.do(entXToken, "GET", "/api/v1/events", nil), http.StatusOK, &evs)
	if evs.Total != 3 {
		t.Errorf("events total %d, want 3", evs.Total)
	}
	var pools list[data.Pool]
	decodeBody(t, f.do(bankAToken, "GET", "/api/v1/pools", nil), http.StatusOK, &pools)
	if pools.Total != 2 {
		t.Errorf("pools total %d, want 2", pools.Total)
	}

	// Enterprise X registers itself (enterprise_id filled in) and edits
	// its preferences.
	reg := data.Participant{EventID: ev.ID, Role: data.RoleEnterprise, WantedMeetings: 2}
	var part data.Participant
	decodeBody(t, f.do(entXToken, "POST", "/api/v1/participants", reg), http.StatusCreated, &part)
	if part.EnterpriseID != f.entX {
		t.Fatalf("registered %q, want X", part.EnterpriseID)
	}
	wantError(t, f.do(entXToken, "POST", "/api/v1/participants", reg), http.StatusConflict, data.CodeConflict)
	part.Preferences = []data.Preference{{Target: f.bankA, Kind: data.MustMeet}}
	decodeBody(t, f.do(entXToken, "PUT", "/api/v1/participants/"+part.ID, part), http.StatusOK, &part)
	if len(part.Preferences) != 1 {
		t.Errorf("preferences = %+v", part.Preferences)
	}
	var parts list[data.Participant]
	decodeBody(t, f.do(entXToken, "GET", "/api/v1/participants", nil), http.StatusOK, &parts)
	if parts.Total != 1 || parts.Items[0].ID != part.ID {
		t.Errorf("X lists participants %+v", parts.Items)
	}
	// Registering for a missing event names event_id.
	env := wantError(t, f.do(entXToken, "POST", "/api/v1/participants",
		data.Participant{EventID: "evt_nosuch", Role: data.RoleEnterprise}), http.StatusUnprocessableEntity, data.CodeInvalid)
	if !env.hasField("event_id") {
		t.Errorf("fields = %v, want event_id", env.Error.Fields)
	}

	// Bank A sees the participants of event E only.
	decodeBody(t, f.do(bankAToken, "GET", "/api/v1/participants", nil), http.StatusOK, &parts)
	if parts.Total != 2 {
		t.Errorf("bank A lists %d participants, want the 2 of event E", parts.Total)
	}
	decodeBody(t, f.do(bankAToken, "GET", "/api/v1/participants?event_id="+f.eventE+"&role=enterprise", nil), http.StatusOK, &parts)
	if parts.Total != 1 || parts.Items[0].ID != f.partWE {
		t.Errorf("bank A enterprise participants of E = %+v", parts.Items)
	}
	// Bank A edits its own desk.
	var desk data.Participant
	decodeBody(t, f.do(bankAToken, "GET", "/api/v1/participants/"+f.partAE, nil), http.StatusOK, &desk)
	desk.Tables = 3
	decodeBody(t, f.do(bankAToken, "PUT", "/api/v1/participants/"+f.partAE, desk), http.StatusOK, &desk)
	if desk.Tables != 3 {
		t.Errorf("tables = %d", desk.Tables)
	}

	decodeBody(t, f.do(entXToken, "DELETE", "/api/v1/participants/"+part.ID, nil), http.StatusNoContent, nil)
	decodeBody(t, f.do(orgToken, "DELETE", "/api/v1/events/"+ev.ID, nil), http.StatusNoContent, nil)
	decodeBody(t, f.do(orgToken, "DELETE", "/api/v1/pools/"+pool.ID, nil), http.StatusNoContent, nil)
}

func TestBankSeesConsentingEnterprises(t *testing.T) {
	f := newFixture(t, Config{})
	ids := func(es []data.Enterprise) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.ID)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(s ...string) []string { slices.Sort(s); return s }

	var l list[data.Enterprise]
	decodeBody(t, f.do(bankAToken, "GET", "/api/v1/enterprises", nil), http.StatusOK, &l)
	if got, want := ids(l.Items), sorted(f.entX, f.entY, f.entW); !slices.Equal(got, want) || l.Total != 3 {
		t.Errorf("bank A sees %v (total %d), want %v", got, l.Total, want)
	}
	decodeBody(t, f.do(bankBToken, "GET", "/api/v1/enterprises?size=1&page=3", nil), http.StatusOK, &l)
	if l.Total != 3 || len(l.Items) != 1 {
		t.Errorf("bank B page 3 of 1 = %d items, total %d; want 1, 3", len(l.Items), l.Total)
	}
	decodeBody(t, f.do(entXToken, "GET", "/api/v1/enterprises", nil), http.StatusOK, &l)
	if l.Total != 1 || l.Items[0].ID != f.entX {
		t.Errorf("X lists %+v", l.Items)
	}

	var pats list[data.Patent]
	decodeBody(t, f.do(bankAToken, "GET", "/api/v1/patents", nil), http.StatusOK, &pats)
	var got []string
	for _, p := range pats.Items {
		got = append(got, p.ApplicationNumber)
	}
	slices.Sort(got)
	if want := sorted(f.patX, f.patY, f.patW); !slices.Equal(got, want) || pats.Total != 3 {
		t.Errorf("bank A sees patents %v (total %d), want %v", got, pats.Total, want)
	}
	decodeBody(t, f.do(bankAToken, "GET", "/api/v1/patents?size=1&page=2", nil), http.StatusOK, &pats)
	if pats.Total != 3 || len(pats.Items) != 1 {
		t.Errorf("bank A patents page 2 = %d items, total %d", len(pats.Items), pats.Total)
	}
	decodeBody(t, f.do(bankAToken, "GET", "/api/v1/patents?owner_id="+f.entW, nil), http.StatusOK, &pats)
	if pats.Total != 1 || pats.Items[0].ApplicationNumber != f.patW {
		t.Errorf("bank A patents of W = %+v", pats.Items)
	}
	var e data.Enterprise
	decodeBody(t, f.do(bankAToken, "GET", "/api/v1/enterprises/"+f.entW, nil), http.StatusOK, &e)
	decodeBody(t, f.do(bankBToken, "GET", "/api/v1/enterprises/"+f.entZ, nil), http.StatusOK, &e)
	wantError(t, f.do(bankBToken, "GET", "/api/v1/enterprises/"+f.entW, nil), http.StatusNotFound, data.CodeNotFound)
}

func TestDealsAndStages(t *testing.T) {
	f := newFixture(t, Config{})
	// Bank A records a deal with W (registered at its event) for its product.
	d := storetest.Deal(9, f.entW, "", f.prodA)
	var deal data.Deal
	decodeBody(t, f.do(bankAToken, "POST", "/api/v1/deals", d), http.StatusCreated, &deal)
	if deal.BankID != f.bankA || deal.Stage != data.StageRegistered {
		t.Fatalf("deal = bank %s stage %s", deal.BankID, deal.Stage)
	}

	var moved data.Deal
	decodeBody(t, f.do(bankAToken, "POST", "/api/v1/deals/"+deal.ID+"/stage",
		map[string]string{"stage": "met", "note": "对接会现场洽谈"}), http.StatusOK, &moved)
	if moved.Stage != data.StageMet || len(moved.History) != 2 || moved.History[1].By != "bank A" || moved.History[1].Note != "对接会现场洽谈" {
		t.Errorf("moved = %s %+v", moved.Stage, moved.History)
	}
	var stored data.Deal
	decodeBody(t, f.do(orgToken, "GET", "/api/v1/deals/"+deal.ID, nil), http.StatusOK, &stored)
	if stored.Stage != data.StageMet {
		t.Errorf("stored stage = %s", stored.Stage)
	}

	// A disallowed move is a conflict and changes nothing.
	before := f.snapshot()
	wantError(t, f.do(bankAToken, "POST", "/api/v1/deals/"+deal.ID+"/stage", map[string]string{"stage": "disbursed"}),
		http.StatusConflict, data.CodeConflict)
	env := wantError(t, f.do(bankAToken, "POST", "/api/v1/deals/"+deal.ID+"/stage", map[string]string{"stage": "flying"}),
		http.StatusUnprocessableEntity, data.CodeInvalid)
	if !env.hasField("stage") {
		t.Errorf("unknown stage names %v", env.Error.Fields)
	}
	// PUT cannot change the stage.
	stored.Stage = data.StageRepaid
	env = wantError(t, f.do(bankAToken, "PUT", "/api/v1/deals/"+deal.ID, stored), http.StatusUnprocessableEntity, data.CodeInvalid)
	if !env.hasField("stage") {
		t.Errorf("PUT stage names %v", env.Error.Fields)
	}
	f.unchanged(before)

	// PUT keeps the history even when the body leaves it out.
	stored.Stage, stored.History, stored.Amount = "", nil, 2_000_000
	var put data.Deal
	decodeBody(t, f.do(bankAToken, "PUT", "/api/v1/deals/"+deal.ID, stored), http.StatusOK, &put)
	if put.Amount != 2_000_000 || put.Stage != data.StageMet || len(put.History) != 2 {
		t.Errorf("PUT = amount %d stage %s history %d", put.Amount, put.Stage, len(put.History))
	}

	var l list[data.Deal]
	decodeBody(t, f.do(bankAToken, "GET", "/api/v1/deals?stage=met", nil), http.StatusOK, &l)
	if l.Total != 1 || l.Items[0].ID != deal.ID {
		t.Errorf("bank A deals at met = %+v", l.Items)
	}
	decodeBody(t, f.do(bankAToken, "GET", "/api/v1/deals?bank_id="+f.bankA, nil), http.StatusOK, &l)
	if l.Total != 2 {
		t.Errorf("bank A deals = %d, want 2", l.Total)
	}
	decodeBody(t, f.do(entXToken, "GET", "/api/v1/deals", nil), http.StatusOK, &l)
	if l.Total != 1 || l.Items[0].ID != f.dealA {
		t.Errorf("X deals = %+v", l.Items)
	}
	decodeBody(t, f.do(orgToken, "GET", "/api/v1/deals?enterprise_id="+f.entY+"&stage=registered", nil), http.StatusOK, &l)
	if l.Total != 1 || l.Items[0].ID != f.dealB {
		t.Errorf("organizer deals of Y = %+v", l.Items)
	}
	wantError(t, f.do(orgToken, "GET", "/api/v1/deals?stage=nope", nil), http.StatusBadRequest, data.CodeMalformed)
	decodeBody(t, f.do(orgToken, "DELETE", "/api/v1/deals/"+deal.ID, nil), http.StatusNoContent, nil)
}

func TestTokens(t *testing.T) {
	f := newFixture(t, Config{})
	w := f.do(orgToken, "POST", "/api/v1/tokens", map[string]string{"role": "bank", "bank_id": f.bankB, "label": "B desk"})
	var tok struct {
		data.Token
		Secret string `json:"secret"`
	}
	decodeBody(t, w, http.StatusCreated, &tok)
	if tok.Secret == "" || tok.ID == "" || tok.BankID != f.bankB {
		t.Fatalf("token = %+v", tok)
	}
	if strings.Contains(w.Body.String(), data.HashToken(tok.Secret)) {
		t.Errorf("the token's hash leaked: %s", w.Body)
	}
	// The new secret works, reading back never shows it.
	decodeBody(t, f.do(tok.Secret, "GET", "/api/v1/products", nil), http.StatusOK, nil)
	r := f.do(orgToken, "GET", "/api/v1/tokens/"+tok.ID, nil)
	decodeBody(t, r, http.StatusOK, nil)
	if strings.Contains(r.Body.String(), tok.Secret) || strings.Contains(r.Body.String(), "secret") {
		t.Errorf("GET token shows its secret: %s", r.Body)
	}
	var l list[data.Token]
	decodeBody(t, f.do(orgToken, "GET", "/api/v1/tokens?bank_id="+f.bankB, nil), http.StatusOK, &l)
	if l.Total != 2 {
		t.Errorf("tokens of bank B = %d, want 2", l.Total)
	}
	env := wantError(t, f.do(orgToken, "POST", "/api/v1/tokens", map[string]string{"role": "bank", "bank_id": "bank_nosuch"}),
		http.StatusUnprocessableEntity, data.CodeInvalid)
	if !env.hasField("bank_id") {
		t.Errorf("fields %v, want bank_id", env.Error.Fields)
	}
	env = wantError(t, f.do(orgToken, "POST", "/api/v1/tokens", map[string]string{"role": "bank"}),
		http.StatusUnprocessableEntity, data.CodeInvalid)
	if !env.hasField("bank_id") {
		t.Errorf("fields %v, want bank_id", env.Error.Fields)
	}
	wantError(t, f.do(orgToken, "PUT", "/api/v1/tokens/"+tok.ID, tok.Token), http.StatusMethodNotAllowed, door.CodeMethodNotAllowed)

	decodeBody(t, f.do(orgToken, "DELETE", "/api/v1/tokens/"+tok.ID, nil), http.StatusNoContent, nil)
	wantError(t, f.do(tok.Secret, "GET", "/api/v1/products", nil), http.StatusUnauthorized, data.CodeUnauthorized)
}

func TestImport(t *testing.T) {
	f := newFixture(t, Config{})
	var lines []string
	for i := 200; i < 203; i++ {
		j, _ := json.Marshal(storetest.Enterprise(i))
		lines = append(lines, string(j))
	}
	var rep data.ImportReport
	decodeBody(t, f.do(orgToken, "POST", "/api/v1/import/enterprises?format=jsonl", strings.Join(lines, "\n")), http.StatusOK, &rep)
	if rep.Imported != 3 || len(rep.Rejected) != 0 {
		t.Errorf("report = %+v", rep)
	}

	// Enterprise X imports its own patent; the owner is forced to X.
	p := storetest.Patent(300)
	j, _ := json.Marshal(p)
	decodeBody(t, f.do(entXToken, "POST", "/api/v1/import/patents", j), http.StatusOK, &rep)
	if rep.Imported != 1 {
		t.Fatalf("report = %+v", rep)
	}
	var got data.Patent
	decodeBody(t, f.do(entXToken, "GET", "/api/v1/patents/"+p.ApplicationNumber, nil), http.StatusOK, &got)
	if got.OwnerID != f.entX {
		t.Errorf("imported patent owned by %q, want X", got.OwnerID)
	}

	// A row naming another owner is not imported for that owner.
	p = storetest.Patent(301)
	p.OwnerID = f.entY
	j, _ = json.Marshal(p)
	decodeBody(t, f.do(entXToken, "POST", "/api/v1/import/patents", j), http.StatusOK, &rep)
	var pats list[data.Patent]
	decodeBody(t, f.do(orgToken, "GET", "/api/v1/patents?owner_id="+f.entY, nil), http.StatusOK, &pats)
	if pats.Total != 1 {
		t.Errorf("Y owns %d patents after X's import, want 1", pats.Total)
	}

	// Bank A imports a product of its own.
	pr := storetest.Product(40, "")
	j, _ = json.Marshal(pr)
	decodeBody(t, f.do(bankAToken, "POST", "/api/v1/import/products", j), http.StatusOK, &rep)
	if rep.Imported != 1 {
		t.Errorf("bank import report = %+v", rep)
	}

	wantError(t, f.do(orgToken, "POST", "/api/v1/import/enterprises?format=xml", "x"), http.StatusUnprocessableEntity, data.CodeInvalid)
	wantError(t, f.do(orgToken, "POST", "/api/v1/import/enterprises?fmt=csv", "x"), http.StatusBadRequest, data.CodeMalformed)
}

func TestImportTooLarge(t *testing.T) {
	f := newFixture(t, Config{MaxImportBytes: 1024})
	var lines []string
	for i := 200; len(strings.Join(lines, "\n")) <= 1024; i++ {
		j, _ := json.Marshal(storetest.Enterprise(i))
		lines = append(lines, string(j))
	}
	before := f.snapshot()
	wantError(t, f.do(orgToken, "POST", "/api/v1/import/enterprises", strings.Join(lines, "\n")),
		http.StatusRequestEntityTooLarge, data.CodeTooLarge)
	// Without a Content-Length the limit is found while reading.
	req := httptest.NewRequest("POST", "/api/v1/import/enterprises", struct{ *strings.Reader }{strings.NewReader(strings.Join(lines, "\n"))})
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer "+orgToken)
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	wantError(t, w, http.StatusRequestEntityTooLarge, data.CodeTooLarge)
	f.unchanged(before)
}

// TestErrorEnvelope checks the envelope and status of every kind of
// failure, and that none of them wrote anything.
func TestErrorEnvelope(t *testing.T) {
	f := newFixture(t, Config{MaxBodyBytes: 2048})
	ent := mustJSON(t, storetest.Enterprise(77))
	badCode := mustJSON(t, storetest.Enterprise(77))
	cc := badCode["credit_code"].(string)
	last := "0"
	if cc[17] == '0' {
		last = "1"
	}
	badCode["credit_code"] = cc[:17] + last
	existing := mustJSON(t, storetest.Enterprise(1)) // X's credit code

	tests := []struct {
		name         string
		tok          string
		method, path string
		body         any
		status       int
		code         data.Code
		field        string // a field the envelope must name, if any
		message      string // a substring of the message, if any
	}{
		{"syntax error", orgToken, "POST", "/api/v1/banks", "{\n  \"name\": \"x\",\n}", 400, data.CodeMalformed, "", "line 3, column 1"},
		{"truncated", orgToken, "POST", "/api/v1/banks", `{"name": "x"`, 400, data.CodeMalformed, "", "ends early"},
		{"empty body", orgToken, "POST", "/api/v1/banks", "", 400, data.CodeMalformed, "", "empty"},
		{"two values", orgToken, "POST", "/api/v1/banks", `{} {}`, 400, data.CodeMalformed, "", "exactly one"},
		{"not an object", orgToken, "POST", "/api/v1/banks", `[1]`, 400, data.CodeMalformed, "", "object"},
		{"unknown field", orgToken, "POST", "/api/v1/banks", `{"name": "x", "colour": "red"}`, 400, data.CodeMalformed, "colour", ""},
		{"wrong type", orgToken, "POST", "/api/v1/banks", `{"name": 5}`, 400, data.CodeMalformed, "name", "string"},
		{"wrong nested type", orgToken, "POST", "/api/v1/enterprises", `{"need": {"amount": "lots"}}`, 400, data.CodeMalformed, "need.amount", ""},
		{"bad date", orgToken, "POST", "/api/v1/enterprises", `{"name": "x", "founded": "yesterday"}`, 400, data.CodeMalformed, "founded", ""},
		{"date of wrong type", orgToken, "POST", "/api/v1/enterprises", `{"founded": 2001}`, 400, data.CodeMalformed, "founded", ""},
		{"no token", "", "GET", "/api/v1/banks", nil, 401, data.CodeUnauthorized, "", ""},
		{"bad token", "ipm_nope", "GET", "/api/v1/banks", nil, 401, data.CodeUnauthorized, "", ""},
		{"forbidden", bankAToken, "POST", "/api/v1/banks", storetest.Bank(5), 403, data.CodeForbidden, "", ""},
		{"unknown id", orgToken, "GET", "/api/v1/banks/bank_nosuch", nil, 404, data.CodeNotFound, "", ""},
		{"unknown deal", orgToken, "POST", "/api/v1/deals/deal_nosuch/stage", `{"stage": "met"}`, 404, data.CodeNotFound, "", ""},
		{"unknown route", orgToken, "GET", "/api/v1/nothing", nil, 404, data.CodeNotFound, "", ""},
		{"unknown route outside", "", "GET", "/nothing", nil, 404, data.CodeNotFound, "", ""},
		{"trailing slash", orgToken, "GET", "/api/v1/banks/", nil, 404, data.CodeNotFound, "", ""},
		{"method not allowed", orgToken, "PATCH", "/api/v1/banks/x", `{}`, 405, door.CodeMethodNotAllowed, "", "GET"},
		{"conflict", orgToken, "POST", "/api/v1/enterprises", existing, 409, data.CodeConflict, "", ""},
		{"bad transition", orgToken, "POST", "/api/v1/deals/DEALA/stage", `{"stage": "repaid"}`, 409, data.CodeConflict, "", ""},
		{"too large", orgToken, "POST", "/api/v1/enterprises", `{"name": "` + strings.Repeat("x", 4096) + `"}`, 413, data.CodeTooLarge, "", ""},
		{"invalid credit code", orgToken, "POST", "/api/v1/enterprises", badCode, 422, data.CodeInvalid, "credit_code", ""},
		{"invalid fields", orgToken, "POST", "/api/v1/banks", `{"region": "999999"}`, 422, data.CodeInvalid, "region", ""},
		{"id given on create", orgToken, "POST", "/api/v1/enterprises", mergeMap(ent, "id", "ent_mine"), 422, data.CodeInvalid, "id", ""},
		{"id mismatch on put", orgToken, "PUT", "/api/v1/enterprises/ENTX", mergeMap(ent, "id", "ent_other"), 422, data.CodeInvalid, "id", ""},
		{"product of a missing bank", orgToken, "POST", "/api/v1/products", storetest.Product(7, "bank_nosuch"), 422, data.CodeInvalid, "bank_id", "do not exist"},
		{"patent of a missing owner", orgToken, "POST", "/api/v1/patents", func() data.Patent { p := storetest.Patent(7); p.OwnerID = "ent_nosuch"; return p }(), 422, data.CodeInvalid, "owner_id", ""},
		{"registration for a missing event", orgToken, "POST", "/api/v1/participants", storetest.Participant(7, "evt_nosuch"), 422, data.CodeInvalid, "event_id", ""},
		{"bad page", orgToken, "GET", "/api/v1/banks?page=0", nil, 400, data.CodeMalformed, "page", ""},
		{"bad size", orgToken, "GET", "/api/v1/banks?size=501", nil, 400, data.CodeMalformed, "size", ""},
		{"size not a number", orgToken, "GET", "/api/v1/banks?size=ten", nil, 400, data.CodeMalformed, "size", ""},
		{"unknown parameter", orgToken, "GET", "/api/v1/banks?colour=red", nil, 400, data.CodeMalformed, "colour", ""},
		{"bad boolean", orgToken, "GET", "/api/v1/products?active=maybe", nil, 400, data.CodeMalformed, "active", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := strings.ReplaceAll(tt.path, "DEALA", f.dealA)
			path = strings.ReplaceAll(path, "ENTX", f.entX)
			before := f.snapshot()
			w := f.do(tt.tok, tt.method, path, tt.body)
			env := wantError(t, w, tt.status, tt.code)
			if tt.field != "" && !env.hasField(tt.field) {
				t.Errorf("fields = %+v, want one naming %q", env.Error.Fields, tt.field)
			}
			if tt.message != "" && !strings.Contains(env.Error.Message, tt.message) {
				t.Errorf("message = %q, want it to contain %q", env.Error.Message, tt.message)
			}
			if tt.status == http.StatusUnauthorized && !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q", w.Header().Get("WWW-Authenticate"))
			}
			if tt.status == http.StatusMethodNotAllowed && w.Header().Get("Allow") == "" {
				t.Errorf("405 without Allow")
			}
			f.unchanged(before)
		})
	}
}

func mergeMap(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{k: v}
	for key, val := range m {
		if key != k {
			out[key] = val
		}
	}
	return out
}

func TestRequestIDAndAccessLog(t *testing.T) {
	f := newFixture(t, Config{})
	req := httptest.NewRequest("GET", "/api/v1/banks", nil)
	req.Header.Set("Authorization", "Bearer "+bankAToken)
	req.Header.Set("X-Request-ID", "trace-42.a_b")
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	if got := w.Header().Get("X-Request-ID"); got != "trace-42.a_b" {
		t.Errorf("X-Request-ID = %q, want the client's", got)
	}
	var line map[string]any
	for l := range strings.SplitSeq(strings.TrimSpace(f.logs.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" && m["request_id"] == "trace-42.a_b" {
			line = m
		}
	}
	if line == nil {
		t.Fatalf("no access log line for the request in %s", f.logs)
	}
	if line["method"] != "GET" || line["path"] != "/api/v1/banks" || line["status"] != 200.0 || line["role"] != "bank" || line["duration"] == nil {
		t.Errorf("access log line = %v", line)
	}

	for _, bad := range []string{"", "has space", strings.Repeat("x", 200), "<script>"} {
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.Header.Set("X-Request-ID", bad)
		w := httptest.NewRecorder()
		f.h.ServeHTTP(w, req)
		if got := w.Header().Get("X-Request-ID"); got == bad || !door.SaneRequestID(got) {
			t.Errorf("incoming id %q answered with %q; want a fresh one", bad, got)
		}
	}
}

// faultyStore fails or panics on Banks().Count and passes everything else
// to the real store.
type faultyStore struct {
	data.Store
	panics bool
}

type faultyBanks struct {
	data.Table[data.Bank]
	panics bool
}

func (s faultyStore) Banks() data.Table[data.Bank] {
	return faultyBanks{Table: s.Store.Banks(), panics: s.panics}
}

func (b faultyBanks) Count(ctx context.Context) (int, error) {
	if b.panics {
		panic("disk on fire")
	}
	return 0, errors.New("sqlite: database is locked at /var/secret/path")
}

func TestInternalErrorsAndPanics(t *testing.T) {
	for _, panics := range []bool{false, true} {
		store := openStore(t)
		f := newFixtureOn(t, faultyStore{Store: store, panics: panics}, Config{})
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.Header.Set("X-Request-ID", "boom-1")
		w := httptest.NewRecorder()
		f.h.ServeHTTP(w, req)
		env := wantError(t, w, http.StatusInternalServerError, data.CodeInternal)
		if env.Error.Message != "internal error" || strings.Contains(w.Body.String(), "secret") || strings.Contains(w.Body.String(), "fire") {
			t.Errorf("500 body leaks detail: %s", w.Body)
		}
		logs := f.logs.String()
		want := "internal error"
		if panics {
			want = "disk on fire"
		}
		var found int
		for l := range strings.SplitSeq(strings.TrimSpace(logs), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && m["level"] == "ERROR" {
				found++
				if m["request_id"] != "boom-1" || !strings.Contains(l, want) {
					t.Errorf("error log line %s; want request_id boom-1 and %q", l, want)
				}
				if panics && !strings.Contains(l, "goroutine") {
					t.Errorf("panic logged without a stack: %s", l)
				}
			}
		}
		if found != 1 {
			t.Errorf("panics=%v: %d error log lines, want exactly 1:\n%s", panics, found, logs)
		}
	}
}

// TestConcurrentCreatesOfOneKey sends the same new enterprise many times at
// once: exactly one create succeeds, the others get 409, and one record is
// stored.
func TestConcurrentCreatesOfOneKey(t *testing.T) {
	f := newFixture(t, Config{})
	ent := mustJSON(t, storetest.Enterprise(88))
	before, err := f.store.Enterprises().Count(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- f.do(orgToken, "POST", "/api/v1/enterprises", ent).Code
		}()
	}
	wg.Wait()
	close(codes)
	created, conflicts := 0, 0
	for c := range codes {
		switch c {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
			conflicts++
		default:
			t.Errorf("status %d", c)
		}
	}
	after, _ := f.store.Enterprises().Count(t.Context())
	if created != 1 || conflicts != n-1 || after != before+1 {
		t.Fatalf("%d created, %d conflicts, %d → %d records; want 1, %d, one more", created, conflicts, before, after, n-1)
	}
}
