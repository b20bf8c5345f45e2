package app

import (
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/data/memstore"
	"ipmatch/matcher"
	"ipmatch/search"
)

// cnipaIndex returns a store holding the real CNIPA sample
// (data/testdata: 199 road, rail, bridge and waterway patents) and its
// search index, both in temporary places.
func cnipaIndex(t testing.TB) (data.Store, *search.Index) {
	t.Helper()
	s := memstore.New()
	f, err := os.Open("../data/testdata/cnipa_biblio_export_199.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := data.Import(t.Context(), s, f, data.ImportOptions{Kind: "patents", Format: data.FormatCNIPACSV}); err != nil {
		t.Fatal(err)
	}
	idx, err := search.Open(t.Context(), t.TempDir(), s, search.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return s, idx
}

// TestLandscapeClustersOfTheCNIPASample clusters the real CNIPA sample
// and checks what a report's reader relies on: the same clusters from
// another index of the same patents; names of words the examples' titles
// and the cluster's texts hold, never of set phrases; patents that share
// their cluster's words more than other clusters' patents do; counts that
// add up; and patents placed by Assign where they were clustered.
func TestLandscapeClustersOfTheCNIPASample(t *testing.T) {
	store, idx := cnipaIndex(t)
	_, other := cnipaIndex(t)
	asOf := map[string]string{"filing_date": "..2026-01-01"}
	m, err := landscapeClusters(t.Context(), idx, search.Request{Filters: asOf})
	if err != nil {
		t.Fatal(err)
	}
	again, err := landscapeClusters(t.Context(), other, search.Request{Filters: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Clusters, again.Clusters) {
		t.Errorf("two indexes of the same patents give different clusters:\n%+v\n%+v", m.Clusters, again.Clusters)
	}
	patents, _, err := store.Patents().List(t.Context(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Sampled != len(patents) || m.Total != len(patents) {
		t.Fatalf("%d patents sampled of %d, the store has %d", m.Sampled, m.Total, len(patents))
	}
	if n := len(m.Clusters); n < 3 || n > matcher.TopicCount(len(patents)) {
		t.Fatalf("%d clusters, want 3 to %d: %+v", n, matcher.TopicCount(len(patents)), m.Clusters)
	}

	text := map[string]string{}
	for _, p := range patents {
		text[p.ApplicationNumber] = p.Title + "\n" + p.Abstract
	}
	members := make([][]string, len(m.Clusters))
	for _, p := range patents {
		if c, ok := m.ClusterOf(p.ApplicationNumber); ok {
			members[c] = append(members[c], p.ApplicationNumber)
		}
	}
	sampled := 0
	for ci, c := range m.Clusters {
		t.Logf("%s %q: %d patents (%.1f%%), e.g. %v", c.Name, c.Terms, c.Count, 100*c.Share, c.Examples)
		if c.Name == "" || len(c.Terms) < 3 || !strings.HasPrefix(c.Name, c.Terms[0]) {
			t.Errorf("cluster %d: name %q, terms %q", ci, c.Name, c.Terms)
		}
		// Real words: each term is in several of the cluster's texts, and
		// some word of the name in an example's title.
		for _, term := range c.Terms {
			in := 0
			for _, id := range members[ci] {
				if strings.Contains(text[id], term) {
					in++
				}
			}
			if in < 2 {
				t.Errorf("cluster %s: the term %q is in %d of its patents' texts", c.Name, term, in)
			}
		}
		named := false
		for _, e := range c.Examples {
			for _, w := range strings.Split(c.Name, "、") {
				named = named || strings.Contains(e.Title, w)
			}
			if got, ok := m.ClusterOf(e.ID); !ok || got != ci {
				t.Errorf("cluster %s: example %s (%s) is in cluster %d", c.Name, e.ID, e.Title, got)
			}
		}
		if !named || len(c.Examples) == 0 || len(c.Examples) > 3 {
			t.Errorf("cluster %s: no word of the name is in the examples' titles %v", c.Name, c.Examples)
		}
		// Set phrases never name a cluster.
		for _, b := range []string{"一种", "本发", "发明", "实用", "用新", "新型", "涉及", "包括", "所述", "设有", "其特", "特征", "征在", "在于", "本实", "技术", "领域", "方法"} {
			if strings.Contains(strings.Join(c.Terms, " "), b) {
				t.Errorf("cluster %s: the terms %q hold the set phrase's %q", c.Name, c.Terms, b)
			}
		}
		// Cohesion: the cluster's patents hold more of its terms than the
		// other clusters' patents do, on average.
		share := func(ids []string) float64 {
			held := 0
			for _, id := range ids {
				for _, term := range c.Terms {
					if strings.Contains(text[id], term) {
						held++
					}
				}
			}
			return float64(held) / float64(len(ids)*len(c.Terms))
		}
		var others []string
		for cj, ids := range members {
			if cj != ci {
				others = append(others, ids...)
			}
		}
		if in, out := share(members[ci]), share(others); in <= 1.5*out {
			t.Errorf("cluster %s: its patents hold %.0f%% of its terms, the others' %.0f%%", c.Name, 100*in, 100*out)
		}
		if c.Sampled != len(members[ci]) || c.Count != c.Sampled || c.Share != round4(float64(c.Sampled)/float64(len(patents))) {
			t.Errorf("cluster %s: sampled %d, count %d, share %v; it holds %d of %d", c.Name, c.Sampled, c.Count, c.Share, len(members[ci]), len(patents))
		}
		if ci > 0 && c.Sampled > m.Clusters[ci-1].Sampled {
			t.Errorf("cluster %s is larger than the one before it", c.Name)
		}
		sampled += c.Sampled
	}
	if sampled > len(patents) || sampled < len(patents)*9/10 {
		t.Errorf("the clusters hold %d of %d patents", sampled, len(patents))
	}

	// Placing texts: each patent by its title (twice, as fitted) and
	// abstract where it was clustered; an enterprise's titles (here a
	// cluster's examples) in that cluster.
	same, placed := 0, 0
	for _, p := range patents {
		want, ok := m.ClusterOf(p.ApplicationNumber)
		if !ok {
			continue
		}
		placed++
		if got, ok := m.Assign(p.Title, p.Title, p.Abstract); ok && got == want {
			same++
		}
	}
	if same < placed*9/10 {
		t.Errorf("Assign placed %d of %d patents where they were clustered", same, placed)
	}
	for ci, c := range m.Clusters {
		var titles []string
		for _, e := range c.Examples {
			titles = append(titles, e.Title)
		}
		if got, ok := m.Assign(titles...); !ok || got != ci {
			t.Errorf("the titles of cluster %s's examples placed in %d (%v)", c.Name, got, ok)
		}
	}
}

// TestLandscapeClustersNeedEnoughPatents checks that a landscape of few
// patents has no clusters, though its sample and total are counted, and
// that the filters' mistakes are the search's.
func TestLandscapeClustersNeedEnoughPatents(t *testing.T) {
	store, idx := cnipaIndex(t)
	patents, _, err := store.Patents().List(t.Context(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := 0 // the patents with a code in E02D (foundations), a handful
	for _, p := range patents {
		if slices.ContainsFunc(p.IPC, func(c string) bool { return strings.HasPrefix(c, "E02D") }) {
			want++
		}
	}
	if want == 0 || want >= matcher.MinTopicDocs {
		t.Fatalf("%d patents in E02D; the test needs a few", want)
	}
	m, err := landscapeClusters(t.Context(), idx, search.Request{Filters: map[string]string{"ipc": "E02D"}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Total != want || m.Sampled != want || m.Clusters == nil || len(m.Clusters) != 0 {
		t.Errorf("E02D: %d of %d sampled, clusters %+v; want %d of %[4]d and none", m.Sampled, m.Total, m.Clusters, want)
	}
	if c, ok := m.Assign("一种地基处理装置"); ok {
		t.Errorf("placed in %d with no clusters", c)
	}
	none, err := landscapeClusters(t.Context(), idx, search.Request{Filters: map[string]string{"filing_date": "..1990-01-01"}})
	if err != nil || none.Total != 0 || len(none.Clusters) != 0 {
		t.Errorf("before any filing: %+v, %v", none, err)
	}
	if _, err := landscapeClusters(t.Context(), idx, search.Request{Filters: map[string]string{"ipc": "not a code"}}); data.ErrorCode(err) == "" ||
		!slices.ContainsFunc(data.ErrorFields(err), func(f data.FieldError) bool { return f.Field == "ipc" }) {
		t.Errorf("a bad IPC filter: %v, want an error naming ipc", err)
	}
}

// BenchmarkLandscapeClusters times the clusters of the CNIPA sample
// (199 patents): the sample read from the index, then the factorisation.
func BenchmarkLandscapeClusters(b *testing.B) {
	_, idx := cnipaIndex(b)
	for b.Loop() {
		if _, err := landscapeClusters(b.Context(), idx, search.Request{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProvinceClusters times the technology clusters of a landscape
// on a province store's index (see openProvince), for the province (44)
// and one district (441204), in parts: "sample" reads the sample of
// landscapeSample patents' texts (search.Index.SamplePatents), "fit"
// clusters a sample already read (matcher.FitTopics, cutting the texts
// included), "clusters" does both, as a landscape would.
func BenchmarkProvinceClusters(b *testing.B) {
	store := openProvince(b)
	idx, err := search.Open(b.Context(), *provinceStore+"/index", store, search.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { idx.Close() })
	for _, region := range []string{"44", "441204"} {
		filters := map[string]string{"region": region, "filing_date": "..2021-04-23"}
		var sample *search.PatentSample
		b.Run(region+"/sample", func(b *testing.B) {
			for b.Loop() {
				if sample, err = idx.SamplePatents(b.Context(), search.Request{Filters: filters}, landscapeSample); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(sample.Total), "patents")
			b.ReportMetric(float64(len(sample.Patents)), "sampled")
		})
		b.Run(region+"/fit", func(b *testing.B) {
			if sample == nil { // "sample" did not run
				if sample, err = idx.SamplePatents(b.Context(), search.Request{Filters: filters}, landscapeSample); err != nil {
					b.Fatal(err)
				}
			}
			docs := make([]matcher.TopicDoc, len(sample.Patents))
			for i, p := range sample.Patents {
				docs[i] = matcher.TopicDoc{ID: p.ID, Title: p.Title, Abstract: p.Abstract}
			}
			var m *matcher.TopicModel
			for b.Loop() {
				if m, err = matcher.FitTopics(b.Context(), docs, sample.Total, matcher.TopicOptions{Terms: search.ContentTerms}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(m.Clusters)), "clusters")
			b.ReportMetric(float64(m.Iterations), "iterations")
			for _, c := range m.Clusters {
				b.Logf("%s %q %d (%.1f%%) e.g. %v", c.Name, c.Terms, c.Count, 100*c.Share, c.Examples)
			}
		})
		b.Run(region+"/clusters", func(b *testing.B) {
			for b.Loop() {
				if _, err := landscapeClusters(b.Context(), idx, search.Request{Filters: filters}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestLandscapeFinancingByCluster checks the financing part's clusters on
// the demo's Gaoyao landscape (高要区 × 装备制造业 as of the event day)
// against a placement made apart: each enterprise in the financing part,
// placed by model.Assign with the index's own cut (search.ContentTerms) of
// the titles of its patents in the landscape's scope, falls in the
// cluster the report counts it under; and the clusters' sums with the
// unclustered add up to the total.
func TestLandscapeFinancingByCluster(t *testing.T) {
	ctx := t.Context()
	s := memstore.New()
	if err := demo.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	idx, err := search.Open(ctx, t.TempDir(), s, search.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	a := New(s, Config{})
	org := &Caller{Token: data.Token{Role: data.RoleOrganizer}}
	l, err := a.Landscape(ctx, org, idx, LandscapeRequest{Region: "441204", Industry: "装备制造业", AsOf: data.NewDate(2021, 4, 23)})
	if err != nil {
		t.Fatal(err)
	}
	fin := l.Financing
	if len(l.Clusters) < 2 || len(fin.ByCluster) != len(l.Clusters) {
		t.Fatalf("%d clusters, %d financing rows by cluster: the district's %d patents should make clusters", len(l.Clusters), len(fin.ByCluster), l.Total)
	}
	sum := fin.Unclustered
	for i, c := range fin.ByCluster {
		if c.Cluster != l.Clusters[i].Name {
			t.Errorf("financing row %d is of %q, cluster %d is %q", i, c.Cluster, i, l.Clusters[i].Name)
		}
		sum.Enterprises += c.Enterprises
		sum.Pledgeable += c.Pledgeable
		sum.PledgeablePatents += c.PledgeablePatents
		sum.AppraisedValue += c.AppraisedValue
		sum.Borrowers += c.Borrowers
		sum.SupportableLoans += c.SupportableLoans
		sum.WithNeed += c.WithNeed
		sum.Needs += c.Needs
		sum.Gap += c.Gap
	}
	if sum != fin.Total {
		t.Errorf("clusters and unclustered sum to %+v, the total is %+v", sum, fin.Total)
	}

	// The placement made apart, with the model the report was made with
	// (the same index gives the same sample and the same clusters).
	model, err := landscapeClusters(ctx, idx, l.request(l.Region))
	if err != nil {
		t.Fatal(err)
	}
	inScope, err := patentScope(l)
	if err != nil {
		t.Fatal(err)
	}
	ents, err := All(ctx, s.Enterprises(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	trades := strings.Split(l.Industry, ",")
	want := make([]int, len(l.Clusters))
	unplaced, inLandscape := 0, 0
	placedIDs := map[int][]string{} // by cluster
	for i := range ents {
		e := &ents[i]
		if !data.RegionWithin(e.Region, l.Region) || !slices.ContainsFunc(trades, func(c string) bool { return data.IndustryWithin(e.Industry, c) }) {
			continue
		}
		pats, err := All(ctx, s.Patents(), data.ListOptions{Refs: data.Refs{Enterprise: e.ID}})
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for j := range pats {
			if inScope(&pats[j]) {
				titles = append(titles, pats[j].Title)
			}
		}
		if len(titles) == 0 {
			continue
		}
		inLandscape++
		if c, ok := model.Assign(titles...); ok {
			want[c]++
			placedIDs[c] = append(placedIDs[c], e.ID)
		} else {
			unplaced++
		}
	}
	for i, c := range fin.ByCluster {
		if c.Enterprises != want[i] {
			t.Errorf("cluster %d (%s): %d enterprises, placed apart %d", i, c.Cluster, c.Enterprises, want[i])
		}
	}
	if fin.Unclustered.Enterprises != unplaced || inLandscape != fin.Total.Enterprises {
		t.Errorf("%d unclustered of %d; placed apart %d of %d", fin.Unclustered.Enterprises, fin.Total.Enterprises, unplaced, inLandscape)
	}
	placedIn := 0
	for _, n := range want {
		if n > 0 {
			placedIn++
		}
	}
	if placedIn < 2 {
		t.Errorf("the enterprises fall in %d clusters: the test shows nothing of the placement", placedIn)
	}
	t.Logf("%d clusters of %d sampled patents; enterprises by cluster %v, unclustered %d", len(l.Clusters), l.ClusterSample, want, unplaced)
	if fin.ClusterPlaced != inLandscape || fin.ClusterRate != 1 {
		t.Errorf("%d enterprises placed at the rate %v; all %d should be", fin.ClusterPlaced, fin.ClusterRate, inLandscape)
	}

	// Above maxClusterPlaced, a sample is placed: the enterprises whose
	// sampleUnit falls below the rate, each cluster's sums scaled by the
	// inverse of the rate.
	defer func(n int) { maxClusterPlaced = n }(maxClusterPlaced)
	maxClusterPlaced = 12
	sampled, err := a.Landscape(ctx, org, idx, LandscapeRequest{Region: "441204", Industry: "装备制造业", AsOf: data.NewDate(2021, 4, 23)})
	if err != nil {
		t.Fatal(err)
	}
	sf := sampled.Financing
	if sf.ClusterRate >= 1 || sf.ClusterRate <= 0 || sf.Total != fin.Total {
		t.Fatalf("rate %v, total %+v; want a sample, the total as before", sf.ClusterRate, sf.Total)
	}
	wantSampled := make([]int, len(l.Clusters))
	placedSample := 0
	for c, ids := range placedIDs {
		for _, id := range ids {
			if sampleUnit(id) < sf.ClusterRate {
				wantSampled[c]++
				placedSample++
			}
		}
	}
	if sf.ClusterPlaced != placedSample || placedSample == 0 || placedSample >= inLandscape {
		t.Errorf("%d enterprises placed of %d; the sample by ID holds %d", sf.ClusterPlaced, inLandscape, placedSample)
	}
	for i, c := range sf.ByCluster {
		if w := int(math.Round(float64(wantSampled[i]) / sf.ClusterRate)); c.Enterprises != w {
			t.Errorf("cluster %d: an estimate of %d enterprises, the sample's %d scaled %d", i, c.Enterprises, wantSampled[i], w)
		}
	}
}

// TestSampleUnitSpreads checks that the IDs of generated enterprises,
// which differ in their last digits, spread evenly over [0, 1): a sample
// of a share of them holds about that share.
func TestSampleUnitSpreads(t *testing.T) {
	const n = 100_000
	below := [4]int{}
	for i := range n {
		u := sampleUnit(fmt.Sprintf("ent_%06d", i))
		if u < 0 || u >= 1 {
			t.Fatalf("sampleUnit = %v", u)
		}
		below[int(u*4)]++
	}
	for q, c := range below {
		if c < n/4-1000 || c > n/4+1000 { // ±6.5 standard deviations
			t.Errorf("quarter %d holds %d of %d IDs", q, c, n)
		}
	}
}
