package app

import "testing"

func TestPDBand(t *testing.T) {
	for _, tc := range []struct {
		pd   float64
		want string
	}{{0.003, "< 1%"}, {0.01, "1%–2%"}, {0.0199, "1%–2%"}, {0.035, "2%–5%"}, {0.05, "5%–10%"}, {0.15, "10%–20%"}, {0.2, "≥ 20%"}, {0.9, "≥ 20%"}} {
		if got := pdBand(tc.pd); got != tc.want {
			t.Errorf("pdBand(%v) = %q, want %q", tc.pd, got, tc.want)
		}
	}
}
