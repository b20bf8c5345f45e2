package data

import (
	"slices"
	"time"
)

// Stage is a step of a pledge-loan deal.
type Stage string

// The deal stages, in pipeline order (docs/PRODUCT.md).
const (
	StageRegistered       Stage = "registered"        // 入库
	StageMet              Stage = "met"               // 对接
	StageIntent           Stage = "intent"            // 意向
	StageFiled            Stage = "filed"             // 备案尽调
	StageAccepted         Stage = "accepted"          // 受理
	StageDisbursed        Stage = "disbursed"         // 放款
	StagePledgeRegistered Stage = "pledge_registered" // 质押登记
	StageRepaid           Stage = "repaid"            // 结清
	StageCompensated      Stage = "compensated"       // 代偿 / 风险补偿
	StageDeclined         Stage = "declined"          // 终止: either side stopped
)

var stageLabels = map[Stage]string{
	StageRegistered: "入库", StageMet: "对接", StageIntent: "意向", StageFiled: "备案尽调",
	StageAccepted: "受理", StageDisbursed: "放款", StagePledgeRegistered: "质押登记",
	StageRepaid: "结清", StageCompensated: "风险补偿", StageDeclined: "终止",
}

// Stages lists the stages in pipeline order.
var Stages = []Stage{StageRegistered, StageMet, StageIntent, StageFiled, StageAccepted,
	StageDisbursed, StagePledgeRegistered, StageRepaid, StageCompensated, StageDeclined}

// Label returns the Chinese name of s.
func (s Stage) Label() string { return stageLabels[s] }

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool { _, ok := stageLabels[s]; return ok }

// nextStages is the deal state machine: which stages may follow each one.
var nextStages = map[Stage][]Stage{
	StageRegistered:       {StageMet, StageDeclined},
	StageMet:              {StageIntent, StageDeclined},
	StageIntent:           {StageFiled, StageDeclined},
	StageFiled:            {StageAccepted, StageDeclined},
	StageAccepted:         {StageDisbursed, StageDeclined},
	StageDisbursed:        {StagePledgeRegistered, StageRepaid, StageCompensated},
	StagePledgeRegistered: {StageRepaid, StageCompensated},
}

// CanMove reports whether a deal at stage from may move to stage to.
func CanMove(from, to Stage) bool { return slices.Contains(nextStages[from], to) }

// NextStages returns the stages a deal at s may move to.
func NextStages(s Stage) []Stage { return slices.Clone(nextStages[s]) }

// StageChange records one move of a deal: to which stage, when and by whom.
type StageChange struct {
	Stage Stage     `json:"stage"`
	At    time.Time `json:"at"`
	By    string    `json:"by"` // token or user label
	Note  string    `json:"note,omitempty"`
}

// Deal follows one enterprise's loan with one bank product through the
// pipeline. Amounts are yuan.
type Deal struct {
	ID           string        `json:"id"`
	EnterpriseID string        `json:"enterprise_id"`
	BankID       string        `json:"bank_id"`
	ProductID    string        `json:"product_id"`
	EventID      string        `json:"event_id,omitempty"`
	PoolID       string        `json:"pool_id,omitempty"`
	Amount       int64         `json:"amount"`
	TermMonths   int           `json:"term_months,omitempty"`
	Patents      []string      `json:"patents,omitempty"` // application numbers pledged
	Stage        Stage         `json:"stage"`
	History      []StageChange `json:"history"`
	// Collateral is the pledged patents' value recorded for the watch of
	// the loan (watch.go): at the move to 放款, or by the first daily check
	// of a loan disbursed before ipmatch watched it.
	Collateral *CollateralValue `json:"collateral,omitempty"`
	CreatedAt  time.Time        `json:"created_at,omitzero"`
	UpdatedAt  time.Time        `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// Normalize starts a new deal at registered and keeps its history non-nil,
// so that it is written as [] rather than null.
func (d *Deal) Normalize() {
	if d.Stage == "" && len(d.History) == 0 {
		d.Stage = StageRegistered
	}
	if d.History == nil {
		d.History = []StageChange{}
	}
}

// Validate checks d against the record rules, including that its history is
// a legal walk through the state machine ending at its stage.
func (d *Deal) Validate() error {
	var v fieldErrors
	if d.EnterpriseID == "" {
		v.add("enterprise_id", "is required")
	}
	if d.BankID == "" {
		v.add("bank_id", "is required")
	}
	if d.ProductID == "" {
		v.add("product_id", "is required")
	}
	if d.Amount < 0 {
		v.add("amount", "must not be negative")
	}
	if d.TermMonths < 0 || d.TermMonths > 360 {
		v.add("term_months", "must be between 0 and 360")
	}
	if !d.Stage.Valid() {
		v.add("stage", "%q is not a known stage", d.Stage)
	}
	prev := Stage("")
	for i, h := range d.History {
		f := indexed("history", i)
		if !h.Stage.Valid() {
			v.add(f+".stage", "%q is not a known stage", h.Stage)
		} else if prev == "" && h.Stage != StageRegistered {
			v.add(f+".stage", "a deal starts at registered, not %s", h.Stage)
		} else if prev != "" && !CanMove(prev, h.Stage) {
			v.add(f+".stage", "cannot move from %s to %s", prev, h.Stage)
		}
		if h.By == "" {
			v.add(f+".by", "is required")
		}
		if h.At.IsZero() {
			v.add(f+".at", "is required")
		}
		prev = h.Stage
	}
	if prev != "" && prev != d.Stage {
		v.add("stage", "is %s but the history ends at %s", d.Stage, prev)
	}
	if c := d.Collateral; c != nil {
		if c.Value < 0 {
			v.add("collateral.value", "must not be negative")
		}
		if c.ValuedOn.IsZero() {
			v.add("collateral.valued_on", "is required")
		}
		if c.Basis != CollateralBasisModel {
			v.add("collateral.basis", "must be %q", CollateralBasisModel)
		}
	}
	return v.err("deal")
}

// Move advances d to stage to, recording who and when. It returns a conflict
// error when the state machine does not allow the move.
func (d *Deal) Move(to Stage, by string, at time.Time, note string) error {
	if !to.Valid() {
		return &Error{Code: CodeInvalid, Message: "invalid stage", Fields: []FieldError{{Field: "stage", Reason: string(to) + " is not a known stage"}}}
	}
	if !CanMove(d.Stage, to) {
		return Errorf(CodeConflict, "a deal at %s (%s) cannot move to %s (%s)", d.Stage, d.Stage.Label(), to, to.Label())
	}
	if len(d.History) == 0 {
		d.History = append(d.History, StageChange{Stage: d.Stage, At: at, By: by})
	}
	d.Stage = to
	d.History = append(d.History, StageChange{Stage: to, At: at, By: by, Note: note})
	return nil
}
