package data_test

import (
	"slices"
	"testing"

	"ipmatch/data"
	"ipmatch/data/storetest"
)

// TestAlertAndWebhookRules: each broken field is refused by name.
func TestAlertAndWebhookRules(t *testing.T) {
	for name, c := range map[string]struct {
		spoil func(*data.Alert)
		field string
	}{
		"no deal":        {func(a *data.Alert) { a.DealID = "" }, "deal_id"},
		"unknown kind":   {func(a *data.Alert) { a.Kind = "storm" }, "kind"},
		"key of another": {func(a *data.Alert) { a.Key = "deal_x|p|lapsed|2021-05-01" }, "key"},
		"no check day":   {func(a *data.Alert) { a.RaisedOn = data.Date{} }, "raised_on"},
		"negative value": {func(a *data.Alert) { a.CollateralAfter = -1 }, "amount"},
		"acked twice":    {func(a *data.Alert) { a.Acks = []data.AlertAck{{Party: data.PartyBank}, {Party: data.PartyBank}} }, "acks"},
		"unknown party":  {func(a *data.Alert) { a.Acks = []data.AlertAck{{Party: "enterprise"}} }, "acks"},
		"unknown state":  {func(a *data.Alert) { a.Webhook = &data.WebhookDelivery{State: "lost"} }, "webhook.state"},
	} {
		a := storetest.Alert(1)
		if err := a.Validate(); err != nil {
			t.Fatalf("the valid alert: %v", err)
		}
		c.spoil(&a)
		fs := data.ErrorFields(a.Validate())
		if !slices.ContainsFunc(fs, func(f data.FieldError) bool { return f.Field == c.field }) {
			t.Errorf("%s: %v, want an error naming %s", name, fs, c.field)
		}
	}
	for url, ok := range map[string]bool{
		"https://bank.example.cn/hook":        true,
		"http://10.0.0.8:8443/ipmatch/alerts": true, // the address rules are the sender's (app.WebhookConfig)
		"":                                    false,
		"ftp://bank.example.cn/":              false,
		"https:///nohost":                     false,
		"https://user:pw@bank.example.cn/":    false,
		"https://bank.example.cn/#frag":       false,
		"bank.example.cn/hook":                false,
	} {
		w := storetest.Webhook(1)
		w.URL = url
		fs := data.ErrorFields(w.Validate())
		if ok != (len(fs) == 0) || !ok && fs[0].Field != "url" {
			t.Errorf("url %q: %v", url, fs)
		}
	}
	w := storetest.Webhook(1)
	w.Secret = w.Secret[:16]
	if fs := data.ErrorFields(w.Validate()); len(fs) != 1 || fs[0].Field != "secret" {
		t.Errorf("a short secret: %v", fs)
	}
}
