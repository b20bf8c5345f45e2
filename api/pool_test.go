package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/matcher"
)

const poolRiskURL = "/api/v1/pools/" + demo.PoolID + "/risk?as_of=2021-04-23&draws=2000"

func TestPoolRiskRoles(t *testing.T) {
	f := newEventFixture(t)

	var full matcher.PoolRiskResult
	decodeBody(t, f.do(evtOrgToken, "GET", poolRiskURL, nil), http.StatusOK, &full)
	// The demo pool: deals 1 (3.5M, disbursed), 2 (2M, disbursed) and 3
	// (accepted) are its filings; nothing was compensated.
	exposure := int64(0)
	for _, d := range demo.Generate(demo.DefaultSeed).Deals {
		if d.PoolID == demo.PoolID && (d.ID == "deal_0001" || d.ID == "deal_0002" || d.ID == "deal_0003") {
			exposure += d.Amount
		}
	}
	if full.Filings != 3 || full.Exposure != exposure || full.Remaining != 5_000_000 || full.Claims != 0 || len(full.Loans) != 3 {
		t.Fatalf("organizer view: %+v, want exposure %d", full, exposure)
	}
	for _, l := range full.Loans {
		if l.PDSource != "scorecard" || l.PD <= 0 {
			t.Errorf("loan %+v: want a scorecard PD", l)
		}
	}
	if full.ExtraLending <= 0 || full.ExtraLending > full.LeverageHeadroom || full.PExhausted < 0 || full.PExhausted > 1 {
		t.Errorf("risk figures: %+v", full)
	}

	// A bank gets the aggregate figures only: no loans, no claims.
	w := f.do(evtCCBToken, "GET", poolRiskURL, nil)
	var raw map[string]json.RawMessage
	decodeBody(t, w, http.StatusOK, &raw)
	if _, ok := raw["loans"]; ok {
		t.Errorf("a bank sees the pool's loans: %s", w.Body)
	}
	if _, ok := raw["claim_list"]; ok {
		t.Errorf("a bank sees the pool's claims")
	}
	if string(raw["exposure"]) != strconv.FormatInt(exposure, 10) {
		t.Errorf("bank view exposure %s", raw["exposure"])
	}
	wantError(t, f.do(evtEnt3Token, "GET", poolRiskURL, nil), http.StatusForbidden, data.CodeForbidden)
	wantError(t, f.do(evtOrgToken, "GET", "/api/v1/pools/"+demo.PoolID+"/risk?draws=5", nil), http.StatusUnprocessableEntity, data.CodeInvalid)
	wantError(t, f.do(evtOrgToken, "GET", "/api/v1/pools/"+demo.PoolID+"/risk?bogus=1", nil), http.StatusBadRequest, data.CodeMalformed)
	wantError(t, f.do(evtOrgToken, "GET", "/api/v1/pools/pool_nope/risk", nil), http.StatusNotFound, data.CodeNotFound)
}

// TestFilingCaps moves deals to filed under the demo pool: within the caps
// it works; a deal whose cover breaks the per-loan cap is refused with 409
// naming the cap and stays where it was.
func TestFilingCaps(t *testing.T) {
	f := newEventFixture(t)
	stage := func(tok, id string, s data.Stage) *data.Deal {
		t.Helper()
		var d data.Deal
		decodeBody(t, f.do(tok, "POST", "/api/v1/deals/"+id+"/stage", map[string]string{"stage": string(s)}), http.StatusOK, &d)
		return &d
	}
	// deal_0005: 1,500,000 at intent under the pool, bank 高要农商行.
	if d := stage(evtOrgToken, "deal_0005", data.StageFiled); d.Stage != data.StageFiled {
		t.Fatalf("deal_0005 stage %s", d.Stage)
	}

	// A 5,000,000 loan: the fund would bear 2,500,000 > the 2,000,000 cap.
	big := data.Deal{EnterpriseID: "ent_0013", BankID: demo.BankCCB, ProductID: demo.ProdCCBKechuang, EventID: demo.EventID,
		PoolID: demo.PoolID, Amount: 5_000_000, TermMonths: 24}
	var created data.Deal
	decodeBody(t, f.do(evtCCBToken, "POST", "/api/v1/deals", big), http.StatusCreated, &created)
	stage(evtCCBToken, created.ID, data.StageMet)
	stage(evtCCBToken, created.ID, data.StageIntent)
	env := wantError(t, f.do(evtCCBToken, "POST", "/api/v1/deals/"+created.ID+"/stage", map[string]string{"stage": "filed"}),
		http.StatusConflict, data.CodeConflict)
	if !env.hasField("per_loan_cap") {
		t.Errorf("fields %+v, want per_loan_cap", env.Error.Fields)
	}
	got, _ := f.store.Deals().Get(t.Context(), created.ID)
	if got.Stage != data.StageIntent {
		t.Errorf("refused deal moved to %s", got.Stage)
	}
	// Another bank cannot probe the deal through the cap check: 404.
	wantError(t, f.do(evtZQToken, "POST", "/api/v1/deals/"+created.ID+"/stage", map[string]string{"stage": "filed"}),
		http.StatusNotFound, data.CodeNotFound)
	// Other moves are unchanged: declining works.
	if d := stage(evtCCBToken, created.ID, data.StageDeclined); d.Stage != data.StageDeclined {
		t.Errorf("decline: %s", d.Stage)
	}

	// The pool's book holds the accepted filing, for the organizer only;
	// a replacement of the pool cannot forge it.
	var pool data.Pool
	decodeBody(t, f.do(evtOrgToken, "GET", "/api/v1/pools/"+demo.PoolID, nil), http.StatusOK, &pool)
	if i := slices.IndexFunc(pool.Book, func(e data.PoolFiling) bool { return e.DealID == "deal_0005" }); i < 0 || pool.Book[i].Stage != data.StageFiled {
		t.Errorf("the organizer reads the book %+v, want deal_0005 filed in it", pool.Book)
	}
	if slices.ContainsFunc(pool.Book, func(e data.PoolFiling) bool { return e.DealID == created.ID }) {
		t.Errorf("the refused filing %s is in the book %+v", created.ID, pool.Book)
	}
	var raw map[string]json.RawMessage
	decodeBody(t, f.do(evtCCBToken, "GET", "/api/v1/pools/"+demo.PoolID, nil), http.StatusOK, &raw)
	if _, ok := raw["book"]; ok {
		t.Errorf("a bank reads the pool's book: %s", raw["book"])
	}
	forged := pool
	forged.Book = []data.PoolFiling{{DealID: "deal_forged", EnterpriseID: "ent_0001", BankID: demo.BankCCB, ProductID: demo.ProdCCBKechuang,
		Amount: 1, Stage: data.StageFiled}}
	var replaced data.Pool
	decodeBody(t, f.do(evtOrgToken, "PUT", "/api/v1/pools/"+demo.PoolID, forged), http.StatusOK, &replaced)
	if stored, _ := f.store.Pools().Get(t.Context(), demo.PoolID); !slices.EqualFunc(stored.Book, pool.Book, func(a, b data.PoolFiling) bool {
		return a.DealID == b.DealID && a.Amount == b.Amount
	}) {
		t.Errorf("a PUT of the pool changed its book to %+v", stored.Book)
	}
}

func TestEventReport(t *testing.T) {
	f := newEventFixture(t)
	url := "/api/v1/events/" + demo.EventID + "/report"
	var rep app.EventReport
	decodeBody(t, f.do(evtOrgToken, "GET", url, nil), http.StatusOK, &rep)
	if rep.Registered.Enterprises != 30 || rep.Registered.Banks != 9 || rep.Meetings.Computed {
		t.Fatalf("report before scheduling: %+v", rep)
	}
	computeDemoSchedule(t, f)
	// Record one meeting as held.
	var sch app.ScheduleBody
	decodeBody(t, f.do(evtOrgToken, "GET", evtScheduleURL, nil), http.StatusOK, &sch)
	m := sch.Meetings[0]
	decodeBody(t, f.do(evtOrgToken, "PUT", evtScheduleURL+"/meetings", map[string]any{"enterprise_id": m.EnterpriseID, "bank_id": m.BankID, "outcome": "held"}), http.StatusOK, nil)

	decodeBody(t, f.do(evtOrgToken, "GET", url, nil), http.StatusOK, &rep)
	if !rep.Meetings.Computed || rep.Meetings.Scheduled != len(sch.Meetings) || rep.Meetings.Held < 1 {
		t.Errorf("meetings %+v", rep.Meetings)
	}
	// The demo's event deals: 8 (deal_0009 belongs to no event); two loans
	// disbursed on site, 3,500,000 + 2,000,000.
	funnel := map[data.Stage]app.FunnelStage{}
	for _, s := range rep.Funnel {
		funnel[s.Stage] = s
	}
	if rep.Deals != 8 || funnel[data.StageRegistered].Reached != 8 || funnel[data.StageDisbursed].Reached != 2 ||
		funnel[data.StageDeclined].Current != 1 || len(rep.Funnel) != len(data.Stages) {
		t.Errorf("funnel %+v", rep.Funnel)
	}
	if rep.Disbursed != 2 || rep.DisbursedAmount != 5_500_000 || rep.Filings != 4 || rep.Intents != 5 {
		t.Errorf("totals: disbursed %d (%d yuan), filings %d, intents %d", rep.Disbursed, rep.DisbursedAmount, rep.Filings, rep.Intents)
	}
	// Reached never grows along the pipeline.
	for i := 1; i <= 5; i++ {
		if rep.Funnel[i].Reached > rep.Funnel[i-1].Reached {
			t.Errorf("funnel grows at %s", rep.Funnel[i].Stage)
		}
	}
	var ccb *app.BankReport
	for i := range rep.Banks {
		if rep.Banks[i].BankID == demo.BankCCB {
			ccb = &rep.Banks[i]
		}
	}
	if ccb == nil || ccb.Tables != 2 || ccb.Disbursed != 1 || ccb.DisbursedAmount != 3_500_000 || ccb.Meetings == 0 {
		t.Errorf("CCB line %+v", ccb)
	}

	w := f.do(evtOrgToken, "GET", url+"?format=csv", nil)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("csv: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	body := w.Body.String()
	for _, want := range []string{"\ufeff指标,数值\n", "放款金额（元）,5500000\n", "\n阶段,阶段代码,到达,当前\n", "放款,disbursed,2,2\n", "中国建设银行肇庆市分行,bank_ccb_zq,2,"} {
		if !strings.Contains(body, want) {
			t.Errorf("csv lacks %q:\n%s", want, body)
		}
	}
	wantError(t, f.do(evtOrgToken, "GET", url+"?format=pdf", nil), http.StatusBadRequest, data.CodeMalformed)
}
