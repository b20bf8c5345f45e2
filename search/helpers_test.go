package search

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/data/sqlite"
)

// cnipaFile is the real CNIPA export kept with the data package's tests.
const cnipaFile = "../data/testdata/cnipa_biblio_export_199.csv"

// openStore opens a fresh embedded store in a temporary directory.
func openStore(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), t.TempDir(), nil)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// loadDemo imports the demo dataset (and, with cnipa, the real CNIPA
// records) into s.
func loadDemo(ctx context.Context, s data.Store, cnipa bool) error {
	if err := demo.Load(ctx, s); err != nil {
		return err
	}
	if !cnipa {
		return nil
	}
	b, err := os.ReadFile(cnipaFile)
	if err != nil {
		return err
	}
	rep, err := data.Import(ctx, s, bytes.NewReader(b), data.ImportOptions{Kind: "patents", Format: "cnipa-csv"})
	if err != nil {
		return fmt.Errorf("import CNIPA: %v", err)
	}
	if rep.Imported < 150 {
		return fmt.Errorf("import CNIPA: only %d imported: %+v", rep.Imported, rep.Rejected[:min(3, len(rep.Rejected))])
	}
	return nil
}

// newDemo opens a store in dir/data with the demo (and CNIPA) data and
// its index in dir/index.
func newDemo(dir string, cnipa bool) (*sqlite.Store, *Index, error) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "data"), nil)
	if err != nil {
		return nil, nil, err
	}
	if err := loadDemo(ctx, s, cnipa); err != nil {
		s.Close()
		return nil, nil, err
	}
	x, err := Open(ctx, filepath.Join(dir, "index"), s, Options{})
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, x, nil
}

// openIndex opens an index for s in dir (a temporary one when "").
func openIndex(t testing.TB, s data.Store, dir string) *Index {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	x, err := Open(context.Background(), dir, s, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

// demoIndex returns a store with the demo (and CNIPA) data and its index.
func demoIndex(t testing.TB, cnipa bool) (*sqlite.Store, *Index) {
	t.Helper()
	s, x, err := newDemo(t.TempDir(), cnipa)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close(); s.Close() })
	return s, x
}

var (
	sharedOnce  sync.Once
	sharedStore data.Store
	sharedIndex *Index
	sharedErr   error
	sharedDir   string
)

// shared returns one store with the demo and CNIPA data and its index,
// for tests that only read; TestMain removes it.
func shared(t *testing.T) (data.Store, *Index) {
	t.Helper()
	sharedOnce.Do(func() {
		if sharedDir, sharedErr = os.MkdirTemp("", "ipmatch-search-"); sharedErr != nil {
			return
		}
		var s *sqlite.Store
		s, sharedIndex, sharedErr = newDemo(sharedDir, true)
		sharedStore = s
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedStore, sharedIndex
}

// closeShared releases what shared made.
func closeShared() {
	if sharedIndex != nil {
		sharedIndex.Close()
		sharedStore.Close()
	}
	if sharedDir != "" {
		os.RemoveAll(sharedDir)
	}
}

// find runs req or fails the test.
func find(t *testing.T, x *Index, kind string, req Request) *Result {
	t.Helper()
	res, err := x.Search(context.Background(), kind, req)
	if err != nil {
		t.Fatalf("%s %+v: %v", kind, req, err)
	}
	return res
}

// ids returns the IDs of res's hits.
func ids(res *Result) []string {
	out := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = h.ID
	}
	return out
}

// facetValue returns the value v of facet f (zero if missing).
func facetValue(f *Facet, v string) FacetValue {
	if f == nil {
		return FacetValue{}
	}
	i := slices.IndexFunc(f.Values, func(fv FacetValue) bool { return fv.Value == v })
	if i < 0 {
		return FacetValue{}
	}
	return f.Values[i]
}

// checkFacetSums checks that the single-valued facets names of res count
// every hit once.
func checkFacetSums(t *testing.T, res *Result, names ...string) {
	t.Helper()
	for _, n := range names {
		f := res.Facets[n]
		if f == nil {
			t.Errorf("facet %s missing", n)
			continue
		}
		sum := f.Missing + f.Other
		for _, v := range f.Values {
			sum += v.Count
		}
		if !f.Sampled && sum != res.Total {
			t.Errorf("facet %s counts %d hits (%+v), total %d", n, sum, f, res.Total)
		}
	}
}

// allPatents returns every patent of s.
func allPatents(t *testing.T, s data.Store) []data.Patent {
	t.Helper()
	ps, _, err := s.Patents().List(context.Background(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ps
}
