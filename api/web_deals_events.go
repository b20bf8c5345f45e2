package api

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
	ctx, p := c.Request.Context(), caller(c)
	b, err := h.s.app.Banks.Read(ctx, p, p.Token.BankID)
	if err != nil {
		return err
	}
	deals, err := app.All(ctx, h.s.store.Deals(), data.ListOptions{Refs: data.Refs{Bank: b.ID}})
	if err != nil {
		return err
	}
	deals = slices.DeleteFunc(deals, func(d data.Deal) bool { return !app.DealVisible(p, &d) })
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
		e, err := h.s.store.Enterprises().Get(ctx, id)
		return e.Name, err
	}
	prodName := func(ctx context.Context, id string) (string, error) {
		pr, err := h.s.store.Products().Get(ctx, id)
		return pr.Name, err
	}
	v := bankDealsView{BankName: b.Name, Move: move, NoteMax: app.MaxNoteRunes}
	if move != nil {
		move.StageLabel = move.Stage.Label()
		if d, err := h.s.store.Deals().Get(ctx, move.DealID); err == nil && app.DealVisible(p, &d) {
			move.EnterpriseName, move.ProductName = name(d.EnterpriseID, entName), name(d.ProductID, prodName)
			if pr, err := h.s.store.Products().Get(ctx, d.ProductID); err == nil {
				move.MinAmount, move.MaxAmount = pr.MinAmount, pr.MaxAmount
			}
		}
	}
	for _, d := range deals {
		row := dealRow{Deal: d, EnterpriseName: name(d.EnterpriseID, entName), ProductName: name(d.ProductID, prodName),
			StageLabel: d.Stage.Label()}
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
		c.Set(keyErrorCode, string(data.CodeInvalid))
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
	ctx, p := c.Request.Context(), caller(c)
	form := &dealMoveForm{DealID: c.Param("id"), Stage: data.Stage(c.PostForm("stage")),
		Note: strings.TrimSpace(c.PostForm("note")), AmountWan: strings.TrimSpace(c.PostForm("amount_wan"))}
	req := app.StageRequest{Stage: form.Stage, Note: form.Note}
	// The deal is read first, as the API would (404 when the bank may not
	// read it), so neither the confirmation nor a correction says
	// anything about another bank's deal.
	if _, err := h.s.app.Deals.Read(ctx, p, form.DealID); err != nil {
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
	d, err := h.s.app.MoveDeal(ctx, p, c.Param("id"), req)
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
		if now, gerr := h.s.store.Deals().Get(ctx, c.Param("id")); gerr == nil && app.DealVisible(p, &now) && req.Stage != "" && now.Stage == req.Stage {
			h.sessions.setFlash(session(c).id, "项目 "+now.ID+" 已处于“"+now.Stage.Label()+"”阶段。")
			c.Redirect(http.StatusSeeOther, "/app/bank/deals")
			return nil
		}
	}
	if err != nil {
		return err
	}
	h.sessions.setFlash(session(c).id, "项目 "+d.ID+" 已进入“"+d.Stage.Label()+"”阶段。")
	c.Redirect(http.StatusSeeOther, "/app/bank/deals")
	return nil
}

// ---- Meetings of a bank or an enterprise ----

// myMeeting is one meeting of the caller.
type myMeeting struct {
	Time    string
	Table   int // the event-wide table number (tableNumber)
	Partner string
	// PartnerID is the partner's ID (the bank's pages link an enterprise
	// to /app/bank/enterprises/{id}).
	PartnerID string
}

// eventMeetings are the caller's meetings at one event it attends.
type eventMeetings struct {
	Event       data.Event
	StatusLabel string
	Published   bool
	Meetings    []myMeeting
}

// myMeetings returns, for each event where p (a bank or an enterprise) is
// registered, its own meetings once the schedule is published, as GET
// /api/v1/events/{id}/schedule answers it. Events newest first.
func (h *webHandlers) myMeetings(ctx context.Context, p *app.Caller) ([]eventMeetings, error) {
	events, err := app.All(ctx, h.s.store.Events(), data.ListOptions{})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(events, func(a, b data.Event) int {
		return cmp.Or(-cmp.Compare(a.Date.String(), b.Date.String()), cmp.Compare(a.ID, b.ID))
	})
	var out []eventMeetings
	for _, ev := range events {
		w, err := h.s.app.LoadEvent(ctx, ev.ID)
		if err != nil {
			return nil, err
		}
		if p.Is(data.RoleBank) && w.BankPart[p.Token.BankID] == nil || p.Is(data.RoleCompany) && w.EntPart[p.Token.EnterpriseID] == nil {
			continue
		}
		em := eventMeetings{Event: ev, StatusLabel: eventStatusLabel(ev.Status)}
		em.Meetings, em.Published, err = h.meetingsAt(ctx, p, ev.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, em)
	}
	return out, nil
}

// meetingsAt returns p's meetings at event id by slot and table; false
// when the schedule is not published (yet).
func (h *webHandlers) meetingsAt(ctx context.Context, p *app.Caller, id string) ([]myMeeting, bool, error) {
	w, _, ms, _, _, err := h.s.app.VisibleSchedule(ctx, p, id, "", "")
	if data.ErrorCode(err) == data.CodeNotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	slices.SortFunc(ms, func(a, b app.StoredMeeting) int {
		return cmp.Or(cmp.Compare(a.Slot, b.Slot), cmp.Compare(a.Table, b.Table))
	})
	var out []myMeeting
	for _, m := range ms {
		partner := m.EnterpriseID
		if p.Is(data.RoleCompany) {
			partner = m.BankID
		}
		out = append(out, myMeeting{Time: slotLabel(w, m.Slot), Table: w.TableNumber(m.BankID, m.Table), Partner: w.Name(partner), PartnerID: partner})
	}
	return out, true, nil
}

// bankMeetingsView is the data of /app/bank/meetings.
type bankMeetingsView struct {
	BankName string
	Events   []eventMeetings
}

// bankMeetingsPage handles GET /app/bank/meetings: the bank's own meetings
// at each event where it has a desk.
func (h *webHandlers) bankMeetingsPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleBank, "/app/bank/meetings"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), caller(c)
	b, err := h.s.app.Banks.Read(ctx, p, p.Token.BankID)
	if err != nil {
		return err
	}
	evs, err := h.myMeetings(ctx, p)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "bank_meetings", webPage{Title: b.Name + " · 会谈安排", Data: bankMeetingsView{BankName: b.Name, Events: evs}})
}

// ---- Enterprise: events ----

// prefRow is one bank desk of an event with the enterprise's wish.
type prefRow struct {
	BankID, BankName string
	Kind             string // must_meet, no_thanks or ""
	// Wish explains how the wish fares (nil without a wish), StatusLabel
	// in Chinese and When its meeting's time.
	Wish        *app.WishBody
	StatusLabel string
	When        string
}

// wishStatusLabels name the wish statuses on the pages.
var wishStatusLabels = map[string]string{
	app.WishPending:  "待排期",
	app.WishBlocked:  "无法安排",
	app.WishMet:      "已安排",
	app.WishNotMet:   "未安排",
	app.WishDeclined: "不安排会谈",
}

// enterpriseEventRow is one event of the enterprise's page.
type enterpriseEventRow struct {
	Event       data.Event
	StatusLabel string
	Registered  bool
	CanRegister bool
	CanEdit     bool
	Prefs       []prefRow
	Published   bool
	Meetings    []myMeeting
}

// enterpriseEventsView is the data of /app/enterprise/events.
type enterpriseEventsView struct {
	Name   string
	Events []enterpriseEventRow
}

// enterpriseEventsPage handles GET /app/enterprise/events: the events open
// for registration, the enterprise's registrations with their preferences
// and its meetings once published.
func (h *webHandlers) enterpriseEventsPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleCompany, "/app/enterprise/events"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), caller(c)
	e, err := h.s.app.Enterprises.Read(ctx, p, p.Token.EnterpriseID)
	if err != nil {
		return err
	}
	events, err := app.All(ctx, h.s.store.Events(), data.ListOptions{})
	if err != nil {
		return err
	}
	slices.SortFunc(events, func(a, b data.Event) int {
		return cmp.Or(-cmp.Compare(a.Date.String(), b.Date.String()), cmp.Compare(a.ID, b.ID))
	})
	v := enterpriseEventsView{Name: e.Name}
	for _, ev := range events {
		w, err := h.s.app.LoadEvent(ctx, ev.ID)
		if err != nil {
			return err
		}
		own := w.EntPart[e.ID]
		row := enterpriseEventRow{Event: ev, StatusLabel: eventStatusLabel(ev.Status), Registered: own != nil}
		if own == nil {
			if ev.Status != data.EventDraft {
				continue
			}
			row.CanRegister = true
			v.Events = append(v.Events, row)
			continue
		}
		row.CanEdit = ev.Status == data.EventDraft
		kinds := map[string]data.PreferenceKind{}
		for _, pr := range own.Preferences {
			kinds[pr.Target] = pr.Kind
		}
		var banks []string
		for id := range w.BankPart {
			banks = append(banks, id)
		}
		slices.Sort(banks)
		wishes, err := h.s.app.Wishes(ctx, p, ev.ID, "")
		if err != nil {
			return err
		}
		for _, id := range banks {
			pr := prefRow{BankID: id, BankName: w.Name(id), Kind: string(kinds[id])}
			for i := range wishes.Wishes {
				if wb := &wishes.Wishes[i]; wb.BankID == id {
					pr.Wish, pr.StatusLabel = wb, wishStatusLabels[wb.Status]
					if wb.Slot > 0 {
						pr.When = slotLabel(w, wb.Slot)
					}
				}
			}
			row.Prefs = append(row.Prefs, pr)
		}
		if row.Meetings, row.Published, err = h.meetingsAt(ctx, p, ev.ID); err != nil {
			return err
		}
		v.Events = append(v.Events, row)
	}
	return h.render(c, http.StatusOK, "enterprise_events", webPage{Title: e.Name + " · 对接会", Data: v})
}

// registerForEvent handles POST /app/enterprise/events/{id}/register: a
// participant for the enterprise, created as POST /api/v1/participants
// does; participantRules refuses it once the event is no longer a draft.
func (h *webHandlers) registerForEvent(c *gin.Context) error {
	if err := requireRole(c, data.RoleCompany, "/app/enterprise/events"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), caller(c)
	ev, err := h.s.store.Events().Get(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	pt := data.Participant{EventID: ev.ID, Role: data.RoleEnterprise, EnterpriseID: p.Token.EnterpriseID}
	err = h.s.app.Participants.Create(ctx, p, &pt)
	if data.ErrorCode(err) == data.CodeConflict {
		// A second submit (a double click, a reload) finds the enterprise
		// registered: the same answer as the first, not an error page
		// with the registration's internal key.
		if held, gerr := h.s.store.Participants().GetByKey(ctx, data.ParticipantKey(&pt)); gerr == nil && held.EnterpriseID == p.Token.EnterpriseID {
			h.sessions.setFlash(session(c).id, "您已报名“"+ev.Name+"”，可以在下方填写会谈意愿。")
			c.Redirect(http.StatusSeeOther, "/app/enterprise/events")
			return nil
		}
	}
	if err != nil {
		return err
	}
	h.sessions.setFlash(session(c).id, "已报名“"+ev.Name+"”，可以在下方填写会谈意愿。")
	c.Redirect(http.StatusSeeOther, "/app/enterprise/events")
	return nil
}

// savePreferences handles POST /app/enterprise/events/{id}/preferences:
// for each bank desk of the event, pref_{bank id} is must_meet, no_thanks
// or none; the enterprise's registration is replaced as PUT
// /api/v1/participants/{id} does (refused there once the event is no
// longer a draft). Wishes about parties not at the event are kept.
func (h *webHandlers) savePreferences(c *gin.Context) error {
	if err := requireRole(c, data.RoleCompany, "/app/enterprise/events"); err != nil {
		return err
	}
	ctx, p := c.Request.Context(), caller(c)
	w, err := h.s.app.LoadEvent(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	own := w.EntPart[p.Token.EnterpriseID]
	if own == nil {
		return data.Errorf(data.CodeNotFound, "您尚未报名对接会“%s”", w.Event.Name)
	}
	rec := *own
	rec.Preferences = nil
	for _, pr := range own.Preferences {
		if w.BankPart[pr.Target] == nil {
			rec.Preferences = append(rec.Preferences, pr)
		}
	}
	var banks []string
	for id := range w.BankPart {
		banks = append(banks, id)
	}
	slices.Sort(banks)
	for _, id := range banks {
		switch k := c.PostForm("pref_" + id); k {
		case "", "none":
		case string(data.MustMeet), string(data.NoThanks):
			rec.Preferences = append(rec.Preferences, data.Preference{Target: id, Kind: data.PreferenceKind(k)})
		default:
			return invalidField("pref_"+id, "须为 must_meet、no_thanks 或 none，而不是 %q", k)
		}
	}
	if _, err := h.s.app.Participants.Replace(ctx, p, own.ID, &rec); err != nil {
		return err
	}
	h.sessions.setFlash(session(c).id, "会谈意愿已保存。")
	c.Redirect(http.StatusSeeOther, "/app/enterprise/events")
	return nil
}
