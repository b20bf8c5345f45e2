package web

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
	"ipmatch/door"
	"ipmatch/matcher"
)

// valuationRow is one patent of the valuation page and its bar.
type valuationRow struct {
	Label, Title, Type string
	// Alone are the percentiles of the patent's value pledged on its own;
	// Share is its part of the portfolio's P50.
	Alone Percentiles
	Share float64
	Note  string
	// X10, X50, X90 are the bar's P10, P50 and P90 in the chart's
	// coordinates; Y the row's top.
	X10, X50, X90, Width, Y, TextY float64
	Drawn                          bool
	// ValueText labels the bar with its values in 万元, right of the plot.
	ValueText string
}

// Percentiles is matcher.Percentiles, for the page.
type Percentiles = matcher.Percentiles

// valuationTick is one mark of the chart's value axis.
type valuationTick struct {
	X     float64
	Label string
}

// valuationParam is one line of the parameters, in Chinese.
type valuationParam struct{ Name, Value string }

// valuationView is the data of /app/enterprise/valuation.
type valuationView struct {
	Enterprise *data.Enterprise
	AsOf       data.Date
	Note       string
	Valuation  *matcher.PortfolioValuation
	// Approach names the method in Chinese; Notes are what a reader
	// should know, in Chinese.
	Approach string
	Notes    []string
	Rows     []valuationRow
	Params   []valuationParam
	// The chart: its height, the left edge and width of the plot, the
	// axis ticks and the value at the right end (yuan).
	Height, AxisY, PlotX, PlotW float64
	ValueX, Width               float64
	Ticks                       []valuationTick
	Scale                       float64
	// ChartText is the chart's text alternative: the portfolio's values,
	// then each bar's, as a screen reader reads them.
	ChartText string
}

// patentStatusNotes say in Chinese why a patent is not valued.
var patentStatusNotes = map[string]string{
	matcher.PatentNotGranted:    "申请尚未授权：不计价值（尚无专利权，也不能办理质押登记）",
	matcher.PatentNoRight:       "专利权已终止、被宣告无效、驳回或撤回：不计价值",
	matcher.PatentTermEnded:     "保护期已届满：不计价值",
	matcher.PatentNoExpiry:      "缺少申请日或到期日，无法确定剩余寿命：不计价值",
	matcher.PatentStatusUnknown: "法律状态未知：不计价值",
	matcher.PatentZeroStrength:  "专利价值度为零：不计价值",
}

// valuationErrorNote says in Chinese why a portfolio cannot be valued.
func valuationErrorNote(err error) string {
	for _, f := range data.ErrorFields(err) {
		switch {
		case f.Field == "patents":
			return "企业名下尚未登记专利"
		case strings.HasPrefix(f.Field, "financials"):
			return "缺少财务数据：收益法需要最近一年的营业收入"
		case f.Field == "as_of":
			return "估值基准日早于 LPR 数据的起点（2019-08-20），无法确定折现率"
		}
	}
	return "估值参数有误：" + data.ErrorMessage(err)
}

// valuationPage handles GET /app/enterprise/valuation: the Monte Carlo
// value of the enterprise's portfolio and of each patent pledged on its
// own (P10/P50/P90), drawn as a labelled range chart, with every
// parameter, all in Chinese.
func (h *webHandlers) valuationPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleCompany, "/app/enterprise/valuation"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), door.Caller(c)
	_, asOf, err := h.s.Params(c, "as_of")
	if err != nil {
		return err
	}
	e, patents, err := h.ownPortfolio(ctx, p)
	if err != nil {
		return err
	}
	v := valuationView{Enterprise: e, AsOf: asOf}
	ev, err := h.s.App.Valuation(ctx, p, e.ID, asOf, matcher.ValuationOptions{})
	if data.ErrorCode(err) == data.CodeInvalid {
		v.Note = valuationErrorNote(err)
		return h.render(c, http.StatusOK, "valuation", webPage{Title: "专利组合估值", Data: v})
	}
	if err != nil {
		return err
	}
	pv := ev.Valuation
	v.Valuation = pv
	par := pv.Parameters
	v.Approach = approachLabels[par.Approach]
	titles := map[string]string{}
	types := map[string]string{}
	for _, pt := range patents {
		titles[pt.ApplicationNumber], types[pt.ApplicationNumber] = pt.Title, pt.Type.Label()
	}

	// The chart: a label column, the plot, then a column of values; one
	// row per patent. 170 units hold 「P50 99999.99 万元」 at 11 px.
	const rowH, plotX, plotW, valueW = 26.0, 120.0, 500.0, 170.0
	scale := 0.0
	for _, pt := range pv.Patents {
		scale = max(scale, pt.Standalone.P90)
	}
	scale = niceCeil(scale)
	v.Scale, v.PlotX, v.PlotW = scale, plotX, plotW
	v.ValueX, v.Width = plotX+plotW+8, plotX+plotW+valueW
	alt := []string{fmt.Sprintf("专利组合：P10 %s 万元，P50 %s 万元，P90 %s 万元", wan(pv.Portfolio.P10), wan(pv.Portfolio.P50), wan(pv.Portfolio.P90))}
	pos := func(x float64) float64 {
		if scale <= 0 {
			return plotX
		}
		return plotX + x/scale*plotW
	}
	unvalued := 0
	for i, pt := range pv.Patents {
		r := valuationRow{Label: pt.ApplicationNumber, Title: titles[pt.ApplicationNumber], Type: types[pt.ApplicationNumber],
			Alone: pt.Standalone, Share: pt.Value.P50, Y: 24 + float64(i)*rowH, Drawn: pt.Standalone.P90 > 0}
		r.TextY = r.Y + 17
		if pt.Status != matcher.PatentValued {
			r.Note = patentStatusNotes[pt.Status]
			unvalued++
		}
		r.X10, r.X50, r.X90 = pos(pt.Standalone.P10), pos(pt.Standalone.P50), pos(pt.Standalone.P90)
		r.Width = max(r.X90-r.X10, 1)
		if r.Drawn {
			r.ValueText = "P50 " + wan(pt.Standalone.P50) + " 万元"
			alt = append(alt, fmt.Sprintf("专利 %s 单独质押：P10 %s 万元，P50 %s 万元，P90 %s 万元", r.Label,
				wan(pt.Standalone.P10), wan(pt.Standalone.P50), wan(pt.Standalone.P90)))
		} else {
			alt = append(alt, "专利 "+r.Label+"：不计价值")
		}
		v.Rows = append(v.Rows, r)
	}
	v.AxisY = 24 + float64(len(v.Rows))*rowH + 4
	v.Height = v.AxisY + 22
	for k := 0; k <= 4; k++ {
		v.Ticks = append(v.Ticks, valuationTick{X: plotX + float64(k)/4*plotW, Label: wan(scale*float64(k)/4) + " 万元"})
	}
	v.ChartText = strings.Join(alt, "；") + "。"

	if par.LPR != nil && par.LPR.Stale {
		v.Notes = append(v.Notes, fmt.Sprintf("估值基准日晚于内置 LPR 数据的最后一期（%s），沿用该期一年期 LPR %s。", par.LPR.Date, pct2(par.LPR.OneYear)))
	}
	if unvalued > 0 {
		v.Notes = append(v.Notes, fmt.Sprintf("%d 件专利未计价值（见下表说明），其余 %d 件分享技术贡献。", unvalued, len(pv.Patents)-unvalued))
	}
	if par.Approach == matcher.ApproachRoyalty && par.RoyaltySector != "configured" {
		v.Notes = append(v.Notes, "企业近年没有正的利润率可供分成，按所属行业的技术提成率估值（许可费节省法）。")
	}

	v.Params = valuationParams(par, pv, ev)
	return h.render(c, http.StatusOK, "valuation", webPage{Title: "专利组合估值", Data: v})
}

// valuationParams lists the parameters of a valuation in Chinese.
func valuationParams(par matcher.ValuationParameters, pv *matcher.PortfolioValuation, ev matcher.EnterpriseValuation) []valuationParam {
	rng := func(r matcher.Range) string { return pct2(r.Low) + " / " + pct2(r.Mode) + " / " + pct2(r.High) }
	out := []valuationParam{{"估值方法", approachLabels[par.Approach]}}
	if par.Approach == matcher.ApproachProfitSplit {
		years := ""
		if n := len(par.MarginYears); n > 0 {
			years = fmt.Sprintf("（%d–%d 年利润总额 ÷ 营业收入）", par.MarginYears[0], par.MarginYears[n-1])
		}
		out = append(out,
			valuationParam{"技术分成率（占利润，低 / 众数 / 高）", rng(par.ProfitShare) + "（四分法 25% 至三分法 33.3%）"},
			valuationParam{"销售利润率", pct2(par.ProfitMargin) + years})
	} else {
		sector, _, _ := strings.Cut(par.RoyaltySector, " ")
		if par.RoyaltySector == "configured" {
			sector = "配置值"
		}
		out = append(out, valuationParam{"技术提成率（占销售收入，" + sector + "）", rng(par.RoyaltyRate) + "（联合国工业发展组织行业提成率）"})
	}
	out = append(out,
		valuationParam{"销售收入分成率（低 / 众数 / 高）", rng(par.ContributionRate)},
		valuationParam{"收入基数", fmt.Sprintf("%s 万元%s，专利产品收入占比 %s", wan(par.RevenueBase), yearNote(par.RevenueYear), pct(par.RevenueShare))},
		valuationParam{"收入增长率", fmt.Sprintf("中位 %s，对数标准差 %.2f", pct(par.Growth.Median), par.Growth.Sigma)},
		valuationParam{"所得税率", pct(par.TaxRate)},
		valuationParam{"折现率", fmt.Sprintf("基准利率 %s%s + 技术 %s + 市场 %s + 资金 %s + 管理 %s 风险报酬率；众数合计 %s",
			pct2(par.BaseRate), lprNote(par.LPR), rng(par.TechnicalPremium), rng(par.MarketPremium), rng(par.FundingPremium),
			rng(par.ManagementPremium), pct2(par.DiscountRateMode))},
		valuationParam{"经济寿命", fmt.Sprintf("剩余保护期与 %.0f 年取小 × 寿命系数 %.1f / %.1f / %.1f", par.MaxLifeYears,
			par.LifeFactor.Low, par.LifeFactor.Mode, par.LifeFactor.High)},
		valuationParam{"专利强度", "专利价值度 ÷ 100（GB/T 42748-2023 指标体系，AHP 权重）"},
		valuationParam{"组合保护度", fmt.Sprintf("%s（1 − Π(1 − 强度)；各专利价值按此归一，合计等于全部技术贡献）", pct(pv.Coverage))},
	)
	if f := ev.Calibration; len(f) > 0 {
		lo, hi := f[0], f[0]
		for _, x := range f {
			lo, hi = min(lo, x), max(hi, x)
		}
		cal := fmt.Sprintf("×%.2f", lo)
		if hi != lo {
			cal = fmt.Sprintf("×%.2f–×%.2f（按专利类型）", lo, hi)
		}
		out = append(out, valuationParam{"校准系数", cal + "：把模型估值修正到评估机构实际出具的评估值水平（按已登记的评估报告拟合；尚无报告时采用公开案例拟合的系数）"})
	}
	out = append(out,
		valuationParam{"模拟次数 / 随机种子", fmt.Sprintf("%d / %d", par.Draws, par.Seed)},
		valuationParam{"分位数", "经验分位数（按模拟结果排序取分位）"},
		valuationParam{"模型版本", ev.Parameters.ModelVersion})
	return out
}

func yearNote(y int) string {
	if y == 0 {
		return ""
	}
	return fmt.Sprintf("（%d 年）", y)
}

func lprNote(q *matcher.LPRQuote) string {
	if q == nil {
		return ""
	}
	return fmt.Sprintf("（%s 一年期 LPR）", q.Date)
}

func pct2(x float64) string { return strconv.FormatFloat(x*100, 'f', 2, 64) + "%" }

// niceCeil rounds x up to 1, 2 or 5 times a power of ten, for an axis end.
func niceCeil(x float64) float64 {
	if x <= 0 {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// ---- Pool ----
