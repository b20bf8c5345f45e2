package web

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
)

// 企业入库 (issue 19): the public page /apply, where an enterprise applies
// with its profile, its patents (application numbers, or a CNIPA export)
// and the username and password it will sign in with once approved
// (app.Apply); and the organizer's review, /app/organizer/applications,
// which approves or returns each (app.ApproveApplication,
// app.ReturnApplication). The form needs no session: its CSRF token is the
// sign-in forms' (bound to the sign-in cookie).

// maxApplyUpload bounds the CNIPA export an applicant uploads: 500
// patents of a few kilobytes each.
const maxApplyUpload = 4 << 20

// applyForm is the application form as typed, and its problems.
type applyForm struct {
	Name, CreditCode, Region, Industry, Founded, Employees string
	ContactName, ContactPhone, ContactEmail                string
	NeedWan, NeedTerm, NeedPurpose                         string
	Year, Revenue, Profit, Assets, Liabilities             string
	Patents, Username                                      string
	Pool, ShareData                                        bool
	Errors                                                 []string
}

// applyView is the data of /apply.
type applyView struct {
	Form applyForm
	Done *data.Application
}

// applyFieldLabels name an application's fields in the form's words.
var applyFieldLabels = map[string]string{
	"enterprise.name": "企业名称", "enterprise.credit_code": "统一社会信用代码", "enterprise.region": "所在地区",
	"enterprise.industry": "所属行业", "enterprise.founded": "成立日期", "enterprise.employees": "员工人数",
	"enterprise.financials": "财务数据", "enterprise.need.amount": "融资金额", "enterprise.need.term_months": "融资期限",
	"contact.name": "联系人", "contact.phone": "联系电话", "username": "登录用户名", "password": "密码", "patents": "专利申请号",
	"uploaded": "上传的专利文件", "legal_events": "上传的法律状态文件",
}

// applyProblem says a field error of an application in Chinese.
func applyProblem(f data.FieldError) string {
	field, index, _ := strings.Cut(f.Field, "[")
	label := applyFieldLabels[field]
	if label == "" {
		label = "申请信息"
	}
	r := f.Reason
	switch {
	case field == "enterprise.credit_code":
		return label + "：格式或校验位不对（18 位，如 91441200MA4UH1234X）"
	case field == "enterprise.region":
		return label + "：不是有效的行政区划代码（如 441204）"
	case field == "enterprise.industry":
		return label + "：不是有效的国民经济行业代码（如 C35）"
	case field == "contact.phone":
		return label + "：须为 7 到 20 位数字的电话号码"
	case field == "username" && strings.Contains(r, "taken"):
		return label + "：已被使用，请换一个"
	case field == "username":
		return label + "：3 到 64 个字符，只能用小写字母、数字和 . _ -"
	case field == "legal_events":
		return label + "：其中有未上传的专利（请同时上传该专利的检索导出记录），或申请号格式不对"
	case field == "password" && strings.Contains(r, "differ"):
		return label + "：不能与用户名相同"
	case field == "password":
		return fmt.Sprintf("%s：长度须为 %d 到 72 个字符", label, data.MinPasswordLength)
	case field == "patents" && index != "":
		return label + "：申请号格式或校验位不对（如 201220249767.4）"
	case strings.Contains(r, "is required"):
		return label + "：必填"
	case strings.Contains(r, "negative"):
		return label + "：不能为负数"
	}
	return label + "：填写有误"
}

// applyPage handles GET /apply.
func (h *webHandlers) applyPage(c *gin.Context) {
	h.renderApply(c, http.StatusOK, applyView{Form: applyForm{Pool: true}})
}

func (h *webHandlers) renderApply(c *gin.Context, status int, v applyView) {
	token, err := h.signInCSRF(c)
	if err != nil {
		h.s.WriteError(c, err)
		return
	}
	if len(v.Form.Errors) > 0 {
		c.Set(door.KeyErrorCode, string(data.CodeInvalid))
	}
	if err := h.render(c, status, "apply", webPage{Title: "企业入库申请", CSRF: token, Data: v}); err != nil {
		h.s.WriteError(c, err)
	}
}

// submitApplication handles POST /apply.
func (h *webHandlers) submitApplication(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxApplyUpload+(1<<20))
	if !h.checkSignInForm(c) {
		return
	}
	v := func(name string) string { return strings.TrimSpace(c.PostForm(name)) }
	f := applyForm{Name: v("name"), CreditCode: v("credit_code"), Region: v("region"), Industry: v("industry"), Founded: v("founded"),
		Employees: v("employees"), ContactName: v("contact_name"), ContactPhone: v("contact_phone"), ContactEmail: v("contact_email"),
		NeedWan: v("need_wan"), NeedTerm: v("need_term"), NeedPurpose: v("need_purpose"), Year: v("year"), Revenue: v("revenue"),
		Profit: v("profit"), Assets: v("assets"), Liabilities: v("liabilities"), Patents: v("patents"), Username: v("username"),
		Pool: c.PostForm("pool") != "", ShareData: c.PostForm("share_data") != ""}
	req := app.ApplyRequest{Contact: data.Contact{Name: f.ContactName, Phone: f.ContactPhone, Email: f.ContactEmail},
		Username: f.Username, Password: c.PostForm("password")}
	if c.PostForm("password") != c.PostForm("password2") {
		f.Errors = append(f.Errors, "密码：两次输入不一致")
	}
	e := data.Enterprise{Name: f.Name, CreditCode: f.CreditCode, Region: f.Region, Industry: f.Industry,
		Consents: data.Consents{Pool: f.Pool, ShareData: f.ShareData}, Need: data.FinancingNeed{Purpose: f.NeedPurpose}}
	nums := formNumbers{&f.Errors}
	e.Founded = nums.date(f.Founded, "成立日期")
	e.Employees = nums.integer(f.Employees, "员工人数", 1_000_000)
	e.Need.Amount = nums.wan(f.NeedWan, "融资金额（万元）", 0)
	e.Need.TermMonths = nums.integer(f.NeedTerm, "融资期限（月）", 360)
	if f.Year != "" || f.Revenue != "" {
		e.Financials = []data.Financials{nums.statements(statementRow{Year: f.Year, Revenue: f.Revenue, Profit: f.Profit,
			Assets: f.Assets, Liabilities: f.Liabilities}, "上年财务")}
	}
	req.Enterprise = e
	req.Patents = splitList(f.Patents)
	readUpload(c, "cnipa_file", "上传的专利文件", "不是专利检索系统导出的 CSV 文件（须含申请号、名称、申请日、申请（专利权）人列）", &f.Errors,
		func(r io.Reader) ([]data.Rejection, error) {
			pats, rejected, err := data.ReadCNIPAPatents(r, data.MaxApplicationPatents)
			req.Uploaded = pats
			return rejected, err
		})
	readUpload(c, "legal_file", "上传的法律状态文件", "不是法律状态查询导出的 CSV 文件（须含申请号、法律状态公告日、法律状态列）", &f.Errors,
		func(r io.Reader) ([]data.Rejection, error) {
			events, rejected, err := data.ReadCNIPALegalEvents(r, data.MaxApplicationPatents*20)
			req.LegalEvents = events
			return rejected, err
		})
	if len(f.Errors) > 0 {
		h.renderApply(c, http.StatusUnprocessableEntity, applyView{Form: f})
		return
	}
	if !h.admitApplication(c, req, f) { // apply_limit.go
		return
	}
	a, err := h.s.App.Apply(c.Request.Context(), req)
	switch data.ErrorCode(err) {
	case "":
		h.renderApply(c, http.StatusOK, applyView{Done: a})
		return
	case data.CodeInvalid:
		for _, fe := range data.ErrorFields(err) {
			if msg := applyProblem(fe); !slices.Contains(f.Errors, msg) {
				f.Errors = append(f.Errors, msg)
			}
		}
	case data.CodeConflict:
		f.Errors = append(f.Errors, "统一社会信用代码：该企业已登记或已提交申请，请登录或等待交易中心审核；被退回的申请请用原用户名和密码重新提交")
	default:
		h.s.WriteError(c, err)
		return
	}
	h.renderApply(c, http.StatusUnprocessableEntity, applyView{Form: f})
}

// readUpload reads the file of form field, if one was sent, with read;
// a file too big, unreadable, of another layout (notLayout) or with a
// refused row adds a problem named by label, and what read kept is then
// not used (the form is shown again).
func readUpload(c *gin.Context, field, label, notLayout string, problems *[]string, read func(io.Reader) ([]data.Rejection, error)) {
	fh, err := c.FormFile(field)
	if err != nil {
		return // none sent
	}
	if fh.Size > maxApplyUpload {
		*problems = append(*problems, label+"：不能超过 4 MB")
		return
	}
	file, err := fh.Open()
	if err != nil {
		*problems = append(*problems, label+"：无法读取")
		return
	}
	defer file.Close()
	rejected, err := read(file)
	switch {
	case err != nil:
		*problems = append(*problems, label+"："+notLayout)
	case len(rejected) > 0:
		*problems = append(*problems, fmt.Sprintf("%s：第 %d 行有误（%s）", label, rejected[0].Row, rejected[0].Field))
	}
}

// ---- The organizer's review ----

// applicationsView is the data of the review pages.
type applicationsView struct {
	Rows []data.Application
	One  *data.Application
}

// applicationsPage handles GET /app/organizer/applications.
func (h *webHandlers) applicationsPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer/applications"); err != nil {
		return err
	}
	list, err := h.s.App.Applications.List(c.Request.Context(), door.Caller(c), app.FirstPage(app.MaxPageSize))
	if err != nil {
		return err
	}
	rows := list.Items
	slices.SortStableFunc(rows, func(a, b data.Application) int { // the queue first, newest first
		if (a.Status == data.ApplicationSubmitted) != (b.Status == data.ApplicationSubmitted) {
			if a.Status == data.ApplicationSubmitted {
				return -1
			}
			return 1
		}
		return b.SubmittedAt.Compare(a.SubmittedAt)
	})
	return h.render(c, http.StatusOK, "applications", webPage{Title: "企业入库申请", Data: applicationsView{Rows: rows}})
}

// applicationPage handles GET /app/organizer/applications/{id}.
func (h *webHandlers) applicationPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleOrganizer, "/app/organizer/applications"); err != nil {
		return err
	}
	a, err := h.s.App.Applications.Read(c.Request.Context(), door.Caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "applications", webPage{Title: "入库申请 · " + a.Enterprise.Name, Data: applicationsView{One: a}})
}

// reviewApplication handles POST /app/organizer/applications/{id}/approve
// and …/return (reasons, one a line).
func (h *webHandlers) reviewApplication(approve bool) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		if err := requireRole(c, data.RoleOrganizer, "/app/organizer/applications"); err != nil {
			return err
		}
		ctx, p := c.Request.Context(), door.Caller(c)
		var a *data.Application
		var err error
		if approve {
			a, err = h.s.App.ApproveApplication(ctx, p, c.Param("id"))
		} else {
			a, err = h.s.App.ReturnApplication(ctx, p, c.Param("id"), strings.Split(c.PostForm("reasons"), "\n"))
		}
		switch {
		case data.ErrorCode(err) == data.CodeInvalid:
			return data.Errorf(data.CodeInvalid, "退回须写明至少一条原因（每行一条，每条不超过 %d 字）", app.MaxReasonRunes)
		case err != nil:
			return err
		}
		msg := "已退回 " + a.Enterprise.Name + " 的入库申请。"
		if approve {
			msg = "已批准 " + a.Enterprise.Name + " 入库，企业用户 " + a.Username + " 现在可以登录。"
		}
		h.setFlash(c, msg)
		c.Redirect(http.StatusSeeOther, "/app/organizer/applications/"+a.ID)
		return nil
	}
}
