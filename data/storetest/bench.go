package storetest

import (
	"slices"
	"testing"

	"ipmatch/data"
)

// The import benchmark: ImportSize patents from GeneratePatents(ImportSeed,
// ImportSize), put in batches of ImportBatch.
const (
	ImportSize  = 100_000
	ImportBatch = 1_000
	ImportSeed  = 20250601
)

// ImportPatents returns the patents of the import benchmark, as pointers
// ready for Table.Put.
func ImportPatents() []*data.Patent {
	ps := GeneratePatents(ImportSeed, ImportSize)
	ptrs := make([]*data.Patent, len(ps))
	for i := range ps {
		ptrs[i] = &ps[i]
	}
	return ptrs
}

// BenchmarkImport measures importing ImportSize generated patents through
// Table.Put in batches of ImportBatch into a store that open returns new
// and empty for each iteration, and reports patents/s. Opening the store
// and generating the patents are not timed.
func BenchmarkImport(b *testing.B, open func(b *testing.B) data.Store) {
	ps := ImportPatents()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		s := open(b)
		b.StartTimer()
		for batch := range slices.Chunk(ps, ImportBatch) {
			if _, err := s.Patents().Put(b.Context(), batch...); err != nil {
				b.Fatalf("Put: %v", err)
			}
		}
		b.StopTimer()
		if n, err := s.Patents().Count(b.Context()); err != nil || n != len(ps) {
			b.Fatalf("Count = %d, %v; want %d", n, err, len(ps))
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(len(ps)*b.N)/b.Elapsed().Seconds(), "patents/s")
}
