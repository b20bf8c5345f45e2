package api

import "testing"

// TestWebRegionNameHasCity guards the pages' region names: a district is
// always shown with its city, since 长安区 and 朝阳区 each name two
// districts (石家庄 and 西安, 北京 and 长春).
func TestWebRegionNameHasCity(t *testing.T) {
	for code, want := range map[string]string{
		"130102": "河北省石家庄市长安区",
		"610116": "陕西省西安市长安区",
		"110105": "北京市朝阳区",
		"220104": "吉林省长春市朝阳区",
		"1101":   "北京市",
		"4412":   "广东省肇庆市",
		"x":      "x", // unknown: the code itself
	} {
		if got := regionName(code); got != want {
			t.Errorf("regionName(%q) = %q, want %q", code, got, want)
		}
	}
}
