package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"math"
	"slices"
	"time"

	"ipmatch/data"
)

// The daily check of live deals (issue 18): every deal from 放款 until
// 结清 has its pledged patents' risks computed (data.Deal.CollateralRisks)
// and an alert raised for each risk not alerted before. The alert's key is
// the risk's, and the store's Create refuses a key already taken, so the
// check may run on any number of nodes, any number of times a day: the
// same event never alerts twice. A deal's collateral value is recorded
// when it is disbursed (MoveDeal) or, for a loan disbursed before ipmatch
// watched it, by its first check; an alert carries that value and the
// value without the patents lost.

// MonitorReport is what one check did.
type MonitorReport struct {
	AsOf     data.Date `json:"as_of"`
	WarnDays int       `json:"warn_days"`
	// Deals is the live deals watched, Flagged those flagged (DealRisks.Flag
	// warning or lost), Risks their risks.
	Deals   int `json:"deals"`
	Flagged int `json:"flagged"`
	Risks   int `json:"risks"`
	// Raised lists the alerts this check raised; Known counts the risks
	// alerted before (by this node or another).
	Raised []data.Alert `json:"raised"`
	Known  int          `json:"known"`
	// Valued counts the deals whose collateral value this check recorded
	// (loans disbursed before ipmatch watched them).
	Valued int `json:"valued"`
	// Delivered and Undelivered count the webhook sends this check made
	// that the banks' systems took, and those that failed (to be retried).
	Delivered   int `json:"delivered"`
	Undelivered int `json:"undelivered"`
}

// MayRunMonitor is the role check RunMonitor opens with: only the
// organizer may run the check (exported so a door refuses before reading
// its input, as MayPoolRisk).
func MayRunMonitor(p *Caller) error { return organizerOnly(p, "run the check of live deals") }

// RunMonitor runs the daily check on p's behalf (POST /api/v1/monitor):
// only the organizer may. See Monitor.
func (a *App) RunMonitor(ctx context.Context, p *Caller, asOf data.Date, warnDays int) (*MonitorReport, error) {
	if err := MayRunMonitor(p); err != nil {
		return nil, err
	}
	return a.Monitor(ctx, asOf, warnDays)
}

// Monitor checks every live deal on asOf (today when zero), warning of
// fees due within warnDays, raises an alert for each risk not alerted
// before, records the collateral value of deals that have none, and sends
// the banks' webhooks what is due. It is the system's own work (ipmatch
// monitor, serve's schedule); RunMonitor is the organizer's door to it.
func (a *App) Monitor(ctx context.Context, asOf data.Date, warnDays int) (*MonitorReport, error) {
	if warnDays < 0 || warnDays > MaxRiskWarnDays {
		return nil, data.InvalidField("warn_days", "must be from 0 to %d days, not %d", MaxRiskWarnDays, warnDays)
	}
	today := a.Today()
	if asOf.IsZero() {
		asOf = today
	}
	// An alert is never taken back, and its key stands for the event:
	// a check of a day to come would raise, for good, events that may not
	// happen. Before China's patent law (1985-04-01) no patent could be
	// pledged.
	if asOf.After(today) {
		return nil, data.InvalidField("as_of", "%s is after today (%s): a check raises alerts only for what has happened", asOf, today)
	}
	if asOf.Before(data.NewDate(1985, 4, 1)) {
		return nil, data.InvalidField("as_of", "%s is before China's first patents (1985-04-01)", asOf)
	}
	rep := &MonitorReport{AsOf: asOf, WarnDays: warnDays, Raised: []data.Alert{}}
	deals, err := All(ctx, a.store.Deals(), data.ListOptions{})
	if err != nil {
		return nil, err
	}
	deals = slices.DeleteFunc(deals, func(d data.Deal) bool { return !d.Live() })
	rep.Deals = len(deals)
	risksOf, err := a.liveRisks(ctx, deals, asOf, warnDays)
	if err != nil {
		return nil, err
	}
	// Read once: their keys say what was alerted, and with the ones
	// raised now they are what the webhooks may be due for.
	alerts, err := All(ctx, a.store.Alerts(), data.ListOptions{})
	if err != nil {
		return nil, err
	}
	known := make(map[string]bool, len(alerts))
	for _, al := range alerts {
		known[al.Key] = true
	}
	hooks, err := All(ctx, a.store.Webhooks(), data.ListOptions{})
	if err != nil {
		return nil, err
	}
	hookOf := map[string]bool{}
	for _, h := range hooks {
		hookOf[h.BankID] = true
	}
	for i := range deals {
		d := &deals[i]
		if d.Collateral == nil {
			if ok, err := a.recordCollateral(ctx, d, asOf); err != nil {
				return nil, err
			} else if ok {
				rep.Valued++
			}
		}
		risks := risksOf[d.ID]
		rep.Risks += len(risks)
		if dealFlag(risks).Flagged() {
			rep.Flagged++
		}
		var after *int64 // the collateral without the lost patents, once per deal
		for _, r := range risks {
			if known[r.Key()] {
				rep.Known++
				continue
			}
			if after == nil {
				v := a.collateralNow(ctx, d, asOf)
				after = &v
			}
			alert := newAlert(d, r, asOf, *after, hookOf[d.BankID], a.now())
			switch err := a.store.Alerts().Create(ctx, &alert); data.ErrorCode(err) {
			case "":
				known[r.Key()] = true
				rep.Raised = append(rep.Raised, alert)
			case data.CodeConflict: // raised meanwhile by another check
				known[r.Key()] = true
				rep.Known++
			default:
				return nil, err
			}
		}
	}
	if len(rep.Raised) > 0 {
		a.log.InfoContext(ctx, "collateral alerts raised", "alerts", len(rep.Raised), "as_of", asOf.String())
	}
	if rep.Delivered, rep.Undelivered, err = a.deliverDue(ctx, append(alerts, rep.Raised...)); err != nil {
		return rep, err
	}
	// The answer shows the alerts as they now stand (their deliveries).
	for i, al := range rep.Raised {
		if al.Webhook != nil {
			if now, err := a.store.Alerts().Get(ctx, al.ID); err == nil {
				rep.Raised[i] = now
			}
		}
	}
	return rep, nil
}

// newAlert returns the alert of risk r of live deal d raised on day, with
// the collateral's value after it; pending delivery when d's bank has a
// webhook.
func newAlert(d *data.Deal, r data.CollateralRisk, day data.Date, after int64, hook bool, now time.Time) data.Alert {
	al := data.Alert{ID: newAlertID(now), Key: r.Key(), DealID: d.ID, BankID: d.BankID, EnterpriseID: d.EnterpriseID,
		PoolID: d.PoolID, Patent: r.Patent, Kind: r.Kind, Date: r.Date, RaisedOn: day, Lost: r.Kind.LostCollateral(),
		Amount: d.Amount, CollateralAfter: after, Acks: []data.AlertAck{}}
	if d.Collateral != nil {
		al.CollateralBefore = d.Collateral.Value
	}
	if hook {
		al.Webhook = &data.WebhookDelivery{State: data.DeliveryPending, NextAt: now.UTC()}
	}
	return al
}

// newAlertID returns an alert ID that sorts by the time it was raised
// ("alert_" + 20-digit Unix nanoseconds + "_" + random), so a list in ID
// order is the alerts in the order they came.
func newAlertID(now time.Time) string {
	b := make([]byte, 5)
	rand.Read(b)
	return fmt.Sprintf("%s_%020d_%x", data.AlertKind.IDPrefix, now.UnixNano(), b)
}

// liveRisks returns the collateral risks on asOf of each live deal among
// deals (by deal ID; a deal without risks is absent), fees warned of
// warnDays ahead: the pledged patents of all of them are read in one
// list, and each deal is checked against its own (CollateralRisks looks
// its patents up in the slice it is given).
func (a *App) liveRisks(ctx context.Context, deals []data.Deal, asOf data.Date, warnDays int) (map[string][]data.CollateralRisk, error) {
	var numbers []string
	for _, d := range deals {
		if d.Live() {
			numbers = append(numbers, d.Patents...)
		}
	}
	byNumber := map[string]*data.Patent{}
	if len(numbers) > 0 {
		slices.Sort(numbers)
		patents, err := All(ctx, a.store.Patents(), data.ListOptions{IDs: slices.Compact(numbers)})
		if err != nil {
			return nil, err
		}
		for i := range patents {
			byNumber[patents[i].ApplicationNumber] = &patents[i]
		}
	}
	out := map[string][]data.CollateralRisk{}
	for i := range deals {
		d := &deals[i]
		if !d.Live() {
			continue
		}
		own := make([]data.Patent, 0, len(d.Patents))
		for _, n := range d.Patents {
			if p := byNumber[n]; p != nil {
				own = append(own, *p) // one absent is missing: a risk of its own
			}
		}
		if risks := d.CollateralRisks(own, asOf, warnDays); len(risks) > 0 {
			out[d.ID] = risks
		}
	}
	return out, nil
}

// collateralValue returns the model's value on day of deal d's pledged
// patents (yuan), and false when it cannot be had (no owner record, a
// valuation the model refuses). Patents lapsed or invalidated by then are
// worth nothing, so this is the collateral that still secures the loan.
func (a *App) collateralValue(ctx context.Context, d *data.Deal, day data.Date) (int64, bool) {
	if len(d.Patents) == 0 {
		return 0, false
	}
	e, err := a.store.Enterprises().Get(ctx, d.EnterpriseID)
	if err != nil {
		a.log.WarnContext(ctx, "collateral not valued", "deal", d.ID, "error", err)
		return 0, false
	}
	patents, err := a.PatentsOf(ctx, e.ID)
	if err != nil {
		a.log.WarnContext(ctx, "collateral not valued", "deal", d.ID, "error", err)
		return 0, false
	}
	v, err := a.model.CollateralValue(ctx, &e, patents, d.Patents, day)
	if err != nil || math.IsNaN(v) || v < 0 {
		a.log.WarnContext(ctx, "collateral not valued", "deal", d.ID, "error", err)
		return 0, false
	}
	return int64(math.Round(v)), true
}

// collateralNow returns collateralValue, 0 when it cannot be had.
func (a *App) collateralNow(ctx context.Context, d *data.Deal, day data.Date) int64 {
	v, _ := a.collateralValue(ctx, d, day)
	return v
}

// recordCollateral records the collateral value of deal d on day when it
// has none, at the revision read; a deal written meanwhile is left to the
// next check. It reports whether it recorded one.
func (a *App) recordCollateral(ctx context.Context, d *data.Deal, day data.Date) (bool, error) {
	v, ok := a.collateralValue(ctx, d, day)
	if !ok {
		return false, nil
	}
	next := *d
	next.Collateral = &data.CollateralValue{Value: v, ValuedOn: day, Basis: data.CollateralBasisModel}
	switch err := a.store.Deals().Update(ctx, &next); data.ErrorCode(err) {
	case "":
		*d = next
		return true, nil
	case data.CodeStale, data.CodeNotFound:
		return false, nil
	default:
		return false, err
	}
}
