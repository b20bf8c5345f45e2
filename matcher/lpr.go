package matcher

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"ipmatch/data"
)

// lprCSV is the embedded table of Loan Prime Rate fixings.
// Source: PBOC announcements, via cosiris15/debt_review.
//
//go:embed lpr_monthly_2019-08_2025-07.csv
var lprCSV string

// LPRFixing is one monthly Loan Prime Rate (贷款市场报价利率) fixing, in
// decimal (0.0300 for 3.00 %).
type LPRFixing struct {
	Date     data.Date `json:"date"`
	OneYear  float64   `json:"one_year"`
	FiveYear float64   `json:"five_year_plus"`
}

// LPRQuote is the Loan Prime Rate that applies on a day: the latest fixing
// on or before it.
type LPRQuote struct {
	LPRFixing
	// Stale reports that the day is after the embedded table's last fixing
	// by more than a month, so newer fixings may exist that the table does
	// not have; the last fixing is used.
	Stale bool `json:"stale,omitempty"`
}

// lprTable parses the embedded table once. The table is part of the
// program, so a malformed row is a bug and panics.
var lprTable = sync.OnceValue(func() []LPRFixing {
	fixings, err := parseLPR(strings.NewReader(lprCSV))
	if err != nil {
		panic("matcher: embedded LPR table: " + err.Error())
	}
	return fixings
})

func parseLPR(r io.Reader) ([]LPRFixing, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) < 2 || strings.Join(rows[0], ",") != "date,lpr_1y_pct,lpr_5y_plus_pct" {
		return nil, fmt.Errorf("want the header date,lpr_1y_pct,lpr_5y_plus_pct and at least one row")
	}
	out := make([]LPRFixing, 0, len(rows)-1)
	for i, row := range rows[1:] {
		d, err := data.ParseDate(row[0])
		if err != nil || d.IsZero() {
			return nil, fmt.Errorf("row %d: bad date %q", i+2, row[0])
		}
		// Percent to decimal by the exponent, so "4.85" becomes the double
		// nearest 0.0485 rather than 4.85/100.
		one, err1 := strconv.ParseFloat(row[1]+"e-2", 64)
		five, err2 := strconv.ParseFloat(row[2]+"e-2", 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("row %d: bad rate", i+2)
		}
		if len(out) > 0 && !out[len(out)-1].Date.Before(d) {
			return nil, fmt.Errorf("row %d: %s is not after the previous fixing", i+2, d)
		}
		out = append(out, LPRFixing{Date: d, OneYear: one, FiveYear: five})
	}
	return out, nil
}

// LPRFixings returns a copy of the embedded Loan Prime Rate table
// (2019-08-20 to 2025-07-21; source: PBOC announcements, via
// cosiris15/debt_review), oldest first.
func LPRFixings() []LPRFixing {
	return append([]LPRFixing(nil), lprTable()...)
}

// FirstLPRFixing is the day of the first fixing in the table: no loan is
// priced before it (LPROn refuses).
func FirstLPRFixing() data.Date { return lprTable()[0].Date }

// LPROn returns the Loan Prime Rate in force on day: the latest fixing on or
// before it. After the table's last fixing it returns that fixing, marked
// Stale once day is more than a month past it. Before the first fixing
// (2019-08-20, the start of the reformed LPR) there is no LPR and it returns
// an invalid *data.Error naming the field "as_of".
func LPROn(day data.Date) (LPRQuote, error) {
	t := lprTable()
	if day.IsZero() {
		return LPRQuote{}, invalidField("no LPR for an unknown date", "as_of", "is required")
	}
	if day.Before(t[0].Date) {
		return LPRQuote{}, invalidField("no LPR before the first fixing", "as_of",
			"%s is before the first LPR fixing %s", day, t[0].Date)
	}
	// The table is short (one row a month) and sorted: scan from the end.
	i := len(t) - 1
	for t[i].Date.After(day) {
		i--
	}
	q := LPRQuote{LPRFixing: t[i]}
	if i == len(t)-1 && day.After(t[i].Date.AddMonths(1)) {
		q.Stale = true
	}
	return q, nil
}
