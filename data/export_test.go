package data_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	. "ipmatch/data"
	"ipmatch/data/memstore"
)

// impCreditCode completes 17 characters to a valid credit code.
func impCreditCode(t *testing.T, first17 string) string {
	t.Helper()
	c, err := CreditCodeCheck(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

// impSeed fills s with a few valid records of every importable kind.
func impSeed(t *testing.T, s *memstore.Store) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2021, 4, 23, 14, 20, 5, 123456789, time.FixedZone("CST", 8*3600))
	put := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.Enterprises().Put(ctx,
		&Enterprise{ID: "ent_a", Name: "肇庆市高要区示例机械有限公司", CreditCode: impCreditCode(t, "91441204MA4UQ8XY1"),
			Industry: "C3421", Founded: NewDate(2010, 3, 1), Employees: 120, TaxGrade: "A",
			Financials:    []Financials{{Year: 2022, Revenue: 50_000_000, Profit: 4_000_000, Assets: 60_000_000, Liabilities: 30_000_000}, {Year: 2023, Revenue: 55_000_000, Profit: -1_000_000, Assets: 62_000_000, Liabilities: 31_000_000}},
			Certs:         []Certification{CertHighTech, CertSpecialized},
			BusinessScope: "通用设备制造；\n金属切削机床销售", Address: "肇庆市高要区金渡镇工业园",
			Need:     FinancingNeed{Amount: 3_000_000, TermMonths: 24, Purpose: "流动资金"},
			Consents: Consents{Pool: true, ShareData: true}},
		&Enterprise{ID: "ent_b", Name: "=HYPERLINK(\"http://x\")", CreditCode: impCreditCode(t, "91441204MA4UQ8XY2"),
			Industry: "C35", Founded: NewDate(2018, 7, 9),
			Financials: []Financials{{Year: 2021, Revenue: 1, Profit: 0, Assets: 2, Liabilities: 0}}},
		&Enterprise{ID: "ent_c", Name: "高要区无财务数据企业", CreditCode: impCreditCode(t, "91441204MA4UQ8XY3"),
			Industry: "C34", Founded: NewDate(2020, 1, 1)},
	)
	put(err)
	_, err = s.Patents().Put(ctx, &Patent{
		ApplicationNumber: "201220249767.4", PublicationNumber: "CN202644312U", Title: "一种钢筋混凝土轨枕",
		IPC: []string{"E01B3/32", "E01B9/10"}, Applicants: []string{"海安县建莲商品混凝土有限公司"}, Inventors: []string{"顾国生"},
		Address: "226634 江苏省南通市海安县老坝港镇海港村16组", FilingDate: NewDate(2012, 5, 31),
		PublicationDate: NewDate(2013, 1, 2), GrantDate: NewDate(2013, 1, 2), LegalStatus: StatusValid, OwnerID: "ent_a",
		FeesPaidThrough: NewDate(2021, 5, 31), Claims: 6, ForwardCitations: 2, FamilySize: 1,
		History: []Transaction{{Kind: TxPledge, Date: NewDate(2019, 3, 1), End: NewDate(2020, 3, 1), Party: "建设银行", Amount: 1_000_000}},
	})
	put(err)
	_, err = s.Banks().Put(ctx,
		&Bank{ID: "bank_ccb", Name: "中国建设银行", Type: "国有大型商业银行", Branch: "肇庆市分行", Region: "4412"},
		&Bank{ID: "bank_zqrcb", Name: "肇庆农商银行", Branch: "高要支行", Region: "441204"},
	)
	put(err)
	_, err = s.Products().Put(ctx,
		&Product{ID: "prod_a", BankID: "bank_ccb", Name: "专利贷", Description: "知识产权质押, 风险补偿", MinAmount: 100_000, MaxAmount: 5_000_000,
			MinTerm: 6, MaxTerm: 36, SpreadBP: -15, PledgeRates: ByType{Invention: 0.3, UtilityModel: 0.25},
			Regions: []string{"4412"}, Industries: []string{"C34", "C35"}, IPCAreas: []string{"B23K", "E01B"},
			PatentTypes: []PatentType{Invention, UtilityModel}, MinRemainingYears: ByType{Invention: 8, UtilityModel: 4},
			MinImplementedYears: 2, MinEnterpriseYears: 1, MinRevenue: 5_000_000, MaxDebtRatio: 0.7, RequireProfit: true,
			MinTaxGrade: "B", RequiredCerts: []Certification{CertHighTech}, PoolID: "pool_zq", Active: true},
		&Product{ID: "prod_b", BankID: "bank_zqrcb", Name: "智权贷", MaxAmount: 3_000_000, MaxTerm: 12, PledgeRates: ByType{Design: 0.1}},
	)
	put(err)
	_, err = s.Events().Put(ctx, &Event{ID: "evt_gy", Name: "高要区装备制造业专利导航成果发布暨知识产权质押融资银企对接会",
		Organizer: "广东股权交易中心", Region: "441204", Focus: "装备制造业", Date: NewDate(2021, 4, 23), StartsAt: "14:00",
		SlotMinutes: 20, Slots: 6, MaxMeetings: 3, PoolID: "pool_zq", Status: EventPublished})
	put(err)
	_, err = s.Participants().Put(ctx,
		&Participant{ID: "part_1", EventID: "evt_gy", Role: RoleEnterprise, EnterpriseID: "ent_a", WantedMeetings: 2,
			Preferences: []Preference{{Target: "bank_ccb", Kind: MustMeet}, {Target: "bank_zqrcb", Kind: NoThanks}}},
		&Participant{ID: "part_2", EventID: "evt_gy", Role: RoleBankDesk, BankID: "bank_ccb", Tables: 2},
		&Participant{ID: "part_3", EventID: "evt_gy", Role: RoleValuer, Name: "某资产评估有限公司"},
	)
	put(err)
	_, err = s.Deals().Put(ctx, &Deal{ID: "deal_1", EnterpriseID: "ent_a", BankID: "bank_ccb", ProductID: "prod_a",
		EventID: "evt_gy", PoolID: "pool_zq", Amount: 3_500_000, TermMonths: 12, Patents: []string{"201220249767.4"},
		Stage: StageMet, History: []StageChange{{Stage: StageRegistered, At: at, By: "organizer"}, {Stage: StageMet, At: at.Add(time.Hour), By: "tok_x", Note: "首笔"}}})
	put(err)
	_, err = s.Pools().Put(ctx, &Pool{ID: "pool_zq", Name: "肇庆市知识产权质押融资风险补偿资金池", Region: "4412",
		Manager: "广东股权交易中心", Size: 5_000_000, FundShare: 0.5, PerLoanCap: 1_000_000, Leverage: 10, Since: NewDate(2020, 11, 1)})
	put(err)
}

// impRoundTrip exports the kind's table of from in format, imports that into
// a fresh store and back into from, and checks that nothing was lost and
// nothing changed.
func impRoundTrip[T any](t *testing.T, kind, format string, k Kind[T], table func(Store) Table[T], from *memstore.Store) {
	t.Helper()
	ctx := context.Background()
	var out bytes.Buffer
	if err := Export(ctx, from, &out, kind, format); err != nil {
		t.Fatalf("%s: Export: %v", kind, err)
	}
	want, _, err := table(from).List(ctx, ListOptions{})
	if err != nil || len(want) == 0 {
		t.Fatalf("%s: nothing to round-trip (%v)", kind, err)
	}
	// The fresh store holds what the records refer to (imports refuse
	// references to missing records), but none of the kind itself.
	to := memstore.New()
	copyTables(t, from, to, kind)
	rep, err := Import(ctx, to, bytes.NewReader(out.Bytes()), ImportOptions{Kind: kind, Format: format})
	if err != nil || rep.Imported != len(want) || rep.Rows != len(want) || len(rep.Rejected) != 0 {
		t.Fatalf("%s: import into an empty store = %+v, %v", kind, rep, err)
	}
	got, _, err := table(to).List(ctx, ListOptions{})
	if err != nil || len(got) != len(want) {
		t.Fatalf("%s: %d records after import, want %d (%v)", kind, len(got), len(want), err)
	}
	for i := range want {
		if !SameRecord(k, &got[i], &want[i]) {
			t.Errorf("%s: round trip changed a record:\n got %+v\nwant %+v", kind, got[i], want[i])
		}
	}
	var again bytes.Buffer
	if err := Export(ctx, to, &again, kind, format); err != nil {
		t.Fatal(err)
	}
	if format == FormatCSV && !bytes.Equal(again.Bytes(), out.Bytes()) {
		t.Errorf("%s: a second export differs:\n%s\n---\n%s", kind, again.Bytes(), out.Bytes())
	}
	rep, err = Import(ctx, from, bytes.NewReader(out.Bytes()), ImportOptions{Kind: kind, Format: format})
	if err != nil || rep.Unchanged != len(want) || rep.Imported+rep.Updated != 0 {
		t.Errorf("%s: import into the source store = %+v, %v; want all unchanged", kind, rep, err)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	s := memstore.New()
	impSeed(t, s)
	t.Run("jsonl", func(t *testing.T) {
		impRoundTrip(t, "enterprises", FormatJSONL, EnterpriseKind, Store.Enterprises, s)
		impRoundTrip(t, "patents", FormatJSONL, PatentKind, Store.Patents, s)
		impRoundTrip(t, "banks", FormatJSONL, BankKind, Store.Banks, s)
		impRoundTrip(t, "products", FormatJSONL, ProductKind, Store.Products, s)
		impRoundTrip(t, "events", FormatJSONL, EventKind, Store.Events, s)
		impRoundTrip(t, "participants", FormatJSONL, ParticipantKind, Store.Participants, s)
		impRoundTrip(t, "deals", FormatJSONL, DealKind, Store.Deals, s)
		impRoundTrip(t, "pools", FormatJSONL, PoolKind, Store.Pools, s)
	})
	t.Run("csv", func(t *testing.T) {
		impRoundTrip(t, "enterprises", FormatCSV, EnterpriseKind, Store.Enterprises, s)
		impRoundTrip(t, "products", FormatCSV, ProductKind, Store.Products, s)
	})
}

func TestExportJSONL(t *testing.T) {
	s := memstore.New()
	impSeed(t, s)
	var out bytes.Buffer
	if err := Export(context.Background(), s, &out, "banks", ""); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], `{"id":"bank_ccb","name":"中国建设银行",`) || !strings.HasPrefix(lines[1], `{"id":"bank_zqrcb"`) {
		t.Errorf("banks export, sorted by ID, one per line, Chinese unescaped:\n%s", out.String())
	}
}

func TestExportCSVLayout(t *testing.T) {
	s := memstore.New()
	impSeed(t, s)
	ctx := context.Background()
	for _, tc := range []struct {
		kind, header string
		row          string // the start of one expected row
	}{
		{"enterprises", EnterpriseCSVColumns[:strings.Index(EnterpriseCSVColumns, ",revenue_YYYY")] +
			",revenue_2021,profit_2021,assets_2021,liabilities_2021,revenue_2022,profit_2022,assets_2022,liabilities_2022,revenue_2023,profit_2023,assets_2023,liabilities_2023",
			`ent_b,"'=HYPERLINK(""http://x"")",`},
		{"products", ProductCSVColumns, "prod_a,bank_ccb,专利贷,\"知识产权质押, 风险补偿\",100000,5000000,6,36,-15,0.3,0.25,0,4412,C34;C35,B23K;E01B,invention;utility_model,8,4,0,2,1,5000000,0.7,true,B,high_tech,pool_zq,true"},
	} {
		var out bytes.Buffer
		if err := Export(ctx, s, &out, tc.kind, FormatCSV); err != nil {
			t.Fatal(err)
		}
		text, ok := strings.CutPrefix(out.String(), UTF8BOM)
		if !ok {
			t.Errorf("%s: no byte-order mark", tc.kind)
		}
		header, rest, _ := strings.Cut(text, "\n")
		if header != tc.header {
			t.Errorf("%s header:\n got %s\nwant %s", tc.kind, header, tc.header)
		}
		if !strings.Contains(rest, "\n"+tc.row) && !strings.HasPrefix(rest, tc.row) {
			t.Errorf("%s: no row starting %s in\n%s", tc.kind, tc.row, rest)
		}
	}
	// ent_c has no financials: its year cells are empty, not 0.
	var out bytes.Buffer
	if err := Export(ctx, s, &out, "enterprises", FormatCSV); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), ",false,false,,,,,,,,,,,,\n") {
		t.Errorf("ent_c's empty financial years are not empty cells:\n%s", out.String())
	}
}

func TestExportOptions(t *testing.T) {
	s := memstore.New()
	for _, tc := range []struct{ kind, format, field string }{
		{"tokens", FormatJSONL, "kind"},
		{"widgets", FormatJSONL, "kind"},
		{"patents", FormatCSV, "format"},
		{"patents", FormatCNIPACSV, "format"},
		{"banks", "xml", "format"},
	} {
		err := Export(context.Background(), s, &bytes.Buffer{}, tc.kind, tc.format)
		if ErrorCode(err) != CodeInvalid || len(ErrorFields(err)) != 1 || ErrorFields(err)[0].Field != tc.field {
			t.Errorf("Export(%s, %s) = %v, want invalid %s", tc.kind, tc.format, err, tc.field)
		}
	}
}

// copyTables copies every kind of record except the kind named except.
func copyTables(t *testing.T, from, to Store, except string) {
	t.Helper()
	copyTable(t, EnterpriseKind, from.Enterprises(), to.Enterprises(), except)
	copyTable(t, PatentKind, from.Patents(), to.Patents(), except)
	copyTable(t, BankKind, from.Banks(), to.Banks(), except)
	copyTable(t, ProductKind, from.Products(), to.Products(), except)
	copyTable(t, EventKind, from.Events(), to.Events(), except)
	copyTable(t, ParticipantKind, from.Participants(), to.Participants(), except)
	copyTable(t, DealKind, from.Deals(), to.Deals(), except)
	copyTable(t, PoolKind, from.Pools(), to.Pools(), except)
}

func copyTable[T any](t *testing.T, k Kind[T], from, to Table[T], except string) {
	t.Helper()
	if k.Name == except {
		return
	}
	recs, _, err := from.List(context.Background(), ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ptrs := make([]*T, len(recs))
	for i := range recs {
		ptrs[i] = &recs[i]
	}
	if _, err := to.Put(context.Background(), ptrs...); err != nil {
		t.Fatalf("copy %s: %v", k.Name, err)
	}
}
