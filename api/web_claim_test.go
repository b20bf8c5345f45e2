package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestWebClaimPatent: an enterprise claims in its page a stored patent
// whose applicants name it, by its application number; the patents of
// others, missing numbers and malformed ones are refused in Chinese with
// nothing written, a refusal naming no one; a bank cannot post the form.
func TestWebClaimPatent(t *testing.T) {
	f, claimX, nobody := claimWorld(t)
	y := newBrowser(f)
	y.signIn(entYToken)
	x := newBrowser(f)
	x.signIn(entXToken)
	claim := func(b *browser, number string) string {
		t.Helper()
		w, _ := b.get("/app/enterprise")
		page := htmlPage(t, w, http.StatusOK)
		if !strings.Contains(page, `action="/app/enterprise/patents/claim"`) {
			t.Fatalf("no claim form on the enterprise's page")
		}
		if w := b.do("POST", "/app/enterprise/patents/claim", url.Values{"csrf_token": {csrf(t, w)}, "number": {number}}); w.Code != http.StatusSeeOther {
			t.Fatalf("claim %s: %d %s", number, w.Code, w.Body)
		}
		w, _ = b.get("/app/enterprise")
		return htmlPage(t, w, http.StatusOK)
	}

	for _, tc := range []struct{ who, number, want string }{
		{"Y, X's patent", claimX, "无法认领"},
		{"X, nobody's", nobody, "无法认领"},
		{"X, a missing one", "201220999999.1", "系统中没有申请号为 201220999999.1 的专利"},
		{"X, not a number", "2012-ABC", "申请号格式或校验位不对"},
	} {
		b := x
		if strings.HasPrefix(tc.who, "Y") {
			b = y
		}
		page := claim(b, tc.number)
		if !strings.Contains(page, tc.want) {
			t.Errorf("%s: the page lacks %q", tc.who, tc.want)
		}
		if strings.Contains(page, "肇庆学院") {
			t.Errorf("%s: the refusal names an applicant", tc.who)
		}
	}
	if o := f.ownerOf(claimX); o != "" {
		t.Fatalf("refused claims left owner %q", o)
	}

	// A bank's session cannot post the form.
	bank := newBrowser(f)
	bank.signIn(bankAToken)
	w, _ := bank.get("/app/bank")
	if w := bank.do("POST", "/app/enterprise/patents/claim", url.Values{"csrf_token": {csrf(t, w)}, "number": {claimX}}); w.Code != http.StatusForbidden {
		t.Errorf("a bank's claim: %d, want 403", w.Code)
	}

	page := claim(x, claimX)
	if !strings.Contains(page, "已认领专利 "+claimX) || f.ownerOf(claimX) != f.entX {
		t.Fatalf("X's claim: owner %q", f.ownerOf(claimX))
	}
	if !strings.Contains(page, claimX) {
		t.Error("the claimed patent is not on X's page")
	}
}
