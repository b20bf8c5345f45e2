package web

import (
	"bytes"
	"context"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
	"ipmatch/matcher"
)

// bankNames returns the names of the banks p may read, by ID.
func (h *webHandlers) bankNames(ctx context.Context, p *app.Caller) (map[string]string, error) {
	res, err := h.s.App.Banks.List(ctx, p, app.FirstPage(app.MaxPageSize))
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, b := range res.Items {
		out[b.ID] = b.Name
	}
	return out, nil
}

// ---- Bank ----

// productView is a product with its criteria spelled out.
type productView struct {
	data.Product
	Rate       string
	Regions    []string
	Industries []string
	Types      []string
	Certs      []string
}

// bankView is the data of /app/bank.
type bankView struct {
	BankName string
	Products []productView
}

// bankPage handles GET /app/bank: the bank's products with their key
// criteria.
func (h *webHandlers) bankPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleBank, "/app/bank"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), door.Caller(c)
	b, err := h.s.App.Banks.Read(ctx, p, p.Token.BankID)
	if err != nil {
		return err
	}
	products, err := h.s.App.VisibleProducts(ctx, p)
	if err != nil {
		return err
	}
	v := bankView{BankName: b.Name}
	for _, pr := range products {
		if pr.BankID != b.ID {
			continue
		}
		pv := productView{Product: pr, Rate: "LPR " + spreadLabel(pr.SpreadBP)}
		for _, r := range pr.Regions {
			pv.Regions = append(pv.Regions, regionName(r))
		}
		for _, code := range pr.Industries {
			if ind, ok := data.LookupIndustry(code); ok {
				pv.Industries = append(pv.Industries, ind.Code+" "+ind.Name)
			} else {
				pv.Industries = append(pv.Industries, code)
			}
		}
		for _, t := range pr.PatentTypes {
			pv.Types = append(pv.Types, t.Label())
		}
		for _, ct := range pr.RequiredCerts {
			pv.Certs = append(pv.Certs, ct.Label())
		}
		v.Products = append(v.Products, pv)
	}
	return h.render(c, http.StatusOK, "bank", webPage{Title: b.Name + " · 产品", Data: v})
}

// spreadLabel writes a spread in basis points: "+ 50BP", "− 20BP".
func spreadLabel(bp int) string {
	if bp < 0 {
		return "− " + strconv.Itoa(-bp) + "BP"
	}
	return "+ " + strconv.Itoa(bp) + "BP"
}

// pipelineView is the data of the pipeline page.
type pipelineView struct {
	Product      *data.Product
	Pipeline     matcher.ProductPipeline
	AsOf         data.Date
	Page, Pages  int
	OnlyEligible bool
	// Query is the page's query without page, for the pager and the
	// download links: built here from a date and a flag, so it is safe
	// as a URL's query as it is (html/template would escape its '=').
	Query template.URL
	// DealOf is, for a bank, its deal for this product with each
	// enterprise that has one (enterprise ID → deal ID): the row's name
	// links to that deal on /app/bank/deals, else to the row itself.
	DealOf map[string]string
	// IsBank says whether the caller is a bank (its nav shows 融资项目 and
	// 会谈安排, pages only a bank has).
	IsBank bool
}

// PipelinePageSize is the rows of one pipeline page.
const PipelinePageSize = 50

// pipelineCSVMax bounds the rows of the CSV download.
const pipelineCSVMax = 5000

// pipeline ranks the enterprises the caller may see for product id
// (app.Pipeline, as GET /api/v1/products/{id}/pipeline).
func (h *webHandlers) pipeline(ctx context.Context, p *app.Caller, id string, asOf data.Date, onlyEligible bool, offset, limit int) (*data.Product, matcher.ProductPipeline, error) {
	return h.s.App.Pipeline(ctx, p, id, app.PipelineQuery{AsOf: asOf, EligibleOnly: onlyEligible, Offset: offset, Limit: limit})
}

// pipelineParams reads as_of, eligible and page.
func (h *webHandlers) pipelineParams(c *gin.Context, allowed ...string) (data.Date, bool, int, error) {
	params, asOf, err := h.s.Params(c, allowed...)
	if err != nil {
		return data.Date{}, false, 0, err
	}
	onlyEligible := false
	if v, ok := params["eligible"]; ok && v != "" {
		if onlyEligible, err = app.BoolParam("eligible", v); err != nil {
			return data.Date{}, false, 0, err
		}
	}
	page, err := app.IntParam(params, "page", 1, 1, 1<<20)
	return asOf, onlyEligible, page, err
}

// pipelinePage handles GET /app/bank/products/{id}/pipeline: the ranked
// pipeline with each score's parts, PD and EL, 50 rows a page.
func (h *webHandlers) pipelinePage(c *gin.Context) error {
	asOf, onlyEligible, page, err := h.pipelineParams(c, "as_of", "eligible", "page")
	if err != nil {
		return err
	}
	prod, res, err := h.pipeline(c.Request.Context(), door.Caller(c), c.Param("id"), asOf, onlyEligible, (page-1)*PipelinePageSize, PipelinePageSize)
	if err != nil {
		return err
	}
	q := "as_of=" + asOf.String()
	if onlyEligible {
		q += "&eligible=true"
	}
	v := pipelineView{Product: prod, Pipeline: res, AsOf: asOf, Page: page, OnlyEligible: onlyEligible, Query: template.URL(q),
		Pages: max(1, (res.Total+PipelinePageSize-1)/PipelinePageSize)}
	if p := door.Caller(c); p.Is(data.RoleBank) {
		v.IsBank = true
		if v.DealOf, err = h.bankDealsOf(c.Request.Context(), p, prod.ID); err != nil {
			return err
		}
	}
	return h.render(c, http.StatusOK, "pipeline", webPage{Title: prod.Name + " · 客户名单", Data: v})
}

// bankDealsOf returns bank p's deals for product, by enterprise ID: only
// deals p may read (its own bank's, dealVisible), so a link never points
// at another bank's deal. With several deals for one enterprise, the
// latest by ID wins (IDs grow with time).
func (h *webHandlers) bankDealsOf(ctx context.Context, p *app.Caller, product string) (map[string]string, error) {
	deals, err := h.s.App.Deals.All(ctx, p, data.Refs{Bank: p.Token.BankID, Product: product})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, d := range deals {
		if d.ProductID != product {
			continue
		}
		if old, ok := out[d.EnterpriseID]; !ok || d.ID > old {
			out[d.EnterpriseID] = d.ID
		}
	}
	return out, nil
}

// pipelineCSV handles GET /app/bank/products/{id}/pipeline.csv: the
// pipeline (at most 5000 rows) as CSV, UTF-8 with a byte-order mark so
// that Excel reads the Chinese; amounts in yuan.
func (h *webHandlers) pipelineCSV(c *gin.Context) error {
	asOf, onlyEligible, _, err := h.pipelineParams(c, "as_of", "eligible")
	if err != nil {
		return err
	}
	prod, res, err := h.pipeline(c.Request.Context(), door.Caller(c), c.Param("id"), asOf, onlyEligible, 0, pipelineCSVMax)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := data.NewCSVWriter(&buf) // text cells are made formula-safe, numbers stay numbers
	header, rows := pipelineTable(res)
	cw.WriteText(header)
	for _, row := range rows {
		cw.WriteCells(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	door.Attachment(c, "pipeline-"+prod.ID+"-"+asOf.String()+".csv")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	return nil
}

// pipelineTable is the pipeline as the CSV and XLSX downloads give it:
// the header and one row per enterprise (amounts in yuan, rates and
// probabilities as fractions, empty cells where a figure does not apply),
// with the appraisal the estimate rests on and the model's figure beside it.
func pipelineTable(res matcher.ProductPipeline) ([]string, [][]any) {
	header := []string{"排名", "企业ID", "企业名称", "是否符合", "银行评分", "预计额度（元）", "期限（月）", "年利率",
		"评估值来源", "评估值（元）", "质押率", "模型估值（元）", "模型估值P10（元）", "评估报告编号", "质押专利数",
		"违约概率PD", "违约损失率LGD", "资金池分担比例", "预期损失EL（元）", "未通过原因"}
	r2 := func(x float64) float64 { return math.Round(x*100) / 100 }
	var rows [][]any
	for _, m := range res.Matches {
		ok := "否"
		if m.Eligible {
			ok = "是"
		}
		row := []any{m.Rank, m.EnterpriseID, m.EnterpriseName, ok, m.Score, m.EstimatedAmount, m.TermMonths, m.Rate}
		if le := m.Loan; le != nil {
			report := ""
			if r := le.Appraisal.Recorded; r != nil {
				report = r.ReportNumber
			}
			row = append(row, appraisalBasisLabel(le), r2(le.Appraisal.Value), le.PledgeRate, r2(le.Appraisal.ModelValue),
				r2(le.Appraisal.ModelLow), report, len(le.Patents))
		} else {
			row = append(row, "", "", "", "", "", "", "")
		}
		if r := m.Risk; r != nil && r.PDBand != "" { // not shared: the band, no EL
			row = append(row, r.PDBand, r.LGD, r.FundShare, app.NotShared)
		} else if r != nil {
			row = append(row, r.PD, r.LGD, r.FundShare, r.ExpectedLoss)
		} else {
			row = append(row, "", "", "", "")
		}
		var reasons []string
		for _, r := range m.Reasons {
			reasons = append(reasons, r.Message)
		}
		rows = append(rows, append(row, strings.Join(reasons, "；")))
	}
	return header, rows
}

// ---- Organizer ----
