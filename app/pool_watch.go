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
	var filings []data.Deal
	for _, d := range deals {
		if d.PoolID == pool.ID && matcher.ActiveFiling(d.Stage) && d.Live() {
			filings = append(filings, d)
		}
	}
	risksOf, err := a.liveRisks(ctx, filings, asOf, DefaultRiskWarnDays)
	if err != nil {
		return nil, err
	}
	flags := make(map[string][]data.RiskKind, len(risksOf))
	for id, risks := range risksOf {
		for _, r := range risks {
			flags[id] = append(flags[id], r.Kind)
		}
	}
	return flags, nil
}
