package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"ipmatch/search"
)

// TestSearchRegionFacets: the region facets count at province, city and
// district level, label a district with its city, and count only what
// the caller may read: bank A may not see enterprise Z, so nothing of
// Z's region (the only one in Hebei) may show in bank A's counts.
func TestSearchRegionFacets(t *testing.T) {
	f := newSearchFixture(t)
	ctx := t.Context()
	setEnterpriseRegion := func(id, region string) {
		e, err := f.store.Enterprises().Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		e.Region = region
		put(t, f.store.Enterprises(), &e)
	}
	setPatentRegion := func(id, region string) {
		p, err := f.store.Patents().Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		p.Region = region
		put(t, f.store.Patents(), &p)
	}
	setEnterpriseRegion(f.entZ, "130102") // 石家庄市长安区: a district
	setEnterpriseRegion(f.entY, "4401")   // 广州市: a city only
	setPatentRegion(f.patZ, "130102")
	setPatentRegion(f.patY, "81") // 香港: a province only

	const facets = "&facets=region_province,region_city,region_district,region,city"
	type count struct {
		facet, value, label string
		n                   int
	}
	for _, c := range []struct {
		tok, kind string
		want      []count
		missing   map[string]int // by facet
		hidden    []string       // values the caller must not see counted
	}{
		{orgToken, "enterprises", []count{
			{"region_province", "13", "河北省", 1}, {"region_city", "1301", "石家庄市", 1},
			{"region_district", "130102", "石家庄市长安区", 1}, {"region", "130102", "石家庄市长安区", 1},
			{"region_city", "4401", "广州市", 1}, {"city", "4401", "广州市", 1}, {"region_province", "44", "广东省", 3},
			{"region_district", "441204", "肇庆市高要区", 2},
		}, map[string]int{"region_province": 0, "region_city": 0, "region_district": 1, "region": 1}, nil},
		{bankAToken, "enterprises", []count{{"region_province", "44", "广东省", 3}},
			map[string]int{"region_district": 1}, []string{"13", "1301", "130102"}},
		{entYToken, "enterprises", []count{{"region_province", "44", "广东省", 1}, {"region_city", "4401", "广州市", 1}},
			map[string]int{"region_city": 0, "region_district": 1}, []string{"13", "1301", "130102", "4412", "441204"}},
		{orgToken, "patents", []count{
			{"region_province", "81", "香港特别行政区", 1}, {"region_province", "13", "河北省", 1},
			{"region_district", "130102", "石家庄市长安区", 1},
		}, map[string]int{"region_province": 0, "region_city": 1, "region_district": 1}, nil},
		{bankAToken, "patents", nil, map[string]int{"region_city": 1}, []string{"13", "1301", "130102"}},
		{entXToken, "patents", []count{{"region_district", "441204", "肇庆市高要区", 1}},
			map[string]int{"region_city": 0}, []string{"13", "1301", "130102", "81"}},
	} {
		b := f.search(c.tok, "/api/v1/search/"+c.kind+"?size=100"+facets)
		for name, fc := range b.Facets {
			sum := fc.Missing + fc.Other
			for _, v := range fc.Values {
				sum += v.Count
				if slices.Contains(c.hidden, v.Value) {
					t.Errorf("%s searching %s: facet %s counts %s, which it may not see", c.tok, c.kind, name, v.Value)
				}
			}
			if sum != b.Total {
				t.Errorf("%s searching %s: facet %s counts %d of %d hits", c.tok, c.kind, name, sum, b.Total)
			}
		}
		for _, w := range c.want {
			var got search.FacetValue
			if fc := b.Facets[w.facet]; fc != nil {
				if i := slices.IndexFunc(fc.Values, func(v search.FacetValue) bool { return v.Value == w.value }); i >= 0 {
					got = fc.Values[i]
				}
			}
			if got.Label != w.label || got.Count != w.n {
				t.Errorf("%s searching %s: facet %s value %s = %+v, want %s %d", c.tok, c.kind, w.facet, w.value, got, w.label, w.n)
			}
		}
		for name, n := range c.missing {
			if b.Facets[name] == nil || b.Facets[name].Missing != n {
				t.Errorf("%s searching %s: facet %s = %+v, want %d missing", c.tok, c.kind, name, b.Facets[name], n)
			}
		}
	}
}

// TestOpenAPIRegionFacets: the API document says how the region facets count.
func TestOpenAPIRegionFacets(t *testing.T) {
	f := newSearchFixture(t)
	w := f.do("", http.MethodGet, "/api/v1/openapi.json", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	for _, want := range []string{"region_province", "region_city", "region_district", "under every level its region reaches"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("the OpenAPI document lacks %q", want)
		}
	}
}
