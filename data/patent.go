package data

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// PatentType is the kind of a Chinese patent.
type PatentType string

// The patent types.
const (
	Invention    PatentType = "invention"     // 发明
	UtilityModel PatentType = "utility_model" // 实用新型
	Design       PatentType = "design"        // 外观设计
)

// Label returns the Chinese name of t.
func (t PatentType) Label() string {
	switch t {
	case Invention:
		return "发明"
	case UtilityModel:
		return "实用新型"
	case Design:
		return "外观设计"
	}
	return string(t)
}

// Valid reports whether t is one of the known types.
func (t PatentType) Valid() bool {
	return t == Invention || t == UtilityModel || t == Design
}

// designTermChange is the day the amended Patent Law took effect: designs
// filed from then on are protected for 15 years instead of 10.
var designTermChange = NewDate(2021, time.June, 1)

// LegalTermYears returns the protection term of a patent of type t filed on
// filing: invention 20 years, utility model 10, design 15 if filed on or
// after 2021-06-01 and 10 before.
func LegalTermYears(t PatentType, filing Date) int {
	switch t {
	case Invention:
		return 20
	case UtilityModel:
		return 10
	case Design:
		if filing.Before(designTermChange) {
			return 10
		}
		return 15
	}
	return 0
}

// LegalStatus is where a patent stands at CNIPA.
type LegalStatus string

// The legal statuses. Only StatusValid patents can be pledged.
const (
	StatusPending     LegalStatus = "pending"     // 审中
	StatusValid       LegalStatus = "valid"       // 有效 (granted, in force)
	StatusLapsed      LegalStatus = "lapsed"      // 失效: fees unpaid or term expired
	StatusInvalidated LegalStatus = "invalidated" // 无效宣告: declared invalid
	StatusRejected    LegalStatus = "rejected"    // 驳回
	StatusWithdrawn   LegalStatus = "withdrawn"   // 撤回
)

var legalStatusLabels = map[LegalStatus]string{
	StatusPending: "审中", StatusValid: "有效", StatusLapsed: "失效",
	StatusInvalidated: "无效", StatusRejected: "驳回", StatusWithdrawn: "撤回",
}

// Label returns the Chinese name of s.
func (s LegalStatus) Label() string {
	if l, ok := legalStatusLabels[s]; ok {
		return l
	}
	return string(s)
}

// ParseLegalStatus reads a status in English or Chinese.
func ParseLegalStatus(s string) (LegalStatus, bool) {
	s = strings.TrimSpace(s)
	if _, ok := legalStatusLabels[LegalStatus(s)]; ok {
		return LegalStatus(s), true
	}
	for k, v := range legalStatusLabels {
		if v == s {
			return k, true
		}
	}
	switch s {
	case "授权", "专利权维持":
		return StatusValid, true
	case "未缴年费专利权终止", "期限届满", "专利权终止", "权利终止":
		return StatusLapsed, true
	case "全部无效":
		return StatusInvalidated, true
	case "实质审查", "公开", "实审":
		return StatusPending, true
	}
	return "", false
}

// TransactionKind is a kind of event in a patent's history.
type TransactionKind string

// The kinds of patent history events that the pledge rules look at.
const (
	TxPledge       TransactionKind = "pledge"       // 质押
	TxLicence      TransactionKind = "licence"      // 许可
	TxTransfer     TransactionKind = "transfer"     // 转让
	TxInvalidation TransactionKind = "invalidation" // 无效宣告请求
	TxLitigation   TransactionKind = "litigation"   // 诉讼
	TxPreservation TransactionKind = "preservation" // 财产保全 (court)
	TxSuspension   TransactionKind = "suspension"   // 中止程序
)

// Transaction is one pledge, licence, transfer, invalidation request,
// lawsuit, court preservation or suspension in a patent's history. Open
// means it has not ended (a pledge not yet released, proceedings pending).
type Transaction struct {
	Kind  TransactionKind `json:"kind"`
	Date  Date            `json:"date,omitzero"`
	End   Date            `json:"end,omitzero"`
	Party string          `json:"party,omitempty"`
	Open  bool            `json:"open"`
	// Amount in yuan, for pledges and licences.
	Amount int64 `json:"amount,omitempty"`
	// Source is SourceCNIPA for an entry derived from the patent's legal
	// events (legal_events.go), rebuilt when they change; "" for one
	// entered as it is.
	Source string `json:"source,omitempty"`
}

// Patent is a Chinese patent (or application) with what valuation and the
// pledge rules need. It is identified by its application number.
type Patent struct {
	ApplicationNumber string      `json:"application_number"`
	PublicationNumber string      `json:"publication_number,omitempty"`
	Type              PatentType  `json:"type"`
	Title             string      `json:"title"`
	Abstract          string      `json:"abstract,omitempty"`
	MainClaim         string      `json:"main_claim,omitempty"`
	IPC               []string    `json:"ipc"` // normalised; the first is the main class
	Applicants        []string    `json:"applicants"`
	Inventors         []string    `json:"inventors,omitempty"`
	Address           string      `json:"address,omitempty"`
	Region            string      `json:"region,omitempty"`
	Agency            string      `json:"agency,omitempty"`
	Agent             string      `json:"agent,omitempty"`
	FilingDate        Date        `json:"filing_date"`
	PublicationDate   Date        `json:"publication_date,omitzero"`
	GrantDate         Date        `json:"grant_date,omitzero"`
	ExpiryDate        Date        `json:"expiry_date,omitzero"` // filing date + legal term; set by Normalize
	LegalStatus       LegalStatus `json:"legal_status,omitempty"`
	// OwnerID is the enterprise (in ipmatch) that holds the patent.
	OwnerID string `json:"owner_id,omitempty"`
	// CoOwnersConsent records that every co-owner agreed to a pledge.
	CoOwnersConsent bool `json:"co_owners_consent,omitempty"`
	// FeesPaidThrough is the last date covered by paid annual fees.
	FeesPaidThrough  Date          `json:"fees_paid_through,omitzero"`
	ImplementedSince Date          `json:"implemented_since,omitzero"`
	Claims           int           `json:"claims,omitempty"`
	ForwardCitations int           `json:"forward_citations,omitempty"`
	FamilySize       int           `json:"family_size,omitempty"`
	History          []Transaction `json:"history,omitempty"`
	// LegalEvents are the patent's legal-status events from CNIPA, oldest
	// first (AddLegalEvents); its status and the CNIPA part of its history
	// follow from them.
	LegalEvents []LegalEvent `json:"legal_events,omitempty"`
	CreatedAt   time.Time    `json:"created_at,omitzero"`
	UpdatedAt   time.Time    `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// Normalize puts p into canonical form: the application number without
// prefix, the type from its type digit, IPC codes normalised and
// deduplicated, trimmed names, the expiry date from the legal term, and the
// region resolved from the address when none is given. It leaves values it
// cannot read for Validate to report.
func (p *Patent) Normalize() {
	if n, err := NormalizeApplicationNumber(p.ApplicationNumber); err == nil {
		p.ApplicationNumber = n
		if t, err := PatentTypeOf(n); err == nil && p.Type == "" {
			p.Type = t
		}
	}
	p.Title = strings.TrimSpace(p.Title)
	seen := map[string]bool{}
	ipc := make([]string, 0, len(p.IPC)) // never nil: a design may have no IPC code, and ipc is written as []
	for _, raw := range p.IPC {
		code, err := NormalizeIPC(raw)
		if err != nil {
			code = raw // kept for Validate to report
		}
		if !seen[code] {
			seen[code] = true
			ipc = append(ipc, code)
		}
	}
	p.IPC = ipc
	p.Applicants = trimAll(p.Applicants)
	p.Inventors = trimAll(p.Inventors)
	if p.Region == "" && p.Address != "" {
		if r, ok := ResolveAddress(p.Address); ok {
			p.Region = r.Code
		}
	}
	if !p.FilingDate.IsZero() && p.Type.Valid() {
		p.ExpiryDate = p.FilingDate.AddYears(LegalTermYears(p.Type, p.FilingDate))
	}
}

// Validate checks p against the record rules; every failure names its field.
func (p *Patent) Validate() error {
	var v fieldErrors
	n, numberErr := NormalizeApplicationNumber(p.ApplicationNumber)
	switch {
	case numberErr != nil:
		v.add("application_number", "%v", numberErr)
	case n != p.ApplicationNumber:
		v.add("application_number", "not normalised: want %s", n)
	default:
		if t, _ := PatentTypeOf(n); p.Type != t {
			v.add("type", "is %q but the application number's type digit says %q", p.Type, t)
		}
	}
	// An empty type follows from a bad number; report it only on its own.
	if !p.Type.Valid() && (p.Type != "" || numberErr == nil) {
		v.add("type", "must be invention, utility_model or design")
	}
	if p.Title == "" {
		v.add("title", "is required")
	} else if len([]rune(p.Title)) > 500 {
		v.add("title", "is longer than 500 characters")
	}
	if len(p.IPC) == 0 && p.Type != Design {
		v.add("ipc", "at least one IPC code is required")
	}
	for i, c := range p.IPC {
		n, err := NormalizeIPC(c)
		if err != nil {
			v.add(indexed("ipc", i), "%v", err)
		} else if n != c {
			v.add(indexed("ipc", i), "not normalised: want %s", n)
		}
	}
	if len(p.Applicants) == 0 {
		v.add("applicants", "at least one applicant is required")
	}
	for i, a := range p.Applicants {
		if a == "" {
			v.add(indexed("applicants", i), "is empty")
		}
	}
	if p.Region != "" {
		if _, ok := LookupRegion(p.Region); !ok {
			v.add("region", "%q is not a known region code", p.Region)
		}
	}
	if p.FilingDate.IsZero() {
		v.add("filing_date", "is required")
	}
	if !p.GrantDate.IsZero() && p.GrantDate.Before(p.FilingDate) {
		v.add("grant_date", "%s is before the filing date %s", p.GrantDate, p.FilingDate)
	}
	if !p.PublicationDate.IsZero() && p.PublicationDate.Before(p.FilingDate) {
		v.add("publication_date", "%s is before the filing date %s", p.PublicationDate, p.FilingDate)
	}
	if !p.FilingDate.IsZero() && p.Type.Valid() {
		want := p.FilingDate.AddYears(LegalTermYears(p.Type, p.FilingDate))
		if p.ExpiryDate != want {
			v.add("expiry_date", "must be %s: the filing date plus the %d-year term of a %s", want, LegalTermYears(p.Type, p.FilingDate), p.Type.Label())
		}
	}
	if p.LegalStatus != "" {
		if _, ok := legalStatusLabels[p.LegalStatus]; !ok {
			v.add("legal_status", "%q is not one of pending, valid, lapsed, invalidated, rejected, withdrawn", p.LegalStatus)
		}
	}
	if p.LegalStatus == StatusValid && p.GrantDate.IsZero() && p.Type == Invention {
		v.add("grant_date", "a valid invention patent must have a grant date")
	}
	for name, n := range map[string]int{"claims": p.Claims, "forward_citations": p.ForwardCitations, "family_size": p.FamilySize} {
		if n < 0 {
			v.add(name, "must not be negative")
		}
	}
	for i, tx := range p.History {
		switch tx.Kind {
		case TxPledge, TxLicence, TxTransfer, TxInvalidation, TxLitigation, TxPreservation, TxSuspension:
		default:
			v.add(indexed("history", i)+".kind", "%q is not a known kind", tx.Kind)
		}
		if tx.Amount < 0 {
			v.add(indexed("history", i)+".amount", "must not be negative")
		}
		if !tx.End.IsZero() && tx.End.Before(tx.Date) {
			v.add(indexed("history", i)+".end", "is before its date")
		}
	}
	return v.err("patent")
}

// RemainingYears returns the years of legal term left on day, never below 0.
func (p *Patent) RemainingYears(day Date) float64 {
	if p.ExpiryDate.IsZero() {
		return 0
	}
	y := day.YearsUntil(p.ExpiryDate)
	if y < 0 {
		return 0
	}
	return y
}

// HasOpen reports whether p has an open transaction of kind k.
func (p *Patent) HasOpen(k TransactionKind) bool {
	for _, tx := range p.History {
		if tx.Kind == k && tx.Open {
			return true
		}
	}
	return false
}

func trimAll(ss []string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func indexed(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}

// PledgeBar is a reason CNIPA refuses to register a pledge of a patent,
// whoever the pledgor and whatever the day (专利权质押登记办法, CNIPA 2021, art. 12).
// The two rules that depend on more are checked apart: whether the
// pledgor owns the patent (matcher), and whether the fees are paid on the
// day (FeesPaidOn).
type PledgeBar string

// The pledge bars.
const (
	BarStatusUnknown    PledgeBar = "status_unknown"    // no legal status recorded
	BarNotGranted       PledgeBar = "not_granted"       // pending, rejected or withdrawn
	BarLapsed           PledgeBar = "lapsed"            // fees unpaid or term expired
	BarInvalidated      PledgeBar = "invalidated"       // declared invalid
	BarCoOwned          PledgeBar = "co_owned"          // several owners, not all consenting
	BarPledged          PledgeBar = "pledged"           // an open pledge
	BarInvalidationOpen PledgeBar = "invalidation_open" // an invalidation request pending
	BarPreservation     PledgeBar = "preservation"      // under a court's preservation order
	BarSuspended        PledgeBar = "suspended"         // procedures suspended (ownership dispute)
)

// AllPledgeBars lists every pledge bar.
var AllPledgeBars = []PledgeBar{BarStatusUnknown, BarNotGranted, BarLapsed, BarInvalidated, BarCoOwned, BarPledged,
	BarInvalidationOpen, BarPreservation, BarSuspended}

// PledgeBars lists the pledge bars of p, none (nil) when CNIPA would
// register a pledge of it by its owner on a day its fees are paid for.
func (p *Patent) PledgeBars() []PledgeBar {
	var out []PledgeBar
	switch p.LegalStatus {
	case StatusValid:
	case StatusPending, StatusRejected, StatusWithdrawn:
		out = append(out, BarNotGranted)
	case StatusLapsed:
		out = append(out, BarLapsed)
	case StatusInvalidated:
		out = append(out, BarInvalidated)
	default:
		out = append(out, BarStatusUnknown)
	}
	if len(p.Applicants) > 1 && !p.CoOwnersConsent {
		out = append(out, BarCoOwned)
	}
	for _, tx := range p.History {
		if !tx.Open {
			continue
		}
		var b PledgeBar
		switch tx.Kind {
		case TxPledge:
			b = BarPledged
		case TxInvalidation:
			b = BarInvalidationOpen
		case TxPreservation:
			b = BarPreservation
		case TxSuspension:
			b = BarSuspended
		default:
			continue
		}
		if !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	return out
}

// FeesPaidOn reports whether p's annual fees are paid through day: a
// patent in force whose fees are overdue cannot be pledged (it lapses
// once the grace period ends).
func (p *Patent) FeesPaidOn(day Date) bool {
	return !p.FeesPaidThrough.IsZero() && !p.FeesPaidThrough.Before(day)
}
