package search

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2/document"
	index "github.com/blevesearch/bleve_index_api"

	"ipmatch/data"
	"ipmatch/data/demo"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const goldenFile = "testdata/mapping.golden.json"

// golden is what TestMappingGolden keeps: the mapping version, each kind's
// mapping, and the fields of one demo record of each kind as indexed.
type golden struct {
	MappingVersion int                        `json:"mapping_version"`
	Mappings       map[string]json.RawMessage `json:"mappings"`
	Documents      map[string][]string        `json:"documents"`
}

// TestMappingGolden fails when the mapping or the documents built from
// records change without MappingVersion changing: an index written by the
// old program would then be used as if it were current. Bump the version
// and refresh the file with go test ./search -run TestMappingGolden -update.
func TestMappingGolden(t *testing.T) {
	got := golden{MappingVersion: MappingVersion, Mappings: map[string]json.RawMessage{}, Documents: map[string][]string{}}
	for _, k := range kinds {
		b, err := json.MarshalIndent(newMapping(k), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got.Mappings[k] = b
	}
	ds := demo.Generate(demo.DefaultSeed)
	for _, k := range kinds {
		m := newMapping(k)
		b := newBuilder(k, m)
		var d *document.Document
		switch k {
		case Patents:
			d = b.patent(&ds.Patents[0], ownerOf(&ds.Enterprises[0]))
		case Enterprises:
			d = b.enterprise(&ds.Enterprises[0])
		case Products:
			d = b.product(&ds.Products[0], "中国农业银行肇庆分行")
		}
		got.Documents[k] = describe(d)
	}
	b, err := json.MarshalIndent(got, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	if *update {
		if err := os.WriteFile(goldenFile, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatalf("%v; create it with go test ./search -run TestMappingGolden -update", err)
	}
	if bytes.Equal(want, b) {
		return
	}
	var old golden
	if err := json.Unmarshal(want, &old); err != nil {
		t.Fatal(err)
	}
	if old.MappingVersion == MappingVersion {
		t.Fatalf("the index mapping or documents changed but MappingVersion is still %d: bump it (so old indexes are rebuilt) and run go test ./search -run TestMappingGolden -update", MappingVersion)
	}
	t.Fatalf("MappingVersion is %d and %s has %d: run go test ./search -run TestMappingGolden -update", MappingVersion, goldenFile, old.MappingVersion)
}

// describe lists a document's fields as "name options = value", in order.
func describe(d *document.Document) []string {
	var out []string
	d.VisitFields(func(f index.Field) {
		v := string(f.Value())
		switch f := f.(type) {
		case *document.NumericField:
			n, _ := f.Number()
			v = fmt.Sprint(n)
		case *document.DateTimeField:
			dt, _, _ := f.DateTime()
			v = data.DateOf(dt).String()
		}
		if r := []rune(v); len(r) > 40 {
			v = string(r[:40]) + "…"
		}
		out = append(out, fmt.Sprintf("%s [%s] = %s", f.Name(), f.Options(), v))
	})
	slices.Sort(out)
	return out
}
