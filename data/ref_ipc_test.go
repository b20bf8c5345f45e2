package data

import (
	"encoding/csv"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestNormalizeIPC(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"E01B3/32(2006.01)I", "E01B3/32"},
		{"E01D101/28(2006.01)N", "E01D101/28"},
		{" b23k 9/00 ", "B23K9/00"},
		{"B23K 9/00", "B23K9/00"},
		{"B23K9/013", "B23K9/013"},
		{"B23K9/013 (2006.01) I", "B23K9/013"},
		{"B23K9/013（2006.01）", "B23K9/013"},
		{"B23K9/013A", "B23K9/013"},
		{"B23K09/00", "B23K9/00"},
		{"B23K", "B23K"},
		{"H04N", "H04N"}, // trailing N is the subclass, not a marker
		{"B23", "B23"},
		{"B", "B"},
		{"A", "A"},
		{"H01L21/02", "H01L21/02"}, // subclass lost by the PDF parse, restored
		{"B23K99/99", "B23K99/99"}, // groups need not exist
	}
	for _, tt := range tests {
		got, err := NormalizeIPC(tt.raw)
		if err != nil || got != tt.want {
			t.Errorf("NormalizeIPC(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
		}
	}
	bad := []struct{ raw, msg string }{
		{"", "empty"},
		{"Z99", "unknown section Z"},
		{"1234", "section letter"},
		{"B2", "class must be two digits"},
		{"B23K9", "lacks \"/\""},
		{"B23K/00", "no main group"},
		{"B23K9/0", "subgroup must be 2 to 6 digits"},
		{"B23K9/00x", "subgroup must be"},
		{"B23K12345/00", "main group must be 1 to 4 digits"},
		{"B23K0/00", "main group must be 1 to 4 digits"},
		{"B23K9/00(2006)I", "bad version"},
		{"B231", "subclass must be one letter"},
		{"B23Z", "unknown IPC subclass B23Z"}, // B99Z exists (B99: subject matter not otherwise provided for)
		{"b23z 1/00", "unknown IPC subclass B23Z"},
		{"B98", "unknown IPC class B98"},
	}
	for _, tt := range bad {
		got, err := NormalizeIPC(tt.raw)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("NormalizeIPC(%q) = %q, %v; want error containing %q", tt.raw, got, err, tt.msg)
		}
	}
}

// TestNormalizeIPCCNIPA normalises every classification of the CNIPA export.
func TestNormalizeIPCCNIPA(t *testing.T) {
	f, err := os.Open("testdata/cnipa_biblio_export_199.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	main, all := slices.Index(recs[0], "主分类号"), slices.Index(recs[0], "分类号")
	n := 0
	for _, rec := range recs[1:] {
		codes := append([]string{rec[main]}, strings.Split(rec[all], ";")...)
		for _, raw := range codes {
			if strings.TrimSpace(raw) == "" {
				continue
			}
			code, err := NormalizeIPC(raw)
			if err != nil || strings.ContainsAny(code, "() ") {
				t.Errorf("NormalizeIPC(%q) = %q, %v", raw, code, err)
			}
			if IPCTitle(code) == "" {
				t.Errorf("IPCTitle(%q) is empty", code)
			}
			n++
		}
	}
	if n < 199 {
		t.Errorf("only %d codes checked", n)
	}
}

func TestIPCLevels(t *testing.T) {
	tests := map[string][]string{
		"B23K9/013":   {"B", "B23", "B23K", "B23K9/00", "B23K9/013"},
		"B23K9/00":    {"B", "B23", "B23K", "B23K9/00"},
		"B23K":        {"B", "B23", "B23K"},
		"B23":         {"B", "B23"},
		"B":           {"B"},
		"b23k 9/013 ": {"B", "B23", "B23K", "B23K9/00", "B23K9/013"},
		"B23K9":       nil,
		"":            nil,
	}
	for code, want := range tests {
		if got := IPCLevels(code); !slices.Equal(got, want) {
			t.Errorf("IPCLevels(%q) = %q, want %q", code, got, want)
		}
	}
}

func TestLookupIPC(t *testing.T) {
	tests := []IPCEntry{
		{Code: "B", Level: "section", Title: "作业；运输"},
		{Code: "B23", Level: "class", Parent: "B"},
		{Code: "B23K", Level: "subclass", Parent: "B23"},
		{Code: "B23K9/00", Level: "main_group", Parent: "B23K"},
		{Code: "B23K9/013", Level: "subgroup", Title: "电弧切割、刨削、表面缺陷清除或清除表面金属", Parent: "B23K9/00"},
		{Code: "A01B13/02", Level: "subgroup", Title: "用于起垅或修垅的，例如带有对称配置的犁壁的", Parent: "A01B13/00"},
		{Code: "H02P21/02", Level: "subgroup", Parent: "H02P21/00"},   // source parent column says H02P27/00
		{Code: "E01D101/10", Level: "subgroup", Parent: "E01D101/00"}, // repaired from "E01D101/1"
		{Code: "H01L", Level: "subclass", Parent: "H01"},              // restored, no title
	}
	for _, want := range tests {
		got, ok := LookupIPC(want.Code)
		if want.Title == "" {
			want.Title = got.Title // only check titles given above
		}
		if !ok || got != want {
			t.Errorf("LookupIPC(%q) = %+v, %v; want %+v", want.Code, got, ok, want)
		}
	}
	if got, ok := LookupIPC("b23k"); ok {
		t.Errorf("LookupIPC is exact, but found %+v for b23k", got)
	}
	// Parse artefacts dropped by refdata/gen.go.
	for _, code := range []string{"", "A47C4/00", "E01D101/1", "E04B1/68"} {
		if got, ok := LookupIPC(code); ok {
			t.Errorf("LookupIPC(%q) = %+v, want artefact dropped", code, got)
		}
	}
}

func TestIPCTitle(t *testing.T) {
	tests := map[string]string{
		"B23K9/013":           "电弧切割、刨削、表面缺陷清除或清除表面金属",
		"B23K9/013(2006.01)I": "电弧切割、刨削、表面缺陷清除或清除表面金属",
		"B23K9/9999":          IPCTitle("B23K9/00"), // unknown subgroup: main group title
		"H01L21/02":           IPCTitle("H01"),      // restored subclass without title
		"A01B11/00":           "带有振动、挖掘或穿孔工作部件的犁",
		"B":                   "作业；运输",
		"B23K9":               "",
		"Z":                   "",
	}
	for code, want := range tests {
		if got := IPCTitle(code); got != want {
			t.Errorf("IPCTitle(%q) = %q, want %q", code, got, want)
		}
	}
	if IPCTitle("B23K9/00") == "" || IPCTitle("H01") == "" {
		t.Error("expected titles for B23K9/00 and H01")
	}
}

// TestIPCTableShape checks the cleaned table: every symbol's parent chain
// reaches a section, titles carry no PDF indentation dots.
func TestIPCTableShape(t *testing.T) {
	table := ipcTable()
	if len(table) < 77000 {
		t.Fatalf("IPC table has %d entries", len(table))
	}
	levels := map[string]int{}
	for code, e := range table {
		levels[e.Level]++
		if strings.HasPrefix(e.Title, ".") || strings.HasPrefix(e.Title, "·") {
			t.Errorf("%s title %q keeps indentation dots", code, e.Title)
		}
		if e.Level != "subgroup" && e.Parent != "" {
			if _, ok := table[e.Parent]; !ok {
				t.Errorf("%s: parent %s missing", code, e.Parent)
			}
		}
	}
	if levels["section"] != 8 || levels["class"] < 130 || levels["subclass"] < 650 {
		t.Errorf("unexpected level counts %v", levels)
	}
}

// TestParseIPCSet reads a landscape's set of IPC codes: normalised, in
// order, without repeats; an empty set or a code that is not one refused
// naming it.
func TestParseIPCSet(t *testing.T) {
	got, err := ParseIPCSet(" b23k 9/00 ,B23K11/00，B23K9/00、E01* ")
	if want := []string{"B23K9/00", "B23K11/00", "E01"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("ParseIPCSet = %q, %v; want %q", got, err, want)
	}
	for _, bad := range []string{"", " , ", "B23K,X99Z"} {
		if got, err := ParseIPCSet(bad); err == nil {
			t.Errorf("ParseIPCSet(%q) = %q, want an error", bad, got)
		} else if bad == "B23K,X99Z" && !strings.Contains(err.Error(), "X99") {
			t.Errorf("ParseIPCSet(%q): %v does not name the code", bad, err)
		}
	}
}
