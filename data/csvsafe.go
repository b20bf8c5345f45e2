package data

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Spreadsheet formula injection (CWE-1236): a CSV cell that starts with
// one of csvFormulaStart is read by Excel, WPS and LibreOffice as a
// formula, so a name such as =HYPERLINK("http://…","点击") or
// -2+3+cmd|'/C calc'!A0 typed by one party would run on the computer of
// the bank or organizer who opens the export. Every CSV the service
// writes goes through FormulaSafe (text) or CSVWriter (rows), following
// OWASP's CSV injection advice: such a text cell gets a leading "'", which
// the spreadsheet shows as text and data.Import removes again.
//
// Numbers are kept as numbers only where the cell is a number in Go (an
// int or a float written by the service, never text someone typed): the
// service formats it, so it is only digits, a sign, a point and an
// exponent, which no spreadsheet can read as a reference, a function or a
// DDE call. A text cell that looks like a negative number ("-12.5" as a
// name) is still prefixed: it is text, and stays text.

// FormulaSafe returns text s as a CSV cell that no spreadsheet reads as a
// formula: a leading "'" when s starts with =, +, -, @, a tab or a
// carriage return, or when s already starts with "'" followed by one of
// them (so that Import, which removes one "'", gives s back).
func FormulaSafe(s string) string {
	if s == "" {
		return s
	}
	if strings.ContainsRune(csvFormulaStart, rune(s[0])) ||
		len(s) > 1 && s[0] == '\'' && strings.ContainsRune(csvFormulaStart, rune(s[1])) {
		return "'" + s
	}
	return s
}

// CSVWriter writes CSV rows whose text cells are made FormulaSafe. Use it
// for every CSV download.
type CSVWriter struct{ w *csv.Writer }

// NewCSVWriter returns a CSVWriter writing to w.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{w: csv.NewWriter(w)} }

// WriteText writes a row of text cells, each made FormulaSafe. A nil row
// writes an empty line.
func (cw *CSVWriter) WriteText(cells []string) {
	row := make([]string, len(cells))
	for i, s := range cells {
		row[i] = FormulaSafe(s)
	}
	cw.w.Write(row) // errors stick; Error reports them
}

// WriteCells writes a row of cells of any type: ints and floats as plain
// numbers (see the file comment), nil as an empty cell, anything else as
// its text made FormulaSafe.
func (cw *CSVWriter) WriteCells(cells []any) {
	row := make([]string, len(cells))
	for i, v := range cells {
		switch x := v.(type) {
		case nil:
		case int:
			row[i] = strconv.Itoa(x)
		case int64:
			row[i] = strconv.FormatInt(x, 10)
		case float64:
			row[i] = strconv.FormatFloat(x, 'f', -1, 64)
		case string:
			row[i] = FormulaSafe(x)
		default:
			row[i] = FormulaSafe(fmt.Sprint(x))
		}
	}
	cw.w.Write(row)
}

// Flush writes any buffered rows.
func (cw *CSVWriter) Flush() { cw.w.Flush() }

// Error reports the first error of a write or flush.
func (cw *CSVWriter) Error() error { return cw.w.Error() }
