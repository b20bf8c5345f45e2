package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"ipmatch/data"
	"ipmatch/data/storetest"
)

// openAPIRouter finds the operation of a request in the document.
var openAPIRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, _ := openAPIDoc()
	return gorillamux.NewRouter(doc)
})

// validating wraps the API handler h so that every answer to /healthz and
// /api/v1/* is checked against the OpenAPI document (openapi.go); an answer
// that does not match fails t, naming the method, path, status and what is
// wrong. Requests are often invalid on purpose, so the request is used to
// find the operation only, except that a request that succeeded (2xx) must
// match the document too: its parameters and JSON body, and every query
// parameter it gives must be declared.
func validating(t testing.TB, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/healthz" && !strings.HasPrefix(req.URL.Path, "/api/v1/") {
			h.ServeHTTP(w, req)
			return
		}
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(req.Body)
			req.Body.Close()
			req.Body = io.NopCloser(bytes.NewReader(body))
		}
		method, path := req.Method, req.URL.Path
		check := req.Clone(req.Context())
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())

		check.Body = io.NopCloser(bytes.NewReader(body))
		if err := checkAnswer(check, rec); err != nil {
			t.Errorf("OpenAPI: %s %s answered %d, which does not match the document: %v\nbody: %.2000s", method, path, rec.Code, err, rec.Body)
		}
	})
}

// checkAnswer validates the answer rec to req against the document.
func checkAnswer(req *http.Request, rec *httptest.ResponseRecorder) error {
	doc, _ := openAPIDoc()
	router, err := openAPIRouter()
	if err != nil {
		return err
	}
	route, params, err := router.FindRoute(req)
	switch {
	case errors.Is(err, routers.ErrPathNotFound):
		return checkUnrouted(doc, rec, http.StatusNotFound)
	case errors.Is(err, routers.ErrMethodNotAllowed):
		return checkUnrouted(doc, rec, http.StatusMethodNotAllowed)
	case err != nil:
		return fmt.Errorf("finding the operation: %w", err)
	}
	reqIn := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}

	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	if ct := rec.Header().Get("Content-Type"); ct != "" && !isJSON(ct) {
		// CSV, XLSX, HTML and iCalendar bodies are not checked; their
		// content type must be one the operation declares.
		resp := route.Operation.Responses.Status(rec.Code)
		if resp == nil || resp.Value == nil {
			return fmt.Errorf("status %d is not documented", rec.Code)
		}
		mt, _, _ := mime.ParseMediaType(ct)
		if resp.Value.Content[mt] == nil {
			return fmt.Errorf("content type %q is not documented for status %d (have %v)", ct, rec.Code, slices.Sorted(maps.Keys(resp.Value.Content)))
		}
		opts.ExcludeResponseBody = true
	}
	respIn := &openapi3filter.ResponseValidationInput{RequestValidationInput: reqIn, Status: rec.Code,
		Header: rec.Header(), Options: opts}
	respIn.SetBodyBytes(rec.Body.Bytes())
	if err := openapi3filter.ValidateResponse(req.Context(), respIn); err != nil {
		return err
	}
	if rec.Code/100 != 2 {
		return nil
	}
	// A request that succeeded must be one the document describes.
	for name := range req.URL.Query() {
		if route.Operation.Parameters.GetByInAndName(openapi3.ParameterInQuery, name) == nil {
			return fmt.Errorf("the request succeeded with query parameter %q, which is not documented", name)
		}
	}
	if rb := route.Operation.RequestBody; rb == nil || rb.Value.Content.Get("application/json") == nil {
		reqIn.Options.ExcludeRequestBody = true
	} else if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if err := openapi3filter.ValidateRequest(req.Context(), reqIn); err != nil {
		return fmt.Errorf("the request succeeded but does not match the document: %w", err)
	}
	return nil
}

// checkUnrouted checks the answer to a request the document has no
// operation for: the error envelope with the given status (gin's NoRoute
// and NoMethod handlers).
func checkUnrouted(doc *openapi3.T, rec *httptest.ResponseRecorder, status int) error {
	if rec.Code != status {
		return fmt.Errorf("the document has no such operation, so the answer should be %d, not %d", status, rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !isJSON(ct) {
		return fmt.Errorf("content type %q, want application/json", ct)
	}
	var v any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		return fmt.Errorf("the body is not JSON: %v", err)
	}
	schema := doc.Components.Responses[errorResponseName(status)].Value.Content.Get("application/json").Schema.Value
	return schema.VisitJSON(v, openapi3.MultiErrors())
}

func isJSON(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "application/json"
}

// TestOpenAPIDocument checks the document against the OpenAPI 3
// specification and that it is served, without a token.
func TestOpenAPIDocument(t *testing.T) {
	doc, raw := openAPIDoc()
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	f := newFixture(t, Config{})
	w := f.do("", "GET", "/api/v1/openapi.json", nil)
	if w.Code != http.StatusOK || !isJSON(w.Header().Get("Content-Type")) {
		t.Fatalf("GET /api/v1/openapi.json = %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	if !bytes.Equal(w.Body.Bytes(), raw) {
		t.Errorf("GET /api/v1/openapi.json does not serve the document")
	}
	if _, err := openapi3.NewLoader().LoadFromData(w.Body.Bytes()); err != nil {
		t.Errorf("the served document does not load: %v", err)
	}
}

// TestOpenAPIRoutes checks that every route of /healthz and /api/v1 is in
// the document with its method, and every operation of the document is
// routed.
func TestOpenAPIRoutes(t *testing.T) {
	store, idx := openSearchStore(t)
	r := newEngine(store, nil, Config{Search: idx})
	served := map[string]bool{}
	for _, rt := range r.Routes() {
		if rt.Path != "/healthz" && !strings.HasPrefix(rt.Path, "/api/v1/") {
			continue
		}
		served[rt.Method+" "+ginToOpenAPI(rt.Path)] = true
	}
	doc, _ := openAPIDoc()
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(served)) {
		if !documented[k] {
			t.Errorf("%s is routed but not in the OpenAPI document: add it to apiOperations (openapi.go)", k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(documented)) {
		if !served[k] {
			t.Errorf("%s is in the OpenAPI document but not routed", k)
		}
	}
}

// ginToOpenAPI turns gin's :name and *name path parameters into {name}.
func ginToOpenAPI(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
			segs[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(segs, "/")
}

// errorsOf is a testing.TB that collects what Errorf reports.
type errorsOf struct {
	testing.TB
	got []string
}

func (e *errorsOf) Errorf(format string, args ...any) {
	e.got = append(e.got, fmt.Sprintf(format, args...))
}

// TestOpenAPIValidatorCatches checks that the validator of the API tests
// is not vacuous: answers that break the document are reported, answers
// that keep it are not.
func TestOpenAPIValidatorCatches(t *testing.T) {
	for _, tc := range []struct {
		name, method, path string
		status             int
		ct, body           string
		bad                bool
	}{
		{"healthz ok", "GET", "/healthz", 200, "application/json", `{"status":"ok","version":"1"}`, false},
		{"missing field", "GET", "/healthz", 200, "application/json", `{"status":"ok"}`, true},
		{"unknown field", "GET", "/healthz", 200, "application/json", `{"status":"ok","version":"1","extra":1}`, true},
		{"null list", "GET", "/api/v1/banks", 200, "application/json", `{"items":null,"total":0,"page":1,"size":50}`, true},
		{"empty list", "GET", "/api/v1/banks", 200, "application/json", `{"items":[],"total":0,"page":1,"size":50}`, false},
		{"bad enum", "GET", "/api/v1/tokens/t1", 200, "application/json", `{"id":"t1","role":"admin"}`, true},
		{"good enum", "GET", "/api/v1/tokens/t1", 200, "application/json", `{"id":"t1","role":"bank","bank_id":"b"}`, false},
		{"undocumented status", "GET", "/api/v1/banks", 418, "application/json", `{"error":{"code":"invalid","message":"x"}}`, true},
		{"wrong code for status", "GET", "/api/v1/banks/b1", 404, "application/json", `{"error":{"code":"invalid","message":"x"}}`, true},
		{"error envelope", "GET", "/api/v1/banks/b1", 404, "application/json", `{"error":{"code":"not_found","message":"x"}}`, false},
		{"no route", "GET", "/api/v1/nope", 404, "application/json", `{"error":{"code":"not_found","message":"x"}}`, false},
		{"no route, bad body", "GET", "/api/v1/nope", 404, "text/plain", `404 page not found`, true},
		{"no method", "PATCH", "/api/v1/banks", 405, "application/json", `{"error":{"code":"method_not_allowed","message":"x"}}`, false},
		{"csv", "GET", "/api/v1/events/e1/schedule.csv", 200, "text/csv; charset=utf-8", "a,b\n", false},
		{"csv as text", "GET", "/api/v1/events/e1/schedule.csv", 200, "text/plain", "a,b\n", true},
		{"undocumented parameter", "GET", "/api/v1/banks?colour=red", 200, "application/json", `{"items":[],"total":0,"page":1,"size":50}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tc.ct)
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			rep := &errorsOf{TB: t}
			validating(rep, h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tc.method, tc.path, nil))
			if tc.bad && len(rep.got) == 0 {
				t.Errorf("the validator let %s %s answer %d %s", tc.method, tc.path, tc.status, tc.body)
			}
			if !tc.bad && len(rep.got) > 0 {
				t.Errorf("the validator refused a good answer: %s", rep.got)
			}
		})
	}
}

// TestOpenAPIRecordAnswers reads every record of the fixture as the
// organizer and writes it back unchanged, so that the answers of GET and
// PUT on every kind are checked against the document (by validating).
func TestOpenAPIRecordAnswers(t *testing.T) {
	f := newFixture(t, Config{})
	for _, rec := range []struct{ kind, id string }{
		{"enterprises", f.entX}, {"patents", f.patX}, {"banks", f.bankA}, {"products", f.prodA},
		{"events", f.eventE}, {"participants", f.partAE}, {"deals", f.dealA}, {"pools", f.pool},
	} {
		path := "/api/v1/" + rec.kind + "/" + url.PathEscape(rec.id)
		w := f.do(orgToken, "GET", path, nil)
		if w.Code != http.StatusOK {
			t.Errorf("GET %s = %d %s", path, w.Code, w.Body)
			continue
		}
		if w := f.do(orgToken, "PUT", path, w.Body.String()); w.Code != http.StatusOK {
			t.Errorf("PUT %s = %d %s", path, w.Code, w.Body)
		}
	}
	w := f.do(orgToken, "GET", "/api/v1/tokens", nil)
	var toks struct{ Items []data.Token }
	decodeBody(t, w, http.StatusOK, &toks)
	for _, tok := range toks.Items {
		f.do(orgToken, "GET", "/api/v1/tokens/"+tok.ID, nil)
	}
}

// TestOpenAPIEdgeAnswers asks for answers at the edges, where a list is
// most likely to be nil and written as null: a design patent without IPC
// codes, an enterprise without patents, a pool without deals, an event
// without deals or schedule, a search without hits. validating checks the
// answers.
func TestOpenAPIEdgeAnswers(t *testing.T) {
	store, idx := openSearchStore(t)
	f := newFixtureOn(t, store, Config{Search: idx})

	design := storetest.Patent(90)
	digits := "202130000090"
	check, err := data.ApplicationNumberCheck(digits)
	if err != nil {
		t.Fatal(err)
	}
	design.ApplicationNumber, design.Type, design.IPC, design.OwnerID = digits+"."+string(check), data.Design, nil, f.entX
	design.GrantDate, design.ExpiryDate = design.FilingDate, data.Date{}
	if w := f.do(orgToken, "POST", "/api/v1/patents", design); w.Code != http.StatusCreated {
		t.Fatalf("POST design patent: %d %s", w.Code, w.Body)
	}
	f.do(orgToken, "GET", "/api/v1/patents/"+design.ApplicationNumber, nil)

	lone := storetest.Enterprise(91)
	lone.ID = ""
	var created data.Enterprise
	decodeBody(t, f.do(orgToken, "POST", "/api/v1/enterprises", lone), http.StatusCreated, &created)
	empty := storetest.Pool(92)
	empty.ID = ""
	var emptyPool data.Pool
	decodeBody(t, f.do(orgToken, "POST", "/api/v1/pools", empty), http.StatusCreated, &emptyPool)
	for _, path := range []string{
		"/api/v1/pools/" + emptyPool.ID + "/risk",
		"/api/v1/enterprises/" + created.ID + "/matches",
		"/api/v1/pools/" + f.pool + "/risk",
		"/api/v1/events/" + f.eventF + "/report",
		"/api/v1/products/" + f.prodAOff + "/pipeline?eligible=true",
		"/api/v1/search/patents?q=" + url.QueryEscape("没有这样的专利xyz"),
		"/api/v1/search/products?facets=bank&q=" + url.QueryEscape("没有这样的产品xyz"),
		"/api/v1/patents/" + design.ApplicationNumber + "/similar",
		"/api/v1/deals?stage=repaid",
	} {
		if w := f.do(orgToken, "GET", path, nil); w.Code != http.StatusOK {
			t.Errorf("GET %s = %d %s", path, w.Code, w.Body)
		}
	}
	// Without patents there is nothing to value: 422.
	wantError(t, f.do(orgToken, "GET", "/api/v1/enterprises/"+created.ID+"/valuation", nil), http.StatusUnprocessableEntity, data.CodeInvalid)
	for _, tok := range []string{bankAToken, entXToken} {
		f.do(tok, "GET", "/api/v1/pools/"+f.pool+"/risk", nil)
		f.do(tok, "GET", "/api/v1/enterprises/"+created.ID+"/matches", nil)
	}
}
