package data

import "slices"

// Watching a live deal's collateral (issue 18): a pledged patent stops
// being collateral the day its annual fee goes unpaid past the grace
// period, it is declared invalid, a court preserves it, it changes hands,
// or its term runs out before the loan does. CollateralRisks lists what
// threatens each pledged patent of a deal on a day; each risk is keyed by
// deal, patent, kind and day (Key), so a daily check that raises an alert
// per new key never raises the same one twice.

// RiskKind is a kind of threat to a pledged patent.
type RiskKind string

// The kinds of collateral risk.
const (
	RiskFeeDue           RiskKind = "fee_due"           // an annual fee falls due within the warning days, unpaid
	RiskFeeGrace         RiskKind = "fee_grace"         // an annual fee is overdue: in the six months' grace
	RiskLapsed           RiskKind = "lapsed"            // the right has terminated (fees unpaid past the grace, or recorded so)
	RiskInvalidationOpen RiskKind = "invalidation_open" // an invalidation request is pending
	RiskInvalidated      RiskKind = "invalidated"       // declared invalid
	RiskPreserved        RiskKind = "preserved"         // under a court's preservation
	RiskTransferred      RiskKind = "transferred"       // transferred after the loan was made
	RiskExpiresFirst     RiskKind = "expires_first"     // the term ends before the loan's maturity
	RiskMissing          RiskKind = "missing"           // the pledged patent is not in ipmatch
)

// LostCollateral reports whether a patent with a risk of kind k no longer
// secures the loan (the others warn of what may come).
func (k RiskKind) LostCollateral() bool {
	switch k {
	case RiskLapsed, RiskInvalidated, RiskTransferred, RiskMissing:
		return true
	}
	return false
}

// CollateralRisk is one threat to one pledged patent of a deal.
type CollateralRisk struct {
	DealID string   `json:"deal_id"`
	Patent string   `json:"patent"`
	Kind   RiskKind `json:"kind"`
	// Date is the risk's day: the fee's due day (fee_due, fee_grace,
	// lapsed for fees), the recorded event's (invalidation, preservation,
	// transfer), the term's end (expires_first); zero when unknown.
	Date Date `json:"date,omitzero"`
}

// Key identifies the risk for alerting once: the same deal, patent, kind
// and day are the same event. A patent lapses or is declared invalid once,
// so those keys leave the day out: the lapse the fee calendar foresees
// (dated at the unpaid fee's due day) and CNIPA's announcement of it
// (dated the day it was published) are one event.
func (r CollateralRisk) Key() string {
	day := r.Date.String()
	if r.Kind == RiskLapsed || r.Kind == RiskInvalidated {
		day = ""
	}
	return r.DealID + "|" + r.Patent + "|" + string(r.Kind) + "|" + day
}

// CollateralValue is a deal's pledged patents' value on a day (yuan).
type CollateralValue struct {
	Value    int64 `json:"value"`
	ValuedOn Date  `json:"valued_on"`
	// Basis says how it was valued: "model" (ipmatch's valuation, P50).
	Basis string `json:"basis"`
}

// CollateralBasisModel is the basis of a value ipmatch's model gave.
const CollateralBasisModel = "model"

// Live reports whether d is a loan being repaid: disbursed (放款) or its
// pledge registered (质押登记), not yet repaid or compensated.
func (d *Deal) Live() bool {
	return d.Stage == StageDisbursed || d.Stage == StagePledgeRegistered
}

// DisbursedOn returns the day d was disbursed (the day of its move to
// 放款, in China's time), and whether it was.
func (d *Deal) DisbursedOn() (Date, bool) {
	switch d.Stage {
	case StageDisbursed, StagePledgeRegistered, StageRepaid, StageCompensated:
	default:
		return Date{}, false
	}
	for _, h := range d.History {
		if h.Stage == StageDisbursed {
			return DateOf(h.At.In(ChinaZone)), true
		}
	}
	return DateOf(d.CreatedAt.In(ChinaZone)), !d.CreatedAt.IsZero()
}

// Maturity returns the day d's loan falls due: its disbursal day plus its
// term; false when it was not disbursed or has no term.
func (d *Deal) Maturity() (Date, bool) {
	on, ok := d.DisbursedOn()
	if !ok || d.TermMonths <= 0 {
		return Date{}, false
	}
	return on.AddMonthsCNIPA(d.TermMonths), true
}

// CollateralRisks lists the risks to the pledged patents of live deal d
// on day, warning of annual fees due within warnDays: patents are the
// stored records of d's patents (a patent absent from them is missing).
// None for a deal that is not live, or was not yet disbursed on day.
// Recorded events count from their own day: a lapse, an invalidation, a
// preservation or a transfer announced after day is not a risk on day. In
// the order of d's patents, each patent's risks in the order of the kinds
// above.
func (d *Deal) CollateralRisks(patents []Patent, day Date, warnDays int) []CollateralRisk {
	if !d.Live() {
		return nil
	}
	disbursed, _ := d.DisbursedOn()
	if day.Before(disbursed) {
		return nil
	}
	maturity, hasMaturity := d.Maturity()
	var out []CollateralRisk
	for _, number := range d.Patents {
		add := func(k RiskKind, on Date) {
			out = append(out, CollateralRisk{DealID: d.ID, Patent: number, Kind: k, Date: on})
		}
		i := slices.IndexFunc(patents, func(p Patent) bool { return p.ApplicationNumber == number })
		if i < 0 {
			add(RiskMissing, Date{})
			continue
		}
		p := &patents[i]
		status := p.LegalStatus
		if status == StatusLapsed || status == StatusInvalidated {
			if on := statusEventDay(p, status); on.After(day) {
				status = StatusValid // announced later: on day it was in force
			}
		}
		if fee, ok := p.NextAnnualFee(); ok && status == StatusValid {
			switch {
			case day.After(fee.GraceEnds):
				add(RiskLapsed, fee.Due) // unpaid past the grace: terminated as of the due day
			case day.After(fee.Due):
				add(RiskFeeGrace, fee.Due)
			case !fee.Due.After(DateOf(day.Time().AddDate(0, 0, warnDays))):
				add(RiskFeeDue, fee.Due)
			}
		}
		switch status {
		case StatusLapsed:
			add(RiskLapsed, statusEventDay(p, StatusLapsed))
		case StatusInvalidated:
			add(RiskInvalidated, statusEventDay(p, StatusInvalidated))
		}
		if status != StatusInvalidated && p.HasOpen(TxInvalidation) {
			if since := openSince(p, TxInvalidation); !since.After(day) {
				add(RiskInvalidationOpen, since)
			}
		}
		if p.HasOpen(TxPreservation) {
			if since := openSince(p, TxPreservation); !since.After(day) {
				add(RiskPreserved, since)
			}
		}
		for _, tx := range p.History {
			if tx.Kind == TxTransfer && !tx.Date.IsZero() && !tx.Date.Before(disbursed) && !tx.Date.After(day) {
				add(RiskTransferred, tx.Date)
			}
		}
		if hasMaturity && !p.ExpiryDate.IsZero() && p.ExpiryDate.Before(maturity) {
			add(RiskExpiresFirst, p.ExpiryDate)
		}
	}
	return out
}

// statusEventDay returns the day of p's last legal event that set status
// s; zero when none did (the status came with the record).
func statusEventDay(p *Patent, s LegalStatus) Date {
	var day Date
	for _, ev := range p.LegalEvents {
		if eff, ok := effectOf(ev.Name, ev.Info); ok && eff.status == s {
			day = ev.Date
		}
	}
	return day
}

// openSince returns the day the open transaction of kind k of p began.
func openSince(p *Patent, k TransactionKind) Date {
	for _, tx := range p.History {
		if tx.Kind == k && tx.Open {
			return tx.Date
		}
	}
	return Date{}
}
