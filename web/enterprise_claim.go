package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
	"ipmatch/door"
)

// claimPatentForm handles POST /app/enterprise/patents/claim: the
// enterprise claims a stored patent by its application number
// (app.ClaimPatent, the rule of POST /api/v1/patents/{id}/claim). The
// answer, success or refusal, is a flash on its page: a refusal names
// neither the patent's owner nor anything else the enterprise may not
// read (data.NotClaimable).
func (h *webHandlers) claimPatentForm(c *gin.Context) error {
	if err := requireRole(c, data.RoleCompany, "/app/enterprise"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), door.Caller(c)
	number := strings.TrimSpace(c.PostForm("number"))
	norm, err := data.NormalizeApplicationNumber(number)
	if err != nil {
		h.setFlash(c, "认领专利：申请号格式或校验位不对（如 201220249767.4）。")
		c.Redirect(http.StatusSeeOther, "/app/enterprise")
		return nil
	}
	pat, err := h.s.App.ClaimPatent(ctx, p, norm, p.Token.EnterpriseID)
	switch data.ErrorCode(err) {
	case "":
		h.setFlash(c, "已认领专利 "+pat.ApplicationNumber+"“"+pat.Title+"”。")
	case data.CodeNotFound:
		h.setFlash(c, "认领专利：系统中没有申请号为 "+norm+" 的专利，请把专利检索系统的导出文件交给交易中心导入。")
	case data.CodeForbidden:
		h.setFlash(c, "认领专利：该专利已登记，且其专利权人（申请人）名称与本企业名称不一致，无法认领；如有转让，请联系交易中心。")
	case data.CodeStale, data.CodeConflict:
		h.setFlash(c, "认领专利：该专利正被他人修改，请稍后再试。")
	default:
		return err
	}
	c.Redirect(http.StatusSeeOther, "/app/enterprise")
	return nil
}
