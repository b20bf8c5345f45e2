package web

import (
	"context"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
)

// The page 评估报告: the recorded appraisals a caller may read, and for the
// organizer and banks a form to record one. Both go through the
// appraisals resource, so the page holds the API's rules and no others.

// appraisalRow is one appraisal as the page lists it.
type appraisalRow struct {
	data.Appraisal
	Enterprise, Firm, Recorder string
	Expires                    data.Date
	Expired                    bool
}

// appraisalForm is the form's values and its problems, in Chinese.
type appraisalForm struct {
	Enterprise, Appraiser, ReportNumber, BaseDate, Method, Value, Patents, Note string
	Errors                                                                      []string
}

// appraisalsView is the data of /app/appraisals.
type appraisalsView struct {
	Rows    []appraisalRow
	CanAdd  bool
	Form    appraisalForm
	Firms   []data.Appraiser
	Options []data.Enterprise // enterprises the caller may record for (at most app.MaxPageSize)
	Methods []data.AppraisalMethod
	Today   data.Date
}

// appraisalsPage handles GET /app/appraisals.
func (h *webHandlers) appraisalsPage(c *gin.Context) error {
	return h.renderAppraisals(c, http.StatusOK, appraisalForm{Method: string(data.MethodIncome)})
}

// renderAppraisals renders the page with form.
func (h *webHandlers) renderAppraisals(c *gin.Context, status int, form appraisalForm) error {
	ctx, p := c.Request.Context(), door.Caller(c)
	q := app.FirstPage(app.MaxPageSize)
	list, err := h.s.App.Appraisals.List(ctx, p, q)
	if err != nil {
		return err
	}
	ents, err := h.s.App.Enterprises.List(ctx, p, q) // as p may see them: the options carry whole records
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, e := range ents.Items {
		names[e.ID] = e.Name
	}
	firms, err := h.s.App.Appraisers.List(ctx, p, q)
	if err != nil {
		return err
	}
	firmNames := map[string]string{}
	for _, f := range firms.Items {
		firmNames[f.ID] = f.Name
	}
	banks, err := h.bankNames(ctx, p)
	if err != nil {
		return err
	}
	today := h.s.App.Today()
	v := appraisalsView{CanAdd: !p.Is(data.RoleCompany), Form: form, Firms: firms.Items, Methods: data.AppraisalMethods, Today: today}
	if v.CanAdd {
		v.Options = ents.Items
	}
	for _, a := range list.Items {
		row := appraisalRow{Appraisal: a, Enterprise: names[a.EnterpriseID], Firm: firmNames[a.AppraiserID],
			Recorder: "交易中心（组织方）", Expires: data.DateOf(a.ExpiresOn().Time().AddDate(0, 0, -1)), Expired: !a.CurrentOn(today)}
		if row.Enterprise == "" {
			row.Enterprise = a.EnterpriseID
		}
		if a.BankID != "" {
			row.Recorder = banks[a.BankID]
		}
		v.Rows = append(v.Rows, row)
	}
	slices.SortStableFunc(v.Rows, func(a, b appraisalRow) int { return strings.Compare(b.BaseDate.String(), a.BaseDate.String()) })
	return h.render(c, status, "appraisals", webPage{Title: "评估报告", Data: v})
}

// recordAppraisal handles POST /app/appraisals (organizer and banks):
// records an appraisal as POST /api/v1/appraisals does. A bad field
// re-shows the form with what to correct; sending the same report twice
// (the same firm and report number, the same content) is not an error.
func (h *webHandlers) recordAppraisal(c *gin.Context) error {
	ctx, p := c.Request.Context(), door.Caller(c)
	if p.Is(data.RoleCompany) {
		return app.Forbidden("an enterprise cannot record appraisals: the organizer or the lending bank records the appraisal firm's report")
	}
	form := appraisalForm{Enterprise: strings.TrimSpace(c.PostForm("enterprise")), Appraiser: c.PostForm("appraiser_id"),
		ReportNumber: c.PostForm("report_number"), BaseDate: strings.TrimSpace(c.PostForm("base_date")), Method: c.PostForm("method"),
		Value: strings.TrimSpace(c.PostForm("value_wan")), Patents: c.PostForm("patents"), Note: c.PostForm("note")}
	a := data.Appraisal{AppraiserID: form.Appraiser, ReportNumber: form.ReportNumber, Method: data.AppraisalMethod(form.Method),
		Note: form.Note, Patents: splitList(form.Patents)}
	var problems []string
	id, err := h.enterpriseOf(ctx, p, form.Enterprise)
	if err != nil {
		return err
	}
	if id == "" {
		problems = append(problems, "企业：请填写企业 ID 或统一社会信用代码（须为您可查看的企业）")
	}
	a.EnterpriseID = id
	if form.BaseDate != "" {
		d, err := data.ParseDate(form.BaseDate)
		if err != nil || d.IsZero() {
			problems = append(problems, "评估基准日：须为日期，如 2021-03-25")
		} else {
			a.BaseDate = d
		}
	}
	if form.Value != "" {
		wan, err := strconv.ParseFloat(form.Value, 64)
		if err != nil || !(wan > 0) || wan > 1e8 {
			problems = append(problems, "评估值：须为正数，单位万元，如 1350 或 86.5")
		} else {
			a.Value = int64(wan*10_000 + 0.5)
		}
	}
	if len(problems) == 0 {
		err := h.s.App.Appraisals.Create(ctx, p, &a)
		switch data.ErrorCode(err) {
		case "":
			h.setFlash(c, "已登记评估报告 "+a.ReportNumber+"。")
			c.Redirect(http.StatusSeeOther, "/app/appraisals")
			return nil
		case data.CodeInvalid:
			for _, f := range data.ErrorFields(err) {
				problems = append(problems, appraisalProblem(f))
			}
		case data.CodeConflict:
			if same, serr := h.sameAppraisal(ctx, &a); serr != nil {
				return serr
			} else if same {
				h.setFlash(c, "评估报告 "+a.ReportNumber+" 已登记，无需重复提交。")
				c.Redirect(http.StatusSeeOther, "/app/appraisals")
				return nil
			}
			problems = append(problems, "评估报告编号：该评估机构的这份报告已登记过，内容不同；如需更正请联系登记方")
		case data.CodeForbidden:
			problems = append(problems, "企业：只能为同意向本行展示的企业登记评估报告")
		default:
			return err
		}
	}
	form.Errors = problems
	return h.renderAppraisals(c, http.StatusUnprocessableEntity, form)
}

// enterpriseOf resolves the form's enterprise, an ID or a 统一社会信用代码,
// to the ID of an enterprise p may read; "" when there is none.
func (h *webHandlers) enterpriseOf(ctx context.Context, p *app.Caller, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if e, err := h.s.App.Enterprises.Read(ctx, p, s); err == nil {
		return e.ID, nil
	} else if data.ErrorCode(err) != data.CodeNotFound {
		return "", err
	}
	e, err := h.s.App.Enterprises.ReadByKey(ctx, p, strings.ToUpper(s))
	if data.ErrorCode(err) == data.CodeNotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return e.ID, nil
}

// sameAppraisal reports whether the stored appraisal with a's key records
// what a does (a repeated submit).
func (h *webHandlers) sameAppraisal(ctx context.Context, a *data.Appraisal) (bool, error) {
	old, err := h.s.Store().Appraisals().GetByKey(ctx, data.AppraisalKey(a))
	if data.ErrorCode(err) == data.CodeNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	b := *a
	b.ID, b.CreatedAt, b.UpdatedAt, b.Revision = old.ID, old.CreatedAt, old.UpdatedAt, old.Revision
	b.Normalize()
	return reflect.DeepEqual(b, old), nil
}

// appraisalFieldLabels name the fields in Chinese.
var appraisalFieldLabels = map[string]string{
	"enterprise_id": "企业", "appraiser_id": "评估机构", "bank_id": "登记银行", "patents": "专利申请号", "value": "评估值",
	"base_date": "评估基准日", "method": "评估方法", "report_number": "评估报告编号", "note": "备注",
}

// appraisalProblem says a field error of an appraisal in Chinese.
func appraisalProblem(f data.FieldError) string {
	field, index, _ := strings.Cut(f.Field, "[")
	label := appraisalFieldLabels[field]
	if label == "" {
		label = f.Field
	}
	if field == "patents" && index != "" {
		n, _ := strconv.Atoi(strings.TrimSuffix(index, "]"))
		label += "（第 " + strconv.Itoa(n+1) + " 件）"
	}
	switch r := f.Reason; {
	case field == "patents" && strings.HasPrefix(r, "no patent"):
		return label + "：系统中没有该企业名下的这件专利（评估报告只能登记出质企业自己的、已登记的专利）"
	case field == "patents" && strings.Contains(r, "appears twice"):
		return label + "：重复填写"
	case field == "patents" && strings.Contains(r, "at least one"):
		return label + "：请至少填写一件专利的申请号"
	case field == "patents" && index != "":
		return label + "：申请号格式或校验位不对（如 201220249767.4）"
	case field == "appraiser_id":
		return label + "：请选择评估机构"
	case field == "method":
		return label + "：请选择收益法、市场法或成本法"
	case field == "report_number":
		return label + "：请填写评估报告编号"
	case field == "base_date" && strings.Contains(r, "after today"):
		return label + "：不能晚于今天"
	case field == "base_date":
		return label + "：请填写评估基准日"
	case field == "value":
		return label + "：须为正数"
	}
	return label + "：" + f.Reason
}
