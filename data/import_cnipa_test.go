package data_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"slices"
	"strings"
	"testing"

	. "ipmatch/data"
	"ipmatch/data/memstore"
)

const cnipaFixture = "testdata/cnipa_biblio_export_199.csv"

// impReadCNIPA returns the records of the CNIPA fixture, header first.
func impReadCNIPA(t *testing.T) [][]string {
	t.Helper()
	b, err := os.ReadFile(cnipaFixture)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte(UTF8BOM)))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// impWriteCSV encodes records as CSV (rows may differ in length).
func impWriteCSV(t *testing.T, recs [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// impAllPatents returns every stored patent by application number.
func impAllPatents(t *testing.T, s Store) map[string]Patent {
	t.Helper()
	list, _, err := s.Patents().List(context.Background(), ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Patent{}
	for _, p := range list {
		out[p.ApplicationNumber] = p
	}
	return out
}

// The addresses of the fixture that lie outside China, where no region code
// applies.
var cnipaForeignAddresses = []string{"澳大利亚", "德国"}

func TestImportCNIPAFixture(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	f, err := os.Open(cnipaFixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := Import(ctx, s, f, ImportOptions{Kind: "patents", Format: FormatCNIPACSV, BatchSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 199 || rep.Imported != 199 || rep.Updated != 0 || rep.Unchanged != 0 || len(rep.Rejected) != 0 {
		t.Fatalf("report = %+v, want 199 rows imported", rep)
	}
	if got := s.PutCalls("patents"); got != 4 {
		t.Errorf("Put called %d times, want 4 batches of at most 50", got)
	}
	patents := impAllPatents(t, s)
	if len(patents) != 199 {
		t.Fatalf("%d patents stored, want 199", len(patents))
	}
	foreign := 0
	for id, p := range patents {
		if p.Type != UtilityModel {
			t.Errorf("%s: type %q, want utility_model", id, p.Type)
		}
		if len(p.IPC) == 0 || len(p.Applicants) == 0 || p.Title == "" {
			t.Errorf("%s: IPC %v, applicants %v, title %q", id, p.IPC, p.Applicants, p.Title)
		}
		if p.FilingDate.IsZero() || p.PublicationDate.IsZero() || p.ExpiryDate != p.FilingDate.AddYears(10) {
			t.Errorf("%s: filed %s, published %s, expires %s", id, p.FilingDate, p.PublicationDate, p.ExpiryDate)
		}
		if p.GrantDate != p.PublicationDate {
			t.Errorf("%s: grant date %s, want the U publication date %s", id, p.GrantDate, p.PublicationDate)
		}
		if p.LegalStatus != "" {
			t.Errorf("%s: legal status %q invented; the file has none", id, p.LegalStatus)
		}
		abroad := slices.ContainsFunc(cnipaForeignAddresses, func(pre string) bool { return strings.HasPrefix(p.Address, pre) })
		switch {
		case abroad:
			foreign++
			if p.Region != "" {
				t.Errorf("%s: region %q for %q outside China", id, p.Region, p.Address)
			}
		case p.Region == "":
			t.Errorf("%s: no region for %q", id, p.Address)
		default:
			if _, ok := LookupRegion(p.Region); !ok {
				t.Errorf("%s: unknown region %q", id, p.Region)
			}
		}
	}
	// Two Hong Kong rows and one Taiwan row resolve (81, 71); one Australian
	// and one German row have no Chinese region code.
	if foreign != 2 {
		t.Errorf("%d foreign addresses, want 2", foreign)
	}

	p := patents["201220249771.0"]
	want := Patent{
		ApplicationNumber: "201220249771.0", PublicationNumber: "CN202644313U", Type: UtilityModel,
		Title: "改进的混凝土轨枕", IPC: []string{"E01B3/32", "E01B9/10"},
		Applicants: []string{"海安县建莲商品混凝土有限公司"}, Inventors: []string{"顾国生"},
		Address: "226634 江苏省南通市海安县老坝港镇海港村16组", Region: p.Region,
		Agency: "南京正联知识产权代理有限公司 32243", Agent: "胡定华",
		FilingDate: NewDate(2012, 5, 31), PublicationDate: NewDate(2013, 1, 2), GrantDate: NewDate(2013, 1, 2),
		ExpiryDate: NewDate(2022, 5, 31), Abstract: p.Abstract, MainClaim: p.MainClaim,
	}
	if !SameRecord(PatentKind, &p, &want) {
		t.Errorf("patent 201220249771.0 =\n%+v\nwant\n%+v", p, want)
	}
	if !RegionWithin(p.Region, "3206") || !strings.HasPrefix(p.Abstract, "本实用新型公开了改进的混凝土轨枕") || !strings.HasPrefix(p.MainClaim, "改进的混凝土轨枕，包括轨枕本体") {
		t.Errorf("region %q, abstract %.20q, main claim %.20q", p.Region, p.Abstract, p.MainClaim)
	}
	if got := patents["201220208036.5"].Applicants; len(got) != 2 {
		t.Errorf("applicants of 201220208036.5 = %q, want two", got)
	}

	// Importing again changes nothing, not even UpdatedAt.
	f2, err := os.Open(cnipaFixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	rep, err = Import(ctx, s, f2, ImportOptions{Kind: "patents", Format: FormatCNIPACSV})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 199 || rep.Imported != 0 || rep.Updated != 0 || rep.Unchanged != 199 || len(rep.Rejected) != 0 {
		t.Fatalf("second import: %+v, want 199 unchanged", rep)
	}
	for id, p := range impAllPatents(t, s) {
		if !p.UpdatedAt.Equal(patents[id].UpdatedAt) {
			t.Errorf("%s: UpdatedAt moved on an unchanged import", id)
		}
	}
}

func TestImportCNIPABrokenRows(t *testing.T) {
	recs := impReadCNIPA(t)
	header := append(slices.Clone(recs[0]), "法律状态")
	rows := [][]string{header}
	for _, r := range recs[1:8] {
		rows = append(rows, append(slices.Clone(r), ""))
	}
	col := func(name string) int { return slices.Index(header, name) }
	rows[2][col("申请号")] = "CN201220249771.1" // wrong check character
	rows[3][col("申请日")] = "2012.13.45"       // no such date
	rows[4] = rows[4][:len(rows[4])-1]       // a column short
	rows[5][col("法律状态")] = "有效"              // a known status
	rows[6][col("法律状态")] = "传说中"             // an unknown status
	rows[7][col("主分类号")] = "E01B3/32(2006.01)I"
	rows[7][col("分类号")] = "E01B9/68(2006.01)I;E01B3/32(2006.01)I;E01B3/40(2006.01)I" // main class not first

	s := memstore.New()
	rep, err := Import(context.Background(), s, bytes.NewReader(impWriteCSV(t, rows)), ImportOptions{Kind: "patents", Format: FormatCNIPACSV})
	if err != nil {
		t.Fatal(err)
	}
	wantRejected := []struct {
		row   int
		field string
		in    string // part of the reason
	}{
		{2, "申请号", "check character"},
		{3, "申请日", "not a date"},
		{4, "row", "the header has 35"},
		{6, "法律状态", "not a known legal status"},
	}
	if len(rep.Rejected) != len(wantRejected) {
		t.Fatalf("rejected %+v, want %d rejections", rep.Rejected, len(wantRejected))
	}
	for i, w := range wantRejected {
		got := rep.Rejected[i]
		if got.Row != w.row || got.Field != w.field || !strings.Contains(got.Reason, w.in) {
			t.Errorf("rejection %d = %+v, want row %d field %s reason with %q", i, got, w.row, w.field, w.in)
		}
	}
	if rep.Rows != 7 || rep.Imported != 3 {
		t.Errorf("report %+v, want 7 rows, 3 imported", rep)
	}
	if rep.Rejected[0].ID != "CN201220249771.1" {
		t.Errorf("rejection of row 2 has ID %q", rep.Rejected[0].ID)
	}
	patents := impAllPatents(t, s)
	if p := patents[strings.TrimPrefix(rows[5][0], "CN")]; p.LegalStatus != StatusValid {
		t.Errorf("row 5 legal status %q, want valid", p.LegalStatus)
	}
	if p := patents[strings.TrimPrefix(rows[7][0], "CN")]; !slices.Equal(p.IPC, []string{"E01B3/32", "E01B9/68", "E01B3/40"}) {
		t.Errorf("row 7 IPC %v, want the main class first, deduplicated", p.IPC)
	}
}

func TestImportCNIPAHeaderVariants(t *testing.T) {
	// A BOM, ASCII brackets, another column order, no trailing columns, CRLF.
	in := "\uFEFF名称,申请日,申请号,公开(公告)号,公开(公告)日,主分类号,分类号,申请(专利权)人,地址\r\n" +
		"一种钢筋混凝土轨枕,2012.05.31,CN201220249767.4,CN202644312U,2013.01.02,E01B3/32(2006.01)I,E01B3/32(2006.01)I,海安县建莲商品混凝土有限公司,226634 江苏省南通市海安县老坝港镇海港村16组\r\n"
	s := memstore.New()
	rep, err := Import(context.Background(), s, strings.NewReader(in), ImportOptions{Kind: "patents", Format: FormatCNIPACSV})
	if err != nil || rep.Imported != 1 {
		t.Fatalf("Import = %+v, %v", rep, err)
	}
	p := impAllPatents(t, s)["201220249767.4"]
	if p.Title != "一种钢筋混凝土轨枕" || p.PublicationNumber != "CN202644312U" || p.Applicants[0] != "海安县建莲商品混凝土有限公司" {
		t.Errorf("patent = %+v", p)
	}

	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"no application number", "名称,申请日,申请（专利权）人\nx,2012.05.31,y\n"},
		{"another layout", "id,name,credit_code\n"},
		{"duplicate column", "申请号,申请号,名称,申请日,申请（专利权）人\n"},
	} {
		_, err := Import(context.Background(), memstore.New(), strings.NewReader(tc.in), ImportOptions{Kind: "patents", Format: FormatCNIPACSV})
		if ErrorCode(err) != CodeMalformed {
			t.Errorf("%s: err = %v, want malformed", tc.name, err)
		}
	}
}

func TestImportCNIPAKeepsWhatTheFileLacks(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	data, err := os.ReadFile(cnipaFixture)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Import(ctx, s, bytes.NewReader(data), ImportOptions{Kind: "patents", Format: FormatCNIPACSV}); err != nil {
		t.Fatal(err)
	}
	p, err := s.Patents().Get(ctx, "201220249767.4")
	if err != nil {
		t.Fatal(err)
	}
	p.OwnerID, p.LegalStatus, p.Claims = "ent_a", StatusValid, 6
	p.History = []Transaction{{Kind: TxPledge, Date: NewDate(2020, 1, 1), Open: true, Party: "建设银行"}}
	if _, err := s.Patents().Put(ctx, &p); err != nil {
		t.Fatal(err)
	}
	rep, err := Import(ctx, s, bytes.NewReader(data), ImportOptions{Kind: "patents", Format: FormatCNIPACSV})
	if err != nil || rep.Unchanged != 199 {
		t.Fatalf("re-import = %+v, %v; want 199 unchanged", rep, err)
	}
	got, _ := s.Patents().Get(ctx, "201220249767.4")
	if got.OwnerID != "ent_a" || got.LegalStatus != StatusValid || got.Claims != 6 || len(got.History) != 1 {
		t.Errorf("after re-import: owner %q status %q claims %d history %v", got.OwnerID, got.LegalStatus, got.Claims, got.History)
	}
}

func TestImportPatentsOwnerScope(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	seedRefs(t, s, "ent_a", "ent_b")
	data, err := os.ReadFile(cnipaFixture)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Import(ctx, s, bytes.NewReader(data), ImportOptions{Kind: "patents", Format: FormatCNIPACSV, OwnerEnterpriseID: "ent_a"})
	if err != nil || rep.Imported != 199 {
		t.Fatalf("Import = %+v, %v", rep, err)
	}
	for id, p := range impAllPatents(t, s) {
		if p.OwnerID != "ent_a" {
			t.Fatalf("%s: owner %q, want ent_a", id, p.OwnerID)
		}
	}
	// Another enterprise cannot take them over.
	rep, err = Import(ctx, s, bytes.NewReader(data), ImportOptions{Kind: "patents", Format: FormatCNIPACSV, OwnerEnterpriseID: "ent_b"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported+rep.Updated+rep.Unchanged != 0 || len(rep.Rejected) != 199 || rep.Rejected[0].Field != "owner_id" {
		t.Fatalf("takeover: %+v", rep)
	}
	// A JSONL row naming another owner is refused before it is read further.
	line := `{"application_number":"201220249767.4","owner_id":"ent_c","title":"x","ipc":["E01B3/32"],"applicants":["a"],"filing_date":"2012-05-31"}`
	rep, err = Import(ctx, s, strings.NewReader(line), ImportOptions{Kind: "patents", OwnerEnterpriseID: "ent_a"})
	if err != nil || len(rep.Rejected) != 1 || rep.Rejected[0].Field != "owner_id" {
		t.Fatalf("foreign owner: %+v, %v", rep, err)
	}
}
