package matcher

// Meeting scheduling (PRODUCT.md, "Meeting scheduling") in two exact steps.
//
// Step 1 chooses which enterprise × bank pairs meet: a maximum-weight
// b-matching in the bipartite graph of allowed pairs, where enterprise e
// may have at most min(m_e, S) meetings and bank b at most t_b × S (S
// slots, t_b tables). It is solved as a min-cost flow
//
//	source ─(cap min(m_e,S), cost 0)→ e ─(cap 1, cost −w_eb)→ b ─(cap t_b×S, cost 0)→ sink
//
// by successive shortest paths: initial potentials from SPFA (Bellman-Ford
// with a queue; the costs −w are negative), then Dijkstra on the reduced
// costs c(u,v) + h(u) − h(v) ≥ 0. Each augmentation adds the cheapest
// source→sink path; the cost of the k-th path is non-decreasing in k (the
// min cost of a flow of value k is convex in k), so stopping at the first
// path whose true cost is ≥ 0 gives the minimum cost over every flow value:
// the maximum weight, not the maximum number of meetings. The flow of each
// middle arc is integral (integral capacities), so the arcs carrying flow
// are the meetings.
//
// Must-meet pairs are preferred by a dominating bonus: with q_eb the
// weights (quantised to integers, see quantise) and W = 1 + Σ_allowed |q|,
// a pair that either side must meet weighs q + W. Claim: an optimal
// matching M* holds the largest number of must-meet pairs any feasible
// matching can hold; among those, the largest total q. Proof: for a
// matching M let k(M) be its must-meet pairs and s(M) = Σ_{M} q, so its
// bonus weight is W·k(M) + s(M). Take feasible M1, M2 with k(M1) > k(M2).
// Then weight(M1) − weight(M2) = W·(k(M1) − k(M2)) + s(M1) − s(M2) ≥ W +
// s(M1) − s(M2). s(M1) ≥ −Σ_{e∈M1, q<0} |q| and s(M2) ≤ Σ_{e∈M2, q>0} q; an
// edge cannot be both negative and positive, so the two sums run over
// distinct edges and s(M1) − s(M2) ≥ −Σ|q| = 1 − W. Hence weight(M1) −
// weight(M2) ≥ 1 > 0: no matching with fewer must-meet pairs can win, and
// between matchings with equally many the bonus cancels and s decides. ∎
//
// No-thanks pairs (either side) are never arcs; ineligible pairs are arcs
// only when the organizer overrides them; pinned meetings are taken out
// beforehand (their capacity is deducted and their pair is not an arc).
//
// Step 2 places the chosen pairs into (table, slot): each bank's meetings
// are dealt over its tables (pins keep their table; the rest go to the
// least-loaded table, so no table gets more than S), and the bipartite
// multigraph enterprises × tables, whose degrees are all ≤ S, is edge-
// coloured with S colours (the slots). König's theorem says S colours
// suffice; the constructive proof is the alternating-path (Kempe chain)
// method used here: for an edge (u, v) pick a colour a free at u and b free
// at v; if a is also free at v use it, else swap a and b along the path
// from v that alternates a, b, a, … (in a bipartite graph it cannot reach
// u, because u is entered only through a-edges and a is free at u), after
// which a is free at both ends. Pinned meetings are coloured first and never
// recoloured: a Kempe chain through a pin is not swapped and the other
// choices of (a, b), the chain from u, and the bank's other tables are
// tried; only pins can make a chosen pair unplaceable (reported as a
// shortfall with code unplaced). Two pins that clash are an error naming
// both.
//
// Everything is deterministic: inputs are sorted by ID before use and ties
// are broken by index.

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"

	"ipmatch/data"
)

// ScheduleEnterprise is an enterprise to schedule.
type ScheduleEnterprise struct {
	ID string
	// MaxMeetings is m_e, how many meetings the enterprise wants (its
	// WantedMeetings, or the event's maximum); it gets at most
	// min(m_e, Slots).
	MaxMeetings int
}

// ScheduleBank is a bank desk to schedule.
type ScheduleBank struct {
	ID     string
	Tables int // t_b ≥ 1: the bank holds at most Tables × Slots meetings
}

// SchedulePair names an enterprise and a bank.
type SchedulePair struct {
	EnterpriseID string `json:"enterprise_id"`
	BankID       string `json:"bank_id"`
}

// ScheduleCandidate is a pair that may meet, with its weight (the match
// score). An ineligible pair meets only when the organizer overrides it; a
// pair that is not a candidate at all counts as ineligible with weight 0.
// Pairs of weight ≤ 0 are not chosen unless must-meet or pinned.
type ScheduleCandidate struct {
	EnterpriseID string
	BankID       string
	Weight       float64
	Eligible     bool
}

// ScheduledMeeting is one meeting: a pair at a table (0-based, below the
// bank's Tables) in a slot (0-based, below Slots).
type ScheduledMeeting struct {
	EnterpriseID string  `json:"enterprise_id"`
	BankID       string  `json:"bank_id"`
	Table        int     `json:"table"`
	Slot         int     `json:"slot"`
	Weight       float64 `json:"weight"`
	MustMeet     bool    `json:"must_meet,omitempty"`
	Pinned       bool    `json:"pinned,omitempty"`
	Override     bool    `json:"override,omitempty"`
}

// ScheduleInput is everything the scheduler needs. Preferences come as
// pairs: a pair is must-meet (or no-thanks) when either side said so, and
// no-thanks wins over must-meet. Pins fix a pair at a table and slot (their
// Weight and flags are filled in); a pin may be an ineligible pair (the
// organizer placed it) but never a no-thanks pair.
type ScheduleInput struct {
	Slots       int
	Enterprises []ScheduleEnterprise
	Banks       []ScheduleBank
	Candidates  []ScheduleCandidate
	MustMeet    []SchedulePair
	NoThanks    []SchedulePair
	Overrides   []SchedulePair
	Pins        []ScheduledMeeting
}

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

// ScheduleShortfall explains a shortfall. For an enterprise that got fewer
// meetings than it wanted only EnterpriseID is set; for a bank with free
// table-slots only BankID is set (Wanted is Tables × Slots); for a
// must-meet pair that does not meet both IDs are set, with Wanted 1 and
// Got 0.
type ScheduleShortfall struct {
	EnterpriseID string        `json:"enterprise_id,omitempty"`
	BankID       string        `json:"bank_id,omitempty"`
	Wanted       int           `json:"wanted"`
	Got          int           `json:"got"`
	Code         ShortfallCode `json:"code"`
	Reason       string        `json:"reason"`
}

// ScheduleResult is a schedule: the meetings in (slot, bank, table) order,
// the shortfalls, the total weight of the meetings and how many must-meet
// pairs there were and meet.
type ScheduleResult struct {
	Meetings    []ScheduledMeeting  `json:"meetings"`
	Shortfalls  []ScheduleShortfall `json:"shortfalls"`
	Weight      float64             `json:"weight"`
	MustMeet    int                 `json:"must_meet"`
	MustMeetMet int                 `json:"must_meet_met"`
}

// Schedule chooses and places the meetings of in (see the comment at the
// top of this file). Bad input (unknown or duplicate IDs, slots or tables
// out of range, weights that are not finite) returns an invalid *data.Error
// naming the field; clashing pins return a conflict *data.Error naming the
// pins. ctx is checked between augmentations.
func Schedule(ctx context.Context, in ScheduleInput) (*ScheduleResult, error) {
	p, err := newSchedProblem(in)
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

// maxScheduleWeight bounds |weight| so that quantised sums fit in int64.
const maxScheduleWeight = 1e6

// schedArc is an allowed pair of the b-matching.
type schedArc struct {
	e, b     int32
	q        int64 // quantised weight
	w        float64
	must     bool
	override bool
}

// schedProblem is a validated, indexed ScheduleInput.
type schedProblem struct {
	slots int
	ents  []ScheduleEnterprise // sorted by ID
	banks []ScheduleBank       // sorted by ID
	eIdx  map[string]int
	bIdx  map[string]int
	capE  []int // min(m_e, S) − pins, ≥ 0
	capB  []int // t_b × S − pins, ≥ 0
	arcs  []schedArc
	pins  []ScheduledMeeting // sorted, with Weight and flags filled in
	// pinIndex is each pin's index in ScheduleInput.Pins.
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

func (p *schedProblem) pair(e, b int) int { return e*len(p.banks) + b }

func newSchedProblem(in ScheduleInput) (*schedProblem, error) {
	var errs []data.FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, data.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if in.Slots < 1 || in.Slots > 1000 {
		bad("slots", "%d must be between 1 and 1000", in.Slots)
	}
	p := &schedProblem{slots: in.Slots, eIdx: map[string]int{}, bIdx: map[string]int{}, pinSet: map[[2]int]bool{}}
	p.ents = slices.Clone(in.Enterprises)
	slices.SortStableFunc(p.ents, func(a, b ScheduleEnterprise) int { return cmp.Compare(a.ID, b.ID) })
	p.banks = slices.Clone(in.Banks)
	slices.SortStableFunc(p.banks, func(a, b ScheduleBank) int { return cmp.Compare(a.ID, b.ID) })
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

	lookup := func(field string, pr SchedulePair) (int, bool) {
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
		k, ok := lookup(f, SchedulePair{c.EnterpriseID, c.BankID})
		if math.IsNaN(c.Weight) || math.Abs(c.Weight) > maxScheduleWeight {
			bad(f+".weight", "%v must be a number between −%g and %g", c.Weight, maxScheduleWeight, maxScheduleWeight)
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
		list  []SchedulePair
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
		k, ok := lookup(f, SchedulePair{pin.EnterpriseID, pin.BankID})
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
	pins, idx := make([]ScheduledMeeting, len(order)), make([]int, len(order))
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
				p.arcs = append(p.arcs, schedArc{e: int32(e), b: int32(b), w: p.weight[k], must: p.must[k], override: p.cand[k] != 2})
			}
		}
	}
	p.quantise(sumAbs, nMust)
	return p, nil
}

// allowed reports whether pair k may meet: not no-thanks, and eligible or
// overridden.
func (p *schedProblem) allowed(k int) bool {
	return !p.noThanks[k] && (p.cand[k] == 2 || p.override[k])
}

// quantise turns the weights into integers q = round(w × scale) and adds
// the must-meet bonus W = 1 + Σ|q|. scale is 10^6 (weights compared to six
// decimals) unless the sums could overflow int64, in which case it drops
// by powers of ten until W × (must-meet pairs + 2) and every path cost
// (at most nodes × (W + max q)) stay below 2^62.
func (p *schedProblem) quantise(sumAbs float64, nMust int) {
	nodes := float64(len(p.ents) + len(p.banks) + 2)
	scale := 1e6
	for scale > 1e-12 {
		w := sumAbs*scale + 1
		if w*float64(nMust+2) < 1<<62 && nodes*(w+maxScheduleWeight*scale) < 1<<62 {
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

// ---- Step 1: maximum-weight b-matching by min-cost flow ----

// flowNet is a residual network in compressed-row form: the arcs leaving
// u are head[u] ≤ k < head[u+1], and rev[k] is the reverse of arc k.
type flowNet struct {
	n     int
	head  []int32
	to    []int32
	rev   []int32
	cap   []int32
	cost  []int64
	arcOf []int32 // forward arc of each schedArc
}

// netEdge is an edge before the network is laid out.
type netEdge struct {
	u, v int32
	cap  int32
	cost int64
}

// newFlowNet lays out edges (each becomes an arc and its reverse) and
// returns the network and the forward arc of each edge.
func newFlowNet(n int, edges []netEdge) (*flowNet, []int32) {
	g := &flowNet{n: n, head: make([]int32, n+1)}
	for _, e := range edges {
		g.head[e.u+1]++
		g.head[e.v+1]++
	}
	for u := range n {
		g.head[u+1] += g.head[u]
	}
	m := g.head[n]
	g.to, g.rev, g.cap, g.cost = make([]int32, m), make([]int32, m), make([]int32, m), make([]int64, m)
	next := slices.Clone(g.head[:n])
	fwd := make([]int32, len(edges))
	for i, e := range edges {
		f, r := next[e.u], next[e.v]
		next[e.u]++
		next[e.v]++
		g.to[f], g.cap[f], g.cost[f], g.rev[f] = e.v, e.cap, e.cost, r
		g.to[r], g.cap[r], g.cost[r], g.rev[r] = e.u, 0, -e.cost, f
		fwd[i] = f
	}
	return g, fwd
}

// choose returns the indices (into p.arcs) of the chosen pairs.
func (p *schedProblem) choose(ctx context.Context) ([]int, error) {
	nE, nB := len(p.ents), len(p.banks)
	src, sink := 0, nE+nB+1
	edges := make([]netEdge, 0, nE+len(p.arcs)+nB)
	for e := range nE {
		if p.capE[e] > 0 {
			edges = append(edges, netEdge{int32(src), int32(1 + e), int32(p.capE[e]), 0})
		}
	}
	first := len(edges)
	for _, a := range p.arcs {
		edges = append(edges, netEdge{1 + a.e, int32(1+nE) + a.b, 1, -a.q})
	}
	for b := range nB {
		if p.capB[b] > 0 {
			edges = append(edges, netEdge{int32(1 + nE + b), int32(sink), int32(p.capB[b]), 0})
		}
	}
	g, fwd := newFlowNet(nE+nB+2, edges)
	g.arcOf = fwd[first : first+len(p.arcs)]
	if err := g.minCostFlow(ctx, src, sink); err != nil {
		return nil, err
	}
	var chosen []int
	for i, k := range g.arcOf {
		if g.cap[k] == 0 {
			chosen = append(chosen, i)
		}
	}
	return chosen, nil
}

const infCost = math.MaxInt64 / 4

// minCostFlow augments along shortest paths from src to sink while the
// path's cost is negative (see the top of the file).
func (g *flowNet) minCostFlow(ctx context.Context, src, sink int) error {
	h := g.spfa(src)
	dist := make([]int64, g.n)
	done := make([]bool, g.n)
	parent := make([]int32, g.n)
	pq := newNodeHeap(dist)
	for iter := 0; ; iter++ {
		if iter%64 == 63 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		// Dijkstra on reduced costs, stopping once the sink is settled.
		for i := range dist {
			dist[i], done[i], parent[i] = infCost, false, -1
		}
		pq.reset()
		dist[src] = 0
		pq.update(int32(src))
		for pq.len() > 0 {
			u := int(pq.pop())
			done[u] = true
			if u == sink {
				break
			}
			du, hu := dist[u], h[u]
			for k := g.head[u]; k < g.head[u+1]; k++ {
				if g.cap[k] == 0 {
					continue
				}
				v := g.to[k]
				if done[v] || h[v] >= infCost {
					continue
				}
				if nd := du + g.cost[k] + hu - h[v]; nd < dist[v] {
					dist[v], parent[v] = nd, k
					pq.update(v)
				}
			}
		}
		if !done[sink] {
			return nil // no augmenting path left
		}
		if dist[sink]+h[sink]-h[src] >= 0 {
			return nil // the next path would not add weight
		}
		// Update potentials: settled nodes by their distance, the rest by
		// the sink's (keeps every residual reduced cost ≥ 0).
		ds := dist[sink]
		for v := range h {
			if h[v] >= infCost {
				continue
			}
			if done[v] {
				h[v] += dist[v]
			} else {
				h[v] += ds
			}
		}
		// Augment by the bottleneck (1: the middle arcs have capacity 1).
		f := int32(math.MaxInt32)
		for v := sink; v != src; {
			k := parent[v]
			f = min(f, g.cap[k])
			v = int(g.to[g.rev[k]])
		}
		for v := sink; v != src; {
			k := parent[v]
			g.cap[k] -= f
			g.cap[g.rev[k]] += f
			v = int(g.to[g.rev[k]])
		}
	}
}

// spfa returns the shortest distances from src over arcs with capacity
// (infCost when unreachable): Bellman-Ford with a FIFO queue, which handles
// the negative costs of the initial network (it has no negative cycle: it
// is acyclic).
func (g *flowNet) spfa(src int) []int64 {
	d := make([]int64, g.n)
	for i := range d {
		d[i] = infCost
	}
	inQ := make([]bool, g.n)
	d[src] = 0
	q := []int32{int32(src)}
	inQ[src] = true
	for len(q) > 0 {
		u := q[0]
		q = q[1:]
		inQ[u] = false
		for k := g.head[u]; k < g.head[u+1]; k++ {
			if g.cap[k] == 0 {
				continue
			}
			v := g.to[k]
			if nd := d[u] + g.cost[k]; nd < d[v] {
				d[v] = nd
				if !inQ[v] {
					inQ[v] = true
					q = append(q, v)
				}
			}
		}
	}
	return d
}

// nodeHeap is an indexed binary min-heap of nodes keyed by key[node], with
// decrease-key, so it never holds a node twice (ties by node, so the order
// is deterministic).
type nodeHeap struct {
	key   []int64
	nodes []int32
	pos   []int32 // index in nodes, −1 when absent
}

func newNodeHeap(key []int64) *nodeHeap {
	h := &nodeHeap{key: key, pos: make([]int32, len(key))}
	for i := range h.pos {
		h.pos[i] = -1
	}
	return h
}

func (h *nodeHeap) len() int { return len(h.nodes) }

func (h *nodeHeap) reset() {
	for _, v := range h.nodes {
		h.pos[v] = -1
	}
	h.nodes = h.nodes[:0]
}

func (h *nodeHeap) less(a, b int32) bool {
	return h.key[a] < h.key[b] || h.key[a] == h.key[b] && a < b
}

// update inserts v or moves it up after its key decreased.
func (h *nodeHeap) update(v int32) {
	i := h.pos[v]
	if i < 0 {
		i = int32(len(h.nodes))
		h.nodes = append(h.nodes, v)
	}
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(v, h.nodes[p]) {
			break
		}
		h.nodes[i] = h.nodes[p]
		h.pos[h.nodes[i]] = i
		i = p
	}
	h.nodes[i] = v
	h.pos[v] = i
}

// pop removes and returns the node with the least key.
func (h *nodeHeap) pop() int32 {
	top := h.nodes[0]
	h.pos[top] = -1
	last := h.nodes[len(h.nodes)-1]
	h.nodes = h.nodes[:len(h.nodes)-1]
	n := int32(len(h.nodes))
	if n == 0 {
		return top
	}
	i := int32(0)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && h.less(h.nodes[r], h.nodes[l]) {
			c = r
		}
		if !h.less(h.nodes[c], last) {
			break
		}
		h.nodes[i] = h.nodes[c]
		h.pos[h.nodes[i]] = i
		i = c
	}
	h.nodes[i] = last
	h.pos[last] = i
	return top
}

// ---- Step 2: tables and slots by bipartite edge colouring ----

// colouring holds, for every enterprise and table node, which meeting sits
// in each slot (-1 when free).
type colouring struct {
	slots int
	at    []int32 // node*slots + slot
	ms    []ScheduledMeeting
	node  func(m *ScheduledMeeting) (u, v int)
}

func (c *colouring) get(node, slot int) int32 { return c.at[node*c.slots+slot] }
func (c *colouring) set(node, slot int, m int32) {
	c.at[node*c.slots+slot] = m
}

// free returns the free slots of node.
func (c *colouring) free(node int) []int {
	var out []int
	for s := range c.slots {
		if c.get(node, s) < 0 {
			out = append(out, s)
		}
	}
	return out
}

// chain returns the meetings on the path from node that alternates slots
// a, b, a, …, and whether none of them is pinned.
func (c *colouring) chain(node, a, b int) ([]int32, bool) {
	var path []int32
	x, col := node, a
	for {
		m := c.get(x, col)
		if m < 0 {
			return path, true
		}
		if c.ms[m].Pinned {
			return nil, false
		}
		path = append(path, m)
		u, v := c.node(&c.ms[m])
		if x == u {
			x = v
		} else {
			x = u
		}
		if col == a {
			col = b
		} else {
			col = a
		}
	}
}

// swap exchanges slots a and b on the meetings of path.
func (c *colouring) swap(path []int32, a, b int) {
	for _, m := range path {
		u, v := c.node(&c.ms[m])
		c.set(u, c.ms[m].Slot, -1)
		c.set(v, c.ms[m].Slot, -1)
	}
	for _, m := range path {
		if c.ms[m].Slot == a {
			c.ms[m].Slot = b
		} else {
			c.ms[m].Slot = a
		}
		u, v := c.node(&c.ms[m])
		c.set(u, c.ms[m].Slot, m)
		c.set(v, c.ms[m].Slot, m)
	}
}

// colour gives meeting m (with u, v its nodes, both with a free slot) a
// slot, swapping a Kempe chain when no slot is free at both; it reports
// false when every way is blocked by pins.
func (c *colouring) colour(m int32) bool {
	u, v := c.node(&c.ms[m])
	fu, fv := c.free(u), c.free(v)
	for _, a := range fu {
		if c.get(v, a) < 0 {
			c.ms[m].Slot = a
			c.set(u, a, m)
			c.set(v, a, m)
			return true
		}
	}
	for _, a := range fu {
		for _, b := range fv {
			// a is free at u and busy at v: free it at v by swapping a/b on
			// the chain from v (it cannot reach u).
			if path, ok := c.chain(v, a, b); ok {
				c.swap(path, a, b)
				c.ms[m].Slot = a
				c.set(u, a, m)
				c.set(v, a, m)
				return true
			}
			// Or free b at u by swapping b/a on the chain from u.
			if path, ok := c.chain(u, b, a); ok {
				c.swap(path, b, a)
				c.ms[m].Slot = b
				c.set(u, b, m)
				c.set(v, b, m)
				return true
			}
		}
	}
	return false
}

// place puts the chosen arcs and the pins into tables and slots and
// explains the shortfalls.
func (p *schedProblem) place(chosen []int) (*ScheduleResult, error) {
	nE, nB, S := len(p.ents), len(p.banks), p.slots
	tableBase := make([]int, nB+1) // table nodes of bank b: nE + tableBase[b] + t
	for b := range nB {
		tableBase[b+1] = tableBase[b] + p.banks[b].Tables
	}
	c := &colouring{slots: S, at: make([]int32, (nE+tableBase[nB])*S)}
	for i := range c.at {
		c.at[i] = -1
	}
	c.node = func(m *ScheduledMeeting) (int, int) {
		return p.eIdx[m.EnterpriseID], nE + tableBase[p.bIdx[m.BankID]] + m.Table
	}
	load := make([]int, tableBase[nB])

	// Pins first, at their slots; a clash names both pins.
	var clashes []data.FieldError
	for i := range p.pins {
		m := int32(len(c.ms))
		c.ms = append(c.ms, p.pins[i])
		pm := &c.ms[m]
		u, v := c.node(pm)
		if o := c.get(u, pm.Slot); o >= 0 {
			clashes = append(clashes, data.FieldError{Field: "pins[" + strconv.Itoa(p.pinIndex[i]) + "]",
				Reason: fmt.Sprintf("enterprise %s is pinned to bank %s and to bank %s in slot %d (pins[%d])",
					pm.EnterpriseID, c.ms[o].BankID, pm.BankID, pm.Slot, p.pinIndex[o])})
			continue
		}
		if o := c.get(v, pm.Slot); o >= 0 {
			clashes = append(clashes, data.FieldError{Field: "pins[" + strconv.Itoa(p.pinIndex[i]) + "]",
				Reason: fmt.Sprintf("table %d of bank %s is pinned to enterprise %s and to enterprise %s in slot %d (pins[%d])",
					pm.Table, pm.BankID, c.ms[o].EnterpriseID, pm.EnterpriseID, pm.Slot, p.pinIndex[o])})
			continue
		}
		c.set(u, pm.Slot, m)
		c.set(v, pm.Slot, m)
		load[tableBase[p.bIdx[pm.BankID]]+pm.Table]++
	}
	if len(clashes) > 0 {
		return nil, &data.Error{Code: data.CodeConflict, Message: "pinned meetings clash", Fields: clashes}
	}

	// Chosen pairs: must-meet first, then by weight, then by IDs; dealt to
	// the least-loaded table of their bank.
	order := slices.Clone(chosen)
	slices.SortStableFunc(order, func(i, j int) int {
		a, b := &p.arcs[i], &p.arcs[j]
		if a.must != b.must {
			if a.must {
				return -1
			}
			return 1
		}
		return cmp.Or(-cmp.Compare(a.w, b.w), cmp.Compare(a.e, b.e), cmp.Compare(a.b, b.b))
	})
	unplacedE := make([]int, nE)
	var unplacedPairs []int
	for _, i := range order {
		a := &p.arcs[i]
		b := int(a.b)
		m := int32(len(c.ms))
		c.ms = append(c.ms, ScheduledMeeting{EnterpriseID: p.ents[a.e].ID, BankID: p.banks[b].ID,
			Weight: a.w, MustMeet: a.must, Override: a.override, Slot: -1})
		tables := make([]int, p.banks[b].Tables)
		for t := range tables {
			tables[t] = t
		}
		slices.SortStableFunc(tables, func(x, y int) int {
			return cmp.Compare(load[tableBase[b]+x], load[tableBase[b]+y])
		})
		placed := false
		for _, t := range tables {
			if load[tableBase[b]+t] >= S {
				continue
			}
			c.ms[m].Table = t
			if c.colour(m) {
				load[tableBase[b]+t]++
				placed = true
				break
			}
		}
		if !placed {
			c.ms = c.ms[:m]
			unplacedE[a.e]++
			unplacedPairs = append(unplacedPairs, i)
		}
	}

	res := &ScheduleResult{Meetings: c.ms, Shortfalls: []ScheduleShortfall{}}
	slices.SortFunc(res.Meetings, func(a, b ScheduledMeeting) int {
		return cmp.Or(cmp.Compare(a.Slot, b.Slot), cmp.Compare(a.BankID, b.BankID), cmp.Compare(a.Table, b.Table))
	})
	for _, m := range res.Meetings {
		res.Weight += m.Weight
	}
	p.explain(res, unplacedE, unplacedPairs)
	return res, nil
}

// explain fills in the shortfalls: enterprises below their wish and
// must-meet pairs that do not meet.
func (p *schedProblem) explain(res *ScheduleResult, unplacedE []int, unplacedPairs []int) {
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
		sf := ScheduleShortfall{EnterpriseID: p.ents[e].ID, Wanted: want, Got: gotE[e]}
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
		sf := ScheduleShortfall{BankID: p.banks[b].ID, Wanted: capacity, Got: gotB[b]}
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
			sf := ScheduleShortfall{EnterpriseID: p.ents[e].ID, BankID: p.banks[b].ID, Wanted: 1}
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
// and the organizer did not override it. Both Schedule's explanations and
// MustMeetBlocked use it, so a wish is explained the same way before and
// after scheduling.
func (p *schedProblem) mustMeetBlocked(k int) (ShortfallCode, string, bool) {
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
// reasons Schedule would give them, in (enterprise, bank) ID order. Pins
// are ignored: they decide where pairs meet, not whether they may. Bad
// input is refused as by Schedule.
func MustMeetBlocked(in ScheduleInput) ([]ScheduleShortfall, error) {
	p, err := newSchedProblem(in)
	if err != nil {
		return nil, err
	}
	out := []ScheduleShortfall{}
	for e := range p.ents {
		for b := range p.banks {
			k := p.pair(e, b)
			if !p.must[k] {
				continue
			}
			if code, reason, ok := p.mustMeetBlocked(k); ok {
				out = append(out, ScheduleShortfall{EnterpriseID: p.ents[e].ID, BankID: p.banks[b].ID, Wanted: 1, Code: code, Reason: reason})
			}
		}
	}
	return out, nil
}

// DoubleBookings returns the pairs of meetings (indices into ms) that
// double-book someone: the same enterprise in one slot, or the same bank
// table in one slot. A valid schedule has none.
func DoubleBookings(ms []ScheduledMeeting) [][2]int {
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
func (p *schedProblem) countPair(c *pairCounts, k int, met []bool) bool {
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
