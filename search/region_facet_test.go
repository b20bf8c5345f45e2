package search

import (
	"bytes"
	"context"
	"os"
	"slices"
	"testing"

	"ipmatch/data"
)

// regionFacets are the region facets of patents and enterprises, the
// three levels first and then their former names.
var regionFacets = []string{"region_province", "region_city", "region_district", "region", "city"}

// TestRegionFacetsCNIPA counts the 199 real CNIPA records by region. 67 of
// them name only a city (62), only a province (香港 twice, 台湾) or
// no Chinese region at all (2 foreign): before the levels, the region
// facet counted all 67 as missing. Now a record counts under every level
// its address reaches, and each level's counts sum to the hits.
func TestRegionFacetsCNIPA(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	b, err := os.ReadFile(cnipaFile)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := data.Import(ctx, s, bytes.NewReader(b), data.ImportOptions{Kind: "patents", Format: "cnipa-csv"})
	if err != nil || rep.Imported != 199 {
		t.Fatalf("import: %v, %+v", err, rep)
	}
	x := openIndex(t, s, "")
	res := find(t, x, Patents, Request{Facets: regionFacets, ExactFacets: true})
	if res.Total != 199 {
		t.Fatalf("%d hits, want 199", res.Total)
	}
	checkFacetSums(t, res, regionFacets...)

	// What each level should count, from the records themselves.
	want := map[string]map[string]int{"region_province": {}, "region_city": {}, "region_district": {}}
	for _, p := range allPatents(t, s) {
		prov, city, county := regionLevels(p.Region)
		for name, code := range map[string]string{"region_province": prov, "region_city": city, "region_district": county} {
			if code != "" {
				want[name][code]++
			}
		}
	}
	for name, counts := range want {
		f := res.Facets[name]
		sum := 0
		for _, n := range counts {
			sum += n
		}
		if f.Total != sum || f.Missing != 199-sum {
			t.Errorf("%s: total %d, missing %d; want %d and %d", name, f.Total, f.Missing, sum, 199-sum)
		}
		for _, v := range f.Values {
			if v.Count != counts[v.Value] {
				t.Errorf("%s %s %s: %d, want %d", name, v.Value, v.Label, v.Count, counts[v.Value])
			}
		}
	}
	// The figures of the issue: 67 missing by district, 5 by city, 2 by
	// province (the foreign addresses).
	for name, missing := range map[string]int{"region_district": 67, "region": 67, "region_city": 5, "city": 5, "region_province": 2} {
		if got := res.Facets[name].Missing; got != missing {
			t.Errorf("%s: %d missing, want %d", name, got, missing)
		}
	}
	// A city counts its districts' records and those that name only the city.
	for _, c := range res.Facets["region_city"].Values {
		inDistricts := 0
		for code, n := range want["region_district"] {
			if code[:4] == c.Value {
				inDistricts += n
			}
		}
		if c.Count < inDistricts {
			t.Errorf("city %s %s counts %d, fewer than its districts' %d", c.Value, c.Label, c.Count, inDistricts)
		}
	}
	// The former names answer as before, with the new labels.
	if !slices.Equal(res.Facets["region"].Values, res.Facets["region_district"].Values) ||
		!slices.Equal(res.Facets["city"].Values, res.Facets["region_city"].Values) {
		t.Errorf("region/city differ from region_district/region_city")
	}
	// Labels carry the city: 北京市朝阳区, and the city 1101 (市辖区) is 北京市.
	for name, wantLabel := range map[string]map[string]string{
		"region_district": {"110105": "北京市朝阳区", "371502": "聊城市东昌府区"},
		"region_city":     {"1101": "北京市", "3101": "上海市", "4201": "武汉市"},
		"region_province": {"11": "北京市", "81": "香港特别行政区", "71": "台湾省"},
	} {
		for code, label := range wantLabel {
			if v := facetValue(res.Facets[name], code); v.Label != label || v.Count == 0 {
				t.Errorf("%s %s: %+v, want label %s", name, code, v, label)
			}
		}
	}
}

// TestRegionFacetsEnterprises: enterprises have the same three levels.
func TestRegionFacetsEnterprises(t *testing.T) {
	_, x := shared(t)
	res := find(t, x, Enterprises, Request{Facets: regionFacets, ExactFacets: true})
	checkFacetSums(t, res, regionFacets...)
	if v := facetValue(res.Facets["region_city"], "4412"); v.Count == 0 || v.Label != "肇庆市" {
		t.Errorf("region_city lacks 4412 肇庆市: %+v", res.Facets["region_city"])
	}
	if v := facetValue(res.Facets["region_district"], "441204"); v.Count == 0 || v.Label != "肇庆市高要区" {
		t.Errorf("region_district lacks 441204 肇庆市高要区: %+v", res.Facets["region_district"])
	}
	if p, c := facetValue(res.Facets["region_province"], "44"), facetValue(res.Facets["region_city"], "4412"); p.Count < c.Count {
		t.Errorf("province 44 counts %d, fewer than its city 4412's %d", p.Count, c.Count)
	}
}

// TestRegionFacetsSampled: the province facet, new, is estimated on a
// sample like the others (see TestFacetSampling for the settings).
func TestRegionFacetsSampled(t *testing.T) {
	_, x := shared(t)
	limit, sample, window := facetExactLimit, facetSample, facetWindow
	t.Cleanup(func() { facetExactLimit, facetSample, facetWindow = limit, sample, window })
	facetExactLimit, facetSample, facetWindow = 100, 400, 1
	x.facetCache.clear()
	t.Cleanup(x.facetCache.clear)
	names := []string{"region_province", "region_city"}
	exact := find(t, x, Patents, Request{Facets: names, ExactFacets: true})
	sampled := find(t, x, Patents, Request{Facets: names})
	for _, name := range names {
		e, s := exact.Facets[name], sampled.Facets[name]
		if e.Sampled || !s.Sampled {
			t.Fatalf("%s: exact sampled %v, sampled sampled %v", name, e.Sampled, s.Sampled)
		}
		for _, v := range e.Values[:min(3, len(e.Values))] {
			got := facetValue(s, v.Value)
			if tol := max(25, v.Count/4); abs(got.Count-v.Count) > tol || got.Label != v.Label {
				t.Errorf("%s %s: sampled %+v, exact %+v", name, v.Value, got, v)
			}
		}
	}
}
