package data

import "context"

// sweepPage is how many records Sweep reads at once.
const sweepPage = 500

// Sweep deletes the records of table t for which gone reports true and
// returns how many it deleted; a record another sweeper deleted first
// counts for nothing. It reads the table a page at a time in ID order (the
// Table has no query on a record's body), so its cost grows with the
// table: fit for the small tables of the sign-in records, whose expired
// entries every node sweeps.
func Sweep[T any](ctx context.Context, t Table[T], k Kind[T], gone func(*T) bool) (int, error) {
	removed := 0
	after := ""
	for {
		page, _, err := t.List(ctx, ListOptions{After: after, Limit: sweepPage})
		if err != nil {
			return removed, err
		}
		for i := range page {
			if !gone(&page[i]) {
				continue
			}
			switch err := t.Delete(ctx, *k.ID(&page[i])); ErrorCode(err) {
			case "":
				removed++
			case CodeNotFound:
			default:
				return removed, err
			}
		}
		if len(page) < sweepPage {
			return removed, nil
		}
		after = *k.ID(&page[len(page)-1])
	}
}
