package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
)

// webhookReceiver is a bank's system on loopback: it keeps every request
// and answers the first fail times with 503.
type webhookReceiver struct {
	mu   sync.Mutex
	fail int
	got  []receivedHook
}

type receivedHook struct {
	header http.Header
	body   []byte
	at     time.Time
}

func (rc *webhookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.got = append(rc.got, receivedHook{header: r.Header.Clone(), body: body, at: time.Now()})
	if len(rc.got) <= rc.fail {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (rc *webhookReceiver) requests() []receivedHook {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// TestAlertsAfterALapse is issue 18's "done means" on the demo: the bank
// of a disbursed deal sets a webhook; the daily check records the deal's
// collateral; the organizer imports a legal-status file in which one of
// the deal's pledged patents lapses for unpaid fees; the next check raises
// exactly one alert, for that deal, in the bank's inbox and the
// organizer's, with the collateral lowered; the bank's system, on
// loopback, is sent it (refused once, then taken on the retry) signed with
// the secret it was shown; the deal reads flagged; checks run again raise
// nothing new. Each party acknowledges for itself; another bank and the
// enterprise read nothing of it.
func TestAlertsAfterALapse(t *testing.T) {
	f := newDemoFixture(t, Config{Webhooks: app.WebhookConfig{AllowPrivate: true, Backoff: time.Millisecond}})
	rc := &webhookReceiver{fail: 1}
	srv := httptest.NewServer(rc)
	defer srv.Close()

	var deals struct {
		Items []data.Deal `json:"items"`
	}
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/deals?size=500", nil), http.StatusOK, &deals)
	i := slices.IndexFunc(deals.Items, func(d data.Deal) bool { return d.Live() && len(d.Patents) > 0 })
	if i < 0 {
		t.Fatalf("the demo has no live deal with patents among %d", len(deals.Items))
	}
	deal := deals.Items[i]
	bankTok := bankToken(t, f, deal.BankID)
	otherBank := demo2ndBank(deal.BankID)

	var hook app.WebhookView
	decodeBody(t, f.do(bankTok, "PUT", "/api/v1/banks/"+deal.BankID+"/webhook", map[string]string{"url": srv.URL + "/ipmatch/alerts"}), http.StatusOK, &hook)
	if len(hook.Secret) < 40 || hook.URL != srv.URL+"/ipmatch/alerts" {
		t.Fatalf("webhook set: %+v", hook)
	}
	var shown app.WebhookView
	decodeBody(t, f.do(bankTok, "GET", "/api/v1/banks/"+deal.BankID+"/webhook", nil), http.StatusOK, &shown)
	if shown.Secret != "" || shown.URL != hook.URL {
		t.Errorf("the webhook read back shows %+v; the secret must not be shown again", shown)
	}

	const check = "/api/v1/monitor?as_of=2021-06-01"
	var first app.MonitorReport
	decodeBody(t, f.do(matchOrgToken, "POST", check, nil), http.StatusOK, &first)
	if first.Deals == 0 || first.Valued == 0 {
		t.Fatalf("the first check: %+v", first)
	}
	var before app.DealRisks
	decodeBody(t, f.do(bankTok, "GET", "/api/v1/deals/"+deal.ID+"/risks?as_of=2021-06-01", nil), http.StatusOK, &before)
	if before.Collateral == nil || before.Collateral.Value <= 0 || before.CollateralNow != before.Collateral.Value {
		t.Fatalf("the collateral recorded by the first check: %+v, now %d", before.Collateral, before.CollateralNow)
	}
	sentBefore := len(rc.requests())

	file := "申请号,法律状态公告日,法律状态\nCN" + deal.Patents[0] + ",2021.05.20,未缴年费专利权终止\n"
	var rep data.ImportReport
	decodeBody(t, f.do(matchOrgToken, "POST", "/api/v1/import/patents?format=cnipa-legal-csv", file), http.StatusOK, &rep)
	if rep.Updated != 1 {
		t.Fatalf("import report %+v", rep)
	}

	var second app.MonitorReport
	decodeBody(t, f.do(matchOrgToken, "POST", check, nil), http.StatusOK, &second)
	if len(second.Raised) != 1 {
		t.Fatalf("the check after the lapse raised %d alerts, want 1: %+v", len(second.Raised), second.Raised)
	}
	al := second.Raised[0]
	if al.DealID != deal.ID || al.BankID != deal.BankID || al.Patent != deal.Patents[0] || al.Kind != data.RiskLapsed ||
		al.Date != data.NewDate(2021, 5, 20) || !al.Lost {
		t.Errorf("the alert: %+v", al)
	}
	if al.CollateralBefore != before.Collateral.Value || al.CollateralAfter >= al.CollateralBefore {
		t.Errorf("collateral %d → %d; want it lowered from the recorded %d", al.CollateralBefore, al.CollateralAfter, before.Collateral.Value)
	}
	t.Logf("deal %s (bank %s, %d yuan): %s %s on %s; collateral %d → %d yuan; first check: %d live deals, %d flagged, %d alerts",
		deal.ID, deal.BankID, deal.Amount, al.Patent, al.Kind, al.Date, al.CollateralBefore, al.CollateralAfter, first.Deals, first.Flagged, len(first.Raised))
	if second.Undelivered != 1 || second.Delivered != 0 {
		t.Errorf("the first send to a system answering 503: delivered %d, failed %d", second.Delivered, second.Undelivered)
	}

	var risks app.DealRisks
	decodeBody(t, f.do(bankTok, "GET", "/api/v1/deals/"+deal.ID+"/risks?as_of=2021-06-01", nil), http.StatusOK, &risks)
	if !risks.Flagged || !slices.Contains(risks.Lost, deal.Patents[0]) || risks.CollateralNow >= risks.Collateral.Value {
		t.Errorf("the deal after the lapse: flagged %v, lost %v, collateral %d of %d", risks.Flagged, risks.Lost, risks.CollateralNow, risks.Collateral.Value)
	}

	// Again: nothing new is raised, and the retry is delivered.
	time.Sleep(5 * time.Millisecond) // past the 1 ms backoff
	var third app.MonitorReport
	decodeBody(t, f.do(matchOrgToken, "POST", check, nil), http.StatusOK, &third)
	if len(third.Raised) != 0 || third.Known != second.Known+1 {
		t.Errorf("the check run again raised %d (known %d, before %d)", len(third.Raised), third.Known, second.Known)
	}
	if third.Delivered != 1 {
		t.Errorf("the retry: delivered %d, failed %d", third.Delivered, third.Undelivered)
	}
	var fourth app.MonitorReport
	decodeBody(t, f.do(matchOrgToken, "POST", check, nil), http.StatusOK, &fourth)
	if len(fourth.Raised) != 0 || fourth.Delivered+fourth.Undelivered != 0 {
		t.Errorf("a fourth check: %+v", fourth)
	}

	sent := rc.requests()[sentBefore:]
	var mine []receivedHook
	for _, r := range sent {
		if r.header.Get(app.WebhookDeliveryHeader) == al.ID {
			mine = append(mine, r)
		}
	}
	if len(mine) != 2 {
		t.Fatalf("the bank's system got the alert %d times, want 2 (a 503, then the retry)", len(mine))
	}
	last := mine[1]
	if err := app.VerifyWebhookSignature([]byte(hook.Secret), last.header.Get(app.WebhookSignatureHeader), last.body, last.at, 0); err != nil {
		t.Errorf("signature: %v", err)
	}
	if err := app.VerifyWebhookSignature([]byte("whsec_not-the-secret"), last.header.Get(app.WebhookSignatureHeader), last.body, last.at, 0); err == nil {
		t.Error("a wrong secret verified")
	}
	var payload app.AlertPayload
	if err := json.Unmarshal(last.body, &payload); err != nil {
		t.Fatal(err)
	}
	if payload.Event != app.WebhookEventAlert || payload.Alert.ID != al.ID || payload.Alert.Kind != data.RiskLapsed ||
		payload.Alert.CollateralAfter != al.CollateralAfter || last.header.Get(app.WebhookEventHeader) != app.WebhookEventAlert {
		t.Errorf("payload %+v", payload)
	}

	// The inboxes.
	inbox := func(tok string) []data.Alert {
		var page app.ListResult[data.Alert]
		decodeBody(t, f.do(tok, "GET", "/api/v1/alerts?acked=false&deal_id="+deal.ID+"&size=500", nil), http.StatusOK, &page)
		return page.Items
	}
	has := func(list []data.Alert) bool {
		return slices.ContainsFunc(list, func(a data.Alert) bool { return a.ID == al.ID })
	}
	if !has(inbox(bankTok)) || !has(inbox(matchOrgToken)) {
		t.Fatal("the alert is not in the bank's and the organizer's inboxes")
	}
	var stored data.Alert
	decodeBody(t, f.do(bankTok, "GET", "/api/v1/alerts/"+al.ID, nil), http.StatusOK, &stored)
	if stored.Webhook == nil || stored.Webhook.State != data.DeliveryDelivered || stored.Webhook.Attempts != 2 {
		t.Errorf("delivery recorded: %+v", stored.Webhook)
	}
	var acked data.Alert
	decodeBody(t, f.do(bankTok, "POST", "/api/v1/alerts/"+al.ID+"/ack", nil), http.StatusOK, &acked)
	decodeBody(t, f.do(bankTok, "POST", "/api/v1/alerts/"+al.ID+"/ack", nil), http.StatusOK, &acked)
	if len(acked.Acks) != 1 || acked.Acks[0].Party != data.PartyBank {
		t.Errorf("acknowledged twice by the bank: %+v", acked.Acks)
	}
	if has(inbox(bankTok)) || !has(inbox(matchOrgToken)) {
		t.Error("the bank's acknowledgement must empty its inbox only")
	}

	// Nobody else reads it: another bank as a missing alert, the
	// enterprise not at all.
	otherTok := bankToken(t, f, otherBank)
	missing := wantError(t, f.do(otherTok, "GET", "/api/v1/alerts/alert_missing0000", nil), http.StatusNotFound, data.CodeNotFound)
	hidden := wantError(t, f.do(otherTok, "GET", "/api/v1/alerts/"+al.ID, nil), http.StatusNotFound, data.CodeNotFound)
	if hidden.Error.Message != missing.Error.Message[:len(missing.Error.Message)-len(`"alert_missing0000"`)]+`"`+al.ID+`"` {
		t.Errorf("another bank's alert: %q; a missing one: %q", hidden.Error.Message, missing.Error.Message)
	}
	wantError(t, f.do(otherTok, "POST", "/api/v1/alerts/"+al.ID+"/ack", nil), http.StatusNotFound, data.CodeNotFound)
	if has(inbox(otherTok)) {
		t.Error("another bank lists the alert")
	}
	ent := bankDealEnterpriseToken(t, f, deal.EnterpriseID)
	wantError(t, f.do(ent, "GET", "/api/v1/alerts", nil), http.StatusForbidden, data.CodeForbidden)
}

// demo2ndBank returns the demo's bank that is not id.
func demo2ndBank(id string) string {
	for _, b := range []string{demo.BankCCB, demo.BankZQRCB} {
		if b != id {
			return b
		}
	}
	return ""
}

// bankDealEnterpriseToken returns a token of enterprise id, made for the
// test.
func bankDealEnterpriseToken(t *testing.T, f *fixture, id string) string {
	t.Helper()
	secret := "ipm_test_ent_" + id
	put(t, f.store.Tokens(), &data.Token{Hash: data.HashToken(secret), Role: data.RoleCompany, EnterpriseID: id})
	return secret
}
