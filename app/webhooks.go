package app

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"ipmatch/data"
)

// Webhooks (issue 18): a bank gives the address of its own system, and
// ipmatch sends it each alert of its deals as JSON, signed with a secret
// only the bank and ipmatch know:
//
//	X-Ipmatch-Signature: t=<Unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>
//
// (the scheme Stripe's webhooks use: the time in the signed text lets the
// receiver refuse a replay, VerifyWebhookSignature). A send is retried
// with doubling waits until the system answers 2xx or the attempts run
// out. Deliveries are recorded on the alert (data.WebhookDelivery), and an
// attempt is claimed by a conditional write first, so several nodes never
// send one attempt twice; a receiver should still treat the delivery ID
// (X-Ipmatch-Delivery, the alert's ID) as the key of what it has seen,
// since a node that dies after sending and before recording sends again.

// The webhook headers.
const (
	WebhookSignatureHeader = "X-Ipmatch-Signature"
	WebhookDeliveryHeader  = "X-Ipmatch-Delivery"
	WebhookEventHeader     = "X-Ipmatch-Event"
	// WebhookEventAlert is the event of an alert's payload.
	WebhookEventAlert = "collateral.alert"
)

// Defaults of WebhookConfig; ipmatch's choices, not a standard's: eight
// attempts at waits doubling from a minute (1, 2, 4 … capped at an hour)
// span about two hours, time for a bank's system to come back from a
// restart or a short outage; a slower system is shown as failed in the
// inboxes, where the alert stays.
const (
	DefaultWebhookBackoff     = time.Minute
	MaxWebhookBackoff         = time.Hour
	DefaultWebhookMaxAttempts = 8
	DefaultWebhookTimeout     = 10 * time.Second
	// webhookLease is how long a claimed attempt keeps others off it: a
	// node that dies mid-send leaves it to be retried after.
	webhookLease = 2 * time.Minute
	// WebhookTolerance is how old a signature VerifyWebhookSignature
	// accepts by default.
	WebhookTolerance = 5 * time.Minute
)

// WebhookConfig sets the sending of webhooks. Zero fields take the
// defaults.
type WebhookConfig struct {
	// AllowPrivate lets webhooks use plain http and reach loopback and
	// private addresses (tests; a bank's system on the organizer's own
	// network). Off, a webhook must be https and may connect only to
	// public addresses, checked at each connection (so a name that later
	// resolves to an inner address is refused too).
	AllowPrivate bool
	Backoff      time.Duration
	MaxAttempts  int
	Timeout      time.Duration
}

func (c WebhookConfig) withDefaults() WebhookConfig {
	if c.Backoff <= 0 {
		c.Backoff = DefaultWebhookBackoff
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultWebhookMaxAttempts
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultWebhookTimeout
	}
	return c
}

// backoff returns the wait after the attempts-th failed attempt.
func (c WebhookConfig) backoff(attempts int) time.Duration {
	d := c.Backoff
	for i := 1; i < attempts && d < MaxWebhookBackoff; i++ {
		d *= 2
	}
	return min(d, MaxWebhookBackoff)
}

// webhookClient returns the client that sends webhooks: no proxy from the
// environment (it would bypass the address check), no redirects followed
// (a 3xx is a failed attempt), and unless AllowPrivate only public
// addresses.
func webhookClient(c WebhookConfig) *http.Client {
	dialer := &net.Dialer{Timeout: c.Timeout}
	if !c.AllowPrivate {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return err
			}
			if ip := ap.Addr().Unmap(); !publicAddr(ip) {
				return fmt.Errorf("%s is not a public address", ip)
			}
			return nil
		}
	}
	return &http.Client{
		Timeout:       c.Timeout,
		Transport:     &http.Transport{Proxy: nil, DialContext: dialer.DialContext, MaxIdleConnsPerHost: 2, IdleConnTimeout: time.Minute},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// publicAddr reports whether ip is a global unicast address outside the
// private, loopback and link-local ranges and the special-purpose blocks
// of the IANA registries (RFC 6890) that reach inner hosts: shared
// addresses, benchmarking, the reserved 240/4, and the IPv6 prefixes that
// embed an IPv4 address (IPv4-compatible, NAT64, 6to4, Teredo).
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() {
		return false
	}
	for _, p := range specialPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

var specialPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{"100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
		"240.0.0.0/4", "::/96", "64:ff9b::/96", "64:ff9b:1::/48", "2001::/32", "2001:db8::/32", "2002::/16"} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// deliveryProblem says why a send failed in a few words that name no
// inner detail (the resolver's address, the library's wording): the
// inbox shows them to the bank, in Chinese (web).
func deliveryProblem(err error) string {
	var status statusError
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.As(err, &status):
		return string(status)
	case strings.Contains(err.Error(), "is not a public address"):
		return DeliveryNotPublic
	case errors.As(err, &dns):
		return DeliveryHostNotFound
	case errors.As(err, &ne) && ne.Timeout():
		return DeliveryTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return DeliveryRefused
	case strings.Contains(err.Error(), "tls") || strings.Contains(err.Error(), "x509"):
		return DeliveryTLS
	case errors.Is(err, errNoWebhook):
		return DeliveryNoWebhook
	}
	return DeliveryUnreachable
}

// The reasons a delivery failed (WebhookDelivery.LastError), besides
// "answered HTTP <status>".
const (
	DeliveryNotPublic    = "the address is not public"
	DeliveryHostNotFound = "host not found"
	DeliveryTimeout      = "timed out"
	DeliveryRefused      = "connection refused"
	DeliveryTLS          = "TLS handshake failed"
	DeliveryUnreachable  = "could not connect"
	DeliveryNoWebhook    = "the bank has no webhook now"
)

// statusError is a non-2xx answer: "answered HTTP 503".
type statusError string

func (e statusError) Error() string { return string(e) }

var errNoWebhook = errors.New(DeliveryNoWebhook)

// WebhookView is what the doors show of a bank's webhook: never its
// secret, except Secret once in the answer of SetWebhook.
type WebhookView struct {
	ID        string    `json:"id"`
	BankID    string    `json:"bank_id"`
	URL       string    `json:"url"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Secret is the signing key, shown once when the webhook is set: the
	// HMAC key is this string's bytes.
	Secret string `json:"secret,omitempty"`
}

func webhookView(w *data.Webhook) *WebhookView {
	return &WebhookView{ID: w.ID, BankID: w.BankID, URL: w.URL, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
}

// WebhookRequest is the body of PUT /banks/{id}/webhook.
type WebhookRequest struct {
	URL string `json:"url"`
}

// mayManageWebhook checks that p may manage the webhook of bank id: the
// organizer any bank's, a bank its own; the bank must exist.
func (a *App) mayManageWebhook(ctx context.Context, p *Caller, bankID string) error {
	switch p.Token.Role {
	case data.RoleOrganizer:
	case data.RoleBank:
		if bankID != p.Token.BankID {
			return Forbidden("a bank may manage only its own webhook")
		}
	default:
		return Forbidden("only the organizer and the bank itself may manage a bank's webhook")
	}
	_, err := a.store.Banks().Get(ctx, bankID)
	return err
}

// SetWebhook sets bank id's webhook to req.URL with a new secret, which
// the answer shows this once (each call makes a new one: setting the
// webhook again is how the secret is rotated).
func (a *App) SetWebhook(ctx context.Context, p *Caller, bankID string, req WebhookRequest) (*WebhookView, error) {
	if err := a.mayManageWebhook(ctx, p, bankID); err != nil {
		return nil, err
	}
	u := strings.TrimSpace(req.URL)
	if parsed, err := url.Parse(u); err == nil && !a.webhooks.AllowPrivate {
		if parsed.Scheme == "http" {
			return nil, data.InvalidField("url", "must be an https address (the payload names enterprises and loans)")
		}
		// Refused here when it is plain; a name is checked where it
		// resolves, at each connection (webhookClient).
		host := parsed.Hostname()
		if ip, err := netip.ParseAddr(host); (err == nil && !publicAddr(ip.Unmap())) || strings.EqualFold(host, "localhost") {
			return nil, data.InvalidField("url", "must name a public address, not %s", host)
		}
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	hook := data.Webhook{BankID: bankID, URL: u, Secret: []byte("whsec_" + hex.EncodeToString(secret))}
	old, err := a.store.Webhooks().GetByKey(ctx, bankID)
	switch data.ErrorCode(err) {
	case "":
		hook.ID, hook.Revision, hook.CreatedAt = old.ID, old.Revision, old.CreatedAt
		err = a.store.Webhooks().Update(ctx, &hook)
	case data.CodeNotFound:
		hook.ID = data.WebhookKind.NewID()
		err = a.store.Webhooks().Create(ctx, &hook)
	}
	if err != nil {
		return nil, err
	}
	v := webhookView(&hook)
	v.Secret = string(hook.Secret)
	return v, nil
}

// Webhook returns bank id's webhook, without its secret; not_found when it
// has none.
func (a *App) Webhook(ctx context.Context, p *Caller, bankID string) (*WebhookView, error) {
	if err := a.mayManageWebhook(ctx, p, bankID); err != nil {
		return nil, err
	}
	hook, err := a.store.Webhooks().GetByKey(ctx, bankID)
	if data.ErrorCode(err) == data.CodeNotFound {
		return nil, data.Errorf(data.CodeNotFound, "bank %q has no webhook", bankID)
	}
	if err != nil {
		return nil, err
	}
	return webhookView(&hook), nil
}

// DeleteWebhook removes bank id's webhook; alerts still pending for it
// are marked failed when their turn comes.
func (a *App) DeleteWebhook(ctx context.Context, p *Caller, bankID string) error {
	if err := a.mayManageWebhook(ctx, p, bankID); err != nil {
		return err
	}
	hook, err := a.store.Webhooks().GetByKey(ctx, bankID)
	if data.ErrorCode(err) == data.CodeNotFound {
		return data.Errorf(data.CodeNotFound, "bank %q has no webhook", bankID)
	}
	if err != nil {
		return err
	}
	return a.store.Webhooks().Delete(ctx, hook.ID)
}

// AlertPayload is the JSON body a webhook is sent.
type AlertPayload struct {
	Event  string    `json:"event"` // WebhookEventAlert
	SentAt time.Time `json:"sent_at"`
	Alert  struct {
		ID               string        `json:"id"`
		DealID           string        `json:"deal_id"`
		BankID           string        `json:"bank_id"`
		EnterpriseID     string        `json:"enterprise_id"`
		PoolID           string        `json:"pool_id,omitempty"`
		Patent           string        `json:"patent"`
		Kind             data.RiskKind `json:"kind"`
		Date             data.Date     `json:"date,omitzero"`
		RaisedOn         data.Date     `json:"raised_on"`
		Lost             bool          `json:"lost"`
		Amount           int64         `json:"amount"`
		CollateralBefore int64         `json:"collateral_before"`
		CollateralAfter  int64         `json:"collateral_after"`
	} `json:"alert"`
}

func alertPayload(al *data.Alert, now time.Time) AlertPayload {
	var p AlertPayload
	p.Event, p.SentAt = WebhookEventAlert, now.UTC()
	x := &p.Alert
	x.ID, x.DealID, x.BankID, x.EnterpriseID, x.PoolID = al.ID, al.DealID, al.BankID, al.EnterpriseID, al.PoolID
	x.Patent, x.Kind, x.Date, x.RaisedOn, x.Lost = al.Patent, al.Kind, al.Date, al.RaisedOn, al.Lost
	x.Amount, x.CollateralBefore, x.CollateralAfter = al.Amount, al.CollateralBefore, al.CollateralAfter
	return p
}

// SignWebhook returns the signature header's value for body sent at t
// with secret.
func SignWebhook(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(webhookMAC(secret, ts, body))
}

func webhookMAC(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// VerifyWebhookSignature checks a signature header's value against body
// and secret, as a receiver should: the MAC compared in constant time, and
// the time within tolerance of now (WebhookTolerance when 0) so a captured
// request cannot be replayed later.
func VerifyWebhookSignature(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = WebhookTolerance
	}
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return errors.New("webhook signature: no t= time or v1= signature")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("webhook signature: signed %s from now, outside the tolerance of %s", d.Round(time.Second), tolerance)
	}
	want := webhookMAC(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return errors.New("webhook signature: no signature matches the body")
}

// DeliverWebhooks sends every alert whose webhook delivery is due and
// records each outcome: delivered on a 2xx answer, else the next attempt
// after the backoff, or failed once the attempts run out. It returns how
// many sends were taken and how many failed. serve runs it every
// deliveryInterval, and Monitor after raising alerts.
func (a *App) DeliverWebhooks(ctx context.Context) (delivered, failed int, err error) {
	alerts, err := All(ctx, a.store.Alerts(), data.ListOptions{})
	if err != nil {
		return 0, 0, err
	}
	return a.deliverDue(ctx, alerts)
}

// deliverDue sends those of alerts (as read, or as just raised) whose
// delivery is due; see DeliverWebhooks.
func (a *App) deliverDue(ctx context.Context, alerts []data.Alert) (delivered, failed int, err error) {
	var hooks map[string]*data.Webhook
	for i := range alerts {
		al := &alerts[i]
		w := al.Webhook
		if w == nil || w.State != data.DeliveryPending || w.NextAt.After(a.now()) {
			continue
		}
		if hooks == nil {
			all, err := All(ctx, a.store.Webhooks(), data.ListOptions{})
			if err != nil {
				return delivered, failed, err
			}
			hooks = map[string]*data.Webhook{}
			for j := range all {
				hooks[all[j].BankID] = &all[j]
			}
		}
		ok, err := a.deliver(ctx, al, hooks[al.BankID])
		if err != nil {
			return delivered, failed, err
		}
		switch ok {
		case sendTaken:
			delivered++
		case sendFailed:
			failed++
		}
	}
	return delivered, failed, nil
}

type sendOutcome int

const (
	sendSkipped sendOutcome = iota // claimed by another node meanwhile
	sendTaken
	sendFailed
)

// deliver claims the next attempt of al (a conditional write that moves
// its next attempt a lease ahead), sends it to hook, and records the
// outcome.
func (a *App) deliver(ctx context.Context, al *data.Alert, hook *data.Webhook) (sendOutcome, error) {
	now := a.now().UTC()
	claim := *al
	d := *al.Webhook
	d.Attempts++
	d.NextAt = now.Add(webhookLease)
	claim.Webhook = &d
	switch err := a.store.Alerts().Update(ctx, &claim); data.ErrorCode(err) {
	case "":
	case data.CodeStale, data.CodeNotFound:
		return sendSkipped, nil
	default:
		return sendSkipped, err
	}
	if hook == nil { // removed since the alert was raised: nothing to retry against
		return a.recordDelivery(ctx, claim.ID, d.Attempts, errNoWebhook, true)
	}
	return a.recordDelivery(ctx, claim.ID, d.Attempts, a.send(ctx, hook, &claim), false)
}

// send posts al's payload to hook, signed; an error says why the bank's
// system did not take it.
func (a *App) send(ctx context.Context, hook *data.Webhook, al *data.Alert) error {
	now := a.now()
	body, err := json.Marshal(alertPayload(al, now))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ipmatch-webhook/1")
	req.Header.Set(WebhookEventHeader, WebhookEventAlert)
	req.Header.Set(WebhookDeliveryHeader, al.ID)
	req.Header.Set(WebhookSignatureHeader, SignWebhook(hook.Secret, now, body))
	resp, err := a.webhookClient.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return statusError(fmt.Sprintf("answered HTTP %d", resp.StatusCode))
	}
	return nil
}

// recordDelivery writes the outcome of attempt attempts of alert id,
// reading it again when an acknowledgement was written meanwhile; final
// marks a failure that no retry can mend.
func (a *App) recordDelivery(ctx context.Context, id string, attempts int, sendErr error, final bool) (sendOutcome, error) {
	cfg := a.webhooks
	for range 5 {
		al, err := a.store.Alerts().Get(ctx, id)
		if err != nil {
			return sendSkipped, err
		}
		if al.Webhook == nil || al.Webhook.Attempts != attempts {
			return sendSkipped, nil // someone took a later attempt
		}
		d := *al.Webhook
		now := a.now().UTC()
		out := sendTaken
		switch {
		case sendErr == nil:
			d.State, d.DeliveredAt, d.LastError, d.NextAt = data.DeliveryDelivered, now, "", time.Time{}
		case d.Attempts >= cfg.MaxAttempts || final:
			d.State, d.LastError, d.NextAt = data.DeliveryFailed, deliveryProblem(sendErr), time.Time{}
			out = sendFailed
		default:
			d.LastError, d.NextAt = deliveryProblem(sendErr), now.Add(cfg.backoff(d.Attempts))
			out = sendFailed
		}
		al.Webhook = &d
		switch err := a.store.Alerts().Update(ctx, &al); data.ErrorCode(err) {
		case "":
			if sendErr != nil {
				a.log.WarnContext(ctx, "webhook not delivered", "alert", id, "attempt", attempts, "error", sendErr)
			}
			return out, nil
		case data.CodeStale:
			continue
		default:
			return sendSkipped, err
		}
	}
	return sendSkipped, fmt.Errorf("alert %s kept changing while its delivery was recorded", id)
}
