package app_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/memstore"
	"ipmatch/data/storetest"
)

// TestWebhookSignature signs and verifies a body: a changed body, a wrong
// secret, an old or future time and a malformed header are refused.
func TestWebhookSignature(t *testing.T) {
	secret := []byte("whsec_0123456789abcdef0123456789abcdef")
	body := []byte(`{"event":"collateral.alert"}`)
	at := time.Date(2021, 6, 1, 6, 0, 0, 0, time.UTC)
	sig := app.SignWebhook(secret, at, body)
	if !strings.HasPrefix(sig, "t=1622527200,v1=") || len(sig) != len("t=1622527200,v1=")+64 {
		t.Fatalf("signature %q", sig)
	}
	if err := app.VerifyWebhookSignature(secret, sig, body, at.Add(time.Minute), 0); err != nil {
		t.Errorf("a good signature: %v", err)
	}
	for name, c := range map[string]struct {
		secret []byte
		header string
		body   string
		now    time.Time
	}{
		"changed body":    {secret, sig, `{"event":"collateral.alert "}`, at},
		"wrong secret":    {[]byte("whsec_other"), sig, string(body), at},
		"replayed late":   {secret, sig, string(body), at.Add(6 * time.Minute)},
		"from the future": {secret, sig, string(body), at.Add(-6 * time.Minute)},
		"no time":         {secret, sig[strings.Index(sig, ",")+1:], string(body), at},
		"no signature":    {secret, "t=1622527200", string(body), at},
		"empty":           {secret, "", string(body), at},
	} {
		if err := app.VerifyWebhookSignature(c.secret, c.header, []byte(c.body), c.now, 0); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
}

// hookWorld is a store with a bank, a bank token and one alert of its
// deal pending delivery.
func hookWorld(t *testing.T, url string) (data.Store, *app.Caller, string) {
	t.Helper()
	s := memstore.New()
	ctx := t.Context()
	bank := storetest.Bank(1)
	if _, err := s.Banks().Put(ctx, &bank); err != nil {
		t.Fatal(err)
	}
	if url != "" {
		hook := data.Webhook{BankID: bank.ID, URL: url, Secret: []byte("whsec_0123456789abcdef0123456789abcdef")}
		if _, err := s.Webhooks().Put(ctx, &hook); err != nil {
			t.Fatal(err)
		}
	}
	al := storetest.Alert(1)
	al.BankID = bank.ID
	al.Webhook = &data.WebhookDelivery{State: data.DeliveryPending}
	if err := s.Alerts().Create(ctx, &al); err != nil {
		t.Fatal(err)
	}
	return s, &app.Caller{Token: data.Token{Role: data.RoleBank, BankID: bank.ID}}, al.ID
}

// TestWebhookRetriesThenGivesUp: a system that always fails is tried
// MaxAttempts times, each after the doubled wait, and the delivery is then
// failed with the last error; nothing is sent before its time.
func TestWebhookRetriesThenGivesUp(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer srv.Close()
	store, _, id := hookWorld(t, srv.URL)
	now := time.Date(2021, 6, 1, 6, 0, 0, 0, time.UTC)
	a := app.New(store, app.Config{Now: func() time.Time { return now },
		Webhooks: app.WebhookConfig{AllowPrivate: true, MaxAttempts: 3, Backoff: time.Minute}})
	ctx := t.Context()
	waits := []time.Duration{}
	for attempt := 1; attempt <= 3; attempt++ {
		ok, failed, err := a.DeliverWebhooks(ctx)
		if err != nil || ok != 0 || failed != 1 {
			t.Fatalf("attempt %d: delivered %d, failed %d, %v", attempt, ok, failed, err)
		}
		if ok, failed, _ := a.DeliverWebhooks(ctx); ok+failed != 0 {
			t.Fatalf("attempt %d was retried before its time", attempt)
		}
		al, _ := store.Alerts().Get(ctx, id)
		if al.Webhook.Attempts != attempt || !strings.Contains(al.Webhook.LastError, "502") {
			t.Fatalf("after attempt %d: %+v", attempt, al.Webhook)
		}
		if attempt < 3 {
			waits = append(waits, al.Webhook.NextAt.Sub(now))
			now = al.Webhook.NextAt
		} else if al.Webhook.State != data.DeliveryFailed || !al.Webhook.NextAt.IsZero() {
			t.Errorf("after the last attempt: %+v", al.Webhook)
		}
	}
	if len(waits) != 2 || waits[0] != time.Minute || waits[1] != 2*time.Minute {
		t.Errorf("waits %v, want 1m then 2m", waits)
	}
	if hits.Load() != 3 {
		t.Errorf("the system was called %d times, want 3", hits.Load())
	}
	now = now.Add(24 * time.Hour)
	if ok, failed, _ := a.DeliverWebhooks(ctx); ok+failed != 0 || hits.Load() != 3 {
		t.Error("a failed delivery was tried again")
	}
}

// TestWebhookAddressRules: without AllowPrivate an http address, or one
// naming an inner address, is refused naming url, and an https address
// that resolves to loopback is not connected to (the delivery fails saying
// why); a bank may not set another bank's webhook, and the secret is never
// read back.
func TestWebhookAddressRules(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("a webhook reached a loopback address")
	}))
	defer srv.Close()
	store, bank, id := hookWorld(t, "")
	a := app.New(store, app.Config{})
	ctx := t.Context()
	_, err := a.SetWebhook(ctx, bank, bank.Token.BankID, app.WebhookRequest{URL: "http://bank.example.cn/hook"})
	if fs := data.ErrorFields(err); len(fs) != 1 || fs[0].Field != "url" {
		t.Errorf("an http address: %v", err)
	}
	for _, inner := range []string{"https://127.0.0.1/hook", "https://[::1]/hook", "https://169.254.169.254/latest", "https://10.0.0.8/hook",
		"https://localhost:8443/hook", "https://[::ffff:192.168.1.1]/hook"} {
		_, err := a.SetWebhook(ctx, bank, bank.Token.BankID, app.WebhookRequest{URL: inner})
		if fs := data.ErrorFields(err); len(fs) != 1 || fs[0].Field != "url" {
			t.Errorf("%s: %v", inner, err)
		}
	}
	other := &app.Caller{Token: data.Token{Role: data.RoleBank, BankID: "bank_other"}}
	if _, err := a.SetWebhook(ctx, other, bank.Token.BankID, app.WebhookRequest{URL: srv.URL}); data.ErrorCode(err) != data.CodeForbidden {
		t.Errorf("another bank's webhook: %v", err)
	}
	set, err := a.SetWebhook(ctx, bank, bank.Token.BankID, app.WebhookRequest{URL: "https://bank.example.cn/hook"})
	if err != nil || !strings.HasPrefix(set.Secret, "whsec_") {
		t.Fatalf("set: %+v, %v", set, err)
	}
	// A name that resolves to loopback passes the form check; the
	// connection's check refuses it. Stored as such a name would be.
	hook, _ := store.Webhooks().GetByKey(ctx, bank.Token.BankID)
	hook.URL = srv.URL
	if err := store.Webhooks().Update(ctx, &hook); err != nil {
		t.Fatal(err)
	}
	read, err := a.Webhook(ctx, bank, bank.Token.BankID)
	if err != nil || read.Secret != "" {
		t.Errorf("read back: %+v, %v", read, err)
	}
	if _, failed, err := a.DeliverWebhooks(ctx); err != nil || failed != 1 {
		t.Fatalf("delivery to loopback: failed %d, %v", failed, err)
	}
	al, _ := store.Alerts().Get(ctx, id)
	if al.Webhook.LastError != app.DeliveryNotPublic {
		t.Errorf("the delivery's error: %q", al.Webhook.LastError)
	}
}

// TestWebhookRemovedMeanwhile: an alert pending for a webhook removed
// since is marked failed at its next turn, not retried forever.
func TestWebhookRemovedMeanwhile(t *testing.T) {
	store, _, id := hookWorld(t, "")
	a := app.New(store, app.Config{})
	if _, failed, err := a.DeliverWebhooks(t.Context()); err != nil || failed != 1 {
		t.Fatalf("failed %d, %v", failed, err)
	}
	al, _ := store.Alerts().Get(t.Context(), id)
	if al.Webhook.State != data.DeliveryFailed || al.Webhook.Attempts != 1 || !strings.Contains(al.Webhook.LastError, "no webhook") {
		t.Errorf("%+v", al.Webhook)
	}
}
