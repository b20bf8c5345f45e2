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
