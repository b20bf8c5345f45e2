package web

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
)

// The bank's product editor (issue 19, 银行入库): a bank creates and
// changes its own products in a page, previews a draft's reach before
// publishing it (app.ProductReach, as POST /api/v1/products/reach), and
// stops or resumes selling one. Saving goes through the products resource
// (POST and PUT /api/v1/products), so the page holds the API's rules and
// no others; a product's pool stays as the organizer set it.

// productForm is the editor's fields as typed, in the units a bank
// writes (万元, %, years, months, basis points), and their problems.
type productForm struct {
	ID, Revision                                  string
	Name, Description                             string
	MinWan, MaxWan, MinTerm, MaxTerm, SpreadBP    string
	RateInvention, RateUtility, RateDesign        string
	YearsInvention, YearsUtility                  string
	Regions, Industries, IPCAreas                 string
	Types                                         []string
	ImplementedYears, EnterpriseYears, RevenueWan string
	DebtRatio, TaxGrade                           string
	RequireProfit                                 bool
	Certs                                         []string
	Errors                                        []string
}

// productEditView is the data of the editor.
type productEditView struct {
	BankName string
	Form     productForm
	Reach    *reachView
	Types    []data.PatentType
	Certs    []data.Certification
	Grades   []string
}

// reachView is a preview's answer as the page shows it.
type reachView struct {
	app.ProductReach
	Labels map[string]string
}

// reachLabels name the criteria in Chinese.
var reachLabels = map[string]string{
	"regions": "服务地区", "industries": "目标行业", "ipc_areas": "IPC 范围", "patent_types": "专利类型",
	"min_remaining_years": "剩余保护期", "min_implemented_years": "专利实施年限", "min_enterprise_years": "企业成立年限",
	"min_revenue": "上年营收", "max_debt_ratio": "资产负债率上限", "require_profit": "须盈利", "min_tax_grade": "纳税信用等级",
	"required_certifications": "资质要求", "min_amount": "最低额度（低于最低额度的贷款不放）",
}

// productFieldLabels name a product's fields in the editor's words.
var productFieldLabels = map[string]string{
	"name": "产品名称", "min_amount": "最低额度", "max_amount": "最高额度", "min_term_months": "最短期限", "max_term_months": "最长期限",
	"spread_bp": "利率加点", "pledge_rates": "质押率", "pledge_rates.invention": "质押率（发明）", "pledge_rates.utility_model": "质押率（实用新型）",
	"pledge_rates.design": "质押率（外观设计）", "min_remaining_years.invention": "剩余保护期（发明）",
	"min_remaining_years.utility_model": "剩余保护期（实用新型）", "regions": "服务地区", "industries": "目标行业", "ipc_areas": "IPC 范围",
	"patent_types": "专利类型", "min_implemented_years": "专利实施年限", "min_enterprise_years": "企业成立年限", "min_revenue": "上年营收",
	"max_debt_ratio": "资产负债率上限", "min_tax_grade": "纳税信用等级", "required_certifications": "资质要求", "bank_id": "银行",
}

// productProblem says a field error of a product in Chinese.
func productProblem(f data.FieldError) string {
	field, index, _ := strings.Cut(f.Field, "[")
	label := productFieldLabels[field]
	if label == "" {
		label = f.Field
	}
	if index != "" {
		n, _ := strconv.Atoi(strings.TrimSuffix(index, "]"))
		label += fmt.Sprintf("（第 %d 项）", n+1)
	}
	r := f.Reason
	switch {
	case strings.Contains(r, "is required"):
		return label + "：必填"
	case strings.Contains(r, "not a known region"):
		return label + "：不是有效的行政区划代码（如 441204 或 4412）"
	case strings.Contains(r, "GB/T 4754"):
		return label + "：不是有效的国民经济行业代码（如 C35）"
	case field == "ipc_areas":
		return label + "：不是有效的 IPC 分类号（如 B23K 或 F16H1/00）"
	case strings.Contains(r, "is below"):
		return label + "：不能小于对应的最低值"
	case strings.Contains(r, "between"), strings.Contains(r, "outside"):
		return label + "：超出允许范围"
	case strings.Contains(r, "must be positive"):
		return label + "：须大于 0"
	case strings.Contains(r, "negative"):
		return label + "：不能为负数"
	case strings.Contains(r, "at least one patent type"):
		return label + "：至少为一种专利类型填写质押率"
	}
	return label + "：" + r
}

// formFromProduct fills the editor from a stored product.
func formFromProduct(p *data.Product) productForm {
	f := productForm{ID: p.ID, Revision: strconv.FormatInt(p.Revision, 10), Name: p.Name, Description: p.Description,
		MinWan: wanString(p.MinAmount), MaxWan: wanString(p.MaxAmount), MinTerm: strconv.Itoa(p.MinTerm), MaxTerm: strconv.Itoa(p.MaxTerm),
		SpreadBP: strconv.Itoa(p.SpreadBP), RateInvention: pctString(p.PledgeRates.Invention), RateUtility: pctString(p.PledgeRates.UtilityModel),
		RateDesign: pctString(p.PledgeRates.Design), YearsInvention: numString(p.MinRemainingYears.Invention),
		YearsUtility: numString(p.MinRemainingYears.UtilityModel), Regions: strings.Join(p.Regions, ", "),
		Industries: strings.Join(p.Industries, ", "), IPCAreas: strings.Join(p.IPCAreas, ", "),
		ImplementedYears: numString(p.MinImplementedYears), EnterpriseYears: numString(p.MinEnterpriseYears),
		RevenueWan: wanString(p.MinRevenue), DebtRatio: pctString(p.MaxDebtRatio), TaxGrade: p.MinTaxGrade, RequireProfit: p.RequireProfit}
	for _, t := range p.PatentTypes {
		f.Types = append(f.Types, string(t))
	}
	for _, c := range p.RequiredCerts {
		f.Certs = append(f.Certs, string(c))
	}
	return f
}

func wanString(yuan int64) string {
	if yuan == 0 {
		return ""
	}
	return strconv.FormatFloat(float64(yuan)/10_000, 'f', -1, 64)
}

func pctString(r float64) string {
	if r == 0 {
		return ""
	}
	return strconv.FormatFloat(math.Round(r*10_000)/100, 'f', -1, 64)
}

func numString(x float64) string {
	if x == 0 {
		return ""
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// formFromRequest reads the editor's fields.
func formFromRequest(c *gin.Context) productForm {
	v := func(name string) string { return strings.TrimSpace(c.PostForm(name)) }
	return productForm{ID: c.Param("id"), Revision: v("revision"), Name: v("name"), Description: v("description"),
		MinWan: v("min_wan"), MaxWan: v("max_wan"), MinTerm: v("min_term"), MaxTerm: v("max_term"), SpreadBP: v("spread_bp"),
		RateInvention: v("rate_invention"), RateUtility: v("rate_utility_model"), RateDesign: v("rate_design"),
		YearsInvention: v("years_invention"), YearsUtility: v("years_utility_model"),
		Regions: v("regions"), Industries: v("industries"), IPCAreas: v("ipc_areas"), Types: c.PostFormArray("types"),
		ImplementedYears: v("implemented_years"), EnterpriseYears: v("enterprise_years"), RevenueWan: v("revenue_wan"),
		DebtRatio: v("debt_ratio"), TaxGrade: v("tax_grade"), RequireProfit: c.PostForm("require_profit") != "", Certs: c.PostFormArray("certs")}
}

// product turns the form into a product of bank, adding a problem per
// field that is not a number of the right kind.
func (f *productForm) product(bank string) data.Product {
	p := data.Product{ID: f.ID, BankID: bank, Name: f.Name, Description: f.Description}
	nums := formNumbers{&f.Errors}
	num := nums.num
	wan := func(s, label string) int64 { return nums.wan(s, label, 0) }
	p.MinAmount, p.MaxAmount = wan(f.MinWan, "最低额度（万元）"), wan(f.MaxWan, "最高额度（万元）")
	p.MinTerm, p.MaxTerm = int(num(f.MinTerm, "最短期限（月）", 0, 360)), int(num(f.MaxTerm, "最长期限（月）", 0, 360))
	p.SpreadBP = int(num(f.SpreadBP, "利率加点（基点）", -500, 2000))
	p.PledgeRates = data.ByType{Invention: num(f.RateInvention, "质押率（发明，%）", 0, 100) / 100,
		UtilityModel: num(f.RateUtility, "质押率（实用新型，%）", 0, 100) / 100, Design: num(f.RateDesign, "质押率（外观设计，%）", 0, 100) / 100}
	p.MinRemainingYears = data.ByType{Invention: num(f.YearsInvention, "剩余保护期（发明，年）", 0, 20),
		UtilityModel: num(f.YearsUtility, "剩余保护期（实用新型，年）", 0, 20)}
	p.Regions, p.Industries, p.IPCAreas = splitList(f.Regions), splitList(f.Industries), splitList(f.IPCAreas)
	for _, t := range f.Types {
		p.PatentTypes = append(p.PatentTypes, data.PatentType(t))
	}
	p.MinImplementedYears = num(f.ImplementedYears, "专利实施年限（年）", 0, 30)
	p.MinEnterpriseYears = num(f.EnterpriseYears, "企业成立年限（年）", 0, 100)
	p.MinRevenue = wan(f.RevenueWan, "上年营收（万元）")
	p.MaxDebtRatio = num(f.DebtRatio, "资产负债率上限（%）", 0, 150) / 100
	p.MinTaxGrade, p.RequireProfit = f.TaxGrade, f.RequireProfit
	for _, ct := range f.Certs {
		p.RequiredCerts = append(p.RequiredCerts, data.Certification(ct))
	}
	return p
}

// newProductPage handles GET /app/bank/products/new.
func (h *webHandlers) newProductPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleBank, "/app/bank"); err != nil {
		return err
	}
	return h.renderProductEdit(c, http.StatusOK, productForm{MinTerm: "6", MaxTerm: "36", RateInvention: "30", RateUtility: "20"}, nil)
}

// editProductPage handles GET /app/bank/products/{id}/edit.
func (h *webHandlers) editProductPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleBank, "/app/bank"); err != nil {
		return err
	}
	pr, err := h.s.App.Products.Read(c.Request.Context(), door.Caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	return h.renderProductEdit(c, http.StatusOK, formFromProduct(pr), nil)
}

// renderProductEdit renders the editor.
func (h *webHandlers) renderProductEdit(c *gin.Context, status int, form productForm, reach *app.ProductReach) error {
	ctx, p := c.Request.Context(), door.Caller(c)
	b, err := h.s.App.Banks.Read(ctx, p, p.Token.BankID)
	if err != nil {
		return err
	}
	v := productEditView{BankName: b.Name, Form: form, Types: []data.PatentType{data.Invention, data.UtilityModel, data.Design},
		Certs: []data.Certification{data.CertHighTech, data.CertSpecialized, data.CertLittleGiant, data.CertTechSME}, Grades: data.TaxGrades}
	if reach != nil {
		v.Reach = &reachView{ProductReach: *reach, Labels: reachLabels}
	}
	title := "新建贷款产品"
	if form.ID != "" {
		title = "修改贷款产品"
	}
	if len(form.Errors) > 0 {
		c.Set(door.KeyErrorCode, string(data.CodeInvalid))
	}
	return h.render(c, status, "product_edit", webPage{Title: title, Data: v})
}

// saveProduct handles POST /app/bank/products (a new product) and POST
// /app/bank/products/{id} (a change): with action=preview it shows the
// draft's reach and writes nothing; else it saves as the API would, a new
// product on sale, a change at the revision the form was read at.
func (h *webHandlers) saveProduct(c *gin.Context) error {
	if err := requireRole(c, data.RoleBank, "/app/bank"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), door.Caller(c)
	form := formFromRequest(c)
	var stored *data.Product
	if form.ID != "" {
		var err error
		if stored, err = h.s.App.Products.Read(ctx, p, form.ID); err != nil {
			return err
		}
	}
	prod := form.product(p.Token.BankID)
	if stored != nil {
		prod.PoolID, prod.Active = stored.PoolID, stored.Active // the organizer's, and the list's buttons'
	} else {
		prod.Active = true
	}
	if len(form.Errors) > 0 {
		return h.renderProductEdit(c, http.StatusUnprocessableEntity, form, nil)
	}
	invalid := func(err error) bool {
		if data.ErrorCode(err) != data.CodeInvalid {
			return false
		}
		for _, f := range data.ErrorFields(err) {
			form.Errors = append(form.Errors, productProblem(f))
		}
		return true
	}
	if c.PostForm("action") == "preview" {
		reach, err := h.s.App.ProductReach(ctx, p, prod, data.Date{})
		if invalid(err) {
			return h.renderProductEdit(c, http.StatusUnprocessableEntity, form, nil)
		}
		if err != nil {
			return err
		}
		return h.renderProductEdit(c, http.StatusOK, form, reach)
	}
	var err error
	if stored == nil {
		err = h.s.App.Products.Create(ctx, p, &prod)
	} else {
		rev, _ := strconv.ParseInt(form.Revision, 10, 64)
		_, err = h.s.App.Products.Replace(ctx, p, stored.ID, &prod, rev)
	}
	switch {
	case invalid(err):
		return h.renderProductEdit(c, http.StatusUnprocessableEntity, form, nil)
	case data.ErrorCode(err) == data.CodeStale || data.ErrorCode(err) == data.CodeConflict:
		form.Errors = append(form.Errors, "该产品已被他人修改，请重新打开后再修改")
		return h.renderProductEdit(c, http.StatusConflict, form, nil)
	case err != nil:
		return err
	}
	h.setFlash(c, "已保存产品“"+prod.Name+"”。")
	c.Redirect(http.StatusSeeOther, "/app/bank")
	return nil
}

// setProductActive handles POST /app/bank/products/{id}/active: active=1
// resumes selling a product, anything else stops it (停售: it leaves the
// enterprises' searches and matches; its deals stay).
func (h *webHandlers) setProductActive(c *gin.Context) error {
	if err := requireRole(c, data.RoleBank, "/app/bank"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), door.Caller(c)
	pr, err := h.s.App.Products.Read(ctx, p, c.Param("id"))
	if err != nil {
		return err
	}
	pr.Active = c.PostForm("active") == "1"
	if _, err := h.s.App.Products.Replace(ctx, p, pr.ID, pr, pr.Revision); err != nil {
		return err
	}
	msg := "已停售"
	if pr.Active {
		msg = "已恢复在售"
	}
	h.setFlash(c, msg+"：“"+pr.Name+"”。")
	c.Redirect(http.StatusSeeOther, "/app/bank")
	return nil
}

// has reports whether list holds s (for the editor's check boxes).
func has(list []string, s string) bool { return slices.Contains(list, s) }
