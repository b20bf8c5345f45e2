package app

import (
	"flag"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/sqlite"
)

// provinceStore names a store made by `ipmatch bench-data` (its --data
// directory); the province benchmarks skip without it. For example:
//
//	ipmatch bench-data --data /tmp/prov20k --enterprises 20000 --patents 200000
//	go test ./app -run '^$' -bench Province -benchtime 3x -province.store /tmp/prov20k
var provinceStore = flag.String("province.store", "", "the --data directory of an `ipmatch bench-data` store for the province benchmarks")

// provinceApp opens the province store read-only in spirit (the
// benchmarks only read) and returns an App on it.
func provinceApp(b *testing.B) *App {
	b.Helper()
	if *provinceStore == "" {
		b.Skip("no -province.store: make one with ipmatch bench-data")
	}
	s, err := sqlite.Open(b.Context(), *provinceStore, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return New(s, Config{AsOf: data.NewDate(2021, time.April, 23)})
}

// BenchmarkProvincePipeline times GET /products/{id}/pipeline's operation
// on a province store, for the organizer and for a bank, as the request
// runs it today: every enterprise, patent, pool and appraisal read from
// the store and every fact derived again.
func BenchmarkProvincePipeline(b *testing.B) {
	a := provinceApp(b)
	for _, tc := range []struct {
		name string
		p    *Caller
	}{
		{"organizer", &Caller{Token: data.Token{Role: data.RoleOrganizer}}},
		{"bank", &Caller{Token: data.Token{Role: data.RoleBank, BankID: "bank_abc_zq"}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := a.Pipeline(b.Context(), tc.p, "prod_abc_kejie", PipelineQuery{AsOf: a.Today(), Limit: 50}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
