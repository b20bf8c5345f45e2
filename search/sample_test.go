package search

import (
	"bytes"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"ipmatch/data"
)

// TestSamplePatents checks the sample against the store: the total is
// Search's, every patent sampled matches the filters and carries its
// stored title and abstract, a sample of all is all, a smaller one is
// spread over the hits and the same twice.
func TestSamplePatents(t *testing.T) {
	s, x := shared(t)
	ctx := t.Context()
	stored := map[string]data.Patent{}
	var roads []string // the CNIPA sample's road patents (E01C), by the store
	for _, p := range allPatents(t, s) {
		stored[p.ApplicationNumber] = p
		if slices.ContainsFunc(p.IPC, func(c string) bool { return strings.HasPrefix(c, "E01C") }) {
			roads = append(roads, p.ApplicationNumber)
		}
	}
	if len(roads) < 30 {
		t.Fatalf("only %d E01C patents in the test data", len(roads))
	}
	req := Request{Filters: map[string]string{"ipc": "E01C"}}

	all, err := x.SamplePatents(ctx, req, MaxSample)
	if err != nil {
		t.Fatal(err)
	}
	if all.Total != len(roads) || len(all.Patents) != len(roads) {
		t.Fatalf("sample of all: total %d, %d patents; the store has %d", all.Total, len(all.Patents), len(roads))
	}
	got := make([]string, len(all.Patents))
	for i, p := range all.Patents {
		got[i] = p.ID
		want := stored[p.ID]
		if p.Title != want.Title || p.Abstract != want.Abstract {
			t.Errorf("%s: sampled %q / %.20q…, stored %q / %.20q…", p.ID, p.Title, p.Abstract, want.Title, want.Abstract)
		}
	}
	slices.Sort(got)
	slices.Sort(roads)
	if !slices.Equal(got, roads) {
		t.Errorf("sample of all holds %v, the store %v", got, roads)
	}
	if res := find(t, x, Patents, Request{Filters: req.Filters, Size: 1}); res.Total != all.Total {
		t.Errorf("sample total %d, search total %d", all.Total, res.Total)
	}
	// PatentIDs lists the same patents, words and all: every road patent
	// whose text has 路面, by the store's texts.
	ids, err := x.PatentIDs(ctx, req)
	if slices.Sort(ids); err != nil || !slices.Equal(ids, roads) {
		t.Errorf("PatentIDs = %v, %v; the store %v", ids, err, roads)
	}
	var paved []string
	for _, id := range roads {
		if p := stored[id]; strings.Contains(p.Title+p.Abstract, "路面") {
			paved = append(paved, id)
		}
	}
	ids, err = x.PatentIDs(ctx, Request{Query: "路面", Filters: req.Filters})
	if slices.Sort(ids); err != nil || !slices.Equal(ids, paved) || len(paved) == 0 || len(paved) == len(roads) {
		t.Errorf("PatentIDs of 路面 = %v, %v; the store %v", ids, err, paved)
	}
	if _, err := x.PatentIDs(ctx, Request{Query: `"路面`}); data.ErrorCode(err) != data.CodeMalformed {
		t.Errorf("PatentIDs of an unclosed quote: %v, want malformed", err)
	}

	// Every third hit or so: ten distinct patents spread over the hits in
	// the index's order, the same twice.
	ten, err := x.SamplePatents(ctx, req, 10)
	if err != nil {
		t.Fatal(err)
	}
	again, err := x.SamplePatents(ctx, req, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ten.Patents) != 10 || ten.Total != all.Total {
		t.Fatalf("sample of 10: %d patents of %d", len(ten.Patents), ten.Total)
	}
	if !slices.Equal(ten.Patents, again.Patents) {
		t.Errorf("two samples differ:\n%v\n%v", ten.Patents, again.Patents)
	}
	order := make([]string, len(all.Patents)) // all, in the index's order
	for i, p := range all.Patents {
		order[i] = p.ID
	}
	for i, p := range ten.Patents {
		want := order[(2*i+1)*len(order)/20]
		if p.ID != want {
			t.Errorf("sample of 10, patent %d: %s, want %s (rank %d of %d)", i, p.ID, want, (2*i+1)*len(order)/20, len(order))
		}
	}

	// A query and a scope restrict the sample as they restrict a search.
	words, err := x.SamplePatents(ctx, Request{Query: "压路机", Filters: req.Filters}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if words.Total == 0 || words.Total >= all.Total || len(words.Patents) != words.Total {
		t.Errorf("压路机 within E01C: %d of %d, %d sampled", words.Total, all.Total, len(words.Patents))
	}
	for _, p := range words.Patents {
		if !strings.Contains(p.Title+p.Abstract, "压路机") {
			t.Errorf("%s (%s) sampled for 压路机", p.ID, p.Title)
		}
	}
	none, err := x.SamplePatents(ctx, Request{Filters: req.Filters, Scope: Scope{Restricted: true}}, 10)
	if err != nil || none.Total != 0 || none.Patents == nil || len(none.Patents) != 0 {
		t.Errorf("a scope of nothing: %+v, %v", none, err)
	}
}

// TestSamplePatentsRefuses checks the mistakes a sample refuses, each a
// malformed error naming what to change.
func TestSamplePatentsRefuses(t *testing.T) {
	_, x := shared(t)
	for _, c := range []struct {
		name  string
		req   Request
		n     int
		field string
	}{
		{"no sample", Request{}, 0, "sample"},
		{"too large", Request{}, MaxSample + 1, "sample"},
		{"facets", Request{Facets: []string{"type"}}, 10, "facets"},
		{"sort", Request{Sort: []string{"-filing_date"}}, 10, "sort"},
		{"page", Request{Size: 10}, 10, "page"},
		{"unknown filter", Request{Filters: map[string]string{"colour": "red"}}, 10, "colour"},
		{"bad filter value", Request{Filters: map[string]string{"filing_date": "yesterday"}}, 10, "filing_date"},
		{"bad query", Request{Query: "(液压"}, 10, "q"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := x.SamplePatents(t.Context(), c.req, c.n)
			if data.ErrorCode(err) != data.CodeMalformed || !slices.ContainsFunc(data.ErrorFields(err), func(f data.FieldError) bool { return f.Field == c.field }) {
				t.Errorf("got %v, want a malformed error about %s", err, c.field)
			}
		})
	}
}

// TestTextTermsAreTheIndexTerms checks that TextTerms cuts a title into
// the terms the index holds for it: each finds the patent in its title
// field, and the bigrams are the expected ones. ContentTerms leaves out
// the set phrases and the bigrams joining them to the subject.
func TestTextTermsAreTheIndexTerms(t *testing.T) {
	s, x := shared(t)
	checked := 0
	for _, p := range allPatents(t, s)[:40] {
		terms := TextTerms(p.Title)
		if len(terms) == 0 {
			t.Errorf("%s: no terms in %q", p.ApplicationNumber, p.Title)
		}
		for _, tm := range terms {
			tq := query.NewTermQuery(tm)
			tq.SetField("title")
			q := query.NewConjunctionQuery([]query.Query{query.NewDocIDQuery([]string{p.ApplicationNumber}), tq})
			res, err := x.kinds[Patents].bi.Search(bleve.NewSearchRequest(q))
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != 1 {
				t.Errorf("%s: the index has no title term %q of %q", p.ApplicationNumber, tm, p.Title)
			}
			checked++
		}
	}
	if checked < 100 {
		t.Errorf("only %d terms checked", checked)
	}
	if got, want := TextTerms("一种数控机床，ＰＬＣ控制"), []string{"一种", "种数", "数控", "控机", "机床", "plc", "控制"}; !slices.Equal(got, want) {
		t.Errorf("TextTerms: %q, want %q", got, want)
	}
	got := ContentTerms("本实用新型公开了一种钢筋混凝土轨枕，其特征在于：所述轨枕本体")
	for _, bad := range []string{"一种", "种钢", "实用", "公开", "所述", "述轨", "特征"} {
		if slices.Contains(got, bad) {
			t.Errorf("ContentTerms kept %q: %q", bad, got)
		}
	}
	for _, good := range []string{"钢筋", "混凝", "轨枕", "本体"} {
		if !slices.Contains(got, good) {
			t.Errorf("ContentTerms lost %q: %q", good, got)
		}
	}
}

// BenchmarkSamplePatents times samples of 2,000 patents' texts from the
// generated patents (-bench.n, 100,000 by default; -bench.dir keeps the
// index): of all of them, of a city's (肇庆, 4412) filed by a date, as a
// landscape asks, and of those with a word.
func BenchmarkSamplePatents(b *testing.B) {
	x := benchIndex(b)
	for _, c := range []struct {
		name string
		req  Request
	}{
		{"all", Request{}},
		{"city_by_date", Request{Filters: map[string]string{"region": "4412", "filing_date": "..2021-04-23"}}},
		{"word", Request{Query: "液压"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var s *PatentSample
			var err error
			for b.Loop() {
				if s, err = x.SamplePatents(b.Context(), c.req, 2000); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(s.Total), "patents")
			b.ReportMetric(float64(len(s.Patents)), "sampled")
		})
	}
}

// TestEachContentTermIsContentTerms holds the quick cut to the index's:
// on every title and abstract of the CNIPA sample and on texts of every
// kind of character, EachContentTerm yields ContentTerms' terms in order.
func TestEachContentTermIsContentTerms(t *testing.T) {
	s := openStore(t)
	b, err := os.ReadFile(cnipaFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := data.Import(t.Context(), s, bytes.NewReader(b), data.ImportOptions{Kind: "patents", Format: "cnipa-csv"}); err != nil {
		t.Fatal(err)
	}
	texts := []string{
		"", "机", "一种用于数控机床的自动换刀装置", "的 装置、床", "一种RV减速器", "LED灯具（一种） 散热器,其特征在于所述壳体",
		"１２３全角ＡＢＣ和汉字", "焊枪（JG-2990）", "カタカナ和汉字", "温度≥50℃的炉", "齿轮箱；其特征在于：所述齿轮",
		"数控机床防护罩（SK6958）", "RV减速器", "机", "ABC123def 机床x", "a.b", "3,5", "3.5MPa", "x_y", "it's", "e·g", "v1.2版",
		"齿轮. 箱", "SK-1,箱", "A;B", "。A", "A。", "机A机", "1机", "A，B", "3，5", "A：B", "型号：SK1，用于", "A．B", "A＿B", "x\u2027y",
	}
	for _, p := range allPatents(t, s) {
		texts = append(texts, p.Title, p.Abstract)
	}
	terms := 0
	for _, text := range texts {
		want := ContentTerms(text)
		got := slices.Collect(EachContentTerm(text))
		if !slices.Equal(got, want) {
			t.Fatalf("EachContentTerm(%q) = %q, ContentTerms %q", text, got, want)
		}
		terms += len(got)
	}
	if terms < 10_000 {
		t.Fatalf("only %d terms in %d texts: the sample did not load", terms, len(texts))
	}
}

// BenchmarkEachContentTerm compares the quick cut of a patent title with
// the index's (ContentTerms), the baseline in the same run.
func BenchmarkEachContentTerm(b *testing.B) {
	const title = "一种用于数控机床的自动换刀装置及其控制方法"
	b.Run("each_content_term", func(b *testing.B) {
		for b.Loop() {
			for range EachContentTerm(title) {
			}
		}
	})
	b.Run("content_terms", func(b *testing.B) {
		for b.Loop() {
			ContentTerms(title)
		}
	})
}

// TestCountOnly checks that a count-only search answers what the full
// search does, the total and every facet, for words, filters and none,
// exactly and sampled (FacetSample), without hits.
func TestCountOnly(t *testing.T) {
	_, x := shared(t)
	for _, req := range []Request{
		{Facets: []string{"ipc_subclass", "filing_year"}, ExactFacets: true},
		{Query: "路面", Facets: []string{"type"}, ExactFacets: true},
		{Filters: map[string]string{"ipc": "E01C,E01D"}, Facets: []string{"status", "ipc_group"}},
		{Facets: []string{"filing_year"}, FacetSample: 50},
	} {
		full := find(t, x, Patents, req)
		req.CountOnly = true
		counted := find(t, x, Patents, req)
		if counted.Total != full.Total || full.Total == 0 || len(counted.Hits) != 0 || !reflect.DeepEqual(counted.Facets, full.Facets) {
			t.Errorf("%+v: count only %d hits, %d listed, facets %v; the search %d, facets %v", req, counted.Total, len(counted.Hits), counted.Facets, full.Total, full.Facets)
		}
	}
}
