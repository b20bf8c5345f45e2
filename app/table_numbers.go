package app

import "slices"

// Table numbers. A desk's tables are numbered 1..Tables within the desk
// (what the scheduler places, what pins store and what PUT
// .../schedule/meetings takes as "table"); at the venue every table of the
// event needs its own number. The event-wide number is the desk-local table
// plus the tables of the desks before it, desks in bank-ID order (the order
// of the grid's columns), so bank A's two tables are 1 and 2 and bank B's
// only table is 3. It depends only on the desks and their table counts, so
// recomputing or editing the schedule never renumbers a table.

// tableNumber returns the event-wide number of table (1-based within the
// desk) of bankID's desk; 0 when the bank has no desk at the event.
func (w *EventWorld) TableNumber(bankID string, table int) int {
	if w.tableBase == nil {
		w.tableBase = deskTableBases(w)
	}
	base, ok := w.tableBase[bankID]
	if !ok {
		return 0
	}
	return base + table
}

// deskTableBases returns, by bank, how many tables the desks before it
// have (desks in bank-ID order).
func deskTableBases(w *EventWorld) map[string]int {
	banks := make([]string, 0, len(w.BankPart))
	for id := range w.BankPart {
		banks = append(banks, id)
	}
	slices.Sort(banks)
	out := make(map[string]int, len(banks))
	next := 0
	for _, b := range banks {
		out[b] = next
		next += max(1, w.BankPart[b].Tables) // Normalize gives a desk at least one table
	}
	return out
}
