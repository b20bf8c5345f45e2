package search

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/data/sqlite"
)

// The fuzz target of the query language and the other search parameters.
// Its seed corpus is in testdata/fuzz/FuzzSearch; run it with
//
//	go test -run='^$' -fuzz='^FuzzSearch$' -fuzztime=10s ./search

// fuzzIndex is a tiny store and its index for FuzzSearch: a few records of
// every kind from the demo data and the CNIPA export. It is opened on the
// first input a process runs, so the fuzzing coordinator does not pay for
// it.
type fuzzIndex struct {
	once  sync.Once
	dir   string
	store *sqlite.Store
	index *Index
	err   error
}

// firstLines returns the first n lines of b.
func firstLines(b []byte, n int) []byte {
	lines := bytes.SplitAfter(b, []byte("\n"))
	return bytes.Join(lines[:min(n, len(lines))], nil)
}

func (fx *fuzzIndex) open() (*Index, error) {
	fx.once.Do(func() {
		ctx := context.Background()
		if fx.store, fx.err = sqlite.Open(ctx, filepath.Join(fx.dir, "data"), nil); fx.err != nil {
			return
		}
		for _, kind := range []string{"banks", "pools", "enterprises", "products", "patents"} {
			in := firstLines(demo.File(kind), 12)
			if _, fx.err = data.Import(ctx, fx.store, bytes.NewReader(in), data.ImportOptions{Kind: kind}); fx.err != nil {
				return
			}
		}
		var csv []byte
		if csv, fx.err = os.ReadFile(cnipaFile); fx.err != nil {
			return
		}
		if _, fx.err = data.Import(ctx, fx.store, bytes.NewReader(firstLines(csv, 9)), data.ImportOptions{Kind: "patents", Format: data.FormatCNIPACSV}); fx.err != nil {
			return
		}
		fx.index, fx.err = Open(ctx, filepath.Join(fx.dir, "index"), fx.store, Options{Writers: 1})
	})
	return fx.index, fx.err
}

func (fx *fuzzIndex) close() {
	if fx.index != nil {
		fx.index.Close()
	}
	if fx.store != nil {
		fx.store.Close()
	}
}

// fuzzKinds are the kinds FuzzSearch picks from with its first argument.
var fuzzKinds = []string{Patents, Enterprises, Products}

// FuzzSearch runs a search of one kind with a fuzzed query string, one
// fuzzed filter, sort key and facet against a tiny index. Either it fails
// with a malformed *data.Error that names the parameter at fault (q, the
// filter, sort or facets), and with q exactly when the query string does
// not parse, or bleve runs the query: at most a page of distinct hits, no
// more than the total, one count per facet asked for and no count above
// the total; and the same request gives the same hits again.
func FuzzSearch(f *testing.F) {
	f.Add(uint8(0), "数控机床 主轴", "type", "invention", "-filing_date", "ipc_section")
	fx := &fuzzIndex{dir: f.TempDir()}
	f.Cleanup(fx.close)
	f.Fuzz(func(t *testing.T, kind uint8, q, filter, value, sort, facet string) {
		x, err := fx.open()
		if err != nil {
			t.Fatal(err)
		}
		k := fuzzKinds[int(kind)%len(fuzzKinds)]
		req := Request{Query: q}
		if filter != "" {
			req.Filters = map[string]string{filter: value}
		}
		if sort != "" {
			req.Sort = []string{sort}
		}
		if facet != "" {
			req.Facets = []string{facet}
		}
		s := specs[k]
		_, parseErr := parseQuery(q, s.fieldName, s.known)
		res, err := x.Search(context.Background(), k, req)
		if err != nil {
			var e *data.Error
			// Malformed (400) or, for values out of range and queries over
			// the budget, invalid (422).
			if !errors.As(err, &e) || e.Code != data.CodeMalformed && e.Code != data.CodeInvalid || len(e.Fields) != 1 || e.Fields[0].Reason == "" {
				t.Fatalf("Search(%s, %+v) = %v (%T); want a malformed or invalid *data.Error naming one parameter", k, req, err, err)
			}
			field := e.Fields[0].Field
			if !slices.Contains([]string{"q", filter, "sort", "facets"}, field) {
				t.Fatalf("Search(%s, %+v) error names %q, which is not a parameter of the request: %v", k, req, field, err)
			}
			if parseErr != nil && (field != "q" || err.Error() != parseErr.Error()) {
				t.Fatalf("Search(%s, %+v) = %v; parsing the query alone: %v", k, req, err, parseErr)
			}
			return
		}
		if parseErr != nil {
			t.Fatalf("Search(%s, %+v) succeeded, but the query does not parse: %v", k, req, parseErr)
		}
		if len(res.Hits) > DefaultSize || len(res.Hits) > res.Total {
			t.Fatalf("Search(%s, %+v): %d hits of %d", k, req, len(res.Hits), res.Total)
		}
		var ids []string
		for _, h := range res.Hits {
			if h.ID == "" || slices.Contains(ids, h.ID) {
				t.Fatalf("Search(%s, %+v): empty or repeated hit %q in %v", k, req, h.ID, ids)
			}
			ids = append(ids, h.ID)
		}
		if facet != "" {
			fc, ok := res.Facets[facet]
			if !ok || len(res.Facets) != 1 {
				t.Fatalf("Search(%s, %+v): facets %v, want %s", k, req, res.Facets, facet)
			}
			for _, v := range fc.Values {
				if v.Count < 0 || v.Count > res.Total {
					t.Fatalf("Search(%s, %+v): facet value %+v of %d hits", k, req, v, res.Total)
				}
			}
		}
		again, err := x.Search(context.Background(), k, req)
		if err != nil || again.Total != res.Total || !slices.Equal(hitIDs(again), ids) {
			t.Fatalf("Search(%s, %+v) again: %v, %v; first %d hits %v", k, req, again, err, res.Total, ids)
		}
	})
}

func hitIDs(r *Result) []string {
	out := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		out[i] = h.ID
	}
	return out
}
