package api

import (
	"net/http"
	"testing"

	"ipmatch/data"
)

// A caller whose role an operation refuses is refused before its
// parameters are read: a bad or unknown parameter does not turn the 403
// into a 400 (the order the API had before the application layer).
func TestRoleRefusedBeforeParameters(t *testing.T) {
	f := newFixture(t, Config{})
	for _, tc := range []struct{ tok, path string }{
		{bankAToken, "/api/v1/enterprises/" + f.entX + "/matches?as_of=bad"},
		{bankAToken, "/api/v1/enterprises/" + f.entX + "/matches?foo=1"},
		{entXToken, "/api/v1/products/" + f.prodA + "/pipeline?as_of=bad"},
		{entXToken, "/api/v1/pools/" + f.pool + "/risk?draws=abc"},
	} {
		wantError(t, f.do(tc.tok, "GET", tc.path, nil), http.StatusForbidden, data.CodeForbidden)
	}
}
