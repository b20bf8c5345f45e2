package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/storetest"
)

// TestAppraisalRefusalsRevealNothing: bank A records an appraisal of W
// (which it sees) naming Z's patent (Z it may not see) or a number on no
// record: both are refused alike, naming the field, never Z, never whether
// the number exists.
func TestAppraisalRefusalsRevealNothing(t *testing.T) {
	f := newFixture(t, Config{})
	firm := storetest.Appraiser(1)
	put(t, f.store.Appraisers(), &firm)
	body := func(pat string) data.Appraisal {
		a := storetest.Appraisal(1, f.entW, firm.ID, "")
		a.Patents = []string{pat}
		return a
	}
	missing := storetest.Patent(777).ApplicationNumber
	zs := wantError(t, f.do(bankAToken, "POST", "/api/v1/appraisals", body(f.patZ)), http.StatusUnprocessableEntity, data.CodeInvalid)
	none := wantError(t, f.do(bankAToken, "POST", "/api/v1/appraisals", body(missing)), http.StatusUnprocessableEntity, data.CodeInvalid)
	if !zs.hasField("patents[0]") || !none.hasField("patents[0]") {
		t.Fatalf("fields %+v and %+v", zs.Error.Fields, none.Error.Fields)
	}
	a := strings.Replace(zs.Error.Fields[0].Reason, f.patZ, "N", 1)
	b := strings.Replace(none.Error.Fields[0].Reason, missing, "N", 1)
	if a != b || strings.Contains(a, f.entZ) {
		t.Errorf("Z's patent: %q; no such patent: %q", a, b)
	}
	if n, _ := f.store.Appraisals().Count(t.Context()); n != 0 {
		t.Errorf("%d appraisals written", n)
	}
	// Of Z itself: 403, as for any enterprise it may not see.
	a2 := storetest.Appraisal(2, f.entZ, firm.ID, "")
	a2.Patents = []string{f.patZ}
	wantError(t, f.do(bankAToken, "POST", "/api/v1/appraisals", a2), http.StatusForbidden, data.CodeForbidden)
}

// TestAppraisalDatedAfterToday: the API refuses a report dated after the
// server's day, as the page does (one rule, in policy.go).
func TestAppraisalDatedAfterToday(t *testing.T) {
	f := newFixture(t, Config{})
	firm := storetest.Appraiser(1)
	put(t, f.store.Appraisers(), &firm)
	a := storetest.Appraisal(1, f.entX, firm.ID, "")
	a.Patents = []string{f.patX}
	a.BaseDate = data.DateOf(time.Now().AddDate(0, 1, 0))
	env := wantError(t, f.do(orgToken, "POST", "/api/v1/appraisals", a), http.StatusUnprocessableEntity, data.CodeInvalid)
	if !env.hasField("base_date") {
		t.Errorf("fields %+v", env.Error.Fields)
	}
	a.BaseDate = data.NewDate(2021, time.March, 15)
	if w := f.do(orgToken, "POST", "/api/v1/appraisals", a); w.Code != http.StatusCreated {
		t.Errorf("a report of 2021: %d %s", w.Code, w.Body)
	}
}
