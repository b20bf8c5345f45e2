package storetest

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"ipmatch/data"
)

// The collateral alerts and the banks' webhooks (data/alert.go): their
// generators and the contract a daily check on several nodes relies on.

// Alert returns a valid alert of deal "deal_store_<i>" of bank
// "bank_store", its first pledged patent lapsed on a day i days after
// 2021-05-01. Distinct i give distinct keys.
func Alert(i int) data.Alert {
	r := data.CollateralRisk{DealID: fmt.Sprintf("deal_store_%d", i), Patent: ApplicationNumber(2020, '2', i),
		Kind: data.RiskLapsed, Date: data.NewDate(2021, time.May, 1+i%28)}
	return data.Alert{Key: r.Key(), DealID: r.DealID, BankID: "bank_store", EnterpriseID: "ent_store",
		Patent: r.Patent, Kind: r.Kind, Date: r.Date, RaisedOn: data.NewDate(2021, time.June, 1), Lost: true,
		Amount: 3_500_000, CollateralBefore: 9_000_000, CollateralAfter: 6_000_000}
}

// Webhook returns a valid webhook of bank "bank_store_<i>".
func Webhook(i int) data.Webhook {
	return data.Webhook{BankID: fmt.Sprintf("bank_store_%d", i), URL: fmt.Sprintf("https://bank%d.example.cn/ipmatch/alerts", i),
		Secret: bytes.Repeat([]byte{byte(i + 1)}, 32)}
}

// runAlerts runs the alert and webhook cases of Run.
func runAlerts(t *testing.T, open func(t *testing.T) data.Store) {
	t.Run("alerts", func(t *testing.T) {
		runKind(t, open, kindCase[data.Alert]{
			kind: data.AlertKind, table: data.Store.Alerts, gen: Alert,
			change: func(a *data.Alert) {
				a.Acks = append(a.Acks, data.AlertAck{Party: data.PartyBank, By: "tok_bank", At: signInTime})
			},
			spoil: func(a *data.Alert) string { a.Kind = "storm"; return "kind" },
		})
	})
	t.Run("webhooks", func(t *testing.T) {
		runKind(t, open, kindCase[data.Webhook]{
			kind: data.WebhookKind, table: data.Store.Webhooks, gen: Webhook,
			change: func(w *data.Webhook) { w.URL = "https://other.example.cn/hook" },
			spoil:  func(w *data.Webhook) string { w.URL = "ftp://bank.example.cn/"; return "url" },
		})
	})
	t.Run("alert raised once", func(t *testing.T) { testAlertRaisedOnce(t, open(t)) })
}

// testAlertRaisedOnce: checks on several nodes that raise the same risk
// at once store one alert; the others are told it exists (conflict).
func testAlertRaisedOnce(t *testing.T, s data.Store) {
	ctx := t.Context()
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			a := Alert(3)
			errs[i] = s.Alerts().Create(ctx, &a)
		})
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch data.ErrorCode(err) {
		case "":
			created++
		case data.CodeConflict:
		default:
			t.Errorf("Create: %v", err)
		}
	}
	if created != 1 {
		t.Errorf("%d of %d concurrent Creates of one alert succeeded, want 1", created, n)
	}
	wantCount(t, s.Alerts(), 1)
}

// Application returns a valid application of Enterprise(i) (without its
// ID), submitted 2021-04-01, naming one stored patent and uploading one.
func Application(i int) data.Application {
	e := Enterprise(i)
	e.ID = ""
	up := Patent(i + 500)
	up.OwnerID = ""
	return data.Application{Enterprise: e, Contact: data.Contact{Name: "张经理", Phone: "0758-8888" + fmt.Sprintf("%04d", i)},
		Patents: []string{Patent(i).ApplicationNumber}, Uploaded: []data.Patent{up},
		Username: fmt.Sprintf("apply-%d", i), PasswordHash: UserPasswordHash, Status: data.ApplicationSubmitted,
		SubmittedAt: time.Date(2021, 4, 1, 2, 0, 0, 0, time.UTC)}
}

// runApplications runs the application cases of Run.
func runApplications(t *testing.T, open func(t *testing.T) data.Store) {
	t.Run("applications", func(t *testing.T) {
		runKind(t, open, kindCase[data.Application]{
			kind: data.ApplicationKind, table: data.Store.Applications, gen: Application,
			change: func(a *data.Application) {
				a.Status, a.Reasons = data.ApplicationReturned, []string{"请补充财务报表"}
			},
			spoil: func(a *data.Application) string { a.Contact.Phone = "call me"; return "contact.phone" },
		})
	})
}
