package data_test

import (
	"context"
	"strings"
	"testing"
	"time"

	. "ipmatch/data"
	"ipmatch/data/memstore"
)

func TestAppraisalValidate(t *testing.T) {
	good := func() Appraisal {
		return Appraisal{EnterpriseID: "ent_1", AppraiserID: "appraiser_1", Patents: []string{" CN201220249767.4 ", "2019109876540"},
			Value: 5_000_000, BaseDate: NewDate(2021, time.March, 1), Method: "Income", ReportNumber: " 粤评报字[2021]第1号 "}
	}
	a := good()
	a.Normalize()
	if err := a.Validate(); err != nil {
		t.Fatalf("valid appraisal: %v", err)
	}
	if a.Method != MethodIncome || a.ReportNumber != "粤评报字[2021]第1号" || a.Patents[0] != "201220249767.4" {
		t.Errorf("not normalised: %+v", a)
	}
	if !a.CurrentOn(NewDate(2021, time.March, 1)) || !a.CurrentOn(NewDate(2022, time.February, 28)) ||
		a.CurrentOn(NewDate(2022, time.March, 1)) || a.CurrentOn(NewDate(2021, time.February, 28)) {
		t.Errorf("current from %s until %s", a.BaseDate, a.ExpiresOn())
	}
	for _, tc := range []struct {
		name  string
		edit  func(*Appraisal)
		field string
	}{
		{"no enterprise", func(a *Appraisal) { a.EnterpriseID = "" }, "enterprise_id"},
		{"no firm", func(a *Appraisal) { a.AppraiserID = "" }, "appraiser_id"},
		{"no patents", func(a *Appraisal) { a.Patents = nil }, "patents"},
		{"bad number", func(a *Appraisal) { a.Patents = []string{"201220249767.5"} }, "patents[0]"},
		{"twice", func(a *Appraisal) { a.Patents = []string{"201220249767.4", "CN2012202497674"} }, "patents[1]"},
		{"zero value", func(a *Appraisal) { a.Value = 0 }, "value"},
		{"no base date", func(a *Appraisal) { a.BaseDate = Date{} }, "base_date"},
		{"unknown method", func(a *Appraisal) { a.Method = "intuition" }, "method"},
		{"no report number", func(a *Appraisal) { a.ReportNumber = " " }, "report_number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := good()
			tc.edit(&a)
			a.Normalize()
			fields := ErrorFields(a.Validate())
			if len(fields) != 1 || fields[0].Field != tc.field {
				t.Errorf("fields %+v, want one naming %s", fields, tc.field)
			}
		})
	}
	firm := Appraiser{Name: "广东靖洋资产评估有限公司", Licence: ""}
	if f := ErrorFields(firm.Validate()); len(f) != 1 || f[0].Field != "licence" {
		t.Errorf("appraiser without licence: %+v", f)
	}
}

// TestImportAppraisals imports appraisal firms and reports row by row: a
// report naming an unknown firm, a patent that does not exist or one of
// another enterprise is refused with the field, and nothing of it is
// written; the good rows are, and importing them again changes nothing.
func TestImportAppraisals(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	ents := impEnterpriseJSON(t, "ent_a", "91441204MA4UQ8XY1", nil) + "\n" + impEnterpriseJSON(t, "ent_b", "91441204MA4UQ8XY2", nil) + "\n"
	if rep, err := Import(ctx, s, strings.NewReader(ents), ImportOptions{Kind: "enterprises"}); err != nil || rep.Imported != 2 {
		t.Fatalf("enterprises: %+v %v", rep, err)
	}
	for _, p := range []*Patent{
		{ApplicationNumber: "201220249767.4", Type: UtilityModel, Title: "一", FilingDate: NewDate(2012, 5, 1), GrantDate: NewDate(2012, 12, 1), LegalStatus: StatusValid, OwnerID: "ent_a", Applicants: []string{"甲"}, IPC: []string{"B23K37/04"}},
		{ApplicationNumber: "201910987654.0", Type: Invention, Title: "二", FilingDate: NewDate(2019, 5, 1), GrantDate: NewDate(2020, 12, 1), LegalStatus: StatusValid, OwnerID: "ent_b", Applicants: []string{"乙"}, IPC: []string{"B23K37/04"}},
	} {
		if _, err := s.Patents().Put(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Import(ctx, s, strings.NewReader(`{"id":"appraiser_jy","name":"广东靖洋资产评估有限公司","licence":"演示-靖洋-001"}`+"\n"), ImportOptions{Kind: "appraisers"})
	if err != nil || rep.Imported != 1 {
		t.Fatalf("appraisers: %+v %v", rep, err)
	}
	in := strings.Join([]string{
		`{"id":"appraisal_1","enterprise_id":"ent_a","appraiser_id":"appraiser_jy","patents":["201220249767.4"],"value":3000000,"base_date":"2021-03-25","method":"income","report_number":"靖洋评报字[2021]第1号"}`,
		`{"id":"appraisal_2","enterprise_id":"ent_a","appraiser_id":"appraiser_none","patents":["201220249767.4"],"value":3000000,"base_date":"2021-03-25","method":"income","report_number":"R2"}`,
		`{"id":"appraisal_3","enterprise_id":"ent_a","appraiser_id":"appraiser_jy","patents":["201910987654.0"],"value":3000000,"base_date":"2021-03-25","method":"income","report_number":"R3"}`,
		`{"id":"appraisal_4","enterprise_id":"ent_a","appraiser_id":"appraiser_jy","patents":["202010123456.0"],"value":3000000,"base_date":"2021-03-25","method":"income","report_number":"R4"}`,
		`{"id":"appraisal_5","enterprise_id":"ent_a","appraiser_id":"appraiser_jy","patents":["201220249767.4"],"value":-1,"base_date":"2021-03-25","method":"income","report_number":"R5"}`,
	}, "\n")
	want := map[int]string{2: "appraiser_id", 3: "patents[0]", 4: "patents[0]", 5: "value"}
	for _, n := range []string{"202010123456"} {
		c, _ := ApplicationNumberCheck(n)
		in = strings.Replace(in, "202010123456.0", n+"."+string(c), 1)
	}
	rep, err = Import(ctx, s, strings.NewReader(in), ImportOptions{Kind: "appraisals"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 5 || rep.Imported != 1 || len(rep.Rejected) != len(want) {
		t.Fatalf("report %+v", rep)
	}
	for _, r := range rep.Rejected {
		if want[r.Row] != r.Field {
			t.Errorf("row %d rejected on %s (%s), want %s", r.Row, r.Field, r.Reason, want[r.Row])
		}
	}
	// Another enterprise's patent reads like a missing one: no owner, no
	// hint that the number is on record.
	other, missing := rep.Rejected[1].Reason, rep.Rejected[2].Reason
	if strings.Contains(other, "ent_b") || strings.Replace(other, "201910987654.0", "N", 1) != strings.Replace(missing, rep.Rejected[2].Reason[len("no patent "):len("no patent ")+14], "N", 1) {
		t.Errorf("another enterprise's patent %q, a missing one %q: want the same words", other, missing)
	}
	if n, _ := s.Appraisals().Count(ctx); n != 1 {
		t.Errorf("%d appraisals stored, want 1", n)
	}
	// Again: unchanged.
	rep, err = Import(ctx, s, strings.NewReader(strings.SplitN(in, "\n", 2)[0]), ImportOptions{Kind: "appraisals"})
	if err != nil || rep.Unchanged != 1 {
		t.Errorf("second import %+v %v", rep, err)
	}
}
