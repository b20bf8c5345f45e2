package data

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func validPatent() Patent {
	return Patent{
		ApplicationNumber: "CN201220249767.4",
		Title:             "一种钢筋混凝土轨枕",
		IPC:               []string{"E01B3/32(2006.01)I", "E01B9/10(2006.01)I", "E01B3/32(2006.01)I"},
		Applicants:        []string{" 海安县建莲商品混凝土有限公司 "},
		Address:           "226634 江苏省南通市海安县老坝港镇海港村16组",
		FilingDate:        NewDate(2012, 5, 31),
		PublicationDate:   NewDate(2013, 1, 2),
	}
}

func TestPatentNormalize(t *testing.T) {
	p := validPatent()
	p.Normalize()
	if err := p.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if p.ApplicationNumber != "201220249767.4" || p.Type != UtilityModel {
		t.Errorf("number, type = %s, %s", p.ApplicationNumber, p.Type)
	}
	if !slices.Equal(p.IPC, []string{"E01B3/32", "E01B9/10"}) {
		t.Errorf("IPC = %v", p.IPC)
	}
	if p.ExpiryDate != NewDate(2022, 5, 31) {
		t.Errorf("ExpiryDate = %s, want 2022-05-31", p.ExpiryDate)
	}
	if !RegionWithin(p.Region, "3206") {
		t.Errorf("Region = %q, want one within 3206 南通市", p.Region)
	}
	if p.Applicants[0] != "海安县建莲商品混凝土有限公司" {
		t.Errorf("applicant not trimmed: %q", p.Applicants[0])
	}
}

// fieldsOf returns the names of the fields an error complains about.
func fieldsOf(err error) []string {
	var names []string
	for _, f := range ErrorFields(err) {
		names = append(names, f.Field)
	}
	return names
}

func TestPatentValidateNamesFields(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Patent)
		field string
	}{
		{"wrong check character", func(p *Patent) { p.ApplicationNumber = "201220249767.5" }, "application_number"},
		{"grant before filing", func(p *Patent) { p.GrantDate = NewDate(2011, 1, 1) }, "grant_date"},
		{"bad IPC", func(p *Patent) { p.IPC = []string{"Z99Q1/00"} }, "ipc[0]"},
		{"no title", func(p *Patent) { p.Title = " " }, "title"},
		{"no applicants", func(p *Patent) { p.Applicants = nil }, "applicants"},
		{"unknown region", func(p *Patent) { p.Region = "999999" }, "region"},
		{"no filing date", func(p *Patent) { p.FilingDate = Date{} }, "filing_date"},
		{"type disagrees", func(p *Patent) { p.Type = Invention }, "type"},
		{"unknown status", func(p *Patent) { p.LegalStatus = "sleeping" }, "legal_status"},
		{"negative claims", func(p *Patent) { p.Claims = -1 }, "claims"},
		{"unknown history kind", func(p *Patent) { p.History = []Transaction{{Kind: "gift"}} }, "history[0].kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validPatent()
			tt.edit(&p)
			p.Normalize()
			err := p.Validate()
			if ErrorCode(err) != CodeInvalid || !slices.Contains(fieldsOf(err), tt.field) {
				t.Fatalf("Validate() = %v; want an invalid error naming %q", err, tt.field)
			}
		})
	}
}

func TestDesignTermFrom2021(t *testing.T) {
	c, _ := ApplicationNumberCheck("202130012345")
	p := Patent{ApplicationNumber: "202130012345." + string(c), Title: "机床外壳", Applicants: []string{"甲公司"}, FilingDate: NewDate(2021, 6, 1)}
	p.Normalize()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.ExpiryDate != NewDate(2036, 6, 1) {
		t.Fatalf("design filed 2021-06-01 expires %s, want 2036-06-01", p.ExpiryDate)
	}
	p.ExpiryDate = NewDate(2031, 6, 1)
	if err := p.Validate(); !slices.Contains(fieldsOf(err), "expiry_date") {
		t.Fatalf("a wrong expiry date passed: %v", err)
	}
}

func validEnterprise() Enterprise {
	return Enterprise{
		Name: "肇庆市高要区示例机械有限公司", CreditCode: "91441204MA4UQ8XY1B", Industry: "3421",
		Founded:    NewDate(2010, 3, 1),
		Financials: []Financials{{Year: 2020, Revenue: 5e7, Profit: 4e6, Assets: 6e7, Liabilities: 3e7}, {Year: 2019, Revenue: 4e7, Profit: -1e6, Assets: 5e7, Liabilities: 3e7}},
		TaxGrade:   "a", Certs: []Certification{CertHighTech},
		Need: FinancingNeed{Amount: 3_000_000, TermMonths: 24},
	}
}

func TestEnterpriseNormalizeValidate(t *testing.T) {
	e := validEnterprise()
	e.Normalize()
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	if e.Region != "441204" || e.Industry != "C3421" || e.TaxGrade != "A" || e.Financials[0].Year != 2019 {
		t.Errorf("normalised to region %q industry %q grade %q first year %d", e.Region, e.Industry, e.TaxGrade, e.Financials[0].Year)
	}
	tests := []struct {
		edit  func(*Enterprise)
		field string
	}{
		{func(e *Enterprise) { e.CreditCode = "91441204MA4UQ8XY1C" }, "credit_code"},
		{func(e *Enterprise) { e.Region = "441299" }, "region"},
		{func(e *Enterprise) { e.Industry = "C9999" }, "industry"},
		{func(e *Enterprise) { e.Financials[0].Revenue = -1 }, "financials[0].revenue"},
		{func(e *Enterprise) { e.Financials[1].Year = e.Financials[0].Year }, "financials[1].year"},
		{func(e *Enterprise) { e.TaxGrade = "E" }, "tax_grade"},
		{func(e *Enterprise) { e.Need.Amount = -5 }, "need.amount"},
		{func(e *Enterprise) { e.Certs = []Certification{"famous"} }, "certifications[0]"},
	}
	for _, tt := range tests {
		e := validEnterprise()
		e.Normalize()
		tt.edit(&e)
		if err := e.Validate(); !slices.Contains(fieldsOf(err), tt.field) {
			t.Errorf("want an error naming %q, got %v", tt.field, err)
		}
	}
}

func TestProductValidate(t *testing.T) {
	p := Product{BankID: "bank_a", Name: "专利贷", MaxAmount: 5_000_000, MaxTerm: 36, PledgeRates: ByType{Invention: 0.3, UtilityModel: 0.3}, IPCAreas: []string{"b23k"}, Industries: []string{"34"}, Active: true}
	p.Normalize()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.IPCAreas[0] != "B23K" || p.Industries[0] != "C34" {
		t.Errorf("codes not normalised: %v %v", p.IPCAreas, p.Industries)
	}
	p.MinAmount = 6_000_000
	p.PledgeRates.Design = 1.5
	err := p.Validate()
	for _, f := range []string{"max_amount", "pledge_rates.design"} {
		if !slices.Contains(fieldsOf(err), f) {
			t.Errorf("want an error naming %q, got %v", f, err)
		}
	}
}

func TestDealStateMachine(t *testing.T) {
	at := time.Date(2021, 4, 23, 6, 0, 0, 0, time.UTC)
	d := Deal{EnterpriseID: "ent_1", BankID: "bank_1", ProductID: "prod_1", Amount: 3_500_000}
	d.Normalize()
	for _, s := range []Stage{StageMet, StageIntent, StageFiled, StageAccepted, StageDisbursed} {
		if err := d.Move(s, "tester", at, ""); err != nil {
			t.Fatalf("Move(%s): %v", s, err)
		}
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("Validate after legal moves: %v", err)
	}
	if len(d.History) != 6 || d.History[0].Stage != StageRegistered {
		t.Fatalf("history = %+v", d.History)
	}
	if err := d.Move(StageIntent, "tester", at, ""); ErrorCode(err) != CodeConflict {
		t.Fatalf("moving back to intent: %v, want conflict", err)
	}
	if err := d.Move("paid", "tester", at, ""); ErrorCode(err) != CodeInvalid {
		t.Fatalf("moving to an unknown stage: %v, want invalid", err)
	}
	// A forged history that skips stages is refused.
	d.History[2].Stage = StageAccepted
	if err := d.Validate(); err == nil || !strings.Contains(err.Error(), "cannot move") {
		t.Fatalf("forged history passed: %v", err)
	}
}

func TestKindCheckPrefixesBatchFields(t *testing.T) {
	good, bad := validPatent(), validPatent()
	bad.ApplicationNumber = "201220249767.5"
	err := PatentKind.Check([]*Patent{&good, &bad})
	if !slices.Contains(fieldsOf(err), "[1].application_number") {
		t.Fatalf("want [1].application_number, got %v", err)
	}
	if err := PatentKind.Check([]*Patent{&good}); err != nil {
		t.Fatal(err)
	}
	e := validEnterprise()
	e.ID = "../etc"
	if err := EnterpriseKind.Check([]*Enterprise{&e}); !slices.Contains(fieldsOf(err), "id") {
		t.Fatalf("a path-like id passed: %v", err)
	}
}

func TestScheduleRefusesDoubleBooking(t *testing.T) {
	base := func() Schedule {
		return Schedule{EventID: "evt_1", Meetings: []Meeting{
			{EnterpriseID: "ent_a", BankID: "bank_a", Table: 1, Slot: 1},
			{EnterpriseID: "ent_b", BankID: "bank_a", Table: 2, Slot: 1},
			{EnterpriseID: "ent_a", BankID: "bank_b", Table: 1, Slot: 2},
		}}
	}
	s := base()
	s.Normalize()
	if err := s.Validate(); err != nil {
		t.Fatalf("a clean schedule: %v", err)
	}
	tests := []struct {
		name string
		edit func(*Schedule)
		want string
	}{
		{"enterprise twice in a slot", func(s *Schedule) { s.Meetings[2].Slot = 1 }, "double-books ent_a in slot 1"},
		{"table twice in a slot", func(s *Schedule) { s.Meetings[1].Table = 1 }, "double-books table 1 of bank_a in slot 1"},
		{"pair twice", func(s *Schedule) { s.Meetings[2].BankID = "bank_a"; s.Meetings[2].Table = 3 }, "meets bank_a twice"},
		{"slot from 1", func(s *Schedule) { s.Meetings[0].Slot = 0 }, "must be 1 or more"},
		{"id is the event", func(s *Schedule) { s.ID = "other" }, "must equal event_id"},
		{"reason only on an override", func(s *Schedule) { s.Meetings[0].OverrideReason = "必须会谈" }, "meetings[0].override_reason"},
		{"reason bounded", func(s *Schedule) {
			s.Meetings[0].Override, s.Meetings[0].OverrideReason = true, strings.Repeat("因", MaxOverrideReason+1)
		}, "at most 200"},
	}
	for _, tt := range tests {
		s := base()
		s.Normalize()
		tt.edit(&s)
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.want)
		}
	}
}
