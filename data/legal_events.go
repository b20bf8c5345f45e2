package data

import (
	"cmp"
	"slices"
	"strings"
)

// CNIPA's legal-status events (法律状态): what happened to a patent after
// filing, as CNIPA's legal-status search prints it, one event a row: the
// day it was announced (法律状态公告日), its name (法律状态: 授权, 未缴年费专利
// 权终止, 专利权质押合同登记的生效 …) and its details (法律状态信息). A
// patent keeps the events it was given (LegalEvents), and its legal
// status and the history the pledge rules read are derived from them in
// date order, so events given twice, or older ones given after newer, come
// to the same patent (issue 18: re-importable without duplicates).

// LegalEvent is one legal-status event of a patent.
type LegalEvent struct {
	Date Date   `json:"date"`
	Name string `json:"name"`
	Info string `json:"info,omitempty"`
}

// SourceCNIPA marks the history entries derived from a patent's legal
// events: they are rebuilt whenever the events change, while entries
// entered by hand are kept as they are.
const SourceCNIPA = "cnipa"

// legalEffect is what an event does to a patent.
type legalEffect struct {
	status LegalStatus     // the status it sets ("" none)
	open   TransactionKind // the kind of proceeding it opens ("" none)
	close  TransactionKind // the kind of open proceeding it ends ("" none)
	grant  bool            // it grants the patent (the grant date)
	// feePaid: an annual fee was paid on the event's day (feePaidOn).
	feePaid bool
}

// legalEffects maps the names of events, as CNIPA prints them, to their
// effects; the first whose words the name holds wins, so the longer names
// (…的注销, …的解除) come before the shorter they contain.
var legalEffects = []struct {
	words  string
	effect legalEffect
}{
	{"质押合同登记的注销", legalEffect{close: TxPledge}},
	{"质押合同登记的变更", legalEffect{}},
	{"质押合同登记", legalEffect{open: TxPledge}},
	{"许可合同备案的注销", legalEffect{close: TxLicence}},
	{"许可合同备案的变更", legalEffect{}},
	{"许可合同备案", legalEffect{open: TxLicence}},
	{"保全的解除", legalEffect{close: TxPreservation}},
	{"保全", legalEffect{open: TxPreservation}},
	{"中止的解除", legalEffect{close: TxSuspension}},
	{"中止程序结束", legalEffect{close: TxSuspension}},
	{"中止", legalEffect{open: TxSuspension}},
	{"全部无效", legalEffect{status: StatusInvalidated, close: TxInvalidation}},
	{"部分无效", legalEffect{close: TxInvalidation}},
	{"维持专利权有效", legalEffect{close: TxInvalidation}},
	{"无效宣告请求", legalEffect{open: TxInvalidation}},
	{"转移", legalEffect{open: TxTransfer}}, // a transfer is done when announced: closed at once below
	{"未缴年费", legalEffect{status: StatusLapsed}},
	{"未缴纳年费", legalEffect{status: StatusLapsed}},
	{"年费缴纳", legalEffect{feePaid: true}},
	{"缴纳年费", legalEffect{feePaid: true}},
	{"期限届满", legalEffect{status: StatusLapsed}},
	{"有效期届满", legalEffect{status: StatusLapsed}},
	{"专利权终止", legalEffect{status: StatusLapsed}},
	{"放弃专利权", legalEffect{status: StatusLapsed}},
	{"驳回", legalEffect{status: StatusRejected}},
	{"撤回", legalEffect{status: StatusWithdrawn}},
	{"恢复", legalEffect{status: StatusValid}}, // 权利的恢复: restored after a lapse
	{"授权", legalEffect{status: StatusValid, grant: true}},
	{"授予", legalEffect{status: StatusValid, grant: true}},
	{"实质审查", legalEffect{status: StatusPending}},
	{"公开", legalEffect{status: StatusPending}},
}

// effectOf returns the effect of an event named name; false for a name
// ipmatch does not know (the event is kept, and does nothing).
func effectOf(name, info string) (legalEffect, bool) {
	// CNIPA writes an event both ways: 专利权的终止 and 专利权终止,
	// 质押合同登记的注销 and 质押合同登记注销.
	n := strings.ReplaceAll(name, "的", "")
	if action, ok := categoryAction(n, strings.ReplaceAll(info, "的", "")); ok {
		n = action
	}
	for _, e := range legalEffects {
		if strings.Contains(n, strings.ReplaceAll(e.words, "的", "")) {
			return e.effect, true
		}
	}
	return legalEffect{}, false
}

// categoryAction reads the events CNIPA names by a category of several
// actions (专利权质押合同登记的生效、变更及注销, 专利实施许可合同备案的生效、
// 变更及注销, 专利权的保全及其解除, 中止及其解除): the details say which one
// it was, and the result is that action's own name. ok is false for any
// other name.
func categoryAction(name, info string) (string, bool) {
	if !strings.Contains(name, "、") && !strings.Contains(name, "及") {
		return "", false
	}
	for _, family := range []string{"质押合同登记", "许可合同备案"} {
		if strings.Contains(name, family) {
			switch {
			case strings.Contains(info, "注销"):
				return family + "注销", true
			case strings.Contains(info, "变更"):
				return family + "变更", true
			}
			return family, true // 生效
		}
	}
	for _, family := range []string{"保全", "中止"} {
		if strings.Contains(name, family) {
			if strings.Contains(info, "解除") || strings.Contains(info, "结束") {
				return family + "解除", true
			}
			return family, true
		}
	}
	return "", false
}

// AddLegalEvents adds evs to p's legal events, each once (an event of the
// same day, name and details is the same event), and derives p's legal
// status, grant date and its CNIPA history from all of them in date
// order. It returns how many were new; 0 leaves p as it was.
func (p *Patent) AddLegalEvents(evs ...LegalEvent) int {
	added := 0
	for _, ev := range evs {
		ev.Name, ev.Info = strings.TrimSpace(ev.Name), strings.TrimSpace(ev.Info)
		if ev.Name == "" || slices.Contains(p.LegalEvents, ev) {
			continue
		}
		p.LegalEvents = append(p.LegalEvents, ev)
		added++
	}
	if added == 0 {
		return 0
	}
	slices.SortStableFunc(p.LegalEvents, func(a, b LegalEvent) int { return a.Date.Compare(b.Date) })
	p.deriveFromLegalEvents()
	return added
}

// deriveFromLegalEvents sets p's status and grant date by its events, and
// rebuilds the history entries they give (SourceCNIPA).
func (p *Patent) deriveFromLegalEvents() {
	history := slices.DeleteFunc(slices.Clone(p.History), func(tx Transaction) bool { return tx.Source == SourceCNIPA })
	var derived []Transaction
	for _, ev := range p.LegalEvents {
		eff, ok := effectOf(ev.Name, ev.Info)
		if !ok {
			continue
		}
		// A publication or examination event does not take back a grant
		// the patent already has.
		if eff.status != "" && (eff.status != StatusPending || p.GrantDate.IsZero()) {
			p.LegalStatus = eff.status
		}
		if eff.grant && p.GrantDate.IsZero() {
			p.GrantDate = ev.Date
		}
		if eff.feePaid {
			p.feePaidOn(ev.Date)
		}
		if eff.close != "" {
			// The oldest open one of the kind ends: CNIPA's events of one
			// patent rarely overlap, and when they do they end in order.
			if i := slices.IndexFunc(derived, func(tx Transaction) bool { return tx.Kind == eff.close && tx.Open }); i >= 0 {
				derived[i].Open, derived[i].End = false, ev.Date
			}
		}
		if eff.open != "" {
			tx := Transaction{Kind: eff.open, Date: ev.Date, Open: true, Source: SourceCNIPA}
			if eff.open == TxTransfer {
				tx.Open, tx.End = false, ev.Date
			}
			derived = append(derived, tx)
		}
	}
	p.History = append(history, derived...)
}

// feePaidOn records an annual fee paid on day: the fee of the first year
// of the term whose grace had not ended by then (paid ahead of its due day,
// or late within the six months), so fees are paid through that year's
// last day. It only moves FeesPaidThrough forward, so deriving the same
// events again gives the same day.
func (p *Patent) feePaidOn(day Date) {
	if p.FilingDate.IsZero() || day.IsZero() {
		return
	}
	for year := 1; year <= 30; year++ {
		due := p.FilingDate.Anniversary(year - 1)
		if due.AddMonthsCNIPA(FeeGraceMonths).Before(day) {
			continue
		}
		through := DateOf(p.FilingDate.Anniversary(year).Time().AddDate(0, 0, -1))
		if through.After(p.FeesPaidThrough) {
			p.FeesPaidThrough = through
		}
		return
	}
}

// Compare returns −1, 0 or +1 as d is before, the same day as or after e.
func (d Date) Compare(e Date) int {
	return cmp.Or(cmp.Compare(d.Year, e.Year), cmp.Compare(d.Month, e.Month), cmp.Compare(d.Day, e.Day))
}
