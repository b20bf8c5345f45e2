package data_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"ipmatch/data"
	"ipmatch/data/memstore"
)

// legalCSV is a CNIPA legal-status export of two of the real sample's
// patents (the first pledged, released and pledged again, then lapsed for
// unpaid fees; the second pledged), with a row for a patent ipmatch does
// not hold and rows that cannot be read. Its columns are in another order
// than the documented one, and it has one the import ignores.
const legalCSV = `法律状态,申请号,序号,法律状态公告日,法律状态信息
专利权质押合同登记的生效,CN201220249767.4,1,2016.03.02,质权人：中国建设银行股份有限公司肇庆分行
专利权质押合同登记的注销,CN201220249767.4,2,2017.03.08,
专利权质押合同登记的生效,CN201220249767.4,3,2019.05.10,质权人：肇庆农村商业银行股份有限公司
未缴年费专利权终止,CN201220249767.4,4,2021.06.04,终止日期：20210418
专利权质押合同登记的生效,CN201220249771.0,5,2020-01-15,
授权,CN201220249767.5,6,2013.01.02,
授权,CN201720843829.7,7,2018.01.02,
,CN201220249771.0,8,2020.02.01,
专利权的保全,CN201220249771.0,9,2020.13.01,
`

func TestImportLegalEvents(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	f, err := os.Open("testdata/cnipa_biblio_export_199.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := data.Import(ctx, s, f, data.ImportOptions{Kind: "patents", Format: data.FormatCNIPACSV}); err != nil {
		t.Fatal(err)
	}
	before, err := s.Patents().Get(ctx, "201220249767.4")
	if err != nil {
		t.Fatal(err)
	}

	rep, err := data.Import(ctx, s, strings.NewReader(legalCSV), data.ImportOptions{Kind: "patents", Format: data.FormatCNIPALegalCSV})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 9 || rep.Updated != 5 || rep.Unchanged != 0 || len(rep.Rejected) != 4 {
		t.Fatalf("report %+v: want 9 rows, 5 events added, 4 rejected", rep)
	}
	wantRejected := []struct {
		row   int
		field string
		says  string
	}{
		{6, "申请号", "check"},
		{7, "申请号", "no patent with this application number"},
		{8, "法律状态", "is required"},
		{9, "法律状态公告日", "not a date"},
	}
	for i, w := range wantRejected {
		r := rep.Rejected[i]
		if r.Row != w.row || r.Field != w.field || !strings.Contains(r.Reason, w.says) {
			t.Errorf("rejection %d: %+v, want row %d, %s, %q", i, r, w.row, w.field, w.says)
		}
	}

	p, err := s.Patents().Get(ctx, "201220249767.4")
	if err != nil {
		t.Fatal(err)
	}
	if p.LegalStatus != data.StatusLapsed || len(p.LegalEvents) != 4 || !p.HasOpen(data.TxPledge) || p.Revision != before.Revision+1 {
		t.Errorf("the first patent: %s, %d events, pledge open %v, revision %d (was %d); want lapsed, 4, an open pledge, written once",
			p.LegalStatus, len(p.LegalEvents), p.HasOpen(data.TxPledge), p.Revision, before.Revision)
	}
	if bars := p.PledgeBars(); !slices.Contains(bars, data.BarLapsed) || !slices.Contains(bars, data.BarPledged) {
		t.Errorf("the first patent's pledge bars %v", bars)
	}
	q, err := s.Patents().Get(ctx, "201220249771.0")
	if err != nil {
		t.Fatal(err)
	}
	if !q.HasOpen(data.TxPledge) || len(q.LegalEvents) != 1 {
		t.Errorf("the second patent: %+v", q.History)
	}

	// The same file again changes nothing.
	again, err := data.Import(ctx, s, strings.NewReader(legalCSV), data.ImportOptions{Kind: "patents", Format: data.FormatCNIPALegalCSV})
	if err != nil || again.Updated != 0 || again.Unchanged != 5 || len(again.Rejected) != 4 {
		t.Errorf("the file again: %+v, %v; want 5 unchanged", again, err)
	}
	if p2, _ := s.Patents().Get(ctx, "201220249767.4"); p2.Revision != p.Revision {
		t.Errorf("the file again wrote the patent: revision %d, was %d", p2.Revision, p.Revision)
	}

	// A scoped import may not write legal-status events, and a file
	// without the columns is not one.
	if _, err := data.Import(ctx, s, strings.NewReader(legalCSV), data.ImportOptions{Kind: "patents", Format: data.FormatCNIPALegalCSV, OwnerEnterpriseID: "ent_0001"}); data.ErrorCode(err) != data.CodeForbidden {
		t.Errorf("an enterprise's import: %v, want forbidden", err)
	}
	if _, err := data.Import(ctx, s, strings.NewReader("申请号,法律状态\nCN201220249767.4,授权\n"), data.ImportOptions{Kind: "patents", Format: data.FormatCNIPALegalCSV}); data.ErrorCode(err) != data.CodeMalformed || !strings.Contains(err.Error(), "法律状态公告日") {
		t.Errorf("a file without 法律状态公告日: %v", err)
	}
	if _, err := data.Import(ctx, s, strings.NewReader(legalCSV), data.ImportOptions{Kind: "enterprises", Format: data.FormatCNIPALegalCSV}); data.ErrorCode(err) != data.CodeInvalid {
		t.Errorf("legal events as enterprises: %v, want invalid", err)
	}
}
