package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
)

// landscapeView is the data of /app/organizer/landscape: the form, the
// landscape and its charts' geometry (SVG drawn by the template, no
// script).
type landscapeView struct {
	Query, Region, IPC, Industry, AsOf string
	// Problem says in Chinese what is wrong with the form, if anything.
	Problem string
	// NoIndex: this server has no search index to count in.
	NoIndex bool
	L       *app.Landscape
	Years   []landscapeYearBar
	IPCs    []landscapeIPCBar
	// IPCHeight is the height of the subclasses' chart.
	IPCHeight int
	// Districts are the financing chart's rows, DistrictHeight its height.
	Districts      []landscapeDistrictBar
	DistrictHeight int
}

// landscapeDistrictBar is one district's pair of bars: its stated needs
// and the loans its enterprises could get, on one scale.
type landscapeDistrictBar struct {
	app.LandscapePotential
	Y, NeedW, LoanW, TextY, TextX int
}

// landscapeDistrictRow is the height of one district's pair of bars.
const landscapeDistrictRow = 34

// landscapeYearBar is one year's stacked bar: x and width, and the top
// and height of each type's part (y grows downwards from 0 to
// landscapeChartHeight).
type landscapeYearBar struct {
	app.LandscapeYear
	X, W                               int
	InvY, InvH, UtiY, UtiH, DesY, DesH int
	LabelYear                          bool // print the year under the bar
}

// landscapeIPCBar is one subclass's horizontal bar.
type landscapeIPCBar struct {
	app.LandscapeIPC
	Y, W, TextY, TextX int
	Percent            string
}

// The charts' size in SVG units.
const (
	landscapeChartWidth  = 640
	landscapeChartHeight = 180
	landscapeBarMax      = 360
	landscapeIPCRow      = 20 // the height of one subclass's bar and gap
)

// landscapePage handles GET /app/organizer/landscape (organizer only):
// 专利导航, the patents of a region and IPC code filed by a date, counted
// by app.Landscape, with charts and a print view (the browser's print).
func (h *webHandlers) landscapePage(c *gin.Context) error {
	return h.landscape(c, false)
}

// landscapeXLSX handles GET /app/organizer/landscape.xlsx: the page's
// counts as the API's workbook (door.LandscapeXLSX).
func (h *webHandlers) landscapeXLSX(c *gin.Context) error {
	return h.landscape(c, true)
}

// landscape answers the page, or its workbook when xlsx.
func (h *webHandlers) landscape(c *gin.Context, xlsx bool) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer/landscape"); err != nil {
		return err
	}
	v := landscapeView{Query: strings.TrimSpace(c.Query("q")), Region: strings.TrimSpace(c.Query("region")), IPC: strings.TrimSpace(c.Query("ipc")),
		Industry: strings.TrimSpace(c.Query("industry")), AsOf: strings.TrimSpace(c.Query("as_of"))}
	if h.s.Cfg.Search == nil {
		v.NoIndex = true
		return h.render(c, http.StatusOK, "landscape", webPage{Title: "专利导航", Data: v})
	}
	req := app.LandscapeRequest{Query: v.Query, Region: v.Region, IPC: v.IPC, Industry: v.Industry}
	if v.AsOf != "" {
		d, err := data.ParseDate(v.AsOf)
		if err != nil || d.IsZero() {
			v.Problem = "截止日期：须为日期，如 2021-04-23。"
			return h.render(c, http.StatusUnprocessableEntity, "landscape", webPage{Title: "专利导航", Data: v})
		}
		req.AsOf = d
	}
	l, err := h.s.App.Landscape(c.Request.Context(), door.Caller(c), h.s.Cfg.Search, req)
	if code := data.ErrorCode(err); code == data.CodeInvalid || code == data.CodeMalformed {
		v.Problem = landscapeProblem(err)
		return h.render(c, http.StatusUnprocessableEntity, "landscape", webPage{Title: "专利导航", Data: v})
	}
	if err != nil {
		return err
	}
	if xlsx {
		return door.LandscapeXLSX(c, l)
	}
	v.L = l
	v.AsOf = l.AsOf.String()
	v.Years, v.IPCs = landscapeBars(l)
	v.IPCHeight = len(v.IPCs) * landscapeIPCRow
	v.Districts = landscapeDistricts(l.Financing)
	v.DistrictHeight = len(v.Districts) * landscapeDistrictRow
	return h.render(c, http.StatusOK, "landscape", webPage{Title: "专利导航", Data: v})
}

// landscapeProblem says in Chinese which field of the form was refused.
func landscapeProblem(err error) string {
	for _, f := range data.ErrorFields(err) {
		switch f.Field {
		case "region":
			return "地区：须为行政区划代码，如 44（广东省）、4412（肇庆市）或 441204（高要区）。"
		case "ipc":
			return "分类号：须为 IPC 部、大类、小类或大组，如 B23K 或 B23K37/04。"
		case "q":
			return "检索式：无法理解或范围过大。请检查引号（\"、「」）和括号是否成对、字段名是否正确；单个汉字最多 4 个。"
		case "industry":
			return "产业：须为《战略性新兴产业分类与国际专利分类参照关系表（2021）》的产业代码，如 2.1（智能制造装备产业）；或国民经济行业代码，如 C35、C33-C40 或 装备制造业。"
		}
	}
	return "检索条件有误，请检查后重试。"
}

// landscapeBars lays out the charts of l.
func landscapeBars(l *app.Landscape) ([]landscapeYearBar, []landscapeIPCBar) {
	most := 1
	for _, y := range l.ByYear {
		most = max(most, y.Total)
	}
	var years []landscapeYearBar
	if n := len(l.ByYear); n > 0 {
		w := landscapeChartWidth / n
		step := max(1, (n+11)/12) // at most about 12 year labels
		for i, y := range l.ByYear {
			b := landscapeYearBar{LandscapeYear: y, X: i * w, W: max(1, w-2), LabelYear: i%step == 0 || i == n-1}
			scale := func(c int) int { return c * landscapeChartHeight / most }
			b.InvH, b.UtiH, b.DesH = scale(y.Invention), scale(y.UtilityModel), scale(y.Design)
			b.InvY = landscapeChartHeight - b.InvH
			b.UtiY = b.InvY - b.UtiH
			b.DesY = b.UtiY - b.DesH
			years = append(years, b)
		}
	}
	top := 1
	for _, c := range l.ByIPC {
		top = max(top, c.Count)
	}
	var ipcs []landscapeIPCBar
	for i, c := range l.ByIPC {
		b := landscapeIPCBar{LandscapeIPC: c, Y: i * landscapeIPCRow, W: max(1, c.Count*landscapeBarMax/top),
			Percent: strconv.FormatFloat(c.Share*100, 'f', 1, 64)}
		b.TextY, b.TextX = b.Y+13, 56+b.W
		ipcs = append(ipcs, b)
	}
	return years, ipcs
}

// landscapeDistricts lays out the financing chart: each district's needs
// and supportable loans, scaled to the largest of either.
func landscapeDistricts(f *app.LandscapeFinancing) []landscapeDistrictBar {
	if f == nil {
		return nil
	}
	top := int64(1)
	for _, d := range f.ByDistrict {
		top = max(top, d.Needs, d.SupportableLoans)
	}
	var out []landscapeDistrictBar
	for i, d := range f.ByDistrict {
		b := landscapeDistrictBar{LandscapePotential: d, Y: i * landscapeDistrictRow,
			NeedW: int(d.Needs * landscapeBarMax / top), LoanW: int(d.SupportableLoans * landscapeBarMax / top)}
		b.TextY, b.TextX = b.Y+12, 110+max(b.NeedW, b.LoanW)+6
		out = append(out, b)
	}
	return out
}
