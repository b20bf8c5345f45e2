package data

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// GB/T 4754-2017 industry classification (zmshe/capital); see refdata/SOURCES.md.
//
//go:embed refdata/gbt4754_2017.csv
var industryCSV string

// Industry is one GB/T 4754-2017 category. Code is canonical: the section
// letter followed by the digits of the level ("C", "C34", "C342", "C3421").
// Level is 1 section, 2 division, 3 group, 4 class; Parent is the canonical
// code one level up ("" for a section).
type Industry struct {
	Code, Name string
	Level      int
	Parent     string
}

type industryIndex struct {
	byCode    map[string]Industry // canonical code -> industry
	divisions map[string]string   // two-digit division -> section letter
}

var industryTable = sync.OnceValue(loadIndustries)

func loadIndustries() *industryIndex {
	recs, err := csv.NewReader(strings.NewReader(industryCSV)).ReadAll()
	if err != nil {
		panic(fmt.Sprintf("data: refdata/gbt4754_2017.csv: %v", err))
	}
	if len(recs) < 2 || strings.Join(recs[0], ",") != "level,section,division,group,class,name" {
		panic("data: refdata/gbt4754_2017.csv: unexpected header")
	}
	idx := &industryIndex{byCode: map[string]Industry{}, divisions: map[string]string{}}
	for _, r := range recs[1:] {
		sec, div, grp, cls, name := r[1], r[2], r[3], r[4], r[5]
		var ind Industry
		switch r[0] {
		case "1":
			ind = Industry{Code: sec, Level: 1}
		case "2":
			ind = Industry{Code: sec + div, Level: 2, Parent: sec}
			idx.divisions[div] = sec
		case "3":
			ind = Industry{Code: sec + grp, Level: 3, Parent: sec + div}
		case "4":
			ind = Industry{Code: sec + cls, Level: 4, Parent: sec + grp}
		}
		ind.Name = name
		// Each level's digits extend its parent's: group 342 lies in division 34.
		ok := ind.Level > 0 && name != "" && len(sec) == 1 && sec >= "A" && sec <= "T" &&
			len(ind.Code) == 1+[]int{0, 0, 2, 3, 4}[ind.Level] &&
			strings.Trim(ind.Code[1:], "0123456789") == "" && strings.HasPrefix(ind.Code, ind.Parent)
		if !ok {
			panic(fmt.Sprintf("data: refdata/gbt4754_2017.csv: malformed row %q", r))
		}
		if _, dup := idx.byCode[ind.Code]; dup {
			panic(fmt.Sprintf("data: refdata/gbt4754_2017.csv: duplicate code %s", ind.Code))
		}
		if _, known := idx.byCode[ind.Parent]; ind.Parent != "" && !known {
			// A group with a single class ("019 0190 其他农业") is printed on one
			// line in the standard, so the source has only the class row; the
			// group shares its name.
			if ind.Level != 4 || !strings.HasSuffix(ind.Code, "0") {
				panic(fmt.Sprintf("data: refdata/gbt4754_2017.csv: %s before its parent %s", ind.Code, ind.Parent))
			}
			idx.byCode[ind.Parent] = Industry{Code: ind.Parent, Name: name, Level: 3, Parent: sec + div}
		}
		idx.byCode[ind.Code] = ind
	}
	return idx
}

// industryCanonical turns "c3421", "3421" or " C34 " into "C3421"/"C34"; the
// division (first two digits) determines the section letter.
func industryCanonical(code string) string {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code != "" && code[0] >= '0' && code[0] <= '9' {
		if len(code) < 2 {
			return ""
		}
		sec, ok := industryTable().divisions[code[:2]]
		if !ok {
			return ""
		}
		return sec + code
	}
	return code
}

// LookupIndustry finds a GB/T 4754-2017 category by canonical code ("C3421")
// or by its digits alone ("3421"), in either case; the result always carries
// the canonical code.
func LookupIndustry(code string) (Industry, bool) {
	ind, ok := industryTable().byCode[industryCanonical(code)]
	return ind, ok
}

// IndustryWithin reports whether code is ancestor itself or lies under it
// ("3421" is within "C34" and "C"). Unknown codes are within nothing.
func IndustryWithin(code, ancestor string) bool {
	c, ok := LookupIndustry(code)
	if !ok {
		return false
	}
	a, ok := LookupIndustry(ancestor)
	return ok && strings.HasPrefix(c.Code, a.Code)
}

// IndustryAggregate is a named set of GB/T 4754 divisions that statistics
// report together.
type IndustryAggregate struct {
	Name  string
	Codes []string
}

// IndustryAggregates are the aggregates NBS's statistical bulletins use:
// 装备制造业 is the eight divisions C33–C40 (metal products, general and
// special equipment, automobiles, other transport equipment, electrical
// machinery, computers and electronics, instruments), the industry the
// Gaoyao event navigated.
var IndustryAggregates = []IndustryAggregate{
	{Name: "装备制造业", Codes: []string{"C33", "C34", "C35", "C36", "C37", "C38", "C39", "C40"}},
}

// ParseIndustrySet reads a set of GB/T 4754 categories: codes at any level
// joined by commas ("C35", "C33,C34"), a range of one level within one
// section ("C33-C40", both ends included), or an aggregate's name (装备制造
// 业). It returns the categories in the order given, without repeats, and
// the set's name: the aggregate's when the set is one, else the
// categories' names joined. A code it does not know, or a range across
// levels or sections, is an error naming it.
func ParseIndustrySet(v string) ([]Industry, string, error) {
	v = strings.TrimSpace(v)
	for _, a := range IndustryAggregates {
		if v == a.Name {
			v = strings.Join(a.Codes, ",")
		}
	}
	var out []Industry
	add := func(ind Industry) {
		for _, o := range out {
			if o.Code == ind.Code {
				return
			}
		}
		out = append(out, ind)
	}
	for part := range strings.SplitSeq(v, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			lo = part
		}
		from, ok := LookupIndustry(lo)
		if !ok {
			return nil, "", fmt.Errorf("%q is not a GB/T 4754-2017 code", strings.TrimSpace(lo))
		}
		if !isRange {
			add(from)
			continue
		}
		to, ok := LookupIndustry(hi)
		if !ok {
			return nil, "", fmt.Errorf("%q is not a GB/T 4754-2017 code", strings.TrimSpace(hi))
		}
		if from.Level != to.Level || from.Code[0] != to.Code[0] || to.Code < from.Code {
			return nil, "", fmt.Errorf("%q is not a range of one level within one section, lower code first", part)
		}
		var in []Industry
		for _, ind := range industryTable().byCode {
			if ind.Level == from.Level && ind.Code >= from.Code && ind.Code <= to.Code {
				in = append(in, ind)
			}
		}
		slices.SortFunc(in, func(a, b Industry) int { return strings.Compare(a.Code, b.Code) })
		for _, ind := range in {
			add(ind)
		}
	}
	codes := make([]string, len(out))
	names := make([]string, len(out))
	for i, ind := range out {
		codes[i], names[i] = ind.Code, ind.Name
	}
	for _, a := range IndustryAggregates {
		if slices.Equal(codes, a.Codes) {
			return out, a.Name, nil
		}
	}
	return out, strings.Join(names, "、"), nil
}
