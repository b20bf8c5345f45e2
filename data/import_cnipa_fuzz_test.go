package data_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	. "ipmatch/data"
	"ipmatch/data/memstore"
)

// cnipaFuzzHeader is the header of the CNIPA rows that FuzzImportCNIPA
// imports: every column the importer reads, in the order of a CNIPA
// export, with 法律状态 last.
const cnipaFuzzHeader = "申请号,公开（公告）号,公开（公告）日,申请日,名称,主分类号,分类号,申请（专利权）人,发明（设计）人,地址,颁证日,专利代理机构,代理人,摘要,主权项,法律状态"

// FuzzImportCNIPA imports cnipaFuzzHeader followed by fuzzed rows into an
// empty store, twice. Import may fail only with a malformed error (input
// that is not UTF-8 text); otherwise every row is counted once as imported,
// updated, unchanged or rejected, every rejection names its row, a column
// of the header (or "row") and a reason, every stored patent passes
// Validate and was counted, and the second import leaves the store as the
// first left it and rejects the same rows for the same reasons.
func FuzzImportCNIPA(f *testing.F) {
	f.Add("CN201220249767.4,CN202644312U,2013.01.02,2012.05.31,一种钢筋混凝土轨枕,E01B3/32(2006.01)I,E01B3/32(2006.01)I,海安县建莲商品混凝土有限公司,顾国生,226634 江苏省南通市海安县老坝港镇海港村16组,,南京正联知识产权代理有限公司 32243,胡定华,本实用新型公开了一种钢筋混凝土轨枕。,一种钢筋混凝土轨枕。,\n")
	header := strings.Split(cnipaFuzzHeader, ",")
	f.Fuzz(func(t *testing.T, rows string) {
		ctx := context.Background()
		in := []byte(cnipaFuzzHeader + "\n" + rows)
		s := memstore.New()
		opts := ImportOptions{Kind: "patents", Format: FormatCNIPACSV, BatchSize: 3}
		first, err := Import(ctx, s, bytes.NewReader(in), opts)
		if err != nil {
			if ErrorCode(err) != CodeMalformed || ErrorMessage(err) == "" {
				t.Fatalf("Import failed with %v (code %s); want only malformed errors", err, ErrorCode(err))
			}
			return
		}
		rejected := map[int]bool{}
		for _, r := range first.Rejected {
			if r.Row < 1 || r.Row > maxRow(rows) || r.Reason == "" || (r.Field != "row" && !slices.Contains(header, r.Field)) {
				t.Fatalf("rejection %+v: want a row number, a column of the header or \"row\", and a reason", r)
			}
			rejected[r.Row] = true
		}
		if got := first.Imported + first.Updated + first.Unchanged + len(rejected); got != first.Rows {
			t.Fatalf("report %+v: %d rows accounted for, %d read", first, got, first.Rows)
		}
		stored := impAllPatents(t, s)
		if len(stored) != first.Imported || first.Unchanged+first.Updated > first.Rows-len(rejected) {
			t.Fatalf("report %+v, but %d patents stored", first, len(stored))
		}
		for id, p := range stored {
			if err := p.Validate(); err != nil {
				t.Fatalf("stored patent %s fails Validate: %v", id, err)
			}
			q := p
			q.Normalize()
			if !SameRecord(PatentKind, &p, &q) {
				t.Fatalf("stored patent %s is not normalised: %+v, normalised %+v", id, p, q)
			}
		}

		second, err := Import(ctx, s, bytes.NewReader(in), opts)
		if err != nil {
			t.Fatalf("second import: %v", err)
		}
		if !slices.Equal(first.Rejected, second.Rejected) || first.Rows != second.Rows {
			t.Fatalf("second import rejected %+v of %d rows; the first %+v of %d", second.Rejected, second.Rows, first.Rejected, first.Rows)
		}
		if second.Imported != 0 {
			t.Fatalf("second import created %d patents: %+v", second.Imported, second)
		}
		again := impAllPatents(t, s)
		if len(again) != len(stored) {
			t.Fatalf("second import: %d patents stored, %d before", len(again), len(stored))
		}
		for id, p := range stored {
			q := again[id]
			if !SameRecord(PatentKind, &p, &q) {
				t.Fatalf("second import changed %s:\n%+v\n%+v", id, p, q)
			}
		}
	})
}

// maxRow bounds the row numbers of rows: each line counts at most once.
func maxRow(rows string) int {
	return strings.Count(rows, "\n") + strings.Count(rows, "\r") + 1
}
