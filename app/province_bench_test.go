package app

import (
	"flag"
	"runtime"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/sqlite"
	"ipmatch/search"
)

// provinceStore names a store made by `ipmatch bench-data` (its --data
// directory); the province benchmarks skip without it. For example:
//
//	ipmatch bench-data --data /tmp/prov20k --enterprises 20000 --patents 200000
//	go test ./app -run '^$' -bench Province -benchtime 3x -province.store /tmp/prov20k
var provinceStore = flag.String("province.store", "", "the --data directory of an `ipmatch bench-data` store for the province benchmarks")

// openProvince opens the province store; the benchmarks only read it.
func openProvince(b *testing.B) data.Store {
	b.Helper()
	if *provinceStore == "" {
		b.Skip("no -province.store: make one with ipmatch bench-data")
	}
	s, err := sqlite.Open(b.Context(), *provinceStore, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkProvincePipeline times the pipeline operation of
// GET /products/{id}/pipeline on a province store, for the organizer and
// for a bank: "records" as a running node serves it (the ranking kept
// after the first call; "records_unkept" ranks every time), from its copy of the
// records brought up to date from the audit log (records.go); "reload",
// the baseline in the same run, as every request ran it before that copy
// existed, reading every enterprise and patent from the store (a fresh
// App each time, whose first pipeline loads them).
func BenchmarkProvincePipeline(b *testing.B) {
	store := openProvince(b)
	cfg := Config{AsOf: data.NewDate(2021, time.April, 23)}
	q := PipelineQuery{AsOf: cfg.AsOf, Limit: 50}
	for _, tc := range []struct {
		name string
		p    *Caller
	}{
		{"organizer", &Caller{Token: data.Token{Role: data.RoleOrganizer}}},
		{"bank", &Caller{Token: data.Token{Role: data.RoleBank, BankID: "bank_abc_zq"}}},
	} {
		b.Run(tc.name+"/reload", func(b *testing.B) {
			for b.Loop() {
				if _, _, err := New(store, cfg).Pipeline(b.Context(), tc.p, "prod_abc_kejie", q); err != nil {
					b.Fatal(err)
				}
			}
		})
		a := New(store, cfg)
		b.Run(tc.name+"/records", func(b *testing.B) {
			before := heapMiB()
			if _, _, err := a.Pipeline(b.Context(), tc.p, "prod_abc_kejie", q); err != nil { // loads the copy
				b.Fatal(err)
			}
			copyMiB := heapMiB() - before
			for b.Loop() {
				if _, _, err := a.Pipeline(b.Context(), tc.p, "prod_abc_kejie", q); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(copyMiB, "MiB-copy")
		})
		b.Run(tc.name+"/records_unkept", func(b *testing.B) { // ranked anew each time, as before rankings were kept
			for b.Loop() {
				a.rankings.entries = nil
				if _, _, err := a.Pipeline(b.Context(), tc.p, "prod_abc_kejie", q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// heapMiB returns the live heap after a collection, in MiB.
func heapMiB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// BenchmarkProvinceLandscape times the landscape (GET /api/v1/landscape)
// of the province (region 44), of one district (441204, 高要区) and of the
// district's equipment manufacturing (its owners in C33–C40) on a province
// store's index, as of the Gaoyao event's day. Each iteration drops what
// the index keeps (DropCaches), so every count is counted anew; the match
// state for the day is compiled before the timing, as a node keeps it
// (compiled.go). "financing" times the financing part alone (placing
// the enterprises in the clusters included), "clusters" the technology
// clusters alone (the sample read and factorised);
// "one_search" is the baseline in the same run: one exactly counted facet
// over the same patents. "districts_one_day" browses a city's eight
// districts with the index's kept counts, as an organizer does.
func BenchmarkProvinceLandscape(b *testing.B) {
	store := openProvince(b)
	idx, err := search.Open(b.Context(), *provinceStore+"/index", store, search.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { idx.Close() })
	a := New(store, Config{})
	p := &Caller{Token: data.Token{Role: data.RoleOrganizer}}
	day := data.NewDate(2021, 4, 23)
	if _, err := a.Landscape(b.Context(), p, idx, LandscapeRequest{Region: "441204", AsOf: day}); err != nil {
		b.Fatal(err) // loads and compiles the match state for the day
	}
	b.Run("districts_one_day/landscape", func(b *testing.B) {
		districts := []string{"441202", "441203", "441204", "441223", "441224", "441225", "441226", "441284"}
		i := 0
		for b.Loop() {
			if _, err := a.Landscape(b.Context(), p, idx, LandscapeRequest{Region: districts[i%len(districts)], AsOf: day}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	for _, req := range []LandscapeRequest{{Region: "44"}, {Region: "441204"}, {Region: "441204", Industry: "装备制造业"}} {
		req.AsOf = day
		name := req.Region
		if req.Industry != "" {
			name += "_equipment"
		}
		b.Run(name+"/landscape", func(b *testing.B) {
			var l *Landscape
			for b.Loop() {
				idx.DropCaches()
				if l, err = a.Landscape(b.Context(), p, idx, req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(l.Total), "patents")
			b.ReportMetric(float64(l.Financing.Total.Enterprises), "enterprises")
		})
		b.Run(name+"/financing", func(b *testing.B) {
			l, err := a.Landscape(b.Context(), p, idx, req)
			if err != nil {
				b.Fatal(err)
			}
			model, err := landscapeClusters(b.Context(), idx, l.request(l.Region))
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := a.landscapeFinancing(b.Context(), p, idx, l, model); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/clusters", func(b *testing.B) {
			l, err := a.Landscape(b.Context(), p, idx, req)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				idx.DropCaches()
				if _, err := landscapeClusters(b.Context(), idx, l.request(l.Region)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/one_search", func(b *testing.B) {
			for b.Loop() {
				idx.DropCaches()
				f := map[string]string{"region": req.Region, "filing_date": ".." + day.String()}
				if _, err := idx.Search(b.Context(), search.Patents, search.Request{Filters: f, Facets: []string{"ipc_subclass"}, ExactFacets: true, Size: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkProvinceReach times a bank's preview of a draft product
// (POST /products/reach) on a province store: the draft is its stored
// 科捷贷 with a revenue floor added, so the preview counts the draft, the
// stored product and each criterion dropped alone. "one_ranking" is the
// baseline in the same run: one pipeline ranked anew (unkept), what each
// of those counts cost before CountEligible, plus the explanation of
// every row the preview's Page(limit 0) then asked for.
func BenchmarkProvinceReach(b *testing.B) {
	store := openProvince(b)
	cfg := Config{AsOf: data.NewDate(2021, time.April, 23)}
	bank := &Caller{Token: data.Token{Role: data.RoleBank, BankID: "bank_abc_zq"}}
	a := New(store, cfg)
	q := PipelineQuery{AsOf: cfg.AsOf, Limit: 50}
	if _, _, err := a.Pipeline(b.Context(), bank, "prod_abc_kejie", q); err != nil { // loads the records and compiles the day
		b.Fatal(err)
	}
	stored, err := store.Products().Get(b.Context(), "prod_abc_kejie")
	if err != nil {
		b.Fatal(err)
	}
	draft := stored
	draft.MinRevenue = 20_000_000
	b.Run("one_ranking", func(b *testing.B) {
		for b.Loop() {
			a.rankings.entries = nil
			if _, _, err := a.Pipeline(b.Context(), bank, "prod_abc_kejie", q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reach", func(b *testing.B) {
		var out *ProductReach
		for b.Loop() {
			if out, err = a.ProductReach(b.Context(), bank, draft, cfg.AsOf); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(out.Criteria)+2), "counts")
		b.ReportMetric(float64(out.Eligible), "eligible")
		b.ReportMetric(float64(out.Seen), "seen")
	})
}
