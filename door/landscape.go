package door

import (
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
)

// LandscapeXLSX answers the landscape l as an Excel workbook with Chinese
// headers, a sheet per part of the report: 历年申请 (filings per year by
// type), 技术构成 and 技术分支 (the IPC subclasses and main groups), 法律状态
// (the legal statuses), 技术集群 (the technology clusters), 主要申请人 (the
// top applicants) and, when there are figures, 融资潜力 by district and by
// cluster.
func LandscapeXLSX(c *gin.Context, l *app.Landscape) error {
	wb, err := NewWorkbook()
	if err != nil {
		return err
	}
	defer wb.Close()
	scope := "全部地区"
	if l.RegionName != "" {
		scope = l.RegionName
	}
	if l.Query != "" {
		scope += " · “" + l.Query + "”"
	}
	if l.IPC != "" {
		scope += " · " + l.IPC
	}
	if l.IndustryName != "" {
		scope += " · " + l.IndustryName
	}
	title := "专利导航：" + scope + "（截至 " + l.AsOf.String() + "，共 " + strconv.Itoa(l.Total) + " 件）"

	years, err := wb.Sheet("历年申请", []float64{10, 10, 10, 10, 10}, title, []string{"申请年份", "发明", "实用新型", "外观设计", "合计"})
	if err != nil {
		return err
	}
	for _, y := range l.ByYear {
		if err := years.Row(y.Year, y.Invention, y.UtilityModel, y.Design, y.Total); err != nil {
			return err
		}
	}
	ipc, err := wb.Sheet("技术构成", []float64{10, 60, 10, 10, 10, 12}, title, []string{"IPC 小类", "名称", "专利数", "占比", "增长", "专业化指数"})
	if err != nil {
		return err
	}
	for _, s := range l.ByIPC {
		var spec any = ""
		if s.Specialisation > 0 {
			spec = s.Specialisation
		}
		if err := ipc.Row(s.Code, s.Title, s.Count, s.Share, growthCell(s.Growth), spec); err != nil {
			return err
		}
	}
	groups, err := wb.Sheet("技术分支", []float64{12, 60, 10, 10, 10}, title, []string{"IPC 大组", "名称", "专利数", "占比", "增长"})
	if err != nil {
		return err
	}
	for _, s := range l.ByGroup {
		if err := groups.Row(s.Code, s.Title, s.Count, s.Share, growthCell(s.Growth)); err != nil {
			return err
		}
	}
	status, err := wb.Sheet("法律状态", []float64{16, 10}, title, []string{"法律状态", "专利数"})
	if err != nil {
		return err
	}
	for _, s := range l.ByStatus {
		if err := status.Row(s.Label, s.Count); err != nil {
			return err
		}
	}
	clusters, err := wb.Sheet("技术集群", []float64{30, 50, 10, 10, 12, 60}, title, []string{"技术集群", "主要术语", "样本件数", "占比", "估计专利数", "代表专利"})
	if err != nil {
		return err
	}
	for _, cl := range l.Clusters {
		examples := make([]string, len(cl.Examples))
		for i, e := range cl.Examples {
			examples[i] = e.Title + "（" + e.ID + "）"
		}
		if err := clusters.Row(cl.Name, strings.Join(cl.Terms, "、"), cl.Sampled, cl.Share, cl.Count, strings.Join(examples, "；")); err != nil {
			return err
		}
	}
	applicants, err := wb.Sheet("主要申请人", []float64{44, 10, 10, 16}, title, []string{"申请人", "专利数", "占比", "平台企业 ID"})
	if err != nil {
		return err
	}
	for _, a := range l.TopApplicants {
		if err := applicants.Row(a.Name, a.Count, a.Share, a.EnterpriseID); err != nil {
			return err
		}
	}
	if f := l.Financing; f != nil && f.Unavailable == "" {
		heads := []string{"企业", "有可质押专利", "可质押专利", "评估价值（元）", "可获贷企业", "可贷合计（元）", "融资需求（元）", "缺口（元）"}
		widths := []float64{30, 8, 12, 12, 14, 12, 14, 14, 14}
		row := func(sh *Sheet, name string, d app.LandscapePotential) error {
			return sh.Row(name, d.Enterprises, d.Pledgeable, d.PledgeablePatents, d.AppraisedValue, d.Borrowers, d.SupportableLoans, d.Needs, d.Gap)
		}
		fin, err := wb.Sheet("融资潜力", widths, title, append([]string{"地区"}, heads...))
		if err != nil {
			return err
		}
		for _, d := range f.ByDistrict {
			if err := row(fin, d.RegionName, d); err != nil {
				return err
			}
		}
		if err := row(fin, "合计", f.Total); err != nil {
			return err
		}
		byCluster, err := wb.Sheet("融资潜力（按技术集群）", widths, title, append([]string{"技术集群"}, heads...))
		if err != nil {
			return err
		}
		for _, d := range f.ByCluster {
			if err := row(byCluster, d.Cluster, d); err != nil {
				return err
			}
		}
		if err := row(byCluster, "未归入集群", f.Unclustered); err != nil {
			return err
		}
		if err := row(byCluster, "合计", f.Total); err != nil {
			return err
		}
	}
	return wb.Send(c, "landscape.xlsx")
}

// growthCell is a growth rate's cell: empty when there is none.
func growthCell(g *float64) any {
	if g == nil {
		return ""
	}
	return *g
}
