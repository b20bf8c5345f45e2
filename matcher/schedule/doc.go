// Package schedule plans the 1:1 meetings of a matchmaking event
// (docs/PRODUCT.md, "Meeting scheduling") in two exact steps.
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
package schedule
