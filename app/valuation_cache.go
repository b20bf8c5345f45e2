package app

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"ipmatch/data"
	"ipmatch/matcher"
)

// valuationCacheSize bounds the Monte Carlo valuations a node keeps: an
// answer is a few kilobytes, so 4,096 (every enterprise of a large event
// several times over, a busy day's distinct requests at a province) is
// about 20 MB at most.
const valuationCacheSize = 4096

// valuations caches Monte Carlo valuations by everything they depend on:
// the enterprise and its patents as recorded (their whole records, so any
// write is a new key), the as-of date, the draws and seed asked for and
// the model (one per App). A valuation is a pure function of those, so an
// answer from the cache is the one a fresh computation gives
// (TestValuationCacheAgreesWithFresh); an unchanged enterprise's draws are
// not redrawn per request, and concurrent requests for the same key wait
// for one computation.
type valuations struct {
	once  sync.Once
	cache *lru.Cache[valuationKey, *valuationEntry]
	// computed counts computations (not cache hits), for tests.
	computed atomic.Int64
	// observe, when set, is told how long each computation took
	// (Config.Observe).
	observe func(work string, d time.Duration)
}

type valuationKey [sha256.Size]byte

// valuationEntry is one computation, shared by the requests that ask for
// it while it runs.
type valuationEntry struct {
	done chan struct{}
	v    matcher.EnterpriseValuation
	err  error
}

// valuationKeyOf hashes the inputs of a valuation. Records marshal
// deterministically (struct fields in order), so equal inputs give equal
// keys.
func valuationKeyOf(e *data.Enterprise, patents []data.Patent, asOf data.Date, opts matcher.ValuationOptions) (valuationKey, error) {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, v := range []any{e, patents, asOf, opts.Draws, opts.Seed} { // a nil Seed (the model's) is null
		if err := enc.Encode(v); err != nil {
			return valuationKey{}, err
		}
	}
	var k valuationKey
	h.Sum(k[:0])
	return k, nil
}

// value returns model's valuation of e and its patents, from the cache
// when the same inputs were valued before. The answer is the caller's to
// change (redaction trims it): the cache keeps its own copy.
func (vs *valuations) value(ctx context.Context, model *matcher.Matcher, e *data.Enterprise, patents []data.Patent, asOf data.Date, opts matcher.ValuationOptions) (matcher.EnterpriseValuation, error) {
	vs.once.Do(func() { vs.cache, _ = lru.New[valuationKey, *valuationEntry](valuationCacheSize) })
	key, err := valuationKeyOf(e, patents, asOf, opts)
	if err != nil {
		return matcher.EnterpriseValuation{}, err
	}
	entry := &valuationEntry{done: make(chan struct{})}
	if prev, found, _ := vs.cache.PeekOrAdd(key, entry); found {
		select {
		case <-prev.done:
		case <-ctx.Done():
			return matcher.EnterpriseValuation{}, ctx.Err()
		}
		vs.cache.Get(key) // mark it recently used
		if prev.err != nil {
			return matcher.EnterpriseValuation{}, prev.err
		}
		return cloneValuation(prev.v), nil
	}
	vs.computed.Add(1)
	// The computation runs under its own context, so that a caller that
	// gives up does not fail the others waiting for the same key; its
	// work is bounded by MaxValuationDraws.
	start := time.Now()
	entry.v, entry.err = model.ValueEnterprise(context.WithoutCancel(ctx), e, patents, asOf, opts)
	if vs.observe != nil {
		vs.observe("valuation", time.Since(start))
	}
	close(entry.done)
	if entry.err != nil { // an invalid portfolio: not kept, the waiters get the error
		vs.cache.Remove(key)
		return matcher.EnterpriseValuation{}, entry.err
	}
	return cloneValuation(entry.v), nil
}

// cloneValuation copies every part of v that redactValuation changes, so
// that trimming one caller's answer leaves the cached one whole.
func cloneValuation(v matcher.EnterpriseValuation) matcher.EnterpriseValuation {
	v.Indicators = slices.Clone(v.Indicators)
	for i := range v.Indicators {
		v.Indicators[i].Scores = slices.Clone(v.Indicators[i].Scores)
	}
	v.Calibration = slices.Clone(v.Calibration)
	if v.Valuation != nil {
		pv := *v.Valuation
		pv.Patents = slices.Clone(pv.Patents)
		pv.Notes = slices.Clip(slices.Clone(pv.Notes))
		pv.Parameters.MarginYears = slices.Clone(pv.Parameters.MarginYears)
		v.Valuation = &pv
	}
	return v
}
