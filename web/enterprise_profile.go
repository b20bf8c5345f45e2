package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
	"ipmatch/door"
)

// The enterprise's own profile in a page (issue 19): region, industry,
// founding, staff, tax grade, certifications, scope, address, the last
// three years' statements, the financing need and the consents. Saved
// through the enterprises resource (PUT /api/v1/enterprises/{id}), so the
// page holds the API's rules: the name and credit code stay as registered
// (data.EnterpriseIdentityChange), and what banks may see follows the
// consents at once.

// profileYears is how many years of statements the form offers.
const profileYears = 3

// statementRow is one year of statements as typed, in 万元.
type statementRow struct {
	Year, Revenue, Profit, Assets, Liabilities string
}

// profileForm is the editor's fields as typed, and their problems.
type profileForm struct {
	Revision                                       string
	Region, Industry, Founded, Employees, TaxGrade string
	Scope, Address                                 string
	NeedWan, NeedTerm, NeedPurpose                 string
	Pool, ShareData                                bool
	Certs                                          []string
	Statements                                     []statementRow
	Errors                                         []string
}

// profileView is the data of the profile editor.
type profileView struct {
	Name, CreditCode string
	Form             profileForm
	Certs            []data.Certification
	Grades           []string
}

// profileFieldLabels name an enterprise's fields in the editor's words.
var profileFieldLabels = map[string]string{
	"region": "所在地区", "industry": "所属行业", "founded": "成立日期", "employees": "员工人数", "tax_grade": "纳税信用等级",
	"certifications": "资质认定", "financials": "财务报表", "need.amount": "融资金额", "need.term_months": "融资期限",
	"name": "企业名称", "credit_code": "统一社会信用代码",
}

func profileFormOf(e *data.Enterprise) profileForm {
	f := profileForm{Revision: strconv.FormatInt(e.Revision, 10), Region: e.Region, Industry: e.Industry, Founded: e.Founded.String(),
		TaxGrade: e.TaxGrade, Scope: e.BusinessScope, Address: e.Address, NeedWan: wanString(e.Need.Amount),
		NeedPurpose: e.Need.Purpose, Pool: e.Consents.Pool, ShareData: e.Consents.ShareData}
	if e.Founded.IsZero() {
		f.Founded = ""
	}
	if e.Employees > 0 {
		f.Employees = strconv.Itoa(e.Employees)
	}
	if e.Need.TermMonths > 0 {
		f.NeedTerm = strconv.Itoa(e.Need.TermMonths)
	}
	for _, c := range e.Certs {
		f.Certs = append(f.Certs, string(c))
	}
	fin := e.Financials
	if len(fin) > profileYears {
		fin = fin[len(fin)-profileYears:]
	}
	for _, y := range fin {
		f.Statements = append(f.Statements, statementRow{Year: strconv.Itoa(y.Year), Revenue: wanString(y.Revenue), Profit: wanString(y.Profit),
			Assets: wanString(y.Assets), Liabilities: wanString(y.Liabilities)})
	}
	for len(f.Statements) < profileYears {
		f.Statements = append(f.Statements, statementRow{})
	}
	return f
}

// profilePage handles GET /app/enterprise/profile.
func (h *webHandlers) profilePage(c *gin.Context) error {
	if err := requireRole(c, data.RoleCompany, "/app/enterprise"); err != nil {
		return err
	}
	p := door.Caller(c)
	e, err := h.s.App.Enterprises.Read(c.Request.Context(), p, p.Token.EnterpriseID)
	if err != nil {
		return err
	}
	return h.renderProfile(c, http.StatusOK, e, profileFormOf(e))
}

func (h *webHandlers) renderProfile(c *gin.Context, status int, e *data.Enterprise, form profileForm) error {
	if len(form.Errors) > 0 {
		c.Set(door.KeyErrorCode, string(data.CodeInvalid))
	}
	v := profileView{Name: e.Name, CreditCode: e.CreditCode, Form: form, Grades: data.TaxGrades,
		Certs: []data.Certification{data.CertHighTech, data.CertSpecialized, data.CertLittleGiant, data.CertTechSME}}
	return h.render(c, status, "profile", webPage{Title: "修改企业信息", Data: v})
}

// saveProfile handles POST /app/enterprise/profile: the form as PUT
// /api/v1/enterprises/{id} would take it, at the revision it was read at.
func (h *webHandlers) saveProfile(c *gin.Context) error {
	if err := requireRole(c, data.RoleCompany, "/app/enterprise"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), door.Caller(c)
	stored, err := h.s.App.Enterprises.Read(ctx, p, p.Token.EnterpriseID)
	if err != nil {
		return err
	}
	v := func(name string) string { return strings.TrimSpace(c.PostForm(name)) }
	form := profileForm{Revision: v("revision"), Region: v("region"), Industry: v("industry"), Founded: v("founded"),
		Employees: v("employees"), TaxGrade: v("tax_grade"), Scope: v("business_scope"), Address: v("address"),
		NeedWan: v("need_wan"), NeedTerm: v("need_term"), NeedPurpose: v("need_purpose"),
		Pool: c.PostForm("pool") != "", ShareData: c.PostForm("share_data") != "", Certs: c.PostFormArray("certs")}
	for i := range profileYears {
		k := strconv.Itoa(i)
		form.Statements = append(form.Statements, statementRow{Year: v("year" + k), Revenue: v("revenue" + k), Profit: v("profit" + k),
			Assets: v("assets" + k), Liabilities: v("liabilities" + k)})
	}
	e := *stored // name, credit code and everything the form does not show stay
	e.Region, e.Industry, e.TaxGrade, e.BusinessScope, e.Address = form.Region, form.Industry, form.TaxGrade, form.Scope, form.Address
	e.Consents = data.Consents{Pool: form.Pool, ShareData: form.ShareData}
	e.Need.Purpose = form.NeedPurpose
	e.Certs = nil
	for _, ct := range form.Certs {
		e.Certs = append(e.Certs, data.Certification(ct))
	}
	nums := formNumbers{&form.Errors}
	e.Founded = nums.date(form.Founded, "成立日期")
	e.Employees = nums.integer(form.Employees, "员工人数", 1_000_000)
	e.Need.Amount = nums.wan(form.NeedWan, "融资金额（万元）", 0)
	e.Need.TermMonths = nums.integer(form.NeedTerm, "融资期限（月）", 360)
	// The form shows the latest profileYears of statements; older years
	// stay as stored.
	e.Financials = nil
	if n := len(stored.Financials); n > profileYears {
		e.Financials = append(e.Financials, stored.Financials[:n-profileYears]...)
	}
	for i, st := range form.Statements {
		if st == (statementRow{}) {
			continue
		}
		e.Financials = append(e.Financials, nums.statements(st, fmt.Sprintf("财务报表第 %d 行", i+1)))
	}
	if len(form.Errors) > 0 {
		return h.renderProfile(c, http.StatusUnprocessableEntity, stored, form)
	}
	rev, _ := strconv.ParseInt(form.Revision, 10, 64)
	_, err = h.s.App.Enterprises.Replace(ctx, p, stored.ID, &e, rev)
	switch data.ErrorCode(err) {
	case "":
	case data.CodeInvalid:
		for _, f := range data.ErrorFields(err) {
			form.Errors = append(form.Errors, profileProblem(f))
		}
		return h.renderProfile(c, http.StatusUnprocessableEntity, stored, form)
	case data.CodeStale, data.CodeConflict:
		form.Errors = append(form.Errors, "企业信息已被他人修改，请重新打开后再修改")
		return h.renderProfile(c, http.StatusConflict, stored, form)
	default:
		return err
	}
	h.setFlash(c, "企业信息已保存。")
	c.Redirect(http.StatusSeeOther, "/app/enterprise")
	return nil
}

// profileProblem says a field error of an enterprise in Chinese.
func profileProblem(f data.FieldError) string {
	field, index, _ := strings.Cut(f.Field, "[")
	label := profileFieldLabels[field]
	if label == "" {
		label = "企业信息"
	}
	r := f.Reason
	switch {
	case field == "region":
		return label + "：不是有效的行政区划代码（如 441204）"
	case field == "industry":
		return label + "：不是有效的国民经济行业代码（如 C35）"
	case field == "tax_grade":
		return label + "：须为 A、B、M、C 或 D"
	case field == "founded":
		return label + "：必填"
	case field == "financials" && strings.Contains(r, "twice"):
		return label + "：同一年度填了两次"
	case field == "financials" && strings.Contains(r, "plausible"):
		return label + "：年度须在 1949 到 2200 之间"
	case field == "financials":
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.SplitN(index, "]", 2)[0], "]"))
		return fmt.Sprintf("%s第 %d 行：营业收入、资产和负债不能为负数", label, n+1)
	case strings.Contains(r, "negative"):
		return label + "：不能为负数"
	case strings.Contains(r, "between"):
		return label + "：超出允许范围"
	}
	return label + "：填写有误"
}
