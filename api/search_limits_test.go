package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"ipmatch/data"
)

// allTokens are a caller of each role.
var allTokens = []string{orgToken, bankAToken, entXToken}

// TestSearchDatesOutOfRange checks that a date the index cannot hold
// (before 1678 or after 2261), in a filter or in q, with or without a
// comparison or range, is a 422 naming the parameter and, in q, the field,
// for every role; never a 400 or a 500 (issue 12).
func TestSearchDatesOutOfRange(t *testing.T) {
	f := newSearchFixture(t)
	for _, c := range []struct {
		kind, param, value, field string
	}{
		{"patents", "filing_date", "1600", ""},
		{"patents", "filing_date", "2263", ""},
		{"patents", "filing_date", "0000", ""},
		{"patents", "filing_date", "9999", ""},
		{"patents", "filing_date", "1600..2015", ""},
		{"patents", "grant_date", "2015..9999", ""},
		{"patents", "expiry_date", "..2263-01", ""},
		{"patents", "filing_date", "16000101", ""},
		{"enterprises", "founded", "1600", ""},
		{"patents", "q", "grant_date:>9999", "grant_date"},
		{"patents", "q", "grant_date:>=9999", "grant_date"},
		{"patents", "q", "filing_date:<1600", "filing_date"},
		{"patents", "q", "filing_date:<=0000", "filing_date"},
		{"patents", "q", "filing_date:2263", "filing_date"},
		{"patents", "q", "申请日:1600", "filing_date"},
		{"patents", "q", "数控 expiry_date:2015..9999-12-31", "expiry_date"},
		{"enterprises", "q", "founded:>2262", "founded"},
	} {
		path := "/api/v1/search/" + c.kind + "?" + url.Values{c.param: {c.value}}.Encode()
		for _, tok := range allTokens {
			w := f.do(tok, http.MethodGet, path, nil)
			env := wantError(t, w, http.StatusUnprocessableEntity, data.CodeInvalid)
			if !env.hasField(c.param) || !strings.Contains(env.Error.Message, "outside the years 1678–2261") ||
				!strings.Contains(env.Error.Message, c.field+": ") {
				t.Errorf("%s: %s, want field %s naming %q and the years", path, w.Body, c.param, c.field)
			}
		}
	}
	// The years at the edges are fine.
	for _, v := range []string{"1678", "2261", "1678..2261", ">2261-12-31", "<1678-01-01"} {
		path := "/api/v1/search/patents?filing_date=" + url.QueryEscape(strings.Trim(v, "<>"))
		if strings.ContainsAny(v, "<>") {
			path = "/api/v1/search/patents?q=" + url.QueryEscape("filing_date:"+v)
		}
		f.search(orgToken, path)
	}
	if logs := f.logs.String(); strings.Contains(logs, "internal error") {
		t.Errorf("an internal error was logged: %s", logs)
	}
}

// TestSearchBudget checks the query budget through the API: the 64
// single characters joined by OR of issue 12 are a 422 naming q and the
// limit for every role, and so is a text filter over it.
func TestSearchBudget(t *testing.T) {
	f := newSearchFixture(t)
	chars := []rune("机床阀液压主轴焊接齿轮冷却模具刀库密封输送夹紧传感器电伺服润滑减速箱泵缸活塞杆激光注塑行星控制装置系统方法结构设备组件支架底座连接板螺栓弹簧轴承马达气动管道门过滤清洗钢铁铜铝塑料")
	var parts []string
	for _, r := range chars[:64] {
		parts = append(parts, string(r))
	}
	q64 := strings.Join(parts, " OR ")
	for _, kind := range []string{"patents", "enterprises", "products"} {
		for _, tok := range allTokens {
			w := f.do(tok, http.MethodGet, "/api/v1/search/"+kind+"?q="+url.QueryEscape(q64), nil)
			env := wantError(t, w, http.StatusUnprocessableEntity, data.CodeInvalid)
			if !env.hasField("q") || !strings.Contains(env.Error.Message, "64 single Chinese characters; at most 4") {
				t.Errorf("%s %s: %s", tok, kind, w.Body)
			}
		}
	}
	w := f.do(bankAToken, http.MethodGet, "/api/v1/search/patents?title="+url.QueryEscape("机 床 阀 液 压"), nil)
	if env := wantError(t, w, http.StatusUnprocessableEntity, data.CodeInvalid); !env.hasField("title") {
		t.Errorf("title over the budget: %s", w.Body)
	}
	f.search(bankAToken, "/api/v1/search/patents?q="+url.QueryEscape("机 OR 床 OR 阀 OR 液"))
}

// rename sets the name of enterprise id (through the store, so the index
// follows).
func (f *fixture) rename(id, name string) {
	f.t.Helper()
	e, err := f.store.Enterprises().Get(f.t.Context(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	e.Name = name
	put(f.t, f.store.Enterprises(), &e)
}

// TestSearchRelaxationWithinScope checks that whether a query is relaxed,
// and so what it finds, is decided over what the caller may see: a bank
// asking for 弘毅阀业 and for 弘毅鲸业, where 阀业 occurs only in the name
// of an enterprise it may not see (Z), gets the same answer (issue 12).
func TestSearchRelaxationWithinScope(t *testing.T) {
	f := newSearchFixture(t)
	f.rename(f.entX, "肇庆市弘毅机械制造有限公司")
	f.rename(f.entZ, "肇庆市高要区金利阀业有限公司") // bank A may not see Z
	answer := func(tok, q string) string {
		w := f.do(tok, http.MethodGet, "/api/v1/search/enterprises?facets=region&q="+url.QueryEscape(q), nil)
		if w.Code != http.StatusOK {
			t.Fatalf("%s %q: %d %s", tok, q, w.Code, w.Body)
		}
		var body map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		for _, h := range body["hits"].([]any) {
			// Fragments quote the query; scores move as the index merges
			// the segments of the renames (bleve counts a replaced
			// document until then).
			delete(h.(map[string]any), "fragments")
			delete(h.(map[string]any), "score")
		}
		b, _ := json.Marshal(body)
		return string(b)
	}
	for _, tok := range []string{bankAToken, entXToken} {
		for _, field := range []string{"name:", ""} {
			valve, whale := answer(tok, field+"弘毅阀业"), answer(tok, field+"弘毅鲸业")
			if valve != whale {
				t.Errorf("%s: a pair in a record it may not see changes the answer:\n%s\n%s", tok, valve, whale)
			}
			if !strings.Contains(valve, f.entX) || !strings.Contains(valve, `"relaxed":true`) {
				t.Errorf("%s: %s, want X found by 弘毅, relaxed", tok, valve)
			}
		}
	}
	// The organizer sees Z, so for it 阀业 is a pair that exists.
	if b := f.search(orgToken, "/api/v1/search/enterprises?q="+url.QueryEscape("name:弘毅阀业")); b.Total != 0 {
		t.Errorf("organizer: %v, want nothing (no name has both 弘毅 and 阀业)", b.ids())
	}
}

// TestSearchFinancialConsent checks the consent rule in search: a bank's
// filter, range, sort or facet on revenue never finds, lists or counts an
// enterprise it can see that does not share its data (X), wherever the
// field appears in q; the organizer finds it, and the bank still finds X
// by anything else.
func TestSearchFinancialConsent(t *testing.T) {
	f := newSearchFixture(t)
	x, err := f.store.Enterprises().Get(t.Context(), f.entX)
	if err != nil {
		t.Fatal(err)
	}
	x.Consents.ShareData = false
	put(t, f.store.Enterprises(), &x)
	latest, _ := x.Latest()
	rev := strconv.FormatInt(latest.Revenue, 10)
	for _, c := range []struct {
		query          string
		bankA, bankOrg []string
	}{
		{"revenue=" + rev, nil, sorted(f.entX)},
		{"revenue=" + rev + "&facets=region", nil, sorted(f.entX)},
		{"q=" + url.QueryEscape("revenue:"+rev), nil, sorted(f.entX)},
		{"q=" + url.QueryEscape("revenue:"+rev+" OR 肇庆"), sorted(f.entY, f.entW), sorted(f.entX, f.entY, f.entZ, f.entW)},
		{"q=" + url.QueryEscape("-revenue:>1000000000000"), sorted(f.entY, f.entW), sorted(f.entX, f.entY, f.entZ, f.entW)},
		{"revenue=..1亿&facets=region", sorted(f.entY, f.entW), sorted(f.entX, f.entY, f.entZ, f.entW)},
		{"sort=-revenue", sorted(f.entY, f.entW), sorted(f.entX, f.entY, f.entZ, f.entW)},
		{"sort=revenue&facets=region,city", sorted(f.entY, f.entW), sorted(f.entX, f.entY, f.entZ, f.entW)},
		// Nothing financial: X is found like any enterprise the bank sees.
		{"sort=-employees&facets=region", sorted(f.entX, f.entY, f.entW), sorted(f.entX, f.entY, f.entZ, f.entW)},
		{"q=" + url.QueryEscape("肇庆"), sorted(f.entX, f.entY, f.entW), sorted(f.entX, f.entY, f.entZ, f.entW)},
	} {
		for _, who := range []struct {
			tok  string
			want []string
		}{{bankAToken, c.bankA}, {orgToken, c.bankOrg}} {
			b := f.search(who.tok, "/api/v1/search/enterprises?size=100&"+c.query)
			if got := b.ids(); !slices.Equal(got, who.want) || b.Total != len(who.want) {
				t.Errorf("%s %s: %v (total %d), want %v", who.tok, c.query, got, b.Total, who.want)
			}
			for name, fc := range b.Facets {
				sum := fc.Missing
				for _, v := range fc.Values {
					sum += v.Count
				}
				if sum != len(who.want) {
					t.Errorf("%s %s: facet %s counts %d, want %d", who.tok, c.query, name, sum, len(who.want))
				}
			}
		}
	}
	// No hit shows or highlights a financial field, for anyone.
	for _, tok := range allTokens {
		w := f.do(tok, http.MethodGet, "/api/v1/search/enterprises?sort=-revenue&q="+url.QueryEscape("肇庆 OR "+rev), nil)
		if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "revenue") || strings.Contains(w.Body.String(), rev) {
			t.Errorf("%s: %d %s shows a financial field", tok, w.Code, w.Body)
		}
	}
	// X's own search of itself is not a bank's: it finds its revenue.
	if b := f.search(entXToken, "/api/v1/search/enterprises?revenue="+rev); !slices.Equal(b.ids(), []string{f.entX}) {
		t.Errorf("X searching its own revenue: %v", b.ids())
	}
}
