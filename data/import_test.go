package data_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	. "ipmatch/data"
	"ipmatch/data/memstore"
)

// impEnterpriseJSON returns a valid enterprise as a JSON object, edited by
// edit (which may add, change or delete keys).
func impEnterpriseJSON(t *testing.T, id, cc17 string, edit func(map[string]any)) string {
	t.Helper()
	m := map[string]any{
		"id": id, "name": "示例企业" + id, "credit_code": impCreditCode(t, cc17), "industry": "C34",
		"founded": "2011-01-01", "financials": []any{map[string]any{"year": 2022, "revenue": 100}},
		"need": map[string]any{"amount": 0, "term_months": 0},
	}
	if id == "" {
		delete(m, "id")
	}
	if edit != nil {
		edit(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestImportJSONLRejections(t *testing.T) {
	tests := []struct {
		line   string
		field  string // "" for a valid line
		reason string
	}{
		{impEnterpriseJSON(t, "ent_ok1", "91441204MA4UQ8XY1", nil), "", ""},
		{impEnterpriseJSON(t, "ent_2", "91441204MA4UQ8XY2", func(m map[string]any) { m["colour"] = "red" }), "colour", "unknown field"},
		{impEnterpriseJSON(t, "ent_3", "91441204MA4UQ8XY3", func(m map[string]any) { m["need"].(map[string]any)["foo"] = 1 }), "need.foo", "unknown field"},
		{impEnterpriseJSON(t, "ent_4", "91441204MA4UQ8XY4", func(m map[string]any) { m["employees"] = "many" }), "employees", "must be an integer"},
		{impEnterpriseJSON(t, "ent_5", "91441204MA4UQ8XY5", func(m map[string]any) { m["founded"] = "2010-02-30" }), "founded", "not a date"},
		{impEnterpriseJSON(t, "ent_6", "91441204MA4UQ8XY6", func(m map[string]any) {
			m["financials"] = []any{map[string]any{"year": 2021}, map[string]any{"year": 2022, "revenue": "x"}}
		}), "financials[1].revenue", "must be an integer"},
		{impEnterpriseJSON(t, "ent_7", "91441204MA4UQ8XY7", func(m map[string]any) { m["region"] = "999999" }), "region", "not a known region"},
		{impEnterpriseJSON(t, "ent_8", "91441204MA4UQ8XY8", func(m map[string]any) { m["credit_code"] = "91441204MA4UQ8XY80" }), "credit_code", "check character"},
		{`{"name": `, "row", "not valid JSON"},
		{`[1, 2]`, "row", "must be a JSON object"},
		{`null`, "row", "must be a JSON object"},
		{`{"id":"ent_x"} {"id":"ent_y"}`, "row", "not valid JSON"},
		{impEnterpriseJSON(t, "", "91441204MA4UQ8XY9", nil), "", ""},
	}
	var in strings.Builder
	for _, tc := range tests {
		in.WriteString(tc.line + "\n\n") // blank lines are skipped but counted
	}
	s := memstore.New()
	rep, err := Import(context.Background(), s, strings.NewReader(in.String()), ImportOptions{Kind: "enterprises"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Format != FormatJSONL || rep.Rows != len(tests) || rep.Imported != 2 {
		t.Errorf("report %+v, want jsonl, %d rows, 2 imported", rep, len(tests))
	}
	var got []Rejection
	for i, tc := range tests {
		if tc.field == "" {
			continue
		}
		if len(rep.Rejected) == 0 {
			t.Fatalf("line %d: no rejection left; want %s", 2*i+1, tc.field)
		}
		r := rep.Rejected[0]
		rep.Rejected = rep.Rejected[1:]
		got = append(got, r)
		if r.Row != 2*i+1 || r.Field != tc.field || !strings.Contains(r.Reason, tc.reason) {
			t.Errorf("rejection %+v, want row %d field %s reason with %q", r, 2*i+1, tc.field, tc.reason)
		}
	}
	if len(rep.Rejected) != 0 {
		t.Errorf("more rejections than expected: %+v", rep.Rejected)
	}
	if got[0].ID != "ent_2" {
		t.Errorf("a record that does not decode is rejected without its id: %+v", got[0])
	}
}

func TestImportMalformedInput(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"binary", "\x00\x01\x02PK\x03\x04"},
		{"gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xed\xc1"},
		{"utf-16", "\xff\xfei\x00d\x00"},
		{"gbk", "\xc6\xf3\xd2\xb5\xc3\xfb\xb3\xc6,1\n"}, // 企业名称 in GBK
	} {
		for _, format := range []string{FormatJSONL, FormatCSV} {
			rep, err := Import(context.Background(), memstore.New(), strings.NewReader(tc.in), ImportOptions{Kind: "enterprises", Format: format})
			if ErrorCode(err) != CodeMalformed || rep.Rows != 0 {
				t.Errorf("%s as %s: %+v, %v; want malformed", tc.name, format, rep, err)
			}
		}
	}
}

func TestImportOptions(t *testing.T) {
	for _, tc := range []struct {
		opts  ImportOptions
		code  Code
		field string
	}{
		{ImportOptions{}, CodeInvalid, "kind"},
		{ImportOptions{Kind: "tokens"}, CodeInvalid, "kind"},
		{ImportOptions{Kind: "banks", Format: "xml"}, CodeInvalid, "format"},
		{ImportOptions{Kind: "patents", Format: FormatCSV}, CodeInvalid, "format"},
		{ImportOptions{Kind: "enterprises", Format: FormatCNIPACSV}, CodeInvalid, "format"},
		{ImportOptions{Kind: "banks", BatchSize: -1}, CodeInvalid, "batch_size"},
		{ImportOptions{Kind: "banks", OwnerEnterpriseID: "ent_a"}, CodeForbidden, ""},
		{ImportOptions{Kind: "deals", BankID: "bank_a"}, CodeForbidden, ""},
		{ImportOptions{Kind: "patents", BankID: "bank_a"}, CodeForbidden, ""},
	} {
		rep, err := Import(context.Background(), memstore.New(), strings.NewReader("{}\n"), tc.opts)
		if ErrorCode(err) != tc.code {
			t.Errorf("%+v: err %v, want %s", tc.opts, err, tc.code)
		}
		if tc.field != "" && (len(ErrorFields(err)) != 1 || ErrorFields(err)[0].Field != tc.field) {
			t.Errorf("%+v: err %v does not name %s", tc.opts, err, tc.field)
		}
		if rep.Rows != 0 || rep.Rejected == nil {
			t.Errorf("%+v: report %+v", tc.opts, rep)
		}
	}
}

func TestImportReportJSON(t *testing.T) {
	rep, err := Import(context.Background(), memstore.New(), strings.NewReader(""), ImportOptions{Kind: "banks"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(rep)
	if want := `{"kind":"banks","format":"jsonl","rows":0,"imported":0,"updated":0,"unchanged":0,"rejected":[]}`; string(b) != want {
		t.Errorf("report JSON %s, want %s", b, want)
	}
}

func TestImportLongLine(t *testing.T) {
	long := impEnterpriseJSON(t, "ent_long", "91441204MA4UQ8XY2", func(m map[string]any) {
		m["business_scope"] = strings.Repeat("x", MaxImportLine)
	})
	in := impEnterpriseJSON(t, "ent_1", "91441204MA4UQ8XY1", nil) + "\n" + long + "\n" +
		impEnterpriseJSON(t, "ent_3", "91441204MA4UQ8XY3", nil) // no final newline
	rep, err := Import(context.Background(), memstore.New(), strings.NewReader(in), ImportOptions{Kind: "enterprises"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 2 || len(rep.Rejected) != 1 || rep.Rejected[0].Row != 2 || rep.Rejected[0].Reason != "longer than 1 MiB" {
		t.Errorf("report %+v", rep)
	}
}

func TestImportConflictRetriesRowByRow(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	held := impCreditCode(t, "91441204MA4UQ8XY9")
	if _, err := s.Enterprises().Put(ctx, &Enterprise{ID: "ent_y", Name: "已有企业", CreditCode: held, Industry: "C34", Founded: NewDate(2000, 1, 1)}); err != nil {
		t.Fatal(err)
	}
	in := impEnterpriseJSON(t, "ent_1", "91441204MA4UQ8XY1", nil) + "\n" +
		impEnterpriseJSON(t, "ent_2", "91441204MA4UQ8XY2", func(m map[string]any) { m["credit_code"] = held }) + "\n" +
		impEnterpriseJSON(t, "ent_3", "91441204MA4UQ8XY3", nil) + "\n"
	rep, err := Import(ctx, s, strings.NewReader(in), ImportOptions{Kind: "enterprises", BatchSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 2 || len(rep.Rejected) != 1 {
		t.Fatalf("report %+v, want 2 imported, 1 rejected", rep)
	}
	if r := rep.Rejected[0]; r.Row != 2 || r.ID != "ent_2" || r.Field != "credit_code" || !strings.Contains(r.Reason, "already belongs to ent_y") {
		t.Errorf("rejection %+v", r)
	}
	if got := s.PutCalls("enterprises"); got != 1+1+3 {
		t.Errorf("%d Put calls, want 5: the seed, the batch, then one per row", got)
	}
	if _, err := s.Enterprises().Get(ctx, "ent_2"); ErrorCode(err) != CodeNotFound {
		t.Errorf("the conflicting row was written: %v", err)
	}
}

func TestImportUpdatesOnlyWhatChanged(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	lines := []string{
		impEnterpriseJSON(t, "ent_1", "91441204MA4UQ8XY1", nil),
		impEnterpriseJSON(t, "ent_2", "91441204MA4UQ8XY2", nil),
		impEnterpriseJSON(t, "ent_3", "91441204MA4UQ8XY3", nil),
	}
	if _, err := Import(ctx, s, strings.NewReader(strings.Join(lines, "\n")), ImportOptions{Kind: "enterprises"}); err != nil {
		t.Fatal(err)
	}
	before, _, _ := s.Enterprises().List(ctx, ListOptions{})
	lines[1] = impEnterpriseJSON(t, "ent_2", "91441204MA4UQ8XY2", func(m map[string]any) { m["employees"] = 7 })
	// Created and updated times in the input are ignored.
	lines[2] = impEnterpriseJSON(t, "ent_3", "91441204MA4UQ8XY3", func(m map[string]any) { m["updated_at"] = "2001-01-01T00:00:00Z" })
	rep, err := Import(ctx, s, strings.NewReader(strings.Join(lines, "\n")), ImportOptions{Kind: "enterprises"})
	if err != nil || rep.Updated != 1 || rep.Unchanged != 2 || rep.Imported != 0 {
		t.Fatalf("re-import = %+v, %v; want 1 updated, 2 unchanged", rep, err)
	}
	after, _, _ := s.Enterprises().List(ctx, ListOptions{})
	for i := range after {
		moved := !after[i].UpdatedAt.Equal(before[i].UpdatedAt)
		if moved != (after[i].ID == "ent_2") || !after[i].CreatedAt.Equal(before[i].CreatedAt) {
			t.Errorf("%s: UpdatedAt moved %v, CreatedAt %v → %v", after[i].ID, moved, before[i].CreatedAt, after[i].CreatedAt)
		}
	}

	// The same record twice in one batch: the later row wins.
	in := impEnterpriseJSON(t, "ent_4", "91441204MA4UQ8XY4", nil) + "\n" +
		impEnterpriseJSON(t, "", "91441204MA4UQ8XY4", func(m map[string]any) { m["employees"], m["name"] = 9, "示例企业ent_4" }) + "\n" +
		impEnterpriseJSON(t, "ent_4", "91441204MA4UQ8XY4", func(m map[string]any) { m["employees"] = 9 }) + "\n"
	rep, err = Import(ctx, s, strings.NewReader(in), ImportOptions{Kind: "enterprises"})
	if err != nil || rep.Imported != 1 || rep.Updated != 1 || rep.Unchanged != 1 {
		t.Fatalf("duplicates = %+v, %v; want 1 imported, 1 updated, 1 unchanged", rep, err)
	}
	if e, _ := s.Enterprises().Get(ctx, "ent_4"); e.Employees != 9 {
		t.Errorf("ent_4 has %d employees, want 9 from the last row", e.Employees)
	}
	if n, _ := s.Enterprises().Count(ctx); n != 4 {
		t.Errorf("%d enterprises, want 4", n)
	}
}

func TestImportEnterpriseOwnerScope(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	other := impCreditCode(t, "91441204MA4UQ8XY9")
	if _, err := s.Enterprises().Put(ctx, &Enterprise{ID: "ent_other", Name: "别家", CreditCode: other, Industry: "C34", Founded: NewDate(2000, 1, 1)}); err != nil {
		t.Fatal(err)
	}
	in := impEnterpriseJSON(t, "", "91441204MA4UQ8XY1", nil) + "\n" +
		impEnterpriseJSON(t, "ent_other", "91441204MA4UQ8XY9", func(m map[string]any) { m["name"] = "改名" }) + "\n" +
		impEnterpriseJSON(t, "", "91441204MA4UQ8XY9", func(m map[string]any) { m["name"] = "冒名" }) + "\n"
	rep, err := Import(ctx, s, strings.NewReader(in), ImportOptions{Kind: "enterprises", OwnerEnterpriseID: "ent_me"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 1 || len(rep.Rejected) != 2 || rep.Rejected[0].Field != "id" || rep.Rejected[1].Field != "credit_code" {
		t.Fatalf("report %+v", rep)
	}
	if e, err := s.Enterprises().Get(ctx, "ent_me"); err != nil || e.CreditCode != impCreditCode(t, "91441204MA4UQ8XY1") {
		t.Errorf("ent_me = %+v, %v", e, err)
	}
	if e, _ := s.Enterprises().Get(ctx, "ent_other"); e.Name != "别家" {
		t.Errorf("another enterprise was changed: %+v", e)
	}
}

func TestImportBusinessKeys(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	banks := `{"name":"中国建设银行","branch":"肇庆市分行","region":"4412"}` + "\n" + `{"name":"肇庆农商银行","region":"441204"}` + "\n"
	for i, want := range []ImportReport{{Rows: 2, Imported: 2}, {Rows: 2, Unchanged: 2}} {
		rep, err := Import(ctx, s, strings.NewReader(banks), ImportOptions{Kind: "banks"})
		if err != nil || rep.Rows != want.Rows || rep.Imported != want.Imported || rep.Unchanged != want.Unchanged {
			t.Errorf("import %d = %+v, %v; want %+v", i+1, rep, err, want)
		}
	}
	// Two stored banks with the same name and branch: a row without id is ambiguous.
	if _, err := s.Banks().Put(ctx, &Bank{Name: "肇庆农商银行", Region: "441204"}); err != nil {
		t.Fatal(err)
	}
	rep, err := Import(ctx, s, strings.NewReader(banks), ImportOptions{Kind: "banks"})
	if err != nil || rep.Unchanged != 1 || len(rep.Rejected) != 1 || rep.Rejected[0].Field != "id" || rep.Rejected[0].Row != 2 {
		t.Errorf("ambiguous = %+v, %v", rep, err)
	}

	// Participants are found by event, role and party.
	seedRefs(t, s, "evt_1", "bank_a")
	part := `{"event_id":"evt_1","role":"bank","bank_id":"bank_a","tables":2}`
	for i, want := range []ImportReport{{Imported: 1}, {Unchanged: 1}} {
		rep, err := Import(ctx, s, strings.NewReader(part), ImportOptions{Kind: "participants"})
		if err != nil || rep.Imported != want.Imported || rep.Unchanged != want.Unchanged {
			t.Errorf("participants import %d = %+v, %v", i+1, rep, err)
		}
	}
	if n, _ := s.Participants().Count(ctx); n != 1 {
		t.Errorf("%d participants, want 1", n)
	}
}

func TestImportRejectionCap(t *testing.T) {
	in := strings.Repeat("{}\n", MaxListedRejections/4)
	rep, err := Import(context.Background(), memstore.New(), strings.NewReader(in), ImportOptions{Kind: "enterprises"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rejected) != MaxListedRejections+1 {
		t.Fatalf("%d rejections listed, want %d", len(rep.Rejected), MaxListedRejections+1)
	}
	if last := rep.Rejected[MaxListedRejections]; !strings.HasSuffix(last.Reason, "more rejections not listed") {
		t.Errorf("last rejection %+v", last)
	}
}

func TestImportCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := impEnterpriseJSON(t, "ent_1", "91441204MA4UQ8XY1", nil)
	if _, err := Import(ctx, memstore.New(), strings.NewReader(in), ImportOptions{Kind: "enterprises"}); err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func ExampleImport() {
	s := memstore.New()
	in := `{"name":"中国建设银行","branch":"肇庆市分行","region":"4412"}
{"name":"","region":"441204"}
`
	rep, err := Import(context.Background(), s, strings.NewReader(in), ImportOptions{Kind: "banks"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d rows: %d imported, %d rejected\n", rep.Rows, rep.Imported, len(rep.Rejected))
	for _, r := range rep.Rejected {
		fmt.Printf("row %d: %s %s\n", r.Row, r.Field, r.Reason)
	}
	// Output:
	// 2 rows: 1 imported, 1 rejected
	// row 2: name is required
}
