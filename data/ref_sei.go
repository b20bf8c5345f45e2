package data

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// 战略性新兴产业分类与国际专利分类参照关系表（2021）, transcribed by vvangpc/pr-re,
// without the unused keywords column; see refdata/SOURCES.md.
//
//go:embed refdata/sei_ipc_rules_2021.jsonl
var seiRulesJSONL string

// StrategicIndustry is a strategic emerging industry of the 2021 reference
// table, e.g. {"2.1", "智能制造装备产业"}.
type StrategicIndustry struct {
	Code, Name string
}

// seiPattern is one IPC pattern of the reference table. Its forms are:
//
//   - "B41J*", "G16*", "G16H": everything in that subclass or class;
//   - "G06F11*", "H03M13": main group 11 (13) and all its subgroups, so
//     G06F1* does not match G06F11/14;
//   - "G06F9/46": that group only. The table lists decimal subgroups it
//     means separately (G06F9/44, G06F9/445, G06F9/455; H01M10/056 and
//     H01M10/0561..0569), so a group does not pull in its subdivisions.
type seiPattern struct {
	prefix    string // class or subclass form
	subclass  string // main-group form
	mainGroup string
	exact     string // group form
}

func seiParsePattern(p string) (seiPattern, error) {
	body, star := strings.CutSuffix(p, "*")
	c, err := ipcParse(body)
	switch {
	case err == nil && (c.level == "class" || c.level == "subclass"):
		return seiPattern{prefix: c.code}, nil
	case err == nil && !star && c.code == body:
		return seiPattern{exact: c.code}, nil
	}
	// Main-group form: subclass followed by digits only.
	if len(body) > 4 && regionAllDigits(body[4:]) {
		if c, err := ipcParse(body + "/00"); err == nil && c.code == body+"/00" {
			return seiPattern{subclass: c.subclass, mainGroup: c.group}, nil
		}
	}
	return seiPattern{}, fmt.Errorf("bad IPC pattern %q", p)
}

func (p seiPattern) match(c ipcCode) bool {
	switch {
	case p.prefix != "":
		return strings.HasPrefix(c.code, p.prefix)
	case p.mainGroup != "":
		return c.subclass == p.subclass && c.group == p.mainGroup
	}
	return c.code == p.exact
}

// seiKey is the index key of a pattern: its class (first three characters)
// for a class pattern, otherwise its subclass.
func (p seiPattern) key() string {
	switch {
	case p.prefix != "":
		return p.prefix
	case p.subclass != "":
		return p.subclass
	}
	return p.exact[:4]
}

type seiRule struct {
	industry   StrategicIndustry
	patterns   []seiPattern
	exclusions []seiPattern
}

func (r *seiRule) matches(c ipcCode) bool {
	hit := slices.ContainsFunc(r.patterns, func(p seiPattern) bool { return p.match(c) })
	return hit && !slices.ContainsFunc(r.exclusions, func(p seiPattern) bool { return p.match(c) })
}

type seiIndex struct {
	rules []seiRule
	byKey map[string][]int // class or subclass -> rules with a pattern there
}

var seiTable = sync.OnceValue(loadSEIRules)

func loadSEIRules() *seiIndex {
	idx := &seiIndex{byKey: map[string][]int{}}
	names := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(seiRulesJSONL))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var raw struct {
			Code       string   `json:"sei_code"`
			Name       string   `json:"sei_name"`
			Patterns   []string `json:"ipc_patterns"`
			Exclusions []string `json:"ipc_exclusions"`
		}
		fail := func(err error) {
			panic(fmt.Sprintf("data: refdata/sei_ipc_rules_2021.jsonl:%d: %v", n, err))
		}
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			fail(err)
		}
		if _, err := seiCodeKey(raw.Code); err != nil || raw.Name == "" || len(raw.Patterns) == 0 {
			fail(fmt.Errorf("bad industry %q %q or no patterns", raw.Code, raw.Name))
		}
		if prev, ok := names[raw.Code]; ok && prev != raw.Name {
			fail(fmt.Errorf("industry %s named both %q and %q", raw.Code, prev, raw.Name))
		}
		names[raw.Code] = raw.Name
		rule := seiRule{industry: StrategicIndustry{Code: raw.Code, Name: raw.Name}}
		keys := map[string]bool{}
		for _, p := range raw.Patterns {
			sp, err := seiParsePattern(p)
			if err != nil {
				fail(err)
			}
			rule.patterns = append(rule.patterns, sp)
			keys[sp.key()] = true
		}
		for _, p := range raw.Exclusions {
			sp, err := seiParsePattern(p)
			if err != nil {
				fail(err)
			}
			rule.exclusions = append(rule.exclusions, sp)
		}
		for k := range keys {
			idx.byKey[k] = append(idx.byKey[k], len(idx.rules))
		}
		idx.rules = append(idx.rules, rule)
	}
	if err := sc.Err(); err != nil {
		panic(fmt.Sprintf("data: refdata/sei_ipc_rules_2021.jsonl: %v", err))
	}
	return idx
}

// seiCodeKey splits "2.1" into numbers so that 1.10 would sort after 1.9.
func seiCodeKey(code string) ([2]int, error) {
	a, b, ok := strings.Cut(code, ".")
	x, err1 := strconv.Atoi(a)
	y, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		return [2]int{}, fmt.Errorf("bad industry code %q", code)
	}
	return [2]int{x, y}, nil
}

// StrategicIndustries returns the strategic emerging industries whose IPC
// reference rules cover the code, sorted by industry code. A rule applies when
// one of its patterns matches and none of its own exclusions does (see
// seiPattern for the pattern forms). The code is normalised first; malformed
// codes and codes outside every rule give nil.
func StrategicIndustries(ipc string) []StrategicIndustry {
	c, err := ipcParse(ipc)
	if err != nil {
		return nil
	}
	idx := seiTable()
	var out []StrategicIndustry
	for _, key := range c.levels() {
		if len(key) != 3 && len(key) != 4 {
			continue // only classes and subclasses are index keys
		}
		for _, i := range idx.byKey[key] {
			r := &idx.rules[i]
			if !slices.Contains(out, r.industry) && r.matches(c) {
				out = append(out, r.industry)
			}
		}
	}
	slices.SortFunc(out, func(a, b StrategicIndustry) int {
		ka, _ := seiCodeKey(a.Code)
		kb, _ := seiCodeKey(b.Code)
		if ka[0] != kb[0] {
			return ka[0] - kb[0]
		}
		return ka[1] - kb[1]
	})
	return out
}

// IPCTerm is an IPC pattern of the reference table as a term of the
// levels IPCLevels gives: Level 1 a class (B23), 2 a subclass (B23K), 3 a
// main group (B23K9/00, with all its subgroups), 4 a subgroup (B23K9/013).
type IPCTerm struct {
	Level int
	Code  string
}

// IPCRule is one rule of an industry's IPC reference: a patent code falls
// under it when one of Include matches and none of Exclude does.
type IPCRule struct {
	Include, Exclude []IPCTerm
}

// StrategicIndustryRules returns the strategic emerging industry of code
// ("2.1") and its rules as terms, or false when the table has no such
// industry. A pattern naming one main group exactly (G06F15/00 without
// its subgroups) becomes that main group with its subgroups: the levels
// have no term for a main group alone, so such a rule takes in, or for an
// exclusion leaves out, a little more than the table says.
func StrategicIndustryRules(code string) (StrategicIndustry, []IPCRule, bool) {
	code = strings.TrimSpace(code)
	var ind StrategicIndustry
	var rules []IPCRule
	for _, r := range seiTable().rules {
		if r.industry.Code != code {
			continue
		}
		ind = r.industry
		var rule IPCRule
		for _, p := range r.patterns {
			rule.Include = append(rule.Include, p.term())
		}
		for _, p := range r.exclusions {
			rule.Exclude = append(rule.Exclude, p.term())
		}
		rules = append(rules, rule)
	}
	return ind, rules, len(rules) > 0
}

// InStrategicIndustry reports whether a patent with the IPC codes given
// falls under an industry's rules (StrategicIndustryRules): one rule
// includes one of the codes' levels and excludes none of them, the codes
// taken together, as the search index's industry filter reads them.
func InStrategicIndustry(rules []IPCRule, codes []string) bool {
	var levels [][]string
	for _, c := range codes {
		if l := IPCLevels(c); l != nil {
			levels = append(levels, l)
		}
	}
	has := func(ts []IPCTerm) bool {
		for _, t := range ts {
			for _, l := range levels {
				if t.Level < len(l) && l[t.Level] == t.Code {
					return true
				}
			}
		}
		return false
	}
	for _, r := range rules {
		if has(r.Include) && !has(r.Exclude) {
			return true
		}
	}
	return false
}

// term is p as an IPCTerm.
func (p seiPattern) term() IPCTerm {
	switch {
	case p.prefix != "":
		if len(p.prefix) == 3 {
			return IPCTerm{Level: 1, Code: p.prefix}
		}
		return IPCTerm{Level: 2, Code: p.prefix}
	case p.mainGroup != "":
		return IPCTerm{Level: 3, Code: p.subclass + p.mainGroup + "/00"}
	case strings.HasSuffix(p.exact, "/00"):
		return IPCTerm{Level: 3, Code: p.exact}
	}
	return IPCTerm{Level: 4, Code: p.exact}
}
