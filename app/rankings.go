package app

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"maps"
	"slices"
	"sync"

	"ipmatch/data"
	"ipmatch/matcher"
)

// rankings keeps the most recent pipelines' rankings (matcher.Ranking:
// every enterprise of the match state evaluated for one product), so that
// the next page, another bank's view or the same pipeline asked again is a
// pass over the ranked rows rather than a new evaluation of 100,000
// enterprises: at a province, ranking was most of a pipeline's 17 ms and
// its 4.8 MB of rows most of what a pipeline allocated, which the garbage
// collector then had to make room for.
//
// A ranking depends on the compiled facts (a new *matcher.Compiled after
// any write to the records or for another day), the product and the pools;
// an entry is found only under the same compiled facts and the same
// product and pools, byte for byte. Entries of an older state of the same
// day are dropped when a newer one is cached, so a write never leaves a
// stale ranking, or the old facts it holds, behind.
type rankings struct {
	mu      sync.Mutex
	entries []rankingEntry // most recent first
}

type rankingEntry struct {
	compiled *matcher.Compiled
	key      uint64 // the product and the pools
	ranking  *matcher.Ranking
}

// maxRankings bounds the rankings kept: 16 × 4.8 MB of rows at 100,000
// enterprises, the pipelines of the products a province's banks are
// looking at in the same few minutes.
const maxRankings = 16

// rank returns the ranking of prod under c with pools, from the cache
// when it holds one.
func (rs *rankings) rank(ctx context.Context, c *matcher.Compiled, prod *data.Product, pools []data.Pool) (*matcher.Ranking, error) {
	key, ok := rankingKey(prod, pools)
	if ok {
		rs.mu.Lock()
		for _, e := range rs.entries {
			if e.compiled == c && e.key == key {
				rs.mu.Unlock()
				return e.ranking, nil
			}
		}
		rs.mu.Unlock()
	}
	r, err := c.Rank(ctx, prod, pools)
	if err != nil || !ok {
		return r, err
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	kept := []rankingEntry{{compiled: c, key: key, ranking: r}}
	for _, e := range rs.entries {
		stale := e.compiled != c && e.compiled.AsOf() == c.AsOf()
		if !stale && !(e.compiled == c && e.key == key) && len(kept) < maxRankings {
			kept = append(kept, e)
		}
	}
	rs.entries = kept
	return r, nil
}

// rankingKey identifies a product and pools by their JSON; ok is false
// when they cannot be encoded (the ranking is then not cached).
func rankingKey(prod *data.Product, pools []data.Pool) (uint64, bool) {
	h := fnv.New64a()
	enc := json.NewEncoder(h)
	if enc.Encode(prod) != nil || enc.Encode(pools) != nil {
		return 0, false
	}
	return h.Sum64(), true
}

// seenSets keeps, for recent compiled states, which enterprises each bank
// sees (matcher.Seen), so that a bank's pipeline page tests a bit per
// enterprise rather than its record and its registrations. An entry is
// found under the same compiled facts (every consent is in the records),
// the same bank and the same registrations (read anew on every request, so
// a registration or a no_thanks is in the next page); entries of an older
// state of the same day are dropped as for rankings.
type seenSets struct {
	mu      sync.Mutex
	entries []seenEntry // most recent first
}

type seenEntry struct {
	compiled *matcher.Compiled
	bankID   string
	regs     uint64 // the registrations the bank sees through
	seen     *matcher.Seen
}

// maxSeenSets bounds the sets kept: 12.5 KB each at 100,000 enterprises,
// for the banks of a province looking at pipelines in the same minutes.
const maxSeenSets = 64

// of returns what bank bankID sees of c, by bankSees.
func (ss *seenSets) of(ctx context.Context, pol *policy, c *matcher.Compiled, bankID string) (*matcher.Seen, error) {
	registered, err := pol.bankRegistered(ctx, bankID)
	if err != nil {
		return nil, err
	}
	h := fnv.New64a()
	for _, id := range slices.Sorted(maps.Keys(registered)) {
		h.Write([]byte(id))
		h.Write([]byte{0})
	}
	regs := h.Sum64()
	ss.mu.Lock()
	for _, e := range ss.entries {
		if e.compiled == c && e.bankID == bankID && e.regs == regs {
			ss.mu.Unlock()
			return e.seen, nil
		}
	}
	ss.mu.Unlock()
	seen := c.Seen(bankSeesWith(registered))
	ss.mu.Lock()
	defer ss.mu.Unlock()
	kept := []seenEntry{{compiled: c, bankID: bankID, regs: regs, seen: seen}}
	for _, e := range ss.entries {
		stale := e.compiled != c && e.compiled.AsOf() == c.AsOf()
		same := e.compiled == c && e.bankID == bankID
		if !stale && !same && len(kept) < maxSeenSets {
			kept = append(kept, e)
		}
	}
	ss.entries = kept
	return seen, nil
}
