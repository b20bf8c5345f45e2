package web

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
	"ipmatch/matcher"
)

// The bank's deals and meetings and the enterprise's events. Each handler
// checks the role, then calls what the JSON handlers call: moveChecked
// (POST /api/v1/deals/{id}/stage), participantResource's create and
// replace (POST and PUT /api/v1/participants), visibleSchedule (GET
// /api/v1/events/{id}/schedule).

// ---- Bank: deals ----

// stageButton is one allowed next stage of a deal.
type stageButton struct {
	Stage data.Stage
	Label string
}

// dealRow is one deal of the bank's list.
type dealRow struct {
	data.Deal
	EnterpriseName, ProductName string
	StageLabel                  string
	LastBy                      string
	LastAt                      time.Time
	Next                        []stageButton
	// History is every stage change with its note, oldest first.
	History []historyRow
	// TakesAmount says whether disbursed is a next stage: the form then
	// asks for the amount disbursed.
	TakesAmount bool
	// Flag is the collateral's flag of a live loan (warning or lost), ""
	// when none: a badge linking to 押品预警.
	Flag matcher.CollateralFlag
}

// historyRow is one stage change of a deal as its history shows it.
type historyRow struct {
	data.StageChange
	StageLabel string
}

// dealMoveForm is a stage move as the deals page's form sent it, shown
// again to be confirmed (a move that ends the deal) or corrected (bad
// input), with the reason in Error.
type dealMoveForm struct {
	DealID, EnterpriseName, ProductName string
	Stage                               data.Stage
	StageLabel                          string
	Note, AmountWan                     string
	// Range is the product's amount range in 万元, for the amount's hint.
	MinAmount, MaxAmount int64
	Error                string
}

// bankDealsView is the data of /app/bank/deals.
type bankDealsView struct {
	BankName string
	Deals    []dealRow
	// Move, when set, is a move waiting for confirmation or correction.
	Move *dealMoveForm
	// NoteMax is the longest note, in characters (app.MaxNoteRunes).
	NoteMax int
}

// stagesToConfirm are the moves the deals page asks to confirm first:
// both end the deal (no stage follows them) and cannot be undone.
var stagesToConfirm = map[data.Stage]bool{data.StageDeclined: true, data.StageCompensated: true}

// bankDealsPage handles GET /app/bank/deals: the bank's deals with a
// button per allowed next stage.
func (h *webHandlers) bankDealsPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleBank, "/app/bank/deals"); err != nil {
		return err
	}
	return h.renderBankDeals(c, http.StatusOK, nil)
}

// renderBankDeals renders the deals page with status, and move, when not
// nil, as the move to confirm or correct above the list.
func (h *webHandlers) renderBankDeals(c *gin.Context, status int, move *dealMoveForm) error {
	ctx, p := c.Request.Context(), door.Caller(c)
	b, err := h.s.App.Banks.Read(ctx, p, p.Token.BankID)
	if err != nil {
		return err
	}
	deals, err := h.s.App.Deals.All(ctx, p, data.Refs{Bank: b.ID})
	if err != nil {
		return err
	}
	slices.SortFunc(deals, func(a, b data.Deal) int { return cmp.Compare(a.ID, b.ID) })
	names := map[string]string{}
	name := func(id string, get func(context.Context, string) (string, error)) string {
		if n, ok := names[id]; ok {
			return n
		}
		n, err := get(ctx, id)
		if err != nil || n == "" {
			n = id
		}
		names[id] = n
		return n
	}
	entName := func(ctx context.Context, id string) (string, error) {
		e, err := h.s.Store().Enterprises().Get(ctx, id)
		return e.Name, err
	}
	prodName := func(ctx context.Context, id string) (string, error) {
		pr, err := h.s.Store().Products().Get(ctx, id)
		return pr.Name, err
	}
	v := bankDealsView{BankName: b.Name, Move: move, NoteMax: app.MaxNoteRunes}
	if move != nil {
		move.StageLabel = move.Stage.Label()
		if d, err := h.s.Store().Deals().Get(ctx, move.DealID); err == nil && app.DealVisible(p, &d) {
			move.EnterpriseName, move.ProductName = name(d.EnterpriseID, entName), name(d.ProductID, prodName)
			if pr, err := h.s.Store().Products().Get(ctx, d.ProductID); err == nil {
				move.MinAmount, move.MaxAmount = pr.MinAmount, pr.MaxAmount
			}
		}
	}
	flags, err := h.s.App.DealFlags(ctx, p, deals, data.Date{})
	if err != nil {
		return err
	}
	for _, d := range deals {
		row := dealRow{Deal: d, EnterpriseName: name(d.EnterpriseID, entName), ProductName: name(d.ProductID, prodName),
			StageLabel: d.Stage.Label(), Flag: flags[d.ID]}
		for _, hc := range d.History {
			row.History = append(row.History, historyRow{StageChange: hc, StageLabel: hc.Stage.Label()})
		}
		if n := len(d.History); n > 0 {
			row.LastBy, row.LastAt = d.History[n-1].By, d.History[n-1].At
		} else {
			row.LastAt = d.UpdatedAt
		}
		for _, s := range data.NextStages(d.Stage) {
			row.Next = append(row.Next, stageButton{Stage: s, Label: s.Label()})
			row.TakesAmount = row.TakesAmount || s == data.StageDisbursed
		}
		v.Deals = append(v.Deals, row)
	}
	if move != nil && move.Error != "" {
		c.Set(door.KeyErrorCode, string(data.CodeInvalid))
	}
	return h.render(c, status, "bank_deals", webPage{Title: b.Name + " · 融资项目", Data: v})
}

// moveDealStage handles POST /app/bank/deals/{id}/stage: the form's stage,
// moved as POST /api/v1/deals/{id}/stage does (pool caps for filed
// included); back to the deals page with a flash.
func (h *webHandlers) moveDealStage(c *gin.Context) error {
	if err := requireRole(c, data.RoleBank, "/app/bank/deals"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), door.Caller(c)
	form := &dealMoveForm{DealID: c.Param("id"), Stage: data.Stage(c.PostForm("stage")),
		Note: strings.TrimSpace(c.PostForm("note")), AmountWan: strings.TrimSpace(c.PostForm("amount_wan"))}
	req := app.StageRequest{Stage: form.Stage, Note: form.Note}
	// The deal is read first, as the API would (404 when the bank may not
	// read it), so neither the confirmation nor a correction says
	// anything about another bank's deal.
	if _, err := h.s.App.Deals.Read(ctx, p, form.DealID); err != nil {
		return err
	}
	if form.Stage == data.StageDisbursed && form.AmountWan != "" {
		wan, err := strconv.ParseFloat(form.AmountWan, 64)
		// 1e8 万元 (1 万亿元) bounds the input far above any product, so
		// the conversion to yuan cannot overflow.
		if err != nil || !(wan > 0) || wan > 1e8 {
			form.Error = "放款金额：须为正数，单位万元，如 300 或 86.5。"
			return h.renderBankDeals(c, http.StatusUnprocessableEntity, form)
		}
		yuan := int64(math.Round(wan * 10_000))
		req.Amount = &yuan
	} else {
		form.AmountWan = "" // only a move to disbursed takes an amount
	}
	if stagesToConfirm[form.Stage] && c.PostForm("confirm") != "1" {
		// The first submit of a move that ends the deal only shows what
		// it will do; the confirmation posts it again with confirm=1.
		return h.renderBankDeals(c, http.StatusOK, form)
	}
	d, err := h.s.App.MoveDeal(ctx, p, c.Param("id"), req)
	// The API's move holds the rules on the note and the amount; the page
	// only says them in Chinese beside the form.
	invalid := func(field string) bool {
		return data.ErrorCode(err) == data.CodeInvalid && slices.ContainsFunc(data.ErrorFields(err), func(f data.FieldError) bool { return f.Field == field })
	}
	switch {
	case invalid("note"):
		form.Error = fmt.Sprintf("备注：最多 %d 字，现为 %d 字。", app.MaxNoteRunes, utf8.RuneCountInString(form.Note))
		return h.renderBankDeals(c, http.StatusUnprocessableEntity, form)
	case invalid("amount"):
		form.Error = "放款金额：须在该产品的额度范围之内（见下方提示）。"
		return h.renderBankDeals(c, http.StatusUnprocessableEntity, form)
	}
	if data.ErrorCode(err) == data.CodeConflict {
		// A second submit of the same move (a double click, a reload)
		// finds the deal already there: the user's wish holds, so it is
		// the same answer as the first, not an error page.
		if now, gerr := h.s.Store().Deals().Get(ctx, c.Param("id")); gerr == nil && app.DealVisible(p, &now) && req.Stage != "" && now.Stage == req.Stage {
			h.setFlash(c, "项目 "+now.ID+" 已处于“"+now.Stage.Label()+"”阶段。")
			c.Redirect(http.StatusSeeOther, "/app/bank/deals")
			return nil
		}
	}
	if err != nil {
		return err
	}
	h.setFlash(c, "项目 "+d.ID+" 已进入“"+d.Stage.Label()+"”阶段。")
	c.Redirect(http.StatusSeeOther, "/app/bank/deals")
	return nil
}

// ---- Meetings of a bank or an enterprise ----
