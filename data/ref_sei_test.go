package data

import (
	"slices"
	"strings"
	"testing"
)

func TestStrategicIndustries(t *testing.T) {
	tests := []struct {
		ipc  string
		want string // comma-separated industry codes
	}{
		{"B23K9/013", "2.1"},           // arc cutting: B23K9* in 智能制造装备产业
		{"B23K9/013(2006.01)I", "2.1"}, // raw CNIPA form
		{"B23K26/00", "2.1"},
		{"B23K", "3.2"},      // subclass only: only subclass-wide patterns (B23K*) apply
		{"B23Q1/00", ""},     // machine-tool parts: B23Q is in no rule of the 2021 table
		{"A47G19/02", ""},    // tableware: no industry
		{"G06F11/30", "1.1"}, // G06F11*
		{"G06F11/14", "1.2"}, // excluded from 1.1's G06F11* rule; G06F1* must not match it
		{"G06F1/20", "1.1"},  // G06F1*
		{"G06F1/16", "1.5"},  // excluded from 1.1's G06F1* rule
		{"G06F9/46", "1.1"},  // exact group pattern
		{"H01M10/0525", "5.2"},
		{"H01M4/13", "5.2"},
		{"G16H10/60", "1.3,1.5"},      // class pattern G16* and subclass pattern G16H
		{"H03M13/05", "1.2,1.3"},      // main-group pattern without star: H03M13
		{"G01N33/487", "4.2,4.4"},     // sorted by industry code
		{"H01L21/02", "1.2"},          // subclass missing from the IPC table still matches
		{"G01S1/02", ""},              // listed as both pattern and exclusion in the same rule
		{"F03D1/00", "6.2"},           // wind turbines
		{"E01B3/32(2006.01)I", "2.4"}, // rail track: 轨道交通装备产业
		{"B23K9", ""},                 // malformed
		{"", ""},
	}
	for _, tt := range tests {
		var got []string
		for _, s := range StrategicIndustries(tt.ipc) {
			got = append(got, s.Code)
		}
		if strings.Join(got, ",") != tt.want {
			t.Errorf("StrategicIndustries(%q) = %v, want %s", tt.ipc, got, tt.want)
		}
	}
	got := StrategicIndustries("B23K9/013")
	if want := []StrategicIndustry{{"2.1", "智能制造装备产业"}}; !slices.Equal(got, want) {
		t.Errorf("StrategicIndustries(B23K9/013) = %v, want %v", got, want)
	}
}

func TestStrategicPatterns(t *testing.T) {
	match := func(pattern, code string) bool {
		p, err := seiParsePattern(pattern)
		if err != nil {
			t.Fatalf("seiParsePattern(%q): %v", pattern, err)
		}
		c, err := ipcParse(code)
		if err != nil {
			t.Fatalf("ipcParse(%q): %v", code, err)
		}
		return p.match(c)
	}
	tests := []struct {
		pattern, code string
		want          bool
	}{
		{"G06F11*", "G06F11/14", true},
		{"G06F11*", "G06F11/00", true},
		{"G06F1*", "G06F11/14", false},
		{"G06F1*", "G06F1/16", true},
		{"H04L1*", "H04L1/00", true},
		{"H04L1*", "H04L12/28", false},
		{"H03M13", "H03M13/05", true},
		{"B41J*", "B41J2/01", true},
		{"B41J*", "B41J", true},
		{"B41J*", "B41M5/00", false},
		{"G16H", "G16H10/60", true},
		{"G16*", "G16B20/00", true},
		{"G16*", "G01B5/00", false},
		{"G06F9/46", "G06F9/46", true},
		{"G06F9/46", "G06F9/465", false}, // exact: the table lists decimal subgroups itself
		{"G06F9/46", "G06F9/00", false},
		{"G06F11*", "G06F", false},
	}
	for _, tt := range tests {
		if got := match(tt.pattern, tt.code); got != tt.want {
			t.Errorf("pattern %q on %q = %v, want %v", tt.pattern, tt.code, got, tt.want)
		}
	}
	for _, bad := range []string{"", "*", "G06F9/46*", "G06F*1", "Z01A*", "G06F09", "A*"} {
		if _, err := seiParsePattern(bad); err == nil {
			t.Errorf("seiParsePattern(%q) accepted", bad)
		}
	}
}

func TestStrategicTableShape(t *testing.T) {
	idx := seiTable()
	if len(idx.rules) != 303 {
		t.Errorf("%d rules, want 303", len(idx.rules))
	}
	seen := map[StrategicIndustry]bool{}
	for _, r := range idx.rules {
		seen[r.industry] = true
	}
	if len(seen) != 40 {
		t.Errorf("%d industries, want 40", len(seen))
	}
}
