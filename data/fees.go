package data

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"time"
)

// CNIPA's annual fees (年费), the calendar a pledged patent lives by: a
// patent stays in force only while each year's fee is paid. Year n of the
// term runs from the (n−1)-th anniversary of the filing date; its fee is
// due on that anniversary (the first year's at grant, with the
// registration). Unpaid on the due day, it may still be paid within
// FeeGraceMonths with a surcharge (LateFee); unpaid after that, the right
// terminates as of the due day (专利法实施细则, 2010 text, 第九十八条). The amounts are
// the published schedule (refdata/cnipa_annual_fees.json, its source in
// refdata/SOURCES.md), without the reductions (费用减缓) an owner may be
// granted on request.

//go:embed refdata/cnipa_annual_fees.json
var annualFeesJSON []byte

// FeeGraceMonths is the grace period after an annual fee's due day in
// which it may be paid late (滞纳期).
const FeeGraceMonths = 6

// lateFeeShare is the surcharge for each whole month an annual fee is
// paid late: 5 % of that year's full fee.
const lateFeeShare = 0.05

// feeBand is one row of the schedule: the fee of the years From..To of a
// term.
type feeBand struct {
	From, To int
	Fee      int64
}

// annualFeeSchedule is the embedded schedule by patent type.
var annualFeeSchedule = func() map[PatentType][]feeBand {
	var raw struct {
		Fees map[string][]struct {
			Years [2]int `json:"years"`
			Fee   int64  `json:"fee"`
		} `json:"annual_fee_yuan"`
	}
	if err := json.Unmarshal(annualFeesJSON, &raw); err != nil {
		panic(fmt.Sprintf("data: the embedded annual fee schedule: %v", err))
	}
	out := map[PatentType][]feeBand{}
	for _, t := range []PatentType{Invention, UtilityModel, Design} {
		rows := raw.Fees[string(t)]
		if len(rows) == 0 {
			panic(fmt.Sprintf("data: the embedded annual fee schedule has no %s", t))
		}
		for _, r := range rows {
			out[t] = append(out[t], feeBand{From: r.Years[0], To: r.Years[1], Fee: r.Fee})
		}
	}
	return out
}()

// AnnualFeeAmount returns the annual fee in yuan of year year (1 is the
// year from the filing date) of a patent of type t filed on filing,
// without reductions; false when the year is outside the patent's term.
func AnnualFeeAmount(t PatentType, filing Date, year int) (int64, bool) {
	if year < 1 || year > LegalTermYears(t, filing) {
		return 0, false
	}
	for _, b := range annualFeeSchedule[t] {
		if year >= b.From && year <= b.To {
			return b.Fee, true
		}
	}
	return 0, false
}

// LateFee returns the surcharge (滞纳金) on an annual fee of amount due on
// due and paid on paid: nothing when paid by the due day or within the
// first month after it, then 5 % of the fee for each whole month late.
// False when paid after the grace period: the right has terminated, and
// only a restoration request (恢复权利请求) can bring it back.
func LateFee(amount int64, due, paid Date) (int64, bool) {
	if !paid.After(due) {
		return 0, true
	}
	if paid.After(due.AddMonthsCNIPA(FeeGraceMonths)) {
		return 0, false
	}
	// The whole months late: more than one month and up to two is one.
	months := 0
	for months+1 < FeeGraceMonths && paid.After(due.AddMonthsCNIPA(months+1)) {
		months++
	}
	return int64(float64(amount)*lateFeeShare*float64(months) + 0.5), true
}

// AnnualFee is one year's fee in a patent's calendar.
type AnnualFee struct {
	// Year is the year of the term it pays for (1 from the filing date).
	Year int `json:"year"`
	// Due is the day it falls due: the anniversary of the filing date that
	// opens the year.
	Due Date `json:"due"`
	// Amount is the fee in yuan, without reductions.
	Amount int64 `json:"amount"`
	// GraceEnds is the last day it may be paid late, with LateFee; unpaid
	// then, the right terminates as of Due.
	GraceEnds Date `json:"grace_ends"`
}

// NextAnnualFee returns the first annual fee of p not yet paid: the one
// of the year after FeesPaidThrough. False when p is not granted, its
// fees-paid-through day is unknown, or its term ends before that year.
func (p *Patent) NextAnnualFee() (AnnualFee, bool) {
	if p.GrantDate.IsZero() || p.FeesPaidThrough.IsZero() || p.FilingDate.IsZero() {
		return AnnualFee{}, false
	}
	next := DateOf(p.FeesPaidThrough.Time().AddDate(0, 0, 1))
	// The year of the term next falls in: the last anniversary on or
	// before it opens it.
	year := 1
	for !next.Before(p.FilingDate.Anniversary(year)) {
		year++
	}
	return p.annualFee(year)
}

// annualFee returns year's fee of p's calendar.
func (p *Patent) annualFee(year int) (AnnualFee, bool) {
	amount, ok := AnnualFeeAmount(p.Type, p.FilingDate, year)
	if !ok {
		return AnnualFee{}, false
	}
	due := p.FilingDate.Anniversary(year - 1)
	if year == 1 && !p.GrantDate.IsZero() {
		due = p.GrantDate // paid with the registration of the grant
	}
	return AnnualFee{Year: year, Due: due, Amount: amount, GraceEnds: due.AddMonthsCNIPA(FeeGraceMonths)}, true
}

// Anniversary returns the n-th anniversary of d as CNIPA counts periods
// (专利法实施细则, 2010 text, 第五条): the same day n years on, or the last day of the
// month when it has no such day (29 February → 28 February).
func (d Date) Anniversary(n int) Date {
	return d.AddMonthsCNIPA(12 * n)
}

// AddMonthsCNIPA returns d plus n months as CNIPA counts periods: the
// same day of the month n months on, or that month's last day when it has
// no such day (31 August + 6 months → 28 or 29 February). AddMonths rolls
// over into the next month instead, as Go's time does.
func (d Date) AddMonthsCNIPA(n int) Date {
	first := time.Date(int(d.Year), time.Month(d.Month), 1, 0, 0, 0, 0, time.UTC).AddDate(0, n, 0)
	last := first.AddDate(0, 1, -1).Day()
	return NewDate(first.Year(), first.Month(), min(int(d.Day), last))
}
