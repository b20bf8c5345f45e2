package app

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"
	"time"

	"ipmatch/data"
	"ipmatch/matcher"
)

// The pool's book (data.Pool.Book) is what makes the caps hold across
// nodes. A deal change that puts a loan on a pool's book or changes it
// (files it, changes a filed loan, or records its compensation, which
// shrinks the pool's capacity) goes in two conditional writes:
//
//  1. the pool, at the revision read, with the deal's entry as it will be,
//     after the caps are checked against the book;
//  2. the deal, at its revision read (changeDeal).
//
// Two filings on any nodes cannot both pass the caps: both read the pool
// at one revision, only one write of it lands, and the other reads the
// book again, with the first filing in it, and checks again. If the deal's
// write then fails, the entry is taken back out (undoBook).
//
// The book each write checks against is the pool's deals as stored (so
// loans that came in by import, or before the book existed, count) plus
// the entries written within bookGrace whose deal is not stored as entered
// yet: filings in flight on other nodes, counted next to their deal's
// stored state until their write lands. Every count errs on the side of
// more loans, never fewer: an entry left by a node that died between the
// two writes refuses filings for bookGrace at most, and can never let one
// pass. A loan taken off a book (repaid, closed) needs no pool write: it
// only frees capacity.

// bookGrace is how long an entry counts as in flight: far beyond the time
// one deal write may take.
const bookGrace = 2 * time.Minute

// bookAttempts bounds how often one change reads and writes the pool again
// after losing the pool's revision to other writers.
const bookAttempts = 200

// onBook reports whether deal d is a loan on its pool's book, and its
// entry.
func onBook(d *data.Deal, at time.Time) (data.PoolFiling, bool) {
	if d.PoolID == "" || !matcher.ActiveFiling(d.Stage) && d.Stage != data.StageCompensated {
		return data.PoolFiling{}, false
	}
	return data.PoolFiling{DealID: d.ID, EnterpriseID: d.EnterpriseID, BankID: d.BankID, ProductID: d.ProductID,
		Amount: d.Amount, Stage: d.Stage, At: at}, true
}

// sameEntry reports whether two entries are the same loan in the same
// stage (whenever entered).
func sameEntry(a, b data.PoolFiling) bool {
	a.At, b.At = time.Time{}, time.Time{}
	return a == b
}

// bookEntry returns the entry of next in its pool's book when replacing
// old changes it, and false when no pool write is needed.
func bookEntry(old, next *data.Deal, now time.Time) (data.PoolFiling, bool) {
	newEntry, isOn := onBook(next, now)
	if !isOn {
		return data.PoolFiling{}, false
	}
	oldEntry, wasOn := onBook(old, now)
	return newEntry, !wasOn || old.PoolID != next.PoolID || !sameEntry(oldEntry, newEntry)
}

// writeBook enters entry, deal d's entry as d will be stored, in d's
// pool, checking the caps first when check is set, and returns how to take
// it out again; see the top of the file.
func (s *App) writeBook(ctx context.Context, d *data.Deal, entry data.PoolFiling, check bool) (undo func(), err error) {
	// Filings on one pool from this node queue here, so that only one
	// per node contends for the pool's revision: without it, each write
	// that lands sends every other filing in flight round again (200
	// racing filings on two nodes took 103 s on FerretDB instead of 7.6).
	mu := &s.books[stripe(d.PoolID, len(s.books))]
	mu.Lock()
	defer mu.Unlock()
	for attempt := 1; ; attempt++ {
		pool, err := s.store.Pools().Get(ctx, d.PoolID)
		if data.ErrorCode(err) == data.CodeNotFound {
			return nil, data.InvalidField("pool_id", "deal %s names pool %q, which does not exist", d.ID, d.PoolID)
		}
		if err != nil {
			return nil, err
		}
		book, counted, err := s.currentBook(ctx, &pool, d.ID)
		if err != nil {
			return nil, err
		}
		if check {
			if err := s.checkFiling(ctx, &pool, counted, d); err != nil {
				return nil, err
			}
		}
		var was *data.PoolFiling
		if i := slices.IndexFunc(pool.Book, func(f data.PoolFiling) bool { return f.DealID == d.ID }); i >= 0 {
			w := pool.Book[i]
			was = &w
		}
		pool.Book = withEntry(book, d.ID, &entry)
		err = s.store.Pools().Update(ctx, &pool)
		if err == nil {
			return func() { s.undoBook(ctx, d.ID, d.PoolID, entry, was) }, nil
		}
		if data.ErrorCode(err) != data.CodeStale || attempt == bookAttempts {
			return nil, lostRace(err, "the book of pool "+d.PoolID)
		}
		// Another filing won the pool's revision: read its book and check
		// again, after a short, random wait so the losers spread out.
		time.Sleep(time.Duration(rand.IntN(min(attempt, 10)*2+1)) * time.Millisecond)
	}
}

// undoBook puts the entry of deal id in pool poolID back from entered to
// was (nil: none), because the deal's own write failed. Best effort: an
// entry left behind counts for bookGrace at most.
func (s *App) undoBook(ctx context.Context, id, poolID string, entered data.PoolFiling, was *data.PoolFiling) {
	ctx = context.WithoutCancel(ctx)
	for range bookAttempts {
		pool, err := s.store.Pools().Get(ctx, poolID)
		if err != nil {
			return
		}
		i := slices.IndexFunc(pool.Book, func(f data.PoolFiling) bool { return f.DealID == id })
		if i < 0 || !sameEntry(pool.Book[i], entered) {
			return // changed by someone else since: theirs stands
		}
		pool.Book = withEntry(pool.Book, id, was)
		if err := s.store.Pools().Update(ctx, &pool); data.ErrorCode(err) != data.CodeStale {
			return
		}
	}
}

// withEntry returns book with deal id's entry replaced by e (removed when
// e is nil), in deal ID order.
func withEntry(book []data.PoolFiling, id string, e *data.PoolFiling) []data.PoolFiling {
	out := slices.DeleteFunc(slices.Clone(book), func(f data.PoolFiling) bool { return f.DealID == id })
	if e != nil {
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b data.PoolFiling) int { return cmp.Compare(a.DealID, b.DealID) })
	return out
}

// currentBook returns the book of pool as it stands, without deal skip:
// book, one entry per deal to store (an entry in flight over its deal's
// stored state), and counted, the loans to check a filing against (an
// entry in flight and its deal's stored state both; see the top of the
// file).
func (s *App) currentBook(ctx context.Context, pool *data.Pool, skip string) (book []data.PoolFiling, counted []data.Deal, err error) {
	deals, err := All(ctx, s.store.Deals(), data.ListOptions{Refs: data.Refs{Pool: pool.ID}})
	if err != nil {
		return nil, nil, err
	}
	entries := map[string]data.PoolFiling{}
	for i := range deals {
		d := &deals[i]
		if e, on := onBook(d, d.UpdatedAt); on && d.ID != skip {
			entries[d.ID] = e
			counted = append(counted, *d)
		}
	}
	cutoff := s.now().Add(-bookGrace)
	for _, f := range pool.Book {
		if f.DealID == skip || f.At.Before(cutoff) {
			continue
		}
		if e, ok := entries[f.DealID]; ok && sameEntry(e, f) {
			continue // its deal is stored as entered
		}
		entries[f.DealID] = f
		counted = append(counted, data.Deal{ID: f.DealID, EnterpriseID: f.EnterpriseID, BankID: f.BankID,
			ProductID: f.ProductID, PoolID: pool.ID, Amount: f.Amount, Stage: f.Stage})
	}
	for _, e := range entries {
		book = append(book, e)
	}
	slices.SortFunc(book, func(a, b data.PoolFiling) int { return cmp.Compare(a.DealID, b.DealID) })
	slices.SortStableFunc(counted, func(a, b data.Deal) int { return cmp.Compare(a.ID, b.ID) })
	return book, counted, nil
}
