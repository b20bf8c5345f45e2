package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
)

// The page 押品预警: the alerts of live deals' collateral for the bank and
// the organizer (app/alerts.go), each acknowledged for the reader's own
// party, and for a bank its webhook. It lists and acknowledges through
// the alerts resource and app.AckAlert, and sets the webhook through
// app.SetWebhook, as the API does.

// riskLabels name the kinds of collateral risk in Chinese.
var riskLabels = map[data.RiskKind]string{
	data.RiskFeeDue:           "年费即将到期未缴",
	data.RiskFeeGrace:         "年费逾期（滞纳期内）",
	data.RiskLapsed:           "专利权终止",
	data.RiskInvalidationOpen: "无效宣告请求审查中",
	data.RiskInvalidated:      "被宣告无效",
	data.RiskPreserved:        "被法院保全",
	data.RiskTransferred:      "放款后被转让",
	data.RiskExpiresFirst:     "保护期早于贷款到期",
	data.RiskMissing:          "系统中无此专利",
}

// deliveryLabels name a webhook delivery's state.
var deliveryLabels = map[string]string{
	data.DeliveryPending: "待推送", data.DeliveryDelivered: "已推送", data.DeliveryFailed: "推送失败",
}

// deliveryErrorLabels say why a delivery failed (app's reasons).
var deliveryErrorLabels = map[string]string{
	app.DeliveryNotPublic: "地址不是公网地址", app.DeliveryHostNotFound: "找不到该域名", app.DeliveryTimeout: "对方系统超时未应答",
	app.DeliveryRefused: "对方系统拒绝连接", app.DeliveryTLS: "加密连接（证书）失败", app.DeliveryUnreachable: "无法连接对方系统",
	app.DeliveryNoWebhook: "本行已停用推送地址",
}

// deliveryErrorLabel says a delivery's failure in Chinese.
func deliveryErrorLabel(reason string) string {
	if l, ok := deliveryErrorLabels[reason]; ok {
		return l
	}
	if code, ok := strings.CutPrefix(reason, "answered HTTP "); ok {
		return "对方系统返回 HTTP " + code
	}
	return "推送失败"
}

// alertRow is one alert as the page lists it.
type alertRow struct {
	data.Alert
	Enterprise, Bank, KindLabel, Delivery, DeliveryError string
	Acked, OtherAcked                                    bool
}

// alertsView is the data of /app/alerts.
type alertsView struct {
	All        bool // acknowledged alerts shown too
	Rows       []alertRow
	Open       int // alerts the reader has not acknowledged
	IsBank     bool
	Webhook    *app.WebhookView // the bank's, nil when none
	HookURL    string
	HookError  string
	OtherParty string
}

// alertsPage handles GET /app/alerts (organizer and banks).
func (h *webHandlers) alertsPage(c *gin.Context) error {
	return h.renderAlerts(c, http.StatusOK, alertsView{All: c.Query("all") == "1"})
}

// renderAlerts renders the page with v's form state.
func (h *webHandlers) renderAlerts(c *gin.Context, status int, v alertsView) error {
	ctx, p := c.Request.Context(), door.Caller(c)
	party, ok := app.AlertParty(p)
	if !ok {
		return app.Forbidden("alerts are for the deal's bank and the organizer")
	}
	q := app.FirstPage(app.MaxPageSize)
	if !v.All {
		q.Other = map[string]string{"acked": "false"}
	}
	list, err := h.s.App.Alerts.List(ctx, p, q)
	if err != nil {
		return err
	}
	banks, err := h.bankNames(ctx, p)
	if err != nil {
		return err
	}
	other := data.PartyBank
	v.OtherParty = "贷款银行"
	if party == data.PartyBank {
		other, v.OtherParty = data.PartyOrganizer, "交易中心"
	}
	names := map[string]string{}
	for _, al := range list.Items {
		row := alertRow{Alert: al, Bank: banks[al.BankID], KindLabel: riskLabels[al.Kind],
			Acked: al.AckedBy(party), OtherAcked: al.AckedBy(other), Enterprise: al.EnterpriseID}
		if name, ok := names[al.EnterpriseID]; ok {
			row.Enterprise = name
		} else if e, err := h.s.App.Enterprises.Read(ctx, p, al.EnterpriseID); err == nil {
			row.Enterprise, names[al.EnterpriseID] = e.Name, e.Name // read once per enterprise, as p may see it
		}
		if al.Webhook != nil {
			row.Delivery = deliveryLabels[al.Webhook.State]
			if al.Webhook.LastError != "" {
				row.DeliveryError = deliveryErrorLabel(al.Webhook.LastError)
			}
		}
		if !row.Acked {
			v.Open++
		}
		v.Rows = append(v.Rows, row)
	}
	slices.Reverse(v.Rows) // newest first: IDs follow the time raised
	if p.Is(data.RoleBank) {
		v.IsBank = true
		hook, err := h.s.App.Webhook(ctx, p, p.Token.BankID)
		switch data.ErrorCode(err) {
		case "":
			v.Webhook = hook
		case data.CodeNotFound:
		default:
			return err
		}
	}
	return h.render(c, status, "alerts", webPage{Title: "押品预警", Data: v})
}

// ackAlertForm handles POST /app/alerts/{id}/ack.
func (h *webHandlers) ackAlertForm(c *gin.Context) error {
	al, err := h.s.App.AckAlert(c.Request.Context(), door.Caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	h.setFlash(c, "已确认预警："+al.Patent+" "+riskLabels[al.Kind]+"。")
	c.Redirect(http.StatusSeeOther, "/app/alerts")
	return nil
}

// setWebhookForm handles POST /app/alerts/webhook (a bank): sets its
// webhook and shows the new secret once; an empty address removes it.
func (h *webHandlers) setWebhookForm(c *gin.Context) error {
	ctx, p := c.Request.Context(), door.Caller(c)
	if !p.Is(data.RoleBank) {
		return app.Forbidden("only a bank sets its webhook on this page")
	}
	u := strings.TrimSpace(c.PostForm("url"))
	if u == "" {
		if err := h.s.App.DeleteWebhook(ctx, p, p.Token.BankID); err != nil && data.ErrorCode(err) != data.CodeNotFound {
			return err
		}
		h.setFlash(c, "已停用推送地址。")
		c.Redirect(http.StatusSeeOther, "/app/alerts")
		return nil
	}
	hook, err := h.s.App.SetWebhook(ctx, p, p.Token.BankID, app.WebhookRequest{URL: u})
	if data.ErrorCode(err) == data.CodeInvalid {
		return h.renderAlerts(c, http.StatusUnprocessableEntity, alertsView{HookURL: u, HookError: webhookProblem(err)})
	}
	if err != nil {
		return err
	}
	// Shown once through the flash, after a redirect, so that reloading
	// the page does not post the form again (and make another secret).
	h.setFlash(c, "推送地址已设置。签名密钥（只显示这一次，请立即保存）："+hook.Secret)
	c.Redirect(http.StatusSeeOther, "/app/alerts#webhook")
	return nil
}

// webhookProblem says a refused webhook address in Chinese.
func webhookProblem(err error) string {
	for _, f := range data.ErrorFields(err) {
		switch r := f.Reason; {
		case strings.Contains(r, "http or https"):
			return "推送地址：须为 http 或 https 网址"
		case strings.Contains(r, "public address"):
			return "推送地址：须为公网地址，不能是本机或内网地址"
		case strings.Contains(r, "https"):
			return "推送地址：须为 https 地址（推送内容含企业和贷款信息）"
		case strings.Contains(r, "user name"):
			return "推送地址：不能含用户名或密码（推送内容已签名）"
		case strings.Contains(r, "longer"):
			return "推送地址：过长（最多 2048 个字符）"
		default:
			return "推送地址：须为完整的 https 网址，如 https://bank.example.cn/ipmatch/alerts"
		}
	}
	return "推送地址无效"
}
