package door

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"ipmatch/app"
)

// LandscapeXLSX answers the landscape l as an Excel workbook with Chinese
// headers: 历年申请 (filings per year by type), 技术构成 (the IPC
// subclasses) and 法律状态 (the legal statuses).
func LandscapeXLSX(c *gin.Context, l *app.Landscape) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	scope := "全部地区"
	if l.RegionName != "" {
		scope = l.RegionName
	}
	if l.IPC != "" {
		scope += " · " + l.IPC
	}
	if l.IndustryName != "" {
		scope += " · " + l.IndustryName
	}
	title := "专利导航：" + scope + "（截至 " + l.AsOf.String() + "，共 " + strconv.Itoa(l.Total) + " 件）"
	sheets := []struct {
		name   string
		widths []float64
		header []string
		rows   [][]any
	}{
		{name: "历年申请", widths: []float64{10, 10, 10, 10, 10}, header: []string{"申请年份", "发明", "实用新型", "外观设计", "合计"}},
		{name: "技术构成", widths: []float64{10, 60, 10, 10, 12}, header: []string{"IPC 小类", "名称", "专利数", "占比", "专业化指数"}},
		{name: "法律状态", widths: []float64{16, 10}, header: []string{"法律状态", "专利数"}},
	}
	for _, y := range l.ByYear {
		sheets[0].rows = append(sheets[0].rows, []any{y.Year, y.Invention, y.UtilityModel, y.Design, y.Total})
	}
	for _, s := range l.ByIPC {
		var spec any = ""
		if s.Specialisation > 0 {
			spec = s.Specialisation
		}
		sheets[1].rows = append(sheets[1].rows, []any{s.Subclass, s.Title, s.Count, s.Share, spec})
	}
	for _, s := range l.ByStatus {
		sheets[2].rows = append(sheets[2].rows, []any{s.Label, s.Count})
	}
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			return err
		}
		for j, w := range s.widths {
			col, _ := excelize.ColumnNumberToName(j + 1)
			if err := f.SetColWidth(s.name, col, col, w); err != nil {
				return err
			}
		}
		if err := f.SetCellValue(s.name, "A1", title); err != nil {
			return err
		}
		if err := f.SetSheetRow(s.name, "A2", &s.header); err != nil {
			return err
		}
		last, _ := excelize.CoordinatesToCellName(len(s.header), 2)
		if err := f.SetCellStyle(s.name, "A1", last, bold); err != nil {
			return err
		}
		for r, vals := range s.rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+3)
			if err := f.SetSheetRow(s.name, cell, &vals); err != nil {
				return err
			}
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return err
	}
	Attachment(c, "landscape.xlsx")
	c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
	return nil
}
