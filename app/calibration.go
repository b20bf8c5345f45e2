package app

import (
	"context"

	"ipmatch/data"
	"ipmatch/matcher"
)

// Calibrate compares m's model with every recorded appraisal and loan in
// store (matcher.Matcher.Calibrate): the report of `ipmatch calibrate` and
// of the organizer's page 估值校准. Only the organizer may see it: it spans
// every bank's appraisals and deals.
func Calibrate(ctx context.Context, store data.Store, m *matcher.Matcher) (matcher.CalibrationReport, error) {
	var in matcher.CalibrationInput
	var err error
	if in.Enterprises, err = All(ctx, store.Enterprises(), data.ListOptions{}); err != nil {
		return matcher.CalibrationReport{}, err
	}
	if in.Patents, err = All(ctx, store.Patents(), data.ListOptions{}); err != nil {
		return matcher.CalibrationReport{}, err
	}
	if in.Products, err = All(ctx, store.Products(), data.ListOptions{}); err != nil {
		return matcher.CalibrationReport{}, err
	}
	if in.Pools, err = All(ctx, store.Pools(), data.ListOptions{}); err != nil {
		return matcher.CalibrationReport{}, err
	}
	if in.Appraisals, err = All(ctx, store.Appraisals(), data.ListOptions{}); err != nil {
		return matcher.CalibrationReport{}, err
	}
	if in.Deals, err = All(ctx, store.Deals(), data.ListOptions{}); err != nil {
		return matcher.CalibrationReport{}, err
	}
	return m.Calibrate(ctx, in)
}

// appraisalsOf returns the recorded appraisals of the given enterprises
// (all of them when ids is nil). The matcher uses, for each product, only
// those its bank or the organizer recorded, so no bank's figure reaches
// another bank.
func appraisalsOf(ctx context.Context, store data.Store, ids []string) ([]data.Appraisal, error) {
	opts := data.ListOptions{}
	if ids != nil {
		opts.Enterprises = ids
	}
	return All(ctx, store.Appraisals(), opts)
}

// appraiserNames returns the appraisal firms' names by ID.
func appraiserNames(ctx context.Context, store data.Store) (map[string]string, error) {
	firms, err := All(ctx, store.Appraisers(), data.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(firms))
	for _, f := range firms {
		out[f.ID] = f.Name
	}
	return out, nil
}

// Calibration is Calibrate for a caller: only the organizer may see it,
// since it spans every bank's appraisals and deals.
func (a *App) Calibration(ctx context.Context, p *Caller) (matcher.CalibrationReport, error) {
	if err := organizerOnly(p, "see the model's calibration"); err != nil {
		return matcher.CalibrationReport{}, err
	}
	return Calibrate(ctx, a.store, a.model)
}

// AppraiserNames returns the appraisal firms' names by ID (firms are
// public: every role reads them).
func (a *App) AppraiserNames(ctx context.Context) (map[string]string, error) {
	return appraiserNames(ctx, a.store)
}
