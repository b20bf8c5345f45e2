package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/web"
)

// acceptedDeal stores a deal of bank for product at accepted (no pool), so
// that its next move is disbursed, and returns it.
func acceptedDeal(t *testing.T, f *fixture, id, bank, product, enterprise string) data.Deal {
	t.Helper()
	d := data.Deal{ID: id, EnterpriseID: enterprise, BankID: bank, ProductID: product, Amount: 1_000_000, TermMonths: 12}
	d.Normalize()
	at := time.Date(2021, 4, 1, 2, 0, 0, 0, time.UTC)
	for i, s := range []data.Stage{data.StageMet, data.StageIntent, data.StageFiled, data.StageAccepted} {
		if err := d.Move(s, "organizer", at.Add(time.Duration(i)*time.Hour), ""); err != nil {
			t.Fatal(err)
		}
	}
	put(t, f.store.Deals(), &d)
	return d
}

// TestWebDealMoveConfirmNoteAmount: 终止 and 风险补偿 ask for confirmation
// first (the CSP forbids inline script, so it is a second submit with
// confirm=1); a note is stored with the move and shown in the history; a
// move to 放款 takes the amount disbursed in 万元, stored in yuan, checked
// against the product's range by the API. Bad input is answered on the
// page naming the field; another bank's deal is a 404 at every step.
func TestWebDealMoveConfirmNoteAmount(t *testing.T) {
	f := newMatchFixture(t)
	ctx := t.Context()
	prod, err := f.store.Products().Get(ctx, demo.ProdCCBKechuang)
	if err != nil {
		t.Fatal(err)
	}
	own := ccbPipelineDeal(t, f)
	d := acceptedDeal(t, f, "deal_test_accepted", demo.BankCCB, prod.ID, own.EnterpriseID)
	other := openDeal(t, f, demo.BankZQRCB)

	b := newBrowser(f)
	b.signIn(matchCCBToken)
	w, _ := b.get("/app/bank/deals")
	page := htmlPage(t, w, http.StatusOK)
	wantText(t, page, `name="note"`, `name="amount_wan"`, `name="stage" value="disbursed"`)
	token := csrf(t, w)
	post := func(id string, form url.Values) *httpResult {
		form.Set(web.CSRFField, token)
		r := b.do("POST", "/app/bank/deals/"+id+"/stage", form)
		return &httpResult{code: r.Code, body: r.Body.String(), location: r.Header().Get("Location")}
	}

	// 终止 without confirm: the confirmation, nothing moved.
	before := f.snapshot()
	r := post(d.ID, url.Values{"stage": {"declined"}, "note": {"企业撤回申请"}})
	if r.code != http.StatusOK || !strings.Contains(r.body, "请确认") || !strings.Contains(r.body, `name="confirm" value="1"`) ||
		!strings.Contains(r.body, `value="企业撤回申请"`) {
		t.Fatalf("declined without confirm: %d %s", r.code, r.body)
	}
	f.unchanged(before)

	// Another bank's deal: 404 before any confirmation, naming nothing.
	r = post(other.ID, url.Values{"stage": {"declined"}})
	if r.code != http.StatusNotFound || strings.Contains(r.body, "请确认") || strings.Contains(r.body, other.EnterpriseID) {
		t.Errorf("another bank's deal: %d", r.code)
	}
	r = post(other.ID, url.Values{"stage": {"declined"}, "confirm": {"1"}})
	if r.code != http.StatusNotFound {
		t.Errorf("another bank's deal confirmed: %d", r.code)
	}
	f.unchanged(before)

	// A note over the limit: on the page, naming the field; unchanged.
	r = post(d.ID, url.Values{"stage": {"disbursed"}, "note": {strings.Repeat("长", app.MaxNoteRunes+1)}})
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "备注：最多 "+strconv.Itoa(app.MaxNoteRunes)+" 字") {
		t.Errorf("long note: %d", r.code)
	}
	// An amount that is no positive number, and one above the product's
	// range: on the page, naming the field; unchanged.
	for _, bad := range []string{"很多", "-5", "0"} {
		r = post(d.ID, url.Values{"stage": {"disbursed"}, "amount_wan": {bad}})
		if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "放款金额：须为正数") {
			t.Errorf("amount %q: %d", bad, r.code)
		}
	}
	tooMuch := strconv.FormatInt(prod.MaxAmount/10_000+1, 10)
	r = post(d.ID, url.Values{"stage": {"disbursed"}, "amount_wan": {tooMuch}})
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "额度范围") || !strings.Contains(r.body, app.Wan(prod.MaxAmount)) {
		t.Errorf("amount %s 万元 above the range: %d", tooMuch, r.code)
	}
	f.unchanged(before)

	// 放款 with 86.5 万元 and a note: stored in yuan, the note in history.
	r = post(d.ID, url.Values{"stage": {"disbursed"}, "amount_wan": {"86.5"}, "note": {"首笔放款"}})
	if r.code != http.StatusSeeOther || r.location != "/app/bank/deals" {
		t.Fatalf("disbursed: %d %s", r.code, r.body)
	}
	got, err := f.store.Deals().Get(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := got.History[len(got.History)-1]; got.Stage != data.StageDisbursed || got.Amount != 865_000 || last.Note != "首笔放款" {
		t.Errorf("after 放款: stage %s amount %d last %+v", got.Stage, got.Amount, last)
	}
	w, _ = b.get("/app/bank/deals")
	wantText(t, htmlPage(t, w, http.StatusOK), "备注：首笔放款", "86.50 万元")

	// 风险补偿 asks too; confirmed, it moves with its note.
	before = f.snapshot()
	r = post(d.ID, url.Values{"stage": {"compensated"}, "amount_wan": {"1"}})
	if r.code != http.StatusOK || !strings.Contains(r.body, "请确认") || strings.Contains(r.body, `name="amount_wan"`) {
		t.Fatalf("compensated without confirm: %d", r.code)
	}
	f.unchanged(before)
	r = post(d.ID, url.Values{"stage": {"compensated"}, "note": {"逾期 90 天"}, "confirm": {"1"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("compensated confirmed: %d %s", r.code, r.body)
	}
	if got, _ := f.store.Deals().Get(ctx, d.ID); got.Stage != data.StageCompensated || got.History[len(got.History)-1].Note != "逾期 90 天" || got.Amount != 865_000 {
		t.Errorf("after 风险补偿: %+v", got)
	}
}

// httpResult is what a test keeps of an answer.
type httpResult struct {
	code           int
	body, location string
}

// TestDealMoveAmountAPI: POST /api/v1/deals/{id}/stage takes the amount
// disbursed only with a move to disbursed, positive and within the
// product's range; another bank may not use it on this deal.
func TestDealMoveAmountAPI(t *testing.T) {
	f := newMatchFixture(t)
	ctx := t.Context()
	prod, err := f.store.Products().Get(ctx, demo.ProdCCBKechuang)
	if err != nil {
		t.Fatal(err)
	}
	own := ccbPipelineDeal(t, f)
	d := acceptedDeal(t, f, "deal_test_api", demo.BankCCB, prod.ID, own.EnterpriseID)
	url := "/api/v1/deals/" + d.ID + "/stage"
	before := f.snapshot()
	for _, c := range []struct {
		body string
		why  string
	}{
		{`{"stage":"declined","amount":500000}`, "amount with another stage"},
		{`{"stage":"disbursed","amount":0}`, "zero"},
		{`{"stage":"disbursed","amount":-1}`, "negative"},
		{`{"stage":"disbursed","amount":` + strconv.FormatInt(prod.MaxAmount+1, 10) + `}`, "above the range"},
	} {
		env := wantError(t, f.do(matchCCBToken, "POST", url, c.body), http.StatusUnprocessableEntity, data.CodeInvalid)
		if !env.hasField("amount") {
			t.Errorf("%s: the error does not name amount", c.why)
		}
	}
	if prod.MinAmount > 1 {
		env := wantError(t, f.do(matchCCBToken, "POST", url, `{"stage":"disbursed","amount":`+strconv.FormatInt(prod.MinAmount-1, 10)+`}`), http.StatusUnprocessableEntity, data.CodeInvalid)
		if !env.hasField("amount") {
			t.Errorf("below the range: the error does not name amount")
		}
	}
	// Another bank: not found, as if the deal did not exist.
	wantError(t, f.do(matchZQRCBToken, "POST", url, `{"stage":"disbursed","amount":500000}`), http.StatusNotFound, data.CodeNotFound)
	f.unchanged(before)

	var got data.Deal
	decodeBody(t, f.do(matchCCBToken, "POST", url, `{"stage":"disbursed","amount":500000,"note":"放款"}`), http.StatusOK, &got)
	if got.Amount != 500_000 || got.Stage != data.StageDisbursed || got.History[len(got.History)-1].Note != "放款" {
		t.Errorf("after the move: %+v", got)
	}
}
