package data

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// ChinaZone is China Standard Time, the zone of every day and time ipmatch
// shows (Asia/Shanghai). China has kept UTC+8 without daylight saving
// since 1991, so a fixed zone says it exactly and needs no tzdata on the
// host (time.LoadLocation would fail on a minimal container).
var ChinaZone = time.FixedZone("CST", 8*60*60)

// Date is a calendar date without a time zone, written as YYYY-MM-DD. The
// zero Date means "unknown" and is encoded as JSON null (or omitted with
// omitzero).
//
// It takes 4 bytes rather than the 24 of three ints: a patent holds six
// dates and each of its transactions two, and a province node keeps
// 1,000,000 patents in its match state, where three ints took 150 MB.
// Every year a date can hold (ParseDate reads four digits) fits in an
// int16.
type Date struct {
	Year  int16
	Month uint8
	Day   uint8
}

// NewDate returns the date y-m-d, normalised the way time.Date normalises.
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{int16(y), uint8(m), uint8(d)}
}

// ParseDate reads "2006-01-02", "2006.01.02", "2006/01/02" or "20060102".
// An empty string gives the zero Date.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Date{}, nil
	}
	for _, layout := range []string{"2006-01-02", "2006.01.02", "2006/01/02", "20060102", "2006-1-2", "2006.1.2", "2006/1/2"} {
		if t, err := time.Parse(layout, s); err == nil {
			return DateOf(t), nil
		}
	}
	return Date{}, fmt.Errorf("%q is not a date (want YYYY-MM-DD)", s)
}

// IsZero reports whether d is the unknown date.
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight UTC of d.
func (d Date) Time() time.Time { return d.At(0, 0, time.UTC) }

// At returns the instant of the wall-clock time hour:min on d in loc.
func (d Date) At(hour, min int, loc *time.Location) time.Time {
	return time.Date(int(d.Year), time.Month(d.Month), int(d.Day), hour, min, 0, 0, loc)
}

// AddYears returns d plus n years (29 February rolls to 1 March).
func (d Date) AddYears(n int) Date { return DateOf(d.Time().AddDate(n, 0, 0)) }

// AddMonths returns d plus n months.
func (d Date) AddMonths(n int) Date { return DateOf(d.Time().AddDate(0, n, 0)) }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Time().Before(e.Time()) }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Time().After(e.Time()) }

// YearsUntil returns the years from d to e as a fraction (negative if e is
// before d), counting 365.25 days a year.
func (d Date) YearsUntil(e Date) float64 {
	return e.Time().Sub(d.Time()).Hours() / 24 / 365.25
}

// String formats d as YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// MarshalJSON encodes d as "YYYY-MM-DD" or null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON accepts the layouts of ParseDate, "" and null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a date must be a string YYYY-MM-DD")
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
