package schedule

import (
	"context"
	"math"
	"slices"
)

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
	arcOf []int32 // forward arc of each candidateArc
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
func (p *problem) choose(ctx context.Context) ([]int, error) {
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
