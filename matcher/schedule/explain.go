package schedule

import (
	"fmt"
)

// ShortfallCode says why a participant got fewer meetings than wanted, or
// why a must-meet pair does not meet.
type ShortfallCode string

// The shortfall codes.
const (
	// ShortSlots: the enterprise wants more meetings than there are slots.
	ShortSlots ShortfallCode = "slots_exhausted"
	// ShortBankCapacity: every allowed bank it does not meet is full.
	ShortBankCapacity ShortfallCode = "bank_capacity_full"
	// ShortNoCandidates: too few banks (for a bank: enterprises) are
	// allowed with a positive score (the rest are ineligible, declined with
	// no-thanks or scored 0).
	ShortNoCandidates ShortfallCode = "no_candidates"
	// ShortUnplaced: chosen meetings could not be placed around the pins.
	ShortUnplaced ShortfallCode = "unplaced"
	// ShortNoThanks: a must-meet pair that the other side declined.
	ShortNoThanks ShortfallCode = "no_thanks"
	// ShortIneligible: a must-meet pair that is ineligible and not
	// overridden.
	ShortIneligible ShortfallCode = "ineligible"
	// ShortEnterpriseCapacity: a must-meet pair dropped because the
	// enterprise has more must-meet pairs than meetings; for a bank with
	// free table-slots, the enterprises it could meet have no room left.
	ShortEnterpriseCapacity ShortfallCode = "enterprise_capacity_full"
)

// Shortfall explains a shortfall. For an enterprise that got fewer
// meetings than it wanted only EnterpriseID is set; for a bank with free
// table-slots only BankID is set (Wanted is Tables × Slots); for a
// must-meet pair that does not meet both IDs are set, with Wanted 1 and
// Got 0.
type Shortfall struct {
	EnterpriseID string        `json:"enterprise_id,omitempty"`
	BankID       string        `json:"bank_id,omitempty"`
	Wanted       int           `json:"wanted"`
	Got          int           `json:"got"`
	Code         ShortfallCode `json:"code"`
	Reason       string        `json:"reason"`
}

// explain fills in the shortfalls: enterprises below their wish and
// must-meet pairs that do not meet.
func (p *problem) explain(res *Result, unplacedE []int, unplacedPairs []int) {
	nE, nB := len(p.ents), len(p.banks)
	met := make([]bool, nE*nB)
	gotE, gotB := make([]int, nE), make([]int, nB)
	for _, m := range res.Meetings {
		e, b := p.eIdx[m.EnterpriseID], p.bIdx[m.BankID]
		met[p.pair(e, b)] = true
		gotE[e]++
		gotB[b]++
	}
	full := func(b int) bool { return gotB[b] >= p.banks[b].Tables*p.slots }
	unplaced := map[int]bool{}
	for _, i := range unplacedPairs {
		unplaced[p.pair(int(p.arcs[i].e), int(p.arcs[i].b))] = true
	}
	for e := range nE {
		want := p.ents[e].MaxMeetings
		if gotE[e] >= want {
			continue
		}
		var c pairCounts
		allowedFull := 0
		for b := range nB {
			if p.countPair(&c, p.pair(e, b), met) && full(b) {
				allowedFull++
			}
		}
		sf := Shortfall{EnterpriseID: p.ents[e].ID, Wanted: want, Got: gotE[e]}
		detail := fmt.Sprintf("可约银行%d家（另有%d家不符合条件、%d家谢绝、%d家评分为零），其中%d家未约上且桌位已满",
			c.allowed, c.ineligible, c.declined, c.zero, allowedFull)
		switch {
		case unplacedE[e] > 0:
			sf.Code = ShortUnplaced
			sf.Reason = fmt.Sprintf("已选中的%d场会谈因固定（pinned）会谈占用时段而无法排入；%s", unplacedE[e], detail)
		case gotE[e] >= p.slots:
			sf.Code = ShortSlots
			sf.Reason = fmt.Sprintf("对接会只有%d个时段；%s", p.slots, detail)
		case allowedFull > 0:
			sf.Code = ShortBankCapacity
			sf.Reason = "其余可约银行的桌位已约满；" + detail
		default:
			sf.Code = ShortNoCandidates
			sf.Reason = "符合条件且评分为正的银行不足；" + detail
		}
		res.Shortfalls = append(res.Shortfalls, sf)
	}
	// Banks with free table-slots.
	unplacedB := make([]int, nB)
	for _, i := range unplacedPairs {
		unplacedB[p.arcs[i].b]++
	}
	for b := range nB {
		capacity := p.banks[b].Tables * p.slots
		if gotB[b] >= capacity {
			continue
		}
		var c pairCounts
		notMet := 0 // by optimality these enterprises have no room left
		for e := range nE {
			if p.countPair(&c, p.pair(e, b), met) {
				notMet++
			}
		}
		sf := Shortfall{BankID: p.banks[b].ID, Wanted: capacity, Got: gotB[b]}
		detail := fmt.Sprintf("可约企业%d家（另有%d家不符合条件、%d家谢绝、%d家评分为零），其中%d家未约上但会谈已满",
			c.allowed, c.ineligible, c.declined, c.zero, notMet)
		switch {
		case unplacedB[b] > 0:
			sf.Code = ShortUnplaced
			sf.Reason = fmt.Sprintf("已选中的%d场会谈因固定（pinned）会谈占用时段而无法排入；%s", unplacedB[b], detail)
		case notMet > 0:
			sf.Code = ShortEnterpriseCapacity
			sf.Reason = fmt.Sprintf("%d张桌×%d个时段未排满：其余可约企业的会谈数已达上限；%s", p.banks[b].Tables, p.slots, detail)
		default:
			sf.Code = ShortNoCandidates
			sf.Reason = fmt.Sprintf("%d张桌×%d个时段未排满：符合条件且评分为正的企业不足；%s", p.banks[b].Tables, p.slots, detail)
		}
		res.Shortfalls = append(res.Shortfalls, sf)
	}
	// Must-meet pairs.
	mustE := make([]int, nE)
	for e := range nE {
		for b := range nB {
			if k := p.pair(e, b); p.must[k] && p.allowed(k) {
				mustE[e]++
			}
		}
	}
	for e := range nE {
		for b := range nB {
			k := p.pair(e, b)
			if !p.must[k] {
				continue
			}
			res.MustMeet++
			if met[k] {
				res.MustMeetMet++
				continue
			}
			sf := Shortfall{EnterpriseID: p.ents[e].ID, BankID: p.banks[b].ID, Wanted: 1}
			if code, reason, ok := p.mustMeetBlocked(k); ok {
				sf.Code, sf.Reason = code, reason
				res.Shortfalls = append(res.Shortfalls, sf)
				continue
			}
			switch {
			case unplaced[k]:
				sf.Code, sf.Reason = ShortUnplaced, "已选中，但固定会谈占用了双方共同的空闲时段"
			case mustE[e] > min(p.ents[e].MaxMeetings, p.slots):
				sf.Code = ShortEnterpriseCapacity
				sf.Reason = fmt.Sprintf("企业的必约银行有%d家，超过其会谈上限%d场", mustE[e], min(p.ents[e].MaxMeetings, p.slots))
			default:
				sf.Code = ShortBankCapacity
				sf.Reason = fmt.Sprintf("银行%d张桌×%d个时段已被其他必约或固定会谈占满", p.banks[b].Tables, p.slots)
			}
			res.Shortfalls = append(res.Shortfalls, sf)
		}
	}
}

// mustMeetBlocked says why the must-meet pair k cannot meet in any
// schedule: a no-thanks on either side wins, or the pair is ineligible
// and the organizer did not override it. Both Compute's explanations and
// MustMeetBlocked use it, so a wish is explained the same way before and
// after scheduling.
func (p *problem) mustMeetBlocked(k int) (ShortfallCode, string, bool) {
	switch {
	case p.noThanks[k]:
		return ShortNoThanks, "一方要求必约、另一方谢绝：谢绝优先", true
	case !p.allowed(k):
		return ShortIneligible, "该企业不符合该银行任一产品的条件，且组织方未特许", true
	}
	return "", "", false
}

// MustMeetBlocked returns the must-meet pairs of in that no schedule can
// meet, known before scheduling (codes no_thanks and ineligible), with the
// reasons Compute would give them, in (enterprise, bank) ID order. Pins
// are ignored: they decide where pairs meet, not whether they may. Bad
// input is refused as by Compute.
func MustMeetBlocked(in Input) ([]Shortfall, error) {
	p, err := newProblem(in)
	if err != nil {
		return nil, err
	}
	out := []Shortfall{}
	for e := range p.ents {
		for b := range p.banks {
			k := p.pair(e, b)
			if !p.must[k] {
				continue
			}
			if code, reason, ok := p.mustMeetBlocked(k); ok {
				out = append(out, Shortfall{EnterpriseID: p.ents[e].ID, BankID: p.banks[b].ID, Wanted: 1, Code: code, Reason: reason})
			}
		}
	}
	return out, nil
}

// DoubleBookings returns the pairs of meetings (indices into ms) that
// double-book someone: the same enterprise in one slot, or the same bank
// table in one slot. A valid schedule has none.
func DoubleBookings(ms []Meeting) [][2]int {
	type key struct {
		who   string
		table int
		slot  int
	}
	seen := map[key]int{}
	var out [][2]int
	for i, m := range ms {
		for _, k := range []key{{"e|" + m.EnterpriseID, -1, m.Slot}, {"b|" + m.BankID, m.Table, m.Slot}} {
			if j, ok := seen[k]; ok {
				out = append(out, [2]int{j, i})
				continue
			}
			seen[k] = i
		}
	}
	return out
}

// pairCounts tallies, for one participant's explanation, its candidate
// pairs by why they did or did not meet.
type pairCounts struct {
	allowed, ineligible, declined, zero int
}

// countPair tallies pair k in c and reports whether it could have met but
// did not (allowed, positive and unmet).
func (p *problem) countPair(c *pairCounts, k int, met []bool) bool {
	switch {
	case met[k]:
		c.allowed++
	case p.noThanks[k]:
		c.declined++
	case !p.allowed(k):
		c.ineligible++
	case p.weight[k] <= 0 && !p.must[k]:
		c.zero++
	default:
		c.allowed++
		return true
	}
	return false
}
