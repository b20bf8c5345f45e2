package data_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	. "ipmatch/data"
	"ipmatch/data/memstore"
)

func TestImportEnterprisesCSV(t *testing.T) {
	cc := func(s string) string { return impCreditCode(t, "91441204MA4UQ8XY"+s) }
	bad := cc("5")
	bad = bad[:17] + string("0123456789ABCDEFGHJKLMNPQRTUWXY"[(strings.IndexByte("0123456789ABCDEFGHJKLMNPQRTUWXY", bad[17])+1)%31])
	in := "id,name,credit_code,region,industry,founded,employees,tax_grade,certifications,business_scope,need.amount,consents.pool,revenue_2022,profit_2022,assets_2022,liabilities_2022,revenue_2023,profit_2023\n" +
		/* 1 */ "ent_a,示例机械有限公司," + cc("1") + ",,3421,2010-03-01,120,a,高新技术企业;专精特新,\"通用设备制造\n金属切削机床销售\",\"3,000,000\",是,50000000,4000000,60000000,30000000,55000000,-1000000\n" +
		/* 2 */ "ent_b,未知地区公司," + cc("2") + ",999999,C34,2011-01-01,,,,,,,,,,,,\n" +
		/* 3 */ "ent_c,校验位错误公司," + bad + ",,C34,2011-01-01,,,,,,,,,,,,\n" +
		/* 4 */ "ent_d,日期错误公司," + cc("4") + ",,C34,2010-02-30,,,,,,,,,,,,\n" +
		/* 5 */ "ent_e,列数错误公司," + cc("6") + ",,C34,2011-01-01\n" +
		",,, ,,,,,,,,,,,,,,\n" + // 6, an empty spreadsheet row
		/* 7 */ "ent_f,收入不是数字," + cc("7") + ",,C34,2011-01-01,,,,,,,lots,,,,,\n" +
		/* 8 */ "ent_g,负收入公司," + cc("8") + ",,C34,2011-01-01,,,,,,,,,,,-5,\n" +
		/* 9 */ "ent_h,示例\"引号公司," + cc("9") + ",,C34,2011-01-01,,,,,,,,,,,,\n" +
		/* 10 */ ",没有编号的公司," + cc("A") + ",,C35,2012-05-06,,,,,,,,,,,1000,\n"
	s := memstore.New()
	rep, err := Import(context.Background(), s, strings.NewReader(in), ImportOptions{Kind: "enterprises", Format: FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		row   int
		id    string
		field string
		in    string
	}{
		{2, "ent_b", "region", "not a known region"},
		{3, "ent_c", "credit_code", "check character"},
		{4, "ent_d", "founded", "not a date"},
		{5, "ent_e", "row", "has 6 columns; the header has 18"},
		{7, "ent_f", "revenue_2022", `"lots" is not a whole number`},
		{8, "ent_g", "revenue_2023", "must not be negative"},
		{9, "", "name", `bare "`}, // no id: the row cannot be read
	}
	if len(rep.Rejected) != len(want) {
		t.Fatalf("rejected %+v, want %d", rep.Rejected, len(want))
	}
	for i, w := range want {
		got := rep.Rejected[i]
		if got.Row != w.row || got.Field != w.field || !strings.Contains(got.Reason, w.in) {
			t.Errorf("rejection %d = %+v, want row %d field %s reason with %q", i, got, w.row, w.field, w.in)
		}
		if got.ID != w.id && w.field != "row" {
			t.Errorf("rejection %d has id %q, want %q", i, got.ID, w.id)
		}
	}
	if rep.Rows != 9 || rep.Imported != 2 {
		t.Errorf("report %+v, want 9 rows (the blank line is not one), 2 imported", rep)
	}
	e, err := s.Enterprises().Get(context.Background(), "ent_a")
	if err != nil {
		t.Fatal(err)
	}
	wantE := Enterprise{ID: "ent_a", Name: "示例机械有限公司", CreditCode: cc("1"), Region: "441204", Industry: "C3421",
		Founded: NewDate(2010, 3, 1), Employees: 120, TaxGrade: "A", Certs: []Certification{CertHighTech, CertSpecialized},
		BusinessScope: "通用设备制造\n金属切削机床销售", Need: FinancingNeed{Amount: 3_000_000}, Consents: Consents{Pool: true},
		Financials: []Financials{{2022, 50_000_000, 4_000_000, 60_000_000, 30_000_000}, {2023, 55_000_000, -1_000_000, 0, 0}}}
	wantE.Normalize()
	if !SameRecord(EnterpriseKind, &e, &wantE) {
		t.Errorf("ent_a =\n%+v\nwant\n%+v", e, wantE)
	}
	n, _ := s.Enterprises().Count(context.Background())
	if n != 2 {
		t.Errorf("%d enterprises stored, want 2", n)
	}
	// The row without id is found again by its credit code.
	rep, err = Import(context.Background(), s, strings.NewReader(in), ImportOptions{Kind: "enterprises", Format: FormatCSV})
	if err != nil || rep.Unchanged != 2 || rep.Imported != 0 {
		t.Errorf("second import = %+v, %v; want 2 unchanged", rep, err)
	}
}

func TestImportCSVHeaders(t *testing.T) {
	for _, tc := range []struct {
		name, kind, in string
		field          string // the field of the error, if any
	}{
		{"unknown column", "enterprises", "name,credit_code,colour\n", "colour"},
		{"unknown year metric", "enterprises", "name,credit_code,turnover_2022\n", "turnover_2022"},
		{"duplicate column", "enterprises", "name,credit_code,name\n", ""},
		{"required column missing", "enterprises", "id,credit_code\n", ""},
		{"required product column missing", "products", "id,name,max_amount\n", ""},
		{"empty", "products", "", ""},
		{"only blank lines", "products", "\n \n,,,\n", ""},
		{"unreadable header", "products", "name,\"max_amount\n", ""},
	} {
		_, err := Import(context.Background(), memstore.New(), strings.NewReader(tc.in), ImportOptions{Kind: tc.kind, Format: FormatCSV})
		if ErrorCode(err) != CodeMalformed {
			t.Errorf("%s: err = %v, want malformed", tc.name, err)
			continue
		}
		if tc.field != "" && !slices.ContainsFunc(ErrorFields(err), func(f FieldError) bool { return f.Field == tc.field }) {
			t.Errorf("%s: err %v does not name %s", tc.name, err, tc.field)
		}
	}
	// Columns with an empty header (trailing commas) are ignored.
	in := "name,credit_code,region,industry,founded,,\n示例公司," + impCreditCode(t, "91441204MA4UQ8XY1") + ",,C34,2011-01-01,,\n"
	rep, err := Import(context.Background(), memstore.New(), strings.NewReader(in), ImportOptions{Kind: "enterprises", Format: FormatCSV})
	if err != nil || rep.Imported != 1 {
		t.Errorf("trailing empty columns: %+v, %v", rep, err)
	}
}

func TestImportProductsCSVBankScope(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	seedRefs(t, s, "bank_a", "bank_b")
	if _, err := s.Products().Put(ctx, &Product{ID: "prod_other", BankID: "bank_b", Name: "别家产品", MaxAmount: 1, MaxTerm: 1, PledgeRates: ByType{Invention: 0.1}}); err != nil {
		t.Fatal(err)
	}
	in := "\uFEFFid,bank_id,name,max_amount,max_term_months,pledge_rates.invention,pledge_rates.utility_model,patent_types,regions,industries,ipc_areas,active,required_certifications\n" +
		",bank_a,专利贷,\"5,000,000\",36,30%,25%,发明;实用新型,4412,34,b23k,是,高新技术企业\n" + // 1
		",bank_b,智权贷,1000000,12,0.3,,,,,,true,\n" + // 2: another bank
		",,科技贷,2000000,24,0.2,,,,,,true,\n" + // 3: the importing bank's
		"prod_other,,改名,1000000,12,0.3,,,,,,true,\n" + // 4: another bank's product
		",,坏比率,1000000,12,abc%,,,,,,true,\n" + // 5
		",,坏类型,1000000,12,0.3,,专利,,,,true,\n" // 6
	opts := ImportOptions{Kind: "products", Format: FormatCSV, BankID: "bank_a"}
	rep, err := Import(ctx, s, strings.NewReader(in), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		row   int
		field string
	}{{2, "bank_id"}, {4, "id"}, {5, "pledge_rates.invention"}, {6, "patent_types[0]"}}
	if len(rep.Rejected) != len(want) || rep.Imported != 2 {
		t.Fatalf("report %+v, want 2 imported and %d rejected", rep, len(want))
	}
	for i, w := range want {
		if got := rep.Rejected[i]; got.Row != w.row || got.Field != w.field {
			t.Errorf("rejection %d = %+v, want row %d field %s", i, got, w.row, w.field)
		}
	}
	list, _, _ := s.Products().List(ctx, ListOptions{Refs: Refs{Bank: "bank_a"}})
	if len(list) != 2 {
		t.Fatalf("bank_a has %d products, want 2", len(list))
	}
	var p Product
	for _, x := range list {
		if x.Name == "专利贷" {
			p = x
		}
	}
	if p.MaxAmount != 5_000_000 || p.PledgeRates != (ByType{Invention: 0.3, UtilityModel: 0.25}) ||
		!slices.Equal(p.PatentTypes, []PatentType{Invention, UtilityModel}) || !slices.Equal(p.Industries, []string{"C34"}) ||
		!slices.Equal(p.IPCAreas, []string{"B23K"}) || !p.Active || !slices.Equal(p.RequiredCerts, []Certification{CertHighTech}) {
		t.Errorf("product = %+v", p)
	}
	other, _ := s.Products().Get(ctx, "prod_other")
	if other.Name != "别家产品" {
		t.Errorf("another bank's product was changed: %+v", other)
	}
	// Rows without id find their product again by bank and name: no duplicates.
	rep, err = Import(ctx, s, strings.NewReader(in), opts)
	if err != nil || rep.Unchanged != 2 || rep.Imported != 0 {
		t.Errorf("second import = %+v, %v; want 2 unchanged", rep, err)
	}
	if n, _ := s.Products().Count(ctx); n != 3 {
		t.Errorf("%d products, want 3", n)
	}
	// A bank-scoped import of another kind is refused.
	if _, err := Import(ctx, s, strings.NewReader(""), ImportOptions{Kind: "enterprises", Format: FormatCSV, BankID: "bank_a"}); ErrorCode(err) != CodeForbidden {
		t.Errorf("bank-scoped enterprise import: %v, want forbidden", err)
	}
}

func TestImportCSVRowLimits(t *testing.T) {
	head := "name,credit_code,region,industry,founded\n"
	row := func(name, cc string) string { return name + "," + impCreditCode(t, cc) + ",,C34,2011-01-01\n" }
	in := head + row("甲", "91441204MA4UQ8XY1") +
		"\"" + strings.Repeat("长", MaxImportLine/3+10) + "\"," + impCreditCode(t, "91441204MA4UQ8XY2") + ",,C34,2011-01-01\n" +
		row("乙", "91441204MA4UQ8XY3") +
		"丙\xff\xfe," + impCreditCode(t, "91441204MA4UQ8XY4") + ",,C34,2011-01-01\n" +
		row("丁", "91441204MA4UQ8XY5") +
		"\"未闭合的引号," + impCreditCode(t, "91441204MA4UQ8XY6") + ",,C34,2011-01-01\n" + row("戊", "91441204MA4UQ8XY7")
	rep, err := Import(context.Background(), memstore.New(), strings.NewReader(in), ImportOptions{Kind: "enterprises", Format: FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		row    int
		reason string
	}{{2, "longer than 1 MiB"}, {4, "not valid UTF-8"}, {6, "still open at the end"}}
	if len(rep.Rejected) != len(want) || rep.Imported != 3 {
		t.Fatalf("report %+v, want 3 imported and 3 rejected", rep)
	}
	for i, w := range want {
		if got := rep.Rejected[i]; got.Row != w.row || got.Field != "row" || !strings.Contains(got.Reason, w.reason) {
			t.Errorf("rejection %d = %+v, want row %d reason %q", i, got, w.row, w.reason)
		}
	}
}

func TestImportCSVSyntaxErrorNamesColumn(t *testing.T) {
	cc := impCreditCode(t, "91441204MA4UQ8XY1")
	in := "credit_code,name,industry,founded\n" +
		cc + ",\"两行\n名称\"x,C34,2011-01-01\n" + // 1-2: text after a closing quote, on the record's second line
		cc + ",好公司,C34,2011-01-01\n" // 2
	rep, err := Import(context.Background(), memstore.New(), strings.NewReader(in), ImportOptions{Kind: "enterprises", Format: FormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 1 || len(rep.Rejected) != 1 {
		t.Fatalf("report %+v", rep)
	}
	if r := rep.Rejected[0]; r.Row != 1 || r.Field != "name" || !strings.Contains(r.Reason, `"`) {
		t.Errorf("rejection %+v, want row 1, column name", r)
	}
}
