package schedule

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"

	"ipmatch/data"
)

// randomSchedule returns a random instance with nE enterprises, nB banks
// and S slots. density is the share of pairs that are candidates; pins
// adds a few non-clashing pins.
func randomSchedule(r *rand.Rand, nE, nB, S int, density float64, pins bool) Input {
	in := Input{Slots: S}
	for e := range nE {
		in.Enterprises = append(in.Enterprises, Enterprise{ID: fmt.Sprintf("e%03d", e), MaxMeetings: 1 + r.IntN(S+1)})
	}
	for b := range nB {
		in.Banks = append(in.Banks, Bank{ID: fmt.Sprintf("b%02d", b), Tables: 1 + r.IntN(2)})
	}
	for e := range nE {
		for b := range nB {
			if r.Float64() >= density {
				continue
			}
			pr := Pair{in.Enterprises[e].ID, in.Banks[b].ID}
			w := math.Round(r.Float64()*10000) / 100
			if r.IntN(10) == 0 {
				w = -w // a few non-positive weights
			}
			elig := r.IntN(6) != 0
			in.Candidates = append(in.Candidates, Candidate{EnterpriseID: pr.EnterpriseID, BankID: pr.BankID, Weight: w, Eligible: elig})
			switch r.IntN(12) {
			case 0:
				in.MustMeet = append(in.MustMeet, pr)
			case 1:
				in.NoThanks = append(in.NoThanks, pr)
			case 2:
				in.Overrides = append(in.Overrides, pr)
			}
		}
	}
	if pins {
		usedE, usedT := map[[2]int]bool{}, map[[3]int]bool{}
		for range 1 + r.IntN(3) {
			e, b := r.IntN(nE), r.IntN(nB)
			t, s := r.IntN(in.Banks[b].Tables), r.IntN(S)
			pr := Pair{in.Enterprises[e].ID, in.Banks[b].ID}
			if usedE[[2]int{e, s}] || usedT[[3]int{b, t, s}] || slices.Contains(in.NoThanks, pr) ||
				slices.ContainsFunc(in.Pins, func(m Meeting) bool { return m.EnterpriseID == pr.EnterpriseID && m.BankID == pr.BankID }) {
				continue
			}
			usedE[[2]int{e, s}], usedT[[3]int{b, t, s}] = true, true
			in.Pins = append(in.Pins, Meeting{EnterpriseID: pr.EnterpriseID, BankID: pr.BankID, Table: t, Slot: s})
		}
	}
	return in
}

// bruteForce returns the best (must-meet count, weight) of any feasible
// choice of the problem's arcs, by enumerating every subset.
func bruteForce(p *problem) (int, float64) {
	n := len(p.arcs)
	bestMust, bestW := 0, 0.0
	loadE, loadB := make([]int, len(p.ents)), make([]int, len(p.banks))
	for mask := 0; mask < 1<<n; mask++ {
		clear(loadE)
		clear(loadB)
		must, w, ok := 0, 0.0, true
		for i := 0; i < n && ok; i++ {
			if mask&(1<<i) == 0 {
				continue
			}
			a := p.arcs[i]
			loadE[a.e]++
			loadB[a.b]++
			ok = loadE[a.e] <= p.capE[a.e] && loadB[a.b] <= p.capB[a.b]
			w += a.w
			if a.must {
				must++
			}
		}
		if ok && (must > bestMust || must == bestMust && w > bestW) {
			bestMust, bestW = must, w
		}
	}
	return bestMust, bestW
}

// chosenValue sums the must-meet count and weight of chosen arcs.
func chosenValue(p *problem, chosen []int) (int, float64) {
	must, w := 0, 0.0
	for _, i := range chosen {
		w += p.arcs[i].w
		if p.arcs[i].must {
			must++
		}
	}
	return must, w
}

// TestScheduleOptimalBruteForce checks step 1 against every subset on
// small random instances (at most 12 arcs).
func TestScheduleOptimalBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	checked := 0
	for trial := 0; checked < 400; trial++ {
		in := randomSchedule(r, 2+r.IntN(4), 1+r.IntN(3), 1+r.IntN(3), 0.7, r.IntN(3) == 0)
		p, err := newProblem(in)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		if len(p.arcs) > 12 {
			continue
		}
		checked++
		chosen, err := p.choose(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		gotMust, gotW := chosenValue(p, chosen)
		wantMust, wantW := bruteForce(p)
		if gotMust != wantMust || math.Abs(gotW-wantW) > 1e-6 {
			t.Fatalf("trial %d: got (%d must, %.4f), brute force (%d must, %.4f)\ninput %+v", trial, gotMust, gotW, wantMust, wantW, in)
		}
		// Feasibility of what was chosen.
		loadE, loadB := make([]int, len(p.ents)), make([]int, len(p.banks))
		for _, i := range chosen {
			loadE[p.arcs[i].e]++
			loadB[p.arcs[i].b]++
		}
		for e := range loadE {
			if loadE[e] > p.capE[e] {
				t.Fatalf("trial %d: enterprise %d over capacity", trial, e)
			}
		}
		for b := range loadB {
			if loadB[b] > p.capB[b] {
				t.Fatalf("trial %d: bank %d over capacity", trial, b)
			}
		}
	}
}

// lpOptimum solves the LP relaxation of the b-matching of p's arcs with
// gonum's simplex: maximise Σ w x subject to Σ_b x_eb ≤ cap_e,
// Σ_e x_eb ≤ cap_b, 0 ≤ x ≤ 1. The constraint matrix of a bipartite
// b-matching is totally unimodular, so the optimum is integral and equals
// the maximum-weight b-matching.
func lpOptimum(t *testing.T, p *problem, weight func(a candidateArc) float64) float64 {
	t.Helper()
	n := len(p.arcs)
	nE, nB := len(p.ents), len(p.banks)
	rows := nE + nB + n
	cols := n + rows // x, then one slack per row
	A := mat.NewDense(rows, cols, nil)
	b := make([]float64, rows)
	c := make([]float64, cols)
	for i, a := range p.arcs {
		c[i] = -weight(a) // minimise −w·x
		A.Set(int(a.e), i, 1)
		A.Set(nE+int(a.b), i, 1)
		A.Set(nE+nB+i, i, 1)
	}
	for e := range nE {
		b[e] = float64(p.capE[e])
	}
	for k := range nB {
		b[nE+k] = float64(p.capB[k])
	}
	for i := range n {
		b[nE+nB+i] = 1
	}
	basic := make([]int, rows)
	for r := range rows {
		A.Set(r, n+r, 1)
		basic[r] = n + r
	}
	opt, _, err := lp.Simplex(c, A, b, 1e-10, basic)
	if err != nil {
		t.Fatalf("simplex: %v", err)
	}
	return -opt
}

// TestScheduleOptimalLP checks step 1 against the LP optimum on instances
// too large to enumerate.
func TestScheduleOptimalLP(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 40 {
		in := randomSchedule(r, 4+r.IntN(8), 2+r.IntN(4), 1+r.IntN(4), 0.6, false)
		if trial%2 == 0 {
			in.MustMeet = nil // plain weights
		}
		if trial%5 == 0 {
			for i := range in.Candidates {
				in.Candidates[i].Weight *= 1e4 // up to maxWeight: the quantum grows
			}
		}
		p, err := newProblem(in)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.arcs) == 0 {
			continue
		}
		chosen, err := p.choose(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		// With the bonus in quantised units the LP sees exactly what the
		// flow optimises.
		got := 0.0
		for _, i := range chosen {
			got += float64(p.arcs[i].q)
		}
		want := lpOptimum(t, p, func(a candidateArc) float64 { return float64(a.q) })
		if math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Fatalf("trial %d: flow weight %.0f, LP optimum %.0f (%d arcs)", trial, got, want, len(p.arcs))
		}
	}
}

// checkSchedule fails the test unless res is a valid schedule of in.
func checkSchedule(t *testing.T, in Input, res *Result) {
	t.Helper()
	if dup := DoubleBookings(res.Meetings); len(dup) > 0 {
		t.Fatalf("double-booked: %+v and %+v", res.Meetings[dup[0][0]], res.Meetings[dup[0][1]])
	}
	tables := map[string]int{}
	for _, b := range in.Banks {
		tables[b.ID] = b.Tables
	}
	wanted := map[string]int{}
	for _, e := range in.Enterprises {
		wanted[e.ID] = e.MaxMeetings
	}
	cand := map[Pair]Candidate{}
	for _, c := range in.Candidates {
		cand[Pair{c.EnterpriseID, c.BankID}] = c
	}
	pinned := map[Pair]Meeting{}
	for _, m := range in.Pins {
		pinned[Pair{m.EnterpriseID, m.BankID}] = m
	}
	perE, pairs := map[string]int{}, map[Pair]bool{}
	for _, m := range res.Meetings {
		pr := Pair{m.EnterpriseID, m.BankID}
		if pairs[pr] {
			t.Fatalf("pair %v meets twice", pr)
		}
		pairs[pr] = true
		if m.Slot < 0 || m.Slot >= in.Slots || m.Table < 0 || m.Table >= tables[m.BankID] {
			t.Fatalf("meeting %+v out of range", m)
		}
		if slices.Contains(in.NoThanks, pr) {
			t.Fatalf("no-thanks pair %v meets", pr)
		}
		if pin, ok := pinned[pr]; ok {
			if !m.Pinned || m.Table != pin.Table || m.Slot != pin.Slot {
				t.Fatalf("pin %+v moved to %+v", pin, m)
			}
		} else if !cand[pr].Eligible && !slices.Contains(in.Overrides, pr) {
			t.Fatalf("ineligible pair %v meets without an override", pr)
		}
		perE[m.EnterpriseID]++
	}
	for _, pin := range in.Pins {
		if !pairs[Pair{pin.EnterpriseID, pin.BankID}] {
			t.Fatalf("pin %+v dropped", pin)
		}
	}
	for id, n := range perE {
		pins := 0
		for _, pin := range in.Pins {
			if pin.EnterpriseID == id {
				pins++
			}
		}
		if n > max(min(wanted[id], in.Slots), pins) {
			t.Fatalf("enterprise %s has %d meetings, wanted %d", id, n, wanted[id])
		}
	}
}

// TestScheduleNeverDoubleBooks schedules many random instances, with and
// without pins, and checks every rule; without pins every chosen pair must
// be placed (König).
func TestScheduleNeverDoubleBooks(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := range 500 {
		pins := trial%3 == 0
		in := randomSchedule(r, 3+r.IntN(25), 1+r.IntN(6), 1+r.IntN(8), 0.2+0.8*r.Float64(), pins)
		res, err := Compute(t.Context(), in)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		checkSchedule(t, in, res)
		if !pins {
			p, _ := newProblem(in)
			chosen, _ := p.choose(t.Context())
			if len(res.Meetings) != len(chosen) {
				t.Fatalf("trial %d: %d pairs chosen, %d placed: König says all fit", trial, len(chosen), len(res.Meetings))
			}
			for _, sf := range res.Shortfalls {
				if sf.Code == ShortUnplaced {
					t.Fatalf("trial %d: unplaced without pins: %+v", trial, sf)
				}
			}
		}
	}
}

// TestScheduleKonigTight fills every enterprise and every table to exactly
// S meetings: a regular bipartite graph that needs all S colours.
func TestScheduleKonigTight(t *testing.T) {
	for _, S := range []int{1, 2, 5, 8, 16} {
		// S banks of one table, S enterprises wanting S meetings each:
		// the complete bipartite graph K_{S,S}.
		in := Input{Slots: S}
		for i := range S {
			in.Enterprises = append(in.Enterprises, Enterprise{ID: fmt.Sprintf("e%02d", i), MaxMeetings: S})
			in.Banks = append(in.Banks, Bank{ID: fmt.Sprintf("b%02d", i), Tables: 1})
		}
		for e := range S {
			for b := range S {
				in.Candidates = append(in.Candidates, Candidate{EnterpriseID: in.Enterprises[e].ID,
					BankID: in.Banks[b].ID, Weight: float64(1 + (e*7+b*3)%5), Eligible: true})
			}
		}
		res, err := Compute(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Meetings) != S*S {
			t.Fatalf("S=%d: %d meetings, want %d", S, len(res.Meetings), S*S)
		}
		checkSchedule(t, in, res)
	}
}

// TestScheduleMustMeetDominates: a must-meet pair of weight 0.01 wins over
// two pairs of weight 90 that it displaces.
func TestScheduleMustMeetDominates(t *testing.T) {
	in := Input{
		Slots:       1,
		Enterprises: []Enterprise{{"e1", 1}, {"e2", 1}},
		Banks:       []Bank{{"b1", 1}, {"b2", 1}},
		Candidates: []Candidate{
			{"e1", "b1", 90, true}, {"e2", "b2", 90, true}, {"e1", "b2", 0.01, true}, {"e2", "b1", 0, true},
		},
		MustMeet: []Pair{{"e1", "b2"}},
	}
	res, err := Compute(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, m := range res.Meetings {
		got[m.EnterpriseID+"-"+m.BankID] = true
	}
	// e1-b2 (must) then the best of the rest: e2-b1 has weight 0, so
	// it is not chosen (maximum weight, not cardinality).
	if !got["e1-b2"] || len(res.Meetings) != 1 || res.MustMeet != 1 || res.MustMeetMet != 1 {
		t.Fatalf("meetings %+v, must %d/%d", res.Meetings, res.MustMeetMet, res.MustMeet)
	}
	// e2 wanted one: bank b2 is full, b1 scores 0.
	var e2 *Shortfall
	for i := range res.Shortfalls {
		if res.Shortfalls[i].EnterpriseID == "e2" && res.Shortfalls[i].BankID == "" {
			e2 = &res.Shortfalls[i]
		}
	}
	if e2 == nil || e2.Code != ShortBankCapacity || e2.Got != 0 || e2.Wanted != 1 {
		t.Fatalf("shortfall of e2 = %+v", e2)
	}
}

// TestScheduleShortfallReasons covers each reason.
func TestScheduleShortfallReasons(t *testing.T) {
	in := Input{
		Slots: 2,
		Enterprises: []Enterprise{
			{"e_slots", 5},    // wants more than the 2 slots
			{"e_few", 2},      // only one allowed bank
			{"e_musts", 1},    // two must-meets, room for one
			{"e_declined", 1}, // must-meet declined by the bank
		},
		Banks: []Bank{{"b1", 2}, {"b2", 2}, {"b3", 2}},
		Candidates: []Candidate{
			{"e_slots", "b1", 10, true}, {"e_slots", "b2", 9, true}, {"e_slots", "b3", 8, true},
			{"e_few", "b1", 5, true}, {"e_few", "b2", 5, false}, {"e_few", "b3", 0, true},
			{"e_musts", "b1", 2, true}, {"e_musts", "b2", 1, true},
			{"e_declined", "b3", 1, true},
		},
		MustMeet: []Pair{{"e_musts", "b1"}, {"e_musts", "b2"}, {"e_declined", "b3"}, {"e_few", "b2"}},
		NoThanks: []Pair{{"e_declined", "b3"}},
	}
	res, err := Compute(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkSchedule(t, in, res)
	got := map[string]ShortfallCode{}
	for _, sf := range res.Shortfalls {
		got[sf.EnterpriseID+"|"+sf.BankID] = sf.Code
		if sf.Reason == "" {
			t.Errorf("shortfall without a reason: %+v", sf)
		}
	}
	want := map[string]ShortfallCode{
		"|b1":           ShortNoCandidates,       // everyone allowed meets it
		"|b2":           ShortEnterpriseCapacity, // e_musts would, but it is full
		"|b3":           ShortEnterpriseCapacity, // e_slots would, but it is full
		"e_slots|":      ShortSlots,
		"e_few|":        ShortNoCandidates,
		"e_few|b2":      ShortIneligible,
		"e_musts|b2":    ShortEnterpriseCapacity,
		"e_declined|":   ShortNoCandidates,
		"e_declined|b3": ShortNoThanks,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("shortfall %s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("shortfalls %v, want %v", got, want)
	}
}

// TestSchedulePins: pins are kept, may be ineligible, and clashing pins
// are a conflict naming the pin.
func TestSchedulePins(t *testing.T) {
	in := Input{
		Slots:       3,
		Enterprises: []Enterprise{{"e1", 3}, {"e2", 3}},
		Banks:       []Bank{{"b1", 1}, {"b2", 1}},
		Candidates:  []Candidate{{"e1", "b1", 5, true}, {"e2", "b1", 5, true}, {"e1", "b2", 1, false}},
		Pins:        []Meeting{{EnterpriseID: "e1", BankID: "b2", Table: 0, Slot: 2}},
	}
	res, err := Compute(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkSchedule(t, in, res)
	if len(res.Meetings) != 3 {
		t.Fatalf("meetings %+v", res.Meetings)
	}

	in.Pins = append(in.Pins, Meeting{EnterpriseID: "e1", BankID: "b1", Table: 0, Slot: 2})
	_, err = Compute(t.Context(), in)
	if data.ErrorCode(err) != data.CodeConflict || !strings.Contains(err.Error(), "pins[1]") {
		t.Fatalf("clashing pins: err = %v", err)
	}

	in.Pins = []Meeting{{EnterpriseID: "e1", BankID: "b1", Table: 1, Slot: 0}}
	_, err = Compute(t.Context(), in)
	if data.ErrorCode(err) != data.CodeInvalid || !slices.ContainsFunc(data.ErrorFields(err), func(f data.FieldError) bool { return f.Field == "pins[0].table" }) {
		t.Fatalf("pin at a missing table: err = %v", err)
	}
}

// TestScheduleInvalid names the bad fields.
func TestScheduleInvalid(t *testing.T) {
	in := Input{
		Slots:       0,
		Enterprises: []Enterprise{{"e1", 1}, {"e1", 2}},
		Banks:       []Bank{{"b1", 0}},
	}
	_, err := Compute(t.Context(), in)
	fields := map[string]bool{}
	for _, f := range data.ErrorFields(err) {
		fields[f.Field] = true
	}
	for _, f := range []string{"slots", "enterprises[1].id", "banks[0].tables"} {
		if !fields[f] {
			t.Errorf("error %v does not name %s", err, f)
		}
	}
	in = Input{Slots: 1, Enterprises: []Enterprise{{"e1", 1}}, Banks: []Bank{{"b1", 1}},
		Candidates: []Candidate{{"e1", "bx", 1, true}, {"e1", "b1", math.NaN(), true}}}
	_, err = Compute(t.Context(), in)
	fields = map[string]bool{}
	for _, f := range data.ErrorFields(err) {
		fields[f.Field] = true
	}
	if !fields["candidates[0].bank_id"] || !fields["candidates[1].weight"] {
		t.Errorf("error %v", err)
	}
}

// TestScheduleDeterministic: shuffled input gives the same schedule.
func TestScheduleDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	in := randomSchedule(r, 40, 6, 6, 0.8, true)
	a, err := Compute(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	r.Shuffle(len(in.Enterprises), func(i, j int) { in.Enterprises[i], in.Enterprises[j] = in.Enterprises[j], in.Enterprises[i] })
	r.Shuffle(len(in.Banks), func(i, j int) { in.Banks[i], in.Banks[j] = in.Banks[j], in.Banks[i] })
	r.Shuffle(len(in.Candidates), func(i, j int) { in.Candidates[i], in.Candidates[j] = in.Candidates[j], in.Candidates[i] })
	b, err := Compute(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("schedules differ:\n%v\n%v", a, b)
	}
}

func TestScheduleCanceled(t *testing.T) {
	in := benchScheduleInput(300, 30, 2, 16, 4)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Compute(ctx, in); err == nil {
		t.Fatal("no error from a canceled context")
	}
}

// TestScheduleUnplacedAroundPins: with two slots, e1 pinned to bX in slot
// 0 and b1's only table pinned to eY in slot 1, the chosen pair e1 × b1
// has no common free slot and both Kempe chains run through pins: it is
// reported, not placed, and nothing is double-booked.
func TestScheduleUnplacedAroundPins(t *testing.T) {
	in := Input{
		Slots:       2,
		Enterprises: []Enterprise{{"e1", 2}, {"eY", 2}},
		Banks:       []Bank{{"b1", 1}, {"bX", 1}},
		Candidates:  []Candidate{{"e1", "b1", 5, true}},
		Pins: []Meeting{
			{EnterpriseID: "e1", BankID: "bX", Table: 0, Slot: 0},
			{EnterpriseID: "eY", BankID: "b1", Table: 0, Slot: 1},
		},
	}
	res, err := Compute(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkSchedule(t, in, res)
	if len(res.Meetings) != 2 {
		t.Fatalf("meetings %+v", res.Meetings)
	}
	codes := map[string]ShortfallCode{}
	for _, sf := range res.Shortfalls {
		codes[sf.EnterpriseID+"|"+sf.BankID] = sf.Code
	}
	if codes["e1|"] != ShortUnplaced || codes["|b1"] != ShortUnplaced {
		t.Errorf("shortfalls %v", codes)
	}
}
