package schedule

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// benchScheduleInput is the benchmark event: nE enterprises wanting m
// meetings each, nB banks with tables tables each, S slots, and every pair
// a candidate with a random weight (seeded).
func benchScheduleInput(nE, nB, tables, S, m int) Input {
	r := rand.New(rand.NewPCG(20210423, 5))
	in := Input{Slots: S}
	for e := range nE {
		in.Enterprises = append(in.Enterprises, Enterprise{ID: fmt.Sprintf("ent_%04d", e), MaxMeetings: m})
	}
	for b := range nB {
		in.Banks = append(in.Banks, Bank{ID: fmt.Sprintf("bank_%02d", b), Tables: tables})
	}
	for e := range nE {
		for b := range nB {
			in.Candidates = append(in.Candidates, Candidate{EnterpriseID: in.Enterprises[e].ID,
				BankID: in.Banks[b].ID, Weight: float64(r.IntN(10000)) / 100, Eligible: true})
		}
	}
	return in
}

// greedyChoose is the baseline: take pairs by descending weight while both
// sides have room.
func greedyChoose(p *problem) []int {
	order := make([]int, len(p.arcs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return -cmp.Compare(p.arcs[i].q, p.arcs[j].q) })
	loadE, loadB := make([]int, len(p.ents)), make([]int, len(p.banks))
	var out []int
	for _, i := range order {
		a := p.arcs[i]
		if loadE[a.e] < p.capE[a.e] && loadB[a.b] < p.capB[a.b] {
			loadE[a.e]++
			loadB[a.b]++
			out = append(out, i)
		}
	}
	return out
}

// The benchmark events: 300 enterprises × 30 banks with 2 tables × 16
// slots (960 table-slots), every pair a candidate; enterprises want 4
// meetings (1,200 wanted: banks are the bottleneck) or 16.
var benchScheduleCases = []struct {
	name string
	m    int
}{{"want4", 4}, {"want16", 16}}

// BenchmarkCompute is the optimal scheduler, both steps; "weight" is the
// total weight of the schedule.
func BenchmarkCompute(b *testing.B) {
	for _, bc := range benchScheduleCases {
		b.Run(bc.name, func(b *testing.B) {
			in := benchScheduleInput(300, 30, 2, 16, bc.m)
			var res *Result
			for b.Loop() {
				var err error
				if res, err = Compute(b.Context(), in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(res.Weight, "weight")
			b.ReportMetric(float64(len(res.Meetings)), "meetings")
		})
	}
}

// BenchmarkGreedy is the baseline on the same input: greedy
// choice by descending weight, then the same placement.
func BenchmarkGreedy(b *testing.B) {
	for _, bc := range benchScheduleCases {
		b.Run(bc.name, func(b *testing.B) {
			in := benchScheduleInput(300, 30, 2, 16, bc.m)
			var res *Result
			for b.Loop() {
				p, err := newProblem(in)
				if err != nil {
					b.Fatal(err)
				}
				if res, err = p.place(greedyChoose(p)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(res.Weight, "weight")
			b.ReportMetric(float64(len(res.Meetings)), "meetings")
		})
	}
}
