package schedule

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"ipmatch/data"
)

// ---- Step 2: tables and slots by bipartite edge colouring ----

// colouring holds, for every enterprise and table node, which meeting sits
// in each slot (-1 when free).
type colouring struct {
	slots int
	at    []int32 // node*slots + slot
	ms    []Meeting
	node  func(m *Meeting) (u, v int)
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
func (p *problem) place(chosen []int) (*Result, error) {
	nE, nB, S := len(p.ents), len(p.banks), p.slots
	tableBase := make([]int, nB+1) // table nodes of bank b: nE + tableBase[b] + t
	for b := range nB {
		tableBase[b+1] = tableBase[b] + p.banks[b].Tables
	}
	c := &colouring{slots: S, at: make([]int32, (nE+tableBase[nB])*S)}
	for i := range c.at {
		c.at[i] = -1
	}
	c.node = func(m *Meeting) (int, int) {
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
		c.ms = append(c.ms, Meeting{EnterpriseID: p.ents[a.e].ID, BankID: p.banks[b].ID,
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

	res := &Result{Meetings: c.ms, Shortfalls: []Shortfall{}}
	slices.SortFunc(res.Meetings, func(a, b Meeting) int {
		return cmp.Or(cmp.Compare(a.Slot, b.Slot), cmp.Compare(a.BankID, b.BankID), cmp.Compare(a.Table, b.Table))
	})
	for _, m := range res.Meetings {
		res.Weight += m.Weight
	}
	p.explain(res, unplacedE, unplacedPairs)
	return res, nil
}
