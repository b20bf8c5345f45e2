package api

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"ipmatch/data"
	"ipmatch/data/memstore"
	"ipmatch/data/sqlite"
	"ipmatch/data/storetest"
)

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fixture is an API over a real SQLite store holding a small world:
//
//   - banks A and B, each with one active product (prodA, prodB); A also
//     has an inactive product (prodAOff);
//   - enterprises X and Y that joined the pool, Z and W that did not;
//   - event E where bank A has a desk and W is registered, event F where
//     bank B has a desk and Z is registered;
//   - one patent per enterprise (patX, patY, patZ, patW);
//   - deal dealA (X with bank A) and dealB (Y with bank B);
//   - tokens for the organizer, both banks and enterprises X, Y.
type fixture struct {
	t     *testing.T
	store data.Store
	h     http.Handler
	logs  *syncBuffer

	bankA, bankB, prodA, prodB, prodAOff string
	entX, entY, entZ, entW               string
	patX, patY, patZ, patW               string
	eventE, eventF, pool                 string
	partAE, partWE, partBF, partZF       string
	dealA, dealB                         string
}

// Token secrets of the fixture.
const (
	orgToken   = "ipm_test_organizer"
	bankAToken = "ipm_test_bank_a"
	bankBToken = "ipm_test_bank_b"
	entXToken  = "ipm_test_ent_x"
	entYToken  = "ipm_test_ent_y"
)

// openStore returns a fresh store for one test: SQLite, the store users
// run, in the full suite (CI); under -short, the everyday loop, the
// in-memory store, which keeps the same Store contract (data/storetest
// runs on both) at a fraction of the cost.
func openStore(t *testing.T) data.Store {
	t.Helper()
	if testing.Short() {
		return memstore.New()
	}
	return openSQLite(t)
}

// openSQLite opens a fresh SQLite store in a temporary directory.
func openSQLite(t *testing.T) data.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), t.TempDir(), nil)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// put stores records or fails the test.
func put[T any](t *testing.T, tbl data.Table[T], recs ...*T) {
	t.Helper()
	if _, err := tbl.Put(t.Context(), recs...); err != nil {
		t.Fatalf("Put: %v", err)
	}
}

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	return newFixtureOn(t, openStore(t), cfg)
}

func newFixtureOn(t *testing.T, store data.Store, cfg Config) *fixture {
	t.Helper()
	f := &fixture{t: t, store: store, logs: &syncBuffer{}}
	logger := slog.New(slog.NewJSONHandler(f.logs, nil))
	f.h = validating(t, New(store, logger, cfg)) // every API answer is checked against the OpenAPI document

	pool := storetest.Pool(1)
	put(t, store.Pools(), &pool)
	f.pool = pool.ID

	bankA, bankB := storetest.Bank(1), storetest.Bank(2)
	put(t, store.Banks(), &bankA, &bankB)
	f.bankA, f.bankB = bankA.ID, bankB.ID

	prodA, prodB, prodAOff := storetest.Product(1, f.bankA), storetest.Product(2, f.bankB), storetest.Product(3, f.bankA)
	prodAOff.Active = false
	put(t, store.Products(), &prodA, &prodB, &prodAOff)
	f.prodA, f.prodB, f.prodAOff = prodA.ID, prodB.ID, prodAOff.ID

	x, y, z, w := storetest.Enterprise(1), storetest.Enterprise(2), storetest.Enterprise(3), storetest.Enterprise(4)
	z.Consents.Pool, w.Consents.Pool = false, false
	put(t, store.Enterprises(), &x, &y, &z, &w)
	f.entX, f.entY, f.entZ, f.entW = x.ID, y.ID, z.ID, w.ID

	var pats []*data.Patent
	for i, owner := range []string{f.entX, f.entY, f.entZ, f.entW} {
		p := storetest.Patent(i + 1)
		p.OwnerID = owner
		pats = append(pats, &p)
	}
	put(t, store.Patents(), pats...)
	f.patX, f.patY, f.patZ, f.patW = pats[0].ApplicationNumber, pats[1].ApplicationNumber, pats[2].ApplicationNumber, pats[3].ApplicationNumber

	evE, evF := storetest.Event(1), storetest.Event(2)
	put(t, store.Events(), &evE, &evF)
	f.eventE, f.eventF = evE.ID, evF.ID

	parts := []*data.Participant{
		{EventID: f.eventE, Role: data.RoleBankDesk, BankID: f.bankA, Tables: 2},
		{EventID: f.eventE, Role: data.RoleEnterprise, EnterpriseID: f.entW},
		{EventID: f.eventF, Role: data.RoleBankDesk, BankID: f.bankB, Tables: 2},
		{EventID: f.eventF, Role: data.RoleEnterprise, EnterpriseID: f.entZ},
	}
	put(t, store.Participants(), parts...)
	f.partAE, f.partWE, f.partBF, f.partZF = parts[0].ID, parts[1].ID, parts[2].ID, parts[3].ID

	dA, dB := storetest.Deal(1, f.entX, f.bankA, f.prodA), storetest.Deal(2, f.entY, f.bankB, f.prodB)
	put(t, store.Deals(), &dA, &dB)
	f.dealA, f.dealB = dA.ID, dB.ID

	toks := []*data.Token{
		{Hash: data.HashToken(orgToken), Role: data.RoleOrganizer, Label: "交易中心"},
		{Hash: data.HashToken(bankAToken), Role: data.RoleBank, BankID: f.bankA, Label: "bank A"},
		{Hash: data.HashToken(bankBToken), Role: data.RoleBank, BankID: f.bankB, Label: "bank B"},
		{Hash: data.HashToken(entXToken), Role: data.RoleCompany, EnterpriseID: f.entX, Label: "ent X"},
		{Hash: data.HashToken(entYToken), Role: data.RoleCompany, EnterpriseID: f.entY},
	}
	put(t, store.Tokens(), toks...)
	return f
}

// do sends a request with the bearer token tok ("" for none). body is sent
// as is when it is a string or []byte, and as JSON otherwise.
func (f *fixture) do(tok, method, path string, body any) *httptest.ResponseRecorder {
	f.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			f.t.Fatalf("marshal body: %v", err)
		}
		r = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, r)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	return w
}

// envelope is the decoded error body.
type envelope struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  []data.FieldError `json:"fields"`
	} `json:"error"`
}

// wantError checks that w is an error envelope with the given status and
// code and returns it.
func wantError(t *testing.T, w *httptest.ResponseRecorder, status int, code data.Code) envelope {
	t.Helper()
	var env envelope
	if w.Code != status {
		t.Errorf("status = %d, want %d; body %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want JSON", ct)
	}
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		t.Fatalf("body %q is not an error envelope: %v", w.Body, err)
	}
	if env.Error.Code != string(code) {
		t.Errorf("error code = %q, want %q; body %s", env.Error.Code, code, w.Body)
	}
	if env.Error.Message == "" {
		t.Errorf("error envelope without a message: %s", w.Body)
	}
	return env
}

// hasField reports whether env names field.
func (env envelope) hasField(field string) bool {
	for _, f := range env.Error.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// decodeBody decodes a successful response into v.
func decodeBody(t *testing.T, w *httptest.ResponseRecorder, status int, v any) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status = %d, want %d; body %s", w.Code, status, w.Body)
	}
	if v == nil {
		return
	}
	if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %s: %v", w.Body, err)
	}
}

// list is a decoded list response.
type list[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
	Page  int `json:"page"`
	Size  int `json:"size"`
}

// snapshot renders every record of the store, so a test can tell whether
// a request changed anything.
func (f *fixture) snapshot() string {
	f.t.Helper()
	var b strings.Builder
	dump(f.t, &b, f.store.Enterprises())
	dump(f.t, &b, f.store.Patents())
	dump(f.t, &b, f.store.Banks())
	dump(f.t, &b, f.store.Products())
	dump(f.t, &b, f.store.Events())
	dump(f.t, &b, f.store.Participants())
	dump(f.t, &b, f.store.Deals())
	dump(f.t, &b, f.store.Pools())
	dump(f.t, &b, f.store.Tokens())
	return b.String()
}

func dump[T any](t *testing.T, b *strings.Builder, tbl data.Table[T]) {
	t.Helper()
	recs, _, err := tbl.List(t.Context(), data.ListOptions{})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	j, err := json.Marshal(recs)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	b.Write(j)
	b.WriteByte('\n')
}

// unchanged fails the test when the store differs from before.
func (f *fixture) unchanged(before string) {
	f.t.Helper()
	if after := f.snapshot(); after != before {
		f.t.Errorf("the store changed:\nbefore %s\nafter  %s", before, after)
	}
}

// mustJSON returns v as a JSON object, for editing bodies in tests.
func mustJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(j, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
