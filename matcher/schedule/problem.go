package schedule

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"

	"ipmatch/data"
)

// Enterprise is an enterprise to schedule.
type Enterprise struct {
	ID string
	// MaxMeetings is m_e, how many meetings the enterprise wants (its
	// WantedMeetings, or the event's maximum); it gets at most
	// min(m_e, Slots).
	MaxMeetings int
}

// Bank is a bank desk to schedule.
type Bank struct {
	ID     string
	Tables int // t_b ≥ 1: the bank holds at most Tables × Slots meetings
}

// Pair names an enterprise and a bank.
type Pair struct {
	EnterpriseID string `json:"enterprise_id"`
	BankID       string `json:"bank_id"`
}

// Candidate is a pair that may meet, with its weight (the match
// score). An ineligible pair meets only when the organizer overrides it; a
// pair that is not a candidate at all counts as ineligible with weight 0.
// Pairs of weight ≤ 0 are not chosen unless must-meet or pinned.
type Candidate struct {
	EnterpriseID string
	BankID       string
	Weight       float64
	Eligible     bool
}

// Meeting is one meeting: a pair at a table (0-based, below the
// bank's Tables) in a slot (0-based, below Slots).
type Meeting struct {
	EnterpriseID string  `json:"enterprise_id"`
	BankID       string  `json:"bank_id"`
	Table        int     `json:"table"`
	Slot         int     `json:"slot"`
	Weight       float64 `json:"weight"`
	MustMeet     bool    `json:"must_meet,omitempty"`
	Pinned       bool    `json:"pinned,omitempty"`
	Override     bool    `json:"override,omitempty"`
}

// Input is everything the scheduler needs. Preferences come as
// pairs: a pair is must-meet (or no-thanks) when either side said so, and
// no-thanks wins over must-meet. Pins fix a pair at a table and slot (their
// Weight and flags are filled in); a pin may be an ineligible pair (the
// organizer placed it) but never a no-thanks pair.
type Input struct {
	Slots       int
	Enterprises []Enterprise
	Banks       []Bank
	Candidates  []Candidate
	MustMeet    []Pair
	NoThanks    []Pair
	Overrides   []Pair
	Pins        []Meeting
}

// Result is a schedule: the meetings in (slot, bank, table) order,
// the shortfalls, the total weight of the meetings and how many must-meet
// pairs there were and meet.
type Result struct {
	Meetings    []Meeting   `json:"meetings"`
	Shortfalls  []Shortfall `json:"shortfalls"`
	Weight      float64     `json:"weight"`
	MustMeet    int         `json:"must_meet"`
	MustMeetMet int         `json:"must_meet_met"`
}

// Compute chooses and places the meetings of in (see the package
// comment). Bad input (unknown or duplicate IDs, slots or tables
// out of range, weights that are not finite) returns an invalid *data.Error
// naming the field; clashing pins return a conflict *data.Error naming the
// pins. ctx is checked between augmentations.
func Compute(ctx context.Context, in Input) (*Result, error) {
	p, err := newProblem(in)
	if err != nil {
		return nil, err
	}
	chosen, err := p.choose(ctx)
	if err != nil {
		return nil, err
	}
	return p.place(chosen)
}

// ---- The problem, indexed ----

// maxWeight bounds |weight| so that quantised sums fit in int64.
const maxWeight = 1e6

// candidateArc is an allowed pair of the b-matching.
type candidateArc struct {
	e, b     int32
	q        int64 // quantised weight
	w        float64
	must     bool
	override bool
}

// problem is a validated, indexed Input.
type problem struct {
	slots int
	ents  []Enterprise // sorted by ID
	banks []Bank       // sorted by ID
	eIdx  map[string]int
	bIdx  map[string]int
	capE  []int // min(m_e, S) − pins, ≥ 0
	capB  []int // t_b × S − pins, ≥ 0
	arcs  []candidateArc
	pins  []Meeting // sorted, with Weight and flags filled in
	// pinIndex is each pin's index in Input.Pins.
	pinIndex []int
	pinSet   map[[2]int]bool

	// What the shortfall reasons need, per pair (e*nB + b).
	cand     []int8 // 0 not a candidate, 1 ineligible, 2 eligible
	weight   []float64
	must     []bool
	noThanks []bool
	override []bool
	scale    float64
}

func (p *problem) pair(e, b int) int { return e*len(p.banks) + b }

func newProblem(in Input) (*problem, error) {
	var errs []data.FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, data.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if in.Slots < 1 || in.Slots > 1000 {
		bad("slots", "%d must be between 1 and 1000", in.Slots)
	}
	p := &problem{slots: in.Slots, eIdx: map[string]int{}, bIdx: map[string]int{}, pinSet: map[[2]int]bool{}}
	p.ents = slices.Clone(in.Enterprises)
	slices.SortStableFunc(p.ents, func(a, b Enterprise) int { return cmp.Compare(a.ID, b.ID) })
	p.banks = slices.Clone(in.Banks)
	slices.SortStableFunc(p.banks, func(a, b Bank) int { return cmp.Compare(a.ID, b.ID) })
	for i, e := range p.ents {
		f := "enterprises[" + strconv.Itoa(i) + "]"
		switch {
		case e.ID == "":
			bad(f+".id", "is required")
		case i > 0 && p.ents[i-1].ID == e.ID:
			bad(f+".id", "%q appears twice", e.ID)
		}
		if e.MaxMeetings < 0 {
			bad(f+".max_meetings", "%d must not be negative", e.MaxMeetings)
		}
		p.eIdx[e.ID] = i
	}
	for i, b := range p.banks {
		f := "banks[" + strconv.Itoa(i) + "]"
		switch {
		case b.ID == "":
			bad(f+".id", "is required")
		case i > 0 && p.banks[i-1].ID == b.ID:
			bad(f+".id", "%q appears twice", b.ID)
		}
		if b.Tables < 1 || b.Tables > 1000 {
			bad(f+".tables", "%d must be between 1 and 1000", b.Tables)
		}
		p.bIdx[b.ID] = i
	}
	if len(errs) > 0 {
		return nil, &data.Error{Code: data.CodeInvalid, Message: "invalid schedule input", Fields: errs}
	}
	nE, nB := len(p.ents), len(p.banks)
	n := nE * nB
	p.cand, p.weight = make([]int8, n), make([]float64, n)
	p.must, p.noThanks, p.override = make([]bool, n), make([]bool, n), make([]bool, n)

	lookup := func(field string, pr Pair) (int, bool) {
		e, ok1 := p.eIdx[pr.EnterpriseID]
		b, ok2 := p.bIdx[pr.BankID]
		if !ok1 {
			bad(field+".enterprise_id", "%q is not an enterprise of the schedule", pr.EnterpriseID)
		}
		if !ok2 {
			bad(field+".bank_id", "%q is not a bank of the schedule", pr.BankID)
		}
		return p.pair(e, b), ok1 && ok2
	}
	for i, c := range in.Candidates {
		f := "candidates[" + strconv.Itoa(i) + "]"
		k, ok := lookup(f, Pair{c.EnterpriseID, c.BankID})
		if math.IsNaN(c.Weight) || math.Abs(c.Weight) > maxWeight {
			bad(f+".weight", "%v must be a number between −%g and %g", c.Weight, maxWeight, maxWeight)
			continue
		}
		if !ok {
			continue
		}
		if p.cand[k] != 0 {
			bad(f, "the pair %s × %s appears twice", c.EnterpriseID, c.BankID)
			continue
		}
		p.cand[k], p.weight[k] = 1, c.Weight
		if c.Eligible {
			p.cand[k] = 2
		}
	}
	for _, set := range []struct {
		name  string
		list  []Pair
		flags []bool
	}{{"must_meet", in.MustMeet, p.must}, {"no_thanks", in.NoThanks, p.noThanks}, {"overrides", in.Overrides, p.override}} {
		for i, pr := range set.list {
			if k, ok := lookup(set.name+"["+strconv.Itoa(i)+"]", pr); ok {
				set.flags[k] = true
			}
		}
	}
	// Pins: in range, not no-thanks, one per pair.
	pinsE, pinsB := make([]int, nE), make([]int, nB)
	for i, pin := range in.Pins {
		f := "pins[" + strconv.Itoa(i) + "]"
		k, ok := lookup(f, Pair{pin.EnterpriseID, pin.BankID})
		if !ok {
			continue
		}
		e, b := p.eIdx[pin.EnterpriseID], p.bIdx[pin.BankID]
		if pin.Table < 0 || pin.Table >= p.banks[b].Tables {
			bad(f+".table", "%d is not a table of bank %s (0 to %d)", pin.Table, pin.BankID, p.banks[b].Tables-1)
			continue
		}
		if pin.Slot < 0 || pin.Slot >= in.Slots {
			bad(f+".slot", "%d is not a slot (0 to %d)", pin.Slot, in.Slots-1)
			continue
		}
		if p.noThanks[k] {
			bad(f, "%s × %s is a no-thanks pair; drop the no-thanks preference before pinning it", pin.EnterpriseID, pin.BankID)
			continue
		}
		if p.pinSet[[2]int{e, b}] {
			bad(f, "%s × %s is pinned twice", pin.EnterpriseID, pin.BankID)
			continue
		}
		p.pinSet[[2]int{e, b}] = true
		pinsE[e]++
		pinsB[b]++
		pin.Weight, pin.MustMeet, pin.Pinned = p.weight[k], p.must[k], true
		pin.Override = p.cand[k] != 2
		p.pins = append(p.pins, pin)
		p.pinIndex = append(p.pinIndex, i)
	}
	if len(errs) > 0 {
		return nil, &data.Error{Code: data.CodeInvalid, Message: "invalid schedule input", Fields: errs}
	}
	order := make([]int, len(p.pins))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		return cmp.Or(cmp.Compare(p.pins[i].EnterpriseID, p.pins[j].EnterpriseID), cmp.Compare(p.pins[i].BankID, p.pins[j].BankID))
	})
	pins, idx := make([]Meeting, len(order)), make([]int, len(order))
	for i, o := range order {
		pins[i], idx[i] = p.pins[o], p.pinIndex[o]
	}
	p.pins, p.pinIndex = pins, idx

	p.capE, p.capB = make([]int, nE), make([]int, nB)
	for e := range p.ents {
		p.capE[e] = max(0, min(p.ents[e].MaxMeetings, in.Slots)-pinsE[e])
	}
	for b := range p.banks {
		p.capB[b] = max(0, p.banks[b].Tables*in.Slots-pinsB[b])
	}

	// Allowed arcs in (enterprise, bank) order.
	sumAbs, nMust := 0.0, 0
	for e := range nE {
		for b := range nB {
			k := p.pair(e, b)
			if p.allowed(k) && !p.pinSet[[2]int{e, b}] && (p.weight[k] > 0 || p.must[k]) {
				sumAbs += math.Abs(p.weight[k])
				if p.must[k] {
					nMust++
				}
				p.arcs = append(p.arcs, candidateArc{e: int32(e), b: int32(b), w: p.weight[k], must: p.must[k], override: p.cand[k] != 2})
			}
		}
	}
	p.quantise(sumAbs, nMust)
	return p, nil
}

// allowed reports whether pair k may meet: not no-thanks, and eligible or
// overridden.
func (p *problem) allowed(k int) bool {
	return !p.noThanks[k] && (p.cand[k] == 2 || p.override[k])
}

// quantise turns the weights into integers q = round(w × scale) and adds
// the must-meet bonus W = 1 + Σ|q|. scale is 10^6 (weights compared to six
// decimals) unless the sums could overflow int64, in which case it drops
// by powers of ten until W × (must-meet pairs + 2) and every path cost
// (at most nodes × (W + max q)) stay below 2^62.
func (p *problem) quantise(sumAbs float64, nMust int) {
	nodes := float64(len(p.ents) + len(p.banks) + 2)
	scale := 1e6
	for scale > 1e-12 {
		w := sumAbs*scale + 1
		if w*float64(nMust+2) < 1<<62 && nodes*(w+maxWeight*scale) < 1<<62 {
			break
		}
		scale /= 10
	}
	p.scale = scale
	var sum int64
	for i := range p.arcs {
		a := &p.arcs[i]
		a.q = int64(math.Round(a.w * scale))
		sum += abs64(a.q)
	}
	bonus := 1 + sum
	for i := range p.arcs {
		if p.arcs[i].must {
			p.arcs[i].q += bonus
		}
	}
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
