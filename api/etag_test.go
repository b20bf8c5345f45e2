package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"ipmatch/data"
)

// doIfMatch sends a JSON request with an If-Match header ("" for none).
func (f *fixture) doIfMatch(tok, method, path, ifMatch string, body any) *httptest.ResponseRecorder {
	f.t.Helper()
	j, err := json.Marshal(body)
	if err != nil {
		f.t.Fatal(err)
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(j))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	return w
}

// TestETagAndIfMatch: a record's answers carry its revision as ETag; a
// PUT or stage move with a stale If-Match is 412 and writes nothing; a
// malformed one is 400; a record the caller may not read is 404 whatever
// If-Match says.
func TestETagAndIfMatch(t *testing.T) {
	f := newFixture(t, Config{})
	path := "/api/v1/deals/" + f.dealA
	w := f.do(bankAToken, "GET", path, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("GET: %d %s", w.Code, w.Body)
	}
	var d data.Deal
	if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	read := w.Header().Get("ETag")
	if d.Revision < 1 || read != etag(d.Revision) {
		t.Fatalf("GET: ETag %q for revision %d", read, d.Revision)
	}

	edit := d
	edit.Amount += 10_000
	w = f.doIfMatch(bankAToken, "PUT", path, read, edit)
	if w.Code != http.StatusOK {
		t.Fatalf("PUT with the ETag as read: %d %s", w.Code, w.Body)
	}
	if got := w.Header().Get("ETag"); got != etag(d.Revision+1) {
		t.Errorf("PUT answered ETag %q, want revision %d", got, d.Revision+1)
	}

	// The same ETag again is stale: 412, nothing written, by PUT or move.
	before := f.snapshot()
	edit.Amount += 10_000
	wantError(t, f.doIfMatch(bankAToken, "PUT", path, read, edit), http.StatusPreconditionFailed, data.CodeStale)
	next := data.NextStages(d.Stage)[0]
	move := map[string]string{"stage": string(next)}
	wantError(t, f.doIfMatch(bankAToken, "POST", path+"/stage", read, move), http.StatusPreconditionFailed, data.CodeStale)
	f.unchanged(before)

	for _, bad := range []string{`W/"2"`, `"2", "3"`, `2`, `"x"`, `"0"`, `""`} {
		env := wantError(t, f.doIfMatch(bankAToken, "PUT", path, bad, edit), http.StatusBadRequest, data.CodeMalformed)
		if len(env.Error.Fields) != 1 || env.Error.Fields[0].Field != "If-Match" {
			t.Errorf("If-Match %s: fields %+v, want If-Match named", bad, env.Error.Fields)
		}
	}
	f.unchanged(before)

	// Another bank's deal is not found, stale ETag or not.
	wantError(t, f.doIfMatch(bankBToken, "POST", path+"/stage", read, move), http.StatusNotFound, data.CodeNotFound)
	wantError(t, f.doIfMatch(bankBToken, "PUT", path, read, edit), http.StatusNotFound, data.CodeNotFound)
	f.unchanged(before)

	w = f.doIfMatch(bankAToken, "POST", path+"/stage", etag(d.Revision+1), move)
	if w.Code != http.StatusOK || w.Header().Get("ETag") != etag(d.Revision+2) {
		t.Fatalf("move with the current ETag: %d ETag %q %s", w.Code, w.Header().Get("ETag"), w.Body)
	}

	// A create answers the new record's ETag, revision 1.
	w = f.do(orgToken, "POST", "/api/v1/banks", data.Bank{Name: "新设银行", Type: "农村商业银行", Region: "441204"})
	if w.Code != http.StatusCreated || w.Header().Get("ETag") != `"1"` {
		t.Errorf("create: %d ETag %q %s", w.Code, w.Header().Get("ETag"), w.Body)
	}
}

// etag is the ETag of revision rev.
func etag(rev int64) string { return `"` + strconv.FormatInt(rev, 10) + `"` }
