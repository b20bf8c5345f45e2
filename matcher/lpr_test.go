package matcher

import (
	"testing"
	"time"

	"ipmatch/data"
)

func TestLPRTable(t *testing.T) {
	f := LPRFixings()
	if len(f) != 72 {
		t.Errorf("%d fixings, want 72 (2019-08 to 2025-07)", len(f))
	}
	first, last := f[0], f[len(f)-1]
	if first.Date != data.NewDate(2019, time.August, 20) || first.OneYear != 0.0425 || first.FiveYear != 0.0485 {
		t.Errorf("first fixing %+v", first)
	}
	if last.Date != data.NewDate(2025, time.July, 21) || last.OneYear != 0.03 || last.FiveYear != 0.035 {
		t.Errorf("last fixing %+v", last)
	}
	f[0].OneYear = 1 // a copy: the table is unchanged
	if LPRFixings()[0].OneYear != 0.0425 {
		t.Error("LPRFixings exposes the table")
	}
}

func TestLPROn(t *testing.T) {
	tests := []struct {
		day    data.Date
		fixing data.Date
		rate   float64
		stale  bool
	}{
		{data.NewDate(2019, time.August, 20), data.NewDate(2019, time.August, 20), 0.0425, false},
		{data.NewDate(2024, time.October, 20), data.NewDate(2024, time.September, 20), 0.0335, false},
		{data.NewDate(2024, time.October, 21), data.NewDate(2024, time.October, 21), 0.031, false},
		{data.NewDate(2025, time.August, 1), data.NewDate(2025, time.July, 21), 0.03, false},
		{data.NewDate(2025, time.August, 21), data.NewDate(2025, time.July, 21), 0.03, false},
		{data.NewDate(2025, time.August, 22), data.NewDate(2025, time.July, 21), 0.03, true},
		{data.NewDate(2027, time.January, 1), data.NewDate(2025, time.July, 21), 0.03, true},
	}
	for _, tt := range tests {
		q, err := LPROn(tt.day)
		if err != nil {
			t.Errorf("%s: %v", tt.day, err)
			continue
		}
		if q.Date != tt.fixing || q.OneYear != tt.rate || q.Stale != tt.stale {
			t.Errorf("%s: got %+v, want fixing %s rate %v stale %v", tt.day, q, tt.fixing, tt.rate, tt.stale)
		}
	}
	for _, day := range []data.Date{{}, data.NewDate(2019, time.August, 19)} {
		_, err := LPROn(day)
		if f := data.ErrorFields(err); len(f) != 1 || f[0].Field != "as_of" {
			t.Errorf("%q: err %v, want one naming as_of", day, err)
		}
	}
}
