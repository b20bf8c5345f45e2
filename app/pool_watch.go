package app

import (
	"context"

	"ipmatch/data"
	"ipmatch/matcher"
)

// The fund manager's watch of a pool's collateral (issue 18): the risks of
// the pledged patents of every live filing of a pool on a day, read with
// one list of the patents, for matcher.PoolRisk's flags.

// poolFlags returns the kinds of the collateral risks on asOf of the live
// deals among deals that are active filings of pool (deal ID → kinds;
// deals without a risk are left out), fees warned of DefaultRiskWarnDays
// ahead. The pledged patents of all of them are read in one list; a
// patent not stored is missing.
func (a *App) poolFlags(ctx context.Context, pool *data.Pool, deals []data.Deal, asOf data.Date) (map[string][]data.RiskKind, error) {
	var live []*data.Deal
	var numbers []string
	seen := map[string]bool{}
	for i := range deals {
		d := &deals[i]
		if d.PoolID != pool.ID || !matcher.ActiveFiling(d.Stage) || !d.Live() {
			continue
		}
		live = append(live, d)
		for _, n := range d.Patents {
			if !seen[n] {
				seen[n] = true
				numbers = append(numbers, n)
			}
		}
	}
	flags := map[string][]data.RiskKind{}
	if len(live) == 0 {
		return flags, nil
	}
	var patents []data.Patent
	if len(numbers) > 0 {
		var err error
		if patents, err = All(ctx, a.store.Patents(), data.ListOptions{IDs: numbers}); err != nil {
			return nil, err
		}
	}
	byNumber := make(map[string]data.Patent, len(patents))
	for _, p := range patents {
		byNumber[p.ApplicationNumber] = p
	}
	for _, d := range live {
		// CollateralRisks looks each pledged patent up in the slice it
		// is given: give it the deal's own, not the pool's thousands.
		own := make([]data.Patent, 0, len(d.Patents))
		for _, n := range d.Patents {
			if p, ok := byNumber[n]; ok {
				own = append(own, p)
			}
		}
		for _, r := range d.CollateralRisks(own, asOf, DefaultRiskWarnDays) {
			flags[d.ID] = append(flags[d.ID], r.Kind)
		}
	}
	return flags, nil
}
