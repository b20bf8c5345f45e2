package data

import (
	"encoding/csv"
	"os"
	"testing"
)

func TestLookupRegion(t *testing.T) {
	tests := []struct {
		code, want, name string
		level            RegionLevel
		parent           string
	}{
		{"44", "44", "广东省", RegionProvince, ""},
		{"440000", "44", "广东省", RegionProvince, ""},
		{"4412", "4412", "肇庆市", RegionCity, "44"},
		{"441200", "4412", "肇庆市", RegionCity, "44"},
		{"441204", "441204", "高要区", RegionCounty, "4412"},
		{" 441204 ", "441204", "高要区", RegionCounty, "4412"},
		{"1101", "1101", "市辖区", RegionCity, "11"},
		{"110108", "110108", "海淀区", RegionCounty, "1101"},
		{"441900", "441900", "东莞市", RegionCounty, "4419"}, // a real county code, not a padded city
		{"429004", "429004", "仙桃市", RegionCounty, "4290"},
	}
	for _, tt := range tests {
		r, ok := LookupRegion(tt.code)
		want := Region{Code: tt.want, Name: tt.name, Level: tt.level, Parent: tt.parent}
		if !ok || r != want {
			t.Errorf("LookupRegion(%q) = %+v, %v; want %+v", tt.code, r, ok, want)
		}
	}
	for _, code := range []string{"", "4", "99", "9999", "441299", "4412041", "44a2", "226634", "441200x"} {
		if r, ok := LookupRegion(code); ok {
			t.Errorf("LookupRegion(%q) = %+v, want not found", code, r)
		}
	}
}

func TestRegionFullName(t *testing.T) {
	tests := map[string]string{
		"441204": "广东省肇庆市高要区",
		"4412":   "广东省肇庆市",
		"44":     "广东省",
		"110108": "北京市海淀区",
		"1101":   "北京市",
		"441900": "广东省东莞市",
		"429004": "湖北省仙桃市",
		"320685": "江苏省南通市海安市",
		"999999": "",
	}
	for code, want := range tests {
		if got := RegionFullName(code); got != want {
			t.Errorf("RegionFullName(%q) = %q, want %q", code, got, want)
		}
	}
}

func TestRegionWithin(t *testing.T) {
	tests := []struct {
		code, ancestor string
		want           bool
	}{
		{"441204", "4412", true},
		{"441204", "44", true},
		{"441204", "441200", true},
		{"441204", "440000", true},
		{"441204", "441204", true},
		{"4412", "44", true},
		{"44", "44", true},
		{"4412", "441204", false},
		{"441204", "4401", false},
		{"441204", "32", false},
		{"441204", "99", false},
		{"999999", "44", false},
	}
	for _, tt := range tests {
		if got := RegionWithin(tt.code, tt.ancestor); got != tt.want {
			t.Errorf("RegionWithin(%q, %q) = %v, want %v", tt.code, tt.ancestor, got, tt.want)
		}
	}
}

func TestRegionResolveAddress(t *testing.T) {
	tests := []struct {
		addr, want string // want "" = not resolved
	}{
		{"226634 江苏省南通市海安县老坝港镇海港村16组", "320685"}, // 海安县 is now 海安市
		{"广东省肇庆市端州区", "441202"},
		{"广东省肇庆市某某路1号", "4412"},
		{"肇庆市高要区南岸街道", "441204"},
		{"高要区南岸街道", "441204"},
		{"朝阳区某路1号", ""}, // 北京 and 长春 both have one
		{"100081 北京市海淀区大柳树路2号主楼", "110108"},
		{"100026 北京市朝阳区石佛营东里", "110105"},
		{"200436 上海市闸北区江场三路272号", "3101"}, // 闸北区 merged into 静安区
		{"300457 天津市塘沽区经济技术开发区", "1201"},
		{"402760 重庆市璧山县青杠民安街92号", "500120"},   // 璧山县 is now 璧山区
		{"221611 江苏省徐州市沛县大屯镇", "320322"},      // one-character stem, full name only
		{"271104 山东省莱芜市钢城区友谊大街38号", "370117"}, // 莱芜市 merged into 济南市
		{"252020 山东省济南市章丘市圣井镇", "370114"},
		{"466238 河南省项城市永丰乡郭腰庄村", "411681"},
		{"417700 湖南省双峰县蛇形山镇", "431321"},
		{"410100 湖南省长沙经济技术开发区三一工业城", "4301"},
		{"湖南省长沙县星沙街道", "430121"},
		{"133700 吉林省延边朝鲜族自治州敦化市阳光城", "222403"},
		{"830013 新疆维吾尔自治区乌鲁木齐市米东区", "650109"},
		{"广西南宁市青秀区", "450103"},
		{"江西路1号", ""}, // a short province name alone is a street name
		{"江西省", "36"},
		{"北京市", "1101"},
		{"重庆市", "50"}, // two city-level rows (市辖区, 县)
		{"湖北省仙桃市", "429004"},
		{"710054 陕西省西安市雁塔路北段1号", "6101"}, // a road named after a district is not the district
		{"046000 山西省长治市南外环路中段", "1404"},
		{"甘肃省临夏县", "622921"}, // 临夏市 and 临夏县 share a stem
		{"中国香港九龙九龙湾常悦道九号", "81"},
		{"中国台湾大安区金山南路二段十二号八楼之一", "71"}, // not 自贡市大安区
		{"澳门特别行政区新口岸", "82"},
		{"澳大利亚昆士兰省阿润德区德曼德大街20号", ""},
		{"德国蒂申罗伊特", ""},
		{"", ""},
		{"226634", ""},
	}
	for _, tt := range tests {
		r, ok := ResolveAddress(tt.addr)
		if tt.want == "" {
			if ok {
				t.Errorf("ResolveAddress(%q) = %s %s, want none", tt.addr, r.Code, r.Name)
			}
			continue
		}
		if !ok || r.Code != tt.want {
			t.Errorf("ResolveAddress(%q) = %s %s (%v), want %s %s", tt.addr, r.Code, r.Name, ok, tt.want, RegionFullName(tt.want))
		}
	}
}

// TestRegionResolveAddressCNIPA runs every applicant address of the CNIPA export:
// all mainland ones must resolve at least to a city.
func TestRegionResolveAddressCNIPA(t *testing.T) {
	f, err := os.Open("testdata/cnipa_biblio_export_199.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range recs[0] {
		if h == "地址" {
			col = i
		}
	}
	if col < 0 || len(recs) != 200 {
		t.Fatalf("unexpected CSV: %d rows, 地址 column %d", len(recs), col)
	}
	special := map[string]string{
		"中国香港九龙九龙湾常悦道九号企业广场第一座10楼": "81",
		"中国台湾大安区金山南路二段十二号八楼之一":     "71",
	}
	foreign := map[string]bool{
		"澳大利亚昆士兰省阿润德区德曼德大街20号": true,
		"德国蒂申罗伊特": true,
	}
	counties, cities := 0, map[string]bool{}
	for _, rec := range recs[1:] {
		addr := rec[col]
		r, ok := ResolveAddress(addr)
		switch {
		case special[addr] != "":
			if r.Code != special[addr] {
				t.Errorf("ResolveAddress(%q) = %s %s, want %s", addr, r.Code, r.Name, special[addr])
			}
		case foreign[addr]:
			if ok {
				t.Errorf("ResolveAddress(%q) = %s %s, want none", addr, r.Code, r.Name)
			}
		case !ok || r.Level < RegionCity:
			t.Errorf("ResolveAddress(%q) = %+v, %v; want at least a city", addr, r, ok)
		case r.Level == RegionCity:
			if !cities[addr] {
				t.Logf("city only: %s -> %s %s", addr, r.Code, RegionFullName(r.Code))
			}
			cities[addr] = true
		default:
			counties++
		}
	}
	t.Logf("%d addresses resolved to a county, %d distinct addresses only to a city", counties, len(cities))
}
