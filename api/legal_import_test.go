package api

import (
	"net/http"
	"slices"
	"testing"

	"ipmatch/app"
	"ipmatch/data"
)

// TestImportLegalEventsThroughTheAPI has the organizer import a CNIPA
// legal-status file in which a patent of ent_0007 lapses for unpaid fees:
// the patent reads as lapsed with its event, the enterprise's matches no
// longer count it as pledgeable, the same file again changes nothing, and
// an enterprise or a bank may not import such a file.
func TestImportLegalEventsThroughTheAPI(t *testing.T) {
	f := newLandscapeDemoFixture(t)
	var list struct {
		Items []data.Patent `json:"items"`
	}
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/patents?owner_id=ent_0007&size=100", nil), http.StatusOK, &list)
	pledgedIn := func() map[string]bool { // the patents some loan to ent_0007 pledges
		var matches app.Matches
		decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/enterprises/ent_0007/matches?"+matchAsOfParam, nil), http.StatusOK, &matches)
		out := map[string]bool{}
		for _, m := range matches.Matches {
			if m.Loan != nil {
				for _, pp := range m.Loan.Patents {
					out[pp.ApplicationNumber] = true
				}
			}
		}
		return out
	}
	i := slices.IndexFunc(list.Items, func(p data.Patent) bool { return pledgedIn()[p.ApplicationNumber] })
	if i < 0 {
		t.Fatalf("no loan to ent_0007 pledges any of its %d patents", len(list.Items))
	}
	target := list.Items[i]
	file := "申请号,法律状态公告日,法律状态,法律状态信息\nCN" + target.ApplicationNumber + ",2021.03.01,未缴年费专利权终止,\n"

	for _, tok := range []string{matchEnt7Token, matchCCBToken} {
		w := f.do(tok, "POST", "/api/v1/import/patents?format=cnipa-legal-csv", file)
		if w.Code != http.StatusForbidden {
			t.Errorf("a legal-status import by a non-organizer: %d %s", w.Code, w.Body)
		}
	}
	var rep data.ImportReport
	decodeBody(t, f.do(matchOrgToken, "POST", "/api/v1/import/patents?format=cnipa-legal-csv", file), http.StatusOK, &rep)
	if rep.Rows != 1 || rep.Updated != 1 || len(rep.Rejected) != 0 {
		t.Fatalf("report %+v", rep)
	}
	var got data.Patent
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/patents/"+target.ApplicationNumber, nil), http.StatusOK, &got)
	if got.LegalStatus != data.StatusLapsed || len(got.LegalEvents) != 1 || got.LegalEvents[0].Name != "未缴年费专利权终止" {
		t.Errorf("after the import: %s, events %+v", got.LegalStatus, got.LegalEvents)
	}
	if pledgedIn()[target.ApplicationNumber] {
		t.Errorf("a loan still pledges the lapsed patent %s", target.ApplicationNumber)
	}
	decodeBody(t, f.do(matchOrgToken, "POST", "/api/v1/import/patents?format=cnipa-legal-csv", file), http.StatusOK, &rep)
	if rep.Updated != 0 || rep.Unchanged != 1 {
		t.Errorf("the same file again: %+v", rep)
	}
}

// TestDealRisksAfterALapse reads the watch of one of the demo's live
// deals, then has the organizer import a legal-status file in which one of
// its pledged patents lapses for unpaid fees: the deal is flagged, the
// patent lost as collateral, for the organizer and the deal's bank alike;
// a deal not yet disbursed has no risks; a bad warn_days is refused naming
// it.
func TestDealRisksAfterALapse(t *testing.T) {
	f := newLandscapeDemoFixture(t)
	var deals struct {
		Items []data.Deal `json:"items"`
	}
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/deals?size=500", nil), http.StatusOK, &deals)
	i := slices.IndexFunc(deals.Items, func(d data.Deal) bool { return d.Live() && len(d.Patents) > 0 })
	j := slices.IndexFunc(deals.Items, func(d data.Deal) bool { _, ok := d.DisbursedOn(); return !ok })
	if i < 0 || j < 0 {
		t.Fatalf("the demo has no live deal with patents, or none before disbursal, among %d", len(deals.Items))
	}
	deal := deals.Items[i]
	path := "/api/v1/deals/" + deal.ID + "/risks?as_of=2021-06-01"
	var before app.DealRisks
	decodeBody(t, f.do(matchOrgToken, "GET", path, nil), http.StatusOK, &before)
	if !before.Live || before.Disbursed.IsZero() || slices.Contains(before.Lost, deal.Patents[0]) {
		t.Fatalf("before the file: %+v", before)
	}

	file := "申请号,法律状态公告日,法律状态\nCN" + deal.Patents[0] + ",2021.05.20,未缴年费专利权终止\n"
	var rep data.ImportReport
	decodeBody(t, f.do(matchOrgToken, "POST", "/api/v1/import/patents?format=cnipa-legal-csv", file), http.StatusOK, &rep)
	if rep.Updated != 1 {
		t.Fatalf("import report %+v", rep)
	}
	want := data.CollateralRisk{DealID: deal.ID, Patent: deal.Patents[0], Kind: data.RiskLapsed, Date: data.NewDate(2021, 5, 20)}
	for _, tok := range []string{matchOrgToken, bankToken(t, f, deal.BankID)} {
		var after app.DealRisks
		decodeBody(t, f.do(tok, "GET", path, nil), http.StatusOK, &after)
		if !after.Flagged || !slices.Contains(after.Risks, want) || !slices.Contains(after.Lost, deal.Patents[0]) {
			t.Errorf("after the file: %+v, want %+v among the risks and the patent lost", after, want)
		}
	}

	var early app.DealRisks
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/deals/"+deals.Items[j].ID+"/risks", nil), http.StatusOK, &early)
	if early.Live || len(early.Risks) != 0 || early.Flagged {
		t.Errorf("a deal not disbursed: %+v", early)
	}
	env := wantError(t, f.do(matchOrgToken, "GET", path+"&warn_days=400", nil), http.StatusUnprocessableEntity, data.CodeInvalid)
	if !env.hasField("warn_days") {
		t.Errorf("warn_days 400: fields %+v", env.Error.Fields)
	}
}

// bankToken returns a token of bank id, made for the test.
func bankToken(t *testing.T, f *fixture, id string) string {
	t.Helper()
	secret := "ipm_test_bank_" + id
	put(t, f.store.Tokens(), &data.Token{Hash: data.HashToken(secret), Role: data.RoleBank, BankID: id})
	return secret
}
