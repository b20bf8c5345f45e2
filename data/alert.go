package data

import (
	"net/url"
	"slices"
	"strings"
	"time"
)

// Alerts (issue 18): the daily check of live deals (app.Monitor) raises
// one Alert per CollateralRisk the first time it sees it. The risk's key
// is the alert's natural key, so a second check, on this node or another,
// finds the key taken and raises nothing: the store's Create is what makes
// the check idempotent. An alert is read by the deal's bank and the
// organizer, each of whom acknowledges it for themselves; the bank's
// webhook, when it has one, is sent the alert until its system answers.

// AlertParty is who reads and acknowledges an alert.
type AlertParty string

// The parties of an alert.
const (
	PartyBank      AlertParty = "bank"      // the deal's bank
	PartyOrganizer AlertParty = "organizer" // the organizer, as the pool's fund manager
)

// AlertAck is one party's acknowledgement of an alert.
type AlertAck struct {
	Party AlertParty `json:"party"`
	By    string     `json:"by"` // the token or user that acknowledged
	At    time.Time  `json:"at"`
}

// Delivery states of an alert's webhook.
const (
	DeliveryPending   = "pending"   // to be sent at NextAt
	DeliveryDelivered = "delivered" // the bank's system answered 2xx
	DeliveryFailed    = "failed"    // every attempt failed; no more are made
)

// WebhookDelivery is the state of sending an alert to its bank's webhook.
type WebhookDelivery struct {
	State    string    `json:"state"`
	Attempts int       `json:"attempts"`
	NextAt   time.Time `json:"next_at,omitzero"`
	// LastError says why the last attempt failed (a status or a network
	// error), for the inbox; empty once delivered.
	LastError   string    `json:"last_error,omitempty"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
}

// Alert is a collateral risk of a live deal, raised once.
type Alert struct {
	ID string `json:"id"`
	// Key is the risk's CollateralRisk.Key: deal|patent|kind|day.
	Key          string   `json:"key"`
	DealID       string   `json:"deal_id"`
	BankID       string   `json:"bank_id"`
	EnterpriseID string   `json:"enterprise_id"`
	PoolID       string   `json:"pool_id,omitempty"`
	Patent       string   `json:"patent"`
	Kind         RiskKind `json:"kind"`
	// Date is the risk's day (CollateralRisk.Date); RaisedOn the day of
	// the check that raised it.
	Date     Date `json:"date,omitzero"`
	RaisedOn Date `json:"raised_on"`
	// Lost says the patent no longer secures the loan (RiskKind.LostCollateral).
	Lost bool `json:"lost"`
	// Amount is the loan (yuan); CollateralBefore the pledged patents'
	// value recorded for the deal (Deal.Collateral) and CollateralAfter
	// their value on RaisedOn without the patents lost; both 0 when the
	// deal has no recorded value or the model could not value them.
	Amount           int64      `json:"amount"`
	CollateralBefore int64      `json:"collateral_before"`
	CollateralAfter  int64      `json:"collateral_after"`
	Acks             []AlertAck `json:"acks"`
	// Webhook is the delivery to the bank's webhook; nil when the bank
	// had none when the alert was raised.
	Webhook   *WebhookDelivery `json:"webhook,omitempty"`
	CreatedAt time.Time        `json:"created_at,omitzero"`
	UpdatedAt time.Time        `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// Normalize keeps the acknowledgements non-nil.
func (a *Alert) Normalize() {
	if a.Acks == nil {
		a.Acks = []AlertAck{}
	}
}

// RiskKinds lists the kinds of collateral risk, in CollateralRisks' order.
var RiskKinds = []RiskKind{RiskFeeDue, RiskFeeGrace, RiskLapsed, RiskInvalidationOpen, RiskInvalidated,
	RiskPreserved, RiskTransferred, RiskExpiresFirst, RiskMissing}

// Valid reports whether k is a known kind of collateral risk.
func (k RiskKind) Valid() bool { return slices.Contains(RiskKinds, k) }

// Validate checks a against the record rules.
func (a *Alert) Validate() error {
	var v fieldErrors
	for field, val := range map[string]string{"deal_id": a.DealID, "bank_id": a.BankID, "enterprise_id": a.EnterpriseID, "patent": a.Patent} {
		if val == "" {
			v.add(field, "is required")
		}
	}
	if !a.Kind.Valid() {
		v.add("kind", "%q is not a known kind of collateral risk", a.Kind)
	}
	if want := (CollateralRisk{DealID: a.DealID, Patent: a.Patent, Kind: a.Kind, Date: a.Date}).Key(); a.Key != want {
		v.add("key", "must be the risk's key %q", want)
	}
	if a.RaisedOn.IsZero() {
		v.add("raised_on", "is required")
	}
	if a.Amount < 0 || a.CollateralBefore < 0 || a.CollateralAfter < 0 {
		v.add("amount", "amounts must not be negative")
	}
	seen := map[AlertParty]bool{}
	for _, ack := range a.Acks {
		if ack.Party != PartyBank && ack.Party != PartyOrganizer {
			v.add("acks", "%q is not a party (bank or organizer)", ack.Party)
		}
		if seen[ack.Party] {
			v.add("acks", "the %s acknowledged twice", ack.Party)
		}
		seen[ack.Party] = true
	}
	if w := a.Webhook; w != nil && w.State != DeliveryPending && w.State != DeliveryDelivered && w.State != DeliveryFailed {
		v.add("webhook.state", "%q is not a delivery state", w.State)
	}
	return v.err("alert")
}

// AckedBy reports whether party acknowledged a.
func (a *Alert) AckedBy(party AlertParty) bool {
	return slices.ContainsFunc(a.Acks, func(k AlertAck) bool { return k.Party == party })
}

// Webhook is where a bank's own systems are sent its alerts: one per bank.
// The secret signs each payload (HMAC-SHA256); ipmatch makes it and shows
// it once, when the webhook is set.
type Webhook struct {
	ID     string `json:"id"`
	BankID string `json:"bank_id"`
	URL    string `json:"url"`
	// Secret is the signing key. It is stored with the record and never
	// written by the doors (app.WebhookView).
	Secret    []byte    `json:"secret"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// Normalize trims the URL.
func (w *Webhook) Normalize() { w.URL = strings.TrimSpace(w.URL) }

// MaxWebhookURL bounds a webhook's address.
const MaxWebhookURL = 2048

// Validate checks w: a bank, an absolute http or https address without
// credentials or fragment, and a secret of at least 256 bits.
func (w *Webhook) Validate() error {
	var v fieldErrors
	if w.BankID == "" {
		v.add("bank_id", "is required")
	}
	if reason := webhookURLProblem(w.URL); reason != "" {
		v.add("url", "%s", reason)
	}
	if len(w.Secret) < 32 {
		v.add("secret", "must hold at least 32 bytes")
	}
	return v.err("webhook")
}

func webhookURLProblem(raw string) string {
	if raw == "" {
		return "is required"
	}
	if len(raw) > MaxWebhookURL {
		return "is longer than 2048 characters"
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "is not a URL"
	case u.Scheme != "https" && u.Scheme != "http":
		return "must be an http or https address"
	case u.Host == "" || u.Hostname() == "":
		return "must name a host"
	case u.User != nil:
		return "must not carry a user name or password (the payload is signed instead)"
	case u.Fragment != "":
		return "must not have a fragment"
	}
	return ""
}

// The kinds of alerts and webhooks.
var (
	AlertKind = Kind[Alert]{
		Name: "alerts", IDPrefix: "alert",
		ID:  func(r *Alert) *string { return &r.ID },
		Key: func(r *Alert) string { return r.Key },
		Refs: func(r *Alert) Refs {
			return Refs{Bank: r.BankID, Enterprise: r.EnterpriseID, Pool: r.PoolID}
		},
		Stamps:    func(r *Alert) (*time.Time, *time.Time) { return &r.CreatedAt, &r.UpdatedAt },
		Rev:       func(r *Alert) *int64 { return &r.Revision },
		Normalize: (*Alert).Normalize, Validate: (*Alert).Validate,
	}
	WebhookKind = Kind[Webhook]{
		Name: "webhooks", IDPrefix: "hook",
		ID:        func(r *Webhook) *string { return &r.ID },
		Key:       func(r *Webhook) string { return r.BankID },
		Refs:      func(r *Webhook) Refs { return Refs{Bank: r.BankID} },
		Stamps:    func(r *Webhook) (*time.Time, *time.Time) { return &r.CreatedAt, &r.UpdatedAt },
		Rev:       func(r *Webhook) *int64 { return &r.Revision },
		Normalize: (*Webhook).Normalize, Validate: (*Webhook).Validate,
	}
)
