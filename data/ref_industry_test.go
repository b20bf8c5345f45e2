package data

import (
	"slices"
	"strings"
	"testing"
)

func TestLookupIndustry(t *testing.T) {
	tests := []struct {
		code string
		want Industry
	}{
		{"C", Industry{Code: "C", Name: "制造业", Level: 1}},
		{"c", Industry{Code: "C", Name: "制造业", Level: 1}},
		{"C34", Industry{Code: "C34", Name: "通用设备制造业", Level: 2, Parent: "C"}},
		{"34", Industry{Code: "C34", Name: "通用设备制造业", Level: 2, Parent: "C"}},
		{"C342", Industry{Code: "C342", Name: "金属加工机械制造", Level: 3, Parent: "C34"}},
		{"342", Industry{Code: "C342", Name: "金属加工机械制造", Level: 3, Parent: "C34"}},
		{"C3421", Industry{Code: "C3421", Name: "金属切削机床制造", Level: 4, Parent: "C342"}},
		{" c3421 ", Industry{Code: "C3421", Name: "金属切削机床制造", Level: 4, Parent: "C342"}},
		{"3421", Industry{Code: "C3421", Name: "金属切削机床制造", Level: 4, Parent: "C342"}},
		{"0111", Industry{Code: "A0111", Name: "稻谷种植", Level: 4, Parent: "A011"}},
		{"C1923", Industry{Code: "C1923", Name: "皮手套及皮装饰制品制造", Level: 4, Parent: "C192"}}, // source name has a trailing space
		{"3741", Industry{Code: "C3741", Name: "飞机制造", Level: 4, Parent: "C374"}},         // restored, see SOURCES.md
		{"T9700", Industry{Code: "T9700", Name: "国际组织", Level: 4, Parent: "T970"}},
		{"970", Industry{Code: "T970", Name: "国际组织", Level: 3, Parent: "T97"}},  // group of a single class
		{"A019", Industry{Code: "A019", Name: "其他农业", Level: 3, Parent: "A01"}}, // group of a single class
	}
	for _, tt := range tests {
		got, ok := LookupIndustry(tt.code)
		if !ok || got != tt.want {
			t.Errorf("LookupIndustry(%q) = %+v, %v; want %+v", tt.code, got, ok, tt.want)
		}
	}
	for _, code := range []string{"", "3", "A34", "C99", "C3420", "99", "U", "C34210", "C-34"} {
		if got, ok := LookupIndustry(code); ok {
			t.Errorf("LookupIndustry(%q) = %+v, want not found", code, got)
		}
	}
}

func TestIndustryTableShape(t *testing.T) {
	levels := map[int]int{}
	for _, ind := range industryTable().byCode {
		levels[ind.Level]++
	}
	// GB/T 4754-2017 has 20 sections, 97 divisions and 473 groups; 199
	// groups come from their single class row. 1380 class rows plus 3741.
	if levels[1] != 20 || levels[2] != 97 || levels[3] != 473 || levels[4] != 1381 {
		t.Errorf("level counts %v", levels)
	}
}

func TestIndustryWithin(t *testing.T) {
	tests := []struct {
		code, ancestor string
		want           bool
	}{
		{"C3421", "C342", true},
		{"C3421", "C34", true},
		{"3421", "c", true},
		{"3421", "34", true},
		{"C34", "C34", true},
		{"C34", "C3421", false},
		{"C3421", "C35", false},
		{"C3421", "A", false},
		{"C3421", "X", false},
		{"C9999", "C", false},
	}
	for _, tt := range tests {
		if got := IndustryWithin(tt.code, tt.ancestor); got != tt.want {
			t.Errorf("IndustryWithin(%q, %q) = %v, want %v", tt.code, tt.ancestor, got, tt.want)
		}
	}
}

func TestParseIndustrySet(t *testing.T) {
	for _, tc := range []struct {
		in, name string
		codes    []string
	}{
		{"C35", "专用设备制造业", []string{"C35"}},
		{" c3424 , C34", "金属切割及焊接设备制造、通用设备制造业", []string{"C3424", "C34"}},
		{"C33-C40", "装备制造业", []string{"C33", "C34", "C35", "C36", "C37", "C38", "C39", "C40"}},
		{"装备制造业", "装备制造业", []string{"C33", "C34", "C35", "C36", "C37", "C38", "C39", "C40"}},
		{"C39,C39-C40", "计算机、通信和其他电子设备制造业、仪器仪表制造业", []string{"C39", "C40"}},
	} {
		got, name, err := ParseIndustrySet(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		var codes []string
		for _, ind := range got {
			codes = append(codes, ind.Code)
		}
		if !slices.Equal(codes, tc.codes) || name != tc.name {
			t.Errorf("%q: %v %q, want %v %q", tc.in, codes, name, tc.codes, tc.name)
		}
	}
	for in, want := range map[string]string{
		"C99":      `"C99" is not`,
		"C33-Z":    `"Z" is not`,
		"C33-C331": "not a range of one level",
		"C40-C33":  "lower code first",
		"C33-D44":  "not a range of one level",
		"":         `"" is not`,
	} {
		if _, _, err := ParseIndustrySet(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error with %q", in, err, want)
		}
	}
}
