package demo

import (
	"math/rand/v2"
	"time"

	"ipmatch/data"
)

// Stream numbers: each part of a dataset draws from its own PCG stream, so
// that changing how one part is made leaves the others as they were.
const (
	streamEnterprises uint64 = 0x656e7465 + iota
	streamPatents
	streamEvent
	streamBenchEnterprises
	streamBenchPatents
)

// newRand returns the deterministic generator of one stream of seed.
func newRand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), stream*0x9e3779b97f4a7c15))
}

// pick returns a random element of list.
func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// chance reports true with probability percent/100.
func chance(r *rand.Rand, percent int) bool { return r.IntN(100) < percent }

// between returns a random int in [lo, hi].
func between(r *rand.Rand, lo, hi int) int { return lo + r.IntN(hi-lo+1) }

// weighted returns an index drawn with the given integer weights.
func weighted(r *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// pickN returns n distinct elements of list (all of them when n is larger),
// in random order.
func pickN[T any](r *rand.Rand, list []T, n int) []T {
	if n > len(list) {
		n = len(list)
	}
	idx := r.Perm(len(list))[:n]
	out := make([]T, n)
	for i, j := range idx {
		out[i] = list[j]
	}
	return out
}

// permutation maps 0..m-1 onto itself one to one (k -> (a·k + b) mod m with
// a coprime to m), so numbering records through it gives distinct but
// scattered-looking serial numbers.
type permutation struct{ a, b, m uint64 }

// newPermutation returns a permutation of 0..m-1 with offset b; a must be
// coprime to m.
func newPermutation(a, b, m uint64) permutation { return permutation{a, b % m, m} }

// at returns the image of k; k must be below m.
func (p permutation) at(k uint64) uint64 {
	if k >= p.m {
		panic("demo: permutation exhausted")
	}
	return (p.a%p.m*k + p.b) % p.m
}

// randDate returns a uniformly random day in [from, to].
func randDate(r *rand.Rand, from, to data.Date) data.Date {
	days := int(to.Time().Sub(from.Time()).Hours() / 24)
	if days <= 0 {
		return from
	}
	return data.DateOf(from.Time().AddDate(0, 0, r.IntN(days+1)))
}

// addDays returns d plus n days.
func addDays(d data.Date, n int) data.Date { return data.DateOf(d.Time().AddDate(0, 0, n)) }

// minDate returns the earlier of a and b.
func minDate(a, b data.Date) data.Date {
	if b.Before(a) {
		return b
	}
	return a
}

// maxDate returns the later of a and b.
func maxDate(a, b data.Date) data.Date {
	if b.After(a) {
		return b
	}
	return a
}

// at returns the UTC instant of a local (Asia/Shanghai) wall-clock time.
func at(d data.Date, hour, min int) time.Time {
	return d.At(hour, min, data.ChinaZone).UTC()
}
