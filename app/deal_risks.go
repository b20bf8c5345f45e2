package app

import (
	"context"
	"slices"
	"strconv"

	"ipmatch/data"
	"ipmatch/matcher"
)

// The collateral of a live deal, watched (issue 18): what threatens each
// pledged patent on a day, by data.Deal.CollateralRisks, for whoever may
// read the deal (the organizer, its bank, its enterprise).

// DefaultRiskWarnDays is how far ahead an annual fee falling due is
// warned of: a month, ipmatch's choice (not a CNIPA figure), time enough
// for a bank to have the enterprise pay before the due day.
const DefaultRiskWarnDays = 30

// MaxRiskWarnDays bounds the warning: a year covers every annual fee.
const MaxRiskWarnDays = 366

// WarnDaysParam reads a warn_days parameter ("" is DefaultRiskWarnDays);
// its range is checked where it is used (DealRisks, Monitor).
func WarnDaysParam(v string) (int, error) {
	if v == "" {
		return DefaultRiskWarnDays, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, data.InvalidField("warn_days", "must be a whole number of days, not %q", v)
	}
	return n, nil
}

// DealRisks is the watch of one deal on a day.
type DealRisks struct {
	DealID string     `json:"deal_id"`
	Stage  data.Stage `json:"stage"`
	// Live: disbursed (on or before AsOf) or its pledge registered, not
	// repaid; only live deals are watched.
	Live bool `json:"live"`
	// Disbursed and Maturity are the loan's days, when known.
	Disbursed data.Date `json:"disbursed,omitzero"`
	Maturity  data.Date `json:"maturity,omitzero"`
	AsOf      data.Date `json:"as_of"`
	WarnDays  int       `json:"warn_days"`
	// Risks lists what threatens the pledged patents (data.CollateralRisk).
	Risks []data.CollateralRisk `json:"risks"`
	// Lost lists the pledged patents that no longer secure the loan
	// (lapsed, invalidated, transferred, missing). Flag is the deal's level
	// by matcher.FlagOf, the pool's own reading (a fee merely falling due
	// warns but flags nothing: every patent has one a year), and Flagged
	// whether it is warning or lost.
	Lost    []string               `json:"lost"`
	Flag    matcher.CollateralFlag `json:"flag"`
	Flagged bool                   `json:"flagged"`
	// Collateral is the pledged patents' value recorded for the deal
	// (at 放款, or by the first daily check), and CollateralNow their value
	// on AsOf, the patents lost counting for nothing: 0 when the model
	// cannot value them.
	Collateral    *data.CollateralValue `json:"collateral,omitempty"`
	CollateralNow int64                 `json:"collateral_now"`
}

// DealRisks returns the watch of deal id on asOf (today when zero) with
// fees warned of warnDays ahead, for p, who must be able to read the deal
// (a deal p may not read is not found). warnDays outside 0..MaxRiskWarnDays
// is invalid, naming warn_days.
func (a *App) DealRisks(ctx context.Context, p *Caller, id string, asOf data.Date, warnDays int) (*DealRisks, error) {
	if warnDays < 0 || warnDays > MaxRiskWarnDays {
		return nil, data.InvalidField("warn_days", "must be from 0 to %d days, not %d", MaxRiskWarnDays, warnDays)
	}
	d, err := a.Deals.get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if asOf.IsZero() {
		asOf = a.Today()
	}
	out := &DealRisks{DealID: d.ID, Stage: d.Stage, Live: d.Live(), AsOf: asOf, WarnDays: warnDays, Risks: []data.CollateralRisk{}, Lost: []string{},
		Flag: matcher.FlagNone}
	out.Disbursed, _ = d.DisbursedOn()
	out.Maturity, _ = d.Maturity()
	out.Live = out.Live && !asOf.Before(out.Disbursed) // not yet lent on that day
	if !out.Live {
		return out, nil
	}
	risksOf, err := a.liveRisks(ctx, []data.Deal{*d}, asOf, warnDays)
	if err != nil {
		return nil, err
	}
	if risks := risksOf[d.ID]; risks != nil {
		out.Risks = risks
	}
	for _, r := range out.Risks {
		if r.Kind.LostCollateral() && !slices.Contains(out.Lost, r.Patent) {
			out.Lost = append(out.Lost, r.Patent)
		}
	}
	out.Flag = dealFlag(out.Risks)
	out.Flagged = out.Flag.Flagged()
	out.Collateral = d.Collateral
	out.CollateralNow = a.collateralNow(ctx, d, asOf)
	return out, nil
}

// dealFlag returns the flag of a deal with risks (matcher.FlagOf).
func dealFlag(risks []data.CollateralRisk) matcher.CollateralFlag {
	kinds := make([]data.RiskKind, len(risks))
	for i, r := range risks {
		kinds[i] = r.Kind
	}
	return matcher.FlagOf(kinds)
}

// DealFlags returns the collateral flag on asOf (today when zero) of each
// of deals that p may read and that is live and flagged (warning or lost),
// by deal ID: the deals pages' badge, read for many deals at once.
func (a *App) DealFlags(ctx context.Context, p *Caller, deals []data.Deal, asOf data.Date) (map[string]matcher.CollateralFlag, error) {
	if asOf.IsZero() {
		asOf = a.Today()
	}
	readable := slices.DeleteFunc(slices.Clone(deals), func(d data.Deal) bool { return !DealVisible(p, &d) })
	risksOf, err := a.liveRisks(ctx, readable, asOf, DefaultRiskWarnDays)
	if err != nil {
		return nil, err
	}
	out := map[string]matcher.CollateralFlag{}
	for id, risks := range risksOf {
		if f := dealFlag(risks); f.Flagged() {
			out[id] = f
		}
	}
	return out, nil
}
