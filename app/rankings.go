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
type rankings = keptByState[uint64, *matcher.Ranking] // by rankingKey

// maxRankings bounds the rankings kept: 16 × 4.8 MB of rows at 100,000
// enterprises, the pipelines of the products a province's banks are
// looking at in the same few minutes.
const maxRankings = 16

// rank returns the ranking of prod under c with pools, from rs when it
// holds one.
func rank(ctx context.Context, rs *rankings, c *matcher.Compiled, prod *data.Product, pools []data.Pool) (*matcher.Ranking, error) {
	key, ok := rankingKey(prod, pools)
	if ok {
		if r, found := rs.get(c, key); found {
			return r, nil
		}
	}
	r, err := c.Rank(ctx, prod, pools)
	if err != nil || !ok {
		return r, err
	}
	rs.put(c, key, r, maxRankings)
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
// a registration or a no_thanks is in the next page).
type seenSets = keptByState[seenKey, *matcher.Seen]

type seenKey struct {
	bankID string
	regs   uint64 // the registrations the bank sees through
}

// maxSeenSets bounds the sets kept: 12.5 KB each at 100,000 enterprises,
// for the banks of a province looking at pipelines in the same minutes.
const maxSeenSets = 64

// seenBy returns what bank bankID sees of c, by bankSees, from ss when it
// holds it.
func seenBy(ctx context.Context, ss *seenSets, pol *policy, c *matcher.Compiled, bankID string) (*matcher.Seen, error) {
	registered, err := pol.bankRegistered(ctx, bankID)
	if err != nil {
		return nil, err
	}
	h := fnv.New64a()
	for _, id := range slices.Sorted(maps.Keys(registered)) {
		h.Write([]byte(id))
		h.Write([]byte{0})
	}
	key := seenKey{bankID, h.Sum64()}
	if seen, ok := ss.get(c, key); ok {
		return seen, nil
	}
	seen := c.Seen(bankSeesWith(registered))
	ss.put(c, key, seen, maxSeenSets)
	return seen, nil
}

// keptByState keeps values derived from a compiled state, by key, most
// recent first. An entry is found only under the same state; entries of
// an older state of the same day are dropped when a newer one is put, so
// a write never leaves a stale value, or the old facts it holds, behind.
type keptByState[K comparable, V any] struct {
	mu      sync.Mutex
	entries []keptEntry[K, V] // most recent first
}

type keptEntry[K comparable, V any] struct {
	compiled *matcher.Compiled
	key      K
	val      V
}

// get returns the value kept under c and key.
func (k *keptByState[K, V]) get(c *matcher.Compiled, key K) (V, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, e := range k.entries {
		if e.compiled == c && e.key == key {
			return e.val, true
		}
	}
	var zero V
	return zero, false
}

// put keeps val under c and key, keeping at most max entries.
func (k *keptByState[K, V]) put(c *matcher.Compiled, key K, val V, max int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	kept := []keptEntry[K, V]{{compiled: c, key: key, val: val}}
	for _, e := range k.entries {
		stale := e.compiled != c && e.compiled.AsOf() == c.AsOf()
		same := e.compiled == c && e.key == key
		if !stale && !same && len(kept) < max {
			kept = append(kept, e)
		}
	}
	k.entries = kept
}
