package door

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"
)

// Workbook is an Excel workbook as the exports write it: sheets with
// Chinese names (made valid and unique, sheetNamer), each an optional
// bold title row, a bold header row, then the rows. The schedule, the
// pipeline and the landscape workbooks are all made with it.
type Workbook struct {
	f      *excelize.File
	bold   int
	names  sheetNamer
	sheets int
}

// NewWorkbook returns an empty workbook; Close it when done.
func NewWorkbook() (*Workbook, error) {
	f := excelize.NewFile()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		f.Close()
		return nil, err
	}
	return &Workbook{f: f, bold: bold, names: sheetNamer{used: map[string]bool{}}}, nil
}

// Close releases the workbook.
func (w *Workbook) Close() { w.f.Close() }

// Sheet is one sheet of a Workbook, filled a row at a time.
type Sheet struct {
	w    *Workbook
	name string
	next int // the next row, from 1
}

// Sheet adds a sheet named name with the given column widths, a title row
// unless title is "", and header.
func (w *Workbook) Sheet(name string, widths []float64, title string, header []string) (*Sheet, error) {
	s := &Sheet{w: w, name: w.names.name(name), next: 1}
	if w.sheets == 0 {
		if err := w.f.SetSheetName("Sheet1", s.name); err != nil {
			return nil, err
		}
	} else if _, err := w.f.NewSheet(s.name); err != nil {
		return nil, err
	}
	w.sheets++
	for i, wd := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := w.f.SetColWidth(s.name, col, col, wd); err != nil {
			return nil, err
		}
	}
	first := "A1"
	if title != "" {
		if err := s.Row(title); err != nil {
			return nil, err
		}
	}
	hdr := make([]any, len(header))
	for i, h := range header {
		hdr[i] = h
	}
	if err := s.Row(hdr...); err != nil {
		return nil, err
	}
	last, _ := excelize.CoordinatesToCellName(len(header), s.next-1)
	if err := w.f.SetCellStyle(s.name, first, last, w.bold); err != nil {
		return nil, err
	}
	return s, nil
}

// Row appends a row of values.
func (s *Sheet) Row(vals ...any) error {
	cell, _ := excelize.CoordinatesToCellName(1, s.next)
	s.next++
	return s.w.f.SetSheetRow(s.name, cell, &vals)
}

// Send answers the workbook as the attachment file.
func (w *Workbook) Send(c *gin.Context, file string) error {
	buf, err := w.f.WriteToBuffer()
	if err != nil {
		return err
	}
	Attachment(c, file)
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
	return nil
}
