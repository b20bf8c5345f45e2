package data

import "testing"

// TestRegionLabel: a county is named with its city, so that the 长安区 of
// 石家庄 and of 西安 (and the 朝阳区 of 北京 and 长春) read apart.
func TestRegionLabel(t *testing.T) {
	for _, tt := range []struct{ code, want string }{
		{"130102", "石家庄市长安区"},
		{"610116", "西安市长安区"},
		{"110105", "北京市朝阳区"},
		{"220104", "长春市朝阳区"},
		{"441204", "肇庆市高要区"},
		{"441200", "肇庆市"}, // padded city code
		{"4412", "肇庆市"},
		{"44", "广东省"},
		{"1101", "北京市"},         // 市辖区 of a municipality
		{"5001", "重庆市"},         // 市辖区
		{"5002", "重庆市（县）"},      // 县: apart from 5001
		{"500229", "重庆市城口县"},    // a county under 5002
		{"4290", "湖北省直辖县级行政区划"}, // not "湖北省省直辖…"
		{"429004", "湖北省仙桃市"},
		{"6590", "新疆维吾尔自治区直辖县级行政区划"},
		{"659001", "新疆维吾尔自治区石河子市"},
		{"441900", "东莞市"}, // the county-level entry of 东莞市 is not 东莞市东莞市
		{"81", "香港特别行政区"},
		{"", ""},
		{"999999", ""},
	} {
		if got := RegionLabel(tt.code); got != tt.want {
			t.Errorf("RegionLabel(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

// TestRegionLabelUnique tries to break the point of RegionLabel: no two
// regions of one level may share a label, or a facet would show two
// values that read alike.
func TestRegionLabelUnique(t *testing.T) {
	seen := map[RegionLevel]map[string]string{}
	for code, r := range regionTable().byCode {
		l := RegionLabel(code)
		if l == "" {
			t.Errorf("region %s %s has no label", code, r.Name)
			continue
		}
		if seen[r.Level] == nil {
			seen[r.Level] = map[string]string{}
		}
		if other, dup := seen[r.Level][l]; dup {
			t.Errorf("regions %s and %s are both labelled %q", other, code, l)
		}
		seen[r.Level][l] = code
	}
	if len(seen[RegionCounty]) < 2800 { // about 2,850 counties in the NBS 2023 list
		t.Errorf("only %d county labels", len(seen[RegionCounty]))
	}
}
