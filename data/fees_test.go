package data

import (
	"testing"
	"time"
)

// TestAnnualFeeAmountIsThePublishedSchedule checks the embedded schedule
// against CNIPA's published annual fees (专利年费收费标准, as the source page
// in refdata/SOURCES.md prints them), year by year at each band's edges,
// and the terms: invention 20 years, utility model 10, design 10 or, filed
// from 2021-06-01, 15.
func TestAnnualFeeAmountIsThePublishedSchedule(t *testing.T) {
	before, after := NewDate(2020, time.May, 6), NewDate(2022, time.March, 1)
	for _, c := range []struct {
		t      PatentType
		filing Date
		year   int
		want   int64 // 0: outside the term
	}{
		{Invention, before, 1, 900}, {Invention, before, 3, 900}, {Invention, before, 4, 1200}, {Invention, before, 6, 1200},
		{Invention, before, 7, 2000}, {Invention, before, 9, 2000}, {Invention, before, 10, 4000}, {Invention, before, 12, 4000},
		{Invention, before, 13, 6000}, {Invention, before, 15, 6000}, {Invention, before, 16, 8000}, {Invention, before, 20, 8000},
		{Invention, before, 21, 0}, {Invention, before, 0, 0},
		{UtilityModel, before, 1, 600}, {UtilityModel, before, 3, 600}, {UtilityModel, before, 4, 900}, {UtilityModel, before, 5, 900},
		{UtilityModel, before, 6, 1200}, {UtilityModel, before, 8, 1200}, {UtilityModel, before, 9, 2000}, {UtilityModel, before, 10, 2000},
		{UtilityModel, before, 11, 0},
		{Design, before, 1, 600}, {Design, before, 5, 900}, {Design, before, 8, 1200}, {Design, before, 10, 2000}, {Design, before, 11, 0},
		{Design, after, 10, 2000}, {Design, after, 11, 3000}, {Design, after, 15, 3000}, {Design, after, 16, 0},
	} {
		got, ok := AnnualFeeAmount(c.t, c.filing, c.year)
		if got != c.want || ok != (c.want > 0) {
			t.Errorf("%s filed %s, year %d: %d, %v; the schedule says %d", c.t, c.filing, c.year, got, ok, c.want)
		}
	}
}

// TestLateFee checks the surcharge: none within the first month after the
// due day, 5 % of the year's fee for each whole month after, refused
// after the six months' grace.
func TestLateFee(t *testing.T) {
	due := NewDate(2021, time.August, 31)
	for _, c := range []struct {
		paid Date
		want int64
		ok   bool
	}{
		{NewDate(2021, time.August, 1), 0, true},
		{due, 0, true},
		{NewDate(2021, time.September, 30), 0, true},  // within the first month
		{NewDate(2021, time.October, 1), 60, true},    // more than one month: 5 % of 1,200
		{NewDate(2021, time.November, 1), 120, true},  // more than two
		{NewDate(2022, time.February, 28), 300, true}, // the grace's last day: 31 August + 6 months, February's last
		{NewDate(2022, time.March, 1), 0, false},      // lapsed
		{NewDate(2021, time.October, 31), 60, true},   // 31 October is not more than two months after 31 August
		{NewDate(2022, time.January, 31), 240, true},  // four whole months
	} {
		got, ok := LateFee(1200, due, c.paid)
		if got != c.want || ok != c.ok {
			t.Errorf("paid %s for %s: %d, %v; want %d, %v", c.paid, due, got, ok, c.want, c.ok)
		}
	}
}

// TestNextAnnualFee reads the calendar of patents: the fee after the day
// paid through, due on the anniversary that opens its year (28 February
// for a patent filed on 29 February), six months' grace; none for a patent
// not granted, of unknown payments, or past its term.
func TestNextAnnualFee(t *testing.T) {
	p := Patent{Type: UtilityModel, FilingDate: NewDate(2012, time.April, 18), GrantDate: NewDate(2012, time.November, 21),
		FeesPaidThrough: NewDate(2021, time.April, 17)}
	got, ok := p.NextAnnualFee()
	want := AnnualFee{Year: 10, Due: NewDate(2021, time.April, 18), Amount: 2000, GraceEnds: NewDate(2021, time.October, 18)}
	if !ok || got != want {
		t.Errorf("the utility model's next fee %+v, %v; want %+v", got, ok, want)
	}
	p.FeesPaidThrough = NewDate(2022, time.April, 17) // the tenth year paid: the term is over
	if got, ok := p.NextAnnualFee(); ok {
		t.Errorf("a fee past the term: %+v", got)
	}

	leap := Patent{Type: Invention, FilingDate: NewDate(2016, time.February, 29), GrantDate: NewDate(2018, time.June, 1),
		FeesPaidThrough: NewDate(2021, time.February, 27)}
	got, ok = leap.NextAnnualFee()
	want = AnnualFee{Year: 6, Due: NewDate(2021, time.February, 28), Amount: 1200, GraceEnds: NewDate(2021, time.August, 28)}
	if !ok || got != want {
		t.Errorf("the leap-day invention's next fee %+v, %v; want %+v", got, ok, want)
	}

	for _, q := range []Patent{
		{Type: Invention, FilingDate: NewDate(2020, time.January, 2), FeesPaidThrough: NewDate(2021, time.January, 1)}, // not granted
		{Type: Invention, FilingDate: NewDate(2020, time.January, 2), GrantDate: NewDate(2021, time.March, 1)},         // payments unknown
	} {
		if got, ok := q.NextAnnualFee(); ok {
			t.Errorf("%+v: a next fee %+v", q, got)
		}
	}
}
