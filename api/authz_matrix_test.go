package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
	"ipmatch/data/storetest"
	"ipmatch/door"
	"ipmatch/search"
	"ipmatch/web"
)

// The authorization matrix: every route of the router × every kind of
// caller, on the caller's own records and on someone else's, with the
// status policy.go's rules give. TestAuthzMatrix enumerates the routes from
// the router itself, so a route added without a row here fails the test.
//
// Callers (columns of want):
//
//	org         the organizer, on bank A's and enterprise X's records
//	bank/own    bank A on its own records (and W, an enterprise it sees)
//	bank/other  bank A on bank B's records (and an enterprise it may not see)
//	ent/own     enterprise X on its own records
//	ent/other   enterprise X on enterprise Y's records (and what it may not see)
//	anon        no credentials
//	bad         an unknown bearer token and a malformed Authorization header
//	            (pages: a failed sign-in with the unknown token)
//
// Every response is checked for leaks (stack traces, store internals,
// records the caller may not see); a refused read (404 on a hidden record,
// 403 on a list filter naming one) must answer exactly like one about a
// missing record; a refused write must leave
// the store unchanged, and a permitted write runs on a fresh world so it
// does not leak into other cells.

// mCaller is a column of the matrix.
type mCaller int

const (
	mOrg mCaller = iota
	mBankOwn
	mBankOther
	mEntOwn
	mEntOther
	mAnon
	mBad
	mCallers
)

var mCallerNames = [mCallers]string{"org", "bank/own", "bank/other", "ent/own", "ent/other", "anon", "bad"}

// mWant lists the statuses of a row: org, bank/own, bank/other, ent/own,
// ent/other, anon, bad.
func mWant(org, bankOwn, bankOther, entOwn, entOther, anon, bad int) [mCallers]int {
	return [mCallers]int{org, bankOwn, bankOther, entOwn, entOther, anon, bad}
}

// Common rows of statuses.
var (
	// mAPIAll: any signed-in caller may; no credentials is 401.
	mAPIAll = mWant(200, 200, 200, 200, 200, 401, 401)
	// mAPIOrgOnly: the organizer may, banks and enterprises are forbidden.
	mAPIOrgOnly = mWant(200, 403, 403, 403, 403, 401, 401)
	// mPageGetOrg etc.: a page of one role; others get a 403 page, a
	// browser without a session goes to the sign-in page (303).
	mPageGetOrg  = mWant(200, 403, 403, 403, 403, 303, 303)
	mPageGetBank = mWant(403, 200, 200, 403, 403, 303, 303)
	mPageGetEnt  = mWant(403, 403, 403, 200, 200, 303, 303)
)

// mRow is one route tried by every caller. A route may have several rows
// (variants); every route needs at least one.
type mRow struct {
	// route is how the router lists it: "METHOD /path/:param".
	route string
	// path is the request path with {placeholders} (see mSubject).
	path string
	// body returns the JSON (API) body; raw bodies are strings.
	body func(w *mWorld, s mSubject) any
	// form returns a page form (POST); the CSRF token is added.
	form func(w *mWorld, s mSubject) url.Values
	// hidden names the placeholder of the record a refusal is about (or
	// several, comma-separated: the first found in the path counts): a 404,
	// and a 403 of a read, must read exactly like the answer about a
	// missing record.
	hidden string
	// readOnly marks a POST that writes nothing to the store (so a
	// permitted one needs no fresh world).
	readOnly bool
	want     [mCallers]int
	// check, when set, checks more of an answer with the status wanted.
	check func(t *testing.T, w *mWorld, c mCaller, r *httptest.ResponseRecorder)
}

// mSubject maps placeholders to the records a caller acts on.
type mSubject map[string]string

// expand replaces the {placeholders} of s in p.
func (s mSubject) expand(t *testing.T, p string) string {
	t.Helper()
	for k, v := range s {
		p = strings.ReplaceAll(p, "{"+k+"}", v)
	}
	if strings.Contains(p, "{") {
		t.Fatalf("unknown placeholder in %q", p)
	}
	return p
}

// mWorld is the fixture plus what the matrix adds: registrations of X at
// event E and of Y at event F, both deals under the pool, users for the
// password sign-in, published schedules of E and F (with a
// meeting of X and bank A at E), a draft event G where bank A has a desk
// and X is registered, and an empty draft event H.
type mWorld struct {
	*fixture
	partXE, partYF string
	// partAG and partXG are bank A's desk and X's registration at the
	// draft event G, which still takes changes.
	partAG, partXG string
	// loneBank and loneEnt are a bank and an enterprise (not in the pool)
	// that no record names, so the organizer may delete them.
	loneBank, loneEnt string
	// declined (with its patent declinedPat) registered for event E, where
	// bank A has a desk, saying no_thanks to bank A: A may not see it.
	declined, declinedPat string
	eventG, eventH        string
	// firm is an appraisal firm; apprA bank A's appraisal of W, apprB bank
	// B's of Z, apprX the organizer's of X, apprY the organizer's of Y.
	firm, apprA, apprB, apprX, apprY string
	// alertA and alertB are alerts of deals A (bank A) and B (bank B);
	// banks A and B have webhooks.
	alertA, alertB string
	// appl is an enterprise's application, waiting for review.
	appl string
	// policy is a support policy (issue 19).
	policy string
	tokIDs map[string]string // by secret
	idx    *search.Index     // nil without search
	// hidden lists, by caller, what the caller may never see (hideFrom).
	hidden [mCallers][]string

	// userEnt is the ID of the user matrix.ent (enterprise X).
	userEnt string
}

// Secrets of the "bad" caller: never stored.
const (
	mUnknownToken   = "ipm_test_no_such_token"
	mMalformedAuthz = "Token ipm_test_ent_x" // wrong scheme
)

// mPassword is the password of the world's users.
const mPassword = "matrix-password-1"

var mRemote atomic.Int64

// mRemoteAddr gives every request of the matrix its own client address, so
// failed credentials never add up to a rate limit.
func mRemoteAddr() string {
	n := mRemote.Add(1)
	return fmt.Sprintf("10.%d.%d.%d:1234", 1+n/62500%250, n/250%250, 1+n%250)
}

// newMatrixWorld builds the world; withSearch serves the search endpoints
// too (a world for one write cell does without: searches only read).
func newMatrixWorld(t *testing.T, withSearch bool) *mWorld {
	t.Helper()
	var f *fixture
	var idx *search.Index
	if withSearch {
		var store data.Store
		store, idx = openSearchStore(t)
		f = newFixtureOn(t, store, Config{Search: idx})
	} else {
		f = newFixture(t, Config{})
	}
	store := f.store
	w := &mWorld{fixture: f, idx: idx, tokIDs: map[string]string{}}
	ctx := t.Context()

	evG, evH := storetest.Event(7), storetest.Event(8)
	put(t, store.Events(), &evG, &evH)
	w.eventG, w.eventH = evG.ID, evH.ID
	parts := []*data.Participant{
		{EventID: f.eventE, Role: data.RoleEnterprise, EnterpriseID: f.entX},
		{EventID: f.eventF, Role: data.RoleEnterprise, EnterpriseID: f.entY},
		{EventID: w.eventG, Role: data.RoleBankDesk, BankID: f.bankA, Tables: 1},
		{EventID: w.eventG, Role: data.RoleEnterprise, EnterpriseID: f.entX},
	}
	put(t, store.Participants(), parts...)
	w.partXE, w.partYF = parts[0].ID, parts[1].ID
	w.partAG, w.partXG = parts[2].ID, parts[3].ID
	loneBank, loneEnt := storetest.Bank(9), storetest.Enterprise(9)
	loneEnt.Consents.Pool = false
	put(t, store.Banks(), &loneBank)
	put(t, store.Enterprises(), &loneEnt)
	w.loneBank, w.loneEnt = loneBank.ID, loneEnt.ID
	declined, declinedPat := storetest.Enterprise(8), storetest.Patent(8)
	declined.Consents.Pool = false
	put(t, store.Enterprises(), &declined)
	declinedPat.OwnerID = declined.ID
	put(t, store.Patents(), &declinedPat)
	put(t, store.Participants(), &data.Participant{EventID: f.eventE, Role: data.RoleEnterprise, EnterpriseID: declined.ID,
		Preferences: []data.Preference{{Target: f.bankA, Kind: data.NoThanks}}})
	w.declined, w.declinedPat = declined.ID, declinedPat.ApplicationNumber

	// Users for the password sign-in, hashed at bcrypt's lowest cost so
	// that the matrix stays fast.
	addUser(t, f, data.User{Username: "matrix.org", Role: data.RoleOrganizer}, mPassword)
	addUser(t, f, data.User{Username: "matrix.bank", Role: data.RoleBank, BankID: f.bankA}, mPassword)
	w.userEnt = addUser(t, f, data.User{Username: "matrix.ent", Role: data.RoleCompany, EnterpriseID: f.entX}, mPassword).ID

	for _, secret := range []string{orgToken, bankAToken, bankBToken, entXToken, entYToken} {
		tok, err := store.Tokens().GetByKey(ctx, data.HashToken(secret))
		if err != nil {
			t.Fatal(err)
		}
		w.tokIDs[secret] = tok.ID
	}

	// An appraisal firm and four appraisals, one per recorder and party.
	firm := storetest.Appraiser(1)
	put(t, store.Appraisers(), &firm)
	w.firm = firm.ID
	pol := storetest.Policy(1)
	put(t, store.Policies(), &pol)
	w.policy = pol.ID
	apprs := []*data.Appraisal{}
	for i, a := range []struct{ ent, pat, bank string }{
		{f.entW, f.patW, f.bankA}, {f.entZ, f.patZ, f.bankB}, {f.entX, f.patX, ""}, {f.entY, f.patY, ""},
	} {
		ap := storetest.Appraisal(i+1, a.ent, w.firm, a.bank)
		ap.Patents = []string{a.pat}
		apprs = append(apprs, &ap)
	}
	put(t, store.Appraisals(), apprs...)
	w.apprA, w.apprB, w.apprX, w.apprY = apprs[0].ID, apprs[1].ID, apprs[2].ID, apprs[3].ID

	// Both deals are under the pool, so its risk has something to hide.
	for _, id := range []string{f.dealA, f.dealB} {
		d := mStored(w, store.Deals(), id)
		d.PoolID = f.pool
		put(t, store.Deals(), &d)
	}

	// An alert of each deal, and a webhook of each bank.
	var alerts []string
	for i, d := range []string{f.dealA, f.dealB} {
		deal := mStored(w, store.Deals(), d)
		al := storetest.Alert(i + 1)
		al.DealID, al.BankID, al.EnterpriseID = deal.ID, deal.BankID, deal.EnterpriseID
		al.Key = data.CollateralRisk{DealID: al.DealID, Patent: al.Patent, Kind: al.Kind, Date: al.Date}.Key()
		if err := store.Alerts().Create(ctx, &al); err != nil {
			t.Fatal(err)
		}
		alerts = append(alerts, al.ID)
		hook := storetest.Webhook(i + 1)
		hook.BankID = deal.BankID
		put(t, store.Webhooks(), &hook)
	}
	w.alertA, w.alertB = alerts[0], alerts[1]
	appl := storetest.Application(30)
	appl.ID = data.ApplicationKind.NewID()
	if err := store.Applications().Create(ctx, &appl); err != nil {
		t.Fatal(err)
	}
	w.appl = appl.ID

	// Schedules of E and F, published; X meets bank A at E.
	for _, ev := range []string{f.eventE, f.eventF} {
		if r := w.setup("POST", "/api/v1/events/"+ev+"/schedule", nil); r.Code != 200 {
			t.Fatalf("compute %s: %d %s", ev, r.Code, r.Body)
		}
	}
	r := w.setup("PUT", "/api/v1/events/"+f.eventE+"/schedule/meetings",
		map[string]any{"enterprise_id": f.entX, "bank_id": f.bankA, "table": 1, "slot": 1})
	if r.Code != 200 {
		t.Fatalf("meeting X–A at E: %d %s", r.Code, r.Body)
	}
	for _, ev := range []string{f.eventE, f.eventF} {
		if r := w.setup("POST", "/api/v1/events/"+ev+"/publish", nil); r.Code != 200 {
			t.Fatalf("publish %s: %d %s", ev, r.Code, r.Body)
		}
	}
	w.hideFrom()
	return w
}

// setup sends an organizer request while building the world.
func (w *mWorld) setup(method, path string, body any) *httptest.ResponseRecorder {
	w.t.Helper()
	return w.send(method, path, "Bearer "+orgToken, body, nil)
}

// send sends one request with its own client address. authz is the
// Authorization header ("" for none); cookies are sent as given.
func (w *mWorld) send(method, path, authz string, body any, cookies map[string]string) *httptest.ResponseRecorder {
	w.t.Helper()
	var r io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		r, ctype = strings.NewReader(b), "application/json"
	case url.Values:
		r, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			w.t.Fatalf("marshal body: %v", err)
		}
		r, ctype = bytes.NewReader(j), "application/json"
	}
	req := httptest.NewRequest(method, path, r)
	req.RemoteAddr = mRemoteAddr()
	req.Host = "ipmatch.example.cn"
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	for name, v := range cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: v})
	}
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if cookies == nil {
			break
		}
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(cookies, ck.Name)
		} else {
			cookies[ck.Name] = ck.Value
		}
	}
	return rec
}

// secret is the caller's token ("" for none).
func (c mCaller) secret() string {
	switch c {
	case mOrg:
		return orgToken
	case mBankOwn, mBankOther:
		return bankAToken
	case mEntOwn, mEntOther:
		return entXToken
	case mBad:
		return mUnknownToken
	}
	return ""
}

// mSubject returns the records caller c acts on.
func (w *mWorld) subject(c mCaller) mSubject {
	f := w.fixture
	s := mSubject{
		"bank": f.bankA, "prod": f.prodA, "ent": f.entX, "pat": f.patX, "deal": f.dealA,
		"event": f.eventE, "draft": w.eventG, "open": w.eventH, "part": f.partAE, "pool": f.pool,
		"tok": w.tokIDs[entYToken], "partyq": "bank_id=" + f.bankA, "eventq": "event_id=" + f.eventE,
		"token": c.secret(), "partWE": f.partWE, "ownerq": "",
		"firm": w.firm, "policy": w.policy, "appr": w.apprA, "apprq": "bank_id=" + f.bankA, "apprOrg": w.apprX,
		"partDraft": w.partAG, "pub": f.eventF, "loneBank": w.loneBank, "loneEnt": w.loneEnt,
		"declined": w.declined, "declinedPat": w.declinedPat, "alert": w.alertA, "appl": w.appl,
		"uid": w.userEnt,
	}
	// The password sign-in: the user of the caller's role; no
	// credentials and bad ones try a wrong password.
	s["user"], s["password"] = "matrix.org", mPassword
	switch c {
	case mBankOwn, mBankOther:
		s["user"] = "matrix.bank"
	case mEntOwn, mEntOther:
		s["user"] = "matrix.ent"
	case mAnon, mBad:
		s["password"] = "not-the-password"
	}
	switch c {
	case mBankOwn:
		// W did not join the pool: bank A sees it as W registered for E,
		// where A has a desk.
		s["ent"], s["pat"], s["tok"] = f.entW, f.patW, w.tokIDs[bankAToken]
	case mBankOther:
		s["bank"], s["prod"], s["ent"], s["pat"], s["deal"] = f.bankB, f.prodB, f.entZ, f.patZ, f.dealB
		s["event"], s["part"], s["tok"] = f.eventF, f.partBF, w.tokIDs[bankBToken]
		s["partyq"], s["eventq"] = "bank_id="+f.bankB, "event_id="+f.eventF
		s["appr"], s["apprq"] = w.apprB, "bank_id="+f.bankB
		s["partDraft"] = f.partBF
		s["alert"] = w.alertB
	case mEntOwn:
		s["appr"], s["apprq"] = w.apprX, "enterprise_id="+f.entX
		s["part"], s["tok"] = w.partXE, w.tokIDs[entXToken]
		s["partDraft"] = w.partXG
		s["partyq"], s["eventq"] = "enterprise_id="+f.entX, "enterprise_id="+f.entX
	case mEntOther:
		s["bank"], s["prod"], s["ent"], s["pat"], s["deal"] = f.bankB, f.prodAOff, f.entY, f.patY, f.dealB
		s["event"], s["draft"], s["open"], s["part"], s["tok"] = f.eventF, w.eventH, w.eventG, w.partYF, w.tokIDs[entYToken]
		s["partyq"], s["eventq"] = "enterprise_id="+f.entY, "enterprise_id="+f.entY
		s["appr"], s["apprq"] = w.apprY, "enterprise_id="+f.entY
		s["partDraft"] = w.partYF
	}
	if c != mOrg {
		s["ownerq"] = "&owner_id=" + s["ent"]
	}
	return s
}

// mMissing is an id of each placeholder's kind that names no record.
var mMissing = map[string]string{
	"ent": "ent_missing0000", "pat": storetest.Patent(999).ApplicationNumber, "bank": "bnk_missing0000",
	"prod": "prd_missing0000", "deal": "deal_missing0000", "part": "par_missing0000",
	"tok": "tok_missing0000", "partWE": "par_missing0001", "event": "evt_missing0000", "pool": "pool_missing0000",
	"partDraft": "par_missing0002", "declined": "ent_missing0002", "declinedPat": storetest.Patent(998).ApplicationNumber, "loneBank": "bnk_missing0001", "loneEnt": "ent_missing0001",
	"appr": "appraisal_missing0000", "apprOrg": "appraisal_missing0001", "firm": "appraiser_missing0000", "policy": "policy_missing0000",
	"alert": "alert_missing0000", "appl": "apply_missing0000",
}

// snapshot is the fixture's snapshot plus schedules and users.
func (w *mWorld) snapshot() string {
	w.t.Helper()
	var b strings.Builder
	b.WriteString(w.fixture.snapshot())
	dump(w.t, &b, w.store.Schedules())
	dump(w.t, &b, w.store.Users())
	dump(w.t, &b, w.store.Appraisers())
	dump(w.t, &b, w.store.Appraisals())
	return b.String()
}

// unchangedSince fails the test when a table differs from the snapshot
// before, naming the table.
func (w *mWorld) unchangedSince(t *testing.T, before string) bool {
	t.Helper()
	after := w.snapshot()
	if after == before {
		return true
	}
	tables := []string{"enterprises", "patents", "banks", "products", "events", "participants", "deals", "pools", "tokens", "schedules", "users", "appraisers", "appraisals"}
	b, a := strings.Split(before, "\n"), strings.Split(after, "\n")
	for i := range min(len(a), len(b), len(tables)) {
		if a[i] != b[i] {
			t.Errorf("a refused request changed the %s:\nbefore %.1500s\nafter  %.1500s", tables[i], b[i], a[i])
		}
	}
	return false
}

// mStored returns the record with id from tbl, for building bodies.
func mStored[T any](w *mWorld, tbl data.Table[T], id string) T {
	w.t.Helper()
	rec, err := tbl.Get(w.t.Context(), id)
	if err != nil {
		w.t.Fatalf("Get %s: %v", id, err)
	}
	return rec
}

// matrixRows is the table. Placeholders: bank, prod, ent, pat, deal,
// event (published), draft (draft event: X registered, bank A's desk),
// open (draft event nobody attends), part, pool, tok (a token's id),
// partyq (bank_id=… or enterprise_id=… of the caller's side), eventq (the
// participants filter of the caller's side), partWE (W's registration at
// E), ownerq (&owner_id=… but for the organizer), token (the caller's
// secret), user and password (the password sign-in), firm (an appraisal
// firm), appr (an appraisal of the caller's side: bank A's of W; bank B's
// of Z; the organizer's of X; of Y), apprq (its list filter) and apprOrg
// (the organizer's appraisal of X, which bank A may read but not change).
func matrixRows() []mRow {
	return []mRow{
		// ---- Outside /api/v1 ----
		{route: "GET /healthz", path: "/healthz", want: mWant(200, 200, 200, 200, 200, 200, 200)},
		{route: "HEAD /healthz", path: "/healthz", want: mWant(200, 200, 200, 200, 200, 200, 200)},
		{route: "GET /api/v1/openapi.json", path: "/api/v1/openapi.json", want: mWant(200, 200, 200, 200, 200, 200, 200)},

		// ---- Enterprises ----
		{route: "GET /api/v1/enterprises", path: "/api/v1/enterprises", want: mAPIAll},
		{route: "GET /api/v1/enterprises/:id", path: "/api/v1/enterprises/{ent}", hidden: "ent",
			want: mWant(200, 200, 404, 200, 404, 401, 401)},
		{route: "POST /api/v1/enterprises", path: "/api/v1/enterprises",
			body: func(w *mWorld, s mSubject) any { return storetest.Enterprise(900) },
			want: mWant(201, 403, 403, 403, 403, 401, 401)},
		{route: "PUT /api/v1/enterprises/:id", path: "/api/v1/enterprises/{ent}", hidden: "ent",
			body: func(w *mWorld, s mSubject) any {
				e := mStored(w, w.store.Enterprises(), s["ent"])
				e.Employees++
				return e
			},
			want: mWant(200, 403, 404, 200, 404, 401, 401)},
		// The registered name is the enterprise's identity (patents'
		// applicants are matched against it): only the organizer renames.
		{route: "PUT /api/v1/enterprises/:id", path: "/api/v1/enterprises/{ent}", hidden: "ent",
			body: func(w *mWorld, s mSubject) any {
				e := mStored(w, w.store.Enterprises(), s["ent"])
				e.Name += "（更名）"
				return e
			},
			want: mWant(200, 403, 404, 403, 404, 401, 401)},
		// X has a patent, a deal and registrations: the organizer's delete
		// is refused with 409 naming them; an enterprise no record names
		// is deleted (its tokens and users with it).
		{route: "DELETE /api/v1/enterprises/:id", path: "/api/v1/enterprises/{ent}", hidden: "ent",
			want: mWant(409, 403, 404, 403, 404, 401, 401)},
		{route: "DELETE /api/v1/enterprises/:id", path: "/api/v1/enterprises/{loneEnt}", hidden: "loneEnt",
			want: mWant(204, 404, 404, 404, 404, 401, 401)},
		// An enterprise registered at bank A's event but saying no_thanks
		// to bank A there is hidden from A like one that never consented.
		{route: "GET /api/v1/enterprises/:id", path: "/api/v1/enterprises/{declined}", hidden: "declined",
			want: mWant(200, 404, 404, 404, 404, 401, 401)},

		// ---- Patents ----
		{route: "GET /api/v1/patents", path: "/api/v1/patents?owner_id={ent}", hidden: "ent",
			want: mWant(200, 200, 403, 200, 403, 401, 401)},
		{route: "GET /api/v1/patents/:id", path: "/api/v1/patents/{pat}", hidden: "pat",
			want: mWant(200, 200, 404, 200, 404, 401, 401)},
		{route: "GET /api/v1/patents/:id", path: "/api/v1/patents/{declinedPat}", hidden: "declinedPat",
			want: mWant(200, 404, 404, 404, 404, 401, 401)},
		{route: "POST /api/v1/patents", path: "/api/v1/patents",
			body: func(w *mWorld, s mSubject) any {
				p := storetest.Patent(900)
				p.OwnerID = s["ent"]
				return p
			},
			want: mWant(201, 403, 403, 201, 403, 401, 401)},
		{route: "PUT /api/v1/patents/:id", path: "/api/v1/patents/{pat}", hidden: "pat",
			body: func(w *mWorld, s mSubject) any {
				p := mStored(w, w.store.Patents(), s["pat"])
				p.Title += "（修改）"
				return p
			},
			want: mWant(200, 403, 404, 200, 404, 401, 401)},
		{route: "DELETE /api/v1/patents/:id", path: "/api/v1/patents/{pat}", hidden: "pat",
			want: mWant(204, 403, 404, 204, 404, 401, 401)},
		// Claiming (claim.go): an enterprise claims a patent that is its
		// own (a no-op) or ownerless with its name among the applicants;
		// another's is the claim rule's one 403, naming nothing; banks
		// cannot claim; the organizer assigns any owner.
		{route: "POST /api/v1/patents/:id/claim", path: "/api/v1/patents/{pat}/claim", hidden: "pat",
			body: func(w *mWorld, s mSubject) any { return map[string]string{"owner_id": s["ent"]} },
			want: mWant(200, 403, 403, 200, 403, 401, 401)},

		// ---- Banks ----
		{route: "GET /api/v1/banks", path: "/api/v1/banks", want: mAPIAll},
		{route: "GET /api/v1/banks/:id", path: "/api/v1/banks/{bank}", hidden: "bank",
			want: mWant(200, 200, 404, 200, 200, 401, 401)},
		{route: "POST /api/v1/banks", path: "/api/v1/banks",
			body: func(w *mWorld, s mSubject) any { return storetest.Bank(900) },
			want: mWant(201, 403, 403, 403, 403, 401, 401)},
		{route: "PUT /api/v1/banks/:id", path: "/api/v1/banks/{bank}", hidden: "bank",
			body: func(w *mWorld, s mSubject) any {
				b := mStored(w, w.store.Banks(), s["bank"])
				b.Name += "（更名）"
				return b
			},
			want: mWant(200, 200, 404, 403, 403, 401, 401)},
		// Bank A has products, a deal and desks: 409 naming them; a bank no
		// record names is deleted.
		{route: "DELETE /api/v1/banks/:id", path: "/api/v1/banks/{bank}", hidden: "bank",
			want: mWant(409, 403, 404, 403, 403, 401, 401)},
		{route: "DELETE /api/v1/banks/:id", path: "/api/v1/banks/{loneBank}", hidden: "loneBank",
			want: mWant(204, 404, 404, 403, 403, 401, 401)},

		// ---- Products ----
		{route: "GET /api/v1/products", path: "/api/v1/products?bank_id={bank}", hidden: "bank",
			want: mWant(200, 200, 403, 200, 200, 401, 401)},
		{route: "GET /api/v1/products/:id", path: "/api/v1/products/{prod}", hidden: "prod",
			want: mWant(200, 200, 404, 200, 404, 401, 401)},
		{route: "POST /api/v1/products", path: "/api/v1/products",
			body: func(w *mWorld, s mSubject) any { return storetest.Product(900, s["bank"]) },
			want: mWant(201, 201, 403, 403, 403, 401, 401)},
		{route: "PUT /api/v1/products/:id", path: "/api/v1/products/{prod}", hidden: "prod",
			body: func(w *mWorld, s mSubject) any {
				p := mStored(w, w.store.Products(), s["prod"])
				p.Name += "（修改）"
				return p
			},
			want: mWant(200, 200, 404, 403, 404, 401, 401)},
		// The organizer admits a product to a pool; its bank may not set
		// or remove pool_id (a filing under a pool needs the product
		// admitted to it).
		{route: "PUT /api/v1/products/:id", path: "/api/v1/products/{prod}", hidden: "prod",
			body: func(w *mWorld, s mSubject) any {
				p := mStored(w, w.store.Products(), s["prod"])
				if p.PoolID == "" {
					p.PoolID = s["pool"]
				} else {
					p.PoolID = ""
				}
				return p
			},
			want: mWant(200, 403, 404, 403, 404, 401, 401)},
		{route: "DELETE /api/v1/products/:id", path: "/api/v1/products/{prod}", hidden: "prod",
			want: mWant(204, 204, 404, 403, 404, 401, 401)},

		// ---- Events ----
		{route: "GET /api/v1/events", path: "/api/v1/events", want: mAPIAll},
		{route: "GET /api/v1/events/:id", path: "/api/v1/events/{event}", want: mAPIAll},
		{route: "POST /api/v1/events", path: "/api/v1/events",
			body: func(w *mWorld, s mSubject) any { return storetest.Event(900) },
			want: mWant(201, 403, 403, 403, 403, 401, 401)},
		{route: "PUT /api/v1/events/:id", path: "/api/v1/events/{open}",
			body: func(w *mWorld, s mSubject) any {
				e := mStored(w, w.store.Events(), s["open"])
				e.Name += "（改期）"
				return e
			},
			want: mAPIOrgOnly},
		{route: "DELETE /api/v1/events/:id", path: "/api/v1/events/{open}",
			want: mWant(204, 403, 403, 403, 403, 401, 401)},

		// ---- Participants ----
		{route: "GET /api/v1/participants", path: "/api/v1/participants?{eventq}", hidden: "event,ent",
			want: mWant(200, 200, 403, 200, 403, 401, 401)},
		{route: "GET /api/v1/participants/:id", path: "/api/v1/participants/{part}", hidden: "part",
			want: mWant(200, 200, 404, 200, 404, 401, 401)},
		{route: "POST /api/v1/participants", path: "/api/v1/participants",
			body: func(w *mWorld, s mSubject) any {
				return data.Participant{EventID: s["open"], Role: data.RoleEnterprise, EnterpriseID: s["ent"]}
			},
			want: mWant(201, 403, 403, 201, 403, 401, 401)},
		// Event F is published: registrations are closed to everyone but
		// the organizer (409), through the API as on the pages.
		{route: "POST /api/v1/participants", path: "/api/v1/participants",
			body: func(w *mWorld, s mSubject) any {
				return data.Participant{EventID: s["pub"], Role: data.RoleEnterprise, EnterpriseID: s["ent"]}
			},
			want: mWant(201, 403, 403, 409, 403, 401, 401)},
		// At the published event E a desk and a registration no longer
		// change but by the organizer; at the draft event G they do.
		{route: "PUT /api/v1/participants/:id", path: "/api/v1/participants/{part}", hidden: "part",
			body: func(w *mWorld, s mSubject) any {
				p := mStored(w, w.store.Participants(), s["part"])
				if p.Role == data.RoleBankDesk {
					p.Tables++
				}
				return p
			},
			want: mWant(200, 409, 404, 409, 404, 401, 401)},
		{route: "PUT /api/v1/participants/:id", path: "/api/v1/participants/{partDraft}", hidden: "partDraft",
			body: func(w *mWorld, s mSubject) any {
				p := mStored(w, w.store.Participants(), s["partDraft"])
				if p.Role == data.RoleBankDesk {
					p.Tables++
				}
				return p
			},
			want: mWant(200, 200, 404, 200, 404, 401, 401)},
		// A bank reads the registrations at its events but may not change
		// them; an enterprise does not see another's.
		{route: "PUT /api/v1/participants/:id", path: "/api/v1/participants/{partWE}", hidden: "partWE",
			body: func(w *mWorld, s mSubject) any { return mStored(w, w.store.Participants(), s["partWE"]) },
			want: mWant(200, 403, 403, 404, 404, 401, 401)},
		{route: "DELETE /api/v1/participants/:id", path: "/api/v1/participants/{part}", hidden: "part",
			want: mWant(204, 403, 404, 204, 404, 401, 401)},

		// ---- Deals ----
		{route: "GET /api/v1/deals", path: "/api/v1/deals?{partyq}", hidden: "bank,ent",
			want: mWant(200, 200, 403, 200, 403, 401, 401)},
		{route: "GET /api/v1/deals/:id", path: "/api/v1/deals/{deal}", hidden: "deal",
			want: mWant(200, 200, 404, 200, 404, 401, 401)},
		{route: "POST /api/v1/deals", path: "/api/v1/deals",
			body: func(w *mWorld, s mSubject) any {
				d := storetest.Deal(900, s["ent"], s["bank"], s["prod"])
				d.Patents = nil
				return d
			},
			want: mWant(201, 201, 403, 403, 403, 401, 401)},
		{route: "PUT /api/v1/deals/:id", path: "/api/v1/deals/{deal}", hidden: "deal",
			body: func(w *mWorld, s mSubject) any {
				d := mStored(w, w.store.Deals(), s["deal"])
				d.Amount += 10000
				return d
			},
			want: mWant(200, 200, 404, 403, 404, 401, 401)},
		{route: "DELETE /api/v1/deals/:id", path: "/api/v1/deals/{deal}", hidden: "deal",
			want: mWant(204, 403, 404, 403, 404, 401, 401)},
		{route: "GET /api/v1/deals/:id/risks", path: "/api/v1/deals/{deal}/risks", hidden: "deal",
			want: mWant(200, 200, 404, 200, 404, 401, 401)},
		{route: "POST /api/v1/deals/:id/stage", path: "/api/v1/deals/{deal}/stage", hidden: "deal",
			body: func(w *mWorld, s mSubject) any { return map[string]string{"stage": "met"} },
			want: mWant(200, 200, 404, 403, 404, 401, 401)},

		{route: "POST /api/v1/products/reach", path: "/api/v1/products/reach?as_of=2021-04-23", readOnly: true,
			body: func(w *mWorld, s mSubject) any { return mStored(w, w.store.Products(), s["prod"]) },
			want: mWant(200, 200, 403, 403, 403, 401, 401)},

		// ---- Alerts and webhooks ----
		{route: "GET /api/v1/alerts", path: "/api/v1/alerts?{partyq}", want: mWant(200, 200, 403, 403, 403, 401, 401)},
		{route: "GET /api/v1/alerts/:id", path: "/api/v1/alerts/{alert}", hidden: "alert",
			want: mWant(200, 200, 404, 404, 404, 401, 401)},
		{route: "POST /api/v1/alerts/:id/ack", path: "/api/v1/alerts/{alert}/ack", hidden: "alert",
			want: mWant(200, 200, 404, 403, 403, 401, 401)},
		{route: "POST /api/v1/monitor", path: "/api/v1/monitor?as_of=2021-06-01", want: mAPIOrgOnly},
		{route: "GET /api/v1/banks/:id/webhook", path: "/api/v1/banks/{bank}/webhook", want: mWant(200, 200, 403, 403, 403, 401, 401)},
		{route: "PUT /api/v1/banks/:id/webhook", path: "/api/v1/banks/{bank}/webhook",
			body: func(w *mWorld, s mSubject) any { return map[string]string{"url": "https://bank.example.cn/ipmatch"} },
			want: mWant(200, 200, 403, 403, 403, 401, 401)},
		{route: "DELETE /api/v1/banks/:id/webhook", path: "/api/v1/banks/{bank}/webhook", want: mWant(204, 204, 403, 403, 403, 401, 401)},

		// ---- Pools ----
		{route: "GET /api/v1/pools", path: "/api/v1/pools", want: mAPIAll},
		{route: "GET /api/v1/pools/:id", path: "/api/v1/pools/{pool}", want: mAPIAll},
		{route: "POST /api/v1/pools", path: "/api/v1/pools",
			body: func(w *mWorld, s mSubject) any { return storetest.Pool(900) },
			want: mWant(201, 403, 403, 403, 403, 401, 401)},
		{route: "PUT /api/v1/pools/:id", path: "/api/v1/pools/{pool}",
			body: func(w *mWorld, s mSubject) any {
				p := mStored(w, w.store.Pools(), s["pool"])
				p.Name += "（修改）"
				return p
			},
			want: mAPIOrgOnly},
		{route: "DELETE /api/v1/pools/:id", path: "/api/v1/pools/{pool}",
			want: mWant(204, 403, 403, 403, 403, 401, 401)},
		{route: "GET /api/v1/pools/:id/risk", path: "/api/v1/pools/{pool}/risk?draws=200&seed=1",
			want: mWant(200, 200, 200, 403, 403, 401, 401)},

		// ---- Appraisal firms and appraisals ----
		{route: "GET /api/v1/appraisers", path: "/api/v1/appraisers", want: mAPIAll},
		{route: "GET /api/v1/appraisers/:id", path: "/api/v1/appraisers/{firm}", want: mAPIAll},
		{route: "POST /api/v1/appraisers", path: "/api/v1/appraisers",
			body: func(w *mWorld, s mSubject) any { return storetest.Appraiser(900) },
			want: mWant(201, 403, 403, 403, 403, 401, 401)},
		{route: "PUT /api/v1/appraisers/:id", path: "/api/v1/appraisers/{firm}",
			body: func(w *mWorld, s mSubject) any {
				a := mStored(w, w.store.Appraisers(), s["firm"])
				a.Name += "（更名）"
				return a
			},
			want: mWant(200, 403, 403, 403, 403, 401, 401)},
		{route: "DELETE /api/v1/appraisers/:id", path: "/api/v1/appraisers/{firm}",
			want: mWant(204, 403, 403, 403, 403, 401, 401)},
		{route: "GET /api/v1/appraisals", path: "/api/v1/appraisals?{apprq}", hidden: "bank,ent",
			want: mWant(200, 200, 403, 200, 403, 401, 401)},
		{route: "GET /api/v1/appraisals/:id", path: "/api/v1/appraisals/{appr}", hidden: "appr",
			want: mWant(200, 200, 404, 200, 404, 401, 401)},
		{route: "POST /api/v1/appraisals", path: "/api/v1/appraisals",
			body: func(w *mWorld, s mSubject) any {
				// Of the caller's side's enterprise: W for bank A, Z (which
				// bank A may not see) for bank/other.
				a := storetest.Appraisal(900, s["ent"], w.firm, "")
				a.Patents = []string{s["pat"]}
				return a
			},
			want: mWant(201, 201, 403, 403, 403, 401, 401)},
		{route: "POST /api/v1/appraisals", path: "/api/v1/appraisals",
			body: func(w *mWorld, s mSubject) any {
				// Under another bank's name.
				a := storetest.Appraisal(901, w.entX, w.firm, w.bankB)
				a.Patents = []string{w.patX}
				return a
			},
			want: mWant(201, 403, 403, 403, 403, 401, 401)},
		{route: "PUT /api/v1/appraisals/:id", path: "/api/v1/appraisals/{appr}", hidden: "appr",
			body: func(w *mWorld, s mSubject) any {
				a := mStored(w, w.store.Appraisals(), s["appr"])
				a.Value += 100_000
				return a
			},
			want: mWant(200, 200, 404, 403, 404, 401, 401)},
		{route: "PUT /api/v1/appraisals/:id", path: "/api/v1/appraisals/{apprOrg}",
			body: func(w *mWorld, s mSubject) any {
				// The organizer's record: a bank reads it but may not change it.
				a := mStored(w, w.store.Appraisals(), w.apprX)
				a.Value += 100_000
				return a
			},
			want: mWant(200, 403, 403, 403, 403, 401, 401)},
		{route: "DELETE /api/v1/appraisals/:id", path: "/api/v1/appraisals/{appr}", hidden: "appr",
			want: mWant(204, 204, 404, 403, 404, 401, 401)},

		// ---- Tokens ----
		{route: "GET /api/v1/tokens", path: "/api/v1/tokens", want: mAPIOrgOnly},
		{route: "GET /api/v1/tokens/:id", path: "/api/v1/tokens/{tok}", hidden: "tok",
			want: mWant(200, 404, 404, 404, 404, 401, 401)},
		{route: "POST /api/v1/tokens", path: "/api/v1/tokens",
			body: func(w *mWorld, s mSubject) any {
				return map[string]string{"role": "bank", "bank_id": s["bank"], "label": "matrix"}
			},
			want: mWant(201, 403, 403, 403, 403, 401, 401)},
		{route: "DELETE /api/v1/tokens/:id", path: "/api/v1/tokens/{tok}", hidden: "tok",
			want: mWant(204, 404, 404, 404, 404, 401, 401)},

		// ---- Imports ----
		{route: "POST /api/v1/import/:kind", path: "/api/v1/import/patents?format=jsonl&owner_id={ent}",
			body: func(w *mWorld, s mSubject) any {
				p := storetest.Patent(901)
				j, _ := json.Marshal(p)
				return string(j) + "\n"
			},
			want: mWant(200, 403, 403, 200, 403, 401, 401)},
		{route: "POST /api/v1/import/:kind", path: "/api/v1/import/products?format=jsonl&bank_id={bank}",
			body: func(w *mWorld, s mSubject) any {
				j, _ := json.Marshal(storetest.Product(901, ""))
				return string(j) + "\n"
			},
			want: mWant(200, 200, 403, 403, 403, 401, 401)},
		// An enterprise imports its own profile but, as with PUT, cannot
		// change its credit code: the row is refused. (The organizer
		// imports without owner_id.)
		{route: "POST /api/v1/import/:kind", path: "/api/v1/import/enterprises?format=jsonl{ownerq}",
			body: func(w *mWorld, s mSubject) any {
				e := mStored(w, w.store.Enterprises(), s["ent"])
				e.CreditCode = storetest.CreditCode(990)
				j, _ := json.Marshal(e)
				return string(j) + "\n"
			},
			want: mWant(200, 403, 403, 200, 403, 401, 401),
			check: func(t *testing.T, w *mWorld, c mCaller, r *httptest.ResponseRecorder) {
				e := mStored(w, w.store.Enterprises(), w.entX)
				changed := e.CreditCode == storetest.CreditCode(990)
				if c == mEntOwn && changed {
					t.Errorf("an enterprise changed its credit code by importing its profile: %s", r.Body)
				}
				if c == mOrg && !changed {
					t.Errorf("the organizer's import did not change the credit code: %s", r.Body)
				}
			}},

		// ---- Matching and valuation ----
		{route: "GET /api/v1/enterprises/:id/matches", path: "/api/v1/enterprises/{ent}/matches", hidden: "ent",
			want: mWant(200, 403, 403, 200, 404, 401, 401)},
		{route: "GET /api/v1/enterprises/:id/valuation", path: "/api/v1/enterprises/{ent}/valuation?draws=200&seed=1", hidden: "ent",
			want: mWant(200, 200, 404, 200, 404, 401, 401)},
		{route: "GET /api/v1/products/:id/pipeline", path: "/api/v1/products/{prod}/pipeline", hidden: "prod",
			want: mWant(200, 200, 404, 403, 403, 401, 401)},
		{route: "POST /api/v1/valuations/income", path: "/api/v1/valuations/income", readOnly: true,
			body: func(w *mWorld, s mSubject) any {
				return map[string]any{"cash_flows": []float64{100, 120}, "share_rate": 0.25, "tax_rate": 0.25, "discount_rate": 0.1}
			},
			want: mAPIAll},

		// ---- Events: schedules, exports, publish, report ----
		{route: "POST /api/v1/events/:id/schedule", path: "/api/v1/events/{draft}/schedule", want: mAPIOrgOnly},
		{route: "GET /api/v1/events/:id/schedule", path: "/api/v1/events/{event}/schedule", want: mAPIAll},
		{route: "GET /api/v1/events/:id/schedule", path: "/api/v1/events/{event}/schedule?{partyq}", hidden: "bank,ent",
			want: mWant(200, 200, 403, 200, 403, 401, 401)},
		{route: "PUT /api/v1/events/:id/schedule/meetings", path: "/api/v1/events/{event}/schedule/meetings",
			body: func(w *mWorld, s mSubject) any {
				return map[string]any{"enterprise_id": w.entX, "bank_id": w.bankA, "outcome": "held"}
			},
			want: mAPIOrgOnly},
		{route: "GET /api/v1/events/:id/schedule.csv", path: "/api/v1/events/{event}/schedule.csv?{partyq}",
			want: mWant(200, 200, 403, 200, 403, 401, 401)},
		{route: "GET /api/v1/events/:id/schedule.xlsx", path: "/api/v1/events/{event}/schedule.xlsx?{partyq}",
			want: mWant(200, 200, 403, 200, 403, 401, 401)},
		{route: "GET /api/v1/events/:id/schedule.html", path: "/api/v1/events/{event}/schedule.html?{partyq}",
			want: mWant(200, 200, 403, 200, 403, 401, 401)},
		{route: "GET /api/v1/events/:id/participants/:pid/calendar.ics", path: "/api/v1/events/{event}/participants/{part}/calendar.ics",
			hidden: "part", want: mWant(200, 200, 404, 200, 404, 401, 401)},
		// An enterprise reads only its own wishes (another's is 403 whether
		// or not it exists); banks may not read wishes.
		{route: "GET /api/v1/events/:id/wishes", path: "/api/v1/events/{event}/wishes?enterprise_id={ent}",
			want: mWant(200, 403, 403, 200, 403, 401, 401)},
		{route: "POST /api/v1/events/:id/publish", path: "/api/v1/events/{event}/publish", want: mAPIOrgOnly},
		{route: "GET /api/v1/events/:id/report", path: "/api/v1/events/{event}/report", want: mAPIOrgOnly},

		// ---- Search ----
		// Searches without words find everything the caller may see; the
		// totals and facet counts must count nothing else.
		{route: "GET /api/v1/search/patents", path: "/api/v1/search/patents?facets=region,type", want: mAPIAll,
			check: mSearchTotals(5, 3, 1)}, // the organizer also finds the declined enterprise's patent
		{route: "GET /api/v1/search/enterprises", path: "/api/v1/search/enterprises?facets=region,industry", want: mAPIAll,
			check: mSearchTotals(6, 3, 1)}, // the organizer also finds the lone and the declined enterprise
		{route: "GET /api/v1/search/products", path: "/api/v1/search/products?facets=bank,pool", want: mAPIAll,
			check: mSearchTotals(3, 2, 2)},
		{route: "GET /api/v1/patents/:id/similar", path: "/api/v1/patents/{pat}/similar", hidden: "pat",
			want: mWant(200, 200, 404, 200, 404, 401, 401)},
		// The landscape counts public patents, the same for every caller.
		{route: "GET /api/v1/landscape", path: "/api/v1/landscape?ipc=B23K", want: mAPIAll},

		// ---- Support policies and subsidies (issue 19) ----
		{route: "GET /api/v1/policies", path: "/api/v1/policies", want: mAPIAll},
		{route: "GET /api/v1/policies/:id", path: "/api/v1/policies/{policy}", want: mAPIAll},
		{route: "POST /api/v1/policies", path: "/api/v1/policies",
			body: func(w *mWorld, s mSubject) any { return storetest.Policy(900) },
			want: mWant(201, 403, 403, 403, 403, 401, 401)},
		{route: "PUT /api/v1/policies/:id", path: "/api/v1/policies/{policy}",
			body: func(w *mWorld, s mSubject) any {
				p := mStored(w, w.store.Policies(), s["policy"])
				p.Name += "（修订）"
				return p
			},
			want: mWant(200, 403, 403, 403, 403, 401, 401)},
		{route: "DELETE /api/v1/policies/:id", path: "/api/v1/policies/{policy}",
			want: mWant(204, 403, 403, 403, 403, 401, 401)},
		{route: "GET /api/v1/deals/:id/subsidies", path: "/api/v1/deals/{deal}/subsidies?as_of=2021-04-23", hidden: "deal",
			want: mWant(200, 200, 404, 200, 404, 401, 401)},
		{route: "GET /api/v1/subsidies/budget", path: "/api/v1/subsidies/budget?year=2021", want: mAPIOrgOnly},
		{route: "GET /api/v1/applications", path: "/api/v1/applications", want: mAPIOrgOnly},
		{route: "GET /api/v1/applications/:id", path: "/api/v1/applications/{appl}", hidden: "appl", want: mWant(200, 404, 404, 404, 404, 401, 401)},
		{route: "POST /api/v1/applications/:id/approve", path: "/api/v1/applications/{appl}/approve", hidden: "appl", want: mAPIOrgOnly},
		{route: "POST /api/v1/applications/:id/return", path: "/api/v1/applications/{appl}/return", hidden: "appl",
			body: func(w *mWorld, s mSubject) any {
				return map[string]any{"reasons": []string{"请补充上年财务报表"}}
			},
			want: mAPIOrgOnly},
		{route: "GET /apply", path: "/apply", want: mWant(200, 200, 200, 200, 200, 200, 200)},
		{route: "POST /apply", path: "/apply",
			form: func(w *mWorld, s mSubject) url.Values {
				e := storetest.Enterprise(31)
				return url.Values{"name": {e.Name}, "credit_code": {e.CreditCode}, "industry": {e.Industry}, "founded": {"2012-03-15"},
					"contact_name": {"张经理"}, "contact_phone": {"0758-88880031"}, "username": {"matrix.apply"},
					"password": {"matrix-apply-1"}, "password2": {"matrix-apply-1"}}
			},
			want: mWant(200, 200, 200, 200, 200, 200, 200)},
		// An applicant's status check: public; a user's sign-in opens no
		// application, so every caller's own password is refused alike.
		{route: "GET /apply/status", path: "/apply/status", want: mWant(200, 200, 200, 200, 200, 200, 200)},
		{route: "POST /apply/status", path: "/apply/status", readOnly: true,
			form: func(w *mWorld, s mSubject) url.Values {
				return url.Values{"username": {s["user"]}, "password": {s["password"]}}
			},
			want: mWant(401, 401, 401, 401, 401, 401, 401)},
		{route: "GET /app/organizer/applications", path: "/app/organizer/applications", want: mPageGetOrg},
		{route: "GET /app/organizer/applications/:id", path: "/app/organizer/applications/{appl}", hidden: "appl", want: mPageGetOrg},
		{route: "POST /app/organizer/applications/:id/approve", path: "/app/organizer/applications/{appl}/approve", hidden: "appl",
			form: func(w *mWorld, s mSubject) url.Values { return url.Values{} },
			want: mWant(303, 403, 403, 403, 403, 401, 401)},
		{route: "POST /app/organizer/applications/:id/return", path: "/app/organizer/applications/{appl}/return", hidden: "appl",
			form: func(w *mWorld, s mSubject) url.Values { return url.Values{"reasons": {"请补充上年财务报表"}} },
			want: mWant(303, 403, 403, 403, 403, 401, 401)},
		{route: "GET /policies", path: "/policies", want: mWant(200, 200, 200, 200, 200, 200, 200)},
		{route: "GET /policies/:id", path: "/policies/{policy}", want: mWant(200, 200, 200, 200, 200, 200, 200)},

		// ---- The audit log: organizer only.
		{route: "GET /api/v1/audit", path: "/api/v1/audit", want: mAPIOrgOnly},

		// ---- Pages: sign-in and public files ----
		{route: "GET /", path: "/", want: mWant(303, 303, 303, 303, 303, 200, 200)},
		{route: "POST /signin", path: "/signin", readOnly: true,
			form: func(w *mWorld, s mSubject) url.Values { return url.Values{"token": {s["token"]}} },
			want: mWant(303, 303, 303, 303, 303, 401, 401)},
		{route: "POST /signin/password", path: "/signin/password", readOnly: true,
			form: func(w *mWorld, s mSubject) url.Values {
				return url.Values{"username": {s["user"]}, "password": {s["password"]}}
			},
			want: mWant(303, 303, 303, 303, 303, 401, 401)},
		{route: "POST /signout", path: "/signout", readOnly: true,
			form: func(w *mWorld, s mSubject) url.Values { return url.Values{} },
			want: mWant(303, 303, 303, 303, 303, 303, 303)},
		{route: "GET /static/*file", path: "/static/app.css", want: mWant(200, 200, 200, 200, 200, 200, 200)},

		// ---- Pages: signed in ----
		{route: "GET /app", path: "/app", want: mWant(303, 303, 303, 303, 303, 303, 303)},
		{route: "GET /app/enterprise", path: "/app/enterprise", want: mPageGetEnt},
		{route: "GET /app/bank", path: "/app/bank", want: mPageGetBank},
		{route: "GET /app/enterprise/events", path: "/app/enterprise/events", want: mPageGetEnt},
		// ent/other: X registering again at G, where it is registered,
		// is the same answer as the first time (a double submit), 303.
		{route: "POST /app/enterprise/events/:id/register", path: "/app/enterprise/events/{open}/register",
			form: func(w *mWorld, s mSubject) url.Values { return url.Values{} },
			want: mWant(403, 403, 403, 303, 303, 401, 401)},
		{route: "POST /app/enterprise/events/:id/preferences", path: "/app/enterprise/events/{draft}/preferences",
			form: func(w *mWorld, s mSubject) url.Values { return url.Values{"pref_" + w.bankA: {"must_meet"}} },
			want: mWant(403, 403, 403, 303, 404, 401, 401)},
		{route: "GET /app/bank/deals", path: "/app/bank/deals", want: mPageGetBank},
		{route: "GET /app/enterprise/profile", path: "/app/enterprise/profile", want: mPageGetEnt},
		{route: "POST /app/enterprise/profile", path: "/app/enterprise/profile",
			form: func(w *mWorld, s mSubject) url.Values {
				return url.Values{"region": {"441204"}, "industry": {"C35"}, "founded": {"2012-03-15"}, "pool": {"1"}}
			},
			want: mWant(403, 403, 403, 303, 303, 401, 401)},
		{route: "POST /app/enterprise/patents/claim", path: "/app/enterprise/patents/claim",
			form: func(w *mWorld, s mSubject) url.Values { return url.Values{"number": {"201220999999.1"}} },
			want: mWant(403, 403, 403, 303, 303, 401, 401)},
		{route: "GET /app/bank/products/new", path: "/app/bank/products/new", want: mPageGetBank},
		{route: "GET /app/bank/products/:id/edit", path: "/app/bank/products/{prod}/edit", hidden: "prod",
			want: mWant(403, 200, 404, 403, 403, 303, 303)},
		{route: "POST /app/bank/products", path: "/app/bank/products",
			form: func(w *mWorld, s mSubject) url.Values {
				return url.Values{"name": {"矩阵测试贷"}, "max_wan": {"300"}, "max_term": {"36"}, "rate_invention": {"30"}}
			},
			want: mWant(403, 303, 303, 403, 403, 401, 401)},
		{route: "POST /app/bank/products/:id", path: "/app/bank/products/{prod}", hidden: "prod",
			form: func(w *mWorld, s mSubject) url.Values {
				return url.Values{"name": {"矩阵测试贷"}, "max_wan": {"300"}, "max_term": {"36"}, "rate_invention": {"30"}, "action": {"preview"}}
			},
			readOnly: true, want: mWant(403, 200, 404, 403, 403, 401, 401)},
		{route: "POST /app/bank/products/:id/active", path: "/app/bank/products/{prod}/active", hidden: "prod",
			form: func(w *mWorld, s mSubject) url.Values { return url.Values{"active": {"0"}} },
			want: mWant(403, 303, 404, 403, 403, 401, 401)},
		{route: "POST /app/bank/deals/:id/stage", path: "/app/bank/deals/{deal}/stage", hidden: "deal",
			form: func(w *mWorld, s mSubject) url.Values { return url.Values{"stage": {"met"}} },
			want: mWant(403, 303, 404, 403, 403, 401, 401)},
		{route: "GET /app/bank/meetings", path: "/app/bank/meetings", want: mPageGetBank,
			check: func(t *testing.T, w *mWorld, c mCaller, r *httptest.ResponseRecorder) {
				// A's meeting with X at E links X to the bank's enterprise page.
				if c == mBankOwn && !strings.Contains(r.Body.String(), `href="/app/bank/enterprises/`+w.entX+`"`) {
					t.Errorf("bank A's meetings do not link X to /app/bank/enterprises/%s", w.entX)
				}
			}},
		// One enterprise as a bank sees it: W (registered where bank A has
		// a desk) for A; Z, which bank A may not see, is a 404 like a
		// missing one; so is one that said no_thanks to A.
		{route: "GET /app/bank/enterprises/:id", path: "/app/bank/enterprises/{ent}", hidden: "ent",
			want: mWant(403, 200, 404, 403, 403, 303, 303)},
		{route: "GET /app/bank/enterprises/:id", path: "/app/bank/enterprises/{declined}", hidden: "declined",
			want: mWant(403, 404, 404, 403, 403, 303, 303)},
		// The caller's own meetings as a calendar: an enterprise not at the
		// event and a bank without a desk there meet a 404.
		{route: "GET /app/enterprise/events/:id/meetings.ics", path: "/app/enterprise/events/{event}/meetings.ics",
			want: mWant(403, 403, 403, 200, 404, 303, 303)},
		{route: "GET /app/bank/events/:id/meetings.ics", path: "/app/bank/events/{event}/meetings.ics",
			want: mWant(403, 200, 404, 403, 403, 303, 303)},
		{route: "GET /app/bank/products/:id/pipeline", path: "/app/bank/products/{prod}/pipeline", hidden: "prod",
			want: mWant(200, 200, 404, 403, 403, 303, 303)},
		{route: "GET /app/bank/products/:id/pipeline.csv", path: "/app/bank/products/{prod}/pipeline.csv", hidden: "prod",
			want: mWant(200, 200, 404, 403, 403, 303, 303)},
		{route: "GET /app/bank/products/:id/pipeline.xlsx", path: "/app/bank/products/{prod}/pipeline.xlsx", hidden: "prod",
			want: mWant(200, 200, 404, 403, 403, 303, 303)},
		{route: "GET /app/organizer", path: "/app/organizer", want: mPageGetOrg},
		{route: "GET /app/organizer/events/:id", path: "/app/organizer/events/{event}", want: mPageGetOrg},
		{route: "POST /app/organizer/events/:id/schedule", path: "/app/organizer/events/{draft}/schedule",
			form: func(w *mWorld, s mSubject) url.Values { return url.Values{} },
			want: mWant(303, 403, 403, 403, 403, 401, 401)},
		{route: "POST /app/organizer/events/:id/publish", path: "/app/organizer/events/{event}/publish",
			form: func(w *mWorld, s mSubject) url.Values { return url.Values{} },
			want: mWant(303, 403, 403, 403, 403, 401, 401)},
		{route: "GET /app/organizer/events/:id/schedule.html", path: "/app/organizer/events/{event}/schedule.html", want: mPageGetOrg},
		{route: "GET /app/organizer/events/:id/matrix", path: "/app/organizer/events/{event}/matrix", want: mPageGetOrg},
		{route: "POST /app/organizer/events/:id/pins", path: "/app/organizer/events/{event}/pins",
			form: func(w *mWorld, s mSubject) url.Values {
				return url.Values{"enterprise_id": {w.entX}, "bank_id": {w.bankA}, "pinned": {"true"}}
			},
			// E's schedule is published and stands: the organizer's pin is
			// a conflict (schedule_published_test.go pins a draft), others
			// may not pin at all.
			want: mWant(409, 403, 403, 403, 403, 401, 401)},
		{route: "POST /app/organizer/events/:id/moves", path: "/app/organizer/events/{event}/moves",
			form: func(w *mWorld, s mSubject) url.Values {
				return url.Values{"enterprise_id": {w.entX}, "bank_id": {w.bankA}, "slot": {"2"}}
			},
			// As the pins: a published schedule takes no moves
			// (schedule_move_test.go moves a draft's meetings).
			want: mWant(409, 403, 403, 403, 403, 401, 401)},
		{route: "POST /app/organizer/events/:id/overrides", path: "/app/organizer/events/{event}/overrides",
			form: func(w *mWorld, s mSubject) url.Values {
				return url.Values{"enterprise_id": {w.entX}, "bank_id": {w.bankA}, "reason": {"组织方核实后破例安排"}}
			},
			// As the moves: a published schedule takes no overrides
			// (schedule_override_test.go forces a draft's must-meet).
			want: mWant(409, 403, 403, 403, 403, 401, 401)},
		{route: "GET /app/enterprise/products", path: "/app/enterprise/products", want: mPageGetEnt},
		{route: "GET /app/enterprise/valuation", path: "/app/enterprise/valuation", want: mPageGetEnt},
		{route: "GET /app/organizer/pools/:id", path: "/app/organizer/pools/{pool}", want: mPageGetOrg},
		{route: "GET /app/organizer/calibration", path: "/app/organizer/calibration", want: mPageGetOrg},
		{route: "GET /app/organizer/landscape", path: "/app/organizer/landscape?region=441204&as_of=2021-04-23", want: mPageGetOrg},
		{route: "GET /app/organizer/landscape.xlsx", path: "/app/organizer/landscape.xlsx?region=441204", want: mPageGetOrg},
		{route: "GET /app/appraisals", path: "/app/appraisals", want: mWant(200, 200, 200, 200, 200, 303, 303)},
		{route: "GET /app/alerts", path: "/app/alerts?all=1", want: mWant(200, 200, 200, 403, 403, 303, 303),
			check: func(t *testing.T, w *mWorld, c mCaller, r *httptest.ResponseRecorder) {
				// Bank A's inbox holds its own deal's alert and never bank B's.
				if c == mBankOwn && !strings.Contains(r.Body.String(), `id="alert-`+w.alertA+`"`) {
					t.Errorf("bank A's inbox lacks its alert %s", w.alertA)
				}
			}},
		{route: "POST /app/alerts/:id/ack", path: "/app/alerts/{alert}/ack", hidden: "alert",
			form: func(w *mWorld, s mSubject) url.Values { return url.Values{} },
			want: mWant(303, 303, 404, 403, 403, 401, 401)},
		{route: "POST /app/alerts/webhook", path: "/app/alerts/webhook",
			form: func(w *mWorld, s mSubject) url.Values { return url.Values{"url": {"https://bank.example.cn/ipmatch"}} },
			want: mWant(403, 303, 303, 403, 403, 401, 401)},
		{route: "POST /app/appraisals", path: "/app/appraisals",
			form: func(w *mWorld, s mSubject) url.Values {
				// Of the caller's side's enterprise: bank A may not record
				// one of Z, and the answer reads as for no such enterprise.
				return url.Values{"enterprise": {s["ent"]}, "appraiser_id": {w.firm}, "report_number": {"矩阵评报字第1号"},
					"base_date": {"2021-03-15"}, "method": {"income"}, "value_wan": {"350"}, "patents": {s["pat"]}}
			},
			want: mWant(303, 303, 422, 403, 403, 401, 401)},
		{route: "GET /app/organizer/audit", path: "/app/organizer/audit", want: mPageGetOrg},

		// ---- Accounts (api/users.go, web/accounts.go) ----
		// The organizer's users: a bank or an enterprise may neither list
		// nor reset, disable or enable anyone; no answer holds a hash.
		{route: "GET /api/v1/users", path: "/api/v1/users", want: mAPIOrgOnly, check: mNoHashes},
		// 银行入库: only the organizer opens a user, for a bank of any
		// side; a bank may not open one even for itself.
		{route: "POST /api/v1/users", path: "/api/v1/users",
			body: func(w *mWorld, s mSubject) any {
				return map[string]string{"username": "matrix.new", "role": "bank", "bank_id": s["bank"], "label": "新开用户"}
			},
			want: mWant(201, 403, 403, 403, 403, 401, 401), check: mNoHashes},
		{route: "POST /api/v1/users", path: "/api/v1/users",
			body: func(w *mWorld, s mSubject) any {
				return map[string]string{"username": "matrix.org2", "role": "organizer"}
			},
			want: mWant(201, 403, 403, 403, 403, 401, 401), check: mNoHashes},
		{route: "POST /api/v1/users/:id/reset", path: "/api/v1/users/{uid}/reset", want: mAPIOrgOnly, check: mNoHashes},
		{route: "POST /api/v1/users/:id/disable", path: "/api/v1/users/{uid}/disable", want: mAPIOrgOnly, check: mNoHashes},
		{route: "POST /api/v1/users/:id/enable", path: "/api/v1/users/{uid}/enable", want: mAPIOrgOnly, check: mNoHashes},
		{route: "GET /app/organizer/users", path: "/app/organizer/users", want: mPageGetOrg, check: mNoHashes},
		// 银行入库 (web/organizer_banks.go): the page and its two forms are
		// the organizer's; a bank may not admit a bank nor open a user,
		// not even for itself.
		{route: "GET /app/organizer/banks", path: "/app/organizer/banks", want: mPageGetOrg, check: mNoHashes},
		{route: "POST /app/organizer/banks", path: "/app/organizer/banks",
			form: func(w *mWorld, s mSubject) url.Values {
				return url.Values{"name": {"矩阵农村商业银行"}, "type": {"农村商业银行"}, "branch": {"高要支行"}, "region": {"441204"}}
			},
			want: mWant(303, 403, 403, 403, 403, 401, 401)},
		{route: "POST /app/organizer/banks/:id/users", path: "/app/organizer/banks/{bank}/users",
			form: func(w *mWorld, s mSubject) url.Values {
				return url.Values{"username": {"matrix.new"}, "label": {"客户经理"}}
			},
			want: mWant(303, 403, 403, 403, 403, 401, 401)},
		{route: "POST /app/organizer/users/:id/reset", path: "/app/organizer/users/{uid}/reset",
			form: func(w *mWorld, s mSubject) url.Values { return url.Values{} },
			want: mWant(200, 403, 403, 403, 403, 401, 401), check: mNoHashes},
		{route: "POST /app/organizer/users/:id/disable", path: "/app/organizer/users/{uid}/disable",
			form: func(w *mWorld, s mSubject) url.Values { return url.Values{} },
			want: mWant(303, 403, 403, 403, 403, 401, 401)},
		{route: "POST /app/organizer/users/:id/enable", path: "/app/organizer/users/{uid}/enable",
			form: func(w *mWorld, s mSubject) url.Values { return url.Values{} },
			want: mWant(303, 403, 403, 403, 403, 401, 401)},
		// The account page; the matrix signs in with tokens, whose
		// sessions have no password to change (web_accounts_test.go
		// changes a user's).
		{route: "GET /app/account", path: "/app/account", want: mWant(200, 200, 200, 200, 200, 303, 303)},
		{route: "POST /app/account/password", path: "/app/account/password",
			form: func(w *mWorld, s mSubject) url.Values {
				return url.Values{"current_password": {mPassword}, "new_password": {"matrix-password-2"}, "confirm_password": {"matrix-password-2"}}
			},
			want: mWant(403, 403, 403, 403, 403, 401, 401)},
		// A reset link that was never made reads alike for everyone,
		// signed in or not.
		{route: "GET /reset/:token", path: "/reset/{uid}." + strings.Repeat("A", 43), want: mWant(404, 404, 404, 404, 404, 404, 404)},
		{route: "POST /reset/:token", path: "/reset/{uid}." + strings.Repeat("A", 43),
			form: func(w *mWorld, s mSubject) url.Values {
				return url.Values{"new_password": {"matrix-password-2"}, "confirm_password": {"matrix-password-2"}}
			},
			want: mWant(404, 404, 404, 404, 404, 404, 404)},
	}
}

// mNoHashes checks that an answer about users holds no password hash and
// no reset link's hash.
func mNoHashes(t *testing.T, w *mWorld, c mCaller, r *httptest.ResponseRecorder) {
	t.Helper()
	body := r.Body.String()
	for _, s := range []string{"password_hash", "reset_hash", "$2a$", "$2b$"} {
		if strings.Contains(body, s) {
			t.Errorf("an answer about users shows %q: %.400s", s, body)
		}
	}
}

// mSearchTotals checks the total and every facet's total of a search
// answer: org for the organizer, bank for bank A, ent for enterprise X.
func mSearchTotals(org, bank, ent int) func(*testing.T, *mWorld, mCaller, *httptest.ResponseRecorder) {
	return func(t *testing.T, w *mWorld, c mCaller, r *httptest.ResponseRecorder) {
		var body struct {
			Total  int `json:"total"`
			Facets map[string]struct {
				Total int `json:"total"`
			} `json:"facets"`
		}
		if err := json.Unmarshal(r.Body.Bytes(), &body); err != nil {
			t.Fatalf("search answer: %v", err)
		}
		n := org
		switch c {
		case mBankOwn, mBankOther:
			n = bank
		case mEntOwn, mEntOther:
			n = ent
		}
		if body.Total != n {
			t.Errorf("search total %d, want %d (what the caller may see)", body.Total, n)
		}
		for name, f := range body.Facets {
			if f.Total > n {
				t.Errorf("facet %s counts %d records, more than the %d the caller may see", name, f.Total, n)
			}
		}
	}
}

// mRandomValues matches the random values of an answer: a form's CSRF
// token, the session cookie, the request id.
var mRandomValues = regexp.MustCompile(`(name="csrf_token" value=")[^"]*|(` + door.SessionCookie + `=)[^;,\s]*|(X-Request-Id: )\S*`)

// mLeaks must appear in no answer: stack traces, store and index
// internals, Go runtime errors.
var mLeaks = []string{"goroutine ", "panic", ".go:", "sqlite", "SQL", "SELECT", "mongo", "bleve", "Bleve",
	"runtime error", "nil pointer"}

// hideFrom sets what each caller may never see in an answer: the ids and
// names of records its role may not read. It runs once the world is built,
// so a broken cell cannot change it.
func (w *mWorld) hideFrom() {
	name := func(id string) string { return mStored(w, w.store.Enterprises(), id).Name }
	prodName := func(id string) string { return mStored(w, w.store.Products(), id).Name }
	// Z consented to nobody and attends only F, where bank B has the desk;
	// F's registrations and bank B's records are B's.
	report := func(id string) string { return mStored(w, w.store.Appraisals(), id).ReportNumber }
	bank := []string{w.declined, name(w.declined), w.declinedPat, w.loneEnt, name(w.loneEnt), w.entZ, name(w.entZ), w.patZ, w.prodB, prodName(w.prodB), w.dealB, w.partBF, w.partZF, w.partYF,
		bankBToken, orgToken, entXToken, w.apprB, report(w.apprB), w.alertB}
	ent := []string{w.declined, name(w.declined), w.declinedPat, w.loneEnt, name(w.loneEnt), w.entY, name(w.entY), w.entZ, name(w.entZ), w.entW, name(w.entW), w.patY, w.patZ, w.patW,
		w.dealB, w.partYF, w.partWE, w.partZF, w.prodAOff, prodName(w.prodAOff), bankAToken, orgToken, entYToken,
		w.apprA, report(w.apprA), w.apprB, report(w.apprB), w.apprY, report(w.apprY), w.alertA, w.alertB}
	w.hidden[mBankOwn], w.hidden[mBankOther] = bank, bank
	w.hidden[mEntOwn], w.hidden[mEntOther] = ent, ent
}

// TestAuthzMatrix runs every row for every caller; see the top of this
// file.
func TestAuthzMatrix(t *testing.T) {
	rows := matrixRows()
	shared := newMatrixWorld(t, true)

	// Every route of the router has a row, and every row a route.
	eng := shared.engine(t)
	have := map[string]bool{}
	for _, r := range rows {
		have[r.route] = true
	}
	listed := map[string]bool{}
	for _, ri := range eng.Routes() {
		route := ri.Method + " " + ri.Path
		listed[route] = true
		if !have[route] {
			t.Errorf("route %s has no row in the authorization matrix (api/authz_matrix_test.go): add one with the status of every caller", route)
		}
	}
	for route := range have {
		if !listed[route] {
			t.Errorf("the matrix has a row for %s, which the router does not serve", route)
		}
	}

	cells := 0
	for _, row := range rows {
		for c := range mCallers {
			cells++
			polluted := false
			t.Run(fmt.Sprintf("%s/%s", row.route, mCallerNames[c]), func(t *testing.T) {
				polluted = !mRunCell(t, shared, row, c)
			})
			if polluted {
				// A refused write got through: later cells start afresh
				// rather than fail for it.
				shared = newMatrixWorld(t, true)
			}
		}
	}
	t.Logf("%d routes, %d rows × %d callers = %d cells", len(listed), len(rows), mCallers, cells)
}

// engine returns the router of the world's store, to list its routes
// (the fixture's handler may be wrapped, e.g. by the OpenAPI validator).
func (w *mWorld) engine(t *testing.T) *gin.Engine {
	t.Helper()
	return newEngine(w.store, nil, Config{Search: w.idx})
}

// isPage reports whether row is served to browsers (session cookies)
// rather than bearer tokens.
func (row mRow) isPage() bool {
	return !strings.HasPrefix(row.path, "/api/") && row.path != "/healthz"
}

func (row mRow) method() string { m, _, _ := strings.Cut(row.route, " "); return m }

// mRunCell runs one cell; it returns false when a refused write changed
// the shared world.
func mRunCell(t *testing.T, shared *mWorld, row mRow, c mCaller) (clean bool) {
	clean = true
	wantStatus := row.want[c]
	write := row.method() != http.MethodGet && !row.readOnly
	w := shared
	if write && wantStatus < 400 {
		w = newMatrixWorld(t, false) // a permitted write must not leak into other cells
	}
	parent := w.fixture.t
	w.fixture.t = t // the fixture's helpers fail this cell
	defer func() { w.fixture.t = parent }()
	s := w.subject(c)
	path := s.expand(t, row.path)

	var before string
	if write {
		before = w.snapshot()
	}
	var got *httptest.ResponseRecorder
	var again func(path string) *httptest.ResponseRecorder
	if row.isPage() {
		got, again = w.pageCell(t, row, c, s, path)
	} else {
		got, again = w.apiCell(t, row, c, s, path)
	}
	if got.Code != wantStatus {
		t.Errorf("%s %s as %s: status %d, want %d; body %.400s", row.method(), path, mCallerNames[c], got.Code, wantStatus, got.Body)
	}
	mCheckLeaks(t, got, nil)
	if row.check != nil && got.Code == wantStatus && got.Code < 400 {
		row.check(t, w, c, got)
	}
	if got.Code < 300 {
		mCheckLeaks(t, got, w.hidden[c])
	}
	if !row.isPage() {
		mCheckEnvelope(t, got)
	} else if got.Code == http.StatusSeeOther && (c == mAnon || c == mBad) && row.method() == http.MethodGet {
		if loc := got.Header().Get("Location"); loc != "/" {
			t.Errorf("no session: redirected to %q, want the sign-in page /", loc)
		}
	}
	if write && wantStatus >= 400 {
		clean = w.unchangedSince(t, before)
	}
	// A refused read answers like a missing record: a hidden record is
	// not found as a missing one is, and a list filter naming a hidden
	// record is refused as one naming a missing record. (A write to a record
	// the caller may read but not change is 403, unlike a missing one.)
	refused := got.Code == http.StatusNotFound || got.Code == http.StatusForbidden && !write
	if refused && row.hidden != "" {
		var id, missing string
		for _, ph := range strings.Split(row.hidden, ",") {
			if v := s[ph]; strings.Contains(path, v) {
				id, missing = v, mMissing[ph]
				break
			}
		}
		if id == "" || missing == "" {
			t.Fatalf("path %s holds none of the hidden %s", path, row.hidden)
		}
		mp := strings.Replace(path, id, missing, 1)
		if write {
			before = w.snapshot()
		}
		m := again(mp)
		if write && !w.unchangedSince(t, before) {
			clean = false
		}
		norm := func(b string) string { return strings.ReplaceAll(strings.ReplaceAll(b, id, "<ID>"), missing, "<ID>") }
		if m.Code != got.Code || norm(m.Body.String()) != norm(got.Body.String()) {
			t.Errorf("a hidden record answers unlike a missing one:\nhidden  %d %s\nmissing %d %s", got.Code, got.Body, m.Code, m.Body)
		}
	}
	return clean
}

// apiCell sends the row's request with the caller's bearer token. The bad
// caller sends an unknown token, and then a malformed header, which must
// answer alike.
func (w *mWorld) apiCell(t *testing.T, row mRow, c mCaller, s mSubject, path string) (*httptest.ResponseRecorder, func(string) *httptest.ResponseRecorder) {
	var body any
	if row.body != nil {
		body = row.body(w, s)
	}
	authz := ""
	if sec := c.secret(); sec != "" {
		authz = "Bearer " + sec
	}
	got := w.send(row.method(), path, authz, body, nil)
	if c == mBad {
		m := w.send(row.method(), path, mMalformedAuthz, body, nil)
		if m.Code != got.Code {
			t.Errorf("malformed Authorization: status %d, unknown token %d", m.Code, got.Code)
		}
		mCheckLeaks(t, m, nil)
		mCheckEnvelope(t, m)
	}
	return got, func(p string) *httptest.ResponseRecorder { return w.send(row.method(), p, authz, body, nil) }
}

// pageCell opens a browser session for the caller (signed in with its
// token through POST /signin; anonymous for anon; a failed sign-in for
// bad) and sends the row's request with the session's CSRF token.
func (w *mWorld) pageCell(t *testing.T, row mRow, c mCaller, s mSubject, path string) (*httptest.ResponseRecorder, func(string) *httptest.ResponseRecorder) {
	cookies := map[string]string{}
	r := w.send("GET", "/", "", nil, cookies)
	if r.Code != http.StatusOK {
		t.Fatalf("GET /: %d", r.Code)
	}
	csrfTok := csrf(t, r)
	if sec := c.secret(); sec != "" {
		r = w.send("POST", "/signin", "", url.Values{"token": {sec}, web.CSRFField: {csrfTok}}, cookies)
		wantCode := http.StatusSeeOther
		if c == mBad {
			wantCode = http.StatusUnauthorized
		}
		if r.Code != wantCode {
			t.Fatalf("sign in as %s: %d, want %d", mCallerNames[c], r.Code, wantCode)
		}
		mCheckLeaks(t, r, nil)
		if c != mBad {
			// Any page of the session carries its new CSRF token.
			probe := "/app/organizer"
			if c == mOrg {
				probe = "/app/bank"
			}
			csrfTok = csrf(t, w.send("GET", probe, "", nil, cookies))
		}
	}
	req := func(p string) *httptest.ResponseRecorder {
		var body any
		if row.form != nil {
			form := row.form(w, s)
			form.Set(web.CSRFField, csrfTok)
			body = form
		}
		return w.send(row.method(), p, "", body, cookies)
	}
	return req(path), req
}

// mCheckLeaks fails the test when the answer (body and headers) holds one
// of the internals of mLeaks or one of hidden.
func mCheckLeaks(t *testing.T, r *httptest.ResponseRecorder, hidden []string) {
	t.Helper()
	var all strings.Builder
	all.Write(r.Body.Bytes())
	for k, vs := range r.Header() {
		all.WriteString("\n" + k + ": " + strings.Join(vs, ", "))
	}
	// Random secrets (CSRF tokens, session ids, request ids) may spell
	// "SQL" by chance: they are blanked for the internals check, not for
	// the hidden one.
	random := mRandomValues.ReplaceAllString(all.String(), "${1}${2}${3}")
	for _, s := range mLeaks {
		if hidden == nil && strings.Contains(random, s) {
			t.Errorf("the answer leaks %q: %.600s", s, random)
		}
	}
	text := all.String()
	for _, s := range hidden {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("the answer shows %q, which the caller may not see: %.600s", s, text)
		}
	}
}

// mCheckEnvelope checks that an API error is the one envelope with the code
// of its status.
func mCheckEnvelope(t *testing.T, r *httptest.ResponseRecorder) {
	t.Helper()
	if r.Code < 400 {
		return
	}
	codes := map[int]data.Code{400: data.CodeMalformed, 401: data.CodeUnauthorized, 403: data.CodeForbidden,
		404: data.CodeNotFound, 409: data.CodeConflict, 422: data.CodeInvalid}
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(r.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		t.Errorf("status %d without the error envelope: %.300s", r.Code, r.Body)
		return
	}
	if want, ok := codes[r.Code]; ok && env.Error.Code != string(want) {
		t.Errorf("status %d with code %q, want %q", r.Code, env.Error.Code, want)
	}
	if env.Error.Message == "" {
		t.Errorf("error without a message: %s", r.Body)
	}
	if r.Code == http.StatusUnauthorized && r.Header().Get("WWW-Authenticate") == "" {
		t.Errorf("401 without WWW-Authenticate")
	}
}

// TestMatrixBlanksRandomValues checks that the leak check does not trip
// over a CSRF token, session id or request id that spells "SQL" by chance,
// and still sees "SQL" anywhere else.
func TestMatrixBlanksRandomValues(t *testing.T) {
	in := `<input type="hidden" name="csrf_token" value="5oWOSEiqu_E2GxSQLX8">` +
		"\nSet-Cookie: " + door.SessionCookie + "=abSQLcd; Path=/; HttpOnly\nX-Request-Id: 0aSQL9\n"
	out := mRandomValues.ReplaceAllString(in, "${1}${2}${3}")
	if strings.Contains(out, "SQL") {
		t.Errorf("random values not blanked: %s", out)
	}
	if !strings.Contains(out, `name="csrf_token" value="`) || !strings.Contains(out, door.SessionCookie+"=;") {
		t.Errorf("blanking dropped the names: %s", out)
	}
	leak := "<p>SQL logic error: no such table</p>"
	if got := mRandomValues.ReplaceAllString(leak, "${1}${2}${3}"); got != leak {
		t.Errorf("blanking changed real text: %s", got)
	}
}
