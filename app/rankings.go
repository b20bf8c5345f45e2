package app

import (
	"context"
	"encoding/json"
	"hash/fnv"
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
