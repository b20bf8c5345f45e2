package data

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Administrative divisions (NBS 2023 codes, modood/Administrative-divisions-of-China);
// see refdata/SOURCES.md.
var (
	//go:embed refdata/regions/provinces.csv
	regionProvincesCSV string
	//go:embed refdata/regions/cities.csv
	regionCitiesCSV string
	//go:embed refdata/regions/areas.csv
	regionAreasCSV string
)

// RegionLevel is the tier of a Chinese administrative division.
type RegionLevel int

// Region levels, matching the length of the NBS code (2, 4 or 6 digits).
const (
	RegionProvince RegionLevel = 1 // province, autonomous region or municipality
	RegionCity     RegionLevel = 2 // prefecture-level city, league, autonomous prefecture
	RegionCounty   RegionLevel = 3 // county, county-level city, district, banner
)

// Region is one administrative division with its NBS code. Code is 2 digits
// for a province, 4 for a city and 6 for a county; Parent is the code of the
// enclosing division ("" for a province).
type Region struct {
	Code, Name string
	Level      RegionLevel
	Parent     string
}

// regionNames maps a name (or name stem) to the codes carrying it; more than
// one code means the name is ambiguous in that scope and must not be used.
type regionNames map[string][]string

func (m regionNames) add(name, code string) {
	for _, c := range m[name] {
		if c == code {
			return
		}
	}
	m[name] = append(m[name], code)
}

// regionIndex is the parsed region table plus the name indexes used by
// ResolveAddress. Scopes are keyed by the enclosing code, "" = nationwide.
type regionIndex struct {
	byCode     map[string]Region
	provCities map[string][]string // city codes per province
	provFull   regionNames
	provStem   regionNames
	cityFull   map[string]regionNames // scope: "" or province
	cityStem   map[string]regionNames // scope: province only
	countyFull map[string]regionNames // scope: "", province or city
	countyStem map[string]regionNames // stem = name without 县/市/区/旗
}

var regionTable = sync.OnceValue(loadRegions)

// regionSpecial are the province-level regions of GB/T 2260 that the NBS
// list (mainland only) lacks. They have no cities or counties here.
var regionSpecial = []struct{ code, name, short string }{
	{"71", "台湾省", "台湾"},
	{"81", "香港特别行政区", "香港"},
	{"82", "澳门特别行政区", "澳门"},
}

// regionCountySuffixes are the generic county-level suffixes whose change
// (县 -> 市, 县 -> 区 ...) is the usual renaming after a reform.
const regionCountySuffixes = "县市区旗"

func loadRegions() *regionIndex {
	idx := &regionIndex{
		byCode:     map[string]Region{},
		provCities: map[string][]string{},
		provFull:   regionNames{},
		provStem:   regionNames{},
		cityFull:   map[string]regionNames{},
		cityStem:   map[string]regionNames{},
		countyFull: map[string]regionNames{},
		countyStem: map[string]regionNames{},
	}
	add := func(r Region) {
		if _, dup := idx.byCode[r.Code]; dup {
			panic(fmt.Sprintf("data: duplicate region code %s", r.Code))
		}
		if r.Parent != "" {
			if _, ok := idx.byCode[r.Parent]; !ok {
				panic(fmt.Sprintf("data: region %s has unknown parent %s", r.Code, r.Parent))
			}
		}
		if r.Name == "" || len(r.Code) != 2*int(r.Level) || !regionAllDigits(r.Code) ||
			!strings.HasPrefix(r.Code, r.Parent) {
			panic(fmt.Sprintf("data: malformed region %+v", r))
		}
		idx.byCode[r.Code] = r
	}
	scoped := func(m map[string]regionNames, scope string) regionNames {
		if m[scope] == nil {
			m[scope] = regionNames{}
		}
		return m[scope]
	}
	for _, rec := range regionReadCSV("provinces.csv", regionProvincesCSV, "code,name") {
		code, name := rec[0], rec[1]
		add(Region{Code: code, Name: name, Level: RegionProvince})
		idx.provFull.add(name, code)
		idx.provStem.add(regionProvinceStem(name), code)
	}
	// The NBS list covers the mainland only; GB/T 2260 also codes Taiwan,
	// Hong Kong and Macao, which CNIPA addresses name ("中国香港…").
	for _, r := range regionSpecial {
		add(Region{Code: r.code, Name: r.name, Level: RegionProvince})
	}
	for _, rec := range regionReadCSV("cities.csv", regionCitiesCSV, "code,name,provinceCode") {
		code, name, prov := rec[0], rec[1], rec[2]
		add(Region{Code: code, Name: name, Level: RegionCity, Parent: prov})
		idx.provCities[prov] = append(idx.provCities[prov], code)
		if regionPlaceholder(name) {
			continue
		}
		scoped(idx.cityFull, "").add(name, code)
		scoped(idx.cityFull, prov).add(name, code)
		if stem := regionCityStem(name); stem != name {
			scoped(idx.cityStem, prov).add(stem, code)
		}
	}
	for _, rec := range regionReadCSV("areas.csv", regionAreasCSV, "code,name,cityCode,provinceCode") {
		code, name, city, prov := rec[0], rec[1], rec[2], rec[3]
		if !strings.HasPrefix(city, prov) {
			panic(fmt.Sprintf("data: county %s: city %s not in province %s", code, city, prov))
		}
		add(Region{Code: code, Name: name, Level: RegionCounty, Parent: city})
		stem := regionCountyStem(name)
		for _, scope := range []string{"", prov, city} {
			scoped(idx.countyFull, scope).add(name, code)
			if stem != name {
				scoped(idx.countyStem, scope).add(stem, code)
			}
		}
	}
	return idx
}

func regionReadCSV(file, text, header string) [][]string {
	recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		panic(fmt.Sprintf("data: refdata/regions/%s: %v", file, err))
	}
	if len(recs) < 2 || strings.Join(recs[0], ",") != header {
		panic(fmt.Sprintf("data: refdata/regions/%s: unexpected header", file))
	}
	return recs[1:]
}

func regionAllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// regionPlaceholder reports whether a city-level name is a grouping row
// ("市辖区", "县", "省直辖县级行政区划") rather than a real city: it never
// appears in addresses or full names.
func regionPlaceholder(name string) bool {
	return name == "市辖区" || name == "县" || strings.HasSuffix(name, "直辖县级行政区划")
}

// regionProvinceStem gives the short form used in addresses:
// "江苏省" -> "江苏", "广西壮族自治区" -> "广西".
func regionProvinceStem(name string) string {
	for _, suf := range []string{"壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省", "市"} {
		if s, ok := strings.CutSuffix(name, suf); ok {
			return s
		}
	}
	return name
}

// regionCityStem strips 市/地区/盟 ("长沙市" -> "长沙") so that addresses such
// as "湖南省长沙经济技术开发区" still name the city. Autonomous prefectures
// keep their full name: their short forms are too irregular.
func regionCityStem(name string) string {
	for _, suf := range []string{"地区", "市", "盟"} {
		if s, ok := strings.CutSuffix(name, suf); ok && utf8.RuneCountInString(s) >= 2 {
			return s
		}
	}
	return name
}

// regionCountyStem strips one generic suffix ("海安市" -> "海安") so that
// pre-reform names (海安县) still find the county; stems shorter than two
// characters ("沛县" -> "沛") are not used because they match too much.
func regionCountyStem(name string) string {
	r, size := utf8.DecodeLastRuneInString(name)
	if strings.ContainsRune(regionCountySuffixes, r) {
		if s := name[:len(name)-size]; utf8.RuneCountInString(s) >= 2 {
			return s
		}
	}
	return name
}

// LookupRegion finds a region by NBS code: 2, 4 or 6 digits, where 6-digit
// codes padded with zeros ("441200", "440000", also "4400") name the city or
// province.
func LookupRegion(code string) (Region, bool) {
	code = strings.TrimSpace(code)
	if !regionAllDigits(code) {
		return Region{}, false
	}
	idx := regionTable()
	try := func(c string) (Region, bool) { r, ok := idx.byCode[c]; return r, ok }
	switch len(code) {
	case 2:
		return try(code)
	case 4:
		if r, ok := try(code); ok {
			return r, true
		}
		if strings.HasSuffix(code, "00") {
			return try(code[:2])
		}
	case 6:
		// A real county code wins over the padded reading (441900 is the
		// county-level entry of 东莞市).
		if r, ok := try(code); ok {
			return r, true
		}
		if strings.HasSuffix(code, "0000") {
			return try(code[:2])
		}
		if strings.HasSuffix(code, "00") {
			return try(code[:4])
		}
	}
	return Region{}, false
}

// RegionFullName joins the names from province down, e.g. "广东省肇庆市高要区";
// grouping rows such as "市辖区" are left out ("北京市海淀区"). It returns ""
// for an unknown code.
func RegionFullName(code string) string {
	r, ok := LookupRegion(code)
	if !ok {
		return ""
	}
	idx := regionTable()
	var names []string
	for c := r.Code; c != ""; c = idx.byCode[c].Parent {
		names = append(names, idx.byCode[c].Name)
	}
	var b strings.Builder
	prev := ""
	for i := len(names) - 1; i >= 0; i-- {
		n := names[i]
		if regionPlaceholder(n) || n == prev { // 广东省东莞市 has county 东莞市
			continue
		}
		b.WriteString(n)
		prev = n
	}
	return b.String()
}

// RegionLabel names a region as people tell places apart: a county with
// its city, because county names repeat across the country (长安区 is in
// 石家庄 and 西安, 朝阳区 in 北京 and 长春): "石家庄市长安区", "北京市朝阳区".
// The province is left out to keep facet lists short; where the city is a
// grouping row the province stands in for it ("湖北省仙桃市", and "北京市"
// for the city-level code 1101). It returns "" for an unknown code.
func RegionLabel(code string) string {
	r, ok := LookupRegion(code)
	if !ok {
		return ""
	}
	idx := regionTable()
	switch r.Level {
	case RegionCity:
		return regionCityLabel(idx, r)
	case RegionCounty:
		city := idx.byCode[r.Parent]
		prefix := city.Name
		if regionPlaceholder(city.Name) {
			prefix = idx.byCode[city.Parent].Name
		}
		if r.Name == prefix { // 东莞市 has the county-level entry 东莞市
			return r.Name
		}
		return prefix + r.Name
	}
	return r.Name
}

// regionCityLabel names a city-level region; the grouping rows take their
// province's name: 1101 "市辖区" is "北京市", 5002 "县" is "重庆市（县）"
// (apart from 5001, also "重庆市"), 4290 is "湖北省直辖县级行政区划".
func regionCityLabel(idx *regionIndex, r Region) string {
	prov := idx.byCode[r.Parent].Name
	switch {
	case r.Name == "市辖区":
		return prov
	case r.Name == "县":
		return prov + "（县）"
	case regionPlaceholder(r.Name): // "省直辖…", "自治区直辖…"
		for _, lead := range []string{"自治区", "省"} {
			if rest, ok := strings.CutPrefix(r.Name, lead); ok && strings.HasSuffix(prov, lead) {
				return prov + rest
			}
		}
		return prov + r.Name
	}
	return r.Name
}

// RegionWithin reports whether code is ancestor itself or lies under it
// (441204 is within 4412 and 44). Unknown codes are within nothing.
func RegionWithin(code, ancestor string) bool {
	r, ok := LookupRegion(code)
	if !ok {
		return false
	}
	a, ok := LookupRegion(ancestor)
	return ok && strings.HasPrefix(r.Code, a.Code)
}

// ResolveAddress returns the most specific region named in a mainland Chinese
// address such as CNIPA's "226634 江苏省南通市海安县老坝港镇…". A leading
// postcode is skipped, never read as a region code. Names are matched only at
// the start of the address and right after the previous match (province, then
// city, then county) so that street names cannot match; counties renamed by a
// reform (海安县 -> 海安市) are found by their name stem within the city or
// province. Without a province, a city or county name is used only when it is
// unique nationwide, and a short province name ("广西") only when a city or
// county follows. A province with a single city (北京, 天津, 上海) resolves to
// that city even when the district is unknown (上海市闸北区). It returns false
// when no region is named (foreign addresses). Taiwan, Hong Kong and Macao
// resolve to their GB/T 2260 province-level codes 71, 81 and 82.
func ResolveAddress(addr string) (Region, bool) {
	s := regionCleanAddress(addr)
	idx := regionTable()
	for _, r := range regionSpecial {
		if strings.HasPrefix(s, r.short) {
			return idx.byCode[r.code], true
		}
	}
	var prov, city, county string
	provStemOnly := false // "江西路…" must not resolve to 江西省 on its own
	setCounty := func(code string) {
		county = code
		city = idx.byCode[code].Parent
		prov = idx.byCode[city].Parent
	}
	// Province, or a nationally unique city or county when the address omits it.
	if code, n := regionMatch(idx.provFull, s); n > 0 {
		prov, s = code, s[n:]
	} else if code, n := regionMatch(idx.cityFull[""], s); n > 0 {
		city, prov, s = code, idx.byCode[code].Parent, s[n:]
	} else if code, n := regionMatchCounty(idx, "", s); n > 0 {
		setCounty(code)
		s = s[n:]
	} else if code, n := regionMatch(idx.provStem, s); n > 0 {
		prov, s, provStemOnly = code, s[n:], true
	} else {
		return Region{}, false
	}
	// City within the province; a county-level city may follow the province
	// directly (河南省项城市), and municipalities have only districts.
	if city == "" {
		if code, n := regionMatch(idx.cityFull[prov], s); n > 0 {
			city, s = code, s[n:]
		} else if code, n := regionMatchCounty(idx, prov, s); n > 0 {
			setCounty(code)
			s = s[n:]
		} else if code, n := regionMatch(idx.cityStem[prov], s); n > 0 {
			city, s = code, s[n:]
		}
		if city == "" && provStemOnly {
			return Region{}, false
		}
	}
	if city != "" && county == "" {
		if code, n := regionMatchCounty(idx, city, s); n > 0 {
			setCounty(code)
			s = s[n:]
		}
	}
	// Two county names in a row: the first was a former prefecture that is
	// now a district (山东省莱芜市钢城区 -> 莱芜区, then 钢城区); keep the second.
	if county != "" {
		if code, n := regionMatchCounty(idx, city, s); n > 0 {
			setCounty(code)
		}
	}
	switch {
	case county != "":
		return idx.byCode[county], true
	case city != "":
		return idx.byCode[city], true
	case len(idx.provCities[prov]) == 1:
		return idx.byCode[idx.provCities[prov][0]], true
	}
	return idx.byCode[prov], true
}

// regionCleanAddress drops whitespace, a leading postcode and a leading
// country name.
func regionCleanAddress(addr string) string {
	s := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, addr)
	if len(s) > 6 && regionAllDigits(s[:6]) && !(s[6] >= '0' && s[6] <= '9') {
		s = s[6:]
	}
	for _, p := range []string{"中华人民共和国", "中国"} {
		if t, ok := strings.CutPrefix(s, p); ok {
			return t
		}
	}
	return s
}

// regionMatch finds the longest name in m that s starts with and returns its
// code and byte length; an ambiguous longest match counts as no match.
func regionMatch(m regionNames, s string) (string, int) {
	if len(m) == 0 {
		return "", 0
	}
	ends := regionRuneEnds(s, 16)
	for i := len(ends) - 1; i >= 1; i-- { // at least two characters
		if codes, ok := m[s[:ends[i]]]; ok {
			if len(codes) == 1 {
				return codes[0], ends[i]
			}
			return "", 0
		}
	}
	return "", 0
}

// regionMatchCounty matches a county in scope by full name, else by stem
// followed by any county suffix (海安县 -> 海安市).
func regionMatchCounty(idx *regionIndex, scope, s string) (string, int) {
	if code, n := regionMatch(idx.countyFull[scope], s); n > 0 {
		return code, n
	}
	m := idx.countyStem[scope]
	if len(m) == 0 {
		return "", 0
	}
	ends := regionRuneEnds(s, 16)
	for i := len(ends) - 2; i >= 1; i-- {
		suf, _ := utf8.DecodeRuneInString(s[ends[i]:])
		if !strings.ContainsRune(regionCountySuffixes, suf) {
			continue
		}
		if codes, ok := m[s[:ends[i]]]; ok {
			if len(codes) == 1 {
				return codes[0], ends[i+1]
			}
			return "", 0
		}
	}
	return "", 0
}

// regionRuneEnds returns the byte offsets after each of the first max runes
// of s: ends[i] is the end of rune i (0-based), so s[:ends[i]] has i+1 runes.
func regionRuneEnds(s string, max int) []int {
	ends := make([]int, 0, max)
	for i := range s {
		if i > 0 {
			ends = append(ends, i)
			if len(ends) == max {
				return ends
			}
		}
	}
	if len(s) > 0 && len(ends) < max {
		ends = append(ends, len(s))
	}
	return ends
}
